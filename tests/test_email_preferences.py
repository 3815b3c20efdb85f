"""A person's email preferences: how often their digest comes and which kinds of email they
get; and every email template is of a kind people can stop, or always sent."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from cop.mail.kinds import KINDS, TEMPLATE_KINDS, is_exempt, kind_of
from cop.mail.models import DigestPeriod, MailOptOut
from cop.members.models import User

MAIL_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "mail"
OTHER_KINDS = [kind.code for kind in KINDS if kind.code != "digest"]
# What a member who coordinates no group is offered: not the coordinators' notices.
MEMBER_KINDS = [code for code in OTHER_KINDS if code != "coordination"]


def opt_outs(session, address="uma@example.org") -> set[str]:
    return set(session.scalars(select(MailOptOut.kind).where(MailOptOut.address == address)))


def ticked(page: str) -> set[str]:
    """The values of the radio buttons and checkboxes ticked on the page."""
    return {
        re.search(r'value="([^"]*)"', tag).group(1)
        for tag in re.findall(r"<input [^>]*>", page)
        if re.search(r"\bchecked\b", tag) and 'type="hidden"' not in tag
    }


def period_of(session, user) -> DigestPeriod:
    session.expire_all()
    return session.get(User, user.id).digest_period


# --- The kinds ------------------------------------------------------------------------------------


def test_every_email_template_is_of_one_kind_or_always_sent():
    names = {path.stem for path in MAIL_TEMPLATES.glob("*.txt") if not path.name.startswith("_")}
    # The coordinators' notice of a region's request for support; the requester's answer.
    assert {"support_requested", "support_answered"} <= names

    unclassified = {name for name in names if name not in TEMPLATE_KINDS and not is_exempt(name)}
    both = {name for name in TEMPLATE_KINDS if is_exempt(name)}

    assert unclassified == set(), "say in cop/mail/kinds.py which kind these emails are"
    assert both == set()
    assert kind_of("digest").code == "digest"
    assert kind_of("support_requested").code == "coordination"
    assert kind_of("support_answered").code == "contributions"
    assert kind_of("meeting_reminder").code == "meeting_reminders"
    assert kind_of("auth_reset_password") is None
    assert kind_of("meeting_confirm_registration") is None
    assert kind_of("membership_invitation") is None


# --- The page -------------------------------------------------------------------------------------


def test_the_page_shows_the_choices_in_force(browser, session, user):
    browser.login(user)

    page = html.unescape(browser.client.get("/account/notifications").get_data(as_text=True))

    assert "Email and notifications" in page
    assert ticked(page) == {"daily", *MEMBER_KINDS}
    assert "Send me reminders of the meetings you registered for" in page
    # Uma coordinates no group: coordinators' notices are not offered to her.
    assert "coordinators' notices" not in page
    assert "Always sent" in page
    assert "resetting your password" in page
    assert "Follow button" in page
    # The account pages link to it.
    profile = browser.client.get("/account/profile").get_data(as_text=True)
    assert 'href="/account/notifications"' in profile


def test_saving_sets_the_period_and_stops_the_unticked_kinds(browser, session, user):
    browser.login(user)

    response = browser.post(
        "/account/notifications",
        {"period": "weekly", "kinds": ["meeting_news"]},
        page="/account/notifications",
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/account/notifications"
    assert period_of(session, user) is DigestPeriod.WEEKLY
    # The coordinators' notices, not offered, are not stopped by their box's absence.
    assert opt_outs(session) == {
        "meeting_reminders",
        "solution_reminders",
        "registrations",
        "membership",
        "contributions",
    }
    page = browser.client.get("/account/notifications").get_data(as_text=True)
    assert "Your email preferences are saved." in page
    assert ticked(page) == {"weekly", "meeting_news"}

    # Ticking them again, and taking the digest daily again, lifts every stop.
    browser.post(
        "/account/notifications",
        {"period": "daily", "kinds": OTHER_KINDS},
        page="/account/notifications",
    )
    assert period_of(session, user) is DigestPeriod.DAILY
    assert opt_outs(session) == set()


def test_choosing_a_digest_again_lifts_an_unsubscribe_from_it(browser, session, user):
    session.add(MailOptOut(address="uma@example.org", kind="digest"))
    user.digest_period = DigestPeriod.NEVER
    session.commit()
    browser.login(user)
    page = browser.client.get("/account/notifications").get_data(as_text=True)
    assert "never" in ticked(page)

    browser.post(
        "/account/notifications",
        {"period": "weekly", "kinds": OTHER_KINDS},
        page="/account/notifications",
    )

    assert opt_outs(session) == set()
    assert period_of(session, user) is DigestPeriod.WEEKLY


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"period": "hourly", "kinds": ["meeting_news"]},
            "period",
            "Choose daily, weekly or never.",
        ),
        ({"kinds": ["meeting_news"]}, "period", "Choose daily, weekly or never."),
        (
            {"period": "weekly", "kinds": ["meeting_news", "spam"]},
            "kinds",
            "Choose among the kinds of email listed.",
        ),
    ],
    ids=["unknown period", "no period", "unknown kind"],
)
def test_a_wrong_choice_shows_its_message_next_to_the_field_and_changes_nothing(
    browser, session, user, data, field, message
):
    session.add(MailOptOut(address="uma@example.org", kind="meeting_reminders"))
    session.commit()
    browser.login(user)

    response = browser.post("/account/notifications", data, page="/account/notifications")

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'<p class="error" id="{field}-error">{message}</p>' in page
    assert period_of(session, user) is DigestPeriod.DAILY
    assert opt_outs(session) == {"meeting_reminders"}


def test_the_page_queries_do_not_grow_with_what_was_stopped(
    app, browser, session, user, count_queries
):
    browser.login(user)

    def queries() -> int:
        with count_queries() as counter:
            assert browser.client.get("/account/notifications").status_code == 200
        return counter.count

    none_stopped = queries()
    for code in ["digest", *OTHER_KINDS]:
        session.add(MailOptOut(address="uma@example.org", kind=code))
    session.commit()

    assert queries() == none_stopped


# --- Coordinators' notices, for coordinators ----------------------------------------------------


@pytest.fixture
def coordinator(session, user):
    from cop.members.models import Role
    from tests.factories import make_group, make_membership

    make_membership(
        session, user, make_group(session, slug="innovation-diffusion"), role=Role.COORDINATOR
    )
    session.commit()
    return user


def test_coordinators_and_admins_are_offered_coordinators_notices(browser, session, coordinator):
    browser.login(coordinator)
    page = html.unescape(browser.client.get("/account/notifications").get_data(as_text=True))
    assert "Send me coordinators' notices" in page
    assert ticked(page) == {"daily", *OTHER_KINDS}

    browser.post(
        "/account/notifications",
        {"period": "daily", "kinds": MEMBER_KINDS},
        page="/account/notifications",
    )
    assert opt_outs(session) == {"coordination"}


def test_admins_are_offered_coordinators_notices(browser, session, user):
    user.is_admin = True
    session.commit()
    browser.login(user)
    page = html.unescape(browser.client.get("/account/notifications").get_data(as_text=True))
    assert "Send me coordinators' notices" in page


@pytest.mark.parametrize("membership", ["member", "applied coordinator", "former coordinator"])
def test_members_who_do_not_coordinate_are_not_offered_them(browser, session, user, membership):
    from cop.members.models import MembershipStatus, Role
    from tests.factories import make_group, make_membership

    role = Role.MEMBER if membership == "member" else Role.COORDINATOR
    status = {
        "member": MembershipStatus.ACTIVE,
        "applied coordinator": MembershipStatus.APPLIED,
        "former coordinator": MembershipStatus.LEFT,
    }[membership]
    make_membership(session, user, make_group(session), role=role, status=status)
    session.commit()
    browser.login(user)
    page = html.unescape(browser.client.get("/account/notifications").get_data(as_text=True))
    assert "coordinators' notices" not in page


def test_a_stop_of_coordinators_notices_stays_when_a_member_saves(browser, session, user):
    """Stopped while coordinating (or from an email's link): saving the page, where the box is
    no longer shown, neither stops nor lifts it; posting it anyway changes nothing either."""
    session.add(MailOptOut(address="uma@example.org", kind="coordination"))
    session.commit()
    browser.login(user)
    for kinds in (MEMBER_KINDS, OTHER_KINDS):
        response = browser.post(
            "/account/notifications",
            {"period": "daily", "kinds": kinds},
            page="/account/notifications",
        )
        assert response.status_code == 302
        assert opt_outs(session) == {"coordination"}
