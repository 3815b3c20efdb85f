"""Demo challenges and good practices: what Innovation Diffusion's regions struggle with, and
what some of them did about it; and the first of Industrial Transition's.

Innovation Diffusion gets the five critical aspects it set out to work on as themes, sixteen
implementation challenges in every status (five ranked by the group, one merged into another,
one closed with its reason), endorsed by members for their regions, and twenty good practices
in every state of their review. Industrial Transition gets three themes, three challenges and
two practices, placed from its kick-off (a few months before the day the demo is loaded).

Records are written directly (the demo is data, not a user journey: no email is sent) but keep
the rules the services enforce: one endorsement per member and challenge, never by its raiser,
in the endorser's organisation's region; one challenge per rank in a group; a merged challenge
points to the one it was merged into, which counts its endorsements as `merge_challenge` moves
them; a practice is published with every field required to submit it. Every step is in the
audit log with its actor and a believable time, so that a challenge's history reads well.

A challenge or practice is found by its group and title and never rewritten; its
endorsements, reviews, links and history are written only when it is created.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from cop.audit.services import record_change, snapshot
from cop.challenges.decisions import carry_over
from cop.challenges.models import (
    OPEN_CHALLENGES,
    Challenge,
    ChallengeStatus,
    Endorsement,
    GoodPractice,
    PracticeLink,
    PracticeReview,
    PracticeStatus,
    ReviewDecision,
    Theme,
)
from cop.challenges.practices import PRACTICE_FIELDS
from cop.challenges.services import CHALLENGE_FIELDS
from cop.challenges.themes import INNOVATION_DIFFUSION_THEMES, group_themes, seed_themes
from cop.meetings.models import Meeting, MeetingStatus
from cop.members.models import Organisation, Region, User, WorkingGroup

COORDINATOR = "coordinator"  # email local parts: coordinator@example.org

INDUSTRIAL_TRANSITION_THEMES = (
    "Skills for the green and digital transition of industry",
    "Financing the green transition of industrial SMEs",
    "The regions and workers most affected by the transition",
)

# Innovation Diffusion's themes, by their position in INNOVATION_DIFFUSION_THEMES.
SMES, UNIVERSITIES, AGENCIES, MULTINATIONALS, DIGITAL = range(5)
# Industrial Transition's.
SKILLS, FINANCE, AFFECTED = range(3)

# A day: a date, or (Industrial Transition) a number of days after the group's kick-off date.
When = date | int

ACCEPTED, BEING_ADDRESSED, ADDRESSED = "accepted", "being_addressed", "addressed"


@dataclass(frozen=True)
class DemoChallenge:
    """A challenge as a member raised it and the group decided on it.

    `steps` are the days the coordinators accepted it, marked it being addressed and addressed
    (as many as it went through); `closed` or `merged` the day it was closed with `reason` or
    merged into the challenge titled `merged_into`. People are email local parts.
    """

    title: str
    raiser: str
    raised: When
    themes: tuple[int, ...]
    description: str
    meeting_slot: int | None = None
    regions: tuple[str, ...] = ()
    endorsers: tuple[str, ...] = ()
    steps: tuple[When, ...] = ()
    priority: int | None = None
    closed: When | None = None
    reason: str = ""
    merged_into: str = ""
    merged: When | None = None

    @property
    def status(self) -> ChallengeStatus:
        if self.merged_into:
            return ChallengeStatus.MERGED
        if self.reason:
            return ChallengeStatus.CLOSED
        return (
            ChallengeStatus.PROPOSED,
            ChallengeStatus.ACCEPTED,
            ChallengeStatus.BEING_ADDRESSED,
            ChallengeStatus.ADDRESSED,
        )[len(self.steps)]


# --- Innovation Diffusion's challenges ------------------------------------------------------------

D = date
VOUCHERS = "Innovation vouchers reach the same few companies again and again"
ABSORPTIVE = "SMEs lack the capacity to absorb advanced manufacturing technologies"
ENTRY_POINT = "Companies find no single entry point to the region's universities and RTOs"
RESEARCH_AGENDAS = "University research agendas ignore the needs of companies in the region"
AGENCY_PLANNING = (
    "Innovation agencies plan apart from the employment, education and economic development "
    "agencies"
)
SUPPLIERS = "National suppliers do not learn from the multinationals they supply"
PUBLIC_DIGITAL = "Public administrations lag behind in their own digitalisation"
INDICATORS = "No shared indicators to monitor the diffusion of innovation"
BOTTLENECKS = "Regions lack an up-to-date analysis of their bottlenecks to innovation diffusion"
PROCUREMENT = "Start-ups and SMEs are shut out of public procurement of innovation"

INNOVATION_DIFFUSION_CHALLENGES = (
    DemoChallenge(
        title=VOUCHERS,
        raiser="lukas.gruber",
        raised=D(2023, 6, 27),
        meeting_slot=1,
        themes=(SMES,),
        regions=("AT12",),
        endorsers=(
            "laia.puig",
            "andrei.popescu",
            "siobhan.murphy",
            "ana.ferreira",
            "tomas.dvorak",
            "member",
            "zsofia.kovacs",
        ),
        steps=(D(2023, 9, 12), D(2024, 2, 14)),
        priority=1,
        description="""\
Most regions run innovation or digitalisation vouchers, and most find that the same
companies apply year after year: those that already have an innovation manager, know the
calls and could have paid for the service themselves. The companies the vouchers were meant
for, small firms that have never worked with a technology provider, rarely apply.

What we see in our regions:

- more than half of the vouchers go to companies that had one before;
- micro-enterprises and firms outside the main cities are hardly reached;
- a single voucher buys a study, and nothing happens after it.

We would like to learn how other regions reach first-time innovators, and whether pairing
the voucher with coaching over a longer period changes what companies do.
""",
    ),
    DemoChallenge(
        title=ENTRY_POINT,
        raiser="hannah.schmid",
        raised=D(2023, 6, 27),
        meeting_slot=1,
        themes=(UNIVERSITIES,),
        regions=("DE11", "PL21"),
        endorsers=(
            "giulia.rossi",
            "piotr.nowak",
            "iker.etxeberria",
            "camille.laurent",
            "maja.novak",
            "aino.virtanen",
        ),
        steps=(D(2023, 9, 12), D(2024, 10, 9)),
        priority=2,
        description="""\
A company that needs help from research does not know where to start. Each university,
faculty and research and technology organisation (RTO) has its own transfer office, its own
rules for contracts and its own prices, and they do not refer companies to one another.

Small companies give up after the first unanswered email. Larger ones go to the one contact
they know, even when another institute of the region would be the better partner.

The regions that raised this want to know:

1. how a shared desk for all the region's research institutes is organised and financed;
2. how the institutes agree to pass on requests they cannot serve;
3. what it costs, and who pays once the project money ends.
""",
    ),
    DemoChallenge(
        title=AGENCY_PLANNING,
        raiser="aino.virtanen",
        raised=D(2023, 6, 28),
        meeting_slot=1,
        themes=(AGENCIES,),
        regions=("FI1B",),
        endorsers=("andrei.popescu", "nikos.papadopoulos", "sofie.peeters", "joao.costa"),
        steps=(D(2023, 9, 12), D(2025, 3, 19)),
        priority=3,
        description="""\
The innovation agency runs the smart-specialisation calls; the employment agency trains
workers; the education department funds vocational schools; the economic development agency
attracts investors. Each plans on its own cycle, and companies meet four agencies that do not
know what the others offer.

The effects in our regions:

- skills programmes start years after the industries that need them were funded;
- companies are asked for the same information by several agencies;
- nobody sees the whole picture when the S3 is monitored.

We are looking for ways agencies plan together without a new layer of bureaucracy.
""",
    ),
    DemoChallenge(
        title=ABSORPTIVE,
        raiser="giulia.rossi",
        raised=D(2024, 2, 13),
        meeting_slot=2,
        themes=(SMES, DIGITAL),
        regions=("ITC4", "ITH5"),
        endorsers=(
            "jonas.weber",
            "marco.bianchi",
            "siobhan.murphy",
            "magdalena.wisniewska",
            "lukas.gruber",
        ),
        steps=(D(2024, 3, 5),),
        priority=4,
        description="""\
Even when a small manufacturer buys a robot, a sensor system or an ERP, it often does not
use it well: nobody inside the company can adapt the technology to its processes, and the
supplier leaves once the machine is installed.

Research on absorptive capacity shows that firms learn from outside knowledge only when they
have some of it inside. In our regions, SMEs:

- have no engineer or technician to lead the change;
- cannot free staff for training during production;
- do not know which technology is worth adopting first.

How have regions helped companies build this capacity, and not only buy equipment?
""",
    ),
    DemoChallenge(
        title=RESEARCH_AGENDAS,
        raiser="piotr.nowak",
        raised=D(2024, 10, 8),
        meeting_slot=3,
        themes=(UNIVERSITIES,),
        regions=("PL21",),
        endorsers=("ainhoa.aguirre", "francesca.romano", "dimitra.georgiou", "katharina.bauer"),
        steps=(D(2024, 11, 5),),
        priority=5,
        description="""\
Universities are rewarded for publications and European research projects. Working with a
company of the region counts for little in a researcher's career, and PhD topics are chosen
without asking what the region's industry needs.

This leaves the region's smart-specialisation priorities without the research behind them.
Members asked:

- how the priorities of the S3 can be brought into universities' research strategies;
- which incentives for researchers have worked (industrial PhDs, career credit, shared posts);
- how companies can take part in choosing research topics without capturing them.
""",
    ),
    DemoChallenge(
        title=SUPPLIERS,
        raiser="erik.lindqvist",
        raised=D(2025, 10, 7),
        meeting_slot=5,
        themes=(MULTINATIONALS,),
        regions=("SE11", "PT11"),
        endorsers=("ana.ferreira", "andrei.popescu", "tomas.dvorak"),
        steps=(D(2025, 10, 21),),
        description="""\
Multinationals bring advanced production methods to the regions where they settle, but the
national companies that supply them rarely learn from them. Contracts are short, quality
audits check compliance rather than build capability, and engineers of the two sides seldom
work together.

Regions that attracted large investments want their suppliers to move up the value chain:
from parts made to drawing to components they design. What made supplier development
programmes work, and what did the multinational commit to?
""",
    ),
    DemoChallenge(
        title=PUBLIC_DIGITAL,
        raiser="dimitra.georgiou",
        raised=D(2024, 5, 30),
        themes=(DIGITAL, AGENCIES),
        regions=("EL30",),
        endorsers=("mikko.korhonen", "lea.moreau", "eva.devries"),
        steps=(D(2024, 10, 9),),
        description="""\
Regions ask companies to digitalise while their own services still run on paper forms and
emails. Applications for S3 calls, reporting and payment claims are where many SMEs first
meet the region, and a slow, paper-based procedure tells them digital change is optional.

- Staff of regional administrations have little training in digital tools.
- Systems of different departments do not exchange data.
- Procurement rules make small digital pilots hard.

We propose that the group looks at digitalisation of the public side too.
""",
    ),
    DemoChallenge(
        title=INDICATORS,
        raiser="joao.costa",
        raised=D(2024, 10, 9),
        meeting_slot=3,
        themes=(AGENCIES, DIGITAL),
        regions=("PT11",),
        endorsers=("sofie.peeters", "pieter.janssens", "jordi.vila", "giulia.rossi"),
        steps=(D(2024, 10, 9), D(2024, 12, 3), D(2025, 10, 8)),
        description="""\
Regions monitor their smart-specialisation strategy with output indicators (projects
funded, companies supported) that say little about whether new technologies spread. Each
region measures diffusion differently, if at all, so regions cannot compare themselves.

The group agreed to propose a small set of indicators every region can collect each year
from data it already has, and to test them in the regions of its members.

**Outcome:** three indicators were tested in six regions and presented at the fifth plenary.
""",
    ),
    DemoChallenge(
        title=BOTTLENECKS,
        raiser="ana.ferreira",
        raised=D(2023, 6, 27),
        meeting_slot=1,
        themes=(AGENCIES,),
        regions=("PT11", "RO11"),
        endorsers=("nikos.papadopoulos", "andrei.popescu", "camille.laurent", "maja.novak"),
        steps=(D(2023, 9, 12), D(2024, 2, 14), D(2025, 3, 19)),
        description="""\
The first criterion of the smart-specialisation enabling condition asks each region for an
up-to-date analysis of the bottlenecks to innovation diffusion, including digitalisation.
Many regions wrote one for the programme's approval and have not updated it since.

We need a method that a regional team can run every year or two without a large study:

- which data to use;
- how to involve companies and the other helices;
- how the findings change the strategy's instruments.

**Outcome:** the webinar of May 2024 and the group's brief give regions a method; four
regions used it for their mid-term review.
""",
    ),
    DemoChallenge(
        title=PROCUREMENT,
        raiser="laia.puig",
        raised=D(2025, 3, 18),
        meeting_slot=4,
        themes=(AGENCIES, SMES),
        regions=("ES51",),
        endorsers=("maja.novak", "eva.devries", "mikko.korhonen"),
        steps=(D(2025, 4, 8),),
        description="""\
Public buyers could be the first customers of innovative start-ups and SMEs, but tenders
ask for three years of turnover, references from similar contracts and large lots. Public
procurement of innovation is used by a handful of pioneering authorities only.

Questions for the group:

- how regions have opened their own procurement to innovative small firms;
- how innovation agencies support public buyers in running pre-commercial procurement;
- how the risk of buying something new is shared.
""",
    ),
    DemoChallenge(
        title="Company staff rarely move between multinationals and national SMEs",
        raiser="ingrid.svensson",
        raised=D(2025, 10, 8),
        meeting_slot=5,
        themes=(MULTINATIONALS,),
        regions=("SE11",),
        endorsers=("ana.ferreira", "tomas.dvorak"),
        description="""\
Knowledge moves with people. In regions with large foreign investments, engineers and
managers of multinationals seldom move to national companies, and the other way round, so
the ways of working of the multinationals stay inside their walls.

We would like to collect experience of secondments, shared training and mentoring between
multinationals and SMEs, and of the rules (non-compete clauses, pay gaps) that stand in
their way.
""",
    ),
    DemoChallenge(
        title="Agri-food SMEs cannot afford to test new technologies before buying them",
        raiser="member",
        raised=D(2026, 2, 10),
        themes=(SMES, DIGITAL),
        regions=("ITH5", "IE05"),
        endorsers=("siobhan.murphy",),
        description="""\
Small food processors hear about sensors, traceability platforms and automated quality
control, but they cannot stop a production line to try a technology they are not sure of,
and suppliers do not lend equipment.

- Demonstration sites are far away and show large plants, not small ones.
- Trials cost more than the company's yearly investment budget.

Could the group look at shared pilot lines and test-before-invest services for food SMEs?
""",
    ),
    DemoChallenge(
        title="Cybersecurity worries hold SMEs back from digitalising",
        raiser="tomas.dvorak",
        raised=D(2026, 4, 21),
        meeting_slot=6,
        themes=(SMES, DIGITAL),
        regions=("CZ01",),
        endorsers=("felix.hoffmann", "lea.moreau"),
        description="""\
Owners of small companies tell our digital innovation hub that they hold back from cloud
services and connected machines because they fear attacks they could not handle. Few have
anyone in charge of security, and the offers they receive are written for large firms.

How have regions and hubs made security part of their support to SMEs' digitalisation,
without scaring companies off?
""",
    ),
    DemoChallenge(
        title="Civil society is left out of the entrepreneurial discovery process",
        raiser="eva.devries",
        raised=D(2026, 5, 12),
        themes=(AGENCIES,),
        regions=("NL32",),
        endorsers=("zsofia.kovacs", "maja.novak"),
        description="""\
The entrepreneurial discovery process is meant to involve the quadruple helix, but in
practice regions invite companies and universities, and civil society organisations hear of
the priorities once they are decided.

Citizens' groups, social enterprises and NGOs know how new technologies are taken up (or
not) by the people who should use them. We propose to collect ways regions have brought them
into the process: living labs, citizens' panels, calls for social innovation.
""",
    ),
    DemoChallenge(
        title="Companies cannot find the right contact in universities",
        raiser="thomas.girard",
        raised=D(2024, 2, 13),
        meeting_slot=2,
        themes=(UNIVERSITIES, SMES),
        regions=("FRK2",),
        endorsers=("marco.bianchi", "giulia.rossi", "katharina.bauer"),
        merged_into=ENTRY_POINT,
        merged=D(2024, 3, 5),
        reason="""\
The same need as the challenge it was merged into, agreed at the second plenary: companies
need one entry point to the region's research, and a person who routes their questions.""",
        description="""\
Our chamber's SME advisers spend hours finding who, in the universities of the region,
could answer a company's technical question. Websites list departments, not competences,
and transfer offices answer slowly.

We would need a directory of competences, or a person who knows the research side and can
route companies' questions.
""",
    ),
    DemoChallenge(
        title="Translate the Smart Specialisation Platform's guidance into every EU language",
        raiser="andrei.popescu",
        raised=D(2024, 10, 9),
        meeting_slot=3,
        themes=(AGENCIES,),
        regions=("RO11",),
        endorsers=("nikos.papadopoulos",),
        closed=D(2024, 11, 5),
        reason="""\
Not an implementation challenge the regions can take up: the Platform's guidance and its
languages are decided by the European Commission. The coordinators passed the request on to
the Platform's team, and the group's own outputs will have summaries in several languages.""",
        description="""\
Much of the guidance on smart specialisation exists in English only. Staff of regional
administrations and of smaller agencies who do not work in English use it less, and
stakeholders in the entrepreneurial discovery process cannot read it at all.

We ask that the guidance most used by regions be available in every official language.
""",
    ),
)

# The day the group agreed its ranking (at the fifth plenary).
INNOVATION_DIFFUSION_RANKED = D(2025, 10, 8)


# --- Industrial Transition's challenges (days after the group's kick-off date) ------------------

WORKERS = "Workers of energy-intensive industries lack routes into the new jobs"
GREEN_FINANCE = "Industrial SMEs cannot finance the green transition of their production"

INDUSTRIAL_TRANSITION_CHALLENGES = (
    DemoChallenge(
        title=WORKERS,
        raiser="iker.etxeberria",
        raised=14,
        meeting_slot=1,
        themes=(SKILLS, AFFECTED),
        regions=("ES21",),
        endorsers=("andrei.popescu", "zsofia.kovacs", "ana.ferreira", "katharina.bauer"),
        steps=(35,),
        priority=1,
        description="""\
Steel, cement, chemicals and ceramics employ thousands of people in our regions, and their
jobs will change or go as production decarbonises. The new industries (batteries, hydrogen,
recycling) need different skills, and often in other places.

- Training programmes are short and generic.
- Workers are retrained after they lose their job, not before.
- Companies of the new industries are not involved in designing the training.

How do regions build routes from the old jobs to the new ones, with the employers of both?
""",
    ),
    DemoChallenge(
        title=GREEN_FINANCE,
        raiser="ingrid.svensson",
        raised=14,
        meeting_slot=1,
        themes=(FINANCE,),
        regions=("SE11",),
        endorsers=("thomas.girard", "lukas.gruber", "marco.bianchi", "member"),
        steps=(35,),
        priority=2,
        description="""\
Large manufacturers finance their decarbonisation with green bonds and public support.
Their SME suppliers must follow, but banks see heat pumps, electrified furnaces and new
materials as risky, and grants come with long procedures.

We would like to learn how regions have combined loans, guarantees and grants for SMEs'
green investments, and how the cohesion funds were used for it.
""",
    ),
    DemoChallenge(
        title="The regions most affected lose their young people before new industries arrive",
        raiser="ana.ferreira",
        raised=60,
        themes=(AFFECTED, SKILLS),
        regions=("PT11",),
        endorsers=("dimitra.georgiou", "mikko.korhonen"),
        description="""\
In regions whose mines or plants are closing, young people leave for the cities years
before the new investments come, and the new employers then cannot find staff.

We propose the group collects what regions have done to keep young people in these places
during the transition: apprenticeships with the incoming industries, mobility grants tied
to returning, and involving young people in the transition plans.
""",
    ),
)

INDUSTRIAL_TRANSITION_RANKED = 42


# --- Good practices ----------------------------------------------------------------------------

SUBMITTED, RETURNED, PUBLISHED, WITHDRAWN = "submitted", "returned", "published", "withdrawn"


@dataclass(frozen=True)
class DemoPractice:
    """A good practice and its review: `events` are (what, day, comments) in order, each
    "submitted" (by its author), "returned" or "published" (by the coordinator) or
    "withdrawn" (by its author). No event: a draft."""

    title: str
    author: str
    organisation: str
    created: When
    themes: tuple[int, ...]
    problem: str
    what_was_done: str = ""
    resources: str = ""
    timescale: str = ""
    evidence: str = ""
    difficulties: str = ""
    transferability: str = ""
    contact: tuple[str, str] | None = None  # name, email local part
    challenges: tuple[str, ...] = ()
    links: tuple[tuple[str, str], ...] = ()
    events: tuple[tuple[str, When, str], ...] = ()

    @property
    def status(self) -> PracticeStatus:
        if not self.events:
            return PracticeStatus.DRAFT
        return PracticeStatus(self.events[-1][0])


def _published(submitted: When, published: When, comments: str = ""):
    return ((SUBMITTED, submitted, ""), (PUBLISHED, published, comments))


INNOVATION_DIFFUSION_PRACTICES = (
    DemoPractice(
        title="Digitalisation vouchers with a year of coaching",
        author="lukas.gruber",
        organisation="Lower Austria Business Agency",
        created=D(2023, 11, 6),
        themes=(SMES, DIGITAL),
        challenges=(VOUCHERS, ABSORPTIVE),
        problem="""\
Our digitalisation vouchers were used by the same experienced companies every year, and
most paid for a one-off study that led to no investment.""",
        what_was_done="""\
Since 2021 the voucher is only open to companies that did not have one in the previous
five years, and it comes with a coach from the agency for twelve months:

- a free digital maturity check at the start;
- a voucher of up to EUR 10,000 for a service from a listed provider;
- four coaching visits to turn the result into an investment plan.""",
        resources="""\
EUR 1.2 million a year from the regional budget for vouchers, and four full-time coaches
at the agency. A list of some 150 providers, renewed every two years.""",
        timescale="Running since 2021; coaching lasts twelve months per company",
        evidence="""\
- 78% of the companies supported in 2022 were first-time applicants (31% before).
- Two years on, 46% had invested in the technology the voucher explored.
- Satisfaction with the coaching: 8.6 out of 10.""",
        difficulties="""\
Finding coaches who know both production and digital tools; providers had to accept that
the coach may question their offer.""",
        transferability="""\
The model works with any existing voucher scheme: the coaching can be bought in from
chambers or technology centres where an agency has no staff for it.""",
        contact=("Lukas Gruber", "lukas.gruber"),
        links=(
            (
                "Evaluation of the voucher scheme, 2023 (PDF)",
                "https://ecoplus.example.org/vouchers-evaluation-2023.pdf",
            ),
            (
                "Interreg Europe's Policy Learning Platform",
                "https://www.interregeurope.eu/policy-learning-platform",
            ),
        ),
        events=_published(D(2024, 1, 15), D(2024, 1, 30), "Clear and well evidenced: thank you."),
    ),
    DemoPractice(
        title="One SME desk for all the region's research institutes",
        author="hannah.schmid",
        organisation="Stuttgart Region Technology Transfer Centre",
        created=D(2024, 3, 4),
        themes=(UNIVERSITIES,),
        challenges=(ENTRY_POINT,),
        problem="""\
The region has four universities and more than twenty applied research institutes, each with
its own transfer office. SMEs did not know whom to ask and rarely asked twice.""",
        what_was_done="""\
The institutes set up a shared desk with one phone number, one web form and a promise to
answer within five working days. The desk's staff know the institutes' competences and
route each request to the best one, or to two for a joint offer.

A charter signed by the directors obliges each institute to pass on requests it cannot
serve, instead of keeping them.""",
        resources="""\
Three advisers (two paid by the region, one by the institutes together), a shared customer
relationship tool, and a yearly meeting of the institutes' directors.""",
        timescale="Prepared in 9 months; running since 2019",
        evidence="""\
Some 600 requests a year, 70% from companies with fewer than 50 employees; a third led to a
project with an institute, and 40% of those companies had never worked with research before.""",
        difficulties="""\
Institutes feared losing clients to one another; the charter and a monthly report of where
requests went built trust.""",
        transferability="""\
Any region with several research organisations can do it; the charter is the part to
copy first. Presented at the study visit of November 2024.""",
        contact=("Felix Hoffmann", "felix.hoffmann"),
        links=(
            # Not the study visit's report: that one is for the group's members only.
            (
                "The institutes' joint charter",
                "https://cop.example.org/files/innovation-diffusion/stuttgart-institutes-charter.pdf",
            ),
        ),
        events=_published(D(2024, 4, 2), D(2024, 4, 16)),
    ),
    DemoPractice(
        title="Industrial PhDs co-supervised with companies of the region",
        author="magdalena.wisniewska",
        organisation="Małopolska University of Technology",
        created=D(2024, 9, 2),
        themes=(UNIVERSITIES,),
        challenges=(RESEARCH_AGENDAS,),
        problem="""\
PhD topics were chosen by professors alone; graduates left the region, and companies saw
the university as remote from their needs.""",
        what_was_done="""\
The university opened twenty industrial doctorate places a year. The company and the
university choose the topic together within the region's smart-specialisation priorities;
the candidate is employed by the company and spends half of the time at the university,
with a supervisor on each side.""",
        resources="""\
The company pays the salary; the region co-finances 40% for SMEs from the ERDF programme.
One coordinator at the university's transfer office.""",
        timescale="Four years per doctorate; first cohort started in 2020",
        evidence="""\
58 doctorates in five cohorts, 21 with SMEs; 90% of the graduates so far stayed with their
company; 14 patent applications.""",
        difficulties="""\
Agreeing on intellectual property took months in the first year; a model contract now
settles it in weeks. SMEs need help to find a suitable candidate.""",
        transferability="""\
National rules on doctorates differ, but most allow co-supervision. The model contract is
available in English.""",
        contact=("Magdalena Wiśniewska", "magdalena.wisniewska"),
        events=_published(D(2024, 10, 14), D(2024, 10, 28), "Published: a strong example."),
    ),
    DemoPractice(
        title="A coordination charter between the region's agencies",
        author="aino.virtanen",
        organisation="Helsinki-Uusimaa Regional Council",
        created=D(2025, 4, 7),
        themes=(AGENCIES,),
        challenges=(AGENCY_PLANNING,),
        problem="""\
The innovation, employment, education and business agencies of the region planned their
programmes separately, and companies met them one by one.""",
        what_was_done="""\
The four agencies signed a charter in which they:

1. share their yearly plans in one calendar before adopting them;
2. hold a joint call for the S3 priority of health technology;
3. send a single contact person to companies that need more than one agency.""",
        resources="""\
No new budget: two days a month of a senior advisor in each agency, and the regional
council's secretariat for the joint meetings.""",
        timescale="Tested since April 2025 in three regions of the group",
        evidence="""\
In its first year, the joint call drew 40% more applications than the agencies' separate
calls before; the three pilot regions report fewer duplicate requests to companies.""",
        difficulties="""\
Different budget cycles: the agencies agreed to plan on the earliest one. Data sharing
between agencies needed a legal basis.""",
        transferability="""\
Being tested in Uusimaa, Nord-Vest and Attica; a template charter is on the group's page.""",
        contact=("Aino Virtanen", "aino.virtanen"),
        links=(
            (
                "Template charter (PDF)",
                "https://cop.example.org/files/innovation-diffusion/coordination-charter-template.pdf",
            ),
        ),
        events=(
            (SUBMITTED, D(2025, 5, 5), ""),
            (
                RETURNED,
                D(2025, 5, 12),
                "Thank you. Please add what the pilot has shown so far in the evidence, and say"
                " what the charter costs the agencies.",
            ),
            (SUBMITTED, D(2025, 10, 20), ""),
            (PUBLISHED, D(2025, 10, 27), "Thank you for the additions."),
        ),
    ),
    DemoPractice(
        title="A supplier development programme with an automotive multinational",
        author="ana.ferreira",
        organisation="Norte Regional Coordination Commission",
        created=D(2025, 10, 13),
        themes=(MULTINATIONALS,),
        challenges=(SUPPLIERS,),
        problem="""\
National suppliers of a large car plant in the region made simple parts to drawing and had
no path to design or engineering work.""",
        what_was_done="""\
The region, the plant and the sector association ran a two-year programme for fifteen
suppliers: engineers of the plant spent a day a week with each supplier, the suppliers
followed a shared lean and quality training, and the plant opened two design tenders to
them.""",
        resources="""\
EUR 2.4 million, 60% from the regional programme; the multinational gave 3,000 hours of its
engineers' time. A programme manager at the sector association.""",
        timescale="Two years (2022–2024)",
        evidence="""\
Eleven of the fifteen suppliers won new contracts of higher value; four now co-design parts
with the plant; productivity rose by 18% on average.""",
        difficulties="""\
Confidentiality: engineers of the plant could not share some processes. The multinational's
headquarters had to approve the time given.""",
        transferability="""\
Needs a multinational willing to commit staff time, not only money: the region made that a
condition of its investment support.""",
        contact=("João Costa", "joao.costa"),
        events=_published(D(2025, 10, 20), D(2025, 11, 3)),
    ),
    DemoPractice(
        title="Test-before-invest demonstrators in a European Digital Innovation Hub",
        author="tomas.dvorak",
        organisation="Prague Digital Innovation Hub",
        created=D(2024, 5, 13),
        themes=(SMES, DIGITAL),
        challenges=(VOUCHERS, ABSORPTIVE),
        problem="""\
SMEs hesitated to invest in automation and data tools they had never seen work in a company
of their size.""",
        what_was_done="""\
The hub equipped a small demonstration factory with a production line, collaborative robots
and a data platform. Companies bring their own product and test a solution for up to ten
days, with the hub's engineers, before deciding to buy.""",
        resources="""\
EUR 1.8 million of equipment (Digital Europe Programme and national co-financing); six
engineers; companies pay 10% of the cost of a test.""",
        timescale="Running since 2023",
        evidence="""\
210 tests in two years; 55% of the companies invested within a year, on average EUR 120,000
each.""",
        difficulties="""\
The demonstrator must be renewed often to stay relevant; partnerships with equipment
suppliers cover part of it.""",
        transferability="""\
Every European Digital Innovation Hub offers test-before-invest services; the design of the
small factory can be shared.""",
        contact=("Petr Svoboda", "petr.svoboda"),
        links=(
            (
                "European Digital Innovation Hubs network",
                "https://european-digital-innovation-hubs.ec.europa.eu/",
            ),
        ),
        events=_published(D(2024, 6, 3), D(2024, 6, 17)),
    ),
    DemoPractice(
        title="Open innovation challenges run by the regional innovation agency",
        author="laia.puig",
        organisation="Catalonia Open Innovation Agency",
        created=D(2025, 4, 14),
        themes=(AGENCIES, SMES),
        challenges=(PROCUREMENT,),
        problem="""\
Public bodies of the region bought only what already existed, and start-ups could not meet
the conditions of ordinary tenders.""",
        what_was_done="""\
The agency helps public bodies describe a need as a challenge rather than a product, and
runs an open call: start-ups and SMEs propose solutions, five are paid to build a prototype,
and the buyer may then procure the best one through pre-commercial procurement.""",
        resources="""\
A team of five at the agency; the buyer pays the prototypes (EUR 20,000–50,000 each),
co-financed by the agency for the first challenge.""",
        timescale="About ten months from the challenge to the first contract",
        evidence="""\
32 challenges since 2021 with 19 public bodies; 61% led to a contract; 70% of the winners
were companies with fewer than 20 employees.""",
        difficulties="""\
Legal services of the buyers were wary at first; the agency now provides model documents
reviewed by the regional audit office.""",
        transferability="""\
The method fits any region whose procurement law allows pre-commercial procurement (all EU
Member States).""",
        contact=("Jordi Vila", "jordi.vila"),
        events=_published(D(2025, 5, 5), D(2025, 5, 19)),
    ),
    DemoPractice(
        title="A yearly survey of technology adoption in the region's companies",
        author="pieter.janssens",
        organisation="Flanders Region Innovation Office",
        created=D(2024, 11, 18),
        themes=(DIGITAL, AGENCIES),
        challenges=(INDICATORS, BOTTLENECKS),
        problem="""\
The region knew how much support it gave, but not whether companies were adopting new
technologies, nor which bottlenecks held them back.""",
        what_was_done="""\
A short online survey of 2,500 companies, sampled each year by size and sector, asks which
of twelve technologies they use, plan or reject, and why. Results are published as open
data and feed the update of the bottleneck analysis for the S3.""",
        resources="""\
EUR 90,000 a year for the survey company; half a post of a data analyst at the office.""",
        timescale="Yearly since 2022; results each spring",
        evidence="""\
The survey showed that cost was no longer the main obstacle for small companies, but skills
were; the region moved a third of its voucher budget to training as a result.""",
        difficulties="""\
Response rates fell in the second year; shorter questions and sharing results with
respondents brought them back above 30%.""",
        transferability="""\
The questionnaire is aligned with Eurostat's ICT usage survey, so regions can compare
themselves; it was used to test the group's three indicators.""",
        contact=("Sofie Peeters", "sofie.peeters"),
        links=(("Smart Specialisation Platform", "https://s3platform.jrc.ec.europa.eu/"),),
        events=_published(D(2024, 12, 2), D(2024, 12, 9)),
    ),
    DemoPractice(
        title="A network of demonstration farms for agri-tech",
        author="siobhan.murphy",
        organisation="Southern Ireland Agri-tech SME",
        created=D(2024, 2, 20),
        themes=(SMES,),
        challenges=(VOUCHERS,),
        problem="""\
Farmers and small food companies trust what they see on a neighbour's farm more than any
brochure, and few had seen precision agriculture at work.""",
        what_was_done="""\
Twelve farms of different sizes host demonstrations of sensors, robotic milking and data
tools, with open days four times a year and a phone line to the host farmer. Our company
and two others provide the equipment and training.""",
        resources="""\
EUR 300,000 over three years from the rural development programme; host farmers receive a
fee for each open day.""",
        timescale="Three years (2022–2025), now extended",
        evidence="""\
More than 3,000 visitors; a follow-up survey found that one visitor in five adopted at least
one technology within a year.""",
        difficulties="""\
Keeping host farmers motivated once the novelty wore off; biosecurity rules for visitors.""",
        transferability="""\
Suits any region with a strong farming or food sector; the host fee and the open-day
calendar are the essential parts.""",
        contact=("Siobhán Murphy", "siobhan.murphy"),
        events=_published(D(2024, 3, 11), D(2024, 3, 18)),
    ),
    DemoPractice(
        title="Technology centre engineers seconded to SMEs",
        author="ainhoa.aguirre",
        organisation="Basque Advanced Manufacturing Research Centre",
        created=D(2024, 2, 19),
        themes=(UNIVERSITIES, SMES),
        challenges=(ENTRY_POINT, ABSORPTIVE),
        problem="""\
Small manufacturers worked with the technology centre on a project, but the knowledge left
with the centre's engineers when the project ended.""",
        what_was_done="""\
An engineer of the centre works inside the company two days a week for six months, on the
company's own production, and trains a member of its staff to carry the work on.""",
        resources="""\
The regional government pays 70% of the engineer's time for SMEs; the company pays the rest.
About 25 secondments a year.""",
        timescale="Six months per secondment; running since 2018",
        evidence="""\
Of 140 companies, 80% kept working with the centre afterwards, and 35% hired an engineer
within two years.""",
        difficulties="""\
The centre must release engineers from research projects; secondments are planned a year
ahead.""",
        transferability="""\
Any RTO with applied engineers can offer it; it pairs well with innovation vouchers.""",
        contact=("Iker Etxeberria", "iker.etxeberria"),
        events=_published(D(2024, 2, 26), D(2024, 3, 4)),
    ),
    DemoPractice(
        title="Citizen living labs for digital public services",
        author="daan.bakker",
        organisation="Noord-Holland Citizens' Science Network",
        created=D(2024, 11, 4),
        themes=(DIGITAL,),
        challenges=(PUBLIC_DIGITAL,),
        problem="""\
New digital services of municipalities were designed without the people who would use them,
and older residents turned back to the counter.""",
        what_was_done="""\
Our network runs living labs in libraries and community centres where residents test new
digital services of the province and its municipalities before launch, guided by volunteers.
The findings go to the developers within a week.""",
        resources="""\
A coordinator, 40 trained volunteers, and EUR 60,000 a year from the province.""",
        timescale="Each lab runs for four to six weeks",
        evidence="""\
Nine services were changed after testing; use of the province's subsidy portal by people
over 65 doubled after its redesign.""",
        difficulties="""\
Developers' deadlines left little room for changes; labs are now booked at the design stage.""",
        transferability="""\
Needs a network of volunteers and public spaces; libraries are natural partners everywhere.""",
        contact=("Eva de Vries", "eva.devries"),
        events=_published(D(2024, 12, 2), D(2024, 12, 16)),
    ),
    DemoPractice(
        title="Engineer exchanges between a multinational and its local suppliers",
        author="erik.lindqvist",
        organisation="Stockholm Mobility Systems AB",
        created=D(2025, 10, 13),
        themes=(MULTINATIONALS,),
        challenges=(SUPPLIERS,),
        problem="""\
Our engineers and those of our local suppliers met only to settle quality problems, and
never learnt from one another.""",
        what_was_done="""\
Each year ten engineers of our company spend three months at a supplier, and ten of the
suppliers' engineers join our development teams. Both sides keep their employer and salary.""",
        resources="""\
Salaries are paid by each employer; the region funds the coordination and travel
(EUR 80,000 a year).""",
        timescale="Three-month exchanges; running since 2022",
        evidence="""\
Suppliers taking part cut their defect rate by a third, and two now co-develop components
with us.""",
        difficulties="""\
Confidentiality agreements had to be rewritten; small suppliers found it hard to spare an
engineer for three months.""",
        transferability="""\
Any multinational with a development centre in the region could do it; the region's role is
to broker and fund the coordination.""",
        contact=("Ingrid Svensson", "ingrid.svensson"),
        events=_published(D(2025, 11, 3), D(2025, 11, 17)),
    ),
    DemoPractice(
        title="A regional cloud marketplace for manufacturing SMEs",
        author="jonas.weber",
        organisation="Upper Bavaria Digital Manufacturing Cluster",
        created=D(2024, 4, 8),
        themes=(DIGITAL,),
        problem="""\
SMEs of the cluster could not compare the cloud services offered to them.""",
        what_was_done="""\
The cluster ran a marketplace listing cloud services checked against a common set of
criteria, with reviews by member companies.""",
        resources="Two staff of the cluster; EUR 150,000 from the regional programme.",
        timescale="2022–2025",
        evidence="""\
320 companies used the marketplace; 45 providers were listed.""",
        difficulties="""\
Keeping the listings current took more effort than planned.""",
        transferability="""\
Superseded by national and European catalogues; kept here for its lessons.""",
        contact=("Jonas Weber", "jonas.weber"),
        events=(
            (SUBMITTED, D(2024, 4, 22), ""),
            (PUBLISHED, D(2024, 5, 6), ""),
            (WITHDRAWN, D(2025, 9, 15), ""),
        ),
    ),
    DemoPractice(
        title="A one-stop shop of the innovation agency and the employment service",
        author="andrei.popescu",
        organisation="Nord-Vest Regional Development Agency",
        created=D(2025, 9, 1),
        themes=(AGENCIES,),
        challenges=(AGENCY_PLANNING,),
        problem="""\
Companies investing in new technology had to apply separately for innovation support and
for training grants, often too late for the training to be ready.""",
        what_was_done="""\
The agency and the county employment service share an office and one application for
companies that invest and need to train staff. A joint team answers within three weeks.""",
        resources="Four staff seconded by the two bodies; a shared case management tool.",
        timescale="Pilot since January 2025",
        evidence="""\
In its first nine months, 48 companies applied; the time from application to training fell
from seven months to ten weeks.""",
        difficulties="Two sets of eligibility rules; the team keeps a joint checklist.",
        transferability="""\
One of the three pilots of the group's coordination charter; needs agreement at county
level only.""",
        contact=("Andrei Popescu", "andrei.popescu"),
        events=((SUBMITTED, D(2025, 11, 10), ""),),
    ),
    DemoPractice(
        title="A bottleneck analysis a regional team can update every two years",
        author="nikos.papadopoulos",
        organisation="Attica Ministry Liaison for Research and Innovation",
        created=D(2026, 5, 4),
        themes=(AGENCIES, DIGITAL),
        challenges=(BOTTLENECKS,),
        problem="""\
The analysis of bottlenecks to innovation diffusion written for the programme's approval
was a large study that nobody could update.""",
        what_was_done="""\
A team of three analysts updates the analysis every two years with the group's method:
existing statistics, the three diffusion indicators, and four focus groups with companies,
researchers and civil society.""",
        resources="Three analysts for two months every two years; EUR 15,000 for the focus groups.",
        timescale="Two months every two years",
        evidence="""\
The 2026 update was used in the mid-term review of the regional programme and moved funds
to two instruments.""",
        difficulties="Access to firm-level data held by the national statistics office.",
        transferability="Designed from the group's brief; any region can follow it.",
        contact=("Dimitra Georgiou", "dimitra.georgiou"),
        events=((SUBMITTED, D(2026, 11, 9), ""),),
    ),
    DemoPractice(
        title="A social innovation incubator for the digital skills of small businesses",
        author="zsofia.kovacs",
        organisation="Budapest Foundation for Social Innovation",
        created=D(2026, 9, 7),
        themes=(DIGITAL, SMES),
        problem="""\
Micro-businesses run by older owners or in poorer districts were left out of digital
support programmes designed for growth companies.""",
        what_was_done="""\
Young volunteers trained by the foundation spend ten sessions with a micro-business owner,
setting up online sales, bookkeeping and payments. Social enterprises developed the
training.""",
        resources="A coordinator, 60 volunteers a year, EUR 45,000 from a city fund.",
        timescale="Ten weeks per business; since 2024",
        evidence="""\
180 businesses supported; 70% use at least one new digital tool six months later.""",
        difficulties="Volunteer turnover; matching volunteers and owners.",
        transferability="Works wherever universities or schools can supply volunteers.",
        contact=("Bence Szabó", "bence.szabo"),
        events=((SUBMITTED, D(2026, 11, 16), ""),),
    ),
    DemoPractice(
        title="A shared pilot line for food processing SMEs",
        author="member",
        organisation="Emilia-Romagna Food Valley SME",
        created=D(2026, 3, 2),
        themes=(SMES, DIGITAL),
        challenges=(VOUCHERS,),
        problem="""\
Small food processors could not stop their own lines to test automation or quality-control
technologies.""",
        what_was_done="""\
Five food SMEs and the regional technopole share a small pilot line where each can test
equipment on its own products for a week, with an engineer of the technopole.""",
        resources="The companies share the rent of the line; suppliers lend the equipment.",
        timescale="Since 2025",
        evidence="The companies are happy with it.",
        difficulties="Planning the weeks between the companies.",
        transferability="Other food districts could do the same.",
        contact=("Milan Member", "member"),
        events=(
            (SUBMITTED, D(2026, 10, 5), ""),
            (
                RETURNED,
                D(2026, 10, 19),
                "A promising practice. Please give evidence other regions can weigh: how many"
                " tests were run, how many companies invested afterwards, and what the line"
                " costs each company a year.",
            ),
        ),
    ),
    DemoPractice(
        title="Start-up scouting for the region's established industry",
        author="maja.novak",
        organisation="Western Slovenia Start-up Association",
        created=D(2025, 6, 2),
        themes=(SMES, MULTINATIONALS),
        problem="""\
Established manufacturers of the region did not know the start-ups that could solve their
problems, and start-ups lacked a first industrial customer.""",
        what_was_done="""\
Our association scouts start-ups across the region and the neighbouring countries for
challenges set by manufacturers, and organises pitch days.""",
        resources="Two scouts; membership fees of the manufacturers.",
        timescale="Pitch days twice a year",
        evidence="""\
Twelve pilots between start-ups and manufacturers so far.""",
        difficulties="Manufacturers' purchasing rules.",
        transferability="Suits regions with a strong start-up community near industry.",
        contact=("Maja Novak", "maja.novak"),
        events=(
            (SUBMITTED, D(2025, 7, 7), ""),
            (
                RETURNED,
                D(2025, 7, 21),
                "Please describe what the pilots led to (contracts, investments) and what the"
                " manufacturers pay, so that other regions can judge the model.",
            ),
        ),
    ),
    DemoPractice(
        title="Webinars on food technology with the university",
        author="member",
        organisation="Emilia-Romagna Food Valley SME",
        created=D(2026, 11, 2),
        themes=(UNIVERSITIES,),
        problem="""\
Researchers of the university's food science department and the food SMEs of the province
do not know one another.""",
        what_was_done="""\
Monthly lunchtime webinars where a researcher presents work that could be used by food
companies, followed by questions.""",
        contact=("Milan Member", "member"),
    ),
    DemoPractice(
        title="A public dashboard of the regional smart-specialisation strategy",
        author="lea.moreau",
        organisation="Île-de-France Regional Council, Research Directorate",
        created=D(2026, 10, 12),
        themes=(DIGITAL,),
        challenges=(INDICATORS,),
        problem="""\
Stakeholders of the entrepreneurial discovery process could not follow what the strategy
funded or achieved.""",
        what_was_done="""\
An online dashboard, updated every quarter, with projects funded per priority and the
group's three diffusion indicators.""",
        resources="",
        timescale="",
    ),
)

INDUSTRIAL_TRANSITION_PRACTICES = (
    DemoPractice(
        title="A transition academy for workers of the automotive supply chain",
        author="thomas.girard",
        organisation="Rhône-Alpes Chamber of Commerce and Industry",
        created=40,
        themes=(SKILLS, AFFECTED),
        challenges=(WORKERS,),
        problem="""\
Suppliers of combustion engine parts are losing orders, and their workers' skills do not
match the jobs of electric drivetrains and batteries.""",
        what_was_done="""\
The chamber, the region and the employers of the new plants designed a twelve-week
programme that retrains workers while they are still employed, with a job guarantee at one
of the new employers for those who complete it.""",
        resources="""\
EUR 3 million over three years from the Just Transition Fund; trainers from two vocational
schools; the new employers give trainers and placements.""",
        timescale="Twelve weeks per cohort; since 2024",
        evidence="""\
Five cohorts, 240 workers; 86% were hired by a new employer within three months.""",
        difficulties="""\
Workers feared losing their job before the new one was sure: the job guarantee was decisive.""",
        transferability="""\
Any region with a Just Transition plan can fund it; the employers' commitment is the key.""",
        contact=("Thomas Girard", "thomas.girard"),
        events=_published(60, 70, "Thank you: a clear model for other regions."),
    ),
    DemoPractice(
        title="Green transition loans guaranteed by the region",
        author="katharina.bauer",
        organisation="Lower Austria Business Agency",
        created=65,
        themes=(FINANCE,),
        challenges=(GREEN_FINANCE,),
        problem="""\
Banks refused loans for SMEs' investments in heat pumps and electrified processes, seeing
the technology as risky.""",
        what_was_done="""\
The region guarantees 70% of loans of partner banks for SMEs' decarbonisation investments,
after a free energy audit by the agency.""",
        resources="A guarantee fund of EUR 20 million; two energy auditors at the agency.",
        timescale="Since 2023",
        evidence="""\
310 loans guaranteed for EUR 64 million of investment; defaults below 1%.""",
        difficulties="Agreeing the audit's criteria with the banks.",
        transferability="Guarantee funds can be set up with cohesion funds in any region.",
        contact=("Lukas Gruber", "lukas.gruber"),
        events=((SUBMITTED, 90, ""),),
    ),
)


# --- Loading ------------------------------------------------------------------------------------


@dataclass
class _Context:
    """What loading a group's challenges and practices needs to look up."""

    session: Session
    report: object
    group: WorkingGroup
    themes: list[Theme]
    people: dict[str, User]
    regions: dict[str, Region]
    organisations: dict[str, Organisation]
    coordinator: User | None
    now: datetime

    def at(self, when: When, hour: int = 10) -> datetime:
        """The instant of `when` at `hour` UTC, never later than an hour before loading."""
        day = when if isinstance(when, date) else self.group.kickoff + timedelta(days=when)
        instant = datetime.combine(day, time(hour), UTC)
        return min(instant, self.now - timedelta(hours=1))

    def person(self, local: str) -> User | None:
        return self.people.get(f"{local}@example.org")

    def region_of(self, person: User | None) -> Region | None:
        if person is None or person.organisation is None:
            return None
        return self.regions.get(person.organisation.region_code)


def load_demo_challenges(session: Session, report, groups: dict[str, WorkingGroup], now) -> None:
    """Create the demo groups' missing themes, challenges and good practices."""
    plans = (
        (
            groups["innovation-diffusion"],
            INNOVATION_DIFFUSION_THEMES,
            INNOVATION_DIFFUSION_CHALLENGES,
            INNOVATION_DIFFUSION_RANKED,
            INNOVATION_DIFFUSION_PRACTICES,
        ),
        (
            groups["industrial-transition"],
            INDUSTRIAL_TRANSITION_THEMES,
            INDUSTRIAL_TRANSITION_CHALLENGES,
            INDUSTRIAL_TRANSITION_RANKED,
            INDUSTRIAL_TRANSITION_PRACTICES,
        ),
    )
    locals_ = {COORDINATOR}
    names = set()
    for _group, _themes, challenges, _ranked, practices in plans:
        for spec in challenges:
            locals_ |= {spec.raiser, *spec.endorsers}
        for practice in practices:
            locals_.add(practice.author)
            names.add(practice.organisation)
    people = {
        person.email: person
        for person in session.scalars(
            select(User)
            .where(User.email.in_([f"{local}@example.org" for local in locals_]))
            .options(selectinload(User.organisation))
        )
    }
    regions = {region.code: region for region in session.scalars(select(Region))}
    organisations = {
        organisation.name: organisation
        for organisation in session.scalars(
            select(Organisation).where(Organisation.name.in_(names))
        )
    }
    for group, theme_names, challenges, ranked, practices in plans:
        added = seed_themes(session, group, theme_names)
        report.created += len(added)
        report.kept += len(theme_names) - len(added)
        by_name = {theme.name: theme for theme in group_themes(session, group, retired=True)}
        context = _Context(
            session=session,
            report=report,
            group=group,
            themes=[by_name[name] for name in theme_names],
            people=people,
            regions=regions,
            organisations=organisations,
            coordinator=people.get(f"{COORDINATOR}@example.org"),
            now=now,
        )
        found = _challenges(context, challenges, ranked)
        _practices(context, practices, found)
    session.flush()


def _challenges(context: _Context, specs, ranked: When) -> dict[str, Challenge]:
    """The group's demo challenges by title, those missing created with their history."""
    session, group = context.session, context.group
    existing = {
        challenge.title: challenge
        for challenge in session.scalars(
            select(Challenge).where(
                Challenge.group_id == group.id,
                Challenge.title.in_([spec.title for spec in specs]),
            )
        )
    }
    taken = set(
        session.scalars(
            select(Challenge.priority).where(
                Challenge.group_id == group.id, Challenge.priority.is_not(None)
            )
        )
    )
    found: dict[str, Challenge] = {}
    ranks: dict[int, Challenge] = {}
    for spec in specs:
        challenge = existing.get(spec.title)
        if challenge is not None:
            context.report.kept += 1
        else:
            challenge = _raise(context, spec, found)
            if spec.priority is not None and spec.priority not in taken:
                ranks[spec.priority] = challenge
        found[spec.title] = challenge
    if ranks:
        # As `prioritise` does, once the group agreed the ranking.
        at = context.at(ranked, 15)
        for rank, challenge in sorted(ranks.items()):
            challenge.priority = rank
            challenge.updated_at = max(challenge.updated_at, at)
            _audit(context, context.coordinator, "challenge.ranked", challenge,
                   f"Ranked the challenge {challenge.title} {rank}", at,
                   {"rank": None}, {"rank": rank})  # fmt: skip
        entry = record_change(
            session,
            actor=context.coordinator,
            action="challenges.prioritised",
            record=group,
            summary=f"Ranked {len(ranks)} challenges",
            after={"ranks": {str(c.id): rank for rank, c in sorted(ranks.items())}},
        )
        entry.at = at
    return found


def _raise(context: _Context, spec: DemoChallenge, found: dict[str, Challenge]) -> Challenge:
    """A new challenge, its endorsements and the coordinators' decisions, each audited."""
    session, group = context.session, context.group
    raiser = context.person(spec.raiser)
    meeting = None
    if spec.meeting_slot is not None:
        meeting = session.scalar(
            select(Meeting)
            .where(
                Meeting.group_id == group.id,
                Meeting.cycle_slot == spec.meeting_slot,
                Meeting.status != MeetingStatus.CANCELLED,
                Meeting.published_at.is_not(None),
            )
            .limit(1)
        )
    raised = context.at(spec.raised, 13)
    if meeting is not None and not meeting.starts_at <= raised <= meeting.ends_at:
        raised = min(meeting.starts_at + timedelta(hours=5), context.now - timedelta(hours=1))
    regions = [context.regions[code] for code in spec.regions if code in context.regions]
    own = context.region_of(raiser)
    if own is not None and own not in regions:
        regions.append(own)
    challenge = Challenge(
        group=group,
        title=spec.title,
        description=spec.description,
        status=ChallengeStatus.PROPOSED,
        raised_by=raiser,
        raised_at_meeting=meeting,
        themes=[context.themes[index] for index in spec.themes],
        regions=sorted(regions, key=lambda region: region.code),
        created_at=raised,
    )
    session.add(challenge)
    session.flush()
    _audit(context, raiser, "challenge.raised", challenge, f"Raised the challenge {spec.title}",
           raised, after=snapshot(challenge, CHALLENGE_FIELDS))  # fmt: skip
    context.report.created += 1

    # Decisions: (instant, new status) in order; endorsements come before a close or merge.
    decisions = [
        (context.at(day, 15), status)
        for day, status in zip(
            spec.steps,
            (
                ChallengeStatus.ACCEPTED,
                ChallengeStatus.BEING_ADDRESSED,
                ChallengeStatus.ADDRESSED,
            ),
            strict=False,
        )
    ]
    final = spec.closed if spec.closed is not None else spec.merged
    ends = context.at(final, 12) if final is not None else min(
        raised + timedelta(days=400), context.now - timedelta(days=1)
    )  # fmt: skip
    endorsers = [
        person
        for person in (context.person(local) for local in dict.fromkeys(spec.endorsers))
        if person is not None and person.id != challenge.raised_by_id
    ]
    step = (ends - raised) / (len(endorsers) + 1)
    for number, person in enumerate(endorsers, start=1):
        # In working hours (UTC) of the day the even spread gives, within the window.
        day = (raised + step * number).date()
        at = datetime.combine(day, time(7 + number * 3 % 9, number * 17 % 60), UTC)
        _endorse(context, challenge, person, min(max(at, raised + step / 2), ends))

    last = raised
    for at, status in decisions:
        before = snapshot(challenge, CHALLENGE_FIELDS)
        challenge.status = status
        challenge.decided_at = last = at
        _audit(context, context.coordinator, f"challenge.{status.value}", challenge,
               f"Marked the challenge {spec.title} {status.value}", at, before,
               snapshot(challenge, CHALLENGE_FIELDS))  # fmt: skip
    if spec.reason and spec.closed is not None:
        at = context.at(spec.closed, 15)
        before = snapshot(challenge, CHALLENGE_FIELDS)
        challenge.status = ChallengeStatus.CLOSED
        challenge.decision_note = spec.reason
        challenge.decided_at = last = at
        _audit(context, context.coordinator, "challenge.closed", challenge,
               f"Closed the challenge {spec.title}", at, before,
               snapshot(challenge, CHALLENGE_FIELDS))  # fmt: skip
    target = found.get(spec.merged_into) if spec.merged_into else None
    if target is not None and target.status in OPEN_CHALLENGES and spec.merged is not None:
        last = _merge(context, challenge, target, context.at(spec.merged, 15), spec.reason)
    challenge.updated_at = max(last, raised)
    return challenge


def _endorse(context: _Context, challenge: Challenge, person: User, at: datetime) -> None:
    region = context.region_of(person)
    if region is None:
        return
    context.session.add(
        Endorsement(
            challenge=challenge, user=person, region=region, given_on_id=challenge.id, created_at=at
        )
    )
    if region not in challenge.regions:
        challenge.regions.append(region)
    _audit(context, person, "challenge.endorsed", challenge,
           f"Endorsed the challenge {challenge.title} for {region.code}", at,
           after={"region_code": region.code})  # fmt: skip
    context.report.created += 1


def _merge(context: _Context, challenge: Challenge, target: Challenge, at, note: str) -> datetime:
    """Merge `challenge` into `target` as `merge_challenge` does: its raiser and endorsers
    count on the target (unless they count there already), given on the duplicate."""
    session = context.session
    session.flush()
    moved, raisers = carry_over(session, challenge, target, given_at=at)
    if raisers is not None:
        context.report.created += 1
    before = snapshot(challenge, CHALLENGE_FIELDS)
    challenge.status = ChallengeStatus.MERGED
    challenge.merged_into_id = target.id
    challenge.decision_note = note
    challenge.decided_at = at
    _audit(context, context.coordinator, "challenge.merged", challenge,
           f"Merged the challenge {challenge.title} into {target.title} ({moved} endorsements"
           " moved)", at, before,
           {**snapshot(challenge, CHALLENGE_FIELDS), "endorsements_moved": moved})  # fmt: skip
    return at


def _audit(context, actor, action, record, summary, at, before=None, after=None) -> None:
    entry = record_change(
        context.session,
        actor=actor,
        action=action,
        record=record,
        summary=summary,
        before=before,
        after=after,
    )
    entry.at = at


def _practices(context: _Context, specs, challenges: dict[str, Challenge]) -> None:
    session, group = context.session, context.group
    existing = set(
        session.scalars(
            select(GoodPractice.title).where(
                GoodPractice.group_id == group.id,
                GoodPractice.title.in_([spec.title for spec in specs]),
            )
        )
    )
    for spec in specs:
        if spec.title in existing:
            context.report.kept += 1
            continue
        _practice(context, spec, challenges)


def _practice(context: _Context, spec: DemoPractice, challenges: dict[str, Challenge]) -> None:
    """A new practice, its reviews and links, each step audited."""
    session = context.session
    author = context.person(spec.author)
    organisation = context.organisations.get(spec.organisation)
    created = context.at(spec.created, 9)
    contact_name, contact_email = spec.contact or ("", "")
    practice = GoodPractice(
        group=context.group,
        title=spec.title,
        region_code=organisation.region_code if organisation is not None else None,
        organisation=organisation,
        problem=spec.problem,
        what_was_done=spec.what_was_done,
        resources=spec.resources,
        timescale=spec.timescale,
        evidence=spec.evidence,
        difficulties=spec.difficulties,
        transferability=spec.transferability,
        contact_name=contact_name,
        contact_email=f"{contact_email}@example.org" if contact_email else "",
        status=PracticeStatus.DRAFT,
        author=author,
        themes=[context.themes[index] for index in spec.themes],
        challenges=[
            challenges[title]
            for title in spec.challenges
            if title in challenges and challenges[title].status in OPEN_CHALLENGES
        ],
        created_at=created,
    )
    session.add(practice)
    session.flush()
    _audit(context, author, "practice.created", practice, f"Drafted the practice {spec.title}",
           created, after=snapshot(practice, PRACTICE_FIELDS))  # fmt: skip
    context.report.created += 1
    last = created
    for what, when, comments in spec.events:
        at = context.at(when, 11 if what == SUBMITTED else 14)
        before = snapshot(practice, PRACTICE_FIELDS)
        actor = author
        if what == SUBMITTED:
            practice.status, practice.submitted_at = PracticeStatus.SUBMITTED, at
            summary = f"Submitted the practice {spec.title}"
        elif what in (PUBLISHED, RETURNED):
            actor = context.coordinator
            decision = ReviewDecision(what)
            practice.status = PracticeStatus(what)
            if decision is ReviewDecision.PUBLISHED:
                practice.published_at, practice.validated_by = at, actor
            session.add(
                PracticeReview(
                    practice=practice,
                    reviewer=actor,
                    decision=decision,
                    comments=comments,
                    created_at=at,
                )
            )
            context.report.created += 1
            summary = f"{what.capitalize()} the practice {spec.title}"
        else:
            practice.status, practice.withdrawn_at = PracticeStatus.WITHDRAWN, at
            summary = f"Withdrew the practice {spec.title}"
        _audit(context, actor, f"practice.{what}", practice, summary, at, before,
               snapshot(practice, PRACTICE_FIELDS))  # fmt: skip
        last = at
    for title, url in spec.links:
        session.add(
            PracticeLink(
                practice=practice,
                title=title,
                url=url,
                added_by_id=author.id if author is not None else None,
                created_at=created + timedelta(hours=1),
            )
        )
        context.report.created += 1
    practice.updated_at = last
