"""Demo peer-learning activities and support requests: a study visit and a peer review that
Innovation Diffusion held (the peer review answers a region's support request), a workshop
Industrial Transition plans, and a support request still waiting for an answer.

Like the rest of the demo, loading is idempotent (activities are found by group and title,
requests by requester and challenge) and writes no email; each step is audited at the day it
happened, and the people involved follow what concerns them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from cop.activities.models import (
    Activity,
    ActivityExpert,
    ActivityKind,
    ActivityOutput,
    ActivityStatus,
    OutputKind,
    SupportRequest,
    SupportStatus,
)
from cop.challenges.models import Challenge, GoodPractice
from cop.demo_challenges import ENTRY_POINT, GREEN_FINANCE, VOUCHERS, WORKERS
from cop.demo_context import DemoContext, When
from cop.mail import follows
from cop.meetings.models import Meeting
from cop.members.models import User, WorkingGroup

FILES = "https://cop.example.org/files"


@dataclass(frozen=True)
class DemoRequest:
    """A member's request for peer learning on a challenge, for their organisation's region;
    answered on `answered` when the activity it belongs to was planned for it."""

    requester: str  # email local part
    challenge: str
    need: str
    asked: When
    wanted_by: When | None = None
    answered: When | None = None
    answer: str = ""


@dataclass(frozen=True)
class DemoActivity:
    group: str
    title: str
    kind: ActivityKind
    purpose: str
    challenges: tuple[str, ...]
    host: str
    regions: tuple[str, ...]
    meetings: tuple[str, ...]  # titles of the group's meetings it is held as
    experts: tuple[tuple[str, str], ...]  # (email local part, role)
    created: When
    started: When | None = None
    completed: When | None = None
    learnt: str = ""
    changes: str = ""
    practices: tuple[str, ...] = ()  # outputs: the group's practices, by title
    documents: tuple[tuple[str, str], ...] = ()  # outputs: (title, url)
    request: DemoRequest | None = None

    @property
    def status(self) -> ActivityStatus:
        if self.completed is not None:
            return ActivityStatus.COMPLETED
        return ActivityStatus.RUNNING if self.started is not None else ActivityStatus.PLANNED


D = date
DEMO_ACTIVITIES = (
    DemoActivity(
        group="innovation-diffusion",
        title="Study visit to the technology transfer centres of the Stuttgart region",
        kind=ActivityKind.STUDY_VISIT,
        purpose="""\
Regions whose companies find no single entry point to their universities and RTOs see how
the Stuttgart region organised one: **an SME desk shared by its research institutes**.

Participants prepare a one-page note on their own region's transfer offices, visit four
centres, and write down what they take home.""",
        challenges=(ENTRY_POINT,),
        host="DE11",
        regions=("ES21", "PL21", "PT11", "ITC4"),
        meetings=("Study visit: technology transfer centres in the Stuttgart region",),
        experts=(
            ("hannah.schmid", "Host"),
            ("felix.hoffmann", "Guide: applied research institutes"),
            ("ainhoa.aguirre", "Peer: technology centres"),
            ("magdalena.wisniewska", "Rapporteur"),
        ),
        created=D(2024, 9, 10),
        started=D(2024, 11, 19),
        completed=D(2024, 12, 12),
        learnt="""\
A shared desk works when the institutes agree on who answers first and the region pays
for the desk's staff, not the institutes. Companies ask again when the first answer
comes within a week.""",
        changes="""\
The Basque Country and Małopolska will pilot a shared desk with three institutes each in
2025; Norte will add a first-answer deadline to its transfer offices' agreements.""",
        practices=("One SME desk for all the region's research institutes",),
        # The visit's full report is members-only material of its meeting; this one is public.
        documents=(
            (
                "What participants took home: a summary (PDF)",
                f"{FILES}/innovation-diffusion/study-visit-stuttgart-summary.pdf",
            ),
        ),
    ),
    DemoActivity(
        group="innovation-diffusion",
        title="Peer review of Emilia-Romagna's innovation vouchers",
        kind=ActivityKind.PEER_REVIEW,
        purpose="""\
Emilia-Romagna asked why its innovation vouchers reach the same companies again and
again. Three peers from regions that changed their own schemes review the scheme's
figures, interview companies and the agency, and recommend changes.""",
        challenges=(VOUCHERS,),
        host="ITH5",
        regions=("AT12", "BE21", "FI1B"),
        meetings=("Peer review visit: innovation vouchers in Emilia-Romagna",),
        experts=(
            ("marco.bianchi", "Host"),
            ("lukas.gruber", "Peer reviewer"),
            ("sofie.peeters", "Peer reviewer"),
            ("aino.virtanen", "Peer reviewer"),
        ),
        created=D(2025, 2, 3),
        started=D(2025, 3, 11),
        completed=D(2025, 4, 15),
        learnt="""\
Two thirds of the vouchers went to companies that had had one before: the scheme was
promoted where those companies already looked. First-time users need a coach more than
a larger voucher.""",
        changes="""\
Emilia-Romagna opens a first-time track with a coach in its 2026 call and promotes it
through the chambers of commerce.""",
        documents=(
            ("Peer review report (PDF)", f"{FILES}/innovation-diffusion/peer-review-er.pdf"),
        ),
        request=DemoRequest(
            requester="marco.bianchi",
            challenge=VOUCHERS,
            need="""\
Peers who reformed a voucher scheme, to review ours before the 2026 call: who applies,
who does not, and what would bring new companies in.""",
            asked=D(2025, 1, 14),
            wanted_by=D(2025, 6, 30),
            answered=D(2025, 2, 3),
            answer="Lower Austria, Flanders and Helsinki-Uusimaa offered peers for March.",
        ),
    ),
    DemoActivity(
        group="industrial-transition",
        title="Workshop on routes into new jobs for workers of energy-intensive industries",
        kind=ActivityKind.WORKSHOP,
        purpose="""\
Regions with coal, steel and chemicals compare how they move workers into the jobs of
the new industries: skills audits, training paid while employed, and the employers who
take part. Each region brings one scheme and one problem it could not solve.""",
        challenges=(WORKERS,),
        host="PL22",
        regions=("RO11", "CZ01", "EL30"),
        meetings=("Workshop: re-skilling workers in carbon-intensive regions",),
        experts=(
            ("andrei.popescu", "Moderator"),
            ("zsofia.kovacs", "Speaker: inclusive transition"),
            ("ingrid.svensson", "Rapporteur"),
        ),
        created=-20,
    ),
)

# Waiting for the coordinators' answer.
OPEN_REQUESTS = (
    (
        "industrial-transition",
        DemoRequest(
            requester="member",
            challenge=GREEN_FINANCE,
            need="""\
Our food-processing SMEs want to cut their energy use but banks see the investments as
too risky. We would like to learn from a region whose guarantee or green-loan scheme
reached small manufacturers.""",
            asked=-5,
            wanted_by=120,
        ),
    ),
)


def load_demo_activities(session: Session, report, groups: dict[str, WorkingGroup], now) -> None:
    """Create the demo groups' missing activities and support requests."""
    locals_ = set()
    for spec in DEMO_ACTIVITIES:
        locals_ |= {local for local, _ in spec.experts}
        if spec.request is not None:
            locals_.add(spec.request.requester)
    locals_ |= {request.requester for _, request in OPEN_REQUESTS}
    context = DemoContext.load(session, report, now, locals_)
    for spec in DEMO_ACTIVITIES:
        group = groups[spec.group]
        found = session.scalar(
            select(Activity.id).where(Activity.group_id == group.id, Activity.title == spec.title)
        )
        if found is not None:
            report.kept += 1
            continue
        _activity(context, group, spec)
    for slug, request in OPEN_REQUESTS:
        _request(context, groups[slug], request)
    session.flush()


def _activity(context: DemoContext, group: WorkingGroup, spec: DemoActivity) -> None:
    session = context.session
    challenges = _challenges(session, group, spec.challenges)
    request = None
    if spec.request is not None:
        request = _request(context, group, spec.request)
    created = context.at(spec.created)
    activity = Activity(
        group=group,
        kind=spec.kind,
        title=spec.title,
        purpose=spec.purpose,
        host_region_code=spec.host,
        status=ActivityStatus.PLANNED,
        created_by=context.coordinator,
        challenges=challenges,
        regions=[context.regions[code] for code in spec.regions],
        meetings=list(
            session.scalars(
                select(Meeting).where(
                    Meeting.group_id == group.id, Meeting.title.in_(spec.meetings)
                )
            )
        ),
        experts=[
            ActivityExpert(user=context.person(local), role=role, created_at=created)
            for local, role in spec.experts
            if context.person(local) is not None
        ],
        created_at=created,
    )
    session.add(activity)
    session.flush()
    context.audit("activity.created", activity, f"Planned the activity {spec.title}", created)
    for expert in activity.experts:
        _follow(session, expert.user, follows.ACTIVITY, activity.id)
    if request is not None and request.status is SupportStatus.OPEN:
        answered = context.at(spec.request.answered or spec.created, 11)
        request.status = SupportStatus.NEW_ACTIVITY
        request.activity = activity
        request.answer = spec.request.answer
        request.answered_by = context.coordinator
        request.answered_at = answered
        request.updated_at = answered
        context.audit("support_request.new_activity", request,
               f"Answered the support request with the activity {spec.title}", answered,
               after={"status": request.status.value, "activity_id": activity.id})  # fmt: skip
        _follow(session, request.requester, follows.ACTIVITY, activity.id)
    last = created
    if spec.started is not None:
        last = activity.started_at = context.at(spec.started, 9)
        activity.status = ActivityStatus.RUNNING
        context.audit("activity.started", activity, f"Started the activity {spec.title}", last)
    if spec.completed is not None:
        last = activity.completed_at = context.at(spec.completed, 16)
        activity.status = ActivityStatus.COMPLETED
        activity.evaluation_learnt, activity.evaluation_changes = spec.learnt, spec.changes
        context.audit("activity.completed", activity, f"Completed the activity {spec.title}",
               last, after={"status": "completed"})  # fmt: skip
    for practice in session.scalars(
        select(GoodPractice).where(
            GoodPractice.group_id == group.id, GoodPractice.title.in_(spec.practices)
        )
    ):
        session.add(
            ActivityOutput(
                activity=activity,
                kind=OutputKind.PRACTICE,
                practice=practice,
                added_by_id=getattr(context.coordinator, "id", None),
                created_at=last,
            )
        )
    for title, url in spec.documents:
        session.add(
            ActivityOutput(
                activity=activity,
                kind=OutputKind.DOCUMENT,
                title=title,
                url=url,
                added_by_id=getattr(context.coordinator, "id", None),
                created_at=last,
            )
        )
    activity.updated_at = last
    context.report.created += 1


def _request(context: DemoContext, group: WorkingGroup, spec: DemoRequest) -> SupportRequest | None:
    """The support request of `spec`, created unless the requester already sent one on the
    challenge (then kept as it is)."""
    session = context.session
    requester = context.person(spec.requester)
    challenges = _challenges(session, group, (spec.challenge,))
    if requester is None or requester.organisation is None or not challenges:
        return None
    challenge = challenges[0]
    found = session.scalar(
        select(SupportRequest).where(
            SupportRequest.requester_id == requester.id,
            SupportRequest.challenge_id == challenge.id,
        )
    )
    if found is not None:
        context.report.kept += 1
        return found
    asked = context.at(spec.asked, 8)
    request = SupportRequest(
        group=group,
        challenge=challenge,
        region_code=requester.organisation.region_code,
        requester=requester,
        need=spec.need,
        wanted_by=context.day(spec.wanted_by) if spec.wanted_by is not None else None,
        status=SupportStatus.OPEN,
        created_at=asked,
        updated_at=asked,
    )
    session.add(request)
    session.flush()
    context.audit("support_request.asked", request,
           f"Asked for peer learning on {challenge.title}", asked, actor=requester)  # fmt: skip
    _follow(session, requester, follows.SUPPORT_REQUEST, request.id)
    _follow(session, requester, follows.CHALLENGE, challenge.id)
    context.report.created += 1
    return request


def _challenges(session: Session, group: WorkingGroup, titles) -> list[Challenge]:
    return list(
        session.scalars(
            select(Challenge)
            .where(Challenge.group_id == group.id, Challenge.title.in_(titles))
            .order_by(Challenge.id)
        )
    )


def _follow(session: Session, person: User | None, target: str, target_id: int) -> None:
    if person is not None:
        follows.follow(session, person, target, target_id)
