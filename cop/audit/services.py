"""Writing and reading the change log. Services call `record_change` in their own transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import Enum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from cop.audit.models import AuditEntry
from cop.db import utcnow


def _plain(value: Any) -> Any:
    """Make a value JSON-friendly for the before/after summaries."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value


def snapshot(record: Any, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The named fields of a record, ready to be stored as a before or after summary."""
    return {name: _plain(getattr(record, name)) for name in fields}


def record_change(
    session: Session,
    *,
    actor: Any | None,
    action: str,
    record: Any,
    summary: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit row for `record` to the session; the caller's commit makes it permanent."""
    if getattr(record, "id", None) is None:
        session.flush()
    changed_before, changed_after = before, after
    if before is not None and after is not None:
        # Keep only the fields that changed, so the log reads as a diff.
        keys = [k for k in after if before.get(k) != after.get(k)]
        changed_before = {k: before.get(k) for k in keys}
        changed_after = {k: after[k] for k in keys}
    entry = AuditEntry(
        at=utcnow(),
        actor_id=getattr(actor, "id", None),
        action=action,
        record_type=type(record).__tablename__,
        record_id=str(record.id),
        summary=summary[:500],
        before=_plain(changed_before),
        after=_plain(changed_after),
    )
    session.add(entry)
    return entry


@contextmanager
def audited(
    session: Session,
    *,
    actor: Any | None,
    action: str,
    record: Any,
    fields: tuple[str, ...] | list[str],
    summary: str = "",
    noted: dict[str, Any] | None = None,
) -> Iterator[None]:
    """Record the change made to `record`'s `fields` inside the block, as one audit row;
    `noted` adds to its after side what a page reads back of the change.

    with audited(session, actor=actor, action="group.archived", record=group, fields=F):
        group.archived = True
    """
    before = snapshot(record, fields)
    yield
    session.flush()
    record_change(
        session,
        actor=actor,
        action=action,
        record=record,
        summary=summary,
        before=before,
        after={**snapshot(record, fields), **(noted or {})},
    )


@dataclass(frozen=True)
class AuditFilters:
    record_type: str | None = None
    action: str | None = None
    actor_id: int | None = None
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    page: int
    pages: int
    total: int


def list_changes(
    session: Session, filters: AuditFilters, page: int = 1, per_page: int = 50
) -> AuditPage:
    """The newest changes first, filtered; one query for the rows and one for the count."""
    query = select(AuditEntry)
    if filters.record_type:
        query = query.where(AuditEntry.record_type == filters.record_type)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.actor_id is not None:
        query = query.where(AuditEntry.actor_id == filters.actor_id)
    if filters.since:
        query = query.where(AuditEntry.at >= datetime.combine(filters.since, time(), UTC))
    if filters.until:
        end = datetime.combine(filters.until, time.max, UTC)
        query = query.where(AuditEntry.at <= end)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    entries = session.scalars(
        query.options(joinedload(AuditEntry.actor))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return AuditPage(entries=list(entries), page=page, pages=pages, total=total)


def filter_choices(session: Session) -> tuple[list[str], list[str]]:
    """The record types and actions that occur in the log, for the filter form."""
    types = session.scalars(
        select(AuditEntry.record_type).distinct().order_by(AuditEntry.record_type)
    )
    actions = session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    return list(types), list(actions)
