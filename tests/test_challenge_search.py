"""Search over challenges and good practices: any text is safe, the index follows every write,
filters and pages work, and the number of queries does not grow with the records."""

from __future__ import annotations

import random
import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import insert, text

from cop.challenges.models import (
    Challenge,
    ChallengeStatus,
    Endorsement,
    GoodPractice,
    PracticeStatus,
    challenge_regions,
    challenge_themes,
    practice_themes,
)
from cop.challenges.search import (
    MAX_TERM_LENGTH,
    MAX_TERMS,
    fts5_query,
    search_challenges,
    search_practices,
    search_terms,
    tsquery,
)
from cop.db import utcnow
from cop.members.models import Helix
from tests.conftest import is_postgres
from tests.factories import (
    make_challenge,
    make_endorsement,
    make_group,
    make_organisation,
    make_theme,
    make_user,
)

HOSTILE = [
    '"',
    "'",
    '"unbalanced',
    "it's",
    '"digital" OR "cluster"',
    "digital AND cluster",
    "digital OR",
    "NOT digital",
    "AND",
    "OR OR OR",
    "NEAR(digital cluster, 2)",
    "NEAR/3",
    "title:digital",
    "description : cluster",
    "{title description}: digital",
    "^digital",
    "-digital",
    "+digital",
    "digital*",
    "*",
    "**",
    "%",
    "100%",
    "%digital%",
    "_",
    "dig_tal",
    "'; DROP TABLE challenges; --",
    '"); DELETE FROM challenges; --',
    "1 OR 1=1",
    "' OR ''='",
    "((digital",
    "digital))",
    "[cluster",
    "cluster]",
    "(",
    ")",
    "()",
    "!",
    "&",
    "|",
    "digital & | ! cluster",
    "digital:*",
    ":*",
    "<->",
    "digital <-> cluster",
    "\\",
    "\\'",
    "\x00",
    "tab\there",
    "new\nline",
    "   ",
    "",
    "?!.,;:-",
    "région",
    "RÉGION",
    "re\u0301gion",
    "😀",
    "digital 😀 cluster",
    "数字化",
    "Ελλάδα",
    "ﬁnance",
    "x" * 2000,
    "digital " * 300,
    " ".join(f"w{number}" for number in range(500)),
    "a" * 60 + "b",
]


@pytest.fixture
def world(session):
    group = make_group(session)
    other_group = make_group(session)
    digital = make_theme(session, group, name="Digitalisation")
    transfer = make_theme(session, group, name="Knowledge transfer")
    business = make_organisation(session, helix=Helix.BUSINESS, region_code="FR10")
    academia = make_organisation(session, helix=Helix.ACADEMIA_RESEARCH, region_code="ES51")
    founder = make_user(session, email="founder@example.org")
    founder.organisation = business
    scholar = make_user(session, email="scholar@example.org")
    scholar.organisation = academia
    challenges = {
        "digital": make_challenge(
            session,
            group,
            title="Digital skills in small firms",
            description="SMEs lack the digital know-how of their Région.",
            status=ChallengeStatus.ACCEPTED,
            themes=(digital,),
            region_codes=("FR10",),
            raised_by=founder,
        ),
        "cluster": make_challenge(
            session,
            group,
            title="Clusters do not talk to universities",
            description="Research results stay in the lab.",
            status=ChallengeStatus.BEING_ADDRESSED,
            themes=(transfer,),
            region_codes=("ES51", "BE10"),
        ),
        "proposed": make_challenge(
            session,
            group,
            title="Digital procurement is slow",
            description="Public buyers do not know the cluster market.",
            status=ChallengeStatus.PROPOSED,
            region_codes=("BE10",),
        ),
        "elsewhere": make_challenge(
            session,
            other_group,
            title="Digital everything, in another group",
            status=ChallengeStatus.ACCEPTED,
        ),
    }
    make_endorsement(session, challenges["cluster"], scholar, region_code="ES51")
    practices = {
        "published": GoodPractice(
            group=group,
            title="Innovation vouchers for digital adoption",
            region_code="FR10",
            organisation=business,
            problem="Small firms could not pay for advice.",
            what_was_done="Vouchers for a first digital project.",
            transferability="Any région with an agency can do it.",
            status=PracticeStatus.PUBLISHED,
            published_at=utcnow(),
            themes=[digital],
            author=founder,
        ),
        "draft": GoodPractice(
            group=group,
            title="Digital clinics (draft)",
            region_code="ES51",
            organisation=academia,
            problem="Universities are far from firms.",
            status=PracticeStatus.DRAFT,
            themes=[transfer],
            author=scholar,
        ),
    }
    session.add_all(practices.values())
    session.flush()
    return {
        "group": group,
        "other_group": other_group,
        "themes": {"digital": digital, "transfer": transfer},
        "challenges": challenges,
        "practices": practices,
        "founder": founder,
        "scholar": scholar,
    }


def titles(page) -> list[str]:
    return sorted(item.title for item in page.items)


# --- turning text into a query ------------------------------------------------------------------


def test_only_words_reach_the_query():
    assert search_terms('"Digital" OR ((cluster* -- %région%') == [
        "digital",
        "or",
        "cluster",
        "région",
    ]
    assert search_terms("'; DROP TABLE challenges; --") == ["drop", "table", "challenges"]
    assert search_terms("dig_tal 😀 ﬁnance") == ["dig", "tal", "finance"]
    assert search_terms(None) == search_terms("") == search_terms("?!*%()") == []
    assert len(search_terms(" ".join(f"w{n}" for n in range(500)))) == MAX_TERMS
    assert search_terms("x" * 2000) == ["x" * MAX_TERM_LENGTH]
    assert fts5_query(["digital", "région"]) == '"digital"* "région"*'
    assert tsquery(["digital", "région"]) == "digital:* & région:*"


# --- hostile text: a list, never an error ---------------------------------------------------------


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_text_gives_a_list(session, world, query):
    group = world["group"]
    for members in (False, True):
        page = search_challenges(session, group, members=members, text=query)
        assert isinstance(page.items, list) and page.total == len(page.items)
    for coordinator in (False, True):
        page = search_practices(session, group, coordinator=coordinator, text=query)
        assert isinstance(page.items, list) and page.total == len(page.items)
    # Nothing was dropped or deleted.
    assert session.scalar(text("SELECT count(*) FROM challenges")) >= 4


def test_operators_are_words_like_any_other(session, world):
    group = world["group"]
    # "OR" is a word to find, not an operator: no challenge has the word "or" in it.
    assert search_challenges(session, group, text='"Digital" OR "cluster"').items == []
    # Quotes, stars and brackets are dropped: the words are still found.
    found = search_challenges(session, group, members=True, text='"digital* (procurement')
    assert titles(found) == ["Digital procurement is slow"]


def test_random_text_never_fails(session, world):
    alphabet = "\"'*%_()[]{}:^-+!&|<>~\\/;=,.?@#$ \t\nabcé😀NEARANDORNOT0123"
    chooser = random.Random(7)
    for _ in range(150):
        query = "".join(chooser.choice(alphabet) for _ in range(chooser.randint(1, 40)))
        search_challenges(session, world["group"], members=True, text=query)
        search_practices(session, world["group"], coordinator=True, text=query)


# --- matching ---------------------------------------------------------------------------------


def test_words_match_as_prefixes_all_of_them_required(session, world):
    group = world["group"]
    assert titles(search_challenges(session, group, members=True, text="digi")) == [
        "Digital procurement is slow",
        "Digital skills in small firms",
    ]
    assert titles(search_challenges(session, group, members=True, text="digi proc")) == [
        "Digital procurement is slow"
    ]
    # A word of the description counts too.
    assert titles(search_challenges(session, group, members=True, text="LAB")) == [
        "Clusters do not talk to universities"
    ]
    assert search_challenges(session, group, members=True, text="digital lab").items == []
    # Practices: their problem, what was done, transferability...
    assert titles(search_practices(session, group, text="vouchers advice")) == [
        "Innovation vouchers for digital adoption"
    ]


def test_title_matches_rank_first(session, world):
    group = world["group"]
    # "cluster" is in one title and in another's description.
    found = search_challenges(session, group, members=True, text="cluster")
    assert [item.title for item in found.items] == [
        "Clusters do not talk to universities",
        "Digital procurement is slow",
    ]


def unaccent_installed(session) -> bool:
    return bool(session.scalar(text("SELECT count(*) FROM pg_extension WHERE extname='unaccent'")))


def test_accents_do_not_matter(session, world, database_url):
    if is_postgres(database_url) and not unaccent_installed(session):
        pytest.skip("without the unaccent extension, PostgreSQL matches accents exactly")
    group = world["group"]
    for query in ("region", "région", "REGION", "re\u0301gion"):
        assert titles(search_challenges(session, group, text=query)) == [
            "Digital skills in small firms"
        ], query
        assert titles(search_practices(session, group, text=query)) == [
            "Innovation vouchers for digital adoption"
        ], query


# --- the index follows the writes ---------------------------------------------------------------


def test_the_index_follows_edits_and_deletions(session, world):
    group = world["group"]
    challenge = world["challenges"]["digital"]
    challenge.title = "Broadband gaps in rural areas"
    challenge.description = "Nothing else."
    session.flush()

    assert titles(search_challenges(session, group, text="broadband")) == [
        "Broadband gaps in rural areas"
    ]
    assert search_challenges(session, group, text="skills").items == []
    # A status change (no searched column written) keeps it found.
    challenge.status = ChallengeStatus.ADDRESSED
    session.flush()
    assert len(search_challenges(session, group, text="rural").items) == 1

    practice = world["practices"]["published"]
    practice.what_was_done = "A mentoring scheme."
    session.flush()
    assert len(search_practices(session, group, text="mentoring").items) == 1
    assert search_practices(session, group, text="vouchers project").items == []

    fresh = make_challenge(session, group, title="Quantum readiness", region_codes=("BE10",))
    assert search_challenges(session, group, members=True, text="quantum").items == [fresh]
    session.delete(fresh)
    session.flush()
    assert search_challenges(session, group, members=True, text="quantum").items == []


# --- visibility and filters ---------------------------------------------------------------------


def test_the_public_sees_only_accepted_challenges_and_published_practices(session, world):
    group = world["group"]
    public = search_challenges(session, group, text="digital")
    assert titles(public) == ["Digital skills in small firms"]
    members = search_challenges(session, group, members=True, text="digital")
    assert len(members.items) == 2
    assert search_challenges(session, group, status="proposed").items == []
    assert titles(search_challenges(session, group, members=True, status="proposed")) == [
        "Digital procurement is slow"
    ]

    assert titles(search_practices(session, group)) == ["Innovation vouchers for digital adoption"]
    assert search_practices(session, group, status="draft").items == []
    own = search_practices(session, group, author_id=world["scholar"].id)
    assert len(own.items) == 2
    assert len(search_practices(session, group, coordinator=True).items) == 2
    assert titles(search_practices(session, group, coordinator=True, status="draft")) == [
        "Digital clinics (draft)"
    ]


def test_filters(session, world):
    group = world["group"]
    themes = world["themes"]

    def found(**filters) -> list[str]:
        return titles(search_challenges(session, group, members=True, **filters))

    assert found(theme_id=themes["transfer"].id) == ["Clusters do not talk to universities"]
    assert found(theme_id=str(themes["digital"].id)) == ["Digital skills in small firms"]
    assert found(region="BE10") == [
        "Clusters do not talk to universities",
        "Digital procurement is slow",
    ]
    assert found(region="be10", text="procurement") == ["Digital procurement is slow"]
    # A region and a country both apply: the region must be in that country.
    assert found(region="ES51", country="ES") == ["Clusters do not talk to universities"]
    assert found(region="ES51", country="FR") == []
    assert found(region="BE10", helix="academia_research") == [
        "Clusters do not talk to universities"
    ]
    assert found(country="ES") == ["Clusters do not talk to universities"]
    assert found(country="FR", text="digital") == ["Digital skills in small firms"]
    # Raised by someone from business; endorsed by someone from academia.
    assert found(helix="business") == ["Digital skills in small firms"]
    assert found(helix=Helix.ACADEMIA_RESEARCH) == ["Clusters do not talk to universities"]
    assert found(helix="civil_society") == []
    assert found(status=ChallengeStatus.BEING_ADDRESSED) == ["Clusters do not talk to universities"]

    def practices(**filters) -> list[str]:
        return titles(search_practices(session, group, coordinator=True, **filters))

    assert practices(theme_id=themes["transfer"].id) == ["Digital clinics (draft)"]
    assert practices(region="FR10") == ["Innovation vouchers for digital adoption"]
    assert practices(region="FR10", country="FR") == ["Innovation vouchers for digital adoption"]
    assert practices(region="FR10", country="ES") == []
    assert practices(country="ES") == ["Digital clinics (draft)"]
    assert practices(helix="business") == ["Innovation vouchers for digital adoption"]
    assert practices(helix="academia_research", text="universities") == ["Digital clinics (draft)"]
    assert practices(status="published", text="clinics") == []


@pytest.mark.parametrize(
    "filters",
    [
        {"theme_id": "abc"},
        {"theme_id": "-1"},
        {"theme_id": "0"},
        {"theme_id": str(10**30)},
        {"theme_id": 999_999},
        {"theme_id": "1e3"},
        {"country": "XX"},
        {"country": "FRANCE"},
        {"country": "'; --"},
        {"region": "ZZ99"},
        {"region": "%"},
        {"region": "x" * 2000},
        {"helix": "nobody"},
        {"helix": "BUSINESS "},
        {"status": "deleted"},
        {"status": "%"},
    ],
)
def test_unknown_filter_values_give_an_empty_list(session, world, filters):
    assert search_challenges(session, world["group"], members=True, **filters).items == []
    assert search_practices(session, world["group"], coordinator=True, **filters).items == []


def test_other_groups_records_are_not_found(session, world):
    found = search_challenges(session, world["group"], members=True, text="everything")
    assert found.items == []
    assert len(search_challenges(session, world["other_group"], text="everything").items) == 1


# --- pages --------------------------------------------------------------------------------------


def test_pages(session, world):
    group = world["group"]
    first = search_challenges(session, group, members=True, per_page=2)
    assert (first.total, first.pages, first.page, len(first.items)) == (3, 2, 1, 2)
    assert first.has_next and not first.has_previous
    second = search_challenges(session, group, members=True, per_page=2, page=2)
    assert len(second.items) == 1 and second.has_previous and not second.has_next
    # Newest first, no record on two pages.
    everything = [*first.items, *second.items]
    assert len({item.id for item in everything}) == 3
    assert everything[0] == world["challenges"]["proposed"]
    # A page past the end is the last one, with its records; nonsense is the first.
    past = search_challenges(session, group, members=True, per_page=2, page=99)
    assert (past.page, past.total, past.items) == (2, 3, second.items)
    assert search_challenges(session, group, members=True, per_page=2, page=10**30).page == 2
    assert search_challenges(session, group, members=True, page="x").page == 1
    assert search_challenges(session, group, members=True, page="-5").page == 1
    assert search_challenges(session, group, members=True, per_page="0").per_page == 1
    nothing = search_challenges(session, group, text="zzzz")
    assert (nothing.items, nothing.total, nothing.page, nothing.pages) == ([], 0, 1, 1)


# --- at scale -----------------------------------------------------------------------------------

WORDS = ["digital", "cluster", "région", "transfer", "skills", "vouchers", "agency", "startup"]


def add_records(session, group, themes, people, count: int) -> None:
    """`count` challenges and `count` practices, written in bulk (a few statements): raised,
    endorsed and documented in turn by `people` (users with an organisation)."""
    now = utcnow()
    first_challenge = (session.scalar(text("SELECT max(id) FROM challenges")) or 0) + 1
    first_practice = (session.scalar(text("SELECT max(id) FROM good_practices")) or 0) + 1
    statuses = list(ChallengeStatus)
    challenges, practices = [], []
    for number in range(count):
        word, other = WORDS[number % len(WORDS)], WORDS[(number * 3 + 1) % len(WORDS)]
        created = now - timedelta(minutes=number)
        status = statuses[number % 4]  # the open ones: no merge target needed
        challenges.append(
            {
                "id": first_challenge + number,
                "group_id": group.id,
                "title": f"Challenge {number} on {word}",
                "description": f"Regions struggle with {other} and {word} number {number}.",
                "status": status,
                "raised_by_id": people[number % len(people)].id,
                "decision_note": "",
                "created_at": created,
                "updated_at": created,
            }
        )
        practices.append(
            {
                "id": first_practice + number,
                "group_id": group.id,
                "title": f"Practice {number} on {word}",
                "region_code": ("FR10", "ES51", "BE10")[number % 3],
                "organisation_id": people[number % len(people)].organisation_id,
                "problem": f"The {other} problem.",
                "what_was_done": f"A {word} programme, number {number}.",
                "status": PracticeStatus.PUBLISHED if number % 2 else PracticeStatus.SUBMITTED,
                "published_at": created if number % 2 else None,
                "created_at": created,
                "updated_at": created,
            }
        )
    session.execute(insert(Challenge), challenges)
    session.execute(insert(GoodPractice), practices)
    session.execute(
        insert(challenge_regions),
        [
            {"challenge_id": row["id"], "region_code": ("FR10", "ES51", "BE10")[index % 3]}
            for index, row in enumerate(challenges)
        ],
    )
    session.execute(
        insert(Endorsement),
        [
            {
                "challenge_id": row["id"],
                "user_id": people[(index + 1) % len(people)].id,
                "region_code": "BE10",
                "given_on_id": row["id"],
                "created_at": now,
            }
            for index, row in enumerate(challenges)
            if index % 3 == 0
        ],
    )
    session.execute(
        insert(challenge_themes),
        [
            {"challenge_id": row["id"], "theme_id": themes[index % 2].id}
            for index, row in enumerate(challenges)
        ],
    )
    session.execute(
        insert(practice_themes),
        [
            {"practice_id": row["id"], "theme_id": themes[index % 2].id}
            for index, row in enumerate(practices)
        ],
    )
    if session.get_bind().dialect.name == "postgresql":
        # Explicit ids were given: move the sequences on, as later inserts need.
        for table in ("challenges", "good_practices"):
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"  # noqa: S608
                )
            )
        session.execute(text("ANALYZE"))
    session.flush()


SEARCHES = {
    "challenges, text": lambda s, g, t: search_challenges(s, g, text="digi région"),
    "challenges, members, text and filters": lambda s, g, t: search_challenges(
        s, g, members=True, text="cluster", theme_id=t[0].id, country="ES", page=2
    ),
    "challenges, no text": lambda s, g, t: search_challenges(s, g, region="FR10", page=3),
    "challenges, theme, country, helix": lambda s, g, t: search_challenges(
        s, g, theme_id=t[0].id, country="ES", helix="business"
    ),
    "challenges, page past the end": lambda s, g, t: search_challenges(
        s, g, members=True, region="BE10", page=10**6
    ),
    "practices, text": lambda s, g, t: search_practices(s, g, text="vouch programme"),
    "practices, coordinator, filters": lambda s, g, t: search_practices(
        s, g, coordinator=True, theme_id=t[1].id, country="FR", page=2
    ),
    "practices, region, helix": lambda s, g, t: search_practices(
        s, g, region="ES51", helix="academia_research"
    ),
}

# Each search takes milliseconds over 10,000 records; a plan gone wrong takes seconds (a
# full-text match run again for every row, a JIT compilation on every request).
SLOW = 2.0


def test_query_count_and_speed_do_not_depend_on_the_records(session, count_queries, capsys):
    group = make_group(session)
    themes = [make_theme(session, group), make_theme(session, group)]
    people = []
    for helix, region in ((Helix.BUSINESS, "FR10"), (Helix.ACADEMIA_RESEARCH, "ES51")):
        person = make_user(session)
        person.organisation = make_organisation(session, helix=helix, region_code=region)
        people.append(person)
    session.flush()

    def measure(label: str) -> dict[str, int]:
        counts = {}
        for name, search in SEARCHES.items():
            session.expunge_all()
            with count_queries() as counter:
                started = time.perf_counter()
                page = search(session, group, themes)
                elapsed = time.perf_counter() - started
            assert page.items, name
            assert elapsed < SLOW, name
            counts[name] = counter.count
            with capsys.disabled():
                print(
                    f"\n[search {label}] {name}: {elapsed * 1000:.1f} ms,"
                    f" {counter.count} queries, {page.total} found"
                )
        return counts

    add_records(session, group, themes, people, 50)
    small = measure("50")
    add_records(session, group, themes, people, 10_000 - 50)
    large = measure("10,000")

    assert small == large
    # The page with the number found, themes, regions; the page with the number found (region
    # and organisation joined), themes.
    assert large["challenges, text"] == 3
    assert large["practices, text"] == 2


# --- the lists' region filter -------------------------------------------------------------------


def listed(response) -> list[str]:
    """The titles a list page shows, in order."""
    return re.findall(r'<a href="/(?:challenges|practices)/\d+">([^<]+)</a>', response.text)


def region_options(response) -> dict[str, list[str]]:
    """The region filter's choices: each country's label and its regions' codes, in order."""
    select = response.text.split('<select id="filter-region"')[1].split("</select>")[0]
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select, re.S)
    return {label: re.findall(r'<option value="(\w+)"', options) for label, options in groups}


def test_the_challenge_list_filters_by_region(session, client, world):
    session.commit()
    path = f"/groups/{world['group'].slug}/challenges/"

    # BE10 faces "Clusters ..." (being addressed) and "Digital procurement ..." (proposed,
    # which only the group's members see).
    found = client.get(f"{path}?region=be10", headers={"Accept-Language": "fr"})
    assert listed(found) == ["Clusters do not talk to universities"]
    assert ">1 défi</h2>" in found.text
    # Regions grouped by country in the reader's language, the chosen one selected.
    options = region_options(found)
    assert "BE10" in options["Belgique"] and "ES51" in options["Espagne"]
    assert list(options).index("Allemagne") < list(options).index("Autriche")
    assert '<option value="BE10" selected>' in found.text
    assert listed(client.get(f"{path}?region=FR10")) == ["Digital skills in small firms"]
    assert listed(client.get(f"{path}?region=SE11")) == []


def filter_form(response) -> str:
    return response.text.split('role="search"')[1].split("</form>")[0]


@pytest.mark.parametrize(
    "query",
    [
        {"region": region}
        for region in ("ZZ99", "XX", "%", "'; DROP TABLE challenges; --", "BE10'", "x" * 2000)
    ]
    + [
        {"region": "\u00e9"},
        {"theme": "999999"},
        {"theme": "abc"},
        {"country": "XX"},
        {"country": "'; --"},
        {"status": "deleted"},
        {"status": "proposed"},  # a status the public does not see
        {"helix": "nobody"},
    ],
)
def test_filter_values_that_name_nothing_are_ignored_on_both_lists(session, client, world, query):
    """A value that names nothing (no such region, country, theme of the group, status or
    helix) is ignored alike on both lists: everything is shown, no filter claims to be set."""
    session.commit()
    for path, everything in (
        (
            f"/groups/{world['group'].slug}/challenges/",
            ["Clusters do not talk to universities", "Digital skills in small firms"],
        ),
        (f"/groups/{world['group'].slug}/practices/", ["Innovation vouchers for digital adoption"]),
    ):
        response = client.get(path, query_string=query)
        assert response.status_code == 200, path
        assert sorted(listed(response)) == everything, path
        assert " selected>" not in filter_form(response), path
        assert "Clear filters" not in response.text, path
        assert "No challenge matches." not in response.text, path
        assert "No published practice matches yet." not in response.text, path
    assert session.scalar(text("SELECT count(*) FROM challenges")) == 4


def test_a_theme_of_another_group_is_ignored(session, client, world):
    foreign = make_theme(session, world["other_group"], name="Elsewhere")
    session.commit()
    for path in ("challenges", "practices"):
        response = client.get(f"/groups/{world['group'].slug}/{path}/?theme={foreign.id}")
        assert listed(response) and "Clear filters" not in response.text, path


def test_real_values_without_records_give_the_empty_list_on_both_lists(session, client, world):
    transfer = world["themes"]["transfer"]
    session.commit()
    group = world["group"].slug
    for query, chosen in (
        ("region=SE11", '<option value="SE11" selected>'),
        ("country=se", '<option value="SE" selected>'),
        ("helix=civil_society", '<option value="civil_society" selected>'),
    ):
        for path, empty in (
            (f"/groups/{group}/challenges/", "No challenge matches."),
            (f"/groups/{group}/practices/", "No published practice matches yet."),
        ):
            response = client.get(f"{path}?{query}")
            assert listed(response) == [] and empty in response.text, (path, query)
            assert chosen in filter_form(response), (path, query)
            assert "Clear filters" in response.text, (path, query)
    # A theme of the group that no published practice has.
    response = client.get(f"/groups/{group}/practices/?theme={transfer.id}")
    assert listed(response) == [] and "No published practice matches yet." in response.text
    assert f'<option value="{transfer.id}" selected>' in response.text


def test_a_region_and_a_country_both_apply(session, client, world):
    session.commit()
    path = f"/groups/{world['group'].slug}/challenges/"
    assert listed(client.get(f"{path}?region=ES51&country=ES")) == [
        "Clusters do not talk to universities"
    ]
    nothing = client.get(f"{path}?region=ES51&country=FR")
    assert listed(nothing) == [] and "No challenge matches." in nothing.text
    # Any search or filter that finds nothing says so, and offers to clear them.
    for query in ("q=zzzz", "helix=civil_society", "country=SE"):
        page = client.get(f"{path}?{query}").text
        assert "No challenge matches." in page and "Clear filters" in page, query
    assert "Clear filters" not in client.get(path).text
    assert listed(client.get(f"{path}?region=FR10&country=FR&q=digital")) == [
        "Digital skills in small firms"
    ]


def test_pages_of_a_region_keep_the_region(session, client, world):
    group = world["group"]
    for number in range(30):
        make_challenge(
            session,
            group,
            status=ChallengeStatus.ACCEPTED,
            title=f"Nordic {number:02}",
            region_codes=("FI1B",),
        )
    session.commit()
    first = client.get(f"/groups/{group.slug}/challenges/?region=FI1B")
    assert len(listed(first)) == 25 and "30 challenges" in first.text
    following = re.search(r'rel="next" href="([^"]+)"', first.text).group(1)
    assert "region=FI1B" in following
    second = client.get(following.replace("&amp;", "&"))
    assert listed(second) == [f"Nordic {number:02}" for number in range(4, -1, -1)]
    # Unfiltered, the group's other challenges come on the pages too.
    assert "32 challenges" in client.get(f"/groups/{group.slug}/challenges/").text
