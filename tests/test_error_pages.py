"""Every error status has a page in the site's look, and domain errors map to their status."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import abort

from cop.errors import Conflict, Invalid, NotAllowed, NotFound


@pytest.mark.parametrize(
    ("status", "title"),
    [
        (400, "Bad request"),
        (403, "Not allowed"),
        (404, "Page not found"),
        (405, "Method not allowed"),
        (409, "Conflict"),
        (413, "Too large"),
        (500, "Something went wrong"),
    ],
)
def test_each_error_status_has_a_page_in_the_site_look(app, client, status, title):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get(f"/error-test-{status}")
    def fail():
        if status == 500:
            raise RuntimeError("boom")
        abort(status)

    response = client.get(f"/error-test-{status}")

    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert f"<h1>{title}</h1>" in page
    assert page.count("<h1") == 1
    assert 'class="skip-link"' in page and "Accessibility statement" in page
    assert response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (Invalid("That date is in the past."), 400),
        (NotAllowed("Only coordinators may do this."), 403),
        (NotFound("No such meeting."), 404),
        (Conflict("Someone changed this meeting while you were editing it."), 409),
    ],
)
def test_domain_errors_become_their_status_with_their_message(app, client, error, status):
    @app.get("/domain-error-test")
    def fail():
        raise error

    response = client.get("/domain-error-test")

    assert response.status_code == status
    assert error.message in response.get_data(as_text=True)
    as_json = client.get("/domain-error-test", headers={"Accept": "application/json"})
    assert as_json.json == {
        "error": {
            "status": status,
            "title": as_json.json["error"]["title"],
            "message": error.message,
        }
    }


@pytest.mark.parametrize(
    ("referer", "back"),
    [
        ("http://localhost/activities/7", "/activities/7"),
        ("https://localhost/activities/7/outputs?x=1", "/activities/7/outputs?x=1"),
        ("/meetings/3", "/meetings/3"),
        ("https://evil.example/activities/7", None),
        ("//evil.example/activities/7", None),
        ("javascript:alert(1)", None),
        ("http://localhost/\\evil.example", None),
        ("", None),
        # The address that failed, asked for again: no link to itself.
        ("http://localhost/conflict-test", None),
    ],
)
def test_an_error_page_links_back_to_the_page_of_this_site_you_were_on(app, client, referer, back):
    @app.get("/conflict-test")
    def fail():
        raise Conflict("This output is already withdrawn.")

    response = client.get("/conflict-test", headers={"Referer": referer} if referer else {})

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Go to the home page" in page
    if back is None:
        assert "Back to the page you were on" not in page
    else:
        assert f'<a href="{back}">Back to the page you were on</a>' in page.replace("&amp;", "&")
