"""The outcome pages: what each reader reads (the published version, the working copy, a past
version, the withdrawn banner), the linked records each may read, the sanitised Markdown,
JSON-LD and Open Graph, the conditional answers, the forms and their messages, and query
counts that do not grow."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from cop.challenges.models import ChallengeStatus
from cop.members.models import Role
from cop.outcomes.models import Outcome, OutcomeFile, OutcomeStatus, OutcomeVersion
from cop.outcomes.services import OutcomeDetails, update_outcome
from tests.conftest import Browser
from tests.factories import (
    make_challenge,
    make_group,
    make_meeting,
    make_membership,
    make_organisation,
    make_outcome,
    make_solution,
    make_user,
)


def browser_for(app, person=None) -> Browser:
    browser = Browser(app.test_client())
    if person is not None:
        browser.login(person)
    return browser


@pytest.fixture
def world(app, session):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    coordinator = make_user(session, name="Cora Coordinator")
    second = make_user(session, name="Sam Second")
    author = make_user(
        session, name="Ada Author", listed=True, organisation=make_organisation(session)
    )
    member = make_user(session, name="Max Member")
    outsider = make_user(session, name="Otto Outsider")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    make_membership(session, second, group, role=Role.COORDINATOR)
    make_membership(session, author, group)
    make_membership(session, member, group)
    public = make_solution(session, group, author, public=True, title="Digital vouchers")
    private = make_solution(session, group, author, title="Secret pilot")
    proposed = make_challenge(session, group, title="A proposed challenge")
    accepted = make_challenge(
        session, group, status=ChallengeStatus.ACCEPTED, title="SMEs adopt late"
    )
    past = make_meeting(session, group, starts_in=timedelta(days=-20), title="Plenary 3")
    published = make_outcome(
        session,
        group,
        author,
        published=True,
        approver=coordinator,
        title="Vouchers work best with a coach",
        summary="What regions learnt from voucher schemes.",
        body="## Lessons\n\nStart **small**.",
        solutions=[public, private],
        challenges=[proposed, accepted],
        meetings=[past],
        region_codes=("BE10", "PT11"),
    )
    draft = make_outcome(session, group, author, title="A draft nobody else reads")
    session.commit()
    return {
        "group": group,
        "coordinator": coordinator,
        "second": second,
        "author": author,
        "member": member,
        "outsider": outsider,
        "public": public,
        "private": private,
        "published": published,
        "draft": draft,
        "past": past,
    }


def text(response) -> str:
    return response.get_data(as_text=True)


def json_ld_of(page: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert match, "no JSON-LD on the page"
    return json.loads(match.group(1))


# --- Reading --------------------------------------------------------------------------------------


def test_the_public_reads_the_published_version_and_its_public_links(app, world):
    outcome = world["published"]
    response = browser_for(app).client.get(f"/outcomes/{outcome.id}")
    assert response.status_code == 200
    page = text(response)
    assert "<h1>Vouchers work best with a coach</h1>" in page
    assert "What regions learnt from voucher schemes." in page
    assert "<h3>Lessons</h3>" in page and "<strong>small</strong>" in page
    assert "Ada Author" in page
    assert 'href="https://creativecommons.org/licenses/by/4.0/"' in page
    assert "Published on" in page
    assert f'href="/outcomes/{outcome.id}/versions/1"' in page
    # Linked records: the public ones only.
    assert "Digital vouchers" in page and "Secret pilot" not in page
    assert "SMEs adopt late" in page and "A proposed challenge" not in page
    assert f'href="/meetings/{world["past"].id}"' in page
    # The regions concerned, linked to their pages.
    assert 'href="/regions/BE10"' in page and 'href="/regions/PT11"' in page
    # Nobody's working copy, no tools.
    assert "Working copy" not in page and "/edit" not in page


def test_members_see_what_only_members_read_and_the_working_copy_state(app, world):
    page = text(browser_for(app, world["member"]).client.get(f"/outcomes/{world['published'].id}"))
    assert "Secret pilot" in page and "A proposed challenge" in page
    assert "Working copy" in page
    # A member who is no author edits nothing.
    assert f"/outcomes/{world['published'].id}/edit" not in page


def test_json_ld_and_open_graph_describe_the_published_version(app, world):
    outcome = world["published"]
    page = text(browser_for(app).client.get(f"/outcomes/{outcome.id}"))
    data = json_ld_of(page)
    assert data["@type"] == "Report"
    assert data["headline"] == "Vouchers work best with a coach"
    assert data["author"] == [{"@type": "Person", "name": "Ada Author"}]
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert data["publisher"] == {"@type": "Organization", "name": "S3 Community of Practice"}
    assert data["inLanguage"] == "en"
    assert data["datePublished"] and data["dateModified"]
    assert data["url"] == f"http://cop.test/outcomes/{outcome.id}"
    assert '<meta property="og:title" content="Vouchers work best with a coach">' in page
    assert '<meta property="og:type" content="article">' in page


def test_a_draft_is_for_its_groups_members_only(app, world):
    path = f"/outcomes/{world['draft'].id}"
    assert browser_for(app).client.get(path).status_code == 404
    assert browser_for(app, world["outsider"]).client.get(path).status_code == 404
    page = text(browser_for(app, world["member"]).client.get(path))
    assert "A draft nobody else reads" in page
    assert '<meta name="robots" content="noindex">' in page
    assert "application/ld+json" not in page


def test_a_revision_stays_with_members_until_approved(app, session, world):
    outcome = world["published"]
    with app.test_request_context():
        update_outcome(
            session,
            world["author"],
            outcome,
            OutcomeDetails(
                kind=outcome.kind,
                title="Coaching makes vouchers work",
                summary=outcome.summary,
                body="A revised text.",
                group_ids=[world["group"].id],
                author_ids=[world["author"].id],
            ),
        )
        session.commit()
    path = f"/outcomes/{outcome.id}"
    for reader in (browser_for(app), browser_for(app, world["outsider"])):
        for url in (path, path + "?working=1"):
            page = text(reader.client.get(url))
            assert "Vouchers work best with a coach" in page
            assert "A revised text." not in page and "Coaching makes" not in page
    member = browser_for(app, world["author"])
    page = text(member.client.get(path))
    assert "Vouchers work best with a coach" in page and "Read the working copy" in page
    page = text(member.client.get(path + "?working=1"))
    assert "Coaching makes vouchers work" in page and "A revised text." in page


def test_a_withdrawn_outcome_is_marked_with_its_reason(app, session, world):
    outcome = world["published"]
    outcome.status = OutcomeStatus.WITHDRAWN
    outcome.withdraw_reason = "Superseded by the <b>2026</b> brief."
    session.commit()
    page = text(browser_for(app).client.get(f"/outcomes/{outcome.id}"))
    assert "Withdrawn on" in page
    assert "Superseded by the &lt;b&gt;2026&lt;/b&gt; brief." in page
    assert json_ld_of(page)["creativeWorkStatus"] == "Withdrawn"


def test_hostile_markdown_and_html_are_escaped_and_sanitised(app, session, world):
    outcome = world["draft"]
    outcome.title = "<script>alert('title')</script>"
    outcome.summary = "<img src=x onerror=alert(1)>"
    outcome.body = (
        "<script>alert('body')</script>\n\n[click](javascript:alert(1))\n\n"
        '<a href="https://evil.example" onclick="x()">raw</a>'
    )
    session.commit()
    page = text(browser_for(app, world["member"]).client.get(f"/outcomes/{outcome.id}"))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    assert 'href="javascript' not in page
    assert '<a href="https://evil.example"' not in page
    assert '&lt;a href="https://evil.example" onclick="x()"&gt;raw&lt;/a&gt;' in page  # as text


def test_a_past_version_is_marked_and_links_to_the_current(app, session, world):
    outcome = world["published"]
    second = OutcomeVersion(
        outcome_id=outcome.id,
        number=2,
        kind=outcome.kind,
        title="Coaching makes vouchers work",
        summary="Second.",
        body="The second text.",
        authors_text="Ada Author",
        change_note="Clearer text.",
        approved_by_id=world["second"].id,
    )
    session.add(second)
    session.flush()
    outcome.current_version_id = second.id
    session.commit()
    client = browser_for(app).client
    page = text(client.get(f"/outcomes/{outcome.id}/versions/1"))
    assert "This is a past version: it was replaced since." in page
    assert "Start <strong>small</strong>" in page
    assert f'href="/outcomes/{outcome.id}"' in page
    current = text(client.get(f"/outcomes/{outcome.id}"))
    assert "The second text." in current and "Clearer text." in current
    assert client.get(f"/outcomes/{outcome.id}/versions/3").status_code == 404


def test_the_public_page_answers_304_when_unchanged(app, session, world):
    client = browser_for(app).client
    path = f"/outcomes/{world['published'].id}"
    first = client.get(path)
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    world["published"].public_changed_at = world["published"].public_changed_at + timedelta(hours=1)
    session.commit()
    changed = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200


def test_the_outcome_page_queries_do_not_grow(app, session, world, count_queries):
    outcome = world["published"]
    readers = {
        "anonymous": browser_for(app),
        "member": browser_for(app, world["member"]),
        "author": browser_for(app, world["author"]),
    }

    def grow(size: int) -> None:
        for number in range(size):
            person = make_user(session, listed=True)
            make_membership(session, person, world["group"])
            outcome.authors.append(person)
            outcome.solutions.append(make_solution(session, world["group"], person, public=True))
            outcome.challenges.append(
                make_challenge(session, world["group"], status=ChallengeStatus.ACCEPTED)
            )
            outcome.meetings.append(make_meeting(session, world["group"]))
            session.add(
                OutcomeFile(
                    outcome_id=outcome.id,
                    title=f"Slides {number}",
                    filename="slides.pdf",
                    content_type="application/pdf",
                    size=10,
                    storage_key="0" * 64,
                )
            )
        session.commit()

    def queries() -> dict[str, int]:
        counts = {}
        for role, browser in readers.items():
            with count_queries() as counter:
                response = browser.client.get(f"/outcomes/{outcome.id}")
            assert response.status_code == 200
            counts[role] = counter.count
        return counts

    grow(1)
    small = queries()
    grow(8)
    large = queries()
    assert small == large


# --- The forms ------------------------------------------------------------------------------------


def test_a_member_writes_an_outcome_through_the_form(app, session, world):
    browser = browser_for(app, world["member"])
    page = text(browser.client.get("/groups/innovation-diffusion/outcomes/new"))
    assert 'name="title"' in page and "Digital vouchers" in page and "Secret pilot" in page
    response = browser.post(
        "/groups/innovation-diffusion/outcomes/new",
        {
            "kind": "policy_brief",
            "title": "A brief on vouchers",
            "summary": "Short.",
            "body": "Long.",
            "licence": "CC-BY-SA-4.0",
            "group_ids": str(world["group"].id),
            "author_ids": str(world["member"].id),
            "solution_ids": str(world["public"].id),
            "region_codes": "ES51",
        },
        page="/groups/innovation-diffusion/outcomes/new",
    )
    assert response.status_code == 302
    outcome = session.scalar(select(Outcome).where(Outcome.title == "A brief on vouchers"))
    assert outcome.licence == "CC-BY-SA-4.0"
    assert outcome.solutions == [world["public"]]
    assert {region.code for region in outcome.regions} == {"BE10", "ES51"}


def test_form_errors_are_shown_next_to_their_fields(app, session, world):
    browser = browser_for(app, world["member"])
    response = browser.post(
        "/groups/innovation-diffusion/outcomes/new",
        {
            "kind": "lessons_learnt",
            "title": "",
            "summary": "x" * 1001,
            "licence": "CC-BY-4.0",
            "group_ids": str(world["group"].id),
            "author_ids": str(world["member"].id),
        },
        page="/groups/innovation-diffusion/outcomes/new",
    )
    assert response.status_code == 400
    page = text(response)
    assert '<p class="error" id="title-error">Please fill in this field.</p>' in page
    assert '<p class="error" id="summary-error">Use at most 1000 characters.</p>' in page
    assert (
        session.scalar(select(Outcome).where(Outcome.created_by_id == world["member"].id)) is None
    )


def test_submit_then_review_through_the_pages(app, session, world):
    outcome = world["draft"]
    author = browser_for(app, world["author"])
    path = f"/outcomes/{outcome.id}"
    assert author.post(f"{path}/submit", {"change_note": "Ready."}, page=path).status_code == 302
    session.refresh(outcome)
    assert outcome.status is OutcomeStatus.IN_REVIEW
    # Its author may not review it: sent to its page, which says why.
    refused = author.client.get(f"{path}/review")
    assert refused.status_code == 303 and refused.headers["Location"] == path
    assert "Another coordinator must review it" in text(author.client.get(path))
    reviewer = browser_for(app, world["coordinator"])
    form = text(reviewer.client.get(f"{path}/review"))
    assert "A draft nobody else reads" in form
    missing = reviewer.post(f"{path}/review", {"decision": "return", "comment": ""}, page=path)
    assert missing.status_code == 400
    assert "Say what the authors should change." in text(missing)
    approved = reviewer.post(f"{path}/review", {"decision": "approve"}, page=path)
    assert approved.status_code == 302
    session.refresh(outcome)
    assert outcome.status is OutcomeStatus.PUBLISHED
    assert outcome.current_version.change_note == "Ready."
    assert browser_for(app).client.get(path).status_code == 200
    # The form sent again: a clear refusal, on the outcome's page.
    replay = reviewer.post(f"{path}/review", {"decision": "approve"}, page=path)
    assert replay.status_code == 303 and replay.headers["Location"] == path
    assert "This outcome is not in review: it was approved or returned already." in text(
        reviewer.client.get(path)
    )


def test_a_withdrawal_through_the_page_needs_a_reason(app, session, world):
    path = f"/outcomes/{world['published'].id}"
    coordinator = browser_for(app, world["coordinator"])
    response = coordinator.post(f"{path}/withdraw", {"reason": ""}, page=path)
    assert response.status_code == 400
    assert "Say why the outcome is withdrawn." in text(response)
    assert coordinator.post(f"{path}/withdraw", {"reason": "Old."}, page=path).status_code == 302
    assert "Withdrawn on" in text(browser_for(app).client.get(path))


def test_the_meeting_page_offers_a_report_to_members_once_held(app, world):
    past = f"/meetings/{world['past'].id}"
    assert "Write a report of this meeting" in text(
        browser_for(app, world["member"]).client.get(past)
    )
    assert "Write a report of this meeting" not in text(browser_for(app).client.get(past))


def test_members_follow_new_outcomes_and_come_back_to_the_page(app, session, world):
    from cop.mail import follows

    browser = browser_for(app, world["member"])
    back = "/groups/innovation-diffusion/outcomes/?kind=policy_brief"
    response = browser.post(
        "/groups/innovation-diffusion/outcomes/follow", {"next": back}, page="/"
    )
    assert response.status_code == 302 and response.headers["Location"] == back
    keys = [(follows.GROUP_OUTCOMES, world["group"].id)]
    assert follows.followers(session, keys) == [world["member"].id]
    # Elsewhere than this site: back to the group's page.
    response = browser.post(
        "/groups/innovation-diffusion/outcomes/unfollow",
        {"next": "https://evil.example/"},
        page="/",
    )
    assert response.headers["Location"] == "/groups/innovation-diffusion/"
    assert follows.followers(session, keys) == []


def test_the_card_macro_shows_the_current_version_and_marks(app, session, world):
    outcome = world["published"]
    with app.test_request_context():
        macro = app.jinja_env.get_template("outcomes/_cards.html").module.outcome_card
        card = str(macro(outcome))
        assert "Vouchers work best with a coach" in card
        assert f'href="/outcomes/{outcome.id}"' in card
        assert "Lessons learnt" in card and "Innovation Diffusion" in card
        assert "published on" in card and "Withdrawn" not in card
        outcome.status = OutcomeStatus.WITHDRAWN
        assert "Withdrawn" in str(macro(outcome))
        draft = str(macro(world["draft"]))
        assert "A draft nobody else reads" in draft and "Draft" in draft
