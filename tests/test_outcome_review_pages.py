"""The outcomes workflow as people meet it: one report per
meeting (the meeting page leads to it), a review page that shows the submitter's note and
what a revision changes, saves and submissions that change nothing refused or harmless,
refusals that lead back to the record's page and say why for each person, the outcomes
awaiting a coordinator's review on their dashboard, the form's authors and regions, the
meeting report's minutes, days and place, the publication dates, what withdrawing does,
the library's search by author, and the withdrawn mark's label."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from cop.audit.models import AuditEntry
from cop.errors import Conflict, NotAllowed
from cop.meetings.models import MeetingFormat, Visibility
from cop.members.models import Role
from cop.outcomes import services
from cop.outcomes.meeting_report import nested_minutes
from cop.outcomes.models import Outcome, OutcomeKind, OutcomeStatus
from cop.outcomes.revisions import diff_lines
from cop.outcomes.services import OutcomeDetails
from tests.conftest import Browser
from tests.factories import (
    make_group,
    make_meeting,
    make_membership,
    make_outcome,
    make_solution,
    make_user,
)

BODY = "## Lessons\n\nStart small, with vouchers.\n\nCoach every SME.\n\nMeasure after a year."


@pytest.fixture
def world(app, session):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    other = make_group(session, slug="industrial-transition", name="Industrial Transition")
    cora = make_user(session, name="Cora Coordinator", listed=True)
    sam = make_user(session, name="Sam Second", listed=True)
    ada = make_user(session, name="Ada Author", listed=True)
    max_ = make_user(session, name="Max Member", listed=True)
    otto = make_user(session, name="Otto Outsider")
    make_membership(session, cora, group, role=Role.COORDINATOR)
    make_membership(session, sam, group, role=Role.COORDINATOR)
    make_membership(session, ada, group)
    make_membership(session, max_, group)
    make_membership(session, otto, other, role=Role.COORDINATOR)
    vouchers = make_solution(session, group, ada, public=True, title="Digital vouchers")
    held = make_meeting(session, group, starts_in=timedelta(days=-10), title="Plenary 3")
    coming = make_meeting(session, group, starts_in=timedelta(days=10), title="Plenary 4")
    session.commit()
    return dict(
        group=group,
        other=other,
        cora=cora,
        sam=sam,
        ada=ada,
        max=max_,
        otto=otto,
        vouchers=vouchers,
        held=held,
        coming=coming,
    )


def browser_for(app, person=None) -> Browser:
    browser = Browser(app.test_client())
    if person is not None:
        browser.login(person)
    return browser


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def run(app, session, fn):
    """A service call in its own request context, committed."""
    with app.test_request_context():
        result = fn()
        session.commit()
        return result


def details(world, **changes) -> OutcomeDetails:
    values = dict(
        kind=OutcomeKind.LESSONS_LEARNT,
        title="Vouchers work best with a coach",
        summary="What regions learnt.",
        body=BODY,
        group_ids=[world["group"].id],
        author_ids=[world["ada"].id],
    )
    values.update(changes)
    return OutcomeDetails(**values)


def published(app, session, world, **changes) -> Outcome:
    """An outcome written by Ada, submitted by her and approved by Cora."""
    outcome = run(app, session, lambda: services.create_outcome(
        session, world["ada"], details(world, **changes)))  # fmt: skip
    run(app, session, lambda: services.submit_outcome(session, world["ada"], outcome))
    run(app, session, lambda: services.approve_outcome(session, world["cora"], outcome))
    return outcome


def revise(app, session, world, outcome, by="ada", **changes):
    return run(app, session, lambda: services.update_outcome(
        session, world[by], outcome, details(world, **changes)))  # fmt: skip


def form_data(world, **changes) -> dict:
    """The outcome form as `details(world)` fills it."""
    data = {
        "kind": "lessons_learnt",
        "title": "Vouchers work best with a coach",
        "summary": "What regions learnt.",
        "body": BODY,
        "licence": "CC-BY-4.0",
        "group_ids": [str(world["group"].id)],
        "author_ids": [str(world["ada"].id)],
    }
    data.update(changes)
    return data


def audit_rows(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry))


# --- 1. One report per meeting ----------------------------------------------------------------


def reports_of(session, meeting) -> int:
    return session.scalar(
        select(func.count()).select_from(Outcome).where(Outcome.from_meeting_id == meeting.id)
    )


def test_a_second_report_of_a_meeting_is_refused_and_leads_to_the_first(app, session, world):
    meeting = world["held"]
    first = run(app, session, lambda: services.draft_meeting_report(session, world["max"], meeting))
    with app.test_request_context(), pytest.raises(Conflict) as caught:
        services.draft_meeting_report(session, world["cora"], meeting)
    session.rollback()
    assert caught.value.message == "A report of this meeting exists already: here it is."
    assert reports_of(session, meeting) == 1
    # Through the pages: the form and its button both lead to the report, saying so.
    browser = browser_for(app, world["cora"])
    path = f"/meetings/{meeting.id}/report"
    for response in (browser.client.get(path), browser.post(path, page="/")):
        assert response.status_code == 303
        assert response.headers["Location"] == f"/outcomes/{first.id}"
    assert "A report of this meeting exists already: here it is." in text(
        browser.client.get(f"/outcomes/{first.id}")
    )
    assert reports_of(session, meeting) == 1
    # Once that one is withdrawn, another may be written.
    first.status, first.withdraw_reason = OutcomeStatus.WITHDRAWN, "Started by mistake."
    session.commit()
    response = browser.post(path, page="/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/edit")
    assert reports_of(session, meeting) == 2


def test_the_meeting_page_links_its_report_in_one_query_whoever_reads(
    app, session, world, count_queries
):
    meeting = world["held"]
    path = f"/meetings/{meeting.id}"
    readers = {"anonymous": browser_for(app), "member": browser_for(app, world["max"])}

    def pages() -> tuple[dict, dict]:
        counts, texts = {}, {}
        for role, browser in readers.items():
            with count_queries() as counter:
                response = browser.client.get(path)
            assert response.status_code == 200
            counts[role], texts[role] = counter.count, text(response)
        return counts, texts

    before, page = pages()
    assert "Write a report of this meeting" in page["member"]
    assert "Write a report of this meeting" not in page["anonymous"]

    report = run(app, session, lambda: services.draft_meeting_report(
        session, world["max"], meeting))  # fmt: skip
    link = f'href="/outcomes/{report.id}"'
    draft, page = pages()
    assert draft == before
    assert "Open the draft report" in page["member"] and link in page["member"]
    assert "Write a report of this meeting" not in page["member"]
    assert link not in page["anonymous"] and "Read its report" not in page["anonymous"]

    run(app, session, lambda: services.submit_outcome(session, world["max"], report))
    run(app, session, lambda: services.approve_outcome(session, world["cora"], report))
    after, page = pages()
    assert after == before
    for role in readers:
        assert "Read its report" in page[role] and link in page[role]


# --- 2. Reviewing a revision --------------------------------------------------------------------


def test_the_review_page_shows_the_note_and_what_the_revision_changes(app, session, world):
    outcome = published(app, session, world)
    new_body = BODY.replace("Coach every SME.", "Coach every SME <script>alert(1)</script>.")
    revise(
        app,
        session,
        world,
        outcome,
        title="Vouchers work best with a coach and a plan",
        body=new_body,
        solution_ids=[world["vouchers"].id],
        author_ids=[world["ada"].id, world["max"].id],
    )
    run(app, session, lambda: services.submit_outcome(
        session, world["ada"], outcome, "Adds the plan and Max."))  # fmt: skip
    response = browser_for(app, world["sam"]).client.get(f"/outcomes/{outcome.id}/review")
    assert response.status_code == 200
    raw = response.get_data(as_text=True)
    assert "<script>alert" not in raw and "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    page = text(response)
    assert "The submitter's note" in page and "Adds the plan and Max." in page
    assert "Compared with version 1, which the public reads now." in page
    # Each changed line, said in words as well as shown.
    lines = [
        html.unescape(" ".join(re.sub(r"<[^>]+>", " ", item).split()))
        for item in re.findall(r'<li class="diff-(?:removed|added)">(.*?)</li>', raw, re.S)
    ]
    assert "Removed Vouchers work best with a coach" in lines
    assert "Added Vouchers work best with a coach and a plan" in lines
    assert "Removed Coach every SME." in lines
    assert "Added Coach every SME <script>alert(1)</script>." in lines
    assert "Removed Start small, with vouchers." not in lines  # unchanged: context only
    # What else changes, in words.
    assert "Solutions: adds Digital vouchers" in " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Authors credited: Ada Author, now Ada Author, Max Member." in page


def test_the_outcome_page_says_links_change_only_when_they_do(app, session, world):
    outcome = published(app, session, world)
    sentence = "The revision also changes what it draws on"
    path = f"/outcomes/{outcome.id}"
    author = browser_for(app, world["ada"])
    revise(app, session, world, outcome, body=BODY + "\n\nA new paragraph.")
    assert outcome.status is OutcomeStatus.DRAFT and outcome.pending_links is None
    assert sentence not in text(author.client.get(path))
    revise(app, session, world, outcome, body=BODY + "\n\nA new paragraph.",
           solution_ids=[world["vouchers"].id])  # fmt: skip
    assert outcome.pending_links is not None
    assert sentence in text(author.client.get(path))
    # Taken back out: nothing pending, and the page says nothing of it.
    revise(app, session, world, outcome, body=BODY + "\n\nA new paragraph.")
    assert outcome.pending_links is None
    assert sentence not in text(author.client.get(path))


def test_diff_lines_keep_context_and_mark_gaps():
    before = "\n".join(f"line {n}" for n in range(12))
    after = before.replace("line 1\n", "line one\n").replace("line 10", "line ten")
    lines = diff_lines(before, after)
    changes = [(line.change, line.text) for line in lines]
    assert ("removed", "line 1") in changes and ("added", "line one") in changes
    assert ("removed", "line 10") in changes and ("added", "line ten") in changes
    assert ("gap", "") in changes
    assert ("same", "line 6") not in changes  # far from both changes
    assert diff_lines("same", "same") == []


def test_saving_a_published_outcome_unchanged_writes_nothing(app, session, world):
    outcome = published(app, session, world)
    before = audit_rows(session)
    author = browser_for(app, world["ada"])
    path = f"/outcomes/{outcome.id}"
    response = author.post(f"{path}/edit", form_data(world), page=f"{path}/edit")
    assert response.status_code == 302, text(response)
    assert "Nothing changed." in text(author.client.get(path))
    session.expire_all()
    assert outcome.status is OutcomeStatus.PUBLISHED
    assert outcome.editors == [] and outcome.pending_links is None
    assert audit_rows(session) == before


def test_a_revision_identical_to_the_published_version_is_not_submitted(app, session, world):
    outcome = published(app, session, world)
    revise(app, session, world, outcome, body=BODY + "\n\nMore.")
    revise(app, session, world, outcome)  # back as published
    assert outcome.status is OutcomeStatus.DRAFT
    before = audit_rows(session)
    author = browser_for(app, world["ada"])
    path = f"/outcomes/{outcome.id}"
    message = (
        "The working copy is the same as the published version: there is nothing to submit."
        " Change it first."
    )
    for send in (
        lambda: author.client.get(f"{path}/submit"),
        lambda: author.post(f"{path}/submit", {"change_note": "Nothing"}, page=path),
    ):
        response = send()
        assert response.status_code == 303 and response.headers["Location"] == path
        assert message in text(author.client.get(path))
    session.expire_all()
    assert outcome.status is OutcomeStatus.DRAFT
    assert audit_rows(session) == before


# --- 3. Refusals --------------------------------------------------------------------------------


def test_review_refusals_say_why_for_each_person(app, session, world):
    outcome = run(app, session, lambda: services.create_outcome(
        session, world["ada"], details(world)))  # fmt: skip
    revise(app, session, world, outcome, by="cora", body=BODY + "\n\nCora's lines.")
    run(app, session, lambda: services.submit_outcome(session, world["ada"], outcome))
    expected = {
        "ada": "Another coordinator must review it: its authors may not approve their own work.",
        "max": "Only the coordinators of its groups review outcomes.",
        "cora": "You changed this version: another coordinator must review it.",
    }
    for who, message in expected.items():
        with app.test_request_context(), pytest.raises(NotAllowed) as caught:
            services.approve_outcome(session, world[who], outcome)
        session.rollback()
        assert caught.value.message == message, who
        # Through the page: sent to the outcome's page, which says why.
        browser = browser_for(app, world[who])
        response = browser.client.get(f"/outcomes/{outcome.id}/review")
        assert response.status_code == 303
        assert response.headers["Location"] == f"/outcomes/{outcome.id}"
        assert message in text(browser.client.get(f"/outcomes/{outcome.id}"))
    session.refresh(outcome)
    assert outcome.status is OutcomeStatus.IN_REVIEW


def test_refused_actions_lead_back_to_the_record_they_are_about(app, session, world):
    draft = run(app, session, lambda: services.create_outcome(
        session, world["ada"], details(world)))  # fmt: skip
    cora = browser_for(app, world["cora"])
    response = cora.post(f"/outcomes/{draft.id}/withdraw", {"reason": "Old."}, page="/")
    assert response.status_code == 303 and response.headers["Location"] == f"/outcomes/{draft.id}"
    assert "Only a published outcome can be withdrawn." in text(
        cora.client.get(f"/outcomes/{draft.id}")
    )
    session.refresh(draft)
    assert draft.status is OutcomeStatus.DRAFT
    # A report of a meeting still to come: its page, saying when a report is written.
    coming = f"/meetings/{world['coming'].id}"
    response = cora.client.get(f"{coming}/report")
    assert response.status_code == 303 and response.headers["Location"] == coming
    assert "A report is written once the meeting is held" in text(cora.client.get(coming))
    # Who may not read the record is not told it exists.
    otto = browser_for(app, world["otto"])
    assert otto.client.get(f"/outcomes/{draft.id}/withdraw").status_code == 404
    assert otto.client.get(f"/outcomes/{draft.id}/edit").status_code == 404


# --- 4. The coordinator's dashboard ------------------------------------------------------------


def in_review(session, world, title, by, submitted_by=None, editors=(), group=None):
    from cop import clock

    return make_outcome(
        session,
        group or world["group"],
        world[by],
        title=title,
        status=OutcomeStatus.IN_REVIEW,
        submitted_by_id=world[submitted_by or by].id,
        submitted_at=clock.now(),
        editors=[world[name] for name in editors],
    )


def test_coordinators_see_the_outcomes_awaiting_their_review(app, session, world, count_queries):
    theirs = in_review(session, world, "Ada's brief", "ada")
    own = in_review(session, world, "Cora's own brief", "cora")
    submitted = in_review(session, world, "Submitted by Cora", "ada", submitted_by="cora")
    edited = in_review(session, world, "Edited by Cora", "ada", editors=("cora",))
    elsewhere = in_review(session, world, "Another group's", "otto", group=world["other"])
    make_outcome(session, world["group"], world["ada"], title="A draft")
    session.commit()
    cora = browser_for(app, world["cora"])

    def dashboard(browser) -> str:
        return text(browser.client.get("/account/dashboard"))

    page = dashboard(cora)
    assert "Outcomes awaiting your review" in page
    assert f'href="/outcomes/{theirs.id}/review"' in page and "Ada's brief" in page
    for outcome in (own, submitted, edited, elsewhere):
        assert outcome.title not in page
    assert "A draft" not in page
    sam = dashboard(browser_for(app, world["sam"]))
    assert all(o.title in sam for o in (theirs, own, submitted, edited))
    assert elsewhere.title not in sam
    assert "Outcomes awaiting your review" not in dashboard(browser_for(app, world["max"]))

    def queries() -> int:
        with count_queries() as counter:
            assert cora.client.get("/account/dashboard").status_code == 200
        return counter.count

    small = queries()
    for number in range(15):
        in_review(session, world, f"Grown {number}", "ada")
    session.commit()
    assert queries() == small
    assert "Grown 14" in dashboard(cora)


# --- 5. The outcome form ----------------------------------------------------------------------


def test_the_form_offers_authors_in_credit_order_as_checkboxes(app, session, world):
    outcome = run(app, session, lambda: services.create_outcome(
        session, world["ada"], details(world, author_ids=[world["max"].id, world["ada"].id])))  # fmt: skip
    author = browser_for(app, world["ada"])
    path = f"/outcomes/{outcome.id}/edit"
    page = author.client.get(path).get_data(as_text=True)
    boxes = [tag for tag in re.findall(r"<input[^>]*>", page) if 'name="author_ids"' in tag]
    assert boxes and all('type="checkbox"' in tag for tag in boxes)
    order = [int(re.search(r'value="(\d+)"', tag).group(1)) for tag in boxes]
    # Its authors first, in their order, then the others by name.
    assert order == [world[name].id for name in ("max", "ada", "cora", "sam")]
    assert "credited in the order listed here" in html.unescape(page)
    # Ticking Cora adds her after them, whatever order the form is sent in.
    sent = [str(world[name].id) for name in ("cora", "max", "ada")]
    data = form_data(world, author_ids=sent)
    assert author.post(path, data, page=path).status_code == 302
    session.refresh(outcome)
    assert outcome.authors == [world["max"], world["ada"], world["cora"]]


def test_the_form_groups_regions_by_country_name_and_says_how_to_choose(app, session, world):
    page = browser_for(app, world["ada"]).client.get("/groups/innovation-diffusion/outcomes/new")
    page = html.unescape(page.get_data(as_text=True))
    select_html = page[page.index('name="region_codes"') :]
    select_html = select_html[: select_html.index("</select>")]
    countries = re.findall(r'<optgroup label="([^"]+)">', select_html)
    assert countries == sorted(countries, key=str.casefold) and "Belgium" in countries
    assert countries.index("Croatia") < countries.index("Cyprus")  # (HR after CY by code)
    belgium = select_html[select_html.index('label="Belgium"') :]
    belgium = belgium[: belgium.index("</optgroup>")]
    names = re.findall(r">([^<>]+) \((BE\d\w?)\)</option>", belgium)
    assert names and [name for name, _code in names] == sorted(
        (name for name, _code in names), key=str.casefold
    )
    assert "Ctrl+Space" in page and "Shift with the arrow keys" in page
    assert "images are not shown (Markdown images are removed" in page
    assert "links are kept" in page


# --- 6. The meeting report's draft -------------------------------------------------------------


def test_the_minutes_nest_under_their_heading():
    minutes = "# Plenary 3\n\nWe met.\n\n# Decisions\n\nWe agreed.\n\nActions\n-------\n\nDo it."
    nested = nested_minutes(minutes, "Plenary 3")
    assert nested.splitlines()[0] == "We met."
    assert "### Decisions" in nested and "### Actions" in nested
    assert "-------" not in nested and "# Plenary 3" not in nested
    # Already below ## Minutes: left as written; a heading in code is no heading.
    assert nested_minutes("### Fine\n\ntext", "X") == "### Fine\n\ntext"
    code = "```\n# not a heading\n```\n\n## Notes"
    assert nested_minutes(code, "X") == "```\n# not a heading\n```\n\n### Notes"


def test_the_report_says_when_and_where_the_meeting_was_held(app, session, world):
    meeting = make_meeting(
        session,
        world["group"],
        starts_in=timedelta(days=-10),
        hours=30,
        title="Two-day plenary",
        format=MeetingFormat.IN_PERSON,
        venue="Casa da Música",
        address="Av. da Boavista 604\n4149-071 Porto",
        minutes="# Two-day plenary\n\n# Day one\n\nWe met.",
        minutes_visibility=Visibility.PUBLIC,
    )
    online = make_meeting(
        session, world["group"], starts_in=timedelta(days=-5), format=MeetingFormat.ONLINE
    )
    session.commit()
    report = run(app, session, lambda: services.draft_meeting_report(
        session, world["max"], meeting))  # fmt: skip
    body = report.body
    assert re.search(r"held from \d+ \w+ \d{4} to \d+ \w+ \d{4}\.", body), body
    assert "It was held at Casa da Música, Av. da Boavista 604, 4149-071 Porto." in body
    assert "## Minutes\n\n### Day one\n\nWe met." in body
    assert "# Two-day plenary" not in body
    report = run(app, session, lambda: services.draft_meeting_report(
        session, world["max"], online))  # fmt: skip
    assert "It was held online." in report.body
    assert "meet.example.org" not in report.body
    hybrid = run(app, session, lambda: services.draft_meeting_report(
        session, world["max"], world["held"]))  # fmt: skip
    assert (
        "It was held at Committee of the Regions, Rue Belliard 99-101, 1040 Brussels, and online."
        in hybrid.body
    )  # noqa: E501
    assert "meet.example.org" not in hybrid.body


# --- 7., 8., 10. The outcome page, withdrawing, the withdrawn mark ----------------------------


def test_an_outcome_changed_the_day_it_was_published_gives_one_date(app, session, world):
    outcome = make_outcome(session, world["group"], world["ada"], published=True)
    session.commit()
    page = text(browser_for(app).client.get(f"/outcomes/{outcome.id}"))
    assert "Published on" in page and "last changed on" not in page
    outcome.public_changed_at = outcome.first_published_at + timedelta(days=3)
    session.commit()
    page = text(browser_for(app).client.get(f"/outcomes/{outcome.id}"))
    assert "Published on" in page and "last changed on" in page


def test_withdrawing_says_where_the_outcome_stays(app, session, world):
    outcome = published(app, session, world)
    cora = browser_for(app, world["cora"])
    path = f"/outcomes/{outcome.id}"
    for page in (text(cora.client.get(f"{path}/withdraw")),):
        flat = " ".join(page.split())
        assert "leaves the library's list" in flat
        assert "readers who ask to include withdrawn outcomes" in flat
        assert "on the pages of the regions it concerns" in flat
        assert "in the Atom feed (titled “Withdrawn: …”)" in flat
        assert "in the open data (status “withdrawn”)" in flat
    assert cora.post(f"{path}/withdraw", {"reason": "Superseded."}, page=path).status_code == 302
    banner = " ".join(text(browser_for(app).client.get(path)).split())
    assert "Withdrawn on" in banner and "Superseded." in banner
    assert "It has left the library's list" in banner
    assert "in the Atom feed (titled “Withdrawn: …”)" in banner


def test_a_withdrawn_outcome_is_marked_with_the_outcome_status_label(app, session, world):
    outcome = make_outcome(
        session,
        world["group"],
        world["ada"],
        published=True,
        title="A withdrawn brief",
        status=OutcomeStatus.WITHDRAWN,
        withdraw_reason="Superseded.",
    )
    session.commit()
    client = app.test_client()
    client.get("/language/fr?next=/")
    for path in (f"/outcomes/{outcome.id}", "/outcomes/?withdrawn=1"):
        page = text(client.get(path))
        assert "A withdrawn brief" in page
        assert '<span class="tag tag-withdrawn">Retiré</span>' in page
        assert "Documents retirés" not in page


# --- 9. Library search by author --------------------------------------------------------------


def test_the_library_finds_outcomes_by_their_authors_names(app, session, world):
    published(app, session, world, title="Coaching SMEs")
    client = app.test_client()
    assert "Coaching SMEs" in text(client.get("/outcomes/?q=ada+author"))
    assert "Coaching SMEs" not in text(client.get("/outcomes/?q=otto"))
