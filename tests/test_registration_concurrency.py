"""Capacity under concurrency: real threads, each on its own database connection, committing.

These tests cannot run inside the per-test rolled-back transaction (the threads must see each
other's commits, and on SQLite that open transaction would hold the write lock), so they build
an app whose sessions commit for real, and remove every row they added afterwards. They run on
SQLite (a file database, WAL) and, when TEST_DATABASE_URL is set, on PostgreSQL.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from sqlalchemy import Integer, delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from cop import create_app
from cop.db import Base, get_db, get_session, make_engine
from cop.errors import Invalid
from cop.mail.models import OutboxMessage
from cop.meetings.models import Registration, RegistrationStatus
from cop.meetings.registration import cancel_registration, register_member
from cop.meetings.seats import waitlist_positions
from cop.members.models import User
from tests.factories import make_group, make_meeting, make_membership, make_user

PEOPLE = 50
SEATS = 10


def high_water_marks(engine: Engine) -> dict[str, int]:
    """The largest id of every table with an integer id, before the test adds its rows."""
    marks = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            column = table.c.get("id")
            if column is not None and isinstance(column.type, Integer):
                marks[table.name] = connection.scalar(select(func.max(column))) or 0
    return marks


def remove_rows_above(engine: Engine, marks: dict[str, int]) -> None:
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name in marks:
                connection.execute(delete(table).where(table.c.id > marks[table.name]))


@dataclass
class World:
    app: object
    engine: Engine
    meeting_id: int
    user_ids: list[int]

    def run(self, work: Callable[[Session, User], object], user_id: int, barrier) -> object:
        """Do `work` as one person, in a request of its own, once every thread is ready."""
        with self.app.test_request_context():
            session = get_session()
            person = session.get(User, user_id)
            session.commit()  # on SQLite a transaction holds the write lock: none while waiting
            barrier.wait()
            try:
                result = work(session, person)
                session.commit()
                return result
            except Invalid as error:
                session.rollback()
                return error

    def in_parallel(self, work, user_ids: list[int]) -> list[object]:
        barrier = threading.Barrier(len(user_ids), timeout=60)
        with ThreadPoolExecutor(max_workers=len(user_ids)) as pool:
            futures = [pool.submit(self.run, work, user_id, barrier) for user_id in user_ids]
            return [future.result(timeout=120) for future in futures]

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)


@pytest.fixture
def world(migrated: str) -> Iterator[World]:
    app = create_app(
        {
            "DATABASE_URL": migrated,
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
            "BASE_URL": "http://cop.test",
            "MAIL_SENDER": "cop <no-reply@example.org>",
        }
    )
    # No pool: every session opens a connection of its own, as separate processes would.
    engine = make_engine(migrated, poolclass=NullPool)
    get_db(app).sessionmaker.configure(bind=engine)
    marks = high_water_marks(engine)
    try:
        with app.test_request_context():
            session = get_session()
            group = make_group(session, name="Concurrency group")
            people = [make_user(session) for _ in range(PEOPLE)]
            for person in people:
                make_membership(session, person, group)
            meeting = make_meeting(
                session, group, capacity_in_person=SEATS, title="The workshop everyone wants"
            )
            session.commit()
            world = World(app, engine, meeting.id, [person.id for person in people])
        yield world
    finally:
        remove_rows_above(engine, marks)
        get_db(app).engine.dispose()
        engine.dispose()


def registrations(world: World) -> list[Registration]:
    with world.session() as session:
        return list(
            session.scalars(
                select(Registration)
                .where(Registration.meeting_id == world.meeting_id)
                .order_by(Registration.id)
            )
        )


def emails(world: World, kind: str) -> dict[str, OutboxMessage]:
    with world.session() as session:
        return {
            message.recipient: message
            for message in session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind))
        }


def register_in_person(world: World):
    def work(session: Session, person: User) -> int:
        return register_member(session, person, world.meeting_id, mode="in_person").id

    return work


def test_fifty_parallel_registrations_for_ten_seats_confirm_ten_and_queue_forty_in_order(
    world: World,
):
    results = world.in_parallel(register_in_person(world), world.user_ids)

    assert all(isinstance(result, int) for result in results), results
    rows = registrations(world)
    assert len(rows) == PEOPLE
    statuses = [row.status for row in rows]
    assert statuses.count(RegistrationStatus.CONFIRMED) == SEATS
    assert statuses.count(RegistrationStatus.WAITLISTED) == PEOPLE - SEATS
    # Ids are drawn while the meeting's lock is held, and the lock is held until commit: id
    # order is the order in which registrations were written. The first ten written have
    # the seats, and the waiting list follows the same order, by time of arrival.
    confirmed, waitlisted = RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED
    assert statuses == [confirmed] * SEATS + [waitlisted] * (PEOPLE - SEATS)
    assert [row.id for row in sorted(rows, key=lambda r: r.queued_at)] == [row.id for row in rows]
    with world.session() as session:
        positions = waitlist_positions(session, rows)
    waiting = [row for row in rows if row.status is RegistrationStatus.WAITLISTED]
    assert [positions[row.id] for row in waiting] == list(range(1, PEOPLE - SEATS + 1))
    # Everyone was told, and each waiting person their own place.
    assert len(emails(world, "meeting_registered")) == SEATS
    waitlisted = emails(world, "meeting_waitlisted")
    assert len(waitlisted) == PEOPLE - SEATS
    with world.session() as session:
        address = dict(session.execute(select(User.id, User.email)).all())
    for row in waiting:
        text = waitlisted[address[row.user_id]].body_text
        assert re.search(rf"You are number {positions[row.id]} on the waiting list", text)


def test_cancelling_a_seat_promotes_exactly_the_first_waiting_person_once(world: World):
    world.in_parallel(register_in_person(world), world.user_ids)
    rows = registrations(world)
    seat, first_waiting, second_waiting = rows[0], rows[SEATS], rows[SEATS + 1]

    # The holder presses "cancel" in five tabs at once: one cancels, the others are told.
    def cancel(session: Session, person: User) -> Registration:
        return cancel_registration(session, person, seat.id)

    results = world.in_parallel(cancel, [seat.user_id] * 5)

    assert sum(isinstance(result, Registration) for result in results) == 1
    refusals = [result for result in results if isinstance(result, Invalid)]
    assert len(refusals) == 4
    assert all(error.message == "This registration is already cancelled." for error in refusals)
    after = {row.id: row for row in registrations(world)}
    assert after[seat.id].status is RegistrationStatus.CANCELLED
    assert after[first_waiting.id].status is RegistrationStatus.CONFIRMED
    assert after[second_waiting.id].status is RegistrationStatus.WAITLISTED
    confirmed = [row for row in after.values() if row.status is RegistrationStatus.CONFIRMED]
    assert len(confirmed) == SEATS
    promoted = emails(world, "meeting_promoted")
    with world.session() as session:
        first_email = session.get(User, first_waiting.user_id).email
    assert list(promoted) == [first_email]
    assert "The workshop everyone wants" in promoted[first_email].subject


def test_parallel_cancellations_of_different_seats_promote_the_next_people_in_order(
    world: World,
):
    world.in_parallel(register_in_person(world), world.user_ids)
    rows = registrations(world)
    leaving = rows[:5]

    def cancel_own(session: Session, person: User) -> Registration:
        own = session.scalar(
            select(Registration.id).where(
                Registration.meeting_id == world.meeting_id, Registration.user_id == person.id
            )
        )
        return cancel_registration(session, person, own)

    results = world.in_parallel(cancel_own, [row.user_id for row in leaving])

    assert all(isinstance(result, Registration) for result in results), results
    after = registrations(world)
    statuses = {row.id: row.status for row in after}
    assert [statuses[row.id] for row in rows[SEATS : SEATS + 5]] == (
        [RegistrationStatus.CONFIRMED] * 5
    )
    assert statuses[rows[SEATS + 5].id] is RegistrationStatus.WAITLISTED
    assert sum(status is RegistrationStatus.CONFIRMED for status in statuses.values()) == SEATS
    assert len(emails(world, "meeting_promoted")) == 5
