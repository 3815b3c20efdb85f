"""The member's dashboard: what moved on the challenges their region endorsed, their support
requests, and what they follow. A fixed number of queries whatever the number of records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import String, and_, cast, or_, select
from sqlalchemy.orm import Session, joinedload

from cop import clock
from cop.activities.models import Activity, ActivityStatus, SupportRequest, activity_challenges
from cop.audit.models import AuditEntry
from cop.auth.permissions import groups_of, require_signed_in
from cop.challenges.models import (
    OPEN_CHALLENGES,
    Challenge,
    Endorsement,
    GoodPractice,
    PracticeStatus,
    practice_challenges,
)
from cop.challenges.search import PUBLIC_CHALLENGES
from cop.mail import follows
from cop.mail.models import Follow
from cop.members.models import Organisation, Region, Role, User
from cop.outcomes.access import reviewable_by
from cop.outcomes.models import Outcome

# How far back "what moved" looks, and how much of it the page shows.
RECENT = timedelta(days=60)
MAX_CHALLENGES = 30
MAX_MOVES = 200  # read per kind of move, newest first
MOVES_PER_CHALLENGE = 8
MAX_REQUESTS = 50
MAX_FOLLOWED = 50  # per kind of record
MAX_TO_REVIEW = 50

# The coordinators' decisions on a challenge that its moves show (from the audit log).
DECISIONS = (
    "challenge.accepted",
    "challenge.being_addressed",
    "challenge.addressed",
    "challenge.closed",
    "challenge.merged",
    "challenge.ranked",
)

# Of moves at the same instant, which came later: an activity completed without being started
# was started and completed at once (and maybe planned then too), and reads newest first as
# completed, started, planned.
STAGES = {"activity_planned": 0, "activity_started": 1, "activity_completed": 2}


@dataclass(frozen=True)
class Move:
    """Something that happened on a challenge: `kind` says what, the other fields what it names.

    Kinds: "decision" (`action`, a key of DECISIONS; `rank` for a ranking), "merged_here"
    (`merged`, a challenge merged into this one), "endorsed" (`region`), "practice"
    (`practice` published on it), "activity_planned", "activity_started",
    "activity_completed" (`activity`), "support_requested" (`region`, `support_request`).
    `record_id` is the id of the row it was read from (the audit entry, the endorsement ...):
    of moves at the same instant, the higher comes first.
    """

    at: datetime
    kind: str
    record_id: int = 0
    action: str | None = None
    rank: int | None = None
    merged: Challenge | None = None
    region: Region | None = None
    practice: GoodPractice | None = None
    activity: Activity | None = None
    support_request: SupportRequest | None = None


@dataclass(frozen=True)
class EndorsedChallenge:
    challenge: Challenge
    moves: list[Move]  # newest first, the latest MOVES_PER_CHALLENGE of the last 60 days


@dataclass(frozen=True)
class Following:
    """The records the person follows, newest follow first, each kind at most MAX_FOLLOWED."""

    challenges: list[Challenge] = field(default_factory=list)
    practices: list[GoodPractice] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    support_requests: list[SupportRequest] = field(default_factory=list)  # challenge, region

    def __bool__(self) -> bool:
        return bool(self.challenges or self.practices or self.activities or self.support_requests)


def newest_first(moves: list[Move]) -> list[Move]:
    """Moves by exact time, newest first; at the same instant, an activity's later stage first,
    then the higher record id: the same order on every reading."""
    return sorted(
        moves,
        key=lambda move: (move.at, STAGES.get(move.kind, 0), move.record_id),
        reverse=True,
    )


@dataclass(frozen=True)
class Dashboard:
    region: Region | None  # the person's organisation's region
    has_groups: bool  # an active member of some group
    endorsed: list[EndorsedChallenge]
    support_requests: list[SupportRequest]  # challenge, region and activity loaded
    following: Following
    since: datetime
    # Outcomes in review the person may review (a coordinator of their groups, or an admin),
    # waiting longest first.
    to_review: list[Outcome] = field(default_factory=list)


def member_dashboard(session: Session, person: User) -> Dashboard:
    """The signed-in person's dashboard. At most 14 queries."""
    require_signed_in(person)
    since = clock.now() - RECENT
    region = (
        session.scalar(
            select(Region)
            .join(Organisation, Organisation.region_code == Region.code)
            .where(Organisation.id == person.organisation_id)
        )
        if person.organisation_id is not None
        else None
    )
    group_ids = list(session.scalars(groups_of(person.id)))
    endorsed = (
        endorsed_challenges(session, region.code, group_ids, since)
        if region is not None and group_ids
        else []
    )
    return Dashboard(
        region=region,
        has_groups=bool(group_ids),
        endorsed=endorsed,
        support_requests=own_support_requests(session, person),
        following=followed_records(session, person),
        since=since,
        to_review=outcomes_to_review(session, person),
    )


def outcomes_to_review(session: Session, person: User) -> list[Outcome]:
    """The outcomes in review the person may review (see access.may_review), submitted
    longest ago first; one query."""
    return list(
        session.scalars(
            select(Outcome)
            .where(reviewable_by(person))
            .order_by(Outcome.submitted_at, Outcome.id)
            .limit(MAX_TO_REVIEW)
        )
    )


def endorsed_challenges(
    session: Session, region_code: str, group_ids: list[int], since: datetime
) -> list[EndorsedChallenge]:
    """The open (or addressed) challenges of these groups endorsed from the region, with what
    moved on them since `since`; those that moved last first. Six queries at most."""
    challenges = list(
        session.scalars(
            select(Challenge)
            .where(
                Challenge.group_id.in_(group_ids),
                Challenge.status.in_(OPEN_CHALLENGES),
                Challenge.id.in_(
                    select(Endorsement.challenge_id).where(Endorsement.region_code == region_code)
                ),
            )
            .options(joinedload(Challenge.group))
            .order_by(Challenge.updated_at.desc(), Challenge.id.desc())
            .limit(MAX_CHALLENGES)
        )
    )
    if not challenges:
        return []
    ids = [challenge.id for challenge in challenges]
    moves: dict[int, list[Move]] = {challenge_id: [] for challenge_id in ids}
    for challenge_id, move in _all_moves(session, ids, since):
        moves[challenge_id].append(move)
    found = []
    for challenge in challenges:
        listed = newest_first(moves[challenge.id])
        found.append(EndorsedChallenge(challenge, listed[:MOVES_PER_CHALLENGE]))
    # Those that moved last first; the others as they came (last changed first).
    found.sort(key=lambda item: item.moves[0].at.timestamp() if item.moves else 0, reverse=True)
    return found


def _all_moves(session: Session, ids: list[int], since: datetime):
    """(challenge id, Move) of everything that happened on these challenges since `since`."""
    yield from _decisions(session, ids, since)
    endorsements = session.scalars(
        select(Endorsement)
        .where(Endorsement.challenge_id.in_(ids), Endorsement.created_at >= since)
        .options(joinedload(Endorsement.region))
        .order_by(Endorsement.created_at.desc(), Endorsement.id.desc())
        .limit(MAX_MOVES)
    )
    for endorsement in endorsements:
        yield (
            endorsement.challenge_id,
            Move(endorsement.created_at, "endorsed", endorsement.id, region=endorsement.region),
        )
    practices = session.execute(
        select(GoodPractice, practice_challenges.c.challenge_id)
        .join(practice_challenges, practice_challenges.c.practice_id == GoodPractice.id)
        .where(
            practice_challenges.c.challenge_id.in_(ids),
            GoodPractice.status == PracticeStatus.PUBLISHED,
            GoodPractice.published_at >= since,
        )
        .options(joinedload(GoodPractice.region))
        .order_by(GoodPractice.published_at.desc(), GoodPractice.id.desc())
        .limit(MAX_MOVES)
    )
    for practice, challenge_id in practices:
        yield (
            challenge_id,
            Move(practice.published_at, "practice", practice.id, practice=practice),
        )
    activities = session.execute(
        select(Activity, activity_challenges.c.challenge_id)
        .join(activity_challenges, activity_challenges.c.activity_id == Activity.id)
        .where(
            activity_challenges.c.challenge_id.in_(ids),
            Activity.status != ActivityStatus.CANCELLED,
            or_(
                Activity.created_at >= since,
                Activity.started_at >= since,
                Activity.completed_at >= since,
            ),
        )
        .order_by(Activity.updated_at.desc(), Activity.id.desc())
        .limit(MAX_MOVES)
    )
    for activity, challenge_id in activities:
        for kind, at in (
            ("activity_planned", activity.created_at),
            ("activity_started", activity.started_at),
            ("activity_completed", activity.completed_at),
        ):
            if at is not None and at >= since:
                yield challenge_id, Move(at, kind, activity.id, activity=activity)
    requests = session.scalars(
        select(SupportRequest)
        .where(SupportRequest.challenge_id.in_(ids), SupportRequest.created_at >= since)
        .options(joinedload(SupportRequest.region))
        .order_by(SupportRequest.created_at.desc(), SupportRequest.id.desc())
        .limit(MAX_MOVES)
    )
    for support_request in requests:
        yield (
            support_request.challenge_id,
            Move(
                support_request.created_at,
                "support_requested",
                support_request.id,
                region=support_request.region,
                support_request=support_request,
            ),
        )


def _decisions(session: Session, ids: list[int], since: datetime):
    """The coordinators' decisions on these challenges, and the merges of others into them,
    from the audit log (as the challenge's history reads them). One query."""
    rows = session.execute(
        select(AuditEntry, Challenge)
        .join(Challenge, cast(Challenge.id, String) == AuditEntry.record_id)
        .where(
            AuditEntry.record_type == Challenge.__tablename__,
            AuditEntry.action.in_(DECISIONS),
            AuditEntry.at >= since,
            or_(
                Challenge.id.in_(ids),
                # The merge of a duplicate is recorded on the duplicate.
                and_(
                    AuditEntry.action == "challenge.merged",
                    Challenge.merged_into_id.in_(ids),
                ),
            ),
        )
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(MAX_MOVES)
    )
    wanted = set(ids)
    for entry, challenge in rows:
        if challenge.id not in wanted:
            yield (
                challenge.merged_into_id,
                Move(entry.at, "merged_here", entry.id, merged=challenge),
            )
            continue
        rank = (entry.after or {}).get("rank") if entry.action == "challenge.ranked" else None
        yield challenge.id, Move(entry.at, "decision", entry.id, action=entry.action, rank=rank)


def own_support_requests(session: Session, person: User) -> list[SupportRequest]:
    """The support requests the person sent, newest first."""
    return list(
        session.scalars(
            select(SupportRequest)
            .where(SupportRequest.requester_id == person.id)
            .options(
                joinedload(SupportRequest.challenge),
                joinedload(SupportRequest.region),
                joinedload(SupportRequest.activity),
            )
            .order_by(SupportRequest.created_at.desc(), SupportRequest.id.desc())
            .limit(MAX_REQUESTS)
        )
    )


def _followed(session: Session, person: User, model, target: str, *options, readable=None):
    """The records of one kind the person follows and may still read (`readable`, a
    condition on the record), newest follow first: one query."""
    query = select(model).join(
        Follow,
        and_(Follow.target == target, Follow.target_id == model.id, Follow.user_id == person.id),
    )
    if readable is not None and not person.is_admin:
        query = query.where(readable)
    return list(
        session.scalars(
            query.options(*options)
            .order_by(Follow.created_at.desc(), Follow.id.desc())
            .limit(MAX_FOLLOWED)
        )
    )


def followed_records(session: Session, person: User) -> Following:
    """What the person follows: one query per kind of record."""
    # Someone who left a group, or a challenge that was closed since they followed it: what
    # they may no longer read is not listed.
    groups = groups_of(person.id)
    coordinated = groups_of(person.id, role=Role.COORDINATOR)
    return Following(
        challenges=_followed(
            session,
            person,
            Challenge,
            follows.CHALLENGE,
            readable=or_(Challenge.status.in_(PUBLIC_CHALLENGES), Challenge.group_id.in_(groups)),
        ),
        practices=_followed(
            session,
            person,
            GoodPractice,
            follows.PRACTICE,
            readable=or_(
                GoodPractice.status == PracticeStatus.PUBLISHED,
                GoodPractice.author_id == person.id,
                GoodPractice.group_id.in_(coordinated),
            ),
        ),
        activities=_followed(session, person, Activity, follows.ACTIVITY),
        support_requests=_followed(
            session,
            person,
            SupportRequest,
            follows.SUPPORT_REQUEST,
            joinedload(SupportRequest.challenge),
            joinedload(SupportRequest.region),
            readable=SupportRequest.group_id.in_(groups),
        ),
    )
