"""Small helpers shared by the views of every package."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Request, render_template, request, url_for
from werkzeug.exceptions import BadRequest
from werkzeug.formparser import FormDataParser
from werkzeug.routing import IntegerConverter

from cop.db import MAX_ID, get_session
from cop.errors import Invalid


class BoundedIntConverter(IntegerConverter):
    """An `<int:...>` URL part that only matches ids a database column can hold.

    A forged id above that range is "no such page" (404); passed on, it would
    be a database error (OverflowError on SQLite, out of range on PostgreSQL).
    Only the one spelling of a number is an address: ASCII digits without leading
    zeros, so /meetings/011 and /meetings/١١ are not second addresses of meeting 11.
    """

    regex = r"[1-9][0-9]*"

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def safe_next(target: str | None, default_endpoint: str = "site.home") -> str:
    """A redirect target on this site only: a relative path, never another host."""
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
            and "\\" not in target
        ):
            return target
    return url_for(default_endpoint)


def wants_json() -> bool:
    """True when the client asked for JSON rather than a page."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and (
        request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


class StrictFormDataParser(FormDataParser):
    """Refuses a malformed form body with a 400, where Werkzeug would silently drop it."""

    def parse(self, stream, mimetype, content_length, options=None):
        self.silent = False
        try:
            return super().parse(stream, mimetype, content_length, options)
        except ValueError:
            raise BadRequest("The request body is malformed.") from None


class CopRequest(Request):
    form_data_parser_class = StrictFormDataParser


def show_error(form, error, default: str | None = None) -> None:
    """Put each problem of a service's Invalid next to the form field it names, else `default`,
    else above the form."""
    for problem in getattr(error, "problems", (error,)):
        name = problem.field if problem.field in form else default
        if name is None:
            form.form_errors.append(problem.message)
            continue
        field = form[name]
        # Before validation a field's errors are a tuple; make them a list it can grow.
        field.errors = [*field.errors, problem.message]


def save_form(form, change, *, default: str | None = None):
    """Run `change` (one service call) and commit: its result. When the service refuses
    (Invalid), the session is rolled back, so nothing is written, its messages go on the form
    (next to the fields they name, else `default`) and the answer is None."""
    session = get_session()
    try:
        result = change()
    except Invalid as error:
        session.rollback()
        show_error(form, error, default)
        return None
    session.commit()
    return result


def form_page(template: str, form, **context):
    """A page with its form: 400 when the form shows errors."""
    return render_template(template, form=form, **context), (400 if form.errors else 200)
