"""Unsubscribing: emails of a kind people may stop carry a one-click link (RFC 8058) and a
footer; the link works without signing in, and forged, expired or other people's links change
nothing."""

from __future__ import annotations

import html
import time
from urllib.parse import urlsplit

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import func, select

from cop.auth.services.profile import _email_change_state, confirm_email_change
from cop.auth.tokens import make_token
from cop.mail.messages import _with_footer, send_templated
from cop.mail.models import DigestPeriod, MailOptOut, OutboxMessage
from cop.mail.preferences import UNSUBSCRIBE_LIFETIME, is_opted_out, unsubscribe_token
from cop.mail.services import build_email
from cop.members.models import User
from tests.factories import make_group, make_meeting, make_registration, make_user

REMINDERS = "reminders of the meetings you registered for"


@pytest.fixture
def ines(session):
    person = make_user(session, name="Ines", email="ines@example.org")
    session.commit()
    return person


def remind(app, session, person) -> OutboxMessage | None:
    """A meeting reminder to `person`, written as the reminder job writes it."""
    meeting = make_meeting(session, make_group(session), title="Kick-off in Brussels")
    registration = make_registration(session, meeting, person)
    with app.test_request_context():
        message = send_templated(
            session,
            to=person.email,
            template="meeting_reminder",
            language="en",
            name=person.name,
            meeting=meeting,
            registration=registration,
            cancel_url="http://cop.test/cancel",
        )
    session.commit()
    return message


def opt_outs(session) -> list[tuple[str, str]]:
    return [tuple(row) for row in session.execute(select(MailOptOut.address, MailOptOut.kind))]


def link_of(message: OutboxMessage) -> str:
    """The path of the message's one-click unsubscribe link."""
    header = message.headers["List-Unsubscribe"]
    assert header.startswith("<") and header.endswith(">")
    return urlsplit(header[1:-1]).path


def token_for(app, address: str, kind: str) -> str:
    with app.test_request_context():
        return unsubscribe_token(address, kind)


# --- The emails -----------------------------------------------------------------------------------


def test_an_email_people_may_stop_carries_one_click_unsubscribing_and_a_footer(app, session, ines):
    message = remind(app, session, ines)

    assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link_of(message).startswith("/unsubscribe/")
    body = message.body_text
    assert body.index("Kick-off in Brussels") < body.index("Stop these emails with one click:")
    # True also for the kinds on by default, which nobody chose.
    assert f"You get this email because we send you {REMINDERS}." in body
    assert "chose" not in body
    assert f"http://cop.test{link_of(message)}" in body
    assert "Choose what you receive:\nhttp://cop.test/account/notifications" in body
    # The headers reach the mail server.
    email = build_email(message, "cop <no-reply@example.org>")
    assert email["List-Unsubscribe"] == message.headers["List-Unsubscribe"]
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_emails_people_asked_for_have_no_unsubscribe_link(app, session, ines):
    with app.test_request_context():
        message = send_templated(
            session,
            to=ines.email,
            template="auth_reset_password",
            name=ines.name,
            link="http://cop.test/account/reset/x",
            minutes=120,
            hours=2,
        )

    assert "List-Unsubscribe" not in message.headers
    assert "/unsubscribe/" not in message.body_text
    assert "/unsubscribe/" not in (message.body_html or "")


def test_an_html_body_gets_the_footer_at_the_end_of_its_body():
    footer = "<p>Stop these emails</p>"
    assert _with_footer("<html><body><p>Hi</p></BODY></html>", footer) == (
        "<html><body><p>Hi</p><p>Stop these emails</p></BODY></html>"
    )
    assert _with_footer("<p>Hi</p>", footer) == "<p>Hi</p><p>Stop these emails</p>"


def test_an_opted_out_address_gets_nothing_of_that_kind_but_still_the_rest(app, session, ines):
    session.add(MailOptOut(address="ines@example.org", kind="meeting_reminders"))
    session.commit()

    assert remind(app, session, ines) is None
    with app.test_request_context():
        other = send_templated(
            session,
            to="Ines <INES@example.org>",
            template="membership_approved",
            group=make_group(session, name="Innovation Diffusion"),
            applicant=ines,
            note="",
            group_url="http://cop.test/groups/x/",
        )
    assert other is not None
    kinds = session.scalars(select(OutboxMessage.kind)).all()
    assert kinds == ["membership_approved"]


# --- The link, used in a browser or by a mail program ---------------------------------------------


def test_the_footer_link_asks_then_unsubscribes_without_signing_in(app, browser, session, ines):
    path = link_of(remind(app, session, ines))

    page = browser.client.get(path)

    text = page.get_data(as_text=True)
    assert page.status_code == 200
    # The whole address: only its owner gets the link, whose token holds it anyway.
    assert f"Stop sending {REMINDERS} to ines@example.org?" in text
    assert "…@" not in text
    assert opt_outs(session) == []

    done = browser.post(path, page=path)

    text = done.get_data(as_text=True)
    assert done.status_code == 200
    assert f"We no longer send {REMINDERS} to ines@example.org." in text
    assert 'href="/account/notifications"' in text
    assert opt_outs(session) == [("ines@example.org", "meeting_reminders")]
    assert remind(app, session, ines) is None


def test_a_mail_programs_one_click_post_needs_no_csrf_token_and_is_idempotent(
    app, client, session, ines
):
    path = link_of(remind(app, session, ines))

    first = client.post(path, data={"List-Unsubscribe": "One-Click"})
    second = client.post(path, data={"List-Unsubscribe": "One-Click"})

    assert (first.status_code, second.status_code) == (200, 200)
    assert opt_outs(session) == [("ines@example.org", "meeting_reminders")]


def test_a_browser_post_without_its_csrf_token_changes_nothing(app, client, session, ines):
    path = link_of(remind(app, session, ines))

    response = client.post(path, data={})

    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert opt_outs(session) == []


def test_the_person_signed_in_with_that_address_may_use_the_link(app, browser, session, ines):
    path = link_of(remind(app, session, ines))
    browser.login(ines)

    assert browser.post(path, page=path).status_code == 200
    assert opt_outs(session) == [("ines@example.org", "meeting_reminders")]


def test_unsubscribing_from_the_digest_sets_the_accounts_digest_to_never(
    app, client, session, ines
):
    path = f"/unsubscribe/{token_for(app, 'INES@example.org', 'digest')}"

    response = client.post(path, data={"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert "We no longer send the digest of what you follow" in response.get_data(as_text=True)
    assert opt_outs(session) == [("ines@example.org", "digest")]
    session.expire_all()
    assert session.get(User, ines.id).digest_period is DigestPeriod.NEVER


def past_token(monkeypatch, make, seconds_ago: int) -> str:
    then = int(time.time()) - seconds_ago
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: then)
        return make()


def forged(app, monkeypatch) -> str:
    token = token_for(app, "ines@example.org", "meeting_reminders")
    return token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")


def expired(app, monkeypatch) -> str:
    seconds = int(UNSUBSCRIBE_LIFETIME.total_seconds()) + 3600
    return past_token(
        monkeypatch, lambda: token_for(app, "ines@example.org", "meeting_reminders"), seconds
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (forged, "This unsubscribe link is not valid. Check that you copied all of it."),
        (
            expired,
            "This link has expired. Sign in and use your email preferences to choose what you "
            "receive.",
        ),
    ],
    ids=["forged", "expired"],
)
def test_forged_and_expired_links_are_refused_and_change_nothing(
    app, client, session, ines, monkeypatch, make, message
):
    path = f"/unsubscribe/{make(app, monkeypatch)}"

    shown = client.get(path)
    posted = client.post(path, data={"List-Unsubscribe": "One-Click"})

    for response in (shown, posted):
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert opt_outs(session) == []


def test_a_link_for_someone_else_is_refused_to_the_person_signed_in(app, browser, session, ines):
    omar = make_user(session, email="omar@example.org")
    session.commit()
    path = link_of(remind(app, session, ines))
    browser.login(omar)

    shown = browser.client.get(path)
    posted = browser.post(path, page="/account/notifications")

    for response in (shown, posted):
        assert response.status_code == 403
        assert "This link is for another email address than yours." in response.get_data(
            as_text=True
        )
    assert opt_outs(session) == []
    with app.test_request_context():
        assert not is_opted_out(session, "ines@example.org", "meeting_reminders")


def test_what_was_stopped_stays_stopped_when_the_address_changes(app, session, ines):
    session.add(MailOptOut(address="ines@example.org", kind="meeting_news"))
    session.commit()
    with app.test_request_context():
        token = make_token(
            "change-email",
            ines.id,
            _email_change_state(ines, "ines.new@example.org"),
            "ines.new@example.org",
        )
        confirm_email_change(session, token)
    session.commit()

    assert opt_outs(session) == [("ines.new@example.org", "meeting_news")]
    assert session.scalar(select(func.count(MailOptOut.id))) == 1


def test_the_digests_unsubscribe_page_points_to_nothing_above(app, client, session, ines):
    """The page holds the kind's help text alone: it says where the period is chosen."""
    path = f"/unsubscribe/{token_for(app, 'ines@example.org', 'digest')}"

    text = html.unescape(client.get(path).get_data(as_text=True))

    assert "Stop sending the digest of what you follow to ines@example.org?" in text
    assert "above" not in text
    assert "daily or weekly, as you choose in your email preferences" in text


def test_a_link_already_used_says_so_instead_of_asking_again(app, browser, session, ines):
    path = link_of(remind(app, session, ines))
    browser.post(path, page=path)
    assert opt_outs(session) == [("ines@example.org", "meeting_reminders")]

    page = browser.client.get(path)

    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200
    assert f"We already stopped sending {REMINDERS} to ines@example.org." in text
    assert 'href="/account/notifications"' in text
    assert "Stop sending" not in text and 'type="submit"' not in text
    # Posting it again (a mail program's one click) changes nothing.
    again = browser.client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200
    assert opt_outs(session) == [("ines@example.org", "meeting_reminders")]


def test_a_digest_link_of_an_account_set_to_never_says_it_is_stopped(app, client, session, ines):
    ines.digest_period = DigestPeriod.NEVER
    session.commit()
    path = f"/unsubscribe/{token_for(app, 'ines@example.org', 'digest')}"

    text = html.unescape(client.get(path).get_data(as_text=True))

    assert "We already stopped sending the digest of what you follow to ines@example.org." in text
    assert "Stop sending" not in text
    # Another kind is still asked about: only the digest is off.
    other = f"/unsubscribe/{token_for(app, 'ines@example.org', 'meeting_news')}"
    assert "Stop sending news of your groups' meetings to ines@example.org?" in html.unescape(
        client.get(other).get_data(as_text=True)
    )
