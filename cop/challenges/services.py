"""The domain operations on challenges: raising a challenge, endorsing it for one's region,
editing it and following it (the coordinators' decisions are in `decisions`). Each checks
permission, validates, writes the audit row and flushes; the caller commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop.audit.services import record_change, snapshot
from cop.auth.permissions import (
    groups_of,
    is_coordinator,
    is_member,
    is_signed_in,
    members_of,
    require_member,
    standing,
)
from cop.challenges.models import (
    OPEN_CHALLENGES,
    Challenge,
    ChallengeStatus,
    Endorsement,
)
from cop.challenges.search import PUBLIC_CHALLENGES
from cop.challenges.themes import find_themes
from cop.errors import Conflict, Invalid, NotAllowed, NotFound
from cop.mail import follows
from cop.mail.messages import external_url
from cop.mail.models import Notification
from cop.meetings.models import Meeting
from cop.members.labels import region_label
from cop.members.membership import find_group, tell_coordinators
from cop.members.models import Region, WorkingGroup
from cop.validation import Problems, check_text

MAX_TITLE = 200
MAX_DESCRIPTION = 20_000
MAX_NOTE = 2_000
MAX_REGIONS = 100

CHALLENGE_FIELDS = (
    "title",
    "description",
    "status",
    "priority",
    "raised_at_meeting_id",
    "merged_into_id",
    "decision_note",
)


# --- Raising a challenge ----------------------------------------------------------------------


@dataclass
class ChallengeDetails:
    """What a member types when raising a challenge: ids and codes as the form sends them."""

    title: str = ""
    description: str = ""
    theme_ids: list[int] = field(default_factory=list)
    region_codes: list[str] = field(default_factory=list)
    meeting_id: int | None = None


def find_regions(session: Session, codes: list[str]) -> list[Region]:
    wanted = {code.strip().upper() for code in codes if code and code.strip()}
    if len(wanted) > MAX_REGIONS:
        raise Invalid(_("Choose at most %(num)s regions.", num=MAX_REGIONS), field="region_codes")
    # (A code with a NUL byte names no region, and PostgreSQL would refuse the query.)
    askable = {code for code in wanted if "\x00" not in code}
    regions = list(session.scalars(select(Region).where(Region.code.in_(askable))))
    if len(regions) != len(wanted):
        raise Invalid(_("Choose regions from the list."), field="region_codes")
    return sorted(regions, key=lambda region: region.code)


MAX_LINKED_CHALLENGES = 100  # challenges an activity or a solution names


def find_open_challenges(
    session: Session, group: WorkingGroup, ids: Iterable[int], keep: Iterable[Challenge] = ()
) -> list[Challenge]:
    """The group's challenges named, public and still open (accepted, being addressed,
    addressed: a proposed one is not public yet, so the page of the activity or solution that
    names it could not show it), in id order; those of `keep` (what the record already names)
    stay though closed or merged since. Invalid on the field "challenges" otherwise."""
    wanted = set(ids)
    if len(wanted) > MAX_LINKED_CHALLENGES:
        raise Invalid(
            _("Choose at most %(num)s challenges.", num=MAX_LINKED_CHALLENGES),
            field="challenges",
        )
    kept = [challenge for challenge in keep if challenge.id in wanted]
    wanted -= {challenge.id for challenge in kept}
    found = list(
        session.scalars(
            select(Challenge).where(
                Challenge.id.in_(wanted),
                Challenge.group_id == group.id,
                Challenge.status.in_(PUBLIC_CHALLENGES),
            )
        )
    )
    if len(found) != len(wanted):
        raise Invalid(
            _("Choose among the group's accepted challenges (not proposed, merged or closed)."),
            field="challenges",
        )
    return sorted(kept + found, key=lambda challenge: challenge.id)


def _meeting(session: Session, group: WorkingGroup, meeting_id: int | None) -> Meeting | None:
    if meeting_id is None:
        return None
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.group_id != group.id or not meeting.public:
        raise Invalid(_("Choose one of the group's meetings."), field="meeting_id")
    return meeting


def raise_challenge(session: Session, actor, group_id: int, details: ChallengeDetails) -> Challenge:
    """A member names a challenge their region faces (and the other regions they know face it
    too); it waits, proposed, for the coordinators."""
    if not is_signed_in(actor):
        raise NotAllowed(_("Please log in first."))
    group = find_group(session, group_id)
    require_member(session, actor, group)
    values = _checked(session, group, details, regions_besides=_raisers_region(actor))
    challenge = Challenge(group=group, status=ChallengeStatus.PROPOSED, raised_by=actor, **values)
    session.add(challenge)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="challenge.raised",
        record=challenge,
        summary=f"Raised the challenge {challenge.title}",
        after=snapshot(challenge, CHALLENGE_FIELDS),
    )
    # Its raiser hears of what becomes of it.
    follows.follow(session, actor, follows.CHALLENGE, challenge.id)
    tell_coordinators(
        session,
        group,
        "challenge_proposed",
        skip=actor,
        challenge=challenge,
        raiser=actor,
        challenge_url=external_url("challenges.challenge", challenge_id=challenge.id),
    )
    return challenge


def _raisers_region(raiser) -> list[Region]:
    """The region a challenge's raiser speaks for (their organisation's), which it always faces;
    none when their organisation has no region or their account is gone."""
    organisation = raiser.organisation if raiser is not None else None
    return [organisation.region] if organisation is not None and organisation.region else []


def _checked(
    session: Session,
    group: WorkingGroup,
    details: ChallengeDetails,
    *,
    keep: Challenge | None = None,
    regions_besides: Iterable[Region] = (),
) -> dict:
    """The checked values of the challenge form, every problem with it at once. A challenge
    being edited (`keep`) keeps its themes and meeting though retired or hidden since; the
    regions `regions_besides` (the raiser's own, those endorsed for) are always among its
    regions."""
    problems = Problems()
    title = problems.check(
        check_text, details.title, "title", MAX_TITLE, required=True, refuse_control=True
    )
    description = problems.check(
        check_text,
        details.description,
        "description",
        MAX_DESCRIPTION,
        required=True,
        refuse_control=True,
    )
    themes = problems.check(
        find_themes, session, group, details.theme_ids, keep=keep.themes if keep else ()
    )
    regions = problems.check(find_regions, session, details.region_codes)
    if regions is not None:
        regions += [region for region in regions_besides if region not in regions]
        if not regions:
            problems.add(_("Name at least one region that faces this challenge."), "region_codes")
    if keep is not None and details.meeting_id == keep.raised_at_meeting_id:
        meeting = keep.raised_at_meeting
    else:
        meeting = problems.check(_meeting, session, group, details.meeting_id)
    problems.raise_found()
    return {
        "title": title,
        "description": description,
        "themes": sorted(themes, key=lambda theme: (theme.position, theme.id)),
        "regions": sorted(regions, key=lambda region: region.code),
        "raised_at_meeting": meeting,
    }


def lock_challenge(session: Session, challenge_id: int) -> Challenge:
    """The challenge, locked (on PostgreSQL) until the transaction ends, or NotFound."""
    challenge = session.scalar(
        select(Challenge).where(Challenge.id == challenge_id).with_for_update()
    )
    if challenge is None:
        raise NotFound(_("There is no such challenge."))
    return challenge


# --- Endorsing ------------------------------------------------------------------------------


def endorsing_region(actor) -> Region | None:
    """The region a member endorses for: their organisation's. None when it has none (bodies
    working at EU level), who then name the region that faces the challenge."""
    organisation = actor.organisation if is_signed_in(actor) else None
    return organisation.region if organisation is not None else None


def endorse(
    session: Session, actor, challenge_id: int, region_code: str | None = None
) -> Endorsement:
    """A member says their region faces the challenge too: once per member, for their
    organisation's region; a member whose organisation has no region names one."""
    if not is_signed_in(actor):
        raise NotAllowed(_("Please log in first."))
    challenge = lock_challenge(session, challenge_id)
    require_member(session, actor, challenge.group)
    if challenge.status not in OPEN_CHALLENGES:
        raise Invalid(
            _("This challenge was merged into another one: endorse that one instead.")
            if challenge.status is ChallengeStatus.MERGED
            else _("This challenge is closed: it can no longer be endorsed.")
        )
    if challenge.raised_by_id == actor.id:
        raise Invalid(_("You raised this challenge: it already counts for your region."))
    if session.scalar(
        select(Endorsement.id).where(
            Endorsement.challenge_id == challenge.id, Endorsement.user_id == actor.id
        )
    ):
        raise Conflict(_("You have already endorsed this challenge."))
    chosen = (region_code or "").strip().upper()
    region = endorsing_region(actor)
    if region is not None:
        # Each member speaks for their own region: another one is somebody else's to endorse.
        if chosen and chosen != region.code:
            raise Invalid(
                _(
                    "You endorse for your organisation's region (%(region)s), not for another one.",
                    region=region_label(region),
                ),
                field="region_code",
            )
    elif chosen:
        try:
            (region,) = find_regions(session, [chosen])
        except Invalid as error:
            raise Invalid(error.message, field="region_code") from None
    else:
        raise Invalid(_("Choose the region that faces this challenge."), field="region_code")
    endorsement = Endorsement(
        challenge=challenge, user=actor, region=region, given_on_id=challenge.id
    )
    session.add(endorsement)
    if region not in challenge.regions:
        challenge.regions.append(region)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="challenge.endorsed",
        record=challenge,
        summary=f"Endorsed the challenge {challenge.title} for {region.code}",
        after={"region_code": region.code},
    )
    notify_challenge(session, challenge, "challenge.endorsed", actor, detail=region.name)
    # Its endorsers hear of what becomes of it.
    follows.follow(session, actor, follows.CHALLENGE, challenge.id)
    return endorsement


# --- Editing --------------------------------------------------------------------------------


def may_edit(challenge: Challenge, actor, coordinates: bool) -> bool:
    """Its coordinators while it is open; the member who raised it while it is proposed."""
    if challenge.status not in OPEN_CHALLENGES:
        return False
    if coordinates:
        return True
    return (
        is_signed_in(actor)
        and challenge.raised_by_id == actor.id
        and challenge.status is ChallengeStatus.PROPOSED
    )


def update_challenge(
    session: Session, actor, challenge_id: int, details: ChallengeDetails
) -> Challenge:
    """Correct a challenge's title, description, themes, regions or meeting. The region of its
    raiser and those of its endorsements stay: those members said their region faces it."""
    if not is_signed_in(actor):
        raise NotAllowed(_("Please log in first."))
    challenge = lock_challenge(session, challenge_id)
    group = challenge.group
    coordinates = is_coordinator(session, actor, group)
    if not may_edit(challenge, actor, coordinates):
        if coordinates or (challenge.raised_by_id == actor.id and is_member(session, actor, group)):
            raise Invalid(_("This challenge can no longer be changed."))
        raise NotAllowed(_("Only its coordinators and the member who raised it may change it."))
    if not coordinates:
        require_member(session, actor, group)
    endorsed = session.scalars(
        select(Region)
        .join(Endorsement, Endorsement.region_code == Region.code)
        .where(Endorsement.challenge_id == challenge.id)
        .distinct()
    )
    values = _checked(
        session,
        group,
        details,
        keep=challenge,
        regions_besides=[*_raisers_region(challenge.raised_by), *endorsed],
    )
    before = snapshot(challenge, CHALLENGE_FIELDS)
    before_links = _links(challenge)
    for name, value in values.items():
        setattr(challenge, name, value)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="challenge.edited",
        record=challenge,
        summary=f"Edited the challenge {challenge.title}",
        before={**before, **before_links},
        after={**snapshot(challenge, CHALLENGE_FIELDS), **_links(challenge)},
    )
    return challenge


def _links(challenge: Challenge) -> dict:
    return {
        "theme_ids": [theme.id for theme in challenge.themes],
        "region_codes": [region.code for region in challenge.regions],
    }


def endorsement_count(session: Session, challenge_ids: list[int]) -> dict[int, int]:
    """How many members endorsed each challenge, in one query."""
    if not challenge_ids:
        return {}
    rows = session.execute(
        select(Endorsement.challenge_id, func.count())
        .where(Endorsement.challenge_id.in_(challenge_ids))
        .group_by(Endorsement.challenge_id)
    )
    return {challenge_id: count for challenge_id, count in rows}


# --- Following ------------------------------------------------------------------------------


def challenge_to_follow(
    session: Session, actor, challenge_id: int, *, followed: bool = False
) -> Challenge:
    """The challenge a person follows from `challenge_id`'s page: itself; for a merged one, the
    challenge its news goes to now (the end of its merges). NotFound when they may not read
    it, as its page; `followed`: one they follow is theirs to stop following, though no longer
    theirs to read (they left the group)."""
    # The pages read this module: their reading rules are imported when used.
    from cop.challenges.challenge_pages import merged_end, visible_statuses

    if not is_signed_in(actor):
        raise NotAllowed(_("Please log in first."))
    challenge = session.get(Challenge, challenge_id)
    if challenge is None:
        raise NotFound(_("There is no such challenge."))
    reader = standing(session, actor, challenge.group)
    if challenge.status is ChallengeStatus.MERGED:
        end = merged_end(challenge)
        if end is None or end.group_id != challenge.group_id:
            raise NotFound(_("There is no such challenge."))
        challenge = end
    if challenge.status not in visible_statuses(reader) and not (
        followed and follows.is_following(session, actor, follows.CHALLENGE, challenge.id)
    ):
        raise NotFound(_("There is no such challenge."))
    return challenge


def follow_challenge(session: Session, actor, challenge_id: int) -> Challenge:
    """The person follows the challenge (a merged one's: the one it was merged into); the
    challenge followed. Following it again changes nothing."""
    challenge = challenge_to_follow(session, actor, challenge_id)
    follows.follow(session, actor, follows.CHALLENGE, challenge.id)
    return challenge


def unfollow_challenge(session: Session, actor, challenge_id: int) -> Challenge:
    """The person stops following the challenge (a merged one's: the one it was merged into);
    the challenge no longer followed."""
    challenge = challenge_to_follow(session, actor, challenge_id, followed=True)
    follows.unfollow(session, actor, follows.CHALLENGE, challenge.id)
    return challenge


def seen_by_everyone(challenge: Challenge) -> bool:
    """Whether visitors may read the challenge: accepted, being addressed or addressed, or
    merged into one that is (its address then leads there)."""
    if challenge.status is ChallengeStatus.MERGED and challenge.merged_into is not None:
        challenge = challenge.merged_into
    return challenge.status in PUBLIC_CHALLENGES


def notify_challenge(
    session: Session, challenge: Challenge, event: str, actor, *, detail: str = "", **options
) -> list[Notification]:
    """Tell the challenge's followers of a change to it (`options`: as follows.notify's); the
    notifications written. While the challenge is not public (proposed, closed, or merged into
    one that is not), only the group's active members among them hear of it."""
    if not seen_by_everyone(challenge):
        options.setdefault("among", members_of(challenge.group_id))
    return follows.notify(
        session,
        record=(follows.CHALLENGE, challenge.id),
        event=event,
        title=challenge.title,
        path=url_for("challenges.challenge", challenge_id=challenge.id, _external=False),
        detail=detail,
        actor=actor,
        **options,
    )


def _readable_challenges(session: Session, user, ids: set[int]) -> set[int]:
    """The challenges among `ids` the person may still read: public ones (a merged one leads
    to the challenge it was merged into), and every one of their groups."""
    if getattr(user, "is_admin", False):
        return set(ids)
    hidden = session.scalars(
        select(Challenge.id).where(
            Challenge.id.in_(ids),
            Challenge.status.not_in((*PUBLIC_CHALLENGES, ChallengeStatus.MERGED)),
            Challenge.group_id.not_in(groups_of(user.id)),
        )
    )
    return set(ids) - set(hidden)


follows.register_reader(follows.CHALLENGE, _readable_challenges)
