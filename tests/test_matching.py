"""Who can help with a challenge: good practices of other regions and people to contact, ranked
with their reasons; consent, the viewer's region and the group's members respected; a fixed
number of queries; and the consent to be suggested on the profile page."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from cop.activities.matching import suggestions_for_challenge
from cop.activities.models import ActivityOutput, ActivityStatus, OutputKind
from cop.challenges.models import ChallengeStatus, PracticeStatus
from cop.db import utcnow
from cop.members.models import MembershipStatus, User
from tests.conftest import Browser
from tests.factories import (
    make_activity,
    make_challenge,
    make_endorsement,
    make_group,
    make_membership,
    make_organisation,
    make_practice,
    make_theme,
    make_user,
)


def browser_for(app, person=None) -> Browser:
    browser = Browser(app.test_client())
    if person is not None:
        browser.login(person)
    return browser


def main_of(response) -> str:
    page = response.get_data(as_text=True)
    return html.unescape(page[page.index("<main") : page.index("</main>")])


def person_in(session, group, name: str, region_code: str | None, *, contactable=True, **kw):
    """An active member of `group` whose organisation is in `region_code` (none when None)."""
    organisation = (
        make_organisation(session, name=f"{name}'s organisation", region_code=region_code)
        if region_code
        else None
    )
    person = make_user(session, name=name, organisation=organisation, **kw)
    person.contactable = contactable
    make_membership(session, person, group)
    return person


def add_output(session, activity, practice) -> ActivityOutput:
    output = ActivityOutput(
        activity=activity, kind=OutputKind.PRACTICE, practice_id=practice.id, title=""
    )
    session.add(output)
    session.flush()
    return output


@pytest.fixture
def world(app, session):
    """A challenge on Digitalisation and Skills, raised in Madrid and endorsed from Helsinki;
    Vera, the viewer, works in Brussels (BE10)."""
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    other = make_group(session, slug="industrial-transition", name="Industrial Transition")
    digital = make_theme(session, group, name="Digitalisation", position=1)
    skills = make_theme(session, group, name="Skills", position=2)
    unrelated = make_theme(session, group, name="Clusters", position=3)

    vera = person_in(session, group, "Vera Viewer", "BE10")
    rosa = person_in(session, group, "Rosa Raiser", "ES30")
    eino = person_in(session, group, "Eino Endorser", "FI1B")
    erik = person_in(session, group, "Erik Expert", "PL91")
    tara = person_in(session, group, "Tara Themes", "AT13")
    nora = person_in(session, group, "Nora No-consent", "FR10", contactable=False)
    bea = person_in(session, group, "Bea Brussels", "BE10")
    cleo = person_in(session, group, "Cleo Closed", "DE21")
    cleo.closed_at = utcnow()
    lars = person_in(session, group, "Lars Left", "DE21")
    lars.memberships[0].status = MembershipStatus.LEFT
    olga = person_in(session, other, "Olga Outsider", "FI1B")

    challenge = make_challenge(
        session,
        group,
        raised_by=rosa,
        status=ChallengeStatus.ACCEPTED,
        title="SMEs do not adopt digital tools",
        themes=(digital, skills),
        region_codes=("ES30", "FI1B"),
    )
    for person, region in (
        (eino, "FI1B"),
        (nora, "FR10"),
        (bea, "BE10"),
        (vera, "BE10"),
        (cleo, "DE21"),
        (lars, "DE21"),
    ):
        make_endorsement(session, challenge, person, region_code=region)
    activity = make_activity(
        session,
        group,
        status=ActivityStatus.RUNNING,
        title="Voucher peer review",
        challenges=(challenge,),
        experts=((erik, "peer reviewer"),),
    )
    cancelled = make_activity(
        session,
        group,
        status=ActivityStatus.CANCELLED,
        title="Cancelled visit",
        challenges=(challenge,),
        experts=((nora, "host"), (tara, "host")),
    )

    now = utcnow()

    def published(days: int):
        return now - timedelta(days=days)

    practices = {
        # linked to the challenge: listed on its page already, never suggested
        "linked": make_practice(
            session, group, title="Lisbon vouchers", region_code="PT1A",
            challenges=(challenge,), published_at=published(30),
        ),
        # from a region that endorsed it (2) and on Digitalisation (1): 3, newer than "linked"
        "endorsed": make_practice(
            session, group, title="Helsinki digital coaches", region_code="FI1B",
            themes=(digital,), published_at=published(20),
        ),
        # an output of the activity: 3, the newest of the three
        "output": make_practice(
            session, group, title="Peer-reviewed voucher scheme", region_code="PL91",
            published_at=published(10),
        ),
        # both themes: 2
        "themes": make_practice(
            session, group, title="Austrian skills and digital plan", region_code="AT13",
            themes=(digital, skills), author=tara, published_at=published(5),
        ),
        # from Brussels, which endorsed it (2), on both themes (2): but the viewer's own region
        "own_region": make_practice(
            session, group, title="Brussels digital hub", region_code="BE10",
            themes=(digital, skills), published_at=published(1),
        ),
        # not published, of another group, or sharing nothing: never suggested
        "draft": make_practice(
            session, group, title="Draft practice", region_code="IE06",
            challenges=(challenge,), status=PracticeStatus.SUBMITTED,
        ),
        "foreign": make_practice(
            session, other, title="Other group's practice", region_code="IE06",
            challenges=(challenge,),
        ),
        "unrelated": make_practice(
            session, group, title="Cluster policy", region_code="IE06", themes=(unrelated,),
        ),
        # an output of the cancelled activity only: not a reason
        "cancelled_output": make_practice(
            session, group, title="Cancelled output", region_code="IE06",
        ),
    }  # fmt: skip
    add_output(session, activity, practices["output"])
    add_output(session, cancelled, practices["cancelled_output"])
    # Rosa published a practice on both themes too: raised (3) + two themes (2) = 5.
    make_practice(
        session, group, title="Madrid plan", region_code="ES30", author=rosa,
        themes=(digital, skills), published_at=published(40),
    )  # fmt: skip
    session.commit()
    return {
        "group": group,
        "challenge": challenge,
        "activity": activity,
        "practices": practices,
        "digital": digital,
        **{p.name.split()[0].lower(): p for p in (vera, rosa, eino, erik, tara, nora, bea)},
        "cleo": cleo,
        "lars": lars,
        "olga": olga,
    }


def suggest(app, session, world, viewer, limit=5):
    """The suggestions as plain text: [(title or name, score, [reasons])] for practices and people."""
    with app.test_request_context():
        found = suggestions_for_challenge(session, viewer, world["challenge"], limit)
        return (
            [(s.record.title, s.score, [str(r) for r in s.reasons]) for s in found.practices],
            [(s.record.name, s.score, [str(r) for r in s.reasons]) for s in found.people],
        )


def test_practices_are_ranked_by_score_then_newest_with_their_reasons(app, session, world):
    practices, _people = suggest(app, session, world, world["vera"])

    assert practices == [
        (
            "Peer-reviewed voucher scheme",
            3,
            ["an output of the activity “Voucher peer review” on this challenge"],
        ),
        (
            "Helsinki digital coaches",
            3,
            ["from a region that endorsed this challenge", "on the theme Digitalisation"],
        ),
        ("Austrian skills and digital plan", 2, ["on the theme Digitalisation", "on the theme Skills"]),
        ("Madrid plan", 2, ["on the theme Digitalisation", "on the theme Skills"]),
    ]  # fmt: skip


def test_the_limit_keeps_the_best(app, session, world):
    practices, people = suggest(app, session, world, world["vera"], limit=2)
    assert [title for title, _score, _reasons in practices] == [
        "Peer-reviewed voucher scheme",
        "Helsinki digital coaches",
    ]
    assert [name for name, _score, _reasons in people] == ["Rosa Raiser", "Eino Endorser"]


def test_people_are_ranked_with_their_reasons(app, session, world):
    _practices, people = suggest(app, session, world, world["vera"], limit=10)

    assert people == [
        (
            "Rosa Raiser",
            5,
            [
                "raised this challenge",
                "published a practice on the theme Digitalisation",
                "published a practice on the theme Skills",
            ],
        ),
        ("Eino Endorser", 3, ["endorsed this challenge"]),
        ("Erik Expert", 3, ["expert in the activity “Voucher peer review” on this challenge"]),
        (
            "Tara Themes",
            2,
            [
                "published a practice on the theme Digitalisation",
                "published a practice on the theme Skills",
            ],
        ),
    ]


def test_people_who_did_not_consent_never_appear(app, session, world):
    """Nora endorsed the challenge but did not agree to be suggested; closed accounts, people
    who left the group and the viewer themselves are never suggested either."""
    for viewer in (world["vera"], world["eino"], world["rosa"]):
        _practices, people = suggest(app, session, world, viewer, limit=50)
        names = {name for name, _score, _reasons in people}
        assert not names & {"Nora No-consent", "Cleo Closed", "Lars Left", viewer.name}

    world["nora"].contactable = True
    session.commit()
    _practices, people = suggest(app, session, world, world["vera"], limit=50)
    assert ("Nora No-consent", 3, ["endorsed this challenge"]) in people


def test_the_viewers_own_region_is_left_out(app, session, world):
    """Bea and the Brussels practice share Vera's region; a viewer from Helsinki sees them, but
    not Eino nor the Helsinki practice."""
    practices, people = suggest(app, session, world, world["vera"], limit=50)
    assert "Brussels digital hub" not in [title for title, *_rest in practices]
    assert "Bea Brussels" not in [name for name, *_rest in people]

    practices, people = suggest(app, session, world, world["eino"], limit=50)
    titles = [title for title, *_rest in practices]
    names = [name for name, *_rest in people]
    # From a region that endorsed it (2) and on both themes (2).
    assert practices[0][:2] == ("Brussels digital hub", 4)
    assert "Helsinki digital coaches" not in titles
    assert "Bea Brussels" in names and "Vera Viewer" in names and "Eino Endorser" not in names


def test_never_suggested_practices(app, session, world):
    practices, _people = suggest(app, session, world, None, limit=50)
    titles = {title for title, *_rest in practices}
    assert not titles & {"Draft practice", "Other group's practice", "Cluster policy"}
    assert "Cancelled output" not in titles
    # Without a viewer's region, Brussels is another region like any.
    assert "Brussels digital hub" in titles


@pytest.mark.parametrize("who", ["anonymous", "olga", "applicant"])
def test_anonymous_and_non_members_see_practices_but_no_people(app, session, world, who):
    viewer = None
    if who == "olga":
        viewer = world["olga"]
    elif who == "applicant":
        viewer = make_user(session, name="Anna Applicant")
        make_membership(session, viewer, world["group"], status=MembershipStatus.APPLIED)
        session.commit()
    practices, people = suggest(app, session, world, viewer)
    assert practices and people == []


def test_a_merged_challenge_suggests_nothing(app, session, world):
    merged = make_challenge(
        session, world["group"], status=ChallengeStatus.MERGED, merged_into=world["challenge"]
    )
    session.commit()
    with app.test_request_context():
        assert not suggestions_for_challenge(session, world["vera"], merged)


def test_a_closed_challenge_suggests_nothing(app, session, world):
    world["challenge"].status = ChallengeStatus.CLOSED
    world["challenge"].decision_note = "Out of scope."
    session.commit()
    assert suggest(app, session, world, world["vera"]) == ([], [])
    page = main_of(
        browser_for(app, world["vera"]).client.get(f"/challenges/{world['challenge'].id}")
    )
    assert "Who can help" not in page


@pytest.mark.parametrize(
    "status", [ChallengeStatus.PROPOSED, ChallengeStatus.BEING_ADDRESSED, ChallengeStatus.ADDRESSED]
)
def test_challenges_still_worked_on_suggest(app, session, world, status):
    """Being addressed and addressed challenges, and proposed ones (which only the group's
    members see) keep their suggestions."""
    world["challenge"].status = status
    session.commit()
    practices, people = suggest(app, session, world, world["vera"])
    assert practices and people
    page = main_of(
        browser_for(app, world["vera"]).client.get(f"/challenges/{world['challenge'].id}")
    )
    assert "Who can help" in page


def test_practices_linked_to_the_challenge_are_not_suggested(app, session, world):
    """They are listed under "Good practices" already; even with other reasons (an output of
    an activity on it, a theme of it, an endorsing region) they are not repeated."""
    linked = world["practices"]["linked"]
    linked.themes.append(world["digital"])
    linked.region_code = "FI1B"
    add_output(session, world["activity"], linked)
    session.commit()
    practices, _people = suggest(app, session, world, world["vera"], limit=50)
    assert "Lisbon vouchers" not in [title for title, *_rest in practices]
    assert all("addresses this challenge" not in reasons for *_rest, reasons in practices)

    page = main_of(
        browser_for(app, world["vera"]).client.get(f"/challenges/{world['challenge'].id}")
    )
    listed, helping = page.split('id="help-title"')
    assert "Lisbon vouchers" in listed.split('id="practices-title"')[1]
    assert "Lisbon vouchers" not in helping
    assert "Helsinki digital coaches" in helping


# -- on the challenge page ---------------------------------------------------------------------


def test_the_challenge_page_shows_who_can_help_to_members(app, session, world):
    page = main_of(
        browser_for(app, world["vera"]).client.get(f"/challenges/{world['challenge'].id}")
    )

    assert "Who can help" in page and "Good practices from other regions" in page
    assert "People to contact" in page
    assert "Why: from a region that endorsed this challenge; on the theme Digitalisation" in page
    assert (
        "Why: raised this challenge; published a practice on the theme Digitalisation;"
        " published a practice on the theme Skills" in page
    )
    assert f'href="/people/{world["rosa"].id}"' in page
    assert "Rosa Raiser's organisation" in page
    assert "Nora No-consent" not in page.split("People to contact")[1]


def test_the_public_sees_practices_but_no_people_on_the_page(app, session, world):
    page = main_of(browser_for(app).client.get(f"/challenges/{world['challenge'].id}"))
    assert "Who can help" in page and "Helsinki digital coaches" in page
    assert "People to contact" not in page and "/people/" not in page


def test_names_and_titles_are_escaped(app, session, world):
    world["activity"].title = '<script>alert("x")</script>'
    session.commit()
    page = browser_for(app, world["vera"]).client.get(f"/challenges/{world['challenge'].id}")
    text = page.get_data(as_text=True)
    assert '<script>alert("x")</script>' not in text
    assert "&lt;script&gt;" in text


def test_suggestions_take_a_fixed_number_of_queries(app, session, world, count_queries):
    group, challenge = world["group"], world["challenge"]

    grown = [0]

    def grow(count: int) -> None:
        for number in range(grown[0], grown[0] + count):
            theme = make_theme(session, group, name=f"Grown theme {number}")
            challenge.themes.append(theme)
            person = person_in(
                session, group, f"Grown {number}", ("ES30", "FI1B", "AT13")[number % 3]
            )
            make_endorsement(session, challenge, person, region_code="IE06")
            make_practice(
                session, group, author=person, region_code="IE06", themes=(theme,),
                challenges=(challenge,) if number % 2 else (),
            )  # fmt: skip
        grown[0] += count
        session.commit()

    def queries() -> int:
        viewer = session.get(User, world["vera"].id)
        with app.test_request_context(), count_queries() as counter:
            found = suggestions_for_challenge(session, viewer, challenge, 5)
            [str(reason) for item in found.people + found.practices for reason in item.reasons]
        assert len(found.practices) == 5 and len(found.people) == 5
        return counter.count

    grow(3)
    small = queries()
    grow(37)
    large = queries()
    assert small == large == 6


def test_the_challenge_page_queries_do_not_grow_with_suggestions(
    app, session, world, count_queries
):
    group, challenge = world["group"], world["challenge"]
    readers = {"anonymous": browser_for(app), "member": browser_for(app, world["vera"])}

    grown = [0]

    def grow(count: int) -> None:
        for number in range(grown[0], grown[0] + count):
            theme = make_theme(session, group, name=f"Grown theme {number}")
            challenge.themes.append(theme)
            person = person_in(session, group, f"Grown {number}", "ES30")
            make_endorsement(session, challenge, person, region_code="FI1B")
            make_practice(session, group, author=person, region_code="IE06", themes=(theme,))
        grown[0] += count
        session.commit()

    def queries() -> dict[str, int]:
        counts = {}
        for role, browser in readers.items():
            with count_queries() as counter:
                response = browser.client.get(f"/challenges/{challenge.id}")
            assert response.status_code == 200
            counts[role] = counter.count
        return counts

    grow(3)
    small = queries()
    grow(37)
    large = queries()
    assert small == large


# -- consent on the profile ----------------------------------------------------------------------


def profile_data(person, **changes) -> dict:
    return {
        "name": person.name,
        "organisation": str(person.organisation_id or ""),
        "language": "en",
        "timezone": "Europe/Brussels",
        **changes,
    }


def contactable_box(page: str) -> str:
    return re.search(r'<input[^>]*name="contactable"[^>]*>', page).group(0)


def test_consent_to_be_suggested_is_saved_and_shown(app, session, world):
    person = world["tara"]
    person.contactable = False
    session.commit()
    browser = browser_for(app, person)
    page = browser.client.get("/account/profile").get_data(as_text=True)
    assert "Other members may suggest me as someone to contact about challenges I know" in page
    assert "checked" not in contactable_box(page)

    response = browser.post(
        "/account/profile", profile_data(person, contactable="y"), page="/account/profile"
    )

    assert response.status_code == 302
    session.expire_all()
    assert session.get(User, person.id).contactable is True
    page = browser.client.get("/account/profile").get_data(as_text=True)
    assert "checked" in contactable_box(page)

    # Withdrawn by saving the profile without it.
    browser.post("/account/profile", profile_data(person), page="/account/profile")
    session.expire_all()
    assert session.get(User, person.id).contactable is False


def test_consent_is_unchecked_at_sign_up(client):
    page = client.get("/account/signup").get_data(as_text=True)
    assert "checked" not in contactable_box(page)


def test_the_data_export_holds_the_consent_and_digest_period(app, session, world):
    browser = browser_for(app, world["rosa"])
    data = browser.client.get("/account/data.json").get_json()
    assert data["profile"]["contactable"] is True
    assert data["profile"]["digest_period"] == "daily"
