"""The domain operations on solutions: a member proposes one for the group's challenges and
owns it; its owners and the group's coordinators edit it, move it along its stages and keep
its milestones; the coordinators make it public. Each checks permission, validates, writes
the audit and notification rows and flushes; the caller commits.

(Indicators, measurements and progress updates live in their own modules.)"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from cop import clock
from cop.audit.services import audited, record_change, snapshot
from cop.auth.permissions import (
    is_coordinator,
    members_of,
    require_member,
    require_signed_in,
    standing,
)
from cop.challenges.models import Challenge
from cop.challenges.services import (
    MAX_DESCRIPTION,
    MAX_NOTE,
    MAX_TITLE,
    find_open_challenges,
    find_regions,
)
from cop.errors import Conflict, Invalid, NotAllowed, NotFound
from cop.mail import follows
from cop.members.membership import find_group
from cop.members.models import Membership, MembershipStatus, User, WorkingGroup
from cop.solutions.access import find_solution, may_read, readable_solution, require_editor
from cop.solutions.labels import STAGE_LABELS
from cop.solutions.models import STAGE_ORDER, Milestone, Solution, SolutionStage
from cop.validation import Problems, check_choice, check_date, check_text

MAX_CO_OWNERS = 20

SOLUTION_FIELDS = (
    "title",
    "description",
    "internal_notes",
    "owner_id",
    "starts_on",
    "planned_end_on",
)
STAGE_FIELDS = ("stage", "discontinue_reason", "completed_at", "discontinued_at")
# The stages a solution is closed in: it is no longer edited, nor are its milestones.
CLOSED_STAGES = (SolutionStage.COMPLETED, SolutionStage.DISCONTINUED)


@dataclass(frozen=True)
class SolutionDetails:
    """What the solution form gives. `owner_id` None keeps the owner (on creating: the person
    creating it); only a coordinator names another. Problems name the fields `title`,
    `description`, `internal_notes`, `owner_id`, `co_owner_ids`, `challenges`, `region_codes`,
    `starts_on` and `planned_end_on`."""

    title: str = ""
    description: str = ""
    internal_notes: str = ""
    owner_id: int | None = None
    co_owner_ids: list[int] = field(default_factory=list)
    challenge_ids: list[int] = field(default_factory=list)
    region_codes: list[str] = field(default_factory=list)
    starts_on: date | None = None
    planned_end_on: date | None = None


def solution_path(solution: Solution) -> str:
    return url_for("solutions.solution", solution_id=solution.id, _external=False)


def _group(session: Session, group) -> WorkingGroup:
    return group if isinstance(group, WorkingGroup) else find_group(session, group)


def open_milestones(solution: Solution) -> list[Milestone]:
    """The milestones still to reach: neither done nor withdrawn."""
    return [
        milestone
        for milestone in solution.milestones
        if milestone.done_on is None and milestone.withdrawn_at is None
    ]


def overdue(milestone: Milestone, today: date) -> bool:
    """Still open after its due date (`today`: the group's, `clock.today(group.timezone)`)."""
    return milestone.done_on is None and milestone.withdrawn_at is None and milestone.due_on < today


def today_of(solution: Solution) -> date:
    """Today where the solution's group works: what "not in the future" means for its dates."""
    return clock.today(solution.group.timezone)


# --- Checking the form ------------------------------------------------------------------------


def _challenges(
    session: Session, group: WorkingGroup, ids: Iterable[int], keep: Iterable[Challenge]
) -> list[Challenge]:
    """The challenges the solution answers: at least one, else as activities choose theirs."""
    if not set(ids):
        raise Invalid(_("Choose the challenges this solution answers."), field="challenges")
    return find_open_challenges(session, group, ids, keep)


def _active_members(session: Session, group: WorkingGroup, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    return set(
        session.scalars(
            select(Membership.user_id).where(
                Membership.group_id == group.id,
                Membership.user_id.in_(ids),
                Membership.status == MembershipStatus.ACTIVE,
            )
        )
    )


def _owners(
    session: Session,
    group: WorkingGroup,
    owner_id: int,
    co_owner_ids: Iterable[int],
    keep: Solution | None,
) -> tuple[User, list[User]]:
    """The owner and co-owners, each an active member of the group; the owner is not also a
    co-owner. Those the solution already has stay though they left the group since (they no
    longer edit it: a coordinator names others)."""
    co_ids = set(co_owner_ids) - {owner_id}
    if len(co_ids) > MAX_CO_OWNERS:
        raise Invalid(_("Name at most %(num)s co-owners.", num=MAX_CO_OWNERS), field="co_owner_ids")
    new_owner = keep is None or owner_id != keep.owner_id
    new_co_owners = co_ids - (keep.owner_ids if keep is not None else set())
    members = _active_members(session, group, new_co_owners | ({owner_id} if new_owner else set()))
    problems = Problems()
    if new_owner and owner_id not in members:
        problems.add(
            _("The owner is chosen among the active members of %(group)s.", group=group.name),
            "owner_id",
        )
    if new_co_owners - members:
        problems.add(
            _("Co-owners are chosen among the active members of %(group)s.", group=group.name),
            "co_owner_ids",
        )
    problems.raise_found()
    users = {
        user.id: user
        for user in session.scalars(select(User).where(User.id.in_(co_ids | {owner_id})))
    }
    return users[owner_id], sorted((users[i] for i in co_ids), key=lambda user: user.id)


def _checked(
    session: Session,
    group: WorkingGroup,
    details: SolutionDetails,
    owner_id: int,
    keep: Solution | None = None,
) -> dict:
    """The checked values of the solution form, every problem with it at once."""
    problems = Problems()
    values = {
        "title": problems.check(
            check_text, details.title, "title", MAX_TITLE, required=True, refuse_control=True
        ),
        "description": problems.check(
            check_text, details.description, "description", MAX_DESCRIPTION, refuse_control=True
        ),
        "internal_notes": problems.check(
            check_text,
            details.internal_notes,
            "internal_notes",
            MAX_DESCRIPTION,
            refuse_control=True,
        ),
        "challenges": problems.check(
            _challenges, session, group, details.challenge_ids, keep.challenges if keep else ()
        ),
        "regions": problems.check(find_regions, session, list(details.region_codes)),
        "starts_on": problems.check(check_date, details.starts_on, "starts_on"),
        "planned_end_on": problems.check(check_date, details.planned_end_on, "planned_end_on"),
    }
    owners = problems.check(_owners, session, group, owner_id, details.co_owner_ids, keep)
    if owners is not None:
        values["owner"], values["co_owners"] = owners
    starts, ends = values["starts_on"], values["planned_end_on"]
    if starts and ends and ends < starts:
        problems.add(_("The planned end cannot be before the start."), "planned_end_on")
    problems.raise_found()
    return values


def _links(solution: Solution) -> dict:
    return {
        "challenge_ids": [challenge.id for challenge in solution.challenges],
        "region_codes": [region.code for region in solution.regions],
        "co_owner_ids": [user.id for user in solution.co_owners],
    }


def _challenge_keys(solution: Solution) -> list[tuple[str, int]]:
    return [(follows.CHALLENGE, challenge.id) for challenge in solution.challenges]


def tell_followers(
    session: Session,
    actor,
    solution: Solution,
    event: str,
    detail: str = "",
    *,
    challenges: bool = False,
    members_only: bool = False,
    also_users: Iterable[int] = (),
    exclude_users: Iterable[int] = (),
) -> None:
    """Tell the solution's followers of `event` (with `challenges`, also the followers of the
    challenges it answers), and `also_users`, but `exclude_users`. While it is not public (or
    with `members_only`, for news of what only members see), only the group's active members
    among them hear of it."""
    among = members_of(solution.group_id) if members_only or not solution.public else None
    follows.notify(
        session,
        record=(follows.SOLUTION, solution.id),
        event=event,
        title=solution.title,
        path=solution_path(solution),
        detail=detail,
        actor=actor,
        also_followers_of=_challenge_keys(solution) if challenges else (),
        also_users=also_users,
        exclude_users=exclude_users,
        among=among,
    )


def _tell_new_owners(session: Session, actor, solution: Solution, user_ids: set[int]) -> None:
    """The people newly named owner or co-owner (by someone else) hear it, and only that."""
    if user_ids:
        follows.notify(
            session,
            record=(follows.SOLUTION, solution.id),
            event="solution.owner_named",
            title=solution.title,
            path=solution_path(solution),
            actor=actor,
            also_users=sorted(user_ids),
            among=sorted(user_ids),
        )


# --- Creating and editing ---------------------------------------------------------------------


def _require_coordinator_to_name_owner(session: Session, actor, group: WorkingGroup) -> None:
    if not is_coordinator(session, actor, group):
        raise NotAllowed(_("Only the group's coordinators may name the owner of a solution."))


def create_solution(session: Session, actor, group, details: SolutionDetails) -> Solution:
    """An active member of the group proposes a solution to some of its accepted challenges;
    they own it, unless a coordinator names another owner. It starts in co-development,
    seen by the group's members only. Its owners and its creator follow it; the members
    following its challenges hear of it."""
    group = _group(session, group)
    require_member(session, actor, group)
    owner_id = details.owner_id if details.owner_id is not None else actor.id
    if owner_id != actor.id:
        _require_coordinator_to_name_owner(session, actor, group)
    values = _checked(session, group, details, owner_id)
    solution = Solution(
        group=group,
        stage=SolutionStage.CO_DEVELOPMENT,
        public=False,
        created_by_id=actor.id,
        **values,
    )
    session.add(solution)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="solution.created",
        record=solution,
        summary=f"Proposed the solution {solution.title}",
        after={**snapshot(solution, (*SOLUTION_FIELDS, "stage")), **_links(solution)},
    )
    owners = solution.owner_ids
    follows.follow_by_ids(session, [actor.id, *owners], follows.SOLUTION, solution.id)
    named = owners - {actor.id}
    tell_followers(
        session, actor, solution, "solution.created", challenges=True, exclude_users=named
    )
    _tell_new_owners(session, actor, solution, named)
    return solution


def _solution_to_edit(session: Session, actor, solution_id: int) -> Solution:
    solution = find_solution(session, solution_id, lock=True)
    require_editor(session, actor, solution)
    return solution


def why_not(solution: Solution, step: str) -> str | None:
    """Why its editors may not take `step` ("edit", "milestones", "complete", "discontinue")
    on the solution as it now is, or None when they may: the pages send them back to the
    solution with this reason rather than show a form that can only fail. (Changing the
    stage is always possible: leaving a completed or discontinued solution needs a reason.)"""
    if step == "complete" and solution.stage is SolutionStage.COMPLETED:
        return _("This solution is completed already.")
    if step == "discontinue" and solution.stage is SolutionStage.DISCONTINUED:
        return _("This solution is discontinued already.")
    if step in ("edit", "milestones"):
        if solution.stage is SolutionStage.COMPLETED:
            return _(
                "This solution is completed: it can no longer be changed, unless it is moved"
                " back to an earlier stage."
            )
        if solution.stage is SolutionStage.DISCONTINUED:
            return _(
                "This solution is discontinued: it can no longer be changed, unless it is"
                " moved back to an active stage."
            )
    return None


def _require(solution: Solution, step: str) -> None:
    refused = why_not(solution, step)
    if refused:
        raise Conflict(refused)


def update_solution(
    session: Session, actor, solution_id: int, details: SolutionDetails
) -> Solution:
    """Its owners or the group's coordinators change a solution that is not completed or
    discontinued; only a coordinator changes its owner. Its followers hear that it changed
    (only members, when only its internal notes did); new owners follow it and hear only
    that they are named."""
    solution = _solution_to_edit(session, actor, solution_id)
    _require(solution, "edit")
    owner_id = details.owner_id if details.owner_id is not None else solution.owner_id
    if owner_id != solution.owner_id:
        _require_coordinator_to_name_owner(session, actor, solution.group)
    values = _checked(session, solution.group, details, owner_id, keep=solution)
    fields = SOLUTION_FIELDS
    before = {**snapshot(solution, fields), **_links(solution)}
    owners_before = solution.owner_ids
    for name, value in values.items():
        setattr(solution, name, value)
    session.flush()
    after = {**snapshot(solution, fields), **_links(solution)}
    if after == before:
        return solution
    record_change(
        session,
        actor=actor,
        action="solution.edited",
        record=solution,
        summary=f"Edited the solution {solution.title}",
        before=before,
        after=after,
    )
    named = solution.owner_ids - owners_before - {actor.id}
    follows.follow_by_ids(session, named, follows.SOLUTION, solution.id)
    notes_only = {key for key in after if after[key] != before[key]} == {"internal_notes"}
    tell_followers(
        session, actor, solution, "solution.changed", members_only=notes_only, exclude_users=named
    )
    _tell_new_owners(session, actor, solution, named)
    return solution


# --- Stages -----------------------------------------------------------------------------------


def _is_backward(old: SolutionStage, new: SolutionStage) -> bool:
    """Back along the order, or out of completed or discontinued (to anything but
    discontinued, which is a stop of its own)."""
    if new is SolutionStage.DISCONTINUED:
        return False
    if old in CLOSED_STAGES:
        return True
    return STAGE_ORDER.index(new) < STAGE_ORDER.index(old)


def needs_reason(old: SolutionStage, new: SolutionStage) -> bool:
    """Whether moving a solution from stage `old` to `new` needs a reason (a move back, out
    of completed or discontinued, or to discontinued): the stage form marks the field."""
    return new is SolutionStage.DISCONTINUED or _is_backward(old, new)


def change_stage(
    session: Session,
    actor,
    solution_id: int,
    stage: SolutionStage | str,
    *,
    reason: str = "",
    confirm_open_milestones: bool = False,
) -> Solution:
    """Its editors move a solution to another stage. Forward along co-development ->
    support -> deployment -> monitoring -> completed freely (stages may be skipped); back,
    or out of completed or discontinued, only with a reason; discontinued only with a
    reason (kept on the solution); completed, while milestones are open, only when the
    editor confirms it. The audit row keeps the reason; followers hear of the move."""
    solution = _solution_to_edit(session, actor, solution_id)
    problems = Problems()
    stage = problems.check(check_choice, SolutionStage, stage, "stage")
    problems.raise_found()
    old = solution.stage
    if stage is old:
        raise Conflict(
            _(
                "This solution is already at the stage %(stage)s: see its page.",
                stage=STAGE_LABELS[stage],
            )
        )
    reason = problems.check(check_text, reason, "reason", MAX_NOTE, refuse_control=True) or ""
    if not reason and not problems.failed("reason"):
        if stage is SolutionStage.DISCONTINUED:
            problems.add(_("Say why the solution is discontinued."), "reason")
        elif _is_backward(old, stage):
            problems.add(
                _(
                    "Moving a solution back from %(old)s to %(new)s needs a reason: say why.",
                    old=STAGE_LABELS[old],
                    new=STAGE_LABELS[stage],
                ),
                "reason",
            )
    if stage is SolutionStage.COMPLETED and not confirm_open_milestones:
        still_open = len(open_milestones(solution))
        if still_open:
            problems.add(
                ngettext(
                    "%(num)s milestone is still open: confirm that the solution is completed"
                    " all the same, or mark it done or withdraw it first.",
                    "%(num)s milestones are still open: confirm that the solution is completed"
                    " all the same, or mark them done or withdraw them first.",
                    still_open,
                ),
                "confirm",
            )
    problems.raise_found()

    with audited(
        session,
        actor=actor,
        action="solution.stage_changed",
        record=solution,
        fields=STAGE_FIELDS,
        summary=f"Moved the solution {solution.title} to {stage.value}",
        noted={"reason": reason},
    ):
        now = clock.now()
        solution.stage = stage
        solution.discontinue_reason = reason if stage is SolutionStage.DISCONTINUED else ""
        solution.discontinued_at = now if stage is SolutionStage.DISCONTINUED else None
        solution.completed_at = now if stage is SolutionStage.COMPLETED else None
    tell_followers(session, actor, solution, stage_event(stage), reason)
    return solution


def stage_event(stage: SolutionStage) -> str:
    """The notification event of a move to `stage`: "solution.stage_changed.completed". The
    stage is in the event's name, so that each reader's digest says it in their own language;
    the detail is the reason, quoted as typed."""
    return f"solution.stage_changed.{stage.value}"


# --- Publishing -------------------------------------------------------------------------------


def set_public(session: Session, actor, solution_id: int, public: bool) -> Solution:
    """A coordinator shows the solution to the public (its indicators too, never its internal
    notes), or takes it back to the members. When it is published, the followers of its
    challenges hear of it."""
    solution = find_solution(session, solution_id, lock=True)
    person = standing(session, actor, solution.group)
    if not may_read(person, solution):
        raise NotFound(_("There is no such solution."))
    if not person.coordinates:
        raise NotAllowed(_("Only the group's coordinators may make a solution public."))
    if solution.public == public:
        raise Conflict(
            _("This solution is public already.")
            if public
            else _("This solution is seen by the group's members only already.")
        )
    action = "solution.published" if public else "solution.unpublished"
    with audited(
        session,
        actor=actor,
        action=action,
        record=solution,
        fields=("public",),
        summary=f"{'Published' if public else 'Unpublished'} the solution {solution.title}",
    ):
        solution.public = public
    if public:
        tell_followers(session, actor, solution, "solution.published", challenges=True)
    return solution


# --- Milestones -------------------------------------------------------------------------------


def _milestone_to_edit(
    session: Session, actor, milestone_id: int, solution_id: int | None
) -> tuple[Milestone, Solution]:
    """The milestone and its solution, for one of the solution's editors. With
    `solution_id` (the solution of the page the form was on), a milestone of another
    solution is not found."""
    milestone = session.get(Milestone, milestone_id)
    if milestone is None or (solution_id is not None and milestone.solution_id != solution_id):
        raise NotFound(_("There is no such milestone."))
    solution = _solution_to_edit(session, actor, milestone.solution_id)
    _require(solution, "milestones")
    if milestone.withdrawn_at is not None:
        raise Conflict(_("This milestone is withdrawn: it can no longer be changed."))
    return milestone, solution


def _milestone_values(title: str, due_on) -> tuple[str, date]:
    problems = Problems()
    title = problems.check(
        check_text, title, "title", MAX_TITLE, required=True, refuse_control=True
    )
    due_on = problems.check(check_date, due_on, "due_on")
    if due_on is None and not problems.failed("due_on"):
        problems.add(_("Please fill in this field."), "due_on")
    problems.raise_found()
    return title, due_on


def _milestone_audit(
    session: Session, actor, solution: Solution, milestone: Milestone, action: str, verb: str,
    before: dict | None = None,
) -> None:  # fmt: skip
    record_change(
        session,
        actor=actor,
        action=action,
        record=solution,
        summary=f"{verb} the milestone {milestone.title} of the solution {solution.title}",
        before=before,
        after=_milestone_snapshot(milestone),
    )


def _milestone_snapshot(milestone: Milestone) -> dict:
    return {
        "milestone_id": milestone.id,
        **snapshot(milestone, ("title", "due_on", "done_on")),
        "withdrawn": milestone.withdrawn_at is not None,
    }


def add_milestone(
    session: Session, actor, solution_id: int, title: str, due_on: date | None
) -> Milestone:
    """Its editors add a milestone to a solution that is not completed or discontinued."""
    solution = _solution_to_edit(session, actor, solution_id)
    _require(solution, "milestones")
    title, due_on = _milestone_values(title, due_on)
    milestone = Milestone(solution=solution, title=title, due_on=due_on)
    session.add(milestone)
    session.flush()
    _milestone_audit(session, actor, solution, milestone, "solution.milestone_added", "Added")
    return milestone


def update_milestone(
    session: Session,
    actor,
    milestone_id: int,
    title: str,
    due_on: date | None,
    *,
    solution_id: int | None = None,
) -> Milestone:
    """Its editors change a milestone's title or due date (not a withdrawn one's)."""
    milestone, solution = _milestone_to_edit(session, actor, milestone_id, solution_id)
    title, due_on = _milestone_values(title, due_on)
    if (title, due_on) == (milestone.title, milestone.due_on):
        return milestone
    before = _milestone_snapshot(milestone)
    milestone.title, milestone.due_on = title, due_on
    session.flush()
    _milestone_audit(
        session, actor, solution, milestone, "solution.milestone_changed", "Changed", before
    )
    return milestone


def mark_milestone_done(
    session: Session,
    actor,
    milestone_id: int,
    done_on: date | None,
    *,
    solution_id: int | None = None,
) -> Milestone:
    """Its editors mark a milestone reached on a day (today at the latest, in the group's
    time zone); followers hear of it."""
    milestone, solution = _milestone_to_edit(session, actor, milestone_id, solution_id)
    if milestone.done_on is not None:
        raise Conflict(_("This milestone is done already."))
    done_on = check_date(done_on, "done_on", required=True)
    if done_on > today_of(solution):
        raise Invalid(_("A milestone cannot be done on a day still to come."), field="done_on")
    before = _milestone_snapshot(milestone)
    milestone.done_on = done_on
    session.flush()
    _milestone_audit(session, actor, solution, milestone, "solution.milestone_done", "Done", before)
    tell_followers(session, actor, solution, "solution.milestone_done", milestone.title)
    return milestone


def reopen_milestone(
    session: Session, actor, milestone_id: int, *, solution_id: int | None = None
) -> Milestone:
    """A milestone marked done by mistake is open again."""
    milestone, solution = _milestone_to_edit(session, actor, milestone_id, solution_id)
    if milestone.done_on is None:
        raise Conflict(_("This milestone is not done: it is open already."))
    before = _milestone_snapshot(milestone)
    milestone.done_on = None
    session.flush()
    _milestone_audit(
        session, actor, solution, milestone, "solution.milestone_reopened", "Reopened", before
    )
    return milestone


def withdraw_milestone(
    session: Session, actor, milestone_id: int, *, solution_id: int | None = None
) -> Milestone:
    """A milestone the solution no longer aims at is withdrawn: kept, marked, no longer open
    nor overdue."""
    milestone, solution = _milestone_to_edit(session, actor, milestone_id, solution_id)
    before = _milestone_snapshot(milestone)
    milestone.withdrawn_at = clock.now()
    session.flush()
    _milestone_audit(
        session, actor, solution, milestone, "solution.milestone_withdrawn", "Withdrew", before
    )
    return milestone


# --- Following --------------------------------------------------------------------------------


def follow_solution(session: Session, actor, solution_id: int, *, following: bool) -> Solution:
    """Anyone signed in who may read the solution follows it, or stops following it; doing it
    again changes nothing."""
    require_signed_in(actor)
    solution, _person = readable_solution(session, actor, solution_id)
    if following:
        follows.follow(session, actor, follows.SOLUTION, solution.id)
    else:
        follows.unfollow(session, actor, follows.SOLUTION, solution.id)
    return solution
