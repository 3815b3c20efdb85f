"""Domain operations on working groups (and, later, people and memberships)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from zoneinfo import available_timezones

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from cop.audit.services import record_change, snapshot
from cop.errors import Invalid, NotAllowed, NotFound
from cop.members.models import GroupLink, User, WorkingGroup

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
GROUP_FIELDS = (
    "slug",
    "name",
    "summary",
    "kickoff",
    "duration_months",
    "meetings_per_year",
    "timezone",
    "archived",
    "update_every_weeks",
)


@dataclass(frozen=True)
class GroupDetails:
    slug: str
    name: str
    kickoff: date
    summary: str = ""
    duration_months: int = 36
    meetings_per_year: int = 2
    timezone: str = "Europe/Brussels"
    links: tuple[tuple[str, str], ...] = ()  # (title, url)
    # How often the owners of the group's solutions post a progress update.
    update_every_weeks: int = 4


def validate_group(details: GroupDetails) -> None:
    if not SLUG_PATTERN.match(details.slug) or len(details.slug) > 60:
        raise Invalid(_("Use lower-case letters, digits and hyphens (at most 60)."), field="slug")
    if not details.name.strip() or len(details.name) > 200:
        raise Invalid(_("A name of 1 to 200 characters is needed."), field="name")
    if not 1 <= details.duration_months <= 120:
        raise Invalid(_("The duration is 1 to 120 months."), field="duration_months")
    if not 1 <= details.meetings_per_year <= 12:
        raise Invalid(_("A group meets 1 to 12 times a year."), field="meetings_per_year")
    if not 1 <= details.update_every_weeks <= 26:
        raise Invalid(
            _("Ask for a progress update every 1 to 26 weeks."), field="update_every_weeks"
        )
    if details.timezone not in available_timezones():
        raise Invalid(_("Choose a time zone such as Europe/Brussels."), field="timezone")
    for title, url in details.links:
        if not title.strip() or not url.startswith(("https://", "http://")):
            raise Invalid(_("Each link needs a title and an http(s) address."), field="links")


def create_group(session: Session, actor: User | None, details: GroupDetails) -> WorkingGroup:
    """Create a working group. Only admins (or the system, with no actor) may."""
    if actor is not None and not actor.is_admin:
        raise NotAllowed(_("Only site administrators create working groups."))
    validate_group(details)
    if session.scalar(select(WorkingGroup.id).where(WorkingGroup.slug == details.slug)):
        raise Invalid(_("Another group already has this address."), field="slug")
    group = WorkingGroup(
        slug=details.slug,
        name=details.name.strip(),
        summary=details.summary,
        kickoff=details.kickoff,
        duration_months=details.duration_months,
        meetings_per_year=details.meetings_per_year,
        timezone=details.timezone,
        update_every_weeks=details.update_every_weeks,
        archived=False,
        links=[
            GroupLink(position=i, title=title.strip(), url=url)
            for i, (title, url) in enumerate(details.links)
        ],
    )
    session.add(group)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="group.created",
        record=group,
        summary=f"Created working group {group.name}",
        after=snapshot(group, GROUP_FIELDS),
    )
    return group


def find_group(session: Session, slug: str) -> WorkingGroup | None:
    return session.scalar(select(WorkingGroup).where(WorkingGroup.slug == slug))


def get_public_group(session: Session, slug: str) -> WorkingGroup:
    """A group for its public page, with its links; archived groups stay readable."""
    group = session.scalar(
        select(WorkingGroup)
        .where(WorkingGroup.slug == slug)
        .options(selectinload(WorkingGroup.links))
    )
    if group is None:
        raise NotFound(_("There is no working group at this address."))
    return group


def list_active_groups(session: Session) -> list[WorkingGroup]:
    return list(
        session.scalars(
            select(WorkingGroup).where(WorkingGroup.archived.is_(False)).order_by(WorkingGroup.name)
        )
    )
