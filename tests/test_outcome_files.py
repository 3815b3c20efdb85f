"""Files of outcomes: attached by its editors (allowed types, checked by content, within the
size limit), served to anyone while the outcome is published and not withdrawn, to its groups'
members otherwise, and to nobody else (a draft's or a withdrawn outcome's files asked for
anonymously are not found); withdrawn, never deleted."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from cop.members.models import Role
from cop.outcomes import services
from cop.outcomes.models import OutcomeFile, OutcomeStatus
from tests.conftest import Browser
from tests.factories import make_group, make_membership, make_outcome, make_user

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(app, session, tmp_path):
    app.config["MATERIALS_FOLDER"] = str(tmp_path / "materials")
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    coordinator = make_user(session, name="Cora Coordinator")
    author = make_user(session, name="Ada Author")
    outsider = make_user(session, name="Otto Outsider")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    make_membership(session, author, group)
    draft = make_outcome(session, group, author)
    published = make_outcome(session, group, author, published=True, approver=coordinator)
    session.commit()
    return {
        "group": group,
        "coordinator": coordinator,
        "author": author,
        "outsider": outsider,
        "draft": draft,
        "published": published,
    }


def browser_for(app, person=None) -> Browser:
    browser = Browser(app.test_client())
    if person is not None:
        browser.login(person)
    return browser


def upload(browser, outcome, data: bytes = PDF, name: str = "brief.pdf", title: str = "Brief"):
    path = f"/outcomes/{outcome.id}/files"
    return browser.post(
        path,
        {"file": (io.BytesIO(data), name), "title": title},
        page=path,
        content_type="multipart/form-data",
    )


def files_of(session, outcome) -> list[OutcomeFile]:
    return list(session.scalars(select(OutcomeFile).where(OutcomeFile.outcome_id == outcome.id)))


def test_an_author_attaches_a_pdf_served_to_all_once_approved(app, session, world):
    author = browser_for(app, world["author"])
    assert upload(author, world["published"]).status_code == 302
    (attached,) = files_of(session, world["published"])
    assert (attached.title, attached.filename, attached.content_type) == (
        "Brief",
        "brief.pdf",
        "application/pdf",
    )
    assert attached.published_at is None
    path = f"/outcomes/{world['published'].id}/files/{attached.id}"
    outcome_path = f"/outcomes/{world['published'].id}"
    # Unreviewed: the public neither sees nor gets it; the members see it marked.
    assert browser_for(app).client.get(path).status_code == 404
    assert f'href="{path}"' not in browser_for(app).client.get(outcome_path).get_data(as_text=True)
    member_page = author.client.get(outcome_path).get_data(as_text=True)
    assert f'href="{path}"' in member_page and "published at the next approval" in member_page
    # The attachment made a revision: submitted and approved by a coordinator, it is public.
    session.refresh(world["published"])
    assert world["published"].status is OutcomeStatus.DRAFT
    with app.test_request_context():
        services.submit_outcome(session, world["author"], world["published"])
        services.approve_outcome(session, world["coordinator"], world["published"])
        session.commit()
    session.refresh(attached)
    assert attached.published_at is not None
    response = browser_for(app).client.get(path)
    assert response.status_code == 200
    assert response.data == PDF
    assert "private" not in response.headers.get("Cache-Control", "")
    page = browser_for(app).client.get(outcome_path).get_data(as_text=True)
    assert f'href="{path}"' in page and "published at the next approval" not in page


def test_a_drafts_files_are_for_its_groups_members_only(app, session, world):
    assert upload(browser_for(app, world["author"]), world["draft"]).status_code == 302
    (attached,) = files_of(session, world["draft"])
    path = f"/outcomes/{world['draft'].id}/files/{attached.id}"
    assert browser_for(app).client.get(path).status_code == 404
    assert browser_for(app, world["outsider"]).client.get(path).status_code == 404
    served = browser_for(app, world["coordinator"]).client.get(path)
    assert served.status_code == 200
    assert "no-store" in served.headers["Cache-Control"]


def test_a_withdrawn_outcomes_files_are_refused_to_the_public(app, session, world):
    assert upload(browser_for(app, world["author"]), world["published"]).status_code == 302
    (attached,) = files_of(session, world["published"])
    path = f"/outcomes/{world['published'].id}/files/{attached.id}"
    world["published"].status = OutcomeStatus.WITHDRAWN
    world["published"].withdraw_reason = "Superseded."
    session.commit()
    assert browser_for(app).client.get(path).status_code == 404
    assert browser_for(app, world["author"]).client.get(path).status_code == 200


def test_a_withdrawn_file_leaves_the_page_and_the_public(app, session, world):
    author = browser_for(app, world["author"])
    assert upload(author, world["published"]).status_code == 302
    (attached,) = files_of(session, world["published"])
    base = f"/outcomes/{world['published'].id}/files"
    assert author.post(f"{base}/{attached.id}/withdraw", page=base).status_code == 302
    session.refresh(attached)
    assert attached.withdrawn_at is not None
    assert browser_for(app).client.get(f"{base}/{attached.id}").status_code == 404
    # A file of another outcome is not found at this address.
    other = f"/outcomes/{world['draft'].id}/files/{attached.id}"
    assert browser_for(app, world["author"]).client.get(other).status_code == 404


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"<html>not a pdf</html>", "brief.pdf", "The content of this file is not a .pdf file."),
        (PDF, "brief.exe", "Files of this type cannot be published."),
        (b"", "brief.pdf", "This file is empty."),
    ],
)
def test_bad_files_are_refused_next_to_the_field(app, session, world, data, name, message):
    response = upload(browser_for(app, world["author"]), world["draft"], data, name)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(OutcomeFile)) == 0


def test_a_file_over_the_limit_is_refused(app, session, world):
    app.config["MAX_MATERIAL_BYTES"] = 100
    response = upload(browser_for(app, world["author"]), world["draft"], PDF + b"x" * 200)
    assert response.status_code == 400
    assert "This file is too large" in response.get_data(as_text=True)


def test_others_attach_nothing(app, session, world):
    outsider = browser_for(app, world["outsider"])
    response = upload(outsider, world["published"])
    # Sent back to the outcome's page (public), which says why.
    assert response.status_code == 303
    assert response.headers["Location"] == f"/outcomes/{world['published'].id}"
    page = outsider.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Only the outcome&#39;s authors and its groups&#39; coordinators may do this." in page
    assert files_of(session, world["published"]) == []
