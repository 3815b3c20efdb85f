"""Demo meetings: Innovation Diffusion's cycle since June 2023, and Industrial Transition's around today.

Innovation Diffusion's six plenaries (all held, with agenda, minutes and
materials), its webinar of 23 May 2024 with the recording, and a study visit
have fixed dates. Industrial Transition kicked off a few months before the day
the demo is loaded, so its meetings are placed from that day (read from
`cop.clock`): a held kick-off, upcoming meetings to register for, one of them
full with a waiting list, and an open webinar anyone may register for.

Records are written directly (the demo is data, not a user journey) but keep
the rules the services enforce: one plenary per slot, end after start, UTC
instants with the meeting's IANA zone, and no more confirmed people than seats
(people beyond them wait in arrival order). A meeting is found by its group and
slot (plenaries) or title (the others) and never rewritten; its agenda,
materials and registrations are written only when the meeting is created.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from cop.audit.services import record_change
from cop.meetings.cycle import cycle_slots
from cop.meetings.models import (
    AgendaItem,
    AttendanceMode,
    Audience,
    Material,
    MaterialKind,
    Meeting,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    Registration,
    RegistrationStatus,
    Visibility,
)
from cop.meetings.times import local_to_utc
from cop.members.models import Membership, MembershipStatus, User, WorkingGroup

K, F, V = MeetingKind, MeetingFormat, Visibility
IN_PERSON, ONLINE = AttendanceMode.IN_PERSON, AttendanceMode.ONLINE
COORDINATOR, MEMBER = "coordinator@example.org", "member@example.org"
VIDEO = "https://video.example.org/s3-cop"
FILES = "https://cop.example.org/files"
MEET = "https://meet.example.org/s3-cop"


@dataclass(frozen=True)
class Item:
    """An agenda item at a wall-clock time of the meeting's zone."""

    at: datetime
    title: str
    speakers: str = ""
    description: str = ""


@dataclass(frozen=True)
class Link:
    kind: MaterialKind
    title: str
    url: str
    visibility: Visibility = Visibility.PUBLIC


@dataclass(frozen=True)
class DemoMeeting:
    """A demo meeting; `starts` and `ends` are wall-clock times in `timezone`."""

    title: str
    kind: MeetingKind
    starts: datetime
    ends: datetime
    timezone: str
    format: MeetingFormat
    description: str
    slot: int | None = None
    venue: str = ""
    address: str = ""
    online_url: str = ""
    capacity_in_person: int | None = None
    capacity_online: int | None = None
    audience: Audience = Audience.MEMBERS
    status: MeetingStatus = MeetingStatus.PUBLISHED
    agenda: tuple[Item, ...] = ()
    minutes: str = ""
    minutes_visibility: Visibility = Visibility.MEMBERS
    materials: tuple[Link, ...] = ()
    # Upcoming meetings: who has registered so far ("some", "plenary", "open" or "full").
    plan: str = "some"
    # Registration opened this many days before the load (None: on publication).
    opened_days_ago: int | None = None
    # Registration closes this long before the start (None: at the start).
    closes_before: timedelta | None = None


def at(day: date, clock_time: str) -> datetime:
    hours, minutes = clock_time.split(":")
    return datetime.combine(day, time(int(hours), int(minutes)))


# --- Innovation Diffusion: fixed dates since the kick-off of June 2023 --------------------------

D = date


def _plenary(slot, title, first_day, zone, venue, address, description, agenda, minutes, host):
    """A two-day hybrid plenary of Innovation Diffusion (09:30 on day one to 13:00 on day two)."""
    return DemoMeeting(
        title=title,
        kind=K.PLENARY,
        slot=slot,
        starts=at(first_day, "09:30"),
        ends=at(first_day + timedelta(days=1), "13:00"),
        timezone=zone,
        format=F.HYBRID,
        venue=venue,
        address=address,
        online_url=f"{MEET}/innovation-diffusion/plenary-{slot}",
        capacity_in_person=60,
        description=description,
        agenda=agenda,
        minutes=minutes,
        minutes_visibility=Visibility.PUBLIC,
        materials=(
            Link(
                MaterialKind.LINK,
                "Presentations (PDF)",
                f"{FILES}/innovation-diffusion/plenary-{slot}-presentations.pdf",
            ),
            Link(
                MaterialKind.LINK,
                f"Meeting report prepared with {host}",
                f"{FILES}/innovation-diffusion/plenary-{slot}-report.pdf",
            ),
            Link(
                MaterialKind.RECORDING,
                "Recording of the plenary sessions",
                f"{VIDEO}/innovation-diffusion/plenary-{slot}",
                Visibility.MEMBERS,
            ),
        ),
    )


INNOVATION_DIFFUSION_MEETINGS = (
    _plenary(
        1,
        "Kick-off plenary meeting",
        D(2023, 6, 27),
        "Europe/Brussels",
        "Committee of the Regions, Jacques Delors building",
        "Rue Belliard 99-101, 1040 Brussels, Belgium",
        """\
The working group's first meeting. Members introduce their regions and what
holds innovation diffusion back there, agree how the group will work over its
three years, and choose the implementation challenges it takes on first.
""",
        (
            Item(
                at(D(2023, 6, 27), "09:30"),
                "Welcome to the S3 Community of Practice",
                "Clara Coordinator",
            ),
            Item(
                at(D(2023, 6, 27), "10:15"),
                "Tour de table: innovation diffusion in our regions",
                "All members",
                "Each region in three minutes: one strength, one bottleneck.",
            ),
            Item(
                at(D(2023, 6, 27), "14:00"),
                "Mapping the common implementation challenges",
                "Giulia Rossi, Ana Ferreira",
            ),
            Item(
                at(D(2023, 6, 27), "16:00"),
                "How the group works: the cycle, peer learning, outputs",
                "Clara Coordinator",
            ),
            Item(
                at(D(2023, 6, 28), "09:30"),
                "Choosing the first challenges and forming sub-groups",
                "Laia Puig, Aino Virtanen",
            ),
            Item(at(D(2023, 6, 28), "12:15"), "Conclusions and next steps", "Clara Coordinator"),
        ),
        """\
## Kick-off plenary meeting — minutes

**Brussels, 27–28 June 2023.** Members met in the room and online.

### What we heard from the regions
- SMEs adopt new technologies slowly outside the regions' frontrunners; vouchers
  reach the same companies again and again.
- Universities and RTOs publish excellent research that companies nearby do not use.
- Innovation agencies rarely plan together with employment, education or economic
  development agencies.

### Decisions
1. The group works on five challenges: SMEs' adoption of new technologies;
   universities and RTOs meeting companies' needs; coordination of innovation
   agencies with other public agencies; knowledge transfer from multinationals to
   national companies; digitalisation.
2. Three sub-groups start now, led by Laia Puig, Giulia Rossi and Aino Virtanen.
3. Every member documents at least one good practice from their region before the
   second plenary.

### Next steps
- A webinar on the bottlenecks to innovation diffusion in spring 2024.
- Second plenary in the Basque Country in February 2024.
""",
        "the Flanders Region Innovation Office",
    ),
    _plenary(
        2,
        "Second plenary meeting: SMEs' adoption of new technologies",
        D(2024, 2, 13),
        "Europe/Madrid",
        "Bizkaia Aretoa",
        "Avenida Abandoibarra 3, 48009 Bilbao, Spain",
        """\
Hosted by the Basque Country: how regions help small and medium-sized
enterprises adopt advanced manufacturing and digital technologies, with a visit
to a technology centre that works with SMEs every day.
""",
        (
            Item(at(D(2024, 2, 13), "09:30"), "Welcome by the host region", "Iker Etxeberria"),
            Item(
                at(D(2024, 2, 13), "10:00"),
                "Good practices: vouchers, demonstrators and test beds",
                "Lukas Gruber, Jonas Weber, Siobhán Murphy",
            ),
            Item(
                at(D(2024, 2, 13), "14:00"),
                "Visit: an advanced manufacturing centre and its SME clients",
                "Ainhoa Aguirre",
            ),
            Item(
                at(D(2024, 2, 14), "09:30"),
                "Peer review: what makes adoption last",
                "Francesca Romano",
                "Working tables on three practices.",
            ),
            Item(at(D(2024, 2, 14), "12:15"), "Conclusions", "Clara Coordinator"),
        ),
        """\
## Second plenary meeting — minutes

**Bilbao, 13–14 February 2024.** Members met in the room and online.

- Twelve good practices were presented; nine are documented on cop.
- Vouchers work best when paired with a technology centre that follows the
  company for a year, not a single visit.
- The sub-group on SMEs' adoption drafts a brief for regions designing support
  schemes (lead: Lukas Gruber).

**Action:** prepare the webinar of 23 May 2024 on the bottlenecks to innovation diffusion.
""",
        "the Basque Advanced Manufacturing Research Centre",
    ),
    _plenary(
        3,
        "Third plenary meeting: universities, RTOs and the needs of companies",
        D(2024, 10, 8),
        "Europe/Warsaw",
        "ICE Kraków Congress Centre",
        "ul. Marii Konopnickiej 17, 30-302 Kraków, Poland",
        """\
Hosted by Małopolska: why universities and research and technology organisations
often miss the needs of companies in their ecosystem, and what regions have done
about it, from industrial PhDs to shared roadmaps.
""",
        (
            Item(at(D(2024, 10, 8), "09:30"), "Welcome by the host region", "Piotr Nowak"),
            Item(
                at(D(2024, 10, 8), "10:00"),
                "Findings of the sub-group on universities and RTOs",
                "Giulia Rossi, Hannah Schmid",
            ),
            Item(
                at(D(2024, 10, 8), "14:00"),
                "Good practices: industrial PhDs and open labs",
                "Magdalena Wiśniewska, Felix Hoffmann",
            ),
            Item(
                at(D(2024, 10, 9), "09:30"),
                "Working session: indicators regions can monitor",
                "João Costa",
            ),
            Item(at(D(2024, 10, 9), "12:15"), "Conclusions", "Clara Coordinator"),
        ),
        """\
## Third plenary meeting — minutes

**Kraków, 8–9 October 2024.** Members met in the room and online.

- The sub-group's findings were endorsed: companies need a single entry point to
  the region's universities and RTOs.
- Four regions volunteered for peer-learning visits in 2025.
- Monitoring: the group proposes three indicators regions can collect every year.
""",
        "Małopolska University of Technology",
    ),
    _plenary(
        4,
        "Fourth plenary meeting: innovation agencies and other public agencies",
        D(2025, 3, 18),
        "Europe/Helsinki",
        "Paasitorni Conference Centre",
        "Paasivuorenkatu 5 A, 00530 Helsinki, Finland",
        """\
Hosted by Helsinki-Uusimaa: how innovation agencies can plan and act together
with the agencies in charge of employment, education and economic development.
""",
        (
            Item(at(D(2025, 3, 18), "09:30"), "Welcome by the host region", "Aino Virtanen"),
            Item(
                at(D(2025, 3, 18), "10:00"),
                "One region, many agencies: mapping who does what",
                "Mikko Korhonen",
            ),
            Item(
                at(D(2025, 3, 18), "14:00"),
                "Good practices of joint planning",
                "Andrei Popescu, Nikos Papadopoulos",
            ),
            Item(
                at(D(2025, 3, 19), "09:30"),
                "Solutions: co-developing a coordination charter",
                "Laia Puig",
            ),
            Item(at(D(2025, 3, 19), "12:15"), "Conclusions", "Clara Coordinator"),
        ),
        """\
## Fourth plenary meeting — minutes

**Helsinki, 18–19 March 2025.** Members met in the room and online.

- A coordination charter between agencies will be tested in three regions.
- The lessons learnt so far feed the brief on the S3 enabling condition.
""",
        "the Helsinki-Uusimaa Regional Council",
    ),
    _plenary(
        5,
        "Fifth plenary meeting: knowledge transfer from multinationals",
        D(2025, 10, 7),
        "Europe/Lisbon",
        "Alfândega do Porto Congress Centre",
        "Rua Nova da Alfândega, 4050-430 Porto, Portugal",
        """\
Hosted by Norte: how regions help national companies learn from the
multinationals established there, through supplier programmes, mobility of staff
and shared training.
""",
        (
            Item(at(D(2025, 10, 7), "09:30"), "Welcome by the host region", "Ana Ferreira"),
            Item(
                at(D(2025, 10, 7), "10:00"),
                "Supplier development programmes that worked",
                "Erik Lindqvist, Ingrid Svensson",
            ),
            Item(
                at(D(2025, 10, 7), "14:00"),
                "Monitoring the solutions: progress in the regions",
                "João Costa",
            ),
            Item(
                at(D(2025, 10, 8), "09:30"),
                "Preparing the group's final outputs",
                "Clara Coordinator",
            ),
        ),
        """\
## Fifth plenary meeting — minutes

**Porto, 7–8 October 2025.** Members met in the room and online.

- Supplier programmes work when the multinational commits staff time, not only money.
- The three pilot regions of the coordination charter report on track.
- The final plenary will present the group's lessons learnt.
""",
        "the Norte Regional Coordination Commission",
    ),
    _plenary(
        6,
        "Final plenary meeting: digitalisation and three years of lessons learnt",
        D(2026, 4, 21),
        "Europe/Rome",
        "Palazzo Lombardia, Auditorium Testori",
        "Piazza Città di Lombardia 1, 20124 Milan, Italy",
        """\
Hosted by Lombardy: the group's last plenary. Digitalisation across the five
challenges, the solutions deployed in the regions, and the lessons learnt that
every EU region can use for the S3 enabling condition.
""",
        (
            Item(at(D(2026, 4, 21), "09:30"), "Welcome by the host region", "Giulia Rossi"),
            Item(
                at(D(2026, 4, 21), "10:00"),
                "Digitalisation: what three years of practices show",
                "Tomáš Dvořák, Léa Moreau",
            ),
            Item(
                at(D(2026, 4, 21), "14:00"),
                "Solutions deployed: results and indicators",
                "João Costa, Ana Ferreira",
            ),
            Item(
                at(D(2026, 4, 22), "09:30"),
                "Lessons learnt for the S3 enabling condition",
                "Clara Coordinator",
            ),
        ),
        """\
## Final plenary meeting — minutes

**Milan, 21–22 April 2026.** Members met in the room and online.

- The lessons learnt of the group were adopted and will be published as a brief.
- Two solutions reached deployment in five regions; their monitoring continues.
- Members thanked the host regions of the six plenaries.
""",
        "Lombardy Polytechnic University",
    ),
    DemoMeeting(
        title="Understanding the bottlenecks to innovation diffusion: insights from EU regions",
        kind=K.WEBINAR,
        starts=at(D(2024, 5, 23), "10:00"),
        ends=at(D(2024, 5, 23), "11:30"),
        timezone="Europe/Brussels",
        format=F.ONLINE,
        online_url=f"{MEET}/webinars/2024-05-23",
        capacity_online=500,
        audience=Audience.OPEN,
        description="""\
A public webinar for everyone working on regional innovation policy. What holds
the diffusion of innovation back in EU regions, how regions analyse these
bottlenecks, and how the analysis helps meet the first criterion of the S3
enabling condition.
""",
        agenda=(
            Item(at(D(2024, 5, 23), "10:00"), "Welcome and introduction", "Clara Coordinator"),
            Item(
                at(D(2024, 5, 23), "10:10"),
                "What holds innovation diffusion back? Findings from the regions",
                "Giulia Rossi",
            ),
            Item(
                at(D(2024, 5, 23), "10:35"),
                "Panel: three regions, three bottlenecks",
                "Lukas Gruber, Ana Ferreira, Tomáš Dvořák",
            ),
            Item(at(D(2024, 5, 23), "11:10"), "Questions from the audience and closing"),
        ),
        minutes="""\
Policymakers, researchers, businesses and civil society from across the EU
followed the webinar. The slides and the recording are published below; the
questions raised feed the group's brief on the bottlenecks to innovation diffusion.
""",
        minutes_visibility=Visibility.PUBLIC,
        materials=(
            Link(
                MaterialKind.RECORDING,
                "Recording of the webinar",
                f"{VIDEO}/webinars/2024-05-23-bottlenecks-innovation-diffusion",
            ),
            Link(MaterialKind.LINK, "Slides (PDF)", f"{FILES}/webinars/2024-05-23-slides.pdf"),
        ),
    ),
    DemoMeeting(
        title="Peer review visit: innovation vouchers in Emilia-Romagna",
        kind=K.PEER_REVIEW_VISIT,
        starts=at(D(2025, 3, 11), "09:30"),
        ends=at(D(2025, 3, 12), "13:00"),
        timezone="Europe/Rome",
        format=F.IN_PERSON,
        venue="Tecnopolo di Bologna",
        address="Via Stalingrado 84, 40128 Bologna, Italy",
        capacity_in_person=15,
        description="""\
Three peers from Lower Austria, Flanders and Helsinki-Uusimaa review how
Emilia-Romagna's innovation vouchers reach new companies, at the region's request.
""",
        agenda=(
            Item(
                at(D(2025, 3, 11), "09:30"), "The voucher scheme and its figures", "Marco Bianchi"
            ),
            Item(
                at(D(2025, 3, 11), "11:00"),
                "Interviews with companies that used a voucher, and some that did not",
            ),
            Item(at(D(2025, 3, 12), "09:30"), "The peers' findings and recommendations"),
        ),
        minutes="""\
The peers found that two thirds of the vouchers went to companies that had had one
before. They recommended a first-time track with a coach, and promotion through the
chambers of commerce rather than the agency's website.
""",
        plan="some",
    ),
    DemoMeeting(
        title="Study visit: technology transfer centres in the Stuttgart region",
        kind=K.STUDY_VISIT,
        starts=at(D(2024, 11, 19), "09:00"),
        ends=at(D(2024, 11, 20), "15:00"),
        timezone="Europe/Berlin",
        format=F.IN_PERSON,
        venue="Haus der Wirtschaft",
        address="Willi-Bleicher-Straße 19, 70174 Stuttgart, Germany",
        capacity_in_person=20,
        description="""\
Two days with the technology transfer centres of the Stuttgart region: how they
work with SMEs, how they are funded, and what other regions can take from them.
Hosted by the Stuttgart Region Technology Transfer Centre.
""",
        agenda=(
            Item(
                at(D(2024, 11, 19), "09:00"),
                "Welcome and the region's transfer system",
                "Hannah Schmid",
            ),
            Item(
                at(D(2024, 11, 19), "11:00"),
                "Visit: an applied research institute's SME desk",
                "Felix Hoffmann",
            ),
            Item(
                at(D(2024, 11, 20), "09:00"),
                "Visit: a digital manufacturing cluster",
                "Jonas Weber",
            ),
            Item(at(D(2024, 11, 20), "13:30"), "What we take home", "All participants"),
        ),
        minutes="""\
The members visited four centres. Three regions plan to adapt the model of
a single SME desk shared by the region's research institutes.
""",
        materials=(
            Link(
                MaterialKind.LINK,
                "Visit report (PDF)",
                f"{FILES}/innovation-diffusion/study-visit-stuttgart-report.pdf",
                Visibility.MEMBERS,
            ),
        ),
    ),
)


# --- Industrial Transition: placed around the day the demo is loaded ----------------------------


def _weekday_from(day: date, weekday: int) -> date:
    """The first `weekday` (0 = Monday) on or after `day`."""
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _working_day_from(day: date, weekday: int) -> date:
    """Like `_weekday_from`, skipping the year-end holidays (20 December to 6 January)."""
    found = _weekday_from(day, weekday)
    if (found.month, found.day) >= (12, 20) or (found.month, found.day) <= (1, 6):
        found = _weekday_from(date(found.year + (found.month == 12), 1, 7), weekday)
    return found


TUE, WED, THU = 1, 2, 3


def industrial_transition_meetings(kickoff: date, today: date) -> tuple[DemoMeeting, ...]:
    """The group's meetings: plenaries in their cycle windows (from `kickoff`), others from `today`."""
    slots = cycle_slots(kickoff, 36, 2)
    kickoff_day = _weekday_from(kickoff + timedelta(days=14), TUE)
    past_webinar = _weekday_from(kickoff + timedelta(days=70), THU)
    open_webinar = _working_day_from(today + timedelta(days=17), THU)
    workshop = _working_day_from(today + timedelta(days=35), WED)
    visit = _working_day_from(today + timedelta(days=63), TUE)
    second = _weekday_from(slots[1].starts + timedelta(days=42), TUE)
    third = _weekday_from(slots[2].starts + timedelta(days=42), TUE)
    return (
        DemoMeeting(
            title="Kick-off plenary meeting",
            kind=K.PLENARY,
            slot=1,
            starts=at(kickoff_day, "09:30"),
            ends=at(kickoff_day, "17:00"),
            timezone="Europe/Brussels",
            format=F.HYBRID,
            venue="Committee of the Regions, Jacques Delors building",
            address="Rue Belliard 99-101, 1040 Brussels, Belgium",
            online_url=f"{MEET}/industrial-transition/plenary-1",
            capacity_in_person=50,
            description="""\
The working group's first meeting: how smart-specialisation strategies support
the green and digital transition of industry, and which questions the group
takes on first.
""",
            agenda=(
                Item(at(kickoff_day, "09:30"), "Welcome", "Clara Coordinator"),
                Item(
                    at(kickoff_day, "10:00"),
                    "Tour de table: industry in transition in our regions",
                    "All members",
                ),
                Item(at(kickoff_day, "14:00"), "Choosing the group's questions", "Ingrid Svensson"),
            ),
            minutes="""\
## Kick-off plenary meeting — minutes

- The group will work on skills, on the regions most affected, and on financing
  the green transition of industry.
- A webinar on skills opens the work to everyone.
""",
            minutes_visibility=Visibility.PUBLIC,
            materials=(
                Link(
                    MaterialKind.LINK,
                    "Presentations (PDF)",
                    f"{FILES}/industrial-transition/plenary-1-presentations.pdf",
                ),
            ),
        ),
        DemoMeeting(
            title="Skills for industrial regions in transition",
            kind=K.WEBINAR,
            starts=at(past_webinar, "14:00"),
            ends=at(past_webinar, "15:30"),
            timezone="Europe/Brussels",
            format=F.ONLINE,
            online_url=f"{MEET}/webinars/industrial-transition-skills",
            audience=Audience.OPEN,
            description="""\
A public webinar on the skills that industry's green and digital transition
needs, and on how regions plan training with companies and schools.
""",
            agenda=(
                Item(at(past_webinar, "14:00"), "Welcome", "Clara Coordinator"),
                Item(
                    at(past_webinar, "14:10"),
                    "Skills partnerships in three regions",
                    "Katharina Bauer, Thomas Girard",
                ),
                Item(at(past_webinar, "15:00"), "Questions from the audience"),
            ),
            minutes="The recording and the slides are published below.",
            minutes_visibility=Visibility.PUBLIC,
            materials=(
                Link(
                    MaterialKind.RECORDING,
                    "Recording of the webinar",
                    f"{VIDEO}/webinars/industrial-transition-skills",
                ),
            ),
        ),
        DemoMeeting(
            title="Financing the green transition of industry: what Cohesion Policy offers",
            kind=K.WEBINAR,
            starts=at(open_webinar, "10:00"),
            ends=at(open_webinar, "11:30"),
            timezone="Europe/Brussels",
            format=F.ONLINE,
            online_url=f"{MEET}/webinars/financing-green-transition",
            capacity_online=300,
            audience=Audience.OPEN,
            plan="open",
            description="""\
A public webinar, open to anyone: the funds regions can combine to finance the
green transition of their industry, with examples from three regions.
Registration is free; the link to join is emailed to registered people.
""",
            agenda=(
                Item(at(open_webinar, "10:00"), "Welcome", "Clara Coordinator"),
                Item(
                    at(open_webinar, "10:10"),
                    "Cohesion Policy funds for industrial transition",
                    "Camille Laurent",
                ),
                Item(
                    at(open_webinar, "10:40"),
                    "Three regions, three financing mixes",
                    "Ingrid Svensson, Andrei Popescu, Tomáš Dvořák",
                ),
                Item(at(open_webinar, "11:15"), "Questions from the audience"),
            ),
        ),
        DemoMeeting(
            title="Workshop: re-skilling workers in carbon-intensive regions",
            kind=K.WORKSHOP,
            starts=at(workshop, "09:30"),
            ends=at(workshop, "16:30"),
            timezone="Europe/Warsaw",
            format=F.IN_PERSON,
            venue="International Congress Centre",
            address="Plac Sławika i Antalla 1, 40-163 Katowice, Poland",
            capacity_in_person=12,
            plan="full",
            opened_days_ago=21,
            closes_before=timedelta(days=3),
            description="""\
A hands-on workshop for twelve members in Silesia: how regions retrain workers
of coal, steel and cement for the jobs of the transition. Seats are limited to
keep the work in small groups; a waiting list is kept in arrival order.
""",
            agenda=(
                Item(at(workshop, "09:30"), "Welcome and the Silesian experience", "Piotr Nowak"),
                Item(at(workshop, "10:30"), "Working groups: designing a re-skilling programme"),
                Item(at(workshop, "15:30"), "Presenting the designs"),
            ),
            materials=(
                Link(
                    MaterialKind.LINK,
                    "Background note (PDF)",
                    f"{FILES}/industrial-transition/workshop-reskilling-note.pdf",
                ),
            ),
        ),
        DemoMeeting(
            title="Study visit: the hydrogen valley of the Northern Netherlands",
            kind=K.STUDY_VISIT,
            starts=at(visit, "09:00"),
            ends=at(visit + timedelta(days=1), "15:00"),
            timezone="Europe/Amsterdam",
            format=F.IN_PERSON,
            venue="EnTranCe – Centre of Expertise Energy",
            address="Zernikelaan 17, 9747 AA Groningen, Netherlands",
            capacity_in_person=20,
            opened_days_ago=5,
            closes_before=timedelta(days=10),
            description="""\
Two days in Groningen with the partners of the region's hydrogen valley:
industry, the port, the university and the province.
""",
            agenda=(
                Item(at(visit, "09:00"), "Welcome and the hydrogen valley", "Eva de Vries"),
                Item(at(visit, "13:00"), "Visit: an electrolyser test site"),
                Item(
                    at(visit + timedelta(days=1), "09:00"), "Visit: the port's industrial cluster"
                ),
            ),
        ),
        DemoMeeting(
            title="Second plenary meeting: skills and the regions most affected",
            kind=K.PLENARY,
            slot=2,
            starts=at(second, "09:30"),
            ends=at(second + timedelta(days=1), "13:00"),
            timezone="Europe/Rome",
            format=F.HYBRID,
            venue="Centro Congressi Lingotto",
            address="Via Nizza 280, 10126 Turin, Italy",
            online_url=f"{MEET}/industrial-transition/plenary-2",
            capacity_in_person=40,
            capacity_online=150,
            plan="plenary",
            description="""\
Hosted by Piedmont: the skills the transition needs, and how regions support
the places and workers most affected by it.
""",
            agenda=(
                Item(at(second, "09:30"), "Welcome by the host region"),
                Item(at(second, "10:00"), "What the workshop in Katowice designed", "Piotr Nowak"),
                Item(
                    at(second, "14:00"),
                    "Good practices: just transition plans in the regions",
                    "Ingrid Svensson",
                ),
                Item(at(second + timedelta(days=1), "09:30"), "Next steps", "Clara Coordinator"),
            ),
        ),
        DemoMeeting(
            title="Third plenary meeting",
            kind=K.PLENARY,
            slot=3,
            starts=at(third, "09:30"),
            ends=at(third + timedelta(days=1), "13:00"),
            timezone="Europe/Brussels",
            format=F.HYBRID,
            venue="To be confirmed",
            capacity_in_person=40,
            status=MeetingStatus.DRAFT,
            description="Draft: the host region and the programme are being discussed.",
        ),
    )


# Registrations without an account, for the open webinars (invented people, real regions).
GUESTS = (
    ("Marta Kowalczyk", "marta.kowalczyk", "Silesian Voivodeship Marshal's Office", "PL22", True),
    ("Henrik Madsen", "henrik.madsen", "Central Denmark Region", "DK04", True),
    ("Chiara Esposito", "chiara.esposito", "Campania Innovation Agency", "ITF3", False),
    ("Matthieu Lefebvre", "matthieu.lefebvre", "Hauts-de-France Regional Council", "FRE1", True),
    ("Kristina Petrova", "kristina.petrova", "Sofia Tech Park", "BG41", False),
    ("Oona Mäkelä", "oona.makela", "Tampere University of Applied Sciences", "FI19", True),
    ("Rūta Kazlauskienė", "ruta.kazlauskiene", "Vilnius City Innovation Office", "LT01", False),
)
NEEDS = ("Vegetarian meals, please.", "Step-free access to the room.", "No pork.")


# --- Loading ------------------------------------------------------------------------------------


def load_demo_meetings(session: Session, report, groups: dict[str, WorkingGroup], now) -> None:
    """Create the demo groups' missing meetings with their agenda, materials and registrations."""
    coordinator = session.scalar(select(User).where(User.email == COORDINATOR))
    diffusion = groups["innovation-diffusion"]
    transition = groups["industrial-transition"]
    today = now.astimezone(ZoneInfo(transition.timezone)).date()
    plans = [(diffusion, spec) for spec in INNOVATION_DIFFUSION_MEETINGS]
    plans += [
        (transition, spec) for spec in industrial_transition_meetings(transition.kickoff, today)
    ]
    pools = {}
    for number, (group, spec) in enumerate(plans):
        meeting = _meeting(session, report, group, spec, coordinator, now)
        if meeting is None:
            continue
        if group.id not in pools:
            pools[group.id] = _active_members(session, group)
        _register(session, report, meeting, spec, pools[group.id], number, now)


def _active_members(session: Session, group: WorkingGroup) -> dict[str, list[User] | User]:
    people = list(
        session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.group_id == group.id, Membership.status == MembershipStatus.ACTIVE)
            .order_by(User.id)
        )
    )
    accounts = {person.email: person for person in people if person.email in (COORDINATOR, MEMBER)}
    return {
        "pool": [person for person in people if person.email not in (COORDINATOR, MEMBER)],
        **accounts,
    }


def _utc(local: datetime, zone: str) -> datetime:
    """The instant of a wall-clock time, refused (as coordinators' input is) inside a DST gap."""
    return local_to_utc(local, zone, "starts_at")


def _meeting(session, report, group, spec: DemoMeeting, coordinator, now) -> Meeting | None:
    """The new meeting with its agenda and materials, or None when the group has it already."""
    query = select(Meeting.id).where(Meeting.group_id == group.id)
    if spec.slot is not None:
        query = query.where(
            Meeting.cycle_slot == spec.slot, Meeting.status != MeetingStatus.CANCELLED
        )
    else:
        query = query.where(Meeting.title == spec.title)
    if session.scalar(query.limit(1)) is not None:
        report.kept += 1
        return None
    starts, ends = _utc(spec.starts, spec.timezone), _utc(spec.ends, spec.timezone)
    if ends <= starts:  # the rule the services enforce, and a database constraint
        raise ValueError(f"demo meeting {spec.title!r} ends before it starts")
    over = now >= ends
    published = None
    if spec.status is MeetingStatus.PUBLISHED:
        published = starts - timedelta(days=60) if over else min(starts, now) - timedelta(days=30)
    created = (published or now) - timedelta(days=7)
    meeting = Meeting(
        group=group,
        kind=spec.kind,
        cycle_slot=spec.slot,
        title=spec.title,
        description=spec.description,
        starts_at=starts,
        ends_at=ends,
        timezone=spec.timezone,
        format=spec.format,
        venue=spec.venue,
        address=spec.address,
        online_url=spec.online_url,
        capacity_in_person=spec.capacity_in_person if spec.format is not F.ONLINE else None,
        capacity_online=spec.capacity_online if spec.format is not F.IN_PERSON else None,
        registration_opens_at=(
            now - timedelta(days=spec.opened_days_ago)
            if spec.opened_days_ago is not None and not over
            else None
        ),
        registration_closes_at=(
            starts - spec.closes_before if spec.closes_before is not None else None
        ),
        audience=spec.audience,
        status=spec.status,
        sequence=0,
        minutes=spec.minutes if over else "",
        minutes_visibility=spec.minutes_visibility,
        created_by=coordinator,
        published_at=published,
        created_at=created,
        updated_at=min(now, ends + timedelta(days=7)) if over else (published or created),
    )
    meeting.agenda_items = [
        AgendaItem(
            starts_at=_utc(item.at, spec.timezone),
            title=item.title,
            speakers=item.speakers,
            description=item.description,
        )
        for item in spec.agenda
    ]
    session.add(meeting)
    session.flush()
    materials = [m for m in spec.materials if over or m.kind is not MaterialKind.RECORDING]
    for link in materials:
        session.add(
            Material(
                meeting=meeting,
                kind=link.kind,
                title=link.title,
                url=link.url,
                visibility=link.visibility,
                added_by_id=coordinator.id if coordinator else None,
                created_at=min(now, ends + timedelta(days=3)) if over else created,
            )
        )
    record_change(
        session,
        actor=None,
        action="meeting.created",
        record=meeting,
        summary=f"Demo meeting {spec.title} of {group.slug}",
    )
    report.created += 1 + len(spec.agenda) + len(materials)
    return meeting


def _register(session, report, meeting: Meeting, spec: DemoMeeting, people, number, now) -> None:
    """The meeting's registrations, in arrival order; seats go first come, first served."""
    if meeting.status is not MeetingStatus.PUBLISHED:
        return
    pool: list[User] = people["pool"]
    coordinator, member = people.get(COORDINATOR), people.get(MEMBER)
    over = now >= meeting.ends_at
    guests = GUESTS if meeting.audience is Audience.OPEN else ()
    first_mode = meeting.modes[0]
    # (a person or a guest, mode, needs), in the order they registered.
    queue: list[tuple[User | tuple | None, AttendanceMode, str]] = []
    if over or spec.plan == "some":
        share = 6 if over else 3  # in tenths of the group
        chosen = [p for i, p in enumerate(pool) if (i * 7 + number) % 10 < share]
        for i, person in enumerate(chosen):
            mode = ONLINE if ONLINE in meeting.modes and i % 4 == 0 else first_mode
            queue.append((person, mode, ""))
        queue.insert(len(queue) // 2, (coordinator, first_mode, ""))
        if over:
            queue.insert(len(queue) // 3, (member, first_mode, ""))
        queue += [(guest, ONLINE, "") for guest in guests[:5]]
    elif spec.plan == "plenary":
        queue.append((coordinator, IN_PERSON, ""))
        queue += [(p, IN_PERSON if i % 3 else ONLINE, "") for i, p in enumerate(pool[:12])]
        queue.insert(4, (member, IN_PERSON, NEEDS[0]))
    elif spec.plan == "open":
        queue.append((coordinator, ONLINE, ""))
        queue += [(p, ONLINE, "") for p in pool[1:16:2]]
        queue += [(guest, ONLINE, "") for guest in guests[:4]]
    elif spec.plan == "full":
        # Everyone wants the room: the twelve seats go, then the member waits second in line.
        queue = [
            (p, IN_PERSON, NEEDS[i % 3] if i % 5 == 2 else "") for i, p in enumerate(pool[:15])
        ]
        queue.insert(13, (member, IN_PERSON, ""))
    queue = [entry for entry in queue if entry[0] is not None]
    opened = meeting.registration_opens_at or meeting.published_at
    closes = meeting.registration_closes_at or meeting.starts_at
    step = (min(closes, now) - timedelta(hours=1) - opened) / (len(queue) + 2)
    confirmed = {IN_PERSON: 0, ONLINE: 0}
    registrations = []
    for position, (who, mode, needs) in enumerate(queue):
        queued = opened + step * (position + 1)
        registration = Registration(
            meeting=meeting,
            mode=mode,
            needs="" if over else needs,  # needs are purged once the meeting is over
            queued_at=queued,
            created_at=queued,
            updated_at=queued,
        )
        if isinstance(who, User):
            registration.user = who
        else:
            name, local, organisation, region, listed = who
            registration.name, registration.email = name, f"{local}@example.org"
            registration.organisation_name, registration.region_code = organisation, region
            registration.listed, registration.language = listed, "en"
        capacity = meeting.capacity(mode)
        if over and position % 11 == 7:
            # Someone who could not come after all and said so: their seat went to the next.
            registration.status = RegistrationStatus.CANCELLED
            registration.cancelled_at = meeting.starts_at - timedelta(days=2)
        elif capacity is None or confirmed[mode] < capacity:
            confirmed[mode] += 1
            registration.status = RegistrationStatus.CONFIRMED
            registration.confirmed_at = queued
            if over and position % 6 != 5:
                registration.attended_at = meeting.starts_at + timedelta(minutes=5 + position % 20)
        else:
            registration.status = RegistrationStatus.WAITLISTED
        registrations.append(registration)
    if spec.plan == "open" and not over:
        # A guest who has not yet followed the link in the confirmation email.
        name, local, organisation, region, listed = guests[4]
        registrations.append(
            Registration(
                meeting=meeting,
                name=name,
                email=f"{local}@example.org",
                organisation_name=organisation,
                region_code=region,
                listed=listed,
                language="en",
                mode=ONLINE,
                status=RegistrationStatus.PENDING,
                queued_at=now - timedelta(hours=2),
                created_at=now - timedelta(hours=2),
                updated_at=now - timedelta(hours=2),
            )
        )
    session.add_all(registrations)
    session.flush()
    for registration in registrations:
        record_change(
            session,
            actor=None,
            action="registration.created",
            record=registration,
            summary=f"Demo registration for meeting {meeting.id}",
        )
    report.created += len(registrations)
