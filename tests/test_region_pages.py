"""The region pages: every NUTS-2 region by country with its counts, and one region's page
(its members' organisations by helix, challenges, good practices, solutions with their latest
indicators, meetings, activities and outcomes); what the public never reads there, bad codes,
query counts at two sizes and conditional answers."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from cop import clock
from cop.activities.models import ActivityKind, ActivityStatus
from cop.challenges.models import ChallengeStatus, PracticeStatus
from cop.demo_scale import add_activities, add_challenges, add_outcomes, add_solutions
from cop.meetings.models import MeetingStatus
from cop.members.models import Helix, MembershipStatus, OrganisationKind, Region, Role
from cop.outcomes.models import OutcomeKind, OutcomeStatus
from cop.site import regions as region_pages
from cop.solutions.models import SolutionStage
from tests.factories import (
    make_activity,
    make_challenge,
    make_endorsement,
    make_group,
    make_indicator,
    make_measurement,
    make_meeting,
    make_membership,
    make_organisation,
    make_outcome,
    make_practice,
    make_registration,
    make_solution,
    make_theme,
    make_user,
)

TODAY = datetime(2026, 11, 15, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fixed_clock():
    with clock.fixed_at(TODAY):
        yield


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def main_of(response) -> str:
    page = text_of(response)
    return page[page.index("<main") : page.index("</main>")]


def section(page: str, title_id: str) -> str:
    """The region page's section whose heading has the id `title_id`."""
    start = page.index(f'id="{title_id}"')
    return page[start : page.index("</section>", start)]


@pytest.fixture
def world(app, session):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    coordinator = make_user(session, name="Cora Coordinator")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    agency = make_organisation(
        session,
        name="Brussels Innovation Agency",
        helix=Helix.PUBLIC_AUTHORITY,
        kind=OrganisationKind.INNOVATION_AGENCY,
        region_code="BE10",
    )
    university = make_organisation(session, name="Free University of Brussels", region_code="BE10")
    applicants = make_organisation(session, name="Applicants Only Ltd", region_code="BE10")
    unreviewed = make_organisation(session, name="Typed At Sign Up", region_code="BE10")
    unreviewed.proposed = True
    porto = make_organisation(session, name="Porto Cluster", region_code="PT11")
    bea = make_user(
        session, name="Bea Brussels", email="bea@example.org", organisation=agency, listed=True
    )
    ugo = make_user(session, name="Ugo University", organisation=university)
    ann = make_user(session, name="Ann Applicant", organisation=applicants)
    tim = make_user(session, name="Tim Typed", organisation=unreviewed)
    pia = make_user(session, name="Pia Porto", organisation=porto)
    for person in (bea, ugo, tim, pia):
        make_membership(session, person, group)
    make_membership(session, ann, group, status=MembershipStatus.APPLIED)
    theme = make_theme(session, group, name="SMEs' adoption of new technologies")
    faced = make_challenge(
        session,
        group,
        title="SMEs lag in digital adoption",
        status=ChallengeStatus.ACCEPTED,
        region_codes=("BE10", "PT11"),
        themes=(theme,),
    )
    endorsed = make_challenge(
        session,
        group,
        title="Universities miss companies' needs",
        status=ChallengeStatus.BEING_ADDRESSED,
        region_codes=("PT11",),
    )
    make_endorsement(session, endorsed, bea, region_code="BE10")
    make_endorsement(session, endorsed, ugo, region_code="BE10")
    make_challenge(session, group, title="Just raised", region_codes=("BE10",))
    make_practice(
        session, group, title="Brussels digital vouchers", region_code="BE10", themes=(theme,)
    )
    make_practice(session, group, title="Unfinished draft practice", status=PracticeStatus.DRAFT)
    make_practice(session, group, title="Practice in review", status=PracticeStatus.SUBMITTED)
    solution = make_solution(
        session,
        group,
        bea,
        title="Digital vouchers",
        stage=SolutionStage.DEPLOYMENT,
        challenges=(faced,),
        region_codes=("BE10", "PT11"),
        public=True,
        internal_notes="Budget talks with the managing authority.",
    )
    indicator = make_indicator(
        session, solution, name="SMEs with a digital project", baseline=10, target=50
    )
    make_measurement(session, indicator, 20, date(2025, 6, 1), source="Agency survey")
    make_measurement(
        session, indicator, 30, date(2025, 9, 1), region_code="BE10", source="Brussels count"
    )
    make_solution(session, group, bea, title="Secret pilot", region_codes=("BE10",))
    held = make_meeting(
        session,
        group,
        title="Second plenary",
        starts_at=datetime(2026, 6, 10, 8, 0, tzinfo=UTC),
        online_url="https://meet.example.org/secret-room",
    )
    make_registration(session, held, bea, attended_at=datetime(2026, 6, 10, 9, 0, tzinfo=UTC))
    make_registration(session, held, ugo)
    make_registration(session, held, pia)
    make_registration(session, held, None, region_code="BE10", name="Gus Guest")
    draft = make_meeting(session, group, title="Draft workshop", status=MeetingStatus.DRAFT)
    make_registration(session, draft, bea)
    hosted = make_activity(
        session, group, title="Peer review of Brussels' S3", host_region_code="BE10"
    )
    visit = make_activity(
        session,
        group,
        kind=ActivityKind.STUDY_VISIT,
        status=ActivityStatus.COMPLETED,
        title="Study visit to Porto",
        host_region_code="PT11",
    )
    visit.regions = [session.get(Region, "BE10")]
    make_outcome(
        session,
        group,
        bea,
        title="Lessons from Brussels",
        published=True,
        approver=coordinator,
        region_codes=("BE10",),
    )
    make_outcome(
        session,
        group,
        bea,
        kind=OutcomeKind.POLICY_BRIEF,
        title="An old brief",
        published=True,
        approver=coordinator,
        region_codes=("BE10",),
        status=OutcomeStatus.WITHDRAWN,
        withdraw_reason="Superseded.",
    )
    make_outcome(session, group, bea, title="Unpublished outcome draft", region_codes=("BE10",))
    session.commit()
    return {
        "group": group,
        "theme": theme,
        "faced": faced,
        "endorsed": endorsed,
        "solution": solution,
        "indicator": indicator,
        "held": held,
        "hosted": hosted,
        "visit": visit,
        "bea": bea,
    }


# --- every region -------------------------------------------------------------------------------


def test_every_region_is_listed_by_country_with_its_counts(client, world):
    response = client.get("/regions/")
    assert response.status_code == 200
    page = main_of(response)
    belgium = section(page, "country-BE-title")
    assert "Belgium" in belgium and "Région de Bruxelles-Capitale" in belgium
    brussels = belgium[belgium.index('href="/regions/BE10"') - 60 :].split("</li>\n    <li")[0]
    assert "region-has-records" in brussels
    # Organisations with active members (not the applicants', not one never reviewed), the
    # two public challenges, one published practice, one public solution, one listed outcome.
    assert "2 organisations" in brussels
    assert "2 challenges" in brussels
    assert "1 good practice" in brussels
    assert "1 solution" in brussels
    assert "1 outcome" in brussels
    # Countries link to their section; Norte has records too; Greece's regions are there.
    assert 'href="#country-BE"' in page and 'href="#country-PT"' in page
    assert "region-has-records" in section(page, "country-PT-title")
    assert 'href="/regions/EL30"' in page
    assert "2 of 244 regions have records on the platform" in page


def test_the_index_queries_do_not_grow_and_it_answers_304(app, session, world, count_queries):
    client = app.test_client()

    def queries() -> int:
        with count_queries() as counter:
            assert client.get("/regions/").status_code == 200
        return counter.count

    small = queries()
    for number in range(6):
        organisation = make_organisation(session, region_code=("ES51", "FR10", "BE10")[number % 3])
        person = make_user(session, organisation=organisation)
        make_membership(session, person, world["group"])
        make_practice(session, world["group"], region_code="ES51")
        make_challenge(
            session, world["group"], status=ChallengeStatus.ACCEPTED, region_codes=("FR10",)
        )
    session.commit()
    assert queries() == small
    response = client.get("/regions/")
    tag = response.headers["ETag"]
    assert response.headers["Last-Modified"]
    with count_queries() as counter:
        again = client.get("/regions/", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b""
    assert counter.count == 1  # the stamp, nothing rendered
    make_practice(session, world["group"], region_code="FR10")
    session.commit()
    assert client.get("/regions/", headers={"If-None-Match": tag}).status_code == 200


# --- one region ---------------------------------------------------------------------------------


def test_the_region_page_shows_its_records(client, world):
    response = client.get("/regions/BE10")
    assert response.status_code == 200
    page = main_of(response)
    assert "<h1>Région de Bruxelles-Capitale" in page
    organisations = section(page, "organisations-title")
    assert "Public authorities" in organisations and "Brussels Innovation Agency" in organisations
    # Ugo, the university's only member, did not agree to be listed: it is counted, unnamed.
    assert "Academia and research" in organisations
    assert "Free University of Brussels" not in organisations
    assert "1 organisation, not named: its members have not chosen to be listed." in organisations
    assert "Applicants Only Ltd" not in organisations and "Typed At Sign Up" not in organisations
    assert "Porto Cluster" not in organisations
    challenges = section(page, "challenges-title")
    faced = challenges[challenges.index("SMEs lag") :].split("</li>")[0]
    assert "Accepted" in faced and "Innovation Diffusion" in faced
    assert "SMEs' adoption of new technologies" in faced and "This region faces it" in faced
    endorsed = challenges[challenges.index("Universities miss") :].split("</li>")[0]
    assert "Endorsed for this region" in endorsed
    assert "2 endorsements from this region" in endorsed
    practices = section(page, "practices-title")
    assert "Brussels digital vouchers" in practices
    solutions = section(page, "solutions-title")
    assert "Digital vouchers" in solutions and "Deployment" in solutions
    # Brussels' own series: (30 - 10) / (50 - 10) = 50 %.
    row = solutions[solutions.index("SMEs with a digital project</th>") :].split("</tr>")[0]
    assert (
        "30 SMEs on 1 September 2025" in row
        and "(in Région de Bruxelles-Capitale/Brussels Hoofdstedelijk Gewest)" in row
    )
    assert "50% of the way to the target" in row
    assert "10 SMEs on 1 January 2025" in row and "50 SMEs by 31 December 2027" in row
    meetings = section(page, "meetings-title")
    plenary = meetings[meetings.index("Second plenary") :].split("</li>")[0]
    # Bea, Ugo and the guest from Brussels (not Pia, from Porto); one attended.
    assert "3 people from this region registered" in plenary and "1 attended" in plenary
    activities = section(page, "activities-title")
    assert "Peer review of Brussels' S3" in activities and "Hosted by this region" in activities
    visit = activities[activities.index("Study visit to Porto") :].split("</li>")[0]
    assert "This region takes part" in visit and "Norte, Portugal" in visit
    outcomes = section(page, "outcomes-title")
    assert "Lessons from Brussels" in outcomes
    old = outcomes[outcomes.index("An old brief") :].split("</article>")[0]
    assert "Withdrawn" in old
    assert outcomes.index("Lessons from Brussels") < outcomes.index("An old brief")
    assert 'href="/regions/BE10/dossier"' in page


def test_the_region_page_never_shows_what_the_public_may_not_read(client, world):
    everything = text_of(client.get("/regions/BE10"))
    for hidden in (
        "Just raised",  # a proposed challenge
        "Unfinished draft practice",
        "Practice in review",
        "Secret pilot",  # a members-only solution
        "Budget talks",  # a solution's internal notes
        "Draft workshop",  # an unpublished meeting
        "meet.example.org",  # an online meeting link
        "Unpublished outcome draft",
        # People: never by name, never an email.
        "Bea Brussels",
        "Ugo University",
        "Gus Guest",
        "bea@example.org",
    ):
        assert hidden not in everything, hidden
    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", main_of(client.get("/regions/BE10")))


def test_signed_in_people_read_the_same_public_page(app, world):
    from tests.conftest import Browser

    browser = Browser(app.test_client())
    browser.login(world["bea"])
    page = main_of(browser.client.get("/regions/BE10"))
    assert "Secret pilot" not in page and "Just raised" not in page
    assert "Brussels digital vouchers" in page


def test_a_region_with_nothing_says_so(client, world):
    page = main_of(client.get("/regions/MT00"))
    assert "No organisation from this region takes part in a working group yet." in page
    assert "No challenge faced or endorsed by this region yet." in page
    assert "No good practice from this region yet." in page
    assert "No public solution is deployed in this region yet." in page
    assert "Nobody from this region has registered" in page
    assert "has not hosted or taken part in a peer-learning activity yet" in page
    assert "No published outcome concerns this region yet." in page


@pytest.mark.parametrize(
    "path",
    ["/regions/XX99", "/regions/BE1", "/regions/B", "/regions/" + "A" * 300, "/regions/BE-10"],
)
def test_an_unknown_region_is_a_404_page(client, world, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "There is no region with this code." in text_of(response)
    assert client.get(path + "/dossier").status_code == 404


def test_a_lower_case_code_leads_to_the_region(client, world):
    response = client.get("/regions/be10")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/regions/BE10")
    response = client.get("/regions/pt11/dossier")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/regions/PT11/dossier")


def test_the_region_page_tells_search_engines_what_it_is(client, world):
    page = text_of(client.get("/regions/BE10"))
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S).group(1)
    )
    assert data["@type"] == "AdministrativeArea"
    assert data["identifier"] == "BE10"
    assert data["name"] == "Région de Bruxelles-Capitale/Brussels Hoofdstedelijk Gewest"
    assert data["containedInPlace"] == {
        "@type": "Country",
        "name": "Belgium",
        "identifier": "BE",
    }
    assert data["url"] == "http://cop.test/regions/BE10"
    assert '<meta property="og:url" content="http://cop.test/regions/BE10">' in page
    assert '<link rel="canonical" href="http://cop.test/regions/BE10">' in page
    assert 'media="print"' in page and "css/print.css" in page


# The regions the scaled demo's records are spread over, as `cop demo --scale` spreads them over
# all 244: Brussels gets a quarter to a half of them.
SCALE_REGIONS = ["BE10", "ES51", "FR10", "PT11"]


def grow_to_scale(session, group) -> None:
    """Brussels' records at the scaled demo's size, written as cop.demo_scale writes them: over
    500 public challenges it faces or endorsed (past what an eager load reads in one
    statement), some 500 published practices, dozens of public solutions with indicators
    and measurements, activities and outcomes; and more organisations and meetings than the
    page lists."""
    for number in range(region_pages.PAGE_ORGANISATIONS + 3):
        organisation = make_organisation(
            session, name=f"Brussels lab {number:02d}", region_code="BE10", helix=Helix.BUSINESS
        )
        make_membership(session, make_user(session, organisation=organisation, listed=True), group)
    person = make_user(session, organisation=make_organisation(session, region_code="BE10"))
    for number in range(region_pages.PAGE_MEETINGS + 5):
        meeting = make_meeting(session, group, starts_in=timedelta(days=40 + number))
        make_registration(session, meeting, person)
    session.flush()
    add_challenges(session, group.id, challenges=1500, practices=2000, regions=SCALE_REGIONS)
    add_activities(session, group.id, 80, regions=SCALE_REGIONS)
    add_solutions(session, group.id, 60, regions=SCALE_REGIONS)
    add_outcomes(session, group.id, 60)
    session.commit()


def test_the_region_page_queries_do_not_grow(app, session, world, count_queries):
    client = app.test_client()

    def grow(size: int) -> None:
        for number in range(size):
            organisation = make_organisation(
                session, region_code="BE10", helix=list(Helix)[number % 4]
            )
            person = make_user(session, organisation=organisation)
            make_membership(session, person, world["group"])
            theme = make_theme(session, world["group"])
            challenge = make_challenge(
                session,
                world["group"],
                status=ChallengeStatus.ACCEPTED,
                region_codes=("BE10", "ES51"),
                themes=(theme,),
            )
            make_endorsement(session, challenge, person)
            make_practice(session, world["group"], region_code="BE10", themes=(theme,))
            solution = make_solution(
                session, world["group"], person, public=True, challenges=(challenge,)
            )
            indicator = make_indicator(session, solution)
            make_measurement(session, indicator, 12, date(2025, 3, 1), region_code="BE10")
            meeting = make_meeting(session, world["group"], starts_in=timedelta(days=number))
            make_registration(session, meeting, person)
            make_activity(session, world["group"], host_region_code="BE10")
            make_outcome(session, world["group"], person, published=True, region_codes=("BE10",))
        session.commit()

    def queries() -> int:
        with count_queries() as counter:
            assert client.get("/regions/BE10").status_code == 200
        return counter.count

    grow(1)
    small = queries()
    grow(8)
    assert queries() == small
    grow_to_scale(session, world["group"])
    assert queries() == small


def test_a_region_page_at_scale_shows_the_first_records_of_each_list(client, session, world):
    grow_to_scale(session, world["group"])
    page = main_of(client.get("/regions/BE10"))
    organisations = section(page, "organisations-title")
    business = organisations[organisations.index("<h3>Business") :].split("</div>")[0]
    assert business.count("<li>") == region_pages.PAGE_ORGANISATIONS
    assert "and 3 more organisations" in business
    assert "Brussels lab 00" in business and "Brussels lab 26" not in business

    challenges = section(page, "challenges-title")
    assert challenges.count("<li>") == region_pages.PAGE_CHALLENGES
    total = int(re.search(r"The first 20 of (\d+):", challenges).group(1))
    assert total > 500
    assert f"and {total - 20} more challenges." in challenges
    # Those it faces first, the most endorsed first among them.
    assert "Endorsed for this region" not in challenges
    assert (
        'href="/groups/innovation-diffusion/challenges/?region=BE10">Innovation Diffusion</a>'
        in (challenges)
    )

    practices = section(page, "practices-title")
    assert practices.count("<li>") == region_pages.PAGE_PRACTICES
    assert re.search(r"and \d+ more good practices\.", practices)
    assert 'href="/groups/innovation-diffusion/practices/?region=BE10"' in practices

    solutions = section(page, "solutions-title")
    assert solutions.count('<article class="region-solution"') == region_pages.PAGE_SOLUTIONS
    assert re.search(r"and \d+ more solutions deployed here", solutions)
    meetings = section(page, "meetings-title")
    coming = meetings[: meetings.index("Past meetings")]
    assert coming.count("<li>") == region_pages.PAGE_MEETINGS
    assert "The 15 soonest, of 20." in coming and "and 5 later meetings" in coming
    past = meetings[meetings.index("Past meetings") :]
    assert past.count("<li>") == 1 and "Second plenary" in past
    activities = section(page, "activities-title")
    assert activities.count("<li>") == region_pages.PAGE_ACTIVITIES
    assert re.search(r"and \d+ earlier activities", activities)
    outcomes = section(page, "outcomes-title")
    assert outcomes.count("<li>") == region_pages.PAGE_OUTCOMES
    assert re.search(r"and \d+ more outcomes\.", outcomes)
    assert 'href="/outcomes/?country=BE"' in outcomes


def test_coming_and_past_meetings_are_listed_apart(app, session, world):
    """Those not over yet, soonest first, then those held, latest first; a meeting moves to
    the past ones when it ends, even for a reader who kept the page."""
    person = world["bea"]
    for title, starts_at in (
        ("Workshop in December", datetime(2026, 12, 3, 9, 0, tzinfo=UTC)),
        ("Plenary tomorrow", datetime(2026, 11, 16, 9, 0, tzinfo=UTC)),
        ("Webinar in March", datetime(2026, 3, 3, 9, 0, tzinfo=UTC)),
    ):
        make_registration(
            session, make_meeting(session, world["group"], title=title, starts_at=starts_at), person
        )
    session.commit()
    client = app.test_client()
    response = client.get("/regions/BE10")
    meetings = section(main_of(response), "meetings-title")
    assert meetings.startswith('id="meetings-title">Meetings of its people</h2>')
    coming = meetings[meetings.index("Coming meetings") : meetings.index("Past meetings")]
    past = meetings[meetings.index("Past meetings") :]
    assert re.findall(r'<a href="/meetings/\d+">([^<]+)</a>', coming) == [
        "Plenary tomorrow",
        "Workshop in December",
    ]
    assert re.findall(r'<a href="/meetings/\d+">([^<]+)</a>', past) == [
        "Second plenary",
        "Webinar in March",
    ]
    plenary = past[past.index("Second plenary") :].split("</li>")[0]
    assert "3 people from this region registered" in plenary and "1 attended" in plenary
    assert "1 person from this region registered" in coming

    tag = response.headers["ETag"]
    with clock.fixed_at(datetime(2026, 11, 16, 16, 0, tzinfo=UTC)):
        later = client.get("/regions/BE10", headers={"If-None-Match": tag})
    assert later.status_code == 200
    meetings = section(main_of(later), "meetings-title")
    past = meetings[meetings.index("Past meetings") :]
    assert past.index("Plenary tomorrow") < past.index("Second plenary")
    assert "Plenary tomorrow" not in meetings[: meetings.index("Past meetings")]


def test_a_region_with_only_past_meetings_says_none_is_coming(client, world):
    meetings = section(main_of(client.get("/regions/BE10")), "meetings-title")
    assert "Nobody from this region has registered for a coming meeting yet." in meetings
    assert "Second plenary" in meetings[meetings.index("Past meetings") :]


def test_the_region_page_answers_304_until_something_changes(app, session, world, count_queries):
    client = app.test_client()
    first = client.get("/regions/BE10")
    tag = first.headers["ETag"]
    assert "public" in first.headers["Cache-Control"]
    with count_queries() as counter:
        again = client.get("/regions/BE10", headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert counter.count == 2  # the region and the stamp
    since = client.get(
        "/regions/BE10", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert since.status_code == 304
    # Another region's page has its own tag.
    assert client.get("/regions/PT11").headers["ETag"] != tag
    make_endorsement(session, world["faced"], make_user(session), region_code="BE10")
    session.commit()
    changed = client.get("/regions/BE10", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag


def test_an_indicator_set_for_another_region_is_left_out(client, session, world):
    norte = make_indicator(session, world["solution"], name="Norte's own count", region_code="PT11")
    make_measurement(session, norte, 15, date(2025, 6, 1), region_code="PT11")
    session.commit()
    solutions = section(main_of(client.get("/regions/BE10")), "solutions-title")
    assert "SMEs with a digital project" in solutions and "Norte's own count" not in solutions
    assert "Norte's own count" in main_of(client.get("/regions/PT11"))


def test_a_signed_in_readers_copy_is_renewed_every_hour(app, world):
    from tests.conftest import Browser

    browser = Browser(app.test_client())
    browser.login(world["bea"])
    browser.client.get("/")  # the welcome message is shown once, there
    first = browser.client.get("/regions/BE10")
    assert "private" in first.headers["Cache-Control"]
    tag = first.headers["ETag"]
    assert browser.client.get("/regions/BE10", headers={"If-None-Match": tag}).status_code == 304
    with clock.fixed_at(TODAY + timedelta(hours=1)):
        later = browser.client.get("/regions/BE10", headers={"If-None-Match": tag})
    assert later.status_code == 200
