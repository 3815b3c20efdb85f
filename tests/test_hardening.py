"""Bad requests are refused cleanly, in the site's look, and nothing is written."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from cop import create_app
from cop.audit.models import AuditEntry
from cop.meetings.models import Audience
from cop.members.models import User
from tests.conftest import PASSWORD
from tests.factories import make_group, make_meeting


def test_a_form_without_its_csrf_token_is_a_400_page_and_logs_nobody_in(client, session, user):
    response = client.post("/account/login", data={"email": user.email, "password": PASSWORD})

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This form has expired or did not come from this site" in page
    assert client.get("/").get_data(as_text=True).count("Log out") == 0


def test_a_forged_csrf_token_is_refused(client, user):
    response = client.post(
        "/account/login",
        data={"csrf_token": "forged", "email": user.email, "password": PASSWORD},
    )
    assert response.status_code == 400


def test_wrong_method_is_a_405_page_with_allow_header(client):
    response = client.delete("/")

    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert "Method not allowed" in response.get_data(as_text=True)


def test_oversized_body_is_a_413_and_writes_nothing(app, client, session):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    users_before = session.scalar(select(func.count()).select_from(User))

    response = client.post("/account/login", data={"email": "x" * 5000, "password": "y"})

    assert response.status_code == 413
    assert "Too large" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(User)) == users_before


def test_malformed_multipart_body_is_a_400(client, browser):
    token = browser.token()
    body = (
        b'--boundary\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        + token.encode()
        + b'\r\n--boundary\r\nContent-Disposition: form-data; name="email"\r\n\r\nunterminated'
    )
    response = client.post(
        "/account/login", data=body, content_type="multipart/form-data; boundary=boundary"
    )

    assert response.status_code == 400
    assert "<h1>Bad request</h1>" in response.get_data(as_text=True)


def test_json_clients_get_json_errors(client):
    response = client.get("/groups/none/", headers={"Accept": "application/json"})

    assert response.status_code == 404
    assert response.json["error"]["status"] == 404
    assert response.json["error"]["title"] == "Page not found"


# A URL part: `<name>`, `<converter:name>` or `<converter(args):name>`.
URL_PART = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
FORGED_ID = "99999999999999999999"  # beyond 64 bits, let alone PostgreSQL's 32-bit INTEGER


def test_a_forged_huge_id_in_any_url_is_a_404_and_writes_nothing(app, browser, session, admin):
    group = make_group(session, name="Innovation Diffusion")
    session.commit()
    browser.login(admin)
    audits = session.scalar(select(func.count()).select_from(AuditEntry))

    def fill(match: re.Match) -> str:
        return FORGED_ID if match.group(1) == "int" else group.slug

    tried = []
    for rule in app.url_map.iter_rules():
        if not any(m.group(1) == "int" for m in URL_PART.finditer(rule.rule)):
            continue
        url = URL_PART.sub(fill, rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method == "POST":
                response = browser.post(url, page="/")
            else:
                response = browser.client.open(url, method=method)
            tried.append(f"{method} {rule.rule}")
            assert response.status_code == 404, (method, url, response.status_code)
            assert "Page not found" in response.get_data(as_text=True)

    # The walk must reach the routes the bug was found on.
    assert {
        "POST /memberships/<int:membership_id>/approve",
        "POST /memberships/<int:membership_id>/reject",
        "POST /invitations/<int:invitation_id>/revoke",
        "POST /admin/groups/<slug>/coordinators/<int:user_id>/remove",
        "POST /admin/organisations/<int:organisation_id>/accept",
        "GET /people/<int:person_id>",
    } <= set(tried)
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == audits


def test_the_largest_database_id_still_reaches_the_view(browser, admin):
    browser.login(admin)

    response = browser.client.get(f"/people/{2**31 - 1}")

    assert response.status_code == 404
    assert "There is no person at this address." in response.get_data(as_text=True)


def test_an_id_has_one_spelling(client, session):
    group = make_group(session)
    meeting = make_meeting(session, group, audience=Audience.OPEN)
    session.commit()
    assert client.get(f"/meetings/{meeting.id}").status_code == 200
    assert client.get(f"/meetings/{meeting.id}.ics").status_code == 200
    # Leading zeros, other scripts' digits: not second addresses of the same page.
    arabic_indic = str(meeting.id).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    for spelling in (f"0{meeting.id}", arabic_indic, f"+{meeting.id}", f" {meeting.id}"):
        assert client.get(f"/meetings/{spelling}").status_code == 404, spelling
        assert client.get(f"/meetings/{spelling}.ics").status_code == 404, spelling


def test_security_headers_are_on_every_response(client):
    response = client.get("/")

    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_only_over_https(client):
    response = client.get("/", base_url="https://cop.test")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_an_unexpected_error_is_a_500_page_in_the_site_look(app, client, session):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom-test")
    def boom():
        raise RuntimeError("unexpected")

    response = client.get("/boom-test")

    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong" in page and "Nothing was saved" in page
    assert "RuntimeError" not in page


def test_a_failed_request_leaves_no_half_written_record(app, client, session):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    from cop.audit.services import record_change
    from cop.db import get_session
    from tests.factories import make_user

    @app.get("/half-written-test")
    def half_written():
        db = get_session()
        person = make_user(db, name="Half Written")
        record_change(db, actor=None, action="user.created", record=person)
        raise RuntimeError("failed after writing")

    assert client.get("/half-written-test").status_code == 500
    assert session.scalar(select(User).where(User.name == "Half Written")) is None
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_is_503_json_when_the_database_is_down(tmp_path):
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'missing-folder' / 'cop.sqlite3'}",
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
        }
    )

    response = app.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "unreachable"}


def test_a_signed_in_person_gets_the_503_json_and_error_pages_when_the_database_is_down(tmp_path):
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'missing-folder' / 'cop.sqlite3'}",
            "TESTING": True,
            "PROPAGATE_EXCEPTIONS": False,
            "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
        }
    )
    client = app.test_client()
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = "1:1"

    assert client.get("/healthz").status_code == 503
    page = client.get("/")
    assert page.status_code == 500
    assert "Something went wrong" in page.get_data(as_text=True)


def test_a_nul_byte_in_an_address_is_a_404_page(client, session):
    """No address holds a NUL byte (PostgreSQL refuses one in a query): it names nothing."""
    group = make_group(session)
    session.commit()
    for url in (
        "/groups/a%00b/",
        "/groups/a%00b/outcomes/",
        "/groups/a%00b/outcomes/feed.atom",
        "/regions/BE%0010",
        f"/groups/{group.slug}%00/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "<html" in response.get_data(as_text=True), url


def test_text_refuses_characters_no_document_can_hold():
    from cop.errors import Invalid
    from cop.validation import check_text

    for bad in ("a\x00b", "a\ufffeb", "a\uffffb", "a\ud800b", "a\x1bb"):
        try:
            check_text(bad, "title", 100, refuse_control=True)
        except Invalid as problem:
            assert problem.field == "title"
        else:
            raise AssertionError(f"{bad!r} was taken")
    assert check_text(" tab\there\nline ", "title", 100, refuse_control=True) == "tab\there\nline"
