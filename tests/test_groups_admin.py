"""Site administrators manage working groups: create, archive, appoint and remove coordinators."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from cop.audit.models import AuditEntry
from cop.errors import NotAllowed
from cop.mail.models import OutboxMessage
from cop.members.groups_admin import appoint_coordinator, archive_group, remove_coordinator
from cop.members.models import Membership, MembershipStatus, Role, WorkingGroup
from cop.members.services import GroupDetails, create_group
from tests.factories import make_group, make_membership, make_user

NEW_GROUP = {
    "slug": "interregional-cooperation",
    "name": "Interregional Cooperation",
    "summary": "Regions **working together** on shared value chains.",
    "kickoff": "2024-03-01",
    "duration_months": "36",
    "meetings_per_year": "2",
    "timezone": "Europe/Brussels",
}


def group_count(session) -> int:
    return session.scalar(select(func.count()).select_from(WorkingGroup))


def audit_count(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry))


def outbox_count(session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxMessage))


def membership(session, user, group) -> Membership | None:
    session.expire_all()
    return session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.group_id == group.id)
    )


def test_an_admin_creates_a_group(browser, session, admin):
    browser.login(admin)

    response = browser.post("/admin/groups", NEW_GROUP, page="/")

    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/groups/interregional-cooperation"
    group = session.scalar(select(WorkingGroup).where(WorkingGroup.slug == NEW_GROUP["slug"]))
    assert group.name == "Interregional Cooperation"
    assert group.kickoff == date(2024, 3, 1)
    assert (group.duration_months, group.meetings_per_year) == (36, 2)
    assert group.archived is False
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "group.created"))
    assert entry.actor_id == admin.id and entry.record_id == str(group.id)
    public = browser.client.get("/groups/interregional-cooperation/").get_data(as_text=True)
    assert "<strong>working together</strong>" in public


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"slug": "Not A Slug"}, "Use lower-case letters, digits and hyphens"),
        ({"slug": "x" * 61}, "Field cannot be longer than 60 characters."),
        ({"name": "n" * 201}, "Field cannot be longer than 200 characters."),
        ({"name": ""}, "This field is required."),
        ({"timezone": "Mars/Olympus_Mons"}, "Choose a time zone such as Europe/Brussels."),
        ({"duration_months": "0"}, "Number must be between 1 and 120."),
        ({"meetings_per_year": "13"}, "Number must be between 1 and 12."),
        ({"kickoff": "31/02/2024"}, "Not a valid date value."),
    ],
)
def test_bad_group_details_are_refused(browser, session, admin, changes, message):
    browser.login(admin)
    before = (group_count(session), audit_count(session))

    response = browser.post("/admin/groups", {**NEW_GROUP, **changes}, page="/")

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert (group_count(session), audit_count(session)) == before


def test_a_taken_address_is_refused(browser, session, admin):
    make_group(session, slug="interregional-cooperation")
    session.commit()
    browser.login(admin)
    before = (group_count(session), audit_count(session))

    response = browser.post("/admin/groups", NEW_GROUP, page="/")

    assert response.status_code == 400
    assert "Another group already has this address." in response.get_data(as_text=True)
    assert (group_count(session), audit_count(session)) == before


def test_only_admins_manage_groups(app, browser, session, user):
    group = make_group(session)
    coordinator = make_user(session)
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    session.commit()
    browser.login(coordinator)
    before = (group_count(session), audit_count(session))

    assert browser.post("/admin/groups", NEW_GROUP, page="/").status_code == 403
    assert browser.post(f"/admin/groups/{group.slug}/archive", page="/").status_code == 403
    assert browser.client.get(f"/admin/groups/{group.slug}").status_code == 403

    assert (group_count(session), audit_count(session)) == before
    session.expire_all()
    assert session.get(WorkingGroup, group.id).archived is False
    # The services refuse on their own, whoever calls them.
    with app.test_request_context():
        with pytest.raises(NotAllowed):
            create_group(
                session, coordinator, GroupDetails(slug="x", name="X", kickoff=date.today())
            )
        with pytest.raises(NotAllowed):
            archive_group(session, coordinator, group.slug)
        with pytest.raises(NotAllowed):
            appoint_coordinator(session, coordinator, group.slug, user.email)
        with pytest.raises(NotAllowed):
            remove_coordinator(session, coordinator, group.slug, coordinator.id)


def test_the_list_shows_every_group_with_its_counts(browser, session, admin):
    open_group = make_group(session, name="Alpha open")
    archived = make_group(session, name="Beta archived")
    archived.archived = True
    make_membership(session, make_user(session), open_group, role=Role.COORDINATOR)
    make_membership(session, make_user(session), open_group)
    make_membership(session, make_user(session), open_group, status=MembershipStatus.APPLIED)
    make_membership(session, make_user(session), open_group, status=MembershipStatus.LEFT)
    session.commit()
    browser.login(admin)

    page = browser.client.get("/admin/groups").get_data(as_text=True)

    assert page.index("Alpha open") < page.index("Beta archived")
    row = page[page.index("Alpha open") : page.index("</tr>", page.index("Alpha open"))]
    counts = [cell.split("</td>")[0] for cell in row.split("<td>")[-3:]]
    assert counts == ["2", "1", "1"]  # members, coordinators, applications
    assert "Archived" in page


def test_the_list_runs_the_same_queries_for_few_and_many_groups(
    browser, session, admin, count_queries
):
    browser.login(admin)

    def add_groups(number: int) -> None:
        for _ in range(number):
            group = make_group(session)
            make_membership(session, make_user(session), group, role=Role.COORDINATOR)
        session.commit()

    def load() -> int:
        with count_queries() as counter:
            response = browser.client.get("/admin/groups")
        assert response.status_code == 200
        return counter.count, response.get_data(as_text=True).count('class="group-row"')

    add_groups(2)
    few, rows = load()
    assert rows == 2
    add_groups(20)
    many, rows = load()
    assert rows == 22
    assert few == many


def test_archiving_closes_a_group_to_new_members_and_unarchiving_reopens_it(
    browser, session, admin, user
):
    group = make_group(session, name="Seasonal Group")
    session.commit()
    browser.login(admin)

    assert browser.post(f"/admin/groups/{group.slug}/archive", page="/").status_code == 302
    session.expire_all()
    assert session.get(WorkingGroup, group.id).archived is True
    again = browser.post(f"/admin/groups/{group.slug}/archive", page="/")
    assert again.status_code == 409
    assert "Seasonal Group is already archived." in again.get_data(as_text=True)
    assert browser.client.get(f"/groups/{group.slug}/").status_code == 200  # pages stay

    assert browser.post(f"/admin/groups/{group.slug}/unarchive", page="/").status_code == 302
    session.expire_all()
    assert session.get(WorkingGroup, group.id).archived is False
    actions = session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.record_id == str(group.id), AuditEntry.actor_id == admin.id)
        .order_by(AuditEntry.id)
    ).all()
    assert actions == ["group.archived", "group.unarchived"]


def test_unknown_groups_are_not_found(browser, admin):
    browser.login(admin)

    assert browser.client.get("/admin/groups/no-such-group").status_code == 404
    assert browser.post("/admin/groups/no-such-group/archive", page="/").status_code == 404


def test_an_admin_appoints_a_coordinator_by_email(browser, session, admin):
    group = make_group(session, name="Innovation Diffusion")
    person = make_user(session, name="Nina New-Coordinator", email="nina@example.org")
    session.commit()
    browser.login(admin)

    response = browser.post(
        f"/admin/groups/{group.slug}/coordinators", {"email": "NINA@example.org"}, page="/"
    )

    assert response.status_code == 302
    appointed = membership(session, person, group)
    assert appointed.status is MembershipStatus.ACTIVE and appointed.role is Role.COORDINATOR
    assert appointed.decided_by_id == admin.id
    entry = session.scalar(
        select(AuditEntry).where(AuditEntry.action == "membership.coordinator_appointed")
    )
    assert entry.actor_id == admin.id and entry.after["role"] == "coordinator"
    email = session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipient == "nina@example.org")
    )
    assert "Innovation Diffusion" in email.subject
    assert f"http://cop.test/groups/{group.slug}/applications" in email.body_text
    manage = browser.client.get(f"/admin/groups/{group.slug}").get_data(as_text=True)
    assert "Nina New-Coordinator" in manage

    browser.logout()
    browser.login(person)
    assert browser.client.get(f"/groups/{group.slug}/applications").status_code == 200


def test_an_applicant_appointed_coordinator_becomes_active(browser, session, admin):
    group = make_group(session)
    person = make_user(session)
    applied = make_membership(session, person, group, status=MembershipStatus.APPLIED)
    session.commit()
    browser.login(admin)

    browser.post(f"/admin/groups/{group.slug}/coordinators", {"email": person.email}, page="/")

    appointed = membership(session, person, group)
    assert appointed.id == applied.id
    assert appointed.status is MembershipStatus.ACTIVE and appointed.role is Role.COORDINATOR


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("ghost@example.org", "No active account uses this email address."),
        ("not an email", "Enter a valid email address"),
        ("cora@example.org", "This person already coordinates Working group"),
    ],
)
def test_bad_appointments_are_refused(browser, session, admin, email, message):
    group = make_group(session)
    cora = make_user(session, email="cora@example.org")
    make_membership(session, cora, group, role=Role.COORDINATOR)
    session.commit()
    browser.login(admin)
    before = (audit_count(session), outbox_count(session))

    response = browser.post(f"/admin/groups/{group.slug}/coordinators", {"email": email}, page="/")

    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert (audit_count(session), outbox_count(session)) == before


def test_an_admin_removes_a_coordinator_who_stays_a_member(browser, session, admin):
    group = make_group(session)
    cora = make_user(session, name="Cora Coordinator")
    make_membership(session, cora, group, role=Role.COORDINATOR)
    session.commit()
    browser.login(admin)

    response = browser.post(f"/admin/groups/{group.slug}/coordinators/{cora.id}/remove", page="/")

    assert response.status_code == 302
    demoted = membership(session, cora, group)
    assert demoted.status is MembershipStatus.ACTIVE and demoted.role is Role.MEMBER
    entry = session.scalar(
        select(AuditEntry).where(AuditEntry.action == "membership.coordinator_removed")
    )
    assert entry.before == {"role": "coordinator"} and entry.after == {"role": "member"}
    again = browser.post(f"/admin/groups/{group.slug}/coordinators/{cora.id}/remove", page="/")
    assert again.status_code == 404


def test_removing_someone_who_does_not_coordinate_is_not_found(browser, session, admin):
    group = make_group(session)
    member = make_user(session)
    make_membership(session, member, group)
    session.commit()
    browser.login(admin)
    before = audit_count(session)

    for user_id in (member.id, 999999999):
        response = browser.post(
            f"/admin/groups/{group.slug}/coordinators/{user_id}/remove", page="/"
        )
        assert response.status_code == 404
    assert membership(session, member, group).role is Role.MEMBER
    assert audit_count(session) == before
