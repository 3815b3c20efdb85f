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
    Route("auth.sign_up", "GET", "/account/signup", {**everyone(302), "anonymous": 200}),
    Route("auth.sign_up", "POST", "/account/signup", {**everyone(302), "anonymous": 400}),
    Route("auth.confirm_email", "GET", "/account/confirm/not-a-real-token", everyone(400)),
    Route("auth.resend_confirmation", "GET", "/account/resend-confirmation", everyone(200)),
    Route(
        "auth.resend_confirmation",
        "POST",
        "/account/resend-confirmation",
        everyone(302),
        data={"email": "nobody@example.org"},
    ),
    Route("auth.request_reset", "GET", "/account/reset", everyone(200)),
    Route(
        "auth.request_reset",
        "POST",
        "/account/reset",
        everyone(302),
        data={"email": "nobody@example.org"},
    ),
    Route("auth.reset_password", "GET", "/account/reset/not-a-real-token", everyone(400)),
    Route("auth.reset_password", "POST", "/account/reset/not-a-real-token", everyone(400)),
    Route("auth.profile", "GET", "/account/profile", signed_in(200)),
    Route(
        "auth.profile",
        "POST",
        "/account/profile",
        signed_in(302),
        data={
            "name": "Someone Else",
            "organisation": "{organisation_id}",
            "language": "en",
            "timezone": "Europe/Brussels",
        },
    ),
    Route("auth.change_password", "GET", "/account/password", signed_in(200)),
    Route(
        "auth.change_password",
        "POST",
        "/account/password",
        signed_in(302),
        data={
            "current_password": "correct horse battery staple",
            "password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
    ),
    Route("auth.change_email", "GET", "/account/email", signed_in(200)),
    Route(
        "auth.change_email",
        "POST",
        "/account/email",
        signed_in(302),
        data={
            "email": "a-new-address@example.org",
            "current_password": "correct horse battery staple",
        },
    ),
    Route("auth.confirm_email_change", "GET", "/account/email/not-a-real-token", everyone(400)),
    Route("organisations.index", "GET", "/admin/organisations", only(200, "admin")),
    # Merging an organisation into itself: the admin is told why not; the others may not try.
    Route(
        "organisations.merge",
        "POST",
        "/admin/organisations/merge",
        only(400, "admin"),
        data={"duplicate": "{organisation_id}", "kept": "{organisation_id}"},
    ),
    Route(
        "organisations.accept",
        "POST",
        "/admin/organisations/{organisation_id}/accept",
        only(302, "admin"),
    ),
    # -- membership (apply, decide, leave, invite, groups and coordinators)
    Route("members.join", "GET", "/groups/{group}/join", signed_in(200)),
    Route("members.join", "GET", "/groups/no-such-group/join", signed_in(404)),
    # Anyone signed in may apply, unless already applied or active (the world's admin is neither).
    Route(
        "members.apply",
        "POST",
        "/groups/{group}/apply",
        {**signed_in(302), "applicant": 400, "member": 400, "coordinator": 400},
        data={"motivation": "I run the innovation agency of my region."},
    ),
    Route(
        "members.apply",
        "POST",
        "/groups/{archived_group}/apply",
        signed_in(400),
        data={"motivation": "I run the innovation agency of my region."},
    ),
    # Members leave and applicants withdraw; the world's coordinator is the group's last one.
    Route(
        "members.leave",
        "POST",
        "/groups/{group}/leave",
        {**signed_in(400), "applicant": 302, "member": 302},
    ),
    Route(
        "members.applications",
        "GET",
        "/groups/{group}/applications",
        only(200, "coordinator", "admin"),
    ),
    Route("members.applications", "GET", "/groups/{other_group}/applications", only(200, "admin")),
    Route(
        "members.approve",
        "POST",
        "/memberships/{applicant_membership_id}/approve",
        only(302, "coordinator", "admin"),
    ),
    Route(
        "members.approve",
        "POST",
        "/memberships/{member_membership_id}/approve",
        only(409, "coordinator", "admin"),
    ),
    Route("members.approve", "POST", "/memberships/999999999/approve", signed_in(404)),
    Route(
        "members.reject",
        "POST",
        "/memberships/{applicant_membership_id}/reject",
        only(302, "coordinator", "admin"),
        data={"note": "The group is full this year."},
    ),
    Route("members.reject", "POST", "/memberships/999999999/reject", signed_in(404)),
    Route(
        "members.invitations",
        "GET",
        "/groups/{group}/invitations",
        only(200, "coordinator", "admin"),
    ),
    Route(
        "members.invitations",
        "POST",
        "/groups/{group}/invitations",
        only(302, "coordinator", "admin"),
        data={"email": "new.expert@example.org", "message": "Join us."},
    ),
    Route("members.revoke_invitation", "POST", "/invitations/999999999/revoke", signed_in(404)),
    Route("members.invitation_link", "GET", "/invitations/not-a-valid-token", everyone(400)),
    Route("members.admin_groups", "GET", "/admin/groups", only(200, "admin")),
    Route(
        "members.admin_groups",
        "POST",
        "/admin/groups",
        only(302, "admin"),
        data={
            "slug": "made-by-the-table",
            "name": "Made by the table",
            "kickoff": "2025-01-15",
            "duration_months": "36",
            "meetings_per_year": "2",
            "timezone": "Europe/Brussels",
        },
    ),
    Route("members.admin_group", "GET", "/admin/groups/{group}", only(200, "admin")),
    Route("members.archive_group", "POST", "/admin/groups/{group}/archive", only(302, "admin")),
    Route(
        "members.unarchive_group",
        "POST",
        "/admin/groups/{archived_group}/unarchive",
        only(302, "admin"),
    ),
    Route(
        "members.appoint_coordinator",
        "POST",
        "/admin/groups/{group}/coordinators",
        only(302, "admin"),
        data={"email": "uma@example.org"},
    ),
    Route(
        "members.remove_coordinator",
        "POST",
        "/admin/groups/{group}/coordinators/{coordinator_id}/remove",
        only(302, "admin"),
    ),
    # -- people pages (participants, directory, my groups, profiles, your data)
    Route(
        "members.directory",
        "GET",
        "/groups/{group}/members/",
        only(200, "member", "coordinator", "admin"),
    ),
    Route("members.directory", "GET", "/groups/{other_group}/members/", only(200, "admin")),
    Route("members.directory", "GET", "/groups/no-such-group/members/", signed_in(404)),
    Route("members.my_groups", "GET", "/account/groups", signed_in(200)),
    # Profiles: to oneself, admins, members sharing an active group, coordinators of a group
    # the person applied to; the world's people are not listed publicly, so anonymous log in.
    Route(
        "members.person",
        "GET",
        "/people/{member_id}",
        only(200, "member", "coordinator", "admin"),
    ),
    Route(
        "members.person",
        "GET",
        "/people/{applicant_id}",
        only(200, "applicant", "coordinator", "admin"),
    ),
    Route("members.person", "GET", "/people/{user_id}", only(200, "user", "admin")),
    Route("members.person", "GET", "/people/999999999", everyone(404)),
    Route("members.your_data", "GET", "/account/data", signed_in(200)),
    Route("members.your_data_json", "GET", "/account/data.json", signed_in(200)),
    Route(
        "members.close_account",
        "POST",
        "/account/close",
        # The world's coordinator is its group's last: they must hand over first.
        {**signed_in(302), "coordinator": 400},
        data={"password": "correct horse battery staple"},
    ),
    Route(
        "members.close_account",
        "POST",
        "/account/close",
        signed_in(400),
        data={"password": "not my password"},
    ),
]
