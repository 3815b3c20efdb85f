"""The good-practice pages: a group's list, one practice, the form, submitting, the coordinators'
review (and the author's email), withdrawing, links and files; who sees what, and every bad
input refused with its message and nothing written."""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cop.audit.models import AuditEntry
from cop.challenges.models import (
    ChallengeStatus,
    GoodPractice,
    PracticeLink,
    PracticeReview,
    PracticeStatus,
    ReviewDecision,
)
from cop.db import utcnow
from cop.mail.models import OutboxMessage
from cop.members.models import MembershipStatus, Role
from tests.conftest import Browser
from tests.factories import (
    make_challenge,
    make_group,
    make_membership,
    make_organisation,
    make_theme,
    make_user,
)

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"

FORM = {
    "title": "Innovation vouchers for first-time adopters",
    "region_code": "FI1B",
    "organisation_id": "",
    "problem": "SMEs rarely adopted new technologies.",
    "what_was_done": "**Vouchers** for a first project with a research centre.",
    "resources": "Two staff.",
    "timescale": "2021-2024",
    "evidence": "140 firms took part.",
    "difficulties": "Finding willing research centres.",
    "transferability": "Works wherever an agency can run a call.",
    "contact_name": "Aino Virtanen",
    "contact_email": "aino.virtanen@example.org",
}


@pytest.fixture(autouse=True)
def materials_folder(app, tmp_path) -> Path:
    folder = tmp_path / "materials"
    app.config["MATERIALS_FOLDER"] = str(folder)
    return folder


@pytest.fixture
def world(session, admin):
    group = make_group(session, name="Innovation Diffusion", slug="innovation-diffusion")
    other = make_group(session, name="Industrial Transition", slug="industrial-transition")
    coordinator = make_user(session, name="Cora Coordinator", email="cora@example.org")
    author = make_user(session, name="Aino Author", email="aino@example.org")
    colleague = make_user(session, name="Carl Colleague", email="carl@example.org")
    outsider = make_user(session, name="Olga Outsider", email="olga@example.org")
    applicant = make_user(session, name="Anna Applicant", email="anna@example.org")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    make_membership(session, author, group)
    make_membership(session, colleague, group)
    make_membership(session, outsider, other)
    make_membership(session, applicant, group, status=MembershipStatus.APPLIED)
    digital = make_theme(session, group, name="Digitalisation")
    skills = make_theme(session, group, name="Skills")
    foreign = make_theme(session, other, name="Foreign theme")
    organisation = make_organisation(session, name="Helsinki Business Hub", region_code="FI1B")
    accepted = make_challenge(
        session, group, title="SMEs do not adopt", status=ChallengeStatus.ACCEPTED
    )
    proposed = make_challenge(session, group, title="Secret proposal in progress")
    closed = make_challenge(session, group, title="Closed one", status=ChallengeStatus.CLOSED)
    session.commit()
    return dict(
        group=group,
        other=other,
        coordinator=coordinator,
        author=author,
        colleague=colleague,
        outsider=outsider,
        applicant=applicant,
        admin=admin,
        digital=digital,
        skills=skills,
        foreign=foreign,
        organisation=organisation,
        accepted=accepted,
        proposed=proposed,
        closed=closed,
    )


def practice(session, world, status=PracticeStatus.PUBLISHED, *, author=None, **values):
    """A practice written directly (no audit row)."""
    fields = {k: v for k, v in FORM.items() if k not in ("organisation_id",)}
    fields.update(values)
    themes = fields.pop("themes", [world["digital"]])
    challenges = fields.pop("challenges", [])
    record = GoodPractice(
        group=world["group"],
        author=author or world["author"],
        status=status,
        published_at=utcnow() if status is PracticeStatus.PUBLISHED else None,
        themes=themes,
        challenges=challenges,
        **fields,
    )
    session.add(record)
    session.flush()
    return record


def as_(app, person=None) -> Browser:
    browser = Browser(app.test_client())
    if person is not None:
        browser.login(person)
    return browser


def text(response) -> str:
    return response.get_data(as_text=True)


def main_of(response) -> str:
    page = text(response)
    return page[page.index("<main") : page.index("</main>")]


def error_of(page: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page, re.S)
    assert match, f"no error next to {field}"
    return match.group(1)


def counts(session) -> tuple[int, ...]:
    session.expire_all()
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (GoodPractice, PracticeLink, PracticeReview, AuditEntry, OutboxMessage)
    )


LIST = "/groups/innovation-diffusion/practices/"


# --- The list ----------------------------------------------------------------------------------


def test_the_list_shows_published_practices_newest_first_to_everyone(app, session, world):
    older = practice(session, world, title="Older practice")
    older.published_at = utcnow() - timedelta(days=3)
    practice(session, world, title="Newer practice", organisation=world["organisation"])
    practice(session, world, PracticeStatus.DRAFT, title="A draft of Aino")
    practice(session, world, PracticeStatus.SUBMITTED, title="Submitted by Aino")
    practice(session, world, PracticeStatus.WITHDRAWN, title="Withdrawn one")
    session.commit()

    page = main_of(as_(app).client.get(LIST))
    assert page.index("Newer practice") < page.index("Older practice")
    assert "Helsinki Business Hub" in page and "Helsinki-Uusimaa" in page
    assert "Digitalisation" in page
    for hidden in ("A draft of Aino", "Submitted by Aino", "Withdrawn one", "Your practices"):
        assert hidden not in page
    assert "Document a good practice" not in page
    assert "Waiting for review" not in page

    colleague = main_of(as_(app, world["colleague"]).client.get(LIST))
    assert "Document a good practice" in colleague
    assert "A draft of Aino" not in colleague and "Your practices" not in colleague

    mine = main_of(as_(app, world["author"]).client.get(LIST))
    assert "Your practices" in mine
    assert "A draft of Aino" in mine and "Submitted by Aino" in mine
    assert "Withdrawn one" not in mine
    assert "Waiting for review" not in mine

    coordinator = main_of(as_(app, world["coordinator"]).client.get(LIST))
    waiting = coordinator[coordinator.index("Waiting for review") :]
    assert "Submitted by Aino" in waiting and "Aino Author" in waiting
    assert "A draft of Aino" not in coordinator


def test_filters_by_theme_and_country_and_survives_bad_values(app, session, world):
    practice(session, world, title="Finnish digital", themes=[world["digital"]])
    practice(session, world, title="Belgian skills", region_code="BE10", themes=[world["skills"]])
    session.commit()
    client = as_(app).client

    by_theme = main_of(client.get(f"{LIST}?theme={world['skills'].id}"))
    assert "Belgian skills" in by_theme and "Finnish digital" not in by_theme
    by_country = main_of(client.get(f"{LIST}?country=fi"))
    assert "Finnish digital" in by_country and "Belgian skills" not in by_country
    assert "1 practice" in by_country
    # Both countries are offered in the filter.
    assert '<option value="BE"' in by_country and '<option value="FI"' in by_country

    for query in (
        "theme=abc",
        "theme=-1",
        "theme=99999999999999999999",
        "country=%27%20OR%201=1--",
        "country=" + "x" * 2000,
        "page=-5",
        "page=abc",
        "page=99999999999",
        f"theme={world['foreign'].id}",
    ):
        response = client.get(f"{LIST}?{query}")
        assert response.status_code == 200, query
    # Another group's theme names none of this group's: ignored, as on the challenge list.
    unknown = main_of(client.get(f"{LIST}?theme={world['foreign'].id}"))
    assert "Finnish digital" in unknown and "Belgian skills" in unknown
    assert client.get("/groups/no-such-group/practices/").status_code == 404


def test_the_list_is_paginated_by_25(app, session, world):
    for number in range(30):
        record = practice(session, world, title=f"Practice number {number:02d}")
        record.published_at = utcnow() - timedelta(hours=100 - number)
    session.commit()
    client = as_(app).client
    first = main_of(client.get(LIST))
    assert "Practice number 29" in first and "Practice number 05" in first
    assert "Practice number 04" not in first
    assert "Page 1 of 2" in first
    second = main_of(client.get(f"{LIST}?page=2&theme={world['digital'].id}"))
    assert "Practice number 04" in second and "Practice number 05" not in second
    assert "Page 2 of 2" in second
    assert f"theme={world['digital'].id}" in second  # the filter stays in the links


def test_the_list_queries_do_not_grow(app, session, world, count_queries):
    readers = {
        "anonymous": as_(app),
        "author": as_(app, world["author"]),
        "coordinator": as_(app, world["coordinator"]),
    }

    def grow(count: int) -> None:
        for number in range(count):
            status = [PracticeStatus.PUBLISHED, PracticeStatus.DRAFT, PracticeStatus.SUBMITTED][
                number % 3
            ]
            practice(
                session,
                world,
                status,
                title=f"Grown {number}",
                organisation=make_organisation(session, region_code="FR10"),
                themes=[world["digital"], world["skills"]],
            )
        session.commit()

    def queries() -> dict[str, int]:
        found = {}
        for role, browser in readers.items():
            with count_queries() as counter:
                response = browser.client.get(LIST)
            assert response.status_code == 200
            found[role] = counter.count
        return found

    grow(5)
    small = queries()
    grow(35)
    large = queries()
    assert "Grown 33" in main_of(readers["coordinator"].client.get(LIST))
    assert large == small


def test_countries_are_named_in_the_readers_language(app, session, world):
    record = practice(session, world, title="Finnish vouchers", organisation=world["organisation"])
    practice(session, world, title="Viennese vouchers", region_code="AT13")
    practice(session, world, title="Berlin vouchers", region_code="DE30")
    practice(session, world, PracticeStatus.SUBMITTED, title="Waiting one")
    session.commit()

    def read(person, language: str, path: str) -> str:
        browser = as_(app, world[person] if person else None)
        browser.client.get(f"/language/{language}")
        return main_of(browser.client.get(path))

    english = read(None, "en", LIST)
    assert "Helsinki-Uusimaa, Finland" in english
    french = read(None, "fr", LIST)
    assert "Helsinki-Uusimaa, Finlande" in french and "Wien, Autriche" in french
    assert not re.search(r"\b(Finland|Austria|Germany)\b", french)
    # The country filter lists them in the reader's alphabet: "Österreich" among the O's.
    german = read(None, "de", LIST)
    options = re.findall(r'<option value="([A-Z]{2})"', german[german.index("filter-country") :])
    assert options == ["DE", "FI", "AT"]
    assert "Helsinki-Uusimaa, Finnland" in german

    page = read(None, "fr", f"/practices/{record.id}")
    assert "Helsinki-Uusimaa (FI1B), Finlande" in page
    assert not re.search(r"\bFinland\b", page)
    coordinators = read("coordinator", "fr", LIST)  # the practices waiting for review too
    waiting = coordinators[
        coordinators.index('id="waiting-title"') : coordinators.index('id="published-title"')
    ]
    assert "Waiting one" in waiting and "Helsinki-Uusimaa, Finlande" in waiting
    assert not re.search(r"\bFinland\b", coordinators)


# --- One practice ------------------------------------------------------------------------------


def test_a_published_practice_shows_every_field_and_hides_the_email_from_non_members(
    app, session, world
):
    record = practice(
        session,
        world,
        organisation=world["organisation"],
        problem="<script>alert(1)</script> SMEs **rarely** adopted [x](javascript:alert(1))",
        challenges=[world["accepted"], world["proposed"]],
    )
    session.add(
        PracticeLink(practice=record, title="Evaluation report", url="https://example.org/r")
    )
    session.add(
        PracticeLink(
            practice=record, title="Old link", url="https://example.org/old", withdrawn_at=utcnow()
        )
    )
    session.commit()
    path = f"/practices/{record.id}"

    anonymous = main_of(as_(app).client.get(path))
    for shown in (
        "Innovation vouchers",
        "<strong>rarely</strong>",
        "Vouchers",
        "Two staff.",
        "2021-2024",
        "140 firms",
        "Finding willing",
        "Works wherever",
        "Helsinki-Uusimaa",
        "Helsinki Business Hub",
        "Digitalisation",
        "SMEs do not adopt",
        "Evaluation report",
        "Aino Virtanen",
        "Log in as a member to see how to reach them.",
    ):
        assert shown in anonymous, shown
    assert "<script>" not in anonymous and 'href="javascript' not in anonymous
    assert "aino.virtanen@example.org" not in anonymous
    assert "Secret proposal" not in anonymous  # a proposed challenge is for members
    assert "Old link" not in anonymous
    assert "Review history" not in anonymous and "Edit" not in anonymous

    for person in ("outsider", "applicant"):
        page = main_of(as_(app, world[person]).client.get(path))
        assert "aino.virtanen@example.org" not in page, person
        assert "Secret proposal" not in page
    member = main_of(as_(app, world["colleague"]).client.get(path))
    assert "aino.virtanen@example.org" in member and "Secret proposal" in member
    assert "Withdraw" not in member

    author = main_of(as_(app, world["author"]).client.get(path))
    assert "Withdraw" in author


def test_unpublished_practices_are_only_for_their_author_and_coordinators(app, session, world):
    records = [
        practice(session, world, status) for status in PracticeStatus if status.value != "published"
    ]
    session.commit()
    for record in records:
        path = f"/practices/{record.id}"
        for person in (None, "colleague", "outsider", "applicant"):
            browser = as_(app, world[person] if person else None)
            assert browser.client.get(path).status_code == 404, (record.status, person)
        for person in ("author", "coordinator", "admin"):
            page = main_of(as_(app, world[person]).client.get(path))
            assert 'class="notice practice-status"' in page
    assert as_(app).client.get("/practices/999999").status_code == 404


# --- Documenting and editing -------------------------------------------------------------------


def test_a_member_documents_a_practice_through_the_form(app, session, world):
    browser = as_(app, world["author"])
    new = f"{LIST}new"
    form = main_of(browser.client.get(new))
    assert "<legend>Themes</legend>" in form and "Digitalisation" in form
    assert "SMEs do not adopt" in form and "Secret proposal" in form
    assert "Closed one" not in form and "Foreign theme" not in form
    assert "Helsinki Business Hub" in form and 'value="FI1B"' in form

    response = browser.post(
        new,
        {
            **FORM,
            "organisation_id": str(world["organisation"].id),
            "theme_ids": [str(world["digital"].id), str(world["skills"].id)],
            "challenge_ids": [str(world["accepted"].id)],
        },
        page=new,
    )
    assert response.status_code == 302
    session.expire_all()
    record = session.scalar(select(GoodPractice))
    assert record.status is PracticeStatus.DRAFT and record.author_id == world["author"].id
    assert record.organisation_id == world["organisation"].id
    assert {theme.name for theme in record.themes} == {"Digitalisation", "Skills"}
    assert [c.id for c in record.challenges] == [world["accepted"].id]
    assert response.headers["Location"] == f"/practices/{record.id}"

    edit = f"/practices/{record.id}/edit"
    shown = main_of(browser.client.get(edit))
    assert "Innovation vouchers" in shown and "checked" in shown
    response = browser.post(edit, {**FORM, "title": "Renamed vouchers"}, page=edit)
    assert response.status_code == 302
    session.expire_all()
    assert record.title == "Renamed vouchers" and record.themes == []


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"title": ""}, "title", "Please fill in this field."),
        ({"title": "x" * 201}, "title", "Use at most 200 characters."),
        ({"region_code": "XX99"}, "region_code", "Choose a region from the list."),
        ({"organisation_id": "abc"}, "organisation_id", "Choose an organisation from the list."),
        ({"organisation_id": "999999"}, "organisation_id", "Choose an organisation"),
        ({"organisation_id": "²"}, "organisation_id", "Choose an organisation from the list."),
        ({"theme_ids": "²"}, "theme_ids", "Choose among the group&#39;s themes."),
        ({"contact_email": "not an email"}, "contact_email", "Enter a valid email address"),
        ({"theme_ids": "abc"}, "theme_ids", "Choose among the group&#39;s themes."),
        ({"theme_ids": "FOREIGN"}, "theme_ids", "Choose among the group&#39;s themes."),
        ({"challenge_ids": "CLOSED"}, "challenge_ids", "Choose among the group&#39;s open"),
        ({"problem": "nul \x00 byte"}, "problem", "Remove the control characters"),
        ({"problem": "x" * 20_001}, "problem", "Use at most 20000 characters."),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_written(
    app, session, world, change, field, message
):
    replacements = {"FOREIGN": str(world["foreign"].id), "CLOSED": str(world["closed"].id)}
    change = {k: replacements.get(v, v) for k, v in change.items()}
    browser = as_(app, world["author"])
    before = counts(session)
    response = browser.post(f"{LIST}new", {**FORM, **change}, page=f"{LIST}new")
    assert response.status_code == 400
    assert message in error_of(text(response), field)
    assert counts(session) == before


def test_only_members_document_and_only_editors_edit(app, session, world):
    record = practice(session, world, PracticeStatus.DRAFT)
    session.commit()
    before = counts(session)
    for person in ("outsider", "applicant"):
        browser = as_(app, world[person])
        assert browser.client.get(f"{LIST}new").status_code == 403
        assert browser.post(f"{LIST}new", FORM, page="/").status_code == 403
    assert as_(app).client.get(f"{LIST}new").status_code == 302  # to log in
    # A member editing someone else's practice finds nothing there.
    colleague = as_(app, world["colleague"])
    edit = f"/practices/{record.id}/edit"
    assert colleague.client.get(edit).status_code == 404
    assert colleague.post(edit, {**FORM, "title": "Hijacked"}, page="/").status_code == 404
    assert colleague.post(f"/practices/{record.id}/submit", page="/").status_code == 404
    assert counts(session) == before
    session.expire_all()
    assert record.title == FORM["title"]


def test_submitting_with_fields_missing_shows_each_message_on_the_form(app, session, world):
    record = practice(
        session, world, PracticeStatus.DRAFT, problem="", evidence="", contact_email=""
    )
    session.commit()
    browser = as_(app, world["author"])
    before = counts(session)
    response = browser.post(f"/practices/{record.id}/submit", page=f"/practices/{record.id}")
    assert response.status_code == 400
    page = text(response)
    for field in ("problem", "evidence", "contact_email"):
        assert "Please fill in this field before submitting." in error_of(page, field)
    assert 'id="what_was_done-error"' not in page
    assert "Innovation vouchers" in page  # the form shows the practice as saved
    assert counts(session) == before
    session.expire_all()
    assert record.status is PracticeStatus.DRAFT

    complete = practice(session, world, PracticeStatus.DRAFT, title="Complete one")
    session.commit()
    response = browser.post(f"/practices/{complete.id}/submit", page="/")
    assert response.status_code == 302
    session.expire_all()
    assert complete.status is PracticeStatus.SUBMITTED
    # Submitted, it is the coordinators': its author can no longer change or resubmit it.
    assert browser.post(f"/practices/{complete.id}/edit", FORM, page="/").status_code == 400
    assert browser.post(f"/practices/{complete.id}/submit", page="/").status_code == 400


def test_save_and_submit_sends_what_was_just_typed(app, session, world):
    """One button on the form both saves and submits: text typed just before submitting is
    never lost (a separate submit form would send the practice as last saved)."""
    record = practice(session, world, PracticeStatus.DRAFT, evidence="")
    session.commit()
    browser = as_(app, world["author"])
    edit = f"/practices/{record.id}/edit"
    assert "Save and submit for review" in main_of(browser.client.get(edit))

    response = browser.post(
        edit,
        {**FORM, "evidence": "152 firms took part.", "and_submit": "1"},
        page=edit,
    )

    assert response.status_code == 302
    session.expire_all()
    assert record.status is PracticeStatus.SUBMITTED
    assert record.evidence == "152 firms took part."


def test_save_and_submit_with_a_field_missing_saves_and_says_what_is_missing(app, session, world):
    record = practice(session, world, PracticeStatus.DRAFT)
    session.commit()
    browser = as_(app, world["author"])
    edit = f"/practices/{record.id}/edit"

    response = browser.post(
        edit, {**FORM, "title": "Kept title", "evidence": "", "and_submit": "1"}, page=edit
    )

    assert response.status_code == 400
    assert "Please fill in this field before submitting." in error_of(text(response), "evidence")
    session.expire_all()
    assert record.status is PracticeStatus.DRAFT and record.title == "Kept title"


def test_submitting_emails_the_coordinators_a_link_to_the_review(app, session, world):
    record = practice(session, world, PracticeStatus.DRAFT)
    session.commit()
    response = as_(app, world["author"]).post(f"/practices/{record.id}/submit", page="/")
    assert response.status_code == 302

    session.expire_all()
    (mail,) = session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "practice_submitted")
    ).all()
    assert mail.recipient == "cora@example.org"
    assert "Aino Author has submitted the good practice" in mail.body_text
    link = re.search(r"http://cop\.test(/practices/\d+/review)", mail.body_text).group(1)
    # The link opens the review, with the practice to decide on.
    page = main_of(as_(app, world["coordinator"]).client.get(link))
    assert "Publish it" in page and "140 firms took part." in page


# --- Review --------------------------------------------------------------------------------------


def test_a_coordinator_returns_then_publishes_and_the_author_is_emailed(app, session, world):
    record = practice(session, world, PracticeStatus.SUBMITTED)
    world["author"].language = "fr"
    session.commit()
    review = f"/practices/{record.id}/review"
    coordinator = as_(app, world["coordinator"])
    assert "Publish it" in main_of(coordinator.client.get(review))

    # Returning needs comments: the message is next to the field, nothing is written.
    before = counts(session)
    response = coordinator.post(review, {"decision": "returned", "comments": ""}, page=review)
    assert response.status_code == 400
    assert "Please fill in this field." in error_of(text(response), "comments")
    response = coordinator.post(review, {"decision": "comment"}, page=review)
    assert "Choose one of the options." in error_of(text(response), "decision")
    assert counts(session) == before

    response = coordinator.post(
        review, {"decision": "returned", "comments": "Please add figures."}, page=review
    )
    assert response.status_code == 302
    session.expire_all()
    assert record.status is PracticeStatus.RETURNED
    mail = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()[-1]
    assert mail.recipient == "aino@example.org"
    assert mail.kind == "practice_returned"
    assert "Please add figures." in mail.body_text
    assert "Bonjour Aino Author," in mail.body_text  # in the author's language
    assert f"/practices/{record.id}/edit" in mail.body_text

    # The author sees the comments, corrects and submits again.
    author = as_(app, world["author"])
    page = main_of(author.client.get(f"/practices/{record.id}"))
    assert 'class="review-comments"' in page and "Please add figures." in page
    assert author.post(f"/practices/{record.id}/submit", page="/").status_code == 302

    response = coordinator.post(review, {"decision": "published", "comments": ""}, page=review)
    assert response.status_code == 302
    session.expire_all()
    assert record.status is PracticeStatus.PUBLISHED
    mail = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()[-1]
    assert mail.kind == "practice_published" and mail.recipient == "aino@example.org"
    assert f"http://cop.test/practices/{record.id}" in mail.body_text
    assert "Innovation vouchers" in main_of(as_(app).client.get(LIST))
    # Published, the review history is not for the public.
    assert "Please add figures." not in main_of(as_(app).client.get(f"/practices/{record.id}"))


def test_only_coordinators_review(app, session, world):
    record = practice(session, world, PracticeStatus.SUBMITTED)
    session.commit()
    review = f"/practices/{record.id}/review"
    before = counts(session)
    for person in ("author", "colleague", "outsider"):
        browser = as_(app, world[person])
        assert browser.client.get(review).status_code == 403
        response = browser.post(review, {"decision": "published"}, page="/")
        assert response.status_code == 403
    assert counts(session) == before
    session.expire_all()
    assert record.status is PracticeStatus.SUBMITTED


def test_publishing_without_the_required_fields_is_refused(app, session, world):
    record = practice(session, world, PracticeStatus.SUBMITTED, evidence="")
    session.commit()
    review = f"/practices/{record.id}/review"
    coordinator = as_(app, world["coordinator"])
    assert "Some required fields are empty" in main_of(coordinator.client.get(review))
    before = counts(session)
    response = coordinator.post(review, {"decision": "published"}, page=review)
    assert response.status_code == 400
    assert "Please fill in this field before submitting." in text(response)
    assert counts(session) == before


def test_the_author_or_a_coordinator_withdraws_a_published_practice(app, session, world):
    record = practice(session, world)
    draft = practice(session, world, PracticeStatus.DRAFT)
    session.commit()
    before = counts(session)
    assert (
        as_(app, world["colleague"]).post(f"/practices/{record.id}/withdraw", page="/").status_code
        == 403
    )
    assert (
        as_(app, world["author"]).post(f"/practices/{draft.id}/withdraw", page="/").status_code
        == 400
    )
    assert counts(session) == before
    response = as_(app, world["author"]).post(
        f"/practices/{record.id}/withdraw", {"understood": "y"}, page="/"
    )
    assert response.status_code == 302
    session.expire_all()
    assert record.status is PracticeStatus.WITHDRAWN
    assert as_(app).client.get(f"/practices/{record.id}").status_code == 404


def test_the_review_page_shows_the_whole_practice(app, session, world):
    """A coordinator decides on the review page itself: it shows every field of the practice,
    its contact's email, its author and the earlier reviews."""
    record = practice(
        session,
        world,
        PracticeStatus.SUBMITTED,
        organisation=world["organisation"],
        challenges=[world["accepted"], world["proposed"]],
        themes=[world["digital"], world["skills"]],
    )
    session.add(PracticeLink(practice=record, title="Programme site", url="https://e.org/v"))
    session.add(
        PracticeLink(
            practice=record,
            title="Evaluation report",
            filename="report.pdf",
            content_type="application/pdf",
            size=len(PDF),
            storage_key="a" * 64,
        )
    )
    session.add(
        PracticeReview(
            practice=record,
            reviewer=world["coordinator"],
            decision=ReviewDecision.RETURNED,
            comments="Please add figures.",
        )
    )
    session.commit()

    page = main_of(as_(app, world["coordinator"]).client.get(f"/practices/{record.id}/review"))

    for shown in (
        "Review “Innovation vouchers for first-time adopters”",
        "SMEs rarely adopted new technologies.",
        "<strong>Vouchers</strong> for a first project",
        "Two staff.",
        "2021-2024",
        "140 firms took part.",
        "Finding willing research centres.",
        "Works wherever an agency can run a call.",
        "Helsinki-Uusimaa (FI1B), Finland",
        "Helsinki Business Hub",
        "Digitalisation",
        "Skills",
        "SMEs do not adopt",
        "Secret proposal in progress",
        "Programme site",
        "Evaluation report",
        "Aino Virtanen",
        'href="mailto:aino.virtanen@example.org"',
        "Aino Author",
        "Review history",
        "Please add figures.",
        "Publish it",
    ):
        assert shown in page, shown
    assert page.index("Please add figures.") < page.index("Record the decision")

    # The author is named to the coordinators only, not on the public page.
    record.status = PracticeStatus.PUBLISHED
    session.commit()
    assert "Aino Author" not in main_of(
        as_(app, world["colleague"]).client.get(f"/practices/{record.id}")
    )


# --- Links and files -----------------------------------------------------------------------------


def upload(browser, record, data: bytes, filename: str, title: str = ""):
    path = f"/practices/{record.id}/links"
    return browser.post(
        path,
        {"form_name": "file", "file-file": (io.BytesIO(data), filename), "file-title": title},
        page=path,
        content_type="multipart/form-data",
    )


def test_links_and_files_are_added_downloaded_and_withdrawn(app, session, world, materials_folder):
    record = practice(session, world, PracticeStatus.DRAFT)
    session.commit()
    author = as_(app, world["author"])
    path = f"/practices/{record.id}/links"
    response = author.post(
        path,
        {"form_name": "link", "link-title": "Programme site", "link-url": "https://example.org/v"},
        page=path,
    )
    assert response.status_code == 302
    assert upload(author, record, PDF, "report.pdf", "Evaluation").status_code == 302
    session.expire_all()
    link, file = sorted(record.links, key=lambda item: item.id)
    assert link.url == "https://example.org/v"
    assert file.filename == "report.pdf" and file.size == len(PDF)
    assert (materials_folder / file.storage_key[:2] / file.storage_key).read_bytes() == PDF

    download = f"/practice-links/{file.id}/file"
    response = author.client.get(download)
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Type"] == "application/pdf"
    # A draft's file is no one else's.
    for person in (None, "colleague"):
        assert as_(app, world[person] if person else None).client.get(download).status_code == 404
    assert as_(app, world["coordinator"]).client.get(download).status_code == 200

    page = main_of(author.client.get(f"/practices/{record.id}"))
    assert "Programme site" in page and "Evaluation" in page

    # Someone else cannot withdraw it; its author can.
    before = counts(session)
    assert (
        as_(app, world["colleague"])
        .post(f"/practice-links/{file.id}/withdraw", page="/")
        .status_code
        == 404
    )
    assert counts(session) == before
    assert author.post(f"/practice-links/{file.id}/withdraw", page="/").status_code == 302
    session.expire_all()
    assert file.withdrawn_at is not None
    assert author.client.get(download).status_code == 404
    assert "Evaluation" not in main_of(author.client.get(f"/practices/{record.id}"))


def test_published_files_are_public(app, session, world):
    record = practice(session, world, PracticeStatus.DRAFT)
    session.commit()
    author = as_(app, world["author"])
    upload(author, record, PDF, "report.pdf")
    record.status = PracticeStatus.PUBLISHED
    session.commit()
    session.expire_all()
    (file,) = record.links
    response = as_(app).client.get(f"/practice-links/{file.id}/file")
    assert response.status_code == 200 and response.data == PDF


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"MZ\x90\x00 binary", "tool.exe", "Files of this type cannot be published."),
        (b"<html><script>alert(1)</script>", "page.html", "Files of this type cannot be"),
        (b"not really a pdf", "fake.pdf", "The content of this file is not a .pdf file."),
        (b"", "empty.pdf", "This file is empty."),
        (PDF + b"x" * 200, "big.pdf", "This file is too large: files may have at most 100 bytes."),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_written(
    app, session, world, materials_folder, data, filename, message
):
    app.config["MAX_MATERIAL_BYTES"] = 100
    record = practice(session, world, PracticeStatus.DRAFT)
    session.commit()
    before = counts(session)
    response = upload(as_(app, world["author"]), record, data, filename)
    assert response.status_code == 400
    assert message in error_of(text(response), "file-file")
    assert counts(session) == before
    kept = [p for p in materials_folder.rglob("*") if p.is_file()]
    assert kept == []


def test_bad_links_are_refused(app, session, world):
    record = practice(session, world, PracticeStatus.DRAFT)
    session.commit()
    author = as_(app, world["author"])
    path = f"/practices/{record.id}/links"
    before = counts(session)
    for url, message in (
        ("javascript:alert(1)", "Enter a web address starting with https://"),
        ("", "Please fill in this field."),
        ("https://example.org/" + "x" * 600, "Use at most 500 characters."),
        # Credentials in a link would be shown to every reader; and "trusted.org@" passes off
        # another host for the one it names.
        ("https://aino:s3cret@example.org/report", "Enter the address without a user name"),
        ("https://trusted.example.org@evil.example/", "Enter the address without a user name"),
        ("http://@example.org/", "Enter the address without a user name or password"),
    ):
        response = author.post(
            path, {"form_name": "link", "link-title": "A link", "link-url": url}, page=path
        )
        assert response.status_code == 400
        assert message in error_of(text(response), "link-url")
    response = author.post(path, {"form_name": "other"}, page=path)
    assert response.status_code == 400
    assert counts(session) == before
    # The title is required, and its field says so.
    page = text(author.client.get(path))
    assert '<p class="help" id="link-title-help">Required. Up to 200 characters.</p>' in page
    response = author.post(
        path, {"form_name": "link", "link-title": " ", "link-url": "https://e.org"}, page=path
    )
    assert "Please fill in this field." in error_of(text(response), "link-title")
    assert counts(session) == before
    # Someone else's practice: not there.
    response = as_(app, world["colleague"]).post(
        path, {"form_name": "link", "link-title": "x", "link-url": "https://example.org"}, page="/"
    )
    assert response.status_code == 404
    assert counts(session) == before


def test_the_practice_page_queries_do_not_grow(app, session, world, count_queries):
    record = practice(session, world)
    session.commit()
    readers = {"anonymous": as_(app), "member": as_(app, world["colleague"])}
    readers["coordinator"] = as_(app, world["coordinator"])

    def grow(count: int) -> None:
        for number in range(count):
            theme = make_theme(session, world["group"])
            record.themes.append(theme)
            record.challenges.append(
                make_challenge(session, world["group"], status=ChallengeStatus.ACCEPTED)
            )
            session.add(PracticeLink(practice=record, title=f"Link {number}", url="https://e.org"))
            session.add(
                PracticeReview(
                    practice=record,
                    reviewer=world["coordinator"],
                    decision=ReviewDecision.RETURNED,
                    comments=f"Comment {number}",
                )
            )
        session.commit()

    def queries() -> dict[str, int]:
        found = {}
        for role, browser in readers.items():
            with count_queries() as counter:
                response = browser.client.get(f"/practices/{record.id}")
            assert response.status_code == 200
            found[role] = counter.count
        return found

    grow(2)
    small = queries()
    grow(20)
    large = queries()
    assert "Comment 19" in main_of(readers["coordinator"].client.get(f"/practices/{record.id}"))
    assert large == small


def test_saving_keeps_a_retired_theme_and_a_closed_challenge(app, session, world):
    """What is filed under a theme keeps it: editing a practice after its theme was retired
    (or its challenge closed) and saving it unchanged loses neither."""
    record = practice(session, world, PracticeStatus.DRAFT)
    record.themes = [world["digital"]]
    record.challenges = [world["accepted"]]
    session.commit()
    world["digital"].retired_at = record.created_at
    world["accepted"].status = ChallengeStatus.CLOSED
    session.commit()
    browser = as_(app, world["author"])
    edit = f"/practices/{record.id}/edit"
    form = main_of(browser.client.get(edit))
    assert "Digitalisation" in form and world["accepted"].title in form

    response = browser.post(
        edit,
        {
            **FORM,
            "theme_ids": [str(world["digital"].id)],
            "challenge_ids": [str(world["accepted"].id)],
        },
        page=edit,
    )

    assert response.status_code == 302
    session.expire_all()
    assert [t.id for t in record.themes] == [world["digital"].id]
    assert [c.id for c in record.challenges] == [world["accepted"].id]


# --- Withdrawing, publishing again, taking back --------------------------------------------------


def page_text(response) -> str:
    """The main part of a page as read: entities turned back into characters."""
    return html.unescape(main_of(response))


def test_withdrawing_is_confirmed_and_a_coordinator_publishes_it_again(app, session, world):
    record = practice(session, world)
    first_published = record.published_at
    session.commit()
    author = as_(app, world["author"])
    confirm = f"/practices/{record.id}/withdraw"

    # The practice's page links to a page that says what withdrawing does: no form acts at once.
    page = main_of(author.client.get(f"/practices/{record.id}"))
    assert f'<a class="button button-danger" href="{confirm}">' in page
    assert f'action="{confirm}"' not in page
    page = page_text(author.client.get(confirm))
    assert "takes the practice off the group's public pages" in page
    assert "Only the group's coordinators can publish it again." in page
    assert re.search(r'<input id="understood" name="understood" type="checkbox" value="y">\s*'
                     r'<label for="understood">I understand', page)  # fmt: skip

    # Not ticked, not sent with its token, or by someone else: nothing is written.
    before = counts(session)
    response = author.post(confirm, page=confirm)
    assert response.status_code == 400
    assert "Tick this box to withdraw the practice." in error_of(text(response), "understood")
    assert author.client.post(confirm, data={"understood": "y"}).status_code == 400
    colleague = as_(app, world["colleague"])
    assert colleague.client.get(confirm).status_code == 403
    assert colleague.post(confirm, {"understood": "y"}, page="/").status_code == 403
    assert counts(session) == before
    assert record.status is PracticeStatus.PUBLISHED

    response = author.post(confirm, {"understood": "y"}, page=confirm)
    assert response.status_code == 302
    session.expire_all()
    assert record.status is PracticeStatus.WITHDRAWN
    assert as_(app).client.get(f"/practices/{record.id}").status_code == 404
    page = page_text(author.client.get(f"/practices/{record.id}"))
    assert "The practice is withdrawn" in page
    assert "Only the group's coordinators can publish it again." in page
    assert "Publish again" not in page and "Withdraw…" not in page

    # Pressed again (or the page reloaded): said so, nothing written.
    before = counts(session)
    response = author.post(confirm, {"understood": "y"}, page="/")
    assert response.status_code == 400
    assert "This practice is already withdrawn." in text(response)
    response = author.client.get(confirm, follow_redirects=True)
    assert "This practice is already withdrawn." in page_text(response)
    assert counts(session) == before

    # Its coordinators publish it again; its author cannot, nor another group's coordinator.
    again = f"/practices/{record.id}/publish-again"
    elsewhere = make_user(session, name="Otto Other", email="otto@example.org")
    make_membership(session, elsewhere, world["other"], role=Role.COORDINATOR)
    session.commit()
    before = counts(session)
    assert author.post(again, page="/").status_code == 403
    assert as_(app, elsewhere).post(again, page="/").status_code == 403
    coordinator = as_(app, world["coordinator"])
    assert coordinator.client.post(again).status_code == 400  # no CSRF token
    assert counts(session) == before
    page = main_of(coordinator.client.get(f"/practices/{record.id}"))
    assert f'action="{again}"' in page and "Publish again" in page

    response = coordinator.post(again, page="/")
    assert response.status_code == 302
    session.expire_all()
    assert record.status is PracticeStatus.PUBLISHED
    assert record.withdrawn_at is None
    assert record.published_at == first_published  # withdrawing is undone, not a new date
    assert "Innovation vouchers" in main_of(as_(app).client.get(LIST))
    assert "published again" in page_text(coordinator.client.get(f"/practices/{record.id}"))
    actions = session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.record_type == "good_practices", AuditEntry.record_id == str(record.id)
        )
    ).all()
    assert actions == ["practice.withdrawn", "practice.republished"]
    mail = session.scalars(select(OutboxMessage)).one()
    assert mail.recipient == "aino@example.org" and mail.kind == "practice_republished"
    assert "published your good practice “Innovation vouchers" in mail.body_text
    assert f"http://cop.test/practices/{record.id}" in mail.body_text

    # Pressed again: the practice's page, saying so, nothing written; a draft is reviewed,
    # not published again.
    before = counts(session)
    response = coordinator.post(again, page="/")
    assert response.status_code == 409
    assert "This practice is already published." in text(response)
    assert "<h1>Innovation vouchers" in text(response)
    draft = practice(session, world, PracticeStatus.DRAFT)
    session.commit()
    before = counts(session)
    response = coordinator.post(f"/practices/{draft.id}/publish-again", page="/")
    assert response.status_code == 409
    assert "Only a withdrawn practice is published again" in text(response)
    assert counts(session) == before


def test_its_author_takes_a_submitted_practice_back_to_edit_it(app, session, world):
    record = practice(session, world, PracticeStatus.SUBMITTED)
    session.commit()
    take_back = f"/practices/{record.id}/take-back"
    author = as_(app, world["author"])
    coordinator = as_(app, world["coordinator"])
    assert "Take it back to edit" in main_of(author.client.get(f"/practices/{record.id}"))
    assert "Take it back to edit" not in main_of(coordinator.client.get(f"/practices/{record.id}"))

    # Another member does not see it; a coordinator returns it instead; a token is needed.
    before = counts(session)
    assert as_(app, world["colleague"]).post(take_back, page="/").status_code == 404
    response = coordinator.post(take_back, page="/")
    assert response.status_code == 403
    assert "Only its author takes a practice back" in text(response)
    assert author.client.post(take_back).status_code == 400
    assert (
        as_(app, world["author"]).post("/practices/999999/take-back", page="/").status_code == 404
    )
    assert counts(session) == before

    response = author.post(take_back, page="/")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/practices/{record.id}/edit"
    session.expire_all()
    assert record.status is PracticeStatus.DRAFT
    assert record.submitted_at is None
    page = page_text(author.client.get(response.headers["Location"]))
    assert "The practice is a draft again" in page and 'value="Innovation vouchers' in page
    assert counts(session)[3:] == (before[3] + 1, before[4])  # audited; no one emailed
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "practice.taken_back"
    # The review page the coordinators were emailed says it no longer waits.
    review = page_text(coordinator.client.get(f"/practices/{record.id}/review"))
    assert "This practice is not waiting for review" in review

    # Pressed again (or on a stale page): the practice's page, saying so, nothing written; a
    # reviewed practice is not taken back.
    before = counts(session)
    response = author.post(take_back, page="/")
    assert response.status_code == 409
    assert "This practice is not with the coordinators" in text(response)
    assert "<h1>" in text(response) and "Take it back to edit" not in text(response)
    published = practice(session, world)
    session.commit()
    before = counts(session)
    response = author.post(f"/practices/{published.id}/take-back", page="/")
    assert response.status_code == 409
    assert "already reviewed" in text(response)
    assert counts(session) == before


def test_an_old_edit_link_leads_to_the_practice_saying_why(app, session, world):
    """The "returned" email links to the form; once resubmitted, the link shows the practice."""
    submitted = practice(session, world, PracticeStatus.SUBMITTED)
    published = practice(session, world, title="Published one")
    withdrawn = practice(session, world, PracticeStatus.WITHDRAWN, title="Withdrawn one")
    session.commit()
    author = as_(app, world["author"])
    for record, message in (
        (submitted, "This practice is with the coordinators: take it back from its page to edit"),
        (published, "This practice is published: only the group's coordinators can change it."),
        (withdrawn, "This practice was withdrawn: it can no longer be edited."),
    ):
        for path in (f"/practices/{record.id}/edit", f"/practices/{record.id}/links"):
            response = author.client.get(path)
            assert response.status_code == 302, path
            assert response.headers["Location"] == f"/practices/{record.id}"
            assert message in page_text(author.client.get(response.headers["Location"]))
    # Coordinators still edit a submitted practice; someone else's is not there.
    assert (
        as_(app, world["coordinator"]).client.get(f"/practices/{submitted.id}/edit").status_code
        == 200
    )
    assert (
        as_(app, world["colleague"]).client.get(f"/practices/{submitted.id}/edit").status_code
        == 404
    )
    # A POST is still refused, and nothing written.
    before = counts(session)
    response = author.post(f"/practices/{submitted.id}/edit", FORM, page="/")
    assert response.status_code == 400
    assert counts(session) == before


def test_reloading_a_refused_submission_goes_back_to_the_form(app, session, world):
    record = practice(session, world, PracticeStatus.DRAFT, evidence="")
    session.commit()
    author = as_(app, world["author"])
    submit = f"/practices/{record.id}/submit"
    assert author.post(submit, page="/").status_code == 400
    response = author.client.get(submit)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/practices/{record.id}/edit"
    page = author.client.get(response.headers["Location"])
    assert page.status_code == 200 and 'value="Innovation vouchers' in text(page)
    # Someone else's practice is still not there.
    colleague = as_(app, world["colleague"])
    assert colleague.client.get(submit, follow_redirects=True).status_code == 404


# --- Times, form markup, downloads ----------------------------------------------------------------


def test_practice_times_are_shown_in_the_groups_zone(app, session, world):
    """As on a challenge's history: in the group's time zone, not UTC."""
    world["group"].timezone = "Europe/Helsinki"
    instant = datetime(2026, 11, 26, 0, 50, tzinfo=UTC)
    record = practice(session, world)
    record.published_at = instant
    session.add(
        PracticeReview(
            practice=record,
            reviewer=world["coordinator"],
            decision=ReviewDecision.PUBLISHED,
            comments="Fine.",
            created_at=instant - timedelta(hours=1),
        )
    )
    session.commit()
    page = main_of(as_(app, world["author"]).client.get(f"/practices/{record.id}"))
    assert "26 November 2026, 02:50 (Europe/Helsinki)" in page  # published
    assert "26 November 2026, 01:50 (Europe/Helsinki)" in page  # reviewed
    assert "(UTC)" not in page
    assert '<time datetime="2026-11-26T00:50:00+00:00">' in page


def test_theme_and_challenge_boxes_sit_beside_their_labels(app, session, world):
    browser = as_(app, world["author"])
    page = main_of(browser.client.get("/groups/innovation-diffusion/practices/new"))
    for name, legend, choice in (
        ("theme_ids", "Themes", world["digital"]),
        ("challenge_ids", "Challenges it answers", world["accepted"]),
    ):
        fieldset = re.search(rf'<fieldset class="field checkboxes" id="{name}".*?</fieldset>', page,
                             re.S).group(0)  # fmt: skip
        assert f"<legend>{legend}</legend>" in fieldset
        assert "<ul" not in fieldset
        boxes = re.findall(
            rf'<div class="field-check"><input id="({name}-\d+)" name="{name}" type="checkbox"'
            rf' value="(\d+)"> <label for="\1">([^<]*)</label></div>',
            fieldset,
        )
        assert (str(choice.id), getattr(choice, "name", None) or choice.title) in [
            (value, label) for _, value, label in boxes
        ]
    # Refused, a box keeps its tick and the fieldset its error.
    response = browser.post(
        "/groups/innovation-diffusion/practices/new",
        {**FORM, "title": "", "theme_ids": str(world["digital"].id)},
        page="/",
    )
    assert response.status_code == 400
    assert re.search(rf'value="{world["digital"].id}" checked|checked[^>]*value="{world["digital"].id}"',
                     text(response))  # fmt: skip


def test_a_text_file_is_served_with_one_charset(app, session, world):
    record = practice(session, world, PracticeStatus.DRAFT)
    session.commit()
    author = as_(app, world["author"])
    assert (
        upload(author, record, "region;score\nCataluña;3\n".encode(), "data.csv").status_code == 302
    )
    assert upload(author, record, "Régions\n".encode("latin-1"), "old.csv").status_code == 302
    session.expire_all()
    utf8, latin = sorted(record.links, key=lambda item: item.id)
    response = author.client.get(f"/practice-links/{utf8.id}/file")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.decode() == "region;score\nCataluña;3\n"
    assert response.headers["Cache-Control"] == "private, no-store"
    response = author.client.get(f"/practice-links/{latin.id}/file")
    assert response.headers["Content-Type"] == "text/csv"
