"""Joining and leaving working groups: applications, coordinators' decisions and invitations."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from cop.audit.services import audited, record_change, snapshot
from cop.auth import services as auth_services  # a module: auth.services imports members
from cop.auth.permissions import (
    is_coordinator,
    membership_of,
    require_coordinator,
    require_signed_in,
)
from cop.auth.tokens import LIFETIMES, fingerprint, make_token, read_token
from cop.db import utcnow
from cop.errors import Conflict, Invalid, NotAllowed, NotFound
from cop.mail.messages import external_url, send_templated
from cop.members.models import (
    Invitation,
    Membership,
    MembershipStatus,
    Organisation,
    Role,
    User,
    WorkingGroup,
)
from cop.validation import check_text

MAX_TEXT = 2000
MEMBERSHIP_FIELDS = ("role", "status", "decision_note", "decided_by_id", "decided_at")
INVITATION_FIELDS = ("email", "expires_at", "accepted_at", "accepted_by_id", "revoked_at")


def get_group(session: Session, slug: str) -> WorkingGroup:
    group = session.scalar(select(WorkingGroup).where(WorkingGroup.slug == slug))
    if group is None:
        raise NotFound(_("There is no working group at this address."))
    return group


def find_group(session: Session, group_id: int) -> WorkingGroup:
    group = session.get(WorkingGroup, group_id)
    if group is None:
        raise NotFound(_("There is no working group at this address."))
    return group


def find_membership(session: Session, user, group: WorkingGroup) -> Membership | None:
    """The person's membership row in the group, whatever its status (None for visitors)."""
    return membership_of(session, user, group)


def active_coordinators(session: Session, group: WorkingGroup) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.group_id == group.id,
                Membership.role == Role.COORDINATOR,
                Membership.status == MembershipStatus.ACTIVE,
            )
            .order_by(User.name, User.id)
        )
    )


def tell_coordinators(
    session: Session, group: WorkingGroup, template: str, *, skip=None, **context
) -> None:
    """Email each of the group's coordinators (but `skip`, the person who acted) in their
    language, through the outbox; the template names the reader `coordinator`."""
    for coordinator in active_coordinators(session, group):
        # A closed or disabled account reads no mail.
        if not coordinator.is_active or (skip is not None and coordinator.id == skip.id):
            continue
        send_templated(
            session,
            to=coordinator.email,
            template=template,
            language=coordinator.language,
            group=group,
            coordinator=coordinator,
            **context,
        )


def insert_membership(session: Session, **values) -> Membership:
    """Insert a membership; a concurrent insert of the same person and group is a conflict."""
    try:
        # Built inside the savepoint: begin_nested() flushes, and a half-linked row must not.
        with session.begin_nested():
            membership = Membership(**values)
            session.add(membership)
            session.flush()
    except IntegrityError:
        raise Conflict(
            _("Your membership changed in the meantime. Reload the page and try again.")
        ) from None
    return membership


def put_membership(
    session: Session,
    membership: Membership | None,
    *,
    actor,
    person: User,
    group: WorkingGroup,
    action: str,
    summary: str,
    **values,
) -> Membership:
    """Give the person's one membership of the group these values, creating it if they have
    none, and audit the change."""
    before = snapshot(membership, MEMBERSHIP_FIELDS) if membership is not None else None
    if membership is None:
        membership = insert_membership(session, user=person, group=group, **values)
    else:
        for name, value in values.items():
            setattr(membership, name, value)
        session.flush()
    record_change(
        session,
        actor=actor,
        action=action,
        record=membership,
        summary=summary,
        before=before,
        after=snapshot(membership, MEMBERSHIP_FIELDS),
    )
    return membership


# --- Applying -------------------------------------------------------------------------------


def apply_to_group(session: Session, actor, group: WorkingGroup, motivation: str) -> Membership:
    """Apply to join a group; its coordinators are emailed that an application awaits them.

    A person who left or was rejected may apply again: the one membership row is reused.
    """
    require_signed_in(actor)
    if group.archived:
        raise Invalid(
            _("%(group)s has completed its work and takes no new members.", group=group.name)
        )
    membership = membership_of(session, actor, group)
    if membership is not None and membership.status is MembershipStatus.APPLIED:
        raise Invalid(
            _(
                "You have already applied to %(group)s. Its coordinators will answer soon.",
                group=group.name,
            )
        )
    if membership is not None and membership.status is MembershipStatus.ACTIVE:
        raise Invalid(_("You are already a member of %(group)s.", group=group.name))
    motivation = check_text(motivation, "motivation", MAX_TEXT, required=True)

    membership = put_membership(
        session,
        membership,
        actor=actor,
        person=actor,
        group=group,
        action="membership.applied",
        summary=f"Applied to join {group.slug}",
        status=MembershipStatus.APPLIED,
        role=Role.MEMBER,
        motivation=motivation,
        decision_note="",
        decided_by_id=None,
        decided_at=None,
    )
    tell_coordinators(
        session,
        group,
        "membership_application",
        applicant=actor,
        motivation=motivation,
        queue_url=external_url("members.applications", slug=group.slug),
    )
    return membership


# --- Deciding -------------------------------------------------------------------------------


def list_applications(session: Session, actor, group: WorkingGroup) -> list[Membership]:
    """Pending applications, oldest first, with each applicant's organisation and region."""
    require_coordinator(session, actor, group)
    return list(
        session.scalars(
            select(Membership)
            .where(Membership.group_id == group.id, Membership.status == MembershipStatus.APPLIED)
            .options(
                joinedload(Membership.user)
                .joinedload(User.organisation)
                .joinedload(Organisation.region)
            )
            .order_by(Membership.updated_at, Membership.id)
        ).unique()
    )


def _decide(session: Session, actor, membership_id: int, note: str, *, approve: bool) -> Membership:
    require_signed_in(actor)
    # Locked, so that two coordinators deciding at once cannot both decide it.
    membership = session.scalar(
        select(Membership)
        .where(Membership.id == membership_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if membership is None:
        raise NotFound(_("There is no such application."))
    group = membership.group
    require_coordinator(session, actor, group)
    if membership.status is not MembershipStatus.APPLIED:
        raise Conflict(_("This application has already been decided."))
    # An application left pending when the group was archived may still be rejected, not approved.
    if approve and group.archived:
        raise Invalid(
            _("%(group)s has completed its work and takes no new members.", group=group.name)
        )
    note = check_text(note, "note", MAX_TEXT)

    verb = "approved" if approve else "rejected"
    with audited(
        session,
        actor=actor,
        action=f"membership.{verb}",
        record=membership,
        fields=MEMBERSHIP_FIELDS,
        summary=f"{verb.capitalize()} the application of user {membership.user_id} to {group.slug}",
    ):
        membership.status = MembershipStatus.ACTIVE if approve else MembershipStatus.REJECTED
        membership.decision_note = note
        membership.decided_by_id = actor.id
        membership.decided_at = utcnow()
    applicant = membership.user
    send_templated(
        session,
        to=applicant.email,
        template="membership_approved" if approve else "membership_rejected",
        language=applicant.language,
        group=group,
        applicant=applicant,
        note=note,
        group_url=external_url("site.group", slug=group.slug),
    )
    return membership


def approve_application(session: Session, actor, membership_id: int, note: str = "") -> Membership:
    """A coordinator (or admin) accepts an application; the applicant is emailed."""
    return _decide(session, actor, membership_id, note, approve=True)


def reject_application(session: Session, actor, membership_id: int, note: str = "") -> Membership:
    """A coordinator (or admin) declines an application; the applicant is emailed."""
    return _decide(session, actor, membership_id, note, approve=False)


# --- Leaving --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Departure:
    membership: Membership
    withdrawn: bool  # an application withdrawn, rather than a member leaving


def leave_group(session: Session, actor, group: WorkingGroup) -> Departure:
    """A member leaves, or an applicant withdraws; a group's last coordinator may not leave."""
    require_signed_in(actor)
    membership = membership_of(session, actor, group)
    if membership is None or membership.status not in (
        MembershipStatus.ACTIVE,
        MembershipStatus.APPLIED,
    ):
        raise Invalid(_("You are not a member of %(group)s.", group=group.name))
    if membership.status is MembershipStatus.ACTIVE and membership.role is Role.COORDINATOR:
        # Locking the coordinators' rows makes two coordinators leaving at once see each other.
        coordinators = session.scalars(
            select(Membership.id)
            .where(
                Membership.group_id == group.id,
                Membership.role == Role.COORDINATOR,
                Membership.status == MembershipStatus.ACTIVE,
            )
            .with_for_update()
        ).all()
        if len(coordinators) <= 1:
            raise Invalid(
                _(
                    "You are the last coordinator of %(group)s. Ask a site administrator to "
                    "appoint another coordinator before you leave.",
                    group=group.name,
                )
            )
    withdrawing = membership.status is MembershipStatus.APPLIED
    with audited(
        session,
        actor=actor,
        action="membership.withdrawn" if withdrawing else "membership.left",
        record=membership,
        fields=MEMBERSHIP_FIELDS,
        summary=f"{'Withdrew the application to' if withdrawing else 'Left'} {group.slug}",
    ):
        membership.status = MembershipStatus.LEFT
        membership.role = Role.MEMBER
    return Departure(membership, withdrawing)


# --- Invitations ----------------------------------------------------------------------------


def invitation_token(invitation: Invitation) -> str:
    """The signed link's token; it stops working once the invitation is accepted or revoked."""
    return make_token(
        "invitation", invitation.id, fingerprint(invitation.accepted_at, invitation.revoked_at)
    )


def _find_user_by_email(session: Session, address: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == address.lower()))


def invite_by_email(
    session: Session, actor, group: WorkingGroup, email: str, message: str = ""
) -> Invitation:
    """A coordinator invites someone by email; the email carries a signed single-use link."""
    require_coordinator(session, actor, group)
    if group.archived:
        raise Invalid(
            _("%(group)s has completed its work and takes no new members.", group=group.name)
        )
    if len((email or "").strip()) > 254:
        raise Invalid(_("Use at most %(num)s characters.", num=254), field="email")
    address = auth_services.normalise_email(email or "")
    message = check_text(message, "message", MAX_TEXT)
    invitee = _find_user_by_email(session, address)
    if invitee is not None:
        existing = membership_of(session, invitee, group)
        if existing is not None and existing.status is MembershipStatus.ACTIVE:
            raise Invalid(
                _("This person is already a member of %(group)s.", group=group.name),
                field="email",
            )
    now = utcnow()
    already_open = session.scalar(
        select(Invitation.id).where(
            Invitation.group_id == group.id,
            Invitation.email == address,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
    )
    if already_open is not None:
        raise Invalid(
            _("An invitation to this address is still open. Revoke it to send a new one."),
            field="email",
        )
    invitation = Invitation(
        group=group,
        email=address,
        invited_by=actor,
        message=message,
        created_at=now,
        expires_at=now + LIFETIMES["invitation"],
    )
    session.add(invitation)
    session.flush()
    # No address in the summary: the log must not keep people's emails after they leave.
    record_change(
        session,
        actor=actor,
        action="invitation.created",
        record=invitation,
        summary=f"Invited a person to {group.slug}",
        after=snapshot(invitation, ("expires_at",)),
    )
    send_templated(
        session,
        to=address,
        template="membership_invitation",
        language=invitee.language if invitee is not None else None,
        group=group,
        inviter=actor,
        message=message,
        expires_at=invitation.expires_at,
        link=external_url("members.invitation_link", token=invitation_token(invitation)),
    )
    return invitation


def list_open_invitations(session: Session, actor, group: WorkingGroup) -> list[Invitation]:
    """Invitations neither accepted, revoked nor expired, newest first."""
    require_coordinator(session, actor, group)
    return list(
        session.scalars(
            select(Invitation)
            .where(
                Invitation.group_id == group.id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
            .options(joinedload(Invitation.invited_by))
            .order_by(Invitation.created_at.desc(), Invitation.id.desc())
        )
    )


def revoke_invitation(session: Session, actor, invitation_id: int) -> Invitation:
    require_signed_in(actor)
    invitation = session.scalar(
        select(Invitation)
        .where(Invitation.id == invitation_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if invitation is None:
        raise NotFound(_("There is no such invitation."))
    require_coordinator(session, actor, invitation.group)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise Conflict(_("This invitation has already been accepted or revoked."))
    before = snapshot(invitation, INVITATION_FIELDS)
    invitation.revoked_at = utcnow()
    session.flush()
    record_change(
        session,
        actor=actor,
        action="invitation.revoked",
        record=invitation,
        summary=f"Revoked an invitation to {invitation.group.slug}",
        before={k: v for k, v in before.items() if k != "email"},
        after=snapshot(invitation, ("revoked_at",)),
    )
    return invitation


def read_invitation(session: Session, token: str, *, lock: bool = False) -> Invitation:
    """The open invitation a link stands for; a clear Invalid for any link that no longer works."""
    invitation_id, state, _extra = read_token("invitation", token)
    query = select(Invitation).where(Invitation.id == invitation_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    invitation = session.scalar(query)
    if invitation is None:
        raise Invalid(_("This link is not valid. Check that you copied all of it."), field="token")
    group = invitation.group
    if invitation.revoked_at is not None:
        raise Invalid(
            _(
                "This invitation has been withdrawn. Ask a coordinator of %(group)s for a new one.",
                group=group.name,
            ),
            field="token",
        )
    if invitation.accepted_at is not None:
        raise Invalid(
            _("This invitation has already been used. Each invitation link works once."),
            field="token",
        )
    if state != fingerprint(invitation.accepted_at, invitation.revoked_at):
        raise Invalid(_("This link is not valid. Check that you copied all of it."), field="token")
    if invitation.expires_at <= utcnow():
        raise Invalid(_("This link has expired. Ask for a new one."), field="token")
    if group.archived:
        raise Invalid(
            _("%(group)s has completed its work and takes no new members.", group=group.name),
            field="token",
        )
    return invitation


class NextStep(enum.Enum):
    JOINED = "joined"  # signed in with the invited address: now an active member
    LOG_IN = "log_in"  # an account with the invited address exists
    SIGN_UP = "sign_up"  # nobody uses the address yet


@dataclass(frozen=True)
class InvitationOutcome:
    step: NextStep
    invitation: Invitation
    membership: Membership | None = None


def follow_invitation(session: Session, actor, token: str) -> InvitationOutcome:
    """What following an invitation link does: join now, or log in or sign up first."""
    signed_in = getattr(actor, "is_authenticated", False)
    invitation = read_invitation(session, token, lock=signed_in)
    if not signed_in:
        if _find_user_by_email(session, invitation.email) is not None:
            return InvitationOutcome(NextStep.LOG_IN, invitation)
        return InvitationOutcome(NextStep.SIGN_UP, invitation)
    if actor.email.lower() != invitation.email.lower():
        raise NotAllowed(
            _(
                "This invitation was sent to another email address than the one of your "
                "account. Log out and follow the link again, or ask for an invitation to "
                "your own address."
            )
        )
    return InvitationOutcome(NextStep.JOINED, invitation, _accept(session, actor, invitation))


def _accept(session: Session, actor: User, invitation: Invitation) -> Membership:
    group = invitation.group
    now = utcnow()
    invitation_before = snapshot(invitation, ("accepted_at", "accepted_by_id"))
    invitation.accepted_at = now
    invitation.accepted_by_id = actor.id
    session.flush()
    record_change(
        session,
        actor=actor,
        action="invitation.accepted",
        record=invitation,
        summary=f"Accepted an invitation to {group.slug}",
        before=invitation_before,
        after=snapshot(invitation, ("accepted_at", "accepted_by_id")),
    )
    membership = membership_of(session, actor, group)
    # An active member (or coordinator) keeps what they have; anyone else joins as a member.
    joins = membership is None or membership.status is not MembershipStatus.ACTIVE
    changes = (
        {
            "status": MembershipStatus.ACTIVE,
            "role": Role.MEMBER,
            "decision_note": "",
            "decided_by_id": invitation.invited_by_id,
            "decided_at": now,
        }
        if joins
        else {}
    )
    return put_membership(
        session,
        membership,
        actor=actor,
        person=actor,
        group=group,
        action="membership.joined_by_invitation",
        summary=f"Joined {group.slug} by invitation {invitation.id}",
        **changes,
    )


def may_coordinate(session: Session, user, group: WorkingGroup) -> bool:
    """For pages that offer coordinators' links; the services check again on every action."""
    return is_coordinator(session, user, group)
