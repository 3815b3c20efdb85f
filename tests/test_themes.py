"""A group's themes managed by its coordinators: added, renamed, retired, restored and put in
order, names compared regardless of case and spacing; and the ranking page saying which
challenges it lists. Services called directly, then the pages as a coordinator uses them."""

from __future__ import annotations

import html
import re

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select

from cop.audit.models import AuditEntry
from cop.challenges import themes
from cop.challenges.models import ChallengeStatus, Theme
from cop.errors import Conflict, Invalid, NotAllowed, NotFound
from cop.members.models import MembershipStatus, Role
from tests.conftest import Browser
from tests.factories import (
    make_challenge,
    make_group,
    make_membership,
    make_theme,
    make_user,
)

THEMES_PAGE = "/groups/innovation-diffusion/themes/"


@pytest.fixture
def world(app, session, admin):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    other = make_group(session, slug="industrial-transition", name="Industrial Transition")

    def person(name, group_=group, **membership):
        user = make_user(session, name=name)
        make_membership(session, user, group_, **membership)
        return user

    world = {
        "group": group,
        "other": other,
        "admin": admin,
        "coordinator": person("Cora Coordinator", role=Role.COORDINATOR),
        "member": person("Max Member"),
        "applicant": person("Abe Applicant", status=MembershipStatus.APPLIED),
        "other_coordinator": person("Olga Other", other, role=Role.COORDINATOR),
        "digital": make_theme(session, group, name="Digitalisation", position=1),
        "skills": make_theme(session, group, name="Skills", position=2),
        "old": make_theme(session, group, name="Clusters", position=3, retired=True),
        "agencies": make_theme(session, group, name="Innovation agencies", position=4),
        "foreign": make_theme(session, other, name="Green transition", position=1),
    }
    session.commit()
    return world


@pytest.fixture
def in_request(app):
    """The services speak through gettext, as in a request."""
    with app.test_request_context():
        yield


def written(session) -> tuple:
    """Every theme as stored, and the number of audit rows."""
    themes = session.execute(
        select(Theme.id, Theme.name, Theme.description, Theme.position, Theme.retired_at).order_by(
            Theme.id
        )
    ).all()
    return tuple(themes), session.scalar(select(func.count()).select_from(AuditEntry))


def refused(session, kind, function, *args):
    """Call a service expected to refuse: it raises `kind` and leaves nothing behind."""
    session.commit()
    before = written(session)
    with pytest.raises(kind) as error:
        function(session, *args)
    session.rollback()
    assert written(session) == before
    return error.value


def audit_rows(session, action: str) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def names(session, group, *, retired: bool = False) -> list[str]:
    return [theme.name for theme in themes.group_themes(session, group, retired=retired)]


def positions(session, group) -> list[int]:
    return [theme.position for theme in themes.group_themes(session, group, retired=True)]


def browser_for(app, person=None) -> Browser:
    browser = Browser(app.test_client())
    if person is not None:
        browser.login(person)
    return browser


def text_of(response) -> str:
    return response.get_data(as_text=True)


def offered_names(page: str) -> list[str]:
    """The current themes as the themes page lists them, in order."""
    offered = page[
        page.index('<ol class="theme-list">') : page.index("</ol>", page.index("theme-list"))
    ]
    return [html.unescape(name) for name in re.findall(r'id="theme-name-\d+">([^<]+)<', offered)]


# --- Names compared regardless of case and spacing ---------------------------------------------


@pytest.mark.parametrize("name", ["digitalisation", "  DIGITALISATION ", "Digitalisation"])
def test_a_new_theme_may_not_repeat_a_name_in_another_case(session, world, in_request, name):
    error = refused(
        session, Invalid, themes.add_theme, world["coordinator"], world["group"].id, name
    )

    assert error.field == "name"
    assert error.message == "The group already has the theme “Digitalisation”."


def test_runs_of_spaces_do_not_make_a_new_name(session, world, in_request):
    theme = themes.add_theme(
        session, world["coordinator"], world["group"].id, "Innovation   \t agencies\n networks"
    )
    assert theme.name == "Innovation agencies networks"

    error = refused(
        session,
        Invalid,
        themes.add_theme,
        world["coordinator"],
        world["group"].id,
        "innovation  AGENCIES",
    )
    assert error.message == "The group already has the theme “Innovation agencies”."


def test_a_clash_with_a_retired_theme_says_it_can_be_restored(session, world, in_request):
    error = refused(
        session, Invalid, themes.add_theme, world["coordinator"], world["group"].id, "CLUSTERS"
    )

    assert error.field == "name"
    assert error.message == (
        "The group already has the theme “Clusters”; it is retired, and can be restored."
    )


def test_the_casefold_compares_beyond_lower_case(session, world, in_request):
    make_theme(session, world["group"], name="Straße", position=9)

    error = refused(
        session, Invalid, themes.add_theme, world["coordinator"], world["group"].id, "STRASSE"
    )

    assert error.message == "The group already has the theme “Straße”."


def test_another_groups_names_are_free_in_any_case(session, world, in_request):
    theme = themes.add_theme(session, world["coordinator"], world["group"].id, "green TRANSITION")
    assert theme.group_id == world["group"].id


# --- Renaming -----------------------------------------------------------------------------------


def test_a_coordinator_renames_a_theme_and_what_is_filed_under_it_follows(
    session, world, in_request
):
    theme = world["skills"]
    challenge = make_challenge(session, world["group"], themes=(theme,))
    session.commit()

    themes.edit_theme(
        session, world["coordinator"], theme.id, " Skills  for SMEs ", "Training and hiring."
    )
    session.commit()
    session.expire_all()

    assert (theme.name, theme.description) == ("Skills for SMEs", "Training and hiring.")
    assert [each.name for each in challenge.themes] == ["Skills for SMEs"]
    (entry,) = audit_rows(session, "theme.edited")
    assert entry.actor_id == world["coordinator"].id
    assert (entry.record_type, entry.record_id) == ("themes", str(theme.id))
    assert entry.before == {"name": "Skills", "description": ""}
    assert entry.after == {"name": "Skills for SMEs", "description": "Training and hiring."}


def test_a_theme_may_change_only_its_case(session, world, in_request):
    theme = themes.edit_theme(session, world["coordinator"], world["digital"].id, "DIGITALISATION")
    session.commit()

    assert theme.name == "DIGITALISATION"
    (entry,) = audit_rows(session, "theme.edited")
    assert (entry.before, entry.after) == (
        {"name": "Digitalisation"},
        {"name": "DIGITALISATION"},
    )


def test_saving_a_theme_unchanged_writes_nothing(session, world, in_request):
    session.commit()
    before = written(session)

    themes.edit_theme(session, world["coordinator"], world["digital"].id, " Digitalisation ")
    session.commit()

    assert written(session) == before


def test_a_retired_theme_may_be_corrected(session, world, in_request):
    theme = themes.edit_theme(session, world["coordinator"], world["old"].id, "Clusters", "Old.")
    session.commit()

    assert theme.description == "Old." and theme.retired_at is not None


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("skills", "The group already has the theme “Skills”."),
        (
            "clusters",
            "The group already has the theme “Clusters”; it is retired, and can be restored.",
        ),
    ],
)
def test_a_theme_may_not_be_renamed_to_another_ones_name(session, world, in_request, name, message):
    error = refused(
        session, Invalid, themes.edit_theme, world["coordinator"], world["digital"].id, name, ""
    )

    assert (error.field, error.message) == ("name", message)


@pytest.mark.parametrize(
    ("name", "description", "field", "message"),
    [
        ("", "", "name", "Please fill in this field."),
        (" \n ", "", "name", "Please fill in this field."),
        ("x" * 201, "", "name", "Use at most 200 characters."),
        ("Bad\x00name", "", "name", "Remove the control characters from this text."),
        ("Bad\x1b[31mname", "", "name", "Remove the control characters from this text."),
        ("Fine", "y" * 2001, "description", "Use at most 2000 characters."),
        ("Fine", "A\x07bell", "description", "Remove the control characters from this text."),
    ],
)
def test_a_bad_rename_is_refused(session, world, in_request, name, description, field, message):
    error = refused(
        session,
        Invalid,
        themes.edit_theme,
        world["coordinator"],
        world["digital"].id,
        name,
        description,
    )

    assert (error.field, error.message) == (field, message)


# --- Restoring ----------------------------------------------------------------------------------


def test_a_restored_theme_is_offered_again_in_its_place(session, world, in_request):
    theme = themes.restore_theme(session, world["coordinator"], world["old"].id)
    session.commit()

    assert theme.retired_at is None
    assert names(session, world["group"]) == [
        "Digitalisation",
        "Skills",
        "Clusters",
        "Innovation agencies",
    ]
    (entry,) = audit_rows(session, "theme.restored")
    assert entry.actor_id == world["coordinator"].id and entry.after == {"retired_at": None}
    assert entry.before["retired_at"] is not None


def test_restoring_a_theme_that_is_not_retired_changes_nothing(session, world, in_request):
    error = refused(
        session, Conflict, themes.restore_theme, world["coordinator"], world["skills"].id
    )

    assert error.message == "The theme “Skills” is not retired: it is offered already."


# --- Ordering -----------------------------------------------------------------------------------


def test_moving_a_theme_swaps_it_with_its_current_neighbour(session, world, in_request):
    group = world["group"]

    themes.move_theme(session, world["coordinator"], world["agencies"].id, "up")
    session.commit()

    # It passes the retired theme, which keeps its place after Skills.
    assert names(session, group, retired=True) == [
        "Digitalisation",
        "Innovation agencies",
        "Skills",
        "Clusters",
    ]
    assert names(session, group) == ["Digitalisation", "Innovation agencies", "Skills"]
    assert positions(session, group) == [1, 2, 3, 4]
    (entry,) = audit_rows(session, "theme.moved")
    assert entry.record_id == str(world["agencies"].id)
    assert (entry.before, entry.after) == ({"position": 4}, {"position": 2})

    themes.move_theme(session, world["coordinator"], world["digital"].id, "down")
    session.commit()
    assert names(session, group) == ["Innovation agencies", "Digitalisation", "Skills"]
    assert positions(session, group) == [1, 2, 3, 4]
    assert len(audit_rows(session, "theme.moved")) == 2


def test_moving_numbers_positions_that_were_shared_or_gapped(session, world, in_request):
    group = world["other"]
    first = make_theme(session, group, name="First", position=7)
    second = make_theme(session, group, name="Second", position=7)
    third = make_theme(session, group, name="Third", position=40)
    session.commit()

    themes.move_theme(session, world["admin"], third.id, "up")
    session.commit()

    assert names(session, group) == ["Green transition", "First", "Third", "Second"]
    assert positions(session, group) == [1, 2, 3, 4]
    assert (first.position, second.position, third.position) == (2, 4, 3)


@pytest.mark.parametrize(
    ("theme", "direction", "kind", "message"),
    [
        ("digital", "up", Conflict, "The theme “Digitalisation” is first already."),
        ("agencies", "down", Conflict, "The theme “Innovation agencies” is last already."),
        ("old", "up", Conflict, "The theme “Clusters” is retired: restore it before moving it."),
        ("skills", "sideways", Invalid, "Choose whether to move the theme up or down."),
        ("skills", "", Invalid, "Choose whether to move the theme up or down."),
    ],
)
def test_a_move_that_cannot_be_made_changes_nothing(
    session, world, in_request, theme, direction, kind, message
):
    error = refused(
        session, kind, themes.move_theme, world["coordinator"], world[theme].id, direction
    )

    assert error.message == message


# --- Who may ------------------------------------------------------------------------------------

CHANGES = [
    (themes.edit_theme, ("A new name", "")),
    (themes.restore_theme, ()),
    (themes.move_theme, ("up",)),
    (themes.retire_theme, ()),
]


@pytest.mark.parametrize("who", ["member", "applicant", "other_coordinator", "anonymous"])
@pytest.mark.parametrize(("change", "args"), CHANGES)
def test_only_the_groups_coordinators_manage_its_themes(
    session, world, in_request, who, change, args
):
    actor = AnonymousUserMixin() if who == "anonymous" else world[who]
    theme = world["old"] if change is themes.restore_theme else world["skills"]

    error = refused(session, NotAllowed, change, actor, theme.id, *args)

    assert error.message == "Only coordinators of Innovation Diffusion may do this."


@pytest.mark.parametrize(("change", "args"), CHANGES)
def test_a_coordinator_of_one_group_does_not_manage_anothers_themes(
    session, world, in_request, change, args
):
    error = refused(session, NotAllowed, change, world["coordinator"], world["foreign"].id, *args)

    assert error.message == "Only coordinators of Industrial Transition may do this."


@pytest.mark.parametrize(("change", "args"), CHANGES)
def test_an_unknown_theme_is_not_found(session, world, in_request, change, args):
    error = refused(session, NotFound, change, world["coordinator"], 999_999, *args)

    assert error.message == "There is no such theme."


# --- The themes page ----------------------------------------------------------------------------


def test_the_page_lists_current_themes_in_order_and_retired_ones_apart(app, world):
    page = text_of(browser_for(app, world["coordinator"]).client.get(THEMES_PAGE))

    assert offered_names(page) == ["Digitalisation", "Skills", "Innovation agencies"]
    retired = page[page.index('id="retired-title"') :]
    assert "Clusters" in retired and "Restore" in retired
    # The first theme cannot go up, the last cannot go down.
    digital, agencies = world["digital"].id, world["agencies"].id
    first = page[
        page.index(f'id="theme-{digital}"') : page.index(
            "</li>", page.index(f'id="theme-{digital}"')
        )
    ]
    last = page[
        page.index(f'id="theme-{agencies}"') : page.index(
            "</li>", page.index(f'id="theme-{agencies}"')
        )
    ]
    assert 'value="down"' in first and 'value="up"' not in first
    assert 'value="up"' in last and 'value="down"' not in last


def test_a_coordinator_puts_a_theme_first_with_the_pages_buttons(app, world, session):
    browser = browser_for(app, world["coordinator"])
    agencies = world["agencies"].id
    for _press in range(2):
        page = text_of(browser.client.get(THEMES_PAGE))
        item = page[page.index(f'id="theme-{agencies}"') :]
        action = re.search(r'<form method="post" action="([^"]+/move)"', item).group(1)
        button = re.search(r'<button type="submit" name="direction" value="(up)"', item)
        response = browser.post(action, {"direction": button.group(1)}, page=THEMES_PAGE)
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"{THEMES_PAGE}#theme-{agencies}")

    page = text_of(browser.client.get(THEMES_PAGE))
    assert offered_names(page) == ["Innovation agencies", "Digitalisation", "Skills"]
    assert "The theme “Innovation agencies” is moved up." in page
    # The challenge form offers the themes in the new order.
    form = text_of(browser.client.get("/groups/innovation-diffusion/challenges/new"))
    assert form.index("Innovation agencies") < form.index("Digitalisation") < form.index("Skills")
    session.expire_all()
    assert positions(session, world["group"]) == [1, 2, 3, 4]


def test_moving_the_first_theme_up_says_why_nothing_changed(app, world, session):
    browser = browser_for(app, world["coordinator"])
    session.commit()
    before = written(session)

    response = browser.post(f"/themes/{world['digital'].id}/move", {"direction": "up"})

    assert response.status_code == 409
    page = text_of(response)
    assert "The theme “Digitalisation” is first already." in page
    assert offered_names(page) == ["Digitalisation", "Skills", "Innovation agencies"]
    assert written(session) == before


def test_a_forged_direction_is_refused(app, world, session):
    session.commit()
    before = written(session)

    response = browser_for(app, world["coordinator"]).post(
        f"/themes/{world['skills'].id}/move", {"direction": "top"}
    )

    assert response.status_code == 400
    assert "Choose whether to move the theme up or down." in text_of(response)
    assert written(session) == before


def test_a_coordinator_renames_a_theme_on_its_page(app, world, session):
    browser = browser_for(app, world["coordinator"])
    path = f"/themes/{world['skills'].id}/edit"
    themes_page = text_of(browser.client.get(THEMES_PAGE))
    assert f'href="{path}"' in themes_page

    form = text_of(browser.client.get(path))
    assert 'value="Skills"' in form and "Edit the theme “Skills”" in form
    response = browser.post(
        path, {"name": "Skills for SMEs", "description": "Training."}, page=path
    )

    assert response.status_code == 302
    page = text_of(browser.client.get(THEMES_PAGE))
    assert "The theme “Skills for SMEs” is saved." in page
    assert offered_names(page) == ["Digitalisation", "Skills for SMEs", "Innovation agencies"]
    assert "Training." in page
    new_challenge = text_of(browser.client.get("/groups/innovation-diffusion/challenges/new"))
    assert "Skills for SMEs" in new_challenge
    session.refresh(world["skills"])
    assert world["skills"].name == "Skills for SMEs"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Please fill in this field."),
        ("x" * 201, "Use at most 200 characters."),
        ("Bad\x01name", "Remove the control characters from this text."),
        ("DIGITALISATION", "The group already has the theme “Digitalisation”."),
        (
            "clusters",
            "The group already has the theme “Clusters”; it is retired, and can be restored.",
        ),
    ],
)
def test_a_bad_rename_is_shown_next_to_the_name(app, world, session, name, message):
    browser = browser_for(app, world["coordinator"])
    session.commit()
    before = written(session)
    path = f"/themes/{world['skills'].id}/edit"

    response = browser.post(path, {"name": name}, page=path)

    assert response.status_code == 400
    error = re.search(r'id="name-error">([^<]+)<', text_of(response))
    assert html.unescape(error.group(1)) == message
    # The page still names the theme as it is.
    assert "Edit the theme “Skills”" in text_of(response)
    assert written(session) == before


def test_a_clash_when_adding_is_shown_next_to_the_name(app, world, session):
    browser = browser_for(app, world["coordinator"])
    session.commit()
    before = written(session)

    response = browser.post(THEMES_PAGE, {"name": "  innovation   AGENCIES "}, page=THEMES_PAGE)

    assert response.status_code == 400
    error = re.search(r'id="name-error">([^<]+)<', text_of(response))
    assert html.unescape(error.group(1)) == "The group already has the theme “Innovation agencies”."
    assert written(session) == before


def test_a_coordinator_restores_a_retired_theme(app, world, session):
    browser = browser_for(app, world["coordinator"])
    old = world["old"].id
    page = text_of(browser.client.get(THEMES_PAGE))
    assert f'action="/themes/{old}/restore"' in page
    assert "Clusters" not in text_of(
        browser.client.get("/groups/innovation-diffusion/challenges/new")
    )

    response = browser.post(f"/themes/{old}/restore", page=THEMES_PAGE)

    assert response.status_code == 302
    page = text_of(browser.client.get(THEMES_PAGE))
    assert "The theme “Clusters” is restored: it is offered again." in page
    assert offered_names(page) == ["Digitalisation", "Skills", "Clusters", "Innovation agencies"]
    assert 'id="retired-title"' not in page
    new_challenge = text_of(browser.client.get("/groups/innovation-diffusion/challenges/new"))
    assert "Clusters" in new_challenge


def test_restoring_a_current_theme_says_why_nothing_changed(app, world, session):
    session.commit()
    before = written(session)

    response = browser_for(app, world["coordinator"]).post(f"/themes/{world['skills'].id}/restore")

    assert response.status_code == 409
    assert "The theme “Skills” is not retired: it is offered already." in text_of(response)
    assert written(session) == before


REQUESTS = [
    ("get", "/themes/{id}/edit", None),
    ("post", "/themes/{id}/edit", {"name": "Renamed"}),
    ("post", "/themes/{id}/restore", {}),
    ("post", "/themes/{id}/move", {"direction": "down"}),
    ("post", "/themes/{id}/retire", {}),
]


def send(browser, method, path, data):
    if method == "get":
        return browser.client.get(path)
    return browser.post(path, data)


@pytest.mark.parametrize(("method", "path", "data"), REQUESTS)
def test_a_forged_theme_id_is_not_found(app, world, session, method, path, data):
    response = send(
        browser_for(app, world["coordinator"]), method, path.format(id=99_999_999), data
    )

    assert response.status_code == 404
    assert "There is no such theme." in text_of(response)


@pytest.mark.parametrize("who", ["member", "other_coordinator"])
@pytest.mark.parametrize(("method", "path", "data"), REQUESTS)
def test_others_may_not_manage_the_groups_themes(app, world, session, who, method, path, data):
    theme = world["old"] if "restore" in path else world["skills"]
    session.commit()
    before = written(session)

    response = send(browser_for(app, world[who]), method, path.format(id=theme.id), data)

    assert response.status_code == 403
    assert "Only coordinators of Innovation Diffusion may do this." in text_of(response)
    assert written(session) == before


@pytest.mark.parametrize(("method", "path", "data"), REQUESTS[1:])
def test_a_form_without_its_token_is_refused(app, world, session, method, path, data):
    browser = browser_for(app, world["coordinator"])
    theme = world["old"] if "restore" in path else world["skills"]
    session.commit()
    before = written(session)

    response = browser.client.post(path.format(id=theme.id), data=data)

    assert response.status_code == 400
    assert "expired" in text_of(response)
    assert written(session) == before


def test_the_themes_page_queries_do_not_grow(app, world, session, count_queries):
    browser = browser_for(app, world["coordinator"])

    def queries() -> int:
        with count_queries() as counter:
            response = browser.client.get(THEMES_PAGE)
        assert response.status_code == 200
        return counter.count

    small = queries()
    for number in range(30):
        make_theme(session, world["group"], name=f"More {number}", retired=number % 3 == 0)
    session.commit()
    large = queries()

    assert "More 29" in text_of(browser.client.get(THEMES_PAGE))
    assert small == large


# --- The ranking page ---------------------------------------------------------------------------


def test_the_ranking_page_says_which_challenges_it_lists(app, world, session):
    group = world["group"]
    target = make_challenge(session, group, status=ChallengeStatus.PROPOSED, title="A proposed one")
    for status in ChallengeStatus:
        if status is not ChallengeStatus.PROPOSED:
            make_challenge(
                session,
                group,
                status=status,
                title=f"A challenge {status.value}",
                merged_into_id=target.id if status is ChallengeStatus.MERGED else None,
            )
    session.commit()

    page = text_of(
        browser_for(app, world["coordinator"]).client.get(
            "/groups/innovation-diffusion/challenges/priorities"
        )
    )

    assert "Only accepted challenges" not in page
    assert "A proposed one" not in page and "A challenge closed" not in page
    assert (
        "The list holds the challenges the group has taken up: accepted, being addressed or"
        " addressed." in page
    )
    listed = re.findall(
        r'<label for="rank_\d+">([^<]+)</label>\s*<p class="help" id="rank_\d+-help">([^<]+)<', page
    )
    assert sorted(listed) == [
        ("A challenge accepted", "Accepted"),
        ("A challenge addressed", "Addressed"),
        ("A challenge being_addressed", "Being addressed"),
    ]


def test_seeding_keeps_a_theme_renamed_in_another_case_and_adds_the_rest_after(session):
    group = make_group(session, slug="seeded", name="Seeded")
    make_theme(session, group, name="digitalisation", position=1)
    make_theme(session, group, name="Our own theme", position=2)
    added = themes.seed_themes(session, group, themes.INNOVATION_DIFFUSION_THEMES)
    assert "Digitalisation" not in [theme.name for theme in added]
    assert len(added) == len(themes.INNOVATION_DIFFUSION_THEMES) - 1
    assert [theme.position for theme in added] == [3, 4, 5, 6]
    assert themes.seed_themes(session, group, themes.INNOVATION_DIFFUSION_THEMES) == []
