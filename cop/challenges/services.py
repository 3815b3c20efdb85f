"""The domain operations on challenges: raising a challenge, endorsing it for one's
region, the coordinators' decisions (accept, address, close), their ranking and merging
duplicates without losing endorsements. Each checks permission, validates, writes the audit
row and flushes; the caller commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop import clock
from cop.audit.services import record_change, record_edit, snapshot
from cop.auth.permissions import (
    is_coordinator,
    is_member,
    is_signed_in,
    require_coordinator,
    require_member,
)
from cop.challenges.models import (
    OPEN_CHALLENGES,
    Challenge,
    ChallengeStatus,
    Endorsement,
    GoodPractice,
    practice_challenges,
)
from cop.challenges.themes import find_themes
from cop.errors import Conflict, Invalid, NotAllowed, NotFound
from cop.mail.messages import external_url, send_templated
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

# The steps a coordinator moves an open challenge along.
NEXT_STATUS = {
    ChallengeStatus.PROPOSED: ChallengeStatus.ACCEPTED,
    ChallengeStatus.ACCEPTED: ChallengeStatus.BEING_ADDRESSED,
    ChallengeStatus.BEING_ADDRESSED: ChallengeStatus.ADDRESSED,
}


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
    regions = list(session.scalars(select(Region).where(Region.code.in_(wanted))))
    if len(regions) != len(wanted):
        raise Invalid(_("Choose regions from the list."), field="region_codes")
    return sorted(regions, key=lambda region: region.code)


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
    own = actor.organisation.region if actor.organisation is not None else None
    values = _checked(session, group, details, regions_besides=[own] if own else [])
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


def _challenge(session: Session, challenge_id: int, *, lock: bool = False) -> Challenge:
    query = select(Challenge).where(Challenge.id == challenge_id)
    if lock:
        query = query.with_for_update()
    challenge = session.scalar(query)
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
    challenge = _challenge(session, challenge_id, lock=True)
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
    return endorsement


# --- Coordinators' decisions --------------------------------------------------------------


def _decide(
    session: Session, actor, challenge: Challenge, action: str, summary: str, change, **noted
):
    """Make a coordinator's decision (`change`) and audit it; `noted` goes in the audit entry
    too (what the challenge's history reads of it)."""
    require_coordinator(session, actor, challenge.group)

    def decide():
        change()
        challenge.decided_at = clock.now()

    record_edit(
        session, actor=actor, record=challenge, fields=CHALLENGE_FIELDS, action=action,
        summary=summary, change=decide, **noted,
    )  # fmt: skip
    return challenge


def advance_challenge(
    session: Session, actor, challenge_id: int, *, from_status: ChallengeStatus | str | None = None
) -> Challenge:
    """Move a challenge one step on: proposed -> accepted -> being addressed -> addressed.
    `from_status`: the status the coordinator saw; a button pressed twice, or a form sent
    again, then moves the challenge once, not twice."""
    challenge = _challenge(session, challenge_id, lock=True)
    if from_status is not None and str(getattr(from_status, "value", from_status)) != (
        challenge.status.value
    ):
        require_coordinator(session, actor, challenge.group)
        raise Conflict(_("This challenge has moved on since you opened the page: see its status."))
    next_status = NEXT_STATUS.get(challenge.status)
    if next_status is None:
        require_coordinator(session, actor, challenge.group)
        raise Invalid(_("This challenge has no further step."))

    def change():
        challenge.status = next_status

    _decide(
        session,
        actor,
        challenge,
        f"challenge.{next_status.value}",
        f"Marked the challenge {challenge.title} {next_status.value}",
        change,
    )
    if next_status is ChallengeStatus.ACCEPTED:
        _tell_raiser(session, challenge, "challenge_accepted")
    return challenge


def close_challenge(session: Session, actor, challenge_id: int, reason: str) -> Challenge:
    """Close a challenge the group will not take up, saying why; it stays readable."""
    challenge = _challenge(session, challenge_id, lock=True)
    require_coordinator(session, actor, challenge.group)
    if challenge.status not in OPEN_CHALLENGES:
        raise Invalid(_("This challenge is already closed or merged."))
    reason = check_text(reason, "reason", MAX_NOTE, required=True, refuse_control=True)

    def change():
        challenge.status = ChallengeStatus.CLOSED
        challenge.decision_note = reason
        challenge.priority = None

    _decide(
        session, actor, challenge, "challenge.closed", f"Closed the challenge {challenge.title}",
        change,
    )  # fmt: skip
    _tell_raiser(session, challenge, "challenge_closed", reason=reason)
    return challenge


def prioritise(session: Session, actor, group_id: int, ordered_ids: list[int]) -> list[Challenge]:
    """Rank the group's open challenges as agreed (the first is priority 1); those left out
    are unranked."""
    group = find_group(session, group_id)
    require_coordinator(session, actor, group)
    if len(set(ordered_ids)) != len(ordered_ids):
        raise Invalid(_("Rank each challenge once."), field="ranking")
    challenges = list(
        session.scalars(select(Challenge).where(Challenge.group_id == group.id).with_for_update())
    )
    by_id = {challenge.id: challenge for challenge in challenges}
    for challenge_id in ordered_ids:
        challenge = by_id.get(challenge_id)
        if challenge is None:
            raise Invalid(_("Rank only the group's challenges."), field="ranking")
        if challenge.status not in OPEN_CHALLENGES or challenge.status is ChallengeStatus.PROPOSED:
            raise Invalid(
                _(
                    "Only challenges taken up (accepted, being addressed or addressed) are"
                    " ranked: %(title)s is not.",
                    title=challenge.title,
                ),
                field="ranking",
            )
    before = {challenge.id: challenge.priority for challenge in challenges}
    # Clear the ranks first: the unique rank per group holds at every step.
    for challenge in challenges:
        challenge.priority = None
    session.flush()
    for rank, challenge_id in enumerate(ordered_ids, start=1):
        by_id[challenge_id].priority = rank
    session.flush()
    record_change(
        session,
        actor=actor,
        action="challenges.prioritised",
        record=group,
        summary=f"Ranked {len(ordered_ids)} challenges",
        before={"ranks": {str(k): v for k, v in before.items() if v is not None}},
        after={"ranks": {str(k): rank for rank, k in enumerate(ordered_ids, start=1)}},
    )
    return [by_id[challenge_id] for challenge_id in ordered_ids]


def merge_challenge(
    session: Session, actor, challenge_id: int, into_id: int, note: str = ""
) -> Challenge:
    """Merge a duplicate into the challenge that stays. Its endorsements move there (a person
    who endorsed both counts once: their endorsement of the duplicate stays where it was
    given), and so do its regions, themes and practices. The duplicate is kept, pointing to
    the one it was merged into."""
    if challenge_id == into_id:
        raise Invalid(_("A challenge cannot be merged into itself."), field="into")
    challenge = _challenge(session, challenge_id, lock=True)
    require_coordinator(session, actor, challenge.group)
    target = _challenge(session, into_id, lock=True)
    if target.group_id != challenge.group_id:
        raise Invalid(_("Choose a challenge of the same group."), field="into")
    if challenge.status not in OPEN_CHALLENGES:
        raise Invalid(_("This challenge is already closed or merged."))
    if target.status not in OPEN_CHALLENGES:
        raise Invalid(
            _("That challenge is closed or merged itself: choose one that is still open."),
            field="into",
        )
    note = check_text(note, "note", MAX_NOTE, refuse_control=True)
    endorsers = set(
        session.scalars(select(Endorsement.user_id).where(Endorsement.challenge_id == target.id))
    )
    moved = 0
    # The duplicate's raiser spoke for their region: that counts on the target as an
    # endorsement, given on the duplicate.
    raiser = challenge.raised_by
    if raiser is not None and raiser.id not in endorsers and raiser.id != target.raised_by_id:
        session.add(
            Endorsement(
                challenge=target,
                user=raiser,
                region=raiser.organisation.region if raiser.organisation else None,
                given_on_id=challenge.id,
            )
        )
        endorsers.add(raiser.id)
        moved += 1
    for endorsement in list(challenge.endorsements):
        if endorsement.user_id in endorsers or endorsement.user_id == target.raised_by_id:
            continue
        endorsement.challenge = target
        endorsers.add(endorsement.user_id)
        moved += 1
    for region in challenge.regions:
        if region not in target.regions:
            target.regions.append(region)
    for theme in challenge.themes:
        if theme not in target.themes:
            target.themes.append(theme)
    linked = set(
        session.scalars(
            select(practice_challenges.c.practice_id).where(
                practice_challenges.c.challenge_id == target.id
            )
        )
    )
    for practice in session.scalars(
        select(GoodPractice)
        .join(practice_challenges, practice_challenges.c.practice_id == GoodPractice.id)
        .where(practice_challenges.c.challenge_id == challenge.id)
    ):
        if practice.id not in linked:
            practice.challenges.append(target)

    def change():
        challenge.status = ChallengeStatus.MERGED
        challenge.merged_into_id = target.id
        challenge.priority = None
        challenge.decision_note = note

    _decide(
        session,
        actor,
        challenge,
        "challenge.merged",
        f"Merged the challenge {challenge.title} into {target.title} ({moved} endorsements moved)",
        change,
        endorsements_moved=moved,
    )
    _tell_raiser(
        session,
        challenge,
        "challenge_merged",
        target=target,
        target_url=external_url("challenges.challenge", challenge_id=target.id),
    )
    return challenge


def _tell_raiser(session: Session, challenge: Challenge, template: str, **context) -> None:
    """Email the member who raised the challenge about a decision on it, in their language,
    in the decision's transaction (nobody to tell when their account is gone)."""
    raiser = challenge.raised_by
    if raiser is None or not raiser.is_active:
        return
    send_templated(
        session,
        to=raiser.email,
        template=template,
        language=raiser.language,
        name=raiser.name,
        challenge=challenge,
        challenge_url=external_url("challenges.challenge", challenge_id=challenge.id),
        **context,
    )


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
    """Correct a challenge's title, description, themes, regions or meeting. The regions of
    its endorsements stay: those members said their region faces it."""
    if not is_signed_in(actor):
        raise NotAllowed(_("Please log in first."))
    challenge = _challenge(session, challenge_id, lock=True)
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
    values = _checked(session, group, details, keep=challenge, regions_besides=list(endorsed))
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
