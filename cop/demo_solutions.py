"""Demo solutions: eight that Innovation Diffusion co-develops, supports, deploys and monitors
(one at every stage, one completed and one discontinued, one moved back once) and two of
Industrial Transition, with their milestones (some done, some overdue), indicators (both
directions, one from a baseline of zero, one for a single region) with a year of monthly
measurements in two regions, and progress updates on track, at risk and off track. Most are
public; one is for the members only, with internal notes.

Like the rest of the demo, loading is idempotent (solutions are found by group and title) and
writes history, not news: no email, no notification. The records are written directly,
keeping the rules the services enforce (owners active members of the group, the group's
accepted challenges, a target apart from the baseline on the side of its direction,
measurements between the baseline date and the day of loading, in the solution's deploying
regions); each step is audited as the services audit it, at the day it happened, and the
owners follow their solutions. Days are relative to the day the demo is loaded, so that the
dashboard always has something on time and something late.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cop.audit.services import snapshot
from cop.challenges.models import Challenge
from cop.demo_challenges import (
    AGENCY_PLANNING,
    BOTTLENECKS,
    ENTRY_POINT,
    GREEN_FINANCE,
    INDICATORS,
    PROCUREMENT,
    PUBLIC_DIGITAL,
    SUPPLIERS,
    VOUCHERS,
    WORKERS,
)
from cop.demo_context import DemoContext
from cop.mail import follows
from cop.meetings.cycle import add_months
from cop.members.models import User, WorkingGroup
from cop.solutions.models import (
    Direction,
    Indicator,
    Measurement,
    Milestone,
    ProgressUpdate,
    Solution,
    SolutionStage,
    UpdateStatus,
)
from cop.solutions.services import SOLUTION_FIELDS, STAGE_FIELDS

S = SolutionStage
ON_TRACK, AT_RISK, OFF_TRACK = UpdateStatus.ON_TRACK, UpdateStatus.AT_RISK, UpdateStatus.OFF_TRACK
HIGHER, LOWER = Direction.HIGHER, Direction.LOWER


@dataclass(frozen=True)
class DemoMilestone:
    title: str
    due: int  # days from the day of loading (negative: before)
    done: int | None = None


@dataclass(frozen=True)
class DemoIndicator:
    """An indicator and its measurements: for each region (None: the whole solution) its
    values month by month on the first of the month, the last one `last_month` months before
    the month the demo is loaded in (0: that month)."""

    name: str
    unit: str
    direction: Direction
    baseline: float
    target: float
    baseline_on: int
    target_on: int
    region: str | None = None
    values: tuple[tuple[str | None, tuple[float, ...]], ...] = ()
    source: str = "Regional innovation agency survey"
    last_month: int = 0


@dataclass(frozen=True)
class DemoUpdate:
    reported: int
    status: UpdateStatus
    narrative: str
    help_needed: str = ""


@dataclass(frozen=True)
class DemoSolution:
    """A solution as its owner proposed it and it moved on. `stages` are the stages it
    reached after co-development, with the day and (a move back or a discontinuation) the
    reason; `published` the day a coordinator made it public (None: members only). People are
    email local parts."""

    group: str
    title: str
    owner: str
    challenges: tuple[str, ...]
    regions: tuple[str, ...]
    description: str
    created: int
    starts: int
    planned_end: int
    co_owners: tuple[str, ...] = ()
    internal_notes: str = ""
    stages: tuple[tuple[SolutionStage, int, str], ...] = ()
    published: int | None = None
    milestones: tuple[DemoMilestone, ...] = ()
    indicators: tuple[DemoIndicator, ...] = ()
    updates: tuple[DemoUpdate, ...] = ()  # oldest first

    @property
    def stage(self) -> SolutionStage:
        return self.stages[-1][0] if self.stages else S.CO_DEVELOPMENT


def _monthly(first: float, step: float, months: int = 12, *, whole: bool = False):
    """A year of monthly values from `first`, `step` more each month; `whole` for a count
    (companies, projects: no half company), rounded to whole numbers."""
    return tuple(
        float(round(first + step * month)) if whole else round(first + step * month, 1)
        for month in range(months)
    )


DEMO_SOLUTIONS = (
    DemoSolution(
        group="innovation-diffusion",
        title="First-time innovation vouchers with a coach",
        owner="marco.bianchi",
        co_owners=("lukas.gruber",),
        challenges=(VOUCHERS,),
        regions=("ITH5", "AT12"),
        description="""\
A **first-time track** in the regions' innovation voucher calls: companies that never had a
voucher apply with a short form and get a coach for their first project, from the idea to the
report. The peer review of Emilia-Romagna's vouchers found that first-time users need a coach
more than a larger voucher.""",
        created=-430,
        starts=-420,
        planned_end=300,
        stages=((S.SUPPORT, -360, ""), (S.DEPLOYMENT, -200, "")),
        published=-350,
        milestones=(
            DemoMilestone("Coaches trained in both regions", due=-300, done=-310),
            DemoMilestone("First-time track opens in the regions' calls", due=-200, done=-195),
            DemoMilestone("Evaluation of the first call", due=45),
        ),
        indicators=(
            DemoIndicator(
                "Companies with their first innovation voucher",
                "companies",
                HIGHER,
                baseline=12,
                target=60,
                baseline_on=-420,
                target_on=300,
                values=(
                    ("AT12", _monthly(13, 1.5, whole=True)),
                    ("ITH5", _monthly(12, 2.5, whole=True)),
                ),
            ),
            DemoIndicator(
                "Share of vouchers going to companies that had one before",
                "%",
                LOWER,
                baseline=66,
                target=40,
                baseline_on=-420,
                target_on=300,
                region="ITH5",
                values=(("ITH5", _monthly(66, -1.5)),),
                source="Emilia-Romagna voucher programme records",
            ),
        ),
        updates=(
            DemoUpdate(
                -75, ON_TRACK, "Both regions opened the first-time track; 31 companies applied."
            ),
            DemoUpdate(
                -45,
                AT_RISK,
                "Two of the six coaches in Lower Austria left: applications wait for a coach.",
                "Coaches from another region's scheme for the autumn.",
            ),
            DemoUpdate(-12, ON_TRACK, "New coaches started; no application waits any more."),
        ),
    ),
    DemoSolution(
        group="innovation-diffusion",
        title="One SME desk shared by the region's research institutes",
        owner="hannah.schmid",
        co_owners=("ainhoa.aguirre",),
        challenges=(ENTRY_POINT,),
        regions=("ES21", "PL21"),
        description="""\
After the study visit to Stuttgart, the Basque Country and Małopolska each set up **one desk
for companies** in front of three research institutes: one address, one person who answers
within a week, and an agreement on who follows up.""",
        created=-540,
        starts=-500,
        planned_end=200,
        stages=((S.SUPPORT, -480, ""), (S.DEPLOYMENT, -400, ""), (S.MONITORING, -90, "")),
        published=-470,
        milestones=(
            DemoMilestone("Institutes agree who answers first", due=-450, done=-455),
            DemoMilestone("Desk staffed in the Basque Country", due=-380, done=-370),
            DemoMilestone("Desk staffed in Małopolska", due=-30),
            DemoMilestone("Review of the first year", due=120),
        ),
        indicators=(
            DemoIndicator(
                "Days to a company's first answer",
                "days",
                LOWER,
                baseline=21,
                target=5,
                baseline_on=-480,
                target_on=200,
                values=((None, (19, 17, 15, 14, 12, 11, 10, 9)),),
            ),
            DemoIndicator(
                "Joint projects started through the desk",
                "projects",
                HIGHER,
                baseline=0,
                target=40,
                baseline_on=-480,
                target_on=200,
                values=(("ES21", (2, 4, 7, 9, 12, 15)), ("PL21", (0, 1, 1, 3, 4, 6))),
                source="Desk's case register",
            ),
        ),
        updates=(
            DemoUpdate(-120, ON_TRACK, "The Basque desk answers within five days on average."),
            DemoUpdate(-70, ON_TRACK, "Fifteen joint projects started in the Basque Country."),
            DemoUpdate(
                -20,
                AT_RISK,
                "Małopolska's desk still has no permanent staff: the institutes answer in turn.",
                "A third region willing to try the desk, and advice on funding its staff.",
            ),
        ),
    ),
    DemoSolution(
        group="innovation-diffusion",
        title="A joint planning calendar for the region's public agencies",
        owner="jordi.vila",
        co_owners=("maja.novak",),
        challenges=(AGENCY_PLANNING,),
        regions=("ES51", "SI04"),
        description="""\
The innovation, employment, education and economic development agencies of Catalonia and
Western Slovenia publish their calls and programmes in **one shared calendar**, and meet each
quarter to plan the next ones together.""",
        created=-300,
        starts=-280,
        planned_end=250,
        stages=((S.SUPPORT, -150, ""),),
        published=-140,
        milestones=(
            DemoMilestone("Agencies sign the planning protocol", due=-20),
            DemoMilestone("First joint calendar published", due=60),
        ),
        indicators=(
            DemoIndicator(
                "Agencies planning in the joint calendar",
                "agencies",
                HIGHER,
                baseline=1,
                target=8,
                baseline_on=-280,
                target_on=250,
                values=((None, (1, 2, 2, 3)),),
            ),
        ),
        updates=(
            DemoUpdate(-130, ON_TRACK, "Four agencies joined the first planning meeting."),
            DemoUpdate(-95, AT_RISK, "The employment agency asks for its board's approval first."),
            DemoUpdate(
                -50,
                OFF_TRACK,
                "The protocol is not signed: the employment agencies wait for a new director.",
                "A coordinator to present the calendar to the employment agencies' directors.",
            ),
        ),
    ),
    DemoSolution(
        group="innovation-diffusion",
        title="Supplier development programme with multinationals",
        owner="siobhan.murphy",
        co_owners=("zsofia.kovacs",),
        challenges=(SUPPLIERS,),
        regions=("IE05", "HU11"),
        description="""\
Multinationals open their **supplier development programmes** to national SMEs that do not
supply them yet: quality audits, engineers on loan, and a first small order.""",
        internal_notes=(
            "Two multinationals asked not to be named until the agreement is signed. Budget: "
            "the Southern Region may co-fund the engineers' time, not confirmed yet."
        ),
        created=-45,
        starts=-40,
        planned_end=500,
        milestones=(DemoMilestone("Multinationals named and the agreement signed", due=30),),
    ),
    DemoSolution(
        group="innovation-diffusion",
        title="Digital-first toolkit for regional administrations",
        owner="pieter.janssens",
        co_owners=("eva.devries",),
        challenges=(PUBLIC_DIGITAL,),
        regions=("BE21", "NL32"),
        description="""\
A toolkit for administrations that ask companies to digitalise while their own services run
on paper: **checklists, model contracts and a self-assessment**, tested in two
administrations and published in five languages.""",
        created=-700,
        starts=-680,
        planned_end=-30,
        stages=(
            (S.SUPPORT, -620, ""),
            (S.DEPLOYMENT, -500, ""),
            (S.MONITORING, -300, ""),
            (S.COMPLETED, -30, ""),
        ),
        published=-600,
        milestones=(
            DemoMilestone("Toolkit drafted", due=-480, done=-490),
            DemoMilestone("Tested in two administrations", due=-320, done=-310),
            DemoMilestone("Published in five languages", due=-40, done=-35),
        ),
        indicators=(
            DemoIndicator(
                "Administrations using the toolkit",
                "administrations",
                HIGHER,
                baseline=0,
                target=10,
                baseline_on=-680,
                target_on=-30,
                values=((None, (1, 2, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12)),),
                last_month=2,  # measured until it was completed
            ),
        ),
        updates=(
            DemoUpdate(-150, ON_TRACK, "Eight administrations use the toolkit."),
            DemoUpdate(
                -60, ON_TRACK, "Twelve administrations use it; all five translations are out."
            ),
        ),
    ),
    DemoSolution(
        group="innovation-diffusion",
        title="A shared template for the regional bottleneck analysis",
        owner="member",
        co_owners=("giulia.rossi", "magdalena.wisniewska"),
        challenges=(BOTTLENECKS,),
        regions=("ITH5", "ITC4", "PL21"),
        description="""\
A **common template** for the analysis of bottlenecks to innovation diffusion that the first
criterion of the S3 enabling condition asks for, including digitalisation, with the data
sources each region can use.""",
        created=-380,
        starts=-360,
        planned_end=200,
        stages=((S.SUPPORT, -330, ""), (S.DEPLOYMENT, -120, "")),
        published=-320,
        milestones=(
            DemoMilestone("Template agreed with the regions", due=-300, done=-300),
            DemoMilestone("Three regions publish their analysis", due=-10),
        ),
        indicators=(
            DemoIndicator(
                "Regions with an up-to-date bottleneck analysis",
                "regions",
                HIGHER,
                baseline=2,
                target=12,
                baseline_on=-360,
                target_on=200,
                values=((None, (2, 3, 3, 4, 5, 6)),),
                source="Regions' published analyses",
            ),
        ),
        updates=(
            DemoUpdate(
                -60,
                AT_RISK,
                "Małopolska's statistics office cannot share firm-level data this year.",
                "Another region's way of working with aggregated data.",
            ),
            DemoUpdate(-5, ON_TRACK, "Emilia-Romagna and Lombardy published their analysis."),
        ),
    ),
    DemoSolution(
        group="innovation-diffusion",
        title="Pilots of public procurement of innovation for start-ups",
        owner="camille.laurent",
        challenges=(PROCUREMENT,),
        regions=("FR10",),
        description="""\
Regional buyers reserve **pilot contracts** for start-ups and SMEs, with a shorter procedure
and model documents.""",
        created=-420,
        starts=-400,
        planned_end=100,
        stages=(
            (S.SUPPORT, -360, ""),
            (
                S.DISCONTINUED,
                -100,
                "The national procurement reform opened the same pilots to every region: the "
                "regional pilots were no longer needed.",
            ),
        ),
        published=-350,
        milestones=(
            DemoMilestone("Pilot call drafted", due=-300, done=-290),
            DemoMilestone("First pilot contract awarded", due=-150),
        ),
        indicators=(
            DemoIndicator(
                "Start-ups winning a public contract",
                "start-ups",
                HIGHER,
                baseline=3,
                target=15,
                baseline_on=-400,
                target_on=100,
                values=((None, (3, 3, 4)),),
                last_month=4,  # until it was discontinued
            ),
        ),
        updates=(
            DemoUpdate(-160, OFF_TRACK, "No buyer volunteered for the first pilot."),
            DemoUpdate(-110, OFF_TRACK, "The national reform will cover the same ground."),
        ),
    ),
    DemoSolution(
        group="innovation-diffusion",
        title="Shared indicators of innovation diffusion",
        owner="aino.virtanen",
        co_owners=("erik.lindqvist",),
        challenges=(INDICATORS,),
        regions=("FI1B", "SE11"),
        description="""\
A **small set of indicators** that regions collect the same way, so that they can compare
how new technologies spread among their SMEs, starting with digital technologies.""",
        created=-600,
        starts=-560,
        planned_end=150,
        stages=(
            (S.SUPPORT, -540, ""),
            (S.DEPLOYMENT, -420, ""),
            (
                S.SUPPORT,
                -380,
                "Stockholm's data protection review asked for changes to the survey first.",
            ),
            (S.DEPLOYMENT, -330, ""),
            (S.MONITORING, -60, ""),
        ),
        published=-500,
        milestones=(
            DemoMilestone("Indicator set agreed", due=-500, done=-505),
            DemoMilestone("Data collected in both regions", due=-200, done=-180),
            DemoMilestone("Indicators in the regional monitoring reports", due=90),
        ),
        indicators=(
            DemoIndicator(
                "Share of SMEs that adopted a digital technology",
                "%",
                HIGHER,
                baseline=38,
                target=55,
                baseline_on=-500,
                target_on=150,
                values=(("FI1B", _monthly(39, 0.8)), ("SE11", _monthly(41, 0.5))),
                source="Regional SME digitalisation survey",
            ),
        ),
        updates=(
            DemoUpdate(-90, ON_TRACK, "Both regions report the indicators every month."),
            DemoUpdate(
                -33,
                AT_RISK,
                "Fewer SMEs answer the survey since it went online.",
                "Ideas to keep small firms answering a monthly survey.",
            ),
        ),
    ),
    DemoSolution(
        group="industrial-transition",
        title="Skills passports for workers moving into new industries",
        owner="andrei.popescu",
        co_owners=("tomas.dvorak",),
        challenges=(WORKERS,),
        regions=("RO11", "CZ01"),
        description="""\
A **skills passport** records what a worker of a closing plant can do, so that employers of
the new industries recognise it and training covers only what is missing.""",
        created=-70,
        starts=-60,
        planned_end=600,
        published=-50,
        milestones=(DemoMilestone("Skills audit method agreed", due=40),),
        updates=(DemoUpdate(-12, ON_TRACK, "Employers of both regions joined the working party."),),
    ),
    DemoSolution(
        group="industrial-transition",
        title="A green guarantee fund for industrial SMEs",
        owner="katharina.bauer",
        challenges=(GREEN_FINANCE,),
        regions=("AT12",),
        description="""\
A regional **guarantee** that lets banks lend to small manufacturers for energy-saving
investments they would otherwise see as too risky.""",
        created=-100,
        starts=-90,
        planned_end=400,
        stages=((S.SUPPORT, -30, ""),),
        published=-25,
        milestones=(DemoMilestone("Banks and the guarantee fund agree the terms", due=-5),),
        indicators=(
            DemoIndicator(
                "SMEs with a guaranteed green loan",
                "SMEs",
                HIGHER,
                baseline=0,
                target=50,
                baseline_on=-90,
                target_on=400,
                values=((None, (0, 2)),),
            ),
        ),
        updates=(
            DemoUpdate(
                -25,
                OFF_TRACK,
                "Two of the three banks have not agreed the terms of the guarantee.",
                "A region whose banks took part in a similar guarantee.",
            ),
        ),
    ),
)


def load_demo_solutions(session: Session, report, groups: dict[str, WorkingGroup], now) -> None:
    """Create the demo groups' missing solutions."""
    locals_ = set()
    for spec in DEMO_SOLUTIONS:
        locals_ |= {spec.owner, *spec.co_owners}
    context = DemoContext.load(session, report, now, locals_)
    for spec in DEMO_SOLUTIONS:
        group = groups[spec.group]
        found = session.scalar(
            select(Solution.id).where(Solution.group_id == group.id, Solution.title == spec.title)
        )
        if found is not None:
            report.kept += 1
            continue
        _solution(context, group, spec)
    session.flush()


def _solution(context: DemoContext, group: WorkingGroup, spec: DemoSolution) -> None:
    session = context.session
    owner = context.person(spec.owner)
    challenges = list(
        session.scalars(
            select(Challenge)
            .where(Challenge.group_id == group.id, Challenge.title.in_(spec.challenges))
            .order_by(Challenge.id)
        )
    )
    if owner is None or not challenges:
        return
    created = context.at(spec.created)
    solution = Solution(
        group=group,
        title=spec.title,
        description=spec.description,
        internal_notes=spec.internal_notes,
        owner=owner,
        co_owners=[p for p in map(context.person, spec.co_owners) if p is not None],
        challenges=challenges,
        regions=[context.regions[code] for code in spec.regions],
        stage=S.CO_DEVELOPMENT,
        starts_on=context.day(spec.starts),
        planned_end_on=context.day(spec.planned_end),
        public=False,
        created_by=owner,
        created_at=created,
    )
    session.add(solution)
    session.flush()
    context.audit(
        "solution.created",
        solution,
        f"Proposed the solution {spec.title}",
        spec.created,
        actor=owner,
        after={
            **snapshot(solution, (*SOLUTION_FIELDS, "stage")),
            "challenges": [c.id for c in challenges],
            "regions": list(spec.regions),
        },
    )
    follows.follow_by_ids(session, solution.owner_ids, follows.SOLUTION, solution.id)
    _history(context, solution, spec, owner)
    solution.updated_at = context.at(spec.stages[-1][1] if spec.stages else spec.created)
    context.report.created += 1


def _history(context: DemoContext, solution: Solution, spec: DemoSolution, owner: User) -> None:
    """What happened to the solution after it was proposed, in the order it happened."""
    events: list[tuple[int, int, object]] = []  # (day, order on the day, step)
    for stage, when, reason in spec.stages:
        events.append((when, 3, ("stage", stage, reason)))
    if spec.published is not None:
        events.append((spec.published, 2, ("published",)))
    for milestone in spec.milestones:
        events.append((spec.created + 1, 0, ("milestone", milestone)))
        if milestone.done is not None:
            events.append((milestone.done, 1, ("milestone_done", milestone)))
    for indicator in spec.indicators:
        events.append((max(spec.created + 1, indicator.baseline_on), 1, ("indicator", indicator)))
    for update in spec.updates:
        events.append((update.reported, 2, ("update", update)))
    milestones: dict[str, Milestone] = {}
    for when, _, step in sorted(events, key=lambda event: (event[0], event[1])):
        kind = step[0]
        if kind == "stage":
            _move(context, solution, step[1], step[2], when)
        elif kind == "published":
            solution.public = True
            context.audit(
                "solution.published",
                solution,
                f"Published the solution {solution.title}",
                when,
                actor=context.coordinator,
                before={"public": False},
                after={"public": True},
            )
        elif kind == "milestone":
            milestone = step[1]
            row = Milestone(
                solution=solution,
                title=milestone.title,
                due_on=context.day(milestone.due),
                created_at=context.at(when),
            )
            context.session.add(row)
            context.session.flush()
            milestones[milestone.title] = row
            context.audit(
                "solution.milestone_added",
                solution,
                f"Added the milestone {row.title} of the solution {solution.title}",
                when,
                actor=owner,
                after=_milestone_snapshot(row),
            )
        elif kind == "milestone_done":
            row = milestones[step[1].title]
            before = _milestone_snapshot(row)
            row.done_on = context.day(when)
            context.audit(
                "solution.milestone_done",
                solution,
                f"Done the milestone {row.title} of the solution {solution.title}",
                when,
                actor=owner,
                before=before,
                after=_milestone_snapshot(row),
            )
        elif kind == "indicator":
            _indicator(context, solution, step[1], owner, when)
        elif kind == "update":
            _update(context, solution, step[1], owner)


def _milestone_snapshot(milestone: Milestone) -> dict:
    return {
        "milestone_id": milestone.id,
        **snapshot(milestone, ("title", "due_on", "done_on")),
        "withdrawn": milestone.withdrawn_at is not None,
    }


def _move(context: DemoContext, solution: Solution, stage: SolutionStage, reason: str, when: int):
    before = snapshot(solution, STAGE_FIELDS)
    at = context.at(when)
    solution.stage = stage
    solution.discontinue_reason = reason if stage is S.DISCONTINUED else ""
    solution.completed_at = at if stage is S.COMPLETED else None
    solution.discontinued_at = at if stage is S.DISCONTINUED else None
    # Discontinuing is the coordinators' call in the demo; the owners move their solution on.
    actor = context.coordinator if stage is S.DISCONTINUED else solution.owner
    context.audit(
        "solution.stage_changed",
        solution,
        f"Moved the solution {solution.title} to {stage.value}",
        when,
        actor=actor,
        before=before,
        after={**snapshot(solution, STAGE_FIELDS), "reason": reason},
    )


def _indicator(context: DemoContext, solution: Solution, spec: DemoIndicator, owner, when: int):
    session = context.session
    indicator = Indicator(
        solution=solution,
        name=spec.name,
        unit=spec.unit,
        direction=spec.direction,
        baseline_value=float(spec.baseline),
        baseline_on=context.day(spec.baseline_on),
        target_value=float(spec.target),
        target_on=context.day(spec.target_on),
        region_code=spec.region,
        created_at=context.at(when),
    )
    session.add(indicator)
    session.flush()
    context.audit(
        "solution.indicator_added",
        solution,
        f"Added the indicator {spec.name} to the solution {solution.title}",
        when,
        actor=owner,
        after={
            "indicator_id": indicator.id,
            **snapshot(
                indicator,
                (
                    "name",
                    "unit",
                    "direction",
                    "baseline_value",
                    "baseline_on",
                    "target_value",
                    "target_on",
                    "region_code",
                ),
            ),  # fmt: skip
        },
    )
    first_of_month = context.today.replace(day=1)
    for region, values in spec.values:
        for index, value in enumerate(values):
            measured = add_months(first_of_month, index - len(values) + 1 - spec.last_month)
            measurement = Measurement(
                indicator=indicator,
                region_code=region,
                measured_on=measured,
                value=float(value),
                source=spec.source,
                recorded_by_id=owner.id,
                created_at=context.at((measured - context.today).days + 3),
            )
            session.add(measurement)
            session.flush()
            context.audit(
                "solution.measurement_added",
                solution,
                f"Recorded a value of the indicator {spec.name} of the solution {solution.title}",
                (measured - context.today).days + 3,
                actor=owner,
                after={
                    "measurement_id": measurement.id,
                    "indicator_id": indicator.id,
                    "region_code": region,
                    "measured_on": measured,
                    "value": float(value),
                    "source": spec.source,
                },
            )


def _update(context: DemoContext, solution: Solution, spec: DemoUpdate, owner: User) -> None:
    reported = context.day(spec.reported)
    update = ProgressUpdate(
        solution=solution,
        author=owner,
        reported_on=reported,
        status=spec.status,
        narrative=spec.narrative,
        help_needed=spec.help_needed,
        created_at=context.at(spec.reported, 17),
    )
    context.session.add(update)
    if solution.last_update_on is None or reported >= solution.last_update_on:
        solution.status = spec.status
        solution.last_update_on = reported
    context.session.flush()
    context.audit(
        "solution.update_posted",
        solution,
        f"Posted a progress update on the solution {solution.title}",
        spec.reported,
        actor=owner,
        after={
            "update_id": update.id,
            "reported_on": reported,
            "status": spec.status,
            "help_needed": bool(spec.help_needed),
        },
    )
