"""The demo's outcomes: lessons learnt published in two versions, a meeting report, a policy
brief spanning the three groups, a case study in review, a draft and a withdrawn brief, keeping
the rules the services enforce; loaded once, without email."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from cop import clock
from cop.audit.models import AuditEntry
from cop.demo_outcomes import (
    DEMO_OUTCOMES,
    ENABLING_CONDITION_TITLE,
    FIRST_TIME_TITLE,
    MEETING_REPORT_TITLE,
)
from cop.mail import follows
from cop.mail.models import Follow, Notification, OutboxMessage
from cop.meetings.models import MeetingKind, Registration
from cop.members.models import Membership, MembershipStatus, Role, User
from cop.outcomes.models import Outcome, OutcomeKind, OutcomeStatus, OutcomeVersion

LOADED = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.fixture
def demo(runner, session):
    with clock.fixed_at(LOADED):
        result = runner.invoke(args=["cop", "demo"])
    assert result.exit_code == 0, result.output
    return result


def outcomes(session) -> dict[str, Outcome]:
    return {o.title: o for o in session.scalars(select(Outcome).order_by(Outcome.id))}


def test_every_kind_and_every_state_of_the_workflow(demo, session):
    found = outcomes(session)
    assert len(found) == len(DEMO_OUTCOMES) == 6
    assert {o.kind for o in found.values()} == set(OutcomeKind)
    assert {o.status for o in found.values()} == set(OutcomeStatus)
    # The lessons learnt draw on a held plenary and two of the group's solutions.
    lessons = found[FIRST_TIME_TITLE]
    assert lessons.kind is OutcomeKind.LESSONS_LEARNT
    assert [m.kind for m in lessons.meetings] == [MeetingKind.PLENARY]
    assert all(m.ends_at < LOADED for m in lessons.meetings)
    assert len(lessons.solutions) == 2 and all(s.public for s in lessons.solutions)
    assert lessons.challenges and lessons.practices and lessons.activities and lessons.themes
    # Published, then revised: its history shows two versions, the page the second.
    assert [v.number for v in lessons.versions] == [1, 2]
    assert lessons.current_version_id == lessons.versions[1].id
    assert lessons.versions[1].change_note
    assert lessons.versions[0].body != lessons.versions[1].body == lessons.body
    assert lessons.first_published_at == lessons.versions[0].published_at
    assert lessons.public_changed_at == lessons.versions[1].published_at
    # The meeting report was started from a held meeting, with attendance counts, no names.
    report = found[MEETING_REPORT_TITLE]
    assert report.kind is OutcomeKind.MEETING_REPORT and report.status is OutcomeStatus.PUBLISHED
    assert report.from_meeting is not None and report.from_meeting.ends_at < LOADED
    assert report.meetings == [report.from_meeting]
    assert "## Who took part" in report.body and "| Helix | People |" in report.body
    attended = session.scalars(
        select(User.name)
        .join(Registration, Registration.user_id == User.id)
        .where(
            Registration.meeting_id == report.from_meeting_id,
            Registration.attended_at.is_not(None),
        )
    ).all()
    assert attended and f"{len(attended)} members took part" in report.body
    # Attendance is counted, never named (speakers are named in the programme, as on the
    # meeting's public page).
    attendance = report.body.split("## Who took part")[1].split("## Materials")[0]
    assert not [name for name in attended if name in attendance]
    # The policy brief spans the three groups.
    brief = found[ENABLING_CONDITION_TITLE]
    assert brief.kind is OutcomeKind.POLICY_BRIEF and brief.status is OutcomeStatus.PUBLISHED
    assert {g.slug for g in brief.groups} == {
        "innovation-diffusion",
        "industrial-transition",
        "interregional-cooperation",
    }
    # In review, a draft: never published.
    for outcome in found.values():
        if outcome.status in (OutcomeStatus.DRAFT, OutcomeStatus.IN_REVIEW):
            assert outcome.current_version_id is None and not outcome.versions
            assert outcome.first_published_at is None
    in_review = next(o for o in found.values() if o.status is OutcomeStatus.IN_REVIEW)
    assert in_review.submitted_by_id in in_review.author_ids and in_review.submitted_at


def test_the_records_keep_the_rules_the_services_enforce(demo, session):
    for outcome in outcomes(session).values():
        group_ids = {group.id for group in outcome.groups}
        # Authors are active members of one of its groups; the first wrote it.
        assert outcome.authors and outcome.created_by_id == outcome.authors[0].id
        for author in outcome.authors:
            assert session.scalar(
                select(Membership.id).where(
                    Membership.user_id == author.id,
                    Membership.group_id.in_(group_ids),
                    Membership.status == MembershipStatus.ACTIVE,
                )
            ), (outcome.title, author.email)
        # Published versions have a reviewer who is a coordinator of one of its groups (or an
        # admin), never one of its authors.
        if outcome.status in (OutcomeStatus.PUBLISHED, OutcomeStatus.WITHDRAWN):
            assert outcome.versions and outcome.current_version_id == outcome.versions[-1].id
            for version in outcome.versions:
                approver = version.approved_by
                assert approver.id not in outcome.author_ids, outcome.title
                coordinates = session.scalar(
                    select(Membership.id).where(
                        Membership.user_id == approver.id,
                        Membership.group_id.in_(group_ids),
                        Membership.role == Role.COORDINATOR,
                        Membership.status == MembershipStatus.ACTIVE,
                    )
                )
                assert coordinates or approver.is_admin, outcome.title
                assert version.authors_text and version.published_at < LOADED
        # Withdrawn ones say why; only published ones were withdrawn.
        if outcome.status is OutcomeStatus.WITHDRAWN:
            assert outcome.withdraw_reason and outcome.withdrawn_at < LOADED
            assert outcome.public_changed_at == outcome.withdrawn_at
        else:
            assert not outcome.withdraw_reason and outcome.withdrawn_at is None
        # Linked records belong to its groups; the public ones only.
        for record in (*outcome.challenges, *outcome.practices, *outcome.solutions):
            assert record.group_id in group_ids
        assert all(solution.public for solution in outcome.solutions)
        assert all(theme.group_id in group_ids for theme in outcome.themes)
        # Regions include those of the records it draws on.
        codes = {region.code for region in outcome.regions}
        for solution in outcome.solutions:
            assert {region.code for region in solution.regions} <= codes, outcome.title
        for practice in outcome.practices:
            assert practice.region_code in codes
        for challenge in outcome.challenges:
            assert {region.code for region in challenge.regions} <= codes
        # The authors follow it.
        followers = set(
            session.scalars(
                select(Follow.user_id).where(
                    Follow.target == follows.OUTCOME, Follow.target_id == outcome.id
                )
            )
        )
        assert {author.id for author in outcome.authors} <= followers


def test_the_workflow_is_in_the_audit_log(demo, session):
    lessons = outcomes(session)[FIRST_TIME_TITLE]
    actions = list(
        session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.record_type == "outcomes", AuditEntry.record_id == str(lessons.id))
            .order_by(AuditEntry.at, AuditEntry.id)
        )
    )
    assert actions == [
        "outcome.created",
        "outcome.submitted",
        "outcome.approved",
        "outcome.revised",
        "outcome.submitted",
        "outcome.approved",
    ]
    withdrawn = next(o for o in outcomes(session).values() if o.status is OutcomeStatus.WITHDRAWN)
    entry = session.scalar(
        select(AuditEntry).where(
            AuditEntry.record_id == str(withdrawn.id), AuditEntry.action == "outcome.withdrawn"
        )
    )
    assert entry.after["reason"] == withdrawn.withdraw_reason
    assert all(
        at < LOADED
        for at in session.scalars(select(AuditEntry.at).where(AuditEntry.record_type == "outcomes"))
    )


def test_loading_again_keeps_everything_and_sends_nothing(demo, runner, session):
    def counts():
        return [
            session.scalar(select(func.count()).select_from(model))
            for model in (Outcome, OutcomeVersion, Follow, AuditEntry)
        ]

    first = counts()
    with clock.fixed_at(LOADED + timedelta(days=40)):
        again = runner.invoke(args=["cop", "demo"])
    assert again.exit_code == 0, again.output
    assert "Demo data: 0 created" in again.output
    session.expire_all()
    assert counts() == first
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert session.scalar(select(func.count()).select_from(Notification)) == 0
