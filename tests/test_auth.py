"""Logging in and out, and making the first administrator."""

from __future__ import annotations

from sqlalchemy import select
from werkzeug.security import check_password_hash

from cop.audit.models import AuditEntry
from cop.members.models import User
from tests.conftest import PASSWORD
from tests.factories import make_user


def test_log_in_then_out(browser, user):
    response = browser.post(
        "/account/login", {"email": "UMA@example.org", "password": PASSWORD, "next": "/privacy"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/privacy"
    assert "Uma User" in browser.client.get("/").get_data(as_text=True)

    browser.logout()

    page = browser.client.get("/").get_data(as_text=True)
    assert "Uma User" not in page and "Log in" in page


def test_wrong_password_shows_one_vague_message_next_to_the_field(browser, user):
    response = browser.post("/account/login", {"email": user.email, "password": "not it at all"})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="password-error"' in page and "Wrong email or password." in page
    assert 'aria-invalid="true"' in page
    unknown = browser.post("/account/login", {"email": "ghost@example.org", "password": "x" * 12})
    assert "Wrong email or password." in unknown.get_data(as_text=True)


def test_missing_fields_are_marked(browser):
    response = browser.post("/account/login", {"email": "", "password": ""})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="email-error"' in page and 'id="password-error"' in page
    assert 'class="error-summary"' in page


def test_inactive_account_cannot_log_in(browser, session):
    person = make_user(session, email="gone@example.org", active=False)
    session.commit()

    response = browser.post("/account/login", {"email": person.email, "password": PASSWORD})

    assert response.status_code == 400


def test_login_never_redirects_to_another_site(browser, user):
    for target in ("https://evil.example.org/", "//evil.example.org/", "/\\evil.example.org"):
        response = browser.post(
            "/account/login", {"email": user.email, "password": PASSWORD, "next": target}
        )
        assert response.headers["Location"] == "/", target
        browser.logout()


def test_remember_me_sets_a_lasting_cookie(browser, user):
    response = browser.post(
        "/account/login", {"email": user.email, "password": PASSWORD, "remember": "y"}
    )
    assert "remember_token=" in " ".join(response.headers.getlist("Set-Cookie"))


def test_create_admin_command_hashes_the_password_and_audits(runner, session):
    result = runner.invoke(
        args=["cop", "create-admin", "--email", "Chair@Example.org", "--name", "Chair"],
        env={"COP_ADMIN_PASSWORD": "a long enough password"},
    )

    assert result.exit_code == 0, result.output
    assert "chair@example.org is an administrator." in result.output
    admin = session.scalar(select(User).where(User.email == "chair@example.org"))
    assert admin.is_admin and admin.active
    assert admin.password_hash.startswith("scrypt:")
    assert check_password_hash(admin.password_hash, "a long enough password")
    entry = session.scalar(select(AuditEntry).where(AuditEntry.record_id == str(admin.id)))
    assert entry.action == "user.created_admin"


def test_create_admin_refuses_a_short_password_and_writes_nothing(runner, session):
    result = runner.invoke(
        args=[
            "cop",
            "create-admin",
            "--email",
            "a@example.org",
            "--name",
            "A",
            "--password",
            "short",
        ]
    )

    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    assert session.scalar(select(User).where(User.email == "a@example.org")) is None


def test_create_admin_refuses_a_bad_email(runner, session):
    result = runner.invoke(
        args=[
            "cop",
            "create-admin",
            "--email",
            "not-an-email",
            "--name",
            "A",
            "--password",
            "x" * 12,
        ]
    )

    assert result.exit_code != 0
    assert "email" in result.output


def test_create_admin_refuses_an_overlong_name_and_writes_nothing(runner, session):
    result = runner.invoke(
        args=["cop", "create-admin", "--email", "long@example.org", "--name", "N" * 201],
        env={"COP_ADMIN_PASSWORD": "a long enough password"},
    )

    assert result.exit_code != 0
    assert "A name of 1 to 200 characters is needed." in result.output
    assert "scrypt" not in result.output
    assert session.scalar(select(User).where(User.email == "long@example.org")) is None


def test_create_admin_on_an_existing_account_resets_its_password_and_ends_other_sessions(
    runner, session
):
    person = make_user(session, email="promote@example.org", active=False)
    version = person.session_version
    session.commit()

    result = runner.invoke(
        args=["cop", "create-admin", "--email", "promote@example.org", "--name", "P"],
        env={"COP_ADMIN_PASSWORD": "another long password"},
    )

    assert result.exit_code == 0, result.output
    session.refresh(person)
    assert person.is_admin and person.active
    assert person.session_version == version + 1
    assert check_password_hash(person.password_hash, "another long password")
