"""The audit log: services record who changed what; admins read it with filters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from cop.audit.models import AuditEntry
from cop.audit.services import record_change, snapshot
from cop.members.services import GROUP_FIELDS
from tests.factories import make_group


def test_record_change_keeps_only_what_changed(session, admin):
    group = make_group(session, name="Before")
    before = snapshot(group, GROUP_FIELDS)
    group.name = "After"
    entry = record_change(
        session,
        actor=admin,
        action="group.renamed",
        record=group,
        summary="Renamed",
        before=before,
        after=snapshot(group, GROUP_FIELDS),
    )
    session.commit()

    stored = session.get(AuditEntry, entry.id)
    assert stored.actor_id == admin.id
    assert (stored.record_type, stored.record_id) == ("working_groups", str(group.id))
    assert stored.before == {"name": "Before"}
    assert stored.after == {"name": "After"}
    assert stored.at.tzinfo is not None


def test_creating_a_group_is_audited(session):
    group = make_group(session, slug="audited", name="Audited group")
    session.commit()

    entry = session.scalar(select(AuditEntry).where(AuditEntry.record_id == str(group.id)))
    assert entry.action == "group.created"
    assert entry.actor_id is None
    assert entry.after["slug"] == "audited"
    assert entry.after["kickoff"] == "2023-06-01"


def _log_page(browser, **params):
    return browser.client.get("/admin/audit", query_string=params)


def test_admin_reads_the_log_newest_first(browser, session, admin):
    make_group(session, name="First group")
    make_group(session, name="Second group")
    session.commit()
    browser.login(admin)

    page = _log_page(browser).get_data(as_text=True)

    assert page.index("Created working group Second group") < page.index(
        "Created working group First group"
    )
    assert "2 changes" in page
    assert "System" in page


def test_admin_filters_by_action_actor_and_dates(browser, session, admin):
    group = make_group(session, name="Filtered")
    record_change(session, actor=admin, action="group.renamed", record=group, summary="Renamed it")
    old = record_change(
        session, actor=admin, action="group.archived", record=group, summary="Old one"
    )
    old.at = datetime.now(UTC) - timedelta(days=40)
    session.commit()
    browser.login(admin)

    by_action = _log_page(browser, action="group.renamed").get_data(as_text=True)
    assert "Renamed it" in by_action and "Created working group" not in by_action

    by_actor = _log_page(browser, actor=admin.id).get_data(as_text=True)
    assert "Renamed it" in by_actor and "Created working group" not in by_actor

    since = (date.today() - timedelta(days=7)).isoformat()
    recent = _log_page(browser, since=since).get_data(as_text=True)
    assert "Renamed it" in recent and "Old one" not in recent

    until = (date.today() - timedelta(days=30)).isoformat()
    older = _log_page(browser, until=until).get_data(as_text=True)
    assert "Old one" in older and "Renamed it" not in older


def test_bad_filters_get_messages_next_to_the_fields(browser, session, admin):
    browser.login(admin)

    response = _log_page(browser, since="2026-13-45", actor="abc", action="no.such.action")

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="since-error"' in page
    assert 'id="actor-error"' in page
    assert 'id="action-error"' in page

    reversed_range = _log_page(browser, since="2026-05-02", until="2026-05-01")
    assert "The end date is before the start date." in reversed_range.get_data(as_text=True)


def test_log_pages_through_many_changes(browser, session, admin):
    group = make_group(session)
    for number in range(60):
        record_change(
            session, actor=None, action="group.touched", record=group, summary=f"touch {number}"
        )
    session.commit()
    browser.login(admin)

    first = _log_page(browser, action="group.touched").get_data(as_text=True)
    second = _log_page(browser, action="group.touched", page=2).get_data(as_text=True)

    assert "Page 1 of 2" in first and "touch 59" in first and "touch 0<" not in first
    assert "Page 2 of 2" in second and ">touch 0<" in second


def test_log_page_query_count_does_not_grow(browser, session, admin, count_queries):
    browser.login(admin)
    group = make_group(session)
    session.commit()

    def queries() -> int:
        with count_queries() as counter:
            assert _log_page(browser).status_code == 200
        return counter.count

    small = queries()
    for number in range(30):
        record_change(
            session, actor=admin, action="group.touched", record=group, summary=str(number)
        )
    session.commit()
    assert queries() == small


def test_out_of_range_filters_are_refused_cleanly(browser, session, admin):
    browser.login(admin)

    huge_actor = _log_page(browser, actor="99999999999999999999")
    assert huge_actor.status_code == 400
    assert 'id="actor-error"' in huge_actor.get_data(as_text=True)

    for page in ("0", "abc", "99999999999999999999"):
        response = _log_page(browser, page=page)
        assert response.status_code == 200, page


def test_long_values_are_shortened_in_the_log(browser, session, admin):
    make_group(session, summary="word " * 500)
    session.commit()
    browser.login(admin)

    page = _log_page(browser).get_data(as_text=True)

    assert "word " * 60 not in page
    assert "word word..." in page
