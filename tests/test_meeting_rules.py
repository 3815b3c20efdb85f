"""Rules of a meeting's life found by trying the app as coordinators do: postponing, editing
after the fact, the plenary's window, a draft cancelled before anyone saw it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from cop import clock
from cop.audit.models import AuditEntry
from cop.errors import Invalid
from cop.mail.models import OutboxMessage
from cop.meetings import services
from cop.meetings.details import details_of
from cop.meetings.models import AgendaItem, MeetingKind, MeetingStatus
from cop.members.models import Role
from tests.factories import make_group, make_meeting, make_membership, make_registration, make_user

NOW = datetime(2030, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def world(session):
    # A cycle from January 2029: its third window runs from January to June 2030.
    group = make_group(session, kickoff=date(2029, 1, 1))
    coordinator = make_user(session, name="Cora Coordinator")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    member = make_user(session, name="Max Member", email="max@example.org")
    make_membership(session, member, group)
    session.commit()
    return {"group": group, "coordinator": coordinator, "member": member}


def written(session) -> tuple[int, int]:
    session.expire_all()
    return (
        session.scalar(select(func.count()).select_from(AuditEntry)),
        session.scalar(select(func.count()).select_from(OutboxMessage)),
    )


def act(app, function, *args, **kwargs):
    with clock.fixed_at(NOW), app.test_request_context():
        return function(*args, **kwargs)


def test_a_meeting_that_is_over_is_not_postponed(app, session, world):
    held = make_meeting(
        session, world["group"], starts_at=NOW - timedelta(days=10), title="Held workshop"
    )
    make_registration(session, held, world["member"])
    session.commit()
    before = written(session)

    with pytest.raises(Invalid) as error:
        act(
            app,
            services.postpone_meeting,
            session,
            world["coordinator"],
            held.id,
            datetime(2030, 5, 1, 10),
            datetime(2030, 5, 1, 16),
        )
    session.rollback()

    assert "over" in error.value.message
    assert written(session) == before


def test_postponing_moves_later_only_and_takes_the_agenda_along(app, session, world):
    meeting = make_meeting(session, world["group"], starts_at=datetime(2030, 4, 9, 8, tzinfo=UTC))
    session.add(AgendaItem(meeting=meeting, starts_at=meeting.starts_at, title="Welcome"))
    session.add(
        AgendaItem(meeting=meeting, starts_at=meeting.starts_at + timedelta(hours=2), title="Panel")
    )
    session.commit()
    before = written(session)

    with pytest.raises(Invalid) as error:
        act(
            app,
            services.postpone_meeting,
            session,
            world["coordinator"],
            meeting.id,
            datetime(2030, 4, 1, 10),
            datetime(2030, 4, 1, 16),
        )
    session.rollback()
    assert error.value.field == "starts_at" and "later" in error.value.message
    assert written(session) == before

    act(
        app,
        services.postpone_meeting,
        session,
        world["coordinator"],
        meeting.id,
        datetime(2030, 5, 12, 10),  # 10:00 in Brussels, summer time: 08:00 UTC
        datetime(2030, 5, 12, 16),
    )
    session.commit()
    session.expire_all()
    items = session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id).order_by(AgendaItem.id)
    ).all()
    assert [item.starts_at for item in items] == [
        datetime(2030, 5, 12, 8, tzinfo=UTC),
        datetime(2030, 5, 12, 10, tzinfo=UTC),
    ]


def test_correcting_a_meeting_that_is_over_emails_nobody(app, session, world):
    held = make_meeting(
        session, world["group"], starts_at=NOW - timedelta(days=10), title="Held workshop"
    )
    make_registration(session, held, world["member"])
    session.commit()
    details = details_of(held)
    details = type(details)(**{**details.__dict__, "venue": "Another room, as it turned out"})

    act(app, services.update_meeting, session, world["coordinator"], held.id, details)
    session.commit()

    assert held.venue == "Another room, as it turned out"
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_a_plenary_takes_place_in_its_slots_window(app, session, world):
    details = services.MeetingDetails(
        title="Third plenary",
        kind="plenary",
        cycle_slot=3,
        starts_at=datetime(2030, 9, 15, 10),  # the fourth window
        ends_at=datetime(2030, 9, 15, 16),
        timezone="Europe/Brussels",
    )
    before = written(session)

    with pytest.raises(Invalid) as error:
        act(app, services.create_meeting, session, world["coordinator"], world["group"], details)
    session.rollback()

    assert error.value.field == "starts_at"
    assert "Plenary 3 takes place between 1 January 2030 and 30 June 2030" in error.value.message
    assert written(session) == before

    inside = type(details)(
        **{
            **details.__dict__,
            "starts_at": datetime(2030, 5, 15, 10),
            "ends_at": datetime(2030, 5, 15, 16),
        }
    )
    plenary = act(
        app, services.create_meeting, session, world["coordinator"], world["group"], inside
    )
    assert plenary.kind is MeetingKind.PLENARY and plenary.cycle_slot == 3


def test_a_draft_cancelled_before_publication_stays_private(app, browser, session, world):
    draft = make_meeting(
        session,
        world["group"],
        status=MeetingStatus.DRAFT,
        title="A draft nobody saw",
        starts_at=NOW + timedelta(days=30),
    )
    session.commit()
    act(app, services.cancel_meeting, session, world["coordinator"], draft.id, "Wrong slot")
    session.commit()

    assert browser.client.get(f"/meetings/{draft.id}").status_code == 404
    listing = browser.client.get(f"/groups/{world['group'].slug}/meetings/")
    assert "A draft nobody saw" not in listing.get_data(as_text=True)
    browser.login(world["coordinator"])
    assert browser.client.get(f"/meetings/{draft.id}").status_code == 200
