"""As a person with a keyboard only, no JavaScript, or a screen reader would use cop."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

PAGES = [
    "/",
    "/groups/innovation-diffusion/",
    "/groups/innovation-diffusion/meetings/",
    "/meetings/1",
    "/account/login",
    "/privacy",
    "/accessibility",
    "/no-such-page",
]


def focused(page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {tag: el.tagName, id: el.id, text: el.textContent.trim(),
                    outline: style.outlineStyle, width: style.outlineWidth};
        }"""
    )


def test_the_skip_link_comes_first_and_moves_focus_to_the_content(page, live_server):
    page.goto(live_server + "/")

    page.keyboard.press("Tab")
    first = focused(page)
    assert first["text"] == "Skip to main content"
    assert first["outline"] == "solid" and first["width"] != "0px"  # focus is visible
    assert page.locator(".skip-link").is_visible()

    page.keyboard.press("Enter")
    assert page.url.endswith("#content")
    assert focused(page)["id"] == "content"


def test_a_keyboard_user_reaches_a_group_page_without_javascript(page, live_server):
    page.goto(live_server + "/")

    for _ in range(30):
        page.keyboard.press("Tab")
        if focused(page)["text"] == "Innovation Diffusion":
            break
    else:
        pytest.fail("the group link cannot be reached with Tab")
    page.keyboard.press("Enter")

    page.wait_for_url("**/groups/innovation-diffusion/")
    assert page.locator("h1").inner_text() == "Innovation Diffusion"
    assert page.locator(".timeline > li").count() == 6


def test_the_login_form_works_by_keyboard_and_shows_errors_by_the_fields(page, live_server):
    page.goto(live_server + "/account/login")

    page.get_by_label("Email").focus()
    page.keyboard.type("nobody@example.org")
    page.keyboard.press("Tab")
    page.keyboard.type("not the password")
    page.keyboard.press("Enter")

    page.wait_for_load_state()
    error = page.locator("#password-error")
    assert error.inner_text() == "Wrong email or password."
    assert page.get_by_label("Password").get_attribute("aria-describedby") == "password-error"


def test_the_language_switcher_works_without_javascript(page, live_server):
    page.goto(live_server + "/privacy")

    page.get_by_role("link", name="Deutsch").click()

    page.wait_for_url("**/privacy")
    assert page.locator("html").get_attribute("lang") == "de"


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_no_axe_violations(chromium, live_server, path):
    context = chromium.new_context()  # axe needs script; cop's own pages never do
    page = context.new_page()
    page.goto(live_server + path)

    result = Axe().run(page)

    context.close()
    assert result.violations_count == 0, result.generate_report()


def test_the_axe_check_can_fail(chromium):
    context = chromium.new_context()
    page = context.new_page()
    page.set_content("<html><body><input type='text'><img src='x.png'></body></html>")

    result = Axe().run(page)

    context.close()
    assert result.violations_count > 0
