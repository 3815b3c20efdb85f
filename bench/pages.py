"""The pages the bench measures, who reads each, and their SQL query counts (in process)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Flask, url_for
from sqlalchemy import and_, event, func, select

from cop import clock
from cop.activities.models import Activity, activity_challenges
from cop.challenges.models import (
    Challenge,
    Endorsement,
    GoodPractice,
    PracticeLink,
    PracticeStatus,
    Theme,
    challenge_regions,
    challenge_themes,
    practice_themes,
)
from cop.challenges.search import PUBLIC_CHALLENGES
from cop.db import get_db, get_session
from cop.demo_scale import (
    SCALE_COORDINATOR,
    SCALE_MEMBER,
    SCALE_PASSWORD,
    SEARCH_WORD,
    group_slug,
)
from cop.meetings.models import Meeting, MeetingKind, MeetingStatus
from cop.members.models import Organisation, Region, User, WorkingGroup
from cop.outcomes.access import is_listed
from cop.outcomes.models import (
    Outcome,
    outcome_groups,
    outcome_practices,
    outcome_regions,
    outcome_solutions,
)
from cop.solutions.models import Indicator, Measurement, Solution

CSRF_FIELD = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
# Savepoints are transaction bookkeeping, not queries (the test suite's sessions use them).
BOOKKEEPING = re.compile(r"\s*(SAVEPOINT|RELEASE|ROLLBACK TO)", re.I)
ACCOUNTS = {"coordinator": SCALE_COORDINATOR, "member": SCALE_MEMBER}


@dataclass(frozen=True)
class Page:
    label: str
    endpoint: str
    reader: str | None = None  # "coordinator" or "member" of the scaled demo; None: anonymous
    # A query string, its {word}, {theme}, {country} ... filled in for the scaled group
    # (challenge_values, outcome_values).
    query: str = ""
    # Asked again with the ETag of a first answer (If-None-Match): measures the 304.
    conditional: bool = False

    @property
    def expect(self) -> int:
        return 304 if self.conditional else 200


PAGES = (
    Page("/healthz", "site.healthz"),
    Page("home page", "site.home"),
    Page("group page", "site.group"),
    Page("group's meetings", "meetings.group_meetings"),
    Page("meeting page", "meetings.meeting"),
    Page("participant list (coordinator)", "meetings.participants", "coordinator"),
    Page("My meetings (member)", "meetings.my_meetings", "member"),
    Page("group's calendar feed", "calendar.group_feed"),
    Page("group's challenges", "challenges.group_challenges"),
    Page("challenge search", "challenges.group_challenges", query="q={word}"),
    Page(
        "challenge search+filters (member)",
        "challenges.group_challenges",
        "member",
        query="q={word}&theme={theme}&country={country}",
    ),
    Page(
        "challenge filters: theme+country",
        "challenges.group_challenges",
        query="theme={theme}&country={country}",
    ),
    Page(
        "challenge filters: region+helix",
        "challenges.group_challenges",
        query="region={region}&helix={helix}",
    ),
    Page("challenge page (member)", "challenges.challenge", "member"),
    Page("challenge page with suggestions (anonymous)", "challenges.challenge"),
    Page("group's good practices", "challenges.group_practices"),
    Page("good practice search", "challenges.group_practices", query="q={word}"),
    Page(
        "good practice search+filters",
        "challenges.group_practices",
        query="q={word}&theme={practice_theme}&country={practice_country}",
    ),
    Page(
        "good practice filters: region",
        "challenges.group_practices",
        query="region={practice_region}",
    ),
    Page("good practice page", "challenges.practice"),
    Page("group's activities", "activities.group_activities"),
    Page("group's completed activities", "activities.group_activities", query="status=completed"),
    Page("activity page", "activities.activity"),
    Page("activity page (member)", "activities.activity", "member"),
    Page("solution page", "solutions.solution"),
    Page("solution page (member)", "solutions.solution", "member"),
    Page("solutions dashboard (member)", "solutions.dashboard_page", "member"),
    Page("outcomes library", "site.outcomes"),
    Page("outcomes library, If-None-Match (304)", "site.outcomes", conditional=True),
    Page(
        "outcomes library: group+kind+search",
        "site.outcomes",
        query="group={slug}&kind=lessons_learnt&q={word}",
    ),
    Page("outcome page", "outcomes.outcome"),
    Page("region page", "site.region"),
    Page("region's bottleneck dossier", "site.region_dossier"),
    Page("outcomes Atom feed", "site.outcomes_feed"),
    Page("group's outcomes Atom feed", "site.group_outcomes_feed"),
)


@dataclass(frozen=True)
class Target:
    """A page's address in one database, or why it cannot be measured there."""

    page: Page
    path: str | None
    missing: str = ""


def targets(app: Flask) -> list[Target]:
    """Each page's address: the first scale group, and its next plenary (with about 60% of the
    group registered, a few of them waiting for a seat)."""
    with app.app_context():
        session = get_session()
        slug = group_slug(0)
        plenaries = session.execute(
            select(Meeting.id, Meeting.starts_at)
            .join(WorkingGroup, WorkingGroup.id == Meeting.group_id)
            .where(
                WorkingGroup.slug == slug,
                Meeting.kind == MeetingKind.PLENARY,
                Meeting.status == MeetingStatus.PUBLISHED,
            )
            .order_by(Meeting.starts_at)
        ).all()
        if not plenaries:
            raise RuntimeError(f"the scaled demo's group {slug} has no published plenary")
        now = clock.now()
        meeting_id = next((m for m, starts in plenaries if starts > now), plenaries[-1].id)
        known = {"slug": slug, "meeting_id": meeting_id, "word": SEARCH_WORD}
        known.update(challenge_values(session, slug))
        known.update(outcome_values(session, slug))
        found = []
        for page in PAGES:
            if page.endpoint not in app.view_functions:
                found.append(Target(page, None, "not built yet"))
                continue
            rule = next(app.url_map.iter_rules(page.endpoint))
            wanted = set(rule.arguments) | set(re.findall(r"{(\w+)}", page.query))
            if wanted - known.keys():
                found.append(Target(page, None, "nothing to show in the scaled demo"))
                continue
            values = {name: known[name] for name in rule.arguments}
            with app.test_request_context():
                path = url_for(page.endpoint, **values)
            if page.query:
                path += "?" + page.query.format(**known)
            found.append(Target(page, path))
        return found


def challenge_values(session, slug: str) -> dict[str, object]:
    """What the challenge pages are measured with, in the scaled group: the ranked challenge
    with the most endorsements, the newest published practice with a link, and filter values
    that find some records at every scale: the theme and country most public challenges with
    the search word are under, the region and raiser's helix most public challenges have; the
    theme and country of most published practices with the search word, and the region of
    most published practices."""
    values: dict[str, object] = {}
    in_group = select(WorkingGroup.id).where(WorkingGroup.slug == slug).scalar_subquery()
    challenge_id = session.scalar(
        select(Challenge.id)
        .outerjoin(Endorsement, Endorsement.challenge_id == Challenge.id)
        .where(Challenge.group_id == in_group, Challenge.priority.is_not(None))
        .group_by(Challenge.id, Challenge.priority)
        .order_by(func.count(Endorsement.id).desc(), Challenge.priority)
        .limit(1)
    )
    if challenge_id is not None:
        values["challenge_id"] = challenge_id
    practice_id = session.scalar(
        select(GoodPractice.id)
        .join(PracticeLink, PracticeLink.practice_id == GoodPractice.id)
        .where(GoodPractice.group_id == in_group, GoodPractice.status == PracticeStatus.PUBLISHED)
        .order_by(GoodPractice.published_at.desc(), GoodPractice.id.desc())
        .limit(1)
    )
    if practice_id is not None:
        values["practice_id"] = practice_id
    mentions = func.lower(Challenge.title + " " + Challenge.description).contains(SEARCH_WORD)
    filters = session.execute(
        select(Theme.id, Region.country_code)
        .select_from(Challenge)
        .join(challenge_themes, challenge_themes.c.challenge_id == Challenge.id)
        .join(Theme, Theme.id == challenge_themes.c.theme_id)
        .join(challenge_regions, challenge_regions.c.challenge_id == Challenge.id)
        .join(Region, Region.code == challenge_regions.c.region_code)
        .where(
            Challenge.group_id == in_group,
            Challenge.status.in_(PUBLIC_CHALLENGES),
            Theme.retired_at.is_(None),
            mentions,
        )
        .group_by(Theme.id, Region.country_code)
        .order_by(func.count(func.distinct(Challenge.id)).desc(), Theme.id, Region.country_code)
        .limit(1)
    ).first()
    if filters is not None:
        values["theme"], values["country"] = filters
    region_and_helix = session.execute(
        select(challenge_regions.c.region_code, Organisation.helix)
        .join(Challenge, Challenge.id == challenge_regions.c.challenge_id)
        .join(User, User.id == Challenge.raised_by_id)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(
            Challenge.group_id == in_group,
            Challenge.status.in_(PUBLIC_CHALLENGES),
            Organisation.helix.is_not(None),
        )
        .group_by(challenge_regions.c.region_code, Organisation.helix)
        .order_by(func.count().desc(), challenge_regions.c.region_code, Organisation.helix)
        .limit(1)
    ).first()
    if region_and_helix is not None:
        values["region"], values["helix"] = region_and_helix[0], region_and_helix[1].value
    published = and_(
        GoodPractice.group_id == in_group, GoodPractice.status == PracticeStatus.PUBLISHED
    )
    practices = session.execute(
        select(practice_themes.c.theme_id, Region.country_code)
        .join(GoodPractice, GoodPractice.id == practice_themes.c.practice_id)
        .join(Region, Region.code == GoodPractice.region_code)
        .where(published, func.lower(GoodPractice.what_was_done).contains(SEARCH_WORD))
        .group_by(practice_themes.c.theme_id, Region.country_code)
        .order_by(func.count().desc(), practice_themes.c.theme_id, Region.country_code)
        .limit(1)
    ).first()
    if practices is not None:
        values["practice_theme"], values["practice_country"] = practices
    practice_region = session.scalar(
        select(GoodPractice.region_code)
        .where(published, GoodPractice.region_code.is_not(None))
        .group_by(GoodPractice.region_code)
        .order_by(func.count().desc(), GoodPractice.region_code)
        .limit(1)
    )
    if practice_region is not None:
        values["practice_region"] = practice_region
    # The activity with the most experts and challenges, among those held as meetings.
    activity_id = session.scalar(
        select(Activity.id)
        .join(activity_challenges, activity_challenges.c.activity_id == Activity.id)
        .where(Activity.group_id == in_group)
        .group_by(Activity.id)
        .order_by(func.count().desc(), Activity.id)
        .limit(1)
    )
    if activity_id is not None:
        values["activity_id"] = activity_id
    # The public solution with the most measurements (its chart and table are the longest).
    solution_id = session.scalar(
        select(Solution.id)
        .join(Indicator, Indicator.solution_id == Solution.id)
        .join(Measurement, Measurement.indicator_id == Indicator.id)
        .where(Solution.group_id == in_group, Solution.public.is_(True))
        .group_by(Solution.id)
        .order_by(func.count().desc(), Solution.id)
        .limit(1)
    )
    if solution_id is not None:
        values["solution_id"] = solution_id
    return values


def outcome_values(session, slug: str) -> dict[str, object]:
    """What the outcome pages are measured with: the scaled group's listed outcome that draws
    on the most records (its page is the longest), and the region most listed outcomes
    concern (its page and dossier have the most to show)."""
    values: dict[str, object] = {}
    in_group = (
        select(outcome_groups.c.outcome_id)
        .join(WorkingGroup, WorkingGroup.id == outcome_groups.c.group_id)
        .where(WorkingGroup.slug == slug)
    )
    links = func.count(func.distinct(outcome_solutions.c.solution_id)) + func.count(
        func.distinct(outcome_practices.c.practice_id)
    )
    outcome_id = session.scalar(
        select(Outcome.id)
        .outerjoin(outcome_solutions, outcome_solutions.c.outcome_id == Outcome.id)
        .outerjoin(outcome_practices, outcome_practices.c.outcome_id == Outcome.id)
        .where(Outcome.id.in_(in_group), is_listed())
        .group_by(Outcome.id)
        .order_by(links.desc(), Outcome.id)
        .limit(1)
    )
    if outcome_id is not None:
        values["outcome_id"] = outcome_id
    code = session.scalar(
        select(outcome_regions.c.region_code)
        .join(Outcome, Outcome.id == outcome_regions.c.outcome_id)
        .where(is_listed())
        .group_by(outcome_regions.c.region_code)
        .order_by(func.count().desc(), outcome_regions.c.region_code)
        .limit(1)
    )
    if code is not None:
        values["code"] = code
    return values


def log_in(client, email: str) -> None:
    page = client.get("/account/login").get_data(as_text=True)
    token = CSRF_FIELD.search(page).group(1)
    response = client.post(
        "/account/login", data={"csrf_token": token, "email": email, "password": SCALE_PASSWORD}
    )
    if response.status_code != 302:
        raise RuntimeError(f"logging in as {email} failed ({response.status_code})")
    client.get("/")  # takes the "You are logged in" message out of the session


def count_queries(app: Flask, found: list[Target], listen_on=None) -> dict[str, tuple[int, int]]:
    """Each page's (status, number of SQL statements) for one request, after a warm-up request.

    Statements are counted on the app's engine, or on `listen_on` (a connection the app's
    sessions are bound to, as in the test suite).
    """
    clients = {None: app.test_client()}
    for reader in {target.page.reader for target in found} - {None}:
        clients[reader] = app.test_client()
        log_in(clients[reader], ACCOUNTS[reader])
    statements = 0

    def count(_connection, _cursor, statement, *_args) -> None:
        nonlocal statements
        if not BOOKKEEPING.match(statement):
            statements += 1

    engine = listen_on if listen_on is not None else get_db(app).engine
    counts = {}
    for target in found:
        if target.path is None:
            continue
        client = clients[target.page.reader]
        first = client.get(target.path)
        headers = {}
        if target.page.conditional and first.headers.get("ETag"):
            headers["If-None-Match"] = first.headers["ETag"]
        event.listen(engine, "before_cursor_execute", count)
        statements = 0
        try:
            status = client.get(target.path, headers=headers).status_code
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counts[target.page.label] = (status, statements)
    return counts
