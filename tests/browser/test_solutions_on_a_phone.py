"""The solution pages on a 375-pixel phone, in the longest of our languages: nothing is wider
than the screen (wide tables scroll inside their own box)."""

from __future__ import annotations

PHONE = {"width": 375, "height": 800}


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_solution_pages_fit_a_phone_in_german(chromium, live_server):
    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(live_server + "/language/de?next=/groups/innovation-diffusion/solutions/")
        assert page_width(page) <= PHONE["width"]
        links = page.locator(".solution-item-title a")
        paths = [links.nth(i).get_attribute("href") for i in range(links.count())]
        assert len(paths) >= 5
        for path in paths:
            page.goto(live_server + path)
            assert page.locator("html").get_attribute("lang") == "de"
            assert page_width(page) <= PHONE["width"], path
    finally:
        context.close()
