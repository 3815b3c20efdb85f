"""The whole journey of issue "People": sign up, confirm, apply, be approved, appear (or not)."""

from __future__ import annotations

import re

from sqlalchemy import select

from cop.mail.models import OutboxMessage
from cop.members.models import Helix, OrganisationKind, Role
from tests.conftest import Browser
from tests.factories import make_group, make_membership, make_organisation, make_user

PASSWORD = "a sturdy passphrase 42"


def mail_to(session, address: str) -> list[OutboxMessage]:
    session.expire_all()
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient.contains(address))
            .order_by(OutboxMessage.id)
        )
    )


def join(app, session, group, organisation, *, name: str, email: str, listed: bool) -> Browser:
    """Sign up, confirm by the emailed link, and apply: as a newcomer would."""
    browser = Browser(app.test_client())
    data = {
        "name": name,
        "email": email,
        "password": PASSWORD,
        "confirm": PASSWORD,
        "organisation": str(organisation.id),
        "position": "Policy officer",
        "expertise": "Innovation vouchers",
        "language": "en",
        "timezone": "Europe/Rome",
        "next": f"/groups/{group.slug}/",
    }
    if listed:
        data["listed"] = "y"
    assert browser.post("/account/signup", data, page="/account/signup").status_code == 302

    (confirmation,) = mail_to(session, email)
    link = re.search(r"/account/confirm/\S+", confirmation.body_text).group(0)
    landing = browser.client.get(link)
    assert landing.status_code == 302
    assert landing.headers["Location"] == f"/groups/{group.slug}/"

    applied = browser.post(
        f"/groups/{group.slug}/apply",
        {"motivation": "My region faces the same bottlenecks."},
        page=f"/groups/{group.slug}/join",
    )
    assert applied.status_code == 302
    return browser


def counts(page: str, label: str) -> str:
    """The number next to a label in the group page's count tables."""
    match = re.search(rf"{re.escape(label)}</th>\s*<td>(\d+)</td>", page)
    return match.group(1) if match else "0"


def test_sign_up_confirm_apply_approve_and_appear_only_with_consent(app, client, session):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    university = make_organisation(
        session, name="Politecnico di Esempio", helix=Helix.ACADEMIA_RESEARCH, region_code="ITC4"
    )
    agency = make_organisation(
        session,
        name="Agencia de Ejemplo",
        helix=Helix.PUBLIC_AUTHORITY,
        kind=OrganisationKind.INNOVATION_AGENCY,
        region_code="ES51",
    )
    coordinator = make_user(session, name="Clara Coordinator", email="clara@example.org")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    session.commit()
    before = client.get("/groups/innovation-diffusion/").get_data(as_text=True)

    join(
        app,
        session,
        group,
        university,
        name="Giulia Listed",
        email="giulia@example.org",
        listed=True,
    )
    join(app, session, group, agency, name="Pablo Private", email="pablo@example.org", listed=False)

    # The coordinator was told of both applications and approves them from the queue.
    notices = mail_to(session, "clara@example.org")
    assert len(notices) == 2 and all(
        "Innovation Diffusion" in m.subject + m.body_text for m in notices
    )
    coordinator_browser = Browser(app.test_client())
    coordinator_browser.login(coordinator)
    queue = coordinator_browser.client.get("/groups/innovation-diffusion/applications")
    ids = re.findall(r"/memberships/(\d+)/approve", queue.get_data(as_text=True))
    assert len(ids) == 2
    for membership_id in ids:
        response = coordinator_browser.post(
            f"/memberships/{membership_id}/approve",
            {"note": ""},
            page="/groups/innovation-diffusion/applications",
        )
        assert response.status_code == 302

    # Both are told; only the one who consented is named in public; the counts include both.
    for address in ("giulia@example.org", "pablo@example.org"):
        confirmation, approval = mail_to(session, address)
        assert "Innovation Diffusion" in approval.subject + approval.body_text
        assert "/groups/innovation-diffusion/" in approval.body_text
    after = client.get("/groups/innovation-diffusion/").get_data(as_text=True)
    assert "Giulia Listed" in after and "Pablo Private" not in after
    assert "giulia@example.org" not in after
    assert (
        int(counts(after, "Academia and research"))
        == int(counts(before, "Academia and research")) + 1
    )
    assert int(counts(after, "Public authorities")) == int(counts(before, "Public authorities")) + 1
    assert int(counts(after, "Italy")) == int(counts(before, "Italy")) + 1
    assert int(counts(after, "Spain")) == int(counts(before, "Spain")) + 1
