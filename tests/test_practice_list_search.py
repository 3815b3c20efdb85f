"""The practice list is the full-text search over the group's published practices, with its
filters; hostile searches give a list, never an error."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from cop.challenges.models import GoodPractice, PracticeStatus
from cop.members.models import Helix
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
