"""The group page's window on the group's work: the challenges ranked first and the newest
published good practices, as anyone may read them, in a fixed number of queries."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from cop.challenges.models import ChallengeStatus, GoodPractice, PracticeStatus
from tests.factories import make_challenge, make_group


def practice(session, group, title: str, status=PracticeStatus.PUBLISHED, days_ago: int = 1):
    published = datetime(2026, 11, 1, tzinfo=UTC) - timedelta(days=days_ago)
    row = GoodPractice(
        group=group,
        title=title,
        region_code="FI1B",
        status=status,
        published_at=published if status is PracticeStatus.PUBLISHED else None,
    )
    session.add(row)
    session.flush()
    return row


def section(page: str, title_id: str) -> str:
    return page.split(f'id="{title_id}"')[1].split("</section>")[0]


def titles(html: str, kind: str) -> list[str]:
    return re.findall(rf'<a href="/{kind}/\d+">([^<]+)</a>', html)


def test_the_group_page_shows_ranked_challenges_and_newest_practices(client, session):
    group = make_group(session, slug="diffusion")
    make_challenge(session, group, title="Proposed, for members", status=ChallengeStatus.PROPOSED)
    make_challenge(session, group, title="Second", status=ChallengeStatus.ACCEPTED, priority=2)
    make_challenge(
        session, group, title="First", status=ChallengeStatus.BEING_ADDRESSED, priority=1
    )
    make_challenge(session, group, title="Unranked", status=ChallengeStatus.ACCEPTED)
    practice(session, group, "Older practice", days_ago=9)
    practice(session, group, "Newest practice", days_ago=1)
    practice(session, group, "A draft", status=PracticeStatus.DRAFT)
    session.commit()

    page = client.get("/groups/diffusion/").get_data(as_text=True)

    challenges = section(page, "top-challenges-title")
    assert titles(challenges, "challenges") == ["First", "Second", "Unranked"]
    assert "Priority 1" in challenges and "All challenges of" in challenges
    practices = section(page, "new-practices-title")
    assert titles(practices, "practices") == ["Newest practice", "Older practice"]
    assert "A draft" not in page and "Proposed, for members" not in page


def test_the_group_page_queries_do_not_grow_with_challenges_and_practices(
    client, session, count_queries
):
    group = make_group(session, slug="counted")
    session.commit()

    def queries() -> int:
        with count_queries() as counter:
            assert client.get("/groups/counted/").status_code == 200
        return counter.count

    for number in range(3):
        make_challenge(session, group, status=ChallengeStatus.ACCEPTED, title=f"C{number}")
        practice(session, group, f"P{number}", days_ago=number)
    session.commit()
    few = queries()
    for number in range(3, 30):
        make_challenge(session, group, status=ChallengeStatus.ACCEPTED, title=f"C{number}")
        practice(session, group, f"P{number}", days_ago=number)
    session.commit()
    assert queries() == few
