"""Support requests: a member asks, for their organisation's region, for peer learning on a
challenge of their group; the coordinators answer once (a new activity, a linked one, or
declined with a reason); who may read and answer them, and what each page costs in queries."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from cop.activities import support
from cop.activities.models import ActivityStatus, SupportRequest, SupportStatus
from cop.audit.models import AuditEntry
from cop.challenges.models import ChallengeStatus
from cop.db import utcnow
from cop.errors import Conflict, Invalid, NotAllowed, NotFound
from cop.mail import follows
from cop.mail.models import Follow, Notification, OutboxMessage
from cop.members.models import MembershipStatus, Region, Role
from tests.conftest import Browser
from tests.factories import (
    make_activity,
    make_challenge,
    make_group,
    make_membership,
    make_organisation,
    make_support_request,
    make_user,
)

NEED = "Peers who ran innovation vouchers for SMEs, before our S3 revision in spring."


@pytest.fixture
def world(app, session):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    other = make_group(session, slug="industrial-transition", name="Industrial Transition")
    brussels = make_organisation(session, name="Brussels agency", region_code="BE10")
    eu_body = make_organisation(session, name="EU Platform", region_code=None)
    coordinator = make_user(session, name="Cora Coordinator", email="cora@example.org")
    member = make_user(session, name="Max Member", email="max@example.org", organisation=brussels)
    eu_member = make_user(session, name="Eva Europe", email="eva@example.org", organisation=eu_body)
    no_organisation = make_user(session, name="Nora Nobody", email="nora@example.org")
    colleague = make_user(session, name="Carl Colleague", email="carl@example.org")
    outsider = make_user(
        session, name="Olga Outsider", email="olga@example.org", organisation=brussels
    )
    applicant = make_user(
        session, name="Anna Applicant", email="anna@example.org", organisation=brussels
    )
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    for person in (member, eu_member, no_organisation, colleague):
        make_membership(session, person, group)
    make_membership(session, outsider, other)
    make_membership(session, applicant, group, status=MembershipStatus.APPLIED)
    challenge = make_challenge(
        session, group, status=ChallengeStatus.ACCEPTED, title="SMEs do not adopt new technologies"
    )
    closed = make_challenge(
        session, group, status=ChallengeStatus.CLOSED, decision_note="Out of scope."
    )
    merged = make_challenge(session, group, status=ChallengeStatus.MERGED, merged_into=challenge)
    foreign_challenge = make_challenge(session, other, status=ChallengeStatus.ACCEPTED)
    activity = make_activity(session, group, title="Peer review of voucher schemes")
    cancelled = make_activity(
        session, group, status=ActivityStatus.CANCELLED, cancel_reason="No host."
    )
    foreign_activity = make_activity(session, other, title="Study visit to Tampere")
    # A colleague follows the challenge: they hear of requests on it.
    follows.follow(session, colleague, follows.CHALLENGE, challenge.id)
    session.commit()
    return {
        "group": group,
        "other": other,
        "coordinator": coordinator,
        "member": member,
        "eu_member": eu_member,
        "no_organisation": no_organisation,
        "colleague": colleague,
        "outsider": outsider,
        "applicant": applicant,
        "challenge": challenge,
        "closed": closed,
        "merged": merged,
        "foreign_challenge": foreign_challenge,
        "activity": activity,
        "cancelled": cancelled,
        "foreign_activity": foreign_activity,
    }


def act(app, function, *args, **kwargs):
    with app.test_request_context():
        return function(*args, **kwargs)


def counts(session) -> tuple[int, ...]:
    session.expire_all()
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (SupportRequest, AuditEntry, OutboxMessage, Notification, Follow)
    )


def state(session, request_id: int) -> tuple:
    session.expire_all()
    found = session.get(SupportRequest, request_id)
    return (found.status, found.activity_id, found.answer, found.answered_by_id, found.answered_at)


def refused(app, session, error, function, *args, **kwargs):
    before = counts(session)
    with pytest.raises(error) as caught:
        act(app, function, *args, **kwargs)
    session.rollback()
    assert counts(session) == before
    return caught.value


def ask(app, session, world, person="member", **changes):
    values = {
        "region_code": "BE10",
        "need": NEED,
        "wanted_by": date.today() + timedelta(days=90),
        **changes,
    }
    challenge_id = values.pop("challenge_id", world["challenge"].id)
    request = act(app, support.ask_for_support, session, world[person], challenge_id, **values)
    session.commit()
    return request


def as_(app, person=None) -> Browser:
    browser = Browser(app.test_client())
    if person is not None:
        browser.login(person)
    return browser


def text(response) -> str:
    return response.get_data(as_text=True)


def main_of(response) -> str:
    page = text(response)
    return page[page.index("<main") : page.index("</main>")]


def error_of(page: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page, re.S)
    assert match, f"no error next to {field}"
    return match.group(1)


# --- Asking -------------------------------------------------------------------------------------


def test_asking_writes_the_request_follows_and_tells_the_coordinators(app, session, world):
    # The challenge is public: someone of another group follows it too, but requests are for
    # the group's members, so they do not hear of this one.
    follows.follow(session, world["outsider"], follows.CHALLENGE, world["challenge"].id)
    session.commit()
    wanted = date.today() + timedelta(days=90)
    request = ask(app, session, world, wanted_by=wanted)

    session.expire_all()
    found = session.get(SupportRequest, request.id)
    assert (found.group_id, found.challenge_id, found.region_code, found.requester_id) == (
        world["group"].id,
        world["challenge"].id,
        "BE10",
        world["member"].id,
    )
    assert (found.need, found.wanted_by, found.status) == (NEED, wanted, SupportStatus.OPEN)
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "support_request.asked"))
    assert entry.record_id == str(request.id) and entry.actor_id == world["member"].id
    assert entry.after["region_code"] == "BE10"
    # The requester follows the request and the challenge.
    followed = set(
        session.execute(
            select(Follow.target, Follow.target_id).where(Follow.user_id == world["member"].id)
        ).all()
    )
    assert followed == {("support_request", request.id), ("challenge", world["challenge"].id)}
    # The challenge's followers hear of it (not the requester).
    notes = session.scalars(
        select(Notification).where(Notification.event == "challenge.support_requested")
    ).all()
    assert [(n.user_id, n.target, n.target_id) for n in notes] == [
        (world["colleague"].id, "challenge", world["challenge"].id)
    ]
    region = session.get(Region, "BE10")
    assert notes[0].detail == region.name
    assert notes[0].path == f"/challenges/{world['challenge'].id}"
    # The coordinator is emailed, with a link to answer it.
    (email,) = session.scalars(select(OutboxMessage)).all()
    assert email.recipient == "cora@example.org"
    assert email.kind == "support_requested"
    assert email.subject == f"A region asks for peer learning: {region.name}"
    assert "Max Member" in email.body_text and NEED in email.body_text
    assert "SMEs do not adopt new technologies" in email.body_text
    assert f"http://cop.test/support-requests/{request.id}" in email.body_text
    assert "http://cop.test/groups/innovation-diffusion/support-requests/" in email.body_text


def test_a_coordinator_asking_is_not_emailed_about_their_own_request(app, session, world):
    world["coordinator"].organisation = world["member"].organisation
    session.commit()
    ask(app, session, world, person="coordinator")
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


@pytest.mark.parametrize(
    ("person", "changes", "field", "message"),
    [
        ("member", {"region_code": "FR10"}, "region", "organisation's region"),
        ("eu_member", {}, "region", "EU level"),
        ("no_organisation", {}, "region", "no organisation"),
        ("member", {"wanted_by": date.today() - timedelta(days=1)}, "wanted_by", "past"),
        ("member", {"need": "  \n "}, "need", "Please fill in this field."),
        ("member", {"need": "x" * 5001}, "need", "at most 5000"),
        ("member", {"need": "Vouchers\x00"}, "need", "control characters"),
        ("member", {"challenge": "closed"}, "challenge", "closed"),
        ("member", {"challenge": "merged"}, "challenge", "merged"),
    ],
)
def test_each_bad_input_is_refused_with_its_message(
    app, session, world, person, changes, field, message
):
    changes = dict(changes)
    if "challenge" in changes:
        changes["challenge_id"] = world[changes.pop("challenge")].id
    values = {"region_code": "BE10", "need": NEED, "wanted_by": None, **changes}
    challenge_id = values.pop("challenge_id", world["challenge"].id)
    error = refused(
        app,
        session,
        Invalid,
        support.ask_for_support,
        session,
        world[person],
        challenge_id,
        **values,
    )
    problems = {problem.field: problem.message for problem in error.problems}
    assert set(problems) == {field}
    assert message in problems[field]


def test_every_problem_is_told_at_once(app, session, world):
    error = refused(
        app,
        session,
        Invalid,
        support.ask_for_support,
        session,
        world["member"],
        world["closed"].id,
        region_code="FR10",
        need="",
        wanted_by=date(2001, 1, 1),
    )
    assert {problem.field for problem in error.problems} == {
        "challenge",
        "region",
        "need",
        "wanted_by",
    }


def test_today_is_not_in_the_past(app, session, world):
    request = ask(app, session, world, wanted_by=date.today())
    assert request.wanted_by == date.today()


def test_only_members_of_the_group_ask(app, session, world):
    for person in ("outsider", "applicant"):
        refused(
            app,
            session,
            NotAllowed,
            support.ask_for_support,
            session,
            world[person],
            world["challenge"].id,
            region_code="BE10",
            need=NEED,
            wanted_by=None,
        )


def test_a_forged_challenge_is_refused(app, session, world):
    error = refused(
        app,
        session,
        NotFound,
        support.ask_for_support,
        session,
        world["member"],
        999_999_999,
        region_code="BE10",
        need=NEED,
        wanted_by=None,
    )
    assert error.message == "There is no such challenge."
    # From a group's form, any challenge but the group's is a problem of that field.
    for forged in (999_999_999, -1, world["foreign_challenge"].id, None):
        error = refused(
            app,
            session,
            Invalid,
            support.ask_for_support,
            session,
            world["member"],
            forged,
            region_code="BE10",
            need=NEED,
            wanted_by=None,
            group_id=world["group"].id,
        )
        assert (error.field, error.message) == (
            "challenge",
            "Choose one of the group's open challenges.",
        )


def test_asking_through_the_page(app, session, world):
    browser = as_(app, world["member"])
    challenge = world["challenge"]
    page = f"/groups/innovation-diffusion/support-requests/new?challenge={challenge.id}"
    response = browser.client.get(page)
    assert response.status_code == 200
    html = main_of(response)
    assert f'<option selected value="{challenge.id}">' in html
    assert "Brussels" in html  # the member's own region, the only one offered
    assert world["closed"].title not in html

    response = browser.post(
        "/groups/innovation-diffusion/support-requests/new",
        {"challenge": str(challenge.id), "region": "BE10", "need": NEED, "wanted_by": ""},
        page=page,
    )
    assert response.status_code == 302
    request = session.scalars(select(SupportRequest)).one()
    assert response.headers["Location"] == f"/support-requests/{request.id}"
    assert request.wanted_by is None
    shown = main_of(browser.client.get(f"/support-requests/{request.id}"))
    assert NEED in shown and challenge.title in shown
    assert "Waiting for an answer" in shown
    assert "Stop following" in shown


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"region": "FR10"}, "region", "organisation&#39;s region"),
        ({"wanted_by": "2001-02-03"}, "wanted_by", "past"),
        ({"wanted_by": "tomorrow"}, "wanted_by", "date"),
        ({"need": ""}, "need", "Please fill in this field."),
        ({"challenge": "99999999999999"}, "challenge", "open challenges"),
        ({"challenge": "{foreign}"}, "challenge", "open challenges"),
        ({"challenge": "{closed}"}, "challenge", "closed"),
    ],
)
def test_the_form_shows_each_problem_next_to_its_field(app, session, world, data, field, message):
    browser = as_(app, world["member"])
    posted = {"challenge": str(world["challenge"].id), "region": "BE10", "need": NEED, **data}
    posted["challenge"] = posted["challenge"].format(
        foreign=world["foreign_challenge"].id, closed=world["closed"].id
    )
    before = counts(session)
    response = browser.post(
        "/groups/innovation-diffusion/support-requests/new",
        posted,
        page="/groups/innovation-diffusion/support-requests/new",
    )
    assert response.status_code == 400
    assert message in error_of(text(response), field)
    assert counts(session) == before


def test_a_member_without_a_region_is_told_why_and_how(app, session, world):
    for person, reason in (("eu_member", "EU level"), ("no_organisation", "no organisation")):
        html = main_of(
            as_(app, world[person]).client.get("/groups/innovation-diffusion/support-requests/new")
        )
        assert reason in html
        assert 'href="/account/profile"' in html
        assert "Send the request" not in html


# --- Answering ------------------------------------------------------------------------------------


def test_linking_an_activity_answers_the_request(app, session, world):
    request = ask(app, session, world)
    activity = world["activity"]
    act(
        app,
        support.answer_with_activity,
        session,
        world["coordinator"],
        request.id,
        activity.id,
        new=False,
        note="  Join its visit in May.  ",
    )
    session.commit()

    status, activity_id, answer, answered_by, answered_at = state(session, request.id)
    assert (status, activity_id, answer, answered_by) == (
        SupportStatus.LINKED,
        activity.id,
        "Join its visit in May.",
        world["coordinator"].id,
    )
    assert answered_at is not None
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "support_request.linked"))
    assert entry.after["status"] == "linked" and entry.after["activity_id"] == activity.id
    assert follows.is_following(session, world["member"], follows.ACTIVITY, activity.id)
    (note,) = session.scalars(
        select(Notification).where(Notification.event == "support_request.linked")
    ).all()
    assert (note.user_id, note.target, note.target_id) == (
        world["member"].id,
        "support_request",
        request.id,
    )
    assert note.detail == activity.title
    assert note.path == f"/support-requests/{request.id}"


def test_a_new_activity_answers_the_request(app, session, world):
    request = ask(app, session, world)
    act(
        app,
        support.answer_with_activity,
        session,
        world["coordinator"],
        request.id,
        world["activity"].id,
        new=True,
    )
    session.commit()
    assert state(session, request.id)[:3] == (SupportStatus.NEW_ACTIVITY, world["activity"].id, "")
    assert (
        session.scalar(
            select(Notification.detail).where(Notification.event == "support_request.new_activity")
        )
        == world["activity"].title
    )


def test_declining_needs_a_reason_and_tells_the_requester(app, session, world):
    request = ask(app, session, world)
    before = state(session, request.id)
    error = refused(
        app,
        session,
        Invalid,
        support.decline_request,
        session,
        world["coordinator"],
        request.id,
        " ",
    )
    assert (error.field, error.message) == ("reason", "Please fill in this field.")
    assert state(session, request.id) == before

    act(
        app,
        support.decline_request,
        session,
        world["coordinator"],
        request.id,
        "A study visit already covers this.",
    )
    session.commit()
    status, activity_id, answer, answered_by, _ = state(session, request.id)
    assert (status, activity_id, answer, answered_by) == (
        SupportStatus.DECLINED,
        None,
        "A study visit already covers this.",
        world["coordinator"].id,
    )
    assert session.scalar(
        select(AuditEntry.id).where(AuditEntry.action == "support_request.declined")
    )
    (note,) = session.scalars(
        select(Notification).where(Notification.event == "support_request.declined")
    ).all()
    assert (note.user_id, note.detail) == (world["member"].id, "A study visit already covers this.")


@pytest.mark.parametrize("first", ["link", "decline"])
@pytest.mark.parametrize("second", ["link", "new", "decline"])
def test_a_request_is_answered_once(app, session, world, first, second):
    request = ask(app, session, world)
    answers = {
        "link": lambda: support.answer_with_activity(
            session, world["coordinator"], request.id, world["activity"].id, new=False
        ),
        "new": lambda: support.answer_with_activity(
            session, world["coordinator"], request.id, world["activity"].id, new=True
        ),
        "decline": lambda: support.decline_request(
            session, world["coordinator"], request.id, "Out of scope."
        ),
    }
    act(app, answers[first])
    session.commit()
    answered = state(session, request.id)
    error = refused(app, session, Conflict, answers[second])
    assert "already answered" in error.message
    assert state(session, request.id) == answered


def test_an_activity_of_another_group_or_cancelled_is_refused(app, session, world):
    request = ask(app, session, world)
    before = state(session, request.id)
    for activity in ("foreign_activity", "cancelled"):
        error = refused(
            app,
            session,
            Invalid,
            support.answer_with_activity,
            session,
            world["coordinator"],
            request.id,
            world[activity].id,
            new=False,
        )
        assert error.field == "activity"
        assert "not cancelled" in error.message
    for forged in (None, -1, 999_999_999):
        refused(
            app,
            session,
            Invalid,
            support.answer_with_activity,
            session,
            world["coordinator"],
            request.id,
            forged,
            new=False,
        )
    assert state(session, request.id) == before


def test_only_the_groups_coordinators_answer(app, session, world):
    request = ask(app, session, world)
    for person in ("member", "colleague", "outsider"):
        refused(
            app,
            session,
            NotAllowed,
            support.decline_request,
            session,
            world[person],
            request.id,
            "No.",
        )
        refused(
            app, session, NotAllowed, support.request_to_answer, session, world[person], request.id
        )
    refused(
        app,
        session,
        NotFound,
        support.request_to_answer,
        session,
        world["coordinator"],
        999_999_999,
    )


def test_answering_from_the_queue(app, session, world):
    request = ask(app, session, world)
    queue = "/groups/innovation-diffusion/support-requests/"
    coordinator = as_(app, world["coordinator"])
    html = main_of(coordinator.client.get(queue))
    assert f"/groups/innovation-diffusion/activities/new?request={request.id}" in html
    assert world["activity"].title in html
    assert world["cancelled"].title not in html  # not offered for linking
    assert world["foreign_activity"].title not in html

    # A forged activity: the queue again, the message next to that request's field.
    before = counts(session)
    response = coordinator.post(
        f"/support-requests/{request.id}/link",
        {"activity": str(world["foreign_activity"].id)},
        page=queue,
    )
    assert response.status_code == 400
    assert "not cancelled" in error_of(text(response), f"activity-{request.id}")
    assert counts(session) == before

    response = coordinator.post(
        f"/support-requests/{request.id}/decline", {"reason": ""}, page=queue
    )
    assert response.status_code == 400
    assert "Please fill in this field." in error_of(text(response), f"reason-{request.id}")
    assert counts(session) == before

    response = coordinator.post(
        f"/support-requests/{request.id}/link",
        {"activity": str(world["activity"].id), "note": "Join its May visit."},
        page=queue,
    )
    assert response.status_code == 302
    assert state(session, request.id)[:3] == (
        SupportStatus.LINKED,
        world["activity"].id,
        "Join its May visit.",
    )
    html = main_of(coordinator.client.get(queue))
    assert "Linked to an activity" in html and "Join its May visit." in html

    # The same form sent again (a replayed POST): 409, nothing changed.
    answered = state(session, request.id)
    before = counts(session)
    response = coordinator.post(
        f"/support-requests/{request.id}/decline", {"reason": "Changed my mind."}, page=queue
    )
    assert response.status_code == 409
    assert "already answered" in text(response)
    assert state(session, request.id) == answered and counts(session) == before

    # The requester reads the answer on the request's page.
    shown = main_of(as_(app, world["member"]).client.get(f"/support-requests/{request.id}"))
    assert world["activity"].title in shown and "Join its May visit." in shown


def test_a_member_who_does_not_coordinate_gets_403(app, session, world):
    request = ask(app, session, world)
    before = counts(session)
    browser = as_(app, world["colleague"])
    response = browser.post(f"/support-requests/{request.id}/decline", {"reason": "No."})
    assert response.status_code == 403
    assert counts(session) == before
    assert state(session, request.id)[0] is SupportStatus.OPEN


# --- Reading --------------------------------------------------------------------------------------


def test_who_reads_a_request(app, session, world):
    request = ask(app, session, world)
    path = f"/support-requests/{request.id}"
    response = as_(app).client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/account/login")
    for person in ("outsider", "applicant"):
        assert as_(app, world[person]).client.get(path).status_code == 403
    html = main_of(as_(app, world["colleague"]).client.get(path))
    for shown in (NEED, "Max Member", "Brussels agency", world["challenge"].title):
        assert shown in html
    assert "Plan a new activity" not in html  # the coordinators' tool
    coordinator = main_of(as_(app, world["coordinator"]).client.get(path))
    assert f"/activities/new?request={request.id}" in coordinator


def test_the_queue_is_read_only_for_members(app, session, world):
    first = ask(app, session, world)
    second = ask(app, session, world, need="Study visits on technology centres.")
    declined = make_support_request(
        session,
        world["challenge"],
        world["member"],
        status=SupportStatus.DECLINED,
        answer="Covered by the Tampere visit.",
        answered_at=utcnow(),
    )
    session.commit()
    html = main_of(
        as_(app, world["colleague"]).client.get("/groups/innovation-diffusion/support-requests/")
    )
    # Open ones first, oldest first; then the answered ones.
    assert html.index(f'id="request-{first.id}"') < html.index(f'id="request-{second.id}"')
    assert html.index(f'id="request-{second.id}"') < html.index(f'id="request-{declined.id}"')
    assert "Covered by the Tampere visit." in html
    assert "/decline" not in html and "/link" not in html
    assert (
        as_(app, world["outsider"])
        .client.get("/groups/innovation-diffusion/support-requests/")
        .status_code
        == 403
    )


def test_following_and_unfollowing_a_request(app, session, world):
    request = ask(app, session, world)
    colleague = as_(app, world["colleague"])
    path = f"/support-requests/{request.id}"
    response = colleague.post(f"{path}/follow", page=path)
    assert response.status_code == 302 and response.headers["Location"] == path
    assert follows.is_following(session, world["colleague"], follows.SUPPORT_REQUEST, request.id)
    assert "Stop following" in main_of(colleague.client.get(path))
    colleague.post(f"{path}/unfollow", page=path)
    assert not follows.is_following(
        session, world["colleague"], follows.SUPPORT_REQUEST, request.id
    )
    assert as_(app, world["outsider"]).post(f"{path}/follow", page=path).status_code == 403


def test_the_challenge_page_offers_to_ask(app, session, world):
    link = "/groups/innovation-diffusion/support-requests/new?challenge="
    member = as_(app, world["member"])
    html = main_of(member.client.get(f"/challenges/{world['challenge'].id}"))
    assert f"{link}{world['challenge'].id}" in html
    assert link not in main_of(member.client.get(f"/challenges/{world['closed'].id}"))
    assert link not in main_of(as_(app).client.get(f"/challenges/{world['challenge'].id}"))


def test_own_requests_lists_the_members_requests(app, session, world):
    first = ask(app, session, world)
    second = ask(app, session, world, need="Another need.")
    found = support.own_requests(session, world["member"])
    assert [request.id for request in found] == [second.id, first.id]
    assert support.own_requests(session, world["colleague"]) == []


def test_the_pages_queries_do_not_grow(app, session, world, count_queries):
    readers = {
        "member": as_(app, world["colleague"]),
        "coordinator": as_(app, world["coordinator"]),
    }
    first = ask(app, session, world)
    paths = [
        "/groups/innovation-diffusion/support-requests/",
        f"/support-requests/{first.id}",
    ]

    def grow(count: int) -> None:
        for number in range(count):
            requester = make_user(
                session,
                name=f"Requester {number}",
                organisation=make_organisation(session, region_code="FR10"),
            )
            make_membership(session, requester, world["group"])
            challenge = make_challenge(session, world["group"], status=ChallengeStatus.ACCEPTED)
            activity = make_activity(session, world["group"], title=f"Grown activity {number}")
            make_support_request(
                session, challenge, requester, region_code="FR10", need=f"Grown need {number}"
            )
            make_support_request(
                session,
                challenge,
                requester,
                region_code="FR10",
                activity=activity,
                status=SupportStatus.LINKED,
                answered_by=world["coordinator"],
                answered_at=utcnow(),
            )
            follows.follow(session, requester, follows.SUPPORT_REQUEST, first.id)
        session.commit()

    def queries() -> dict:
        found = {}
        for role, browser in readers.items():
            for path in paths:
                with count_queries() as counter:
                    response = browser.client.get(path)
                assert response.status_code == 200
                found[(role, path)] = counter.count
        return found

    grow(2)
    small = queries()
    grow(12)
    large = queries()
    assert "Grown need 11" in main_of(readers["coordinator"].client.get(paths[0]))
    assert large == small


def test_the_activity_list_links_to_asking_and_the_queue(app, session, world):
    path = "/groups/innovation-diffusion/activities/"
    html = main_of(as_(app, world["member"]).client.get(path))
    assert 'href="/groups/innovation-diffusion/support-requests/new"' in html
    assert 'href="/groups/innovation-diffusion/support-requests/"' in html
    assert "/support-requests/" not in main_of(as_(app).client.get(path))
