"""Your data: the page and the JSON download of everything cop holds about a person; closing an account."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from cop.audit.models import AuditEntry
from cop.audit.services import record_change
from cop.auth.models import LoginAttempt
from cop.db import utcnow
from cop.mail.models import OutboxMessage, OutboxStatus
from cop.mail.services import queue_email
from cop.members.models import Helix, Membership, MembershipStatus, Role, User
from tests.factories import make_group, make_membership, make_organisation, make_user

NAME = "Jana Nováková"
EMAIL = "jana.novakova@example.org"


@pytest.fixture
def jana(session, admin):
    """A listed member who applied, was approved, wrote changes, received and is due email."""
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    other = make_group(session, slug="industrial-transition", name="Industrial Transition")
    organisation = make_organisation(
        session, name="Jihomoravský kraj", helix=Helix.PUBLIC_AUTHORITY, region_code="CZ06"
    )
    person = make_user(session, name=NAME, email=EMAIL, organisation=organisation, listed=True)
    person.position = "Head of the regional innovation strategy"
    person.expertise = "Smart specialisation monitoring"
    coordinator = make_user(session, name="Cora Coordinator", email="cora@example.org")
    colleague = make_user(session, name="Max Member", email="max@example.org")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    make_membership(session, colleague, group)
    active = make_membership(
        session, person, group, motivation=f"I am {NAME}; I run the S3 monitoring of my region."
    )
    active.decision_note = "Welcome!"
    active.decided_by = coordinator
    active.decided_at = utcnow()
    applied = make_membership(
        session, person, other, status=MembershipStatus.APPLIED, motivation="Industry 4.0"
    )
    # Changes written the way the membership services write them, naming the person.
    record_change(
        session,
        actor=coordinator,
        action="membership.approved",
        record=active,
        summary=f"Approved {NAME} ({EMAIL}) in Innovation Diffusion",
        before={"status": "applied"},
        after={"status": "active"},
    )
    record_change(
        session,
        actor=person,
        action="user.profile_changed",
        record=person,
        summary=f"{NAME} changed their profile",
        before={"name": "Jana N.", "email": EMAIL, "position": "Analyst", "listed": False},
        after={
            "name": NAME,
            "email": EMAIL,
            "position": "Head of the regional innovation strategy",
            "listed": True,
        },
    )
    record_change(
        session,
        actor=None,
        action="group.note",
        record=group,
        summary="Analysis of the group's balance",  # "Ana..." must not be touched by name rules
    )
    sent = queue_email(
        session, to=f"{NAME} <{EMAIL}>", subject=f"Welcome, {NAME}", text=f"Dear {NAME}, ..."
    )
    sent.status, sent.sent_at = OutboxStatus.SENT, utcnow()
    pending = queue_email(
        session,
        to=EMAIL,
        subject="Plenary 3 is next week",
        text=f"Dear {NAME}, see you there.",
        html=f"<p>Dear {NAME}, see you there.</p>",
    )
    to_coordinator = queue_email(
        session,
        to="cora@example.org",
        subject=f"{NAME} applied to Industrial Transition",
        text=f"{NAME} <{EMAIL}> applied: Industry 4.0",
    )
    to_colleague = queue_email(
        session, to="max@example.org", subject="Private to Max", text="Max's own secret body"
    )
    session.add_all(
        [
            LoginAttempt(email=EMAIL, address="192.0.2.1", succeeded=False),
            LoginAttempt(email=EMAIL, address="192.0.2.1", succeeded=True),
            LoginAttempt(email="max@example.org", address="198.51.100.7", succeeded=True),
        ]
    )
    session.commit()
    return {
        "person": person,
        "group": group,
        "other": other,
        "coordinator": coordinator,
        "colleague": colleague,
        "active": active,
        "applied": applied,
        "sent": sent,
        "pending": pending,
        "to_coordinator": to_coordinator,
        "to_colleague": to_colleague,
    }


def page_of(response) -> str:
    return response.get_data(as_text=True)


# -- your data ----------------------------------------------------------------------------------


def test_the_page_shows_what_cop_holds(browser, jana):
    browser.login(jana["person"])

    response = browser.client.get("/account/data")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = page_of(response)
    assert page.count("<h1") == 1
    for expected in (
        NAME,
        EMAIL,
        "Head of the regional innovation strategy",
        "Jihomoravský kraj",
        "Public authorities",
        "Jihovýchod, Czechia",
        "I run the S3 monitoring of my region.",
        "Welcome!",
        "Cora Coordinator",
        "Application pending",
        "changed their profile",
        "Plenary 3 is next week",
        "Waiting to be sent",
        "192.0.2.1",
    ):
        assert expected in page, expected
    assert "Max&#39;s own secret body" not in page and "Private to Max" not in page
    assert "198.51.100.7" not in page
    assert 'href="/account/data.json"' in page
    assert 'action="/account/close"' in page


def test_the_download_holds_everything_about_the_person_and_nothing_of_others(browser, jana):
    browser.login(jana["person"])

    response = browser.client.get("/account/data.json")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["name"] == NAME
    assert data["profile"]["email"] == EMAIL
    assert data["profile"]["listed_publicly"] is True
    assert data["organisation"]["name"] == "Jihomoravský kraj"
    assert data["organisation"]["helix"] == "public_authority"
    memberships = {m["group"]: m for m in data["memberships"]}
    assert memberships["innovation-diffusion"]["status"] == "active"
    assert memberships["innovation-diffusion"]["motivation"].endswith("monitoring of my region.")
    assert memberships["innovation-diffusion"]["decision_note"] == "Welcome!"
    assert memberships["innovation-diffusion"]["decided_by"] == "Cora Coordinator"
    assert memberships["industrial-transition"]["status"] == "applied"
    # Changes the person made (not the coordinator's), and the changes to their account.
    assert [c["action"] for c in data["changes_you_made"]] == ["user.profile_changed"]
    assert data["changes_you_made"][0]["after"]["name"] == NAME
    assert [c["action"] for c in data["changes_to_your_account"]] == ["user.profile_changed"]
    # Mail addressed to them, bare or with their name; subjects only, never bodies.
    emails = {e["subject"]: e["status"] for e in data["emails_to_you"]}
    assert emails == {f"Welcome, {NAME}": "sent", "Plenary 3 is next week": "pending"}
    body = response.get_data(as_text=True)
    assert "see you there" not in body
    assert "Private to Max" not in body and "cora@example.org" not in body
    # The two of the fixture, and this test's own login (the test client's address).
    assert [(a["address"], a["succeeded"]) for a in data["login_attempts"]] == [
        ("192.0.2.1", False),
        ("192.0.2.1", True),
        ("127.0.0.1", True),
    ]


def test_your_data_is_for_signed_in_people(client):
    for path in ("/account/data", "/account/data.json"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/account/login")


# -- closing an account -------------------------------------------------------------------------


def close(browser, password: str = "correct horse battery staple", **extra):
    return browser.post("/account/close", {"password": password, **extra}, page="/account/data")


def snapshot(session, jana) -> dict:
    session.expire_all()
    person = session.get(User, jana["person"].id)
    return {
        "user": (
            person.name,
            person.email,
            person.position,
            person.password_hash,
            person.listed,
            person.active,
            person.closed_at,
            person.session_version,
        ),
        "memberships": sorted(
            (m.group_id, m.status.value, m.motivation)
            for m in session.scalars(select(Membership).where(Membership.user_id == person.id))
        ),
        "audit": sorted(
            (e.id, e.summary, json.dumps(e.before), json.dumps(e.after))
            for e in session.scalars(select(AuditEntry))
        ),
        "outbox": sorted(
            (m.id, m.recipient, m.subject, m.body_text, m.status.value)
            for m in session.scalars(select(OutboxMessage))
        ),
        "attempts": sorted((a.id, a.email) for a in session.scalars(select(LoginAttempt))),
    }


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("wrong password entirely", "This is not your current password."),
        ("", "Enter your current password."),
    ],
)
def test_closing_with_a_wrong_password_changes_nothing(browser, session, jana, password, message):
    browser.login(jana["person"])
    before = snapshot(session, jana)

    response = close(browser, password)

    assert response.status_code == 400
    page = page_of(response)
    assert f'<p class="error" id="password-error">{message}</p>' in page
    after = snapshot(session, jana)
    # A wrong password is only recorded as a failed attempt, which throttles guessing.
    new_attempts = [a for a in after.pop("attempts") if a not in before["attempts"]]
    assert new_attempts == ([] if not password else [(new_attempts[0][0], EMAIL)])
    before.pop("attempts")
    assert after == before
    assert browser.client.get("/account/data").status_code == 200  # still logged in


def test_closing_without_the_forms_token_changes_nothing(browser, session, jana):
    browser.login(jana["person"])
    before = snapshot(session, jana)

    response = browser.client.post(
        "/account/close", data={"password": "correct horse battery staple"}
    )

    assert response.status_code == 400
    assert snapshot(session, jana) == before


def test_closing_anonymises_the_person_and_keeps_the_groups_records(browser, session, jana):
    person_id = jana["person"].id
    session_version = jana["person"].session_version
    membership_count = len(session.scalars(select(Membership)).all())
    outbox_count = len(session.scalars(select(OutboxMessage)).all())
    browser.login(jana["person"])

    response = close(browser)

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Your account is closed." in page_of(browser.client.get("/"))
    # Logged out: private pages ask to log in again.
    assert browser.client.get("/account/data").headers["Location"].startswith("/account/login")

    session.expire_all()
    person = session.get(User, person_id)
    assert person.name == f"Former member #{person_id}"
    assert person.email == f"closed-{person_id}@invalid"
    assert (person.position, person.expertise, person.password_hash) == ("", "", None)
    assert (person.listed, person.active, person.is_admin) == (False, False, False)
    assert person.closed_at is not None
    assert person.session_version == session_version + 1
    # Memberships end but stay; no record of the group is deleted.
    statuses = {m.group.slug: m.status for m in person.memberships}
    assert statuses == {
        "innovation-diffusion": MembershipStatus.LEFT,
        "industrial-transition": MembershipStatus.LEFT,
    }
    assert len(session.scalars(select(Membership)).all()) == membership_count
    assert len(session.scalars(select(OutboxMessage)).all()) == outbox_count
    # Their pending mail is cancelled, not deleted; mail already sent stays sent.
    pending = session.get(OutboxMessage, jana["pending"].id)
    assert (pending.status, pending.last_error) == (OutboxStatus.FAILED, "account closed")
    assert pending.recipient == f"closed-{person_id}@invalid"
    assert session.get(OutboxMessage, jana["sent"].id).status is OutboxStatus.SENT
    # Mail to others stays due and as written: other people's records are never rewritten by
    # name (anyone could be called "the"); only the closed account's address leaves them.
    to_coordinator = session.get(OutboxMessage, jana["to_coordinator"].id)
    assert to_coordinator.status is OutboxStatus.PENDING
    assert to_coordinator.subject == "Jana Nováková applied to Industrial Transition"
    assert EMAIL not in to_coordinator.body_text
    to_colleague = session.get(OutboxMessage, jana["to_colleague"].id)
    assert to_colleague.body_text == "Max's own secret body"
    # The closure is in the audit log, as are the memberships it ended.
    actions = [
        e.action
        for e in session.scalars(
            select(AuditEntry).where(AuditEntry.actor_id == person_id).order_by(AuditEntry.id)
        )
    ]
    assert actions[-3:] == ["membership.left", "membership.left", "user.closed"]
    untouched = session.scalar(select(AuditEntry).where(AuditEntry.action == "group.note"))
    assert untouched.summary == "Analysis of the group's balance"
    profile_change = session.scalar(
        select(AuditEntry).where(AuditEntry.action == "user.profile_changed")
    )
    # The log keeps what changed (the consent), not who they were or what they did.
    assert profile_change.before == {
        "name": f"Former member #{person_id}",
        "position": "",
        "listed": False,
    }
    assert profile_change.after["position"] == "" and profile_change.after["listed"] is True
    # Login attempts no longer carry the email.
    emails = set(session.scalars(select(LoginAttempt.email)))
    assert EMAIL not in emails and f"closed-{person_id}@invalid" in emails
    # The old email and password no longer open anything.
    failed = browser.post(
        "/account/login", {"email": EMAIL, "password": "correct horse battery staple"}
    )
    assert failed.status_code == 400


def test_after_closing_no_page_export_or_email_shows_the_name_or_email(
    app, browser, session, jana, admin
):
    from tests.conftest import Browser

    person_id = jana["person"].id
    browser.login(jana["person"])
    assert close(browser).status_code == 302
    # Email queued later to the closed account goes to the anonymous address.
    session.expire_all()
    closed = session.get(User, person_id)
    closed_at = closed.closed_at
    queue_email(session, to=closed.email, subject=f"Hello {closed.name}", text="A later message")
    session.commit()

    def assert_gone(text: str, where: str) -> None:
        for secret in (NAME, EMAIL, "Nováková", "Jana", "Head of the regional innovation"):
            assert secret not in text, f"{secret!r} still in {where}"

    public = page_of(browser.client.get("/groups/innovation-diffusion/"))
    assert_gone(public, "the public group page")
    assert "2 active members." in public  # counts no longer include them
    assert browser.client.get(f"/people/{person_id}").status_code == 404

    colleague = Browser(app.test_client())
    colleague.login(jana["colleague"])
    assert_gone(page_of(colleague.client.get("/groups/innovation-diffusion/members/")), "directory")
    assert colleague.client.get(f"/people/{person_id}").status_code == 404

    administrator = Browser(app.test_client())
    administrator.login(admin)
    audit = page_of(administrator.client.get("/admin/audit"))
    assert_gone(audit, "the audit log page")
    assert f"Former member #{person_id}" in audit
    assert administrator.client.get(f"/people/{person_id}").status_code == 404

    for message in session.scalars(select(OutboxMessage)):
        outbox_row = " ".join(
            [message.recipient, message.subject, message.body_text, message.body_html or ""]
        )
        if message.recipient.startswith(f"closed-{person_id}@") or message.created_at > closed_at:
            assert_gone(outbox_row, f"outbox message {message.id}")
        assert EMAIL not in outbox_row, f"their address is still in outbox message {message.id}"
    for entry in session.scalars(select(AuditEntry)):
        assert_gone(
            " ".join([entry.summary, json.dumps(entry.before), json.dumps(entry.after)]),
            f"audit entry {entry.id}",
        )
        assert_gone(
            " ".join([entry.summary, str(entry.before), str(entry.after)]),
            f"audit entry {entry.id}",
        )
    for membership in session.scalars(select(Membership).where(Membership.user_id == person_id)):
        assert_gone(membership.motivation, "their motivation")


def test_closing_twice_is_refused(session, jana):
    from cop.errors import Conflict
    from cop.members.people import close_account

    person = jana["person"]
    close_account(session, person, person, "correct horse battery staple")
    with pytest.raises(Conflict):
        close_account(session, person, person, "correct horse battery staple")


def test_nobody_closes_someone_elses_account(session, jana, admin):
    from cop.errors import NotAllowed
    from cop.members.people import close_account

    with pytest.raises(NotAllowed):
        close_account(session, admin, jana["person"], "correct horse battery staple")
    session.refresh(jana["person"])
    assert jana["person"].closed_at is None


def test_html_in_names_is_escaped_on_the_data_page(browser, session):
    person = make_user(session, name='<script>alert("x")</script>')
    make_membership(session, person, make_group(session), motivation="<b>bold</b>")
    session.commit()
    browser.login(person)

    page = page_of(browser.client.get("/account/data"))

    assert '<script>alert("x")</script>' not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;" in page and "&lt;b&gt;bold&lt;/b&gt;" in page


def test_no_email_is_queued_for_a_closed_account_later(app, session):
    from sqlalchemy import func

    from cop.mail.messages import send_templated

    with app.test_request_context():
        result = send_templated(
            session,
            to="Former member #7 <closed-7@invalid>",
            template="membership_approved",
            group=make_group(session),
            applicant=make_user(session, name="Former member #7"),
            note="",
            group_url="http://cop.test/groups/x/",
        )

    assert result is None
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_closing_never_rewrites_other_peoples_records_by_name(browser, session):
    """A person called "the" closing their account must not touch other people's words."""
    group = make_group(session, name="The Group")
    coordinator = make_user(session, name="Cora the Coordinator")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    closer = make_user(session, name="the")
    make_membership(session, closer, group)
    other = queue_email(
        session, to="bob@example.org", subject="the agenda", text="Thank you for the minutes."
    )
    entry = record_change(
        session,
        actor=coordinator,
        action="group.renamed",
        record=group,
        summary="Renamed the group",
    )
    session.commit()

    browser.login(closer)
    assert close(browser).status_code == 302

    session.expire_all()
    assert session.get(OutboxMessage, other.id).body_text == "Thank you for the minutes."
    assert session.get(OutboxMessage, other.id).subject == "the agenda"
    assert session.get(AuditEntry, entry.id).summary == "Renamed the group"
    assert session.get(User, coordinator.id).name == "Cora the Coordinator"


def test_closing_cancels_mail_to_a_former_address_too(app, browser, session):
    from cop.auth.services import confirm_email_change, request_email_change

    person = make_user(session, name="Alice Mover", email="alice.old@example.org")
    session.commit()
    with app.test_request_context():
        request_email_change(
            session, person, "correct horse battery staple", "alice.new@example.org"
        )
        link = session.scalar(
            select(OutboxMessage.body_text).where(
                OutboxMessage.recipient == "alice.new@example.org"
            )
        )
        token = re.search(r"/account/email/(\S+)", link).group(1)
        confirm_email_change(session, token)
    late = queue_email(
        session, to="alice.old@example.org", subject="Reminder", text="Hi Alice Mover"
    )
    session.commit()

    browser.login(person)
    assert close(browser).status_code == 302

    session.expire_all()
    message = session.get(OutboxMessage, late.id)
    assert message.status is OutboxStatus.FAILED
    assert message.recipient == f"closed-{person.id}@invalid"
    assert "Alice Mover" not in message.body_text
    for entry in session.scalars(select(AuditEntry)):
        assert "alice.old@example.org" not in json.dumps([entry.summary, entry.before, entry.after])


def test_the_last_coordinator_hands_over_before_closing(browser, session):
    group = make_group(session, name="Lonely Group")
    coordinator = make_user(session, name="Last Coordinator")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    session.commit()
    browser.login(coordinator)

    response = close(browser)

    assert response.status_code == 400
    assert "You are the last coordinator of Lonely Group" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(User, coordinator.id).closed_at is None
