"""What a group's page shows of its challenges and good practices: the challenges ranked first
and the newest published practices, as anyone may read them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from cop.challenges.models import Challenge, GoodPractice, PracticeStatus
from cop.challenges.search import PUBLIC_CHALLENGES
from cop.members.models import WorkingGroup

# How many of each the group page shows.
SHOWN = 5


@dataclass(frozen=True)
class GroupHighlights:
    challenges: list[Challenge]  # ranked first, in the agreed order; then the newest accepted
    practices: list[GoodPractice]  # the newest published


def group_highlights(session: Session, group: WorkingGroup) -> GroupHighlights:
    """The public view for every reader: the group page is the group's shop window, and its
    members find everything else on the sections' own pages. Two queries."""
    challenges = session.scalars(
        select(Challenge)
        .where(Challenge.group_id == group.id, Challenge.status.in_(PUBLIC_CHALLENGES))
        .order_by(
            Challenge.priority.is_(None),
            Challenge.priority,
            Challenge.created_at.desc(),
            Challenge.id.desc(),
        )
        .limit(SHOWN)
    ).all()
    practices = session.scalars(
        select(GoodPractice)
        .where(GoodPractice.group_id == group.id, GoodPractice.status == PracticeStatus.PUBLISHED)
        .options(joinedload(GoodPractice.region))
        .order_by(
            func.coalesce(GoodPractice.published_at, GoodPractice.created_at).desc(),
            GoodPractice.id.desc(),
        )
        .limit(SHOWN)
    ).all()
    return GroupHighlights(challenges=list(challenges), practices=list(practices))
