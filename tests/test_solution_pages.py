"""The solution pages: a group's list, a solution for each reader (stage, owners, milestones,
indicators with their chart and tables, history), the group page's panel and the challenge
page's section; who sees what, and query counts at two sizes."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime

import pytest

from cop import clock
from cop.audit.models import AuditEntry
from cop.challenges.models import ChallengeStatus
from cop.mail import follows
from cop.members.models import Role
from cop.solutions import pages
from cop.solutions.models import SolutionStage, UpdateStatus
from tests.conftest import Browser
from tests.factories import (
    make_challenge,
    make_group,
    make_indicator,
    make_measurement,
    make_membership,
    make_milestone,
    make_solution,
    make_update,
    make_user,
)

# The day the tests run on: 15 November 2026, in Brussels (the groups' time zone).
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


def browser_for(app, person=None) -> Browser:
    browser = Browser(app.test_client())
    if person is not None:
        browser.login(person)
    return browser


@pytest.fixture
def world(app, session):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    other = make_group(session, slug="industrial-transition", name="Industrial Transition")
    coordinator = make_user(session, name="Cora Coordinator")
    owner = make_user(session, name="Olga Owner")  # not listed
    listed = make_user(session, name="Lena Listed", listed=True)
    member = make_user(session, name="Max Member")
    outsider = make_user(session, name="Uma User")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    for person in (owner, listed, member):
        make_membership(session, person, group)
    challenge = make_challenge(session, group, status=ChallengeStatus.ACCEPTED, title="SMEs lag")
    proposed = make_challenge(session, group, title="Just raised")
    public = make_solution(
        session,
        group,
        owner,
        title="Digital vouchers",
        description="Vouchers for *first* digital projects.",
        internal_notes="Budget talks with the managing authority.",
        stage=SolutionStage.DEPLOYMENT,
        challenges=(challenge, proposed),
        region_codes=("BE10", "PT11"),
        co_owners=(listed,),
        public=True,
    )
    private = make_solution(
        session, group, owner, title="Secret pilot", challenges=(challenge,), public=False
    )
    indicator = make_indicator(
        session,
        public,
        name="SMEs with a digital project",
        unit="SMEs",
        baseline=10,
        target=50,
        baseline_on=date(2025, 1, 1),
        target_on=date(2027, 12, 31),
    )
    make_measurement(session, indicator, 20, date(2025, 6, 1), source="Agency survey")
    make_measurement(session, indicator, 30, date(2025, 9, 1), region_code="PT11")
    late = make_milestone(session, public, title="Call launched", due_on=date(2026, 6, 30))
    make_milestone(session, public, title="Second call", due_on=date(2027, 3, 1))
    make_update(
        session,
        public,
        owner,
        status=UpdateStatus.AT_RISK,
        reported_on=date(2026, 10, 1),
        narrative="Fewer SMEs applied than hoped.",
        help_needed="Contacts in chambers of commerce.",
    )
    other_solution = make_solution(session, other, outsider, title="Their solution", public=True)
    session.commit()
    return {
        "group": group,
        "other": other,
        "coordinator": coordinator,
        "owner": owner,
        "listed": listed,
        "member": member,
        "outsider": outsider,
        "challenge": challenge,
        "proposed": proposed,
        "public": public,
        "private": private,
        "indicator": indicator,
        "late": late,
        "other_solution": other_solution,
    }


# --- One solution -----------------------------------------------------------------------------


def test_the_public_reads_a_public_solution_without_its_internal_notes(app, world):
    response = browser_for(app).client.get(f"/solutions/{world['public'].id}")
    assert response.status_code == 200
    everything = text_of(response)
    assert "Budget talks with the managing authority." not in everything
    assert "Internal notes" not in everything
    page = main_of(response)
    assert "Digital vouchers" in page
    assert "Vouchers for <em>first</em> digital projects." in page
    # Owners: the listed co-owner is named, the owner who did not agree to be is counted.
    owners = page[page.index('class="solution-owners"') :].split("</dd>")[0]
    assert "Lena Listed" in owners and "and 1 more owner" in owners
    assert "Olga Owner" not in everything
    # Only accepted challenges; the stage in the funnel; the latest update.
    assert "SMEs lag" in page and "Just raised" not in page
    assert 'aria-current="step"' in page and "Deployment" in page
    assert "At risk" in page and "Fewer SMEs applied than hoped." in page
    assert "Members only" not in page
    assert "Follow" not in page and "Edit" not in page and "Make public" not in page


def test_the_page_shows_milestones_overdue_in_words(app, world):
    page = main_of(browser_for(app).client.get(f"/solutions/{world['public'].id}"))
    rows = page[page.index('class="milestone-table"') :].split("</table>")[0]
    late = rows[rows.index("Call launched") :].split("</tr>")[0]
    assert "Overdue" in late
    second = rows[rows.index("Second call") :].split("</tr>")[0]
    assert "Overdue" not in second and "Open" in second


def test_indicators_have_a_chart_and_the_same_values_in_tables(app, world):
    page = main_of(browser_for(app).client.get(f"/solutions/{world['public'].id}"))
    indicator = world["indicator"]
    section = page[page.index(f'id="indicator-{indicator.id}"') :]
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="indicator-chart"' in section
    assert f'aria-labelledby="indicator-{indicator.id}-chart-title' in section
    # The whole solution: (20 - 10) / (50 - 10) = 25 %; Norte: (30 - 10) / 40 = 50 %.
    series = section[section.index('class="series-table"') :].split("</table>")[0]
    whole = series[series.index("Whole solution") :].split("</tr>")[0]
    assert "20 SMEs on 1 June 2025" in whole and "25% of the way to the target" in whole
    norte = series[series.index("Norte") :].split("</tr>")[0]
    assert "50% of the way to the target" in norte
    # The headline is the whole solution's.
    assert "<strong>Progress:</strong> 25% of the way to the target" in section
    table = section[section.index('class="measurement-table"') :].split("</table>")[0]
    assert table.index("1 September 2025") < table.index("1 June 2025")  # newest first
    june = table[table.index("1 June 2025") :].split("</tr>")[0]
    assert "Agency survey" in june
    assert ">30<" in table and ">20<" in table


def test_the_headline_progress_says_what_it_is_of_when_regions_are_measured(app, session, world):
    regional = make_indicator(
        session, world["public"], name="Vouchers paid", baseline=0, target=100
    )
    make_measurement(session, regional, 20, date(2025, 6, 1), region_code="BE10")
    make_measurement(session, regional, 50, date(2025, 6, 1), region_code="PT11")
    session.commit()
    browser = browser_for(app)
    page = main_of(browser.client.get(f"/solutions/{world['public'].id}"))
    whole = page[page.index(f'id="indicator-{world["indicator"].id}"') :]
    assert (
        "<strong>Progress:</strong> 25% of the way to the target (for the whole solution)</p>"
        in whole
    )
    # Brussels 20 %, Norte 50 %: the headline 35 % is their average, and says so.
    section = page[page.index(f'id="indicator-{regional.id}"') :]
    assert (
        "<strong>Progress:</strong> 35% of the way to the target"
        " (average of the 2 regions measured)</p>" in section
    )
    browser.client.get("/language/fr")
    page = main_of(browser.client.get(f"/solutions/{world['public'].id}"))
    assert "35\u00a0% du chemin vers la cible (moyenne des 2 régions mesurées)" in page
    # An indicator set for one region names it already: nothing more is said.
    regional.region_code = "PT11"
    session.commit()
    page = main_of(browser.client.get(f"/solutions/{world['public'].id}"))
    section = page[page.index(f'id="indicator-{regional.id}"') :].split("</article>")[0]
    assert "(moyenne" not in section and "région mesurée" not in section


def test_a_non_public_solution_is_not_there_for_the_public(app, world):
    path = f"/solutions/{world['private'].id}"
    assert browser_for(app).client.get(path).status_code == 404
    assert browser_for(app, world["outsider"]).client.get(path).status_code == 404
    page = main_of(browser_for(app, world["member"]).client.get(path))
    assert "Secret pilot" in page and "Members only" in page


def test_members_read_the_internal_notes_every_owner_and_when_an_update_is_due(app, world):
    page = main_of(browser_for(app, world["member"]).client.get(f"/solutions/{world['public'].id}"))
    assert "Budget talks with the managing authority." in page
    owners = page[page.index('class="solution-owners"') :].split("</dd>")[0]
    assert "Olga Owner" in owners and "Lena Listed" in owners and "more owner" not in owners
    # Updates every 4 weeks: due 29 October 2026 after the update of 1 October; now overdue.
    facts = page[page.index('id="facts-title"') :]
    assert "Overdue" in facts and "was due on 29 October 2026" in facts
    # Not an editor: no tools.
    assert 'id="tools-title"' not in page


def test_owners_and_coordinators_get_their_tools(app, world):
    path = f"/solutions/{world['public'].id}"
    owner = main_of(browser_for(app, world["owner"]).client.get(path))
    tools = owner[owner.index('id="tools-title"') :]
    assert "Post a progress update" in tools and "Change the stage" in tools
    assert "Make public" not in tools and "Show to the group's members only" not in tools
    assert "Mark done" in owner and "Add a value" in owner
    coordinator = main_of(browser_for(app, world["coordinator"]).client.get(path))
    tools = coordinator[coordinator.index('id="tools-title"') :]
    assert "Show to the group's members only" in tools and "Change the stage" in tools
    assert "Post a progress update" not in tools  # not an owner


def test_the_history_shows_updates_and_stage_changes_newest_first(app, session, world):
    solution = world["public"]
    session.add(
        AuditEntry(
            at=datetime(2026, 3, 1, 9, tzinfo=UTC),
            actor_id=world["owner"].id,
            action="solution.stage_changed",
            record_type="solutions",
            record_id=str(solution.id),
            before={"stage": "deployment"},
            after={"stage": "support", "reason": "The call was postponed."},
        )
    )
    session.add(
        AuditEntry(
            at=datetime(2026, 4, 1, 9, tzinfo=UTC),
            actor_id=world["coordinator"].id,
            action="solution.published",
            record_type="solutions",
            record_id=str(solution.id),
            before={"public": False},
            after={"public": True},
        )
    )
    session.commit()
    page = main_of(browser_for(app).client.get(f"/solutions/{solution.id}"))
    history = page[page.index('id="history-title"') :]
    assert "Moved from Deployment to Support." in history
    assert "Reason: The call was postponed." in history
    assert history.index("Fewer SMEs applied") < history.index("Made public.")
    assert history.index("Made public.") < history.index("Moved from Deployment")
    # Those who did not agree to be listed are not named to the public.
    assert "Olga Owner" not in history and "Cora Coordinator" not in history
    member = main_of(browser_for(app, world["member"]).client.get(f"/solutions/{solution.id}"))
    assert "Cora Coordinator" in member[member.index('id="history-title"') :]


def test_following_from_the_page(app, session, world):
    browser = browser_for(app, world["member"])
    path = f"/solutions/{world['public'].id}"
    assert "Follow" in main_of(browser.client.get(path))
    assert browser.post(f"{path}/follow", page=path).status_code == 302
    assert follows.is_following(session, world["member"], follows.SOLUTION, world["public"].id)
    assert "Stop following" in main_of(browser.client.get(path))
    browser.post(f"{path}/unfollow", page=path)
    assert not follows.is_following(session, world["member"], follows.SOLUTION, world["public"].id)
    # A solution the person may not read is not there to follow.
    outsider = browser_for(app, world["outsider"])
    private = f"/solutions/{world['private'].id}"
    assert outsider.post(f"{private}/follow").status_code == 404


def test_a_coordinator_publishes_and_unpublishes(app, session, world):
    private = world["private"]
    browser = browser_for(app, world["coordinator"])
    path = f"/solutions/{private.id}"
    assert browser.post(f"{path}/publish", page=path).status_code == 302
    session.refresh(private)
    assert private.public
    assert browser_for(app).client.get(path).status_code == 200
    assert browser.post(f"{path}/publish", page=path).status_code == 409
    assert browser.post(f"{path}/unpublish", page=path).status_code == 302
    session.refresh(private)
    assert not private.public
    # An owner may not publish.
    owner = browser_for(app, world["owner"])
    assert owner.post(f"{path}/publish", page=path).status_code == 403
    session.refresh(private)
    assert not private.public


def test_publishing_says_plainly_what_the_public_reads(app, session, world):
    """Found trying the pages: "everyone may read it, but its internal notes" read as if the
    internal notes were what everyone reads."""
    browser = browser_for(app, world["coordinator"])
    path = f"/solutions/{world['private'].id}"
    page = main_of(browser.post(f"{path}/publish", page=path, follow_redirects=True))
    assert "The solution is public: everyone may read it, except its internal notes." in page


def test_the_solution_page_queries_do_not_grow(app, session, world, count_queries):
    solution = world["public"]
    readers = {
        "anonymous": browser_for(app),
        "member": browser_for(app, world["member"]),
        "owner": browser_for(app, world["owner"]),
    }

    def grow(size: int) -> None:
        for number in range(size):
            person = make_user(session, listed=True)
            make_membership(session, person, world["group"])
            solution.co_owners.append(person)
            solution.challenges.append(
                make_challenge(session, world["group"], status=ChallengeStatus.ACCEPTED)
            )
            make_milestone(session, solution, due_on=date(2026, 1, 1 + number))
            indicator = make_indicator(session, solution, region_code="PT11")
            for month in range(1, 4):
                make_measurement(
                    session, indicator, 10 + month, date(2025, month, 1), region_code="PT11"
                )
            make_update(session, solution, world["owner"], reported_on=date(2026, 1, 1 + number))
        session.commit()

    def queries() -> dict[str, int]:
        counts = {}
        for role, browser in readers.items():
            with count_queries() as counter:
                response = browser.client.get(f"/solutions/{solution.id}")
            assert response.status_code == 200
            counts[role] = counter.count
        return counts

    grow(2)
    small = queries()
    grow(10)
    large = queries()
    assert small == large


# --- A group's solutions ----------------------------------------------------------------------


def test_the_public_list_shows_public_solutions_only(app, world):
    page = main_of(browser_for(app).client.get("/groups/innovation-diffusion/solutions/"))
    assert "Digital vouchers" in page
    assert "Secret pilot" not in page and "Their solution" not in page
    assert "1 solution" in page
    assert "Propose a solution" not in page and "Dashboard" not in page
    row = page[page.index("Digital vouchers") :].split("</li>")[0]
    assert "Deployment" in row and "At risk" in row
    assert "Lena Listed" in row and "Olga Owner" not in row
    assert "Brussels" in row and "Norte" in row
    assert "SMEs lag" in row and "Just raised" not in row
    assert "Next update" not in row


def test_members_see_every_solution_with_the_next_update(app, world):
    page = main_of(
        browser_for(app, world["member"]).client.get("/groups/innovation-diffusion/solutions/")
    )
    assert "2 solutions" in page
    secret = page[page.index("Secret pilot") :].split("</li>")[0]
    assert "Members only" in secret
    vouchers = page[page.index("Digital vouchers") :].split("</li>")[0]
    assert "Members only" not in vouchers
    assert "Overdue" in vouchers and "was due on 29 October 2026" in vouchers
    assert "Propose a solution" in page
    assert "/groups/innovation-diffusion/solutions/dashboard" in page


def test_the_list_filters_by_stage_and_status(app, session, world):
    group = world["group"]
    done = make_solution(
        session, group, world["owner"], title="Done one", stage=SolutionStage.COMPLETED
    )
    make_update(session, done, world["owner"], status=UpdateStatus.ON_TRACK)
    session.commit()
    client = browser_for(app, world["member"]).client
    path = "/groups/innovation-diffusion/solutions/"
    page = main_of(client.get(path + "?stage=completed"))
    assert "Done one" in page and "Digital vouchers" not in page
    page = main_of(client.get(path + "?status=at_risk"))
    assert "Digital vouchers" in page and "Done one" not in page and "Secret pilot" not in page
    page = main_of(client.get(path + "?status=none"))
    assert "Secret pilot" in page and "Digital vouchers" not in page
    # Values that mean nothing are ignored.
    page = main_of(client.get(path + "?stage=finished&status=great&page=abc"))
    assert "3 solutions" in page


def test_the_list_queries_do_not_grow(app, session, world, count_queries):
    readers = {"anonymous": browser_for(app), "member": browser_for(app, world["member"])}
    path = "/groups/innovation-diffusion/solutions/"

    def grow(size: int) -> None:
        for _number in range(size):
            co_owner = make_user(session)
            make_membership(session, co_owner, world["group"])
            make_solution(
                session,
                world["group"],
                world["owner"],
                challenges=(world["challenge"],),
                co_owners=(co_owner,),
                region_codes=("BE10", "PT11"),
                public=True,
            )
        session.commit()

    def queries() -> dict[str, int]:
        counts = {}
        for role, browser in readers.items():
            with count_queries() as counter:
                response = browser.client.get(path)
            assert response.status_code == 200
            counts[role] = counter.count
        return counts

    grow(2)
    small = queries()
    grow(30)
    large = queries()
    assert "33 solutions" in main_of(readers["anonymous"].client.get(path))
    assert small == large


def test_an_unknown_group_has_no_solutions_page(app, world):
    assert browser_for(app).client.get("/groups/nowhere/solutions/").status_code == 404


# --- The group page and the challenge page ----------------------------------------------------


def panel_of(response) -> str:
    page = main_of(response)
    return page[page.index('id="group-solutions-title"') :].split("</section>")[0]


def test_the_group_page_counts_solutions_by_stage_and_status(app, world):
    public = panel_of(browser_for(app).client.get("/groups/innovation-diffusion/"))
    assert "1 solution the group" in public
    stages = public[public.index("Solutions by stage") :].split("</table>")[0]
    listing = "/groups/innovation-diffusion/solutions/"
    # Each count leads to the list filtered by it.
    assert f'<a href="{listing}?stage=deployment">Deployment</a></th><td>1</td>' in stages
    assert f'<a href="{listing}?stage=co_development">Co-development</a></th><td>0</td>' in stages
    statuses = public[public.index("Solutions by status") :].split("</table>")[0]
    assert f'<a href="{listing}?status=at_risk">At risk</a></th><td>1</td>' in statuses
    assert f'<a href="{listing}?status=none">No update yet</a></th>' in statuses
    assert "/groups/innovation-diffusion/solutions/" in public
    member = panel_of(browser_for(app, world["member"]).client.get("/groups/innovation-diffusion/"))
    assert "2 solutions the group" in member
    assert "Co-development</a></th><td>1</td>" in member
    assert "No update yet</a></th><td>1</td>" in member


def test_the_group_page_panel_queries_do_not_grow(app, session, world, count_queries):
    browser = browser_for(app, world["member"])

    def grow(size: int) -> None:
        for number in range(size):
            solution = make_solution(
                session,
                world["group"],
                world["owner"],
                stage=list(SolutionStage)[number % len(SolutionStage)],
                public=number % 2 == 0,
            )
            make_update(session, solution, world["owner"], status=list(UpdateStatus)[number % 3])
        session.commit()

    def queries() -> int:
        with count_queries() as counter:
            response = browser.client.get("/groups/innovation-diffusion/")
        assert response.status_code == 200
        return counter.count

    grow(3)
    small = queries()
    grow(30)
    assert small == queries()


def test_the_challenge_page_lists_the_solutions_its_reader_may_read(app, world):
    path = f"/challenges/{world['challenge'].id}"
    public = main_of(browser_for(app).client.get(path))
    section = public[public.index('id="challenge-solutions-title"') :].split("</section>")[0]
    assert "Digital vouchers" in section and "Deployment" in section and "At risk" in section
    assert "Secret pilot" not in section
    assert "Propose a solution to this challenge" not in section
    member = main_of(browser_for(app, world["member"]).client.get(path))
    section = member[member.index('id="challenge-solutions-title"') :].split("</section>")[0]
    assert "Secret pilot" in section and "Members only" in section
    assert f"/groups/innovation-diffusion/solutions/new?challenge={world['challenge'].id}" in (
        section.replace("&amp;", "&")
    )


def test_a_withdrawn_indicator_leaves_the_page_and_a_withdrawn_milestone_shows_to_members(
    app, session, world
):
    world["indicator"].withdrawn_at = TODAY
    world["late"].withdrawn_at = TODAY
    session.commit()
    path = f"/solutions/{world['public'].id}"
    public = main_of(browser_for(app).client.get(path))
    assert "SMEs with a digital project" not in public and "No indicator is set yet." in public
    assert "Call launched" not in public
    member = main_of(browser_for(app, world["member"]).client.get(path))
    row = member[member.index("Call launched") :].split("</tr>")[0]
    assert "Withdrawn" in row and "Overdue" not in row
    # In French, a withdrawn milestone says so (not "Documents retirés", the materials' word).
    french = browser_for(app, world["member"])
    french.client.get("/language/fr")
    member = main_of(french.client.get(path))
    row = member[member.index("Call launched") :].split("</tr>")[0]
    assert '<span class="tag">Retiré</span>' in row and "Documents" not in row


def test_in_german_the_regions_deploying_a_solution_are_not_called_introductory(app, world):
    browser = browser_for(app)
    browser.client.get("/language/de")
    page = main_of(browser.client.get(f"/solutions/{world['public'].id}"))
    assert "<dt>Umsetzende Regionen</dt>" in page and "Einführende" not in page


def test_a_discontinued_solution_says_why(app, session, world):
    solution = make_solution(
        session,
        world["group"],
        world["owner"],
        stage=SolutionStage.DISCONTINUED,
        discontinue_reason="The regions chose another instrument.",
        public=True,
    )
    session.commit()
    page = main_of(browser_for(app).client.get(f"/solutions/{solution.id}"))
    assert "This solution is discontinued." in page
    assert "Reason: The regions chose another instrument." in page
    assert 'aria-current="step"' not in page


@pytest.mark.parametrize("stage", [SolutionStage.COMPLETED, SolutionStage.DISCONTINUED])
def test_a_closed_solution_shows_no_milestone_as_overdue(app, session, world, stage):
    """Found trying the pages: a completed (or discontinued) solution's milestone still read
    "Overdue" in red, for ever, though nobody works toward it any more."""
    world["public"].stage = stage
    if stage is SolutionStage.DISCONTINUED:
        world["public"].discontinue_reason = "The regions chose another instrument."
    session.commit()
    page = main_of(browser_for(app, world["member"]).client.get(f"/solutions/{world['public'].id}"))
    rows = page[page.index('class="milestone-table"') :].split("</table>")[0]
    late = rows[rows.index("Call launched") :].split("</tr>")[0]
    assert "Overdue" not in late and "milestone-overdue" not in rows
    assert "Not done" in late


def test_a_discontinued_solution_shows_the_stages_it_had_passed(app, session, world):
    """Found trying the pages: a solution discontinued in deployment read "Co-development (to
    come)" to a screen reader; the stages it reached are passed, those after are not."""
    solution = world["public"]
    solution.stage = SolutionStage.DISCONTINUED
    solution.discontinue_reason = "The regions chose another instrument."
    session.add(
        AuditEntry(
            at=datetime(2026, 9, 1, 9, tzinfo=UTC),
            actor_id=world["coordinator"].id,
            action="solution.stage_changed",
            record_type="solutions",
            record_id=str(solution.id),
            before={"stage": "deployment"},
            after={"stage": "discontinued", "reason": "The regions chose another instrument."},
        )
    )
    session.commit()
    page = main_of(browser_for(app).client.get(f"/solutions/{solution.id}"))
    steps = page[page.index('class="solution-funnel"') :].split("</ol>")[0]
    states = re.findall(r'class="funnel-step funnel-(\w+)"', steps)
    assert states == ["done", "done", "done", "ahead", "ahead"]
    assert 'aria-current="step"' not in steps


def test_the_stages_are_no_navigation_landmark(app, world):
    """Found trying the pages: the row of stages was a <nav> without a single link, listed
    among the page's navigation landmarks for screen-reader users."""
    page = main_of(browser_for(app).client.get(f"/solutions/{world['public'].id}"))
    start = page.index('class="solution-funnel"')
    assert page[page.rindex("<", 0, start) :].startswith("<section")
    for landmark in re.findall(r"<nav\b.*?</nav>", page, re.S):
        assert "<a " in landmark


def test_a_chart_without_measurements_points_at_no_table(app, session, world):
    """Found trying the pages: an indicator with no value yet had a chart whose caption and
    description sent screen-reader users to a table that is not there."""
    indicator = make_indicator(session, world["public"], name="Jobs created", unit="jobs")
    session.commit()
    page = main_of(browser_for(app).client.get(f"/solutions/{world['public'].id}"))
    section = page[page.index(f'id="indicator-{indicator.id}"') :].split("</article>")[0]
    assert "No measurement yet." in section
    assert "<table" not in section
    assert "table that follows" not in section and "table beside" not in section


def test_the_solution_page_has_unique_ids_and_labels_point_at_fields(app, world):
    page = text_of(browser_for(app, world["owner"]).client.get(f"/solutions/{world['public'].id}"))
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for target in re.findall(r'<label for="([^"]+)"', page):
        assert re.search(rf'<(input|select|textarea)[^>]*\sid="{target}"', page), target
    for target in re.findall(r'aria-labelledby="([^"]+)"', page):
        for name in target.split():
            assert f'id="{name}"' in page, name


@pytest.mark.parametrize(
    ("progress", "text"),
    [
        (None, "No measurement yet"),
        (0.0, "0% of the way to the target"),
        (-0.0, "0% of the way to the target"),
        (0.29, "29% of the way to the target"),
        (0.9996, "99% of the way to the target"),
        (1.0, "100% of the way: target reached"),
        (1.5, "150% of the way: target reached"),
        (1e9, "more than 10,000% of the way: target reached"),
        (-0.0004, "-1%: moved away from the target"),
        (-0.25, "-25%: moved away from the target"),
        (-1e9, "-10,000%: moved away from the target"),
    ],
)
def test_progress_in_words_never_rounds_into_what_did_not_happen(app, progress, text):
    with app.test_request_context():
        assert pages.progress_label(progress) == text
