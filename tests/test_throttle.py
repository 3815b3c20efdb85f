"""Login throttling: failures for an email or from an address slow down, then refuse, the next tries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cop.auth.models import LoginAttempt
from cop.auth.throttle import LOCK_AFTER, SLOW_AFTER, delay_after, judge
from cop.db import utcnow
from tests.conftest import PASSWORD

NOW = utcnow()


def ago(seconds: float):
    """A moment before NOW, for the rule on its own."""
    return NOW - timedelta(seconds=seconds)


def before_now(seconds: float):
    """A moment before the real now, for rows the login form will read."""
    return utcnow() - timedelta(seconds=seconds)


def add_failures(session, *, times, email="uma@example.org", address="127.0.0.1"):
    for at in times:
        session.add(LoginAttempt(email=email, address=address, at=at, succeeded=False))
    session.commit()


def attempts(session, **where) -> int:
    session.expire_all()
    query = select(func.count()).select_from(LoginAttempt)
    for column, value in where.items():
        query = query.where(getattr(LoginAttempt, column) == value)
    return session.scalar(query)


def try_login(browser, email, password="not the password", address="127.0.0.1"):
    return browser.post(
        "/account/login",
        {"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def password_error(response) -> str:
    page = response.get_data(as_text=True)
    match = re.search(r'<p class="error" id="password-error">(.*?)</p>', page, re.S)
    assert match, "no message next to the password"
    return match.group(1)


# -- the rule, on its own


def test_a_few_failures_do_not_slow_anyone_down():
    assert judge([ago(1)] * (SLOW_AFTER - 1), NOW).allowed


def test_the_delay_grows_with_each_failure_and_is_capped():
    delays = [delay_after(n).total_seconds() for n in range(SLOW_AFTER, LOCK_AFTER)]

    assert delays[:4] == [5, 10, 20, 40]
    assert delays == sorted(delays) and max(delays) == 60
    # Failing as fast as allowed reaches the lock well within the 15-minute window.
    assert sum(delays) < 15 * 60


def test_after_five_failures_the_next_try_waits_for_the_delay():
    failures = [ago(2)] + [ago(30)] * (SLOW_AFTER - 1)

    verdict = judge(failures, NOW)

    assert not verdict.allowed and not verdict.locked
    assert verdict.wait_seconds == 3
    assert judge(failures, NOW + timedelta(seconds=3)).allowed


def test_failures_older_than_fifteen_minutes_no_longer_count():
    failures = [ago(16 * 60)] * (SLOW_AFTER + 3)

    assert judge(failures, NOW).allowed


def test_twenty_failures_within_fifteen_minutes_lock_for_fifteen_minutes():
    failures = [ago(60 + i * 10) for i in range(LOCK_AFTER)]

    verdict = judge(failures, NOW)

    assert verdict.locked and verdict.wait_seconds == 14 * 60
    assert judge(failures, NOW + timedelta(minutes=13)).locked
    assert judge(failures, NOW + timedelta(minutes=14, seconds=1)).allowed


# -- through the login form


def test_each_failure_is_recorded_and_a_success_too(browser, session, user):
    try_login(browser, "UMA@example.org")
    assert attempts(session, email="uma@example.org", succeeded=False, address="127.0.0.1") == 1

    browser.login(user)

    assert attempts(session, email="uma@example.org", succeeded=True) == 1


def test_flooding_one_account_is_slowed_down_with_a_clear_message(browser, session, user):
    for _ in range(SLOW_AFTER):
        assert try_login(browser, user.email).status_code == 400

    # Even the right password waits: the delay is not a hint that it was right.
    response = try_login(browser, user.email, PASSWORD)

    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) == 5
    assert re.fullmatch(
        r"Too many failed attempts\. Wait [1-5] seconds before trying again\.",
        password_error(response),
    )
    assert attempts(session) == SLOW_AFTER  # refused tries are not recorded
    assert "Log out" not in browser.client.get("/").get_data(as_text=True)


def test_the_slow_down_holds_from_another_address_too(browser, session, user):
    add_failures(session, times=[before_now(1)] * SLOW_AFTER, address="192.0.2.1")

    response = try_login(browser, user.email, PASSWORD, address="198.51.100.7")

    assert response.status_code == 429


def test_once_the_delay_has_passed_the_right_password_works_and_clears_the_count(
    browser, session, user
):
    add_failures(session, times=[before_now(70)] * (SLOW_AFTER + 3), address="192.0.2.1")

    assert try_login(browser, user.email, PASSWORD).status_code == 302
    browser.logout()

    # The earlier failures no longer count: one more failure does not slow down.
    assert try_login(browser, user.email).status_code == 400
    assert try_login(browser, user.email).status_code == 400


def test_flooding_from_one_address_slows_every_account_from_it(browser, session, user):
    for number in range(SLOW_AFTER):
        try_login(browser, f"guess{number}@example.org", address="203.0.113.9")

    response = try_login(browser, user.email, PASSWORD, address="203.0.113.9")

    assert response.status_code == 429
    assert "Too many failed attempts" in password_error(response)
    # From another address, the account is not affected.
    assert try_login(browser, user.email, PASSWORD, address="198.51.100.7").status_code == 302


def test_a_success_does_not_clear_the_failures_of_its_address(browser, session, user):
    add_failures(session, times=[before_now(70)] * SLOW_AFTER, email="other@example.org")
    assert try_login(browser, user.email, PASSWORD).status_code == 302
    browser.logout()

    assert try_login(browser, "third@example.org").status_code == 400
    response = try_login(browser, "fourth@example.org")

    assert response.status_code == 429


def test_twenty_failures_lock_the_account_with_a_clear_message(browser, session, user):
    add_failures(
        session, times=[before_now(30 + i * 20) for i in range(LOCK_AFTER)], address="192.0.2.1"
    )

    response = try_login(browser, user.email, PASSWORD, address="198.51.100.7")

    assert response.status_code == 429
    message = password_error(response)
    assert "logging in is locked for 15 more minutes" in message
    assert "reset your password" in message
    assert int(response.headers["Retry-After"]) > 14 * 60


@pytest.mark.parametrize("email", ["nobody", "not an email", "@"])
def test_nonsense_emails_are_throttled_by_address_without_failing(browser, session, email):
    for _ in range(SLOW_AFTER):
        response = try_login(browser, email)
        assert response.status_code == 400
        assert password_error(response) == "Wrong email or password."

    assert try_login(browser, "someone@example.org").status_code == 429


def test_an_overlong_email_is_refused_by_the_form_and_records_nothing(browser, session):
    response = try_login(browser, "x" * 300 + "@example.org")

    assert response.status_code == 400
    assert "longer than 254" in response.get_data(as_text=True)
    assert attempts(session) == 0


def test_a_success_prunes_rows_older_than_a_day(browser, session, user):
    add_failures(session, times=[before_now(2 * 24 * 3600)] * 3, email="old@example.org")

    browser.login(user)

    assert attempts(session, email="old@example.org") == 0
    assert attempts(session, email="uma@example.org", succeeded=True) == 1


def test_guessing_the_current_password_on_account_pages_is_throttled(browser, session, user):
    from cop.auth.models import LoginAttempt

    browser.login(user)
    answers = []
    for _ in range(6):
        response = browser.post(
            "/account/password",
            {
                "current_password": "a wrong guess here",
                "password": "brand new passphrase 1",
                "confirm": "brand new passphrase 1",
            },
            page="/account/password",
        )
        answers.append(response.status_code)

    assert answers[:5] == [400] * 5
    assert answers[5] == 429
    assert "Too many failed attempts" in response.get_data(as_text=True)
    failures = session.scalars(
        select(LoginAttempt).where(
            LoginAttempt.email == user.email, LoginAttempt.succeeded.is_(False)
        )
    )
    assert len(list(failures)) == 5
