"""Support requests: a member asks, for their organisation's region, for peer learning on a
challenge of their group; the group's coordinators answer once, with a new activity, by linking
an existing one, or by declining with a reason; the requester follows it. Also what the request
pages read, each in a fixed number of SQL statements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from cop import clock
from cop.activities.models import Activity, ActivityStatus, SupportRequest, SupportStatus
from cop.audit.services import audited, record_change, snapshot
from cop.auth.permissions import (
    Standing,
    groups_of,
    is_signed_in,
    members_of,
    require_coordinator,
    require_member,
    standing,
)
from cop.challenges.models import Challenge, ChallengeStatus
from cop.challenges.search import PUBLIC_CHALLENGES
from cop.errors import Conflict, Invalid, NotAllowed, NotFound
from cop.mail import follows
from cop.mail.messages import external_url, send_templated
from cop.meetings.times import day_label
from cop.members.labels import region_label
from cop.members.membership import find_group, get_group, tell_coordinators
from cop.members.models import Region, User, WorkingGroup
from cop.validation import Problems, check_text

MAX_NEED = 5_000
MAX_ANSWER = 2_000
# How far ahead "wanted by" may be: a group's cycle is three years; further is a typing slip.
MAX_YEARS_AHEAD = 5

REQUEST_FIELDS = (
    "challenge_id",
    "region_code",
    "need",
    "wanted_by",
    "status",
    "activity_id",
    "answer",
    "answered_by_id",
    "answered_at",
)

# How a request was answered, and the event its followers hear of.
ANSWERED_EVENTS = {
    SupportStatus.NEW_ACTIVITY: "support_request.new_activity",
    SupportStatus.LINKED: "support_request.linked",
    SupportStatus.DECLINED: "support_request.declined",
}


# --- Naming ---------------------------------------------------------------------------------------


def request_title(request: SupportRequest) -> str:
    """What every page, list, email and digest calls a request, in the current language:
    "Peer learning for Emilia-Romagna on “SMEs do not adopt new technologies”"."""
    return _(
        "Peer learning for %(region)s on “%(challenge)s”",
        region=request.region.name,
        challenge=request.challenge.title,
    )


# --- Asking -------------------------------------------------------------------------------------


def requesting_region(actor) -> Region | None:
    """The region a member asks for: their organisation's. None without an organisation, or
    for a body working at EU level (an organisation without a region)."""
    organisation = actor.organisation if is_signed_in(actor) else None
    return organisation.region if organisation is not None else None


def no_region_reason(actor) -> str | None:
    """Why the member cannot ask for a region (None when they can)."""
    if not is_signed_in(actor):
        return _("Please log in first.")
    if actor.organisation is None:
        return _(
            "A support request is asked for your organisation's region, and your profile names"
            " no organisation. Set your organisation in your account first."
        )
    if actor.organisation.region is None:
        return _(
            "Your organisation works at EU level, without a region: a support request is asked"
            " for a region by a member of an organisation there."
        )
    return None


def _check_region(actor, region_code: str | None) -> Region:
    region = requesting_region(actor)
    if region is None:
        raise Invalid(no_region_reason(actor), field="region")
    chosen = (region_code or "").strip().upper()
    if not chosen:
        raise Invalid(_("Choose your organisation's region."), field="region")
    if chosen != region.code:
        raise Invalid(
            _(
                "You ask for your organisation's region (%(region)s) only: another region's"
                " members ask for theirs.",
                region=region_label(region),
            ),
            field="region",
        )
    return region


def latest_wanted_by(today: date) -> date:
    """The latest "wanted by" date accepted: MAX_YEARS_AHEAD years from today."""
    try:
        return today.replace(year=today.year + MAX_YEARS_AHEAD)
    except ValueError:  # 29 February, and the year then is not a leap year
        return today.replace(year=today.year + MAX_YEARS_AHEAD, day=28)


def _check_wanted_by(wanted_by: date | None, today: date) -> date | None:
    if wanted_by is not None and wanted_by < today:
        raise Invalid(_("Choose a date that is not in the past."), field="wanted_by")
    if wanted_by is not None and wanted_by > latest_wanted_by(today):
        raise Invalid(
            _(
                "Choose a date within the next %(years)s years, or leave it empty.",
                years=MAX_YEARS_AHEAD,
            ),
            field="wanted_by",
        )
    return wanted_by


def _check_challenge_accepted(challenge: Challenge) -> None:
    """Peer learning is asked on the challenges the public sees, as activities address them:
    accepted, being addressed or addressed."""
    if challenge.status is ChallengeStatus.MERGED:
        raise Invalid(
            _("This challenge was merged into another one: ask on that one instead."),
            field="challenge",
        )
    if challenge.status is ChallengeStatus.PROPOSED:
        raise Invalid(
            _(
                "This challenge is only proposed: peer learning is asked once the group's"
                " coordinators have accepted it."
            ),
            field="challenge",
        )
    if challenge.status not in PUBLIC_CHALLENGES:
        raise Invalid(
            _("This challenge is closed: choose one of the group's accepted challenges."),
            field="challenge",
        )


def _check_not_asked_yet(session: Session, actor, challenge: Challenge, region: Region) -> None:
    """One open request per member, challenge and region: a second click, or asking again,
    would send the coordinators the same request twice. (Another member of the region may.)"""
    waiting = session.scalar(
        select(SupportRequest)
        .where(
            SupportRequest.requester_id == actor.id,
            SupportRequest.challenge_id == challenge.id,
            SupportRequest.region_code == region.code,
            SupportRequest.status == SupportStatus.OPEN,
        )
        .order_by(SupportRequest.id)
        .limit(1)
    )
    if waiting is not None:
        raise Invalid(
            _(
                "You asked for peer learning for %(region)s on this challenge on %(date)s: that"
                " request is still waiting for the coordinators' answer.",
                region=region.name,
                date=day_label(waiting.created_at, challenge.group.timezone),
            ),
            field="challenge",
        )


def _stored_title(request: SupportRequest) -> str:
    """The request's title as notifications store it (one row read by people of any language):
    in the site's default language."""
    with force_locale(current_app.config["DEFAULT_LANGUAGE"]):
        return request_title(request)


def _request_path(request: SupportRequest) -> str:
    return url_for("activities.support_request", request_id=request.id, _external=False)


def ask_for_support(
    session: Session,
    actor,
    challenge_id: int | None,
    *,
    region_code: str | None,
    need: str,
    wanted_by: date | None,
    group_id: int | None = None,
) -> SupportRequest:
    """A member of the challenge's group asks for peer learning for their organisation's
    region. The request is open until a coordinator answers it; the requester follows it and
    the challenge; the challenge's followers hear of it, its coordinators are emailed.

    `group_id`, when the form is a group's, keeps the challenge among that group's: any other
    (a forged id) is a problem of the `challenge` field rather than a page not found."""
    if not is_signed_in(actor):
        raise NotAllowed(_("Please log in first."))
    # The challenge's row is locked while the request is written: two clicks on "Send" ask once.
    challenge = (
        session.scalar(select(Challenge).where(Challenge.id == challenge_id).with_for_update())
        if challenge_id is not None
        else None
    )
    problems = Problems()
    if group_id is not None:
        group = find_group(session, group_id)
        require_member(session, actor, group)
        if challenge is None or challenge.group_id != group.id:
            challenge = None
            problems.add(_("Choose one of the group's accepted challenges."), "challenge")
    elif challenge is None:
        raise NotFound(_("There is no such challenge."))
    else:
        require_member(session, actor, challenge.group)
    if challenge is not None:
        problems.check(_check_challenge_accepted, challenge)
    region = problems.check(_check_region, actor, region_code)
    if challenge is not None and region is not None and not problems.failed("challenge"):
        problems.check(_check_not_asked_yet, session, actor, challenge, region)
    need = problems.check(check_text, need, "need", MAX_NEED, required=True, refuse_control=True)
    wanted_by = problems.check(_check_wanted_by, wanted_by, clock.now().date())
    problems.raise_found()

    request = SupportRequest(
        group=challenge.group,
        challenge=challenge,
        region=region,
        requester=actor,
        need=need,
        wanted_by=wanted_by,
        status=SupportStatus.OPEN,
    )
    session.add(request)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="support_request.asked",
        record=request,
        summary=f"Asked for peer learning on the challenge {challenge.id} for {region.code}",
        after=snapshot(request, REQUEST_FIELDS),
    )
    follows.follow(session, actor, follows.SUPPORT_REQUEST, request.id)
    follows.follow(session, actor, follows.CHALLENGE, challenge.id)
    follows.notify(
        session,
        record=(follows.CHALLENGE, challenge.id),
        event="challenge.support_requested",
        title=challenge.title,
        path=url_for("challenges.challenge", challenge_id=challenge.id, _external=False),
        detail=region.name,
        actor=actor,
        # Requests are for the group's members: other followers of the challenge do not hear.
        among=members_of(challenge.group_id),
    )
    tell_coordinators(
        session,
        challenge.group,
        "support_requested",
        skip=actor,
        request=request,
        requester=actor,
        challenge=challenge,
        region=region,
        request_url=external_url("activities.support_request", request_id=request.id),
        queue_url=external_url("activities.support_queue", slug=challenge.group.slug),
    )
    return request


# --- Answering ------------------------------------------------------------------------------------


def request_to_answer(
    session: Session, actor, request_id: int, *, lock: bool = False
) -> SupportRequest:
    """An open request the actor may answer: they coordinate its group (or are an admin).
    Answered already (a replayed form, another coordinator was quicker): Conflict."""
    query = select(SupportRequest).where(SupportRequest.id == request_id)
    if lock:
        query = query.with_for_update()
    request = session.scalar(query)
    if request is None:
        raise NotFound(_("There is no such support request."))
    if not is_signed_in(actor):
        raise NotAllowed(_("Please log in first."))
    require_coordinator(session, actor, request.group)
    if request.status is not SupportStatus.OPEN:
        raise Conflict(_("This request was already answered: reload its page to read the answer."))
    return request


def _answer(
    session: Session,
    actor,
    request: SupportRequest,
    status: SupportStatus,
    *,
    answer: str,
    activity: Activity | None = None,
) -> SupportRequest:
    """Give the request its one answer, audited. The requester is emailed (a digest set to
    never would leave them unaware); the other followers hear of it in their digest."""
    with audited(
        session,
        actor=actor,
        action=f"support_request.{status.value}",
        record=request,
        fields=REQUEST_FIELDS,
        summary=f"Answered the support request {request.id}: {status.value}",
    ):
        request.status = status
        request.activity = activity
        request.answer = answer
        request.answered_by_id = actor.id
        request.answered_at = clock.now()
    emailed = _email_requester(session, actor, request)
    follows.notify(
        session,
        record=(follows.SUPPORT_REQUEST, request.id),
        event=ANSWERED_EVENTS[status],
        title=_stored_title(request),
        path=_request_path(request),
        detail=activity.title if activity is not None else answer,
        actor=actor,
        exclude_users=[emailed.id] if emailed is not None else [],
        # Those who followed it and have left the group since no longer read it.
        among=members_of(request.group_id),
    )
    return request


def _email_requester(session: Session, actor, request: SupportRequest) -> User | None:
    """Email the requester the answer, in their language (not when they answered it themselves
    or their account is gone); the person emailed, or None (also when they stopped such
    emails: then the digest tells them)."""
    requester = request.requester
    if requester is None or not requester.active or requester.id == actor.id:
        return None
    sent = send_templated(
        session,
        to=requester.email,
        template="support_answered",
        language=requester.language,
        request=request,
        requester=requester,
        group=request.group,
        activity=request.activity,
        request_url=external_url("activities.support_request", request_id=request.id),
        activity_url=(
            external_url("activities.activity", activity_id=request.activity.id)
            if request.activity is not None
            else None
        ),
    )
    return requester if sent is not None else None


def answer_with_activity(
    session: Session,
    actor,
    request_id: int,
    activity_id: int | None,
    *,
    new: bool,
    note: str = "",
) -> SupportRequest:
    """A coordinator answers with an activity of the group, not cancelled: one planned for
    this request just now (`new`), or one that exists already. The requester follows it."""
    request = request_to_answer(session, actor, request_id, lock=True)
    problems = Problems()
    activity = session.get(Activity, activity_id) if activity_id is not None else None
    if (
        activity is None
        or activity.group_id != request.group_id
        or activity.status is ActivityStatus.CANCELLED
    ):
        problems.add(_("Choose one of the group's activities that is not cancelled."), "activity")
    note = problems.check(check_text, note, "note", MAX_ANSWER, refuse_control=True)
    problems.raise_found()
    status = SupportStatus.NEW_ACTIVITY if new else SupportStatus.LINKED
    _answer(session, actor, request, status, answer=note, activity=activity)
    if request.requester is not None:
        follows.follow(session, request.requester, follows.ACTIVITY, activity.id)
    return request


def decline_request(session: Session, actor, request_id: int, reason: str) -> SupportRequest:
    """A coordinator declines the request, saying why (the requester reads it)."""
    request = request_to_answer(session, actor, request_id, lock=True)
    reason = check_text(reason, "reason", MAX_ANSWER, required=True, refuse_control=True)
    return _answer(session, actor, request, SupportStatus.DECLINED, answer=reason)


# --- What the pages read ----------------------------------------------------------------------

# The open requests a queue shows at most (coordinators answer them long before), and the
# answered ones per page.
MAX_OPEN = 200
PER_PAGE = 25
MAX_PAGE = 10_000


def _shown():
    """What a request's row or page walks."""
    return (
        joinedload(SupportRequest.challenge),
        joinedload(SupportRequest.region),
        joinedload(SupportRequest.requester).joinedload(User.organisation),
        joinedload(SupportRequest.activity),
        joinedload(SupportRequest.answered_by),
    )


def answer_activities(session: Session, group: WorkingGroup) -> list[Activity]:
    """The group's activities a request may be linked to (not cancelled; completed ones too, as
    evidence of what regions learnt), newest first, with the challenges they address (the
    link form lists first those on the request's challenge)."""
    return list(
        session.scalars(
            select(Activity)
            .where(Activity.group_id == group.id, Activity.status != ActivityStatus.CANCELLED)
            .options(selectinload(Activity.challenges))
            .order_by(Activity.created_at.desc(), Activity.id.desc())
        )
    )


@dataclass(frozen=True)
class RequestPage:
    request: SupportRequest
    reader: Standing
    following: bool
    may_answer: bool  # the group's coordinators, while it is open


def request_page(session: Session, viewer, request_id: int) -> RequestPage:
    """A request, for the group's active members, its coordinators and admins."""
    request = session.scalar(
        select(SupportRequest)
        .where(SupportRequest.id == request_id)
        .options(joinedload(SupportRequest.group), *_shown())
    )
    if request is None:
        raise NotFound(_("There is no such support request."))
    reader = standing(session, viewer, request.group)
    if not reader.member:
        raise NotAllowed(
            _("Only members of %(group)s may read its support requests.", group=request.group.name)
        )
    return RequestPage(
        request=request,
        reader=reader,
        following=follows.is_following(session, viewer, follows.SUPPORT_REQUEST, request.id),
        may_answer=reader.coordinates and request.status is SupportStatus.OPEN,
    )


@dataclass(frozen=True)
class Queue:
    group: WorkingGroup
    reader: Standing
    open: list[SupportRequest]  # oldest first
    more_open: bool  # more than MAX_OPEN are open: the oldest are shown
    answered: list[SupportRequest]  # this page of them, newest answer first
    page: int
    pages: int
    total_answered: int
    activities: list[Activity]  # what a request may be linked to, for coordinators


def group_queue(session: Session, viewer, slug: str, page: int = 1) -> Queue:
    """A group's support requests: the open ones, oldest first, then the answered ones, newest
    first, a page at a time. Its members read it; its coordinators answer from it."""
    group = get_group(session, slug)
    reader = standing(session, viewer, group)
    if not reader.member:
        raise NotAllowed(
            _("Only members of %(group)s may read its support requests.", group=group.name)
        )
    open_requests = list(
        session.scalars(
            select(SupportRequest)
            .where(SupportRequest.group_id == group.id, SupportRequest.status == SupportStatus.OPEN)
            .options(*_shown())
            .order_by(SupportRequest.created_at, SupportRequest.id)
            .limit(MAX_OPEN + 1)
        )
    )
    answered_query = select(SupportRequest).where(
        SupportRequest.group_id == group.id, SupportRequest.status != SupportStatus.OPEN
    )
    total = session.scalar(select(func.count()).select_from(answered_query.subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, page), pages)
    answered = list(
        session.scalars(
            answered_query.options(*_shown())
            .order_by(SupportRequest.answered_at.desc(), SupportRequest.id.desc())
            .limit(PER_PAGE)
            .offset((page - 1) * PER_PAGE)
        )
    )
    return Queue(
        group=group,
        reader=reader,
        open=open_requests[:MAX_OPEN],
        more_open=len(open_requests) > MAX_OPEN,
        answered=answered,
        page=page,
        pages=pages,
        total_answered=total,
        activities=answer_activities(session, group) if reader.coordinates else [],
    )


def own_requests(session: Session, user, *, limit: int = 50) -> list[SupportRequest]:
    """The member's own requests in every group, newest first (open or answered), with what a
    list of them shows (their group too)."""
    if not is_signed_in(user):
        return []
    return list(
        session.scalars(
            select(SupportRequest)
            .where(SupportRequest.requester_id == user.id)
            .options(joinedload(SupportRequest.group), *_shown())
            .order_by(SupportRequest.created_at.desc(), SupportRequest.id.desc())
            .limit(limit)
        )
    )


def accepted_challenges(session: Session, group: WorkingGroup) -> list[Challenge]:
    """The group's challenges a request may be about (accepted, being addressed or addressed),
    by priority then age."""
    return list(
        session.scalars(
            select(Challenge)
            .where(Challenge.group_id == group.id, Challenge.status.in_(PUBLIC_CHALLENGES))
            .order_by(Challenge.priority.is_(None), Challenge.priority, Challenge.id)
        )
    )


# --- Following ------------------------------------------------------------------------------------


def visible_request(session: Session, viewer, request_id: int) -> SupportRequest:
    """A request the viewer may read (a member of its group), else NotFound or NotAllowed."""
    request = session.get(SupportRequest, request_id)
    if request is None:
        raise NotFound(_("There is no such support request."))
    if not is_signed_in(viewer):
        raise NotAllowed(_("Please log in first."))
    require_member(session, viewer, request.group)
    return request


def follow_request(session: Session, actor, request_id: int, *, following: bool) -> bool:
    """Follow the request (or stop); True when that changed something."""
    request = visible_request(session, actor, request_id)
    if following:
        return follows.follow(session, actor, follows.SUPPORT_REQUEST, request.id)
    return follows.unfollow(session, actor, follows.SUPPORT_REQUEST, request.id)


def _readable_requests(session: Session, user, ids: set[int]) -> set[int]:
    """The requests among `ids` the person may still read: those of their groups."""
    if getattr(user, "is_admin", False):
        return set(ids)
    hidden = session.scalars(
        select(SupportRequest.id).where(
            SupportRequest.id.in_(ids), SupportRequest.group_id.not_in(groups_of(user.id))
        )
    )
    return set(ids) - set(hidden)


follows.register_reader(follows.SUPPORT_REQUEST, _readable_requests)
