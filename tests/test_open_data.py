"""The open-data datasets: JSON and CSV with exactly the documented fields, public records only,
formula-safe CSV, read in batches, conditional answers; and the page that documents them."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

import pytest

from cop.challenges.models import ChallengeStatus, PracticeStatus
from cop.db import utcnow
from cop.meetings.models import MeetingStatus, RegistrationStatus
from cop.outcomes.models import OutcomeStatus
from cop.site import opendata
from cop.site.opendata import DATASETS
from cop.solutions.models import SolutionStage
from tests.factories import (
    make_challenge,
    make_group,
    make_indicator,
    make_measurement,
    make_meeting,
    make_outcome,
    make_practice,
    make_registration,
    make_solution,
    make_user,
)

ONLINE_LINK = "https://meet.example.org/secret-room-4711"
# What must never appear in open data.
PRIVATE = (
    "Members-only solution",
    "Secret internal note",
    "Draft practice of nobody",
    "contact.person@example.org",
    "Proposed challenge nobody accepted",
    "Draft meeting in preparation",
    ONLINE_LINK,
    "Secret draft outcome",
    "Working copy title in review",
    "guest.person@example.org",
    "Gina Guest",
    "owner.person@example.org",
)


@pytest.fixture
def world(session):
    group = make_group(session, name="Innovation Diffusion", slug="innovation-diffusion")
    owner = make_user(session, name="Olga Owner", email="owner.person@example.org")
    accepted = make_challenge(
        session,
        group,
        status=ChallengeStatus.ACCEPTED,
        title="SMEs adopt new technologies slowly",
        region_codes=("BE10", "FR10"),
    )
    proposed = make_challenge(session, group, title="Proposed challenge nobody accepted")
    public = make_solution(
        session,
        group,
        owner,
        public=True,
        stage=SolutionStage.DEPLOYMENT,
        title="Digital vouchers for SMEs",
        challenges=(accepted, proposed),
        region_codes=("BE10", "FR10"),
        internal_notes="Secret internal note",
    )
    indicator = make_indicator(session, public, name="SMEs with a digital project", unit="SMEs")
    make_measurement(session, indicator, 20, date(2025, 6, 30), source="Agency survey")
    make_measurement(session, indicator, 30, date(2025, 12, 31), source="Agency survey")
    make_measurement(session, indicator, 99, date(2026, 1, 31), withdrawn_at=utcnow())
    private = make_solution(session, group, owner, title="Members-only solution")
    make_indicator(session, private, name="Members-only indicator")
    practice = make_practice(
        session,
        group,
        title='=HYPERLINK("http://evil.example")',
        challenges=(accepted, proposed),
        contact_name="Carl Contact",
        contact_email="contact.person@example.org",
    )
    make_practice(session, group, status=PracticeStatus.DRAFT, title="Draft practice of nobody")
    meeting = make_meeting(
        session,
        group,
        title="Plenary on digital adoption",
        online_url=ONLINE_LINK,
        starts_in=timedelta(days=-10),
    )
    make_registration(session, meeting, name="Gina Guest", email="guest.person@example.org")
    make_registration(session, meeting, status=RegistrationStatus.WAITLISTED)
    make_meeting(session, group, title="Draft meeting in preparation", status=MeetingStatus.DRAFT)
    outcome = make_outcome(
        session,
        group,
        owner,
        published=True,
        title="Lessons learnt on vouchers",
        solutions=[public, private],
        challenges=[accepted, proposed],
        practices=[practice],
        meetings=[meeting],
        region_codes=("BE10",),
    )
    revised = make_outcome(session, group, owner, published=True, title="First version title")
    revised.title = "Working copy title in review"
    revised.status = OutcomeStatus.IN_REVIEW
    withdrawn = make_outcome(
        session,
        group,
        owner,
        published=True,
        title="A withdrawn brief",
        status=OutcomeStatus.WITHDRAWN,
        withdraw_reason="Its figures were wrong.",
        withdrawn_at=utcnow(),
    )
    make_outcome(session, group, owner, title="Secret draft outcome")
    session.commit()
    return dict(
        group=group,
        accepted=accepted,
        public=public,
        indicator=indicator,
        practice=practice,
        meeting=meeting,
        outcome=outcome,
        revised=revised,
        withdrawn=withdrawn,
    )


def get_json(client, name: str) -> dict:
    response = client.get(f"/open-data/{name}.json")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type == "application/json; charset=utf-8"
    return json.loads(response.get_data(as_text=True))


def get_csv(client, name: str) -> tuple[list[str], list[dict]]:
    response = client.get(f"/open-data/{name}.csv")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type == "text/csv; charset=utf-8"
    text = response.data.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


@pytest.mark.parametrize("name", list(DATASETS))
def test_each_json_dataset_has_exactly_the_documented_fields(client, world, name):
    data = get_json(client, name)
    documented = [field.name for field in DATASETS[name].fields]

    assert data["dataset"] == name
    assert data["licence"] == "CC-BY-4.0"
    assert data["generated_at"]
    assert [field["name"] for field in data["fields"]] == documented
    assert data["records"], f"the world has public {name}"
    for record in data["records"]:
        assert list(record) == documented


@pytest.mark.parametrize("name", list(DATASETS))
def test_each_csv_dataset_has_a_header_of_the_documented_fields(client, world, name):
    header, rows = get_csv(client, name)

    assert header == [field.name for field in DATASETS[name].csv_fields]
    assert len(rows) == len(get_json(client, name)["records"])


def test_no_private_record_reaches_open_data(client, world):
    for name in DATASETS:
        for fmt in ("json", "csv"):
            body = client.get(f"/open-data/{name}.{fmt}").get_data(as_text=True)
            for secret in PRIVATE:
                assert secret not in body, (name, fmt, secret)


def test_outcomes_carry_the_published_version_and_public_links(client, world):
    records = {record["id"]: record for record in get_json(client, "outcomes")["records"]}
    outcome = records[world["outcome"].id]

    assert outcome["title"] == "Lessons learnt on vouchers"
    assert outcome["url"] == f"http://cop.test/outcomes/{world['outcome'].id}"
    assert outcome["status"] == "published"
    assert outcome["kind"] == "lessons_learnt"
    assert outcome["licence_url"] == "https://creativecommons.org/licenses/by/4.0/"
    assert outcome["groups"] == ["innovation-diffusion"]
    assert outcome["regions"] == ["BE10"]
    assert outcome["solutions"] == [world["public"].id]  # not the members-only one
    assert outcome["challenges"] == [world["accepted"].id]  # not the proposed one
    assert outcome["practices"] == [world["practice"].id]
    assert outcome["meetings"] == [world["meeting"].id]
    assert records[world["revised"].id]["title"] == "First version title"
    withdrawn = records[world["withdrawn"].id]
    assert withdrawn["status"] == "withdrawn"
    assert withdrawn["withdraw_reason"] == "Its figures were wrong."
    assert withdrawn["withdrawn_at"]

    _header, rows = get_csv(client, "outcomes")
    row = next(row for row in rows if row["id"] == str(world["withdrawn"].id))
    assert row["status"] == "withdrawn"


def test_solutions_nest_their_indicators_and_measurements_in_json(client, world):
    [solution] = get_json(client, "solutions")["records"]

    assert solution["title"] == "Digital vouchers for SMEs"
    assert solution["stage"] == "deployment"
    assert solution["regions"] == ["BE10", "FR10"]
    assert solution["challenges"] == [world["accepted"].id]
    [indicator] = solution["indicators"]
    assert indicator["name"] == "SMEs with a digital project"
    assert indicator["latest_value"] == 30  # the withdrawn measurement is left out
    assert indicator["latest_on"] == "2025-12-31"
    assert indicator["progress_percent"] == 50  # from 10 toward 50
    assert [m["value"] for m in indicator["measurements"]] == [20, 30]
    assert list(indicator["measurements"][0]) == [f.name for f in DATASETS["measurements"].fields]
    assert set(indicator) == {f.name for f in DATASETS["indicators"].fields} | {"measurements"}

    header, rows = get_csv(client, "solutions")
    assert "indicators" not in header
    _header, indicators = get_csv(client, "indicators")
    assert [(row["name"], row["latest_value"], row["progress_percent"]) for row in indicators] == [
        ("SMEs with a digital project", "30", "50")
    ]
    _header, measurements = get_csv(client, "measurements")
    assert [row["value"] for row in measurements] == ["20", "30"]
    assert {row["solution_id"] for row in measurements} == {str(world["public"].id)}


def test_meetings_give_counts_not_names_nor_links(client, session, world):
    data = get_json(client, "meetings")
    [meeting] = data["records"]

    assert meeting["title"] == "Plenary on digital adoption"
    assert meeting["format"] == "hybrid"
    assert meeting["starts_at"].endswith("Z")
    assert meeting["confirmed_registrations"] == 1
    assert "online_url" not in meeting


def test_csv_cells_cannot_start_a_formula(client, world):
    _header, rows = get_csv(client, "practices")
    [row] = rows

    assert row["title"] == '\'=HYPERLINK("http://evil.example")'
    assert row["challenges"] == str(world["accepted"].id)
    assert "contact_email" not in row


def test_challenges_are_the_accepted_ones_with_their_regions(client, world):
    _header, rows = get_csv(client, "challenges")

    assert [(row["title"], row["status"], row["regions"]) for row in rows] == [
        ("SMEs adopt new technologies slowly", "accepted", "BE10; FR10")
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/open-data/nothing.json",
        "/open-data/outcomes.xml",
        "/open-data/outcomes.JSON",
        "/open-data/outcomes",
        "/open-data/outcomes.json.csv",
    ],
)
def test_an_unknown_dataset_or_format_is_not_found(client, path):
    response = client.get(path)

    assert response.status_code == 404


def test_a_dataset_answers_304_until_its_records_change(client, session, world):
    first = client.get("/open-data/challenges.csv")
    tag = first.headers["ETag"]

    assert first.headers["Last-Modified"]
    assert (
        client.get("/open-data/challenges.csv", headers={"If-None-Match": tag}).status_code == 304
    )

    world["accepted"].status = ChallengeStatus.BEING_ADDRESSED
    session.commit()
    changed = client.get("/open-data/challenges.csv", headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert "being_addressed" in changed.get_data(as_text=True)


def test_datasets_are_read_in_batches_of_a_fixed_number_of_queries(
    client, session, count_queries, monkeypatch
):
    group = make_group(session)
    owner = make_user(session)
    monkeypatch.setattr(opendata, "BATCH", 2)

    def queries(name: str) -> int:
        with count_queries() as counter:
            response = client.get(f"/open-data/{name}.json")
            assert json.loads(response.get_data(as_text=True))["records"]  # streamed: read it
        return counter.count

    counts = {"outcomes": [], "solutions": [], "meetings": []}
    for _step in range(3):
        for _two in range(2):
            solution = make_solution(session, group, owner, public=True)
            make_measurement(session, make_indicator(session, solution), 12, date(2025, 3, 1))
            make_outcome(session, group, owner, published=True, solutions=[solution])
            make_meeting(session, group)
        session.commit()
        for name in counts:
            counts[name].append(queries(name))
    for name, (one, two, three) in counts.items():
        assert two - one == three - two > 0, name  # each batch costs the same


def test_the_documentation_lists_each_dataset_with_its_fields_and_licence(client, world):
    response = client.get("/open-data/")
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert response.headers["ETag"]
    assert "https://creativecommons.org/licenses/by/4.0/" in page
    assert 'href="/outcomes/feed.atom"' in page
    for name, dataset in DATASETS.items():
        assert f'href="/open-data/{name}.json"' in page
        assert f'href="/open-data/{name}.csv"' in page
        for field in dataset.fields:
            assert f"<code>{field.name}</code>" in page
    assert "<code>lessons_learnt</code>" in page  # a code field's values
