"""Accounts: sign-up, confirmation, password reset, and one's own profile, password and email."""

from __future__ import annotations

import re
import time

import pytest
from itsdangerous.timed import TimestampSigner
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from cop.audit.models import AuditEntry
from cop.auth.services.recovery import reset_token
from cop.auth.services.signup import confirmation_token
from cop.mail.models import OutboxMessage
from cop.members.models import Helix, Organisation, OrganisationKind, User
from tests.conftest import PASSWORD
from tests.factories import make_organisation, make_user

NEW_PASSWORD = "plenary meetings twice a year"
LINK = re.compile(r"http://cop\.test(/account/[\w/.-]+)")


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def outbox_to(session, address: str) -> list[OutboxMessage]:
    session.expire_all()
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == address)
            .order_by(OutboxMessage.id)
        )
    )


def link_in(message: OutboxMessage) -> str:
    match = LINK.search(message.body_text)
    assert match, message.body_text
    assert match.group(0) in message.body_html
    return match.group(1)


def error_of(page: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page, re.S)
    assert match, f"no error next to {field}"
    return match.group(1)


def user_by_email(session, address: str) -> User | None:
    session.expire_all()
    return session.scalar(select(User).where(User.email == address))


def audit_actions(session, user: User) -> list[str]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.record_type == "users", AuditEntry.record_id == str(user.id))
            .order_by(AuditEntry.id)
        )
    )


@pytest.fixture
def organisation(session):
    organisation = make_organisation(session, name="Université de Liège", region_code="BE33")
    session.commit()
    return organisation


def signup_data(chosen: Organisation | None, **overrides) -> dict[str, str]:
    data = {
        "name": "Inès Innovation",
        "email": "Ines@Example.org",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
        "organisation": str(chosen.id) if chosen else "",
        "organisation_name": "",
        "helix": "",
        "kind": "",
        "region": "",
        "website": "",
        "position": "Innovation officer",
        "expertise": "Technology transfer to SMEs",
        "language": "fr",
        "timezone": "Europe/Paris",
        "listed": "y",
        "next": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def past_token(monkeypatch, make, seconds_ago: int) -> str:
    """A token signed `seconds_ago` seconds ago, as if it had been emailed back then."""
    then = int(time.time()) - seconds_ago
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: then)
        return make()


# -- sign-up


def test_sign_up_creates_an_unconfirmed_account_and_emails_a_link(browser, session, organisation):
    response = browser.post("/account/signup", signup_data(organisation))

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/login"
    person = user_by_email(session, "ines@example.org")
    assert person.name == "Inès Innovation"
    assert person.organisation_id == organisation.id
    assert (person.position, person.expertise) == (
        "Innovation officer",
        "Technology transfer to SMEs",
    )
    assert (person.language, person.timezone, person.listed) == ("fr", "Europe/Paris", True)
    assert person.email_confirmed_at is None
    assert person.password_hash.startswith("scrypt:")
    assert check_password_hash(person.password_hash, NEW_PASSWORD)
    [message] = outbox_to(session, "ines@example.org")
    # She chose French: her email is in French.
    assert (
        message.subject == "Confirmez votre adresse électronique pour la S3 Community of Practice"
    )
    assert link_in(message).startswith("/account/confirm/")
    assert "dans un délai de 3 jours" in message.body_text
    assert "Inès Innovation" in message.body_text
    assert audit_actions(session, person) == ["user.signed_up"]
    page = browser.client.get("/account/login").get_data(as_text=True)
    assert "We have sent a link to ines@example.org" in page


def test_consent_to_be_listed_is_unchecked_by_default(client):
    page = client.get("/account/signup").get_data(as_text=True)

    checkbox = re.search(r'<input[^>]*name="listed"[^>]*>', page).group(0)
    assert "checked" not in checkbox
    assert "appear on the public page of each working group you join" in page


def test_sign_up_without_consent_is_not_listed(browser, session, organisation):
    browser.post("/account/signup", signup_data(organisation, listed=None))

    assert user_by_email(session, "ines@example.org").listed is False


def test_the_sign_up_page_prefills_the_email_and_keeps_next(client):
    page = client.get("/account/signup?email=guest%40example.org&next=/groups/x/").get_data(
        as_text=True
    )

    assert 'value="guest@example.org"' in page
    assert 'name="next" type="hidden" value="/groups/x/"' in page


def test_a_signed_in_person_is_sent_on_from_the_sign_up_page(browser, user):
    browser.login(user)

    response = browser.client.get("/account/signup?next=/privacy")

    assert response.status_code == 302
    assert response.headers["Location"] == "/privacy"


def test_proposing_a_new_organisation_at_sign_up(browser, session):
    data = signup_data(
        None,
        organisation_name="Agència per a la Competitivitat",
        helix="public_authority",
        kind="innovation_agency",
        region="ES51",
        website="https://www.accio.example",
    )

    response = browser.post("/account/signup", data)

    assert response.status_code == 302
    person = user_by_email(session, "ines@example.org")
    proposed = person.organisation
    assert proposed.name == "Agència per a la Competitivitat"
    assert proposed.proposed is True
    assert (proposed.helix, proposed.kind) == (
        Helix.PUBLIC_AUTHORITY,
        OrganisationKind.INNOVATION_AGENCY,
    )
    assert (proposed.region_code, proposed.website) == ("ES51", "https://www.accio.example")
    entry = session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "organisation.proposed", AuditEntry.record_id == str(proposed.id)
        )
    )
    assert entry.actor_id == person.id


# -- bad input at sign-up: the message is next to the field, and nothing is written


BAD_SIGNUPS = [
    ("email", {"email": "UMA@EXAMPLE.ORG"}, "An account already uses this email address"),
    ("email", {"email": "not an email"}, "Enter a valid email address"),
    ("email", {"email": "a@" + "b" * 260 + ".org"}, "Field cannot be longer than 254"),
    ("password", {"password": "short", "confirm": "short"}, "Use at least 10 characters"),
    (
        "password",
        {"password": "PassWord1234", "confirm": "PassWord1234"},
        "one of the most common ones",
    ),
    ("confirm", {"confirm": "plenary meetings twice a yeah"}, "The two passwords do not match"),
    ("name", {"name": "x" * 201}, "Field cannot be longer than 200"),
    ("name", {"name": "   "}, "This field is required"),
    ("position", {"position": "p" * 201}, "Field cannot be longer than 200"),
    ("expertise", {"expertise": "e" * 5001}, "Field cannot be longer than 5000"),
    ("timezone", {"timezone": "Mars/Olympus_Mons"}, "Choose a time zone such as Europe/Brussels"),
    ("language", {"language": "xx"}, "Choose one of the languages in the list"),
    ("organisation", {"organisation": ""}, "Choose your organisation from the list"),
    ("organisation", {"organisation": "999999999"}, "Choose an organisation from the list."),
    ("organisation", {"organisation": "1 OR 1=1"}, "Choose an organisation from the list."),
    (
        "organisation",
        {"organisation_name": "Another one", "helix": "business", "kind": "sme", "region": "BE10"},
        "not both",
    ),
    (
        "organisation_name",
        {
            "organisation": "",
            "organisation_name": "UNIVERSITÉ DE LIÈGE",
            "helix": "academia_research",
            "kind": "university",
            "region": "BE33",
        },
        "is already listed",
    ),
    (
        "helix",
        {
            "organisation": "",
            "organisation_name": "New Org",
            "helix": "fifth",
            "kind": "sme",
            "region": "BE10",
        },
        "strand of the helix",
    ),
    (
        "region",
        {
            "organisation": "",
            "organisation_name": "New Org",
            "helix": "business",
            "kind": "sme",
            "region": "XX99",
        },
        "Choose the region",
    ),
    (
        "website",
        {
            "organisation": "",
            "organisation_name": "New Org",
            "helix": "business",
            "kind": "sme",
            "region": "BE10",
            "website": "javascript:alert(1)",
        },
        "Enter the web address in full",
    ),
]


@pytest.mark.parametrize(
    ("field", "overrides", "message"),
    BAD_SIGNUPS,
    ids=[f"{f}-{m[:20]}" for f, _o, m in BAD_SIGNUPS],
)
def test_bad_sign_up_input_is_refused_next_to_its_field_and_writes_nothing(
    browser, session, user, organisation, field, overrides, message
):
    before = (count(session, User), count(session, Organisation), count(session, OutboxMessage))
    audit_before = count(session, AuditEntry)

    response = browser.post("/account/signup", signup_data(organisation, **overrides))

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in error_of(page, field)
    assert 'class="error-summary"' in page
    after = (count(session, User), count(session, Organisation), count(session, OutboxMessage))
    assert after == before
    assert count(session, AuditEntry) == audit_before


def test_html_in_a_name_is_stored_raw_and_shown_escaped(browser, session, organisation):
    name = "<script>alert('x')</script> <b>Bold</b>"
    browser.post("/account/signup", signup_data(organisation, name=name))
    person = user_by_email(session, "ines@example.org")
    assert person.name == name
    [message] = outbox_to(session, "ines@example.org")
    assert "<script>" not in message.body_html and "&lt;script&gt;" in message.body_html

    browser.client.get(link_in(message))
    page = browser.client.get("/account/profile").get_data(as_text=True)

    assert "<script>alert" not in page and "<b>Bold</b>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page


# -- confirmation


def test_the_confirmation_link_logs_in_and_lands_on_next(browser, session, organisation):
    browser.post("/account/signup", signup_data(organisation, next="/privacy"))
    [message] = outbox_to(session, "ines@example.org")

    response = browser.client.get(link_in(message))

    assert response.status_code == 302
    assert response.headers["Location"] == "/privacy"
    person = user_by_email(session, "ines@example.org")
    assert person.email_confirmed_at is not None
    assert audit_actions(session, person) == ["user.signed_up", "user.email_confirmed"]
    assert "Inès Innovation" in browser.client.get("/").get_data(as_text=True)


def test_next_never_leads_to_another_site(browser, session, organisation):
    browser.post("/account/signup", signup_data(organisation, next="https://evil.example/"))
    [message] = outbox_to(session, "ines@example.org")

    assert browser.client.get(link_in(message)).headers["Location"] == "/"


def test_a_used_confirmation_link_is_refused_with_a_resend_form(browser, session, organisation):
    browser.post("/account/signup", signup_data(organisation))
    link = link_in(outbox_to(session, "ines@example.org")[0])
    browser.client.get(link)
    confirmed_at = user_by_email(session, "ines@example.org").email_confirmed_at
    browser.logout()

    response = browser.client.get(link)

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This link has already been used" in page
    assert 'action="/account/resend-confirmation"' in page
    assert user_by_email(session, "ines@example.org").email_confirmed_at == confirmed_at
    assert "Log out" not in page


def test_an_expired_confirmation_link_is_refused(app, browser, session, monkeypatch):
    person = make_user(session, email="late@example.org", confirmed=False)
    session.commit()
    with app.test_request_context():
        token = past_token(monkeypatch, lambda: confirmation_token(person), 4 * 24 * 3600)

    response = browser.client.get(f"/account/confirm/{token}")

    assert response.status_code == 400
    assert "This link has expired" in response.get_data(as_text=True)
    assert user_by_email(session, "late@example.org").email_confirmed_at is None


def test_a_tampered_confirmation_link_is_refused(app, browser, session):
    person = make_user(session, email="late@example.org", confirmed=False)
    other = make_user(session, email="other@example.org", confirmed=False)
    session.commit()
    with app.test_request_context():
        token = confirmation_token(person)
        other_token = confirmation_token(other)
    payload, timestamp, signature = token.split(".")
    forged = ".".join([other_token.split(".")[0], timestamp, signature])

    for bad in (token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), forged, "garbage"):
        response = browser.client.get(f"/account/confirm/{bad}")
        assert response.status_code == 400
        assert "This link is not valid" in response.get_data(as_text=True)
    assert user_by_email(session, "late@example.org").email_confirmed_at is None
    assert user_by_email(session, "other@example.org").email_confirmed_at is None


def test_an_unconfirmed_account_cannot_log_in_and_is_offered_a_new_link(browser, session):
    make_user(session, email="late@example.org", confirmed=False)
    session.commit()

    response = browser.post("/account/login", {"email": "late@example.org", "password": PASSWORD})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Your email address is not confirmed yet" in error_of(page, "email")
    assert "/account/resend-confirmation?email=late@example.org" in page
    assert "Log out" not in browser.client.get("/").get_data(as_text=True)


def test_asking_for_a_new_confirmation_link_gives_one_answer_whoever_asks(browser, session, user):
    make_user(session, email="late@example.org", confirmed=False)
    session.commit()
    answers = []
    for address in ("late@example.org", "nobody@example.org", user.email):
        response = browser.post("/account/resend-confirmation", {"email": address})
        assert response.status_code == 302
        page = browser.client.get("/account/login").get_data(as_text=True)
        # CSRF tokens carry a timestamp; everything else must be the same.
        page = re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "CSRF", page)
        answers.append(page.replace(address, "ADDRESS"))

    assert answers[0] == answers[1] == answers[2]
    assert "we have sent a new link to it" in answers[0]
    assert len(outbox_to(session, "late@example.org")) == 1
    assert outbox_to(session, "nobody@example.org") == []
    assert outbox_to(session, user.email) == []
    new_link = link_in(outbox_to(session, "late@example.org")[0])
    assert browser.client.get(new_link).status_code == 302
    assert user_by_email(session, "late@example.org").email_confirmed_at is not None


def test_asking_for_a_link_with_an_invalid_address_says_so(browser, session):
    response = browser.post("/account/resend-confirmation", {"email": "nonsense"})

    assert response.status_code == 400
    assert "Enter a valid email address" in error_of(response.get_data(as_text=True), "email")


# -- password reset


def test_password_reset_by_a_single_use_link(browser, session, user):
    response = browser.post("/account/reset", {"email": "UMA@example.org"})
    assert response.status_code == 302
    [message] = outbox_to(session, user.email)
    link = link_in(message)
    assert "2 hours" in message.body_text
    assert "choose a new password" in browser.client.get(link).get_data(as_text=True).lower()

    response = browser.post(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/login"
    person = user_by_email(session, user.email)
    assert check_password_hash(person.password_hash, NEW_PASSWORD)
    assert person.session_version == 2
    assert audit_actions(session, person) == ["user.password_reset"]
    again = browser.client.get(link)
    assert again.status_code == 400
    assert "This link has already been used" in again.get_data(as_text=True)
    browser.login(person, NEW_PASSWORD)


def test_a_reset_logs_out_every_other_session(app, browser, session, user):
    from tests.conftest import Browser

    elsewhere = Browser(app.test_client())
    elsewhere.login(user)
    with app.test_request_context():
        token = reset_token(user)

    browser.post(f"/account/reset/{token}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert "Uma User" not in elsewhere.client.get("/").get_data(as_text=True)


def test_asking_for_a_reset_gives_one_answer_whether_or_not_the_account_exists(
    browser, session, user
):
    closed = make_user(session, email="closed@example.org")
    closed.closed_at = closed.created_at
    session.commit()
    answers = []
    for address in (user.email, "nobody@example.org", "closed@example.org"):
        assert browser.post("/account/reset", {"email": address}).status_code == 302
        page = browser.client.get("/account/login").get_data(as_text=True)
        # CSRF tokens carry a timestamp; everything else must be the same.
        page = re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "CSRF", page)
        answers.append(page.replace(address, "ADDRESS"))

    assert answers[0] == answers[1] == answers[2]
    assert len(outbox_to(session, user.email)) == 1
    assert outbox_to(session, "nobody@example.org") == []
    assert outbox_to(session, "closed@example.org") == []


def test_an_expired_reset_link_is_refused(app, browser, session, user, monkeypatch):
    with app.test_request_context():
        token = past_token(monkeypatch, lambda: reset_token(user), 2 * 3600 + 60)

    response = browser.client.get(f"/account/reset/{token}")
    assert response.status_code == 400
    assert "This link has expired" in response.get_data(as_text=True)
    response = browser.post(
        f"/account/reset/{token}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 400
    assert check_password_hash(user_by_email(session, user.email).password_hash, PASSWORD)


def test_a_tampered_reset_link_is_refused(app, browser, session, user):
    with app.test_request_context():
        token = reset_token(user)
    bad = token[:-3] + ("xyz" if not token.endswith("xyz") else "abc")

    response = browser.post(
        f"/account/reset/{bad}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )

    assert response.status_code == 400
    assert "This link is not valid" in response.get_data(as_text=True)
    assert check_password_hash(user_by_email(session, user.email).password_hash, PASSWORD)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"password": "too short", "confirm": "too short"}, "password", "at least 10"),
        ({"password": "qwertyuiop", "confirm": "qwertyuiop"}, "password", "most common"),
        ({"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"}, "confirm", "do not match"),
    ],
)
def test_a_bad_new_password_is_refused_and_the_link_still_works(
    app, browser, session, user, data, field, message
):
    with app.test_request_context():
        token = reset_token(user)

    response = browser.post(f"/account/reset/{token}", data)

    assert response.status_code == 400
    assert message in error_of(response.get_data(as_text=True), field)
    person = user_by_email(session, user.email)
    assert check_password_hash(person.password_hash, PASSWORD)
    assert person.session_version == 1
    assert browser.client.get(f"/account/reset/{token}").status_code == 200


def test_a_reset_confirms_an_unconfirmed_address(app, browser, session):
    person = make_user(session, email="late@example.org", confirmed=False)
    session.commit()
    with app.test_request_context():
        token = reset_token(person)

    browser.post(f"/account/reset/{token}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert user_by_email(session, "late@example.org").email_confirmed_at is not None


# -- one's own profile


def test_editing_the_profile_saves_it_and_audits(browser, session, user, organisation):
    browser.login(user)
    page = browser.client.get("/account/profile").get_data(as_text=True)
    assert 'value="Uma User"' in page

    response = browser.post(
        "/account/profile",
        {
            "name": "Uma Userová",
            "organisation": str(organisation.id),
            "position": "Head of unit",
            "expertise": "Smart specialisation",
            "language": "de",
            "timezone": "Europe/Prague",
            "listed": "y",
        },
        page="/account/profile",
    )

    assert response.status_code == 302
    person = user_by_email(session, user.email)
    assert (person.name, person.organisation_id, person.position) == (
        "Uma Userová",
        organisation.id,
        "Head of unit",
    )
    assert (person.language, person.timezone, person.listed) == ("de", "Europe/Prague", True)
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "user.profile_updated"))
    assert entry.actor_id == user.id
    assert entry.after["listed"] is True and entry.after["timezone"] == "Europe/Prague"
    # The former name stays in the account's own log, which closing the account scrubs.
    assert "name" in entry.summary
    assert (entry.before["name"], entry.after["name"]) == ("Uma User", "Uma Userová")
    assert 'lang="de"' in browser.client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"timezone": "Europe/Atlantis"}, "timezone", "Choose a time zone"),
        ({"language": "tlh"}, "language", "Choose one of the languages"),
        ({"name": "n" * 201}, "name", "longer than 200"),
        ({"organisation": "424242424"}, "organisation", "Choose an organisation from the list."),
    ],
)
def test_bad_profile_input_is_refused_and_nothing_changes(
    browser, session, user, organisation, overrides, field, message
):
    browser.login(user)
    audit_before = count(session, AuditEntry)
    data = {
        "name": "Changed Name",
        "organisation": str(organisation.id),
        "language": "en",
        "timezone": "Europe/Brussels",
        "listed": "y",
        **overrides,
    }

    response = browser.post("/account/profile", data, page="/account/profile")

    assert response.status_code == 400
    assert message in error_of(response.get_data(as_text=True), field)
    person = user_by_email(session, user.email)
    assert (person.name, person.listed, person.organisation_id) == ("Uma User", False, None)
    assert count(session, AuditEntry) == audit_before


def test_withdrawing_consent_unlists_the_person(browser, session, organisation):
    person = make_user(session, email="listed@example.org", listed=True, organisation=organisation)
    session.commit()
    browser.login(person)

    browser.post(
        "/account/profile",
        {
            "name": person.name,
            "organisation": str(organisation.id),
            "language": "en",
            "timezone": "Europe/Brussels",
        },
        page="/account/profile",
    )

    assert user_by_email(session, "listed@example.org").listed is False


# -- changing the password


def test_changing_the_password_keeps_this_session_and_ends_the_others(app, browser, session, user):
    from tests.conftest import Browser

    elsewhere = Browser(app.test_client())
    elsewhere.login(user)
    browser.login(user)

    response = browser.post(
        "/account/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        page="/account/password",
    )

    assert response.status_code == 302
    person = user_by_email(session, user.email)
    assert check_password_hash(person.password_hash, NEW_PASSWORD)
    assert "Uma User" in browser.client.get("/").get_data(as_text=True)
    assert "Uma User" not in elsewhere.client.get("/").get_data(as_text=True)
    assert audit_actions(session, person) == ["user.password_changed"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"current_password": "not my password"}, "current_password", "not your current password"),
        ({"password": "1234567890", "confirm": "1234567890"}, "password", "most common"),
        ({"password": "short", "confirm": "short"}, "password", "at least 10"),
        ({"confirm": "something else entirely"}, "confirm", "do not match"),
        ({"password": PASSWORD, "confirm": PASSWORD}, "password", "different from the current"),
    ],
)
def test_a_bad_password_change_is_refused(browser, session, user, data, field, message):
    browser.login(user)
    payload = {
        "current_password": PASSWORD,
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
        **data,
    }

    response = browser.post("/account/password", payload, page="/account/password")

    assert response.status_code == 400
    assert message in error_of(response.get_data(as_text=True), field)
    person = user_by_email(session, user.email)
    assert check_password_hash(person.password_hash, PASSWORD)
    assert person.session_version == 1


# -- changing the email address


def request_change(browser, address: str, password: str = PASSWORD):
    return browser.post(
        "/account/email",
        {"email": address, "current_password": password},
        page="/account/email",
    )


def test_a_new_email_address_counts_once_confirmed_by_its_link(app, browser, session, user):
    from tests.conftest import Browser

    elsewhere = Browser(app.test_client())
    elsewhere.login(user)
    browser.login(user)

    response = request_change(browser, "Uma.New@Example.org")

    assert response.status_code == 302
    assert user_by_email(session, "uma@example.org") is not None  # not changed yet
    [message] = outbox_to(session, "uma.new@example.org")
    [notice] = outbox_to(session, "uma@example.org")
    assert "uma.new@example.org" in notice.body_text
    link = link_in(message)

    response = browser.client.get(link)

    assert response.status_code == 302
    person = user_by_email(session, "uma.new@example.org")
    assert person.id == user.id and person.session_version == 2
    assert "Uma User" in browser.client.get("/").get_data(as_text=True)
    assert "Uma User" not in elsewhere.client.get("/").get_data(as_text=True)
    assert audit_actions(session, person) == ["user.email_change_requested", "user.email_changed"]
    assert "uma" not in " ".join(
        session.scalars(select(AuditEntry.summary).where(AuditEntry.record_id == str(user.id)))
    )
    again = browser.client.get(link)
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)


@pytest.mark.parametrize(
    ("address", "password", "field", "message"),
    [
        ("ADA@EXAMPLE.ORG", PASSWORD, "email", "Another account already uses this email address"),
        ("UMA@example.org", PASSWORD, "email", "already your email address"),
        ("not-an-address", PASSWORD, "email", "Enter a valid email address"),
        ("fresh@example.org", "wrong password!", "current_password", "not your current password"),
    ],
)
def test_a_bad_email_change_is_refused_and_sends_nothing(
    browser, session, user, admin, address, password, field, message
):
    browser.login(user)
    mails_before = count(session, OutboxMessage)

    response = request_change(browser, address, password)

    assert response.status_code == 400
    assert message in error_of(response.get_data(as_text=True), field)
    assert count(session, OutboxMessage) == mails_before
    assert user_by_email(session, "uma@example.org").session_version == 1


def test_an_email_change_link_is_refused_when_expired_tampered_or_the_address_was_taken(
    app, browser, session, user, monkeypatch
):
    from cop.auth.services.profile import _email_change_state
    from cop.auth.tokens import make_token

    def token_for(address):
        return make_token("change-email", user.id, _email_change_state(user, address), address)

    with app.test_request_context():
        expired = past_token(monkeypatch, lambda: token_for("late@example.org"), 25 * 3600)
        valid = token_for("taken@example.org")
    make_user(session, email="taken@example.org")
    session.commit()

    cases = [
        (expired, "This link has expired"),
        (valid[:-4] + "AAAA", "This link is not valid"),
        (valid, "Another account now uses this email address"),
    ]
    for token, message in cases:
        response = browser.client.get(f"/account/email/{token}")
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    person = user_by_email(session, "uma@example.org")
    assert person.session_version == 1


def test_the_account_pages_need_a_login(client):
    for path in ("/account/profile", "/account/password", "/account/email"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/account/login")


def test_the_login_page_links_to_sign_up_and_reset(client):
    page = client.get("/account/login?next=/groups/x/").get_data(as_text=True)

    assert 'href="/account/reset"' in page
    assert 'href="/account/signup?next=/groups/x/"' in page


def test_asking_again_and_again_cannot_flood_a_mailbox(browser, session, user):
    from cop.mail.models import OutboxMessage

    for _ in range(5):
        response = browser.post("/account/reset", {"email": user.email}, page="/account/reset")
        assert response.status_code == 302

    sent = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == user.email))
    assert len(list(sent)) == 1


def test_other_mail_does_not_hold_back_a_reset_link(app, browser, session, user):
    from cop.mail.messages import send_templated
    from cop.mail.models import OutboxMessage

    with app.test_request_context():
        send_templated(
            session,
            to=user.email,
            template="auth_email_change_requested",
            name=user.name,
            new_address="x@example.org",
            link="http://cop.test/account/reset",
        )
    session.commit()

    browser.post("/account/reset", {"email": user.email}, page="/account/reset")

    kinds = session.scalars(select(OutboxMessage.kind).where(OutboxMessage.recipient == user.email))
    assert sorted(kinds) == ["auth_email_change_requested", "auth_reset_password"]
