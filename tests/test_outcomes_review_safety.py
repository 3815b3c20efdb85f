"""What the security review of outcomes found, held right: only a reviewer reads the working
copy on the review page; nobody reviews a text they had a hand in; the public reads only what
was reviewed (text, groups, themes, regions, linked records, files); regions come only from
public records; authors are named only with their consent, and no longer once their account
is closed; the member's page and the open data are never answered 304 when stale."""

from __future__ import annotations

import io
import json
import re

import pytest
from sqlalchemy import select

from cop.challenges.models import ChallengeStatus, PracticeStatus
from cop.errors import NotAllowed
from cop.mail.models import Notification
from cop.members.models import Role
from cop.outcomes import services
from cop.outcomes.models import Outcome, OutcomeFile, OutcomeKind, OutcomeStatus, OutcomeVersion
from cop.outcomes.services import OutcomeDetails
from tests.conftest import PASSWORD, Browser
from tests.factories import (
    make_challenge,
    make_group,
    make_membership,
    make_organisation,
    make_practice,
    make_solution,
    make_theme,
    make_user,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REFUSED = "Another coordinator must review it"
CHANGED = "You changed this version: another coordinator must review it."


@pytest.fixture
def w(app, session, tmp_path):
    app.config["MATERIALS_FOLDER"] = str(tmp_path / "materials")
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    other = make_group(session, slug="industrial-transition", name="Industrial Transition")
    coordinator = make_user(session, name="Cora Coordinator", listed=True)
    second = make_user(session, name="Sam Second", listed=True)
    author = make_user(session, name="Ada Author", listed=True)
    shy = make_user(session, name="Shirin Shy", listed=False)
    outsider = make_user(session, name="Otto Outsider")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    make_membership(session, second, group, role=Role.COORDINATOR)
    make_membership(session, author, group)
    make_membership(session, shy, group)
    make_membership(session, outsider, other, role=Role.COORDINATOR)
    make_membership(session, author, other)
    public_solution = make_solution(
        session, group, author, public=True, region_codes=("PT11",), title="Public solution"
    )
    private_solution = make_solution(
        session, group, author, public=False, region_codes=("SE11",), title="Private solution"
    )
    theme = make_theme(session, group)
    session.commit()
    return dict(
        group=group,
        other=other,
        coordinator=coordinator,
        second=second,
        author=author,
        shy=shy,
        outsider=outsider,
        public_solution=public_solution,
        private_solution=private_solution,
        theme=theme,
    )


def details(w, **changes) -> OutcomeDetails:
    values = dict(
        kind=OutcomeKind.LESSONS_LEARNT,
        title="Vouchers work best with a coach",
        summary="What regions learnt.",
        body="The published text.",
        group_ids=[w["group"].id],
        author_ids=[w["author"].id],
    )
    values.update(changes)
    return OutcomeDetails(**values)


def run(app, session, fn):
    """A service call in its own request context, committed."""
    with app.test_request_context():
        result = fn()
        session.commit()
        return result


def refused(app, session, fn) -> str:
    with app.test_request_context(), pytest.raises(NotAllowed) as caught:
        fn()
    session.rollback()
    return str(caught.value)


def browser_for(app, person=None) -> Browser:
    browser = Browser(app.test_client())
    if person is not None:
        browser.login(person)
        browser.client.get("/")  # the login's message, shown once
    return browser


def create(app, session, w, by=None, **changes) -> Outcome:
    return run(
        app,
        session,
        lambda: services.create_outcome(session, by or w["author"], details(w, **changes)),
    )


def revise(app, session, w, outcome, by=None, **changes) -> Outcome:
    return run(
        app,
        session,
        lambda: services.update_outcome(session, by or w["author"], outcome, details(w, **changes)),
    )


def submit(app, session, w, outcome, by=None) -> Outcome:
    return run(app, session, lambda: services.submit_outcome(session, by or w["author"], outcome))


def approve(app, session, w, outcome, by=None) -> OutcomeVersion:
    version = run(
        app,
        session,
        lambda: services.approve_outcome(session, by or w["coordinator"], outcome),
    )
    session.refresh(outcome)
    return version


def published(app, session, w, **changes) -> Outcome:
    outcome = create(app, session, w, **changes)
    submit(app, session, w, outcome)
    approve(app, session, w, outcome)
    return outcome


def attach(browser, outcome, title="Brief"):
    path = f"/outcomes/{outcome.id}/files"
    return browser.post(
        path,
        {"file": (io.BytesIO(PDF), "brief.pdf"), "title": title},
        page=path,
        content_type="multipart/form-data",
    )


def open_data(client, outcome) -> dict:
    data = json.loads(client.get("/open-data/outcomes.json").get_data(as_text=True))
    (record,) = [record for record in data["records"] if record["id"] == outcome.id]
    return record


def chosen(form: str, name: str, value) -> bool:
    """Whether the form's field `name` has `value` checked (or selected)."""
    for tag in re.findall(r"<(?:input|option)[^>]*>", form):
        on = f'value="{value}"' in tag and ("checked" in tag or "selected" in tag)
        if on and (tag.startswith("<option") or f'name="{name}"' in tag):
            return True
    return False


def json_ld(page: str) -> dict:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    return json.loads(found.group(1))


# --- 1. The review page shows the working copy to its reviewers only ------------------------------


@pytest.mark.parametrize("who", ["outsider", "author", "shy"])
def test_a_review_post_by_anyone_but_a_reviewer_is_refused_before_anything(app, session, w, who):
    outcome = published(app, session, w)
    revise(app, session, w, outcome, body="UNREVIEWED revision text", title="Revised title")
    submit(app, session, w, outcome)
    browser = browser_for(app, w[who])
    for decision in ("maybe", "approve", "return"):
        response = browser.post(
            f"/outcomes/{outcome.id}/review", {"decision": decision, "comment": "x"}, page="/"
        )
        # Sent back to the outcome's page (which they may read: it is published), told why.
        assert response.status_code == 303, (who, decision)
        assert response.headers["Location"] == f"/outcomes/{outcome.id}"
        shown = browser.client.get(f"/outcomes/{outcome.id}")
        page = response.get_data(as_text=True) + shown.get_data(as_text=True)
        assert "UNREVIEWED" not in page and "Revised title" not in page
    session.refresh(outcome)
    assert outcome.status is OutcomeStatus.IN_REVIEW


def test_a_reviewer_who_sends_no_decision_sees_the_form_again(app, session, w):
    outcome = published(app, session, w)
    revise(app, session, w, outcome, body="The revised text")
    submit(app, session, w, outcome)
    response = browser_for(app, w["second"]).post(
        f"/outcomes/{outcome.id}/review", {"decision": "maybe"}, page="/"
    )
    assert response.status_code == 400
    assert "Choose one of the options." in response.get_data(as_text=True)


def test_anonymous_review_posts_go_to_the_login(app, session, w):
    outcome = published(app, session, w)
    revise(app, session, w, outcome, body="UNREVIEWED")
    response = app.test_client().post(f"/outcomes/{outcome.id}/review", data={"decision": "x"})
    assert response.status_code in (302, 400)
    assert "UNREVIEWED" not in response.get_data(as_text=True)


# --- 2. Nobody reviews a text they had a hand in ----------------------------------------------------


def test_a_coordinator_who_edited_the_draft_may_not_approve_it(app, session, w):
    outcome = create(app, session, w)
    revise(app, session, w, outcome, by=w["coordinator"], body="Written by the coordinator")
    submit(app, session, w, outcome)
    message = refused(
        app, session, lambda: services.approve_outcome(session, w["coordinator"], outcome)
    )
    assert message == CHANGED
    refused(app, session, lambda: services.return_outcome(session, w["coordinator"], outcome, "x"))
    # The page offers them no review; the other coordinator reviews it.
    page = browser_for(app, w["coordinator"]).client.get(f"/outcomes/{outcome.id}")
    assert f"/outcomes/{outcome.id}/review" not in page.get_data(as_text=True)
    # Sent to its page, which says why.
    coordinator = browser_for(app, w["coordinator"])
    response = coordinator.client.get(f"/outcomes/{outcome.id}/review")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/outcomes/{outcome.id}"
    assert CHANGED in coordinator.client.get(f"/outcomes/{outcome.id}").get_data(as_text=True)
    version = approve(app, session, w, outcome, by=w["second"])
    assert version.body == "Written by the coordinator"


def test_a_co_author_who_left_the_authors_may_not_approve(app, session, w):
    both = [w["author"].id, w["coordinator"].id]
    outcome = create(app, session, w, author_ids=both)
    submit(app, session, w, outcome)
    run(app, session, lambda: services.return_outcome(session, w["second"], outcome, "Fix it"))
    revise(app, session, w, outcome, by=w["coordinator"], author_ids=[w["author"].id])
    submit(app, session, w, outcome)
    message = refused(
        app, session, lambda: services.approve_outcome(session, w["coordinator"], outcome)
    )
    assert message == CHANGED


def test_its_creator_may_not_approve_though_not_an_author(app, session, w):
    outcome = create(app, session, w, by=w["coordinator"])
    assert [user.id for user in outcome.authors] == [w["author"].id]
    submit(app, session, w, outcome)
    assert REFUSED in refused(
        app, session, lambda: services.approve_outcome(session, w["coordinator"], outcome)
    )


@pytest.mark.parametrize("change", ["attach", "withdraw"])
def test_who_attached_or_withdrew_a_file_may_not_approve(app, session, w, change):
    outcome = published(app, session, w)
    coordinator = browser_for(app, w["coordinator"])
    if change == "attach":
        assert attach(coordinator, outcome).status_code == 302
    else:
        assert attach(browser_for(app, w["author"]), outcome).status_code == 302
        session.refresh(outcome)  # (changed through the pages)
        submit(app, session, w, outcome)  # the author's file goes through a review first
        approve(app, session, w, outcome, by=w["second"])
        attached = session.scalar(select(OutcomeFile).where(OutcomeFile.outcome_id == outcome.id))
        base = f"/outcomes/{outcome.id}/files"
        assert coordinator.post(f"{base}/{attached.id}/withdraw", page=base).status_code == 302
        session.refresh(outcome)
        revise(app, session, w, outcome, body="A revision")
    session.refresh(outcome)
    submit(app, session, w, outcome)
    assert (
        refused(app, session, lambda: services.approve_outcome(session, w["coordinator"], outcome))
        == CHANGED
    )
    approve(app, session, w, outcome, by=w["second"])


def test_an_approval_clears_who_changed_it_and_reviewers_are_told_only_when_they_may(
    app, session, w
):
    outcome = create(app, session, w)
    revise(app, session, w, outcome, by=w["coordinator"], body="Edited by Cora")
    submit(app, session, w, outcome)
    told = set(
        session.scalars(
            select(Notification.user_id).where(Notification.event == "outcome.submitted")
        )
    )
    assert told == {w["second"].id}
    approve(app, session, w, outcome, by=w["second"])
    assert outcome.editors == []
    # A revision Cora did not touch: she reviews it.
    revise(app, session, w, outcome, body="Revised by Ada")
    submit(app, session, w, outcome)
    assert approve(app, session, w, outcome).number == 2


# --- 3. The public reads only what was reviewed --------------------------------------------------


def test_a_revisions_links_wait_for_the_approval(app, session, w):
    outcome = published(app, session, w)
    anon = app.test_client()
    data_tag = anon.get("/open-data/outcomes.json").headers["ETag"]
    page_tag = anon.get(f"/outcomes/{outcome.id}").headers["ETag"]
    revise(
        app,
        session,
        w,
        outcome,
        solution_ids=[w["public_solution"].id],
        theme_ids=[w["theme"].id],
        region_codes=["ES51"],
        group_ids=[w["group"].id, w["other"].id],
    )
    session.refresh(outcome)
    assert outcome.status is OutcomeStatus.DRAFT
    assert outcome.pending_links["solution_ids"] == [w["public_solution"].id]
    assert outcome.regions == [] and outcome.solutions == [] and outcome.themes == []
    assert [group.id for group in outcome.groups] == [w["group"].id]
    # The public: the page, the region pages, the library, the open data are unchanged.
    page = anon.get(f"/outcomes/{outcome.id}", headers={"If-None-Match": page_tag})
    assert page.status_code == 304
    page = anon.get(f"/outcomes/{outcome.id}").get_data(as_text=True)
    assert "Public solution" not in page and "/regions/ES51" not in page
    assert "Industrial Transition" not in page
    assert f"/outcomes/{outcome.id}" not in anon.get("/regions/ES51").get_data(as_text=True)
    assert f"/outcomes/{outcome.id}" not in anon.get("/regions/PT11").get_data(as_text=True)
    library = anon.get(f"/outcomes/?theme={w['theme'].id}").get_data(as_text=True)
    assert f"/outcomes/{outcome.id}" not in library
    group_library = anon.get("/groups/industrial-transition/outcomes/").get_data(as_text=True)
    assert f'/outcomes/{outcome.id}"' not in group_library
    assert (
        anon.get("/open-data/outcomes.json", headers={"If-None-Match": data_tag}).status_code == 304
    )
    record = open_data(anon, outcome)
    assert record["regions"] == [] and record["solutions"] == [] and record["themes"] == []
    assert record["groups"] == ["innovation-diffusion"]
    # Its members read the revision's choices on the working copy and in the form.
    author = browser_for(app, w["author"])
    working = author.client.get(f"/outcomes/{outcome.id}?working=1").get_data(as_text=True)
    assert "Public solution" in working and "/regions/ES51" in working
    assert "/regions/PT11" in working and "Industrial Transition" in working
    form = author.client.get(f"/outcomes/{outcome.id}/edit").get_data(as_text=True)
    assert chosen(form, "solution_ids", w["public_solution"].id)
    assert chosen(form, "region_codes", "ES51")
    # Approved: the public reads them, everywhere, and nothing stale is answered 304.
    submit(app, session, w, outcome)
    approve(app, session, w, outcome, by=w["second"])
    assert outcome.pending_links is None
    assert (
        anon.get("/open-data/outcomes.json", headers={"If-None-Match": data_tag}).status_code == 200
    )
    assert (
        anon.get(f"/outcomes/{outcome.id}", headers={"If-None-Match": page_tag}).status_code == 200
    )
    page = anon.get(f"/outcomes/{outcome.id}").get_data(as_text=True)
    assert "Public solution" in page and "/regions/ES51" in page and "/regions/PT11" in page
    assert f"/outcomes/{outcome.id}" in anon.get("/regions/ES51").get_data(as_text=True)
    record = open_data(anon, outcome)
    assert record["regions"] == ["ES51", "PT11"]
    assert record["solutions"] == [w["public_solution"].id]
    assert record["groups"] == ["industrial-transition", "innovation-diffusion"]


def test_a_never_published_drafts_links_are_its_link_tables(app, session, w):
    outcome = create(app, session, w, solution_ids=[w["public_solution"].id])
    revise(app, session, w, outcome, solution_ids=[], theme_ids=[w["theme"].id])
    session.refresh(outcome)
    assert outcome.pending_links is None
    assert outcome.solutions == [] and [theme.id for theme in outcome.themes] == [w["theme"].id]


def test_files_are_published_by_the_approval(app, session, w):
    outcome = create(app, session, w)
    author = browser_for(app, w["author"])
    assert attach(author, outcome, title="First brief").status_code == 302
    first = session.scalar(select(OutcomeFile).where(OutcomeFile.outcome_id == outcome.id))
    submit(app, session, w, outcome)
    approve(app, session, w, outcome)
    session.refresh(first)
    assert first.published_at is not None
    anon = app.test_client()
    assert anon.get(f"/outcomes/{outcome.id}/files/{first.id}").status_code == 200
    # Attached to the public outcome: a revision, the file waits for its approval.
    assert attach(author, outcome, title="Second brief").status_code == 302
    second = session.scalar(
        select(OutcomeFile).where(OutcomeFile.outcome_id == outcome.id, OutcomeFile.id != first.id)
    )
    session.refresh(outcome)
    assert second.published_at is None and outcome.status is OutcomeStatus.DRAFT
    page = anon.get(f"/outcomes/{outcome.id}").get_data(as_text=True)
    assert "First brief" in page and "Second brief" not in page
    assert anon.get(f"/outcomes/{outcome.id}/files/{second.id}").status_code == 404
    files_page = author.client.get(f"/outcomes/{outcome.id}/files").get_data(as_text=True)
    assert "published at the next approval" in files_page
    submit(app, session, w, outcome)
    approve(app, session, w, outcome, by=w["second"])
    session.refresh(second)
    assert second.published_at is not None
    assert anon.get(f"/outcomes/{outcome.id}/files/{second.id}").status_code == 200


def test_a_withdrawn_outcome_lists_no_files_to_the_public(app, session, w):
    outcome = create(app, session, w)
    assert attach(browser_for(app, w["author"]), outcome, title="Brief title").status_code == 302
    submit(app, session, w, outcome)
    approve(app, session, w, outcome)
    run(app, session, lambda: services.withdraw_outcome(session, w["coordinator"], outcome, "Old"))
    page = app.test_client().get(f"/outcomes/{outcome.id}").get_data(as_text=True)
    assert "Brief title" not in page and f"/outcomes/{outcome.id}/files/" not in page
    member = browser_for(app, w["author"]).client.get(f"/outcomes/{outcome.id}")
    assert "Brief title" in member.get_data(as_text=True)


def test_the_members_page_is_not_304_once_its_authors_changed(app, session, w):
    outcome = create(app, session, w)
    coordinator = browser_for(app, w["coordinator"]).client
    first = coordinator.get(f"/outcomes/{outcome.id}")
    both = [w["author"].id, w["second"].id]
    revise(app, session, w, outcome, author_ids=both)
    again = coordinator.get(
        f"/outcomes/{outcome.id}", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 200
    assert "Sam Second" in again.get_data(as_text=True)


# --- 4. Regions come from public records only ----------------------------------------------------


def test_regions_come_only_from_public_records(app, session, w):
    proposed = make_challenge(session, w["group"], region_codes=("FI1B",), title="Proposed one")
    accepted = make_challenge(
        session, w["group"], region_codes=("FR10",), status=ChallengeStatus.ACCEPTED
    )
    draft_practice = make_practice(
        session, w["group"], region_code="DE21", status=PracticeStatus.DRAFT, author=w["author"]
    )
    session.commit()
    outcome = published(
        app,
        session,
        w,
        solution_ids=[w["private_solution"].id, w["public_solution"].id],
        challenge_ids=[proposed.id, accepted.id],
        practice_ids=[draft_practice.id],
        region_codes=["ES51"],
    )
    assert [region.code for region in outcome.regions] == ["ES51", "FR10", "PT11"]
    anon = app.test_client()
    page = anon.get(f"/outcomes/{outcome.id}").get_data(as_text=True)
    for code in ("SE11", "FI1B", "DE21"):
        assert f"/regions/{code}" not in page
        assert f"/outcomes/{outcome.id}" not in anon.get(f"/regions/{code}").get_data(as_text=True)
    assert open_data(anon, outcome)["regions"] == ["ES51", "FR10", "PT11"]


def test_regions_are_recomputed_at_the_approval(app, session, w):
    from cop.solutions import services as solution_services

    outcome = published(app, session, w, solution_ids=[w["public_solution"].id])
    assert [region.code for region in outcome.regions] == ["PT11"]
    run(
        app,
        session,
        lambda: solution_services.set_public(
            session, w["coordinator"], w["public_solution"].id, False
        ),
    )
    revise(app, session, w, outcome, solution_ids=[w["public_solution"].id], body="Revised")
    submit(app, session, w, outcome)
    approve(app, session, w, outcome, by=w["second"])
    assert outcome.regions == []


# --- 5. Authors are named only with their consent -------------------------------------------------


def test_only_listed_authors_are_named_and_the_others_counted(app, session, w):
    outcome = published(app, session, w, author_ids=[w["author"].id, w["shy"].id])
    version = outcome.current_version
    assert (version.authors_text, version.unnamed_authors) == ("Ada Author", 1)
    assert version.named_author_ids == [w["author"].id]
    anon = app.test_client()
    page = anon.get(f"/outcomes/{outcome.id}").get_data(as_text=True)
    assert "Shirin Shy" not in page
    assert "Ada Author and 1 other member" in page
    data = json_ld(page)
    assert data["author"] == [{"@type": "Person", "name": "Ada Author"}]
    assert data["creditText"] == "Ada Author and 1 other member"
    version_page = anon.get(f"/outcomes/{outcome.id}/versions/1").get_data(as_text=True)
    assert "Shirin Shy" not in version_page and "Ada Author and 1 other member" in version_page
    feed = anon.get("/outcomes/feed.atom").get_data(as_text=True)
    assert "Shirin Shy" not in feed and "<name>1 other member</name>" in feed
    record = open_data(anon, outcome)
    assert (record["authors"], record["unnamed_authors"]) == (["Ada Author"], 1)
    csv_text = anon.get("/open-data/outcomes.csv").get_data(as_text=True)
    assert "Shirin Shy" not in csv_text
    # The form says so.
    form = browser_for(app, w["author"]).client.get(f"/outcomes/{outcome.id}/edit")
    assert "Only the authors who agreed to be listed" in form.get_data(as_text=True)


def test_no_listed_author_credits_the_members(app, session, w):
    outcome = published(app, session, w, author_ids=[w["shy"].id])
    page = app.test_client().get(f"/outcomes/{outcome.id}").get_data(as_text=True)
    assert "Shirin Shy" not in page and "1 member of the working groups" in page


def test_a_closed_accounts_name_leaves_every_version(app, session, w):
    from cop.members import people

    outcome = published(app, session, w, author_ids=[w["author"].id, w["shy"].id])
    revise(app, session, w, outcome, body="Version two", author_ids=[w["author"].id, w["shy"].id])
    submit(app, session, w, outcome)
    approve(app, session, w, outcome, by=w["second"])
    # Someone else of the same name, on another outcome, keeps theirs.
    namesake = make_user(session, name="Ada Author", listed=True)
    make_membership(session, namesake, w["group"])
    session.commit()
    theirs = published(app, session, w, author_ids=[namesake.id])
    anon = app.test_client()
    tag = anon.get("/open-data/outcomes.json").headers["ETag"]
    with app.test_request_context():
        people.close_account(session, w["author"], w["author"], PASSWORD)
        session.commit()
    versions = session.scalars(
        select(OutcomeVersion).where(OutcomeVersion.outcome_id == outcome.id)
    ).all()
    assert [(v.authors_text, v.unnamed_authors, v.named_author_ids) for v in versions] == [
        ("", 2, []),
        ("", 2, []),
    ]
    assert theirs.current_version.authors_text == "Ada Author"
    page = anon.get(f"/outcomes/{outcome.id}").get_data(as_text=True)
    assert "Ada Author" not in page and "2 members of the working groups" in page
    assert "Ada Author" not in anon.get(f"/outcomes/{outcome.id}/versions/1").get_data(as_text=True)
    assert anon.get("/open-data/outcomes.json", headers={"If-None-Match": tag}).status_code == 200
    assert open_data(anon, outcome)["authors"] == []


def test_your_data_lists_the_outcomes_you_wrote(app, session, w):
    outcome = published(app, session, w, author_ids=[w["author"].id, w["shy"].id])
    shy = browser_for(app, w["shy"])
    page = shy.client.get("/account/data").get_data(as_text=True)
    assert "Outcomes you are an author of" in page and outcome.title in page
    download = shy.client.get("/account/data.json")
    data = json.loads(download.get_data(as_text=True))
    text = json.dumps(data)
    assert f'"outcome_id": {outcome.id}' in text
    assert '"named_publicly": false' in text


def test_an_author_who_stops_being_listed_leaves_the_published_versions(app, session, w):
    """The privacy notice promises a name on public pages only while its person agrees to
    be listed: withdrawing that consent takes it off what was published before."""
    from cop.auth.services.profile import PersonDetails, update_profile

    author = w["author"]
    author.organisation = make_organisation(session, region_code="PT11")
    session.commit()
    outcome = published(app, session, w, author_ids=[author.id])
    anon = app.test_client()
    assert "Ada Author" in anon.get(f"/outcomes/{outcome.id}").get_data(as_text=True)
    with app.test_request_context():
        details = PersonDetails(
            name=author.name,
            organisation_id=author.organisation_id,
            listed=False,
        )
        update_profile(session, author, author, details)
        session.commit()
    page = anon.get(f"/outcomes/{outcome.id}").get_data(as_text=True)
    assert "Ada Author" not in page and "1 member of the working groups" in page
    assert open_data(anon, outcome)["authors"] == []
