"""Organisations: the sign-up picker, proposals, and admins merging duplicates without losing people."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from cop.audit.models import AuditEntry
from cop.errors import Invalid, NotAllowed, NotFound
from cop.members.models import Organisation, Region, User
from cop.members.organisations import (
    OrganisationProposal,
    accept_organisation,
    list_for_picker,
    merge_organisations,
    propose_organisation,
    resolve_choice,
)
from tests.factories import make_organisation, make_user


def options_of(page: str, select_name: str) -> list[tuple[str, str]]:
    block = re.search(rf'<select[^>]*name="{select_name}"[^>]*>(.*?)</select>', page, re.S)
    assert block, f"no select {select_name}"
    return re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', block.group(1))


def optgroups_of(page: str, select_name: str) -> list[str]:
    block = re.search(rf'<select[^>]*name="{select_name}"[^>]*>(.*?)</select>', page, re.S)
    return re.findall(r'<optgroup label="([^"]*)">', block.group(1))


@pytest.fixture
def three(session):
    liege = make_organisation(session, name="Université de Liège", region_code="BE33")
    paris = make_organisation(session, name="Paris Région Entreprises", region_code="FR10")
    old = make_organisation(session, name="Univ. Liège (duplicate)", region_code="BE33")
    old.merged_into_id = liege.id
    session.commit()
    return liege, paris, old


# -- the picker


def test_the_picker_lists_organisations_by_country_without_merged_ones(session, three):
    liege, paris, old = three

    listed = list_for_picker(session)

    assert [o.id for o in listed] == [liege.id, paris.id]  # Belgium, then France
    assert old not in listed


def test_searching_narrows_by_name_region_or_country_in_any_case(session, three):
    liege, paris, _ = three

    assert list_for_picker(session, "LIÈGE") == [liege]
    assert list_for_picker(session, "prov. liÈ") == [liege]  # the region's name
    assert list_for_picker(session, "france") == [paris]
    assert list_for_picker(session, "%") == []
    assert list_for_picker(session, "_") == []


def test_the_sign_up_page_groups_organisations_and_regions_by_country(client, session, three):
    liege, paris, old = three

    page = client.get("/account/signup").get_data(as_text=True)

    organisations = options_of(page, "organisation")
    assert (str(liege.id), "Université de Liège · Prov. Liège") in organisations
    assert str(old.id) not in [value for value, _label in organisations]
    assert optgroups_of(page, "organisation") == ["Belgium", "France"]
    regions = [value for value, _label in options_of(page, "region") if value]
    assert len(regions) == session.scalar(select(func.count()).select_from(Region)) == 244
    assert "Germany" in optgroups_of(page, "region")
    assert "Europe/Brussels" in [value for value, _label in options_of(page, "timezone")]
    assert [value for value, _label in options_of(page, "language")] == ["en", "fr", "de"]


def test_a_search_on_the_sign_up_page_narrows_the_list_without_javascript(client, session, three):
    liege, paris, _ = three

    page = client.get("/account/signup?q=paris&next=/privacy").get_data(as_text=True)

    assert [value for value, _label in options_of(page, "organisation") if value] == [str(paris.id)]
    assert "1 organisation matches “paris”." in page
    assert '<input type="hidden" name="next" value="/privacy">' in page
    empty = client.get("/account/signup?q=nowhere").get_data(as_text=True)
    assert "No organisation matches “nowhere”: propose yours" in empty


def test_a_merged_organisation_chosen_from_an_old_page_leads_to_the_kept_one(session, three):
    liege, _, old = three

    assert resolve_choice(session, old.id, None) == liege


# -- proposals


def proposal(**overrides) -> OrganisationProposal:
    values = {
        "name": "Kaunas Science Park",
        "helix": "academia_research",
        "kind": "rto",
        "region_code": "LT02",
        "website": "",
        **overrides,
    }
    return OrganisationProposal(**values)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "organisation_name"),
        ({"name": "k" * 201}, "organisation_name"),
        ({"name": "université de liège"}, "organisation_name"),
        ({"helix": "government"}, "helix"),
        ({"kind": "castle"}, "kind"),
        ({"region_code": ""}, "region"),
        ({"region_code": "ZZ99"}, "region"),
        ({"website": "www.example.org"}, "website"),
        ({"website": "https://exa mple.org"}, "website"),
        ({"website": "https://" + "e" * 500 + ".org"}, "website"),
    ],
)
def test_a_bad_proposal_is_refused_and_writes_nothing(session, three, overrides, field):
    before = session.scalar(select(func.count()).select_from(Organisation))

    with pytest.raises(Invalid) as raised:
        propose_organisation(session, None, proposal(**overrides))

    assert raised.value.field == field
    assert session.scalar(select(func.count()).select_from(Organisation)) == before


def test_a_proposal_is_created_as_proposed_and_audited(session):
    created = propose_organisation(session, None, proposal(website="https://ksp.example"))

    assert created.proposed and created.region_code == "LT02"
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "organisation.proposed"))
    assert entry.record_id == str(created.id)
    assert entry.after["name"] == "Kaunas Science Park"


# -- merging and accepting, by admins


def test_merging_moves_the_people_and_keeps_the_duplicate(session, admin, three):
    liege, paris, old = three
    duplicate = make_organisation(session, name="Paris Region Enterprises", region_code="FR10")
    people = [make_user(session, organisation=duplicate) for _ in range(3)]
    stayer = make_user(session, organisation=paris)
    # An organisation merged earlier into the duplicate follows it to the one kept.
    older = make_organisation(session, name="PRE", region_code="FR10")
    older.merged_into_id = duplicate.id
    session.commit()

    kept = merge_organisations(session, admin, duplicate.id, paris.id)
    session.commit()

    assert kept == paris
    session.expire_all()
    assert {p.organisation_id for p in people} == {paris.id}
    assert stayer.organisation_id == paris.id
    assert session.get(Organisation, duplicate.id).merged_into_id == paris.id
    assert session.get(Organisation, older.id).merged_into_id == paris.id
    entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "organisation.merged"))
    assert entry.actor_id == admin.id and entry.record_id == str(duplicate.id)
    assert entry.before["people"] == sorted(p.id for p in people)
    assert entry.after["merged_into_id"] == paris.id
    assert duplicate not in list_for_picker(session)


def test_merging_refuses_what_makes_no_sense(session, admin, user, three):
    liege, paris, old = three

    cases = [
        ((liege.id, liege.id), Invalid, "kept"),
        ((old.id, paris.id), Invalid, "duplicate"),
        ((paris.id, old.id), Invalid, "kept"),
        ((None, paris.id), Invalid, "duplicate"),
        ((999999, paris.id), NotFound, None),
    ]
    for (duplicate_id, kept_id), error, field in cases:
        with pytest.raises(error) as raised:
            merge_organisations(session, admin, duplicate_id, kept_id)
        assert raised.value.field == field
    with pytest.raises(NotAllowed):
        merge_organisations(session, user, paris.id, liege.id)
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_the_admin_page_lists_proposed_first_and_merged_last_with_people(
    browser, session, admin, three
):
    liege, paris, old = three
    proposed = propose_organisation(session, None, proposal())
    make_user(session, organisation=liege)
    make_user(session, organisation=liege)
    session.commit()
    browser.login(admin)

    page = browser.client.get("/admin/organisations").get_data(as_text=True)

    names = re.findall(r"<tr>\s*<td>([^<]+?) <span", page)
    assert names == [proposed.name, paris.name, liege.name, old.name]
    assert f"Merged into {liege.name}" in page
    assert re.search(rf"{liege.name} <span.*?<td>2</td>", page, re.S)
    assert "Accept Kaunas Science Park" in page


def test_an_admin_merges_through_the_page(browser, session, admin, three):
    liege, paris, _ = three
    duplicate = make_organisation(session, name="ULiège", region_code="BE33")
    person = make_user(session, organisation=duplicate)
    session.commit()
    browser.login(admin)

    response = browser.post(
        "/admin/organisations/merge",
        {"duplicate": str(duplicate.id), "kept": str(liege.id)},
        page="/admin/organisations",
    )

    assert response.status_code == 302
    session.expire_all()
    assert session.get(User, person.id).organisation_id == liege.id
    assert session.get(Organisation, duplicate.id).merged_into_id == liege.id
    assert "Its people now belong to Université de Liège" in browser.client.get(
        "/admin/organisations"
    ).get_data(as_text=True)


def test_a_bad_merge_through_the_page_says_why_next_to_the_field(browser, session, admin, three):
    liege, paris, _ = three
    browser.login(admin)

    response = browser.post(
        "/admin/organisations/merge",
        {"duplicate": str(paris.id), "kept": str(paris.id)},
        page="/admin/organisations",
    )

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r'id="kept-error">Choose two different organisations.</p>', page)
    assert session.get(Organisation, paris.id).merged_into_id is None
    forged = browser.post(
        "/admin/organisations/merge",
        {"duplicate": "123456789", "kept": str(paris.id)},
        page="/admin/organisations",
    )
    assert forged.status_code == 404


def test_accepting_a_proposal(browser, session, admin):
    proposed = propose_organisation(session, None, proposal())
    session.commit()
    browser.login(admin)

    response = browser.post(
        f"/admin/organisations/{proposed.id}/accept", page="/admin/organisations"
    )

    assert response.status_code == 302
    session.expire_all()
    assert session.get(Organisation, proposed.id).proposed is False
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "organisation.accepted"))
    assert browser.post("/admin/organisations/99999999/accept").status_code == 404


def test_accept_needs_an_admin(session, user):
    proposed = propose_organisation(session, None, proposal())

    with pytest.raises(NotAllowed):
        accept_organisation(session, user, proposed.id)


# -- pages keep the same number of queries however many organisations there are


def add_organisations(session, number: int) -> None:
    regions = session.scalars(select(Region.code).order_by(Region.code).limit(number)).all()
    for index in range(number):
        organisation = make_organisation(
            session, name=f"Organisation {index:04d}", region_code=regions[index % len(regions)]
        )
        make_user(session, organisation=organisation)
    session.commit()


def queries_for(browser, count_queries, path: str) -> int:
    with count_queries() as counter:
        response = browser.client.get(path)
    assert response.status_code == 200
    return counter.count


@pytest.mark.parametrize("path", ["/account/signup", "/admin/organisations"])
def test_the_organisation_pages_do_not_grow_in_queries(
    browser, session, admin, count_queries, path
):
    if path.startswith("/admin"):
        browser.login(admin)
    add_organisations(session, 5)
    few = queries_for(browser, count_queries, path)

    add_organisations(session, 60)
    many = queries_for(browser, count_queries, path)

    assert many == few
    assert few <= 6


def test_html_in_a_proposed_name_is_shown_escaped_to_admins(browser, session, admin):
    propose_organisation(session, None, proposal(name="<script>alert(1)</script> Lab"))
    session.commit()
    browser.login(admin)

    page = browser.client.get("/admin/organisations").get_data(as_text=True)

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Lab" in page
