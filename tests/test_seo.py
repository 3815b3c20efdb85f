"""What the public site tells search engines and sharing sites: schema.org JSON-LD on meeting
and group pages, Open Graph tags on every page, the feed link, sitemap.xml and robots.txt."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest

from cop.challenges.models import ChallengeStatus, PracticeStatus
from cop.meetings.models import MeetingFormat, MeetingStatus
from tests.factories import (
    make_challenge,
    make_group,
    make_meeting,
    make_outcome,
    make_practice,
    make_solution,
    make_user,
)

JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ONLINE_LINK = "https://meet.example.org/secret-room-4711"


def json_ld(html: str) -> list[dict]:
    return [json.loads(block) for block in JSON_LD.findall(html)]


@pytest.fixture
def group(session):
    group = make_group(
        session,
        name="Innovation Diffusion",
        slug="innovation-diffusion",
        summary="How innovation spreads to SMEs.",
    )
    session.commit()
    return group


def meeting_page(client, meeting) -> tuple[str, dict]:
    response = client.get(f"/meetings/{meeting.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    [event] = [data for data in json_ld(html) if data["@type"] == "Event"]
    return html, event


def test_a_meeting_page_describes_its_event_without_the_online_link(client, session, group):
    meeting = make_meeting(
        session,
        group,
        title="Third plenary meeting",
        starts_at=datetime(2026, 6, 10, 7, 30, tzinfo=UTC),
        hours=8,
        online_url=ONLINE_LINK,
    )
    session.commit()

    html, event = meeting_page(client, meeting)

    assert event["@context"] == "https://schema.org"
    assert event["name"] == "Third plenary meeting"
    assert event["url"] == f"http://cop.test/meetings/{meeting.id}"
    assert event["startDate"] == "2026-06-10T09:30:00+02:00"  # Brussels time, with its offset
    assert event["endDate"] == "2026-06-10T17:30:00+02:00"
    assert event["eventStatus"] == "https://schema.org/EventScheduled"
    assert event["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    place, virtual = event["location"]
    assert place == {
        "@type": "Place",
        "name": "Committee of the Regions",
        "address": "Rue Belliard 99-101, 1040 Brussels",
    }
    assert virtual == {"@type": "VirtualLocation", "url": event["url"]}
    assert event["organizer"] == {
        "@type": "Organization",
        "name": "Innovation Diffusion",
        "url": "http://cop.test/groups/innovation-diffusion/",
    }
    assert ONLINE_LINK not in html
    assert 'property="og:title" content="Third plenary meeting"' in html
    assert html.count('property="og:title"') == 1


@pytest.mark.parametrize(
    ("values", "status", "mode"),
    [
        (
            {"status": MeetingStatus.CANCELLED, "cancel_reason": "Strike."},
            "EventCancelled",
            "MixedEventAttendanceMode",
        ),
        (
            {"postponed_from": datetime(2026, 5, 1, 7, 30, tzinfo=UTC)},
            "EventRescheduled",
            "MixedEventAttendanceMode",
        ),
        (
            {"format": MeetingFormat.ONLINE, "venue": "", "address": ""},
            "EventScheduled",
            "OnlineEventAttendanceMode",
        ),
        (
            {"format": MeetingFormat.IN_PERSON, "online_url": ""},
            "EventScheduled",
            "OfflineEventAttendanceMode",
        ),
    ],
)
def test_an_event_says_its_status_and_attendance_mode(client, session, group, values, status, mode):
    meeting = make_meeting(session, group, **values)
    session.commit()

    _html, event = meeting_page(client, meeting)

    assert event["eventStatus"] == f"https://schema.org/{status}"
    assert event["eventAttendanceMode"] == f"https://schema.org/{mode}"
    if status == "EventRescheduled":
        assert event["previousStartDate"] == "2026-05-01T09:30:00+02:00"
    if mode == "OnlineEventAttendanceMode":
        assert event["location"] == {"@type": "VirtualLocation", "url": event["url"]}
    if mode == "OfflineEventAttendanceMode":
        assert event["location"]["@type"] == "Place"


def test_a_group_page_describes_the_group_as_an_organisation(client, group):
    html = client.get("/groups/innovation-diffusion/").get_data(as_text=True)
    [organisation] = [data for data in json_ld(html) if data["@type"] == "Organization"]

    assert organisation["name"] == "Innovation Diffusion"
    assert organisation["url"] == "http://cop.test/groups/innovation-diffusion/"
    assert organisation["description"] == "How innovation spreads to SMEs."
    assert organisation["foundingDate"] == "2023-06-01"
    assert organisation["parentOrganization"]["name"] == "S3 Community of Practice"
    assert 'href="/groups/innovation-diffusion/outcomes/feed.atom"' in html
    assert html.count('property="og:title"') == 1


@pytest.mark.parametrize("path", ["/", "/privacy", "/open-data/", "/account/login"])
def test_every_page_has_open_graph_tags_and_the_feed_link(client, path):
    html = client.get(path).get_data(as_text=True)

    assert html.count('property="og:title"') == 1
    assert 'property="og:site_name" content="S3 Community of Practice"' in html
    assert f'property="og:url" content="http://cop.test{path}"' in html
    assert '<link rel="alternate" type="application/atom+xml" href="/outcomes/feed.atom"' in html


@pytest.fixture
def world(session, group):
    author = make_user(session)
    accepted = make_challenge(session, group, status=ChallengeStatus.ACCEPTED)
    proposed = make_challenge(session, group, title="Proposed challenge")
    world = dict(
        outcome=make_outcome(session, group, author, published=True),
        draft_outcome=make_outcome(session, group, author),
        accepted=accepted,
        proposed=proposed,
        practice=make_practice(session, group),
        draft_practice=make_practice(session, group, status=PracticeStatus.DRAFT),
        solution=make_solution(session, group, author, public=True),
        private_solution=make_solution(session, group, author),
        meeting=make_meeting(session, group),
        draft_meeting=make_meeting(session, group, status=MeetingStatus.DRAFT),
    )
    session.commit()
    return world


def sitemap(client) -> dict[str, str | None]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.content_type == "application/xml; charset=utf-8"
    root = ElementTree.fromstring(response.data)  # noqa: S314  (our own answer)
    assert root.tag == f"{SITEMAP}urlset"
    found = {}
    for url in root.iter(f"{SITEMAP}url"):
        lastmod = url.find(f"{SITEMAP}lastmod")
        found[url.find(f"{SITEMAP}loc").text] = lastmod.text if lastmod is not None else None
    return found


def test_the_sitemap_lists_public_pages_only(client, world):
    urls = sitemap(client)
    base = "http://cop.test"

    for path in ("/", "/outcomes/", "/regions/", "/regions/BE10", "/groups/innovation-diffusion/"):
        assert base + path in urls, path
    assert urls[f"{base}/outcomes/{world['outcome'].id}"].endswith("Z")  # with its lastmod
    assert f"{base}/outcomes/{world['draft_outcome'].id}" not in urls
    assert f"{base}/challenges/{world['accepted'].id}" in urls
    assert f"{base}/challenges/{world['proposed'].id}" not in urls
    assert f"{base}/practices/{world['practice'].id}" in urls
    assert f"{base}/practices/{world['draft_practice'].id}" not in urls
    assert f"{base}/solutions/{world['solution'].id}" in urls
    assert f"{base}/solutions/{world['private_solution'].id}" not in urls
    assert f"{base}/meetings/{world['meeting'].id}" in urls
    assert f"{base}/meetings/{world['draft_meeting'].id}" not in urls


def test_the_sitemap_reads_in_a_fixed_number_of_queries_and_answers_304(
    client, session, group, count_queries
):
    author = make_user(session)

    def measure() -> int:
        with count_queries() as counter:
            sitemap(client)
        return counter.count

    make_outcome(session, group, author, published=True)
    make_meeting(session, group)
    session.commit()
    few = measure()
    for _number in range(10):
        make_outcome(session, group, author, published=True)
        make_meeting(session, group)
        make_solution(session, group, author, public=True)
    session.commit()
    assert measure() == few

    tag = client.get("/sitemap.xml").headers["ETag"]
    assert client.get("/sitemap.xml", headers={"If-None-Match": tag}).status_code == 304


def test_robots_allow_the_public_site_and_point_to_the_sitemap(client):
    response = client.get("/robots.txt")
    text = response.get_data(as_text=True)
    lines = text.splitlines()

    assert response.status_code == 200
    assert response.content_type == "text/plain; charset=utf-8"
    assert lines[:2] == ["User-agent: *", "Allow: /"]
    for path in (
        "/account/",
        "/admin/",
        "/calendar/u/",
        "/solutions/*/edit$",
        "/groups/*/outcomes/new$",
    ):
        assert f"Disallow: {path}" in lines, path
    assert "Disallow: /" not in lines
    assert not any(line in ("Disallow: /outcomes/", "Disallow: /regions/") for line in lines)
    assert "Sitemap: http://cop.test/sitemap.xml" in lines
    tag = response.headers["ETag"]
    assert client.get("/robots.txt", headers={"If-None-Match": tag}).status_code == 304


def robots_rules(text: str) -> list[tuple[bool, re.Pattern]]:
    """robots.txt's Allow and Disallow lines as RFC 9309 reads them: each matches the paths it
    begins, `*` any characters, a final `$` the end of the path."""
    rules = []
    for line in text.splitlines():
        field, _colon, value = line.partition(":")
        if field in ("Allow", "Disallow") and value.strip():
            value = value.strip()
            pattern = ".*".join(re.escape(part) for part in value.rstrip("$").split("*"))
            rules.append(
                (field == "Allow", re.compile(pattern + ("$" if value.endswith("$") else "")))
            )
    return rules


def crawlable(rules, path: str) -> bool:
    """Whether a crawler may read `path`: the longest matching rule decides, Allow on a tie."""
    found = [(len(rule.pattern), allow) for allow, rule in rules if rule.match(path)]
    return max(found, default=(0, True))[1]


def sample_path(rule: str) -> str:
    """A path the route answers: its variables filled in."""
    return re.sub(
        r"<(?:int:)?([^>]+)>", lambda match: "7" if "int:" in match.group(0) else "be10", rule
    )


def test_robots_block_forms_but_never_a_public_page_or_file(app, client):
    rules = robots_rules(client.get("/robots.txt").get_data(as_text=True))
    # The upload form of an outcome's files is blocked, its public downloads are not.
    assert not crawlable(rules, "/outcomes/7/files")
    assert crawlable(rules, "/outcomes/7/files/1")
    assert crawlable(rules, "/outcomes/7") and crawlable(rules, "/outcomes/7/versions/2")
    assert not crawlable(rules, "/solutions/7/edit") and not crawlable(rules, "/account/profile")
    # Every page that takes no form, outside the private parts, may be crawled: no form's
    # rule blocks another address that begins like it.
    private = ("/account/", "/admin/", "/language/", "/calendar/u/", "/invitations/")
    private += ("/unsubscribe/", "/meetings/confirm/", "/meetings/cancel/")
    pages = [
        sample_path(rule.rule)
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and "POST" not in rule.methods
    ]
    assert "/outcomes/7/files/7" in pages and "/regions/be10/dossier" in pages
    blocked = [
        path for path in pages if not path.startswith(private) and not crawlable(rules, path)
    ]
    assert blocked == []


def test_the_addresses_pages_give_out_never_come_from_the_request_host(client, session):
    """Canonical, Open Graph and feed addresses are on the site's own base URL: a request
    with a forged Host header (or a proxy's X-Forwarded-Host) cannot put another site's
    address into a page that caches keep."""
    group = make_group(session)
    author = make_user(session)
    outcome = make_outcome(session, group, author, published=True)
    session.commit()
    for path in (
        "/",
        "/outcomes/",
        f"/outcomes/{outcome.id}",
        f"/groups/{group.slug}/",
        "/regions/BE10",
        "/open-data/",
        "/outcomes/feed.atom",
    ):
        response = client.get(path, headers={"Host": "evil.example"})
        assert response.status_code == 200, path
        assert "evil.example" not in response.get_data(as_text=True), path
