"""What outcomes do when something happens to a person's account (see cop.members.events):
closed, or no longer willing to be listed, their name leaves every published version that
named them (counted among the "other members" instead); asked for their data, the outcomes
they are an author of."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from cop.members.events import (
    DataSection,
    account_closing,
    listing_withdrawn,
    personal_data_requested,
)
from cop.members.models import User
from cop.outcomes.labels import STATUS_LABELS, credited_names
from cop.outcomes.models import Outcome, OutcomeVersion, outcome_authors


def _names_of(session: Session, person: User) -> list[str]:
    """The names the account had (now and, as its change log says, before)."""
    from cop.members.people import _former_identities  # (members does not import us)

    names, _emails = _former_identities(session, person)
    return list(dict.fromkeys(name.strip() for name in names if name and name.strip()))


def unname_author(session: Session, person: User, now: datetime) -> int:
    """Take the person's name out of every published version that named them, counting them
    among its unnamed authors; the outcomes whose current version changed say so
    (`public_changed_at`, what pages, feeds and data revalidate on). How many versions."""
    names = _names_of(session, person)
    if not names:
        return 0
    candidates = session.scalars(
        select(OutcomeVersion)
        .where(
            or_(*(OutcomeVersion.authors_text.contains(name, autoescape=True) for name in names))
        )
        .options(selectinload(OutcomeVersion.outcome))
        .order_by(OutcomeVersion.id)
    ).all()
    changed = 0
    for version in candidates:
        ids = list(version.named_author_ids or ())
        if person.id not in ids:
            continue
        credited = credited_names(version)
        position = ids.index(person.id)
        if len(credited) == len(ids):
            del credited[position]
        else:  # (a name holding ", ": take out the first of the person's names found)
            found = next((name for name in credited if name in names), None)
            if found is not None:
                credited.remove(found)
        del ids[position]
        version.authors_text = ", ".join(credited)
        version.named_author_ids = ids
        version.unnamed_authors = (version.unnamed_authors or 0) + 1
        if version.outcome.current_version_id == version.id:
            version.outcome.public_changed_at = now
        changed += 1
    session.flush()
    return changed


@account_closing.connect
@listing_withdrawn.connect
def _unname_the_author(person: User, *, session: Session, now: datetime) -> None:
    unname_author(session, person, now)


@personal_data_requested.connect
def _outcomes_of(person: User, *, session: Session) -> DataSection | None:
    outcomes = session.scalars(
        select(Outcome)
        .where(
            or_(
                Outcome.id.in_(
                    select(outcome_authors.c.outcome_id).where(
                        outcome_authors.c.user_id == person.id
                    )
                ),
                Outcome.created_by_id == person.id,
            )
        )
        .options(selectinload(Outcome.current_version))
        .order_by(Outcome.created_at, Outcome.id)
    ).all()
    if not outcomes:
        return None

    def named(outcome: Outcome) -> bool:
        version = outcome.current_version
        return version is not None and person.id in (version.named_author_ids or ())

    def yes_no(value: bool) -> str:
        return _("Yes") if value else _("No")

    return DataSection(
        key="outcomes",
        title=_("Outcomes you are an author of"),
        columns=(_("Outcome"), _("State"), _("Written on"), _("Named on its public page")),
        rows=tuple(
            (
                outcome.title,
                str(STATUS_LABELS[outcome.status]),
                outcome.created_at.date().isoformat(),
                yes_no(named(outcome)),
            )
            for outcome in outcomes
        ),
        records=tuple(
            {
                "outcome_id": outcome.id,
                "title": outcome.title,
                "status": outcome.status.value,
                "created_at": outcome.created_at.isoformat(),
                "created_by_you": outcome.created_by_id == person.id,
                "first_published_at": outcome.first_published_at.isoformat()
                if outcome.first_published_at
                else None,
                "named_publicly": named(outcome),
            }
            for outcome in outcomes
        ),
    )
