"""The services of solutions: creating and editing one, publishing it, following it; who may
do each, every bad input (its message, and nothing written), and who hears of it. Stages are
in test_solution_stages.py, milestones in test_milestones.py."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from cop import clock
from cop.audit.models import AuditEntry
from cop.challenges.models import ChallengeStatus
from cop.errors import Conflict, Invalid, NotAllowed, NotFound
from cop.mail import follows
from cop.mail.digests import event_sentence
from cop.mail.models import Follow, Notification
from cop.members.models import Membership, MembershipStatus, Role
from cop.solutions import services
from cop.solutions.access import readable_solution
from cop.solutions.models import Solution, SolutionStage
from cop.solutions.services import SolutionDetails
from tests.factories import (
    make_challenge,
    make_group,
    make_membership,
    make_solution,
    make_user,
)

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def written(session) -> tuple[int, ...]:
    """How many rows of each kind a solution service may write."""
    return tuple(count(session, model) for model in (Solution, AuditEntry, Notification, Follow))


def audit_entries(session, solution) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.record_type == "solutions", AuditEntry.record_id == str(solution.id))
            .order_by(AuditEntry.id)
        )
    )


def audit_actions(session, solution) -> list[str]:
    return [entry.action for entry in audit_entries(session, solution)]


def notified(session, event: str) -> dict[int, str]:
    """Who was told of `event`: user id -> detail."""
    rows = session.execute(
        select(Notification.user_id, Notification.detail).where(Notification.event == event)
    )
    return dict(rows.all())


def solution_followers(session, solution) -> list[int]:
    return follows.followers(session, [(follows.SOLUTION, solution.id)])


def build_world(app, session):
    """The people, groups and challenges of these tests (and of the stages' and milestones'),
    with the clock fixed at NOW and a request context for the services' addresses."""
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    other = make_group(session, slug="industrial-transition", name="Industrial Transition")
    coordinator = make_user(session, name="Cora Coordinator")
    owner = make_user(session, name="Olivia Owner")
    co_owner = make_user(session, name="Carl Co-owner")
    member = make_user(session, name="Max Member")
    fan = make_user(session, name="Fiona Follower")  # a member who follows the challenge
    applicant = make_user(session, name="Anna Applicant")
    outsider = make_user(session, name="Otto Outsider")  # follows the challenge, not a member
    leaver = make_user(session, name="Lea Leaver")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    make_membership(session, owner, group)
    make_membership(session, co_owner, group)
    make_membership(session, member, group)
    make_membership(session, fan, group)
    make_membership(session, applicant, group, status=MembershipStatus.APPLIED)
    make_membership(session, leaver, group, status=MembershipStatus.LEFT)
    make_membership(session, outsider, other, role=Role.COORDINATOR)
    challenge = make_challenge(session, group, status=ChallengeStatus.ACCEPTED, title="SMEs")
    second = make_challenge(session, group, status=ChallengeStatus.BEING_ADDRESSED)
    closed = make_challenge(session, group, status=ChallengeStatus.CLOSED)
    proposed = make_challenge(session, group, status=ChallengeStatus.PROPOSED)
    foreign = make_challenge(session, other, status=ChallengeStatus.ACCEPTED)
    follows.follow(session, fan, follows.CHALLENGE, challenge.id)
    follows.follow(session, outsider, follows.CHALLENGE, challenge.id)
    session.commit()
    with clock.fixed_at(NOW), app.test_request_context():
        yield {
            "group": group,
            "other": other,
            "coordinator": coordinator,
            "owner": owner,
            "co_owner": co_owner,
            "member": member,
            "fan": fan,
            "applicant": applicant,
            "outsider": outsider,
            "leaver": leaver,
            "challenge": challenge,
            "second": second,
            "closed": closed,
            "proposed": proposed,
            "foreign": foreign,
        }


@pytest.fixture
def world(app, session):
    yield from build_world(app, session)


def details(world, **changes) -> SolutionDetails:
    values = dict(
        title="Digital vouchers for SMEs",
        description="Vouchers and **coaching** for SMEs' first digital project.",
        internal_notes="Norte's agency may co-fund the second call.",
        co_owner_ids=[world["co_owner"].id],
        challenge_ids=[world["challenge"].id],
        region_codes=["PT11", "BE10"],
        starts_on=date(2026, 1, 1),
        planned_end_on=date(2027, 12, 31),
    )
    values.update(changes)
    return SolutionDetails(**values)


def create(session, world, actor="owner", **changes) -> Solution:
    solution = services.create_solution(
        session, world[actor], world["group"], details(world, **changes)
    )
    session.commit()
    return solution


# --- Creating ---------------------------------------------------------------------------------


def test_a_member_creates_a_solution_and_owns_it(session, world):
    solution = create(session, world)
    assert solution.owner == world["owner"]
    assert solution.co_owners == [world["co_owner"]]
    assert solution.created_by_id == world["owner"].id
    assert solution.stage is SolutionStage.CO_DEVELOPMENT
    assert solution.public is False
    assert solution.challenges == [world["challenge"]]
    assert [region.code for region in solution.regions] == ["BE10", "PT11"]
    assert (solution.starts_on, solution.planned_end_on) == (date(2026, 1, 1), date(2027, 12, 31))
    assert solution.internal_notes == "Norte's agency may co-fund the second call."
    assert audit_actions(session, solution) == ["solution.created"]
    entry = audit_entries(session, solution)[0]
    assert entry.actor_id == world["owner"].id
    assert entry.after["challenge_ids"] == [world["challenge"].id]
    # Its owners follow it.
    assert solution_followers(session, solution) == sorted(
        [world["owner"].id, world["co_owner"].id]
    )
    # The members following its challenge hear of it; not the outsider who follows it too
    # (the solution is for members until it is public), nor the co-owner, who hears only
    # that they are named.
    assert set(notified(session, "solution.created")) == {world["fan"].id}
    assert set(notified(session, "solution.owner_named")) == {world["co_owner"].id}
    note = session.scalar(select(Notification).where(Notification.user_id == world["fan"].id))
    assert (note.target, note.target_id) == ("solution", solution.id)
    assert note.path == f"/solutions/{solution.id}"
    assert event_sentence("solution.created") == "A new solution answers a challenge you follow."


def test_a_coordinator_names_another_owner(session, world):
    solution = create(session, world, "coordinator", owner_id=world["member"].id, co_owner_ids=[])
    assert solution.owner == world["member"]
    assert solution.created_by_id == world["coordinator"].id
    assert solution_followers(session, solution) == sorted(
        [world["coordinator"].id, world["member"].id]
    )
    assert set(notified(session, "solution.owner_named")) == {world["member"].id}
    assert event_sentence("solution.owner_named") == "You are named as an owner of this solution."


def test_the_owner_is_not_also_a_co_owner(session, world):
    solution = create(session, world, co_owner_ids=[world["owner"].id, world["co_owner"].id])
    assert solution.co_owners == [world["co_owner"]]


@pytest.mark.parametrize("who", ["applicant", "leaver", "outsider"])
def test_only_active_members_create_solutions(session, world, who):
    before = written(session)
    with pytest.raises(NotAllowed) as caught:
        services.create_solution(session, world[who], world["group"], details(world))
    session.rollback()
    assert caught.value.message == "Only members of Innovation Diffusion may do this."
    assert written(session) == before


def test_a_member_may_not_name_another_owner(session, world):
    before = written(session)
    with pytest.raises(NotAllowed) as caught:
        services.create_solution(
            session, world["member"], world["group"], details(world, owner_id=world["owner"].id)
        )
    session.rollback()
    assert caught.value.message == "Only the group's coordinators may name the owner of a solution."
    assert written(session) == before


CHALLENGES_MESSAGE = (
    "Choose among the group's accepted challenges (not proposed, merged or closed)."
)
BAD_INPUT = [
    ("no_title", "title", "Please fill in this field."),
    ("long_title", "title", "Use at most 200 characters."),
    ("control", "description", "Remove the control characters from this text."),
    ("no_challenge", "challenges", "Choose the challenges this solution answers."),
    ("proposed", "challenges", CHALLENGES_MESSAGE),
    ("closed", "challenges", CHALLENGES_MESSAGE),
    ("foreign", "challenges", CHALLENGES_MESSAGE),
    ("no_such_challenge", "challenges", CHALLENGES_MESSAGE),
    ("region", "region_codes", "Choose regions from the list."),
    ("co_owner_applicant", "co_owner_ids", "Co-owners are chosen among the active members of Innovation Diffusion."),
    ("co_owner_left", "co_owner_ids", "Co-owners are chosen among the active members of Innovation Diffusion."),
    ("end_before_start", "planned_end_on", "The planned end cannot be before the start."),
    ("not_a_date", "starts_on", "Enter a date."),
    ("far_future", "planned_end_on", "Enter a date from 1900 to 2199."),
    ("far_past", "starts_on", "Enter a date from 1900 to 2199."),
]  # fmt: skip


def bad_changes(world, case: str) -> dict:
    return {
        "no_title": {"title": "   "},
        "long_title": {"title": "x" * 201},
        "control": {"description": "Vouchers\x00"},
        "no_challenge": {"challenge_ids": []},
        "proposed": {"challenge_ids": [world["challenge"].id, world["proposed"].id]},
        "closed": {"challenge_ids": [world["closed"].id]},
        "foreign": {"challenge_ids": [world["foreign"].id]},
        "no_such_challenge": {"challenge_ids": [999_999]},
        "region": {"region_codes": ["PT11", "XX99"]},
        "co_owner_applicant": {"co_owner_ids": [world["applicant"].id]},
        "co_owner_left": {"co_owner_ids": [world["leaver"].id]},
        "end_before_start": {"starts_on": date(2026, 6, 1), "planned_end_on": date(2026, 5, 31)},
        "not_a_date": {"starts_on": "2026-01-01"},
        "far_future": {"planned_end_on": date(9999, 12, 31)},
        "far_past": {"starts_on": date(1, 1, 1)},
    }[case]


@pytest.mark.parametrize(("case", "field", "message"), BAD_INPUT)
def test_bad_input_is_refused_and_nothing_is_written(session, world, case, field, message):
    before = written(session)
    with pytest.raises(Invalid) as caught:
        create(session, world, **bad_changes(world, case))
    session.rollback()
    assert [(p.field, p.message) for p in caught.value.problems] == [(field, message)]
    assert written(session) == before


@pytest.mark.parametrize("who", ["outsider", "applicant", "leaver"])
def test_the_owner_a_coordinator_names_is_an_active_member(session, world, who):
    before = written(session)
    with pytest.raises(Invalid) as caught:
        create(session, world, "coordinator", owner_id=world[who].id)
    session.rollback()
    assert [(p.field, p.message) for p in caught.value.problems] == [
        ("owner_id", "The owner is chosen among the active members of Innovation Diffusion.")
    ]
    assert written(session) == before


def test_every_problem_shows_at_once(session, world):
    with pytest.raises(Invalid) as caught:
        create(
            session,
            world,
            title="",
            challenge_ids=[],
            region_codes=["XX99"],
            starts_on=date(2026, 6, 1),
            planned_end_on=date(2026, 1, 1),
        )
    session.rollback()
    assert [p.field for p in caught.value.problems] == [
        "title",
        "challenges",
        "region_codes",
        "planned_end_on",
    ]


# --- Editing ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["owner", "co_owner", "coordinator"])
def test_owners_and_coordinators_edit(session, world, who):
    solution = create(session, world)
    follows.follow(session, world["member"], follows.SOLUTION, solution.id)
    session.commit()
    services.update_solution(
        session,
        world[who],
        solution.id,
        details(world, title="Vouchers for SMEs", challenge_ids=[world["second"].id]),
    )
    session.commit()
    assert solution.title == "Vouchers for SMEs"
    assert solution.challenges == [world["second"]]
    assert audit_actions(session, solution) == ["solution.created", "solution.edited"]
    entry = audit_entries(session, solution)[-1]
    assert entry.before == {
        "title": "Digital vouchers for SMEs",
        "challenge_ids": [world["challenge"].id],
    }
    assert entry.after == {"title": "Vouchers for SMEs", "challenge_ids": [world["second"].id]}
    heard = set(notified(session, "solution.changed"))
    assert world["member"].id in heard and world[who].id not in heard
    assert event_sentence("solution.changed") == "The details of this solution changed."


@pytest.mark.parametrize("who", ["member", "applicant", "outsider"])
def test_others_may_not_edit(session, world, who):
    solution = create(session, world)
    before = written(session)
    # Those who may not read it are not told it exists.
    error = NotAllowed if who == "member" else NotFound
    with pytest.raises(error):
        services.update_solution(session, world[who], solution.id, details(world, title="Mine"))
    session.rollback()
    assert solution.title == "Digital vouchers for SMEs"
    assert written(session) == before


def test_an_owner_who_left_the_group_may_no_longer_edit(session, world):
    solution = create(session, world)
    membership = session.scalar(
        select(Membership).where(
            Membership.user_id == world["co_owner"].id, Membership.group_id == world["group"].id
        )
    )
    membership.status = MembershipStatus.LEFT
    session.commit()
    before = written(session)
    # The members-only solution is no longer theirs to read; once public, still not to edit.
    with pytest.raises(NotFound):
        services.update_solution(
            session, world["co_owner"], solution.id, details(world, title="Mine")
        )
    session.rollback()
    solution.public = True
    session.commit()
    with pytest.raises(NotAllowed) as caught:
        services.update_solution(
            session, world["co_owner"], solution.id, details(world, title="Mine")
        )
    session.rollback()
    assert caught.value.message == (
        "Only the solution's owners and the group's coordinators may do this."
    )
    assert solution.title == "Digital vouchers for SMEs"
    assert written(session) == before
    # Their co-ownership stays on an edit that keeps them, though they are no longer a member.
    services.update_solution(session, world["owner"], solution.id, details(world, title="New"))
    session.commit()
    assert solution.co_owners == [world["co_owner"]]


def test_only_a_coordinator_changes_the_owner(session, world):
    solution = create(session, world)
    before = written(session)
    with pytest.raises(NotAllowed) as caught:
        services.update_solution(
            session, world["owner"], solution.id, details(world, owner_id=world["member"].id)
        )
    session.rollback()
    assert caught.value.message == "Only the group's coordinators may name the owner of a solution."
    assert solution.owner == world["owner"]
    assert written(session) == before

    services.update_solution(
        session, world["coordinator"], solution.id, details(world, owner_id=world["member"].id)
    )
    session.commit()
    assert solution.owner == world["member"]
    assert world["member"].id in solution_followers(session, solution)
    assert set(notified(session, "solution.owner_named")) == {
        world["co_owner"].id,  # on creating it
        world["member"].id,
    }
    # The new owner hears that they are named, not that the details changed.
    assert world["member"].id not in notified(session, "solution.changed")


def test_an_edit_that_changes_nothing_writes_nothing(session, world):
    solution = create(session, world)
    before = written(session)
    services.update_solution(session, world["owner"], solution.id, details(world))
    session.commit()
    assert written(session) == before


def test_a_bad_edit_changes_nothing(session, world):
    solution = create(session, world)
    before = written(session)
    with pytest.raises(Invalid) as caught:
        services.update_solution(
            session,
            world["owner"],
            solution.id,
            details(world, title="New", challenge_ids=[world["proposed"].id]),
        )
    session.rollback()
    assert (caught.value.field, caught.value.message) == ("challenges", CHALLENGES_MESSAGE)
    assert solution.title == "Digital vouchers for SMEs"
    assert written(session) == before


def test_a_challenge_closed_since_stays_on_an_edit(session, world):
    solution = create(session, world)
    world["challenge"].status = ChallengeStatus.CLOSED
    session.commit()
    services.update_solution(session, world["owner"], solution.id, details(world, title="New"))
    session.commit()
    assert solution.challenges == [world["challenge"]]


@pytest.mark.parametrize("stage", [SolutionStage.COMPLETED, SolutionStage.DISCONTINUED])
def test_a_closed_solution_is_not_edited(session, world, stage):
    solution = make_solution(
        session, world["group"], world["owner"], stage=stage, challenges=(world["challenge"],)
    )
    session.commit()
    before = written(session)
    with pytest.raises(Conflict) as caught:
        services.update_solution(
            session, world["coordinator"], solution.id, details(world, title="New")
        )
    session.rollback()
    assert caught.value.message.startswith(f"This solution is {stage.value}: it can no longer")
    assert services.why_not(solution, "edit") == caught.value.message
    assert written(session) == before


def test_internal_notes_news_reach_members_only(session, world):
    solution = create(session, world)
    solution.public = True
    follows.follow(session, world["outsider"], follows.SOLUTION, solution.id)
    follows.follow(session, world["member"], follows.SOLUTION, solution.id)
    session.commit()
    services.update_solution(
        session, world["owner"], solution.id, details(world, internal_notes="Call Norte.")
    )
    session.commit()
    heard = set(notified(session, "solution.changed"))
    assert world["member"].id in heard
    assert world["outsider"].id not in heard


# --- Publishing -------------------------------------------------------------------------------


def test_a_coordinator_publishes_a_solution(session, world):
    solution = create(session, world)
    # Members read it; the public and other groups' people do not know it exists.
    assert readable_solution(session, world["member"], solution.id)[0] == solution
    for person in (None, world["outsider"], world["applicant"]):
        with pytest.raises(NotFound):
            readable_solution(session, person, solution.id)

    services.set_public(session, world["coordinator"], solution.id, True)
    session.commit()
    assert solution.public is True
    assert audit_actions(session, solution) == ["solution.created", "solution.published"]
    assert audit_entries(session, solution)[-1].after == {"public": True}
    assert readable_solution(session, None, solution.id)[0] == solution
    # The followers of its challenges hear of it, now the outsider too.
    assert set(notified(session, "solution.published")) == {
        world["fan"].id,
        world["outsider"].id,
        world["owner"].id,
        world["co_owner"].id,
    }
    assert event_sentence("solution.published") == "This solution is now public."

    services.set_public(session, world["coordinator"], solution.id, False)
    session.commit()
    assert solution.public is False
    assert audit_actions(session, solution)[-1] == "solution.unpublished"
    with pytest.raises(NotFound):
        readable_solution(session, None, solution.id)


@pytest.mark.parametrize("who", ["owner", "member"])
def test_only_coordinators_publish(session, world, who):
    solution = create(session, world)
    before = written(session)
    with pytest.raises(NotAllowed) as caught:
        services.set_public(session, world[who], solution.id, True)
    session.rollback()
    assert caught.value.message == "Only the group's coordinators may make a solution public."
    assert solution.public is False
    assert written(session) == before


def test_publishing_twice_is_a_conflict(session, world):
    solution = create(session, world)
    services.set_public(session, world["coordinator"], solution.id, True)
    session.commit()
    before = written(session)
    with pytest.raises(Conflict):
        services.set_public(session, world["coordinator"], solution.id, True)
    session.rollback()
    assert written(session) == before


def test_other_groups_people_may_not_publish_a_members_only_solution(session, world):
    solution = create(session, world)
    with pytest.raises(NotFound):
        services.set_public(session, world["outsider"], solution.id, True)


# --- Following and news -----------------------------------------------------------------------


def test_members_follow_and_unfollow(session, world):
    solution = create(session, world)
    services.follow_solution(session, world["member"], solution.id, following=True)
    services.follow_solution(session, world["member"], solution.id, following=True)
    session.commit()
    assert world["member"].id in solution_followers(session, solution)
    assert count(session, Follow) == 2 + 2 + 1  # challenge fans, owners, the member
    services.follow_solution(session, world["member"], solution.id, following=False)
    session.commit()
    assert world["member"].id not in solution_followers(session, solution)


def test_people_follow_only_what_they_may_read(session, world):
    solution = create(session, world)
    with pytest.raises(NotFound):
        services.follow_solution(session, world["outsider"], solution.id, following=True)
    with pytest.raises(NotAllowed):
        services.follow_solution(session, None, solution.id, following=True)
    session.rollback()
    assert world["outsider"].id not in solution_followers(session, solution)
    solution.public = True
    session.commit()
    services.follow_solution(session, world["outsider"], solution.id, following=True)
    session.commit()
    assert world["outsider"].id in solution_followers(session, solution)


def test_news_of_a_members_only_solution_reach_only_members(session, world):
    solution = create(session, world)
    # The leaver and the outsider follow it from a time they could read it.
    for person in ("leaver", "outsider", "member"):
        follows.follow(session, world[person], follows.SOLUTION, solution.id)
    session.commit()
    services.change_stage(session, world["owner"], solution.id, SolutionStage.SUPPORT)
    session.commit()
    heard = set(notified(session, "solution.stage_changed.support"))
    # Never the person who acted.
    assert heard == {world["co_owner"].id, world["member"].id}
    # Once it is public, every follower hears.
    services.set_public(session, world["coordinator"], solution.id, True)
    services.change_stage(session, world["owner"], solution.id, SolutionStage.DEPLOYMENT)
    session.commit()
    rows = session.execute(
        select(Notification.user_id, Notification.detail).where(
            Notification.event == "solution.stage_changed.deployment"
        )
    ).all()
    assert {user_id for user_id, _detail in rows} == {
        world["co_owner"].id,
        world["member"].id,
        world["leaver"].id,
        world["outsider"].id,
    }


def test_a_co_owner_who_left_is_not_made_the_owner(session, world):
    solution = create(session, world)
    membership = session.scalar(
        select(Membership).where(
            Membership.user_id == world["co_owner"].id, Membership.group_id == world["group"].id
        )
    )
    membership.status = MembershipStatus.LEFT
    session.commit()
    before = written(session)
    with pytest.raises(Invalid) as caught:
        services.update_solution(
            session,
            world["coordinator"],
            solution.id,
            details(world, owner_id=world["co_owner"].id, co_owner_ids=[world["owner"].id]),
        )
    session.rollback()
    assert (caught.value.field, caught.value.message) == (
        "owner_id",
        "The owner is chosen among the active members of Innovation Diffusion.",
    )
    assert solution.owner == world["owner"]
    assert written(session) == before
