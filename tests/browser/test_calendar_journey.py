"""Calendars in Chromium: a member makes their calendar address, copies it, subscribes, resets
it; a visitor adds an open meeting to their calendar and follows a group's meetings. axe
checks every page, and the feeds at the addresses the pages give are read back."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

from playwright.sync_api import expect

from tests.browser.test_joining_a_group import AccessibilityLog
from tests.browser.test_meetings_journey import GROUP, WEBINAR, log_in


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (the test server)
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def test_make_copy_and_reset_my_calendar_address(chromium, live_server):
    a11y = AccessibilityLog()
    context, page = log_in(chromium, live_server, "member@example.org", "demo-member-password")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)

    page.goto(live_server + "/account/meetings")
    page.get_by_role("link", name="Follow your meetings in your own calendar program").click()
    assert page.get_by_role("heading", name="My calendar", level=1).is_visible()
    a11y.check(page)

    page.get_by_role("button", name="Make my calendar address").click()
    assert page.get_by_text("Your calendar address is ready").is_visible()
    address = page.get_by_role("textbox", name="Calendar address").input_value()
    assert re.fullmatch(re.escape(live_server) + r"/calendar/u/[A-Za-z0-9_-]{43}\.ics", address)
    webcal = page.get_by_role("link", name="Subscribe in your calendar program")
    assert webcal.get_attribute("href") == "webcal" + address.removeprefix("http")
    a11y.check(page)

    # The Copy button appears with JavaScript, and puts the address on the clipboard.
    page.get_by_role("button", name="Copy").click()
    expect(page.locator(".copy-done")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == address

    status, body = fetch(address)
    assert status == 200 and b"BEGIN:VCALENDAR" in body and b"X-WR-CALNAME" in body

    # Resetting is asked for knowingly; it gives a new address, and the old one answers
    # like one that never existed.
    page.get_by_role("button", name="Reset my calendar address").click()
    assert page.get_by_text("Tick this box to reset the address").is_visible()
    assert page.get_by_role("textbox", name="Calendar address").input_value() == address
    page.get_by_label("I understand that my calendar programs need the new address").check()
    page.get_by_role("button", name="Reset my calendar address").click()
    new_address = page.get_by_role("textbox", name="Calendar address").input_value()
    assert new_address != address
    assert fetch(address)[0] == 404
    assert fetch(new_address)[0] == 200
    a11y.check(page)
    context.close()
    assert a11y.problems == []


def test_a_visitor_adds_an_open_meeting_and_follows_the_group(chromium, live_server):
    a11y = AccessibilityLog()
    context = chromium.new_context()
    page = context.new_page()
    page.goto(live_server + GROUP + "meetings/")
    box = page.locator("section", has=page.get_by_role("heading", name="Follow these meetings"))
    feed = box.get_by_label("Calendar address, to paste into any calendar program").input_value()
    assert feed.endswith("/calendar/industrial-transition.ics")
    status, body = fetch(feed)
    assert status == 200 and WEBINAR.split(":")[0].encode() in body.replace(b"\r\n ", b"")
    a11y.check(page)

    page.get_by_role("link", name=WEBINAR).first.click()
    calendar_box = page.locator(
        "section", has=page.get_by_role("heading", name="Add to your calendar")
    )
    with page.expect_download() as download:
        calendar_box.get_by_role("link", name="Calendar file (.ics)").click()
    path = download.value.path()
    with open(path, "rb") as file:
        data = file.read()
    assert data.count(b"BEGIN:VEVENT") == 1 and b"STATUS:CONFIRMED" in data
    subscribe = calendar_box.get_by_role("link", name="Subscribe to this meeting")
    assert subscribe.get_attribute("href").startswith("webcal://127.0.0.1:")
    google = calendar_box.get_by_role("link", name="Google Calendar").get_attribute("href")
    assert google.startswith("https://calendar.google.com/calendar/render?action=TEMPLATE")
    a11y.check(page)
    context.close()
    assert a11y.problems == []
