"""Challenges and good practices end to end, through HTTP only: a challenge raised at a meeting,
endorsed from two other regions, accepted and ranked; a practice from yet another region
submitted, returned, corrected, published and shown on the challenge's page. Then the demo as
an anonymous visitor sees it, by following every link from the home page."""

from __future__ import annotations

import html
import re
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from cop import clock
from cop.challenges.models import (
    Challenge,
    ChallengeStatus,
    GoodPractice,
    PracticeStatus,
)
from cop.mail.models import OutboxMessage
from cop.meetings.models import Material, Meeting, MeetingStatus, Visibility
from cop.members.models import Helix, OrganisationKind, Role
from tests.conftest import Browser
from tests.factories import (
    make_group,
    make_meeting,
    make_membership,
    make_organisation,
    make_theme,
    make_user,
)

# --- Reading pages and their forms as a person would ---------------------------------------------


class _FormReader(HTMLParser):
    """The fields of the form whose action is `action`, with what a browser would send for
    them untouched: hidden and text inputs' values, checked boxes, selected options, textareas."""

    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action = action
        self.found = False
        self.inside = False
        self.fields: dict[str, list[str]] = {}
        self.names: set[str] = set()
        self._select: str | None = None
        self._select_multiple = False
        self._select_first: str | None = None
        self._select_chose = False
        self._textarea: str | None = None
        self._text: list[str] = []

    def _add(self, name: str, value: str) -> None:
        self.fields.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("action") == self.action and not self.found:
            self.found = self.inside = True
            return
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            self.names.add(name)
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._add(name, attrs.get("value") or "on")
            elif kind not in ("submit", "button", "file"):
                self._add(name, attrs.get("value") or "")
        elif tag == "select" and name:
            self.names.add(name)
            self._select, self._select_multiple = name, "multiple" in attrs
            self._select_first, self._select_chose = None, False
        elif tag == "option" and self._select:
            value = attrs.get("value") or ""
            if self._select_first is None:
                self._select_first = value
            if "selected" in attrs:
                self._add(self._select, value)
                self._select_chose = True
        elif tag == "textarea" and name:
            self.names.add(name)
            self._textarea, self._text = name, []

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select" and self._select:
            if (
                not self._select_chose
                and not self._select_multiple
                and self._select_first is not None
            ):
                self._add(self._select, self._select_first)
            self._select = None
        elif tag == "textarea" and self._textarea:
            self._add(self._textarea, "".join(self._text).removeprefix("\n"))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)


def form_on(page_html: str, action: str) -> tuple[dict[str, list[str]], set[str]]:
    """What the form posting to `action` would send as it is, and the names of its fields."""
    reader = _FormReader(action)
    reader.feed(page_html)
    assert reader.found, f"no form posting to {action} on the page"
    assert "csrf_token" in reader.fields, f"the form posting to {action} has no CSRF token"
    return reader.fields, reader.names


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


class Person:
    """One person at their own browser: their cookies, their pages, their forms."""

    def __init__(self, app, user) -> None:
        self.client = app.test_client()
        self.user = user
        Browser(self.client).login(user)

    def get(self, url: str, status: int = 200) -> str:
        response = self.client.get(url)
        assert response.status_code == status, (url, response.status_code)
        return response.get_data(as_text=True)

    def fill_in(self, page: str, action: str, **values) -> str:
        """Open `page`, fill its form posting to `action` with `values` (each a field of the
        form), send it and follow the redirect: the text of the page reached (200 expected)."""
        fields, names = form_on(self.get(page), action)
        for name, value in values.items():
            assert name in names, f"the form posting to {action} has no field {name}"
            fields[name] = value if isinstance(value, list) else [value]
        response = self.client.post(action, data=fields, follow_redirects=True)
        body = text_of(response)
        assert response.status_code == 200, (action, response.status_code, body[:3000])
        return body

    def press(self, page: str, action: str) -> str:
        """A button on `page` that posts its form to `action` (its token only)."""
        return self.fill_in(page, action)


def mails(session, to: str, kind: str) -> list[OutboxMessage]:
    session.expire_all()
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient.contains(to), OutboxMessage.kind == kind)
            .order_by(OutboxMessage.id)
        )
    )


def main_of(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


# --- 1. The walk through both -------------------------------------------------------------------

CHALLENGE = "Few SMEs in rural areas take up digital innovation vouchers"
PRACTICE = "Voucher brokers in every county chamber of commerce"


@pytest.fixture
def people(app, session, admin):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    theme = make_theme(session, group, name="Digitalisation", position=1)
    meeting = make_meeting(
        session, group, title="Spring plenary in Brussels", status=MeetingStatus.PUBLISHED
    )

    def member(name: str, email: str, region: str, role: Role = Role.MEMBER):
        organisation = make_organisation(
            session,
            name=f"Agency of {region}",
            helix=Helix.PUBLIC_AUTHORITY,
            kind=OrganisationKind.INNOVATION_AGENCY,
            region_code=region,
        )
        user = make_user(session, name=name, email=email, organisation=organisation)
        make_membership(session, user, group, role=role)
        return user

    people = dict(
        group=group,
        theme=theme,
        meeting=meeting,
        raiser=member("Rosa Raiser", "rosa@example.org", "ES30"),
        helsinki=member("Eino Endorser", "eino@example.org", "FI1B"),
        vienna=member("Vera Endorser", "vera@example.org", "AT13"),
        author=member("Paola Author", "paola@example.org", "ITC4"),
        coordinator=member("Cora Coordinator", "cora@example.org", "BE10", Role.COORDINATOR),
    )
    session.commit()
    return people


def test_a_challenge_from_a_meeting_to_a_published_practice(app, session, client, people):
    group, meeting, theme = people["group"], people["meeting"], people["theme"]
    slug = group.slug
    raiser = Person(app, people["raiser"])
    coordinator = Person(app, people["coordinator"])

    # A member raises a challenge at the meeting; their region is filled in for them.
    new = f"/groups/{slug}/challenges/new"
    fields, _names = form_on(raiser.get(new), new)
    assert fields["region_codes"] == ["ES30"]
    page = raiser.fill_in(
        new,
        new,
        title=CHALLENGE,
        description="Vouchers go unspent outside the cities: *nobody explains them* to SMEs.",
        theme_ids=[str(theme.id)],
        meeting_id=str(meeting.id),
    )
    assert f"“{CHALLENGE}” is proposed: the group's coordinators will consider it." in page
    assert "Proposed: only the group's members see this challenge" in page
    assert "Spring plenary in Brussels" in page and "Digitalisation" in page
    challenge = session.scalar(select(Challenge).where(Challenge.title == CHALLENGE))
    assert challenge.status is ChallengeStatus.PROPOSED
    assert challenge.raised_at_meeting_id == meeting.id
    url = f"/challenges/{challenge.id}"
    # Not yet public: a visitor is told there is no such page.
    assert client.get(url).status_code == 404
    assert CHALLENGE not in text_of(client.get(f"/groups/{slug}/challenges/"))

    # Members of two other regions say theirs faces it too, each for their own region.
    for key, region in (("helsinki", "Helsinki-Uusimaa, Finland"), ("vienna", "Wien, Austria")):
        endorser = Person(app, people[key])
        form = endorser.get(url)
        fields, _names = form_on(form, f"{url}/endorse")
        assert "region_code" not in fields  # no choice: their organisation's region
        assert f"You endorse for your organisation's region: {region}." in form
        page = endorser.press(url, f"{url}/endorse")
        assert "Thank you: your endorsement is counted." in page
        assert "You now follow this challenge: its news reaches you in your email digest." in page
        assert "You endorsed this for" in page and region in page
    page = raiser.get(url)
    assert "2 members said their region faces this too." in html.unescape(page)
    session.expire_all()
    assert {region.code for region in challenge.regions} == {"ES30", "FI1B", "AT13"}

    # A coordinator accepts it: public now, and its raiser is told.
    page = coordinator.press(url, f"{url}/advance")
    assert "The challenge is now “Accepted”." in page
    [accepted] = mails(session, "rosa@example.org", "challenge_accepted")
    assert CHALLENGE in accepted.subject
    assert f"http://cop.test{url}" in accepted.body_text
    public = client.get(url)
    assert public.status_code == 200 and CHALLENGE in text_of(public)

    # ... and ranks it first among the group's accepted challenges.
    priorities = f"/groups/{slug}/challenges/priorities"
    page = coordinator.fill_in(priorities, priorities, **{f"rank_{challenge.id}": "1"})
    assert "The ranking is saved." in page
    assert "Priority 1" in text_of(client.get(url))
    session.expire_all()
    assert challenge.priority == 1

    # A member from a third region documents what was done there, answering the challenge,
    # and submits it with the contact person missing: the form says what to fill in.
    author = Person(app, people["author"])
    new_practice = f"/groups/{slug}/practices/new"
    page = author.fill_in(
        new_practice,
        new_practice,
        title=PRACTICE,
        region_code="ITC4",
        problem="Rural SMEs never heard of the vouchers.",
        what_was_done="Each chamber of commerce trained a broker who visits firms.",
        evidence="Uptake tripled in two years.",
        transferability="Any region with local chambers can do it.",
        challenge_ids=[str(challenge.id)],
        theme_ids=[str(theme.id)],
    )
    assert f"“{PRACTICE}” is saved as a draft" in page
    practice = session.scalar(select(GoodPractice).where(GoodPractice.title == PRACTICE))
    assert practice.status is PracticeStatus.DRAFT and practice.region_code == "ITC4"
    practice_url = f"/practices/{practice.id}"
    assert client.get(practice_url).status_code == 404
    response = author.client.post(
        f"{practice_url}/submit",
        data=form_on(author.get(practice_url), f"{practice_url}/submit")[0],
    )
    assert response.status_code == 400
    errors = set(re.findall(r'<p class="error" id="([a-z_]+)-error">', text_of(response)))
    assert errors == {"contact_name", "contact_email"}
    assert "Please fill in this field before submitting." in text_of(response)

    # The author adds the contact person and submits it.
    page = author.fill_in(
        f"{practice_url}/edit",
        f"{practice_url}/edit",
        contact_name="Paola Author",
        contact_email="paola.contact@example.org",
    )
    assert "The practice is saved." in page
    page = author.press(practice_url, f"{practice_url}/submit")
    assert "The practice is submitted: the group's coordinators will review it." in page
    assert "Waiting for review" in page
    # Not public while it waits, not even on the challenge's page.
    assert client.get(practice_url).status_code == 404
    assert PRACTICE not in text_of(client.get(url))

    # The coordinator sends it back with comments; the author is emailed them.
    review = f"{practice_url}/review"
    assert "/review" in coordinator.get(practice_url)
    page = coordinator.fill_in(
        review,
        review,
        decision="returned",
        comments="Please give the budget and how many brokers there were.",
    )
    assert "The practice is returned to its author, who has been emailed." in page
    [returned] = mails(session, "paola@example.org", "practice_returned")
    assert PRACTICE in returned.subject
    assert "Please give the budget and how many brokers there were." in returned.body_text
    assert f"http://cop.test{practice_url}/edit" in returned.body_text
    page = author.get(practice_url)
    assert "Returned for changes" in page
    assert "Please give the budget and how many brokers there were." in html.unescape(page)
    assert client.get(practice_url).status_code == 404

    # The author corrects it and submits it again.
    page = author.fill_in(
        f"{practice_url}/edit",
        f"{practice_url}/edit",
        resources="Twelve brokers, half-time, EUR 400,000 a year from the ERDF.",
    )
    assert "The practice is saved." in page
    page = author.press(practice_url, f"{practice_url}/submit")
    assert "The practice is submitted" in page

    # The coordinator validates and publishes it; the author is told.
    page = coordinator.fill_in(review, review, decision="published", comments="Thank you!")
    assert "The practice is published; its author has been emailed." in page
    [published] = mails(session, "paola@example.org", "practice_published")
    assert PRACTICE in published.subject
    assert f"http://cop.test{practice_url}" in published.body_text
    session.expire_all()
    assert practice.status is PracticeStatus.PUBLISHED
    assert practice.validated_by_id == people["coordinator"].id

    # Everyone reads it now, and finds it on the challenge's page; only members see the
    # contact's email.
    public = text_of(client.get(practice_url))
    assert PRACTICE in public and "Twelve brokers" in public
    assert "paola.contact@example.org" not in public
    assert "paola.contact@example.org" in html.unescape(raiser.get(practice_url))
    on_challenge = client.get(url).get_data(as_text=True)
    assert f'href="{practice_url}"' in on_challenge and PRACTICE in html.unescape(on_challenge)
    assert PRACTICE in text_of(client.get(f"/groups/{slug}/practices/"))


# --- 2. What an anonymous visitor reaches --------------------------------------------------------

LINK = re.compile(r'href="(/[^"]*)"')
MAX_PAGES = 600
QUERIES_PER_PATH = 6
# The pages of every NUTS-2 region (and their dossiers) would fill the page budget before
# the challenges and practices this crawl is about; tests/test_public_crawl.py crawls them.
SKIPPED_PREFIXES = ("/regions/",)
SKIPPED = ("/static/", "/account/logout", "/language/")


def _links(page: str) -> list[str]:
    found = []
    for raw in LINK.findall(page):
        link = html.unescape(raw).split("#", 1)[0]
        if not link.startswith("/") or link.startswith("//"):
            continue
        if link.startswith(SKIPPED) or "/language" in urlsplit(link).path:
            continue
        found.append(link)
    return found


def crawl(client) -> dict[str, tuple[int, str]]:
    """Every same-site page reachable from / by GET: its status and HTML (empty if not HTML)."""
    seen: dict[str, tuple[int, str]] = {}
    queue = deque(["/"])
    queued = {"/"}
    queries: dict[str, int] = {}
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        response = client.get(url)
        body = ""
        if response.mimetype in ("text/html", "text/plain", "text/calendar", "application/json"):
            body = response.get_data(as_text=True)
        seen[url] = (response.status_code, body)
        if response.mimetype != "text/html":
            continue
        for link in _links(body):
            if link in queued or link.startswith(SKIPPED_PREFIXES):
                continue
            parts = urlsplit(link)
            if parts.query:
                if queries.get(parts.path, 0) >= QUERIES_PER_PATH:
                    continue
                queries[parts.path] = queries.get(parts.path, 0) + 1
            queued.add(link)
            queue.append(link)
    return seen


def test_anonymous_visitors_reach_only_what_is_public(runner, session, client):
    with clock.fixed_at(clock.now()):
        result = runner.invoke(args=["cop", "demo"])
    assert result.exit_code == 0, result.output
    session.expire_all()

    practices = list(session.scalars(select(GoodPractice)))
    challenges = list(session.scalars(select(Challenge)))
    published = [p for p in practices if p.status is PracticeStatus.PUBLISHED]
    hidden_practices = [p for p in practices if p.status is not PracticeStatus.PUBLISHED]
    accepted = [c for c in challenges if c.status is ChallengeStatus.ACCEPTED]
    hidden_challenges = [
        c
        for c in challenges
        if c.status in (ChallengeStatus.PROPOSED, ChallengeStatus.MERGED, ChallengeStatus.CLOSED)
    ]
    # The demo has something in each of these, or this test proves nothing.
    assert published and hidden_practices and accepted and hidden_challenges
    assert {p.status for p in hidden_practices} >= {
        PracticeStatus.DRAFT,
        PracticeStatus.SUBMITTED,
        PracticeStatus.RETURNED,
    }

    secrets: dict[str, str] = {}
    for practice in hidden_practices:
        secrets[practice.title] = f"{practice.status.value} practice #{practice.id}"
    for challenge in hidden_challenges:
        secrets[challenge.title] = f"{challenge.status.value} challenge #{challenge.id}"
    for practice in practices:
        if practice.contact_email:
            secrets[practice.contact_email] = f"contact email of practice #{practice.id}"
    for meeting in session.scalars(select(Meeting)):
        if meeting.online_url:
            secrets[meeting.online_url] = f"online link of meeting #{meeting.id}"
        minutes = meeting.minutes.strip().splitlines()
        if meeting.minutes_visibility is Visibility.MEMBERS and minutes:
            secrets[minutes[0].strip()] = f"members-only minutes of meeting #{meeting.id}"
    for material in session.scalars(
        select(Material).where(Material.visibility == Visibility.MEMBERS)
    ):
        secrets[material.title] = f"members-only material #{material.id}"
        if material.url:
            secrets[material.url] = f"address of members-only material #{material.id}"
    assert any("members-only material" in what for what in secrets.values())
    # A secret must not also be a public title, or the check below would be wrong.
    public_titles = {p.title for p in published} | {c.title for c in accepted}
    assert not public_titles & set(secrets)

    pages = crawl(client)

    assert len(pages) > 50, sorted(pages)
    errors = {url: status for url, (status, _) in pages.items() if status >= 500}
    assert errors == {}
    leaks = []
    for url, (_status, body) in pages.items():
        text = html.unescape(body)
        for secret, what in secrets.items():
            if secret in text:
                leaks.append(f"{url}: {what} ({secret!r})")
    assert leaks == []
    reached = {url for url, (status, _) in pages.items() if status == 200}
    unreached_practices = [p.title for p in published if f"/practices/{p.id}" not in reached]
    unreached_challenges = [c.title for c in accepted if f"/challenges/{c.id}" not in reached]
    assert unreached_practices == []
    assert unreached_challenges == []
