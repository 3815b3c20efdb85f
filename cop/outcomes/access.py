"""Who may read, write, review and publish an outcome, used by the services (always) and the
pages.

- Everyone reads an outcome once a version of it was published (withdrawn or not: the page
  stays, marked withdrawn); before that, only the active members of its groups (and admins).
  The public always read the current published version, never the working copy.
- Its authors (while active members of one of its groups) and the coordinators of its groups
  edit the working copy, attach files and submit it for review.
- A coordinator of one of its groups, or an admin, approves or returns it, but never one of
  its authors, its creator, the person who submitted it, nor anyone who changed the working
  copy (edited it, attached or withdrew a file) since its last published version: a second
  pair of eyes.
- Its groups' coordinators (and admins) withdraw it, with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.orm import Session

from cop.auth.permissions import groups_of, is_signed_in, standing_with
from cop.errors import NotAllowed, NotFound
from cop.mail import follows
from cop.members.models import Membership, Role
from cop.outcomes.models import (
    Outcome,
    OutcomeStatus,
    outcome_authors,
    outcome_editors,
    outcome_groups,
)


@dataclass(frozen=True)
class OutcomeStanding:
    """What a person is to an outcome: a member of one of its groups, a coordinator of one of
    them, one of its authors."""

    member: bool
    coordinates: bool
    author: bool


def find_outcome(session: Session, outcome_id: int, *, lock: bool = False) -> Outcome:
    """The outcome, locked for the change to come with `lock`; NotFound when there is none."""
    query = select(Outcome).where(Outcome.id == outcome_id)
    if lock:
        query = query.with_for_update()
    outcome = session.scalar(query)
    if outcome is None:
        raise NotFound(_("There is no such outcome."))
    return outcome


def outcome_standing(session: Session, user, outcome: Outcome) -> OutcomeStanding:
    """The person's standing toward the outcome, from their memberships of its groups (one
    query at most)."""
    if not is_signed_in(user):
        return OutcomeStanding(member=False, coordinates=False, author=False)
    author = user.id in outcome.author_ids
    if user.is_admin:
        return OutcomeStanding(member=True, coordinates=True, author=author)
    group_ids = [group.id for group in outcome.groups]
    memberships = session.scalars(
        select(Membership).where(Membership.user_id == user.id, Membership.group_id.in_(group_ids))
    ).all()
    standings = [standing_with(user, membership) for membership in memberships]
    return OutcomeStanding(
        member=any(s.member for s in standings),
        coordinates=any(s.coordinates for s in standings),
        author=author,
    )


def may_read(person: OutcomeStanding, outcome: Outcome) -> bool:
    return outcome.is_public or person.member


def may_edit(person: OutcomeStanding, outcome: Outcome) -> bool:
    """Its authors while members of one of its groups, and its groups' coordinators; not
    while it is in review (return it first) nor once withdrawn."""
    if outcome.status in (OutcomeStatus.IN_REVIEW, OutcomeStatus.WITHDRAWN):
        return False
    return person.coordinates or (person.member and person.author)


def wrote_it(person: OutcomeStanding, user, outcome: Outcome) -> bool:
    """Whether the person had a hand in the working copy under review: one of its authors,
    its creator, who submitted it, or who changed it since its last published version (reads
    `outcome.editors`: load them with the outcome)."""
    if not is_signed_in(user):
        return False
    return (
        person.author
        or user.id in outcome.author_ids
        or user.id == outcome.submitted_by_id
        or user.id in outcome.editor_ids
    )


def may_review(person: OutcomeStanding, user, outcome: Outcome) -> bool:
    """A coordinator of one of its groups or an admin who had no hand in the working copy
    (see wrote_it)."""
    return (
        outcome.status is OutcomeStatus.IN_REVIEW
        and person.coordinates
        and not wrote_it(person, user, outcome)
    )


def may_withdraw(person: OutcomeStanding, outcome: Outcome) -> bool:
    return (
        person.coordinates and outcome.is_public and outcome.status is not OutcomeStatus.WITHDRAWN
    )


def readable_outcome(session: Session, user, outcome_id: int) -> tuple[Outcome, OutcomeStanding]:
    """The outcome and the person's standing toward it; NotFound for one they may not read (as
    for one that does not exist: a draft is not announced)."""
    outcome = find_outcome(session, outcome_id)
    person = outcome_standing(session, user, outcome)
    if not may_read(person, outcome):
        raise NotFound(_("There is no such outcome."))
    return outcome, person


def require_editor(session: Session, user, outcome: Outcome) -> OutcomeStanding:
    person = outcome_standing(session, user, outcome)
    if not may_read(person, outcome):
        raise NotFound(_("There is no such outcome."))
    if outcome.status is OutcomeStatus.IN_REVIEW:
        raise NotAllowed(_("This outcome is in review: it can be changed once it is returned."))
    if outcome.status is OutcomeStatus.WITHDRAWN:
        raise NotAllowed(_("This outcome was withdrawn."))
    if not may_edit(person, outcome):
        raise NotAllowed(_("Only the outcome's authors and its groups' coordinators may do this."))
    return person


def require_reviewer(session: Session, user, outcome: Outcome) -> OutcomeStanding:
    person = outcome_standing(session, user, outcome)
    if not may_read(person, outcome):
        raise NotFound(_("There is no such outcome."))
    if outcome.status is not OutcomeStatus.IN_REVIEW:
        raise NotAllowed(_("This outcome is not in review."))
    # Each refusal says why, for who is refused: its authors, the members who are not its
    # groups' coordinators, the coordinators who changed the working copy or submitted it.
    if person.author or user.id in outcome.author_ids:
        raise NotAllowed(
            _("Another coordinator must review it: its authors may not approve their own work.")
        )
    if not person.coordinates:
        raise NotAllowed(_("Only the coordinators of its groups review outcomes."))
    if wrote_it(person, user, outcome):
        raise NotAllowed(_("You changed this version: another coordinator must review it."))
    return person


def reviewable_by(user) -> ColumnElement[bool]:
    """A condition on Outcome: those in review that the person may review (as may_review
    says: in review, of a group they coordinate (any for admins), and they had no hand in it:
    neither its creator, an author, its submitter nor one who changed it since its last
    approval)."""
    return and_(
        Outcome.status == OutcomeStatus.IN_REVIEW,
        coordinated_by(user),
        Outcome.created_by_id != user.id,
        or_(Outcome.submitted_by_id.is_(None), Outcome.submitted_by_id != user.id),
        Outcome.id.not_in(
            select(outcome_authors.c.outcome_id).where(outcome_authors.c.user_id == user.id)
        ),
        Outcome.id.not_in(
            select(outcome_editors.c.outcome_id).where(outcome_editors.c.user_id == user.id)
        ),
    )


def is_public() -> ColumnElement[bool]:
    """A condition on Outcome: the outcomes anyone may read (a version was published)."""
    return Outcome.current_version_id.is_not(None)


def is_listed() -> ColumnElement[bool]:
    """A condition on Outcome: the outcomes the public library, feeds and open data list
    (published, not withdrawn)."""
    return Outcome.current_version_id.is_not(None) & (Outcome.status != OutcomeStatus.WITHDRAWN)


def readable_by(user) -> ColumnElement[bool]:
    """A condition on Outcome: the outcomes the person may read."""
    if not is_signed_in(user):
        return is_public()
    if user.is_admin:
        return true()
    in_my_groups = Outcome.id.in_(
        select(outcome_groups.c.outcome_id).where(outcome_groups.c.group_id.in_(groups_of(user.id)))
    )
    return or_(is_public(), in_my_groups)


def coordinated_by(user) -> ColumnElement[bool]:
    """A condition on Outcome: the outcomes of groups the person coordinates (all for admins)."""
    if user.is_admin:
        return true()
    return Outcome.id.in_(
        select(outcome_groups.c.outcome_id).where(
            outcome_groups.c.group_id.in_(groups_of(user.id, role=Role.COORDINATOR))
        )
    )


def _readable_outcomes(session: Session, user, ids: set[int]) -> set[int]:
    """The outcomes among `ids` the person may still read, for the digests."""
    return set(session.scalars(select(Outcome.id).where(Outcome.id.in_(ids), readable_by(user))))


follows.register_reader(follows.OUTCOME, _readable_outcomes)
