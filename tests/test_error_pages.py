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
