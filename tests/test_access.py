"""Every route is in the access table, and each role gets what the table says."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cop.activities.models import ActivityStatus, SupportStatus
from cop.challenges.models import ChallengeStatus
from cop.meetings.models import (
    Audience,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    RegistrationStatus,
)
from cop.members.models import MembershipStatus, Role
from cop.outcomes.models import OutcomeStatus
from cop.solutions.models import SolutionStage
from tests.access import ACCESS_TABLE, LOGIN, ROLES, WORLD_KEYS
from tests.conftest import Browser
from tests.factories import (
    make_activity,
    make_challenge,
    make_feed_token,
    make_group,
    make_indicator,
    make_meeting,
    make_membership,
    make_milestone,
    make_organisation,
    make_outcome,
    make_registration,
    make_solution,
    make_support_request,
    make_theme,
    make_user,
)


def test_every_route_is_in_the_access_table(app):
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    table = {(route.endpoint, route.method) for route in ACCESS_TABLE}

    assert routes - table == set(), "routes missing from tests/access.py"
    assert table - routes == set(), "tests/access.py names routes that do not exist"


def build_world(session, user, admin) -> tuple[dict[str, object], dict[str, object]]:
    """A group with a person in each role, another group, an archived one; (people, values)."""
    group = make_group(session)
    other_group = make_group(session)
    archived_group = make_group(session)
    archived_group.archived = True
    organisation = make_organisation(session)
    applicant = make_user(session, name="Ana Applicant")
    member = make_user(session, name="Max Member", organisation=organisation)
    coordinator = make_user(session, name="Cora Coordinator")
    applied = make_membership(session, applicant, group, status=MembershipStatus.APPLIED)
    active = make_membership(session, member, group)
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    meeting = make_meeting(session, group)
    open_meeting = make_meeting(
        session,
        group,
        kind=MeetingKind.WEBINAR,
        format=MeetingFormat.ONLINE,
        audience=Audience.OPEN,
    )
    draft_meeting = make_meeting(session, group, status=MeetingStatus.DRAFT)
    other_meeting = make_meeting(session, other_group)
    past_meeting = make_meeting(session, group, starts_in=timedelta(days=-30))
    registration = make_registration(session, meeting, member)
    waiting = make_registration(session, meeting, status=RegistrationStatus.WAITLISTED)
    revoked_feed_token = make_feed_token(session, member, revoked=True)
    member_feed_token = make_feed_token(session, member)
    theme = make_theme(session, group)
    proposed_challenge = make_challenge(session, group, raised_by=member, themes=(theme,))
    accepted_challenge = make_challenge(session, group, status=ChallengeStatus.ACCEPTED)
    closed_challenge = make_challenge(
        session, group, status=ChallengeStatus.CLOSED, decision_note="Out of scope."
    )
    practices = good_practices(session, group, member)
    planned_activity = make_activity(
        session,
        group,
        challenges=(accepted_challenge,),
        meetings=(meeting,),
        experts=((member, "Peer reviewer"),),
    )
    completed_activity = make_activity(session, group, status=ActivityStatus.COMPLETED)
    other_activity = make_activity(session, other_group)
    open_request = make_support_request(session, accepted_challenge, member)
    answered_request = make_support_request(
        session,
        accepted_challenge,
        member,
        status=SupportStatus.DECLINED,
        answer="A study visit already covers this.",
    )
    public_solution = make_solution(
        session,
        group,
        member,
        stage=SolutionStage.DEPLOYMENT,
        challenges=(accepted_challenge,),
        public=True,
    )
    private_solution = make_solution(session, group, member, challenges=(accepted_challenge,))
    solution_indicator = make_indicator(session, public_solution)
    solution_milestone = make_milestone(session, public_solution)
    other_solution = make_solution(session, other_group, make_user(session))
    draft_outcome = make_outcome(session, group, member)
    review_outcome = make_outcome(
        session, group, member, status=OutcomeStatus.IN_REVIEW, submitted_by=member
    )
    published_outcome = make_outcome(
        session,
        group,
        member,
        published=True,
        approver=coordinator,
        solutions=[public_solution],
        meetings=[past_meeting],
        region_codes=("BE10",),
    )
    withdrawn_outcome = make_outcome(
        session,
        group,
        member,
        published=True,
        approver=coordinator,
        status=OutcomeStatus.WITHDRAWN,
        withdraw_reason="Superseded by the 2026 brief.",
    )
    other_outcome = make_outcome(session, other_group, make_user(session))
    session.commit()
    people = {
        "user": user,
        "applicant": applicant,
        "member": member,
        "coordinator": coordinator,
        "admin": admin,
    }
    values = {
        "group": group.slug,
        "other_group": other_group.slug,
        "archived_group": archived_group.slug,
        **{f"{role}_id": person.id for role, person in people.items()},
        "applicant_membership_id": applied.id,
        "member_membership_id": active.id,
        "organisation_id": organisation.id,
        "meeting": meeting.id,
        "open_meeting": open_meeting.id,
        "draft_meeting": draft_meeting.id,
        "other_meeting": other_meeting.id,
        "past_meeting": past_meeting.id,
        "member_registration_id": registration.id,
        "waiting_registration_id": waiting.id,
        "member_feed_token": member_feed_token.token,
        "revoked_feed_token": revoked_feed_token.token,
        "proposed_challenge": proposed_challenge.id,
        "accepted_challenge": accepted_challenge.id,
        "closed_challenge": closed_challenge.id,
        "theme": theme.id,
        **{key: record.id for key, record in practices.items()},
        "planned_activity": planned_activity.id,
        "completed_activity": completed_activity.id,
        "other_activity": other_activity.id,
        "open_request": open_request.id,
        "answered_request": answered_request.id,
        "public_solution": public_solution.id,
        "private_solution": private_solution.id,
        "solution_indicator": solution_indicator.id,
        "solution_milestone": solution_milestone.id,
        "other_solution": other_solution.id,
        "draft_outcome": draft_outcome.id,
        "review_outcome": review_outcome.id,
        "published_outcome": published_outcome.id,
        "withdrawn_outcome": withdrawn_outcome.id,
        "other_outcome": other_outcome.id,
    }
    assert set(values) == set(WORLD_KEYS)
    return people, values


@pytest.mark.parametrize("route", ACCESS_TABLE, ids=lambda r: f"{r.method} {r.path}")
def test_each_role_gets_what_the_table_says(route, app, connection, session, user, admin):
    """One world per route; each role acts in a savepoint rolled back before the next role."""
    people, values = build_world(session, user, admin)
    session_ids = {role: person.get_id() for role, person in people.items()}
    session.close()  # the roles' savepoints below must not hold one of this session's
    path = route.path.format(**values)
    data = {key: value.format(**values) for key, value in route.data.items()}
    answers, wrong = {}, {}

    for role in ROLES:
        # A savepoint SQLAlchemy does not track, so the app's own savepoints nest inside it.
        connection.exec_driver_sql("SAVEPOINT access_role")
        try:
            browser = Browser(app.test_client())
            if role != "anonymous":
                with browser.client.session_transaction() as flask_session:
                    flask_session["_user_id"] = session_ids[role]
                    flask_session["_fresh"] = True
            if route.method == "GET":
                response = browser.client.get(path)
            else:
                response = browser.post(path, data, page="/")
        finally:
            connection.exec_driver_sql("ROLLBACK TO SAVEPOINT access_role")
            connection.exec_driver_sql("RELEASE SAVEPOINT access_role")

        expected = route.expect[role]
        if expected == LOGIN:
            got_login = response.status_code == 302 and response.headers["Location"].startswith(
                "/account/login"
            )
            answers[role] = LOGIN if got_login else response.status_code
        else:
            answers[role] = response.status_code
        if answers[role] != expected:
            wrong[role] = response.get_data(as_text=True)[:300]

    assert answers == route.expect, wrong


def good_practices(session, group, author) -> dict[str, object]:
    """The author's complete practices of `group` in three states, and a web link on the draft."""
    from cop.challenges.models import GoodPractice, PracticeLink, PracticeStatus

    def practice(status: PracticeStatus) -> GoodPractice:
        record = GoodPractice(
            group=group,
            author=author,
            status=status,
            title=f"A {status.value} practice",
            region_code="BE10",
            problem="SMEs rarely adopt new technologies.",
            what_was_done="Vouchers.",
            evidence="140 firms took part.",
            transferability="Anywhere with an agency.",
            contact_name="Max Member",
            contact_email="max@example.org",
        )
        session.add(record)
        return record

    draft = practice(PracticeStatus.DRAFT)
    records = {
        "draft_practice": draft,
        "submitted_practice": practice(PracticeStatus.SUBMITTED),
        "published_practice": practice(PracticeStatus.PUBLISHED),
        "practice_link": PracticeLink(practice=draft, title="Site", url="https://example.org/"),
    }
    session.add(records["practice_link"])
    session.flush()
    return records
