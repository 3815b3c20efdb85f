"""Demo data for trying cop: the S3 Community of Practice's working groups.

Loading is idempotent: records are found by natural key (a group's slug) and
never overwritten, so edits made through the site survive a reload. Every
email address in demo data uses the reserved example.org domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

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
    links=(
        ("Smart Specialisation Platform", "https://s3platform.jrc.ec.europa.eu/"),
        (
            "EU regional policy: smart specialisation",
            "https://ec.europa.eu/regional_policy/policy/communication-and-transparency/",
        ),
    ),
)

INDUSTRIAL_TRANSITION = GroupDetails(
    slug="industrial-transition",
    name="Industrial Transition",
    kickoff=date(2023, 6, 1),
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


@dataclass
class DemoReport:
    created: int = 0
    kept: int = 0


def load_demo(session: Session) -> DemoReport:
    """Create what is missing of the demo data; the caller commits."""
    report = DemoReport()
    load_regions(session)
    for details in DEMO_GROUPS:
        if find_group(session, details.slug) is not None:
            report.kept += 1
            continue
        create_group(session, None, details)
        report.created += 1
    return report
