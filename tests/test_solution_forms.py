"""The solution forms through HTTP: proposing and editing a solution, its stage, milestones,
indicators, measurements and progress updates. Each bad input shows its message next to its
field (or is refused with a 4xx) and writes nothing; a form without its CSRF token is refused."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from cop import clock
from cop.audit.models import AuditEntry
from cop.challenges.models import ChallengeStatus
from cop.mail import follows
from cop.members.models import Membership, MembershipStatus, Role
from cop.solutions.models import (
    Indicator,
    Measurement,
    Milestone,
    ProgressUpdate,
    Solution,
    SolutionStage,
    UpdateStatus,
)
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


def error_of(page: str, field_id: str) -> str:
    """The message shown under a field (its `<id>-error` paragraph)."""
    start = page.index(f'id="{field_id}-error"')
    return page[page.index(">", start) + 1 : page.index("</p>", start)]


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


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
    owner = make_user(session, name="Olga Owner")
    member = make_user(session, name="Max Member")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    make_membership(session, owner, group)
    make_membership(session, member, group)
    challenge = make_challenge(session, group, status=ChallengeStatus.ACCEPTED, title="SMEs lag")
    solution = make_solution(
        session,
        group,
        owner,
        title="Digital vouchers",
        stage=SolutionStage.DEPLOYMENT,
        challenges=(challenge,),
        region_codes=("BE10", "PT11"),
    )
    indicator = make_indicator(
        session, solution, name="SMEs with a project", baseline=10, target=50
    )
    milestone = make_milestone(session, solution, title="Call launched", due_on=date(2026, 6, 30))
    other_solution = make_solution(session, other, coordinator, title="Theirs")
    other_indicator = make_indicator(session, other_solution, name="Their indicator")
    session.commit()
    return {
        "group": group,
        "coordinator": coordinator,
        "owner": owner,
        "member": member,
        "challenge": challenge,
        "solution": solution,
        "indicator": indicator,
        "milestone": milestone,
        "other_indicator": other_indicator,
    }


def written(session) -> tuple[int, ...]:
    """What the forms write: counted before and after a refused form."""
    return tuple(
        count(session, model)
        for model in (Solution, Milestone, Indicator, Measurement, ProgressUpdate, AuditEntry)
    )


# --- Proposing and editing --------------------------------------------------------------------


def test_a_member_proposes_a_solution_with_the_form(app, session, world):
    browser = browser_for(app, world["member"])
    path = "/groups/innovation-diffusion/solutions/new"
    form = main_of(browser.client.get(f"{path}?challenge={world['challenge'].id}"))
    assert 'name="owner_id"' not in form  # only coordinators name the owner
    challenge = world["challenge"].id
    assert (
        f'<input checked id="challenges-0" name="challenges" type="checkbox" value="{challenge}">'
        in form
    )
    response = browser.post(
        path,
        {
            "title": "Innovation coaches",
            "description": "Coaches visit SMEs.",
            "internal_notes": "Ask the ERDF desk.",
            "challenges": [str(world["challenge"].id)],
            "region_codes": ["BE10"],
            "starts_on": "2026-01-01",
            "planned_end_on": "2027-12-31",
        },
        page=path,
    )
    assert response.status_code == 302
    solution = session.scalar(select(Solution).where(Solution.title == "Innovation coaches"))
    assert solution.owner_id == world["member"].id
    assert solution.stage is SolutionStage.CO_DEVELOPMENT and not solution.public
    assert response.headers["Location"].endswith(f"/solutions/{solution.id}")
    assert follows.is_following(session, world["member"], follows.SOLUTION, solution.id)


def test_the_solution_form_shows_each_problem_and_writes_nothing(app, session, world):
    browser = browser_for(app, world["member"])
    path = "/groups/innovation-diffusion/solutions/new"
    before = written(session)
    response = browser.post(
        path,
        {
            "title": "",
            "starts_on": "2027-01-01",
            "planned_end_on": "2026-01-01",
            "region_codes": ["XX99"],
        },
        page=path,
    )
    assert response.status_code == 400
    page = main_of(response)
    assert error_of(page, "title") == "Please fill in this field."
    assert error_of(page, "challenges") == "Choose the challenges this solution answers."
    assert error_of(page, "planned_end_on") == "The planned end cannot be before the start."
    assert error_of(page, "region_codes") == "Choose regions from the list."
    assert written(session) == before


def test_a_date_that_is_no_date_is_refused_next_to_its_field(app, session, world):
    browser = browser_for(app, world["member"])
    path = "/groups/innovation-diffusion/solutions/new"
    before = written(session)
    response = browser.post(
        path,
        {"title": "Coaches", "challenges": [str(world["challenge"].id)], "starts_on": "soon"},
        page=path,
    )
    assert response.status_code == 400
    assert "Not a valid date value." in error_of(main_of(response), "starts_on")
    assert written(session) == before


def test_non_members_may_not_propose(app, session, world):
    outsider = make_user(session)
    session.commit()
    browser = browser_for(app, outsider)
    assert browser.client.get("/groups/innovation-diffusion/solutions/new").status_code == 403


def test_an_owner_edits_and_a_member_may_not(app, session, world):
    solution = world["solution"]
    path = f"/solutions/{solution.id}/edit"
    owner = browser_for(app, world["owner"])
    form = main_of(owner.client.get(path))
    assert 'value="Digital vouchers"' in form
    response = owner.post(
        path,
        {
            "title": "Digital vouchers for SMEs",
            "challenges": [str(world["challenge"].id)],
            "region_codes": ["BE10", "PT11"],
        },
        page=path,
    )
    assert response.status_code == 302
    session.refresh(solution)
    assert solution.title == "Digital vouchers for SMEs"
    member = browser_for(app, world["member"])
    assert member.client.get(path).status_code == 403
    assert member.post(path, {"title": "Mine"}, page=f"/solutions/{solution.id}").status_code == 403
    session.refresh(solution)
    assert solution.title == "Digital vouchers for SMEs"


# --- The stage --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "Now at the stage: Deployment."),
        ("fr", "Étape actuelle : Déploiement."),
        ("de", "Aktuelle Phase: Einführung."),
    ],
)
def test_the_stage_form_names_the_current_stage(app, world, language, said):
    browser = browser_for(app, world["owner"])
    browser.client.get(f"/language/{language}")
    assert said in main_of(browser.client.get(f"/solutions/{world['solution'].id}/stage"))


def test_moving_back_without_a_reason_is_refused(app, session, world):
    solution = world["solution"]
    browser = browser_for(app, world["owner"])
    path = f"/solutions/{solution.id}/stage"
    before = written(session)
    response = browser.post(path, {"stage": "support", "reason": " "}, page=path)
    assert response.status_code == 400
    assert error_of(main_of(response), "reason") == (
        "Moving a solution back from Deployment to Support needs a reason: say why."
    )
    session.refresh(solution)
    assert solution.stage is SolutionStage.DEPLOYMENT
    assert written(session) == before
    response = browser.post(
        path, {"stage": "support", "reason": "The call was postponed."}, page=path
    )
    assert response.status_code == 302
    session.refresh(solution)
    assert solution.stage is SolutionStage.SUPPORT


def test_completing_with_open_milestones_asks_for_the_confirmation(app, session, world):
    solution = world["solution"]
    browser = browser_for(app, world["coordinator"])
    path = f"/solutions/{solution.id}/stage"
    form = main_of(browser.client.get(path))
    assert "Complete it all the same" in form
    assert "Only when completing: 1 milestone is still open, and stays so." in form
    before = written(session)
    response = browser.post(path, {"stage": "completed"}, page=path)
    assert response.status_code == 400
    page = main_of(response)
    assert error_of(page, "confirm").startswith("1 milestone is still open: confirm that")
    assert 'name="confirm"' in page
    session.refresh(solution)
    assert solution.stage is SolutionStage.DEPLOYMENT
    assert written(session) == before
    response = browser.post(path, {"stage": "completed", "confirm": "y"}, page=path)
    assert response.status_code == 302
    session.refresh(solution)
    assert solution.stage is SolutionStage.COMPLETED
    # Completed: its forms send back to the solution, saying why.
    response = browser.client.get(f"/solutions/{solution.id}/edit")
    assert response.status_code == 302
    assert "This solution is completed" in main_of(browser.client.get(f"/solutions/{solution.id}"))


def test_the_confirmation_is_offered_only_with_open_milestones(app, session, world):
    world["milestone"].done_on = date(2026, 7, 1)
    session.commit()
    browser = browser_for(app, world["owner"])
    form = main_of(browser.client.get(f"/solutions/{world['solution'].id}/stage"))
    assert 'name="confirm"' not in form


# --- Milestones -------------------------------------------------------------------------------


def test_milestones_are_added_done_reopened_and_withdrawn(app, session, world):
    solution = world["solution"]
    browser = browser_for(app, world["owner"])
    page = f"/solutions/{solution.id}"
    response = browser.post(
        f"{page}/milestones/new", {"title": "Second call", "due_on": "2027-03-01"}, page=page
    )
    assert response.status_code == 302
    added = session.scalar(select(Milestone).where(Milestone.title == "Second call"))
    assert added.due_on == date(2027, 3, 1)
    response = browser.post(f"{page}/milestones/new", {"title": "No date"}, page=page)
    assert response.status_code == 400
    assert error_of(main_of(response), "due_on") == "Please fill in this field."
    milestone = world["milestone"]
    done = f"{page}/milestones/{milestone.id}/done"
    before = written(session)
    response = browser.post(done, {"done_on": "2026-12-01"}, page=page)
    assert response.status_code == 400
    assert error_of(main_of(response), "done_on") == (
        "A milestone cannot be done on a day still to come."
    )
    assert written(session) == before
    assert browser.post(done, {"done_on": "2026-11-10"}, page=page).status_code == 302
    session.refresh(milestone)
    assert milestone.done_on == date(2026, 11, 10)
    assert "Done on 10 November 2026" in main_of(browser.client.get(page))
    assert browser.post(f"{page}/milestones/{milestone.id}/reopen", page=page).status_code == 302
    session.refresh(milestone)
    assert milestone.done_on is None
    assert browser.post(f"{page}/milestones/{milestone.id}/withdraw", page=page).status_code == 302
    session.refresh(milestone)
    assert milestone.withdrawn_at is not None


def test_a_milestone_of_another_solution_is_not_found_under_this_one(app, session, world):
    other = make_solution(session, world["group"], world["owner"])
    theirs = make_milestone(session, other)
    session.commit()
    browser = browser_for(app, world["owner"])
    page = f"/solutions/{world['solution'].id}"
    assert browser.client.get(f"{page}/milestones/{theirs.id}/edit").status_code == 404
    assert browser.post(f"{page}/milestones/{theirs.id}/withdraw", page=page).status_code == 404
    session.refresh(theirs)
    assert theirs.withdrawn_at is None


# --- Indicators and measurements --------------------------------------------------------------


def test_an_indicator_whose_target_equals_its_baseline_is_refused(app, session, world):
    solution = world["solution"]
    browser = browser_for(app, world["owner"])
    path = f"/solutions/{solution.id}/indicators/new"
    before = written(session)
    response = browser.post(
        path,
        {
            "name": "Lead time",
            "unit": "days",
            "direction": "lower",
            "baseline_value": "30",
            "baseline_on": "2025-01-01",
            "target_value": "30,0",
            "target_on": "2026-12-31",
        },
        page=path,
    )
    assert response.status_code == 400
    assert error_of(main_of(response), "target_value") == (
        "The target must differ from the baseline: progress is measured from one to the other."
    )
    assert written(session) == before
    response = browser.post(
        path,
        {
            "name": "Lead time",
            "unit": "days",
            "direction": "lower",
            "baseline_value": "30",
            "baseline_on": "2025-01-01",
            "target_value": "12,5",
            "target_on": "2026-12-31",
            "region_code": "PT11",
        },
        page=path,
    )
    assert response.status_code == 302
    indicator = session.scalar(select(Indicator).where(Indicator.name == "Lead time"))
    assert (indicator.target_value, indicator.region_code) == (12.5, "PT11")


def test_the_unit_of_a_measured_indicator_stays(app, session, world):
    indicator = world["indicator"]
    make_measurement(session, indicator, 20, date(2025, 6, 1))
    session.commit()
    browser = browser_for(app, world["owner"])
    path = f"/solutions/{world['solution'].id}/indicators/{indicator.id}/edit"
    form = main_of(browser.client.get(path))
    assert 'value="SMEs with a project"' in form and 'value="10"' in form
    before = written(session)
    response = browser.post(
        path,
        {
            "name": indicator.name,
            "unit": "firms",
            "direction": "higher",
            "baseline_value": "10",
            "baseline_on": "2025-01-01",
            "target_value": "50",
            "target_on": "2027-12-31",
        },
        page=path,
    )
    assert response.status_code == 400
    assert "its unit can no longer change" in error_of(main_of(response), "unit")
    session.refresh(indicator)
    assert indicator.unit == "SMEs"
    assert written(session) == before


@pytest.mark.parametrize(
    ("language", "baseline", "target"),
    [("en", "1.125", "2.5"), ("fr", "1,125", "2,5"), ("de", "1,125", "2,5")],
)
def test_an_indicator_saved_unchanged_keeps_its_values_in_every_language(
    app, session, world, language, baseline, target
):
    # "1.125" read back in French or German would be eleven hundred and twenty-five.
    indicator = make_indicator(session, world["solution"], name="Share", baseline=1.125, target=2.5)
    session.commit()
    browser = browser_for(app, world["owner"])
    browser.client.get(f"/language/{language}")
    path = f"/solutions/{world['solution'].id}/indicators/{indicator.id}/edit"
    form = main_of(browser.client.get(path))
    assert f'value="{baseline}"' in form and f'value="{target}"' in form
    response = browser.post(
        path,
        {
            "name": "Share",
            "unit": "SMEs",
            "direction": "higher",
            "baseline_value": baseline,
            "baseline_on": "2025-01-01",
            "target_value": target,
            "target_on": "2027-12-31",
        },
        page=path,
    )
    assert response.status_code == 302
    session.refresh(indicator)
    assert (indicator.baseline_value, indicator.target_value) == (1.125, 2.5)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nan", "Enter a number, such as 12 or 3.5: not “NaN” nor an infinity."),
        ("inf", "Enter a number, such as 12 or 3.5: not “NaN” nor an infinity."),
        ("twelve", "Enter a number, such as 12 or 3.5."),
    ],
)
def test_a_measurement_that_is_not_a_finite_number_is_refused(app, session, world, value, message):
    solution = world["solution"]
    browser = browser_for(app, world["owner"])
    path = f"/solutions/{solution.id}/measurements/new"
    before = written(session)
    response = browser.post(
        path,
        {"indicator": str(world["indicator"].id), "value": value, "measured_on": "2026-01-01"},
        page=path,
    )
    assert response.status_code == 400
    assert error_of(main_of(response), "value") == message
    assert written(session) == before


def test_a_measurement_dated_in_the_future_or_before_the_baseline_is_refused(app, session, world):
    solution = world["solution"]
    browser = browser_for(app, world["owner"])
    path = f"/solutions/{solution.id}/measurements/new"
    before = written(session)
    for day, message in (
        ("2026-11-16", "A measurement cannot be dated in the future."),
        ("2024-12-31", "A measurement cannot be dated before the indicator's baseline"),
    ):
        response = browser.post(
            path,
            {"indicator": str(world["indicator"].id), "value": "12", "measured_on": day},
            page=path,
        )
        assert response.status_code == 400
        assert error_of(main_of(response), "measured_on").startswith(message)
    assert written(session) == before


def test_a_forged_indicator_of_another_solution_is_refused(app, session, world):
    solution = world["solution"]
    browser = browser_for(app, world["owner"])
    path = f"/solutions/{solution.id}/measurements/new"
    before = written(session)
    response = browser.post(
        path,
        {
            "indicator": str(world["other_indicator"].id),
            "value": "12",
            "measured_on": "2026-01-01",
        },
        page=path,
    )
    assert response.status_code == 400
    assert error_of(main_of(response), "indicator") == "Choose one of this solution's indicators."
    assert written(session) == before


def test_a_measurement_is_recorded_and_withdrawn(app, session, world):
    solution = world["solution"]
    indicator = world["indicator"]
    browser = browser_for(app, world["owner"])
    path = f"/solutions/{solution.id}/measurements/new"
    form = main_of(browser.client.get(f"{path}?indicator={indicator.id}"))
    assert 'value="2026-11-15"' in form  # today, in the group's time zone
    response = browser.post(
        path,
        {
            "indicator": str(indicator.id),
            "value": "1 234,5",
            "measured_on": "2026-01-01",
            "region_code": "PT11",
            "source": "Agency survey",
        },
        page=path,
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/solutions/{solution.id}#indicator-{indicator.id}"
    )
    measurement = session.scalar(
        select(Measurement).where(Measurement.indicator_id == indicator.id)
    )
    assert (measurement.value, measurement.region_code) == (1234.5, "PT11")
    page = f"/solutions/{solution.id}"
    withdraw = f"{page}/measurements/{measurement.id}/withdraw"
    assert browser.post(withdraw, page=page).status_code == 302
    session.refresh(measurement)
    assert measurement.withdrawn_at is not None


def test_adding_a_value_to_a_regional_indicator_offers_its_region(app, session, world):
    """Found trying the pages: "Add a value" of an indicator set for one region opened the form
    on "The whole solution", though the value can only be for that region."""
    regional = make_indicator(session, world["solution"], name="Vouchers", region_code="PT11")
    session.commit()
    path = f"/solutions/{world['solution'].id}/measurements/new"
    browser = browser_for(app, world["owner"])
    form = main_of(browser.client.get(f"{path}?indicator={regional.id}"))
    region = form[form.index('id="region_code"') :].split("</select>")[0]
    assert 'selected value="PT11"' in region
    indicator = form[form.index('id="indicator"') :].split("</select>")[0]
    assert f'selected value="{regional.id}"' in indicator
    # An indicator of another solution is not chosen for the form.
    other = main_of(browser.client.get(f"{path}?indicator={world['other_indicator'].id}"))
    assert " selected" not in other[other.index('id="indicator"') :].split("</select>")[0]


# --- Progress updates -------------------------------------------------------------------------


def test_an_owner_posts_an_update(app, session, world):
    solution = world["solution"]
    browser = browser_for(app, world["owner"])
    path = f"/solutions/{solution.id}/updates/new"
    form = main_of(browser.client.get(path))
    assert "An update is due every 4 weeks." in form
    response = browser.post(
        path,
        {"status": "off_track", "narrative": "The call failed.", "reported_on": "2026-11-14"},
        page=path,
    )
    assert response.status_code == 302
    session.refresh(solution)
    assert solution.status is UpdateStatus.OFF_TRACK
    assert solution.last_update_on == date(2026, 11, 14)
    page = main_of(browser.client.get(f"/solutions/{solution.id}"))
    assert "The call failed." in page and "Off track" in page


def test_the_update_form_says_when_the_update_is_overdue_rather_than_due_in_the_past(
    app, session, world
):
    solution = world["solution"]  # started 1 January 2025, no update yet: due 29 January 2025
    solution.created_at = datetime(2024, 12, 1, tzinfo=UTC)  # proposed before it started
    session.commit()
    browser = browser_for(app, world["owner"])
    path = f"/solutions/{solution.id}/updates/new"
    form = main_of(browser.client.get(path))
    assert "This one is overdue: it was due on 29 January 2025." in form
    assert "The next one is due on" not in form
    browser.client.get("/language/fr")
    assert "Celui-ci est en retard : il était attendu le 29 janvier 2025." in main_of(
        browser.client.get(path)
    )
    browser.client.get("/language/en")
    make_update(session, solution, world["owner"], reported_on=date(2026, 11, 1))
    session.commit()
    form = main_of(browser.client.get(path))
    assert "The next one is due on 29 November 2026." in form
    assert "overdue" not in form


def test_an_update_without_its_narrative_or_dated_ahead_is_refused(app, session, world):
    browser = browser_for(app, world["owner"])
    path = f"/solutions/{world['solution'].id}/updates/new"
    before = written(session)
    response = browser.post(
        path, {"status": "on_track", "narrative": "", "reported_on": "2026-11-20"}, page=path
    )
    assert response.status_code == 400
    page = main_of(response)
    assert error_of(page, "narrative") == "Please fill in this field."
    assert error_of(page, "reported_on") == "An update cannot be dated in the future."
    assert written(session) == before


def test_a_non_owner_may_not_post_an_update(app, session, world):
    path = f"/solutions/{world['solution'].id}/updates/new"
    before = written(session)
    for person in (world["member"], world["coordinator"]):
        browser = browser_for(app, person)
        assert browser.client.get(path).status_code == 403
        response = browser.post(
            path, {"status": "on_track", "narrative": "All fine."}, page="/account/login"
        )
        assert response.status_code == 403
    assert written(session) == before


# --- CSRF -------------------------------------------------------------------------------------


def test_a_form_without_its_csrf_token_is_refused(app, session, world):
    solution = world["solution"]
    browser = browser_for(app, world["owner"])
    before = written(session)
    for path, data in (
        (f"/solutions/{solution.id}/updates/new", {"status": "on_track", "narrative": "Fine."}),
        (
            f"/solutions/{solution.id}/measurements/new",
            {"indicator": str(world["indicator"].id), "value": "12", "measured_on": "2026-01-01"},
        ),
        (f"/solutions/{solution.id}/stage", {"stage": "monitoring"}),
        (f"/solutions/{solution.id}/milestones/{world['milestone'].id}/withdraw", {}),
        (f"/solutions/{solution.id}/follow", {}),
    ):
        response = browser.client.post(path, data=data)
        assert response.status_code == 400, path
        forged = browser.client.post(path, data={**data, "csrf_token": "forged"})
        assert forged.status_code == 400, path
    session.refresh(solution)
    assert solution.stage is SolutionStage.DEPLOYMENT
    assert written(session) == before


def test_editing_keeps_an_owner_who_left_the_group(app, session, world):
    solution = world["solution"]
    membership = session.scalar(
        select(Membership).where(
            Membership.user_id == world["owner"].id, Membership.group_id == world["group"].id
        )
    )
    membership.status = MembershipStatus.LEFT
    session.commit()
    browser = browser_for(app, world["coordinator"])
    path = f"/solutions/{solution.id}/edit"
    form = main_of(browser.client.get(path))
    owner_select = form[form.index('name="owner_id"') :].split("</select>")[0]
    assert f'<option selected value="{world["owner"].id}">Olga Owner</option>' in owner_select
    response = browser.post(
        path,
        {
            "title": "Renamed by the coordinator",
            "owner_id": str(world["owner"].id),
            "challenges": [str(world["challenge"].id)],
            "region_codes": ["BE10", "PT11"],
        },
        page=path,
    )
    assert response.status_code == 302
    session.refresh(solution)
    assert solution.title == "Renamed by the coordinator"
    assert solution.owner_id == world["owner"].id
