"""Meetings in Chromium: a coordinator plans and publishes a workshop, members take its one
seat and its waiting list, a visitor registers for an open webinar; axe checks every page."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from cop import clock
from cop.db import get_session
from cop.meetings.models import Meeting, Registration, RegistrationStatus
from cop.members.models import User
from tests.browser.test_joining_a_group import AccessibilityLog, latest_link

GROUP = "/groups/industrial-transition/"
WEBINAR = "Financing the green transition of industry: what Cohesion Policy offers"


def log_in(chromium, live_server, email: str, password: str):
    context = chromium.new_context()
    page = context.new_page()
    page.goto(live_server + "/account/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    return context, page


def registration_of(live_server, email: str, title: str) -> Registration | None:
    with live_server.app.app_context():
        session = get_session()
        return session.scalar(
            select(Registration)
            .join(Meeting, Meeting.id == Registration.meeting_id)
            .outerjoin(User, User.id == Registration.user_id)
            .where(Meeting.title == title)
            .where((User.email == email) | (Registration.email == email))
        )


def test_plan_publish_register_wait_and_be_promoted(chromium, live_server):
    a11y = AccessibilityLog()
    title = "Workshop: regional digital innovation hubs compared"
    day = (clock.now() + timedelta(days=40)).date().isoformat()

    # The coordinator plans a workshop with one seat in the room, and publishes it.
    context, page = log_in(
        chromium, live_server, "coordinator@example.org", "demo-coordinator-password"
    )
    page.goto(live_server + GROUP + "meetings/")
    a11y.check(page)
    page.get_by_role("link", name="New meeting").click()
    page.wait_for_load_state()
    a11y.check(page)
    page.get_by_label("Title").fill(title)
    page.get_by_label("Kind of meeting").select_option("workshop")
    page.get_by_label("Starts").fill(f"{day}T09:30")
    page.get_by_label("Ends").fill(f"{day}T16:00")
    page.get_by_label("Time zone").select_option("Europe/Vienna")
    page.get_by_label("Format").select_option("hybrid")
    page.get_by_label("Venue").fill("Haus der Industrie")
    page.get_by_label("Online link").fill("https://meet.example.org/dih")
    page.get_by_label("Seats in the room").fill("1")
    page.get_by_role("button", name="Save as a draft").click()
    page.wait_for_load_state()
    a11y.check(page)
    assert title in page.content()
    page.get_by_role("link", name=re.compile("^Publish")).first.click()
    page.wait_for_load_state()
    a11y.check(page)
    page.get_by_role("button", name="Publish the meeting").click()
    page.wait_for_load_state()
    meeting_url = page.url
    a11y.check(page)
    assert "9:30" in page.content() and "Europe/Vienna" in page.content()
    context.close()

    # The member takes the one seat in the room; the online link is now theirs to see.
    context, page = log_in(chromium, live_server, "member@example.org", "demo-member-password")
    page.goto(meeting_url)
    assert "meet.example.org/dih" not in page.content()
    page.get_by_role("link", name="Register", exact=True).click()
    page.wait_for_load_state()
    a11y.check(page)
    page.get_by_label("In person").check()
    page.get_by_label("Dietary or access needs (optional)").fill("Vegetarian")
    page.get_by_role("button", name="Register", exact=True).click()
    page.wait_for_load_state()
    a11y.check(page)
    assert "You are registered." in page.content()
    assert "https://meet.example.org/dih" in page.content()
    member = (context, page)

    # The admin (a member everywhere) finds the room full and joins the waiting list.
    context, page = log_in(chromium, live_server, "admin@example.org", "demo-admin-password")
    page.goto(meeting_url + "/register")
    page.get_by_label("In person").check()
    page.get_by_role("button", name="Register", exact=True).click()
    page.wait_for_load_state()
    assert "You are number 1 on the waiting list" in page.content()
    context.close()

    # The member cancels from My meetings: the admin is promoted and emailed.
    context, page = member
    page.goto(live_server + "/account/meetings")
    a11y.check(page)
    page.get_by_role("button", name=f"Cancel {title}").click()
    page.wait_for_load_state()
    context.close()
    assert registration_of(live_server, "member@example.org", title).status is (
        RegistrationStatus.CANCELLED
    )
    assert registration_of(live_server, "admin@example.org", title).status is (
        RegistrationStatus.CONFIRMED
    )
    latest_link(live_server, "admin@example.org", r"A seat is yours|seat")

    # The coordinator sees who comes, by helix and country.
    context, page = log_in(
        chromium, live_server, "coordinator@example.org", "demo-coordinator-password"
    )
    page.goto(meeting_url + "/participants")
    a11y.check(page)
    assert "Ada" in page.content() or "admin" in page.content().lower()
    context.close()

    assert a11y.problems == []


def test_a_visitor_registers_for_an_open_webinar_without_an_account(chromium, live_server):
    a11y = AccessibilityLog()
    visitor = chromium.new_context()  # axe runs as a script; cop's pages need none
    page = visitor.new_page()
    page.goto(live_server + GROUP + "meetings/")
    page.get_by_role("link", name=WEBINAR).first.click()
    page.wait_for_load_state()
    a11y.check(page)
    page.get_by_role("link", name="Register", exact=True).click()
    page.wait_for_load_state()
    a11y.check(page)
    page.get_by_label("Your name").fill("Vera Visitor")
    page.get_by_label("Your email address").fill("vera.visitor@example.org")
    page.get_by_label("Organisation (optional)").fill("Regional Development Agency")
    page.get_by_label("Online").check()
    page.get_by_role("button", name="Send me the confirmation link").click()
    page.wait_for_load_state()
    a11y.check(page)
    assert registration_of(live_server, "vera.visitor@example.org", WEBINAR).status is (
        RegistrationStatus.PENDING
    )

    link = latest_link(live_server, "vera.visitor@example.org", r"/meetings/confirm/[\w.\-]+")
    page.goto(live_server + link)
    a11y.check(page)
    # Opening the link alone changes nothing: link checkers in mail systems open links too.
    assert registration_of(live_server, "vera.visitor@example.org", WEBINAR).status is (
        RegistrationStatus.PENDING
    )
    page.get_by_role("button", name="Confirm my registration").click()
    page.wait_for_load_state()
    a11y.check(page)
    visitor.close()

    assert registration_of(live_server, "vera.visitor@example.org", WEBINAR).status is (
        RegistrationStatus.CONFIRMED
    )
    assert a11y.problems == []
