"""What a revision of a published outcome changes, for its reviewer: its text line by line
against the current version (title, summary, body), in words what else changes (its kind,
licence, authors credited) and the records, groups, themes and regions it adds or removes."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from cop.members.labels import region_label
from cop.outcomes.labels import KIND_LABELS, credit_line, credited_names
from cop.outcomes.models import LICENCES, Outcome
from cop.outcomes.services import credits, links_changed, working_links

# Unchanged lines kept around each change of the body, for its reader to find it.
CONTEXT = 2


@dataclass(frozen=True)
class DiffLine:
    """One line of a comparison: "removed" (in the current version, not in the revision),
    "added", "same" (context) or "gap" (unchanged lines left out)."""

    change: str
    text: str


@dataclass(frozen=True)
class TextChange:
    label: str  # the field: "Title", "Summary", "Text"
    lines: list[DiffLine]


@dataclass(frozen=True)
class LinkChange:
    label: str  # "Meetings", "Regions concerned" ...
    added: list[str]
    removed: list[str]


@dataclass(frozen=True)
class RevisionChanges:
    number: int  # of the current version it is compared with
    text: list[TextChange]
    other: list[str]  # kind, licence, authors: in words
    links: list[LinkChange]

    def __bool__(self) -> bool:
        return bool(self.text or self.other or self.links)


def diff_lines(before: str, after: str, context: int = CONTEXT) -> list[DiffLine]:
    """The lines of `before` removed and those of `after` added, with `context` unchanged
    lines around each change and a gap for the others; empty when they are the same."""
    old = (before or "").splitlines()
    new = (after or "").splitlines()
    if old == new:
        return []
    lines: list[DiffLine] = []
    for group in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_grouped_opcodes(context):
        if lines:
            lines.append(DiffLine("gap", ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [DiffLine("same", line) for line in old[i1:i2]]
                continue
            lines += [DiffLine("removed", line) for line in old[i1:i2]]
            lines += [DiffLine("added", line) for line in new[j1:j2]]
    return lines


def _titles(name: str, records, title) -> dict:
    """Each record's title by its key (regions by their code, others by their id)."""
    return {(record.code if name == "regions" else record.id): title(record) for record in records}


def _link_changes(current: dict, revised: dict) -> list[LinkChange]:
    kinds = (
        ("groups", _("Working groups"), lambda group: group.name),
        ("meetings", _("Meetings"), lambda meeting: meeting.title),
        ("challenges", _("Challenges"), lambda challenge: challenge.title),
        ("practices", _("Good practices"), lambda practice: practice.title),
        ("activities", _("Peer-learning activities"), lambda activity: activity.title),
        ("solutions", _("Solutions"), lambda solution: solution.title),
        ("themes", _("Themes"), lambda theme: theme.name),
        ("regions", _("Regions concerned"), region_label),
    )
    changes = []
    for name, label, title in kinds:
        before = _titles(name, current[name], title)
        after = _titles(name, revised[name], title)
        added = [after[key] for key in after if key not in before]
        removed = [before[key] for key in before if key not in after]
        if added or removed:
            changes.append(LinkChange(str(label), added, removed))
    return changes


def revision_changes(session: Session, outcome: Outcome) -> RevisionChanges | None:
    """What the working copy of a public outcome changes against its current version; None
    for an outcome never published (all of it is new). A few queries when links are pending
    (one per kind of record the revision names)."""
    version = outcome.current_version
    if version is None:
        return None
    text = [
        TextChange(str(label), lines)
        for label, before, after in (
            (_("Title"), version.title, outcome.title),
            (_("Summary"), version.summary, outcome.summary),
            (_("Text"), version.body, outcome.body),
        )
        if (lines := diff_lines(before, after))
    ]
    other = []
    if outcome.kind is not version.kind:
        other.append(
            _(
                "Kind: %(before)s, now %(after)s.",
                before=KIND_LABELS[version.kind],
                after=KIND_LABELS[outcome.kind],
            )
        )
    if outcome.licence != version.licence:
        other.append(
            _(
                "Licence: %(before)s, now %(after)s.",
                before=LICENCES.get(version.licence, (version.licence,))[0],
                after=LICENCES.get(outcome.licence, (outcome.licence,))[0],
            )
        )
    named, unnamed = credits(outcome.authors)
    before_credit = credit_line(credited_names(version), version.unnamed_authors or 0)
    after_credit = credit_line([user.name for user in named], unnamed)
    if [user.id for user in named] != list(version.named_author_ids or ()) or (
        unnamed != (version.unnamed_authors or 0)
    ):
        other.append(
            _(
                "Authors credited: %(before)s, now %(after)s.",
                before=before_credit,
                after=after_credit,
            )
        )
    links: list[LinkChange] = []
    if links_changed(outcome):
        current = {
            name: list(getattr(outcome, name))
            for name in (
                "groups",
                "meetings",
                "challenges",
                "practices",
                "activities",
                "solutions",
                "themes",
                "regions",
            )
        }
        links = _link_changes(current, working_links(session, outcome))
    return RevisionChanges(number=version.number, text=text, other=other, links=links)
