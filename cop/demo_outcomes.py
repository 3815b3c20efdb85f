"""Demo outcomes: what the working groups published of what they learnt, above all for the S3
enabling condition. Innovation Diffusion's lessons learnt on first-time technology adoption
(drawn from its second plenary and two of its solutions; published, then revised once, so its
history shows two versions), the report of its fifth plenary, a policy brief spanning all three
groups ("How to enhance the fulfilment of the S3 enabling condition: lessons learnt from the
working groups"), a case study in review, a draft, and a brief withdrawn with its reason.

Like the rest of the demo, loading is idempotent (outcomes are found by title) and writes
history, not news: no email, no notification. The records are written directly but keep the
rules the services enforce: authors are active members of one of the outcome's groups; a
coordinator of one of its groups (or an admin) who is not one of its authors approved each
published version; the linked records belong to its groups and are public; its regions are
those of the records it draws on (solutions' deploying regions, practices' regions,
challenges' regions, activities' host and participating regions; a meeting report's, its
attendees' organisations' regions). Each step is audited at the day it happened, and the
authors follow their outcome.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from cop.activities.models import Activity
from cop.challenges.models import Challenge, GoodPractice, PracticeStatus, Theme
from cop.challenges.search import PUBLIC_CHALLENGES
from cop.demo_challenges import BOTTLENECKS, ENTRY_POINT, PROCUREMENT, VOUCHERS, WORKERS
from cop.demo_context import DemoContext, When
from cop.mail import follows
from cop.meetings.models import Meeting, MeetingKind, Registration, Visibility
from cop.members.models import Helix, Organisation, Region, User, WorkingGroup
from cop.outcomes.models import (
    DEFAULT_LICENCE,
    Outcome,
    OutcomeKind,
    OutcomeStatus,
    OutcomeVersion,
)
from cop.outcomes.services import credit_authors
from cop.solutions.models import Solution

K = OutcomeKind
DIFFUSION, TRANSITION, COOPERATION = (
    "innovation-diffusion",
    "industrial-transition",
    "interregional-cooperation",
)
ADMIN = "admin"  # admin@example.org: reviews what the coordinator wrote

# The fields of an outcome its audit rows show.
OUTCOME_FIELDS = ("kind", "title", "summary", "licence", "status")

HELIX_NAMES = {
    Helix.PUBLIC_AUTHORITY: "Public authorities",
    Helix.ACADEMIA_RESEARCH: "Academia and research",
    Helix.BUSINESS: "Business",
    Helix.CIVIL_SOCIETY: "Civil society",
}


@dataclass(frozen=True)
class DemoText:
    """What a version says: the working copy's text when it was approved."""

    summary: str
    body: str
    title: str = ""  # the outcome's title unless it changed


@dataclass(frozen=True)
class DemoVersion:
    """A published version: approved on day `published` by `approver` (an email local part)."""

    published: When
    approver: str
    text: DemoText | None = None  # None: the outcome's own summary and body
    change_note: str = ""


@dataclass(frozen=True)
class DemoOutcome:
    """An outcome as its authors wrote it and its reviewers published it.

    `summary` and `body` are the working copy (the last version's text when published). The
    linked records are named by title (`meeting_slot` a plenary of the first group), themes
    by name. `submitted` is the day it was last sent to review (an outcome in review, or the
    last version's); `withdrawn` the day and the reason. People are email local parts; the
    first author wrote it."""

    title: str
    kind: OutcomeKind
    groups: tuple[str, ...]
    authors: tuple[str, ...]
    summary: str
    body: str
    created: When
    meeting_slot: int | None = None
    from_meeting: bool = False
    challenges: tuple[str, ...] = ()
    practices: tuple[str, ...] = ()
    activities: tuple[str, ...] = ()
    solutions: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()  # named by the authors, besides the linked records' ones
    submitted: When | None = None
    versions: tuple[DemoVersion, ...] = ()
    withdrawn: tuple[When, str] | None = None
    licence: str = DEFAULT_LICENCE

    @property
    def status(self) -> OutcomeStatus:
        if self.withdrawn is not None:
            return OutcomeStatus.WITHDRAWN
        if self.versions:
            return OutcomeStatus.PUBLISHED
        return OutcomeStatus.IN_REVIEW if self.submitted is not None else OutcomeStatus.DRAFT


FIRST_TIME_TITLE = "Reaching first-time adopters: lessons learnt from vouchers and SME desks"
FIRST_TIME_V1 = DemoText(
    summary=(
        "Regions that want new technologies to spread beyond their frontrunners must reach the "
        "companies that never worked with a coach, a voucher or a research institute. What two "
        "of the group's solutions and its second plenary meeting taught about reaching them."
    ),
    body="""\
## Why first-time adopters

At the group's second plenary meeting, on SMEs' adoption of new technologies, regions
agreed on one finding: **innovation support reaches the same few companies again and
again**. Vouchers, advisory services and research collaborations go to firms that already
know how to apply for them. The firms that would gain most never apply.

## What the regions tried

- **First-time innovation vouchers with a coach** (Emilia-Romagna and Lower Austria): a
  separate track for companies that never had a voucher, with a short application and a
  coach from the idea to the final report.
- **One SME desk for the research institutes** (the Basque Country and Małopolska): one
  address in front of several institutes, one person who answers within a week, and an
  agreement on who follows up.

## Lessons learnt

1. *A coach matters more than a larger voucher.* First-time users stall on the first
   project, not on its budget.
2. *One door, one answer within a week.* Companies that wait three weeks for a first
   answer do not ask again.
3. *Measure who is new.* Count the share of support going to companies that had it before,
   not only the number of companies supported.
""",
)
FIRST_TIME_V2 = DemoText(
    summary=(
        "Regions that want new technologies to spread beyond their frontrunners must reach the "
        "companies that never worked with a coach, a voucher or a research institute. What two "
        "of the group's solutions and its second plenary meeting taught about reaching them, "
        "with a year of figures from the regions that deployed them."
    ),
    body=FIRST_TIME_V1.body
    + """
## A year on: the figures

- In Lower Austria and Emilia-Romagna, **companies with their first innovation voucher**
  rose month after month once the first-time track opened; the share of vouchers going to
  companies that had one before fell in Emilia-Romagna.
- The Basque desk now gives a company its **first answer within five days** on average
  (three weeks before), and more than a dozen joint projects started through it.
- When two of Lower Austria's six coaches left, applications waited: a first-time track
  needs **a reserve of coaches**, shared between regions if need be.

## What a region can do next

Start with the measure (who is new?), then open one door with a promise of a quick answer,
and only then add money. Both solutions' indicators are published with their measurements,
region by region.
""",
)

MEETING_REPORT_TITLE = "Report: Fifth plenary meeting: knowledge transfer from multinationals"

ENABLING_CONDITION_TITLE = (
    "How to enhance the fulfilment of the S3 enabling condition: lessons learnt from the "
    "working groups"
)

CASE_STUDY_TITLE = "Case study: Emilia-Romagna's first-time track in its innovation vouchers"
DRAFT_TITLE = "Measuring innovation diffusion the same way in two regions"
WITHDRAWN_TITLE = "Policy brief: reserving public pilot contracts for start-ups"

DEMO_OUTCOMES = (
    DemoOutcome(
        title=FIRST_TIME_TITLE,
        kind=K.LESSONS_LEARNT,
        groups=(DIFFUSION,),
        authors=("giulia.rossi", "marco.bianchi", "hannah.schmid"),
        summary=FIRST_TIME_V2.summary,
        body=FIRST_TIME_V2.body,
        created=-130,
        meeting_slot=2,
        challenges=(VOUCHERS, ENTRY_POINT),
        practices=(
            "Digitalisation vouchers with a year of coaching",
            "One SME desk for all the region's research institutes",
        ),
        activities=("Peer review of Emilia-Romagna's innovation vouchers",),
        solutions=(
            "First-time innovation vouchers with a coach",
            "One SME desk shared by the region's research institutes",
        ),
        themes=(
            "The strengths and weaknesses of SMEs' adoption of new technologies",
            "Universities and RTOs failing to meet the needs of companies in their ecosystem",
        ),
        submitted=-25,
        versions=(
            DemoVersion(-100, "coordinator", FIRST_TIME_V1),
            DemoVersion(
                -20,
                "coordinator",
                change_note="Added a year of the solutions' figures and what a region can do next.",
            ),
        ),
    ),
    DemoOutcome(
        title=MEETING_REPORT_TITLE,
        kind=K.MEETING_REPORT,
        groups=(DIFFUSION,),
        authors=("joao.costa",),
        summary=(
            "The fifth plenary meeting, in Porto, on how national companies can learn from the "
            "multinationals they supply: its programme, who took part by helix and by country, "
            "and what the regions agreed to do next."
        ),
        body="",  # written from the meeting's records when loaded (see _meeting_report_body)
        created=-400,
        meeting_slot=5,
        from_meeting=True,
        challenges=("National suppliers do not learn from the multinationals they supply",),
        themes=("The lack of knowledge transfer from multinationals to national companies",),
        submitted=-385,
        versions=(DemoVersion(-380, "coordinator"),),
    ),
    DemoOutcome(
        title=ENABLING_CONDITION_TITLE,
        kind=K.POLICY_BRIEF,
        groups=(DIFFUSION, TRANSITION, COOPERATION),
        authors=("coordinator", "ana.ferreira"),
        summary=(
            "The first criterion of the S3 enabling condition asks every region for an up-to-date "
            "analysis of the bottlenecks to innovation diffusion, including digitalisation. What "
            "the three working groups learnt about doing it well, and keeping it up to date."
        ),
        body="""\
## The enabling condition, in short

Regions programming Cohesion Policy funds for research and innovation must fulfil the
enabling condition of *good governance of the national or regional smart specialisation
strategy*. Its **first criterion** asks for an up-to-date analysis of challenges for
innovation diffusion, **including digitalisation**.

Many regions wrote that analysis once, for the programme, and never updated it. The three
working groups compared how their regions do it.

## Lessons learnt

### From Innovation Diffusion
- Use a **shared template**: regions that used the group's template compared their
  bottlenecks with others' and found partners with the same ones.
- Update it **every two years**, with a small regional team and the data sources already
  at hand (surveys of technology adoption, voucher records, statistics offices).
- Where firm-level data cannot be shared, aggregated data still show where diffusion stops.

### From Industrial Transition
- The regions most affected by the transition need the analysis **by sector and by
  workforce**: the bottleneck is often skills, not technology.

### From Interregional Cooperation
- An analysis shared in a common format is the first step to **joint investment projects**
  with regions facing the same bottlenecks.

## Recommendations

1. Publish the analysis and its data sources, and say when it will next be updated.
2. Name the bottlenecks in terms of who does not adopt what, and why.
3. Link each bottleneck to the measures of the strategy that address it, and to good
   practices from other regions.
4. Monitor a few shared indicators of diffusion, so that progress can be compared.

Every region's page on this site gathers its challenges, the practices from elsewhere that
address them and the solutions' evidence: a starting point for its own analysis.
""",
        created=-60,
        challenges=(BOTTLENECKS, WORKERS),
        practices=("A bottleneck analysis a regional team can update every two years",),
        solutions=(
            "A shared template for the regional bottleneck analysis",
            "Skills passports for workers moving into new industries",
        ),
        themes=("Digitalisation",),
        submitted=-15,
        versions=(DemoVersion(-10, ADMIN),),
    ),
    DemoOutcome(
        title=CASE_STUDY_TITLE,
        kind=K.CASE_STUDY,
        groups=(DIFFUSION,),
        authors=("marco.bianchi",),
        summary=(
            "How Emilia-Romagna opened its innovation vouchers to companies that never had one, "
            "and what the first call showed."
        ),
        body="""\
## The region

Emilia-Romagna's vouchers were popular, but two in three went to companies that had one
before.

## What changed

A first-time track with a short form and a coach for each company's first project.

## First results

More first-time applicants in every month of the first call; the evaluation is due soon.
""",
        created=-30,
        solutions=("First-time innovation vouchers with a coach",),
        submitted=-3,
    ),
    DemoOutcome(
        title=DRAFT_TITLE,
        kind=K.LESSONS_LEARNT,
        groups=(DIFFUSION,),
        authors=("aino.virtanen",),
        summary="What Helsinki-Uusimaa and Stockholm learnt from collecting the same indicators.",
        body="## Notes\n\n- Survey response rates fell once it went online: why?\n",
        created=-8,
        solutions=("Shared indicators of innovation diffusion",),
    ),
    DemoOutcome(
        title=WITHDRAWN_TITLE,
        kind=K.POLICY_BRIEF,
        groups=(DIFFUSION,),
        authors=("camille.laurent", "laia.puig"),
        summary=(
            "Why regional buyers should reserve pilot contracts for start-ups and SMEs, with a "
            "shorter procedure and model documents."
        ),
        body="""\
## The problem

Start-ups rarely win public contracts: procedures are long and ask for references they
do not have yet.

## Recommendation

Reserve small **pilot contracts** for start-ups and SMEs, with model documents and a
shorter procedure.
""",
        created=-330,
        challenges=(PROCUREMENT,),
        solutions=("Pilots of public procurement of innovation for start-ups",),
        submitted=-300,
        versions=(DemoVersion(-290, "coordinator"),),
        withdrawn=(
            -95,
            "The national procurement reform opened the same pilots to every region: the brief's "
            "recommendations to regional buyers no longer apply.",
        ),
    ),
)


@dataclass
class _Links:
    """The records an outcome draws on, found in its groups."""

    meeting: Meeting | None = None
    challenges: list[Challenge] = field(default_factory=list)
    practices: list[GoodPractice] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    solutions: list[Solution] = field(default_factory=list)
    themes: list[Theme] = field(default_factory=list)


def load_demo_outcomes(session: Session, report, groups: dict[str, WorkingGroup], now) -> None:
    """Create the demo groups' missing outcomes."""
    locals_ = {ADMIN}
    for spec in DEMO_OUTCOMES:
        locals_ |= {*spec.authors, *(version.approver for version in spec.versions)}
    context = DemoContext.load(session, report, now, locals_)
    for spec in DEMO_OUTCOMES:
        if session.scalar(select(Outcome.id).where(Outcome.title == spec.title)) is not None:
            report.kept += 1
            continue
        _outcome(context, [groups[slug] for slug in spec.groups], spec)
    session.flush()


def _outcome(context: DemoContext, groups: list[WorkingGroup], spec: DemoOutcome) -> None:
    session = context.session
    authors = [person for person in map(context.person, spec.authors) if person is not None]
    if not authors:
        return
    writer = authors[0]
    links = _links(session, groups, spec)
    if spec.meeting_slot is not None and links.meeting is None:
        return  # the demo's meetings were edited away: nothing to draw on
    body = _meeting_report_body(session, links.meeting) if spec.from_meeting else spec.body
    first = spec.versions[0].text if spec.versions and spec.versions[0].text else None
    created = _after_meeting(context, spec.created, links.meeting)
    outcome = Outcome(
        kind=spec.kind,
        title=(first.title if first and first.title else spec.title),
        summary=first.summary if first else spec.summary,
        body=first.body if first else body,
        licence=spec.licence,
        status=OutcomeStatus.DRAFT,
        from_meeting=links.meeting if spec.from_meeting else None,
        groups=groups,
        authors=authors,
        meetings=[links.meeting] if links.meeting is not None else [],
        challenges=links.challenges,
        practices=links.practices,
        activities=links.activities,
        solutions=links.solutions,
        themes=links.themes,
        regions=_regions(context, links, spec),
        named_regions=_named_regions(context, links, spec),
        editors=[writer],
        created_by=writer,
        created_at=created,
        updated_at=created,
    )
    session.add(outcome)
    credit_authors(session, outcome)
    context.audit(
        "outcome.created",
        outcome,
        f"Drafted the outcome {outcome.title}",
        created,
        actor=writer,
        after={
            **_snapshot(outcome),
            "groups": [group.id for group in groups],
            "regions": [region.code for region in outcome.regions],
        },
    )
    follows.follow_by_ids(session, [a.id for a in authors], follows.OUTCOME, outcome.id)
    for number, version in enumerate(spec.versions, start=1):
        last = number == len(spec.versions)
        text = version.text or DemoText(spec.summary, body, spec.title)
        published = _after_meeting(context, version.published, links.meeting)
        # Sent to review on the day named for the last version, three days before the others.
        if last and spec.submitted is not None:
            submitted = _after_meeting(context, spec.submitted, links.meeting)
        else:
            submitted = published - timedelta(days=3)
        if number > 1:
            before = _snapshot(outcome)
            outcome.title = text.title or spec.title
            outcome.summary, outcome.body = text.summary, text.body
            outcome.status = OutcomeStatus.DRAFT
            context.audit(
                "outcome.revised",
                outcome,
                f"Revised the outcome {outcome.title}",
                submitted - timedelta(days=2),
                actor=writer,
                before=before,
                after=_snapshot(outcome),
            )
        _submit(context, outcome, writer, submitted, version.change_note)
        _approve(context, outcome, number, version, writer, published, authors)
    if spec.versions and spec.withdrawn is not None:
        _withdraw(context, outcome, spec.withdrawn)
    elif not spec.versions and spec.submitted is not None:
        outcome.summary, outcome.body = spec.summary, body
        _submit(context, outcome, writer, context.at(spec.submitted), "")
    outcome.updated_at = max(
        [created, outcome.submitted_at or created, outcome.public_changed_at or created]
    )
    context.report.created += 1


def _links(session: Session, groups: list[WorkingGroup], spec: DemoOutcome) -> _Links:
    ids = [group.id for group in groups]
    links = _Links()
    if spec.meeting_slot is not None:
        links.meeting = session.scalar(
            select(Meeting)
            .where(
                Meeting.group_id == ids[0],
                Meeting.kind == MeetingKind.PLENARY,
                Meeting.cycle_slot == spec.meeting_slot,
            )
            .options(selectinload(Meeting.agenda_items), selectinload(Meeting.materials))
            .order_by(Meeting.id)
            .limit(1)
        )

    def named(model, attribute, titles):
        if not titles:
            return []
        return list(
            session.scalars(
                select(model)
                .where(model.group_id.in_(ids), getattr(model, attribute).in_(titles))
                .order_by(model.id)
            )
        )

    links.challenges = named(Challenge, "title", spec.challenges)
    links.practices = named(GoodPractice, "title", spec.practices)
    links.activities = named(Activity, "title", spec.activities)
    links.solutions = named(Solution, "title", spec.solutions)
    links.themes = named(Theme, "name", spec.themes)
    return links


def _named_regions(context: DemoContext, links: _Links, spec: DemoOutcome) -> list[str]:
    """The regions its authors name (a meeting report's: its attendees' organisations'
    regions, as the report's draft names them)."""
    codes = set(spec.regions)
    if spec.from_meeting and links.meeting is not None:
        codes |= {code for _, code, _ in _attendees(context.session, links.meeting) if code}
    return sorted(code for code in codes if code in context.regions)


def _regions(context: DemoContext, links: _Links, spec: DemoOutcome) -> list[Region]:
    """The regions the outcome concerns: those its authors name and those of the public
    records it draws on, as the service keeps them."""
    codes = set(_named_regions(context, links, spec))
    for solution in links.solutions:
        if solution.public:
            codes |= {region.code for region in solution.regions}
    for practice in links.practices:
        if practice.region_code and practice.status is PracticeStatus.PUBLISHED:
            codes.add(practice.region_code)
    for challenge in links.challenges:
        if challenge.status in PUBLIC_CHALLENGES:
            codes |= {region.code for region in challenge.regions}
    for activity in links.activities:
        codes |= {region.code for region in activity.regions}
        codes |= {activity.host_region_code} if activity.host_region_code else set()
    return [context.regions[code] for code in sorted(codes) if code in context.regions]


def _attendees(session: Session, meeting: Meeting) -> list[tuple[Helix | None, str | None, str]]:
    """Who attended the meeting: (helix, region code, country name) per person."""
    rows = session.execute(
        select(Organisation.helix, Organisation.region_code, Region.country_name)
        .select_from(Registration)
        .join(User, User.id == Registration.user_id)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .outerjoin(Region, Region.code == Organisation.region_code)
        .where(Registration.meeting_id == meeting.id, Registration.attended_at.is_not(None))
    ).all()
    return [tuple(row) for row in rows]


def _meeting_report_body(session: Session, meeting: Meeting | None) -> str:
    """A meeting report's body, as a draft started from the meeting would read once its
    authors edited it: the programme, attendance by helix and country (counts, never names),
    the public materials, and what the regions agreed."""
    if meeting is None:
        return ""
    lines = ["## Programme", ""]
    for item in meeting.agenda_items:
        speakers = f" ({item.speakers})" if item.speakers else ""
        lines.append(f"- {item.title}{speakers}")
    attendees = _attendees(session, meeting)
    helices = Counter(HELIX_NAMES.get(helix, "Other") for helix, _, _ in attendees)
    countries = Counter(country or "Other" for _, _, country in attendees)
    lines += ["", "## Who took part", "", f"{len(attendees)} members took part.", ""]
    lines += ["| Helix | People |", "| --- | --- |"]
    lines += [f"| {name} | {count} |" for name, count in sorted(helices.items())]
    lines += ["", "| Country | People |", "| --- | --- |"]
    lines += [f"| {name} | {count} |" for name, count in sorted(countries.items())]
    public = [m for m in meeting.materials if m.visibility is Visibility.PUBLIC]
    if public:
        lines += ["", "## Materials", ""]
        lines += [f"- [{material.title}]({material.url})" for material in public]
    lines += [
        "",
        "## What the regions agreed",
        "",
        "- Multinationals' supplier programmes are the quickest route for national SMEs to "
        "learn new production methods: regions will invite them to open these programmes to "
        "firms that do not supply them yet.",
        "- Engineers on loan and a first small order matter more than audits alone.",
        "- Southern Ireland and Budapest will co-develop a supplier development programme as a "
        "solution of the group, and report on it at the final plenary.",
        "",
    ]
    return "\n".join(lines)


def _after_meeting(context: DemoContext, when: When, meeting: Meeting | None) -> datetime:
    """The instant of `when`, but never before a week after the meeting it draws on ended
    (nor later than an hour before loading)."""
    at = context.at(when)
    if meeting is not None:
        at = max(at, meeting.ends_at + timedelta(days=7))
    return min(at, context.now - timedelta(hours=1))


def _snapshot(outcome: Outcome) -> dict:
    return {name: getattr(outcome, name) for name in OUTCOME_FIELDS}


def _submit(context: DemoContext, outcome: Outcome, writer: User, at: datetime, note: str) -> None:
    before = _snapshot(outcome)
    outcome.status = OutcomeStatus.IN_REVIEW
    outcome.submitted_by = writer
    outcome.submitted_at = at
    outcome.review_comment = ""
    context.audit(
        "outcome.submitted",
        outcome,
        f"Submitted the outcome {outcome.title} for review",
        at,
        actor=writer,
        before=before,
        after={**_snapshot(outcome), "change_note": note},
    )


def _approve(context, outcome, number, version, writer, published, authors) -> None:
    session = context.session
    approver = context.person(version.approver)
    if approver is None or approver.id in {a.id for a in authors}:
        raise ValueError(f"the demo outcome {outcome.title!r} needs a reviewer besides its authors")
    before = _snapshot(outcome)
    # Named only with their consent to be listed, as approvals credit them.
    named = [author for author in authors if author.listed and author.is_active]
    row = OutcomeVersion(
        outcome=outcome,
        number=number,
        kind=outcome.kind,
        title=outcome.title,
        summary=outcome.summary,
        body=outcome.body,
        licence=outcome.licence,
        authors_text=", ".join(author.name for author in named),
        unnamed_authors=len(authors) - len(named),
        named_author_ids=[author.id for author in named],
        change_note=version.change_note,
        submitted_by_id=writer.id,
        approved_by_id=approver.id,
        published_at=published,
    )
    session.add(row)
    session.flush()
    # The column, not the relationship: see the note on Outcome.current_version_id.
    outcome.current_version_id = row.id
    outcome.status = OutcomeStatus.PUBLISHED
    outcome.first_published_at = outcome.first_published_at or published
    outcome.public_changed_at = published
    outcome.editors = []
    session.flush()
    context.audit(
        "outcome.approved",
        outcome,
        f"Published version {number} of the outcome {outcome.title}",
        published,
        actor=approver,
        before=before,
        after={**_snapshot(outcome), "version": number},
    )


def _withdraw(context: DemoContext, outcome: Outcome, withdrawn: tuple[When, str]) -> None:
    when, reason = withdrawn
    at = context.at(when)
    before = _snapshot(outcome)
    outcome.status = OutcomeStatus.WITHDRAWN
    outcome.withdraw_reason = reason
    outcome.withdrawn_at = at
    outcome.public_changed_at = at
    context.audit(
        "outcome.withdrawn",
        outcome,
        f"Withdrew the outcome {outcome.title}",
        at,
        actor=context.coordinator,
        before=before,
        after={**_snapshot(outcome), "reason": reason},
    )
