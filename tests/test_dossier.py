"""The bottleneck-analysis dossier of a region: its public challenges by theme with the other
regions sharing them, the published practices from other regions that address them, the
evidence of the public solutions answering them, the outcomes concerning the region; its
introduction, date, licence and address; what it never shows; query counts and 304."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, date, datetime

import pytest

from cop import clock
from cop.challenges.models import ChallengeStatus, PracticeStatus
from cop.demo_scale import add_challenges, add_outcomes, add_solutions
from cop.members.models import Role
from cop.site import regions as region_pages
from cop.solutions.models import SolutionStage
from tests.factories import (
    make_challenge,
    make_endorsement,
    make_group,
    make_indicator,
    make_measurement,
    make_membership,
    make_organisation,
    make_outcome,
    make_practice,
    make_solution,
    make_theme,
    make_user,
)

TODAY = datetime(2026, 11, 15, 10, 0, tzinfo=UTC)
PATH = "/regions/BE10/dossier"


@pytest.fixture(autouse=True)
def fixed_clock():
    with clock.fixed_at(TODAY):
        yield


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def main_of(response) -> str:
    page = text_of(response)
    return page[page.index("<main") : page.index("</main>")]


def part(page: str, title_id: str) -> str:
    start = page.index(f'id="{title_id}"')
    return page[start : page.index("</section>", start)]


@pytest.fixture
def world(app, session):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    other_group = make_group(session, slug="industrial-transition", name="Industrial Transition")
    author = make_user(session, name="Ada Author", email="ada.author@example.org")
    make_membership(session, author, group)
    adoption = make_theme(session, group, name="SMEs' adoption", position=1)
    transfer = make_theme(session, group, name="Knowledge transfer", position=2)
    elsewhere = make_theme(session, other_group, name="Industrial decline", position=1)
    shared = make_challenge(
        session,
        group,
        title="SMEs lag in digital adoption",
        description="Few SMEs use **cloud** tools.",
        status=ChallengeStatus.ACCEPTED,
        region_codes=("BE10", "PT11"),
        themes=(adoption,),
    )
    catalan = make_user(session, organisation=make_organisation(session, region_code="ES51"))
    make_endorsement(session, shared, catalan, region_code="ES51")
    alone = make_challenge(
        session,
        group,
        title="Agencies work in silos",
        status=ChallengeStatus.ADDRESSED,
        region_codes=("BE10",),
        themes=(transfer,),
    )
    make_challenge(
        session,
        group,
        title="Proposed and not accepted",
        region_codes=("BE10",),
        themes=(adoption,),
    )
    not_ours = make_challenge(
        session,
        group,
        title="Only Norte's problem",
        status=ChallengeStatus.ACCEPTED,
        region_codes=("PT11",),
        themes=(adoption,),
    )
    untitled = make_challenge(
        session,
        other_group,
        title="Multinationals share too little",
        status=ChallengeStatus.BEING_ADDRESSED,
        region_codes=("FR10",),
    )
    brussels = make_user(session, organisation=make_organisation(session, region_code="BE10"))
    make_endorsement(session, untitled, brussels, region_code="BE10")
    make_practice(
        session,
        group,
        title="Norte's technology vouchers",
        region_code="PT11",
        challenges=(shared,),
        problem="SMEs in Norte did not try new technologies.",
    )
    make_practice(
        session, group, title="Catalan digital coaches", region_code="ES51", themes=(adoption,)
    )
    make_practice(
        session, group, title="Brussels' own scheme", region_code="BE10", challenges=(shared,)
    )
    make_practice(
        session,
        group,
        title="Norte's unpublished draft",
        region_code="PT11",
        challenges=(shared,),
        status=PracticeStatus.DRAFT,
    )
    make_practice(
        session, other_group, title="Unrelated practice", region_code="PT11", themes=(elsewhere,)
    )
    make_practice(
        session,
        other_group,
        title="Paris mentoring",
        region_code="FR10",
        challenges=(untitled,),
    )
    solution = make_solution(
        session,
        group,
        author,
        title="Digital vouchers",
        stage=SolutionStage.MONITORING,
        challenges=(shared,),
        region_codes=("PT11", "ES51"),
        public=True,
    )
    indicator = make_indicator(
        session, solution, name="SMEs with a digital project", baseline=10, target=50
    )
    make_measurement(session, indicator, 20, date(2025, 6, 1), source="Agency survey")
    wrong = make_measurement(session, indicator, 45, date(2025, 9, 1), source="Typo")
    wrong.withdrawn_at = TODAY
    make_indicator(session, solution, name="Not measured yet", baseline=0, target=5)
    make_solution(
        session, group, author, title="Members-only pilot", challenges=(shared,), public=False
    )
    make_solution(
        session, group, author, title="Norte's own solution", challenges=(not_ours,), public=True
    )
    make_outcome(
        session,
        group,
        author,
        title="Lessons on vouchers",
        published=True,
        region_codes=("BE10",),
    )
    make_outcome(session, group, author, title="Outcome still a draft", region_codes=("BE10",))
    session.commit()
    return {
        "group": group,
        "adoption": adoption,
        "shared": shared,
        "alone": alone,
        "indicator": indicator,
    }


def test_the_dossier_introduces_itself(client, world):
    response = client.get(PATH)
    assert response.status_code == 200
    page = main_of(response)
    assert "<h1>Bottleneck analysis: Région de Bruxelles-Capitale" in page
    intro = part(page, "purpose-title")
    assert "enabling condition" in intro
    assert "analysis of the bottlenecks to innovation diffusion, including digitalisation" in intro
    assert "Compiled on 15 November 2026 from the records of the S3 Community of Practice." in page
    assert 'href="https://creativecommons.org/licenses/by/4.0/" rel="license"' in page
    assert "CC BY 4.0" in page
    assert '<a href="http://cop.test/regions/BE10/dossier">' in page
    assert "use your browser's print command" in page
    # Three challenges of Brussels, shared with Norte, Catalonia and Île-de-France.
    assert "It gathers 3 challenges of this region." in intro
    assert "It shares them with 3 other regions." in intro


def test_challenges_are_grouped_by_theme_with_the_regions_sharing_them(client, world):
    page = main_of(client.get(PATH))
    themes = re.findall(r'<h2 id="theme-[^"]+-title">([^<]+)</h2>', page)
    assert themes == [
        "Theme: SMEs' adoption",
        "Theme: Knowledge transfer",
        "Challenges under no theme",
    ]
    adoption = page[page.index("Theme: SMEs' adoption") : page.index("Theme: Knowledge transfer")]
    assert "SMEs lag in digital adoption" in adoption
    assert "Few SMEs use <strong>cloud</strong> tools." in adoption
    facts = adoption[adoption.index("SMEs lag") :].split("</dl>")[0]
    assert "Accepted" in facts and "faces it" in facts
    assert '<a href="/regions/ES51">' in facts and '(<span translate="no">ES51</span>)' in facts
    assert '<a href="/regions/PT11">Norte</a>' in facts
    assert "BE10" not in facts  # the region itself is not "another region"
    # Not this region's, and not accepted: not there.
    assert "Only Norte's problem" not in page and "Proposed and not accepted" not in page
    transfer = page[page.index("Theme: Knowledge transfer") : page.index("Challenges under no")]
    alone = transfer[transfer.index("Agencies work in silos") :].split("</dl>")[0]
    assert "Addressed" in alone and "None yet" in alone
    rest = part(page, "theme-none-title")
    endorsed = rest[rest.index("Multinationals share too little") :].split("</dl>")[0]
    assert "endorsed it" in endorsed and '<a href="/regions/FR10">' in endorsed


def test_practices_come_from_other_regions_and_address_the_challenges(client, world):
    page = main_of(client.get(PATH))
    adoption = page[page.index("Theme: SMEs' adoption") : page.index("Theme: Knowledge transfer")]
    practices = adoption[adoption.index("Good practices from other regions") :]
    linked = practices[practices.index("Norte's technology vouchers") :].split("</li>")[0]
    assert "Addresses: SMEs lag in digital adoption" in linked
    assert "Norte, Portugal" in linked and "SMEs in Norte did not try" in linked
    themed = practices[practices.index("Catalan digital coaches") :].split("</li>")[0]
    assert "Filed under the same theme" in themed
    transfer = page[page.index("Theme: Knowledge transfer") : page.index("Challenges under no")]
    assert "No good practice from another region addresses these challenges yet." in transfer
    rest = page[page.index("Challenges under no theme") :]
    assert "Paris mentoring" in rest.split('id="evidence-title"')[0]
    for absent in ("Brussels' own scheme", "Norte's unpublished draft", "Unrelated practice"):
        assert absent not in page, absent


def test_the_evidence_of_public_solutions(client, world):
    page = main_of(client.get(PATH))
    evidence = part(page, "evidence-title")
    assert "Digital vouchers" in evidence and "Monitoring" in evidence
    assert 'Norte (<span translate="no">PT11</span>)' in evidence
    assert "ES51" in evidence
    assert "Answers" in evidence and "SMEs lag in digital adoption" in evidence
    row = evidence[evidence.index("SMEs with a digital project</th>") :].split("</tr>")[0]
    assert "10 SMEs on 1 January 2025" in row
    assert "20 SMEs on 1 June 2025" in row and "(for the whole solution)" in row
    assert "50 SMEs by 31 December 2027" in row
    assert "25% of the way to the target" in row
    assert "Agency survey" in row and "Typo" not in evidence and "45" not in row
    unmeasured = evidence[evidence.index("Not measured yet</th>") :].split("</tr>")[0]
    assert "No measurement yet" in unmeasured
    assert "Members-only pilot" not in page and "Norte's own solution" not in page


def test_outcomes_and_never_anything_private(client, world):
    everything = text_of(client.get(PATH))
    outcomes = part(main_of(client.get(PATH)), "outcomes-title")
    assert "Lessons on vouchers" in outcomes
    assert "Outcome still a draft" not in everything
    assert "Ada Author" not in everything and "@example.org" not in everything


def test_a_region_with_no_challenge_gets_those_most_widely_shared_marked_so(client, world):
    """Malta faces no challenge: its dossier says so plainly, then offers the public
    challenges most regions share, by theme, with the practices and evidence for them, each
    part headed "Shared by other regions"."""
    page = main_of(client.get("/regions/MT00/dossier"))
    intro = part(page, "purpose-title")
    assert "This region faces or endorsed no accepted challenge yet" in intro
    assert "the 4 challenges most widely shared across EU regions" in intro
    assert "challenges of this region" not in intro and "It gathers, for Malta" not in intro
    plain = part(page, "no-challenges-title")
    assert "No accepted challenge is faced or endorsed by this region yet." in plain
    assert "out of 4 that regions face or endorsed" in plain
    assert "they are not this region's own challenges" in plain
    themes = re.findall(r'<h2 id="theme-[^"]+-title">(.+?)</h2>', page)
    shared = '<span class="shared-label">Shared by other regions</span> '
    assert themes == [
        f"{shared}Theme: SMEs' adoption",
        f"{shared}Theme: Knowledge transfer",
        f"{shared}Challenges under no theme",
    ]
    adoption = page[page.index("Theme: SMEs' adoption") : page.index("Theme: Knowledge transfer")]
    # The most widely shared first: faced by Brussels and Norte, endorsed for Catalonia.
    assert re.findall(r"<h4><a [^>]+>([^<]+)</a></h4>", adoption) == [
        "SMEs lag in digital adoption",
        "Only Norte's problem",
    ]
    facts = adoption[adoption.index("SMEs lag") :].split("</dl>")[0]
    assert "Regions facing or endorsing it" in facts and "This region" not in facts
    for code in ("BE10", "ES51", "PT11"):
        assert f'<a href="/regions/{code}">' in facts
    practices = adoption[adoption.index("Good practices from other regions") :]
    for title in ("Norte's technology vouchers", "Catalan digital coaches", "Brussels' own scheme"):
        assert title in practices, title
    assert "Norte's unpublished draft" not in page and "Proposed and not accepted" not in page
    evidence = part(page, "evidence-title")
    assert evidence.startswith(f'id="evidence-title">{shared}Evidence from the solutions</h2>')
    assert "Digital vouchers" in evidence and "Norte's own solution" in evidence
    assert "Members-only pilot" not in page
    assert "No published outcome concerns this region yet." in part(page, "outcomes-title")


def test_a_dossier_with_no_challenge_anywhere_says_so(client, session):
    make_challenge(session, make_group(session), title="Not accepted", region_codes=("PT11",))
    session.commit()
    page = main_of(client.get("/regions/MT00/dossier"))
    assert "No accepted challenge is faced or endorsed by this region yet." in page
    assert "No region has an accepted challenge yet" in page
    assert "Shared by other regions" not in page and "Not accepted" not in page
    assert "No public solution answers these challenges yet." in page
    assert "No published outcome concerns this region yet." in page


def test_a_region_s_own_dossier_is_never_marked_shared(client, world):
    page = main_of(client.get(PATH))
    assert "Shared by other regions" not in page and "shared-label" not in page


def test_the_dossier_describes_itself_for_search_engines_and_prints_cleanly(client, world):
    page = text_of(client.get(PATH))
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    )
    assert data["@type"] == "Report"
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert data["spatialCoverage"]["identifier"] == "BE10"
    assert data["dateCreated"] == "2026-11-15"
    assert '<link rel="stylesheet" href="/static/css/print.css" media="print">' in page
    css = client.get("/static/css/print.css").get_data(as_text=True)
    assert ".dossier-section > h2 { break-before: page;" in css
    assert ".site-header" in css and "form," in css and 'a[href^="http"]::after' in css


# The regions the scaled demo's records are spread over, as `cop demo --scale` spreads them over
# all 244: Brussels gets a good share of them, each shared with the others.
SCALE_REGIONS = ["BE10", "DE21", "ES51", "FR10", "PT11"]
WIDELY_SHARED = ("AT11", "AT12", "CZ01", "DE11", "DE30", "DK01", "EL30", "FI1B", "FR10")
WIDELY_SHARED += ("IE05", "ITC4", "NL32", "PL21", "PT11", "SE11")


def grow_to_scale(session, group) -> None:
    """Brussels' records at the scaled demo's size, written as cop.demo_scale writes them:
    over 500 public challenges it faces or endorsed (past what an eager load reads in one
    statement), some 2,000 practices from other regions under their themes, dozens of public
    solutions answering them with indicators and measurements, outcomes; and a challenge
    Brussels shares with 15 other regions, endorsed the most for it, that 30 more public
    solutions answer."""
    make_membership(session, make_user(session), group, role=Role.COORDINATOR)
    for code in SCALE_REGIONS * 2:
        organisation = make_organisation(session, region_code=code)
        make_membership(session, make_user(session, organisation=organisation), group)
    widely = make_challenge(
        session,
        group,
        title="Everybody's bottleneck",
        status=ChallengeStatus.ACCEPTED,
        region_codes=("BE10", *WIDELY_SHARED),
    )
    for _number in range(8):
        make_endorsement(session, widely, make_user(session), region_code="BE10")
    owner = make_user(session)
    for _number in range(region_pages.DOSSIER_SOLUTIONS + 5):
        solution = make_solution(
            session, group, owner, public=True, challenges=(widely,), region_codes=("PT11",)
        )
        indicator = make_indicator(session, solution)
        make_measurement(session, indicator, 11, date(2025, 2, 1), region_code="PT11")
    session.flush()
    add_challenges(session, group.id, challenges=1500, practices=2500, regions=SCALE_REGIONS)
    add_solutions(session, group.id, 80, regions=SCALE_REGIONS)
    add_outcomes(session, group.id, 60)
    session.commit()


def test_the_dossier_queries_do_not_grow(app, session, world, count_queries):
    client = app.test_client()
    group = world["group"]

    def grow(size: int) -> None:
        for number in range(size):
            theme = make_theme(session, group)
            person = make_user(session)
            challenge = make_challenge(
                session,
                group,
                status=ChallengeStatus.ACCEPTED,
                region_codes=("BE10", ("PT11", "ES51", "FR10")[number % 3]),
                themes=(theme,),
            )
            make_endorsement(session, challenge, person, region_code="DE21")
            make_practice(session, group, region_code="PT11", challenges=(challenge,))
            make_practice(session, group, region_code="ES51", themes=(theme,))
            solution = make_solution(
                session, group, person, public=True, challenges=(challenge,), region_codes=("PT11",)
            )
            indicator = make_indicator(session, solution)
            make_measurement(session, indicator, 11, date(2025, 2, 1), region_code="PT11")
            # Malta, which faces no challenge, is concerned by outcomes too: its dossier then
            # reads all that Brussels' does.
            make_outcome(session, group, person, published=True, region_codes=("BE10", "MT00"))
        session.commit()

    def queries() -> int:
        with count_queries() as counter:
            assert client.get(PATH).status_code == 200
        return counter.count

    def nothing() -> int:
        """The queries of Malta's dossier, which faces no challenge: as many as Brussels'."""
        with count_queries() as counter:
            page = client.get("/regions/MT00/dossier").get_data(as_text=True)
        assert "Shared by other regions" in page
        return counter.count

    grow(1)
    small = queries()
    assert nothing() == small
    grow(8)
    assert queries() == small
    assert nothing() == small
    grow_to_scale(session, group)
    assert queries() == small
    assert nothing() == small


def test_a_dossier_at_scale_is_bounded_and_says_what_it_leaves_out(client, session, world):
    grow_to_scale(session, world["group"])
    response = client.get(PATH)
    page = main_of(response)
    intro = part(page, "purpose-title")
    total = int(re.search(r"It gathers (\d+) challenges of this region\.", intro).group(1))
    assert total > 500
    assert (
        f"It describes the first 50: those the region faces first, then those with the most endorsements from it; the other {total - 50} are in the groups' lists."
        in intro
    )
    assert 'href="/groups/innovation-diffusion/challenges/?region=BE10"' in intro
    assert "the dossier names at most 12 other regions for each challenge" in intro
    described = set(
        re.findall(r'<div class="dossier-challenge">\s*<h4><a href="/challenges/(\d+)"', page)
    )
    assert len(described) == region_pages.DOSSIER_CHALLENGES
    # The challenge endorsed the most for Brussels comes first, with 12 of its 15 regions.
    widely = page[page.index("Everybody's bottleneck") :].split("</dl>")[0]
    assert widely.count('<a href="/regions/') == region_pages.DOSSIER_OTHER_REGIONS
    assert "and 3 more regions" in widely and "8 endorsements from this region" in widely
    adoption = page[page.index("Theme: SMEs' adoption") : page.index("Theme: Knowledge transfer")]
    practices = adoption[adoption.index("Good practices from other regions") :]
    assert practices.count("<li>") == region_pages.DOSSIER_PRACTICES
    more = re.search(r"and (\d+) more good practices: <a href=\"([^\"]+)\">", practices)
    assert int(more.group(1)) > 500
    assert more.group(2) == f"/groups/innovation-diffusion/practices/?theme={world['adoption'].id}"
    # Those linked to the challenges described come first, then those only filed under the theme.
    kinds = re.findall(r"Addresses:|Filed under the same theme", practices)
    assert kinds == sorted(kinds) and "Addresses:" in kinds
    evidence = part(page, "evidence-title")
    assert evidence.count('<div class="dossier-solution">') == region_pages.DOSSIER_SOLUTIONS
    assert re.search(r"and \d+ more solutions answer these challenges", evidence)
    outcomes = part(page, "outcomes-title")
    assert outcomes.count("<li>") == region_pages.DOSSIER_OUTCOMES
    assert re.search(r"and \d+ more outcomes\.", outcomes)
    assert len(response.get_data()) < 1_000_000


def test_the_dossier_answers_304_until_a_record_or_the_day_changes(app, session, world):
    client = app.test_client()
    first = client.get(PATH)
    tag = first.headers["ETag"]
    assert client.get(PATH, headers={"If-None-Match": tag}).status_code == 304
    make_practice(session, world["group"], region_code="PT11", challenges=(world["alone"],))
    session.commit()
    changed = client.get(PATH, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and "Compiled on 15 November 2026" in text_of(changed)
    tag = changed.headers["ETag"]
    with clock.fixed_at(datetime(2026, 11, 16, 10, 0, tzinfo=UTC)):
        tomorrow = client.get(PATH, headers={"If-None-Match": tag})
    assert tomorrow.status_code == 200
    assert "Compiled on 16 November 2026" in text_of(tomorrow)


def test_a_challenge_under_two_themes_is_described_once(client, session, world):
    second = make_theme(session, world["group"], name="Digitalisation", position=3)
    world["shared"].themes.append(second)
    session.commit()
    page = main_of(client.get(PATH))
    assert page.count("Few SMEs use <strong>cloud</strong> tools.") == 1
    digitalisation = page[page.index("Theme: Digitalisation") :].split("</section>")[0]
    assert "SMEs lag in digital adoption" in digitalisation
    assert "Described above, under an earlier theme." in digitalisation
    assert "Norte's technology vouchers" in digitalisation  # linked to the challenge
