"""Starting a meeting report from a held meeting: a draft outcome in the meeting's group,
linked to it, whose Markdown body gathers the meeting's public agenda, its attendance by
helix and by country (people counted, never named), its public materials and its public
minutes. Its author edits it before submitting it for review like any outcome.

Who may start one: any active member of the meeting's group (and admins), as anyone who may
write an outcome in the group; once per meeting (a second one is refused while the first is
not withdrawn: its authors complete that one). What the draft copies is only what the
meeting already shows the public: a members-only agenda or minutes and members-only
materials are left out with a note, so that publishing the report never publishes what the
group kept to itself; never its online link. The regions it concerns are those of the
people who attended (a meeting records no region of its own: its venue is a free text)."""

from __future__ import annotations

from collections import Counter
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from markdown_it import MarkdownIt
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, selectinload

from cop import clock
from cop.auth.permissions import require_member, require_signed_in
from cop.errors import Conflict, NotFound
from cop.mail.messages import external_url
from cop.meetings.labels import MEETING_KIND_LABELS
from cop.meetings.models import (
    Material,
    MaterialKind,
    Meeting,
    MeetingFormat,
    MeetingStatus,
    Registration,
    RegistrationStatus,
    Visibility,
)
from cop.meetings.pages import agenda_time, meeting_day
from cop.meetings.times import day_label
from cop.members.labels import helix_label, localized_country_name
from cop.members.models import Helix, Organisation, Region, User
from cop.outcomes.access import readable_by
from cop.outcomes.models import Outcome, OutcomeKind, OutcomeStatus
from cop.outcomes.services import MAX_SUMMARY, MAX_TITLE, OutcomeDetails, create_outcome


class ReportExists(Conflict):
    """The meeting has a report already (not withdrawn): `report`."""

    def __init__(self, report: Outcome) -> None:
        super().__init__(report_exists())
        self.report = report


def report_exists() -> str:
    return _("A report of this meeting exists already: here it is.")


def existing_report(session: Session, meeting: Meeting) -> Outcome | None:
    """The meeting's report started already and not withdrawn (the first one), if any."""
    return session.scalar(
        select(Outcome)
        .where(Outcome.from_meeting_id == meeting.id, Outcome.status != OutcomeStatus.WITHDRAWN)
        .order_by(Outcome.id)
        .limit(1)
    )


def reader_report(meeting: Meeting) -> Outcome | None:
    """The meeting's report for the person reading the page (the template global
    `meeting_report(meeting)` of the meeting page): see report_of."""
    from flask_login import current_user

    from cop.db import get_session

    return report_of(get_session(), current_user, meeting)


def report_of(session: Session, reader, meeting: Meeting) -> Outcome | None:
    """The meeting's report the reader may read (members of its groups: a draft too; the
    public: a published one), not withdrawn; one query."""
    return session.scalar(
        select(Outcome)
        .where(
            Outcome.from_meeting_id == meeting.id,
            Outcome.status != OutcomeStatus.WITHDRAWN,
            readable_by(reader),
        )
        .order_by(Outcome.id)
        .limit(1)
    )


def is_held(meeting: Meeting, now=None) -> bool:
    """Published, not cancelled, and over."""
    now = now or clock.now()
    return (
        meeting.published_at is not None
        and meeting.status is MeetingStatus.PUBLISHED
        and meeting.ends_at <= now
    )


def _text(value: str) -> str:
    """A typed value on one line of Markdown: brackets and stars read as text."""
    value = " ".join((value or "").split())
    for char in "\\`*_[]<>#|":
        value = value.replace(char, "\\" + char)
    return value


def _attended(session: Session, meeting: Meeting) -> tuple[Counter, Counter, set[str]]:
    """People checked in at the meeting, by helix and by country, and their regions (a
    member's are their organisation's; a guest's the region they gave); one query."""
    guest_region = aliased(Region)
    region_code = func.coalesce(Organisation.region_code, Registration.region_code)
    country = func.coalesce(Region.country_code, guest_region.country_code)
    rows = session.execute(
        select(Organisation.helix, country, region_code, func.count(Registration.id))
        .select_from(Registration)
        .outerjoin(User, Registration.user_id == User.id)
        .outerjoin(Organisation, User.organisation_id == Organisation.id)
        .outerjoin(Region, Organisation.region_code == Region.code)
        .outerjoin(guest_region, Registration.region_code == guest_region.code)
        .where(
            Registration.meeting_id == meeting.id,
            Registration.attended_at.is_not(None),
            Registration.status != RegistrationStatus.CANCELLED,
        )
        .group_by(Organisation.helix, country, region_code)
    ).all()
    helices: Counter = Counter()
    countries: Counter = Counter()
    regions: set[str] = set()
    for helix, country_code, code, count in rows:
        helices[helix] += count
        countries[country_code] += count
        if code:
            regions.add(code)
    return helices, countries, regions


_headings = MarkdownIt("commonmark")


def nested_minutes(minutes: str, meeting_title: str, level: int = 3) -> str:
    """The minutes' Markdown to sit under the report's "## Minutes": a leading heading that
    only repeats the meeting's title (or says "Minutes") dropped, the other headings moved
    down so that the highest is `level` (### by default). Setext headings become ATX ones;
    headings inside lists, quotes or code are left as they are."""
    lines = minutes.strip().splitlines()
    tokens = _headings.parse("\n".join(lines))
    headings = [
        (token, " ".join(tokens[index + 1].content.split()))
        for index, token in enumerate(tokens)
        if token.type == "heading_open" and token.level == 0 and token.map
    ]
    drop: set[int] = set()
    if headings:
        token, text = headings[0]
        first_thing = not any(line.strip() for line in lines[: token.map[0]])
        if first_thing and _repeats_title(text, meeting_title):
            drop.update(range(*token.map))
            headings = headings[1:]
    highest = min((int(token.tag[1]) for token, _text in headings), default=level)
    shift = max(0, level - highest)
    for token, text in headings:
        start, end = token.map
        lines[start] = "#" * min(int(token.tag[1]) + shift, 6) + " " + text
        drop.update(range(start + 1, end))  # a setext heading's other lines
    return "\n".join(line for number, line in enumerate(lines) if number not in drop).strip()


def _repeats_title(heading: str, title: str) -> bool:
    """Whether a heading says nothing but the meeting's title ("Minutes", "Minutes of …")."""
    filler = {"minutes", "of", "the", *_words(_("Minutes"))}
    said = [word for word in _words(heading) if word not in filler]
    return not said or said == [word for word in _words(title) if word not in filler]


def _words(text: str) -> list[str]:
    return "".join(char if char.isalnum() else " " for char in text.casefold()).split()


def _table(heading: str, rows: list[tuple[str, int]]) -> list[str]:
    lines = [f"| {heading} | {_('People')} |", "| --- | ---: |"]
    lines.extend(f"| {_text(label)} | {count} |" for label, count in rows)
    return lines


def report_body(meeting: Meeting, helices: Counter, countries: Counter) -> str:
    """The draft's Markdown: a note to its authors, then the meeting, its agenda, attendance,
    materials and minutes, as far as they are public."""
    zone = meeting.timezone
    local_start = meeting.starts_at.astimezone(ZoneInfo(zone))
    multi_day = local_start.date() != meeting.ends_at.astimezone(ZoneInfo(zone)).date()
    lines = [
        "> "
        + _(
            "Note for the authors: this draft was written from the meeting's records. It"
            " copies only what the meeting's page shows the public. Check it, complete it and"
            " remove this note before submitting it for review."
        ),
        "",
        "## " + _("The meeting"),
        "",
        _held(meeting, multi_day),
        "",
    ]
    place = _place(meeting)
    if place:
        lines += [place, ""]
    lines += ["## " + _("Agenda"), ""]
    if meeting.agenda_visibility is Visibility.PUBLIC and meeting.agenda_items:
        lines += [_("Times are in %(zone)s.", zone=zone), ""]
        for item in meeting.agenda_items:
            line = f"- **{agenda_time(item.starts_at, meeting, multi_day)}** {_text(item.title)}"
            if item.speakers:
                line += " — " + _text(item.speakers)
            lines.append(line)
    elif meeting.agenda_items:
        lines.append(
            _("The agenda is shared with the group's members only: it is not copied here.")
        )
    else:
        lines.append(_("The meeting has no agenda on record."))
    lines += ["", "## " + _("Attendance"), ""]
    total = sum(helices.values())
    if total:
        lines += [
            _("%(num)s people attended (people checked in at the meeting).", num=total),
            "",
        ]
        helix_rows = [(helix_label(helix), helices[helix]) for helix in Helix if helices[helix]]
        if helices.get(None):
            helix_rows.append((helix_label(None), helices[None]))
        lines += _table(_("Helix"), helix_rows)
        lines.append("")
        country_rows = sorted(
            countries.items(), key=lambda row: (-row[1], row[0] is None, row[0] or "")
        )
        lines += _table(
            _("Country"),
            [
                (localized_country_name(code) if code else _("Not stated"), count)
                for code, count in country_rows
            ],
        )
    else:
        lines.append(_("Nobody was checked in at this meeting."))
    lines += ["", "## " + _("Materials"), ""]
    materials = [
        material
        for material in meeting.materials
        if material.withdrawn_at is None and material.visibility is Visibility.PUBLIC
    ]
    for material in materials:
        lines.append(f"- [{_text(material.title)}]({_address(material)})")
    if not materials:
        lines.append(_("The meeting has no public material."))
    lines += ["", "## " + _("Minutes"), ""]
    if meeting.minutes.strip() and meeting.minutes_visibility is Visibility.PUBLIC:
        lines.append(nested_minutes(meeting.minutes, meeting.title))
    elif meeting.minutes.strip():
        lines.append(
            _(
                "The minutes are shared with the group's members only: they are not copied"
                " here. Write here what of them may be published."
            )
        )
    else:
        lines.append(_("The meeting has no minutes on record."))
    return "\n".join(lines).strip() + "\n"


def _held(meeting: Meeting, multi_day: bool) -> str:
    """ "Plenary of Innovation Diffusion, held on 3 March 2026." (from … to … over days)."""
    kind = MEETING_KIND_LABELS[meeting.kind]
    group = _text(meeting.group.name)
    if multi_day:
        return _(
            "%(kind)s of %(group)s, held from %(start)s to %(end)s.",
            kind=kind,
            group=group,
            start=meeting_day(meeting),
            end=day_label(meeting.ends_at, meeting.timezone),
        )
    return _(
        "%(kind)s of %(group)s, held on %(day)s.", kind=kind, group=group, day=meeting_day(meeting)
    )


def _place(meeting: Meeting) -> str:
    """Where it was held: its venue and address (in person or hybrid), or that it was online;
    never its online link."""
    venue = _text(meeting.venue)
    address = _text(
        ", ".join(line.strip() for line in meeting.address.splitlines() if line.strip())
    )
    where = ", ".join(part for part in (venue, address) if part)
    if meeting.format is MeetingFormat.ONLINE:
        return _("It was held online.")
    if not where:
        return (
            _("It was held online and in person.") if meeting.format is MeetingFormat.HYBRID else ""
        )
    if meeting.format is MeetingFormat.HYBRID:
        return _("It was held at %(place)s, and online.", place=where)
    return _("It was held at %(place)s.", place=where)


def _address(material: Material) -> str:
    if material.kind is MaterialKind.FILE:
        url = external_url("meetings.material_file", material_id=material.id)
    else:
        url = material.url
    return url.replace(" ", "%20").replace(")", "%29").replace("(", "%28")


def meeting_to_report(session: Session, actor, meeting_id: int) -> Meeting:
    """A held meeting (published, not cancelled, over) whose report the person may start (an
    active member of its group), with its agenda and materials loaded."""
    require_signed_in(actor)
    meeting = session.scalar(
        select(Meeting)
        .where(Meeting.id == meeting_id)
        .options(selectinload(Meeting.agenda_items), selectinload(Meeting.materials))
    )
    if meeting is None or meeting.published_at is None:
        raise NotFound(_("There is no such meeting."))
    require_member(session, actor, meeting.group)
    if not is_held(meeting):
        raise Conflict(
            _("This meeting was cancelled: there is nothing to report.")
            if meeting.status is MeetingStatus.CANCELLED
            else _("A report is written once the meeting is held: this one is still to come.")
        )
    return meeting


def draft_meeting_report(session: Session, actor, meeting) -> Outcome:
    """An active member of the group of a held meeting (published, not cancelled, over)
    starts its report: a draft meeting report linked to it, in its group, by them."""
    meeting = meeting_to_report(
        session, actor, meeting.id if isinstance(meeting, Meeting) else meeting
    )
    # One report per meeting: two members pressing the button at once wait for each other
    # here (the meeting's row is locked), and the second is sent to the first's report.
    session.execute(select(Meeting.id).where(Meeting.id == meeting.id).with_for_update())
    if existing := existing_report(session, meeting):
        raise ReportExists(existing)
    helices, countries, regions = _attended(session, meeting)
    title = _("Report: %(title)s", title=meeting.title)[:MAX_TITLE]
    summary = _(
        "What happened at “%(title)s” (%(group)s, %(day)s): its agenda, who took part and"
        " what it produced.",
        title=meeting.title,
        group=meeting.group.name,
        day=meeting_day(meeting),
    )[:MAX_SUMMARY]
    outcome = create_outcome(
        session,
        actor,
        OutcomeDetails(
            kind=OutcomeKind.MEETING_REPORT,
            title=title,
            summary=summary,
            body=report_body(meeting, helices, countries),
            group_ids=[meeting.group_id],
            author_ids=[actor.id],
            meeting_ids=[meeting.id],
            region_codes=sorted(regions),
        ),
    )
    outcome.from_meeting_id = meeting.id
    session.flush()
    return outcome
