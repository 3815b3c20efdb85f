"""The member's dashboard: what moved on the challenges their region endorsed, their support
requests and what they follow; empty states; a fixed number of queries."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from cop.activities.models import ActivityStatus, SupportStatus
from cop.audit.models import AuditEntry
from cop.challenges import decisions
from cop.challenges.models import ChallengeStatus, PracticeStatus
from cop.db import utcnow
from cop.mail import follows
from cop.meetings.times import day_label
from cop.members.models import Region, Role
from tests.conftest import Browser
from tests.factories import (
    make_activity,
    make_challenge,
    make_endorsement,
    make_group,
    make_membership,
    make_organisation,
    make_practice,
    make_support_request,
    make_user,
)

PATH = "/account/dashboard"


def browser_for(app, person=None) -> Browser:
    browser = Browser(app.test_client())
    if person is not None:
        browser.login(person)
    return browser


def main_of(response) -> str:
    page = response.get_data(as_text=True)
    return html.unescape(page[page.index("<main") : page.index("</main>")])


def section(page: str, title: str) -> str:
    """The text of the dashboard's section whose heading is `title`."""
    start = page.index(f">{title}</h2>")
    end = page.find("</section>", start)
    return page[start:end]


def moves_of(page: str, challenge_title: str) -> list[str]:
    """The moves listed under a challenge, as text without tags, newest first."""
    start = page.index(f">{challenge_title}</a></h3>")
    block = page[start : page.find("</ol>", start)]
    items = re.findall(r"<li>(.*?)</li>", block, re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", item).split()) for item in items]


@pytest.fixture
def world(app, session):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    other = make_group(session, slug="industrial-transition", name="Industrial Transition")
    brussels = make_organisation(session, name="Brussels Agency", region_code="BE10")
    helsinki = make_organisation(session, name="Helsinki Hub", region_code="FI1B")
    vera = make_user(session, name="Vera Viewer", organisation=brussels)
    bea = make_user(session, name="Bea Brussels", organisation=brussels)
    eino = make_user(session, name="Eino Endorser", organisation=helsinki)
    cora = make_user(session, name="Cora Coordinator", organisation=helsinki)
    for person in (vera, bea, eino):
        make_membership(session, person, group)
    make_membership(session, cora, group, role=Role.COORDINATOR)
    make_membership(session, bea, other)
    session.commit()
    return {"group": group, "other": other, "vera": vera, "bea": bea, "eino": eino, "cora": cora}


@pytest.fixture
def endorsed(app, session, world):
    """Challenges of the group endorsed from Brussels (and others that are not listed), with
    moves of the last 60 days and older ones."""
    group, bea, eino, cora = world["group"], world["bea"], world["eino"], world["cora"]
    old = utcnow() - timedelta(days=90)
    vouchers = make_challenge(
        session, group, status=ChallengeStatus.ACCEPTED, title="SMEs do not adopt digital tools"
    )
    quiet = make_challenge(
        session, group, status=ChallengeStatus.PROPOSED, title="Quiet proposed challenge"
    )
    duplicate = make_challenge(
        session, group, status=ChallengeStatus.ACCEPTED, title="Digital tools for SMEs"
    )
    finnish = make_challenge(
        session, group, status=ChallengeStatus.ACCEPTED, title="Endorsed in Helsinki only"
    )
    closed = make_challenge(
        session, group, status=ChallengeStatus.CLOSED, title="Closed one",
        decision_note="Out of scope.",
    )  # fmt: skip
    foreign = make_challenge(
        session, world["other"], status=ChallengeStatus.ACCEPTED, title="Other group's one"
    )
    make_endorsement(session, vouchers, bea, region_code="BE10").created_at = old
    make_endorsement(session, quiet, bea, region_code="BE10").created_at = old
    make_endorsement(session, duplicate, world["vera"], region_code="BE10").created_at = old
    make_endorsement(session, closed, bea, region_code="BE10").created_at = old
    make_endorsement(session, foreign, bea, region_code="BE10").created_at = old
    make_endorsement(session, finnish, eino, region_code="FI1B")
    # Recent moves on the vouchers challenge.
    make_endorsement(session, vouchers, eino, region_code="FI1B")
    practice = make_practice(
        session, group, title="Helsinki digital coaches", region_code="FI1B",
        challenges=(vouchers,),
    )  # fmt: skip
    make_practice(
        session, group, title="Old practice", challenges=(vouchers,),
        published_at=old,
    )  # fmt: skip
    make_practice(
        session, group, title="Draft practice", challenges=(vouchers,),
        status=PracticeStatus.SUBMITTED,
    )  # fmt: skip
    planned = make_activity(session, group, title="Voucher peer review", challenges=(vouchers,))
    completed = make_activity(
        session, group, title="Study visit to Espoo", challenges=(vouchers,),
        status=ActivityStatus.COMPLETED, started_at=utcnow() - timedelta(days=10),
    )  # fmt: skip
    make_activity(
        session, group, title="Cancelled mission", challenges=(vouchers,),
        status=ActivityStatus.CANCELLED, cancel_reason="No host.",
    )  # fmt: skip
    make_support_request(session, vouchers, eino, region_code="FI1B")
    session.commit()
    with app.test_request_context():
        decisions.advance_challenge(session, cora, vouchers.id)
        decisions.merge_challenge(session, cora, duplicate.id, vouchers.id, "Same challenge.")
        decisions.prioritise(session, cora, group.id, [vouchers.id])
        session.commit()
    # An old decision is not shown.
    old_entry = AuditEntry(
        at=old, actor_id=cora.id, action="challenge.accepted",
        record_type="challenges", record_id=str(vouchers.id),
    )  # fmt: skip
    session.add(old_entry)
    session.commit()
    return {
        "vouchers": vouchers,
        "quiet": quiet,
        "practice": practice,
        "planned": planned,
        "completed": completed,
    }


def test_challenges_endorsed_from_the_region_with_what_moved(app, session, world, endorsed):
    page = main_of(browser_for(app, world["vera"]).client.get(PATH))
    part = section(page, "Challenges your region endorsed")

    titles = re.findall(r'<h3><a href="/challenges/\d+">([^<]+)</a></h3>', part)
    # Those that moved last first; closed, merged, other groups' and other regions' left out.
    assert titles == ["SMEs do not adopt digital tools", "Quiet proposed challenge"]
    assert "Région de Bruxelles-Capitale" in part

    moves = moves_of(part, "SMEs do not adopt digital tools")
    assert len(moves) == 8  # the latest eight of ten
    texts = [move.split(": ", 1)[1] for move in moves]
    assert texts[:3] == [
        "Ranked 1",
        "“Digital tools for SMEs” was merged into this challenge",
        "Marked as being addressed",
    ]
    assert set(texts[3:]) <= {
        "Support requested for Helsinki-Uusimaa, Finland",
        "Activity planned: Voucher peer review",
        "Activity planned: Study visit to Espoo",
        "Activity completed: Study visit to Espoo",
        "Good practice published: Helsinki digital coaches",
        "Endorsed for Helsinki-Uusimaa, Finland",
    }
    # Started ten days ago, the oldest of the ten: left out by the bound.
    assert "Activity started: Study visit to Espoo" not in texts
    for absent in ("Old practice", "Draft practice", "Cancelled mission", "Accepted"):
        assert absent not in texts
    assert "Nothing moved on it in the last 60 days." in part
    assert f'href="/activities/{endorsed["planned"].id}"' in part
    assert f'href="/practices/{endorsed["practice"].id}"' in part


def test_all_moves_are_listed_when_few(app, session, world, endorsed):
    """Without the bound: every kind of move reads as it should."""
    from cop.site import dashboard

    original = dashboard.MOVES_PER_CHALLENGE
    dashboard.MOVES_PER_CHALLENGE = 20
    try:
        page = main_of(browser_for(app, world["vera"]).client.get(PATH))
    finally:
        dashboard.MOVES_PER_CHALLENGE = original
    texts = {m.split(": ", 1)[1] for m in moves_of(page, "SMEs do not adopt digital tools")}
    assert texts == {
        "Ranked 1",
        "“Digital tools for SMEs” was merged into this challenge",
        "Marked as being addressed",
        "Support requested for Helsinki-Uusimaa, Finland",
        "Activity planned: Voucher peer review",
        "Activity planned: Study visit to Espoo",
        "Activity started: Study visit to Espoo",
        "Activity completed: Study visit to Espoo",
        "Good practice published: Helsinki digital coaches",
        "Endorsed for Helsinki-Uusimaa, Finland",
    }


def test_support_requests_and_what_is_followed(app, session, world, endorsed):
    vera, vouchers = world["vera"], endorsed["vouchers"]
    waiting = make_support_request(session, vouchers, vera)
    declined = make_support_request(
        session, endorsed["quiet"], vera, status=SupportStatus.DECLINED,
        answer="Not this year.",
    )  # fmt: skip
    make_support_request(session, vouchers, world["bea"])  # someone else's
    for target, record in (
        (follows.CHALLENGE, vouchers),
        (follows.PRACTICE, endorsed["practice"]),
        (follows.ACTIVITY, endorsed["planned"]),
        (follows.SUPPORT_REQUEST, declined),
    ):
        follows.follow(session, vera, target, record.id)
    follows.follow(session, world["bea"], follows.ACTIVITY, endorsed["completed"].id)
    session.commit()

    page = main_of(browser_for(app, vera).client.get(PATH))

    requests = section(page, "Your support requests")
    assert re.findall(r'href="/support-requests/(\d+)"', requests) == [
        str(declined.id),
        str(waiting.id),
    ]
    # Named as everywhere else, with the date it was asked.
    assert "Support for" not in requests
    brussels = session.get(Region, "BE10").name
    assert f"Peer learning for {brussels} on “SMEs do not adopt digital tools”" in requests
    assert f"asked on {day_label(waiting.created_at, 'Europe/Brussels')}" in requests
    assert "Waiting for an answer" in requests and "Declined" in requests
    followed = section(page, "What you follow")
    assert f'<a href="/challenges/{vouchers.id}">SMEs do not adopt digital tools</a>' in followed
    assert (
        f'<a href="/practices/{endorsed["practice"].id}">Helsinki digital coaches</a>' in followed
    )
    assert f'<a href="/activities/{endorsed["planned"].id}">Voucher peer review</a>' in followed
    assert f'href="/support-requests/{declined.id}"' in followed
    quiet = endorsed["quiet"].title
    assert f'Peer learning for {brussels} on “{quiet}”</a> <span class="meta">asked on' in followed
    assert "Study visit to Espoo" not in followed


def test_empty_states(app, session, world):
    nobody = make_user(session, name="Nadia Nogroup", organisation=make_organisation(session))
    no_region = make_user(session, name="Rui Noregion")
    make_membership(session, no_region, world["group"])
    session.commit()

    page = main_of(browser_for(app, nobody).client.get(PATH))
    assert "You are not an active member of a working group yet" in page
    assert "You have not asked for support yet." in page
    assert "You follow nothing yet." in page

    page = main_of(browser_for(app, no_region).client.get(PATH))
    assert "Your organisation has no region" in page

    page = main_of(browser_for(app, world["vera"]).client.get(PATH))
    assert "No open challenge of your groups has been endorsed from" in page


def test_the_dashboard_is_linked_from_the_navigation(app, world):
    page = browser_for(app, world["vera"]).client.get(PATH).get_data(as_text=True)
    assert page.count(f'href="{PATH}" aria-current="page"') == 2  # main and account navs


def test_the_dashboard_queries_do_not_grow(app, session, world, endorsed, count_queries):
    group, vera, eino = world["group"], world["vera"], world["eino"]
    grown = [0]

    def grow(count: int) -> None:
        for number in range(grown[0], grown[0] + count):
            challenge = make_challenge(
                session, group, status=ChallengeStatus.ACCEPTED, title=f"Grown {number}"
            )
            make_endorsement(session, challenge, world["bea"], region_code="BE10")
            make_endorsement(session, challenge, eino, region_code="FI1B")
            practice = make_practice(session, group, challenges=(challenge,))
            activity = make_activity(session, group, challenges=(challenge,))
            support = make_support_request(session, challenge, vera)
            make_support_request(session, challenge, eino, region_code="FI1B")
            for target, record in (
                (follows.CHALLENGE, challenge),
                (follows.PRACTICE, practice),
                (follows.ACTIVITY, activity),
                (follows.SUPPORT_REQUEST, support),
            ):
                follows.follow(session, vera, target, record.id)
        grown[0] += count
        session.commit()

    browser = browser_for(app, vera)

    def queries() -> int:
        with count_queries() as counter:
            response = browser.client.get(PATH)
        assert response.status_code == 200
        return counter.count

    grow(3)
    small = queries()
    grow(40)
    large = queries()
    assert small == large
    page = main_of(browser.client.get(PATH))
    assert "Grown 42" in page


def test_anonymous_people_are_sent_to_log_in(client):
    response = client.get(PATH)
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]


def test_moves_are_in_exact_time_order_newest_first(app, session, world):
    """An activity completed without being started was started and completed at the same
    instant: it reads completed, started, planned; moves at the same instant come in the
    same order on every reading (the later record first)."""
    group = world["group"]
    challenge = make_challenge(
        session, group, status=ChallengeStatus.ACCEPTED, title="Agencies work in silos"
    )
    make_endorsement(session, challenge, world["bea"], region_code="BE10").created_at = (
        utcnow() - timedelta(days=90)
    )
    day = (utcnow() - timedelta(days=3)).replace(hour=8, minute=0, second=0, microsecond=0)
    at_once = make_activity(
        session, group, title="Done at once", challenges=(challenge,),
        status=ActivityStatus.COMPLETED, started_at=day, completed_at=day,
    )  # fmt: skip
    at_once.created_at = day
    twin = make_activity(session, group, title="Planned with it", challenges=(challenge,))
    twin.created_at = day
    # The same day, at different times.
    stepwise = make_activity(
        session, group, title="Step by step", challenges=(challenge,),
        status=ActivityStatus.COMPLETED, started_at=day + timedelta(hours=2),
        completed_at=day + timedelta(hours=3),
    )  # fmt: skip
    stepwise.created_at = day + timedelta(hours=1)
    session.commit()
    assert twin.id > at_once.id

    page = main_of(browser_for(app, world["vera"]).client.get(PATH))
    moves = moves_of(section(page, "Challenges your region endorsed"), "Agencies work in silos")
    assert [move.split(": ", 1)[1] for move in moves] == [
        "Activity completed: Step by step",
        "Activity started: Step by step",
        "Activity planned: Step by step",
        "Activity completed: Done at once",
        "Activity started: Done at once",
        "Activity planned: Planned with it",
        "Activity planned: Done at once",
    ]
    # Dated as activity pages date things.
    assert moves[0].startswith(day_label(day, "Europe/Brussels") + ":")


def test_what_is_followed_leaves_out_what_the_person_may_no_longer_read(app, session, world):
    """Olga, of another group only, followed a challenge of this group while it was public,
    and a request of it: closed, the challenge is for members only; the request is too."""
    olga = make_user(session, name="Olga Other")
    make_membership(session, olga, world["other"])
    challenge = make_challenge(
        session, world["group"], status=ChallengeStatus.CLOSED, title="Closed since"
    )
    public = make_challenge(
        session, world["group"], status=ChallengeStatus.ACCEPTED, title="Still public"
    )
    request = make_support_request(session, public, world["vera"])
    for target, record in (
        (follows.CHALLENGE, challenge),
        (follows.CHALLENGE, public),
        (follows.SUPPORT_REQUEST, request),
    ):
        follows.follow(session, olga, target, record.id)
    session.commit()

    followed = section(main_of(browser_for(app, olga).client.get(PATH)), "What you follow")
    assert "Still public" in followed
    assert "Closed since" not in followed
    assert f"/support-requests/{request.id}" not in followed
