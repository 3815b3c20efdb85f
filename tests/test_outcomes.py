"""The services of outcomes: writing one, its review workflow (submit, approve, return,
withdraw), who may do each, every bad input (its message, and nothing written), its regions,
its versions and who hears of it. Pages are in test_outcome_pages.py, meeting reports in
test_outcome_meeting_report.py, files in test_outcome_files.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from cop import clock
from cop.audit.models import AuditEntry
from cop.challenges.models import ChallengeStatus, PracticeStatus
from cop.errors import Conflict, Invalid, NotAllowed, NotFound
from cop.mail import follows
from cop.mail.digests import event_sentence
from cop.mail.models import Follow, Notification
from cop.meetings.models import MeetingStatus
from cop.members.models import MembershipStatus, Role
from cop.outcomes import services
from cop.outcomes.models import (
    Outcome,
    OutcomeKind,
    OutcomeStatus,
    OutcomeVersion,
    outcome_authors,
)
from cop.outcomes.services import OutcomeDetails
from tests.factories import (
    make_activity,
    make_challenge,
    make_group,
    make_meeting,
    make_membership,
    make_practice,
    make_solution,
    make_theme,
    make_user,
)

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def written(session) -> tuple[int, ...]:
    """How many rows of each kind an outcome service may write."""
    return tuple(
        count(session, model)
        for model in (Outcome, OutcomeVersion, AuditEntry, Notification, Follow)
    )


def actions(session, outcome) -> list[str]:
    return list(
        session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.record_type == "outcomes", AuditEntry.record_id == str(outcome.id))
            .order_by(AuditEntry.id)
        )
    )


def notified(session, event: str) -> set[int]:
    return set(session.scalars(select(Notification.user_id).where(Notification.event == event)))


def build_world(app, session):
    """Two groups; a coordinator and a second coordinator, an author (a member), another
    member, an applicant, an outsider (coordinator of the other group); records of the group
    to draw on, and one members-only solution of the other group."""
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    other = make_group(session, slug="industrial-transition", name="Industrial Transition")
    archived = make_group(session, slug="old-group", name="Old group")
    archived.archived = True
    coordinator = make_user(session, name="Cora Coordinator")
    second = make_user(session, name="Sam Second")
    author = make_user(session, name="Ada Author", listed=True)
    member = make_user(session, name="Max Member")
    applicant = make_user(session, name="Anna Applicant")
    outsider = make_user(session, name="Otto Outsider")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    make_membership(session, second, group, role=Role.COORDINATOR)
    make_membership(session, author, group)
    make_membership(session, member, group)
    make_membership(session, applicant, group, status=MembershipStatus.APPLIED)
    make_membership(session, outsider, other, role=Role.COORDINATOR)
    make_membership(session, coordinator, archived, role=Role.COORDINATOR)
    challenge = make_challenge(
        session, group, status=ChallengeStatus.ACCEPTED, region_codes=("FR10",)
    )
    practice = make_practice(session, group, region_code="DE21")
    activity = make_activity(session, group, host_region_code="ITC4")
    solution = make_solution(session, group, author, public=True, region_codes=("PT11", "BE10"))
    meeting = make_meeting(session, group, starts_in=timedelta(days=-20))
    theme = make_theme(session, group)
    foreign = make_solution(session, other, outsider)  # members only, of the other group
    session.commit()
    with clock.fixed_at(NOW), app.test_request_context():
        yield {
            "group": group,
            "other": other,
            "archived": archived,
            "coordinator": coordinator,
            "second": second,
            "author": author,
            "member": member,
            "applicant": applicant,
            "outsider": outsider,
            "challenge": challenge,
            "practice": practice,
            "activity": activity,
            "solution": solution,
            "meeting": meeting,
            "theme": theme,
            "foreign": foreign,
        }


@pytest.fixture
def world(app, session):
    yield from build_world(app, session)


def details(world, **changes) -> OutcomeDetails:
    values = dict(
        kind=OutcomeKind.LESSONS_LEARNT,
        title="Vouchers work best with a coach",
        summary="What regions learnt from their first voucher schemes for SMEs.",
        body="## Lessons\n\nStart small, with **vouchers** and coaching.",
        group_ids=[world["group"].id],
        author_ids=[world["author"].id],
        solution_ids=[world["solution"].id],
        meeting_ids=[world["meeting"].id],
    )
    values.update(changes)
    return OutcomeDetails(**values)


def create(session, world, actor="author", **changes) -> Outcome:
    outcome = services.create_outcome(session, world[actor], details(world, **changes))
    session.commit()
    return outcome


def submit(session, world, outcome, actor="author", note="") -> Outcome:
    services.submit_outcome(session, world[actor], outcome, note)
    session.commit()
    return outcome


def publish(session, world, outcome, reviewer="coordinator") -> OutcomeVersion:
    submit(session, world, outcome)
    version = services.approve_outcome(session, world[reviewer], outcome)
    session.commit()
    return version


# --- Writing --------------------------------------------------------------------------------------


def test_a_member_writes_a_draft_with_its_links_and_regions(session, world):
    outcome = create(
        session,
        world,
        challenge_ids=[world["challenge"].id],
        practice_ids=[world["practice"].id],
        activity_ids=[world["activity"].id],
        theme_ids=[world["theme"].id],
        region_codes=["ES51"],
    )
    assert outcome.status is OutcomeStatus.DRAFT
    assert outcome.current_version_id is None and not outcome.is_public
    assert outcome.groups == [world["group"]]
    assert outcome.authors == [world["author"]]
    assert outcome.licence == "CC-BY-4.0"
    assert outcome.solutions == [world["solution"]]
    assert outcome.meetings == [world["meeting"]]
    assert outcome.themes == [world["theme"]]
    # The regions named, and those of every record it draws on.
    assert [region.code for region in outcome.regions] == [
        "BE10",  # the solution's
        "DE21",  # the practice's
        "ES51",  # named
        "FR10",  # the challenge's
        "ITC4",  # the activity's host
        "PT11",  # the solution's
    ]
    assert actions(session, outcome) == ["outcome.created"]
    assert follows.followers(session, [(follows.OUTCOME, outcome.id)]) == [world["author"].id]


def test_the_creator_is_an_author_unless_others_are_named(session, world):
    outcome = create(session, world, actor="member", author_ids=[])
    assert outcome.authors == [world["member"]]
    coordinated = create(
        session, world, actor="coordinator", author_ids=[world["member"].id, world["author"].id]
    )
    assert coordinated.authors == [world["member"], world["author"]]
    positions = session.execute(
        select(outcome_authors.c.user_id, outcome_authors.c.position).where(
            outcome_authors.c.outcome_id == coordinated.id
        )
    ).all()
    assert dict(positions) == {world["member"].id: 0, world["author"].id: 1}


def test_an_outcome_spans_several_groups_of_its_writer(session, world):
    make_membership(session, world["author"], world["other"])
    session.commit()
    outcome = create(session, world, group_ids=[world["group"].id, world["other"].id])
    assert outcome.groups == [world["group"], world["other"]]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"summary": "x" * 1001}, "summary"),
        ({"body": "x" * 100_001}, "body"),
        ({"title": "Null\x00byte"}, "title"),
        ({"kind": "novel"}, "kind"),
        ({"licence": "all-rights-reserved"}, "licence"),
        ({"group_ids": []}, "group_ids"),
        ({"group_ids": [999999]}, "group_ids"),
        ({"author_ids": [-1]}, "author_ids"),
        ({"region_codes": ["XX99"]}, "region_codes"),
        ({"meeting_ids": [999999]}, "meeting_ids"),
        ({"theme_ids": [999999]}, "theme_ids"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(session, world, changes, field):
    before = written(session)
    with pytest.raises(Invalid) as caught:
        services.create_outcome(session, world["author"], details(world, **changes))
    session.rollback()
    assert field in {problem.field for problem in caught.value.problems}
    assert written(session) == before


def test_every_problem_is_said_at_once(session, world):
    with pytest.raises(Invalid) as caught:
        services.create_outcome(
            session, world["author"], details(world, title="", summary="x" * 1001, licence="?")
        )
    assert {p.field for p in caught.value.problems} == {"title", "summary", "licence"}
    assert caught.value.message == "Please fill in this field."


def test_a_forged_id_of_another_groups_members_only_solution_is_refused(session, world):
    before = written(session)
    with pytest.raises(Invalid) as caught:
        services.create_outcome(
            session, world["author"], details(world, solution_ids=[world["foreign"].id])
        )
    session.rollback()
    assert caught.value.field == "solution_ids"
    assert caught.value.message == (
        "Choose among the records of the outcome's groups that you may read."
    )
    assert written(session) == before


def test_unpublished_practices_of_others_and_draft_meetings_are_not_linked(session, world):
    draft_practice = make_practice(
        session, world["group"], author=world["member"], status=PracticeStatus.DRAFT
    )
    draft_meeting = make_meeting(session, world["group"], status=MeetingStatus.DRAFT)
    session.commit()
    with pytest.raises(Invalid) as caught:
        services.create_outcome(
            session,
            world["author"],
            details(world, practice_ids=[draft_practice.id], meeting_ids=[draft_meeting.id]),
        )
    session.rollback()
    assert {p.field for p in caught.value.problems} == {"practice_ids", "meeting_ids"}
    # Its coordinators read both: they may link them.
    outcome = create(
        session,
        world,
        actor="coordinator",
        practice_ids=[draft_practice.id],
        meeting_ids=[draft_meeting.id],
    )
    assert outcome.practices == [draft_practice]


@pytest.mark.parametrize("who", ["applicant", "outsider"])
def test_only_members_put_an_outcome_in_a_group(session, world, who):
    before = written(session)
    with pytest.raises(Invalid) as caught:
        services.create_outcome(session, world[who], details(world, author_ids=[]))
    session.rollback()
    assert caught.value.field == "group_ids"
    assert caught.value.message == (
        "You may only put an outcome in the working groups you are a member of."
    )
    assert written(session) == before


def test_an_archived_group_takes_no_new_outcome(session, world):
    with pytest.raises(Invalid) as caught:
        services.create_outcome(
            session, world["coordinator"], details(world, group_ids=[world["archived"].id])
        )
    assert caught.value.field == "group_ids"


def test_authors_are_active_members_of_its_groups(session, world):
    with pytest.raises(Invalid) as caught:
        services.create_outcome(
            session, world["author"], details(world, author_ids=[world["outsider"].id])
        )
    assert caught.value.field == "author_ids"
    assert caught.value.message == (
        "Authors are chosen among the active members of the outcome's groups."
    )


def test_editing_a_draft_is_audited_and_regions_follow_the_links(session, world):
    outcome = create(session, world)
    services.update_outcome(
        session,
        world["author"],
        outcome,
        details(world, title="Coaching makes vouchers work", solution_ids=[]),
    )
    session.commit()
    assert outcome.title == "Coaching makes vouchers work"
    assert outcome.status is OutcomeStatus.DRAFT
    assert outcome.regions == []
    assert actions(session, outcome) == ["outcome.created", "outcome.edited"]


def test_others_may_not_edit(session, world):
    outcome = create(session, world)
    with pytest.raises(NotAllowed):
        services.update_outcome(session, world["member"], outcome, details(world))
    with pytest.raises(NotFound):
        services.update_outcome(session, world["outsider"], outcome, details(world))


# --- Review ---------------------------------------------------------------------------------------


def test_submit_approve_publishes_version_one_and_tells_the_groups_followers(session, world):
    fan = make_user(session, name="Fiona Follower")
    make_membership(session, fan, world["group"])
    follows.follow(session, fan, follows.GROUP_OUTCOMES, world["group"].id)
    session.commit()
    outcome = create(session, world)
    assert notified(session, "outcome.published") == set()
    submit(session, world, outcome, note="First version.")
    assert outcome.status is OutcomeStatus.IN_REVIEW
    assert outcome.submitted_by_id == world["author"].id
    # The coordinators who may review it hear of it; not the author.
    assert notified(session, "outcome.submitted") == {
        world["coordinator"].id,
        world["second"].id,
    }
    # Nothing public yet: the group's followers hear nothing of a draft or a review.
    assert notified(session, "outcome.published") == set()

    version = services.approve_outcome(session, world["coordinator"], outcome)
    session.commit()
    assert version.number == 1
    assert (version.title, version.body) == (outcome.title, outcome.body)
    assert version.authors_text == "Ada Author"
    assert version.change_note == "First version."
    assert version.approved_by_id == world["coordinator"].id
    assert outcome.status is OutcomeStatus.PUBLISHED
    assert outcome.current_version_id == version.id
    assert outcome.first_published_at == NOW
    assert outcome.public_changed_at == NOW
    assert notified(session, "outcome.published") == {fan.id, world["author"].id}
    note = session.scalar(select(Notification).where(Notification.user_id == fan.id))
    assert (note.target, note.target_id, note.path) == (
        "outcome",
        outcome.id,
        f"/outcomes/{outcome.id}",
    )
    assert event_sentence("outcome.published") == "A new outcome is published."
    assert actions(session, outcome) == ["outcome.created", "outcome.submitted", "outcome.approved"]


def test_a_revision_keeps_the_public_version_until_approved(session, world):
    fan = make_user(session)
    make_membership(session, fan, world["group"])
    follows.follow(session, fan, follows.GROUP_OUTCOMES, world["group"].id)
    session.commit()
    outcome = create(session, world)
    first = publish(session, world, outcome)
    services.update_outcome(
        session, world["author"], outcome, details(world, body="A better text.")
    )
    session.commit()
    # The working copy is a draft revision; the public still reads version 1.
    assert outcome.status is OutcomeStatus.DRAFT
    assert outcome.current_version_id == first.id
    assert outcome.current_version.body.startswith("## Lessons")
    assert actions(session, outcome)[-1] == "outcome.revised"
    with clock.fixed_at(NOW + timedelta(days=3)):
        services.submit_outcome(session, world["author"], outcome, "Clearer text.")
        second = services.approve_outcome(session, world["second"], outcome)
        session.commit()
    assert second.number == 2 and second.body == "A better text."
    assert outcome.current_version_id == second.id
    assert outcome.first_published_at == NOW
    assert outcome.public_changed_at == NOW + timedelta(days=3)
    assert [v.number for v in outcome.versions] == [1, 2]
    # Followers of the outcome hear of the revision; the group's followers heard only once.
    assert notified(session, "outcome.revised") == {world["author"].id}
    assert len(notified(session, "outcome.published")) == 2
    assert event_sentence("outcome.revised", "Clearer text.") == (
        "A new version of this outcome is published: Clearer text."
    )


def test_its_author_may_not_approve_their_own_work(session, world):
    outcome = create(session, world, actor="coordinator", author_ids=[world["coordinator"].id])
    submit(session, world, outcome, actor="coordinator")
    before = written(session)
    with pytest.raises(NotAllowed) as caught:
        services.approve_outcome(session, world["coordinator"], outcome)
    session.rollback()
    assert caught.value.message == (
        "Another coordinator must review it: its authors may not approve their own work."
    )
    assert written(session) == before
    assert outcome.status is OutcomeStatus.IN_REVIEW


def test_its_submitter_may_not_approve_it_either(session, world):
    outcome = create(session, world)
    submit(session, world, outcome, actor="coordinator")  # a coordinator, not an author
    with pytest.raises(NotAllowed):
        services.approve_outcome(session, world["coordinator"], outcome)
    services.approve_outcome(session, world["second"], outcome)


def test_another_groups_coordinator_and_members_may_not_review(session, world):
    outcome = create(session, world)
    submit(session, world, outcome)
    with pytest.raises(NotFound):
        services.approve_outcome(session, world["outsider"], outcome)
    with pytest.raises(NotAllowed) as caught:
        services.approve_outcome(session, world["member"], outcome)
    assert caught.value.message == "Only the coordinators of its groups review outcomes."


def test_an_admin_approves(session, world, admin):
    outcome = create(session, world)
    submit(session, world, outcome)
    version = services.approve_outcome(session, admin, outcome)
    assert version.approved_by_id == admin.id


def test_a_replayed_approval_or_submission_is_refused_and_writes_nothing(session, world):
    outcome = create(session, world)
    publish(session, world, outcome)
    before = written(session)
    with pytest.raises(Conflict) as caught:
        services.approve_outcome(session, world["second"], outcome)
    assert caught.value.message == (
        "This outcome is not in review: it was approved or returned already."
    )
    session.rollback()
    draft = create(session, world)
    submit(session, world, draft)
    before = written(session)
    with pytest.raises(Conflict) as caught:
        services.submit_outcome(session, world["author"], draft)
    session.rollback()
    assert caught.value.message == "This outcome is in review already."
    assert written(session) == before


def test_an_outcome_in_review_cannot_be_edited(session, world):
    outcome = create(session, world)
    submit(session, world, outcome)
    with pytest.raises(NotAllowed) as caught:
        services.update_outcome(session, world["author"], outcome, details(world, title="New"))
    assert caught.value.message == (
        "This outcome is in review: it can be changed once it is returned."
    )


def test_an_empty_outcome_cannot_be_submitted(session, world):
    outcome = create(session, world, summary="", body="  ")
    before = written(session)
    with pytest.raises(Invalid) as caught:
        services.submit_outcome(session, world["author"], outcome)
    session.rollback()
    assert {(p.field, p.message) for p in caught.value.problems} == {
        ("summary", "Write a summary before submitting the outcome."),
        ("body", "Write the text of the outcome before submitting it."),
    }
    assert written(session) == before
    assert outcome.status is OutcomeStatus.DRAFT


def test_only_editors_submit(session, world):
    outcome = create(session, world)
    with pytest.raises(NotAllowed):
        services.submit_outcome(session, world["member"], outcome)


def test_return_needs_a_comment_and_tells_the_authors(session, world):
    outcome = create(session, world)
    submit(session, world, outcome)
    with pytest.raises(Invalid) as caught:
        services.return_outcome(session, world["coordinator"], outcome, "  ")
    assert (caught.value.field, caught.value.message) == (
        "comment",
        "Say what the authors should change.",
    )
    session.rollback()
    services.return_outcome(session, world["coordinator"], outcome, "Name the regions.")
    session.commit()
    assert outcome.status is OutcomeStatus.DRAFT
    assert outcome.review_comment == "Name the regions."
    assert notified(session, "outcome.returned") == {world["author"].id}
    # Submitted again, the comment is cleared.
    submit(session, world, outcome)
    assert outcome.review_comment == ""


def test_withdraw_needs_a_reason_and_a_coordinator(session, world):
    outcome = create(session, world)
    publish(session, world, outcome)
    with pytest.raises(NotAllowed):
        services.withdraw_outcome(session, world["author"], outcome, "Old.")
    with pytest.raises(Invalid) as caught:
        services.withdraw_outcome(session, world["second"], outcome, "")
    assert (caught.value.field, caught.value.message) == (
        "reason",
        "Say why the outcome is withdrawn.",
    )
    session.rollback()
    with clock.fixed_at(NOW + timedelta(days=1)):
        services.withdraw_outcome(
            session, world["second"], outcome, "Superseded by the 2026 brief."
        )
        session.commit()
    assert outcome.status is OutcomeStatus.WITHDRAWN
    assert outcome.withdraw_reason == "Superseded by the 2026 brief."
    assert outcome.withdrawn_at == outcome.public_changed_at == NOW + timedelta(days=1)
    assert outcome.current_version_id is not None  # the page stays
    assert notified(session, "outcome.withdrawn") == {world["author"].id}
    with pytest.raises(Conflict):
        services.withdraw_outcome(session, world["second"], outcome, "Again.")


def test_a_draft_cannot_be_withdrawn(session, world):
    outcome = create(session, world)
    with pytest.raises(NotAllowed) as caught:
        services.withdraw_outcome(session, world["coordinator"], outcome, "No.")
    assert caught.value.message == "Only a published outcome can be withdrawn."


# --- Following a group's new outcomes ----------------------------------------------------------


def test_members_follow_their_groups_new_outcomes(session, world):
    services.follow_group_outcomes(session, world["member"], world["group"], True)
    services.follow_group_outcomes(session, world["member"], world["group"], True)  # again
    session.commit()
    keys = [(follows.GROUP_OUTCOMES, world["group"].id)]
    assert follows.followers(session, keys) == [world["member"].id]
    assert services.follows_group_outcomes(session, world["member"], world["group"])
    services.follow_group_outcomes(session, world["member"], world["group"], False)
    assert follows.followers(session, keys) == []


@pytest.mark.parametrize("who", ["applicant", "outsider"])
def test_only_members_follow_a_groups_outcomes(session, world, who):
    with pytest.raises(NotAllowed):
        services.follow_group_outcomes(session, world[who], world["group"], True)
