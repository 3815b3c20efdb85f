"""A group's challenge and good practice lists over 10,000 records: listed, searched and filtered
in as many SQL queries as over 50. The records are the scaled demo's (cop.demo_scale), written
with bulk inserts: the database's full-text index takes them in as they are inserted."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bench.pages import challenge_values, log_in
from cop.demo_scale import (
    SCALE_MEMBER,
    SEARCH_WORD,
    ScalePlan,
    add_challenges,
    group_slug,
    load_scaled_demo,
)
from cop.members.models import Helix, WorkingGroup
from tests.factories import make_organisation

NOW = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)
FEW, MANY = 50, 10_000
PLAN = ScalePlan(
    members=40, groups=1, meetings_per_group=7, member_groups=1, challenges=FEW, practices=FEW
)
SLUG = group_slug(0)
TOTAL = re.compile(r"([\d,]+) (?:challenges?|practices?)\b")


@pytest.fixture
def group_id(session) -> int:
    """The scaled demo's group, with 50 challenges and 50 good practices; its people work for
    organisations of every helix (as the demo's do), in regions of four countries."""
    for helix, region in zip(Helix, ("ES30", "FI1B", "BE10", "DE11"), strict=True):
        make_organisation(session, helix=helix, region_code=region)
    load_scaled_demo(session, PLAN, now=NOW)
    session.commit()
    return session.scalar(select(WorkingGroup.id).where(WorkingGroup.slug == SLUG))


def measure(readers, paths, count_queries) -> dict[tuple[str, str], tuple[int, int]]:
    """Each page's (SQL statements, records found) for each reader."""
    found = {}
    for name, client in readers.items():
        for path in paths:
            with count_queries() as counted:
                response = client.get(path)
            assert response.status_code == 200, path
            total = TOTAL.search(response.get_data(as_text=True))
            found[name, path] = (counted.count, int(total.group(1).replace(",", "")))
    return found


def compare(app, session, group_id, paths, count_queries, **more) -> None:
    """The pages' query counts over 50 records, then over 10,000: the same; the searches find
    some of the records at both sizes, and more of them over 10,000."""
    member = app.test_client()
    log_in(member, SCALE_MEMBER)
    readers = {"anonymous": app.test_client(), "member": member}
    for client in readers.values():
        for path in paths:
            client.get(path)  # anything a first request loads once
    few = measure(readers, paths, count_queries)

    add_challenges(session, group_id, now=NOW, **more)
    session.commit()
    many = measure(readers, paths, count_queries)

    for key, (statements, total) in few.items():
        assert many[key][0] == statements, key
        assert 0 < total < many[key][1], key


def test_challenge_search_over_10000_challenges_takes_the_queries_of_50(
    app, session, group_id, count_queries
):
    values = challenge_values(session, SLUG)
    base = f"/groups/{SLUG}/challenges/"
    paths = [
        base,
        f"{base}?q={SEARCH_WORD}",
        f"{base}?q={SEARCH_WORD}&theme={values['theme']}&country={values['country']}",
        f"{base}?theme={values['theme']}&country={values['country']}",
        f"{base}?region={values['region']}&helix={values['helix']}",
    ]
    compare(app, session, group_id, paths, count_queries, challenges=MANY - FEW, practices=0)


def test_practice_search_over_10000_practices_takes_the_queries_of_50(
    app, session, group_id, count_queries
):
    values = challenge_values(session, SLUG)
    theme, country = values["practice_theme"], values["practice_country"]
    base = f"/groups/{SLUG}/practices/"
    paths = [
        base,
        f"{base}?q={SEARCH_WORD}",
        f"{base}?q={SEARCH_WORD}&theme={theme}&country={country}",
        f"{base}?region={values['practice_region']}",
    ]
    compare(app, session, group_id, paths, count_queries, challenges=0, practices=MANY - FEW)
