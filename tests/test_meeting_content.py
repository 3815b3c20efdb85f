"""What coordinators publish with a meeting: its agenda, materials (files, links, recordings)
and minutes; and who may download which file."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cop.audit.models import AuditEntry
from cop.meetings.models import (
    AgendaItem,
    Material,
    MaterialKind,
    Meeting,
    MeetingStatus,
    Visibility,
)
from cop.meetings.times import utc_to_local
from cop.members.models import Role
from tests.conftest import Browser
from tests.factories import make_group, make_meeting, make_membership, make_user

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def materials_folder(app, tmp_path) -> Path:
    """Files go to a folder of the test's own, not the instance folder."""
    folder = tmp_path / "materials"
    app.config["MATERIALS_FOLDER"] = str(folder)
    return folder


@pytest.fixture
def world(session, admin):
    group = make_group(session, name="Innovation Diffusion", slug="innovation-diffusion")
    other = make_group(session, name="Industrial Transition", slug="industrial-transition")
    coordinator = make_user(session, name="Cora Coordinator", email="cora@example.org")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    member = make_user(session, name="Max Member", email="max@example.org")
    make_membership(session, member, group)
    outsider = make_user(session, name="Uma Outsider", email="uma@example.org")
    stranger = make_user(session, name="Olaf Other", email="olaf@example.org")
    make_membership(session, stranger, other, role=Role.COORDINATOR)
    meeting = make_meeting(session, group, title="Peer learning on digital hubs")
    session.commit()
    return {
        "group": group,
        "coordinator": coordinator,
        "member": member,
        "outsider": outsider,
        "stranger": stranger,
        "meeting": meeting,
        "admin": admin,
    }


def text(response) -> str:
    return response.get_data(as_text=True)


def audit_count(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry))


def stored_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def field_error(response, field: str) -> str:
    page = text(response)
    assert f'id="{field}-error"' in page, page
    return page.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]


def local_input(instant, meeting, minutes: int = 0) -> str:
    return (utc_to_local(instant, meeting.timezone) + timedelta(minutes=minutes)).strftime(
        "%Y-%m-%dT%H:%M"
    )


# --- The agenda ----------------------------------------------------------------------------------


def add_item(browser, meeting, **values):
    data = {
        "starts_at": local_input(meeting.starts_at, meeting, 30),
        "title": "Welcome and introductions",
        "speakers": "Cora Coordinator (DG REGIO)",
        "description": "",
        **values,
    }
    return browser.post(f"/meetings/{meeting.id}/agenda", data, page="/")


def test_a_coordinator_writes_edits_and_removes_agenda_items(browser, session, world):
    meeting = world["meeting"]
    browser.login(world["coordinator"])

    response = add_item(browser, meeting, description="Who is who in the room.")
    assert response.status_code == 302, text(response)
    assert (
        add_item(
            browser, meeting, starts_at=local_input(meeting.starts_at, meeting, 0), title="Coffee"
        ).status_code
        == 302
    )

    page = text(browser.client.get(f"/meetings/{meeting.id}/agenda"))
    assert page.index("Coffee") < page.index("Welcome and introductions")  # in order of time
    assert "Times are in Europe/Brussels." in page
    item = session.scalar(select(AgendaItem).where(AgendaItem.title == "Welcome and introductions"))
    assert item.starts_at == meeting.starts_at + timedelta(minutes=30)
    assert item.speakers == "Cora Coordinator (DG REGIO)"

    form = text(browser.client.get(f"/agenda-items/{item.id}/edit"))
    assert 'value="Welcome and introductions"' in form
    response = browser.post(
        f"/agenda-items/{item.id}/edit",
        {
            "starts_at": local_input(meeting.starts_at, meeting, 45),
            "title": "Welcome, and a tour de table",
            "speakers": "",
            "description": "",
        },
        page="/",
    )
    assert response.status_code == 302, text(response)
    session.expire_all()
    item = session.get(AgendaItem, item.id)
    assert item.title == "Welcome, and a tour de table"
    assert item.starts_at == meeting.starts_at + timedelta(minutes=45)

    item_id = item.id
    response = browser.post(f"/agenda-items/{item_id}/remove", {}, page="/")
    assert response.status_code == 302
    session.expire_all()
    assert session.get(AgendaItem, item_id) is None
    actions = session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.record_type == "agenda_items", AuditEntry.record_id == str(item_id))
        .order_by(AuditEntry.id)
    ).all()
    assert actions == ["agenda_item.added", "agenda_item.updated", "agenda_item.removed"]
    removed = session.scalar(select(AuditEntry).where(AuditEntry.action == "agenda_item.removed"))
    assert removed.before["title"] == "Welcome, and a tour de table"  # the log keeps it


@pytest.mark.parametrize(
    ("values", "message", "field"),
    [
        ({"title": ""}, "Please fill in this field.", "title"),
        ({"starts_at": ""}, "Enter a date and a time.", "starts_at"),
        ({"starts_at": "2020-01-01T10:00"}, "Choose a time during the meeting", "starts_at"),
        ({"speakers": "x" * 501}, "Use at most 500 characters.", "speakers"),
    ],
)
def test_a_bad_agenda_item_is_refused_and_nothing_is_written(
    browser, session, world, values, message, field
):
    browser.login(world["coordinator"])
    before = (session.scalar(select(func.count()).select_from(AgendaItem)), audit_count(session))

    response = add_item(browser, world["meeting"], **values)

    assert response.status_code == 400
    assert message in field_error(response, field)
    session.expire_all()
    after = (session.scalar(select(func.count()).select_from(AgendaItem)), audit_count(session))
    assert after == before


def test_an_agenda_time_in_a_dst_gap_is_refused(browser, session, world):
    from datetime import UTC, datetime

    meeting = make_meeting(
        session,
        world["group"],
        starts_at=datetime(2027, 3, 27, 20, tzinfo=UTC),  # 21:00 in Brussels, over the night
        hours=12,
    )
    session.commit()
    browser.login(world["coordinator"])

    response = add_item(browser, meeting, starts_at="2027-03-28T02:30")

    assert response.status_code == 400
    assert "2027-03-28 02:30 does not exist in Europe/Brussels" in field_error(
        response, "starts_at"
    )
    assert session.scalar(select(func.count()).select_from(AgendaItem)) == 0


@pytest.mark.parametrize("who", ["member", "outsider", "stranger"])
def test_only_coordinators_change_the_agenda(browser, session, world, who):
    meeting = world["meeting"]
    item = AgendaItem(meeting=meeting, starts_at=meeting.starts_at, title="Kept")
    session.add(item)
    session.commit()
    browser.login(world[who])

    assert browser.client.get(f"/meetings/{meeting.id}/agenda").status_code == 403
    assert add_item(browser, meeting).status_code == 403
    assert browser.client.get(f"/agenda-items/{item.id}/edit").status_code == 403
    assert browser.post(f"/agenda-items/{item.id}/remove", {}, page="/").status_code == 403
    session.expire_all()
    assert [i.title for i in session.scalars(select(AgendaItem))] == ["Kept"]


def test_forged_agenda_and_material_ids_are_not_found(browser, world):
    browser.login(world["coordinator"])

    assert browser.client.get("/agenda-items/987654/edit").status_code == 404
    assert browser.post("/agenda-items/987654/remove", {}, page="/").status_code == 404
    assert browser.post("/materials/987654/withdraw", {}, page="/").status_code == 404
    assert browser.client.get("/materials/987654/file").status_code == 404
    assert browser.client.get("/materials/99999999999/file").status_code == 404


def test_the_agenda_page_keeps_its_queries_whatever_its_length(
    browser, session, world, count_queries
):
    meeting = world["meeting"]
    browser.login(world["coordinator"])

    def add(count: int) -> None:
        for n in range(count):
            session.add(
                AgendaItem(
                    meeting_id=meeting.id,
                    starts_at=meeting.starts_at + timedelta(minutes=n),
                    title=f"Item {n}",
                )
            )
        session.commit()

    def queries() -> int:
        with count_queries() as counter:
            response = browser.client.get(f"/meetings/{meeting.id}/agenda")
        assert response.status_code == 200
        return counter.count

    add(3)
    small = queries()
    add(60)
    large = queries()
    assert (
        text(browser.client.get(f"/meetings/{meeting.id}/agenda")).count('class="agenda-row"') == 63
    )
    assert large == small
    assert small <= 5, small


# --- Materials: files ----------------------------------------------------------------------------


def upload(browser, meeting, content: bytes, filename: str, **values):
    data = {
        "form_name": "file",
        "file-file": (io.BytesIO(content), filename),
        "file-title": values.pop("title", ""),
        "file-visibility": values.pop("visibility", "public"),
        **values,
    }
    return browser.post(
        f"/meetings/{meeting.id}/materials",
        data,
        page="/",
        content_type="multipart/form-data",
    )


def office_file(folder: str, extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}document.xml", "<document/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def open_document(mimetype: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def test_upload_then_download_by_visibility_then_withdraw(
    app, browser, session, world, materials_folder
):
    meeting = world["meeting"]
    client = app.test_client()  # anonymous (the browser's client is logged in)
    browser.login(world["coordinator"])

    response = upload(browser, meeting, PDF, "Slides ID-WG.pdf", title="Slides of the day")
    assert response.status_code == 302, text(response)
    response = upload(browser, meeting, PNG, "photo.png", visibility="members")
    assert response.status_code == 302, text(response)

    slides, photo = session.scalars(select(Material).order_by(Material.id)).all()
    assert (slides.kind, slides.title, slides.filename) == (
        MaterialKind.FILE,
        "Slides of the day",
        "Slides ID-WG.pdf",
    )
    assert slides.content_type == "application/pdf" and slides.size == len(PDF)
    assert len(slides.storage_key) == 64
    assert (materials_folder / slides.storage_key[:2] / slides.storage_key).read_bytes() == PDF
    assert photo.title == "photo.png" and photo.visibility is Visibility.MEMBERS
    page = text(browser.client.get(f"/meetings/{meeting.id}/materials"))
    assert "Slides of the day" in page and "photo.png" in page

    # Anyone downloads the public file, as an attachment that browsers do not sniff.
    response = client.get(f"/materials/{slides.id}/file")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == 'attachment; filename="Slides ID-WG.pdf"'

    # The members-only file: anonymous people log in, outsiders are refused, members download.
    response = client.get(f"/materials/{photo.id}/file")
    assert response.status_code == 302 and response.headers["Location"].startswith("/account/login")
    outsider = Browser(app.test_client())
    outsider.login(world["outsider"])
    assert outsider.client.get(f"/materials/{photo.id}/file").status_code == 403
    member = Browser(app.test_client())
    member.login(world["member"])
    response = member.client.get(f"/materials/{photo.id}/file")
    assert response.status_code == 200 and response.data == PNG
    assert response.headers["Content-Type"] == "image/png"
    assert "no-store" in response.headers["Cache-Control"]

    # Withdrawn: gone for everyone, the record and the bytes are kept.
    response = browser.post(f"/materials/{slides.id}/withdraw", {}, page="/")
    assert response.status_code == 302
    session.expire_all()
    slides = session.get(Material, slides.id)
    assert slides.withdrawn_at is not None
    assert client.get(f"/materials/{slides.id}/file").status_code == 404
    assert browser.client.get(f"/materials/{slides.id}/file").status_code == 404
    assert (materials_folder / slides.storage_key[:2] / slides.storage_key).exists()
    page = text(browser.client.get(f"/meetings/{meeting.id}/materials"))
    assert "Withdrawn" in page and 'class="material-withdrawn"' in page
    # Withdrawing twice says so.
    response = browser.post(f"/materials/{slides.id}/withdraw", {}, page="/")
    assert response.status_code == 400
    assert "already withdrawn" in text(response)
    actions = session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.record_type == "meeting_materials")
        .order_by(AuditEntry.id)
    ).all()
    assert actions == ["material.added", "material.added", "material.withdrawn"]


def test_files_of_a_draft_are_for_its_coordinators_only(app, browser, session, world):
    draft = make_meeting(session, world["group"], status=MeetingStatus.DRAFT)
    session.commit()
    browser.login(world["coordinator"])
    assert upload(browser, draft, PDF, "agenda.pdf").status_code == 302
    material = session.scalar(select(Material))

    assert browser.client.get(f"/materials/{material.id}/file").status_code == 200
    assert app.test_client().get(f"/materials/{material.id}/file").status_code == 404


@pytest.mark.parametrize(
    ("content", "filename", "content_type"),
    [
        (office_file("ppt/"), "deck.pptx", "presentationml.presentation"),
        (office_file("word/"), "brief.docx", "wordprocessingml.document"),
        (office_file("xl/"), "figures.xlsx", "spreadsheetml.sheet"),
        (open_document("application/vnd.oasis.opendocument.text"), "notes.odt", "text"),
        (open_document("application/vnd.oasis.opendocument.presentation"), "d.odp", "presentation"),
        (open_document("application/vnd.oasis.opendocument.spreadsheet"), "s.ods", "spreadsheet"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "visit.JPG", "image/jpeg"),
        ("region;score\nCataluña;3\n".encode(), "scores.csv", "text/csv; charset=utf-8"),
        ("Liste des régions\n".encode("latin-1"), "list.txt", "text/plain"),
    ],
)
def test_allowed_types_are_recognised_by_their_content(
    browser, session, world, content, filename, content_type
):
    browser.login(world["coordinator"])

    response = upload(browser, world["meeting"], content, filename)

    assert response.status_code == 302, text(response)
    material = session.scalar(select(Material))
    assert material.content_type.endswith(content_type)
    download = browser.client.get(f"/materials/{material.id}/file")
    assert download.data == content
    # Served as recognised: one charset for UTF-8 text, none added to other text.
    assert download.headers["Content-Type"] == material.content_type


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"MZ\x90\x00\x03" + b"\x00" * 50, "setup.exe", "Files of this type cannot be published."),
        (b"<html><script>alert(1)</script></html>", "slides.pdf", "is not a .pdf file"),
        (b"<html><body>hi</body></html>", "page.html", "Files of this type cannot be published."),
        (PDF, "no-extension", "Files of this type cannot be published."),
        (PNG, "photo.jpg", "is not a .jpg file"),
        (b"PK\x03\x04not really a zip", "deck.pptx", "is not a .pptx file"),
        (office_file("word/"), "deck.pptx", "is not a .pptx file"),
        (open_document("application/zip"), "notes.odt", "is not a .odt file"),
        (b"col\x00umn\x01\x02", "data.csv", "is not a .csv file"),
        (b"", "empty.pdf", "This file is empty."),
    ],
)
def test_a_forbidden_type_is_refused_and_nothing_is_written(
    browser, session, world, materials_folder, content, filename, message
):
    browser.login(world["coordinator"])
    audits = audit_count(session)

    response = upload(browser, world["meeting"], content, filename)

    assert response.status_code == 400
    error = field_error(response, "file-file")
    assert message in error
    if "type" in message:
        assert "Allowed types: pdf, pptx, docx, xlsx, odp, odt, ods, png, jpg, csv, txt" in error
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Material)) == 0
    assert audit_count(session) == audits
    assert stored_files(materials_folder) == []


def test_a_file_too_large_is_refused_next_to_its_field(
    app, browser, session, world, materials_folder
):
    app.config["MAX_MATERIAL_BYTES"] = 1024
    browser.login(world["coordinator"])
    audits = audit_count(session)

    response = upload(browser, world["meeting"], PDF + b"0" * 2000, "big.pdf")

    assert response.status_code == 400
    assert "This file is too large: files may have at most 1 KB." in field_error(
        response, "file-file"
    )
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Material)) == 0
    assert audit_count(session) == audits
    assert stored_files(materials_folder) == []
    # Exactly at the limit is fine.
    assert (
        upload(browser, world["meeting"], PDF + b"0" * (1024 - len(PDF)), "ok.pdf").status_code
        == 302
    )


def test_the_default_limit_answers_with_a_message_not_a_413(
    app, browser, session, world, materials_folder
):
    """The request limit sits above the file limit, so a file just too large reaches the form."""
    limit = app.config["MAX_MATERIAL_BYTES"]
    assert limit == 20 * 1024 * 1024
    assert app.config["MAX_CONTENT_LENGTH"] > limit
    browser.login(world["coordinator"])

    response = upload(browser, world["meeting"], PDF + b"0" * limit, "huge.pdf")

    assert response.status_code == 400
    assert "files may have at most 20 MB" in field_error(response, "file-file")
    assert session.scalar(select(func.count()).select_from(Material)) == 0
    assert stored_files(materials_folder) == []


def test_the_same_file_twice_is_stored_once(browser, session, world, materials_folder):
    browser.login(world["coordinator"])

    assert upload(browser, world["meeting"], PDF, "a.pdf").status_code == 302
    assert upload(browser, world["meeting"], PDF, "b.pdf").status_code == 302

    first, second = session.scalars(select(Material).order_by(Material.id)).all()
    assert first.storage_key == second.storage_key
    assert len(stored_files(materials_folder)) == 1


def test_a_files_name_is_made_safe(browser, session, world):
    browser.login(world["coordinator"])

    response = upload(browser, world["meeting"], PDF, "../../etc/Résumé: <final>\t*.pdf")

    assert response.status_code == 302, text(response)
    material = session.scalar(select(Material))
    assert material.filename == "Résumé final.pdf"
    response = browser.client.get(f"/materials/{material.id}/file")
    disposition = response.headers["Content-Disposition"]
    assert "\n" not in disposition and "\r" not in disposition
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''R%C3%A9sum%C3%A9%20final.pdf" in disposition


# --- Materials: links and recordings -------------------------------------------------------------


def add_link(browser, meeting, **values):
    data = {
        "form_name": "link",
        "link-kind": values.pop("kind", "recording"),
        "link-title": values.pop("title", "Recording of the webinar"),
        "link-url": values.pop("url", "https://video.example.org/webinar-2024-05-23"),
        "link-visibility": values.pop("visibility", "public"),
    }
    return browser.post(f"/meetings/{meeting.id}/materials", data, page="/")


def test_a_recording_link_is_published(browser, session, world):
    browser.login(world["coordinator"])

    response = add_link(browser, world["meeting"])

    assert response.status_code == 302, text(response)
    material = session.scalar(select(Material))
    assert material.kind is MaterialKind.RECORDING
    assert material.url == "https://video.example.org/webinar-2024-05-23"
    assert material.storage_key is None
    public = text(browser.client.get(f"/meetings/{world['meeting'].id}"))
    assert "Recording of the webinar" in public


@pytest.mark.parametrize(
    ("values", "message", "field"),
    [
        ({"url": "javascript:alert(1)"}, "Enter a web address starting with https://", "url"),
        ({"url": "ftp://files.example.org/x"}, "Enter a web address starting with https://", "url"),
        ({"url": ""}, "Please fill in this field.", "url"),
        ({"title": ""}, "Please fill in this field.", "title"),
        ({"kind": "file"}, "Choose one of the options.", "kind"),
        ({"visibility": "secret"}, "Choose one of the options.", "visibility"),
    ],
)
def test_a_bad_link_is_refused_and_nothing_is_written(
    browser, session, world, values, message, field
):
    browser.login(world["coordinator"])
    audits = audit_count(session)

    response = add_link(browser, world["meeting"], **values)

    assert response.status_code == 400
    page = text(response)
    assert f'id="link-{field}-error"' in page
    assert message in page.split(f'id="link-{field}-error">', 1)[1].split("</p>", 1)[0]
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Material)) == 0
    assert audit_count(session) == audits


@pytest.mark.parametrize("who", ["member", "outsider", "stranger"])
def test_only_coordinators_publish_and_withdraw_materials(
    browser, session, world, materials_folder, who
):
    meeting = world["meeting"]
    kept = Material(
        meeting=meeting, kind=MaterialKind.LINK, title="Kept", url="https://example.org"
    )
    session.add(kept)
    session.commit()
    browser.login(world[who])

    assert browser.client.get(f"/meetings/{meeting.id}/materials").status_code == 403
    assert upload(browser, meeting, PDF, "x.pdf").status_code == 403
    assert add_link(browser, meeting).status_code == 403
    assert browser.post(f"/materials/{kept.id}/withdraw", {}, page="/").status_code == 403
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Material)) == 1
    assert session.get(Material, kept.id).withdrawn_at is None
    assert stored_files(materials_folder) == []


def test_the_materials_page_keeps_its_queries_whatever_its_length(
    browser, session, world, count_queries
):
    meeting = world["meeting"]
    browser.login(world["coordinator"])

    def add(count: int) -> None:
        for n in range(count):
            session.add(
                Material(
                    meeting_id=meeting.id,
                    kind=MaterialKind.LINK,
                    title=f"Link {n}",
                    url=f"https://example.org/{n}",
                    withdrawn_at=meeting.starts_at if n % 4 == 0 else None,
                )
            )
        session.commit()

    def queries() -> int:
        with count_queries() as counter:
            response = browser.client.get(f"/meetings/{meeting.id}/materials")
        assert response.status_code == 200
        return counter.count

    add(4)
    small = queries()
    add(80)
    large = queries()
    page = text(browser.client.get(f"/meetings/{meeting.id}/materials"))
    assert page.count('class="material-row"') == 63
    assert page.count('class="material-withdrawn"') == 21
    assert large == small
    assert small <= 5, small


# --- Minutes -------------------------------------------------------------------------------------


def test_minutes_are_written_in_markdown_and_rendered_safely(browser, session, world):
    meeting = world["meeting"]
    browser.login(world["coordinator"])
    minutes = "# Decisions\n\n- Map the **bottlenecks**.\n\n<script>alert(1)</script>"

    response = browser.post(
        f"/meetings/{meeting.id}/minutes", {"minutes": minutes, "visibility": "public"}, page="/"
    )

    assert response.status_code == 302, text(response)
    session.expire_all()
    meeting = session.get(Meeting, meeting.id)
    assert meeting.minutes == minutes  # stored raw
    assert meeting.minutes_visibility is Visibility.PUBLIC
    page = text(browser.client.get(f"/meetings/{meeting.id}/minutes"))
    preview = page.split('class="minutes-preview"', 1)[1]
    assert "<h2>Decisions</h2>" in preview and "<strong>bottlenecks</strong>" in preview
    assert "<script>" not in preview
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "meeting.minutes"))
    assert entry.after == {"minutes_characters": len(minutes), "minutes_visibility": "public"}


def test_bad_minutes_are_refused(browser, session, world):
    meeting = world["meeting"]
    browser.login(world["coordinator"])
    audits = audit_count(session)

    response = browser.post(
        f"/meetings/{meeting.id}/minutes", {"minutes": "Fine", "visibility": "nobody"}, page="/"
    )

    assert response.status_code == 400
    assert "Choose one of the options." in field_error(response, "visibility")
    session.expire_all()
    assert session.get(Meeting, meeting.id).minutes == ""
    assert audit_count(session) == audits


@pytest.mark.parametrize("who", ["member", "outsider", "stranger"])
def test_only_coordinators_write_minutes(browser, session, world, who):
    meeting = world["meeting"]
    browser.login(world[who])

    assert browser.client.get(f"/meetings/{meeting.id}/minutes").status_code == 403
    response = browser.post(
        f"/meetings/{meeting.id}/minutes", {"minutes": "Mine", "visibility": "public"}, page="/"
    )
    assert response.status_code == 403
    session.expire_all()
    assert session.get(Meeting, meeting.id).minutes == ""


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ('..\\..\\Windows\\"slides".pdf', "slides.pdf"),
        ("report\r\nSet-Cookie: x.pdf", "reportSet-Cookie x.pdf"),
        ("...", "file"),
        ("a" * 300 + ".pdf", "a" * 196 + ".pdf"),
    ],
)
def test_safe_filename_keeps_only_a_plain_last_part(name, safe):
    from cop.meetings.storage import safe_filename

    assert safe_filename(name) == safe
