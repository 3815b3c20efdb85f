"""Demo data for trying cop: the S3 Community of Practice's working groups and their people.

Loading is idempotent: records are found by natural key (a group's slug, an
organisation's name, a person's email, a person and group) and never
overwritten, so edits made through the site survive a reload. Every email
address in demo data uses the reserved example.org domain; the organisations
and people are invented, placed in real NUTS-2 regions. The groups' meetings
and registrations are in `cop.demo_meetings`; the scaled demo for benchmarks
is in `cop.demo_scale`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from cop import clock
from cop.audit.services import record_change
from cop.db import utcnow
from cop.meetings.cycle import add_months
from cop.members.models import (
    Helix,
    Membership,
    MembershipStatus,
    Organisation,
    OrganisationKind,
    Role,
    User,
)
from cop.members.regions import load_regions
from cop.members.services import GroupDetails, create_group, find_group

INNOVATION_DIFFUSION = GroupDetails(
    slug="innovation-diffusion",
    name="Innovation Diffusion",
    kickoff=date(2023, 6, 1),
    duration_months=36,
    meetings_per_year=2,
    timezone="Europe/Brussels",
    summary="""\
The Innovation Diffusion working group helps regions spread new technologies and
ways of working beyond their frontrunners, so that **small and medium-sized
enterprises, public bodies and citizens** benefit from them too.

Its members, from public authorities, universities and research organisations,
business and civil society across EU regions:

1. collect and document **good practices** from different European regions;
2. identify the **common needs and implementation challenges** regions face, such as
   - the strengths and weaknesses of SMEs' adoption of new technologies,
   - universities and RTOs that do not meet the needs of companies in their ecosystem,
   - innovation agencies' weak coordination with other public agencies,
   - missing knowledge transfer from multinationals to national companies,
   - digitalisation;
3. run **peer learning** and expert support directly with regions; and
4. **co-develop, support, deploy and monitor solutions**.

Every outcome is published so that it supports all EU regions, including in
meeting the first criterion of the smart-specialisation enabling condition: an
up-to-date analysis of bottlenecks for innovation diffusion, including digitalisation.
""",
    links=(("Smart Specialisation Platform", "https://s3platform.jrc.ec.europa.eu/"),),
)

# Industrial Transition's cycle is placed around the day the demo is loaded (see
# `demo_groups`): it kicked off a few months ago, so it has meetings to register for.
INDUSTRIAL_TRANSITION = GroupDetails(
    slug="industrial-transition",
    name="Industrial Transition",
    kickoff=date(2023, 6, 1),  # replaced by `demo_groups`
    summary="""\
The Industrial Transition working group brings together regions that are
modernising their industrial base: how smart-specialisation strategies support
the green and digital transition of industry, the skills it needs, and the
regions and workers most affected.
""",
)

INTERREGIONAL_COOPERATION = GroupDetails(
    slug="interregional-cooperation",
    name="Interregional Cooperation",
    kickoff=date(2023, 6, 1),
    summary="""\
The Interregional Cooperation working group helps regions find partners that
share their smart-specialisation priorities, and build the investment projects,
value chains and partnerships that no region could carry out alone.
""",
)

DEMO_GROUPS = (INNOVATION_DIFFUSION, INDUSTRIAL_TRANSITION, INTERREGIONAL_COOPERATION)


def demo_groups(today: date) -> tuple[GroupDetails, ...]:
    """The demo groups, Industrial Transition kicking off on the 1st, four months before `today`."""
    kickoff = add_months(today.replace(day=1), -4)
    return tuple(
        replace(details, kickoff=kickoff) if details is INDUSTRIAL_TRANSITION else details
        for details in DEMO_GROUPS
    )


H, K = Helix, OrganisationKind
# (name, helix, kind, NUTS-2 region): four helices, 17 countries.
DEMO_ORGANISATIONS = (
    ("Flanders Region Innovation Office", H.PUBLIC_AUTHORITY, K.REGIONAL_AUTHORITY, "BE21"),
    ("Lower Austria Business Agency", H.PUBLIC_AUTHORITY, K.INNOVATION_AGENCY, "AT12"),
    ("Stuttgart Region Technology Transfer Centre", H.ACADEMIA_RESEARCH, K.RTO, "DE11"),
    ("Upper Bavaria Digital Manufacturing Cluster", H.BUSINESS, K.CLUSTER, "DE21"),
    (
        "Île-de-France Regional Council, Research Directorate",
        H.PUBLIC_AUTHORITY,
        K.REGIONAL_AUTHORITY,
        "FR10",
    ),
    ("Rhône-Alpes Chamber of Commerce and Industry", H.BUSINESS, K.CHAMBER, "FRK2"),
    ("Catalonia Open Innovation Agency", H.PUBLIC_AUTHORITY, K.INNOVATION_AGENCY, "ES51"),
    ("Basque Advanced Manufacturing Research Centre", H.ACADEMIA_RESEARCH, K.RTO, "ES21"),
    ("Lombardy Polytechnic University", H.ACADEMIA_RESEARCH, K.UNIVERSITY, "ITC4"),
    ("Emilia-Romagna Food Valley SME", H.BUSINESS, K.SME, "ITH5"),
    ("Noord-Holland Citizens' Science Network", H.CIVIL_SOCIETY, K.NGO, "NL32"),
    ("Małopolska University of Technology", H.ACADEMIA_RESEARCH, K.UNIVERSITY, "PL21"),
    ("Norte Regional Coordination Commission", H.PUBLIC_AUTHORITY, K.REGIONAL_AUTHORITY, "PT11"),
    ("Stockholm Mobility Systems AB", H.BUSINESS, K.LARGE_COMPANY, "SE11"),
    ("Helsinki-Uusimaa Regional Council", H.PUBLIC_AUTHORITY, K.REGIONAL_AUTHORITY, "FI1B"),
    ("Prague Digital Innovation Hub", H.BUSINESS, K.CLUSTER, "CZ01"),
    ("Budapest Foundation for Social Innovation", H.CIVIL_SOCIETY, K.NGO, "HU11"),
    ("Nord-Vest Regional Development Agency", H.PUBLIC_AUTHORITY, K.INNOVATION_AGENCY, "RO11"),
    ("Western Slovenia Start-up Association", H.CIVIL_SOCIETY, K.NGO, "SI04"),
    (
        "Attica Ministry Liaison for Research and Innovation",
        H.PUBLIC_AUTHORITY,
        K.NATIONAL_AUTHORITY,
        "EL30",
    ),
    ("Southern Ireland Agri-tech SME", H.BUSINESS, K.SME, "IE05"),
)

# (name, email local part, organisation index, position, expertise, listed, status in Innovation Diffusion)
A, P = MembershipStatus.ACTIVE, MembershipStatus.APPLIED
DEMO_PEOPLE = (
    (
        "Sofie Peeters",
        "sofie.peeters",
        0,
        "Policy officer",
        "Smart specialisation monitoring",
        True,
        A,
    ),
    (
        "Lukas Gruber",
        "lukas.gruber",
        1,
        "Innovation advisor",
        "SME digitalisation vouchers",
        True,
        A,
    ),
    (
        "Hannah Schmid",
        "hannah.schmid",
        2,
        "Head of technology transfer",
        "University-industry collaboration",
        True,
        A,
    ),
    ("Jonas Weber", "jonas.weber", 3, "Cluster manager", "Industry 4.0 adoption", True, A),
    (
        "Camille Laurent",
        "camille.laurent",
        4,
        "Head of research policy",
        "Regional innovation strategies",
        True,
        A,
    ),
    (
        "Thomas Girard",
        "thomas.girard",
        5,
        "SME services director",
        "Business support services",
        False,
        A,
    ),
    (
        "Laia Puig",
        "laia.puig",
        6,
        "Programme manager",
        "Open innovation, public procurement of innovation",
        True,
        A,
    ),
    (
        "Iker Etxeberria",
        "iker.etxeberria",
        7,
        "Researcher",
        "Advanced manufacturing, knowledge transfer",
        True,
        A,
    ),
    (
        "Giulia Rossi",
        "giulia.rossi",
        8,
        "Associate professor",
        "Innovation diffusion, absorptive capacity",
        True,
        A,
    ),
    (
        "Marco Bianchi",
        "marco.bianchi",
        9,
        "Founder",
        "Food technology, agri-food value chains",
        True,
        A,
    ),
    (
        "Eva de Vries",
        "eva.devries",
        10,
        "Community organiser",
        "Citizen engagement in innovation",
        True,
        A,
    ),
    (
        "Piotr Nowak",
        "piotr.nowak",
        11,
        "Vice-rector for cooperation",
        "Entrepreneurial discovery process",
        True,
        A,
    ),
    (
        "Ana Ferreira",
        "ana.ferreira",
        12,
        "S3 coordinator",
        "Regional policy, cohesion funds",
        True,
        A,
    ),
    (
        "Erik Lindqvist",
        "erik.lindqvist",
        13,
        "Head of partnerships",
        "Multinational-SME knowledge transfer",
        False,
        A,
    ),
    (
        "Aino Virtanen",
        "aino.virtanen",
        14,
        "Senior advisor",
        "Innovation agency coordination",
        True,
        A,
    ),
    (
        "Tomáš Dvořák",
        "tomas.dvorak",
        15,
        "Hub director",
        "European Digital Innovation Hubs",
        True,
        A,
    ),
    ("Zsófia Kovács", "zsofia.kovacs", 16, "Programme lead", "Social innovation", True, A),
    (
        "Andrei Popescu",
        "andrei.popescu",
        17,
        "Innovation expert",
        "Innovation vouchers, SME support",
        True,
        A,
    ),
    ("Maja Novak", "maja.novak", 18, "Executive director", "Start-up ecosystems", True, A),
    (
        "Nikos Papadopoulos",
        "nikos.papadopoulos",
        19,
        "Policy analyst",
        "National-regional coordination",
        True,
        A,
    ),
    ("Siobhán Murphy", "siobhan.murphy", 20, "Managing director", "Agri-tech adoption", True, A),
    ("Pieter Janssens", "pieter.janssens", 0, "Data analyst", "Innovation indicators", False, A),
    ("Katharina Bauer", "katharina.bauer", 1, "Project manager", "Interregional projects", True, A),
    ("Felix Hoffmann", "felix.hoffmann", 2, "Research engineer", "Applied AI for SMEs", True, A),
    ("Léa Moreau", "lea.moreau", 4, "Policy officer", "Digital transition", True, A),
    ("Jordi Vila", "jordi.vila", 6, "Analyst", "Innovation diffusion metrics", False, A),
    ("Ainhoa Aguirre", "ainhoa.aguirre", 7, "Business developer", "Technology centres", True, A),
    (
        "Francesca Romano",
        "francesca.romano",
        8,
        "PhD researcher",
        "Technology adoption in SMEs",
        True,
        A,
    ),
    ("Daan Bakker", "daan.bakker", 10, "Volunteer coordinator", "Living labs", True, A),
    ("Magdalena Wiśniewska", "magdalena.wisniewska", 11, "Transfer officer", "Spin-offs", True, A),
    ("João Costa", "joao.costa", 12, "Evaluation officer", "Monitoring and evaluation", True, A),
    (
        "Ingrid Svensson",
        "ingrid.svensson",
        13,
        "Sustainability lead",
        "Green transition in industry",
        True,
        A,
    ),
    (
        "Mikko Korhonen",
        "mikko.korhonen",
        14,
        "Regional development manager",
        "Digitalisation of public services",
        False,
        A,
    ),
    (
        "Petra Horáková",
        "petra.horakova",
        15,
        "Innovation consultant",
        "Digital maturity assessment",
        True,
        P,
    ),
    ("Bence Szabó", "bence.szabo", 16, "Researcher", "Inclusive innovation", True, P),
    (
        "Elena Ionescu",
        "elena.ionescu",
        17,
        "Communication officer",
        "Stakeholder engagement",
        False,
        P,
    ),
    ("Luka Kranjc", "luka.kranjc", 18, "Mentor", "Scale-up support", True, P),
    (
        "Dimitra Georgiou",
        "dimitra.georgiou",
        19,
        "Researcher",
        "Innovation diffusion in public administration",
        True,
        A,
    ),
)

# Members of Industrial Transition, as indexes into DEMO_PEOPLE (all active).
INDUSTRIAL_TRANSITION_PEOPLE = (
    1, 3, 4, 5, 7, 9, 12, 13, 15, 16, 17, 19, 21, 22, 23, 26, 28, 30, 31, 32, 37,
)  # fmt: skip

# Demo accounts anyone can log in with; `flask cop demo` prints them and the README names them.
# The coordinator and the member belong to Innovation Diffusion and to Industrial Transition.
DEMO_ACCOUNTS = (
    ("admin@example.org", "Ada Admin", "demo-admin-password", None, "admin"),
    ("coordinator@example.org", "Clara Coordinator", "demo-coordinator-password", 6, "coordinator"),
    ("member@example.org", "Milan Member", "demo-member-password", 9, "member"),
)


@dataclass
class DemoReport:
    created: int = 0
    kept: int = 0
    accounts: list[tuple[str, str, str]] = field(default_factory=list)


def load_demo(session: Session) -> DemoReport:
    """Create what is missing of the demo data; the caller commits.

    Dates that depend on the day (Industrial Transition's cycle) are read from `cop.clock`.
    """
    from cop.demo_activities import load_demo_activities
    from cop.demo_challenges import load_demo_challenges
    from cop.demo_meetings import load_demo_meetings
    from cop.demo_outcomes import load_demo_outcomes
    from cop.demo_solutions import load_demo_solutions

    report = DemoReport()
    now = clock.now()
    load_regions(session)
    groups = {}
    for details in demo_groups(now.astimezone(ZoneInfo(INDUSTRIAL_TRANSITION.timezone)).date()):
        group = find_group(session, details.slug)
        if group is not None:
            report.kept += 1
        else:
            group = create_group(session, None, details)
            report.created += 1
        groups[details.slug] = group
    organisations = [_organisation(session, report, *row) for row in DEMO_ORGANISATIONS]
    diffusion = groups[INNOVATION_DIFFUSION.slug]
    for name, local, org, position, expertise, listed, status in DEMO_PEOPLE:
        person = _person(session, report, f"{local}@example.org", name, organisations[org])
        if person is None:
            continue
        person.position, person.expertise, person.listed = position, expertise, listed
        # Those who agreed to be listed also agreed to be suggested as contacts.
        person.contactable = listed
        _membership(session, report, person, diffusion, Role.MEMBER, status)
    for email, name, password, org, role in DEMO_ACCOUNTS:
        organisation = organisations[org] if org is not None else None
        person = _person(session, report, email, name, organisation, password=password)
        report.accounts.append((role, email, password))
        if person is None:
            continue
        person.listed = person.contactable = role != "admin"
        if role == "admin":
            person.is_admin = True
        else:
            kind = Role.COORDINATOR if role == "coordinator" else Role.MEMBER
            _membership(session, report, person, diffusion, kind, MembershipStatus.ACTIVE)
    # Looked up by email, so that a database loaded before this group had members gets them.
    transition = groups[INDUSTRIAL_TRANSITION.slug]
    emails = [f"{DEMO_PEOPLE[index][1]}@example.org" for index in INDUSTRIAL_TRANSITION_PEOPLE]
    emails += ["coordinator@example.org", "member@example.org"]
    people = {u.email: u for u in session.scalars(select(User).where(User.email.in_(emails)))}
    for email in emails:
        kind = Role.COORDINATOR if email == "coordinator@example.org" else Role.MEMBER
        _membership(session, report, people[email], transition, kind, MembershipStatus.ACTIVE)
    session.flush()
    load_demo_meetings(session, report, groups, now)
    load_demo_challenges(session, report, groups, now)
    load_demo_activities(session, report, groups, now)
    load_demo_solutions(session, report, groups, now)
    load_demo_outcomes(session, report, groups, now)
    session.flush()
    return report


def _organisation(session, report, name, helix, kind, region_code) -> Organisation:
    organisation = session.scalar(select(Organisation).where(Organisation.name == name))
    if organisation is not None:
        report.kept += 1
        return organisation
    organisation = Organisation(name=name, helix=helix, kind=kind, region_code=region_code)
    session.add(organisation)
    session.flush()
    record_change(
        session,
        actor=None,
        action="organisation.created",
        record=organisation,
        summary=f"Demo organisation {name}",
    )
    report.created += 1
    return organisation


def _person(session, report, email, name, organisation, password=None) -> User | None:
    """A new demo person, or None when one with this email exists (kept as it is)."""
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        report.kept += 1
        return None
    person = User(
        email=email,
        name=name,
        organisation=organisation,
        password_hash=generate_password_hash(password) if password else None,
        email_confirmed_at=utcnow(),
        active=True,
    )
    session.add(person)
    session.flush()
    record_change(
        session, actor=None, action="user.created", record=person, summary=f"Demo account {email}"
    )
    report.created += 1
    return person


def _membership(session, report, person, group, role, status) -> None:
    exists = session.scalar(
        select(Membership.id).where(
            Membership.user_id == person.id, Membership.group_id == group.id
        )
    )
    if exists is not None:
        report.kept += 1
        return
    membership = Membership(
        user=person,
        group=group,
        role=role,
        status=status,
        motivation="I would like to share my region's experience and learn from other regions.",
        decided_at=utcnow() if status is MembershipStatus.ACTIVE else None,
    )
    session.add(membership)
    session.flush()
    record_change(
        session,
        actor=None,
        action="membership.created",
        record=membership,
        summary=f"Demo membership of {person.email} in {group.slug}: {role.value}, {status.value}",
    )
    report.created += 1
