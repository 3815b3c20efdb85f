"""The Atom feeds of outcomes: valid Atom (as feed readers parse it), public outcomes only, the
published text never the working copy, withdrawn ones marked, conditional answers."""

from __future__ import annotations

from datetime import timedelta

import feedparser
import pytest

from cop.db import utcnow
from cop.outcomes.models import OutcomeKind, OutcomeStatus
from tests.factories import make_group, make_meeting, make_outcome, make_user


@pytest.fixture
def world(session):
    group = make_group(session, name="Innovation Diffusion", slug="innovation-diffusion")
    other = make_group(session, name="Industrial Transition", slug="industrial-transition")
    author = make_user(session, name="Ana Author", email="ana.author@example.org", listed=True)
    approver = make_user(session, name="Cora Coordinator")
    now = utcnow()
    published = make_outcome(
        session,
        group,
        author,
        published=True,
        approver=approver,
        title="Lessons learnt on SMEs' first digital projects",
        summary="Start small.",
        body="## Lessons\n\nStart small, with **vouchers**.\n\n<script>alert(1)</script>",
    )
    published.public_changed_at = now - timedelta(days=2)
    published.first_published_at = now - timedelta(days=3)
    spanning = make_outcome(
        session,
        (group, other),
        author,
        kind=OutcomeKind.POLICY_BRIEF,
        published=True,
        approver=approver,
        title="How to enhance the fulfilment of the S3 enabling condition",
    )
    spanning.public_changed_at = now - timedelta(days=1)
    revised = make_outcome(
        session, group, author, published=True, approver=approver, title="Version one title"
    )
    # A revision in review: the working copy changed, the public still reads version 1.
    revised.title = "Working copy title in review"
    revised.body = "Unreviewed working copy text"
    revised.status = OutcomeStatus.IN_REVIEW
    withdrawn = make_outcome(
        session,
        group,
        author,
        published=True,
        approver=approver,
        title="A brief that was withdrawn",
        status=OutcomeStatus.WITHDRAWN,
        withdraw_reason="Its figures were wrong.",
        withdrawn_at=now,
    )
    draft = make_outcome(session, group, author, title="Secret draft outcome")
    elsewhere = make_outcome(
        session, other, author, published=True, approver=approver, title="Only of the other group"
    )
    session.commit()
    return dict(
        group=group,
        other=other,
        published=published,
        spanning=spanning,
        revised=revised,
        withdrawn=withdrawn,
        draft=draft,
        elsewhere=elsewhere,
    )


def parse(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def by_title(feed) -> dict:
    return {entry.title: entry for entry in feed.entries}


def test_the_feed_of_all_groups_is_valid_atom_with_its_fields(client, world):
    feed = parse(client.get("/outcomes/feed.atom"))

    assert feed.feed.id == "http://cop.test/outcomes/feed.atom"
    assert feed.feed.title == "Outcomes of the S3 Community of Practice"
    assert feed.feed.subtitle
    assert feed.feed.updated_parsed is not None
    links = {link.rel: link.href for link in feed.feed.links}
    assert links == {
        "self": "http://cop.test/outcomes/feed.atom",
        "alternate": "http://cop.test/outcomes/",
    }
    assert feed.feed.author == "S3 Community of Practice"
    assert feed.feed.generator == "cop"

    entry = by_title(feed)["Lessons learnt on SMEs' first digital projects"]
    outcome = world["published"]
    assert entry.id == f"http://cop.test/outcomes/{outcome.id}"
    assert entry.link == f"http://cop.test/outcomes/{outcome.id}"
    assert entry.published_parsed[:3] == outcome.first_published_at.timetuple()[:3]
    assert entry.updated_parsed[:3] == outcome.public_changed_at.timetuple()[:3]
    assert entry.summary == "Start small."
    assert entry.author == "Ana Author"
    content = entry.content[0]
    assert content.type == "text/html"
    assert "<strong>vouchers</strong>" in content.value
    assert "<script>" not in content.value  # the Markdown is rendered sanitised
    assert {tag.term for tag in entry.tags} == {"lessons_learnt", "innovation-diffusion"}
    assert entry.rights == "Creative Commons Attribution 4.0"
    assert any(
        link.rel == "license" and link.href == "https://creativecommons.org/licenses/by/4.0/"
        for link in entry.links
    )


def test_the_feed_lists_public_outcomes_newest_change_first(client, world):
    feed = parse(client.get("/outcomes/feed.atom"))
    titles = [entry.title for entry in feed.entries]

    assert "Secret draft outcome" not in titles
    assert titles.index(
        "How to enhance the fulfilment of the S3 enabling condition"
    ) < titles.index("Lessons learnt on SMEs' first digital projects")
    spanning = by_title(feed)["How to enhance the fulfilment of the S3 enabling condition"]
    assert {tag.term for tag in spanning.tags} == {
        "policy_brief",
        "innovation-diffusion",
        "industrial-transition",
    }
    assert "Only of the other group" in titles


def test_a_revision_in_review_does_not_reach_the_feed(client, world):
    body = client.get("/outcomes/feed.atom").get_data(as_text=True)
    feed = feedparser.parse(body)

    assert "Version one title" in [entry.title for entry in feed.entries]
    assert "Working copy title in review" not in body
    assert "Unreviewed working copy text" not in body
    assert "Secret draft outcome" not in body


def test_a_withdrawn_outcome_is_marked_with_its_reason(client, world):
    feed = parse(client.get("/outcomes/feed.atom"))
    entry = by_title(feed)["Withdrawn: A brief that was withdrawn"]

    assert entry.id == f"http://cop.test/outcomes/{world['withdrawn'].id}"
    assert entry.summary.startswith("Withdrawn: Its figures were wrong.")


def test_a_group_feed_lists_its_outcomes_only(client, world):
    feed = parse(client.get("/groups/innovation-diffusion/outcomes/feed.atom"))

    assert feed.feed.id == "http://cop.test/groups/innovation-diffusion/outcomes/feed.atom"
    assert feed.feed.title == "Outcomes of Innovation Diffusion"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links["alternate"] == "http://cop.test/groups/innovation-diffusion/outcomes/"
    titles = {entry.title for entry in feed.entries}
    assert "How to enhance the fulfilment of the S3 enabling condition" in titles
    assert "Only of the other group" not in titles
    assert "Secret draft outcome" not in titles


def test_an_unknown_group_has_no_feed(client, world):
    response = client.get("/groups/nowhere/outcomes/feed.atom")

    assert response.status_code == 404
    assert "text/html" in response.content_type


def test_a_feed_answers_304_until_an_outcome_changes(client, session, world):
    first = client.get("/outcomes/feed.atom")
    tag = first.headers["ETag"]
    assert first.headers["Last-Modified"]

    again = client.get("/outcomes/feed.atom", headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.data == b""
    since = client.get(
        "/outcomes/feed.atom", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert since.status_code == 304

    make_outcome(session, world["group"], make_user(session), published=True, title="A new brief")
    session.commit()
    changed = client.get("/outcomes/feed.atom", headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != tag
    assert "A new brief" in [entry.title for entry in parse(changed).entries]


def test_the_feed_keeps_the_fifty_latest_in_a_fixed_number_of_queries(
    client, session, count_queries
):
    group = make_group(session)
    author = make_user(session)
    meeting = make_meeting(session, group)

    def measure() -> tuple[int, int]:
        with count_queries() as counter:
            feed = parse(client.get(f"/groups/{group.slug}/outcomes/feed.atom"))
        return counter.count, len(feed.entries)

    for _number in range(3):
        make_outcome(session, group, author, published=True, meetings=[meeting])
    session.commit()
    few, entries = measure()
    assert entries == 3
    for _number in range(50):
        make_outcome(session, group, author, published=True)
    session.commit()
    many, entries = measure()
    assert entries == 50
    assert many == few


def test_the_feed_writes_the_atom_namespace_as_its_default(client, world):
    """Feed readers that do not read namespaces properly still find <feed> and <entry>: the
    feed declares Atom as its default namespace, whatever the sitemap declared before."""
    client.get("/sitemap.xml")
    body = client.get("/outcomes/feed.atom").get_data(as_text=True)
    assert '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">' in body
    assert "<entry>" in body and "ns0:" not in body
    sitemap = client.get("/sitemap.xml").get_data(as_text=True)
    assert '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' in sitemap
