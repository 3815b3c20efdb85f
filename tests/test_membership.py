"""Joining a working group: applying, the coordinators' queue and decisions, leaving, invitations."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from itsdangerous.timed import TimestampSigner
from sqlalchemy import func, select

from cop.audit.models import AuditEntry
from cop.errors import Invalid
from cop.mail.models import OutboxMessage
from cop.members.membership import apply_to_group, invitation_token
from cop.members.models import (
    Helix,
    Invitation,
    Membership,
    MembershipStatus,
    OrganisationKind,
    Role,
)
from tests.factories import (
    make_group,
    make_invitation,
    make_membership,
    make_organisation,
    make_user,
)

MOTIVATION = "I lead the digital innovation hub of Catalonia and work with SMEs on adoption."


@pytest.fixture
def world(session):
    """A group with a coordinator and a plain member, another group with its own coordinator,
    and a person from a Catalan cluster who is not yet in any group."""
    group = make_group(session, name="Innovation Diffusion")
    other = make_group(session, name="Industrial Transition")
    coordinator = make_user(session, name="Cora Coordinator", email="cora@example.org")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    member = make_user(session, name="Max Member")
    make_membership(session, member, group)
    stranger = make_user(session, name="Olaf Other-Coordinator")
    make_membership(session, stranger, other, role=Role.COORDINATOR)
    cluster = make_organisation(
        session,
        name="Catalan Digital Cluster",
        helix=Helix.BUSINESS,
        kind=OrganisationKind.CLUSTER,
        region_code="ES51",
    )
    applicant = make_user(
        session, name="Ana Aplicante", email="ana@example.org", organisation=cluster
    )
    session.commit()
    return {
        "group": group,
        "other": other,
        "coordinator": coordinator,
        "member": member,
        "stranger": stranger,
        "applicant": applicant,
    }


def outbox(session, to: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if to is not None:
        query = query.where(OutboxMessage.recipient == to)
    return list(session.scalars(query))


def audit_count(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry))


def membership_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Membership))


def find_membership(session, user, group) -> Membership | None:
    session.expire_all()
    return session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.group_id == group.id)
    )


def apply(browser, group, motivation: str = MOTIVATION):
    return browser.post(f"/groups/{group.slug}/apply", {"motivation": motivation}, page="/")


# --- Applying -------------------------------------------------------------------------------


def test_apply_then_a_coordinator_approves_and_the_applicant_is_emailed(browser, session, world):
    group, applicant, coordinator = world["group"], world["applicant"], world["coordinator"]
    browser.login(applicant)
    join_page = browser.client.get(f"/groups/{group.slug}/join").get_data(as_text=True)
    assert "Why do you want to join?" in join_page

    response = apply(browser, group)

    assert response.status_code == 302
    membership = find_membership(session, applicant, group)
    assert membership.status is MembershipStatus.APPLIED
    assert membership.motivation == MOTIVATION
    [notice] = outbox(session, to="cora@example.org")
    assert "Innovation Diffusion" in notice.subject
    assert "Ana Aplicante" in notice.body_text and MOTIVATION in notice.body_text
    assert f"http://cop.test/groups/{group.slug}/applications" in notice.body_text
    assert outbox(session, to=world["member"].email) == []  # members are not told
    page = browser.client.get(f"/groups/{group.slug}/join").get_data(as_text=True)
    assert "Your application awaits a decision" in page

    browser.logout()
    browser.login(coordinator)
    queue = browser.client.get(f"/groups/{group.slug}/applications").get_data(as_text=True)
    assert "Ana Aplicante" in queue
    assert "Catalan Digital Cluster" in queue
    assert "Business" in queue  # helix
    assert "Cataluña" in queue and "Spain" in queue  # region and country
    assert MOTIVATION in queue
    response = browser.post(
        f"/memberships/{membership.id}/approve", {"note": "Welcome aboard!"}, page="/"
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/groups/{group.slug}/applications"
    membership = find_membership(session, applicant, group)
    assert membership.status is MembershipStatus.ACTIVE
    assert membership.role is Role.MEMBER
    assert membership.decided_by_id == coordinator.id and membership.decided_at is not None
    assert membership.decision_note == "Welcome aboard!"
    [welcome] = outbox(session, to="ana@example.org")
    assert "Innovation Diffusion" in welcome.subject
    assert "Innovation Diffusion" in welcome.body_text and "Welcome aboard!" in welcome.body_text
    assert f"http://cop.test/groups/{group.slug}/" in welcome.body_text
    actions = session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.record_type == "memberships", AuditEntry.record_id == str(membership.id))
        .order_by(AuditEntry.id)
    ).all()
    assert actions == ["membership.applied", "membership.approved"]
    assert "No application awaits a decision." in browser.client.get(
        f"/groups/{group.slug}/applications"
    ).get_data(as_text=True)


def test_a_rejected_applicant_is_emailed_the_note(browser, session, world):
    group = world["group"]
    application = make_membership(
        session, world["applicant"], group, status=MembershipStatus.APPLIED
    )
    session.commit()
    browser.login(world["coordinator"])

    response = browser.post(
        f"/memberships/{application.id}/reject",
        {"note": "Please apply with your regional authority next year."},
        page="/",
    )

    assert response.status_code == 302
    assert find_membership(session, world["applicant"], group).status is (MembershipStatus.REJECTED)
    [email] = outbox(session, to="ana@example.org")
    assert "Innovation Diffusion" in email.subject
    assert "not accepted" in email.body_text
    assert "Please apply with your regional authority next year." in email.body_text


def test_anonymous_people_are_sent_to_log_in_and_back(client, world):
    slug = world["group"].slug

    response = client.get(f"/groups/{slug}/join")

    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/account/login"
    assert parse_qs(location.query)["next"] == [f"/groups/{slug}/join"]


def test_applying_twice_is_refused_and_nothing_is_written(browser, session, world):
    group, applicant = world["group"], world["applicant"]
    browser.login(applicant)
    assert apply(browser, group).status_code == 302
    before = (len(outbox(session)), audit_count(session))

    response = apply(browser, group, "A second, different motivation.")

    assert response.status_code == 400
    assert "You have already applied to Innovation Diffusion" in response.get_data(as_text=True)
    assert find_membership(session, applicant, group).motivation == MOTIVATION
    assert (len(outbox(session)), audit_count(session)) == before


def test_an_active_member_cannot_apply_again(browser, session, world):
    browser.login(world["member"])
    before = (len(outbox(session)), audit_count(session))

    response = apply(browser, world["group"])

    assert response.status_code == 400
    assert "You are already a member of Innovation Diffusion." in response.get_data(as_text=True)
    assert (len(outbox(session)), audit_count(session)) == before


def test_applying_to_an_archived_group_is_refused(browser, session, world):
    archived = make_group(session, name="Completed Group")
    archived.archived = True
    session.commit()
    browser.login(world["applicant"])
    before = (membership_count(session), len(outbox(session)), audit_count(session))

    response = apply(browser, archived)

    assert response.status_code == 400
    assert "Completed Group has completed its work and takes no new members." in (
        response.get_data(as_text=True)
    )
    assert (membership_count(session), len(outbox(session)), audit_count(session)) == before
    page = browser.client.get(f"/groups/{archived.slug}/join").get_data(as_text=True)
    assert "takes no new members" in page and 'name="motivation"' not in page


@pytest.mark.parametrize("status", [MembershipStatus.REJECTED, MembershipStatus.LEFT])
def test_people_who_left_or_were_rejected_may_apply_again(browser, session, world, status):
    group, applicant = world["group"], world["applicant"]
    earlier = make_membership(session, applicant, group, status=status, motivation="Old.")
    earlier.decision_note = "Not this time."
    earlier.decided_by_id = world["coordinator"].id
    session.commit()
    browser.login(applicant)

    assert apply(browser, group).status_code == 302

    again = find_membership(session, applicant, group)
    assert again.id == earlier.id  # one row per person and group
    assert again.status is MembershipStatus.APPLIED and again.motivation == MOTIVATION
    assert again.decision_note == "" and again.decided_by_id is None


@pytest.mark.parametrize(
    ("motivation", "message"),
    [
        ("", "This field is required."),
        ("   ", "This field is required."),
        ("x" * 2001, "Field cannot be longer than 2000 characters."),
    ],
)
def test_a_motivation_is_required_and_limited(browser, session, world, motivation, message):
    browser.login(world["applicant"])

    response = apply(browser, world["group"], motivation)

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="motivation-error"' in page and message in page
    assert find_membership(session, world["applicant"], world["group"]) is None
    assert outbox(session) == []


def test_the_service_itself_refuses_an_overlong_motivation(app, session, world):
    with app.test_request_context(), pytest.raises(Invalid) as error:
        apply_to_group(session, world["applicant"], world["group"], "x" * 2001)
    assert error.value.field == "motivation"
    assert "at most 2000 characters" in error.value.message


def test_html_in_a_motivation_is_shown_escaped(browser, session, world):
    group = world["group"]
    make_membership(
        session,
        world["applicant"],
        group,
        status=MembershipStatus.APPLIED,
        motivation='<script>alert("x")</script><b>bold</b> & more',
    )
    session.commit()
    browser.login(world["coordinator"])

    page = browser.client.get(f"/groups/{group.slug}/applications").get_data(as_text=True)

    assert (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt; &amp; more" in page
    )
    assert "<script>alert" not in page and "<b>bold" not in page


# --- Deciding -------------------------------------------------------------------------------


@pytest.fixture
def application(session, world):
    membership = make_membership(
        session, world["applicant"], world["group"], status=MembershipStatus.APPLIED
    )
    session.commit()
    return membership


def assert_undecided(session, application) -> None:
    session.expire_all()
    membership = session.get(Membership, application.id)
    assert membership.status is MembershipStatus.APPLIED
    assert membership.decided_by_id is None and membership.decision_note == ""
    assert outbox(session) == []


@pytest.mark.parametrize("verb", ["approve", "reject"])
def test_a_coordinator_of_another_group_cannot_decide(browser, session, world, application, verb):
    browser.login(world["stranger"])
    audits = audit_count(session)

    response = browser.post(f"/memberships/{application.id}/{verb}", page="/")

    assert response.status_code == 403
    assert "Only coordinators of Innovation Diffusion may do this." in response.get_data(
        as_text=True
    )
    assert_undecided(session, application)
    assert audit_count(session) == audits
    assert browser.client.get(f"/groups/{world['group'].slug}/applications").status_code == 403


@pytest.mark.parametrize("who", ["member", "applicant"])
def test_members_and_applicants_cannot_approve_anyone(browser, session, world, application, who):
    browser.login(world[who])

    response = browser.post(f"/memberships/{application.id}/approve", page="/")

    assert response.status_code == 403
    assert_undecided(session, application)


@pytest.mark.parametrize(
    "path", ["/memberships/999999999/approve", "/memberships/abc/approve", "/memberships/-1/reject"]
)
def test_a_forged_or_unknown_application_is_not_found(browser, session, world, application, path):
    browser.login(world["coordinator"])

    response = browser.post(path, page="/")

    assert response.status_code == 404
    assert_undecided(session, application)


def test_a_replayed_decision_is_a_conflict(browser, session, world, application):
    browser.login(world["coordinator"])
    assert browser.post(f"/memberships/{application.id}/approve", page="/").status_code == 302

    again = browser.post(f"/memberships/{application.id}/approve", page="/")
    reverse = browser.post(f"/memberships/{application.id}/reject", page="/")

    assert again.status_code == 409 and reverse.status_code == 409
    assert "This application has already been decided." in reverse.get_data(as_text=True)
    session.expire_all()
    assert session.get(Membership, application.id).status is MembershipStatus.ACTIVE
    assert len(outbox(session, to="ana@example.org")) == 1


def test_an_overlong_note_is_refused_next_to_its_application(browser, session, world, application):
    browser.login(world["coordinator"])

    response = browser.post(f"/memberships/{application.id}/reject", {"note": "n" * 2001}, page="/")

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="note-{application.id}-error"' in page
    assert "Use at most 2000 characters." in page
    assert_undecided(session, application)


def test_admins_decide_in_any_group(browser, session, world, application, admin):
    browser.login(admin)

    assert browser.post(f"/memberships/{application.id}/approve", page="/").status_code == 302

    session.expire_all()
    assert session.get(Membership, application.id).decided_by_id == admin.id


def test_an_application_left_pending_in_an_archived_group_cannot_be_approved(
    browser, session, world, application
):
    world["group"].archived = True
    session.commit()
    browser.login(world["coordinator"])
    audits = audit_count(session)

    response = browser.post(f"/memberships/{application.id}/approve", {"note": "Hi"}, page="/")

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="application-{application.id}-error"' in page
    assert "Innovation Diffusion has completed its work and takes no new members." in page
    assert_undecided(session, application)
    assert audit_count(session) == audits


def test_an_application_left_pending_in_an_archived_group_can_be_rejected(
    browser, session, world, application
):
    world["group"].archived = True
    session.commit()
    browser.login(world["coordinator"])

    response = browser.post(f"/memberships/{application.id}/reject", page="/")

    assert response.status_code == 302
    session.expire_all()
    assert session.get(Membership, application.id).status is MembershipStatus.REJECTED
    assert len(outbox(session, to="ana@example.org")) == 1


def test_the_queue_runs_the_same_queries_for_few_and_many(browser, session, world, count_queries):
    group = world["group"]
    browser.login(world["coordinator"])

    def add_applicants(number: int) -> None:
        for _ in range(number):
            organisation = make_organisation(session, region_code="FI1B")
            person = make_user(session, organisation=organisation)
            make_membership(session, person, group, status=MembershipStatus.APPLIED)
        session.commit()

    def load() -> tuple[int, str]:
        with count_queries() as counter:
            page = browser.client.get(f"/groups/{group.slug}/applications")
        assert page.status_code == 200
        return counter.count, page.get_data(as_text=True)

    add_applicants(3)
    few, page = load()
    assert page.count('class="card application"') == 3
    add_applicants(27)
    many, page = load()
    assert page.count('class="card application"') == 30
    assert few == many


# --- Leaving --------------------------------------------------------------------------------


def test_a_member_leaves(browser, session, world):
    group, member = world["group"], world["member"]
    browser.login(member)

    response = browser.post(f"/groups/{group.slug}/leave", page="/")

    assert response.status_code == 302
    membership = find_membership(session, member, group)
    assert membership.status is MembershipStatus.LEFT
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "membership.left"))
    assert entry.actor_id == member.id and entry.after == {"status": "left"}


def test_an_applicant_withdraws(browser, session, world, application):
    browser.login(world["applicant"])

    response = browser.post(f"/groups/{world['group'].slug}/leave", page="/")

    assert response.status_code == 302
    session.expire_all()
    assert session.get(Membership, application.id).status is MembershipStatus.LEFT
    assert "withdrawn" in browser.client.get("/").get_data(as_text=True)


def test_the_last_coordinator_cannot_leave(browser, session, world):
    group, coordinator = world["group"], world["coordinator"]
    browser.login(coordinator)
    audits = audit_count(session)

    response = browser.post(f"/groups/{group.slug}/leave", page="/")

    assert response.status_code == 400
    assert "You are the last coordinator of Innovation Diffusion." in response.get_data(
        as_text=True
    )
    membership = find_membership(session, coordinator, group)
    assert membership.status is MembershipStatus.ACTIVE and membership.role is Role.COORDINATOR
    assert audit_count(session) == audits


def test_a_coordinator_leaves_when_another_remains(browser, session, world):
    group, coordinator = world["group"], world["coordinator"]
    make_membership(session, make_user(session), group, role=Role.COORDINATOR)
    session.commit()
    browser.login(coordinator)

    assert browser.post(f"/groups/{group.slug}/leave", page="/").status_code == 302

    membership = find_membership(session, coordinator, group)
    assert membership.status is MembershipStatus.LEFT and membership.role is Role.MEMBER


def test_someone_outside_the_group_cannot_leave_it(browser, session, world):
    browser.login(world["applicant"])

    response = browser.post(f"/groups/{world['group'].slug}/leave", page="/")

    assert response.status_code == 400
    assert "You are not a member of Innovation Diffusion." in response.get_data(as_text=True)
    assert find_membership(session, world["applicant"], world["group"]) is None


# --- Invitations ----------------------------------------------------------------------------

LINK = re.compile(r"http://cop\.test(/invitations/[^\s]+)")


def invite(browser, group, email: str, message: str = ""):
    return browser.post(
        f"/groups/{group.slug}/invitations", {"email": email, "message": message}, page="/"
    )


def test_a_coordinator_invites_and_the_invited_person_joins_by_the_link(browser, session, world):
    group, applicant = world["group"], world["applicant"]
    browser.login(world["coordinator"])

    response = invite(browser, group, "Ana@Example.org", "We would love your cluster's view.")

    assert response.status_code == 302
    invitation = session.scalar(select(Invitation))
    assert invitation.email == "ana@example.org"
    assert invitation.invited_by_id == world["coordinator"].id
    [email] = outbox(session, to="ana@example.org")
    assert "Innovation Diffusion" in email.subject
    assert "Cora Coordinator" in email.body_text
    assert "We would love your cluster's view." in email.body_text
    link = LINK.search(email.body_text).group(1)
    listing = browser.client.get(f"/groups/{group.slug}/invitations").get_data(as_text=True)
    assert "ana@example.org" in listing

    browser.logout()
    browser.login(applicant)
    before = len(outbox(session))
    followed = browser.client.get(link)

    assert followed.status_code == 302
    assert followed.headers["Location"] == f"/groups/{group.slug}/"
    membership = find_membership(session, applicant, group)
    assert membership.status is MembershipStatus.ACTIVE and membership.role is Role.MEMBER
    invitation = session.get(Invitation, invitation.id)
    assert invitation.accepted_by_id == applicant.id and invitation.accepted_at is not None
    assert len(outbox(session)) == before  # coordinators are not emailed
    actions = set(session.scalars(select(AuditEntry.action)))
    assert {"invitation.created", "invitation.accepted", "membership.joined_by_invitation"} <= (
        actions
    )

    reused = browser.client.get(link)
    assert reused.status_code == 400
    assert "This invitation has already been used." in reused.get_data(as_text=True)


def test_an_invited_applicant_becomes_active(browser, session, world, application):
    invitation = make_invitation(session, world["group"], email="ANA@example.org")
    session.commit()
    browser.login(world["applicant"])

    with browser.client.application.test_request_context():
        token = invitation_token(invitation)
    assert browser.client.get(f"/invitations/{token}").status_code == 302

    session.expire_all()
    assert session.get(Membership, application.id).status is MembershipStatus.ACTIVE


def token_for(app, invitation, *, age: timedelta = timedelta(0), monkeypatch=None) -> str:
    with app.test_request_context():
        if not age:
            return invitation_token(invitation)
        issued = int(time.time() - age.total_seconds())
        with monkeypatch.context() as patch:
            patch.setattr(TimestampSigner, "get_timestamp", lambda self: issued)
            return invitation_token(invitation)


def test_following_a_link_without_an_account_leads_to_sign_up(app, client, session, world):
    invitation = make_invitation(session, world["group"], email="newcomer@example.org")
    session.commit()
    token = token_for(app, invitation)

    response = client.get(f"/invitations/{token}")

    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/account/signup"
    query = parse_qs(location.query)
    assert query["email"] == ["newcomer@example.org"]
    assert query["next"] == [f"/invitations/{token}"]
    session.expire_all()
    assert session.get(Invitation, invitation.id).accepted_at is None


def test_following_a_link_with_an_account_leads_to_log_in(app, client, session, world):
    invitation = make_invitation(session, world["group"], email="ana@example.org")
    session.commit()
    token = token_for(app, invitation)

    response = client.get(f"/invitations/{token}")

    location = urlsplit(response.headers["Location"])
    assert location.path == "/account/login"
    assert parse_qs(location.query)["next"] == [f"/invitations/{token}"]
    assert find_membership(session, world["applicant"], world["group"]) is None


def test_the_link_does_not_work_for_another_account(app, browser, session, world):
    invitation = make_invitation(session, world["group"], email="someone.else@example.org")
    session.commit()
    browser.login(world["applicant"])

    response = browser.client.get(f"/invitations/{token_for(app, invitation)}")

    assert response.status_code == 403
    assert "sent to another email address" in response.get_data(as_text=True)
    assert find_membership(session, world["applicant"], world["group"]) is None
    assert session.get(Invitation, invitation.id).accepted_at is None


def test_expired_links_are_refused(app, browser, session, world, monkeypatch):
    old = make_invitation(session, world["group"], email="ana@example.org")
    lapsed = make_invitation(
        session, world["group"], email="ana@example.org", expires_in=timedelta(minutes=-1)
    )
    session.commit()
    browser.login(world["applicant"])

    for token in (
        token_for(app, old, age=timedelta(days=31), monkeypatch=monkeypatch),
        token_for(app, lapsed),
    ):
        response = browser.client.get(f"/invitations/{token}")
        assert response.status_code == 400
        assert "This link has expired." in response.get_data(as_text=True)
    assert find_membership(session, world["applicant"], world["group"]) is None


def test_tampered_and_revoked_links_are_refused(app, browser, session, world):
    invitation = make_invitation(session, world["group"], email="ana@example.org")
    session.commit()
    token = token_for(app, invitation)
    browser.login(world["applicant"])

    tampered = browser.client.get(f"/invitations/{token[:-3]}xyz")
    assert tampered.status_code == 400
    assert "This link is not valid." in tampered.get_data(as_text=True)

    browser.logout()
    browser.login(world["coordinator"])
    assert browser.post(f"/invitations/{invitation.id}/revoke", page="/").status_code == 302
    browser.logout()
    browser.login(world["applicant"])
    revoked = browser.client.get(f"/invitations/{token}")
    assert revoked.status_code == 400
    assert "This invitation has been withdrawn." in revoked.get_data(as_text=True)
    assert find_membership(session, world["applicant"], world["group"]) is None


def test_revoking_is_for_the_group_coordinators_once(browser, session, world):
    invitation = make_invitation(session, world["group"], invited_by=world["coordinator"])
    session.commit()

    browser.login(world["stranger"])
    assert browser.post(f"/invitations/{invitation.id}/revoke", page="/").status_code == 403
    session.expire_all()
    assert session.get(Invitation, invitation.id).revoked_at is None

    browser.logout()
    browser.login(world["coordinator"])
    assert browser.post(f"/invitations/{invitation.id}/revoke", page="/").status_code == 302
    assert browser.post(f"/invitations/{invitation.id}/revoke", page="/").status_code == 409
    session.expire_all()
    assert session.get(Invitation, invitation.id).revoked_at is not None
    listing = browser.client.get(f"/groups/{world['group'].slug}/invitations")
    assert invitation.email not in listing.get_data(as_text=True)
    assert "No invitation is open." in listing.get_data(as_text=True)


@pytest.mark.parametrize(
    ("email", "message", "error"),
    [
        ("not-an-email", "", "Enter a valid email address"),
        ("two@@example.org", "", "Enter a valid email address"),
        ("", "", "This field is required."),
        ("a" * 250 + "@example.org", "", "Field cannot be longer than 254 characters."),
        ("fine@example.org", "m" * 2001, "Field cannot be longer than 2000 characters."),
        ("cora@example.org", "", "This person is already a member of Innovation Diffusion."),
    ],
)
def test_bad_invitations_are_refused(browser, session, world, email, message, error):
    browser.login(world["coordinator"])

    response = invite(browser, world["group"], email, message)

    assert response.status_code == 400
    assert error in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Invitation)) == 0
    assert outbox(session) == []


def test_a_second_open_invitation_to_the_same_address_is_refused(browser, session, world):
    browser.login(world["coordinator"])
    assert invite(browser, world["group"], "newcomer@example.org").status_code == 302

    response = invite(browser, world["group"], "NEWCOMER@example.org")

    assert response.status_code == 400
    assert "An invitation to this address is still open." in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Invitation)) == 1
    assert len(outbox(session)) == 1


def test_members_cannot_invite(browser, session, world):
    browser.login(world["member"])

    response = invite(browser, world["group"], "friend@example.org")

    assert response.status_code == 403
    assert session.scalar(select(func.count()).select_from(Invitation)) == 0
    assert outbox(session) == []


def test_the_invitations_page_runs_the_same_queries_for_few_and_many(
    browser, session, world, count_queries
):
    group, coordinator = world["group"], world["coordinator"]
    make_invitation(session, group, invited_by=coordinator)
    session.commit()
    browser.login(coordinator)

    def queries() -> int:
        with count_queries() as counter:
            assert browser.client.get(f"/groups/{group.slug}/invitations").status_code == 200
        return counter.count

    few = queries()
    for number in range(15):
        inviter = make_user(session, name=f"Inviter {number}")
        make_membership(session, inviter, group, role=Role.COORDINATOR)
        make_invitation(session, group, invited_by=inviter)
    session.commit()

    assert queries() == few
