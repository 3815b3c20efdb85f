"""Who may read and change a solution, used by the services (always) and the pages.

Members of the solution's group read it from the start; everyone else once a coordinator has
marked it public (never its internal notes). Its owners (the owner and co-owners, while
they are active members of the group) and the group's coordinators edit it; only owners post
its progress updates."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.orm import Session

from cop.auth.permissions import Standing, groups_of, is_signed_in, standing
from cop.errors import NotAllowed, NotFound
from cop.mail import follows
from cop.solutions.models import Solution


def find_solution(session: Session, solution_id: int, *, lock: bool = False) -> Solution:
    """The solution, locked for the change to come with `lock`; NotFound when there is none."""
    query = select(Solution).where(Solution.id == solution_id)
    if lock:
        query = query.with_for_update()
    solution = session.scalar(query)
    if solution is None:
        raise NotFound(_("There is no such solution."))
    return solution


def may_read(person: Standing, solution: Solution) -> bool:
    return solution.public or person.member


def is_owner(user, solution: Solution) -> bool:
    """One of the solution's owners (their membership is checked by the callers)."""
    return is_signed_in(user) and user.id in solution.owner_ids


def may_edit(person: Standing, user, solution: Solution) -> bool:
    """Its coordinators, and its owners while they are active members of the group."""
    return person.coordinates or (person.member and is_owner(user, solution))


def may_report(person: Standing, user, solution: Solution) -> bool:
    """Its owners, while they are active members of the group, post its progress updates."""
    return person.member and is_owner(user, solution)


def readable_solution(session: Session, user, solution_id: int) -> tuple[Solution, Standing]:
    """The solution and the person's standing in its group; NotFound for a solution they may
    not read (as for one that does not exist: a members-only solution is not announced)."""
    solution = find_solution(session, solution_id)
    person = standing(session, user, solution.group)
    if not may_read(person, solution):
        raise NotFound(_("There is no such solution."))
    return solution, person


def require_editor(session: Session, user, solution: Solution) -> Standing:
    person = standing(session, user, solution.group)
    if not may_read(person, solution):
        raise NotFound(_("There is no such solution."))
    if not may_edit(person, user, solution):
        raise NotAllowed(_("Only the solution's owners and the group's coordinators may do this."))
    return person


def require_owner(session: Session, user, solution: Solution) -> Standing:
    person = standing(session, user, solution.group)
    if not may_read(person, solution):
        raise NotFound(_("There is no such solution."))
    if not may_report(person, user, solution):
        raise NotAllowed(_("Only the solution's owners may post its progress updates."))
    return person


def readable_by(user) -> ColumnElement[bool]:
    """A condition on Solution: the solutions the person may read."""
    if not is_signed_in(user):
        return Solution.public.is_(True)
    if user.is_admin:
        return true()
    return or_(Solution.public.is_(True), Solution.group_id.in_(groups_of(user.id)))


def _readable_solutions(session: Session, user, ids: set[int]) -> set[int]:
    """The solutions among `ids` the person may still read, for the digests."""
    return set(session.scalars(select(Solution.id).where(Solution.id.in_(ids), readable_by(user))))


follows.register_reader(follows.SOLUTION, _readable_solutions)
