"""Error pages and JSON errors: every failure answers in the site's look, never a bare 500."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from cop.errors import DomainError
from cop.web import safe_next, wants_json


def _titles() -> dict[int, tuple[str, str]]:
    return {
        400: (
            _("Bad request"),
            _("The request could not be understood. Please check what you sent and try again."),
        ),
        403: (_("Not allowed"), _("You do not have permission to do this.")),
        404: (
            _("Page not found"),
            _("There is nothing at this address. It may have moved, or the link may be mistyped."),
        ),
        405: (_("Method not allowed"), _("This address does not accept that kind of request.")),
        409: (
            _("Conflict"),
            _(
                "This change clashes with the current state of the record. Reload the page and try again."
            ),
        ),
        413: (_("Too large"), _("What you sent is larger than this site accepts.")),
        429: (_("Too many requests"), _("Please wait a moment before trying again.")),
        500: (
            _("Something went wrong"),
            _(
                "An unexpected error stopped this request. Nothing was saved. Please try again later."
            ),
        ),
    }


def way_back() -> str | None:
    """The page the person was on (the Referer), as a path of this site, for a link back to
    it: after a form sent twice or from a stale page, that page shows the record as it now
    is. None when the Referer is missing, another site's, or this very address (a GET)."""
    referrer = request.headers.get("Referer", "")
    parts = urlsplit(referrer)
    if (parts.scheme or parts.netloc) and (
        parts.scheme not in ("http", "https") or parts.netloc != request.host
    ):
        return None
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if not path or safe_next(path) != path:
        return None
    if request.method == "GET" and path == request.full_path.rstrip("?"):
        return None
    return path


def render_error(status: int, message: str | None = None) -> Response:
    title, description = _titles().get(status, (_("Error"), ""))
    text = message or description
    if wants_json() or request.path.startswith(("/api/", "/healthz")):
        body = jsonify(error={"status": status, "title": title, "message": text})
    else:
        body = render_template(
            "errors/error.html", status=status, title=title, message=text, back=way_back()
        )
    return make_response(body, status)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(
            400,
            _(
                "This form has expired or did not come from this site. Go back, reload the page and try again."
            ),
        )

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        return render_error(error.status_code, error.message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        response = render_error(error.code)
        valid_methods = getattr(error, "valid_methods", None)
        if error.code == 405 and valid_methods:
            response.headers["Allow"] = ", ".join(valid_methods)
        return response

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        return render_error(500)
