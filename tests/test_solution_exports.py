"""The CSV exports of a group's solutions, indicators and measurements: their columns and
values (progress computed with worked numbers), formula-safe cells, no internal notes, members
only, and a fixed number of queries with 10 and 500 solutions."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest

from cop import clock
from cop.challenges.models import ChallengeStatus
from cop.demo_scale import add_solutions
from cop.members.models import Role
from cop.solutions.exports import cell
from cop.solutions.models import Direction, SolutionStage, UpdateStatus
from tests.conftest import Browser
from tests.factories import (
    make_challenge,
    make_group,
    make_indicator,
    make_measurement,
    make_membership,
    make_solution,
    make_update,
    make_user,
)

NOW = datetime(2026, 11, 26, 11, 0, tzinfo=UTC)
BASE = "/groups/innovation-diffusion/solutions/"
# What a spreadsheet would run as a formula, each typed by a member somewhere.
FORMULAS = ("=1+2", "+1+2", "-1+2", "@SUM(A1)", "\tTAB", "\rCR")


def browser_for(app, person=None) -> Browser:
    browser = Browser(app.test_client())
    if person is not None:
        browser.login(person)
    return browser


def rows_of(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # so that spreadsheets read UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


def as_dicts(rows: list[list[str]]) -> list[dict[str, str]]:
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


@pytest.fixture(autouse=True)
def fixed_clock():
    with clock.fixed_at(NOW):
        yield


@pytest.fixture
def world(app, session):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    other = make_group(session, slug="industrial-transition", name="Industrial Transition")
    coordinator = make_user(session, name="Cora Coordinator")
    owner = make_user(session, name="Olga Owner")
    co_owner = make_user(session, name="=Cem Co-owner")
    outsider = make_user(session, name="Otto Outsider")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    make_membership(session, owner, group)
    make_membership(session, co_owner, group)
    make_membership(session, outsider, other)
    vouchers = make_challenge(
        session, group, status=ChallengeStatus.ACCEPTED, title="Vouchers reach the same firms"
    )
    entry = make_challenge(
        session, group, status=ChallengeStatus.ACCEPTED, title="No single entry point"
    )
    coaching = make_solution(
        session,
        group,
        owner,
        title="Voucher coaching",
        stage=SolutionStage.DEPLOYMENT,
        challenges=(vouchers, entry),
        region_codes=("DE11", "BE10"),
        co_owners=(co_owner,),
        public=True,
        internal_notes="SECRET budget talks",
        starts_on=date(2025, 1, 1),
        planned_end_on=date(2027, 12, 31),
    )
    make_update(
        session, coaching, owner, status=UpdateStatus.AT_RISK, reported_on=date(2026, 11, 2)
    )
    formula = make_solution(session, group, owner, title='=HYPERLINK("http://x")')
    # Higher is better, 10 -> 50: an older 20, then 30 (half way); a withdrawn 45 left out.
    smes = make_indicator(session, coaching, name="SMEs coached", unit="SMEs")
    make_measurement(session, smes, 20, date(2025, 6, 30))
    make_measurement(session, smes, 30, date(2025, 12, 31), source="Agency survey")
    make_measurement(session, smes, 45, date(2026, 3, 31), withdrawn_at=NOW)
    # Lower is better, 40 -> 10: 25 is half way.
    days = make_indicator(
        session,
        coaching,
        name="Days to answer",
        unit="days",
        direction=Direction.LOWER,
        baseline=40,
        target=10,
    )
    make_measurement(session, days, 25, date(2026, 1, 31))
    # From a baseline of zero, 0 -> 200: 50 is a quarter of the way.
    from_zero = make_indicator(session, coaching, name="Vouchers used", baseline=0, target=200)
    make_measurement(session, from_zero, 50, date(2026, 2, 28))
    # Measured region by region only: 20 in BE10 (a quarter), 40 in DE11 (three quarters),
    # no single latest value, progress the mean: half way.
    regional = make_indicator(session, coaching, name="Firms reached", baseline=10, target=50)
    make_measurement(session, regional, 20, date(2026, 1, 31), region_code="BE10")
    make_measurement(session, regional, 40, date(2026, 1, 31), region_code="DE11")
    # One region's indicator, moving the wrong way: -3.5 from 0 toward 10 is -35%.
    brussels = make_indicator(
        session, coaching, name="Brussels balance", baseline=0, target=10, region_code="BE10"
    )
    make_measurement(session, brussels, -3.5, date(2026, 1, 31), region_code="BE10")
    # Not measured yet, and withdrawn.
    make_indicator(session, coaching, name="Not measured yet")
    make_indicator(session, coaching, name="Withdrawn indicator", withdrawn_at=NOW)
    for number, text in enumerate(FORMULAS):
        make_measurement(session, from_zero, 60 + number, date(2026, 3, 1), source=text)
    their = make_solution(session, other, outsider, title="Their solution")
    make_measurement(session, make_indicator(session, their, name="Their indicator"), 1, NOW.date())
    session.commit()
    return {
        "group": group,
        "coordinator": coordinator,
        "owner": owner,
        "outsider": outsider,
        "coaching": coaching,
        "formula": formula,
        "smes": smes,
        "days": days,
        "from_zero": from_zero,
        "regional": regional,
        "brussels": brussels,
    }


def test_the_solutions_export_without_internal_notes(app, world):
    response = browser_for(app, world["owner"]).client.get(BASE + "solutions.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="innovation-diffusion-solutions.csv"'
    )
    assert "SECRET" not in response.get_data(as_text=True)
    rows = rows_of(response)
    assert rows[0] == [
        "Solution id",
        "Title",
        "Stage",
        "Status",
        "Last update",
        "Owner",
        "Co-owners",
        "Challenges",
        "Regions",
        "Starts",
        "Planned end",
        "Public",
        "Page",
    ]
    coaching, formula = as_dicts(rows)
    assert coaching == {
        "Solution id": str(world["coaching"].id),
        "Title": "Voucher coaching",
        "Stage": "Deployment",
        "Status": "At risk",
        "Last update": "2026-11-02",
        "Owner": "Olga Owner",
        "Co-owners": "'=Cem Co-owner",
        "Challenges": "Vouchers reach the same firms; No single entry point",
        "Regions": "BE10; DE11",
        "Starts": "2025-01-01",
        "Planned end": "2027-12-31",
        "Public": "Yes",
        "Page": f"http://localhost/solutions/{world['coaching'].id}",
    }
    assert formula["Title"] == '\'=HYPERLINK("http://x")'
    assert (formula["Status"], formula["Last update"], formula["Public"]) == ("", "", "No")
    assert "Their solution" not in response.get_data(as_text=True)


def test_the_indicators_export_computes_progress_in_both_directions_and_from_zero(app, world):
    response = browser_for(app, world["owner"]).client.get(BASE + "indicators.csv")

    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="innovation-diffusion-indicators.csv"'
    )
    rows = rows_of(response)
    assert rows[0] == [
        "Indicator id",
        "Solution id",
        "Name",
        "Unit",
        "Direction",
        "Baseline value",
        "Baseline date",
        "Target value",
        "Target date",
        "Region",
        "Latest value",
        "Latest measured on",
        "Progress toward target (%)",
    ]
    found = {row["Name"]: row for row in as_dicts(rows)}
    assert set(found) == {
        "SMEs coached",
        "Days to answer",
        "Vouchers used",
        "Firms reached",
        "Brussels balance",
        "Not measured yet",
    }
    smes = found["SMEs coached"]
    assert smes == {
        "Indicator id": str(world["smes"].id),
        "Solution id": str(world["coaching"].id),
        "Name": "SMEs coached",
        "Unit": "SMEs",
        "Direction": "Higher is better",
        "Baseline value": "10",
        "Baseline date": "2025-01-01",
        "Target value": "50",
        "Target date": "2027-12-31",
        "Region": "",
        "Latest value": "30",  # the withdrawn 45 does not count
        "Latest measured on": "2025-12-31",
        "Progress toward target (%)": "50",  # (30 - 10) / (50 - 10)
    }
    days = found["Days to answer"]
    assert days["Direction"] == "Lower is better"
    assert (days["Latest value"], days["Progress toward target (%)"]) == ("25", "50")
    # (25 - 40) / (10 - 40) = 0.5
    zero = found["Vouchers used"]
    # The newest of the day the formulas were measured: 65; (65 - 0) / (200 - 0) = 32.5%.
    assert (zero["Baseline value"], zero["Latest value"]) == ("0", "65")
    assert zero["Progress toward target (%)"] == "32.5"
    regional = found["Firms reached"]
    # (0.25 + 0.75) / 2: no single latest value.
    assert (regional["Latest value"], regional["Progress toward target (%)"]) == ("", "50")
    brussels = found["Brussels balance"]
    # A negative number stays a number: no apostrophe.
    assert (brussels["Region"], brussels["Latest value"]) == ("BE10", "-3.5")
    assert brussels["Progress toward target (%)"] == "-35"
    waiting = found["Not measured yet"]
    assert (waiting["Latest value"], waiting["Progress toward target (%)"]) == ("", "")


def test_the_measurements_export_neutralises_formulas(app, world):
    response = browser_for(app, world["coordinator"]).client.get(BASE + "measurements.csv")

    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="innovation-diffusion-measurements.csv"'
    )
    rows = rows_of(response)
    assert rows[0] == ["Indicator id", "Solution id", "Date", "Region", "Value", "Source"]
    body = as_dicts(rows)
    smes = [row for row in body if row["Indicator id"] == str(world["smes"].id)]
    assert smes == [
        {
            "Indicator id": str(world["smes"].id),
            "Solution id": str(world["coaching"].id),
            "Date": "2025-06-30",
            "Region": "",
            "Value": "20",
            "Source": "Regional innovation agency survey",
        },
        {
            "Indicator id": str(world["smes"].id),
            "Solution id": str(world["coaching"].id),
            "Date": "2025-12-31",
            "Region": "",
            "Value": "30",
            "Source": "Agency survey",
        },
    ]
    sources = [row["Source"] for row in body if row["Indicator id"] == str(world["from_zero"].id)]
    assert sources[1:] == ["'" + text for text in FORMULAS]
    regional = [row for row in body if row["Indicator id"] == str(world["regional"].id)]
    assert [(row["Region"], row["Value"]) for row in regional] == [("BE10", "20"), ("DE11", "40")]
    assert [row["Value"] for row in body if row["Region"] == "BE10"] == ["20", "-3.5"]
    assert "Their" not in response.get_data(as_text=True)


def test_a_cell_is_formula_safe_text_or_a_plain_number():
    assert [cell(text) for text in FORMULAS] == ["'" + text for text in FORMULAS]
    assert cell("Plain text") == "Plain text"
    assert cell(None) == ""
    assert (cell(12.0), cell(-3.5), cell(0.1), cell(7)) == ("12", "-3.5", "0.1", "7")
    assert cell(date(2026, 1, 31)) == "2026-01-31"


@pytest.mark.parametrize("name", ["solutions", "indicators", "measurements"])
def test_only_the_group_s_members_download(app, world, name):
    path = f"{BASE}{name}.csv"
    anonymous = browser_for(app).client.get(path)
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/account/login")
    refused = browser_for(app, world["outsider"]).client.get(path)
    assert refused.status_code == 403
    assert "Voucher coaching" not in refused.get_data(as_text=True)


def test_the_exports_run_a_fixed_number_of_queries_with_10_and_500_solutions(
    app, session, world, count_queries
):
    coordinator = browser_for(app, world["coordinator"])

    def queries() -> dict[str, tuple[int, int]]:
        counts = {}
        for name in ("solutions", "indicators", "measurements"):
            with count_queries() as counter:
                response = coordinator.client.get(f"{BASE}{name}.csv")
            assert response.status_code == 200
            counts[name] = (counter.count, len(rows_of(response)))
        return counts

    add_solutions(session, world["group"].id, 8)  # with the world's two: 10
    session.commit()
    small = queries()
    add_solutions(session, world["group"].id, 490)
    session.commit()
    large = queries()

    assert large["solutions"][1] == 1 + 500
    assert large["measurements"][1] > small["measurements"][1] + 490
    assert {name: c for name, (c, _) in large.items()} == {
        name: c for name, (c, _) in small.items()
    }
