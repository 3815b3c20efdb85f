"""The challenges services, called directly: themes, raising a challenge, endorsing it, the
coordinators' decisions, ranking and merging duplicates. Every refusal is checked for its
message and field, and for having written nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select

from cop.audit.models import AuditEntry
from cop.challenges import decisions, services, themes
from cop.challenges.models import (
    Challenge,
    ChallengeStatus,
    Endorsement,
    GoodPractice,
    Theme,
    challenge_regions,
    challenge_themes,
    practice_challenges,
)
from cop.challenges.services import ChallengeDetails
from cop.db import utcnow
from cop.errors import Conflict, Invalid, NotAllowed, NotFound
from cop.mail.models import OutboxMessage
from cop.meetings.models import MeetingStatus
from cop.members.models import MembershipStatus, Role
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

TABLES = (
    Theme,
    Challenge,
    Endorsement,
    AuditEntry,
    challenge_regions,
    challenge_themes,
    practice_challenges,
    OutboxMessage,
)


@pytest.fixture(autouse=True)
def request_context(app):
    """The services speak through gettext, as in a request."""
    with app.test_request_context():
        yield


@pytest.fixture
def world(session):
    group = make_group(session, name="Innovation Diffusion")
    other = make_group(session, name="Industrial Transition")
    brussels = make_organisation(session, name="Brussels agency", region_code="BE10")
    paris = make_organisation(session, name="Paris Région", region_code="FR10")
    catalonia = make_organisation(session, name="ACCIÓ", region_code="ES51")
    nowhere = make_organisation(session, name="A network", region_code=None)

    def person(name, organisation, group_=group, **membership):
        user = make_user(session, name=name, organisation=organisation)
        if group_ is not None:
            make_membership(session, user, group_, **membership)
        return user

    people = {
        "coordinator": person("Cora Coordinator", brussels, role=Role.COORDINATOR),
        "member": person("Max Member", paris),
        "catalan": person("Eva Endorser", catalonia),
        "nomad": person("Nina Nomad", None),
        "networker": person("Ned Networker", nowhere),
        "applicant": person("Abe Applicant", paris, status=MembershipStatus.APPLIED),
        "former": person("Fay Former", paris, status=MembershipStatus.LEFT),
        "outsider": person("Otto Outsider", catalonia, group_=other),
        "other_coordinator": person("Olga Other", brussels, group_=other, role=Role.COORDINATOR),
    }
    session.commit()
    return {"group": group, "other": other, **people}


def written(session) -> tuple[int, ...]:
    """Row counts of every table the services write, emails included (pending changes are
    flushed first)."""
    return tuple(session.scalar(select(func.count()).select_from(table)) for table in TABLES)


def refused(session, kind, function, *args, **kwargs):
    """Call a service expected to refuse: it raises `kind` and leaves nothing behind, neither
    in the session nor once the transaction is rolled back."""
    session.commit()
    before = written(session)
    with pytest.raises(kind) as error:
        function(session, *args, **kwargs)
    assert written(session) == before
    session.rollback()
    assert written(session) == before
    return error.value


def audit_rows(session, action: str) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def actor_named(world, who: str):
    """A person of the world, or someone not signed in ("anonymous", "nobody")."""
    if who == "anonymous":
        return AnonymousUserMixin()
    return None if who == "nobody" else world[who]


def details(**values) -> ChallengeDetails:
    values.setdefault("title", "Universities do not answer SMEs' needs")
    values.setdefault("description", "Our SMEs cannot find **research partners** nearby.")
    return ChallengeDetails(**values)


def codes(challenge: Challenge) -> list[str]:
    return [region.code for region in challenge.regions]


# --- Themes ---------------------------------------------------------------------------------


def test_a_coordinator_adds_a_theme_at_the_end_with_an_audit_row(session, world):
    group = world["group"]
    themes.seed_themes(session, group, themes.INNOVATION_DIFFUSION_THEMES)
    session.commit()

    theme = themes.add_theme(
        session, world["coordinator"], group.id, "  Green transition  ", "Energy and climate."
    )
    session.commit()

    assert theme.name == "Green transition" and theme.description == "Energy and climate."
    assert theme.position == 6
    assert themes.group_themes(session, group)[-1] == theme
    (entry,) = audit_rows(session, "theme.added")
    assert entry.actor_id == world["coordinator"].id
    assert (entry.record_type, entry.record_id) == ("themes", str(theme.id))
    assert entry.after["name"] == "Green transition"

    # Retiring the last theme does not free its position.
    themes.retire_theme(session, world["coordinator"], theme.id)
    again = themes.add_theme(session, world["coordinator"], group.id, "Skills")
    assert again.position == 7


@pytest.mark.parametrize("name", ["Digitalisation", "  Digitalisation "])
def test_a_theme_name_is_used_once_per_group(session, world, name):
    themes.seed_themes(session, world["group"], themes.INNOVATION_DIFFUSION_THEMES)

    error = refused(
        session, Invalid, themes.add_theme, world["coordinator"], world["group"].id, name
    )

    assert error.field == "name"
    assert error.message == "The group already has the theme “Digitalisation”."


def test_a_retired_themes_name_is_not_taken_again(session, world):
    theme = make_theme(session, world["group"], name="Clusters", retired=True)

    error = refused(
        session, Invalid, themes.add_theme, world["coordinator"], world["group"].id, theme.name
    )

    assert error.field == "name"
    assert error.message == (
        "The group already has the theme “Clusters”; it is retired, and can be restored."
    )


def test_another_groups_theme_name_is_free(session, world):
    make_theme(session, world["other"], name="Digitalisation")

    theme = themes.add_theme(session, world["coordinator"], world["group"].id, "Digitalisation")

    assert theme.group_id == world["group"].id


@pytest.mark.parametrize(
    ("name", "description", "field", "message"),
    [
        ("", "", "name", "Please fill in this field."),
        ("  \n ", "", "name", "Please fill in this field."),
        ("x" * 201, "", "name", "Use at most 200 characters."),
        ("Bad\x00name", "", "name", "Remove the control characters from this text."),
        ("Bad\x1b[31mname", "", "name", "Remove the control characters from this text."),
        ("Fine", "y" * 2001, "description", "Use at most 2000 characters."),
        ("Fine", "A\x07bell", "description", "Remove the control characters from this text."),
    ],
)
def test_a_bad_theme_is_refused(session, world, name, description, field, message):
    error = refused(
        session,
        Invalid,
        themes.add_theme,
        world["coordinator"],
        world["group"].id,
        name,
        description,
    )

    assert (error.field, error.message) == (field, message)


def test_a_theme_name_of_the_longest_length_is_taken(session, world):
    theme = themes.add_theme(session, world["coordinator"], world["group"].id, "x" * 200)
    session.commit()
    assert len(theme.name) == 200


@pytest.mark.parametrize("who", ["member", "other_coordinator", "applicant", "nomad"])
def test_only_coordinators_manage_themes(session, world, who):
    theme = make_theme(session, world["group"], name="Clusters")

    error = refused(session, NotAllowed, themes.add_theme, world[who], world["group"].id, "X")
    assert error.message == "Only coordinators of Innovation Diffusion may do this."

    error = refused(session, NotAllowed, themes.retire_theme, world[who], theme.id)
    assert "Only coordinators" in error.message
    session.refresh(theme)
    assert theme.retired_at is None


def test_anonymous_people_manage_no_themes(session, world):
    error = refused(session, NotAllowed, themes.add_theme, None, world["group"].id, "X")
    assert "Only coordinators" in error.message


def test_unknown_groups_and_themes_are_not_found(session, world):
    error = refused(session, NotFound, themes.add_theme, world["coordinator"], 999_999, "X")
    assert error.message == "There is no working group at this address."
    error = refused(session, NotFound, themes.retire_theme, world["coordinator"], 999_999)
    assert error.message == "There is no such theme."


def test_retiring_a_theme_hides_it_and_records_keep_it(session, world):
    group = world["group"]
    kept = make_theme(session, group, name="Skills", position=1)
    theme = make_theme(session, group, name="Clusters", position=2)
    challenge = make_challenge(session, group, raised_by=world["member"], themes=(theme, kept))
    session.commit()

    themes.retire_theme(session, world["coordinator"], theme.id)
    session.commit()
    session.expire_all()

    assert theme.retired_at is not None
    assert themes.group_themes(session, group) == [kept]
    assert themes.group_themes(session, group, retired=True) == [kept, theme]
    assert challenge.themes == [kept, theme]
    (entry,) = audit_rows(session, "theme.retired")
    assert entry.record_id == str(theme.id) and entry.actor_id == world["coordinator"].id
    assert set(entry.after) == {"retired_at"}

    # Retiring again changes nothing and writes nothing.
    retired_at = theme.retired_at
    before = written(session)
    themes.retire_theme(session, world["coordinator"], theme.id)
    assert theme.retired_at == retired_at
    assert written(session) == before


def test_seeding_themes_is_idempotent(session, world):
    group = world["group"]
    names = themes.INNOVATION_DIFFUSION_THEMES

    first = themes.seed_themes(session, group, names)
    session.commit()
    themes.retire_theme(session, world["coordinator"], first[-1].id)
    session.commit()
    before = written(session)
    second = themes.seed_themes(session, group, names)
    session.commit()

    assert len(first) == 5 and second == []
    assert written(session) == before
    every = themes.group_themes(session, group, retired=True)
    assert [theme.name for theme in every] == list(names)
    assert [theme.position for theme in every] == [1, 2, 3, 4, 5]
    assert [theme.name for theme in themes.group_themes(session, group)] == list(names[:4])
    assert themes.group_themes(session, world["other"]) == []


# --- Raising a challenge ----------------------------------------------------------------------


def test_a_member_raises_a_challenge(session, world):
    group = world["group"]
    skills = make_theme(session, group, name="Skills", position=1)
    digital = make_theme(session, group, name="Digitalisation", position=2)
    session.commit()

    challenge = services.raise_challenge(
        session,
        world["member"],
        group.id,
        details(
            title="  Universities do not answer SMEs' needs  ",
            theme_ids=[digital.id, skills.id, digital.id],
            region_codes=["es51", " DE21 ", "ES51", ""],
        ),
    )
    session.commit()
    session.expire_all()

    assert challenge.title == "Universities do not answer SMEs' needs"
    assert challenge.status is ChallengeStatus.PROPOSED
    assert challenge.priority is None and challenge.merged_into_id is None
    assert challenge.raised_by_id == world["member"].id
    assert challenge.raised_at_meeting_id is None
    assert challenge.group_id == group.id
    assert challenge.themes == [skills, digital]
    # The raiser's organisation is in Paris: FR10 joins the regions they named.
    assert codes(challenge) == ["DE21", "ES51", "FR10"]
    assert challenge.endorsements == []
    (entry,) = audit_rows(session, "challenge.raised")
    assert (entry.record_type, entry.record_id) == ("challenges", str(challenge.id))
    assert entry.actor_id == world["member"].id
    assert entry.after["status"] == "proposed"


def test_the_raisers_region_alone_is_enough(session, world):
    challenge = services.raise_challenge(session, world["member"], world["group"].id, details())
    session.commit()
    session.expire_all()
    assert codes(challenge) == ["FR10"]


def test_the_raisers_region_is_not_listed_twice(session, world):
    challenge = services.raise_challenge(
        session, world["member"], world["group"].id, details(region_codes=["fr10"])
    )
    session.commit()
    session.expire_all()
    assert codes(challenge) == ["FR10"]


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("applicant", "Only members of Innovation Diffusion may do this."),
        ("former", "Only members of Innovation Diffusion may do this."),
        ("outsider", "Only members of Innovation Diffusion may do this."),
        ("other_coordinator", "Only members of Innovation Diffusion may do this."),
        ("anonymous", "Please log in first."),
        ("nobody", "Please log in first."),
    ],
)
def test_only_active_members_raise_challenges(session, world, who, message):
    actor = actor_named(world, who)

    error = refused(
        session, NotAllowed, services.raise_challenge, actor, world["group"].id, details()
    )

    assert error.message == message


def test_raising_in_an_unknown_group_is_not_found(session, world):
    error = refused(session, NotFound, services.raise_challenge, world["member"], 0, details())
    assert error.message == "There is no working group at this address."


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"title": ""}, "title", "Please fill in this field."),
        ({"title": " \t "}, "title", "Please fill in this field."),
        ({"title": None}, "title", "Please fill in this field."),
        ({"title": "t" * 201}, "title", "Use at most 200 characters."),
        ({"title": "Tab\x00NUL"}, "title", "Remove the control characters from this text."),
        ({"description": ""}, "description", "Please fill in this field."),
        ({"description": "\n\n"}, "description", "Please fill in this field."),
        ({"description": "d" * 20_001}, "description", "Use at most 20000 characters."),
        (
            {"description": "Line\x1bescape"},
            "description",
            "Remove the control characters from this text.",
        ),
    ],
)
def test_a_challenge_needs_a_title_and_a_description(session, world, values, field, message):
    error = refused(
        session,
        Invalid,
        services.raise_challenge,
        world["member"],
        world["group"].id,
        details(**values),
    )

    assert (error.field, error.message) == (field, message)


def test_the_longest_title_and_description_are_taken(session, world):
    challenge = services.raise_challenge(
        session,
        world["member"],
        world["group"].id,
        details(title="t" * 200, description="line one\r\n\tline two " + "d" * 19_980),
    )
    session.commit()
    session.expire_all()
    assert len(challenge.title) == 200
    # A browser sends line breaks as "\r\n": they are stored as "\n".
    assert challenge.description.startswith("line one\n\tline two ")


def test_hostile_markdown_is_stored_as_typed(session, world):
    title = "<b onmouseover=alert(1)>Bold</b> & \"quotes\" 'too'"
    description = (
        "<script>alert('x')</script>\n\n"
        "[click me](javascript:alert(1))\n"
        '<img src=x onerror="alert(1)">\n'
        "<iframe src=//evil.example></iframe>\n"
        "{{ config }} {% raw %} ' OR 1=1 --"
    )

    challenge = services.raise_challenge(
        session, world["member"], world["group"].id, details(title=title, description=description)
    )
    session.commit()
    session.expire_all()

    assert challenge.title == title
    assert challenge.description == description


def test_themes_come_from_the_group_and_are_in_use(session, world):
    own = make_theme(session, world["group"], name="Skills")
    retired = make_theme(session, world["group"], name="Clusters", retired=True)
    foreign = make_theme(session, world["other"], name="Digitalisation")
    session.commit()

    for theme_ids in ([own.id, foreign.id], [retired.id], [own.id, 999_999]):
        error = refused(
            session,
            Invalid,
            services.raise_challenge,
            world["member"],
            world["group"].id,
            details(theme_ids=theme_ids),
        )
        assert error.field == "theme_ids"
        assert error.message == "Choose among the group's themes."


@pytest.mark.parametrize(
    ("region_codes", "message"),
    [
        (["XX99"], "Choose regions from the list."),
        (["BE10", "BE1"], "Choose regions from the list."),
        (["' OR 1=1 --"], "Choose regions from the list."),
        ([f"R{number:03d}" for number in range(101)], "Choose at most 100 regions."),
    ],
)
def test_unknown_regions_are_refused(session, world, region_codes, message):
    error = refused(
        session,
        Invalid,
        services.raise_challenge,
        world["member"],
        world["group"].id,
        details(region_codes=region_codes),
    )

    assert (error.field, error.message) == ("region_codes", message)


@pytest.mark.parametrize("who", ["nomad", "networker"])
def test_a_challenge_faces_at_least_one_region(session, world, who):
    error = refused(
        session, Invalid, services.raise_challenge, world[who], world["group"].id, details()
    )
    assert error.field == "region_codes"
    assert error.message == "Name at least one region that faces this challenge."

    # Naming one is enough for a member whose organisation has no region.
    challenge = services.raise_challenge(
        session, world[who], world["group"].id, details(region_codes=["PL91"])
    )
    assert codes(challenge) == ["PL91"]


def test_a_challenge_raised_at_a_meeting_of_the_group(session, world):
    meeting = make_meeting(session, world["group"], starts_in=timedelta(days=-2))
    session.commit()

    challenge = services.raise_challenge(
        session, world["member"], world["group"].id, details(meeting_id=meeting.id)
    )
    session.commit()
    session.expire_all()

    assert challenge.raised_at_meeting_id == meeting.id
    assert challenge.raised_at_meeting == meeting


def test_a_meeting_cancelled_after_publication_still_counts(session, world):
    meeting = make_meeting(session, world["group"], status=MeetingStatus.CANCELLED)
    session.commit()

    challenge = services.raise_challenge(
        session, world["member"], world["group"].id, details(meeting_id=meeting.id)
    )
    assert challenge.raised_at_meeting_id == meeting.id


@pytest.mark.parametrize("which", ["other_group", "draft", "cancelled_draft", "missing"])
def test_only_the_groups_public_meetings_are_chosen(session, world, which):
    if which == "missing":
        meeting_id = 999_999
    elif which == "other_group":
        meeting_id = make_meeting(session, world["other"]).id
    else:
        status = MeetingStatus.DRAFT if which == "draft" else MeetingStatus.CANCELLED
        meeting = make_meeting(session, world["group"], status=status)
        meeting.published_at = None
        meeting_id = meeting.id

    error = refused(
        session,
        Invalid,
        services.raise_challenge,
        world["member"],
        world["group"].id,
        details(meeting_id=meeting_id),
    )

    assert (error.field, error.message) == ("meeting_id", "Choose one of the group's meetings.")


# --- Endorsing ------------------------------------------------------------------------------


@pytest.fixture
def challenge(session, world):
    """An accepted challenge raised by Max (Paris), facing FR10."""
    challenge = make_challenge(
        session,
        world["group"],
        raised_by=world["member"],
        status=ChallengeStatus.ACCEPTED,
        region_codes=("FR10",),
        title="SMEs and universities",
    )
    session.commit()
    return challenge


def test_a_member_endorses_once_for_their_region(session, world, challenge):
    endorsement = services.endorse(session, world["catalan"], challenge.id)
    session.commit()
    session.expire_all()

    assert endorsement.challenge_id == challenge.id
    assert endorsement.given_on_id == challenge.id
    assert endorsement.user_id == world["catalan"].id
    assert endorsement.region_code == "ES51"
    assert codes(challenge) == ["ES51", "FR10"]
    (entry,) = audit_rows(session, "challenge.endorsed")
    assert entry.record_id == str(challenge.id) and entry.actor_id == world["catalan"].id

    error = refused(session, Conflict, services.endorse, world["catalan"], challenge.id)
    assert error.message == "You have already endorsed this challenge."
    # Naming another region does not make a second endorsement either.
    error = refused(session, Conflict, services.endorse, world["catalan"], challenge.id, "DE21")
    assert error.message == "You have already endorsed this challenge."
    assert services.endorsement_count(session, [challenge.id]) == {challenge.id: 1}


def test_an_endorsement_names_the_region_chosen(session, world, challenge):
    """A member whose organisation has no region (an EU-level body) names the region."""
    endorsement = services.endorse(session, world["networker"], challenge.id, " de21 ")
    session.commit()
    session.expire_all()

    assert endorsement.region_code == "DE21"
    assert codes(challenge) == ["DE21", "FR10"]


def test_naming_ones_own_region_is_no_other_choice(session, world, challenge):
    endorsement = services.endorse(session, world["coordinator"], challenge.id, " be10 ")

    assert endorsement.region_code == "BE10"


@pytest.mark.parametrize(
    "region_code",
    [
        "FR10",  # the region of another member (Max, who raised it)
        "DE21",  # a real region nobody of the group is from
        "XX99",  # no region at all
        "ES51' OR '1'='1",
    ],
)
def test_a_member_endorses_for_their_own_region_only(session, world, challenge, region_code):
    error = refused(session, Invalid, services.endorse, world["catalan"], challenge.id, region_code)

    assert error.field == "region_code"
    assert error.message == (
        "You endorse for your organisation's region (Cataluña, Spain), not for another one."
    )
    assert codes(challenge) == ["FR10"]


def test_an_endorsement_from_a_region_already_listed_adds_no_region(session, world, challenge):
    other_parisian = make_user(session, organisation=world["member"].organisation)
    make_membership(session, other_parisian, world["group"])
    session.commit()

    services.endorse(session, other_parisian, challenge.id)
    session.commit()
    session.expire_all()

    assert codes(challenge) == ["FR10"]
    assert session.scalar(select(func.count()).select_from(challenge_regions)) == 1


def test_an_unknown_region_is_refused_on_endorsing(session, world, challenge):
    error = refused(session, Invalid, services.endorse, world["nomad"], challenge.id, "XX99")

    assert error.message == "Choose regions from the list."
    # The endorsement form has one region, `region_code`, as the other refusal of endorse() says.
    assert error.field == "region_code"


def test_a_blank_region_is_no_choice(session, world, challenge):
    """A form sends an empty or blank field when nobody chose: the organisation's region then."""
    endorsement = services.endorse(session, world["catalan"], challenge.id, "   ")

    assert endorsement.region_code == "ES51"


@pytest.mark.parametrize("who", ["nomad", "networker"])
def test_an_endorser_without_a_region_must_choose_one(session, world, challenge, who):
    error = refused(session, Invalid, services.endorse, world[who], challenge.id)
    assert error.field == "region_code"
    assert error.message == "Choose the region that faces this challenge."

    endorsement = services.endorse(session, world[who], challenge.id, "PL91")
    assert endorsement.region_code == "PL91"


def test_the_raiser_does_not_endorse_their_own_challenge(session, world, challenge):
    error = refused(session, Invalid, services.endorse, world["member"], challenge.id)
    assert error.message == "You raised this challenge: it already counts for your region."


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("outsider", "Only members of Innovation Diffusion may do this."),
        ("other_coordinator", "Only members of Innovation Diffusion may do this."),
        ("applicant", "Only members of Innovation Diffusion may do this."),
        ("former", "Only members of Innovation Diffusion may do this."),
        ("anonymous", "Please log in first."),
        ("nobody", "Please log in first."),
    ],
)
def test_only_members_of_the_group_endorse(session, world, challenge, who, message):
    actor = actor_named(world, who)

    error = refused(session, NotAllowed, services.endorse, actor, challenge.id)

    assert error.message == message


def test_endorsing_an_unknown_challenge_is_not_found(session, world):
    error = refused(session, NotFound, services.endorse, world["catalan"], 999_999)
    assert error.message == "There is no such challenge."


def test_a_closed_challenge_is_not_endorsed(session, world, challenge):
    decisions.close_challenge(session, world["coordinator"], challenge.id, "Out of our scope.")

    error = refused(session, Invalid, services.endorse, world["catalan"], challenge.id)

    assert error.message == "This challenge is closed: it can no longer be endorsed."


def test_a_merged_challenge_is_not_endorsed(session, world, challenge):
    target = make_challenge(session, world["group"], raised_by=world["coordinator"])
    decisions.merge_challenge(session, world["coordinator"], challenge.id, target.id)

    error = refused(session, Invalid, services.endorse, world["catalan"], challenge.id)

    assert error.message == "This challenge was merged into another one: endorse that one instead."


def test_every_open_status_may_be_endorsed(session, world):
    for status in (
        ChallengeStatus.PROPOSED,
        ChallengeStatus.ACCEPTED,
        ChallengeStatus.BEING_ADDRESSED,
        ChallengeStatus.ADDRESSED,
    ):
        challenge = make_challenge(session, world["group"], status=status)
        assert services.endorse(session, world["catalan"], challenge.id).challenge == challenge


def test_endorsements_are_counted_in_one_query(session, world, count_queries):
    group = world["group"]
    popular = make_challenge(session, group)
    quiet = make_challenge(session, group)
    unendorsed = make_challenge(session, group)
    for who in ("member", "catalan", "coordinator"):
        make_endorsement(session, popular, world[who])
    make_endorsement(session, quiet, world["nomad"])
    session.commit()

    with count_queries() as counter:
        counts = services.endorsement_count(session, [popular.id, quiet.id, unendorsed.id])
    assert counter.count == 1
    assert counts == {popular.id: 3, quiet.id: 1}

    with count_queries() as counter:
        assert services.endorsement_count(session, []) == {}
    assert counter.count == 0


# --- Coordinators' decisions --------------------------------------------------------------


def test_a_coordinator_moves_a_challenge_along_its_steps(session, world):
    challenge = make_challenge(session, world["group"], raised_by=world["member"])
    session.commit()

    for expected in (
        ChallengeStatus.ACCEPTED,
        ChallengeStatus.BEING_ADDRESSED,
        ChallengeStatus.ADDRESSED,
    ):
        decisions.advance_challenge(session, world["coordinator"], challenge.id)
        session.commit()
        session.expire_all()
        assert challenge.status is expected
        assert challenge.decided_at is not None
        (entry,) = audit_rows(session, f"challenge.{expected.value}")
        assert entry.before == {"status": NEXT_BEFORE[expected]}
        assert entry.after == {"status": expected.value}

    error = refused(
        session, Invalid, decisions.advance_challenge, world["coordinator"], challenge.id
    )
    assert error.message == "This challenge has no further step."
    session.expire_all()
    assert challenge.status is ChallengeStatus.ADDRESSED


NEXT_BEFORE = {
    ChallengeStatus.ACCEPTED: "proposed",
    ChallengeStatus.BEING_ADDRESSED: "accepted",
    ChallengeStatus.ADDRESSED: "being_addressed",
}


@pytest.mark.parametrize("status", [ChallengeStatus.CLOSED, ChallengeStatus.MERGED])
def test_closed_and_merged_challenges_have_no_further_step(session, world, status):
    target = make_challenge(session, world["group"]) if status is ChallengeStatus.MERGED else None
    challenge = make_challenge(session, world["group"], status=status, merged_into=target)

    error = refused(
        session, Invalid, decisions.advance_challenge, world["coordinator"], challenge.id
    )

    assert error.message == "This challenge has no further step."


@pytest.mark.parametrize("status", [ChallengeStatus.PROPOSED, ChallengeStatus.ADDRESSED])
@pytest.mark.parametrize("who", ["member", "catalan", "other_coordinator", "nobody"])
def test_only_coordinators_advance_a_challenge(session, world, who, status):
    challenge = make_challenge(session, world["group"], raised_by=world["member"], status=status)
    actor = actor_named(world, who)

    error = refused(session, NotAllowed, decisions.advance_challenge, actor, challenge.id)

    assert error.message == "Only coordinators of Innovation Diffusion may do this."
    session.expire_all()
    assert challenge.status is status and challenge.decided_at is None


def test_advancing_an_unknown_challenge_is_not_found(session, world):
    error = refused(session, NotFound, decisions.advance_challenge, world["coordinator"], 999_999)
    assert error.message == "There is no such challenge."


def test_a_coordinator_closes_a_challenge_with_a_reason(session, world):
    challenge = make_challenge(
        session, world["group"], raised_by=world["member"], status=ChallengeStatus.ACCEPTED
    )
    decisions.prioritise(session, world["coordinator"], world["group"].id, [challenge.id])
    session.commit()
    assert challenge.priority == 1

    decisions.close_challenge(
        session, world["coordinator"], challenge.id, "  Another programme covers it.  "
    )
    session.commit()
    session.expire_all()

    assert challenge.status is ChallengeStatus.CLOSED
    assert challenge.decision_note == "Another programme covers it."
    assert challenge.priority is None
    assert challenge.decided_at is not None
    (entry,) = audit_rows(session, "challenge.closed")
    assert entry.after["status"] == "closed" and entry.after["priority"] is None
    assert entry.before["priority"] == 1

    error = refused(
        session, Invalid, decisions.close_challenge, world["coordinator"], challenge.id, "Again."
    )
    assert error.message == "This challenge is already closed or merged."
    session.expire_all()
    assert challenge.decision_note == "Another programme covers it."


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Please fill in this field."),
        ("   ", "Please fill in this field."),
        (None, "Please fill in this field."),
        ("r" * 2001, "Use at most 2000 characters."),
        ("No\x00thanks", "Remove the control characters from this text."),
    ],
)
def test_closing_needs_a_reason(session, world, reason, message):
    challenge = make_challenge(session, world["group"], status=ChallengeStatus.ACCEPTED)

    error = refused(
        session, Invalid, decisions.close_challenge, world["coordinator"], challenge.id, reason
    )

    assert (error.field, error.message) == ("reason", message)
    session.expire_all()
    assert challenge.status is ChallengeStatus.ACCEPTED


@pytest.mark.parametrize("who", ["member", "other_coordinator"])
def test_only_coordinators_close_a_challenge(session, world, who):
    challenge = make_challenge(session, world["group"], raised_by=world["member"])

    error = refused(
        session, NotAllowed, decisions.close_challenge, world[who], challenge.id, "Mine, so what."
    )

    assert error.message == "Only coordinators of Innovation Diffusion may do this."
    session.expire_all()
    assert challenge.status is ChallengeStatus.PROPOSED


# --- Prioritising -----------------------------------------------------------------------------


@pytest.fixture
def accepted(session, world):
    """Four accepted challenges of the group, unranked."""
    challenges = [
        make_challenge(session, world["group"], status=ChallengeStatus.ACCEPTED, title=title)
        for title in ("Alpha", "Bravo", "Charlie", "Delta")
    ]
    session.commit()
    return challenges


def ranks(session, challenges) -> list[int | None]:
    session.expire_all()
    return [challenge.priority for challenge in challenges]


def test_a_coordinator_ranks_the_accepted_challenges(session, world, accepted):
    alpha, bravo, charlie, delta = accepted

    ranked = decisions.prioritise(
        session, world["coordinator"], world["group"].id, [charlie.id, alpha.id]
    )
    session.commit()

    assert ranked == [charlie, alpha]
    assert ranks(session, accepted) == [2, None, 1, None]
    (entry,) = audit_rows(session, "challenges.prioritised")
    assert (entry.record_type, entry.record_id) == ("working_groups", str(world["group"].id))
    assert entry.actor_id == world["coordinator"].id
    assert entry.before == {"ranks": {}}
    assert entry.after == {"ranks": {str(charlie.id): 1, str(alpha.id): 2}}


def test_ranking_again_in_another_order_never_trips_the_unique_rank(session, world, accepted):
    alpha, bravo, charlie, delta = accepted
    group_id = world["group"].id
    coordinator = world["coordinator"]

    decisions.prioritise(session, coordinator, group_id, [alpha.id, bravo.id, charlie.id, delta.id])
    session.commit()
    decisions.prioritise(session, coordinator, group_id, [delta.id, charlie.id, bravo.id, alpha.id])
    session.commit()
    assert ranks(session, accepted) == [4, 3, 2, 1]

    decisions.prioritise(session, coordinator, group_id, [bravo.id, delta.id])
    session.commit()
    assert ranks(session, accepted) == [None, 1, None, 2]

    decisions.prioritise(session, coordinator, group_id, [])
    session.commit()
    assert ranks(session, accepted) == [None, None, None, None]
    assert len(audit_rows(session, "challenges.prioritised")) == 4


def test_each_group_has_its_own_ranks(session, world, accepted):
    theirs = make_challenge(session, world["other"], status=ChallengeStatus.ACCEPTED)
    decisions.prioritise(session, world["other_coordinator"], world["other"].id, [theirs.id])
    session.commit()

    decisions.prioritise(session, world["coordinator"], world["group"].id, [accepted[0].id])
    session.commit()

    assert ranks(session, [theirs, accepted[0]]) == [1, 1]


def test_challenges_being_addressed_and_addressed_are_ranked(session, world):
    group = world["group"]
    doing = make_challenge(session, group, status=ChallengeStatus.BEING_ADDRESSED)
    done = make_challenge(session, group, status=ChallengeStatus.ADDRESSED)

    decisions.prioritise(session, world["coordinator"], group.id, [done.id, doing.id])
    session.commit()

    assert ranks(session, [doing, done]) == [2, 1]


@pytest.mark.parametrize("who", ["member", "other_coordinator", "applicant", "nobody"])
def test_only_coordinators_rank_challenges(session, world, accepted, who):
    decisions.prioritise(session, world["coordinator"], world["group"].id, [accepted[0].id])
    actor = actor_named(world, who)

    error = refused(
        session,
        NotAllowed,
        decisions.prioritise,
        actor,
        world["group"].id,
        [accepted[1].id, accepted[0].id],
    )

    assert error.message == "Only coordinators of Innovation Diffusion may do this."
    assert ranks(session, accepted) == [1, None, None, None]


@pytest.mark.parametrize(
    "status", [ChallengeStatus.PROPOSED, ChallengeStatus.CLOSED, ChallengeStatus.MERGED]
)
def test_only_accepted_challenges_are_ranked(session, world, accepted, status):
    target = accepted[3] if status is ChallengeStatus.MERGED else None
    refusedone = make_challenge(
        session, world["group"], status=status, merged_into=target, title="Echo"
    )
    decisions.prioritise(session, world["coordinator"], world["group"].id, [accepted[0].id])

    error = refused(
        session,
        Invalid,
        decisions.prioritise,
        world["coordinator"],
        world["group"].id,
        [accepted[1].id, refusedone.id],
    )

    assert error.field == "ranking"
    assert error.message == (
        "Only challenges taken up (accepted, being addressed or addressed) are ranked: Echo is not."
    )
    assert ranks(session, [*accepted, refusedone]) == [1, None, None, None, None]


def test_each_challenge_is_ranked_once(session, world, accepted):
    alpha, bravo, *_ = accepted

    error = refused(
        session,
        Invalid,
        decisions.prioritise,
        world["coordinator"],
        world["group"].id,
        [alpha.id, bravo.id, alpha.id],
    )

    assert (error.field, error.message) == ("ranking", "Rank each challenge once.")
    assert ranks(session, accepted) == [None, None, None, None]


@pytest.mark.parametrize("which", ["other_group", "missing"])
def test_only_the_groups_challenges_are_ranked(session, world, accepted, which):
    if which == "missing":
        stranger_id = 999_999
    else:
        stranger_id = make_challenge(session, world["other"], status=ChallengeStatus.ACCEPTED).id
    decisions.prioritise(session, world["coordinator"], world["group"].id, [accepted[2].id])

    error = refused(
        session,
        Invalid,
        decisions.prioritise,
        world["coordinator"],
        world["group"].id,
        [accepted[0].id, stranger_id],
    )

    assert (error.field, error.message) == ("ranking", "Rank only the group's challenges.")
    assert ranks(session, accepted) == [None, None, 1, None]


def test_ranking_in_an_unknown_group_is_not_found(session, world):
    error = refused(session, NotFound, decisions.prioritise, world["coordinator"], 999_999, [])
    assert error.message == "There is no working group at this address."


# --- Merging duplicates -------------------------------------------------------------------


def practice(session, world, *challenges) -> GoodPractice:
    practice = GoodPractice(
        group=world["group"],
        title=f"Practice answering {len(challenges)}",
        author=world["member"],
        challenges=list(challenges),
    )
    session.add(practice)
    session.flush()
    return practice


def test_merging_moves_endorsements_regions_themes_and_practices(session, world):
    group = world["group"]
    shared = make_theme(session, group, name="Skills", position=1)
    own = make_theme(session, group, name="Clusters", position=2)
    retired = make_theme(session, group, name="Old", position=3, retired=True)
    keeper_raiser = world["coordinator"]
    target = make_challenge(
        session,
        group,
        raised_by=keeper_raiser,
        status=ChallengeStatus.ACCEPTED,
        region_codes=("BE10",),
        themes=(shared,),
        title="Keeper",
    )
    duplicate = make_challenge(
        session,
        group,
        raised_by=world["member"],
        status=ChallengeStatus.ACCEPTED,
        region_codes=("FR10", "ES51", "BE10"),
        themes=(shared, own, retired),
        title="Duplicate",
    )
    decisions.prioritise(session, keeper_raiser, group.id, [duplicate.id, target.id])
    both = world["catalan"]  # endorsed both
    only_duplicate = world["nomad"]  # endorsed the duplicate only
    make_endorsement(session, target, both, region_code="ES51")
    kept_both = make_endorsement(session, duplicate, both, region_code="ES51")
    moved = make_endorsement(session, duplicate, only_duplicate, region_code="PL91")
    kept_raiser = make_endorsement(session, duplicate, keeper_raiser, region_code="BE10")
    linked_to_duplicate = practice(session, world, duplicate)
    linked_to_both = practice(session, world, duplicate, target)
    elsewhere = practice(session, world)
    session.commit()
    before_rows = session.scalar(select(func.count()).select_from(Endorsement))

    merged = decisions.merge_challenge(
        session, keeper_raiser, duplicate.id, target.id, " Same as Keeper. "
    )
    session.commit()
    session.expire_all()

    assert merged == duplicate
    assert duplicate.status is ChallengeStatus.MERGED
    assert duplicate.merged_into_id == target.id and duplicate.merged_into == target
    assert duplicate.priority is None
    assert duplicate.decision_note == "Same as Keeper."
    assert duplicate.decided_at is not None
    assert target.status is ChallengeStatus.ACCEPTED
    assert target.priority == 2

    # No endorsement is lost; each person counts once on the keeper. The duplicate's raiser
    # spoke for their region: that becomes an endorsement of the keeper, given on the duplicate.
    assert session.scalar(select(func.count()).select_from(Endorsement)) == before_rows + 1
    assert moved.challenge_id == target.id and moved.given_on_id == duplicate.id
    assert kept_both.challenge_id == duplicate.id and kept_both.given_on_id == duplicate.id
    assert kept_raiser.challenge_id == duplicate.id and kept_raiser.given_on_id == duplicate.id
    assert sorted(e.user_id for e in target.endorsements) == sorted(
        [both.id, only_duplicate.id, world["member"].id]
    )
    (raisers,) = [e for e in target.endorsements if e.user_id == world["member"].id]
    assert raisers.given_on_id == duplicate.id
    assert services.endorsement_count(session, [target.id, duplicate.id]) == {
        target.id: 3,
        duplicate.id: 2,
    }

    assert codes(target) == ["BE10", "ES51", "FR10"]
    assert target.themes == [shared, own, retired]
    assert codes(duplicate) == ["BE10", "ES51", "FR10"]
    assert duplicate.themes == [shared, own, retired]

    assert {c.id for c in linked_to_duplicate.challenges} == {duplicate.id, target.id}
    assert len(linked_to_both.challenges) == 2
    assert {c.id for c in linked_to_both.challenges} == {duplicate.id, target.id}
    assert elsewhere.challenges == []

    (entry,) = audit_rows(session, "challenge.merged")
    assert entry.record_id == str(duplicate.id) and entry.actor_id == keeper_raiser.id
    assert entry.after["status"] == "merged" and entry.after["merged_into_id"] == target.id
    assert "(2 endorsements moved)" in entry.summary

    # Endorsing the duplicate now sends people to the one it was merged into.
    error = refused(session, Invalid, services.endorse, world["networker"], duplicate.id, "PL91")
    assert error.message == "This challenge was merged into another one: endorse that one instead."
    assert session.get(Challenge, duplicate.id).merged_into_id == target.id
    assert services.endorse(session, world["networker"], target.id, "PL91").challenge == target


def test_a_challenge_is_not_merged_into_itself(session, world, challenge):
    error = refused(
        session,
        Invalid,
        decisions.merge_challenge,
        world["coordinator"],
        challenge.id,
        challenge.id,
    )

    assert (error.field, error.message) == ("into", "A challenge cannot be merged into itself.")
    session.expire_all()
    assert challenge.status is ChallengeStatus.ACCEPTED


def test_a_challenge_is_merged_within_its_group(session, world, challenge):
    theirs = make_challenge(session, world["other"], raised_by=world["outsider"])

    error = refused(
        session, Invalid, decisions.merge_challenge, world["coordinator"], challenge.id, theirs.id
    )
    assert (error.field, error.message) == ("into", "Choose a challenge of the same group.")

    # Nor does the other group's coordinator pull this group's challenge into theirs.
    error = refused(
        session,
        NotAllowed,
        decisions.merge_challenge,
        world["other_coordinator"],
        challenge.id,
        theirs.id,
    )
    assert error.message == "Only coordinators of Innovation Diffusion may do this."
    session.expire_all()
    assert challenge.status is ChallengeStatus.ACCEPTED and theirs.merged_into_id is None


def test_merging_back_is_refused_no_cycles(session, world):
    first = make_challenge(session, world["group"], title="A")
    second = make_challenge(session, world["group"], title="B")
    session.commit()

    decisions.merge_challenge(session, world["coordinator"], first.id, second.id)
    session.commit()

    error = refused(
        session, Invalid, decisions.merge_challenge, world["coordinator"], second.id, first.id
    )
    assert error.field == "into"
    assert (
        error.message == "That challenge is closed or merged itself: choose one that is still open."
    )
    session.expire_all()
    assert second.status is ChallengeStatus.PROPOSED and second.merged_into_id is None
    assert first.merged_into_id == second.id


def test_merging_into_a_closed_challenge_is_refused(session, world, challenge):
    closed = make_challenge(session, world["group"], status=ChallengeStatus.CLOSED)

    error = refused(
        session, Invalid, decisions.merge_challenge, world["coordinator"], challenge.id, closed.id
    )

    assert error.field == "into"
    assert "closed or merged itself" in error.message


@pytest.mark.parametrize("status", [ChallengeStatus.CLOSED, ChallengeStatus.MERGED])
def test_a_closed_or_merged_challenge_is_not_merged_again(session, world, challenge, status):
    elsewhere = (
        make_challenge(session, world["group"]) if status is ChallengeStatus.MERGED else None
    )
    done = make_challenge(session, world["group"], status=status, merged_into=elsewhere)

    error = refused(
        session, Invalid, decisions.merge_challenge, world["coordinator"], done.id, challenge.id
    )

    assert error.message == "This challenge is already closed or merged."
    session.expire_all()
    assert done.merged_into_id == (elsewhere.id if elsewhere else None)


@pytest.mark.parametrize("who", ["member", "catalan", "nobody"])
def test_only_coordinators_merge(session, world, challenge, who):
    other = make_challenge(session, world["group"], raised_by=world["catalan"])
    make_endorsement(session, challenge, world["nomad"])
    actor = actor_named(world, who)

    error = refused(session, NotAllowed, decisions.merge_challenge, actor, challenge.id, other.id)

    assert error.message == "Only coordinators of Innovation Diffusion may do this."
    session.expire_all()
    assert challenge.status is ChallengeStatus.ACCEPTED
    assert [e.challenge_id for e in challenge.endorsements] == [challenge.id]


def test_merging_an_unknown_challenge_is_not_found(session, world, challenge):
    # An unknown target is a choice to correct on the form: see
    # test_merging_into_a_challenge_that_does_not_exist_is_refused_on_the_field.
    error = refused(
        session, NotFound, decisions.merge_challenge, world["coordinator"], 999_999, challenge.id
    )
    assert error.message == "There is no such challenge."


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("n" * 2001, "Use at most 2000 characters."),
        ("Dup\x00", "Remove the control characters from this text."),
    ],
)
def test_a_bad_merge_note_is_refused(session, world, challenge, note, message):
    target = make_challenge(session, world["group"])
    make_endorsement(session, challenge, world["nomad"])

    error = refused(
        session,
        Invalid,
        decisions.merge_challenge,
        world["coordinator"],
        challenge.id,
        target.id,
        note,
    )

    assert (error.field, error.message) == ("note", message)
    session.expire_all()
    assert challenge.status is ChallengeStatus.ACCEPTED
    assert [e.challenge_id for e in challenge.endorsements] == [challenge.id]
    assert target.endorsements == []


def test_a_merged_challenge_counts_only_what_stayed(session, world):
    """Endorsements moved to the keeper are no longer counted on the duplicate."""
    group = world["group"]
    keeper = make_challenge(session, group, raised_by=world["coordinator"])
    duplicate = make_challenge(session, group, raised_by=world["member"])
    for who in ("catalan", "nomad", "networker"):
        make_endorsement(session, duplicate, world[who])
    session.commit()

    decisions.merge_challenge(session, world["coordinator"], duplicate.id, keeper.id)
    session.commit()

    # The three endorsers, and the duplicate's raiser.
    assert services.endorsement_count(session, [keeper.id, duplicate.id]) == {keeper.id: 4}
    session.expire_all()
    assert {e.given_on_id for e in keeper.endorsements} == {duplicate.id}


def test_merging_records_when_it_was_decided(session, world):
    """decided_at is set from the clock when merging (not left as it was)."""
    keeper = make_challenge(session, world["group"])
    duplicate = make_challenge(session, world["group"], decided_at=utcnow() - timedelta(days=400))
    session.commit()

    decisions.merge_challenge(session, world["coordinator"], duplicate.id, keeper.id)
    session.commit()
    session.expire_all()

    assert duplicate.decided_at > utcnow() - timedelta(minutes=5)


# --- Review of issue 7: editing keeps the raiser's region, ranks in the history, merge targets


def test_editing_keeps_the_raisers_region(session, world):
    """Max (Paris) raised it for FR10; neither he nor a coordinator drops FR10 by editing."""
    raised = services.raise_challenge(
        session, world["member"], world["group"].id, details(region_codes=["ES51"])
    )
    make_endorsement(session, raised, world["catalan"], region_code="ES51")
    session.commit()
    assert codes(raised) == ["ES51", "FR10"]

    services.update_challenge(session, world["member"], raised.id, details(region_codes=[]))
    session.commit()
    session.expire_all()
    assert codes(raised) == ["ES51", "FR10"]

    # The coordinator (Brussels) edits: FR10 stays, their own region is not added.
    services.update_challenge(
        session, world["coordinator"], raised.id, details(region_codes=["PL91"])
    )
    session.commit()
    session.expire_all()
    assert codes(raised) == ["ES51", "FR10", "PL91"]
    last = audit_rows(session, "challenge.edited")[-1]
    assert last.after["region_codes"] == ["ES51", "FR10", "PL91"]


def test_a_raiser_without_a_region_names_one_when_editing(session, world):
    raised = services.raise_challenge(
        session, world["networker"], world["group"].id, details(region_codes=["PL91"])
    )
    session.commit()

    error = refused(
        session,
        Invalid,
        services.update_challenge,
        world["networker"],
        raised.id,
        details(region_codes=[]),
    )
    assert error.problems[0].field == "region_codes"
    session.expire_all()
    assert codes(raised) == ["PL91"]


def test_each_change_of_rank_is_noted_on_the_challenge(session, world, accepted):
    alpha, bravo, charlie, delta = accepted
    group_id = world["group"].id
    coordinator = world["coordinator"]

    def noted() -> dict[str, tuple]:
        return {
            entry.record_id: (entry.before, entry.after, entry.actor_id)
            for entry in audit_rows(session, "challenge.ranked")
        }

    decisions.prioritise(session, coordinator, group_id, [charlie.id, alpha.id])
    session.commit()
    assert noted() == {
        str(charlie.id): ({"rank": None}, {"rank": 1}, coordinator.id),
        str(alpha.id): ({"rank": None}, {"rank": 2}, coordinator.id),
    }
    assert {e.record_type for e in audit_rows(session, "challenge.ranked")} == {"challenges"}

    # Alpha moves up, Charlie drops out, Bravo comes in: three entries; Delta is untouched.
    decisions.prioritise(session, coordinator, group_id, [alpha.id, bravo.id])
    session.commit()
    latest = audit_rows(session, "challenge.ranked")[2:]
    assert {(e.record_id, e.after["rank"]) for e in latest} == {
        (str(alpha.id), 1),
        (str(bravo.id), 2),
        (str(charlie.id), None),
    }

    # The same ranking again changes no rank: nothing more to note, for the group either.
    decisions.prioritise(session, coordinator, group_id, [alpha.id, bravo.id])
    session.commit()
    assert len(audit_rows(session, "challenge.ranked")) == 5
    assert len(audit_rows(session, "challenges.prioritised")) == 2


@pytest.mark.parametrize("into_id", [999_999, -1])
def test_merging_into_a_challenge_that_does_not_exist_is_refused_on_the_field(
    session, world, challenge, into_id
):
    error = refused(
        session, Invalid, decisions.merge_challenge, world["coordinator"], challenge.id, into_id
    )

    assert (error.field, error.message) == ("into", "Choose a challenge from the list.")
    session.expire_all()
    assert challenge.status is ChallengeStatus.ACCEPTED and challenge.merged_into_id is None
