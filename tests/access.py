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
    # Meetings of {group}, all published and upcoming unless named otherwise: {meeting} for
    # members (hybrid, 10 seats in the room), {open_meeting} an online webinar open to anyone,
    # {draft_meeting}, {past_meeting} (over), and {other_meeting} of {other_group}.
    # {member_registration_id}: the member's confirmed seat at {meeting};
    # {waiting_registration_id}: a guest on {meeting}'s waiting list.
    "meeting",
    "open_meeting",
    "draft_meeting",
    "other_meeting",
    "past_meeting",
    "member_registration_id",
    "waiting_registration_id",
    # {member_feed_token}: the secret part of the member's calendar address (in force);
    # {revoked_feed_token}: the member's earlier address, reset since.
    "member_feed_token",
    "revoked_feed_token",
    # Challenges of {group}: {proposed_challenge} raised by the member, {accepted_challenge},
    # {closed_challenge}; {theme} a current theme of {group}.
    "proposed_challenge",
    "accepted_challenge",
    "closed_challenge",
    "theme",
    # Good practices of {group} by the member, complete: {draft_practice} (with the web link
    # {practice_link}), {submitted_practice} and {published_practice}.
    "draft_practice",
    "submitted_practice",
    "published_practice",
    "practice_link",
    # Activities: {planned_activity} of {group}, addressing {accepted_challenge}, held as
    # {meeting}, with the member as an expert; {completed_activity} (with its evaluation);
    # {other_activity} of {other_group}. Support requests the member sent on
    # {accepted_challenge} for their organisation's region (BE10): {open_request} and
    # {answered_request} (declined).
    "planned_activity",
    "completed_activity",
    "other_activity",
    "open_request",
    "answered_request",
    # Solutions of {group} owned by the member, answering {accepted_challenge} in BE10:
    # {public_solution} (public, in deployment, with the indicator {solution_indicator},
    # baseline 10 on 2025-01-01, target 50 by 2027-12-31, and the open milestone
    # {solution_milestone}) and {private_solution} (members only, in co-development);
    # {other_solution} of {other_group}, members only.
    "public_solution",
    "private_solution",
    "solution_indicator",
    "solution_milestone",
    "other_solution",
    # Outcomes of {group} written by the member: {draft_outcome}, {review_outcome} (in review,
    # submitted by the member), {published_outcome} (lessons learnt approved by the
    # coordinator, drawing on {public_solution} and {past_meeting}, concerning BE10) and
    # {withdrawn_outcome} (published, then withdrawn); {other_outcome}, a draft of
    # {other_group}.
    "draft_outcome",
    "review_outcome",
    "published_outcome",
    "withdrawn_outcome",
    "other_outcome",
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


def solution_editors(status: int) -> dict[str, int | str]:
    """A members-only solution's form: `status` for its owner (the member), the group's
    coordinators and admins; not there (404) for the other people signed in; anonymous
    people are sent to log in."""
    return only(status, "member", "coordinator", "admin", others=404)


def practice_editors(status: int) -> dict[str, int | str]:
    """A good practice not published: `status` for its author (the member) and the group's
    coordinators, not there (404) for anyone else."""
    return {**everyone(404), "member": status, "coordinator": status, "admin": status}


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
    # -- meetings: management (agenda, materials, minutes, publish, cancel, postpone)
    # Coordinators of {group} and admins manage its meetings; others get 403, and drafts are
    # not there at all for those who may not see them (404).
    Route(
        "meetings.new_meeting",
        "GET",
        "/groups/{group}/meetings/new",
        only(200, "coordinator", "admin"),
    ),
    Route("meetings.new_meeting", "GET", "/groups/{other_group}/meetings/new", only(200, "admin")),
    Route("meetings.new_meeting", "GET", "/groups/no-such-group/meetings/new", signed_in(404)),
    Route(
        "meetings.new_meeting",
        "POST",
        "/groups/{group}/meetings/new",
        only(302, "coordinator", "admin"),
        data={
            "title": "Workshop on digital innovation hubs",
            "kind": "workshop",
            "cycle_slot": "",
            "starts_at": "2036-06-14T09:30",
            "ends_at": "2036-06-14T17:00",
            "timezone": "Europe/Brussels",
            "format": "hybrid",
            "venue": "Committee of the Regions",
            "capacity_in_person": "40",
            "audience": "members",
            "reminder_days": "7,1",
            "agenda_visibility": "public",
            "minutes_visibility": "members",
        },
    ),
    Route(
        "meetings.edit_meeting",
        "GET",
        "/meetings/{meeting}/edit",
        only(200, "coordinator", "admin"),
    ),
    Route("meetings.edit_meeting", "GET", "/meetings/{other_meeting}/edit", only(200, "admin")),
    Route(
        "meetings.edit_meeting",
        "GET",
        "/meetings/{draft_meeting}/edit",
        only(200, "coordinator", "admin", others=404),
    ),
    Route("meetings.edit_meeting", "GET", "/meetings/999999999/edit", signed_in(404)),
    Route(
        "meetings.edit_meeting",
        "POST",
        "/meetings/{meeting}/edit",
        only(302, "coordinator", "admin"),
        data={
            "title": "Workshop on digital innovation hubs",
            "kind": "workshop",
            "cycle_slot": "",
            "starts_at": "2036-06-14T09:30",
            "ends_at": "2036-06-14T17:00",
            "timezone": "Europe/Brussels",
            "format": "hybrid",
            "venue": "Committee of the Regions",
            "capacity_in_person": "40",
            "audience": "members",
            "reminder_days": "7,1",
            "agenda_visibility": "public",
            "minutes_visibility": "members",
        },
    ),
    Route(
        "meetings.publish_meeting",
        "GET",
        "/meetings/{draft_meeting}/publish",
        only(200, "coordinator", "admin", others=404),
    ),
    Route(
        "meetings.publish_meeting",
        "POST",
        "/meetings/{draft_meeting}/publish",
        only(302, "coordinator", "admin", others=404),
        data={"announce": "y"},
    ),
    # Already published: a replayed form is a conflict.
    Route(
        "meetings.publish_meeting",
        "POST",
        "/meetings/{meeting}/publish",
        only(409, "coordinator", "admin"),
    ),
    Route(
        "meetings.cancel_meeting",
        "GET",
        "/meetings/{meeting}/cancel",
        only(200, "coordinator", "admin"),
    ),
    Route(
        "meetings.cancel_meeting",
        "POST",
        "/meetings/{meeting}/cancel",
        only(302, "coordinator", "admin"),
        data={"reason": "The venue is closed for works."},
    ),
    Route(
        "meetings.cancel_meeting",
        "POST",
        "/meetings/{other_meeting}/cancel",
        only(302, "admin"),
        data={"reason": "The venue is closed for works."},
    ),
    Route(
        "meetings.postpone_meeting",
        "GET",
        "/meetings/{meeting}/postpone",
        only(200, "coordinator", "admin"),
    ),
    Route(
        "meetings.postpone_meeting",
        "POST",
        "/meetings/{meeting}/postpone",
        only(302, "coordinator", "admin"),
        data={"starts_at": "2036-06-16T09:30", "ends_at": "2036-06-16T17:00"},
    ),
    Route(
        "meetings.agenda", "GET", "/meetings/{meeting}/agenda", only(200, "coordinator", "admin")
    ),
    Route("meetings.agenda", "GET", "/meetings/{other_meeting}/agenda", only(200, "admin")),
    # The world's meeting is dated from today, so a fixed time falls outside it: refused (400)
    # once permission is granted (tests/test_meeting_content.py adds items that fit).
    Route(
        "meetings.agenda",
        "POST",
        "/meetings/{meeting}/agenda",
        only(400, "coordinator", "admin"),
        data={"starts_at": "2036-06-16T09:30", "title": "Welcome"},
    ),
    Route("meetings.edit_agenda_item", "GET", "/agenda-items/999999999/edit", signed_in(404)),
    Route("meetings.edit_agenda_item", "POST", "/agenda-items/999999999/edit", signed_in(404)),
    Route("meetings.remove_agenda_item", "POST", "/agenda-items/999999999/remove", signed_in(404)),
    Route(
        "meetings.materials",
        "GET",
        "/meetings/{meeting}/materials",
        only(200, "coordinator", "admin"),
    ),
    Route("meetings.materials", "GET", "/meetings/{other_meeting}/materials", only(200, "admin")),
    Route(
        "meetings.materials",
        "POST",
        "/meetings/{meeting}/materials",
        only(302, "coordinator", "admin"),
        data={
            "form_name": "link",
            "link-kind": "recording",
            "link-title": "Recording of the workshop",
            "link-url": "https://video.example.org/s3-workshop",
            "link-visibility": "public",
        },
    ),
    Route("meetings.withdraw_material", "POST", "/materials/999999999/withdraw", signed_in(404)),
    Route("meetings.material_file", "GET", "/materials/999999999/file", everyone(404)),
    Route(
        "meetings.minutes",
        "GET",
        "/meetings/{meeting}/minutes",
        only(200, "coordinator", "admin"),
    ),
    Route(
        "meetings.minutes",
        "POST",
        "/meetings/{meeting}/minutes",
        only(302, "coordinator", "admin"),
        data={"minutes": "# Decisions\n\n- Meet again in spring.", "visibility": "members"},
    ),
    # -- meetings: registration, participants, my meetings
    # Members register for {meeting} (members only; the member already holds a seat); anyone
    # for {open_meeting}, without an account too. Drafts are not there for non-coordinators.
    Route(
        "meetings.register",
        "GET",
        "/meetings/{meeting}/register",
        only(200, "member", "coordinator", "admin"),
    ),
    Route(
        "meetings.register",
        "POST",
        "/meetings/{meeting}/register",
        {**only(302, "coordinator", "admin"), "member": 400},
        data={"mode": "in_person"},
    ),
    Route("meetings.register", "GET", "/meetings/{open_meeting}/register", everyone(200)),
    Route(
        "meetings.register",
        "POST",
        "/meetings/{open_meeting}/register",
        everyone(302),
        data={"mode": "online", "name": "Table Guest", "email": "table-guest@example.org"},
    ),
    Route(
        "meetings.register",
        "GET",
        "/meetings/{draft_meeting}/register",
        {**everyone(404), "coordinator": 200, "admin": 200},
    ),
    Route(
        "meetings.register",
        "POST",
        "/meetings/{past_meeting}/register",
        only(400, "member", "coordinator", "admin"),
        data={"mode": "in_person"},
    ),
    Route("meetings.register", "GET", "/meetings/{other_meeting}/register", only(200, "admin")),
    Route("meetings.register", "GET", "/meetings/999999999/register", everyone(404)),
    # Guests' emailed links: a forged token is a 400 page whoever follows it.
    Route("meetings.confirm_guest", "GET", "/meetings/confirm/not-a-real-token", everyone(400)),
    Route("meetings.confirm_guest", "POST", "/meetings/confirm/not-a-real-token", everyone(400)),
    Route("meetings.cancel_guest", "GET", "/meetings/cancel/not-a-real-token", everyone(400)),
    Route("meetings.cancel_guest", "POST", "/meetings/cancel/not-a-real-token", everyone(400)),
    # One's own registration, or anyone's for the group's coordinators; someone else's is not
    # there (404).
    Route(
        "meetings.cancel_registration",
        "POST",
        "/registrations/{member_registration_id}/cancel",
        only(302, "member", "coordinator", "admin", others=404),
    ),
    Route(
        "meetings.cancel_registration",
        "POST",
        "/registrations/{waiting_registration_id}/cancel",
        only(302, "coordinator", "admin", others=404),
    ),
    Route(
        "meetings.cancel_registration", "POST", "/registrations/999999999/cancel", signed_in(404)
    ),
    Route(
        "meetings.confirm_registration",
        "POST",
        "/registrations/{waiting_registration_id}/confirm",
        only(302, "coordinator", "admin"),
    ),
    # The member's seat is confirmed already: coordinators are told so.
    Route(
        "meetings.confirm_registration",
        "POST",
        "/registrations/{member_registration_id}/confirm",
        only(400, "coordinator", "admin"),
    ),
    Route(
        "meetings.confirm_registration",
        "POST",
        "/registrations/999999999/confirm",
        signed_in(404),
    ),
    # {meeting} is a month away: attendance cannot be recorded yet (coordinators are told when).
    Route(
        "meetings.check_in",
        "POST",
        "/registrations/{member_registration_id}/attendance",
        only(400, "coordinator", "admin"),
        data={"attended": "yes"},
    ),
    Route(
        "meetings.check_in",
        "POST",
        "/registrations/999999999/attendance",
        signed_in(404),
        data={"attended": "yes"},
    ),
    Route(
        "meetings.participants",
        "GET",
        "/meetings/{meeting}/participants",
        only(200, "coordinator", "admin"),
    ),
    Route(
        "meetings.participants",
        "GET",
        "/meetings/{draft_meeting}/participants",
        only(200, "coordinator", "admin"),
    ),
    Route(
        "meetings.participants", "GET", "/meetings/{other_meeting}/participants", only(200, "admin")
    ),
    Route("meetings.participants", "GET", "/meetings/999999999/participants", signed_in(404)),
    Route(
        "meetings.participants_csv",
        "GET",
        "/meetings/{meeting}/participants.csv",
        only(200, "coordinator", "admin"),
    ),
    Route(
        "meetings.participants_csv",
        "GET",
        "/meetings/{other_meeting}/participants.csv",
        only(200, "admin"),
    ),
    Route("meetings.my_meetings", "GET", "/account/meetings", signed_in(200)),
    # -- meetings: public pages
    Route("meetings.meeting", "GET", "/meetings/{meeting}", everyone(200)),
    Route("meetings.meeting", "GET", "/meetings/{open_meeting}", everyone(200)),
    Route("meetings.meeting", "GET", "/meetings/{past_meeting}", everyone(200)),
    Route("meetings.meeting", "GET", "/meetings/{other_meeting}", everyone(200)),
    Route(
        "meetings.meeting",
        "GET",
        "/meetings/{draft_meeting}",
        {**everyone(404), "coordinator": 200, "admin": 200},
    ),
    Route("meetings.meeting", "GET", "/meetings/99999999", everyone(404)),
    Route("meetings.group_meetings", "GET", "/groups/{group}/meetings/", everyone(200)),
    Route("meetings.group_meetings", "GET", "/groups/{archived_group}/meetings/", everyone(200)),
    Route("meetings.group_meetings", "GET", "/groups/no-such-group/meetings/", everyone(404)),
    # -- calendar: a meeting's file, a group's feed, each person's feed at its secret address
    # A meeting's file follows who may come: open meetings for anyone, members-only ones for
    # the group's members, drafts for its coordinators; for everyone else it is not there
    # (404, even anonymous: no login page that would tell it exists).
    Route("calendar.meeting_file", "GET", "/meetings/{open_meeting}.ics", everyone(200)),
    Route(
        "calendar.meeting_file",
        "GET",
        "/meetings/{meeting}.ics",
        {**everyone(404), "member": 200, "coordinator": 200, "admin": 200},
    ),
    Route(
        "calendar.meeting_file",
        "GET",
        "/meetings/{past_meeting}.ics",
        {**everyone(404), "member": 200, "coordinator": 200, "admin": 200},
    ),
    Route(
        "calendar.meeting_file",
        "GET",
        "/meetings/{draft_meeting}.ics",
        {**everyone(404), "coordinator": 200, "admin": 200},
    ),
    Route(
        "calendar.meeting_file",
        "GET",
        "/meetings/{other_meeting}.ics",
        {**everyone(404), "admin": 200},
    ),
    Route("calendar.meeting_file", "GET", "/meetings/999999999.ics", everyone(404)),
    Route("calendar.meeting_file", "GET", "/meetings/not-a-number.ics", everyone(404)),
    # A group's feed is public (open meetings only); calendar programs cannot log in.
    Route("calendar.group_feed", "GET", "/calendar/{group}.ics", everyone(200)),
    Route("calendar.group_feed", "GET", "/calendar/{archived_group}.ics", everyone(200)),
    Route("calendar.group_feed", "GET", "/calendar/no-such-group.ics", everyone(404)),
    # The address is the key: whoever asks gets the feed (or 404), signed in or not.
    Route("calendar.personal_feed", "GET", "/calendar/u/{member_feed_token}.ics", everyone(200)),
    Route("calendar.personal_feed", "GET", "/calendar/u/{revoked_feed_token}.ics", everyone(404)),
    Route("calendar.personal_feed", "GET", "/calendar/u/not-a-token.ics", everyone(404)),
    Route("calendar.my_calendar", "GET", "/account/calendar", signed_in(200)),
    # Makes (or, asked knowingly, resets) the address of whoever is signed in.
    Route("calendar.my_calendar", "POST", "/account/calendar", signed_in(302), {"understood": "y"}),
    # Challenges
    # Accepted challenges are public; proposed and closed ones are for the group's members only
    # (404 for everyone else). Raising, endorsing: members; deciding, ranking, themes:
    # coordinators.
    Route("challenges.group_challenges", "GET", "/groups/{group}/challenges/", everyone(200)),
    Route("challenges.group_challenges", "GET", "/groups/no-such-group/challenges/", everyone(404)),
    Route(
        "challenges.new_challenge",
        "GET",
        "/groups/{group}/challenges/new",
        only(200, "member", "coordinator", "admin"),
    ),
    Route(
        "challenges.new_challenge",
        "POST",
        "/groups/{group}/challenges/new",
        only(400, "member", "coordinator", "admin"),
    ),
    Route("challenges.challenge", "GET", "/challenges/{accepted_challenge}", everyone(200)),
    Route(
        "challenges.challenge",
        "GET",
        "/challenges/{proposed_challenge}",
        {**everyone(404), "member": 200, "coordinator": 200, "admin": 200},
    ),
    Route(
        "challenges.challenge",
        "GET",
        "/challenges/{closed_challenge}",
        {**everyone(404), "member": 200, "coordinator": 200, "admin": 200},
    ),
    Route("challenges.challenge", "GET", "/challenges/99999999", everyone(404)),
    Route(
        "challenges.endorse",
        "POST",
        "/challenges/{accepted_challenge}/endorse",
        only(302, "member", "coordinator", "admin"),
        {"region_code": "BE10"},
    ),
    Route(
        "challenges.advance",
        "POST",
        "/challenges/{accepted_challenge}/advance",
        only(302, "coordinator", "admin"),
    ),
    Route(
        "challenges.close",
        "GET",
        "/challenges/{accepted_challenge}/close",
        only(200, "coordinator", "admin"),
    ),
    Route(
        "challenges.close",
        "POST",
        "/challenges/{accepted_challenge}/close",
        only(302, "coordinator", "admin"),
        {"reason": "Covered by another group."},
    ),
    Route(
        "challenges.merge",
        "GET",
        "/challenges/{accepted_challenge}/merge",
        only(200, "coordinator", "admin"),
    ),
    Route(
        "challenges.merge",
        "POST",
        "/challenges/{accepted_challenge}/merge",
        only(302, "coordinator", "admin"),
        {"into": "{proposed_challenge}"},
    ),
    Route(
        "challenges.edit",
        "GET",
        "/challenges/{proposed_challenge}/edit",
        {**only(200, "member", "coordinator", "admin"), "user": 404, "applicant": 404},
    ),
    Route(
        "challenges.edit",
        "POST",
        "/challenges/{accepted_challenge}/edit",
        only(400, "coordinator", "admin"),
    ),
    Route(
        "challenges.priorities",
        "GET",
        "/groups/{group}/challenges/priorities",
        only(200, "coordinator", "admin"),
    ),
    Route(
        "challenges.priorities",
        "POST",
        "/groups/{group}/challenges/priorities",
        only(302, "coordinator", "admin"),
    ),
    Route("challenges.themes", "GET", "/groups/{group}/themes/", only(200, "coordinator", "admin")),
    Route(
        "challenges.themes",
        "POST",
        "/groups/{group}/themes/",
        only(302, "coordinator", "admin"),
        {"name": "A new theme"},
    ),
    Route(
        "challenges.retire_theme",
        "POST",
        "/themes/{theme}/retire",
        only(302, "coordinator", "admin"),
    ),
    Route(
        "challenges.edit_theme",
        "GET",
        "/themes/{theme}/edit",
        only(200, "coordinator", "admin"),
    ),
    Route("challenges.edit_theme", "GET", "/themes/99999999/edit", signed_in(404)),
    Route(
        "challenges.edit_theme",
        "POST",
        "/themes/{theme}/edit",
        only(302, "coordinator", "admin"),
        {"name": "A clearer name"},
    ),
    # {theme} is current and the group's only one: restoring or moving it changes nothing, and
    # its coordinators are told so (409).
    Route(
        "challenges.restore_theme",
        "POST",
        "/themes/{theme}/restore",
        only(409, "coordinator", "admin"),
    ),
    Route(
        "challenges.move_theme",
        "POST",
        "/themes/{theme}/move",
        only(409, "coordinator", "admin"),
        {"direction": "up"},
    ),
    # Good practices
    # Published ones are public; the others are their author's (the member) and the
    # coordinators'; for anyone else they are not there (404).
    Route("challenges.group_practices", "GET", "/groups/{group}/practices/", everyone(200)),
    Route(
        "challenges.group_practices",
        "GET",
        "/groups/{group}/practices/?theme=x&country=%27&page=-1",
        everyone(200),
    ),
    Route("challenges.group_practices", "GET", "/groups/no-such-group/practices/", everyone(404)),
    Route(
        "challenges.new_practice",
        "GET",
        "/groups/{group}/practices/new",
        only(200, "member", "coordinator", "admin"),
    ),
    Route(
        "challenges.new_practice",
        "POST",
        "/groups/{group}/practices/new",
        only(302, "member", "coordinator", "admin"),
        {"title": "Vouchers"},
    ),
    Route("challenges.practice", "GET", "/practices/{published_practice}", everyone(200)),
    Route("challenges.practice", "GET", "/practices/{draft_practice}", practice_editors(200)),
    Route("challenges.practice", "GET", "/practices/{submitted_practice}", practice_editors(200)),
    Route("challenges.practice", "GET", "/practices/999999999", everyone(404)),
    Route(
        "challenges.edit_practice",
        "GET",
        "/practices/{draft_practice}/edit",
        {**practice_editors(200), "anonymous": LOGIN},
    ),
    # Submitted, it is no longer its author's to change: they are sent to its page, told why
    # (a POST is refused, 400); coordinators may change it.
    Route(
        "challenges.edit_practice",
        "GET",
        "/practices/{submitted_practice}/edit",
        {**practice_editors(200), "anonymous": LOGIN, "member": 302},
    ),
    Route(
        "challenges.edit_practice",
        "POST",
        "/practices/{submitted_practice}/edit",
        {**practice_editors(302), "anonymous": LOGIN, "member": 400},
        {"title": "Renamed"},
    ),
    Route(
        "challenges.edit_practice",
        "POST",
        "/practices/{draft_practice}/edit",
        {**practice_editors(302), "anonymous": LOGIN},
        {"title": "Renamed"},
    ),
    Route(
        "challenges.submit_practice",
        "POST",
        "/practices/{draft_practice}/submit",
        {**practice_editors(302), "anonymous": LOGIN},
    ),
    Route(
        "challenges.submit_practice",
        "POST",
        "/practices/{published_practice}/submit",
        {**practice_editors(400), "anonymous": LOGIN},
    ),
    # Reloaded after a refused submission: back to the form (which says who may see it).
    Route(
        "challenges.submit_practice", "GET", "/practices/{draft_practice}/submit", signed_in(302)
    ),
    # Its author takes a submitted practice back; coordinators return it instead (403).
    Route(
        "challenges.take_back_practice",
        "POST",
        "/practices/{submitted_practice}/take-back",
        {**practice_editors(302), "anonymous": LOGIN, "coordinator": 403, "admin": 403},
    ),
    Route(
        "challenges.take_back_practice",
        "POST",
        "/practices/{draft_practice}/take-back",
        {**practice_editors(409), "anonymous": LOGIN, "coordinator": 403, "admin": 403},
    ),
    Route(
        "challenges.review_practice",
        "GET",
        "/practices/{submitted_practice}/review",
        only(200, "coordinator", "admin"),
    ),
    Route(
        "challenges.review_practice",
        "POST",
        "/practices/{submitted_practice}/review",
        only(302, "coordinator", "admin"),
        {"decision": "published"},
    ),
    # Returning it needs comments: coordinators are told so.
    Route(
        "challenges.review_practice",
        "POST",
        "/practices/{submitted_practice}/review",
        only(400, "coordinator", "admin"),
        {"decision": "returned"},
    ),
    # Withdrawing asks to tick that it is understood (400 without).
    Route(
        "challenges.withdraw_practice",
        "GET",
        "/practices/{published_practice}/withdraw",
        only(200, "member", "coordinator", "admin"),
    ),
    Route(
        "challenges.withdraw_practice",
        "POST",
        "/practices/{published_practice}/withdraw",
        only(302, "member", "coordinator", "admin"),
        {"understood": "y"},
    ),
    Route(
        "challenges.withdraw_practice",
        "POST",
        "/practices/{published_practice}/withdraw",
        only(400, "member", "coordinator", "admin"),
    ),
    # Only a withdrawn practice is published again (a published one: its page, 409), by
    # coordinators.
    Route(
        "challenges.publish_practice_again",
        "POST",
        "/practices/{published_practice}/publish-again",
        only(409, "coordinator", "admin"),
    ),
    Route(
        "challenges.practice_links",
        "GET",
        "/practices/{draft_practice}/links",
        {**practice_editors(200), "anonymous": LOGIN},
    ),
    Route(
        "challenges.practice_links",
        "POST",
        "/practices/{draft_practice}/links",
        {**practice_editors(302), "anonymous": LOGIN},
        {"form_name": "link", "link-title": "Site", "link-url": "https://example.org/"},
    ),
    Route(
        "challenges.withdraw_practice_link",
        "POST",
        "/practice-links/{practice_link}/withdraw",
        {**practice_editors(302), "anonymous": LOGIN},
    ),
    # {practice_link} is a web link: there is no file to download.
    Route(
        "challenges.practice_link_file",
        "GET",
        "/practice-links/{practice_link}/file",
        everyone(404),
    ),
    Route("challenges.practice_link_file", "GET", "/practice-links/999999999/file", everyone(404)),
    # --- activities (cop.activities.views) ---
    # Every activity is public; coordinators of its group (and admins) plan and run it.
    Route("activities.group_activities", "GET", "/groups/{group}/activities/", everyone(200)),
    Route(
        "activities.group_activities",
        "GET",
        "/groups/{group}/activities/?status=nonsense&kind=&page=x",
        everyone(200),
    ),
    Route("activities.group_activities", "GET", "/groups/nowhere/activities/", everyone(404)),
    Route("activities.activity", "GET", "/activities/{planned_activity}", everyone(200)),
    Route("activities.activity", "GET", "/activities/{completed_activity}", everyone(200)),
    Route("activities.activity", "GET", "/activities/{other_activity}", everyone(200)),
    Route("activities.activity", "GET", "/activities/999999999", everyone(404)),
    Route(
        "activities.follow_activity",
        "POST",
        "/activities/{planned_activity}/follow",
        signed_in(302),
    ),
    Route(
        "activities.unfollow_activity",
        "POST",
        "/activities/{planned_activity}/unfollow",
        signed_in(302),
    ),
    Route("activities.follow_activity", "POST", "/activities/999999999/follow", signed_in(404)),
    Route(
        "activities.new_activity",
        "GET",
        "/groups/{group}/activities/new",
        only(200, "coordinator", "admin"),
    ),
    Route(
        "activities.new_activity",
        "POST",
        "/groups/{group}/activities/new",
        only(302, "coordinator", "admin"),
        {
            "kind": "study_visit",
            "title": "A study visit",
            "challenges": "{accepted_challenge}",
            "meetings": "{meeting}",
            "expert_user_0": "{member_id}",
            "expert_role_0": "Rapporteur",
        },
    ),
    # A meeting of another group: the form again, with the message (400).
    Route(
        "activities.new_activity",
        "POST",
        "/groups/{group}/activities/new",
        only(400, "coordinator", "admin"),
        {"kind": "study_visit", "title": "A study visit", "meetings": "{other_meeting}"},
    ),
    # Answering a support request with a new activity: the form prefilled from the request;
    # for one answered already, an old link leads to the request's page (302) and a form sent
    # for it is a conflict (409).
    Route(
        "activities.new_activity",
        "GET",
        "/groups/{group}/activities/new?request={open_request}",
        only(200, "coordinator", "admin"),
    ),
    Route(
        "activities.new_activity",
        "GET",
        "/groups/{group}/activities/new?request={answered_request}",
        only(302, "coordinator", "admin"),
    ),
    Route(
        "activities.new_activity",
        "POST",
        "/groups/{group}/activities/new",
        only(409, "coordinator", "admin"),
        {"request_id": "{answered_request}", "kind": "peer_review", "title": "Peer review"},
    ),
    Route(
        "activities.new_activity",
        "POST",
        "/groups/{group}/activities/new",
        only(302, "coordinator", "admin"),
        {"request_id": "{open_request}", "kind": "peer_review", "title": "Peer review"},
    ),
    Route(
        "activities.edit_activity",
        "GET",
        "/activities/{planned_activity}/edit",
        only(200, "coordinator", "admin"),
    ),
    Route(
        "activities.edit_activity",
        "GET",
        "/activities/{other_activity}/edit",
        only(200, "admin"),
    ),
    Route(
        "activities.edit_activity",
        "POST",
        "/activities/{planned_activity}/edit",
        only(302, "coordinator", "admin"),
        {"kind": "peer_review", "title": "Renamed", "challenges": "{accepted_challenge}"},
    ),
    Route(
        "activities.edit_activity",
        "POST",
        "/activities/{planned_activity}/edit",
        only(400, "coordinator", "admin"),
        {"kind": "peer_review", "title": "Renamed", "expert_user_0": "{user_id}"},
    ),
    Route(
        "activities.start_activity",
        "POST",
        "/activities/{planned_activity}/start",
        only(302, "coordinator", "admin"),
    ),
    # Started or completed already: a conflict.
    Route(
        "activities.start_activity",
        "POST",
        "/activities/{completed_activity}/start",
        only(409, "coordinator", "admin"),
    ),
    # Completing needs a running activity: a planned one's form sends its coordinators back to
    # the activity page (302), and a completion sent anyway is a conflict (409).
    Route(
        "activities.complete_activity",
        "GET",
        "/activities/{planned_activity}/complete",
        only(302, "coordinator", "admin"),
    ),
    Route(
        "activities.complete_activity",
        "POST",
        "/activities/{planned_activity}/complete",
        only(409, "coordinator", "admin"),
        {"learnt": "Coaching matters.", "changes": "We add coaching."},
    ),
    # A completed activity's page is the revision of its evaluation (prefilled); a completion
    # sent again (no `revising`) stays a conflict.
    Route(
        "activities.complete_activity",
        "POST",
        "/activities/{completed_activity}/complete",
        only(409, "coordinator", "admin"),
        {"learnt": "Again.", "changes": "Again."},
    ),
    Route(
        "activities.complete_activity",
        "GET",
        "/activities/{completed_activity}/complete",
        only(200, "coordinator", "admin"),
    ),
    Route(
        "activities.complete_activity",
        "POST",
        "/activities/{completed_activity}/complete",
        only(302, "coordinator", "admin"),
        {"revising": "1", "learnt": "Revised.", "changes": "Revised too."},
    ),
    Route(
        "activities.complete_activity",
        "POST",
        "/activities/{completed_activity}/complete",
        only(400, "coordinator", "admin"),
        {"revising": "1", "learnt": "", "changes": "Revised too."},
    ),
    Route(
        "activities.cancel_activity",
        "GET",
        "/activities/{planned_activity}/cancel",
        only(200, "coordinator", "admin"),
    ),
    Route(
        "activities.cancel_activity",
        "POST",
        "/activities/{planned_activity}/cancel",
        only(302, "coordinator", "admin"),
        {"reason": "The host region withdrew."},
    ),
    Route(
        "activities.cancel_activity",
        "POST",
        "/activities/{planned_activity}/cancel",
        only(400, "coordinator", "admin"),
    ),
    Route(
        "activities.activity_outputs",
        "GET",
        "/activities/{completed_activity}/outputs",
        only(200, "coordinator", "admin"),
    ),
    Route(
        "activities.activity_outputs",
        "POST",
        "/activities/{completed_activity}/outputs",
        only(302, "coordinator", "admin"),
        {"form_name": "practice", "practice-practice": "{published_practice}"},
    ),
    Route(
        "activities.activity_outputs",
        "POST",
        "/activities/{completed_activity}/outputs",
        only(302, "coordinator", "admin"),
        {
            "form_name": "document",
            "document-title": "Report",
            "document-url": "https://example.org/report.pdf",
        },
    ),
    Route(
        "activities.activity_outputs",
        "POST",
        "/activities/{completed_activity}/outputs",
        only(400, "coordinator", "admin"),
        {"form_name": "document", "document-title": "Report", "document-url": "ftp://x"},
    ),
    Route(
        "activities.withdraw_activity_output",
        "POST",
        "/activity-outputs/999999999/withdraw",
        signed_in(404),
    ),
    # --- support requests (cop.activities.support_views) ---
    # The group's members read its requests and ask for their organisation's region (the
    # member's is BE10; the coordinator's and the admin's accounts name no organisation, so
    # their request is refused, 400); its coordinators answer open ones (409 once answered).
    Route(
        "activities.new_support_request",
        "GET",
        "/groups/{group}/support-requests/new?challenge={accepted_challenge}",
        only(200, "member", "coordinator", "admin"),
    ),
    Route(
        "activities.new_support_request",
        "POST",
        "/groups/{group}/support-requests/new",
        # The member's {open_request} on it still waits: asking again is refused (400), as
        # the others' asking without an organisation's region.
        only(400, "member", "coordinator", "admin"),
        {"challenge": "{accepted_challenge}", "region": "BE10", "need": "Peers with vouchers."},
    ),
    Route(
        "activities.new_support_request",
        "POST",
        "/groups/{group}/support-requests/new",
        only(400, "member", "coordinator", "admin"),
        {"challenge": "{closed_challenge}", "region": "BE10", "need": "Peers with vouchers."},
    ),
    Route(
        "activities.new_support_request",
        "GET",
        "/groups/no-such-group/support-requests/new",
        signed_in(404),
    ),
    Route(
        "activities.support_queue",
        "GET",
        "/groups/{group}/support-requests/",
        only(200, "member", "coordinator", "admin"),
    ),
    Route(
        "activities.support_queue",
        "GET",
        "/groups/{group}/support-requests/?page=-3",
        only(200, "member", "coordinator", "admin"),
    ),
    Route(
        "activities.support_queue",
        "GET",
        "/groups/no-such-group/support-requests/",
        signed_in(404),
    ),
    Route(
        "activities.support_request",
        "GET",
        "/support-requests/{open_request}",
        only(200, "member", "coordinator", "admin"),
    ),
    Route(
        "activities.support_request",
        "GET",
        "/support-requests/{answered_request}",
        only(200, "member", "coordinator", "admin"),
    ),
    Route("activities.support_request", "GET", "/support-requests/999999999", signed_in(404)),
    Route(
        "activities.link_support_request",
        "POST",
        "/support-requests/{open_request}/link",
        only(302, "coordinator", "admin"),
        {"activity": "{planned_activity}", "note": "Join its visit."},
    ),
    Route(
        "activities.link_support_request",
        "POST",
        "/support-requests/{open_request}/link",
        only(400, "coordinator", "admin"),
        {"activity": "{other_activity}"},
    ),
    Route(
        "activities.link_support_request",
        "POST",
        "/support-requests/{answered_request}/link",
        only(409, "coordinator", "admin"),
        {"activity": "{planned_activity}"},
    ),
    Route(
        "activities.decline_support_request",
        "POST",
        "/support-requests/{open_request}/decline",
        only(302, "coordinator", "admin"),
        {"reason": "A study visit already covers this."},
    ),
    Route(
        "activities.decline_support_request",
        "POST",
        "/support-requests/{open_request}/decline",
        only(400, "coordinator", "admin"),
        {"reason": ""},
    ),
    Route(
        "activities.decline_support_request",
        "POST",
        "/support-requests/999999999/decline",
        signed_in(404),
        {"reason": "Out of scope."},
    ),
    # The answer forms' addresses visited (reloaded after a refused answer): back to the
    # request on the queue (open) or to its page (answered), for those who may read it.
    Route(
        "activities.decline_support_request",
        "GET",
        "/support-requests/{open_request}/decline",
        only(302, "member", "coordinator", "admin"),
    ),
    Route(
        "activities.link_support_request",
        "GET",
        "/support-requests/{answered_request}/link",
        only(302, "member", "coordinator", "admin"),
    ),
    Route(
        "activities.link_support_request",
        "GET",
        "/support-requests/999999999/link",
        signed_in(404),
    ),
    Route(
        "activities.follow_support_request",
        "POST",
        "/support-requests/{open_request}/follow",
        only(302, "member", "coordinator", "admin"),
    ),
    Route(
        "activities.unfollow_support_request",
        "POST",
        "/support-requests/{open_request}/unfollow",
        only(302, "member", "coordinator", "admin"),
    ),
    # --- matching and the member's dashboard ---
    Route("site.dashboard", "GET", "/account/dashboard", signed_in(200)),
    # --- follows, notifications, email preferences and unsubscribing ---
    # Following a challenge or a practice: whoever may read it (a proposed challenge: the
    # group's members; a draft practice: its author and the coordinators, else not there).
    Route("challenges.follow", "POST", "/challenges/{accepted_challenge}/follow", signed_in(302)),
    Route(
        "challenges.follow",
        "POST",
        "/challenges/{proposed_challenge}/follow",
        {**signed_in(404), "member": 302, "coordinator": 302, "admin": 302},
    ),
    Route("challenges.follow", "POST", "/challenges/99999999/follow", signed_in(404)),
    Route(
        "challenges.unfollow", "POST", "/challenges/{accepted_challenge}/unfollow", signed_in(302)
    ),
    Route(
        "challenges.follow_practice",
        "POST",
        "/practices/{published_practice}/follow",
        signed_in(302),
    ),
    Route(
        "challenges.follow_practice",
        "POST",
        "/practices/{draft_practice}/follow",
        {**practice_editors(302), "anonymous": LOGIN},
    ),
    Route("challenges.follow_practice", "POST", "/practices/999999999/follow", signed_in(404)),
    Route(
        "challenges.unfollow_practice",
        "POST",
        "/practices/{published_practice}/unfollow",
        signed_in(302),
    ),
    Route("mail.preferences", "GET", "/account/notifications", signed_in(200)),
    Route(
        "mail.preferences",
        "POST",
        "/account/notifications",
        signed_in(302),
        {"period": "weekly", "kinds": "meeting_news"},
    ),
    # An unknown period: the message next to the field, nothing saved.
    Route(
        "mail.preferences",
        "POST",
        "/account/notifications",
        signed_in(400),
        {"period": "hourly"},
    ),
    # Anyone holding a valid link may unsubscribe, signed in or not (tested in
    # tests/test_unsubscribe.py); a forged link is refused for everyone.
    Route("mail.unsubscribe", "GET", "/unsubscribe/forged-token", everyone(400)),
    Route("mail.unsubscribe", "POST", "/unsubscribe/forged-token", everyone(400)),
    # --- solutions (cop.solutions.views) ---
    # The public reads public solutions; the group's members read every one. Its owners (the
    # member) and the group's coordinators (and admins) edit it; only its owners post its
    # progress updates; only coordinators publish it.
    Route("solutions.group_solutions", "GET", "/groups/{group}/solutions/", everyone(200)),
    Route(
        "solutions.group_solutions",
        "GET",
        "/groups/{group}/solutions/?stage=nonsense&status=&page=x",
        everyone(200),
    ),
    Route("solutions.group_solutions", "GET", "/groups/nowhere/solutions/", everyone(404)),
    Route("solutions.solution", "GET", "/solutions/{public_solution}", everyone(200)),
    Route(
        "solutions.solution",
        "GET",
        "/solutions/{private_solution}",
        {**everyone(404), "member": 200, "coordinator": 200, "admin": 200},
    ),
    Route(
        "solutions.solution", "GET", "/solutions/{other_solution}", {**everyone(404), "admin": 200}
    ),
    Route("solutions.solution", "GET", "/solutions/999999999", everyone(404)),
    Route(
        "solutions.follow_solution", "POST", "/solutions/{public_solution}/follow", signed_in(302)
    ),
    Route(
        "solutions.follow_solution",
        "POST",
        "/solutions/{private_solution}/follow",
        solution_editors(302),
    ),
    Route(
        "solutions.unfollow_solution",
        "POST",
        "/solutions/{public_solution}/unfollow",
        signed_in(302),
    ),
    Route(
        "solutions.new_solution",
        "GET",
        "/groups/{group}/solutions/new",
        only(200, "member", "coordinator", "admin"),
    ),
    Route(
        "solutions.new_solution",
        "GET",
        "/groups/nowhere/solutions/new",
        signed_in(404),
    ),
    Route(
        "solutions.new_solution",
        "POST",
        "/groups/{group}/solutions/new",
        # The owner is an active member: coordinators (and admins, members of no group) name
        # one; the member's own form has no such field and they own it.
        only(302, "member", "coordinator", "admin"),
        {
            "title": "Innovation coaches",
            "challenges": "{accepted_challenge}",
            "region_codes": "BE10",
            "owner_id": "{member_id}",
        },
    ),
    # No challenge: the form again, with the message (400).
    Route(
        "solutions.new_solution",
        "POST",
        "/groups/{group}/solutions/new",
        only(400, "member", "coordinator", "admin"),
        {"title": "Innovation coaches"},
    ),
    Route(
        "solutions.edit_solution",
        "GET",
        "/solutions/{public_solution}/edit",
        only(200, "member", "coordinator", "admin"),
    ),
    Route(
        "solutions.edit_solution",
        "GET",
        "/solutions/{private_solution}/edit",
        solution_editors(200),
    ),
    Route(
        "solutions.edit_solution",
        "GET",
        "/solutions/{other_solution}/edit",
        only(200, "admin", others=404),
    ),
    Route(
        "solutions.edit_solution",
        "POST",
        "/solutions/{public_solution}/edit",
        only(302, "member", "coordinator", "admin"),
        {"title": "Renamed", "challenges": "{accepted_challenge}", "region_codes": "BE10"},
    ),
    Route(
        "solutions.edit_solution",
        "POST",
        "/solutions/{public_solution}/edit",
        only(400, "member", "coordinator", "admin"),
        {"title": "", "challenges": "{accepted_challenge}"},
    ),
    Route(
        "solutions.change_stage",
        "GET",
        "/solutions/{public_solution}/stage",
        only(200, "member", "coordinator", "admin"),
    ),
    Route(
        "solutions.change_stage",
        "POST",
        "/solutions/{public_solution}/stage",
        only(302, "member", "coordinator", "admin"),
        {"stage": "monitoring"},
    ),
    # Back without a reason: the form again (400); to the stage it is at: a conflict (409).
    Route(
        "solutions.change_stage",
        "POST",
        "/solutions/{public_solution}/stage",
        only(400, "member", "coordinator", "admin"),
        {"stage": "support"},
    ),
    Route(
        "solutions.change_stage",
        "POST",
        "/solutions/{public_solution}/stage",
        only(409, "member", "coordinator", "admin"),
        {"stage": "deployment"},
    ),
    Route(
        "solutions.publish_solution",
        "POST",
        "/solutions/{private_solution}/publish",
        {**solution_editors(302), "member": 403},
    ),
    Route(
        "solutions.publish_solution",
        "POST",
        "/solutions/{public_solution}/publish",
        only(409, "coordinator", "admin"),
    ),
    Route(
        "solutions.unpublish_solution",
        "POST",
        "/solutions/{public_solution}/unpublish",
        only(302, "coordinator", "admin"),
    ),
    Route(
        "solutions.new_milestone",
        "GET",
        "/solutions/{public_solution}/milestones/new",
        only(200, "member", "coordinator", "admin"),
    ),
    Route(
        "solutions.new_milestone",
        "POST",
        "/solutions/{public_solution}/milestones/new",
        only(302, "member", "coordinator", "admin"),
        {"title": "Second call", "due_on": "2027-03-01"},
    ),
    Route(
        "solutions.new_milestone",
        "POST",
        "/solutions/{public_solution}/milestones/new",
        only(400, "member", "coordinator", "admin"),
        {"title": "Second call"},
    ),
    Route(
        "solutions.edit_milestone",
        "GET",
        "/solutions/{public_solution}/milestones/{solution_milestone}/edit",
        only(200, "member", "coordinator", "admin"),
    ),
    # A milestone of another solution is not there under this one.
    Route(
        "solutions.edit_milestone",
        "GET",
        "/solutions/{private_solution}/milestones/{solution_milestone}/edit",
        signed_in(404),
    ),
    Route(
        "solutions.edit_milestone",
        "POST",
        "/solutions/{public_solution}/milestones/{solution_milestone}/edit",
        only(302, "member", "coordinator", "admin"),
        {"title": "Call launched", "due_on": "2027-01-31"},
    ),
    Route(
        "solutions.mark_milestone_done",
        "GET",
        "/solutions/{public_solution}/milestones/{solution_milestone}/done",
        only(200, "member", "coordinator", "admin"),
    ),
    Route(
        "solutions.mark_milestone_done",
        "POST",
        "/solutions/{public_solution}/milestones/{solution_milestone}/done",
        only(302, "member", "coordinator", "admin"),
        {"done_on": "2025-06-01"},
    ),
    Route(
        "solutions.mark_milestone_done",
        "POST",
        "/solutions/{public_solution}/milestones/{solution_milestone}/done",
        only(400, "member", "coordinator", "admin"),
        {"done_on": "2999-01-01"},
    ),
    # Reopening an open milestone: a conflict.
    Route(
        "solutions.reopen_milestone",
        "POST",
        "/solutions/{public_solution}/milestones/{solution_milestone}/reopen",
        only(409, "member", "coordinator", "admin"),
    ),
    Route(
        "solutions.withdraw_milestone",
        "POST",
        "/solutions/{public_solution}/milestones/{solution_milestone}/withdraw",
        only(302, "member", "coordinator", "admin"),
    ),
    Route(
        "solutions.new_indicator",
        "GET",
        "/solutions/{public_solution}/indicators/new",
        only(200, "member", "coordinator", "admin"),
    ),
    Route(
        "solutions.new_indicator",
        "POST",
        "/solutions/{public_solution}/indicators/new",
        only(302, "member", "coordinator", "admin"),
        {
            "name": "Jobs created",
            "unit": "jobs",
            "direction": "higher",
            "baseline_value": "0",
            "baseline_on": "2025-01-01",
            "target_value": "100",
            "target_on": "2027-12-31",
        },
    ),
    Route(
        "solutions.new_indicator",
        "POST",
        "/solutions/{public_solution}/indicators/new",
        only(400, "member", "coordinator", "admin"),
        {
            "name": "Jobs created",
            "unit": "jobs",
            "direction": "higher",
            "baseline_value": "100",
            "baseline_on": "2025-01-01",
            "target_value": "100",
            "target_on": "2027-12-31",
        },
    ),
    Route(
        "solutions.edit_indicator",
        "GET",
        "/solutions/{public_solution}/indicators/{solution_indicator}/edit",
        only(200, "member", "coordinator", "admin"),
    ),
    Route(
        "solutions.edit_indicator",
        "GET",
        "/solutions/{private_solution}/indicators/{solution_indicator}/edit",
        signed_in(404),
    ),
    Route(
        "solutions.edit_indicator",
        "POST",
        "/solutions/{public_solution}/indicators/{solution_indicator}/edit",
        only(302, "member", "coordinator", "admin"),
        {
            "name": "SMEs with a digital project",
            "unit": "SMEs",
            "direction": "higher",
            "baseline_value": "10",
            "baseline_on": "2025-01-01",
            "target_value": "60",
            "target_on": "2027-12-31",
        },
    ),
    Route(
        "solutions.withdraw_indicator",
        "POST",
        "/solutions/{public_solution}/indicators/{solution_indicator}/withdraw",
        only(302, "member", "coordinator", "admin"),
    ),
    Route(
        "solutions.new_measurement",
        "GET",
        "/solutions/{public_solution}/measurements/new",
        only(200, "member", "coordinator", "admin"),
    ),
    Route(
        "solutions.new_measurement",
        "POST",
        "/solutions/{public_solution}/measurements/new",
        only(302, "member", "coordinator", "admin"),
        {"indicator": "{solution_indicator}", "value": "12", "measured_on": "2025-06-01"},
    ),
    Route(
        "solutions.new_measurement",
        "POST",
        "/solutions/{public_solution}/measurements/new",
        only(400, "member", "coordinator", "admin"),
        {"indicator": "{solution_indicator}", "value": "nan", "measured_on": "2025-06-01"},
    ),
    # The indicator of another solution, forged into the form: refused (400).
    Route(
        "solutions.new_measurement",
        "POST",
        "/solutions/{private_solution}/measurements/new",
        solution_editors(400),
        {"indicator": "{solution_indicator}", "value": "12", "measured_on": "2025-06-01"},
    ),
    Route(
        "solutions.withdraw_measurement",
        "POST",
        "/solutions/{public_solution}/measurements/999999999/withdraw",
        signed_in(404),
    ),
    Route(
        "solutions.new_update",
        "GET",
        "/solutions/{public_solution}/updates/new",
        only(200, "member"),
    ),
    Route(
        "solutions.new_update",
        "GET",
        "/solutions/{private_solution}/updates/new",
        {**solution_editors(403), "member": 200},
    ),
    Route(
        "solutions.new_update",
        "POST",
        "/solutions/{public_solution}/updates/new",
        only(302, "member"),
        {"status": "on_track", "narrative": "Twelve SMEs applied."},
    ),
    Route(
        "solutions.new_update",
        "POST",
        "/solutions/{public_solution}/updates/new",
        only(400, "member"),
        {"status": "on_track", "narrative": ""},
    ),
    # --- the solutions dashboard and its CSV exports (cop.solutions.dashboard_views) ---
    # For the group's members, its coordinators and admins; nobody of the world is a member of
    # {other_group}.
    Route(
        "solutions.dashboard_page",
        "GET",
        "/groups/{group}/solutions/dashboard",
        only(200, "member", "coordinator", "admin"),
    ),
    Route(
        "solutions.dashboard_page",
        "GET",
        "/groups/{other_group}/solutions/dashboard",
        only(200, "admin"),
    ),
    Route("solutions.dashboard_page", "GET", "/groups/nowhere/solutions/dashboard", signed_in(404)),
    Route(
        "solutions.solutions_csv",
        "GET",
        "/groups/{group}/solutions/solutions.csv",
        only(200, "member", "coordinator", "admin"),
    ),
    Route(
        "solutions.indicators_csv",
        "GET",
        "/groups/{group}/solutions/indicators.csv",
        only(200, "member", "coordinator", "admin"),
    ),
    Route(
        "solutions.measurements_csv",
        "GET",
        "/groups/{group}/solutions/measurements.csv",
        only(200, "member", "coordinator", "admin"),
    ),
    Route(
        "solutions.measurements_csv",
        "GET",
        "/groups/{other_group}/solutions/measurements.csv",
        only(200, "admin"),
    ),
    # How often the group's solutions owe a progress update: its coordinators (and admins).
    Route(
        "solutions.solution_settings",
        "GET",
        "/groups/{group}/solutions/settings",
        only(200, "coordinator", "admin"),
    ),
    Route(
        "solutions.solution_settings",
        "POST",
        "/groups/{group}/solutions/settings",
        only(302, "coordinator", "admin"),
        {"update_every_weeks": "6"},
    ),
    Route(
        "solutions.solution_settings",
        "POST",
        "/groups/{group}/solutions/settings",
        only(400, "coordinator", "admin"),
        {"update_every_weeks": "27"},
    ),
    # --- outcomes (cop.outcomes.views, part A) ---
    # An action refused to a signed-in person who may read its record (the outcome, the
    # meeting, the group) sends them to that record's page with the reason (303); who may not
    # read it gets a 404.
    # Everyone reads a published outcome (withdrawn ones too, marked); a draft or one in
    # review only the members of its groups (404 for anyone else, as for none).
    Route("outcomes.outcome", "GET", "/outcomes/{published_outcome}", everyone(200)),
    Route("outcomes.outcome", "GET", "/outcomes/{published_outcome}?working=1", everyone(200)),
    Route("outcomes.outcome", "GET", "/outcomes/{withdrawn_outcome}", everyone(200)),
    Route(
        "outcomes.outcome",
        "GET",
        "/outcomes/{draft_outcome}",
        {**everyone(404), "member": 200, "coordinator": 200, "admin": 200},
    ),
    Route(
        "outcomes.outcome",
        "GET",
        "/outcomes/{review_outcome}",
        {**everyone(404), "member": 200, "coordinator": 200, "admin": 200},
    ),
    Route("outcomes.outcome", "GET", "/outcomes/{other_outcome}", {**everyone(404), "admin": 200}),
    Route("outcomes.outcome", "GET", "/outcomes/999999999", everyone(404)),
    Route(
        "outcomes.outcome_version", "GET", "/outcomes/{published_outcome}/versions/1", everyone(200)
    ),
    Route(
        "outcomes.outcome_version", "GET", "/outcomes/{published_outcome}/versions/2", everyone(404)
    ),
    Route("outcomes.outcome_version", "GET", "/outcomes/{draft_outcome}/versions/1", everyone(404)),
    # Writing one: the group's members (and admins); not in an archived group.
    Route(
        "outcomes.new_outcome",
        "GET",
        "/groups/{group}/outcomes/new",
        only(200, "member", "coordinator", "admin", others=303),
    ),
    Route(
        "outcomes.new_outcome",
        "GET",
        "/groups/{other_group}/outcomes/new",
        only(200, "admin", others=303),
    ),
    Route("outcomes.new_outcome", "GET", "/groups/{archived_group}/outcomes/new", signed_in(303)),
    Route("outcomes.new_outcome", "GET", "/groups/nowhere/outcomes/new", signed_in(404)),
    Route(
        "outcomes.new_outcome",
        "POST",
        "/groups/{group}/outcomes/new",
        only(400, "member", "coordinator", "admin", others=303),
        {"kind": "lessons_learnt", "title": "", "licence": "CC-BY-4.0"},
    ),
    # A meeting's report: the members of its group, once the meeting is held.
    Route(
        "outcomes.new_meeting_report",
        "GET",
        "/meetings/{past_meeting}/report",
        only(200, "member", "coordinator", "admin", others=303),
    ),
    Route(
        "outcomes.new_meeting_report",
        "POST",
        "/meetings/{past_meeting}/report",
        only(302, "member", "coordinator", "admin", others=303),
    ),
    Route(
        "outcomes.new_meeting_report",
        "GET",
        "/meetings/{meeting}/report",
        signed_in(303),
    ),
    Route("outcomes.new_meeting_report", "GET", "/meetings/{draft_meeting}/report", signed_in(404)),
    Route("outcomes.new_meeting_report", "GET", "/meetings/{other_meeting}/report", signed_in(303)),
    # Editing: its authors (the member) and its groups' coordinators; in review or withdrawn,
    # they are sent back to its page with the reason.
    Route(
        "outcomes.edit_outcome",
        "GET",
        "/outcomes/{draft_outcome}/edit",
        only(200, "member", "coordinator", "admin", others=404),
    ),
    Route(
        "outcomes.edit_outcome",
        "GET",
        "/outcomes/{published_outcome}/edit",
        only(200, "member", "coordinator", "admin", others=303),
    ),
    Route(
        "outcomes.edit_outcome",
        "GET",
        "/outcomes/{review_outcome}/edit",
        only(303, "member", "coordinator", "admin", others=404),
    ),
    Route(
        "outcomes.edit_outcome",
        "GET",
        "/outcomes/{withdrawn_outcome}/edit",
        signed_in(303),
    ),
    Route(
        "outcomes.edit_outcome",
        "GET",
        "/outcomes/{other_outcome}/edit",
        only(200, "admin", others=404),
    ),
    Route(
        "outcomes.edit_outcome",
        "POST",
        "/outcomes/{draft_outcome}/edit",
        only(400, "member", "coordinator", "admin", others=404),
        {"kind": "lessons_learnt", "title": "", "licence": "CC-BY-4.0"},
    ),
    # Submitting: its editors; again once in review is a replay (409).
    Route(
        "outcomes.submit_outcome",
        "GET",
        "/outcomes/{draft_outcome}/submit",
        only(200, "member", "coordinator", "admin", others=404),
    ),
    Route(
        "outcomes.submit_outcome",
        "POST",
        "/outcomes/{draft_outcome}/submit",
        only(302, "member", "coordinator", "admin", others=404),
        {"change_note": "First version."},
    ),
    Route(
        "outcomes.submit_outcome",
        "POST",
        "/outcomes/{review_outcome}/submit",
        only(303, "member", "coordinator", "admin", others=404),
    ),
    Route(
        "outcomes.submit_outcome",
        "GET",
        "/outcomes/{published_outcome}/submit",
        signed_in(303),
    ),
    # Reviewing: a coordinator of its groups or an admin, never its author.
    Route(
        "outcomes.review_outcome",
        "GET",
        "/outcomes/{review_outcome}/review",
        only(200, "coordinator", "admin", others=404) | {"member": 303},
    ),
    Route(
        "outcomes.review_outcome",
        "POST",
        "/outcomes/{review_outcome}/review",
        only(302, "coordinator", "admin", others=404) | {"member": 303},
        {"decision": "approve"},
    ),
    Route(
        "outcomes.review_outcome",
        "POST",
        "/outcomes/{review_outcome}/review",
        only(400, "coordinator", "admin", others=404) | {"member": 303},
        {"decision": "return", "comment": ""},
    ),
    Route(
        "outcomes.review_outcome",
        "GET",
        "/outcomes/{draft_outcome}/review",
        only(303, "member", "coordinator", "admin", others=404),
    ),
    Route(
        "outcomes.review_outcome",
        "POST",
        "/outcomes/{draft_outcome}/review",
        only(303, "member", "coordinator", "admin", others=404),
        {"decision": "approve"},
    ),
    # Withdrawing: its groups' coordinators (and admins), with a reason.
    Route(
        "outcomes.withdraw_outcome",
        "GET",
        "/outcomes/{published_outcome}/withdraw",
        only(200, "coordinator", "admin", others=303),
    ),
    Route(
        "outcomes.withdraw_outcome",
        "POST",
        "/outcomes/{published_outcome}/withdraw",
        only(302, "coordinator", "admin", others=303),
        {"reason": "Superseded by the 2026 brief."},
    ),
    Route(
        "outcomes.withdraw_outcome",
        "POST",
        "/outcomes/{published_outcome}/withdraw",
        only(400, "coordinator", "admin", others=303),
        {"reason": ""},
    ),
    Route(
        "outcomes.withdraw_outcome", "GET", "/outcomes/{withdrawn_outcome}/withdraw", signed_in(303)
    ),
    Route(
        "outcomes.withdraw_outcome",
        "GET",
        "/outcomes/{draft_outcome}/withdraw",
        only(303, "member", "coordinator", "admin", others=404),
    ),
    # Files: its editors attach and withdraw them; downloads as files.file_to_serve says (a
    # file of another outcome, or none, is not found).
    Route(
        "outcomes.outcome_files",
        "GET",
        "/outcomes/{draft_outcome}/files",
        only(200, "member", "coordinator", "admin", others=404),
    ),
    Route(
        "outcomes.outcome_files",
        "GET",
        "/outcomes/{published_outcome}/files",
        only(200, "member", "coordinator", "admin", others=303),
    ),
    Route(
        "outcomes.outcome_files",
        "POST",
        "/outcomes/{draft_outcome}/files",
        only(400, "member", "coordinator", "admin", others=404),
        {"title": "Slides"},
    ),
    Route(
        "outcomes.outcome_file", "GET", "/outcomes/{published_outcome}/files/999999", everyone(404)
    ),
    Route(
        "outcomes.withdraw_outcome_file",
        "POST",
        "/outcomes/{draft_outcome}/files/999999/withdraw",
        signed_in(404),
    ),
    # Following a group's new outcomes: its members.
    Route(
        "outcomes.follow_group_outcomes",
        "POST",
        "/groups/{group}/outcomes/follow",
        only(302, "member", "coordinator", "admin", others=303),
    ),
    Route(
        "outcomes.follow_group_outcomes",
        "POST",
        "/groups/{other_group}/outcomes/follow",
        only(302, "admin", others=303),
    ),
    Route(
        "outcomes.follow_group_outcomes", "POST", "/groups/nowhere/outcomes/follow", signed_in(404)
    ),
    Route(
        "outcomes.unfollow_group_outcomes",
        "POST",
        "/groups/{group}/outcomes/unfollow",
        only(302, "member", "coordinator", "admin", others=303),
    ),
    # --- the outcomes library and a group's outcomes (cop.site.library_views, part B) ---
    # Everyone reads the published outcomes; a filter value naming nothing is said next to
    # its filter (200, empty list); a page number that is no page of the list is a 404.
    Route("site.outcomes", "GET", "/outcomes/", everyone(200)),
    Route("site.outcomes", "GET", "/outcomes/?withdrawn=1&q=lessons&page=1", everyone(200)),
    Route(
        "site.outcomes",
        "GET",
        "/outcomes/?group=nowhere&kind=novel&theme=x&country=ZZ&year=abc",
        everyone(200),
    ),
    Route("site.outcomes", "GET", "/outcomes/?page=2", everyone(404)),
    Route("site.outcomes", "GET", "/outcomes/?page=0", everyone(404)),
    Route("site.outcomes", "GET", "/outcomes/?page=-1", everyone(404)),
    Route("site.outcomes", "GET", "/outcomes/?page=x", everyone(404)),
    Route("site.group_outcomes", "GET", "/groups/{group}/outcomes/", everyone(200)),
    Route(
        "site.group_outcomes",
        "GET",
        "/groups/{group}/outcomes/?kind=novel&theme={theme}&year=1999",
        everyone(200),
    ),
    Route("site.group_outcomes", "GET", "/groups/{other_group}/outcomes/", everyone(200)),
    Route("site.group_outcomes", "GET", "/groups/{archived_group}/outcomes/", everyone(200)),
    Route("site.group_outcomes", "GET", "/groups/{group}/outcomes/?page=-3", everyone(404)),
    Route("site.group_outcomes", "GET", "/groups/nowhere/outcomes/", everyone(404)),
    # --- feeds, open data, sitemap and robots (cop.site.public_data_views): anyone ---
    Route("site.outcomes_feed", "GET", "/outcomes/feed.atom", everyone(200)),
    Route("site.group_outcomes_feed", "GET", "/groups/{group}/outcomes/feed.atom", everyone(200)),
    Route("site.group_outcomes_feed", "GET", "/groups/nowhere/outcomes/feed.atom", everyone(404)),
    Route("site.open_data", "GET", "/open-data/", everyone(200)),
    Route("site.open_data_file", "GET", "/open-data/outcomes.json", everyone(200)),
    Route("site.open_data_file", "GET", "/open-data/solutions.csv", everyone(200)),
    Route("site.open_data_file", "GET", "/open-data/meetings.json", everyone(200)),
    Route("site.open_data_file", "GET", "/open-data/nothing.json", everyone(404)),
    Route("site.open_data_file", "GET", "/open-data/outcomes.xml", everyone(404)),
    Route("site.sitemap", "GET", "/sitemap.xml", everyone(200)),
    Route("site.robots", "GET", "/robots.txt", everyone(200)),
    # --- region pages and their dossiers (cop.site.region_views, part C): anyone; a code that
    # names no region is not there, a lower-case one leads to its upper-case address ---
    Route("site.regions", "GET", "/regions/", everyone(200)),
    Route("site.region", "GET", "/regions/BE10", everyone(200)),
    Route("site.region", "GET", "/regions/be10", everyone(301)),
    Route("site.region", "GET", "/regions/XX99", everyone(404)),
    Route("site.region", "GET", "/regions/not-a-code", everyone(404)),
    Route("site.region_dossier", "GET", "/regions/BE10/dossier", everyone(200)),
    Route("site.region_dossier", "GET", "/regions/pt11/dossier", everyone(301)),
    Route("site.region_dossier", "GET", "/regions/XX99/dossier", everyone(404)),
]
