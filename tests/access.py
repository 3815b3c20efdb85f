"""The access table: every route of the app, and what each role gets from it.

A test fails when a route is missing here, so each new page says who may use it.
Expected answers: an HTTP status, or LOGIN for a redirect to the login page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LOGIN = "login"
ROLES = ("anonymous", "user", "admin")


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    path: str  # a concrete URL; {group} is the slug of a test group
    expect: dict[str, int | str]
    data: dict[str, str] = field(default_factory=dict)


def everyone(status: int) -> dict[str, int | str]:
    return dict.fromkeys(ROLES, status)


ACCESS_TABLE: list[Route] = [
    Route("site.home", "GET", "/", everyone(200)),
    Route("site.group", "GET", "/groups/{group}/", everyone(200)),
    Route("site.privacy", "GET", "/privacy", everyone(200)),
    Route("site.accessibility", "GET", "/accessibility", everyone(200)),
    Route("site.choose_language", "GET", "/language/fr?next=/", everyone(302)),
    Route("site.healthz", "GET", "/healthz", everyone(200)),
    Route("auth.login", "GET", "/account/login", {"anonymous": 200, "user": 302, "admin": 302}),
    Route(
        "auth.login",
        "POST",
        "/account/login",
        {"anonymous": 400, "user": 302, "admin": 302},
        data={"email": "nobody@example.org", "password": "wrong password"},
    ),
    Route("auth.logout", "POST", "/account/logout", everyone(302)),
    Route(
        "audit.audit_log", "GET", "/admin/audit", {"anonymous": LOGIN, "user": 403, "admin": 200}
    ),
]
