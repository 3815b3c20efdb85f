"""A meeting report started from a held meeting: a draft meeting report in the meeting's
group, linked to it, whose body gathers the public agenda (times in the meeting's zone), the
attendance by helix and by country (counted, never named), the public materials and public
minutes; refused for a meeting not held, and to people outside its group."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from cop import clock
from cop.errors import Conflict, NotAllowed, NotFound
from cop.meetings.models import (
    AgendaItem,
    Material,
    MaterialKind,
    MeetingStatus,
    RegistrationStatus,
    Visibility,
)
from cop.members.models import Helix, OrganisationKind, Role
from cop.outcomes import services
from cop.outcomes.models import Outcome, OutcomeKind, OutcomeStatus
from tests.factories import (
    make_group,
    make_meeting,
    make_membership,
    make_organisation,
    make_registration,
    make_user,
)

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
HELD = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)  # 10:00 in Brussels


@pytest.fixture
def world(app, session):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    coordinator = make_user(session, name="Cora Coordinator")
    member = make_user(session, name="Max Member")
    outsider = make_user(session, name="Otto Outsider")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    make_membership(session, member, group)
    meeting = make_meeting(
        session,
        group,
        starts_at=HELD,
        title="Plenary 3: bottlenecks",
        minutes="We agreed on *three* lessons.",
        minutes_visibility=Visibility.PUBLIC,
    )
    session.add_all(
        [
            AgendaItem(
                meeting=meeting,
                starts_at=HELD,
                title="Welcome",
                speakers="Cora Coordinator",
            ),
            AgendaItem(
                meeting=meeting,
                starts_at=HELD + timedelta(hours=1, minutes=30),
                title="Vouchers in Norte",
                speakers="CCDR-N",
            ),
            Material(
                meeting=meeting,
                kind=MaterialKind.LINK,
                title="Recording page",
                url="https://example.org/recording",
                visibility=Visibility.PUBLIC,
            ),
            Material(
                meeting=meeting,
                kind=MaterialKind.LINK,
                title="Members-only notes",
                url="https://example.org/internal",
                visibility=Visibility.MEMBERS,
            ),
        ]
    )
    university = make_organisation(session, helix=Helix.ACADEMIA_RESEARCH, region_code="BE10")
    agency = make_organisation(
        session,
        name="Agency",
        helix=Helix.PUBLIC_AUTHORITY,
        kind=OrganisationKind.REGIONAL_AUTHORITY,
        region_code="PT11",
    )
    attended = {"attended_at": HELD + timedelta(hours=1)}
    for organisation in (university, university, agency):
        person = make_user(session, name="Hidden Name", organisation=organisation)
        make_registration(session, meeting, person, **attended)
    make_registration(session, meeting, region_code="DE21", **attended)  # a guest
    make_registration(session, meeting, make_user(session, organisation=agency))  # no-show
    make_registration(
        session,
        meeting,
        make_user(session, organisation=university),
        status=RegistrationStatus.CANCELLED,
        **attended,
    )
    session.commit()
    with clock.fixed_at(NOW), app.test_request_context():
        yield {
            "group": group,
            "coordinator": coordinator,
            "member": member,
            "outsider": outsider,
            "meeting": meeting,
        }


def test_a_member_starts_the_report_of_a_held_meeting(session, world):
    outcome = services.draft_meeting_report(session, world["member"], world["meeting"])
    session.commit()
    assert outcome.kind is OutcomeKind.MEETING_REPORT
    assert outcome.status is OutcomeStatus.DRAFT
    assert outcome.title == "Report: Plenary 3: bottlenecks"
    assert outcome.groups == [world["group"]]
    assert outcome.authors == [world["member"]]
    assert outcome.meetings == [world["meeting"]]
    assert outcome.from_meeting_id == world["meeting"].id
    # The attendees' regions: their organisations', and the guest's.
    assert [region.code for region in outcome.regions] == ["BE10", "DE21", "PT11"]
    body = outcome.body
    assert body.startswith("> Note for the authors:")
    # The agenda, at the meeting's wall-clock times, with its speakers.
    assert "- **10:00** Welcome — Cora Coordinator" in body
    assert "- **11:30** Vouchers in Norte — CCDR-N" in body
    # Attendance: people checked in, counted by helix and by country; no names.
    assert "4 people attended" in body
    assert "| Academia and research | 2 |" in body
    assert "| Public authorities | 1 |" in body
    assert "| Belgium | 2 |" in body
    assert "| Portugal | 1 |" in body
    assert "| Germany | 1 |" in body
    assert "Hidden Name" not in body
    # Public materials as links; members-only ones left out.
    assert "- [Recording page](https://example.org/recording)" in body
    assert "Members-only notes" not in body and "internal" not in body
    # Public minutes copied.
    assert "We agreed on *three* lessons." in body


def test_members_only_minutes_and_agenda_are_not_copied(session, world):
    meeting = world["meeting"]
    meeting.minutes_visibility = Visibility.MEMBERS
    meeting.agenda_visibility = Visibility.MEMBERS
    session.commit()
    outcome = services.draft_meeting_report(session, world["coordinator"], meeting)
    assert "three" not in outcome.body and "Vouchers in Norte" not in outcome.body
    assert "The minutes are shared with the group's members only" in outcome.body
    assert "The agenda is shared with the group's members only" in outcome.body


def count_outcomes(session) -> int:
    return session.scalar(select(func.count()).select_from(Outcome))


def test_no_report_of_a_meeting_still_to_come_or_cancelled(session, world):
    upcoming = make_meeting(session, world["group"], starts_at=NOW + timedelta(days=3))
    cancelled = make_meeting(
        session, world["group"], starts_at=HELD, status=MeetingStatus.CANCELLED
    )
    draft = make_meeting(session, world["group"], starts_at=HELD, status=MeetingStatus.DRAFT)
    session.commit()
    before = count_outcomes(session)
    with pytest.raises(Conflict) as caught:
        services.draft_meeting_report(session, world["member"], upcoming)
    assert caught.value.message == (
        "A report is written once the meeting is held: this one is still to come."
    )
    with pytest.raises(Conflict):
        services.draft_meeting_report(session, world["member"], cancelled)
    with pytest.raises(NotFound):
        services.draft_meeting_report(session, world["coordinator"], draft)
    assert count_outcomes(session) == before


def test_only_the_groups_members_start_a_report(session, world):
    with pytest.raises(NotAllowed):
        services.draft_meeting_report(session, world["outsider"], world["meeting"])


def test_the_report_page_starts_the_draft_and_opens_its_form(app, session, world):
    from tests.conftest import Browser

    browser = Browser(app.test_client())
    browser.login(world["member"])
    path = f"/meetings/{world['meeting'].id}/report"
    assert "Write the draft report" in browser.client.get(path).get_data(as_text=True)
    response = browser.post(path, page=path)
    assert response.status_code == 302
    outcome = session.scalar(select(Outcome).where(Outcome.from_meeting_id == world["meeting"].id))
    assert response.headers["Location"] == f"/outcomes/{outcome.id}/edit"
    form = browser.client.get(f"/outcomes/{outcome.id}/edit").get_data(as_text=True)
    assert "Report: Plenary 3: bottlenecks" in form
