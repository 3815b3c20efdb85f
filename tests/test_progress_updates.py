"""Progress updates: only owners post them; the solution keeps the newest one's status; its
followers and the members from regions that endorsed its challenges hear of them; when the next
one is due."""

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
from cop.mail.models import Notification
from cop.members.models import Membership, MembershipStatus, Role
from cop.solutions import updates
from cop.solutions.models import ProgressUpdate, Solution, SolutionStage, UpdateStatus
from tests.factories import (
    make_challenge,
    make_endorsement,
    make_group,
    make_membership,
    make_organisation,
    make_solution,
    make_update,
    make_user,
)

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
TODAY = date(2026, 11, 26)


def written(session) -> tuple[int, int, int]:
    session.expire_all()
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (ProgressUpdate, Notification, AuditEntry)
    )


def told(session) -> dict[int, tuple[str, str]]:
    """Who was told of a progress update: user id -> (event, detail)."""
    rows = session.execute(
        select(Notification.user_id, Notification.event, Notification.detail).where(
            Notification.event.like("solution.update_posted%")
        )
    )
    return {user_id: (event, detail) for user_id, event, detail in rows}


@pytest.fixture
def world(app, session):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    other = make_group(session, slug="industrial-transition")
    vienna = make_organisation(session, name="Vienna Business Agency", region_code="AT13")
    porto = make_organisation(session, name="Porto University", region_code="PT11")
    people = {
        name: make_user(session, name=name.title())
        for name in ("owner", "co_owner", "coordinator", "member", "follower", "applicant")
    }
    # Members and others whose organisation is in Vienna, a region that endorsed the challenge.
    people["viennese"] = make_user(session, name="Viennese Member", organisation=vienna)
    people["viennese_outsider"] = make_user(session, name="Viennese Outsider", organisation=vienna)
    people["viennese_applicant"] = make_user(session, name="Applicant", organisation=vienna)
    people["portuguese"] = make_user(session, name="Porto Member", organisation=porto)
    for name in ("owner", "co_owner", "member", "follower", "viennese", "portuguese"):
        make_membership(session, people[name], group)
    make_membership(session, people["coordinator"], group, role=Role.COORDINATOR)
    make_membership(session, people["viennese_applicant"], group, status=MembershipStatus.APPLIED)
    make_membership(session, people["viennese_outsider"], other)
    challenge = make_challenge(session, group, status=ChallengeStatus.ACCEPTED)
    make_endorsement(session, challenge, people["viennese_outsider"], region_code="AT13")
    solution = make_solution(
        session,
        group,
        people["owner"],
        co_owners=(people["co_owner"],),
        challenges=(challenge,),
        title="Digital vouchers",
    )
    for name in ("owner", "follower", "viennese_outsider"):
        follows.follow(session, people[name], follows.SOLUTION, solution.id)
    session.commit()
    with clock.fixed_at(NOW), app.test_request_context():
        yield {"group": group, "solution": solution, "challenge": challenge, **people}


def post(session, world, who="owner", **values):
    arguments = {"status": UpdateStatus.ON_TRACK, "narrative": "Twelve SMEs started.", **values}
    return updates.post_update(session, world[who], world["solution"].id, **arguments)


def test_an_owner_posts_an_update_dated_today(session, world):
    update = post(
        session,
        world,
        status="at_risk",
        narrative="Two regions wait for their budget.",
        help_needed="A contact at the managing authority of Norte.",
    )
    session.commit()

    assert update.reported_on == TODAY
    assert update.author_id == world["owner"].id
    assert update.status is UpdateStatus.AT_RISK
    assert update.help_needed == "A contact at the managing authority of Norte."
    solution = session.get(Solution, world["solution"].id)
    assert (solution.status, solution.last_update_on) == (UpdateStatus.AT_RISK, TODAY)
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "solution.update_posted"))
    assert entry.record_id == str(solution.id)
    assert entry.after["status"] == "at_risk"


def test_a_co_owner_posts_too(session, world):
    post(session, world, who="co_owner")
    assert written(session)[0] == 1


def test_the_solution_keeps_the_status_of_its_newest_update(session, world):
    post(session, world, status=UpdateStatus.AT_RISK, reported_on=date(2026, 11, 20))
    # One dated back behind it joins the history and leaves the status as it is.
    post(session, world, status=UpdateStatus.ON_TRACK, reported_on=date(2026, 10, 1))
    session.commit()
    solution = session.get(Solution, world["solution"].id)
    assert (solution.status, solution.last_update_on) == (UpdateStatus.AT_RISK, date(2026, 11, 20))

    # A second one on the same day as the newest is newer.
    post(session, world, status=UpdateStatus.OFF_TRACK, reported_on=date(2026, 11, 20))
    session.commit()
    assert solution.status is UpdateStatus.OFF_TRACK
    assert [u.status for u in solution.updates] == [
        UpdateStatus.OFF_TRACK,
        UpdateStatus.AT_RISK,
        UpdateStatus.ON_TRACK,
    ]


@pytest.mark.parametrize("who", ["member", "coordinator"])
def test_only_owners_post_not_members_nor_coordinators(session, world, who):
    before = written(session)
    with pytest.raises(NotAllowed) as refused:
        post(session, world, who=who)
    assert refused.value.message == "Only the solution's owners may post its progress updates."
    session.rollback()
    assert written(session) == before
    assert session.get(Solution, world["solution"].id).status is None


def test_an_owner_who_left_the_group_posts_no_more(session, world):
    membership = session.scalar(
        select(Membership).where(Membership.user_id == world["co_owner"].id)
    )
    membership.status = MembershipStatus.LEFT
    session.commit()
    with pytest.raises(NotFound):  # a members-only solution: they no longer see it
        post(session, world, who="co_owner")
    world["solution"].public = True
    session.commit()
    with pytest.raises(NotAllowed):
        post(session, world, who="co_owner")


def test_others_do_not_even_see_a_members_only_solution(session, world):
    with pytest.raises(NotFound):
        post(session, world, who="viennese_outsider")


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"reported_on": date(2026, 11, 27)},
            "reported_on",
            "An update cannot be dated in the future.",
        ),
        ({"reported_on": date(1, 1, 1)}, "reported_on", "Enter a date from 1900 to 2199."),
        (
            {"reported_on": date(2024, 12, 31)},
            "reported_on",
            "An update cannot be dated before the solution started (1 January 2025).",
        ),
        ({"narrative": "   "}, "narrative", "Please fill in this field."),
        ({"status": "fine"}, "status", "Choose one of the options."),
        ({"help_needed": "x" * 2001}, "help_needed", "Use at most 2000 characters."),
    ],
)
def test_bad_updates_are_refused_with_a_message_and_nothing_written(
    session, world, values, field, message
):
    before = written(session)
    with pytest.raises(Invalid) as refused:
        post(session, world, **values)
    assert (refused.value.field, refused.value.message) == (field, message)
    session.rollback()
    assert written(session) == before
    solution = session.get(Solution, world["solution"].id)
    assert (solution.status, solution.last_update_on) == (None, None)


@pytest.mark.parametrize("stage", [SolutionStage.COMPLETED, SolutionStage.DISCONTINUED])
def test_a_closed_solution_takes_no_more_updates(session, world, stage):
    world["solution"].stage = stage
    world["solution"].discontinue_reason = "Done."
    session.commit()
    with pytest.raises(Conflict):
        post(session, world)


def test_followers_and_members_of_endorsing_regions_hear_of_it_not_the_author(session, world):
    post(session, world, status=UpdateStatus.AT_RISK, narrative="Two regions wait. " * 20)
    session.commit()

    heard = told(session)
    # The follower, and the active member whose organisation is in Vienna (which endorsed the
    # challenge) though they follow nothing; not the author (who follows it), not the
    # outsider from Vienna who follows it (the solution is for members only), nor the applicant
    # from Vienna, nor the member from Porto.
    assert set(heard) == {world["follower"].id, world["viennese"].id}
    event, detail = heard[world["follower"].id]
    assert event == "solution.update_posted.at_risk"
    assert detail == ("Two regions wait. " * 20)[:200]
    assert (
        event_sentence(event, "Two regions wait.") == "Progress update: at risk. Two regions wait."
    )


def test_once_public_every_follower_hears_of_it(session, world):
    world["solution"].public = True
    session.commit()
    post(session, world, status=UpdateStatus.OFF_TRACK)
    session.commit()

    heard = told(session)
    assert set(heard) == {world["follower"].id, world["viennese"].id, world["viennese_outsider"].id}
    assert {event for event, _ in heard.values()} == {"solution.update_posted.off_track"}


@pytest.mark.parametrize(
    ("event", "sentence"),
    [
        ("solution.update_posted.on_track", "Progress update: on track."),
        ("solution.update_posted.at_risk", "Progress update: at risk."),
        ("solution.update_posted.off_track", "Progress update: off track."),
    ],
)
def test_each_status_has_its_digest_sentence(app, event, sentence):
    with app.test_request_context():
        assert event_sentence(event) == sentence
        assert event_sentence(event, "**Good** news") == f"{sentence} Good news"


def test_the_next_update_is_due_every_n_weeks_after_the_newest(session, world):
    solution = world["solution"]
    solution.created_at = datetime(2024, 12, 1, 12, 0, tzinfo=UTC)
    # No update yet: due four weeks after it started (1 January 2025).
    assert updates.next_update_due(solution, 4, TODAY) == date(2025, 1, 29)
    assert updates.update_overdue(solution, 4, TODAY)

    make_update(session, solution, world["owner"], reported_on=date(2026, 11, 1))
    assert updates.next_update_due(solution, 4, TODAY) == date(2026, 11, 29)
    assert updates.next_update_due(solution, 2, TODAY) == date(2026, 11, 15)
    assert not updates.update_overdue(solution, 4, TODAY)
    assert not updates.update_overdue(solution, 4, date(2026, 11, 29))  # due that day
    assert updates.update_overdue(solution, 4, date(2026, 11, 30))
    assert updates.update_overdue(solution, 2, TODAY)


def test_a_solution_proposed_after_it_started_owes_its_first_update_a_period_later(session, world):
    solution = world["solution"]  # started on 1 January 2025
    solution.created_at = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    assert updates.next_update_due(solution, 4, TODAY) == date(2026, 12, 18)
    assert not updates.update_overdue(solution, 4, TODAY)


def test_without_a_start_date_the_update_is_due_after_its_creation(session, world):
    solution = world["solution"]
    solution.starts_on = None
    solution.created_at = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
    assert updates.next_update_due(solution, 1, TODAY) == date(2026, 10, 8)


@pytest.mark.parametrize("stage", [SolutionStage.COMPLETED, SolutionStage.DISCONTINUED])
def test_closed_solutions_owe_no_update(session, world, stage):
    world["solution"].stage = stage
    assert updates.next_update_due(world["solution"], 4, TODAY) is None
    assert not updates.update_overdue(world["solution"], 4, TODAY)
