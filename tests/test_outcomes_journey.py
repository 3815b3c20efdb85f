"""The walk of an outcome, through the pages as people use them (the issue's "done when"): a
coordinator drafts lessons learnt from a held meeting and two public solutions deployed in two
regions and submits them; approving their own work is refused; another coordinator approves.
The outcome is then in the library, on the pages of the regions involved, in the Atom feed and
in the JSON and CSV open data, with the documented fields. Withdrawn with a reason, it is
marked withdrawn on its page, on the region pages, in the feed and in the open data, and it
leaves the library."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import timedelta

import feedparser
from sqlalchemy import select

from cop.members.models import Role
from cop.outcomes.models import Outcome, OutcomeStatus, OutcomeVersion
from cop.solutions.models import SolutionStage
from tests.conftest import Browser
from tests.factories import (
    make_group,
    make_meeting,
    make_membership,
    make_organisation,
    make_solution,
    make_user,
)

GROUP = "/groups/innovation-diffusion"
TITLE = "First-time adopters: what two regions learnt from coaching SMEs"


def text_of(response) -> str:
    """The page's text as a reader sees it: entities decoded, white space collapsed."""
    return re.sub(r"\s+", " ", html.unescape(response.get_data(as_text=True)))


def field_names(document: dict) -> list[str]:
    """The names of the fields an open-data document says its records have."""
    return [f["name"] if isinstance(f, dict) else f for f in document["fields"]]


def open_data(visitor, outcome_id: int) -> tuple[dict, dict, list[str]]:
    """The outcome's record in the JSON and in the CSV exports, and the documented fields."""
    response = visitor.get("/open-data/outcomes.json")
    assert response.status_code == 200
    document = json.loads(response.get_data(as_text=True))
    fields = field_names(document)
    records = {record["id"]: record for record in document["records"]}
    assert all(list(record) == fields for record in document["records"])
    response = visitor.get("/open-data/outcomes.csv")
    assert response.status_code == 200
    # UTF-8, with the byte-order mark spreadsheet programs look for.
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows and list(rows[0]) == fields
    by_id = {row["id"]: row for row in rows}
    return records.get(outcome_id), by_id.get(str(outcome_id)), fields


def feed_entry(visitor, outcome_id: int):
    response = visitor.get("/outcomes/feed.atom")
    assert response.status_code == 200
    assert response.content_type.startswith("application/atom+xml")
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    return next(
        (entry for entry in feed.entries if entry.link.endswith(f"/outcomes/{outcome_id}")),
        None,
    )


def test_lessons_learnt_from_draft_to_publication_and_withdrawal(app, session):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    emilia = make_organisation(session, name="ART-ER Emilia-Romagna", region_code="ITH5")
    cora = make_user(
        session, name="Cora Coordinator", email="cora@example.org", organisation=emilia
    )
    cole = make_user(session, name="Cole Coordinator", email="cole@example.org")
    owner = make_user(session, name="Olga Owner", email="olga@example.org")
    make_membership(session, cora, group, role=Role.COORDINATOR)
    make_membership(session, cole, group, role=Role.COORDINATOR)
    make_membership(session, owner, group)
    meeting = make_meeting(
        session,
        group,
        starts_in=-timedelta(days=40),
        title="Second plenary meeting: SMEs' adoption of new technologies",
    )
    vouchers = make_solution(
        session,
        group,
        owner,
        title="First-time innovation vouchers with a coach",
        region_codes=("ITH5",),
        stage=SolutionStage.DEPLOYMENT,
        public=True,
    )
    desk = make_solution(
        session,
        group,
        owner,
        title="One SME desk for the region's research institutes",
        region_codes=("AT12",),
        stage=SolutionStage.DEPLOYMENT,
        public=True,
    )
    session.commit()
    visitor = app.test_client()

    # A coordinator drafts lessons learnt from the held meeting and the two solutions.
    writer = Browser(app.test_client())
    writer.login(cora)
    new = f"{GROUP}/outcomes/new"
    form = writer.client.get(new)
    assert form.status_code == 200
    shown = html.unescape(form.get_data(as_text=True))
    assert meeting.title in shown and vouchers.title in shown
    response = writer.post(
        new,
        {
            "kind": "lessons_learnt",
            "title": TITLE,
            "summary": "Coaching mattered more than the size of the voucher.",
            "body": "## Lessons\n\n1. A coach for the first project.\n2. One door for SMEs.",
            "licence": "CC-BY-4.0",
            "group_ids": [str(group.id)],
            "author_ids": [str(cora.id)],
            "meeting_ids": [str(meeting.id)],
            "solution_ids": [str(vouchers.id), str(desk.id)],
        },
        page=new,
    )
    assert response.status_code == 302, text_of(response)
    outcome = session.scalar(select(Outcome).where(Outcome.title == TITLE))
    assert outcome.status is OutcomeStatus.DRAFT
    assert [m.id for m in outcome.meetings] == [meeting.id]
    assert {s.id for s in outcome.solutions} == {vouchers.id, desk.id}
    # The regions it concerns are those the solutions are deployed in.
    assert {"ITH5", "AT12"} <= {region.code for region in outcome.regions}
    page = f"/outcomes/{outcome.id}"
    assert response.headers["Location"].endswith(page)
    # A draft is nobody's business but its groups'.
    assert visitor.get(page).status_code == 404
    assert TITLE not in text_of(visitor.get("/outcomes/"))

    # Submitted; its author may not approve it.
    response = writer.post(f"{page}/submit", {"change_note": ""}, page=f"{page}/submit")
    assert response.status_code == 302, text_of(response)
    session.expire_all()
    assert outcome.status is OutcomeStatus.IN_REVIEW
    refused = writer.post(f"{page}/review", {"decision": "approve"}, page=page)
    assert refused.status_code == 303 and refused.headers["Location"] == page
    assert "Another coordinator must review it" in text_of(writer.client.get(page))
    session.expire_all()
    assert outcome.status is OutcomeStatus.IN_REVIEW and outcome.current_version_id is None
    assert visitor.get(page).status_code == 404

    # Another coordinator approves: version 1 is public.
    reviewer = Browser(app.test_client())
    reviewer.login(cole)
    review = reviewer.client.get(f"{page}/review")
    assert review.status_code == 200 and TITLE in text_of(review)
    response = reviewer.post(f"{page}/review", {"decision": "approve"}, page=f"{page}/review")
    assert response.status_code == 302, text_of(response)
    session.expire_all()
    assert outcome.status is OutcomeStatus.PUBLISHED
    version = session.scalar(select(OutcomeVersion).where(OutcomeVersion.outcome_id == outcome.id))
    assert (version.number, version.approved_by_id) == (1, cole.id)
    assert outcome.current_version_id == version.id

    # It is in the library, on its page, on both regions' pages, in the feed and open data.
    public = text_of(visitor.get(page))
    assert TITLE in public and "Coaching mattered more" in public
    library = text_of(visitor.get("/outcomes/"))
    assert TITLE in library and f'href="/outcomes/{outcome.id}"' in library
    for code in ("ITH5", "AT12"):
        region = visitor.get(f"/regions/{code}")
        assert region.status_code == 200
        assert TITLE in text_of(region) and f'href="/outcomes/{outcome.id}"' in text_of(region)
    entry = feed_entry(visitor, outcome.id)
    assert entry is not None and entry.title == TITLE
    record, row, fields = open_data(visitor, outcome.id)
    for name in ("id", "title", "kind", "status", "regions", "solutions", "licence"):
        assert name in fields
    assert record["title"] == row["title"] == TITLE
    assert record["status"] == row["status"] == "published"
    assert record["kind"] == "lessons_learnt"
    assert {"ITH5", "AT12"} <= set(record["regions"])
    assert {vouchers.id, desk.id} <= set(record["solutions"])
    assert "ITH5" in row["regions"] and "AT12" in row["regions"]

    # Withdrawn without a reason: refused, with the message next to the field.
    withdraw = f"{page}/withdraw"
    refused = reviewer.post(withdraw, {"reason": "  "}, page=withdraw)
    assert refused.status_code in (200, 400)
    assert "Say why the outcome is withdrawn." in text_of(refused)
    session.expire_all()
    assert outcome.status is OutcomeStatus.PUBLISHED
    # With a reason, it is withdrawn: marked so everywhere it still appears.
    reason = "The regions' newer figures contradict the second lesson."
    response = reviewer.post(withdraw, {"reason": reason}, page=withdraw)
    assert response.status_code == 302, text_of(response)
    session.expire_all()
    assert outcome.status is OutcomeStatus.WITHDRAWN and outcome.withdraw_reason == reason

    public = visitor.get(page)
    assert public.status_code == 200
    assert "Withdrawn" in text_of(public) and reason in text_of(public)
    assert f'href="/outcomes/{outcome.id}"' not in text_of(visitor.get("/outcomes/"))
    for code in ("ITH5", "AT12"):
        # The region pages still list it where it concerns them, marked withdrawn.
        region = visitor.get(f"/regions/{code}").get_data(as_text=True)
        card = re.search(
            rf'<(article|li)\b[^>]*>(?:(?!</\1>).)*href="/outcomes/{outcome.id}"(?:(?!</\1>).)*</\1>',
            region,
            re.S,
        )
        assert card, code
        assert "Withdrawn" in card.group(0), code
    # The feed keeps it, marked: its title says so and its summary gives the reason.
    entry = feed_entry(visitor, outcome.id)
    assert entry is not None
    assert entry.title.startswith("Withdrawn") and TITLE in entry.title
    assert reason in html.unescape(entry.summary)
    # The open data keep it, with its status and the reason.
    record, row, _ = open_data(visitor, outcome.id)
    assert record["status"] == row["status"] == "withdrawn"
    assert record["withdraw_reason"] == row["withdraw_reason"] == reason
    assert record["withdrawn_at"] and row["withdrawn_at"]
