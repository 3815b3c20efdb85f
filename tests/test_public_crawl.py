"""Everything the public can reach leaks nothing: an anonymous crawl of the site over the demo
and a small scaled demo, from the home page.

The crawl starts from the home page and robots.txt and follows, breadth first and with GET
only, every same-site link it finds: `<a href>`, `<link href>` (feeds, alternates), the links
inside Atom feeds, the sitemap robots.txt names and the URLs of sitemap.xml. It
de-duplicates by path and query. Paginated and filtered lists can offer many addresses: at most
MAX_PER_ROUTE distinct URLs are fetched per route (endpoint), so that it stays fast (about a
minute on SQLite); static files are fetched (they must answer) but not read for links. It fails
on any 5xx; on any email address of a member who did not consent to be listed; on any title or
address of a draft or in-review outcome, the title of a members-only solution, an unpublished
good practice or a draft meeting, any meeting's online link, any members-only material's
address, or any personal calendar token, anywhere in a page; and on a file of a draft or
withdrawn outcome that answers anonymously.
"""

from __future__ import annotations

import html
import io
import re
from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from sqlalchemy import select
from werkzeug.exceptions import MethodNotAllowed, NotFound

from cop.calendar.models import CalendarFeedToken
from cop.calendar.services import reset_feed_token
from cop.challenges.models import GoodPractice, PracticeStatus
from cop.demo_scale import ScalePlan, load_scaled_demo
from cop.meetings.content import Upload, store_upload
from cop.meetings.models import Material, Meeting, MeetingStatus, Visibility
from cop.meetings.storage import MaterialStore
from cop.members.models import User
from cop.outcomes.access import is_public
from cop.outcomes.models import Outcome, OutcomeFile, OutcomeStatus
from cop.solutions.models import Solution

# Small: the crawl reads every kind of page, not every page.
PLAN = ScalePlan(
    members=40,
    groups=2,
    meetings_per_group=8,
    member_groups=1,
    challenges=30,
    practices=30,
    activities=8,
    solutions=16,
    outcomes=20,
)
MAX_PER_ROUTE = 30
SAME_SITE = {"", "localhost", "cop.test"}  # the test client's host, and BASE_URL's
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
# Pages the crawl must reach (the public face of outcomes, regions, feeds and open data).
MUST_REACH = {
    "site.outcomes",
    "outcomes.outcome",
    "site.region",
    "site.region_dossier",
    "site.outcomes_feed",
    "site.open_data",
    "site.open_data_file",
    "site.sitemap",
}


class _Links(HTMLParser):
    """The addresses of a page's `<a href>` and `<link href>` (not forms: GET only)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag in ("a", "link"):
            href = dict(attrs).get("href")
            if href:
                self.found.append(href)


def links_of(body: str, content_type: str) -> list[str]:
    if "html" in content_type:
        parser = _Links()
        parser.feed(body)
        return parser.found
    if "xml" in content_type:  # sitemap.xml, Atom feeds
        found = re.findall(r"<loc>\s*([^<\s]+)\s*</loc>", body)
        found += re.findall(r"<link[^>]*\shref=\"([^\"]+)\"", body)
        return [html.unescape(link) for link in found]
    if "text/plain" in content_type:  # robots.txt
        return re.findall(r"(?im)^\s*sitemap:\s*(\S+)", body)
    return []


def _attach(app, session, outcome: Outcome, name: str, published: bool = False) -> OutcomeFile:
    """A file attached to the outcome, as its editors would have (kept in the test's store);
    with `published`, published by an approval since."""
    stored = store_upload(
        Upload(filename=name, stream=io.BytesIO(PDF)), MaterialStore.for_app(app), 10**6
    )
    attached = OutcomeFile(
        outcome_id=outcome.id,
        title=name,
        filename=stored.filename,
        content_type=stored.content_type,
        size=stored.size,
        storage_key=stored.storage_key,
        added_by_id=outcome.created_by_id,
        published_at=outcome.public_changed_at if published else None,
    )
    session.add(attached)
    session.flush()
    return attached


def secrets(session) -> dict[str, set[str]]:
    """What no public page may show, by kind. Titles that a public record shares (the scaled
    demo repeats wordings) are left out: finding them proves nothing."""
    shown = set(
        session.scalars(select(Outcome.title).where(is_public()))
    )  # published outcomes keep their title
    shown |= set(session.scalars(select(Solution.title).where(Solution.public.is_(True))))
    shown |= set(
        session.scalars(
            select(GoodPractice.title).where(
                GoodPractice.status.in_((PracticeStatus.PUBLISHED, PracticeStatus.WITHDRAWN))
            )
        )
    )
    shown |= set(
        session.scalars(select(Meeting.title).where(Meeting.status != MeetingStatus.DRAFT))
    )

    def hidden(titles) -> set[str]:
        return {t for t in titles if t and not any(t in public for public in shown)}

    unpublished = (PracticeStatus.DRAFT, PracticeStatus.SUBMITTED, PracticeStatus.RETURNED)
    working = (OutcomeStatus.DRAFT, OutcomeStatus.IN_REVIEW)
    never_public = Outcome.current_version_id.is_(None)
    return {
        "draft or in-review outcome": hidden(
            session.scalars(select(Outcome.title).where(never_public, Outcome.status.in_(working)))
        ),
        "members-only solution": hidden(
            session.scalars(select(Solution.title).where(Solution.public.is_(False)))
        ),
        "unpublished practice": hidden(
            session.scalars(select(GoodPractice.title).where(GoodPractice.status.in_(unpublished)))
        ),
        "draft meeting": hidden(
            session.scalars(select(Meeting.title).where(Meeting.status == MeetingStatus.DRAFT))
        ),
        "online meeting link": set(
            session.scalars(select(Meeting.online_url).where(Meeting.online_url != ""))
        ),
        "members-only material": set(
            session.scalars(
                select(Material.url).where(
                    Material.visibility != Visibility.PUBLIC, Material.url != ""
                )
            )
        ),
        "calendar token": set(session.scalars(select(CalendarFeedToken.token))),
    }


def test_an_anonymous_crawl_from_the_home_page_leaks_nothing(app, runner, session, tmp_path):
    app.config["MATERIALS_FOLDER"] = str(tmp_path / "materials")
    assert runner.invoke(args=["cop", "demo"]).exit_code == 0
    load_scaled_demo(session, PLAN)
    # Personal calendar addresses, and files on outcomes public or not.
    with app.test_request_context():
        for person in session.scalars(
            select(User).where(User.email.like("%@example.org")).limit(5)
        ):
            reset_feed_token(session, person)
    outcomes = list(session.scalars(select(Outcome).order_by(Outcome.id)))
    listed = next(o for o in outcomes if o.status is OutcomeStatus.PUBLISHED)
    hidden_files = [
        _attach(app, session, outcome, f"outcome-{outcome.id}.pdf")
        for outcome in outcomes
        if outcome.status is not OutcomeStatus.PUBLISHED
    ]
    # A listed outcome's file waiting for the next approval is not served either.
    hidden_files.append(_attach(app, session, listed, "pending.pdf"))
    public_file = _attach(app, session, listed, "published.pdf", published=True)
    session.commit()

    unconsenting = set(session.scalars(select(User.email).where(User.listed.is_(False))))
    assert len(unconsenting) > 10  # the demo's and the scaled demo's people who said no
    never = secrets(session)
    for kind in ("draft or in-review outcome", "online meeting link", "calendar token"):
        assert never[kind], kind
    hidden_ids = set(
        session.scalars(select(Outcome.id).where(Outcome.current_version_id.is_(None)))
    )
    not_served = {(f.outcome_id, f.id) for f in hidden_files}

    adapter = app.url_map.bind("localhost")
    client = app.test_client()
    # From the home page, and from robots.txt, where crawlers find the sitemap.
    queue, seen = deque(["/", "/robots.txt"]), {"/", "/robots.txt"}
    per_route: Counter[str] = Counter()
    reached: set[str] = set()
    problems: list[str] = []
    while queue:
        url = queue.popleft()
        parts = urlsplit(url)
        try:
            endpoint, _ = adapter.match(parts.path, method="GET")
        except (NotFound, MethodNotAllowed):
            endpoint = "(no route)"
        per_route[endpoint] += 1
        if per_route[endpoint] > MAX_PER_ROUTE:
            continue
        response = client.get(url)
        status = response.status_code
        if status == 200:
            reached.add(endpoint)
        if status >= 500:
            problems.append(f"{url}: {status}")
            continue
        if endpoint == "static":
            continue
        match = re.match(r"/outcomes/(\d+)/files/(\d+)", parts.path)
        if match and status == 200 and (int(match[1]), int(match[2])) in not_served:
            problems.append(f"{url}: the file of an unlisted outcome answered")
        content_type = response.content_type or ""
        if not any(kind in content_type for kind in ("html", "xml", "json", "csv", "text")):
            continue
        body = response.get_data(as_text=True)
        text = html.unescape(body)
        for address in set(EMAIL.findall(text)) & unconsenting:
            problems.append(f"{url}: the email of {address}, who did not consent to be listed")
        for kind, values in never.items():
            for value in values:
                if value in text:
                    problems.append(f"{url}: {kind} {value!r}")
        for outcome_id in hidden_ids:
            if re.search(rf"/outcomes/{outcome_id}(?:[\"/?#<]|$)", text):
                problems.append(f"{url}: a link to the unpublished outcome {outcome_id}")
        if status != 200:
            continue
        for link in links_of(body, content_type):
            target = urlsplit(urljoin(url, link))
            if target.scheme not in ("", "http", "https") or target.netloc not in SAME_SITE:
                continue
            address = target.path + (f"?{target.query}" if target.query else "")
            if address not in seen:
                seen.add(address)
                queue.append(address)

    assert not problems, "\n".join(problems[:40])
    fetched = sum(min(count, MAX_PER_ROUTE) for count in per_route.values())
    print(f"crawled {fetched} addresses of {len(per_route)} routes:", dict(per_route))
    assert fetched > 200
    assert reached >= MUST_REACH, sorted(MUST_REACH - reached)
    assert per_route["static"] >= 1
    # Files: those of unlisted outcomes answer nobody anonymous; a listed one's does.
    for outcome_id, file_id in sorted(not_served):
        response = client.get(f"/outcomes/{outcome_id}/files/{file_id}")
        assert response.status_code == 404, (outcome_id, file_id)
    response = client.get(f"/outcomes/{listed.id}/files/{public_file.id}")
    assert response.status_code == 200 and response.data == PDF
