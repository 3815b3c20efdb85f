"""The practice list is the full-text search over the group's published practices, with its
filters (country, region, theme, helix); hostile searches and regions that name nothing give a
list, never an error."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from cop.challenges.models import GoodPractice, PracticeStatus
from cop.members.models import Helix, WorkingGroup
from tests.factories import make_group, make_organisation


@pytest.fixture
def listing(session):
    group = make_group(session, slug="diffusion")
    agency = make_organisation(session, helix=Helix.PUBLIC_AUTHORITY, region_code="FI1B")
    campus = make_organisation(session, helix=Helix.ACADEMIA_RESEARCH, region_code="ES30")
    for title, organisation, status in (
        ("Innovation vouchers for first adopters", agency, PracticeStatus.PUBLISHED),
        ("Digital innovation hub for farmers", campus, PracticeStatus.PUBLISHED),
        ("Vouchers still in draft", agency, PracticeStatus.DRAFT),
    ):
        session.add(
            GoodPractice(
                group=group,
                title=title,
                organisation=organisation,
                region_code=organisation.region_code,
                problem="Few SMEs adopt new technologies.",
                status=status,
                published_at=datetime(2026, 10, 1, tzinfo=UTC)
                if status is PracticeStatus.PUBLISHED
                else None,
            )
        )
    session.commit()
    return "/groups/diffusion/practices/"


def titles(response) -> list[str]:
    page = response.get_data(as_text=True)
    published = page.split('id="published-title"')[1]
    return re.findall(r'<a href="/practices/\d+">([^<]+)</a>', published)


def test_words_find_published_practices_by_prefix(client, listing):
    assert titles(client.get(f"{listing}?q=vouch")) == ["Innovation vouchers for first adopters"]
    assert titles(client.get(f"{listing}?q=innov+farm")) == ["Digital innovation hub for farmers"]
    assert titles(client.get(f"{listing}?q=draft")) == []  # drafts are not public


def test_filters_by_country_and_helix(client, listing):
    assert titles(client.get(f"{listing}?country=ES")) == ["Digital innovation hub for farmers"]
    assert titles(client.get(f"{listing}?helix=public_authority")) == [
        "Innovation vouchers for first adopters"
    ]


@pytest.mark.parametrize(
    "query", ['"', "a OR b NOT c", "50%", "*", "'; DROP TABLE good_practices; --", "((", "y" * 2000]
)
def test_hostile_searches_give_a_list(client, listing, query):
    response = client.get(listing, query_string={"q": query})
    assert response.status_code == 200
    assert isinstance(titles(response), list)


def test_country_filters_speak_the_readers_language(client, listing):
    practices = client.get(listing, headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<option value="FI">Finlande</option>' in practices
    challenges = client.get(
        "/groups/diffusion/challenges/", headers={"Accept-Language": "de"}
    ).get_data(as_text=True)
    assert '<option value="AT">Österreich</option>' in challenges


def region_options(response) -> dict[str, list[str]]:
    """The region filter's choices: each country's label and its regions' codes, in order."""
    select = response.get_data(as_text=True).split('<select id="filter-region"')[1]
    select = select.split("</select>")[0]
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select, re.S)
    return {label: re.findall(r'<option value="(\w+)"', options) for label, options in groups}


def test_filters_by_region(client, listing):
    finnish = client.get(f"{listing}?region=fi1b", headers={"Accept-Language": "fr"})
    assert titles(finnish) == ["Innovation vouchers for first adopters"]
    assert "1 pratique" in finnish.get_data(as_text=True)
    assert '<option value="FI1B" selected>' in finnish.get_data(as_text=True)
    # The regions of published practices, by country in the reader's language: the draft's
    # region is not one of them unless a published practice is there too.
    assert region_options(finnish) == {"Espagne": ["ES30"], "Finlande": ["FI1B"]}
    assert titles(client.get(f"{listing}?region=ES30")) == ["Digital innovation hub for farmers"]


def test_a_place_without_practices_gives_an_empty_list(client, listing):
    # Real places where no practice is published: the list is filtered, to nothing, and the
    # filter shows the place chosen.
    for query, chosen in (
        ("region=be10", '<option value="BE10" selected>'),
        ("country=de", '<option value="DE" selected>Germany</option>'),
    ):
        page = client.get(f"{listing}?{query}")
        assert titles(page) == [], query
        text = page.get_data(as_text=True)
        assert "No published practice matches yet." in text and "0 practices" in text, query
        assert chosen in text and "Clear filters" in text, query


ALL = ["Digital innovation hub for farmers", "Innovation vouchers for first adopters"]


@pytest.mark.parametrize(
    "query",
    [
        {"region": "ZZ99"},
        {"region": "%"},
        {"region": "'; DROP TABLE good_practices; --"},
        {"region": "x" * 2000},
        {"country": "XX"},
        {"country": "FRANCE"},
        {"theme": "999999"},
        {"theme": "abc"},
        {"helix": "nobody"},
    ],
)
def test_filter_values_that_name_nothing_are_ignored(client, listing, query):
    response = client.get(listing, query_string=query)
    assert response.status_code == 200
    assert sorted(titles(response)) == ALL
    page = response.get_data(as_text=True)
    # Every filter shows "All ...", nothing claims to be filtered.
    assert " selected>" not in page.split('id="published-title"')[1].split("</form>")[0]
    assert "Clear filters" not in page and "2 practices" in page
    assert "No published practice matches yet." not in page


def test_a_value_that_names_nothing_does_not_hide_the_others(client, listing):
    page = client.get(f"{listing}?region=ZZ99&country=ES")
    assert titles(page) == ["Digital innovation hub for farmers"]
    assert '<option value="ES" selected>' in page.get_data(as_text=True)


def test_a_region_and_a_country_both_apply(client, listing):
    assert titles(client.get(f"{listing}?region=FI1B&country=FI")) == [
        "Innovation vouchers for first adopters"
    ]
    assert titles(client.get(f"{listing}?region=FI1B&country=ES")) == []
    assert titles(client.get(f"{listing}?region=FI1B&q=farmers")) == []


def test_pages_of_a_region_keep_the_region(client, session, listing):
    group = session.scalar(select(WorkingGroup).where(WorkingGroup.slug == "diffusion"))
    for number in range(30):
        session.add(
            GoodPractice(
                group=group,
                title=f"Basque practice {number:02}",
                region_code="ES21",
                problem="Few SMEs adopt new technologies.",
                status=PracticeStatus.PUBLISHED,
                published_at=datetime(2026, 9, 1, tzinfo=UTC) + timedelta(hours=number),
            )
        )
    session.commit()
    first = client.get(f"{listing}?region=ES21")
    assert len(titles(first)) == 25 and "30 practices" in first.get_data(as_text=True)
    following = re.search(r'rel="next" href="([^"]+)"', first.get_data(as_text=True)).group(1)
    assert "region=ES21" in following
    second = client.get(following.replace("&amp;", "&"))
    assert titles(second) == [f"Basque practice {number:02}" for number in range(4, -1, -1)]
