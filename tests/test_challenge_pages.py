"""The challenge pages: a group's list, raising, a challenge's page, endorsing, the coordinators'
decisions, ranking and themes; who sees what, bad input, emails and query counts."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from cop.audit.models import AuditEntry
from cop.challenges import decisions, services
from cop.challenges.models import (
    Challenge,
    ChallengeStatus,
    Endorsement,
    GoodPractice,
    PracticeStatus,
    Theme,
)
from cop.mail.models import OutboxMessage
from cop.meetings.models import MeetingStatus
from cop.members.models import Helix, MembershipStatus, OrganisationKind, Role
from tests.conftest import Browser
from tests.factories import (
    make_challenge,
    make_endorsement,
    make_group,
    make_meeting,
    make_membership,
    make_organisation,
    make_theme,
    make_user,
)

HOSTILE = '<script>alert("x")</script>[click](javascript:alert(1)) <img src=x onerror=alert(1)>'


def text_of(response) -> str:
    return response.get_data(as_text=True)


def main_of(response) -> str:
    page = text_of(response)
    return page[page.index("<main") : page.index("</main>")]


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def world(app, session, admin):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    other = make_group(session, slug="industrial-transition", name="Industrial Transition")
    madrid = make_organisation(
        session, name="Universidad de Madrid", helix=Helix.ACADEMIA_RESEARCH, region_code="ES30"
    )
    helsinki = make_organisation(
        session,
        name="Helsinki Business Hub",
        helix=Helix.PUBLIC_AUTHORITY,
        kind=OrganisationKind.INNOVATION_AGENCY,
        region_code="FI1B",
    )
    raiser = make_user(session, name="Rosa Raiser", email="rosa@example.org", organisation=madrid)
    raiser.language = "fr"
    endorser = make_user(session, name="Eino Endorser", organisation=helsinki)
    plain = make_user(session, name="Paul Plain")
    coordinator = make_user(session, name="Cora Coordinator")
    outsider = make_user(session, name="Olga Outsider")
    applicant = make_user(session, name="Anna Applicant")
    make_membership(session, raiser, group)
    make_membership(session, endorser, group)
    make_membership(session, plain, group)
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    make_membership(session, outsider, other)
    make_membership(session, applicant, group, status=MembershipStatus.APPLIED)
    digital = make_theme(session, group, name="Digitalisation", position=1)
    skills = make_theme(session, group, name="SMEs' adoption of new technologies", position=2)
    retired = make_theme(session, group, name="Old theme", position=3, retired=True)
    foreign = make_theme(session, other, name="Skills")
    plenary = make_meeting(session, group, title="Second plenary")
    draft = make_meeting(session, group, title="Draft meeting", status=MeetingStatus.DRAFT)
    session.commit()
    return {
        "group": group,
        "other": other,
        "raiser": raiser,
        "endorser": endorser,
        "plain": plain,
        "coordinator": coordinator,
        "outsider": outsider,
        "applicant": applicant,
        "admin": admin,
        "digital": digital,
        "skills": skills,
        "retired": retired,
        "foreign": foreign,
        "plenary": plenary,
        "draft": draft,
    }


def browser_for(app, person=None) -> Browser:
    browser = Browser(app.test_client())
    if person is not None:
        browser.login(person)
    return browser


def challenge_path(challenge) -> str:
    return f"/challenges/{challenge.id}"


@pytest.fixture
def challenges(session, world):
    group = world["group"]
    made = {
        "proposed": make_challenge(session, group, raised_by=world["raiser"], title="Proposed one"),
        "accepted": make_challenge(
            session,
            group,
            raised_by=world["raiser"],
            status=ChallengeStatus.ACCEPTED,
            title="Accepted one",
            themes=(world["digital"],),
            region_codes=("ES30", "FI1B"),
        ),
        "ranked": make_challenge(
            session, group, status=ChallengeStatus.BEING_ADDRESSED, title="Ranked one", priority=1
        ),
        "closed": make_challenge(
            session,
            group,
            status=ChallengeStatus.CLOSED,
            title="Closed one",
            decision_note="Out of scope for the group.",
        ),
    }
    made["merged"] = make_challenge(
        session,
        group,
        status=ChallengeStatus.MERGED,
        title="Merged one",
        merged_into=made["accepted"],
    )
    made["foreign"] = make_challenge(
        session, world["other"], status=ChallengeStatus.ACCEPTED, title="Foreign one"
    )
    session.commit()
    return made


# -- the group's list ------------------------------------------------------------------------------


def titles_in(page: str) -> list[str]:
    return re.findall(r'<a href="/challenges/\d+">([^<]+)</a>', page)


def test_the_public_sees_accepted_challenges_ranked_first(app, world, challenges, session):
    make_endorsement(session, challenges["accepted"], world["endorser"], region_code="FI1B")
    session.commit()
    page = main_of(browser_for(app).client.get("/groups/innovation-diffusion/challenges/"))
    assert titles_in(page) == ["Ranked one", "Accepted one"]
    assert "Priority 1" in page
    assert "2 regions" in page and "1 endorsement" in page
    assert "Digitalisation" in page
    assert "Raise a challenge" not in page
    assert "Proposed one" not in page and "Closed one" not in page and "Foreign one" not in page


@pytest.mark.parametrize("role", ["outsider", "applicant"])
def test_non_members_see_what_the_public_sees(app, world, challenges, role):
    page = main_of(
        browser_for(app, world[role]).client.get("/groups/innovation-diffusion/challenges/")
    )
    assert titles_in(page) == ["Ranked one", "Accepted one"]


def test_members_see_every_challenge_of_their_group(app, world, challenges):
    browser = browser_for(app, world["plain"])
    page = main_of(browser.client.get("/groups/innovation-diffusion/challenges/"))
    assert titles_in(page)[0] == "Ranked one"
    assert set(titles_in(page)) == {
        "Ranked one",
        "Accepted one",
        "Proposed one",
        "Closed one",
        "Merged one",
    }
    assert "Raise a challenge" in page
    assert "Rank the challenges" not in page


def test_the_list_searches_the_text_of_the_challenges(app, world, challenges, session):
    """The list is the full-text search: words match as prefixes, all of them required, and
    the public still finds only what it may see."""
    base = "/groups/innovation-diffusion/challenges/"
    public = browser_for(app).client
    assert titles_in(main_of(public.get(f"{base}?q=accep"))) == ["Accepted one"]
    assert titles_in(main_of(public.get(f"{base}?q=one+ranked"))) == ["Ranked one"]
    # A proposed challenge is found by members only.
    assert titles_in(main_of(public.get(f"{base}?q=proposed"))) == []
    member = browser_for(app, world["plain"]).client
    assert titles_in(main_of(member.get(f"{base}?q=proposed"))) == ["Proposed one"]
    page = main_of(member.get(f"{base}?q=proposed"))
    assert 'value="proposed"' in page  # the search box keeps what was typed


def test_the_list_filters_by_country_and_helix(app, world, challenges, session):
    make_endorsement(session, challenges["accepted"], world["endorser"], region_code="FI1B")
    session.commit()
    base = "/groups/innovation-diffusion/challenges/"
    client = browser_for(app).client
    # Accepted one faces ES30 and FI1B; its endorser's organisation is a public authority.
    assert titles_in(main_of(client.get(f"{base}?country=FI"))) == ["Accepted one"]
    assert titles_in(main_of(client.get(f"{base}?country=SE"))) == []
    assert titles_in(main_of(client.get(f"{base}?helix=public_authority"))) == ["Accepted one"]


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced',
        "a AND OR NOT NEAR(b)",
        "100%",
        "digi*",
        "'; DROP TABLE challenges; --",
        "((()",
        "x" * 2000,
        "région",
        "\u0000",
    ],
)
def test_hostile_searches_give_a_list_never_an_error(app, world, challenges, query):
    response = browser_for(app).client.get(
        "/groups/innovation-diffusion/challenges/", query_string={"q": query}
    )
    assert response.status_code == 200
    assert "challenge" in main_of(response)


def test_the_list_filters_by_theme_and_status(app, world, challenges):
    browser = browser_for(app, world["plain"])
    base = "/groups/innovation-diffusion/challenges/"
    by_theme = main_of(browser.client.get(f"{base}?theme={world['digital'].id}"))
    assert titles_in(by_theme) == ["Accepted one"]
    by_status = main_of(browser.client.get(f"{base}?status=closed"))
    assert titles_in(by_status) == ["Closed one"]
    # Anonymous readers cannot filter their way to what they may not see.
    assert titles_in(main_of(browser_for(app).client.get(f"{base}?status=proposed"))) == [
        "Ranked one",
        "Accepted one",
    ]


@pytest.mark.parametrize(
    "query",
    [
        "theme=abc",
        "theme=-1",
        "theme=99999999999999999999",
        "status=nonsense",
        "status=%27%20OR%201%3D1",
        "page=0",
        "page=-3",
        "page=999999999999",
        "page=x",
        "theme=%00",
        "slug=other",
    ],
)
def test_bad_filters_are_ignored(app, world, challenges, query):
    response = browser_for(app).client.get(f"/groups/innovation-diffusion/challenges/?{query}")
    assert response.status_code == 200
    assert titles_in(main_of(response)) == ["Ranked one", "Accepted one"]


def test_a_theme_of_another_group_is_ignored(app, world, challenges):
    path = f"/groups/innovation-diffusion/challenges/?theme={world['foreign'].id}"
    assert titles_in(main_of(browser_for(app).client.get(path))) == ["Ranked one", "Accepted one"]


def test_the_list_is_paginated(app, world, session):
    for number in range(30):
        make_challenge(
            session, world["group"], status=ChallengeStatus.ACCEPTED, title=f"Numbered {number:02}"
        )
    session.commit()
    client = browser_for(app).client
    first = main_of(client.get("/groups/innovation-diffusion/challenges/"))
    assert len(titles_in(first)) == 25
    assert "Page 1 of 2" in first and "Numbered 29" in first
    second = main_of(client.get("/groups/innovation-diffusion/challenges/?page=2"))
    assert titles_in(second) == [f"Numbered {n:02}" for n in range(4, -1, -1)]


def test_the_list_queries_do_not_grow(app, world, session, count_queries):
    readers = {
        "anonymous": browser_for(app),
        "member": browser_for(app, world["plain"]),
        "coordinator": browser_for(app, world["coordinator"]),
    }
    path = "/groups/innovation-diffusion/challenges/"
    people = [make_user(session) for _ in range(3)]

    def grow(count: int) -> None:
        for _number in range(count):
            challenge = make_challenge(
                session,
                world["group"],
                status=ChallengeStatus.ACCEPTED,
                themes=(world["digital"], world["skills"]),
                region_codes=("ES30", "FI1B", "BE10"),
            )
            for person in people:
                make_endorsement(session, challenge, person)
        session.commit()

    def queries() -> dict[str, int]:
        counts = {}
        for role, browser in readers.items():
            with count_queries() as counter:
                response = browser.client.get(path)
            assert response.status_code == 200
            counts[role] = counter.count
        return counts

    grow(5)
    small = queries()
    grow(35)
    large = queries()
    assert "3 endorsements" in main_of(readers["anonymous"].client.get(path))
    assert small == large


# -- raising a challenge ---------------------------------------------------------------------------


def test_a_member_raises_a_challenge_at_a_meeting(app, world, session):
    browser = browser_for(app, world["raiser"])
    form = text_of(browser.client.get("/groups/innovation-diffusion/challenges/new"))
    # The raiser reads the site in French.
    assert "<legend>Thèmes</legend>" in form
    assert '<optgroup label="Finlande">' in form  # regions grouped by country
    assert "Second plenary" in form and "Draft meeting" not in form
    assert "Old theme" not in form
    response = browser.post(
        "/groups/innovation-diffusion/challenges/new",
        {
            "title": "Universities do not meet the needs of SMEs",
            "description": "Research centres **rarely** answer small firms.",
            "theme_ids": [str(world["skills"].id)],
            "region_codes": ["FI1B"],
            "meeting_id": str(world["plenary"].id),
        },
    )
    assert response.status_code == 302
    challenge = session.scalar(select(Challenge).order_by(Challenge.id.desc()))
    assert challenge.title == "Universities do not meet the needs of SMEs"
    assert challenge.status is ChallengeStatus.PROPOSED
    assert [region.code for region in challenge.regions] == ["ES30", "FI1B"]  # their own too
    assert challenge.themes == [world["skills"]]
    assert challenge.raised_at_meeting == world["plenary"]
    page = main_of(browser.client.get(response.headers["Location"]))
    assert "<strong>rarely</strong>" in page
    assert "Second plenary" in page and "Rosa Raiser" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": ""}, "title", None),
        ({"description": ""}, "description", None),
        ({"title": "x" * 201}, "title", None),
        ({"title": "Bell\x07"}, "title", None),
        ({"theme_ids": ["{retired}"]}, "theme_ids", "Choose among the group's themes."),
        ({"theme_ids": ["{foreign}"]}, "theme_ids", "Choose among the group's themes."),
        ({"theme_ids": ["abc"]}, "theme_ids", "Choose among the group's themes."),
        ({"region_codes": ["ZZ99"]}, "region_codes", "Choose regions from the list."),
        ({"meeting_id": "{draft}"}, "meeting_id", "Choose one of the group's meetings."),
        ({"meeting_id": "99999999"}, "meeting_id", "Choose one of the group's meetings."),
        ({"meeting_id": "x"}, "meeting_id", "Choose one of the group's meetings."),
    ],
)
def test_bad_challenges_are_refused_next_to_the_field(app, world, session, data, field, message):
    browser = browser_for(app, world["plain"])  # reads the site in English
    values = {
        "title": "A fine title",
        "description": "A fine description.",
        "region_codes": ["FI1B"],
    }
    for key, value in data.items():
        ids = {name: world[name].id for name in ("retired", "foreign", "draft")}
        values[key] = (
            [item.format(**ids) for item in value]
            if isinstance(value, list)
            else value.format(**ids)
        )
    before = count(session, Challenge), count(session, AuditEntry)
    response = browser.post("/groups/innovation-diffusion/challenges/new", values)
    assert response.status_code == 400
    page = text_of(response)
    error = re.search(rf'id="{field}-error">([^<]+)<', page)
    assert error, page[page.index("<main") :][:2000]
    if message:
        assert message in html.unescape(error.group(1))
    assert (count(session, Challenge), count(session, AuditEntry)) == before


def test_a_member_without_a_region_must_name_one(app, world, session):
    browser = browser_for(app, world["plain"])
    response = browser.post(
        "/groups/innovation-diffusion/challenges/new",
        {"title": "Title", "description": "Text"},
    )
    assert response.status_code == 400
    assert "Name at least one region" in text_of(response)
    assert count(session, Challenge) == 0


def test_hostile_markdown_is_sanitised(app, world, session):
    challenge = make_challenge(
        session, world["group"], status=ChallengeStatus.ACCEPTED, description=HOSTILE
    )
    session.commit()
    page = main_of(browser_for(app).client.get(challenge_path(challenge)))
    assert "<script" not in page and 'href="javascript' not in page and "<img" not in page
    assert "&lt;script&gt;" in page


def test_only_members_raise_challenges(app, world, session):
    anonymous = browser_for(app).client.get("/groups/innovation-diffusion/challenges/new")
    assert anonymous.status_code == 302 and "/account/login" in anonymous.headers["Location"]
    for role in ("outsider", "applicant"):
        browser = browser_for(app, world[role])
        assert browser.client.get("/groups/innovation-diffusion/challenges/new").status_code == 403
        response = browser.post(
            "/groups/innovation-diffusion/challenges/new",
            {"title": "T", "description": "D", "region_codes": ["FI1B"]},
        )
        assert response.status_code == 403
    assert count(session, Challenge) == 0


# -- a challenge's page ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["proposed", "closed", "foreign"])
def test_hidden_challenges_are_not_there_for_the_public(app, world, challenges, name):
    client = browser_for(app).client
    assert client.get(challenge_path(challenges[name])).status_code == (
        200 if name == "foreign" else 404
    )
    outsider = browser_for(app, world["outsider"]).client
    expected = 200 if name == "foreign" else 404
    assert outsider.get(challenge_path(challenges[name])).status_code == expected


def test_members_read_closed_and_merged_challenges_with_why(app, world, challenges):
    client = browser_for(app, world["plain"]).client
    closed = main_of(client.get(challenge_path(challenges["closed"])))
    assert "This challenge is closed." in closed and "Out of scope for the group." in closed
    merged = main_of(client.get(challenge_path(challenges["merged"])))
    assert "This challenge was merged into another one" in merged
    assert f'href="/challenges/{challenges["accepted"].id}">Accepted one</a>' in merged
    assert "Endorsements given here count on the challenge it was merged into." in merged
    assert "Nobody has endorsed this challenge yet." not in merged
    assert "My region faces this too" not in merged


@pytest.mark.parametrize("role", [None, "outsider", "applicant"])
def test_visitors_are_sent_on_from_a_merged_challenge(app, world, challenges, role):
    """A link to a duplicate, shared before the merge, leads visitors to the challenge its
    endorsements count on now."""
    client = browser_for(app, world[role] if role else None).client
    response = client.get(challenge_path(challenges["merged"]))
    assert response.status_code == 301
    assert response.headers["Location"] == challenge_path(challenges["accepted"])
    # A member signing in later reads the duplicate's own page: the redirect is not reused.
    assert response.headers["Cache-Control"] == "no-cache"
    page = main_of(client.get(response.headers["Location"]))
    assert "<h1>Accepted one</h1>" in page and "Merged one" not in page


@pytest.mark.parametrize("target", ["proposed", "closed"])
def test_a_merge_into_a_challenge_visitors_may_not_see_stays_hidden(
    app, world, challenges, session, target
):
    duplicate = make_challenge(
        session,
        world["group"],
        status=ChallengeStatus.MERGED,
        title="Duplicate of a hidden one",
        merged_into=challenges[target],
    )
    session.commit()
    for client in (browser_for(app).client, browser_for(app, world["outsider"]).client):
        response = client.get(challenge_path(duplicate))
        assert response.status_code == 404
        assert "Location" not in response.headers
        assert "There is no such challenge." in text_of(response)
    member = browser_for(app, world["plain"]).client.get(challenge_path(duplicate))
    assert member.status_code == 200
    assert "Duplicate of a hidden one" in main_of(member)


def merge_chain(session, world, end_status):
    """First merged into Second, which was merged since into Last (of `end_status`)."""
    group = world["group"]
    last = make_challenge(session, group, status=end_status, title="Last")
    second = make_challenge(
        session, group, status=ChallengeStatus.MERGED, title="Second", merged_into=last
    )
    first = make_challenge(
        session, group, status=ChallengeStatus.MERGED, title="First", merged_into=second
    )
    session.commit()
    return first, second, last


def test_a_chain_of_merges_is_followed_to_its_end(app, world, session):
    first, second, last = merge_chain(session, world, ChallengeStatus.ACCEPTED)
    client = browser_for(app).client
    for merged in (first, second):
        response = client.get(challenge_path(merged))
        assert response.status_code == 301
        assert response.headers["Location"] == challenge_path(last)
    # Members read where the first one's endorsements count now, and the way they went.
    page = main_of(browser_for(app, world["plain"]).client.get(challenge_path(first)))
    assert f'href="{challenge_path(last)}">Last</a>' in page
    assert "It was merged into “Second”, which was merged into that one since." in page


def test_a_chain_ending_in_a_hidden_challenge_stays_hidden(app, world, session):
    first, second, _last = merge_chain(session, world, ChallengeStatus.PROPOSED)
    client = browser_for(app).client
    assert client.get(challenge_path(first)).status_code == 404
    assert client.get(challenge_path(second)).status_code == 404


def test_a_chain_that_does_not_end_is_not_followed_forever(app, world, session, count_queries):
    """Merges never make a cycle; were the data broken, the page still answers, 404."""
    group = world["group"]
    one = make_challenge(session, group, status=ChallengeStatus.ACCEPTED, title="One")
    two = make_challenge(session, group, status=ChallengeStatus.MERGED, merged_into=one)
    session.commit()
    one.status, one.merged_into = ChallengeStatus.MERGED, two  # a cycle no service makes
    session.commit()
    client = browser_for(app).client
    with count_queries() as counter:
        response = client.get(challenge_path(two))
    assert response.status_code == 404
    assert counter.count < 40


def test_the_page_counts_endorsements_by_helix_and_country(app, world, challenges, session):
    accepted = challenges["accepted"]
    make_endorsement(session, accepted, world["endorser"], region_code="FI1B")
    make_endorsement(session, accepted, world["plain"], region_code="ES30")
    session.commit()
    page = main_of(browser_for(app).client.get(challenge_path(accepted)))
    assert "2 members said their region faces this too." in page
    assert "Endorsements by helix" in page
    assert re.search(r"Public authorit[^<]*</th><td>1</td>", page)
    assert re.search(r">Finland</th><td>1</td>", page)
    assert re.search(r">Spain</th><td>1</td>", page)
    # Not listed, so not named to the public.
    assert "Rosa Raiser" not in page and "A member of the group" in page
    assert "Endorse" not in page.replace("Endorsements", "")


def test_history_and_endorsing_through_the_page(app, world, challenges, session):
    accepted = challenges["accepted"]
    browser = browser_for(app, world["endorser"])
    page = main_of(browser.client.get(challenge_path(accepted)))
    assert "My region faces this too" in page
    # Their organisation's region, said, not offered as a choice.
    assert "You endorse for your organisation's region: Helsinki-Uusimaa, Finland." in page
    assert 'name="region_code"' not in page
    response = browser.post(f"/challenges/{accepted.id}/endorse")
    assert response.status_code == 302
    endorsement = session.scalar(select(Endorsement))
    assert (endorsement.user, endorsement.region_code) == (world["endorser"], "FI1B")
    page = main_of(browser.client.get(challenge_path(accepted)))
    assert "You endorsed this for Helsinki-Uusimaa, Finland." in page
    assert "My region faces this too" not in page
    # The history names the region, not its code.
    assert re.search(r"Endorsed for Helsinki-Uusimaa, Finland\s*· by Eino Endorser", page)
    assert "FI1B" not in page
    # In French, the history names the country in French.
    french = main_of(browser_for(app, world["raiser"]).client.get(challenge_path(accepted)))
    assert re.search(r"Helsinki-Uusimaa, Finlande\s*· par Eino Endorser", french)


def test_a_member_without_a_region_chooses_one(app, world, challenges, session):
    accepted = challenges["accepted"]
    browser = browser_for(app, world["plain"])  # no organisation
    page = main_of(browser.client.get(challenge_path(accepted)))
    assert "Your organisation has no region: choose the region that faces this challenge." in page
    # Nothing is chosen for them: the first choice is empty.
    select_field = page[page.index('name="region_code"') :]
    assert re.match(
        r'name="region_code">\s*<option selected value="">Choose the region', select_field
    )
    assert '<optgroup label="Finland">' in page
    response = browser.post(f"/challenges/{accepted.id}/endorse", {"region_code": ""})
    assert response.status_code == 400
    assert re.search(
        r'id="region_code-error">Choose the region that faces this challenge.', text_of(response)
    )
    assert count(session, Endorsement) == 0
    response = browser.post(f"/challenges/{accepted.id}/endorse", {"region_code": "PL91"})
    assert response.status_code == 302
    endorsement = session.scalar(select(Endorsement))
    assert (endorsement.user, endorsement.region_code) == (world["plain"], "PL91")


@pytest.mark.parametrize(
    "region_code",
    ["ES30", "PL91", "ZZ99'--"],  # the raiser's region, another region, no region
)
def test_a_forged_region_is_refused_for_a_member_with_a_region(
    app, world, challenges, session, region_code
):
    accepted = challenges["accepted"]
    audit = count(session, AuditEntry)
    response = browser_for(app, world["endorser"]).post(
        f"/challenges/{accepted.id}/endorse", {"region_code": region_code}
    )
    assert response.status_code == 400
    assert (
        '<p class="error" role="alert">You endorse for your organisation\'s region'
        " (Helsinki-Uusimaa, Finland), not for another one.</p>"
    ) in html.unescape(text_of(response))
    assert "<h1>Accepted one</h1>" in text_of(response)
    assert count(session, Endorsement) == 0 and count(session, AuditEntry) == audit
    session.refresh(accepted)
    assert {region.code for region in accepted.regions} == {"ES30", "FI1B"}


def test_endorsing_twice_is_refused(app, world, challenges, session):
    accepted = challenges["accepted"]
    make_endorsement(session, accepted, world["endorser"], region_code="FI1B")
    session.commit()
    browser = browser_for(app, world["endorser"])
    response = browser.post(f"/challenges/{accepted.id}/endorse", {"region_code": "ES30"})
    assert response.status_code == 409
    assert "You have already endorsed this challenge." in text_of(response)
    # On the challenge's own page, not a bare error page.
    assert "<h1>Accepted one</h1>" in text_of(response)
    assert count(session, Endorsement) == 1


def test_endorsing_for_another_member_endorses_for_oneself(app, world, challenges, session):
    accepted = challenges["accepted"]
    browser = browser_for(app, world["endorser"])
    response = browser.post(
        f"/challenges/{accepted.id}/endorse",
        {"region_code": "FI1B", "user_id": str(world["plain"].id)},
    )
    assert response.status_code == 302
    assert [e.user for e in session.scalars(select(Endorsement))] == [world["endorser"]]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("closed", "This challenge is closed: it can no longer be endorsed."),
        ("merged", "This challenge was merged into another one: endorse that one instead."),
    ],
)
def test_closed_and_merged_challenges_are_not_endorsed(
    app, world, challenges, session, name, message
):
    browser = browser_for(app, world["endorser"])
    response = browser.post(f"/challenges/{challenges[name].id}/endorse", {"region_code": "FI1B"})
    assert response.status_code == 400
    assert message in text_of(response)
    assert count(session, Endorsement) == 0


def test_a_bad_region_is_refused_next_to_the_endorse_field(app, world, challenges, session):
    browser = browser_for(app, world["plain"])  # chooses: their organisation has no region
    response = browser.post(
        f"/challenges/{challenges['accepted'].id}/endorse", {"region_code": "ZZ99'--"}
    )
    assert response.status_code == 400
    assert re.search(r'id="region_code-error">Choose regions from the list.', text_of(response))
    assert count(session, Endorsement) == 0


def test_non_members_cannot_endorse(app, world, challenges, session):
    accepted = challenges["accepted"]
    anonymous = browser_for(app)
    response = anonymous.post(f"/challenges/{accepted.id}/endorse", {"region_code": "FI1B"})
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    outsider = browser_for(app, world["outsider"])
    assert outsider.post(f"/challenges/{accepted.id}/endorse", {}).status_code == 403
    assert outsider.post(f"/challenges/{challenges['proposed'].id}/endorse", {}).status_code == 404
    # A merged challenge sends visitors on when they read it, not when they post to it.
    merged = outsider.post(f"/challenges/{challenges['merged'].id}/endorse", {})
    assert merged.status_code == 404
    assert count(session, Endorsement) == 0


def test_the_page_shows_the_practices_the_reader_may_see(app, world, challenges, session):
    accepted = challenges["accepted"]
    for title, status in (("Vouchers", PracticeStatus.PUBLISHED), ("Draft", PracticeStatus.DRAFT)):
        practice = GoodPractice(group=world["group"], title=title, status=status)
        practice.challenges.append(accepted)
        session.add(practice)
    session.commit()
    public = main_of(browser_for(app).client.get(challenge_path(accepted)))
    assert "Vouchers" in public and ">Draft<" not in public
    coordinator = main_of(
        browser_for(app, world["coordinator"]).client.get(challenge_path(accepted))
    )
    assert "Vouchers" in coordinator and ">Draft</a>" in coordinator


def test_the_challenge_page_queries_do_not_grow(app, world, challenges, session, count_queries):
    accepted = challenges["accepted"]
    readers = {
        "anonymous": browser_for(app),
        "member": browser_for(app, world["plain"]),
        "coordinator": browser_for(app, world["coordinator"]),
    }

    def grow(count: int) -> None:
        for number in range(count):
            organisation = make_organisation(session, helix=list(Helix)[number % 4])
            person = make_user(session, organisation=organisation)
            make_endorsement(session, accepted, person, region_code=("FI1B", "ES30")[number % 2])
            practice = GoodPractice(
                group=world["group"], title=f"Practice {number}", status=PracticeStatus.PUBLISHED
            )
            practice.challenges.append(accepted)
            session.add(practice)
        session.commit()

    def queries() -> dict[str, int]:
        counts = {}
        for role, browser in readers.items():
            with count_queries() as counter:
                response = browser.client.get(challenge_path(accepted))
            assert response.status_code == 200
            counts[role] = counter.count
        return counts

    grow(3)
    small = queries()
    grow(30)
    large = queries()
    assert "33 members said" in main_of(readers["anonymous"].client.get(challenge_path(accepted)))
    assert small == large


# -- the coordinators' decisions -------------------------------------------------------------------


def outbox(session, kind: str) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def test_coordinators_accept_and_the_raiser_is_emailed(app, world, challenges, session):
    proposed = challenges["proposed"]
    browser = browser_for(app, world["coordinator"])
    page = main_of(browser.client.get(challenge_path(proposed)))
    assert "Accept this challenge" in page
    response = browser.post(f"/challenges/{proposed.id}/advance", page=challenge_path(proposed))
    assert response.status_code == 302
    session.refresh(proposed)
    assert proposed.status is ChallengeStatus.ACCEPTED
    (message,) = outbox(session, "challenge_accepted")
    assert message.recipient == "rosa@example.org"
    assert f"/challenges/{proposed.id}" in message.body_text
    # Further steps email nobody.
    browser.post(f"/challenges/{proposed.id}/advance", page=challenge_path(proposed))
    session.refresh(proposed)
    assert proposed.status is ChallengeStatus.BEING_ADDRESSED
    assert len(outbox(session, "challenge_accepted")) == 1
    history = main_of(browser.client.get(challenge_path(proposed)))
    assert "Accepted" in history and "Marked as being addressed" in history


def test_a_step_pressed_twice_moves_the_challenge_once(app, world, challenges, session):
    proposed = challenges["proposed"]
    browser = browser_for(app, world["coordinator"])
    seen = {"from_status": "proposed"}
    first = browser.post(f"/challenges/{proposed.id}/advance", seen, page=challenge_path(proposed))
    assert first.status_code == 302
    again = browser.post(f"/challenges/{proposed.id}/advance", seen, page=challenge_path(proposed))
    assert again.status_code == 409
    assert "has moved on since you opened the page" in again.get_data(as_text=True)
    session.refresh(proposed)
    assert proposed.status is ChallengeStatus.ACCEPTED


def test_only_coordinators_advance(app, world, challenges, session):
    proposed = challenges["proposed"]
    for role in ("plain", "raiser"):
        response = browser_for(app, world[role]).post(f"/challenges/{proposed.id}/advance")
        assert response.status_code == 403
    session.refresh(proposed)
    assert proposed.status is ChallengeStatus.PROPOSED


def test_an_addressed_challenge_has_no_further_step(app, world, session):
    done = make_challenge(session, world["group"], status=ChallengeStatus.ADDRESSED)
    session.commit()
    response = browser_for(app, world["coordinator"]).post(f"/challenges/{done.id}/advance")
    assert response.status_code == 400
    assert "This challenge has no further step." in text_of(response)


def test_closing_needs_a_reason_and_emails_it(app, world, challenges, session):
    proposed = challenges["proposed"]
    browser = browser_for(app, world["coordinator"])
    form = text_of(browser.client.get(f"/challenges/{proposed.id}/close"))
    assert 'name="reason"' in form
    audit = count(session, AuditEntry)
    response = browser.post(f"/challenges/{proposed.id}/close", {"reason": "  "})
    assert response.status_code == 400
    assert 'id="reason-error"' in text_of(response)
    session.refresh(proposed)
    assert proposed.status is ChallengeStatus.PROPOSED and count(session, AuditEntry) == audit
    response = browser.post(f"/challenges/{proposed.id}/close", {"reason": "Covered elsewhere."})
    assert response.status_code == 302
    session.refresh(proposed)
    assert (proposed.status, proposed.decision_note) == (
        ChallengeStatus.CLOSED,
        "Covered elsewhere.",
    )
    (message,) = outbox(session, "challenge_closed")
    assert message.recipient == "rosa@example.org" and "Covered elsewhere." in message.body_text


def test_merging_moves_endorsements_and_emails_the_raiser(app, world, challenges, session):
    proposed, accepted = challenges["proposed"], challenges["accepted"]
    make_endorsement(session, proposed, world["endorser"], region_code="FI1B")
    session.commit()
    browser = browser_for(app, world["coordinator"])
    form = text_of(browser.client.get(f"/challenges/{proposed.id}/merge"))
    assert "Accepted one" in form and "Closed one" not in form
    response = browser.post(
        f"/challenges/{proposed.id}/merge", {"into": str(accepted.id), "note": "Same problem."}
    )
    assert response.status_code == 302
    session.refresh(proposed)
    assert proposed.status is ChallengeStatus.MERGED and proposed.merged_into == accepted
    assert session.scalar(select(Endorsement)).challenge_id == accepted.id
    (message,) = outbox(session, "challenge_merged")
    assert f"/challenges/{accepted.id}" in message.body_text
    page = main_of(browser.client.get(challenge_path(accepted)))
    assert "Proposed one" in page  # merged here


def test_the_history_says_what_was_merged_into_the_challenge(app, world, challenges, session):
    accepted = challenges["accepted"]
    raiser = browser_for(app, world["raiser"])
    raiser.post(
        "/groups/innovation-diffusion/challenges/new",
        {
            "title": "Vouchers go unspent",
            "description": "Nobody explains them.",
            "region_codes": [],
        },
    )
    duplicate = session.scalar(select(Challenge).where(Challenge.title == "Vouchers go unspent"))
    endorsed = browser_for(app, world["endorser"]).post(f"/challenges/{duplicate.id}/endorse")
    assert endorsed.status_code == 302
    response = browser_for(app, world["coordinator"]).post(
        f"/challenges/{duplicate.id}/merge", {"into": str(accepted.id)}
    )
    assert response.status_code == 302

    page = main_of(browser_for(app, world["plain"]).client.get(challenge_path(accepted)))
    history = page[page.index('id="history-title"') : page.index('id="facts-title"')]
    # Eino's endorsement moved; Rosa raised both, so hers counted here already.
    assert re.search(
        r"<li>\s*<time[^>]*>[^<]+</time>:\s*“Vouchers go unspent” was merged into this challenge"
        r" \(1 endorsement moved\) · by Cora Coordinator\s*</li>",
        html.unescape(history),
    )
    # The duplicate's own steps stay on its own page.
    assert "Raised" not in history and "Endorsed for" not in history
    own = main_of(browser_for(app, world["plain"]).client.get(challenge_path(duplicate)))
    assert re.search(r"Merged into “Accepted one” · by Cora Coordinator", html.unescape(own))
    assert "Endorsed for Helsinki-Uusimaa, Finland · by Eino Endorser" in own
    # Proposed and merged, the duplicate was never public: visitors do not read its title.
    public = main_of(browser_for(app).client.get(challenge_path(accepted)))
    assert "Vouchers go unspent" not in public


def test_the_history_queries_do_not_grow(app, world, challenges, session, count_queries):
    """Endorsements name their regions and merges their challenges, in a fixed number of
    queries however long the history."""
    accepted = challenges["accepted"]
    regions = ("FI1B", "ES30", "BE10", "FR10", "DE21", "PL91", "AT13")
    readers = {
        "anonymous": browser_for(app),
        "member": browser_for(app, world["plain"]),
        "coordinator": browser_for(app, world["coordinator"]),
    }
    grown = [0]

    def grow(count: int) -> None:
        with app.test_request_context():
            for _step in range(count):
                number = grown[0] = grown[0] + 1
                region = regions[number % len(regions)]
                endorser = make_user(
                    session, organisation=make_organisation(session, region_code=region)
                )
                make_membership(session, endorser, world["group"])
                services.endorse(session, endorser, accepted.id)
                duplicate_raiser = make_user(session, organisation=make_organisation(session))
                duplicate = make_challenge(
                    session,
                    world["group"],
                    raised_by=duplicate_raiser,
                    status=ChallengeStatus.ACCEPTED,
                    title=f"Duplicate {number}",
                )
                decisions.merge_challenge(session, world["coordinator"], duplicate.id, accepted.id)
                ranking = [accepted.id] if number % 2 else []
                decisions.prioritise(session, world["coordinator"], world["group"].id, ranking)
        session.commit()

    def queries() -> dict[str, int]:
        counts = {}
        for role, browser in readers.items():
            with count_queries() as counter:
                response = browser.client.get(challenge_path(accepted))
            assert response.status_code == 200
            counts[role] = counter.count
        return counts

    grow(2)
    small = queries()
    grow(12)
    large = queries()
    assert small == large
    page = html.unescape(main_of(readers["member"].client.get(challenge_path(accepted))))
    assert page.count("was merged into this challenge (1 endorsement moved)") == 14
    assert "“Duplicate 14” was merged into this challenge" in page
    assert "Endorsed for Oberbayern, Germany" in page and "Endorsed for Wien, Austria" in page
    assert page.count("Ranked 1 · by Cora Coordinator") == 7
    assert page.count("Unranked · by Cora Coordinator") == 7


@pytest.mark.parametrize(
    ("into", "message"),
    [
        ("self", "A challenge cannot be merged into itself."),
        ("merged", "That challenge is closed or merged itself"),
        ("closed", "That challenge is closed or merged itself"),
        ("foreign", "Choose a challenge of the same group."),
        ("", "Choose the challenge to merge this one into."),
        ("99999999", "Choose a challenge from the list."),
        ("abc", "Choose a challenge from the list."),
        ("-3", "Choose a challenge from the list."),
    ],
)
def test_bad_merges_are_refused(app, world, challenges, session, into, message):
    proposed = challenges["proposed"]
    target = {"self": proposed, **challenges}.get(into)
    value = str(target.id) if target is not None else into
    audit = count(session, AuditEntry)
    response = browser_for(app, world["coordinator"]).post(
        f"/challenges/{proposed.id}/merge", {"into": value}
    )
    # The merge form again, the problem next to its "Merge into" field.
    assert response.status_code == 400
    assert re.search(
        r'id="into-error"[^>]*>[^<]*' + re.escape(message), html.unescape(text_of(response))
    )
    session.refresh(proposed)
    assert proposed.status is ChallengeStatus.PROPOSED and count(session, AuditEntry) == audit
    assert outbox(session, "challenge_merged") == []


def test_members_cannot_close_or_merge(app, world, challenges, session):
    accepted = challenges["accepted"]
    browser = browser_for(app, world["plain"])
    assert browser.client.get(f"/challenges/{accepted.id}/close").status_code == 403
    assert browser.post(f"/challenges/{accepted.id}/close", {"reason": "No"}).status_code == 403
    assert (
        browser.post(
            f"/challenges/{accepted.id}/merge", {"into": str(challenges["ranked"].id)}
        ).status_code
        == 403
    )
    session.refresh(accepted)
    assert accepted.status is ChallengeStatus.ACCEPTED


# -- editing ---------------------------------------------------------------------------------------


def test_the_raiser_edits_while_proposed(app, world, challenges, session):
    proposed = challenges["proposed"]
    browser = browser_for(app, world["raiser"])
    form = text_of(browser.client.get(f"/challenges/{proposed.id}/edit"))
    assert 'value="Proposed one"' in form
    response = browser.post(
        f"/challenges/{proposed.id}/edit",
        {
            "title": "Proposed, clearer",
            "description": "Better words.",
            "theme_ids": [str(world["digital"].id)],
            "region_codes": ["ES30"],
        },
    )
    assert response.status_code == 302
    session.refresh(proposed)
    assert proposed.title == "Proposed, clearer" and proposed.themes == [world["digital"]]
    assert (
        session.scalar(select(AuditEntry).where(AuditEntry.action == "challenge.edited")).actor_id
        == world["raiser"].id
    )
    # Once accepted, only coordinators may change it.
    accepted = challenges["accepted"]
    assert browser.client.get(f"/challenges/{accepted.id}/edit").status_code == 403
    coordinator = browser_for(app, world["coordinator"])
    assert coordinator.client.get(f"/challenges/{accepted.id}/edit").status_code == 200


def test_editing_keeps_the_raisers_region_through_the_page(app, world, challenges, session):
    """Rosa (Madrid, ES30) raised it: unticking her region does not drop it, as the form says."""
    proposed = challenges["proposed"]
    make_endorsement(session, proposed, world["endorser"], region_code="FI1B")
    session.commit()
    for person in ("raiser", "coordinator"):
        browser = browser_for(app, world[person])
        form = text_of(browser.client.get(f"/challenges/{proposed.id}/edit"))
        # Rosa reads the site in French.
        assert (
            "La région du membre qui l'a signalé et les régions pour lesquelles il a été"
            " soutenu restent."
            if person == "raiser"
            else "The region of the member who raised it and the regions it was endorsed for stay."
        ) in form
        response = browser.post(
            f"/challenges/{proposed.id}/edit",
            {"title": "Proposed one", "description": "Better words.", "region_codes": ["BE10"]},
        )
        assert response.status_code == 302, person
        session.refresh(proposed)
        assert [region.code for region in proposed.regions] == ["BE10", "ES30", "FI1B"], person
    facts = main_of(browser.client.get(challenge_path(proposed)))
    facts = facts[facts.index('class="challenge-region-list"') :]
    assert "Comunidad de Madrid" in facts and "Helsinki-Uusimaa" in facts


def test_the_raise_form_says_members_may_endorse_before_acceptance(app, world, challenges):
    browser = browser_for(app, world["plain"])
    form = html.unescape(text_of(browser.client.get("/groups/innovation-diffusion/challenges/new")))
    assert "The group's members see it at once and can say their region faces it too" in form
    assert "members can say their region faces it too" not in form
    # As it says: a member endorses a challenge still proposed.
    proposed = challenges["proposed"]
    assert (
        browser_for(app, world["endorser"]).post(f"/challenges/{proposed.id}/endorse").status_code
        == 302
    )
    page = main_of(browser_for(app, world["endorser"]).client.get(challenge_path(proposed)))
    assert "You endorsed this for Helsinki-Uusimaa" in page


def test_others_cannot_edit(app, world, challenges, session):
    proposed = challenges["proposed"]
    browser = browser_for(app, world["plain"])
    assert browser.client.get(f"/challenges/{proposed.id}/edit").status_code == 403
    response = browser.post(
        f"/challenges/{proposed.id}/edit",
        {"title": "Hijacked", "description": "x", "region_codes": ["ES30"]},
    )
    assert response.status_code == 403
    session.refresh(proposed)
    assert proposed.title == "Proposed one"


def test_a_bad_edit_is_refused_next_to_the_field(app, world, challenges, session):
    accepted = challenges["accepted"]
    response = browser_for(app, world["coordinator"]).post(
        f"/challenges/{accepted.id}/edit",
        {"title": "", "description": "x", "region_codes": ["ES30"]},
    )
    assert response.status_code == 400
    assert 'id="title-error"' in text_of(response)
    session.refresh(accepted)
    assert accepted.title == "Accepted one"


# -- ranking and themes ----------------------------------------------------------------------------


def test_coordinators_rank_the_accepted_challenges(app, world, challenges, session):
    browser = browser_for(app, world["coordinator"])
    accepted, ranked = challenges["accepted"], challenges["ranked"]
    form = text_of(browser.client.get("/groups/innovation-diffusion/challenges/priorities"))
    assert f'name="rank_{ranked.id}"' in form and "Proposed one" not in form
    response = browser.post(
        "/groups/innovation-diffusion/challenges/priorities",
        {f"rank_{accepted.id}": "1", f"rank_{ranked.id}": "5"},
    )
    assert response.status_code == 302
    session.refresh(accepted)
    session.refresh(ranked)
    assert (accepted.priority, ranked.priority) == (1, 2)
    page = main_of(browser.client.get("/groups/innovation-diffusion/challenges/"))
    assert titles_in(page)[:2] == ["Accepted one", "Ranked one"]
    # Each challenge's history tells its new rank, and who gave it.
    history = html.unescape(main_of(browser.client.get(challenge_path(accepted))))
    assert re.search(r"</time>:\s*Ranked 1 · by Cora Coordinator\s*</li>", history)
    history = html.unescape(main_of(browser.client.get(challenge_path(ranked))))
    assert re.search(r"</time>:\s*Ranked 2 · by Cora Coordinator\s*</li>", history)
    browser.post("/groups/innovation-diffusion/challenges/priorities", {f"rank_{ranked.id}": "1"})
    history = html.unescape(main_of(browser.client.get(challenge_path(accepted))))
    assert re.search(r"</time>:\s*Unranked · by Cora Coordinator\s*</li>", history)
    assert history.index("Ranked 1") < history.index("Unranked")


@pytest.mark.parametrize(
    ("ranks", "message"),
    [
        (("1", "1"), "Another challenge already has this rank."),
        (("0", ""), "Type a whole number from 1, or leave it empty."),
        (("x", ""), "Type a whole number from 1, or leave it empty."),
        (("-2", ""), "Type a whole number from 1, or leave it empty."),
    ],
)
def test_bad_rankings_are_refused(app, world, challenges, session, ranks, message):
    accepted, ranked = challenges["accepted"], challenges["ranked"]
    response = browser_for(app, world["coordinator"]).post(
        "/groups/innovation-diffusion/challenges/priorities",
        {f"rank_{accepted.id}": ranks[0], f"rank_{ranked.id}": ranks[1]},
    )
    assert response.status_code == 400
    assert message in text_of(response)
    session.refresh(accepted)
    session.refresh(ranked)
    assert (accepted.priority, ranked.priority) == (None, 1)


def test_non_coordinators_cannot_rank(app, world, challenges, session):
    browser = browser_for(app, world["plain"])
    path = "/groups/innovation-diffusion/challenges/priorities"
    assert browser.client.get(path).status_code == 403
    response = browser.post(path, {f"rank_{challenges['accepted'].id}": "1"})
    assert response.status_code == 403
    session.refresh(challenges["accepted"])
    assert challenges["accepted"].priority is None


def test_coordinators_add_and_retire_themes(app, world, session):
    browser = browser_for(app, world["coordinator"])
    page = text_of(browser.client.get("/groups/innovation-diffusion/themes/"))
    assert "Digitalisation" in page and "Retired" in page
    response = browser.post("/groups/innovation-diffusion/themes/", {"name": "Skills gaps"})
    assert response.status_code == 302
    assert session.scalar(select(Theme).where(Theme.name == "Skills gaps")) is not None
    themes = count(session, Theme)
    response = browser.post("/groups/innovation-diffusion/themes/", {"name": "Digitalisation"})
    assert response.status_code == 400
    assert 'id="name-error">The group already has the theme “Digitalisation”.' in text_of(response)
    assert count(session, Theme) == themes
    response = browser.post(f"/themes/{world['digital'].id}/retire")
    assert response.status_code == 302
    session.refresh(world["digital"])
    assert world["digital"].retired_at is not None


def test_members_cannot_manage_themes(app, world, session):
    browser = browser_for(app, world["plain"])
    assert browser.client.get("/groups/innovation-diffusion/themes/").status_code == 403
    assert browser.post("/groups/innovation-diffusion/themes/", {"name": "X"}).status_code == 403
    assert browser.post(f"/themes/{world['digital'].id}/retire").status_code == 403
    session.refresh(world["digital"])
    assert world["digital"].retired_at is None
    assert count(session, Theme) == 4
