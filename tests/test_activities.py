"""The services of peer-learning activities: planning, editing, the status steps, outputs;
permission, every bad input (its message, and nothing written), follows and notifications."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cop.activities import services
from cop.activities.models import Activity, ActivityExpert, ActivityOutput, ActivityStatus
from cop.activities.services import ActivityDetails
from cop.audit.models import AuditEntry
from cop.challenges.models import ChallengeStatus, PracticeStatus
from cop.errors import Conflict, Invalid, NotAllowed
from cop.mail import follows
from cop.mail.digests import event_sentence
from cop.mail.models import Follow, Notification
from cop.meetings.models import MeetingStatus
from cop.members.models import MembershipStatus, Role
from tests.factories import (
    make_activity,
    make_challenge,
    make_group,
    make_meeting,
    make_membership,
    make_practice,
    make_user,
)


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def audit_actions(session, activity) -> list[str]:
    return list(
        session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.record_type == "activities", AuditEntry.record_id == str(activity.id))
            .order_by(AuditEntry.id)
        )
    )


def notified(session, event: str) -> dict[int, str]:
    """Who was told of `event`: user id -> detail."""
    rows = session.execute(
        select(Notification.user_id, Notification.detail).where(Notification.event == event)
    )
    return dict(rows.all())


@pytest.fixture
def world(app, session):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    other = make_group(session, slug="industrial-transition", name="Industrial Transition")
    coordinator = make_user(session, name="Cora Coordinator")
    expert = make_user(session, name="Erik Expert")
    second = make_user(session, name="Sara Second")
    member = make_user(session, name="Max Member")
    applicant = make_user(session, name="Anna Applicant")
    outsider = make_user(session, name="Olga Outsider")
    fan = make_user(session, name="Fiona Follower")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    make_membership(session, expert, group)
    make_membership(session, second, group)
    make_membership(session, member, group)
    make_membership(session, applicant, group, status=MembershipStatus.APPLIED)
    make_membership(session, outsider, other, role=Role.COORDINATOR)
    challenge = make_challenge(session, group, status=ChallengeStatus.ACCEPTED, title="SMEs")
    closed = make_challenge(session, group, status=ChallengeStatus.CLOSED, title="Closed one")
    proposed = make_challenge(session, group, status=ChallengeStatus.PROPOSED, title="Not yet")
    foreign = make_challenge(session, other, status=ChallengeStatus.ACCEPTED)
    meeting = make_meeting(session, group, title="Visit to Porto")
    later = make_meeting(session, group, title="Workshop in Graz")
    other_meeting = make_meeting(session, other, title="Their workshop")
    follows.follow(session, fan, follows.CHALLENGE, challenge.id)
    session.commit()
    with app.test_request_context():
        yield {
            "group": group,
            "other": other,
            "coordinator": coordinator,
            "expert": expert,
            "second": second,
            "member": member,
            "applicant": applicant,
            "outsider": outsider,
            "fan": fan,
            "challenge": challenge,
            "closed": closed,
            "proposed": proposed,
            "foreign": foreign,
            "meeting": meeting,
            "later": later,
            "other_meeting": other_meeting,
        }


def details(world, **changes) -> ActivityDetails:
    values = dict(
        kind="peer_review",
        title="Peer review of Norte's voucher scheme",
        purpose="Peers review **how** Norte supports SMEs.",
        host_region_code="PT11",
        region_codes=["ES30", "FI1B"],
        challenge_ids=[world["challenge"].id],
        meeting_ids=[world["meeting"].id],
        experts=[(world["expert"].id, "Peer reviewer")],
    )
    values.update(changes)
    return ActivityDetails(**values)


def plan(session, world, **changes) -> Activity:
    activity = services.create_activity(
        session, world["coordinator"], world["group"], details(world, **changes)
    )
    session.commit()
    return activity


# --- Planning ---------------------------------------------------------------------------------


def test_a_coordinator_plans_an_activity(session, world):
    activity = plan(session, world)
    assert activity.status is ActivityStatus.PLANNED
    assert activity.host_region_code == "PT11"
    assert [region.code for region in activity.regions] == ["ES30", "FI1B"]
    assert activity.challenges == [world["challenge"]]
    assert activity.meetings == [world["meeting"]]
    assert [(e.user, e.role) for e in activity.experts] == [(world["expert"], "Peer reviewer")]
    assert activity.created_by == world["coordinator"]
    assert audit_actions(session, activity) == ["activity.created"]
    # The coordinator and the expert follow it.
    assert follows.followers(session, [(follows.ACTIVITY, activity.id)]) == sorted(
        [world["coordinator"].id, world["expert"].id]
    )
    # The challenge's followers hear of it; not the coordinator who acted. The expert hears
    # that they are named in it, with their role, and nothing else.
    assert set(notified(session, "activity.planned")) == {world["fan"].id}
    assert notified(session, "activity.expert_added") == {world["expert"].id: "Peer reviewer"}
    note = session.scalar(select(Notification).where(Notification.user_id == world["fan"].id))
    assert note.target == "activity" and note.target_id == activity.id
    assert note.path == f"/activities/{activity.id}"


def test_experts_hear_they_are_named_not_that_it_is_planned_on_a_challenge(session, world):
    # The expert follows the challenge too; the second expert is named with no role.
    follows.follow(session, world["expert"], follows.CHALLENGE, world["challenge"].id)
    activity = plan(
        session,
        world,
        experts=[(world["expert"].id, "Peer reviewer"), (world["second"].id, "")],
    )
    assert set(notified(session, "activity.planned")) == {world["fan"].id}
    assert notified(session, "activity.expert_added") == {
        world["expert"].id: "Peer reviewer",
        world["second"].id: "",
    }
    rows = session.scalars(
        select(Notification).where(Notification.event == "activity.expert_added")
    ).all()
    assert {(row.target, row.target_id, row.path) for row in rows} == {
        ("activity", activity.id, f"/activities/{activity.id}")
    }
    # The digest words it.
    assert event_sentence("activity.expert_added", "Peer reviewer") == (
        "You are named as an expert in this activity (Peer reviewer)."
    )
    assert event_sentence("activity.expert_added", "") == (
        "You are named as an expert in this activity."
    )


def test_an_activity_with_no_challenge_tells_only_its_experts(session, world):
    plan(session, world, challenge_ids=[])
    assert notified(session, "activity.planned") == {}
    assert notified(session, "activity.expert_added") == {world["expert"].id: "Peer reviewer"}


def test_only_newly_named_experts_hear_it_on_an_edit(session, world):
    activity = plan(session, world)
    # The expert's role changes; the second is named; the member follows the activity.
    follows.follow(session, world["member"], follows.ACTIVITY, activity.id)
    services.update_activity(
        session,
        world["coordinator"],
        activity.id,
        details(
            world,
            experts=[(world["expert"].id, "Chair"), (world["second"].id, "Rapporteur")],
        ),
    )
    session.commit()
    assert notified(session, "activity.expert_added") == {
        world["expert"].id: "Peer reviewer",  # when it was planned, not again
        world["second"].id: "Rapporteur",
    }
    assert set(notified(session, "activity.changed")) == {world["expert"].id, world["member"].id}
    # Saved again as it is: nobody hears anything more.
    before = count(session, Notification)
    services.update_activity(
        session,
        world["coordinator"],
        activity.id,
        details(
            world,
            experts=[(world["expert"].id, "Chair"), (world["second"].id, "Rapporteur")],
        ),
    )
    session.commit()
    assert count(session, Notification) == before


def test_the_host_is_not_also_a_participating_region(session, world):
    activity = plan(session, world, region_codes=["PT11", "ES30"])
    assert [region.code for region in activity.regions] == ["ES30"]


def test_an_admin_may_plan_and_members_may_not(session, world, admin):
    services.create_activity(session, admin, world["group"].id, details(world))
    for person in ("member", "applicant", "outsider"):
        with pytest.raises(NotAllowed):
            services.create_activity(session, world[person], world["group"], details(world))


ACCEPTED_ONLY = "Choose among the group's accepted challenges (not proposed, merged or closed)."

BAD_INPUT = [
    ({"title": "  "}, "title", "Please fill in this field."),
    ({"title": "x" * 201}, "title", "Use at most 200 characters."),
    ({"purpose": "x" * 20_001}, "purpose", "Use at most 20000 characters."),
    ({"kind": "picnic"}, "kind", "Choose one of the options."),
    ({"host_region_code": "XX99"}, "host_region_code", "Choose a region from the list."),
    ({"region_codes": ["ES30", "ZZ00"]}, "region_codes", "Choose regions from the list."),
    ("closed", "challenges", ACCEPTED_ONLY),
    ("foreign", "challenges", ACCEPTED_ONLY),
    # Not public yet: the activity's page could not show it.
    ("proposed", "challenges", ACCEPTED_ONLY),
    (
        "other_meeting",
        "meetings",
        "An activity is held as meetings of its own group: choose among Innovation Diffusion's.",
    ),
    ({"meeting_ids": [999_999]}, "meetings", "Choose meetings from the list."),
    (
        "outsider_expert",
        "experts",
        "Experts are chosen among the active members of Innovation Diffusion.",
    ),
    (
        "applicant_expert",
        "experts",
        "Experts are chosen among the active members of Innovation Diffusion.",
    ),
    ("long_role", "experts", "Use at most 200 characters."),
    ("twice", "experts", "Name each expert once."),
    (
        "role_for_nobody",
        "experts",
        "Choose the person who is “Rapporteur”, or clear that role.",
    ),
]


def bad_changes(world, case) -> dict:
    if isinstance(case, dict):
        return case
    return {
        "closed": {"challenge_ids": [world["closed"].id]},
        "proposed": {"challenge_ids": [world["challenge"].id, world["proposed"].id]},
        "role_for_nobody": {"experts": [(world["expert"].id, "Chair"), (None, " Rapporteur ")]},
        "foreign": {"challenge_ids": [world["foreign"].id]},
        "other_meeting": {"meeting_ids": [world["meeting"].id, world["other_meeting"].id]},
        "outsider_expert": {"experts": [(world["outsider"].id, "Reviewer")]},
        "applicant_expert": {"experts": [(world["applicant"].id, "Reviewer")]},
        "long_role": {"experts": [(world["expert"].id, "r" * 201)]},
        "twice": {"experts": [(world["expert"].id, "A"), (world["expert"].id, "B")]},
    }[case]


@pytest.mark.parametrize(("case", "field", "message"), BAD_INPUT)
def test_bad_input_is_refused_and_nothing_is_written(session, world, case, field, message):
    before = count(session, Activity), count(session, AuditEntry), count(session, Notification)
    with pytest.raises(Invalid) as caught:
        plan(session, world, **bad_changes(world, case))
    session.rollback()
    assert [(p.field, p.message) for p in caught.value.problems] == [(field, message)]
    after = count(session, Activity), count(session, AuditEntry), count(session, Notification)
    assert after == before


def test_every_problem_shows_at_once(session, world):
    with pytest.raises(Invalid) as caught:
        plan(
            session,
            world,
            title="",
            meeting_ids=[world["other_meeting"].id],
            experts=[(world["outsider"].id, "")],
        )
    assert {p.field for p in caught.value.problems} == {"title", "meetings", "experts"}


# --- Editing ----------------------------------------------------------------------------------


def test_editing_tells_followers_and_each_meeting_added(session, world):
    activity = plan(session, world)
    services.update_activity(
        session,
        world["coordinator"],
        activity.id,
        details(
            world,
            title="Peer review, second round",
            meeting_ids=[world["meeting"].id, world["later"].id],
            experts=[(world["second"].id, "Rapporteur")],
        ),
    )
    session.commit()
    assert activity.title == "Peer review, second round"
    assert [(e.user, e.role) for e in activity.experts] == [(world["second"], "Rapporteur")]
    assert count(session, ActivityExpert) == 1
    assert audit_actions(session, activity) == ["activity.created", "activity.edited"]
    # The new expert follows it and hears only that they are named in it; the followers of
    # the activity hear of the change.
    assert follows.is_following(session, world["second"], follows.ACTIVITY, activity.id)
    assert set(notified(session, "activity.changed")) == {world["expert"].id}
    assert notified(session, "activity.meeting_added") == {world["expert"].id: "Workshop in Graz"}
    assert notified(session, "activity.expert_added") == {
        world["expert"].id: "Peer reviewer",  # when it was planned
        world["second"].id: "Rapporteur",
    }
    # Not to the challenge's followers: that is for the plan and the steps.
    assert world["fan"].id not in notified(session, "activity.changed")


def test_saving_unchanged_writes_nothing(session, world):
    activity = plan(session, world)
    before = count(session, AuditEntry), count(session, Notification)
    services.update_activity(session, world["coordinator"], activity.id, details(world))
    session.commit()
    assert (count(session, AuditEntry), count(session, Notification)) == before


def test_an_activity_keeps_a_challenge_closed_since(session, world):
    activity = plan(session, world)
    world["challenge"].status = ChallengeStatus.CLOSED
    session.commit()
    services.update_activity(session, world["coordinator"], activity.id, details(world, title="B"))
    assert activity.challenges == [world["challenge"]]


def test_bad_edit_changes_nothing(session, world):
    activity = plan(session, world)
    with pytest.raises(Invalid) as caught:
        services.update_activity(
            session,
            world["coordinator"],
            activity.id,
            details(world, title="New", experts=[(world["outsider"].id, "")]),
        )
    session.rollback()
    assert caught.value.field == "experts"
    assert activity.title == "Peer review of Norte's voucher scheme"
    assert audit_actions(session, activity) == ["activity.created"]


def test_members_may_not_edit(session, world):
    activity = plan(session, world)
    with pytest.raises(NotAllowed):
        services.update_activity(session, world["expert"], activity.id, details(world))
    with pytest.raises(NotAllowed):
        services.update_activity(session, world["outsider"], activity.id, details(world))


# --- Status steps -----------------------------------------------------------------------------


def test_starting_then_completing_tells_the_challenges_followers(session, world):
    activity = plan(session, world)
    services.start_activity(session, world["coordinator"], activity.id)
    session.commit()
    assert activity.status is ActivityStatus.RUNNING and activity.started_at
    assert set(notified(session, "activity.started")) == {world["fan"].id, world["expert"].id}
    with pytest.raises(Conflict):
        services.start_activity(session, world["coordinator"], activity.id)
    session.rollback()
    services.complete_activity(
        session, world["coordinator"], activity.id, " Vouchers need coaching. ", "Add coaching."
    )
    session.commit()
    assert activity.status is ActivityStatus.COMPLETED
    assert activity.evaluation_learnt == "Vouchers need coaching."
    assert activity.evaluation_changes == "Add coaching."
    assert notified(session, "activity.completed") == {
        world["fan"].id: "Vouchers need coaching.",
        world["expert"].id: "Vouchers need coaching.",
    }
    assert audit_actions(session, activity) == [
        "activity.created",
        "activity.started",
        "activity.completed",
    ]


@pytest.mark.parametrize(
    ("learnt", "changes", "fields"),
    [
        ("", "Add coaching.", {"learnt"}),
        ("Coaching.", " ", {"changes"}),
        ("", "", {"learnt", "changes"}),
    ],
)
def test_completing_needs_both_evaluation_texts(session, world, learnt, changes, fields):
    activity = plan(session, world)
    services.start_activity(session, world["coordinator"], activity.id)
    session.commit()
    with pytest.raises(Invalid) as caught:
        services.complete_activity(session, world["coordinator"], activity.id, learnt, changes)
    session.rollback()
    assert {p.field for p in caught.value.problems} == fields
    assert {p.message for p in caught.value.problems} == {"Please fill in this field."}
    assert activity.status is ActivityStatus.RUNNING
    assert audit_actions(session, activity) == ["activity.created", "activity.started"]
    assert notified(session, "activity.completed") == {}


def test_a_planned_activity_is_started_before_it_is_completed(session, world):
    activity = plan(session, world)
    before = count(session, AuditEntry), count(session, Notification)
    with pytest.raises(Conflict) as caught:
        services.complete_activity(session, world["coordinator"], activity.id, "A", "B")
    session.rollback()
    assert caught.value.message == (
        "This activity has not started yet: mark it as running before completing it."
    )
    assert activity.status is ActivityStatus.PLANNED
    assert (activity.evaluation_learnt, activity.completed_at) == ("", None)
    assert (count(session, AuditEntry), count(session, Notification)) == before


def test_a_step_pressed_twice_is_a_conflict(session, world):
    activity = plan(session, world)
    services.start_activity(session, world["coordinator"], activity.id)
    services.complete_activity(session, world["coordinator"], activity.id, "A", "B")
    session.commit()
    for step in (
        lambda: services.start_activity(session, world["coordinator"], activity.id),
        lambda: services.complete_activity(session, world["coordinator"], activity.id, "A", "B"),
        lambda: services.cancel_activity(session, world["coordinator"], activity.id, "Late"),
        lambda: services.update_activity(
            session, world["coordinator"], activity.id, details(world)
        ),
    ):
        with pytest.raises(Conflict):
            step()
        session.rollback()
    assert audit_actions(session, activity) == [
        "activity.created",
        "activity.started",
        "activity.completed",
    ]


def test_cancelling_needs_a_reason_and_says_it(session, world):
    activity = plan(session, world)
    with pytest.raises(Invalid) as caught:
        services.cancel_activity(session, world["coordinator"], activity.id, "  ")
    session.rollback()
    assert (caught.value.field, caught.value.message) == ("reason", "Please fill in this field.")
    assert activity.status is ActivityStatus.PLANNED
    services.cancel_activity(session, world["coordinator"], activity.id, "The host withdrew.")
    session.commit()
    assert activity.status is ActivityStatus.CANCELLED
    assert activity.cancel_reason == "The host withdrew."
    assert notified(session, "activity.cancelled")[world["fan"].id] == "The host withdrew."
    with pytest.raises(Conflict):
        services.cancel_activity(session, world["coordinator"], activity.id, "Again")


def test_members_may_not_move_an_activity_on(session, world):
    activity = plan(session, world)
    with pytest.raises(NotAllowed):
        services.start_activity(session, world["expert"], activity.id)
    with pytest.raises(NotAllowed):
        services.complete_activity(session, world["outsider"], activity.id, "A", "B")
    with pytest.raises(NotAllowed):
        services.cancel_activity(session, world["member"], activity.id, "No")


# --- Outputs ----------------------------------------------------------------------------------


def test_outputs_are_added_and_withdrawn(session, world):
    activity = plan(session, world)
    practice = make_practice(session, world["group"], title="Porto vouchers")
    output = services.add_output(
        session, world["coordinator"], activity.id, practice_id=practice.id
    )
    document = services.add_output(
        session, world["coordinator"], activity.id, title="Report", url="https://example.org/r.pdf"
    )
    session.commit()
    assert (output.practice, output.title) == (practice, "Porto vouchers")
    assert (document.title, document.url) == ("Report", "https://example.org/r.pdf")
    services.withdraw_output(session, world["coordinator"], document.id)
    session.commit()
    assert document.withdrawn_at is not None
    with pytest.raises(Conflict):
        services.withdraw_output(session, world["coordinator"], document.id)
    assert audit_actions(session, activity) == [
        "activity.created",
        "activity.output_added",
        "activity.output_added",
        "activity.output_withdrawn",
    ]


@pytest.mark.parametrize(
    ("case", "field", "message"),
    [
        ("foreign", "practice", "Choose one of the group's published practices."),
        ("draft", "practice", "Choose one of the group's published practices."),
        ("twice", "practice", "This practice is already an output of the activity."),
        ("no_title", "title", "Please fill in this field."),
        ("bad_url", "url", "Enter a web address starting with https:// (or http://)."),
        ("no_url", "url", "Please fill in this field."),
        ("same_document", "url", "This document is already an output of the activity."),
    ],
)
def test_bad_outputs_are_refused(session, world, case, field, message):
    activity = plan(session, world)
    published = make_practice(session, world["group"])
    services.add_output(session, world["coordinator"], activity.id, practice_id=published.id)
    services.add_output(
        session, world["coordinator"], activity.id, title="Report", url="https://example.org/r"
    )
    session.commit()
    values = {
        "foreign": {"practice_id": make_practice(session, world["other"]).id},
        "draft": {
            "practice_id": make_practice(session, world["group"], status=PracticeStatus.DRAFT).id
        },
        "twice": {"practice_id": published.id},
        "no_title": {"title": "", "url": "https://example.org/"},
        "bad_url": {"title": "Slides", "url": "javascript:alert(1)"},
        "no_url": {"title": "Slides", "url": ""},
        "same_document": {"title": "The report again", "url": " https://example.org/r "},
    }[case]
    session.commit()
    before = count(session, ActivityOutput), count(session, AuditEntry)
    with pytest.raises(Invalid) as caught:
        services.add_output(session, world["coordinator"], activity.id, **values)
    session.rollback()
    assert (caught.value.field, caught.value.message) == (field, message)
    assert (count(session, ActivityOutput), count(session, AuditEntry)) == before


def test_a_withdrawn_document_may_be_added_again(session, world):
    activity = plan(session, world)
    first = services.add_output(
        session, world["coordinator"], activity.id, title="Report", url="https://example.org/r"
    )
    services.withdraw_output(session, world["coordinator"], first.id)
    again = services.add_output(
        session, world["coordinator"], activity.id, title="Report", url="https://example.org/r"
    )
    session.commit()
    assert again.id != first.id and again.withdrawn_at is None


def test_followers_among_a_list_of_ids(session, world):
    activity = plan(session, world)
    key = (follows.ACTIVITY, activity.id)
    assert follows.followers(session, [key], among=[world["expert"].id]) == [world["expert"].id]
    assert follows.followers(session, [key], among=[]) == []


def test_members_may_not_add_outputs(session, world):
    activity = plan(session, world)
    with pytest.raises(NotAllowed):
        services.add_output(
            session, world["expert"], activity.id, title="Mine", url="https://example.org/"
        )


# --- Following --------------------------------------------------------------------------------


def test_anyone_signed_in_may_follow_any_activity(session, world):
    activity = make_activity(session, world["other"])
    services.follow_activity(session, world["member"], activity.id, following=True)
    services.follow_activity(session, world["member"], activity.id, following=True)
    assert count(session, Follow) == 2  # the fan's follow of the challenge, and this one
    services.follow_activity(session, world["member"], activity.id, following=False)
    assert not follows.is_following(session, world["member"], follows.ACTIVITY, activity.id)


def test_draft_meetings_of_the_group_may_be_planned(session, world):
    draft = make_meeting(session, world["group"], status=MeetingStatus.DRAFT)
    activity = plan(session, world, meeting_ids=[draft.id])
    assert activity.meetings == [draft]


# --- Revising an evaluation, outputs' news (second review) ------------------------------------


def completed(session, world) -> Activity:
    activity = plan(session, world)
    services.start_activity(session, world["coordinator"], activity.id)
    services.complete_activity(session, world["coordinator"], activity.id, "Vouchers wrok.", "B")
    session.commit()
    return activity


def test_the_evaluation_of_a_completed_activity_is_revised_with_an_audit_row(session, world):
    activity = completed(session, world)
    notes = count(session, Notification)
    services.revise_evaluation(
        session, world["coordinator"], activity.id, " Vouchers work. ", "We add coaching."
    )
    session.commit()
    assert (activity.evaluation_learnt, activity.evaluation_changes) == (
        "Vouchers work.",
        "We add coaching.",
    )
    assert activity.status is ActivityStatus.COMPLETED
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "activity.evaluation_revised"
    assert entry.before["evaluation_learnt"] == "Vouchers wrok."
    assert entry.after["evaluation_learnt"] == "Vouchers work."
    assert count(session, Notification) == notes  # a correction is no news
    # Saved unchanged: no audit row.
    before = count(session, AuditEntry)
    services.revise_evaluation(
        session, world["coordinator"], activity.id, "Vouchers work.", "We add coaching."
    )
    session.commit()
    assert count(session, AuditEntry) == before


@pytest.mark.parametrize(
    ("learnt", "changes", "fields"),
    [
        ("", "Add coaching.", {"learnt"}),
        ("Coaching.", " ", {"changes"}),
        ("", "", {"learnt", "changes"}),
    ],
)
def test_a_revised_evaluation_needs_both_texts(session, world, learnt, changes, fields):
    activity = completed(session, world)
    before = count(session, AuditEntry)
    with pytest.raises(Invalid) as caught:
        services.revise_evaluation(session, world["coordinator"], activity.id, learnt, changes)
    session.rollback()
    assert {p.field for p in caught.value.problems} == fields
    assert activity.evaluation_learnt == "Vouchers wrok."
    assert count(session, AuditEntry) == before


def test_only_a_completed_activity_is_revised_and_only_by_its_coordinators(session, world):
    activity = plan(session, world)
    with pytest.raises(Conflict) as caught:
        services.revise_evaluation(session, world["coordinator"], activity.id, "A", "B")
    session.rollback()
    assert caught.value.message == "Only the evaluation of a completed activity can be revised."
    done = completed(session, world)
    with pytest.raises(NotAllowed):
        services.revise_evaluation(session, world["member"], done.id, "A", "B")
    session.rollback()
    assert activity.evaluation_learnt == "" and done.evaluation_learnt == "Vouchers wrok."


def test_an_output_added_tells_the_activitys_followers(session, world):
    activity = plan(session, world)  # the expert follows it; the fan follows its challenge
    practice = make_practice(session, world["group"], title="Porto vouchers")
    services.add_output(session, world["coordinator"], activity.id, practice_id=practice.id)
    services.add_output(
        session, world["coordinator"], activity.id, title="Slides", url="https://example.org/s"
    )
    session.commit()
    rows = session.execute(
        select(Notification.user_id, Notification.detail)
        .where(Notification.event == "activity.output_added")
        .order_by(Notification.id)
    ).all()
    assert rows == [(world["expert"].id, "Porto vouchers"), (world["expert"].id, "Slides")]
    assert event_sentence("activity.output_added", "Slides") == (
        "An output was added to this activity: “Slides”."
    )


@pytest.mark.parametrize(
    "url",
    ["https://example.org/r", " https://example.org/r ", "HTTPS://EXAMPLE.org/r"],
)
def test_the_same_document_address_is_refused_however_written(session, world, url):
    activity = plan(session, world)
    services.add_output(
        session, world["coordinator"], activity.id, title="Report", url="https://example.org/r"
    )
    session.commit()
    before = count(session, ActivityOutput), count(session, Notification)
    with pytest.raises(Invalid) as caught:
        services.add_output(session, world["coordinator"], activity.id, title="Report", url=url)
    session.rollback()
    assert caught.value.message == "This document is already an output of the activity."
    assert (count(session, ActivityOutput), count(session, Notification)) == before
    # Another path is another document.
    services.add_output(
        session, world["coordinator"], activity.id, title="Report", url="https://example.org/R"
    )


def test_a_draft_meeting_added_is_not_announced_to_followers(session, world):
    """A draft meeting is for its coordinators: its title reaches no digest until it is
    published."""
    from cop.meetings.models import MeetingStatus
    from tests.factories import make_meeting

    draft = make_meeting(
        session,
        world["group"],
        title="Secret draft: visit to Company X",
        status=MeetingStatus.DRAFT,
    )
    activity = plan(session, world)
    services.update_activity(
        session,
        world["coordinator"],
        activity.id,
        details(world, meeting_ids=[world["meeting"].id, draft.id]),
    )
    session.commit()
    assert draft in activity.meetings
    assert notified(session, "activity.meeting_added") == {}
