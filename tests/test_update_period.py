"""How often a group's solutions owe a progress update: its coordinators choose it, from 1 to
26 weeks, on a page of the solutions dashboard; the due dates follow at once."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from cop import clock
from cop.audit.models import AuditEntry
from cop.errors import Invalid, NotAllowed
from cop.members.models import Role
from cop.solutions.updates import next_update_due, set_update_period
from tests.conftest import Browser
from tests.factories import make_group, make_membership, make_solution, make_user


@pytest.fixture
def world(session):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    coordinator = make_user(session, name="Cora Coordinator")
    member = make_user(session, name="Mia Member")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    make_membership(session, member, group)
    session.commit()
    return {"group": group, "coordinator": coordinator, "member": member}


def audit_rows(session) -> int:
    return session.scalar(
        select(func.count(AuditEntry.id)).where(AuditEntry.action == "group.update_period_changed")
    )


def test_a_coordinator_sets_the_period_and_due_dates_follow(app, session, world):
    group = world["group"]
    solution = make_solution(
        session,
        group,
        world["member"],
        starts_on=date(2026, 9, 1),
        created_at=datetime(2026, 8, 20, tzinfo=UTC),
    )
    assert next_update_due(solution, group.update_every_weeks) == date(2026, 9, 29)
    with app.test_request_context():
        set_update_period(session, world["coordinator"], group, "2")
    session.commit()
    assert group.update_every_weeks == 2
    assert next_update_due(solution, group.update_every_weeks) == date(2026, 9, 15)
    assert audit_rows(session) == 1
    with app.test_request_context():
        set_update_period(session, world["coordinator"], group, 2)  # unchanged: no row
    assert audit_rows(session) == 1


@pytest.mark.parametrize("weeks", ["0", "27", "-1", "two", "", "1.5", "99999999999999999999"])
def test_a_period_out_of_range_is_refused_and_nothing_changes(app, session, world, weeks):
    with app.test_request_context(), pytest.raises(Invalid) as refused:
        set_update_period(session, world["coordinator"], world["group"], weeks)
    assert refused.value.field == "update_every_weeks"
    assert "1 to 26 weeks" in refused.value.message
    session.rollback()
    assert world["group"].update_every_weeks == 4
    assert audit_rows(session) == 0


def test_a_member_may_not_set_the_period(app, session, world):
    with app.test_request_context(), pytest.raises(NotAllowed):
        set_update_period(session, world["member"], world["group"], 2)
    session.rollback()
    assert world["group"].update_every_weeks == 4


def test_the_settings_page_shows_its_message_next_to_the_field(app, session, world):
    coordinator = Browser(app.test_client())
    coordinator.login(world["coordinator"])
    page = "/groups/innovation-diffusion/solutions/settings"
    shown = coordinator.client.get(page).get_data(as_text=True)
    assert 'value="4"' in shown
    refused = coordinator.post(page, {"update_every_weeks": "40"}, page=page)
    assert refused.status_code == 400
    assert 'id="update_every_weeks-error"' in refused.get_data(as_text=True)
    with clock.fixed_at(datetime(2026, 11, 26, 9, tzinfo=UTC)):
        saved = coordinator.post(page, {"update_every_weeks": "8"}, page=page)
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith("/groups/innovation-diffusion/solutions/dashboard")
    session.expire_all()
    assert world["group"].update_every_weeks == 8
    board = coordinator.client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "every 8 weeks" in board
    assert "Change how often" in board


def test_digits_of_other_scripts_are_refused_not_a_crash(app, session, world):
    coordinator = Browser(app.test_client())
    coordinator.login(world["coordinator"])
    page = "/groups/innovation-diffusion/solutions/settings"
    for typed in ("²", "٣"):
        refused = coordinator.post(page, {"update_every_weeks": typed}, page=page)
        assert refused.status_code == 400
    session.expire_all()
    assert world["group"].update_every_weeks == 4


def test_a_period_of_one_week_reads_as_one_week_in_each_language(app, session, world):
    coordinator = Browser(app.test_client())
    coordinator.login(world["coordinator"])
    page = "/groups/innovation-diffusion/solutions/settings"
    for language, said in (
        ("en", "Progress updates are now due every week."),
        ("fr", "Les points d&#39;avancement sont désormais attendus chaque semaine."),
        ("de", "Fortschrittsberichte sind jetzt jede Woche fällig."),
    ):
        coordinator.client.get(f"/language/{language}")
        saved = coordinator.post(page, {"update_every_weeks": "1"}, page=page)
        assert saved.status_code == 302
        board = coordinator.client.get(saved.headers["Location"]).get_data(as_text=True)
        assert said in board
        assert " 1 weeks" not in board and "toutes les 1 " not in board and "alle 1 " not in board
