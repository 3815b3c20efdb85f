"""The outcomes library (/outcomes/) and a group's outcomes section (/groups/<slug>/outcomes/):
what is listed (the current published version; never drafts, reviews or, unless asked,
withdrawn outcomes), filters and search, pages, bad input, query counts at two sizes and
conditional answers; the home and group pages' latest outcomes."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest

from cop.mail import follows
from cop.members.models import Role
from cop.outcomes.models import OutcomeKind, OutcomeStatus
from tests.conftest import Browser
from tests.factories import (
    make_group,
    make_membership,
    make_outcome,
    make_theme,
    make_user,
)


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def main_of(response) -> str:
    page = text_of(response)
    return page[page.index("<main") : page.index("</main>")]


def listed_titles(response) -> list[str]:
    """The titles of the outcomes the page lists, in order."""
    page = main_of(response)
    start = page.find('<ul class="outcome-list">')
    if start < 0:
        return []
    block = page[start : page.index("</ul>", start)]
    return re.findall(r'class="outcome-card-title"><a href="/outcomes/\d+">([^<]+)</a>', block)


def item_of(page: str, title: str) -> str:
    """The list item that holds the outcome called `title`."""
    return next(item for item in page.split("<li>") if title in item).split("</li>")[0]


def error_of(response, name: str) -> str:
    match = re.search(rf'<p class="error" id="filter-{name}-error">([^<]+)</p>', text_of(response))
    return match.group(1) if match else ""


def browser_for(app, person=None) -> Browser:
    browser = Browser(app.test_client())
    if person is not None:
        browser.login(person)
    return browser


def published_on(session, outcome, moment: datetime) -> None:
    """Date an outcome's first publication (and its public change) at `moment`."""
    outcome.first_published_at = moment
    outcome.public_changed_at = moment
    outcome.current_version.published_at = moment
    session.flush()


@pytest.fixture
def world(app, session):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    other = make_group(session, slug="industrial-transition", name="Industrial Transition")
    coordinator = make_user(session, name="Cora Coordinator")
    second = make_user(session, name="Sam Second")
    member = make_user(session, name="Max Member")
    outsider = make_user(session, name="Uma User")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    make_membership(session, second, group, role=Role.COORDINATOR)
    make_membership(session, member, group)
    digital = make_theme(session, group, name="Digitalisation")
    skills = make_theme(session, other, name="Skills")
    lessons = make_outcome(
        session,
        group,
        member,
        published=True,
        approver=coordinator,
        title="Vouchers for first digital projects",
        summary="What regions learnt about SMEs' first steps.",
        body="Start small, with coaching from the **innovation agency**.",
        themes=[digital],
        region_codes=("BE10", "PT11"),
    )
    published_on(session, lessons, datetime(2025, 3, 10, 9, tzinfo=UTC))
    brief = make_outcome(
        session,
        (group, other),
        coordinator,
        kind=OutcomeKind.POLICY_BRIEF,
        published=True,
        approver=second,
        title="How to enhance the fulfilment of the S3 enabling condition",
        summary="Lessons learnt from the working groups.",
        body="Bottlenecks of innovation diffusion, including digitalisation.",
        themes=[skills],
        region_codes=("EL30",),
    )
    published_on(session, brief, datetime(2026, 2, 1, 9, tzinfo=UTC))
    case = make_outcome(
        session,
        other,
        outsider,
        kind=OutcomeKind.CASE_STUDY,
        published=True,
        title="A cluster's transition to green steel",
        summary="A case from Asturias.",
        body="Told by the cluster manager.",
        region_codes=("ES12",),
    )
    published_on(session, case, datetime(2026, 5, 20, 9, tzinfo=UTC))
    draft = make_outcome(session, group, member, title="Unfinished draft about vouchers")
    review = make_outcome(
        session,
        group,
        member,
        title="Meeting report under review",
        status=OutcomeStatus.IN_REVIEW,
        submitted_by=member,
        submitted_at=datetime(2026, 6, 1, tzinfo=UTC),
    )
    own_review = make_outcome(
        session,
        group,
        coordinator,
        title="The coordinator's own brief in review",
        status=OutcomeStatus.IN_REVIEW,
        submitted_by=coordinator,
    )
    withdrawn = make_outcome(
        session,
        group,
        member,
        published=True,
        approver=coordinator,
        title="Superseded lessons on vouchers",
        status=OutcomeStatus.WITHDRAWN,
        withdraw_reason="Superseded by the 2026 brief.",
        withdrawn_at=datetime(2026, 3, 1, tzinfo=UTC),
    )
    published_on(session, withdrawn, datetime(2024, 11, 5, 9, tzinfo=UTC))
    withdrawn.public_changed_at = datetime(2026, 3, 1, tzinfo=UTC)
    session.commit()
    return {
        "group": group,
        "other": other,
        "coordinator": coordinator,
        "second": second,
        "member": member,
        "outsider": outsider,
        "digital": digital,
        "skills": skills,
        "lessons": lessons,
        "brief": brief,
        "case": case,
        "draft": draft,
        "review": review,
        "own_review": own_review,
        "withdrawn": withdrawn,
    }


LESSONS = "Vouchers for first digital projects"
BRIEF = "How to enhance the fulfilment of the S3 enabling condition"
CASE = "A cluster's transition to green steel"
WITHDRAWN = "Superseded lessons on vouchers"


# --- what the library lists -------------------------------------------------------------------


def test_the_library_lists_published_outcomes_newest_first(app, world):
    response = browser_for(app).client.get("/outcomes/")
    assert response.status_code == 200
    assert listed_titles(response) == [CASE, BRIEF, LESSONS]
    page = main_of(response)
    assert "3 outcomes" in page
    for hidden in ("Unfinished draft", "Meeting report under review", "own brief", WITHDRAWN):
        assert hidden not in page
    item = item_of(page, BRIEF)
    assert "Policy brief" in item
    assert "Lessons learnt from the working groups." in item
    assert "Innovation Diffusion" in item and "Industrial Transition" in item
    assert "1 February 2026" in item


def test_drafts_and_reviews_are_never_listed_even_to_members(app, world):
    for person in (None, world["member"], world["coordinator"]):
        response = browser_for(app, person).client.get("/outcomes/?withdrawn=1")
        titles = listed_titles(response)
        assert "Unfinished draft about vouchers" not in titles
        assert "Meeting report under review" not in titles


def test_withdrawn_outcomes_are_listed_only_when_asked_and_marked(app, world):
    client = browser_for(app).client
    assert WITHDRAWN not in listed_titles(client.get("/outcomes/"))
    response = client.get("/outcomes/?withdrawn=1")
    assert listed_titles(response) == [CASE, BRIEF, LESSONS, WITHDRAWN]
    item = item_of(main_of(response), WITHDRAWN)
    assert "Withdrawn" in item
    assert 'id="filter-withdrawn" name="withdrawn" type="checkbox" value="1" checked' in text_of(
        response
    )


def test_the_library_shows_the_published_version_not_the_working_copy(app, session, world):
    lessons = world["lessons"]
    # A revision under way: the working copy changed, the public still reads version 1.
    lessons.title = "Revised title nobody approved"
    lessons.summary = "A summary being rewritten."
    lessons.body = "Quantum entanglement."
    lessons.status = OutcomeStatus.DRAFT
    session.commit()
    client = browser_for(app).client
    response = client.get("/outcomes/")
    assert LESSONS in listed_titles(response)
    assert "Revised title" not in main_of(response)
    assert listed_titles(client.get("/outcomes/?q=quantum")) == []
    assert listed_titles(client.get("/outcomes/?q=agency")) == [LESSONS]


# --- filters and search ------------------------------------------------------------------------


def test_each_filter_narrows_the_list(app, world):
    client = browser_for(app).client
    assert listed_titles(client.get("/outcomes/?group=innovation-diffusion")) == [BRIEF, LESSONS]
    assert listed_titles(client.get("/outcomes/?group=industrial-transition")) == [CASE, BRIEF]
    assert listed_titles(client.get("/outcomes/?kind=policy_brief")) == [BRIEF]
    assert listed_titles(client.get("/outcomes/?kind=case_study")) == [CASE]
    assert listed_titles(client.get(f"/outcomes/?theme={world['digital'].id}")) == [LESSONS]
    assert listed_titles(client.get(f"/outcomes/?theme={world['skills'].id}")) == [BRIEF]
    assert listed_titles(client.get("/outcomes/?country=PT")) == [LESSONS]
    assert listed_titles(client.get("/outcomes/?country=es")) == [CASE]
    # Greece is EL in NUTS; its ISO code is understood too.
    assert listed_titles(client.get("/outcomes/?country=EL")) == [BRIEF]
    greece = client.get("/outcomes/?country=GR")
    assert listed_titles(greece) == [BRIEF]
    assert '<option value="EL" selected>Greece (1)</option>' in text_of(greece)
    assert listed_titles(client.get("/outcomes/?year=2026")) == [CASE, BRIEF]
    assert listed_titles(client.get("/outcomes/?year=2025")) == [LESSONS]
    # Filters combine.
    assert listed_titles(client.get("/outcomes/?group=innovation-diffusion&year=2026")) == [BRIEF]
    assert listed_titles(client.get("/outcomes/?kind=case_study&country=BE")) == []
    # A real value with no outcome: nothing, and no complaint.
    response = client.get("/outcomes/?year=2019")
    assert listed_titles(response) == []
    assert error_of(response, "year") == ""
    assert "No outcome matches." in main_of(response)


def test_the_filter_form_offers_the_choices_with_counts_and_keeps_the_values(app, world):
    response = browser_for(app).client.get(
        "/outcomes/?group=innovation-diffusion&kind=policy_brief"
    )
    page = text_of(response)
    # Counts with the other filters applied: the group's outcomes by kind, the brief by group.
    assert '<option value="lessons_learnt">Lessons learnt (1)</option>' in page
    assert '<option value="policy_brief" selected>Policy brief (1)</option>' in page
    assert '<option value="case_study">Case study (0)</option>' in page
    assert '<option value="innovation-diffusion" selected>Innovation Diffusion (1)</option>' in page
    assert '<option value="industrial-transition">Industrial Transition (1)</option>' in page
    assert '<option value="2026">2026 (1)</option>' in page
    assert '<option value="EL">Greece (1)</option>' in page
    assert (
        f'<option value="{world["skills"].id}">Skills (Industrial Transition) (1)</option>' in page
    )
    for label in ("Search", "Working group", "Kind", "Theme", "Country", "Year of publication"):
        assert f">{label}</label>" in page


def test_search_matches_title_summary_and_body_whatever_the_case(app, world):
    client = browser_for(app).client
    assert listed_titles(client.get("/outcomes/?q=VOUCHERS")) == [LESSONS]  # title
    assert listed_titles(client.get("/outcomes/?q=asturias")) == [CASE]  # summary
    assert listed_titles(client.get("/outcomes/?q=Bottlenecks")) == [BRIEF]  # body
    assert listed_titles(client.get("/outcomes/?q=digital")) == [BRIEF, LESSONS]
    # Every word is required.
    assert listed_titles(client.get("/outcomes/?q=digital+agency")) == [LESSONS]
    assert listed_titles(client.get("/outcomes/?q=digital+steel")) == []
    # Search syntax and wildcards are words like any other, never an error.
    for odd in ("%25", "_", "'\"", "a%25b", "NOT OR *", "x" * 500, "a%00b"):
        response = client.get(f"/outcomes/?q={odd}")
        assert response.status_code == 200, odd
    assert len(listed_titles(client.get("/outcomes/?q=%25"))) == 3  # no word: no search
    response = client.get("/outcomes/?q=digital&kind=lessons_learnt")
    assert listed_titles(response) == [LESSONS]
    assert 'value="digital"' in text_of(response)


@pytest.mark.parametrize(
    "query, field, message",
    [
        ("group=nowhere", "group", "There is no working group called “nowhere”."),
        ("kind=novel", "kind", "There is no such kind of outcome."),
        ("theme=999999", "theme", "There is no such theme."),
        ("theme=abc", "theme", "There is no such theme."),
        ("theme=-3", "theme", "There is no such theme."),
        ("country=ZZ", "country", "There is no EU country with the code “ZZ”."),
        ("country=Belgium", "country", "There is no EU country with the code “BELGIUM”."),
        ("year=twenty", "year", "Enter a year of four digits, such as 2025."),
        ("year=-2025", "year", "Enter a year of four digits, such as 2025."),
        ("year=99999", "year", "Enter a year of four digits, such as 2025."),
        ("group=a%00b", "group", "There is no working group called “a�b”."),
        ("theme=%00", "theme", "There is no such theme."),
        ("country=B%00E", "country", "There is no EU country with the code “B�E”."),
    ],
)
def test_a_filter_value_that_names_nothing_is_said_next_to_it(app, world, query, field, message):
    response = browser_for(app).client.get(f"/outcomes/?{query}")
    assert response.status_code == 200
    assert error_of(response, field) == message
    assert f'aria-describedby="filter-{field}-error"' in text_of(response)
    assert listed_titles(response) == []
    assert "0 outcomes" in main_of(response)
    assert "a filter names nothing" in main_of(response)


def options_of(response, name: str) -> list[str]:
    """The choices a filter's list offers, with their counts, as the reader reads them."""
    page = text_of(response)
    start = page.index(f'<select id="filter-{name}"')
    block = page[start : page.index("</select>", start)]
    return re.findall(r"<option value=\"[^\"]+\"[^>]*>([^<]+)</option>", block)


@pytest.mark.parametrize(
    "bad, good",
    [
        ("kind=nonsense", "group=industrial-transition"),
        ("group=nowhere", "kind=policy_brief"),
        ("theme=999999", "kind=policy_brief"),
        ("country=ZZ", "kind=policy_brief"),
        ("year=twenty", "country=PT"),
    ],
)
def test_a_value_that_names_nothing_leaves_the_other_filters_their_choices(app, world, bad, good):
    """The bad value is said next to its field and empties the list; the other lists still
    offer their choices, counted with the good filters only."""
    client = browser_for(app).client
    field = bad.split("=")[0]
    others = [name for name in ("group", "kind", "theme", "country", "year") if name != field]
    for asked, expected in ((bad, ""), (f"{bad}&{good}", good)):
        response = client.get(f"/outcomes/?{asked}")
        assert error_of(response, field) and listed_titles(response) == []
        without = client.get(f"/outcomes/?{expected}")
        for name in others:
            assert options_of(response, name) == options_of(without, name), (asked, name)
    offered = options_of(client.get(f"/outcomes/?{bad}"), "group" if field != "group" else "kind")
    assert "Innovation Diffusion (2)" in offered or "Policy brief (1)" in offered


# --- pages -------------------------------------------------------------------------------------


def test_the_library_pages_by_twenty(app, session, world):
    start = datetime(2023, 1, 1, tzinfo=UTC)
    for number in range(22):
        outcome = make_outcome(
            session, world["other"], world["outsider"], published=True, title=f"Note {number:02}"
        )
        published_on(session, outcome, start + timedelta(days=number))
    session.commit()
    client = browser_for(app).client
    first = client.get("/outcomes/")
    assert len(listed_titles(first)) == 20
    assert "25 outcomes" in main_of(first)
    assert "Page 1 of 2" in main_of(first)
    assert 'rel="next" href="/outcomes/?page=2"' in text_of(first)
    second = client.get("/outcomes/?page=2")
    assert listed_titles(second) == ["Note 04", "Note 03", "Note 02", "Note 01", "Note 00"]
    assert 'rel="prev" href="/outcomes/"' in text_of(second)
    # Filters carry over to the page links.
    filtered = client.get("/outcomes/?group=industrial-transition")
    assert 'href="/outcomes/?group=industrial-transition&amp;page=2"' in filtered.get_data(
        as_text=True
    )
    assert len(listed_titles(client.get("/outcomes/?group=industrial-transition&page=2"))) == 4


@pytest.mark.parametrize("page", ["3", "0", "-1", "x", "1.5", "9999999", "99999999999999999999"])
def test_a_page_that_is_no_page_of_the_list_is_not_found(app, world, page):
    response = browser_for(app).client.get(f"/outcomes/?page={page}")
    assert response.status_code == 404
    if page == "3":
        assert "There is no such page of this list." in text_of(response)


def test_an_empty_list_has_its_one_page(app, world):
    client = browser_for(app).client
    assert client.get("/outcomes/?kind=case_study&year=2019&page=1").status_code == 200
    assert client.get("/outcomes/?kind=case_study&year=2019&page=2").status_code == 404


# --- queries and conditional answers ----------------------------------------------------------


def grow(session, world, size: int) -> None:
    """`size` more published outcomes of both groups, with themes and regions, and drafts."""
    for number in range(size):
        outcome = make_outcome(
            session,
            (world["group"], world["other"]),
            world["member"],
            kind=list(OutcomeKind)[number % 4],
            published=True,
            approver=world["coordinator"],
            themes=[world["digital"], world["skills"]],
            region_codes=("BE10", "PT11", "EL30"),
        )
        published_on(session, outcome, datetime(2022 + number % 4, 1 + number % 12, 1, tzinfo=UTC))
        make_outcome(session, world["group"], world["member"])
        make_outcome(session, world["group"], world["member"], status=OutcomeStatus.IN_REVIEW)
    session.commit()


def test_the_library_queries_do_not_grow(app, session, world, count_queries):
    client = browser_for(app).client
    paths = (
        "/outcomes/",
        f"/outcomes/?q=digital&group=innovation-diffusion&kind=lessons_learnt"
        f"&theme={world['digital'].id}&country=BE&year=2025&withdrawn=1",
        "/outcomes/?group=nowhere&country=ZZ&theme=999999",
    )

    def queries() -> list[int]:
        counts = []
        for path in paths:
            with count_queries() as counter:
                response = client.get(path)
            assert response.status_code == 200
            counts.append(counter.count)
        return counts

    grow(session, world, 3)
    small = queries()
    grow(session, world, 30)
    large = queries()
    assert small == large
    # The version, five filters' counts, the number found, the page and its groups; one more
    # per group, theme or country asked for (and no page to read when nothing is found).
    assert small == [9, 12, 10]


def test_the_group_section_queries_do_not_grow(app, session, world, count_queries):
    readers = {
        "anonymous": browser_for(app),
        "member": browser_for(app, world["member"]),
        "coordinator": browser_for(app, world["second"]),
    }

    def queries() -> dict[str, int]:
        counts = {}
        for role, browser in readers.items():
            with count_queries() as counter:
                response = browser.client.get("/groups/innovation-diffusion/outcomes/?q=digital")
            assert response.status_code == 200
            counts[role] = counter.count
        return counts

    grow(session, world, 3)
    small = queries()
    grow(session, world, 30)
    large = queries()
    assert small == large


def test_the_library_answers_304_to_a_reader_who_holds_it(app, world):
    client = browser_for(app).client
    first = client.get("/outcomes/")
    etag = first.headers["ETag"]
    assert client.get("/outcomes/", headers={"If-None-Match": etag}).status_code == 304
    since = first.headers["Last-Modified"]
    again = client.get("/outcomes/", headers={"If-Modified-Since": since})
    assert again.status_code == 304
    assert again.get_data() == b""
    # Another address (filters) is another page.
    assert (
        client.get("/outcomes/?kind=case_study", headers={"If-None-Match": etag}).status_code == 200
    )


def test_the_library_last_modified_is_its_newest_public_change(app, world):
    response = browser_for(app).client.get("/outcomes/")
    # The case study, published on 20 May 2026, is the newest public change.
    assert response.headers["Last-Modified"] == "Wed, 20 May 2026 09:00:00 GMT"


def test_the_etag_changes_after_a_publication_and_a_withdrawal(app, session, world):
    client = browser_for(app).client
    etag = client.get("/outcomes/").headers["ETag"]
    # A draft changes nothing the public reads.
    make_outcome(session, world["group"], world["member"], title="Another draft")
    session.commit()
    assert client.get("/outcomes/", headers={"If-None-Match": etag}).status_code == 304
    newer = make_outcome(
        session, world["group"], world["member"], published=True, title="Fresh lessons"
    )
    session.commit()
    response = client.get("/outcomes/", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert listed_titles(response)[0] == "Fresh lessons"
    etag = response.headers["ETag"]
    modified = response.headers["Last-Modified"]
    # A withdrawal: the list changes, and so do both validators.
    newer.status = OutcomeStatus.WITHDRAWN
    newer.withdraw_reason = "Published by mistake."
    newer.public_changed_at = datetime.now(UTC) + timedelta(seconds=2)
    session.commit()
    response = client.get("/outcomes/", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert "Fresh lessons" not in listed_titles(response)
    assert client.get("/outcomes/", headers={"If-Modified-Since": modified}).status_code == 200


# --- a group's outcomes -------------------------------------------------------------------------


def test_the_group_section_lists_the_group_s_published_outcomes(app, world):
    response = browser_for(app).client.get("/groups/innovation-diffusion/outcomes/")
    assert response.status_code == 200
    assert listed_titles(response) == [BRIEF, LESSONS]
    page = text_of(response)
    main = main_of(response)
    assert "Drafts and reviews" not in main and "Unfinished draft" not in main
    assert "Awaiting your review" not in main and "Write an outcome" not in main
    assert "Follow new outcomes" not in main
    # The group's filter is the section itself.
    assert 'name="group"' not in main
    assert '<link rel="alternate" type="application/atom+xml"' in page
    assert "/groups/innovation-diffusion/outcomes/feed.atom" in page
    assert listed_titles(
        browser_for(app).client.get("/groups/innovation-diffusion/outcomes/?kind=policy_brief")
    ) == [BRIEF]


def test_an_unknown_group_has_no_outcomes_section(app, world):
    response = browser_for(app).client.get("/groups/nowhere/outcomes/")
    assert response.status_code == 404
    assert browser_for(app).client.get("/groups/nowhere/outcomes/?page=x").status_code == 404


def test_a_theme_of_another_group_names_nothing_in_a_group_section(app, world):
    response = browser_for(app).client.get(
        f"/groups/innovation-diffusion/outcomes/?theme={world['skills'].id}"
    )
    assert error_of(response, "theme") == "There is no such theme."
    assert listed_titles(response) == []


def test_members_see_the_drafts_and_reviews_with_their_status(app, world):
    response = browser_for(app, world["member"]).client.get(
        "/groups/innovation-diffusion/outcomes/"
    )
    main = main_of(response)
    working = main[main.index("Drafts and reviews") : main.index("Published outcomes")]
    assert "Unfinished draft about vouchers" in working and "Draft" in working
    assert "Meeting report under review" in working and "In review" in working
    assert "own brief in review" in working
    assert WITHDRAWN not in working and LESSONS not in working
    assert "Write an outcome" in main
    assert "/groups/innovation-diffusion/outcomes/new" in main
    assert 'action="/groups/innovation-diffusion/outcomes/follow"' in main
    assert "Awaiting your review" not in main
    # Members of another group see none of them.
    other = browser_for(app, world["outsider"]).client.get("/groups/innovation-diffusion/outcomes/")
    assert "Drafts and reviews" not in main_of(other)


def test_coordinators_see_what_awaits_their_review_but_not_their_own(app, world):
    main = main_of(
        browser_for(app, world["coordinator"]).client.get("/groups/innovation-diffusion/outcomes/")
    )
    awaiting = main[main.index("Awaiting your review") : main.index("Drafts and reviews")]
    assert "Meeting report under review" in awaiting
    assert "own brief in review" not in awaiting
    assert "Unfinished draft" not in awaiting
    other = main_of(
        browser_for(app, world["second"]).client.get("/groups/innovation-diffusion/outcomes/")
    )
    awaiting = other[other.index("Awaiting your review") : other.index("Drafts and reviews")]
    assert "Meeting report under review" in awaiting and "own brief in review" in awaiting


def test_the_group_section_answers_304_and_changes_with_a_draft_for_members(app, session, world):
    anonymous = browser_for(app).client
    member = browser_for(app, world["member"]).client
    path = "/groups/innovation-diffusion/outcomes/"
    member.get("/")  # the welcome message after logging in is shown once, and never cached
    tags = {
        "anonymous": anonymous.get(path).headers["ETag"],
        "member": member.get(path).headers["ETag"],
    }
    assert anonymous.get(path, headers={"If-None-Match": tags["anonymous"]}).status_code == 304
    assert member.get(path, headers={"If-None-Match": tags["member"]}).status_code == 304
    assert "private" in member.get(path).headers["Cache-Control"]
    assert "public" in anonymous.get(path).headers["Cache-Control"]
    make_outcome(session, world["group"], world["member"], title="A brand new draft")
    session.commit()
    # The public's page did not change; the members' did.
    assert anonymous.get(path, headers={"If-None-Match": tags["anonymous"]}).status_code == 304
    response = member.get(path, headers={"If-None-Match": tags["member"]})
    assert response.status_code == 200
    assert "A brand new draft" in main_of(response)


# --- home and group pages --------------------------------------------------------------------


def test_the_home_page_shows_the_three_newest_outcomes(app, session, world):
    newest = make_outcome(
        session, world["other"], world["outsider"], published=True, title="Newest of all"
    )
    assert newest.first_published_at is not None
    session.commit()
    main = main_of(browser_for(app).client.get("/"))
    section = main[main.index("Latest outcomes") :]
    assert "Newest of all" in section and CASE in section and BRIEF in section
    assert LESSONS not in section and "Unfinished draft" not in section
    assert 'href="/outcomes/"' in section


def test_the_group_page_links_to_its_outcomes(app, world):
    main = main_of(browser_for(app).client.get("/groups/innovation-diffusion/"))
    section = main[main.index('id="group-outcomes-title"') :]
    assert BRIEF in section and LESSONS in section
    assert CASE not in section and "Unfinished draft" not in section and WITHDRAWN not in section
    assert 'href="/groups/innovation-diffusion/outcomes/"' in section


def test_a_member_who_follows_new_outcomes_is_told_so(app, session, world):
    member = browser_for(app, world["member"]).client
    path = "/groups/innovation-diffusion/outcomes/"
    member.get("/")
    etag = member.get(path).headers["ETag"]
    follows.follow(session, world["member"], follows.GROUP_OUTCOMES, world["group"].id)
    session.commit()
    response = member.get(path, headers={"If-None-Match": etag})
    assert response.status_code == 200
    main = main_of(response)
    assert 'action="/groups/innovation-diffusion/outcomes/unfollow"' in main
    assert "Stop following new outcomes" in main
