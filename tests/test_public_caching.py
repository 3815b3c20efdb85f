"""Conditional answers of the public record pages: ETag and Last-Modified, 304 while nothing
they show changed, a new page once something did (a record, or the clock passing a meeting's
start), private caching for signed-in readers, and 404s left as they were."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cop import clock
from cop.challenges.models import ChallengeStatus
from tests.factories import (
    make_challenge,
    make_group,
    make_meeting,
    make_outcome,
    make_practice,
    make_solution,
    make_user,
)


@pytest.fixture
def world(session):
    group = make_group(session, slug="innovation-diffusion")
    owner = make_user(session)
    world = dict(
        group=group,
        owner=owner,
        meeting=make_meeting(session, group, starts_in=timedelta(days=3)),
        challenge=make_challenge(session, group, status=ChallengeStatus.ACCEPTED),
        practice=make_practice(session, group),
        solution=make_solution(session, group, owner, public=True),
    )
    session.commit()
    return world


def pages(world) -> list[str]:
    return [
        "/",
        "/groups/innovation-diffusion/",
        f"/meetings/{world['meeting'].id}",
        f"/challenges/{world['challenge'].id}",
        f"/practices/{world['practice'].id}",
        f"/solutions/{world['solution'].id}",
    ]


def test_public_pages_answer_304_until_something_they_show_changes(client, session, world):
    tags = {}
    for path in pages(world):
        first = client.get(path)
        assert first.status_code == 200, path
        assert first.headers["Last-Modified"], path
        assert "public" in first.headers["Cache-Control"], path
        tags[path] = first.headers["ETag"]
        again = client.get(path, headers={"If-None-Match": tags[path]})
        assert again.status_code == 304, path
        assert again.data == b""

    make_outcome(session, world["group"], world["owner"], published=True, title="A new brief")
    session.commit()
    for path in pages(world):
        changed = client.get(path, headers={"If-None-Match": tags[path]})
        assert changed.status_code == 200, path
        assert changed.headers["ETag"] != tags[path], path
    assert "A new brief" in client.get("/").get_data(as_text=True)


def test_a_page_changes_when_a_meeting_it_shows_starts(client, world):
    path = f"/meetings/{world['meeting'].id}"
    tag = client.get(path).headers["ETag"]

    with clock.fixed_at(clock.now() + timedelta(days=4)):
        later = client.get(path, headers={"If-None-Match": tag})

    assert later.status_code == 200


def test_signed_in_readers_get_private_answers_of_their_own(client, browser, world):
    anonymous = client.get(f"/solutions/{world['solution'].id}").headers["ETag"]
    browser.login(world["owner"])
    shown_once = client.get(f"/solutions/{world['solution'].id}")  # its welcome, not kept
    assert shown_once.headers["Cache-Control"] == "no-store"

    mine = client.get(f"/solutions/{world['solution'].id}")

    assert "private" in mine.headers["Cache-Control"]
    assert mine.headers["ETag"] != anonymous
    assert (
        client.get(
            f"/solutions/{world['solution'].id}", headers={"If-None-Match": anonymous}
        ).status_code
        == 200
    )


@pytest.mark.parametrize(
    "path", ["/groups/nowhere/", "/meetings/999999", "/challenges/999999", "/practices/999999"]
)
def test_unknown_records_are_still_not_found(client, world, path):
    assert client.get(path).status_code == 404


def test_a_members_only_solution_stays_hidden(client, session, world):
    private = make_solution(session, world["group"], world["owner"], title="Members only")
    session.commit()

    assert client.get(f"/solutions/{private.id}").status_code == 404


def test_the_version_costs_one_query(app, session, world, count_queries):
    from cop.site.freshness import site_version

    with app.test_request_context(), count_queries() as counter:
        site_version(session)
    assert counter.count == 1


def test_a_process_reuses_the_version_it_read_for_a_few_seconds(app, session, monkeypatch):
    """Counting every table on each view costs; within PUBLIC_VERSION_SECONDS a process reuses
    what it read, so a change shows that much late at most, and then it reads again."""
    from cop.site import freshness

    make_group(session)
    session.commit()
    app.config["PUBLIC_VERSION_SECONDS"] = 5
    now = [1000.0]
    monkeypatch.setattr(freshness.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(freshness, "_last_read", {})
    reads = []
    real = freshness._read_row
    monkeypatch.setattr(freshness, "_read_row", lambda *args: reads.append(1) or real(*args))
    with app.test_request_context():
        first, _ = freshness.site_version(session)
        make_group(session)
        session.flush()
        now[0] += 4
        assert freshness.site_version(session)[0] == first
        now[0] += 2
        assert freshness.site_version(session)[0] != first
    assert len(reads) == 2
