"""A newcomer signs up, confirms, applies, and a coordinator approves: in Chromium, checked by axe."""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from cop.db import get_session
from cop.mail.models import OutboxMessage

SERIOUS = {"serious", "critical"}


class AccessibilityLog:
    """Runs axe on every page visited and keeps the serious or critical violations."""

    def __init__(self) -> None:
        self.axe = Axe()
        self.problems: list[str] = []
        self.pages: list[str] = []

    def check(self, page) -> None:
        result = self.axe.run(page)
        self.pages.append(page.url)
        for violation in result.response["violations"]:
            if violation["impact"] in SERIOUS:
                self.problems.append(f"{page.url}: {violation['id']}: {violation['help']}")


def latest_link(live_server, email: str, pattern: str) -> str:
    with live_server.app.app_context():
        message = get_session().scalar(
            select(OutboxMessage)
            .where(OutboxMessage.recipient.contains(email))
            .order_by(OutboxMessage.id.desc())
        )
        assert message is not None, f"no email to {email}"
        match = re.search(pattern, message.body_text)
        assert match, message.body_text
        return match.group(0)


def test_sign_up_confirm_apply_and_be_approved(chromium, live_server):
    a11y = AccessibilityLog()
    newcomer = chromium.new_context()
    page = newcomer.new_page()

    # A policymaker finds the group and signs up.
    page.goto(live_server + "/groups/innovation-diffusion/")
    a11y.check(page)
    page.get_by_role("link", name="New here? Sign up").click()
    page.wait_for_load_state()
    a11y.check(page)
    page.get_by_label("Name", exact=True).fill("Noor Newcomer")
    page.get_by_label("Email").fill("noor.newcomer@example.org")
    page.get_by_label("Password", exact=True).fill("a sturdy passphrase 42")
    page.get_by_label("Password again").fill("a sturdy passphrase 42")
    organisation = page.get_by_label("Organisation", exact=True)
    choice = organisation.locator("option", has_text="Lombardy Polytechnic University")
    organisation.select_option(value=choice.get_attribute("value"))
    page.get_by_label("Position").fill("Researcher")
    page.get_by_label("List me by name on the public pages of the groups I join").check()
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_load_state()
    a11y.check(page)
    assert "noor.newcomer@example.org" in page.content()

    # The confirmation link from the email logs her in.
    confirm = latest_link(live_server, "noor.newcomer@example.org", r"/account/confirm/[\w.\-]+")
    page.goto(live_server + confirm)
    a11y.check(page)
    assert "Noor Newcomer" in page.content()

    # She applies to join.
    page.goto(live_server + "/groups/innovation-diffusion/")
    page.get_by_role("link", name="Apply to join").click()
    page.wait_for_load_state()
    a11y.check(page)
    page.get_by_label("Why do you want to join?").fill(
        "Our region struggles with SMEs' adoption of AI."
    )
    page.get_by_role("button", name="Apply to join").click()
    page.wait_for_load_state()
    a11y.check(page)
    newcomer.close()

    # The coordinator approves her application.
    coordinator = chromium.new_context()
    page = coordinator.new_page()
    page.goto(live_server + "/account/login")
    page.get_by_label("Email").fill("coordinator@example.org")
    page.get_by_label("Password").fill("demo-coordinator-password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    page.goto(live_server + "/groups/innovation-diffusion/applications")
    a11y.check(page)
    page.get_by_role("button", name="Approve Noor Newcomer").click()
    page.wait_for_load_state()
    a11y.check(page)
    coordinator.close()

    # The public now sees her among the participants; the approval email is in the outbox.
    visitor = chromium.new_context(java_script_enabled=False)
    page = visitor.new_page()
    page.goto(live_server + "/groups/innovation-diffusion/")
    assert "Noor Newcomer" in page.content()
    assert "noor.newcomer@example.org" not in page.content()
    visitor.close()
    latest_link(live_server, "noor.newcomer@example.org", r"innovation-diffusion")

    assert len(a11y.pages) >= 8
    assert a11y.problems == []
