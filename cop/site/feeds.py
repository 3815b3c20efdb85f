"""Atom feeds (RFC 4287) of the public outcomes: all groups', or one group's.

A feed lists the most recently changed outcomes anyone may read: the published ones and the
withdrawn ones, marked so (their title starts with "Withdrawn:" and their summary gives the
reason), so that a reader who took one learns it was withdrawn. Entries carry the published
version, never the working copy its authors may be revising. Two queries: the outcomes with
their current versions, and their groups."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree

from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from cop.db import utcnow
from cop.mail.messages import external_url
from cop.markdown import render_markdown
from cop.members.models import WorkingGroup
from cop.outcomes.access import is_public
from cop.outcomes.labels import KIND_LABELS, credit_line, credited_names
from cop.outcomes.models import LICENCES, Outcome, OutcomeStatus, outcome_groups
from cop.validation import not_text

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"
# Feed readers keep what they saw; the newest changes are what they ask for.
FEED_SIZE = 50


@dataclass(frozen=True)
class FeedVersion:
    """What a feed's conditional answer compares: its outcomes' count and newest change."""

    count: int
    changed: datetime | None

    @property
    def key(self) -> tuple:
        return (self.count, self.changed.isoformat() if self.changed else "")


def _public_outcomes(group: WorkingGroup | None):
    query = select(Outcome).where(is_public())
    if group is not None:
        query = query.where(
            Outcome.id.in_(
                select(outcome_groups.c.outcome_id).where(outcome_groups.c.group_id == group.id)
            )
        )
    return query


def feed_version(session: Session, group: WorkingGroup | None = None) -> FeedVersion:
    """One aggregate query: how many public outcomes, and when the newest changed."""
    count, changed, withdrawn = session.execute(
        _public_outcomes(group)
        .with_only_columns(
            func.count(Outcome.id),
            func.max(Outcome.public_changed_at),
            func.max(Outcome.withdrawn_at),
        )
        .order_by(None)
    ).one()
    moments = [moment for moment in (changed, withdrawn) if moment is not None]
    return FeedVersion(count=count, changed=max(moments) if moments else None)


def feed_outcomes(
    session: Session, group: WorkingGroup | None = None, limit: int = FEED_SIZE
) -> list[Outcome]:
    """The most recently changed public outcomes, with their current versions and groups."""
    return list(
        session.scalars(
            _public_outcomes(group)
            .options(joinedload(Outcome.current_version), selectinload(Outcome.groups))
            .order_by(Outcome.public_changed_at.desc(), Outcome.id.desc())
            .limit(limit)
        )
    )


def rfc3339(moment: datetime) -> str:
    """The moment in UTC to the second, as Atom, sitemaps and open data write it (a time
    without a zone is UTC); cheap enough for the sitemap's thousands of times."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _xml_text(text: str) -> str:
    """The text without the characters XML cannot hold (forms refuse them; older records or
    names may still have one, and one would break the whole feed)."""
    return "".join(char for char in text if not not_text(char))


def _add(parent: ElementTree.Element, tag: str, text: str | None = None, **attributes):
    attributes = {name: _xml_text(value) for name, value in attributes.items()}
    element = ElementTree.SubElement(parent, tag, attributes)
    if text is not None:
        element.text = _xml_text(text)
    return element


def atom_feed(
    outcomes: Sequence[Outcome],
    version: FeedVersion,
    *,
    group: WorkingGroup | None = None,
) -> bytes:
    """The feed's XML document. Call within a request (links are built on BASE_URL, text in
    the reader's language)."""
    if group is None:
        self_url = external_url("site.outcomes_feed")
        page_url = external_url("site.outcomes")
        title = _("Outcomes of the S3 Community of Practice")
        subtitle = _(
            "Lessons learnt, policy briefs, meeting reports and case studies published by the "
            "working groups of the S3 Community of Practice."
        )
    else:
        self_url = external_url("site.group_outcomes_feed", slug=group.slug)
        page_url = external_url("site.group_outcomes", slug=group.slug)
        title = _("Outcomes of %(group)s", group=group.name)
        subtitle = _("What the working group %(group)s published.", group=group.name)

    # The Atom namespace as the root's default, written as such: ElementTree's registry of
    # prefixes is global (and the sitemap's default namespace is another).
    feed = ElementTree.Element("feed", {"xmlns": ATOM, XML_LANG: str(get_locale() or "en")})
    _add(feed, "id", self_url)
    _add(feed, "title", title)
    _add(feed, "subtitle", subtitle)
    _add(feed, "updated", rfc3339(version.changed or utcnow()))
    _add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _add(feed, "link", rel="alternate", type="text/html", href=page_url)
    author = _add(feed, "author")
    _add(author, "name", _("S3 Community of Practice"))
    _add(author, "uri", external_url("site.home"))
    _add(feed, "generator", "cop", uri=external_url("site.home"))

    for outcome in outcomes:
        _entry(feed, outcome)
    ElementTree.indent(feed)
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)


def _entry(feed: ElementTree.Element, outcome: Outcome) -> None:
    version = outcome.current_version
    if version is None:  # not public: never listed (the query keeps these out)
        return
    url = external_url("outcomes.outcome", outcome_id=outcome.id)
    withdrawn = outcome.status is OutcomeStatus.WITHDRAWN
    entry = _add(feed, "entry")
    _add(entry, "id", url)
    title = version.title
    summary = version.summary
    if withdrawn:
        title = _("Withdrawn: %(title)s", title=version.title)
        summary = _("Withdrawn: %(reason)s", reason=outcome.withdraw_reason) + (
            f"\n\n{version.summary}" if version.summary else ""
        )
    _add(entry, "title", title)
    _add(entry, "link", rel="alternate", type="text/html", href=url)
    published = outcome.first_published_at or version.published_at
    updated = outcome.public_changed_at or version.published_at
    if outcome.withdrawn_at is not None and outcome.withdrawn_at > updated:
        updated = outcome.withdrawn_at
    _add(entry, "published", rfc3339(published))
    _add(entry, "updated", rfc3339(updated))
    # The authors who agreed to be listed, by name; the others counted ("2 other members").
    names = credited_names(version)
    for name in names:
        author = _add(entry, "author")
        _add(author, "name", name)
    if version.unnamed_authors:
        author = _add(entry, "author")
        count = version.unnamed_authors
        _add(author, "name", _others(count) if names else credit_line([], count))
    if summary:
        _add(entry, "summary", summary, type="text")
    _add(entry, "content", str(render_markdown(version.body)), type="html")
    _add(entry, "category", term=version.kind.value, label=str(KIND_LABELS[version.kind]))
    for group in outcome.groups:
        _add(
            entry,
            "category",
            term=group.slug,
            label=group.name,
            scheme=external_url("site.home") + "groups/",
        )
    licence_name, licence_url = LICENCES.get(version.licence, (version.licence, None))
    _add(entry, "rights", licence_name)
    if licence_url:
        # RFC 4946, the Atom License Extension.
        _add(entry, "link", rel="license", type="text/html", href=licence_url)


def _others(count: int) -> str:
    """The authors a version does not name, after those it names."""
    return ngettext("%(num)s other member", "%(num)s other members", count)
