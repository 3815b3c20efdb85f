"""People pages: participants on the public group page, the member directory, my groups, profiles."""

from __future__ import annotations

import itertools
import re

import pytest

from cop.members.models import Helix, MembershipStatus, OrganisationKind, Role
from tests.factories import make_group, make_membership, make_organisation, make_user

HOSTILE = '<script>alert("x")</script>'
REGIONS = ["BE10", "FR10", "DE21", "ES30", "ITC4", "PL91", "EL30", "SE11"]


def page_of(response) -> str:
    return response.get_data(as_text=True)


def rows(page: str, css_class: str) -> list[str]:
    return re.findall(rf'<tr class="{css_class}">(.*?)</tr>', page, re.S)


@pytest.fixture
def world(session):
    """A group with listed and unlisted members of several helices, an applicant, a leaver."""
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    other = make_group(session, slug="industrial-transition", name="Industrial Transition")
    university = make_organisation(
        session, name="Universidad de Madrid", helix=Helix.ACADEMIA_RESEARCH, region_code="ES30"
    )
    region = make_organisation(
        session,
        name="Région Île-de-France",
        helix=Helix.PUBLIC_AUTHORITY,
        kind=OrganisationKind.REGIONAL_AUTHORITY,
        region_code="FR10",
    )
    sme = make_organisation(
        session, name="Bayern Robotics", helix=Helix.BUSINESS, kind=OrganisationKind.SME,
        region_code="DE21",
    )  # fmt: skip
    people = {
        "lucia": make_user(
            session, name="Lucía Fernández", email="lucia@example.org", organisation=university,
            listed=True,
        ),
        "pierre": make_user(
            session, name="Pierre Martin", email="pierre@example.org", organisation=region,
            listed=True,
        ),
        "hidden": make_user(
            session, name="Hanna Hidden", email="hanna@example.org", organisation=sme,
        ),
        "coordinator": make_user(
            session, name="Cora Coordinator", email="cora@example.org", organisation=region,
        ),
        "applicant": make_user(
            session, name="Anton Applicant", email="anton@example.org", organisation=sme,
            listed=True,
        ),
        "leaver": make_user(
            session, name="Lea Leaver", email="lea@example.org", organisation=sme, listed=True,
        ),
        "outsider": make_user(session, name="Otto Outsider", email="otto@example.org", listed=True),
    }  # fmt: skip
    people["lucia"].position = "Professor of innovation economics"
    people["lucia"].expertise = "Technology transfer, DIGITALISATION of SMEs"
    people["pierre"].expertise = "Regional innovation strategies"
    people["hidden"].expertise = "Robotics; 100% automation"
    for key in ("lucia", "pierre", "hidden"):
        make_membership(session, people[key], group)
    make_membership(session, people["coordinator"], group, role=Role.COORDINATOR)
    make_membership(session, people["applicant"], group, status=MembershipStatus.APPLIED)
    make_membership(session, people["leaver"], group, status=MembershipStatus.LEFT)
    make_membership(session, people["outsider"], other)
    session.commit()
    return {"group": group, "other": other, **people}


# -- the public group page ----------------------------------------------------------------------


def test_public_page_names_only_consenting_active_members(client, world):
    page = page_of(client.get("/groups/innovation-diffusion/"))

    participants = rows(page, "participant")
    assert len(participants) == 2
    lucia, pierre = participants
    assert "Lucía Fernández" in lucia and "Universidad de Madrid" in lucia
    assert "Academia and research" in lucia and "Comunidad de Madrid, Spain" in lucia
    assert f'href="/people/{world["lucia"].id}"' in lucia
    assert "Pierre Martin" in pierre and "Public authorities" in pierre and "France" in pierre
    for absent in ("Hanna Hidden", "Cora Coordinator", "Anton Applicant", "Lea Leaver", "Otto"):
        assert absent not in page
    # No email address of anyone, and no position or expertise, on the public page.
    assert "@example.org" not in page
    assert "mailto:" not in page
    assert "Professor" not in page


def test_public_counts_include_everyone_active_by_helix_and_country(client, world):
    page = page_of(client.get("/groups/innovation-diffusion/"))

    assert "4 active members." in page
    counts = dict(re.findall(r'<tr><th scope="row">([^<]+)</th><td>(\d+)</td></tr>', page))
    assert counts["Academia and research"] == "1"
    assert counts["Public authorities"] == "2"  # Pierre and the coordinator, unlisted
    assert counts["Business"] == "1"  # Hanna, unlisted
    assert counts["Civil society"] == "0"
    assert (counts["France"], counts["Spain"], counts["Germany"]) == ("2", "1", "1")
    assert page.count("<h1") == 1


def test_counts_change_when_someone_joins(client, session, world):
    ngo = make_organisation(
        session, helix=Helix.CIVIL_SOCIETY, kind=OrganisationKind.NGO, region_code="PL91"
    )
    newcomer = make_user(session, name="Nina Newcomer", organisation=ngo)
    make_membership(session, newcomer, world["group"])
    session.commit()

    page = page_of(client.get("/groups/innovation-diffusion/"))

    counts = dict(re.findall(r'<tr><th scope="row">([^<]+)</th><td>(\d+)</td></tr>', page))
    assert counts["Civil society"] == "1" and counts["Poland"] == "1"
    assert "5 active members." in page
    assert "Nina Newcomer" not in page  # counted, not named: she did not consent


def test_country_names_follow_the_interface_language(client, world):
    page = page_of(client.get("/groups/innovation-diffusion/", headers={"Accept-Language": "de"}))

    assert "Spanien" in page and "Frankreich" in page


def test_join_button_depends_on_who_looks(browser, session, world):
    anonymous = page_of(browser.client.get("/groups/innovation-diffusion/"))
    assert 'href="/account/login?next=/groups/innovation-diffusion/join"' in anonymous
    assert 'href="/account/signup?next=/groups/innovation-diffusion/join"' in anonymous

    browser.login(world["outsider"])
    outsider = page_of(browser.client.get("/groups/innovation-diffusion/"))
    assert 'href="/groups/innovation-diffusion/join">Apply to join</a>' in outsider
    assert "Member directory" not in outsider
    browser.logout()

    browser.login(world["applicant"])
    applicant = page_of(browser.client.get("/groups/innovation-diffusion/"))
    assert "Your application is pending" in applicant
    assert "Apply to join" not in applicant
    browser.logout()

    browser.login(world["lucia"])
    member = page_of(browser.client.get("/groups/innovation-diffusion/"))
    assert "You are a member of this group." in member
    assert "Apply to join" not in member
    assert 'href="/groups/innovation-diffusion/members/"' in member


def test_archived_group_takes_no_applications(browser, session, world):
    world["group"].archived = True
    session.commit()
    browser.login(world["outsider"])

    page = page_of(browser.client.get("/groups/innovation-diffusion/"))

    assert "Apply to join" not in page
    assert "no longer takes new members" in page


_region_cycle = itertools.cycle(REGIONS)
_helix_cycle = itertools.cycle(list(Helix))


def add_members(session, group, count: int) -> None:
    """`count` active members, every other one listed, across helices and countries."""
    for n in range(count):
        organisation = make_organisation(
            session, helix=next(_helix_cycle), region_code=next(_region_cycle)
        )
        person = make_user(session, organisation=organisation, listed=n % 2 == 0)
        person.expertise = "Innovation diffusion"
        make_membership(session, person, group)
    session.commit()


@pytest.mark.parametrize("viewer", ["anonymous", "member"])
def test_group_page_queries_do_not_grow_with_members(
    browser, session, world, count_queries, viewer
):
    if viewer == "member":
        browser.login(world["lucia"])

    def queries() -> int:
        with count_queries() as counter:
            response = browser.client.get("/groups/innovation-diffusion/")
        assert response.status_code == 200
        return counter.count

    add_members(session, world["group"], 36)  # 40 active members
    small = queries()
    page = page_of(browser.client.get("/groups/innovation-diffusion/"))
    assert "40 active members." in page

    add_members(session, world["group"], 360)  # 400 active members
    large = queries()
    page = page_of(browser.client.get("/groups/innovation-diffusion/"))
    assert "400 active members." in page
    assert len(rows(page, "participant")) == 2 + 18 + 180

    assert large == small
    # Ten for the page, two for its top challenges and newest practices, one for what the
    # group is doing, one for its solutions, one for its outcomes, one for the version its
    # conditional answer compares (cop.site.freshness).
    assert small <= 16


# -- the member directory -----------------------------------------------------------------------


def directory(browser, **params):
    return browser.client.get("/groups/innovation-diffusion/members/", query_string=params)


def names_in(page: str) -> list[str]:
    return [re.search(r">([^<]+)</a>", row).group(1) for row in rows(page, "member")]


def test_directory_lists_every_active_member_with_contact_details(browser, world):
    browser.login(world["pierre"])

    response = directory(browser)

    assert response.status_code == 200
    page = page_of(response)
    assert names_in(page) == [
        "Cora Coordinator",
        "Hanna Hidden",
        "Lucía Fernández",
        "Pierre Martin",
    ]
    assert 'href="mailto:hanna@example.org"' in page  # members may contact the unlisted too
    assert "Professor of innovation economics" in page
    assert "Technology transfer, DIGITALISATION of SMEs" in page
    assert "Coordinator" in rows(page, "member")[0]
    assert "Anton Applicant" not in page and "Lea Leaver" not in page and "Otto" not in page
    assert page.count("<h1") == 1


def test_directory_filters_by_helix_country_organisation_and_expertise(browser, world):
    browser.login(world["lucia"])

    assert names_in(page_of(directory(browser, helix="business"))) == ["Hanna Hidden"]
    assert names_in(page_of(directory(browser, country="FR"))) == [
        "Cora Coordinator",
        "Pierre Martin",
    ]
    organisation = str(world["pierre"].organisation_id)
    assert names_in(page_of(directory(browser, organisation=organisation))) == [
        "Cora Coordinator",
        "Pierre Martin",
    ]
    # Case-insensitive "contains"; LIKE wildcards are plain characters.
    assert names_in(page_of(directory(browser, expertise="digitalisation"))) == ["Lucía Fernández"]
    assert names_in(page_of(directory(browser, expertise="100%"))) == ["Hanna Hidden"]
    assert names_in(page_of(directory(browser, expertise="%"))) == ["Hanna Hidden"]
    combined = page_of(directory(browser, helix="public_authority", expertise="regional"))
    assert names_in(combined) == ["Pierre Martin"]
    assert "1 member matches these filters." in combined


def test_directory_offers_the_members_countries_and_organisations(browser, world):
    browser.login(world["lucia"])

    page = page_of(directory(browser))

    country_select = re.search(r'<select id="country".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option[^>]*value="(\w*)"', country_select) == ["", "FR", "DE", "ES"]
    organisation_select = re.search(r'<select id="organisation".*?</select>', page, re.S).group(0)
    assert "Bayern Robotics" in organisation_select
    assert "Universidad de Madrid" in organisation_select


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"helix": "aliens"}, "helix", "Choose a helix from the list."),
        ({"country": "XX"}, "country", "Choose a country from the list."),
        ({"organisation": "999999"}, "organisation", "Choose an organisation from the list."),
        ({"organisation": "abc"}, "organisation", "Choose an organisation from the list."),
        ({"expertise": "x" * 101}, "expertise", "100"),
    ],
)
def test_bad_filters_get_a_message_next_to_the_field(browser, world, params, field, message):
    browser.login(world["lucia"])

    response = directory(browser, **params)

    assert response.status_code == 400
    page = page_of(response)
    error = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page, re.S)
    assert error and message in error.group(1)
    assert 'aria-invalid="true"' in page
    assert rows(page, "member") == []  # no list for a request that could not be understood


def test_directory_is_for_the_groups_members(browser, world):
    assert directory(browser).headers["Location"].startswith("/account/login")

    for outsider in ("outsider", "applicant", "leaver"):
        browser.login(world[outsider])
        response = directory(browser)
        assert response.status_code == 403, outsider
        assert "@example.org" not in page_of(response)
        browser.logout()


def test_directory_queries_do_not_grow_with_members(browser, session, world, count_queries):
    browser.login(world["lucia"])

    def queries(**params) -> int:
        with count_queries() as counter:
            response = directory(browser, **params)
        assert response.status_code == 200
        return counter.count

    add_members(session, world["group"], 36)
    small, small_filtered = queries(), queries(helix="business", expertise="innovation")
    assert len(rows(page_of(directory(browser)), "member")) == 40

    add_members(session, world["group"], 360)
    large, large_filtered = queries(), queries(helix="business", expertise="innovation")
    assert len(rows(page_of(directory(browser)), "member")) == 400

    assert (large, large_filtered) == (small, small_filtered)
    assert small <= 10


# -- my groups ----------------------------------------------------------------------------------


def test_my_groups_lists_every_membership_with_its_status(browser, session, world):
    person = world["applicant"]
    make_membership(session, person, world["other"], role=Role.COORDINATOR)
    session.commit()
    browser.login(person)

    page = page_of(browser.client.get("/account/groups"))

    applied, active = (
        rows(page, "membership membership-applied"),
        rows(page, "membership membership-active"),
    )
    assert len(applied) == 1 and "Innovation Diffusion" in applied[0]
    assert "Application pending" in applied[0]
    assert 'href="/groups/innovation-diffusion/"' in applied[0]
    assert "/members/" not in applied[0]
    assert len(active) == 1 and "Coordinator" in active[0]
    assert 'href="/groups/industrial-transition/members/"' in active[0]


def test_my_groups_shows_left_and_rejected(browser, session, world):
    make_membership(session, world["leaver"], world["other"], status=MembershipStatus.REJECTED)
    session.commit()
    browser.login(world["leaver"])

    page = page_of(browser.client.get("/account/groups"))

    assert "Left" in rows(page, "membership membership-left")[0]
    assert "Application not accepted" in rows(page, "membership membership-rejected")[0]


def test_my_groups_when_there_are_none(browser, session):
    person = make_user(session)
    session.commit()
    browser.login(person)

    page = page_of(browser.client.get("/account/groups"))

    assert "You have not joined a working group yet." in page


# -- profiles -----------------------------------------------------------------------------------


def test_public_profile_of_a_listed_member_has_no_email(client, world):
    response = client.get(f"/people/{world['lucia'].id}")

    assert response.status_code == 200
    page = page_of(response)
    assert "Lucía Fernández" in page and "Universidad de Madrid" in page
    assert "Academia and research" in page and "Comunidad de Madrid, Spain" in page
    assert 'href="/groups/innovation-diffusion/"' in page
    assert "lucia@example.org" not in page and "mailto:" not in page


def test_the_public_profile_shows_only_what_listing_consents_to(browser, world):
    """Consenting to be listed shows name, organisation, helix and region; not position or
    expertise, which only the people who work with them see."""
    lucia = f"/people/{world['lucia'].id}"
    public = page_of(browser.client.get(lucia))
    browser.login(world["outsider"])  # signed in, but sharing no group with her
    outsider = page_of(browser.client.get(lucia))
    browser.logout()
    browser.login(world["pierre"])  # a fellow member of Innovation Diffusion
    fellow = page_of(browser.client.get(lucia))

    for page in (public, outsider):
        assert "Lucía Fernández" in page and "Universidad de Madrid" in page
        assert "Professor of innovation economics" not in page
        assert "Technology transfer" not in page and "Expertise" not in page
    assert "Professor of innovation economics" in fellow
    assert "Technology transfer, DIGITALISATION of SMEs" in fellow


def test_members_who_share_a_group_see_the_email(browser, world):
    browser.login(world["pierre"])

    page = page_of(browser.client.get(f"/people/{world['hidden'].id}"))

    assert "Hanna Hidden" in page
    assert 'href="mailto:hanna@example.org"' in page
    assert "Bayern Robotics" in page and "Small or medium-sized enterprise" in page


def test_listed_people_not_sharing_a_group_see_the_public_profile(browser, world):
    browser.login(world["outsider"])

    page = page_of(browser.client.get(f"/people/{world['lucia'].id}"))

    assert "Lucía Fernández" in page and "lucia@example.org" not in page


def test_unlisted_people_are_seen_only_by_those_who_work_with_them(browser, world):
    hidden = f"/people/{world['hidden'].id}"
    assert browser.client.get(hidden).headers["Location"].startswith("/account/login")

    browser.login(world["outsider"])
    response = browser.client.get(hidden)
    assert response.status_code == 403
    assert "Hanna" not in page_of(response)
    browser.logout()

    # A listed person who left is not on public pages any more.
    assert browser.client.get(f"/people/{world['leaver'].id}").status_code == 302


def test_coordinators_see_applicants_and_members_do_not(browser, world):
    applicant = f"/people/{world['applicant'].id}"
    browser.login(world["coordinator"])
    page = page_of(browser.client.get(applicant))
    assert "Anton Applicant" in page and "anton@example.org" in page
    browser.logout()

    browser.login(world["lucia"])
    assert browser.client.get(applicant).status_code == 403


@pytest.mark.parametrize("path", ["/people/0", "/people/999999", "/people/abc", "/people/-1"])
def test_forged_profile_ids_are_404(client, world, path):
    assert client.get(path).status_code == 404


def test_an_id_beyond_the_database_range_is_404_not_a_crash(browser, world):
    browser.login(world["lucia"])

    response = browser.client.get("/people/99999999999999999999")

    assert response.status_code == 404
    assert "Page not found" in page_of(response)


def test_profile_queries_do_not_grow_with_groups(browser, session, world, count_queries):
    browser.login(world["pierre"])
    path = f"/people/{world['lucia'].id}"

    def queries() -> int:
        with count_queries() as counter:
            assert browser.client.get(path).status_code == 200
        return counter.count

    small = queries()
    for _ in range(5):
        make_membership(session, world["lucia"], make_group(session))
    session.commit()
    assert queries() == small


# -- escaping -----------------------------------------------------------------------------------


def test_html_in_names_is_shown_escaped_on_every_people_page(browser, session, world):
    organisation = make_organisation(session, name=f"Org {HOSTILE}")
    person = make_user(session, name=f"Eve {HOSTILE}", organisation=organisation, listed=True)
    person.position = HOSTILE
    person.expertise = HOSTILE
    group = make_group(session, slug="hostile", name=f"Group {HOSTILE}")
    make_membership(session, person, group)
    make_membership(session, person, world["group"])
    session.commit()
    browser.login(person)

    for path in (
        "/groups/innovation-diffusion/",
        "/groups/hostile/",
        "/groups/innovation-diffusion/members/",
        "/groups/hostile/members/",
        f"/people/{person.id}",
        "/account/groups",
        "/account/data",
    ):
        page = page_of(browser.client.get(path))
        assert HOSTILE not in page, path
        assert "&lt;script&gt;alert(" in page, path


def test_a_closed_or_deactivated_account_is_not_counted(session, world):
    from cop.members.people import group_balance

    world["hidden"].active = False
    session.flush()

    balance = group_balance(session, world["group"])

    assert balance.total == 3
    assert dict(balance.by_helix)[Helix.BUSINESS] == 0
    assert dict(balance.by_helix)[Helix.PUBLIC_AUTHORITY] == 2


def test_the_group_page_leads_coordinators_to_their_queue_and_members_to_the_directory(
    browser, session
):
    from cop.members.models import Role

    group = make_group(session)
    coordinator = make_user(session)
    member = make_user(session)
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    make_membership(session, member, group)
    session.commit()

    browser.login(member)
    page = browser.client.get(f"/groups/{group.slug}/").get_data(as_text=True)
    assert f'href="/groups/{group.slug}/members/"' in page
    assert f'href="/groups/{group.slug}/applications"' not in page
    browser.logout()

    browser.login(coordinator)
    page = browser.client.get(f"/groups/{group.slug}/").get_data(as_text=True)
    assert f'href="/groups/{group.slug}/applications"' in page
    assert f'href="/groups/{group.slug}/invitations"' in page


def test_my_groups_runs_the_same_queries_for_few_and_many_groups(browser, session, count_queries):
    person = make_user(session)
    make_membership(session, person, make_group(session))
    session.commit()
    browser.login(person)

    def queries() -> int:
        with count_queries() as counter:
            assert browser.client.get("/account/groups").status_code == 200
        return counter.count

    few = queries()
    for _ in range(12):
        make_membership(session, person, make_group(session))
    session.commit()

    assert queries() == few
