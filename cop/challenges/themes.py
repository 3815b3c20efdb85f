"""The themes a group files its challenges and good practices under: its coordinators add,
rename, order, retire and restore them; names are one name whatever their case. Each operation
checks permission, validates, writes the audit row and flushes; the caller commits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cop import clock
from cop.audit.services import audited, record_change, snapshot
from cop.auth.permissions import require_coordinator
from cop.challenges.models import Theme
from cop.errors import Conflict, Invalid, NotFound
from cop.members.membership import find_group
from cop.members.models import WorkingGroup
from cop.validation import Problems, check_text

MAX_NAME = 200
MAX_DESCRIPTION = 2_000

THEME_FIELDS = ("name", "description", "position", "retired_at")

# The critical aspects the Innovation Diffusion group set out to work on.
INNOVATION_DIFFUSION_THEMES = (
    "The strengths and weaknesses of SMEs' adoption of new technologies",
    "Universities and RTOs failing to meet the needs of companies in their ecosystem",
    "Innovation agencies' inefficiencies in facilitating knowledge flows and coordinating with"
    " other public agencies",
    "The lack of knowledge transfer from multinationals to national companies",
    "Digitalisation",
)


def theme_key(name: str) -> str:
    """What theme names are compared by: "Digitalisation" and "digitalisation " are one name."""
    return " ".join(name.split()).casefold()


def _theme_name(name: str | None) -> str:
    """A theme's name checked, on one line with single spaces."""
    name = check_text(name, "name", MAX_NAME, required=True, refuse_control=True)
    return " ".join(name.split())


def _refuse_clash(
    session: Session, group: WorkingGroup, name: str, keep: Theme | None = None
) -> None:
    """Invalid when another theme of the group, retired ones included, has this name but for
    case and spacing (`keep`, a theme being renamed, may keep its own)."""
    key = theme_key(name)
    for other in group_themes(session, group, retired=True):
        if other is keep or theme_key(other.name) != key:
            continue
        if other.retired_at is None:
            message = _("The group already has the theme “%(name)s”.", name=other.name)
        else:
            message = _(
                "The group already has the theme “%(name)s”; it is retired, and can be restored.",
                name=other.name,
            )
        raise Invalid(message, field="name")


def _checked(
    session: Session, group: WorkingGroup, name, description, keep: Theme | None = None
) -> tuple[str, str]:
    """The theme form's name and description checked, both problems at once."""
    problems = Problems()
    name = problems.check(_theme_name, name)
    if name is not None:
        problems.check(_refuse_clash, session, group, name, keep)
    description = problems.check(
        check_text, description, "description", MAX_DESCRIPTION, refuse_control=True
    )
    problems.raise_found()
    return name, description


def group_themes(session: Session, group: WorkingGroup, *, retired: bool = False) -> list[Theme]:
    query = select(Theme).where(Theme.group_id == group.id)
    if not retired:
        query = query.where(Theme.retired_at.is_(None))
    return list(session.scalars(query.order_by(Theme.position, Theme.id)))


def add_theme(session: Session, actor, group_id: int, name: str, description: str = "") -> Theme:
    """A new theme at the end of the group's list (coordinators)."""
    group = find_group(session, group_id)
    require_coordinator(session, actor, group)
    name, description = _checked(session, group, name, description)
    last = session.scalar(select(func.max(Theme.position)).where(Theme.group_id == group.id))
    theme = Theme(group=group, name=name, description=description, position=(last or 0) + 1)
    session.add(theme)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="theme.added",
        record=theme,
        summary=f"Added the theme {name}",
        after=snapshot(theme, THEME_FIELDS),
    )
    return theme


def seed_themes(session: Session, group: WorkingGroup, names: tuple[str, ...]) -> list[Theme]:
    """Give a group its first themes (demo data, new groups), after those it has; a theme it
    has already, though renamed since in another case, is kept."""
    have = group_themes(session, group, retired=True)
    names_had = {theme_key(theme.name) for theme in have}
    last = max((theme.position for theme in have), default=0)
    added = []
    for name in names:
        if theme_key(name) not in names_had:
            last += 1
            added.append(Theme(group=group, name=name, position=last))
    session.add_all(added)
    session.flush()
    return added


def _audited(session: Session, actor, theme: Theme, action: str, summary: str):
    return audited(
        session, actor=actor, action=action, record=theme, fields=THEME_FIELDS, summary=summary
    )


def theme_to_manage(session: Session, actor, theme_id: int) -> Theme:
    """A theme its group's coordinators manage: NotFound, or NotAllowed for anyone else."""
    theme = session.get(Theme, theme_id)
    if theme is None:
        raise NotFound(_("There is no such theme."))
    require_coordinator(session, actor, theme.group)
    return theme


def retire_theme(session: Session, actor, theme_id: int, now: datetime | None = None) -> Theme:
    """Take a theme out of the choices; records filed under it keep it."""
    theme = theme_to_manage(session, actor, theme_id)
    if theme.retired_at is None:
        with _audited(session, actor, theme, "theme.retired", f"Retired the theme {theme.name}"):
            theme.retired_at = now or clock.now()
    return theme


def edit_theme(session: Session, actor, theme_id: int, name: str, description: str = "") -> Theme:
    """Rename a theme or correct its description (coordinators); what is filed under it
    follows. A theme may keep its name, or change only its case."""
    theme = theme_to_manage(session, actor, theme_id)
    name, description = _checked(session, theme.group, name, description, keep=theme)
    if (name, description) == (theme.name, theme.description):
        return theme
    with _audited(session, actor, theme, "theme.edited", f"Edited the theme {theme.name}"):
        theme.name = name
        theme.description = description
    return theme


def restore_theme(session: Session, actor, theme_id: int) -> Theme:
    """Offer a retired theme again, at the place it had in the list."""
    theme = theme_to_manage(session, actor, theme_id)
    if theme.retired_at is None:
        raise Conflict(
            _("The theme “%(name)s” is not retired: it is offered already.", name=theme.name)
        )
    with _audited(session, actor, theme, "theme.restored", f"Restored the theme {theme.name}"):
        theme.retired_at = None
    return theme


THEME_MOVES = {"up": -1, "down": 1}


def move_theme(session: Session, actor, theme_id: int, direction: str) -> Theme:
    """Move a current theme one place up or down among the current themes (retired ones keep
    their places between them). The group's themes are then numbered 1, 2, 3... again, so
    that positions stay distinct."""
    theme = theme_to_manage(session, actor, theme_id)
    step = THEME_MOVES.get(direction)
    if step is None:
        raise Invalid(_("Choose whether to move the theme up or down."), field="direction")
    if theme.retired_at is not None:
        raise Conflict(
            _("The theme “%(name)s” is retired: restore it before moving it.", name=theme.name)
        )
    # Locked (on PostgreSQL) and read afresh, so that two moves at once number the list in turn.
    themes = list(
        session.scalars(
            select(Theme)
            .where(Theme.group_id == theme.group_id)
            .order_by(Theme.position, Theme.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    current = [each for each in themes if each.retired_at is None]
    place = current.index(theme) + step
    if place < 0:
        raise Conflict(_("The theme “%(name)s” is first already.", name=theme.name))
    if place >= len(current):
        raise Conflict(_("The theme “%(name)s” is last already.", name=theme.name))
    neighbour = current[place]
    summary = f"Moved the theme {theme.name} {direction}"
    with _audited(session, actor, theme, "theme.moved", summary):
        themes.remove(theme)
        themes.insert(themes.index(neighbour) + (1 if step > 0 else 0), theme)
        for position, each in enumerate(themes, start=1):
            each.position = position
    return theme


def find_themes(
    session: Session, group: WorkingGroup, ids: list[int], keep: Iterable[Theme] = ()
) -> list[Theme]:
    """The group's current themes of these ids; themes a record already has (`keep`) may
    stay though retired since (what is filed under a theme keeps it)."""
    wanted = set(ids)
    kept = [theme for theme in keep if theme.id in wanted]
    wanted -= {theme.id for theme in kept}
    themes = list(
        session.scalars(
            select(Theme).where(
                Theme.id.in_(wanted), Theme.group_id == group.id, Theme.retired_at.is_(None)
            )
        )
    )
    if len(themes) != len(wanted):
        raise Invalid(_("Choose among the group's themes."), field="theme_ids")
    return kept + themes
