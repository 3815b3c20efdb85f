"""The demo's peer-learning activities and support requests: a study visit, a peer review that
answers a region's request and a planned workshop, each tied to the groups' meetings and
challenges, and a request still waiting; loaded once, without email."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from cop import clock
from cop.activities.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    OutputKind,
    SupportRequest,
    SupportStatus,
)
from cop.audit.models import AuditEntry
from cop.demo_activities import DEMO_ACTIVITIES
from cop.mail import follows
from cop.mail.models import Follow, Notification, OutboxMessage
from cop.members.models import Membership, MembershipStatus, User

LOADED = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.fixture
def demo(runner, session):
    with clock.fixed_at(LOADED):
        result = runner.invoke(args=["cop", "demo"])
    assert result.exit_code == 0, result.output
    return result


def activities(session) -> dict[ActivityKind, Activity]:
    return {a.kind: a for a in session.scalars(select(Activity).order_by(Activity.id))}


def test_a_peer_review_a_study_visit_and_a_workshop_tied_to_meetings_and_challenges(demo, session):
    found = activities(session)
    assert set(found) == {ActivityKind.PEER_REVIEW, ActivityKind.STUDY_VISIT, ActivityKind.WORKSHOP}
    for activity in found.values():
        assert activity.meetings and activity.challenges and activity.experts
        # Its meetings and challenges are its group's; its experts are active members of it.
        assert {m.group_id for m in activity.meetings} == {activity.group_id}
        assert {c.group_id for c in activity.challenges} == {activity.group_id}
        for expert in activity.experts:
            membership = session.scalar(
                select(Membership).where(
                    Membership.user_id == expert.user_id, Membership.group_id == activity.group_id
                )
            )
            assert membership.status is MembershipStatus.ACTIVE, expert.user.email
            assert session.scalar(
                select(Follow.id).where(
                    Follow.user_id == expert.user_id,
                    Follow.target == follows.ACTIVITY,
                    Follow.target_id == activity.id,
                )
            )
    visit, review = found[ActivityKind.STUDY_VISIT], found[ActivityKind.PEER_REVIEW]
    for done in (visit, review):
        assert done.status is ActivityStatus.COMPLETED
        assert done.evaluation_learnt and done.evaluation_changes
        assert done.started_at < done.completed_at < LOADED
    assert [o.kind for o in visit.outputs] == [OutputKind.PRACTICE, OutputKind.DOCUMENT]
    assert (
        visit.outputs[0].practice.title == "One SME desk for all the region's research institutes"
    )
    workshop = found[ActivityKind.WORKSHOP]
    assert workshop.status is ActivityStatus.PLANNED
    assert all(m.starts_at > LOADED for m in workshop.meetings)  # upcoming
    actions = set(
        session.scalars(
            select(AuditEntry.action).where(
                AuditEntry.record_type == "activities", AuditEntry.record_id == str(review.id)
            )
        )
    )
    assert actions == {"activity.created", "activity.started", "activity.completed"}


def test_two_support_requests_one_answered_with_the_peer_review_one_open(demo, session):
    requests = list(session.scalars(select(SupportRequest).order_by(SupportRequest.id)))
    assert [r.status for r in requests] == [SupportStatus.NEW_ACTIVITY, SupportStatus.OPEN]
    answered, waiting = requests
    assert answered.activity.kind is ActivityKind.PEER_REVIEW
    assert answered.activity.challenges == [answered.challenge]
    assert answered.answered_by.email == "coordinator@example.org"
    assert answered.created_at < answered.answered_at
    # Each asks for the requester's own region, and the requester follows it.
    for request in requests:
        assert request.region_code == request.requester.organisation.region_code
        assert request.answered_at is None or request.answered_at < LOADED
        assert session.scalar(
            select(Follow.id).where(
                Follow.user_id == request.requester_id,
                Follow.target == follows.SUPPORT_REQUEST,
                Follow.target_id == request.id,
            )
        )
    assert waiting.requester.email == "member@example.org"
    assert waiting.wanted_by > LOADED.date()


def test_loading_again_keeps_everything_and_sends_nothing(demo, runner, session):
    def counts():
        return [
            session.scalar(select(func.count()).select_from(model))
            for model in (Activity, SupportRequest, Follow, AuditEntry)
        ]

    first = counts()
    with clock.fixed_at(LOADED + timedelta(days=40)):
        again = runner.invoke(args=["cop", "demo"])
    assert again.exit_code == 0, again.output
    assert "Demo data: 0 created" in again.output
    session.expire_all()
    assert counts() == first
    assert len(DEMO_ACTIVITIES) == first[0]
    # The demo writes history, not news: nobody is mailed or notified.
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert session.scalar(select(func.count()).select_from(Notification)) == 0


def test_people_who_agreed_to_be_listed_may_be_suggested_as_contacts(demo, session):
    people = list(session.scalars(select(User).where(User.email.like("%@example.org"))))
    assert any(p.contactable for p in people) and not all(p.contactable for p in people)
    assert all(p.contactable == p.listed for p in people if not p.is_admin)
