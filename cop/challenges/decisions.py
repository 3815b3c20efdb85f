"""The coordinators' decisions on a group's challenges: accepting and moving them on, closing
them with a reason, ranking them as the group agreed, and merging duplicates without losing
endorsements; the member who raised a challenge is emailed, its followers notified. Each checks
permission, validates, writes the audit rows and flushes; the caller commits."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from cop import clock
from cop.audit.services import audited, record_change
from cop.auth.permissions import members_of, require_coordinator
from cop.challenges.models import (
    OPEN_CHALLENGES,
    Challenge,
    ChallengeStatus,
    Endorsement,
    GoodPractice,
    practice_challenges,
)
from cop.challenges.services import (
    CHALLENGE_FIELDS,
    MAX_NOTE,
    lock_challenge,
    notify_challenge,
    seen_by_everyone,
)
from cop.errors import Conflict, Invalid
from cop.mail import follows
from cop.mail.messages import external_url, send_templated
from cop.mail.models import Follow
from cop.members.membership import find_group
from cop.validation import Problems, check_text

# The steps a coordinator moves an open challenge along.
NEXT_STATUS = {
    ChallengeStatus.PROPOSED: ChallengeStatus.ACCEPTED,
    ChallengeStatus.ACCEPTED: ChallengeStatus.BEING_ADDRESSED,
    ChallengeStatus.BEING_ADDRESSED: ChallengeStatus.ADDRESSED,
}


def _decide(
    session: Session, actor, challenge: Challenge, action: str, summary: str, change, **noted
):
    """Make a coordinator's decision (`change`) and audit it; `noted` goes in the audit entry
    too (what the challenge's history reads of it)."""
    require_coordinator(session, actor, challenge.group)
    with audited(
        session, actor=actor, action=action, record=challenge, fields=CHALLENGE_FIELDS,
        summary=summary, noted=noted,
    ):  # fmt: skip
        change()
        challenge.decided_at = clock.now()
    return challenge


def advance_challenge(
    session: Session, actor, challenge_id: int, *, from_status: ChallengeStatus | str | None = None
) -> Challenge:
    """Move a challenge one step on: proposed -> accepted -> being addressed -> addressed.
    `from_status`: the status the coordinator saw; a button pressed twice, or a form sent
    again, then moves the challenge once, not twice."""
    challenge = lock_challenge(session, challenge_id)
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
    told = None
    if next_status is ChallengeStatus.ACCEPTED:
        told = _tell_raiser(session, challenge, "challenge_accepted")
    notify_challenge(
        session, challenge, f"challenge.{next_status.value}", actor, exclude_users=_ids(told)
    )
    return challenge


def close_challenge(session: Session, actor, challenge_id: int, reason: str) -> Challenge:
    """Close a challenge the group will not take up, saying why; it stays readable."""
    challenge = lock_challenge(session, challenge_id)
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
    told = _tell_raiser(session, challenge, "challenge_closed", reason=reason)
    notify_challenge(
        session, challenge, "challenge.closed", actor, detail=reason, exclude_users=_ids(told)
    )
    return challenge


def prioritise(session: Session, actor, group_id: int, ordered_ids: list[int]) -> list[Challenge]:
    """Rank the group's open challenges as agreed (the first is priority 1); those left out
    are unranked. Each challenge whose rank changed notes its new one in its history."""
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
    for challenge in challenges:
        if challenge.priority != before[challenge.id]:
            # The challenge's own history shows its new rank.
            record_change(
                session,
                actor=actor,
                action="challenge.ranked",
                record=challenge,
                summary=(
                    f"Ranked the challenge {challenge.title} {challenge.priority}"
                    if challenge.priority is not None
                    else f"Unranked the challenge {challenge.title}"
                ),
                before={"rank": before[challenge.id]},
                after={"rank": challenge.priority},
            )
    if all(challenge.priority == before[challenge.id] for challenge in challenges):
        return [by_id[challenge_id] for challenge_id in ordered_ids]  # the ranking as it was
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
    challenge = lock_challenge(session, challenge_id)
    require_coordinator(session, actor, challenge.group)
    if challenge.status not in OPEN_CHALLENGES:
        raise Invalid(_("This challenge is already closed or merged."))
    problems = Problems()
    # The target comes from the form: one that names no challenge is a choice to correct.
    target = session.scalar(select(Challenge).where(Challenge.id == into_id).with_for_update())
    if target is None:
        problems.add(_("Choose a challenge from the list."), "into")
    elif target.group_id != challenge.group_id:
        problems.add(_("Choose a challenge of the same group."), "into")
    elif target.status not in OPEN_CHALLENGES:
        problems.add(
            _("That challenge is closed or merged itself: choose one that is still open."), "into"
        )
    note = problems.check(check_text, note, "note", MAX_NOTE, refuse_control=True)
    problems.raise_found()
    moved, _raisers = carry_over(session, challenge, target)
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
        challenge.merged_into = target
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
    told = _tell_raiser(
        session,
        challenge,
        "challenge_merged",
        target=target,
        target_url=external_url("challenges.challenge", challenge_id=target.id),
    )
    # Its followers hear of the merge on the duplicate, then follow the challenge that stays.
    notify_challenge(
        session,
        challenge,
        "challenge.merged",
        actor,
        detail=target.title,
        exclude_users=_ids(told),
    )
    move_followers(session, challenge, target)
    return challenge


def carry_over(
    session: Session, challenge: Challenge, target: Challenge, *, given_at=None
) -> tuple[int, Endorsement | None]:
    """What counts on a duplicate moves to the challenge it is merged into: its raiser, who
    spoke for their region (an endorsement on the target, given on the duplicate), its
    endorsements (a person who endorsed both counts once: their endorsement of the duplicate
    stays where it was given), its regions and themes. The number of endorsements moved, and
    the raiser's new endorsement if one was made."""
    endorsers = set(
        session.scalars(select(Endorsement.user_id).where(Endorsement.challenge_id == target.id))
    )
    moved = 0
    raisers = None
    raiser = challenge.raised_by
    if raiser is not None and raiser.id not in endorsers and raiser.id != target.raised_by_id:
        raisers = Endorsement(
            challenge=target,
            user=raiser,
            region=raiser.organisation.region if raiser.organisation else None,
            given_on_id=challenge.id,
        )
        if given_at is not None:
            raisers.created_at = given_at
        session.add(raisers)
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
    return moved, raisers


def move_followers(session: Session, challenge: Challenge, target: Challenge) -> None:
    """The people following a duplicate follow the challenge it is merged into (once each:
    the follows of those who already follow it are dropped). While the target is not public,
    only the group's members move; the others' follows end with the duplicate."""
    members = None
    if not seen_by_everyone(target):
        members = set(session.scalars(members_of(target.group_id)))
    already = set(
        session.scalars(
            select(Follow.user_id).where(
                Follow.target == follows.CHALLENGE, Follow.target_id == target.id
            )
        )
    )
    for found in session.scalars(
        select(Follow).where(Follow.target == follows.CHALLENGE, Follow.target_id == challenge.id)
    ):
        if found.user_id in already or (members is not None and found.user_id not in members):
            session.delete(found)
        else:
            found.target_id = target.id
    session.flush()


def _ids(user) -> list[int]:
    """The id of the person emailed, who is not notified of the same change too."""
    return [user.id] if user is not None else []


def _tell_raiser(session: Session, challenge: Challenge, template: str, **context):
    """Email the member who raised the challenge about a decision on it, in their language,
    in the decision's transaction (nobody to tell when their account is gone). The person
    emailed, or None."""
    raiser = challenge.raised_by
    if raiser is None or not raiser.is_active:
        return None
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
    return raiser
