"""A form that is wrong in several places says so in every place at once, and the coordinators
hear of what awaits their decision: a proposed challenge."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from cop.audit.models import AuditEntry
from cop.challenges import practices, services
from cop.challenges.models import Challenge, GoodPractice, PracticeStatus
from cop.errors import Invalid
from cop.mail.models import OutboxMessage
from cop.members.models import Role
from cop.validation import Problems, check_text
from tests.conftest import Browser
from tests.factories import make_group, make_membership, make_organisation, make_theme, make_user


@pytest.fixture(autouse=True)
def materials_folder(app, tmp_path):
    app.config["MATERIALS_FOLDER"] = str(tmp_path / "materials")


@pytest.fixture
def world(session):
    group = make_group(session, name="Innovation Diffusion", slug="innovation-diffusion")
    madrid = make_organisation(session, name="Universidad de Madrid", region_code="ES30")
    member = make_user(session, name="Mia Member", email="mia@example.org", organisation=madrid)
    coordinator = make_user(session, name="Cora Coordinator", email="cora@example.org")
    coordinator.language = "fr"
    second = make_user(session, name="Sam Second", email="sam@example.org")
    make_membership(session, member, group)
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    make_membership(session, second, group, role=Role.COORDINATOR)
    theme = make_theme(session, group, name="Digitalisation")
    session.commit()
    return dict(group=group, member=member, coordinator=coordinator, second=second, theme=theme)


@pytest.fixture
def in_request(app):
    with app.test_request_context():
        yield


def as_(app, person) -> Browser:
    browser = Browser(app.test_client())
    browser.login(person)
    return browser


def errors_on(page: str) -> dict[str, str]:
    """The error shown next to each field of the page."""
    return dict(re.findall(r'id="([a-z_]+)-error">([^<]+)<', page))


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_problems_gathers_every_failed_check_and_raises_them_together():
    problems = Problems()
    assert problems.check(check_text, " kept ", "name", 10) == "kept"
    assert problems.check(check_text, "", "title", 10, required=True) is None
    assert problems.check(check_text, "x" * 11, "summary", 10) is None
    problems.add("Choose one.", "kind")
    assert problems.failed("title") and not problems.failed("name")
    with pytest.raises(Invalid) as raised:
        problems.raise_found()
    assert [(p.field, p.message) for p in raised.value.problems] == [
        ("title", "Please fill in this field."),
        ("summary", "Use at most 10 characters."),
        ("kind", "Choose one."),
    ]
    Problems().raise_found()  # nothing found: nothing raised


def test_the_challenge_form_shows_every_problem_at_once(app, session, world):
    before = count(session, Challenge), count(session, AuditEntry), count(session, OutboxMessage)
    response = as_(app, world["member"]).post(
        "/groups/innovation-diffusion/challenges/new",
        {
            "title": "",
            "description": "Bell \x07",
            "theme_ids": ["999999"],
            "region_codes": ["ZZ99"],
            "meeting_id": "x",
        },
        page="/groups/innovation-diffusion/challenges/new",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    errors = errors_on(page)
    assert errors["title"] == "Please fill in this field."
    assert errors["description"] == "Remove the control characters from this text."
    assert errors["theme_ids"] == "Choose among the group&#39;s themes."
    assert errors["region_codes"] == "Choose regions from the list."
    assert errors["meeting_id"] == "Choose one of the group&#39;s meetings."
    summary = page[page.index('class="error-summary"') :]
    assert summary.count("<li>") >= 5
    after = count(session, Challenge), count(session, AuditEntry), count(session, OutboxMessage)
    assert after == before


def test_the_practice_form_shows_every_problem_at_once(app, session, world):
    before = count(session, GoodPractice), count(session, AuditEntry)
    response = as_(app, world["member"]).post(
        "/groups/innovation-diffusion/practices/new",
        {
            "title": "",
            "region_code": "XX99",
            "timescale": "x" * 201,
            "contact_email": "not an email",
            "problem": "nul \x00 byte",
        },
        page="/groups/innovation-diffusion/practices/new",
    )
    assert response.status_code == 400
    errors = errors_on(response.get_data(as_text=True))
    assert errors["title"] == "Please fill in this field."
    assert errors["region_code"] == "Choose a region from the list."
    assert errors["timescale"] == "Use at most 200 characters."
    assert "valid email address" in errors["contact_email"]
    assert errors["problem"] == "Remove the control characters from this text."
    assert (count(session, GoodPractice), count(session, AuditEntry)) == before


def test_submitting_an_incomplete_practice_names_every_missing_field(app, session, world):
    draft = practices.create_practice(
        session,
        world["member"],
        world["group"].id,
        practices.PracticeDetails(title="Vouchers", problem="SMEs did not adopt."),
    )
    session.commit()
    response = as_(app, world["member"]).post(
        f"/practices/{draft.id}/submit", page=f"/practices/{draft.id}"
    )
    assert response.status_code == 400
    errors = errors_on(response.get_data(as_text=True))
    missing = set(practices.REQUIRED_TO_SUBMIT) - {"problem"}
    assert set(errors) == missing
    assert set(errors.values()) == {"Please fill in this field before submitting."}
    session.expire_all()
    assert session.get(GoodPractice, draft.id).status is PracticeStatus.DRAFT


def test_the_coordinators_hear_of_a_proposed_challenge_in_their_language(
    app, session, world, in_request
):
    challenge = services.raise_challenge(
        session,
        world["member"],
        world["group"].id,
        services.ChallengeDetails(
            title="SMEs hardly adopt AI", description="They lack skills.", region_codes=["FI1B"]
        ),
    )
    session.commit()
    mails = {
        mail.recipient: mail
        for mail in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    }
    assert set(mails) == {"cora@example.org", "sam@example.org"}
    french = mails["cora@example.org"]
    assert french.subject == "Un défi attend votre décision : SMEs hardly adopt AI"
    assert "Bonjour Cora Coordinator" in french.body_text
    assert f"/challenges/{challenge.id}" in french.body_text
    english = mails["sam@example.org"]
    assert english.subject == "A challenge awaits your decision: SMEs hardly adopt AI"
    assert "Mia Member has raised a challenge in Innovation Diffusion" in english.body_text
    assert "Regions: Comunidad de Madrid, Helsinki-Uusimaa" in english.body_text


def test_a_coordinator_raising_a_challenge_is_not_told_of_it(app, session, world, in_request):
    services.raise_challenge(
        session,
        world["second"],
        world["group"].id,
        services.ChallengeDetails(title="Title", description="Text", region_codes=["FI1B"]),
    )
    session.commit()
    recipients = list(session.scalars(select(OutboxMessage.recipient)))
    assert recipients == ["cora@example.org"]


@pytest.mark.parametrize(
    ("path", "data", "expected"),
    [
        (
            "/groups/innovation-diffusion/challenges/new",
            {"title": "", "description": "x" * 20_500, "region_codes": ["FI1B"]},
            {"title": "Please fill in this field.", "description": "Use at most 20000 characters."},
        ),
        (
            "/groups/innovation-diffusion/challenges/new",
            {"title": "t" * 250, "description": "x" * 20_500, "region_codes": ["FI1B"]},
            {
                "title": "Use at most 200 characters.",
                "description": "Use at most 20000 characters.",
            },
        ),
    ],
    ids=["empty title, long description", "long title, long description"],
)
def test_an_over_long_text_does_not_hide_the_other_problems(
    app, session, world, path, data, expected
):
    before = count(session, Challenge)
    response = as_(app, world["member"]).post(path, data, page=path)
    assert response.status_code == 400
    assert errors_on(response.get_data(as_text=True)) == expected
    assert count(session, Challenge) == before


def test_an_over_long_reason_is_named_in_the_services_words(app, session, world, in_request):
    challenge = services.raise_challenge(
        session,
        world["member"],
        world["group"].id,
        services.ChallengeDetails(title="Title", description="Text", region_codes=["FI1B"]),
    )
    session.commit()
    browser = as_(app, world["coordinator"])
    close = browser.post(f"/challenges/{challenge.id}/close", {"reason": "r" * 2_050}, page="/")
    assert close.status_code == 400
    assert errors_on(close.get_data(as_text=True)) == {"reason": "Use at most 2000 characters."}


def test_the_theme_form_names_both_its_problems(app, session, world):
    path = "/groups/innovation-diffusion/themes/"
    response = as_(app, world["second"]).post(
        path, {"name": "DIGITALISATION", "description": "d" * 2_001}, page=path
    )
    assert response.status_code == 400
    assert errors_on(response.get_data(as_text=True)) == {
        "name": "The group already has the theme “Digitalisation”.",
        "description": "Use at most 2000 characters.",
    }


def test_the_merge_form_names_a_forged_target_and_a_long_note_together(
    app, session, world, in_request
):
    challenge = services.raise_challenge(
        session,
        world["member"],
        world["group"].id,
        services.ChallengeDetails(title="Title", description="Text", region_codes=["FI1B"]),
    )
    session.commit()
    path = f"/challenges/{challenge.id}/merge"
    response = as_(app, world["second"]).post(path, {"into": "abc", "note": "n" * 5_000}, page=path)
    assert response.status_code == 400
    assert errors_on(response.get_data(as_text=True)) == {
        "into": "Choose a challenge from the list.",
        "note": "Use at most 2000 characters.",
    }


def test_line_breaks_are_stored_as_the_same_whatever_the_browser_sent():
    assert check_text("one\r\ntwo\rthree\n", "text", 100) == "one\ntwo\nthree"
