"""Challenges and good practices in Chromium: the demo member raises a challenge with the
keyboard alone, the coordinator accepts it, the member endorses another; axe checks the
challenge and practice pages and their forms."""

from __future__ import annotations

from sqlalchemy import select

from cop.challenges.models import (
    Challenge,
    ChallengeStatus,
    Endorsement,
    GoodPractice,
    PracticeStatus,
)
from cop.db import get_session
from cop.members.models import User, WorkingGroup
from tests.browser.test_joining_a_group import AccessibilityLog
from tests.browser.test_meetings_journey import log_in

SLUG = "innovation-diffusion"
CHALLENGES = f"/groups/{SLUG}/challenges/"
PRACTICES = f"/groups/{SLUG}/practices/"
TITLE = "Regional procurement rarely buys from innovative SMEs"


def one_to_endorse_and_a_practice(live_server) -> tuple[str, int, int]:
    """An accepted challenge of the group the demo member neither raised nor endorsed, and a
    published practice."""
    with live_server.app.app_context():
        session = get_session()
        member = session.scalar(select(User).where(User.email == "member@example.org"))
        group = session.scalar(select(WorkingGroup).where(WorkingGroup.slug == SLUG))
        endorsed = select(Endorsement.challenge_id).where(Endorsement.user_id == member.id)
        challenge = session.scalar(
            select(Challenge)
            .where(
                Challenge.group_id == group.id,
                Challenge.status == ChallengeStatus.ACCEPTED,
                Challenge.raised_by_id != member.id,
                Challenge.id.not_in(endorsed),
                Challenge.title != TITLE,
            )
            .order_by(Challenge.id)
        )
        practice = session.scalar(
            select(GoodPractice)
            .where(
                GoodPractice.group_id == group.id,
                GoodPractice.status == PracticeStatus.PUBLISHED,
            )
            .order_by(GoodPractice.id)
        )
        assert challenge is not None and practice is not None
        return challenge.title, challenge.id, practice.id


def test_raise_accept_and_endorse_a_challenge(chromium, live_server):
    a11y = AccessibilityLog()
    other_title, other_id, practice_id = one_to_endorse_and_a_practice(live_server)

    # The member finds the group's challenges and raises one with the keyboard alone.
    context, page = log_in(chromium, live_server, "member@example.org", "demo-member-password")
    page.goto(live_server + CHALLENGES)
    a11y.check(page)
    page.get_by_role("link", name="Raise a challenge").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/challenges/new")
    a11y.check(page)
    page.get_by_label("Title").focus()
    page.keyboard.type(TITLE)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "description"
    page.keyboard.type("Tenders ask for three years of accounts, which start-ups do not have.")
    # The first theme, reached by tabbing on from the description and ticked with Space.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "checkbox"
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked") is True
    page.get_by_role("button", name="Propose the challenge").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    a11y.check(page)
    assert "is proposed: the group's coordinators will consider it." in page.content()
    assert TITLE in page.content()
    challenge_url = page.url
    context.close()

    # The coordinator accepts it.
    context, page = log_in(
        chromium, live_server, "coordinator@example.org", "demo-coordinator-password"
    )
    page.goto(challenge_url)
    page.get_by_role("button", name="Accept this challenge").click()
    page.wait_for_load_state()
    a11y.check(page)
    assert "The challenge is now “Accepted”." in page.content()
    context.close()

    # The member endorses another accepted challenge, for their organisation's region.
    context, page = log_in(chromium, live_server, "member@example.org", "demo-member-password")
    page.goto(f"{live_server}/challenges/{other_id}")
    a11y.check(page)
    assert other_title in page.content()
    page.get_by_role("button", name="My region faces this too").click()
    page.wait_for_load_state()
    a11y.check(page)
    assert "Thank you: your endorsement is counted." in page.content()
    assert "You endorsed this for" in page.content()

    # The practices: their list, one of them, and the form to document one.
    page.goto(live_server + PRACTICES)
    a11y.check(page)
    page.goto(f"{live_server}/practices/{practice_id}")
    a11y.check(page)
    page.goto(live_server + PRACTICES)
    page.get_by_role("link", name="Document a good practice").click()
    page.wait_for_load_state()
    assert page.url.endswith("/practices/new")
    a11y.check(page)
    context.close()

    # Everyone now reads the accepted challenge.
    visitor = chromium.new_context()
    page = visitor.new_page()
    page.goto(challenge_url)
    assert TITLE in page.content()
    a11y.check(page)
    visitor.close()

    assert a11y.problems == []
