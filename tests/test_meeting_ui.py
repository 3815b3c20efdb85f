"""What the meetings pages show around their content: breadcrumbs, the registration box in
every state, the participants' needs, the materials' labels and the inputs' hints."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest

from cop import clock
from cop.meetings.models import (
    AgendaItem,
    Audience,
    Material,
    MaterialKind,
    MeetingFormat,
    MeetingStatus,
    RegistrationStatus,
)
from cop.meetings.registration_mail import CONFIRM_PURPOSE, guest_token
from cop.members.models import Role
from tests.conftest import Browser, csrf_token_from
from tests.factories import (
    make_group,
    make_meeting,
    make_membership,
    make_registration,
    make_user,
)

NOW = datetime(2030, 2, 1, 12, 0, tzinfo=UTC)
STARTS = datetime(2030, 3, 5, 9, 0, tzinfo=UTC)
BREADCRUMBS = re.compile(r'<nav class="breadcrumbs"[^>]*>(.*?)</nav>', re.S)
CRUMB = re.compile(r"<li>(.*?)</li>", re.S)
TAG = re.compile(r"<[^>]+>")


@pytest.fixture(autouse=True)
def fixed_clock():
    with clock.fixed_at(NOW):
        yield


@pytest.fixture
def world(session):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    coordinator = make_user(session, name="Cora Coordinator")
    member = make_user(session, name="Max Member")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    make_membership(session, member, group)
    meeting = make_meeting(session, group, title="Peer learning", starts_at=STARTS)
    item = AgendaItem(meeting=meeting, title="Welcome", starts_at=STARTS + timedelta(minutes=30))
    session.add(item)
    session.commit()
    return {
        "group": group,
        "coordinator": coordinator,
        "member": member,
        "meeting": meeting,
        "item": item,
    }


def view(app, person, path: str):
    browser = Browser(app.test_client())
    if person is not None:
        browser.login(person)
    response = browser.client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def crumbs(page: str) -> list[tuple[str, bool, bool]]:
    """The breadcrumbs of a page: (label, is a link, is marked as the current page)."""
    [trail] = BREADCRUMBS.findall(page)
    return [
        (html.unescape(TAG.sub("", item)).strip(), "<a " in item, 'aria-current="page"' in item)
        for item in CRUMB.findall(trail)
    ]


def registration_box(page: str) -> str:
    start = page.index('<section class="registration-box"')
    return page[start : page.index("</section>", start)]


# -- breadcrumbs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "last"),
    [
        ("/meetings/{meeting}/edit", "Edit"),
        ("/meetings/{meeting}/agenda", "Agenda"),
        ("/meetings/{meeting}/materials", "Materials"),
        ("/meetings/{meeting}/minutes", "Minutes"),
        ("/meetings/{meeting}/postpone", "Postpone"),
        ("/meetings/{meeting}/cancel", "Cancel"),
        ("/meetings/{meeting}/participants", "Participants"),
        ("/meetings/{meeting}/register", "Register"),
    ],
)
def test_every_page_of_a_meeting_has_the_same_trail(app, world, path, last):
    page = view(app, world["coordinator"], path.format(meeting=world["meeting"].id))

    trail = crumbs(page)

    labels = [label for label, _link, _current in trail]
    assert labels == ["Home", "Innovation Diffusion", "Meetings", "Peer learning", last]
    # One rule on every page: each crumb links, and only the last is the current page.
    assert all(link for _label, link, _current in trail)
    assert [current for _label, _link, current in trail] == [False] * 4 + [True]


def test_the_publish_page_of_a_draft_and_an_agenda_item_follow_the_same_trail(app, session, world):
    draft = make_meeting(session, world["group"], title="Draft plenary", status=MeetingStatus.DRAFT)
    session.commit()

    publish = crumbs(view(app, world["coordinator"], f"/meetings/{draft.id}/publish"))
    item = crumbs(view(app, world["coordinator"], f"/agenda-items/{world['item'].id}/edit"))

    assert [label for label, *_ in publish] == [
        "Home", "Innovation Diffusion", "Meetings", "Draft plenary", "Publish",
    ]  # fmt: skip
    assert [label for label, *_ in item] == [
        "Home", "Innovation Diffusion", "Meetings", "Peer learning", "Agenda", "Welcome",
    ]  # fmt: skip
    assert [current for *_, current in item] == [False] * 5 + [True]


def test_the_meeting_and_group_pages_end_their_trail_on_themselves(app, world):
    meeting = crumbs(view(app, None, f"/meetings/{world['meeting'].id}"))
    group = crumbs(view(app, None, "/groups/innovation-diffusion/"))

    assert [label for label, *_ in meeting] == [
        "Home", "Innovation Diffusion", "Meetings", "Peer learning",
    ]  # fmt: skip
    assert [current for *_, current in meeting] == [False, False, False, True]
    assert [(label, current) for label, _link, current in group] == [
        ("Home", False), ("Innovation Diffusion", True),
    ]  # fmt: skip


# -- the registration box ---------------------------------------------------------------------------


def test_a_cancelled_meeting_says_so_instead_of_a_seat_and_a_cancel_button(app, session, world):
    meeting = world["meeting"]
    make_registration(session, meeting, world["member"])
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancel_reason = "The venue is closed."
    session.commit()

    box = registration_box(view(app, world["member"], f"/meetings/{meeting.id}"))

    assert "This meeting is cancelled." in box
    assert "Your seat is confirmed" not in box
    assert "Cancel my registration" not in box and "<form" not in box
    assert "seats-left" not in box


def test_anyone_sees_why_they_cannot_register_for_a_cancelled_open_meeting(app, session, world):
    meeting = make_meeting(
        session, world["group"], audience=Audience.OPEN, status=MeetingStatus.CANCELLED,
        starts_at=STARTS,
    )  # fmt: skip
    session.commit()

    box = registration_box(view(app, None, f"/meetings/{meeting.id}"))

    assert "This meeting is cancelled." in box
    assert "Register" not in TAG.sub("", box).replace("Registration", "")


def test_coordinators_read_when_registration_opens_on_a_draft(app, session, world):
    draft = make_meeting(session, world["group"], status=MeetingStatus.DRAFT, starts_at=STARTS)
    session.commit()

    box = registration_box(view(app, world["coordinator"], f"/meetings/{draft.id}"))

    assert "Registration opens once the meeting is published." in box
    assert "seats-left" not in box


def test_a_published_meeting_still_shows_its_seats(app, world):
    box = registration_box(view(app, world["member"], f"/meetings/{world['meeting'].id}"))

    assert "In person: 10 seats left" in box
    assert f'href="/meetings/{world["meeting"].id}/register"' in box
    assert "This meeting is cancelled." not in box


# -- participants -------------------------------------------------------------------------------------


def test_needs_of_cancelled_registrations_are_not_shown(app, session, world):
    meeting = world["meeting"]
    make_registration(session, meeting, world["member"], needs="Vegetarian meal")
    make_registration(
        session, meeting, name="Carl Cancelled", status=RegistrationStatus.CANCELLED,
        needs="Step-free access",
    )  # fmt: skip
    session.commit()

    page = view(app, world["coordinator"], f"/meetings/{meeting.id}/participants")

    assert "Vegetarian meal" in page
    assert "Carl Cancelled" in page
    assert "Step-free access" not in page


def test_a_participants_actions_are_grouped_in_their_cell(app, session, world):
    meeting = world["meeting"]
    make_registration(session, meeting, world["member"], status=RegistrationStatus.WAITLISTED)
    session.commit()

    page = view(app, world["coordinator"], f"/meetings/{meeting.id}/participants")

    row = re.search(r'<tr class="participant participant-waitlisted".*?</tr>', page, re.S).group(0)
    actions = row[row.index('<div class="row-actions">') :]
    assert ">Confirm<" in actions and ">Cancel<" in actions


# -- materials ------------------------------------------------------------------------------------


def test_each_material_names_its_kind_once(app, session, world):
    meeting = world["meeting"]
    session.add_all(
        [
            Material(
                meeting=meeting, kind=MaterialKind.LINK, title="Presentations (PDF)",
                url="https://example.org/presentations.pdf",
            ),
            Material(
                meeting=meeting, kind=MaterialKind.FILE, title="Background paper",
                storage_key="0" * 64, filename="paper.pdf", content_type="application/pdf",
                size=2048,
            ),
        ]
    )  # fmt: skip
    session.commit()

    page = view(app, None, f"/meetings/{meeting.id}")

    assert "(Link)" not in page and "(File" not in page
    link = re.search(r'<li class="material material-link">.*?</li>', page, re.S).group(0)
    assert " ".join(TAG.sub(" ", link).split()) == "Presentations (PDF) Link"
    file = re.search(r'<li class="material material-file">.*?</li>', page, re.S).group(0)
    assert " ".join(TAG.sub(" ", file).split()) == "Background paper paper.pdf, 2 KB"


# -- inputs ----------------------------------------------------------------------------------------


def test_capacity_fields_ask_phones_for_a_number_pad(app, world):
    page = view(app, world["coordinator"], f"/meetings/{world['meeting'].id}/edit")

    for name in ("capacity_in_person", "capacity_online"):
        [tag] = re.findall(rf'<input[^>]*id="{name}"[^>]*>', page)
        assert 'inputmode="numeric"' in tag


def test_the_file_picker_offers_the_allowed_types(app, world):
    page = view(app, world["coordinator"], f"/meetings/{world['meeting'].id}/materials")

    [tag] = re.findall(r'<input[^>]*type="file"[^>]*>', page)
    accept = re.search(r'accept="([^"]+)"', tag).group(1).split(",")
    assert accept == [
        ".pdf", ".pptx", ".docx", ".xlsx", ".odp", ".odt", ".ods", ".png", ".jpg", ".jpeg",
        ".csv", ".txt",
    ]  # fmt: skip


# -- the guest's emailed link ----------------------------------------------------------------------


def test_a_guest_put_on_the_waiting_list_reads_so_in_the_title(app, session, world):
    meeting = make_meeting(
        session, world["group"], audience=Audience.OPEN, starts_at=STARTS,
        format=MeetingFormat.IN_PERSON, capacity_in_person=1, online_url=None,
    )  # fmt: skip
    make_registration(session, meeting, world["member"])
    guest = make_registration(
        session, meeting, name="Ines Guest", email="ines@example.org",
        status=RegistrationStatus.PENDING,
    )  # fmt: skip
    session.commit()
    with app.test_request_context():
        link = f"/meetings/confirm/{guest_token(CONFIRM_PURPOSE, guest)}"
    client = app.test_client()
    token = csrf_token_from(client.get(link).get_data(as_text=True))

    page = client.post(link, data={"csrf_token": token}).get_data(as_text=True)

    title = html.unescape(re.search(r"<title>(.*?)</title>", page, re.S).group(1))
    assert "<h1>You are on the waiting list</h1>" in page
    assert title.startswith("You are on the waiting list")
    assert "Registration confirmed" not in title
