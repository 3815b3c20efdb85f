"""The access table: every route of the app, and what each role gets from it.

A test fails when a route is missing here, so each new page says who may use it.
Expected answers: an HTTP status, or LOGIN for a redirect to the login page.
Roles are per working group: "applicant", "member" and "coordinator" hold that
status in the test group {group}; "user" is signed in with no membership.
Placeholders in paths and form data are filled from the world built in
tests/test_access.py (see WORLD_KEYS).
"""

from __future__ import annotations

from dataclasses import dataclass, field

LOGIN = "login"
ROLES = ("anonymous", "user", "applicant", "member", "coordinator", "admin")
# What a path or form value may name: {group} slug of the test group, {other_group} a group
# where nobody of the world is a member, {archived_group}; the ids of the people of each role
# ({user_id}, {applicant_id}, {member_id}, {coordinator_id}, {admin_id}), of their memberships
# in {group} ({applicant_membership_id}, {member_membership_id}), and {organisation_id}.
WORLD_KEYS = (
    "group",
    "other_group",
    "archived_group",
    "user_id",
    "applicant_id",
    "member_id",
    "coordinator_id",
    "admin_id",
    "applicant_membership_id",
    "member_membership_id",
    "organisation_id",
)


@dataclass(frozen=True)
class Route:
    endpoint: str
    method: str
    path: str  # a concrete URL; {group} is the slug of a test group
    expect: dict[str, int | str]
    data: dict[str, str] = field(default_factory=dict)


def everyone(status: int) -> dict[str, int | str]:
    return dict.fromkeys(ROLES, status)


def signed_in(status: int) -> dict[str, int | str]:
    """Anonymous people are sent to log in; everyone signed in gets `status`."""
    return {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], status)}


def only(status: int, *roles: str, others: int | str = 403) -> dict[str, int | str]:
    """`status` for the named roles, `others` for the rest signed in, LOGIN for anonymous."""
    expect = {role: (status if role in roles else others) for role in ROLES}
    if "anonymous" not in roles:
        expect["anonymous"] = LOGIN
    return expect


ACCESS_TABLE: list[Route] = [
    # -- platform
    Route("site.home", "GET", "/", everyone(200)),
    Route("site.group", "GET", "/groups/{group}/", everyone(200)),
    Route("site.privacy", "GET", "/privacy", everyone(200)),
    Route("site.accessibility", "GET", "/accessibility", everyone(200)),
    Route("site.choose_language", "GET", "/language/fr?next=/", everyone(302)),
    Route("site.healthz", "GET", "/healthz", everyone(200)),
    Route("auth.login", "GET", "/account/login", {**everyone(302), "anonymous": 200}),
    Route(
        "auth.login",
        "POST",
        "/account/login",
        {**everyone(302), "anonymous": 400},
        data={"email": "nobody@example.org", "password": "wrong password"},
    ),
    Route("auth.logout", "POST", "/account/logout", everyone(302)),
    Route("audit.audit_log", "GET", "/admin/audit", only(200, "admin")),
    # -- accounts (sign-up, confirmation, reset, profile)
    # -- membership (apply, decide, leave, invite, groups and coordinators)
    # -- people pages (participants, directory, my groups, profiles, your data)
]
