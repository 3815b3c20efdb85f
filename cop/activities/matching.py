"""Who can help with a challenge: the good practices of other regions and the people (who agreed
to be suggested) who faced the same challenge, each with the reasons it is suggested. The
practices linked to the challenge are not suggested: its page lists them already.

Scored and ranked in SQL: every reason is a row (what it suggests, its weight, what it names),
the rows of all reasons are put together with UNION ALL, summed per practice or person, ordered
and cut to the limit; then the reasons of the few suggestions kept are read. A fixed number of
queries whatever the number of practices, people, themes, endorsements or activities.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, and_, cast, func, literal, null, or_, select, true, union_all
from sqlalchemy.orm import Session, contains_eager, joinedload

from cop.activities.models import (
    Activity,
    ActivityExpert,
    ActivityOutput,
    ActivityStatus,
    OutputKind,
    activity_challenges,
)
from cop.auth.permissions import Standing, is_signed_in, standing
from cop.challenges.models import (
    OPEN_CHALLENGES,
    Challenge,
    Endorsement,
    GoodPractice,
    PracticeStatus,
    Theme,
    challenge_themes,
    practice_challenges,
    practice_themes,
)
from cop.members.models import Membership, MembershipStatus, Organisation, User

DEFAULT_LIMIT = 5
MAX_LIMIT = 50

# What each reason weighs in the ranking.
WEIGHTS = {
    "output": 3,  # a practice an activity on the challenge produced
    "endorsed_region": 2,  # a practice from a region that endorsed the challenge
    "theme": 1,  # a practice on a theme of the challenge (each theme)
    "endorsed": 3,  # a person who endorsed the challenge
    "raised": 3,  # the person who raised it
    "expert": 3,  # an expert of an activity on the challenge
    "practice_theme": 1,  # the author of a published practice on a theme of it (each theme)
}

# How each reason reads; `name` is what it names (a theme, an activity's title).
REASON_TEXTS = {
    "theme": _l("on the theme %(name)s"),
    "endorsed_region": _l("from a region that endorsed this challenge"),
    "output": _l("an output of the activity “%(name)s” on this challenge"),
    "endorsed": _l("endorsed this challenge"),
    "raised": _l("raised this challenge"),
    "practice_theme": _l("published a practice on the theme %(name)s"),
    "expert": _l("expert in the activity “%(name)s” on this challenge"),
}


@dataclass(frozen=True)
class Reason:
    """Why something is suggested: a kind of reason (a key of REASON_TEXTS) and what it names."""

    kind: str
    name: str | None = None

    @property
    def weight(self) -> int:
        return WEIGHTS[self.kind]

    def __str__(self) -> str:
        text = REASON_TEXTS[self.kind]
        return str(text) % {"name": self.name} if self.name is not None else str(text)


@dataclass(frozen=True)
class Suggested:
    """A good practice (GoodPractice, region and organisation loaded) or a person (User,
    organisation and its region loaded), with the reasons it is suggested, strongest first."""

    record: object
    score: int
    reasons: list[Reason]


@dataclass(frozen=True)
class Suggestions:
    practices: list[Suggested] = field(default_factory=list)
    # People to contact: for the group's members only, empty for anyone else.
    people: list[Suggested] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.practices or self.people)


def _reason(kind: str, name=None):
    """The columns every reason row ends with: its kind, weight and what it names."""
    return (
        literal(kind, String).label("reason"),
        literal(WEIGHTS[kind]).label("weight"),
        (cast(null(), String) if name is None else name).label("name"),
    )


def _live_activities():
    """Activities on which suggestions are based: those not cancelled."""
    return Activity.status != ActivityStatus.CANCELLED


def _linked_practices(challenge: Challenge):
    """The ids of the practices linked to the challenge (listed on its page already)."""
    return select(practice_challenges.c.practice_id).where(
        practice_challenges.c.challenge_id == challenge.id
    )


def _practice_reasons(challenge: Challenge):
    """A subquery of (practice id, reason, weight, name), one row per reason."""
    themes = (
        select(practice_themes.c.practice_id.label("id"), *_reason("theme", Theme.name))
        .join(challenge_themes, challenge_themes.c.theme_id == practice_themes.c.theme_id)
        .join(Theme, Theme.id == practice_themes.c.theme_id)
        .where(challenge_themes.c.challenge_id == challenge.id)
    )
    endorsing = select(Endorsement.region_code).where(
        Endorsement.challenge_id == challenge.id, Endorsement.region_code.is_not(None)
    )
    endorsed_region = select(GoodPractice.id.label("id"), *_reason("endorsed_region")).where(
        GoodPractice.group_id == challenge.group_id, GoodPractice.region_code.in_(endorsing)
    )
    outputs = (
        select(ActivityOutput.practice_id.label("id"), *_reason("output", Activity.title))
        .join(Activity, Activity.id == ActivityOutput.activity_id)
        .join(activity_challenges, activity_challenges.c.activity_id == Activity.id)
        .where(
            activity_challenges.c.challenge_id == challenge.id,
            ActivityOutput.kind == OutputKind.PRACTICE,
            ActivityOutput.withdrawn_at.is_(None),
            _live_activities(),
        )
    )
    return union_all(themes, endorsed_region, outputs).subquery("practice_reasons")


def _people_reasons(challenge: Challenge):
    """A subquery of (user id, reason, weight, name), one row per reason."""
    endorsed = select(Endorsement.user_id.label("id"), *_reason("endorsed")).where(
        Endorsement.challenge_id == challenge.id
    )
    raised = select(Challenge.raised_by_id.label("id"), *_reason("raised")).where(
        Challenge.id == challenge.id, Challenge.raised_by_id.is_not(None)
    )
    # Once per author and theme, however many of their practices are on it.
    practice_theme = (
        select(GoodPractice.author_id.label("id"), *_reason("practice_theme", Theme.name))
        .join(practice_themes, practice_themes.c.practice_id == GoodPractice.id)
        .join(challenge_themes, challenge_themes.c.theme_id == practice_themes.c.theme_id)
        .join(Theme, Theme.id == practice_themes.c.theme_id)
        .where(
            challenge_themes.c.challenge_id == challenge.id,
            GoodPractice.group_id == challenge.group_id,
            GoodPractice.status == PracticeStatus.PUBLISHED,
            GoodPractice.author_id.is_not(None),
        )
        .distinct()
    )
    experts = (
        select(ActivityExpert.user_id.label("id"), *_reason("expert", Activity.title))
        .join(Activity, Activity.id == ActivityExpert.activity_id)
        .join(activity_challenges, activity_challenges.c.activity_id == Activity.id)
        .where(activity_challenges.c.challenge_id == challenge.id, _live_activities())
    )
    return union_all(endorsed, raised, practice_theme, experts).subquery("people_reasons")


def _scores(reasons):
    return (
        select(reasons.c.id, func.sum(reasons.c.weight).label("score"))
        .group_by(reasons.c.id)
        .subquery("scores")
    )


def _reasons_of(session: Session, reasons, ids: list[int]) -> dict[int, list[Reason]]:
    """The reasons of the suggestions kept, strongest first, each once."""
    found: dict[int, list[Reason]] = {record_id: [] for record_id in ids}
    if not ids:
        return found
    rows = session.execute(
        select(reasons.c.id, reasons.c.reason, reasons.c.name)
        .where(reasons.c.id.in_(ids))
        .order_by(reasons.c.weight.desc(), reasons.c.reason, reasons.c.name)
    )
    for record_id, kind, name in rows:
        reason = Reason(kind, name)
        if reason not in found[record_id]:
            found[record_id].append(reason)
    return found


def _not_from(region_column, region_code: str | None):
    """Records from another region than `region_code` (or from none); all when it is None."""
    if region_code is None:
        return true()
    return or_(region_column.is_(None), region_column != region_code)


def viewer_region(session: Session, viewer) -> str | None:
    """The region of the viewer's organisation, when signed in and they have one."""
    if not is_signed_in(viewer) or viewer.organisation_id is None:
        return None
    return session.scalar(
        select(Organisation.region_code).where(Organisation.id == viewer.organisation_id)
    )


def suggest_practices(
    session: Session, challenge: Challenge, region_code: str | None, limit: int
) -> list[Suggested]:
    """The group's published practices from regions other than `region_code`, not linked to
    the challenge, best first."""
    reasons = _practice_reasons(challenge)
    scores = _scores(reasons)
    rows = session.execute(
        select(GoodPractice, scores.c.score)
        .join(scores, scores.c.id == GoodPractice.id)
        .where(
            GoodPractice.group_id == challenge.group_id,
            GoodPractice.status == PracticeStatus.PUBLISHED,
            GoodPractice.id.not_in(_linked_practices(challenge)),
            _not_from(GoodPractice.region_code, region_code),
        )
        .options(joinedload(GoodPractice.region), joinedload(GoodPractice.organisation))
        .order_by(
            scores.c.score.desc(),
            GoodPractice.published_at.desc(),
            GoodPractice.id.desc(),
        )
        .limit(limit)
    ).all()
    explained = _reasons_of(session, reasons, [practice.id for practice, _score in rows])
    return [Suggested(practice, int(score), explained[practice.id]) for practice, score in rows]


def suggest_people(
    session: Session, viewer, challenge: Challenge, region_code: str | None, limit: int
) -> list[Suggested]:
    """Active members of the group who agreed to be suggested, from regions other than
    `region_code`, not the viewer, best first."""
    reasons = _people_reasons(challenge)
    scores = _scores(reasons)
    rows = session.execute(
        select(User, scores.c.score)
        .join(scores, scores.c.id == User.id)
        .join(
            Membership,
            and_(
                Membership.user_id == User.id,
                Membership.group_id == challenge.group_id,
                Membership.status == MembershipStatus.ACTIVE,
            ),
        )
        .outerjoin(User.organisation)
        .outerjoin(Organisation.region)
        .where(
            User.contactable.is_(True),
            User.active.is_(True),
            User.closed_at.is_(None),
            User.id != viewer.id,
            _not_from(Organisation.region_code, region_code),
        )
        .options(contains_eager(User.organisation).contains_eager(Organisation.region))
        .order_by(scores.c.score.desc(), User.name, User.id)
        .limit(limit)
    ).all()
    explained = _reasons_of(session, reasons, [person.id for person, _score in rows])
    return [Suggested(person, int(score), explained[person.id]) for person, score in rows]


def suggestions_for_challenge(
    session: Session,
    viewer,
    challenge: Challenge,
    limit: int = DEFAULT_LIMIT,
    *,
    reader: Standing | None = None,
) -> Suggestions:
    """Who can help with `challenge`, as `viewer` may see it: good practices from other regions
    than theirs, and for the group's active members, people to contact (who agreed to be).

    `reader` is the viewer's standing in the challenge's group when the caller knows it
    already (one query less). A closed or merged challenge suggests nothing: nobody is looking
    for help on it any more (a merged one's page points to the one it was merged into).
    Proposed challenges, which only the group's members see, keep their suggestions. Six
    queries at most, five when `reader` is given."""
    if challenge.status not in OPEN_CHALLENGES:
        return Suggestions()
    limit = max(1, min(int(limit), MAX_LIMIT))
    region_code = viewer_region(session, viewer)
    practices = suggest_practices(session, challenge, region_code, limit)
    if reader is None:
        reader = standing(session, viewer, challenge.group)
    # Consent to be suggested is given towards the members of one's groups.
    people = (
        suggest_people(session, viewer, challenge, region_code, limit)
        if reader.member and is_signed_in(viewer)
        else []
    )
    return Suggestions(practices=practices, people=people)
