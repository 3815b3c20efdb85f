"""Support requests: a member asks, for their organisation's region, for peer learning on a
challenge of their group; the coordinators answer once (a new activity, a linked one, or
declined with a reason); who may read and answer them, and what each page costs in queries."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from cop import clock
from cop.activities import support
from cop.activities.models import ActivityStatus, SupportRequest, SupportStatus
from cop.audit.models import AuditEntry
from cop.challenges.models import ChallengeStatus
from cop.db import utcnow
from cop.errors import Conflict, Invalid, NotAllowed, NotFound
from cop.mail import follows
from cop.mail.models import Follow, Notification, OutboxMessage
from cop.meetings.times import day_label
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
    second = make_challenge(
        session,
        group,
        status=ChallengeStatus.BEING_ADDRESSED,
        title="Universities do not meet the needs of companies",
    )
    proposed = make_challenge(
        session, group, status=ChallengeStatus.PROPOSED, title="Agencies work in silos"
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
        "second": second,
        "proposed": proposed,
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
            "Choose one of the group's accepted challenges.",
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
        ({"challenge": "99999999999999"}, "challenge", "accepted challenges"),
        ({"challenge": "{foreign}"}, "challenge", "accepted challenges"),
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


def answer_emails(session) -> list[OutboxMessage]:
    session.expire_all()
    return list(
        session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "support_answered"))
    )


def title_of(session, request) -> str:
    region = session.get(Region, request.region_code).name
    return f"Peer learning for {region} on “{request.challenge.title}”"


def test_linking_an_activity_answers_the_request(app, session, world):
    request = ask(app, session, world)
    activity = world["activity"]
    # The colleague follows the request too: they hear of the answer in their digest.
    follows.follow(session, world["colleague"], follows.SUPPORT_REQUEST, request.id)
    session.commit()
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
    # The requester is emailed the answer, and left out of the digest's notification of it.
    (note,) = session.scalars(
        select(Notification).where(Notification.event == "support_request.linked")
    ).all()
    assert (note.user_id, note.target, note.target_id) == (
        world["colleague"].id,
        "support_request",
        request.id,
    )
    assert note.detail == activity.title
    assert note.path == f"/support-requests/{request.id}"
    assert note.title == title_of(session, request)
    (email,) = answer_emails(session)
    assert email.recipient == "max@example.org"
    assert email.subject == f"Your support request is answered: {title_of(session, request)}"
    assert "linked your request for peer learning" in email.body_text
    assert activity.title in email.body_text
    assert f"http://cop.test/activities/{activity.id}" in email.body_text
    assert "Join its visit in May." in email.body_text
    assert f"http://cop.test/support-requests/{request.id}" in email.body_text
    assert "List-Unsubscribe" in email.headers  # of the "contributions" kind


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
    # The requester, emailed, is its only follower: no notification.
    assert not session.scalars(
        select(Notification).where(Notification.event.like("support_request.%"))
    ).all()
    (email,) = answer_emails(session)
    assert email.recipient == "max@example.org"
    assert "have planned a new activity for your request" in email.body_text
    assert world["activity"].title in email.body_text
    assert f"http://cop.test/activities/{world['activity'].id}" in email.body_text


def test_declining_needs_a_reason_and_tells_the_requester(app, session, world):
    request = ask(app, session, world)
    follows.follow(session, world["colleague"], follows.SUPPORT_REQUEST, request.id)
    # Someone who followed the request and has left the group since reads it no more.
    leaver = make_user(session, name="Lea Leaver", email="lea@example.org")
    make_membership(session, leaver, world["group"], status=MembershipStatus.LEFT)
    follows.follow(session, leaver, follows.SUPPORT_REQUEST, request.id)
    session.commit()
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
    assert (note.user_id, note.detail) == (
        world["colleague"].id,
        "A study visit already covers this.",
    )
    (email,) = answer_emails(session)
    assert email.recipient == "max@example.org"
    assert email.subject == f"Your support request is declined: {title_of(session, request)}"
    assert "Reason: A study visit already covers this." in email.body_text
    assert f"http://cop.test/support-requests/{request.id}" in email.body_text


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
    second = ask(
        app, session, world, challenge_id=world["second"].id, need="Study visits on centres."
    )
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
    second = ask(app, session, world, challenge_id=world["second"].id, need="Another need.")
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


# --- After the new-user review ----------------------------------------------------------------


def test_asking_twice_for_the_same_challenge_and_region_is_refused(app, session, world):
    first = ask(app, session, world)
    error = refused(
        app,
        session,
        Invalid,
        support.ask_for_support,
        session,
        world["member"],
        world["challenge"].id,
        region_code="BE10",
        need="The same, asked again.",
        wanted_by=None,
    )
    assert error.field == "challenge"
    region = session.get(Region, "BE10").name
    with app.test_request_context():
        asked_on = day_label(first.created_at, "Europe/Brussels")
    assert error.message == (
        f"You asked for peer learning for {region} on this challenge on {asked_on}: that"
        " request is still waiting for the coordinators' answer."
    )
    # Another member of the same region may ask; so may the member on another challenge.
    colleague = world["colleague"]
    colleague.organisation = world["member"].organisation
    session.commit()
    ask(app, session, world, person="colleague")
    ask(app, session, world, challenge_id=world["second"].id)
    # Once the first is answered, the member may ask again.
    act(app, support.decline_request, session, world["coordinator"], first.id, "Not now.")
    session.commit()
    again = ask(app, session, world, need="Asked again a year later.")
    assert again.status is SupportStatus.OPEN


def test_a_double_submit_of_the_form_sends_one_request(app, session, world):
    browser = as_(app, world["member"])
    page = "/groups/innovation-diffusion/support-requests/new"
    data = {"challenge": str(world["challenge"].id), "region": "BE10", "need": NEED}
    assert browser.post(page, data, page=page).status_code == 302
    before = counts(session)
    response = browser.post(page, data, page=page)
    assert response.status_code == 400
    assert "request is still waiting for the coordinators" in error_of(text(response), "challenge")
    assert counts(session) == before
    emails = session.scalars(select(OutboxMessage.kind)).all()
    assert emails == ["support_requested"]  # the coordinators were told once


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (ChallengeStatus.PROPOSED, "only proposed"),
        (ChallengeStatus.CLOSED, "closed"),
    ],
)
def test_requests_are_only_on_accepted_challenges(app, session, world, status, message):
    challenge = world["proposed"] if status is ChallengeStatus.PROPOSED else world["closed"]
    error = refused(
        app,
        session,
        Invalid,
        support.ask_for_support,
        session,
        world["member"],
        challenge.id,
        region_code="BE10",
        need=NEED,
        wanted_by=None,
    )
    assert error.field == "challenge" and message in error.message
    # The form neither offers it; it offers the accepted and being-addressed ones.
    html = main_of(
        as_(app, world["member"]).client.get("/groups/innovation-diffusion/support-requests/new")
    )
    assert challenge.title not in html
    assert world["challenge"].title in html and world["second"].title in html
    # Posted anyway: the message next to the field, nothing written.
    before = counts(session)
    response = as_(app, world["member"]).post(
        "/groups/innovation-diffusion/support-requests/new",
        {"challenge": str(challenge.id), "region": "BE10", "need": NEED},
        page="/groups/innovation-diffusion/support-requests/new",
    )
    assert response.status_code == 400
    assert message in error_of(text(response), "challenge")
    assert counts(session) == before


def test_the_challenge_page_offers_to_ask_on_accepted_challenges_only(app, session, world):
    link = "/groups/innovation-diffusion/support-requests/new?challenge="
    member = as_(app, world["member"])
    for name in ("challenge", "second"):
        assert link in main_of(member.client.get(f"/challenges/{world[name].id}"))
    for name in ("proposed", "closed"):
        assert link not in main_of(member.client.get(f"/challenges/{world[name].id}"))


def test_a_wanted_by_date_more_than_five_years_ahead_is_refused(app, session, world):
    today = clock.now().date()  # what the service reads
    latest = support.latest_wanted_by(today)
    assert (latest.year, latest.month) == (today.year + 5, today.month)
    assert ask(app, session, world, wanted_by=latest).wanted_by == latest
    for too_far in (latest + timedelta(days=1), date(9999, 12, 31)):
        error = refused(
            app,
            session,
            Invalid,
            support.ask_for_support,
            session,
            world["member"],
            world["second"].id,
            region_code="BE10",
            need=NEED,
            wanted_by=too_far,
        )
        assert (error.field, error.message) == (
            "wanted_by",
            "Choose a date within the next 5 years, or leave it empty.",
        )
    # Through the form: next to the field, nothing written.
    before = counts(session)
    response = as_(app, world["member"]).post(
        "/groups/innovation-diffusion/support-requests/new",
        {"challenge": str(world["second"].id), "region": "BE10", "need": NEED,
         "wanted_by": "9999-12-31"},
        page="/groups/innovation-diffusion/support-requests/new",
    )  # fmt: skip
    assert response.status_code == 400
    assert "within the next 5 years" in error_of(text(response), "wanted_by")
    assert counts(session) == before


def test_the_latest_wanted_by_from_a_leap_day():
    assert support.latest_wanted_by(date(2028, 2, 29)) == date(2033, 2, 28)


def test_the_need_is_rendered_as_markdown(app, session, world):
    need = (
        "We need peers who ran vouchers\nfor SMEs, before our revision.\n\n"
        "- a study visit\n- <script>alert(1)</script>"
    )
    request = ask(app, session, world, need=need)
    for path in (
        f"/support-requests/{request.id}",
        "/groups/innovation-diffusion/support-requests/",
    ):
        html = main_of(as_(app, world["colleague"]).client.get(path))
        # One paragraph, however the text was wrapped; a list; HTML escaped.
        assert "<p>We need peers who ran vouchers\nfor SMEs, before our revision.</p>" in html
        assert "<li>a study visit</li>" in html
        assert "<script>alert(1)</script>" not in html


def test_one_name_for_a_request_everywhere(app, session, world):
    request = ask(app, session, world)
    title = title_of(session, request)
    escaped = title.replace("“", "“")
    member = as_(app, world["member"])
    page = text(member.client.get(f"/support-requests/{request.id}"))
    assert f"<h1>{escaped}</h1>" in page and f"<title>{escaped}" in page
    queue = main_of(member.client.get("/groups/innovation-diffusion/support-requests/"))
    assert f">{escaped}</a></h3>" in queue
    dashboard = text(member.client.get("/account/dashboard"))
    assert f">{escaped}</a>" in dashboard
    assert "Support for" not in dashboard and "Support request:" not in dashboard


def test_dates_read_as_on_activity_pages(app, session, world):
    request = ask(app, session, world, wanted_by=date(2030, 1, 14))
    html = main_of(as_(app, world["member"]).client.get(f"/support-requests/{request.id}"))
    assert ">14 January 2030</time>" in html
    assert day_label(request.created_at, "Europe/Brussels") in html
    assert "Jan 14, 2030" not in html


def test_the_requests_sidebar_has_no_follow_heading_over_the_follow_button(app, session, world):
    request = ask(app, session, world)
    html = main_of(as_(app, world["colleague"]).client.get(f"/support-requests/{request.id}"))
    assert ">Follow</h2>" not in html
    assert '<button type="submit" class="button">Follow</button>' in html


def test_the_answer_email_is_in_the_requesters_language(app, session, world):
    world["member"].language = "fr"
    session.commit()
    request = ask(app, session, world)
    act(app, support.decline_request, session, world["coordinator"], request.id, "Pas cette année.")
    session.commit()
    (email,) = answer_emails(session)
    assert "Bonjour Max Member," in email.body_text
    assert "La S3 Community of Practice" in email.body_text


def test_a_requester_with_no_digest_still_hears_the_answer(app, session, world):
    from cop.mail.models import DigestPeriod

    world["member"].digest_period = DigestPeriod.NEVER
    session.commit()
    request = ask(app, session, world)
    act(app, support.decline_request, session, world["coordinator"], request.id, "Not now.")
    session.commit()
    assert [email.recipient for email in answer_emails(session)] == ["max@example.org"]


def test_a_requester_who_stopped_such_emails_hears_it_in_the_digest(app, session, world):
    from cop.mail.models import MailOptOut

    session.add(MailOptOut(address="max@example.org", kind="contributions"))
    session.commit()
    request = ask(app, session, world)
    act(app, support.decline_request, session, world["coordinator"], request.id, "Not now.")
    session.commit()
    assert answer_emails(session) == []
    (note,) = session.scalars(
        select(Notification).where(Notification.event == "support_request.declined")
    ).all()
    assert note.user_id == world["member"].id


def test_a_coordinator_answering_their_own_request_is_not_emailed(app, session, world):
    world["coordinator"].organisation = world["member"].organisation
    session.commit()
    request = ask(app, session, world, person="coordinator")
    act(app, support.decline_request, session, world["coordinator"], request.id, "Not now.")
    session.commit()
    assert answer_emails(session) == []


def test_the_flash_after_asking_says_the_answer_comes_by_email(app, session, world):
    browser = as_(app, world["member"])
    page = "/groups/innovation-diffusion/support-requests/new"
    data = {"challenge": str(world["challenge"].id), "region": "BE10", "need": NEED}
    response = browser.post(page, data, page=page)
    shown = text(browser.client.get(response.headers["Location"]))
    assert "we will email you their answer" in shown
    assert "reaches you in your email digest" not in shown.split("<aside")[0]


def test_the_digest_names_the_answered_request_as_its_page_does(app, session, world):
    from cop.mail.digests import send_digests

    request = ask(app, session, world)
    follows.follow(session, world["colleague"], follows.SUPPORT_REQUEST, request.id)
    session.commit()
    act(app, support.decline_request, session, world["coordinator"], request.id, "Not now.")
    session.commit()
    with app.test_request_context():
        send_digests(session, now=utcnow() + timedelta(days=1))
    session.commit()
    digests = {
        email.recipient: email.body_text
        for email in session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "digest"))
    }
    assert f"Support request: {title_of(session, request)}" in digests["carl@example.org"]
    assert f"http://cop.test/support-requests/{request.id}" in digests["carl@example.org"]
    # The requester read the answer in its email: their digest does not repeat it.
    assert "Support request:" not in digests.get("max@example.org", "")


def test_parallel_clicks_on_send_ask_once(migrated):
    """Real threads, each on its own connection, committing: the same member sends the same
    request five times at once; one is written (and emailed), the others are refused."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy.orm import Session
    from sqlalchemy.pool import NullPool

    from cop import create_app
    from cop.db import get_db, get_session, make_engine
    from cop.members.models import User
    from tests.test_registration_concurrency import high_water_marks, remove_rows_above

    app = create_app(
        {
            "DATABASE_URL": migrated,
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
            "BASE_URL": "http://cop.test",
            "MAIL_SENDER": "cop <no-reply@example.org>",
        }
    )
    engine = make_engine(migrated, poolclass=NullPool)
    get_db(app).sessionmaker.configure(bind=engine)
    marks = high_water_marks(engine)
    clicks = 5
    try:
        with app.test_request_context():
            session = get_session()
            group = make_group(session, name="Concurrency group")
            member = make_user(session, organisation=make_organisation(session, region_code="BE10"))
            make_membership(session, member, group)
            make_membership(session, make_user(session), group, role=Role.COORDINATOR)
            challenge = make_challenge(session, group, status=ChallengeStatus.ACCEPTED)
            session.commit()
            member_id, challenge_id = member.id, challenge.id
        barrier = threading.Barrier(clicks, timeout=60)

        def click():
            with app.test_request_context():
                session = get_session()
                person = session.get(User, member_id)
                session.commit()  # on SQLite an open transaction holds the write lock
                barrier.wait()
                try:
                    support.ask_for_support(
                        session, person, challenge_id, region_code="BE10", need=NEED,
                        wanted_by=None,
                    )  # fmt: skip
                    session.commit()
                    return "asked"
                except Invalid as error:
                    session.rollback()
                    return error.field

        with ThreadPoolExecutor(max_workers=clicks) as pool:
            outcomes = sorted(
                future.result(timeout=120) for future in [pool.submit(click) for _ in range(clicks)]
            )
        assert outcomes == ["asked"] + ["challenge"] * (clicks - 1)
        with Session(engine) as session:
            written = session.scalars(
                select(SupportRequest).where(SupportRequest.challenge_id == challenge_id)
            ).all()
            emails = session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "support_requested")
            ).all()
            assert len(written) == 1
            assert len([e for e in emails if e.id > marks.get("outbox_messages", 0)]) == 1
    finally:
        remove_rows_above(engine, marks)
        get_db(app).engine.dispose()
        engine.dispose()


# --- After the second review ----------------------------------------------------------------------


def summary_links(page: str) -> list[str]:
    """The fields the error summary at the top of a page links to."""
    match = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    assert match, "no error summary"
    return re.findall(r'<a href="#([^"]+)">', match.group(0))


def test_a_refused_answer_is_summed_up_at_the_top_of_the_queue(app, session, world):
    request = ask(app, session, world)
    queue = "/groups/innovation-diffusion/support-requests/"
    coordinator = as_(app, world["coordinator"])
    assert "error-summary" not in text(coordinator.client.get(queue))
    before = counts(session)

    response = coordinator.post(
        f"/support-requests/{request.id}/decline", {"reason": ""}, page=queue
    )
    page = text(response)
    assert response.status_code == 400
    assert summary_links(page) == [f"reason-{request.id}"]
    assert page.index("error-summary") < page.index('id="open-title"')
    assert "Why the group declines it: Please fill in this field." in page
    assert f'id="reason-{request.id}"' in page

    response = coordinator.post(
        f"/support-requests/{request.id}/link", {"activity": ""}, page=queue
    )
    page = text(response)
    assert response.status_code == 400
    assert summary_links(page) == [f"activity-{request.id}"]
    assert f'id="activity-{request.id}"' in page
    assert counts(session) == before


def test_the_answer_forms_addresses_lead_back_to_the_request(app, session, world):
    request = ask(app, session, world)
    coordinator = as_(app, world["coordinator"])
    for answer in ("decline", "link"):
        response = coordinator.client.get(f"/support-requests/{request.id}/{answer}")
        assert response.status_code == 302
        assert response.headers["Location"] == (
            f"/groups/innovation-diffusion/support-requests/#request-{request.id}"
        )
    assert f'id="request-{request.id}"' in text(
        coordinator.client.get("/groups/innovation-diffusion/support-requests/")
    )
    # A member may read the queue: the same way back; someone of another group may not.
    response = as_(app, world["colleague"]).client.get(f"/support-requests/{request.id}/decline")
    assert response.status_code == 302
    assert (
        as_(app, world["outsider"]).client.get(f"/support-requests/{request.id}/link").status_code
        == 403
    )
    assert coordinator.client.get("/support-requests/999999999/link").status_code == 404
    # Answered: its page, which shows the answer.
    act(app, support.decline_request, session, world["coordinator"], request.id, "Not this year.")
    session.commit()
    response = coordinator.client.get(f"/support-requests/{request.id}/decline")
    assert response.headers["Location"] == f"/support-requests/{request.id}"
    assert state(session, request.id)[2] == "Not this year."


def options_of(page: str, request_id: int) -> list[tuple[str | None, str]]:
    """The link form's choices for a request: (optgroup, option text), in order."""
    match = re.search(rf'<select[^>]*id="activity-{request_id}"[^>]*>(.*?)</select>', page, re.S)
    assert match, "no activity select"
    found, group = [], None
    for piece in re.finditer(
        r'<optgroup label="([^"]*)">|</optgroup>|<option[^>]*>([^<]*)</option>', match.group(1)
    ):
        if piece.group(0) == "</optgroup>":
            group = None
        elif piece.group(1) is not None:
            group = unescape(piece.group(1))
        else:
            found.append((group, unescape(piece.group(2))))
    return found


def test_the_link_form_names_each_activity_and_lists_the_requests_challenge_first(
    app, session, world
):
    from cop.activities.models import ActivityKind

    on_it_done = make_activity(
        session,
        world["group"],
        title="Voucher lessons",
        kind=ActivityKind.WORKSHOP,
        status=ActivityStatus.COMPLETED,
        challenges=(world["challenge"],),
    )
    on_it = make_activity(
        session,
        world["group"],
        title="Voucher study visit",
        kind=ActivityKind.STUDY_VISIT,
        status=ActivityStatus.RUNNING,
        challenges=(world["challenge"], world["second"]),
    )
    elsewhere = make_activity(
        session, world["group"], title="Campus visit", challenges=(world["second"],)
    )
    session.commit()
    request = ask(app, session, world)
    other = ask(app, session, world, challenge_id=world["second"].id)
    page = text(
        as_(app, world["coordinator"]).client.get("/groups/innovation-diffusion/support-requests/")
    )

    assert options_of(page, request.id) == [
        (None, "Choose an activity"),
        ("On this challenge", "Voucher study visit (Study visit · Running)"),
        ("On this challenge", "Voucher lessons (Workshop · Completed)"),
        ("Other activities", "Campus visit (Peer review · Planned)"),
        ("Other activities", "Peer review of voucher schemes (Peer review · Planned)"),
    ]
    assert [
        label for group, label in options_of(page, other.id) if group == "On this challenge"
    ] == [
        "Campus visit (Peer review · Planned)",
        "Voucher study visit (Study visit · Running)",
    ]
    assert world["cancelled"].title not in page
    assert "A completed one may be linked too" in page
    # A completed activity may be linked: what it taught answers the request.
    act(
        app,
        support.answer_with_activity,
        session,
        world["coordinator"],
        request.id,
        on_it_done.id,
        new=False,
    )
    session.commit()
    assert state(session, request.id)[:2] == (SupportStatus.LINKED, on_it_done.id)
    assert elsewhere.id and on_it.id


def test_the_queue_with_activities_on_challenges_costs_the_same_queries(
    app, session, world, count_queries
):
    coordinator = as_(app, world["coordinator"])
    ask(app, session, world)
    path = "/groups/innovation-diffusion/support-requests/"

    def grow(count: int) -> int:
        for number in range(count):
            challenge = make_challenge(session, world["group"], status=ChallengeStatus.ACCEPTED)
            make_activity(
                session,
                world["group"],
                title=f"On many {number}",
                challenges=(challenge, world["challenge"]),
            )
        session.commit()
        with count_queries() as counter:
            assert coordinator.client.get(path).status_code == 200
        return counter.count

    assert grow(2) == grow(10)


def test_the_asking_form_says_optional_once_and_goes_back_in_plain_words(app, session, world):
    browser = as_(app, world["member"])
    page = "/groups/innovation-diffusion/support-requests/new"
    html = main_of(browser.client.get(page))
    assert ">Wanted by</label>" in html
    assert "(optional)" not in html
    assert "Optional. The date after which the learning would come too late" in html
    assert "Members of other regions ask for theirs." in html
    assert ">Back</a>" in html and ">Cancel</a>" not in html

    response = browser.post(
        page,
        {
            "challenge": str(world["challenge"].id),
            "region": "BE10",
            "need": NEED,
            "wanted_by": "2001-02-03",
        },
        page=page,
    )
    assert "Wanted by: Choose a date that is not in the past." in text(response)

    # In German the link reads "back", not "call off" (the meeting's "Cancel").
    world["member"].language = "de"
    session.commit()
    german = as_(app, world["member"])
    html = main_of(german.client.get(page))
    assert ">Zurück</a>" in html and "Absagen" not in html


def test_the_coordinators_email_dates_wanted_by_as_pages_do(app, session, world):
    wanted = date(date.today().year + 1, 5, 31)
    ask(app, session, world, wanted_by=wanted)
    (email,) = session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "support_requested")
    ).all()
    assert f"Wanted by: 31 May {wanted.year}" in email.body_text
    assert f"May 31, {wanted.year}" not in email.body_text
