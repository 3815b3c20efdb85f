"""Following challenges and good practices: the buttons on their pages, who may follow what,
the follows made for people (raising, endorsing, documenting), merges moving followers, and the
notification each change writes for the followers (not for the person who made it, nor for the
one emailed about it)."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select

from cop.challenges import decisions, practices, services
from cop.challenges.models import ChallengeStatus, PracticeStatus, ReviewDecision
from cop.challenges.services import ChallengeDetails
from cop.errors import Conflict, Invalid, NotAllowed, NotFound
from cop.mail import follows
from cop.mail.models import Follow, Notification, OutboxMessage
from cop.members.models import Role
from tests.conftest import Browser
from tests.factories import (
    make_challenge,
    make_group,
    make_membership,
    make_organisation,
    make_practice,
    make_user,
)

COMPLETE = dict(
    region_code="FI1B",
    evidence="140 firms took part.",
    transferability="Works wherever a regional agency can run a call.",
    contact_name="Aino Virtanen",
    contact_email="aino@example.org",
)


@pytest.fixture
def world(app, session):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    helsinki = make_organisation(session, name="Helsinki Business Hub", region_code="FI1B")
    madrid = make_organisation(session, name="Madrid agency", region_code="ES30")

    def person(name, organisation=None, **membership):
        user = make_user(session, name=name, organisation=organisation)
        if membership.pop("member", True):
            make_membership(session, user, group, **membership)
        return user

    people = {
        "coordinator": person("Cora Coordinator", role=Role.COORDINATOR),
        "raiser": person("Rita Raiser", helsinki),
        "endorser": person("Eva Endorser", madrid),
        "follower": person("Fred Follower"),
        "reader": person("Uma Reader", member=False),
    }
    session.commit()
    return {"group": group, **people}


@pytest.fixture
def speaking(app):
    """Services speak through gettext and build addresses, as in a request."""
    with app.test_request_context():
        yield


def as_(app, person=None) -> Browser:
    browser = Browser(app.test_client())
    if person is not None:
        browser.login(person)
    return browser


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def follows_of(session, target: str, target_id: int) -> list[int]:
    session.expire_all()
    return list(
        session.scalars(
            select(Follow.user_id)
            .where(Follow.target == target, Follow.target_id == target_id)
            .order_by(Follow.user_id)
        )
    )


def notified(session, event: str) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification).where(Notification.event == event).order_by(Notification.user_id)
        )
    )


def who(rows: list[Notification]) -> list[int]:
    return [row.user_id for row in rows]


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def nothing_written(session, function, kind, *args):
    """Call a service expected to refuse: it raises `kind` and writes no follow and no
    notification; its message."""
    session.commit()
    before = (count(session, Follow), count(session, Notification), count(session, OutboxMessage))
    with pytest.raises(kind) as error:
        function(session, *args)
    session.rollback()
    after = (count(session, Follow), count(session, Notification), count(session, OutboxMessage))
    assert after == before
    return error.value.message


def follow(session, user, target, record) -> None:
    follows.follow(session, user, target, record.id)
    session.commit()


# --- The buttons ------------------------------------------------------------------------------


def test_a_reader_follows_a_challenge_from_its_page_then_stops(app, session, world):
    challenge = make_challenge(session, world["group"], status=ChallengeStatus.ACCEPTED)
    session.commit()
    browser = as_(app, world["reader"])
    path = f"/challenges/{challenge.id}"
    page = text_of(browser.client.get(path))
    assert f'action="{path}/follow"' in page
    assert "Hear of its changes in your email digest." in page

    response = browser.post(f"{path}/follow", page=path)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(path)
    assert follows_of(session, follows.CHALLENGE, challenge.id) == [world["reader"].id]
    page = text_of(browser.client.get(path))
    assert "You follow this challenge: its news reaches you in your email digest." in page
    assert "You follow this: its news reaches you in your email digest." in page
    assert f'action="{path}/unfollow"' in page

    # A second press (a replayed form) keeps one follow.
    browser.post(f"{path}/follow", page=path)
    assert follows_of(session, follows.CHALLENGE, challenge.id) == [world["reader"].id]

    response = browser.post(f"{path}/unfollow", page=path)
    assert response.status_code == 302
    assert follows_of(session, follows.CHALLENGE, challenge.id) == []
    page = text_of(browser.client.get(path))
    assert "You no longer follow this challenge." in page
    assert f'action="{path}/follow"' in page


def test_a_reader_follows_a_practice_from_its_page_then_stops(app, session, world):
    practice = make_practice(session, world["group"], author=world["raiser"], title="Vouchers")
    session.commit()
    browser = as_(app, world["reader"])
    path = f"/practices/{practice.id}"
    assert f'action="{path}/follow"' in text_of(browser.client.get(path))

    response = browser.post(f"{path}/follow", page=path)
    assert response.headers["Location"].endswith(path)
    assert follows_of(session, follows.PRACTICE, practice.id) == [world["reader"].id]
    page = text_of(browser.client.get(path))
    assert "You follow this practice: its news reaches you in your email digest." in page
    assert f'action="{path}/unfollow"' in page

    browser.post(f"{path}/unfollow", page=path)
    assert follows_of(session, follows.PRACTICE, practice.id) == []
    page = text_of(browser.client.get(path))
    assert "You no longer follow this practice." in page
    assert f'action="{path}/follow"' in page


def test_visitors_see_no_button_and_are_asked_to_log_in(app, session, world):
    challenge = make_challenge(session, world["group"], status=ChallengeStatus.ACCEPTED)
    practice = make_practice(session, world["group"], author=world["raiser"])
    session.commit()
    browser = as_(app)
    for path in (f"/challenges/{challenge.id}", f"/practices/{practice.id}"):
        page = text_of(browser.client.get(path))
        assert "/follow" not in page
        response = browser.post(f"{path}/follow", page=path)
        assert response.status_code == 302
        assert "/account/login" in response.headers["Location"]
    assert count(session, Follow) == 0


def test_what_a_reader_may_not_see_they_may_not_follow(app, session, world):
    group = world["group"]
    draft = make_practice(session, group, author=world["raiser"], status=PracticeStatus.DRAFT)
    proposed = make_challenge(session, group, raised_by=world["raiser"])
    session.commit()
    colleague = as_(app, world["endorser"])
    outsider = as_(app, world["reader"])
    # Someone else's draft is as if it did not exist, as on its page.
    assert colleague.client.get(f"/practices/{draft.id}").status_code == 404
    assert colleague.post(f"/practices/{draft.id}/follow").status_code == 404
    assert colleague.post(f"/practices/{draft.id}/unfollow").status_code == 404
    # A proposed challenge is for the group's members.
    assert outsider.post(f"/challenges/{proposed.id}/follow").status_code == 404
    assert outsider.post("/challenges/99999999/follow").status_code == 404
    assert outsider.post("/practices/99999999/follow").status_code == 404
    assert count(session, Follow) == 0
    # Its author and the coordinators may.
    assert as_(app, world["coordinator"]).post(f"/practices/{draft.id}/follow").status_code == 302
    assert follows_of(session, follows.PRACTICE, draft.id) == [world["coordinator"].id]


def test_following_a_merged_challenge_follows_the_one_it_was_merged_into(app, session, world):
    target = make_challenge(
        session, world["group"], status=ChallengeStatus.ACCEPTED, title="SMEs lag behind"
    )
    duplicate = make_challenge(
        session, world["group"], status=ChallengeStatus.MERGED, merged_into=target
    )
    session.commit()
    browser = as_(app, world["follower"])
    path = f"/challenges/{duplicate.id}"
    assert "Its news now comes from “SMEs lag behind”" in text_of(browser.client.get(path))

    response = browser.post(f"{path}/follow", page=path)
    assert response.headers["Location"].endswith(path)
    assert follows_of(session, follows.CHALLENGE, target.id) == [world["follower"].id]
    assert follows_of(session, follows.CHALLENGE, duplicate.id) == []
    page = text_of(browser.client.get(path))
    assert "You follow “SMEs lag behind”, which this challenge was merged into" in page
    assert f'action="{path}/unfollow"' in page

    browser.post(f"{path}/unfollow", page=path)
    assert follows_of(session, follows.CHALLENGE, target.id) == []


def test_the_pages_queries_do_not_grow_with_followers(app, session, world, count_queries):
    challenge = make_challenge(session, world["group"], status=ChallengeStatus.ACCEPTED)
    practice = make_practice(session, world["group"], author=world["raiser"])
    session.commit()
    browser = as_(app, world["follower"])
    follow(session, world["follower"], follows.CHALLENGE, challenge)
    follow(session, world["follower"], follows.PRACTICE, practice)
    paths = (f"/challenges/{challenge.id}", f"/practices/{practice.id}")

    def grow(number: int) -> None:
        for _ in range(number):
            person = make_user(session)
            follows.follow(session, person, follows.CHALLENGE, challenge.id)
            follows.follow(session, person, follows.PRACTICE, practice.id)
        session.commit()

    def queries() -> list[int]:
        counts = []
        for path in paths:
            with count_queries() as counter:
                response = browser.client.get(path)
            assert "Stop following" in text_of(response)
            counts.append(counter.count)
        return counts

    grow(2)
    small = queries()
    grow(20)
    assert queries() == small


# --- Follows made for people --------------------------------------------------------------------


def test_raisers_endorsers_and_authors_follow_what_they_made(session, world, speaking):
    group = world["group"]
    challenge = services.raise_challenge(
        session,
        world["raiser"],
        group.id,
        ChallengeDetails(title="SMEs lag behind", description="Few adopt new technologies."),
    )
    session.commit()
    assert follows_of(session, follows.CHALLENGE, challenge.id) == [world["raiser"].id]

    decisions.advance_challenge(session, world["coordinator"], challenge.id)
    services.endorse(session, world["endorser"], challenge.id)
    session.commit()
    assert follows_of(session, follows.CHALLENGE, challenge.id) == sorted(
        [world["raiser"].id, world["endorser"].id]
    )

    practice = practices.create_practice(
        session, world["follower"], group.id, practices.PracticeDetails(title="Vouchers")
    )
    session.commit()
    assert follows_of(session, follows.PRACTICE, practice.id) == [world["follower"].id]


def test_a_merge_moves_the_followers_to_the_challenge_that_stays(session, world, speaking):
    group = world["group"]
    target = make_challenge(session, group, status=ChallengeStatus.ACCEPTED, title="Target")
    duplicate = make_challenge(session, group, raised_by=world["raiser"], title="Duplicate")
    for person in (world["raiser"], world["follower"], world["endorser"]):
        follow(session, person, follows.CHALLENGE, duplicate)
    follow(session, world["endorser"], follows.CHALLENGE, target)  # follows both already

    decisions.merge_challenge(session, world["coordinator"], duplicate.id, target.id)
    session.commit()

    assert follows_of(session, follows.CHALLENGE, duplicate.id) == []
    assert follows_of(session, follows.CHALLENGE, target.id) == sorted(
        [world["raiser"].id, world["follower"].id, world["endorser"].id]
    )
    # The duplicate's followers heard of the merge; its raiser is emailed instead.
    rows = notified(session, "challenge.merged")
    assert who(rows) == sorted([world["follower"].id, world["endorser"].id])
    assert {(row.target, row.target_id, row.detail) for row in rows} == {
        (follows.CHALLENGE, duplicate.id, "Target")
    }
    assert rows[0].title == "Duplicate"
    assert rows[0].path == f"/challenges/{duplicate.id}"
    assert rows[0].actor_id == world["coordinator"].id
    assert session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipient == world["raiser"].email)
    )


# --- Notifications of challenges --------------------------------------------------------------


def test_each_step_notifies_the_followers_but_not_the_coordinator(session, world, speaking):
    challenge = make_challenge(session, world["group"], raised_by=world["raiser"], title="Lag")
    for person in (world["raiser"], world["follower"], world["coordinator"]):
        follow(session, person, follows.CHALLENGE, challenge)

    for event in ("challenge.accepted", "challenge.being_addressed", "challenge.addressed"):
        decisions.advance_challenge(session, world["coordinator"], challenge.id)
        session.commit()
        rows = notified(session, event)
        # The raiser is emailed that it is accepted: no notification of that too.
        expected = [world["follower"].id]
        if event != "challenge.accepted":
            expected = sorted([world["raiser"].id, world["follower"].id])
        assert who(rows) == expected
        assert {(row.title, row.path) for row in rows} == {("Lag", f"/challenges/{challenge.id}")}


def test_closing_notifies_the_followers_with_the_reason(session, world, speaking):
    challenge = make_challenge(session, world["group"], raised_by=world["raiser"])
    follow(session, world["raiser"], follows.CHALLENGE, challenge)
    follow(session, world["follower"], follows.CHALLENGE, challenge)

    decisions.close_challenge(session, world["coordinator"], challenge.id, "Out of scope.")
    session.commit()

    (row,) = notified(session, "challenge.closed")
    assert (row.user_id, row.detail) == (world["follower"].id, "Out of scope.")


def test_an_endorsement_notifies_the_followers_with_the_region(session, world, speaking):
    challenge = make_challenge(
        session, world["group"], raised_by=world["raiser"], status=ChallengeStatus.ACCEPTED
    )
    follow(session, world["raiser"], follows.CHALLENGE, challenge)
    follow(session, world["follower"], follows.CHALLENGE, challenge)

    services.endorse(session, world["endorser"], challenge.id)
    session.commit()

    rows = notified(session, "challenge.endorsed")
    assert who(rows) == sorted([world["raiser"].id, world["follower"].id])
    assert {row.detail for row in rows} == {"Comunidad de Madrid"}
    assert {row.actor_id for row in rows} == {world["endorser"].id}


def test_refused_decisions_notify_nobody(session, world, speaking):
    group = world["group"]
    challenge = make_challenge(
        session, group, raised_by=world["raiser"], status=ChallengeStatus.ACCEPTED
    )
    other = make_challenge(session, make_group(session), status=ChallengeStatus.ACCEPTED)
    follow(session, world["follower"], follows.CHALLENGE, challenge)
    coordinator = world["coordinator"]

    message = nothing_written(
        session, decisions.close_challenge, Invalid, coordinator, challenge.id, "  "
    )
    assert message == "Please fill in this field."
    nothing_written(
        session, decisions.advance_challenge, NotAllowed, world["follower"], challenge.id
    )
    message = nothing_written(
        session, decisions.merge_challenge, Invalid, coordinator, challenge.id, other.id
    )
    assert message == "Choose a challenge of the same group."
    message = nothing_written(session, services.endorse, Invalid, world["raiser"], challenge.id)
    assert message == "You raised this challenge: it already counts for your region."
    services.endorse(session, world["endorser"], challenge.id)
    session.commit()
    message = nothing_written(session, services.endorse, Conflict, world["endorser"], challenge.id)
    assert message == "You have already endorsed this challenge."
    assert who(notified(session, "challenge.endorsed")) == [world["follower"].id]


# --- Notifications of practices ---------------------------------------------------------------


def test_publishing_notifies_the_practice_and_challenge_followers_once(session, world, speaking):
    group = world["group"]
    first = make_challenge(session, group, status=ChallengeStatus.ACCEPTED, title="First")
    second = make_challenge(session, group, status=ChallengeStatus.ACCEPTED, title="Second")
    practice = make_practice(
        session,
        group,
        author=world["raiser"],
        status=PracticeStatus.SUBMITTED,
        challenges=(first, second),
        title="Vouchers",
        **COMPLETE,
    )
    both = make_user(session, name="Bo Both")
    session.commit()
    follow(session, world["raiser"], follows.PRACTICE, practice)
    follow(session, world["follower"], follows.PRACTICE, practice)
    follow(session, both, follows.PRACTICE, practice)
    follow(session, both, follows.CHALLENGE, first)
    follow(session, world["endorser"], follows.CHALLENGE, first)
    follow(session, world["endorser"], follows.CHALLENGE, second)
    follow(session, world["reader"], follows.CHALLENGE, second)
    follow(session, world["raiser"], follows.CHALLENGE, second)

    practices.review_practice(session, world["coordinator"], practice.id, "published")
    session.commit()

    # The author is emailed; the others hear of it once each.
    rows = notified(session, "practice.published")
    assert who(rows) == sorted([world["follower"].id, both.id])
    assert {(row.target, row.target_id, row.title, row.path) for row in rows} == {
        (follows.PRACTICE, practice.id, "Vouchers", f"/practices/{practice.id}")
    }
    rows = notified(session, "challenge.practice_published")
    assert sorted((row.user_id, row.target_id) for row in rows) == sorted(
        [(world["endorser"].id, first.id), (world["reader"].id, second.id)]
    )
    assert {row.detail for row in rows} == {"Vouchers"}


def test_returning_a_practice_notifies_nobody(session, world, speaking):
    practice = make_practice(
        session, world["group"], author=world["raiser"], status=PracticeStatus.SUBMITTED
    )
    session.commit()
    follow(session, world["follower"], follows.PRACTICE, practice)
    practices.review_practice(
        session, world["coordinator"], practice.id, "returned", "Say more about the evidence."
    )
    session.commit()
    assert count(session, Notification) == 0
    message = nothing_written(
        session,
        practices.review_practice,
        Invalid,
        world["coordinator"],
        practice.id,
        ReviewDecision.RETURNED,
    )
    assert message == "Only a submitted practice is reviewed."


def test_withdrawing_and_publishing_again_notify_the_followers(session, world, speaking):
    practice = make_practice(session, world["group"], author=world["raiser"], **COMPLETE)
    session.commit()
    follow(session, world["raiser"], follows.PRACTICE, practice)
    follow(session, world["follower"], follows.PRACTICE, practice)

    # Withdrawn by a coordinator: the author is emailed, so only the follower is notified.
    practices.withdraw_practice(session, world["coordinator"], practice.id)
    session.commit()
    (row,) = notified(session, "practice.withdrawn")
    assert (row.user_id, row.actor_id) == (world["follower"].id, world["coordinator"].id)

    practices.publish_again(session, world["coordinator"], practice.id)
    session.commit()
    assert who(notified(session, "practice.republished")) == [world["follower"].id]

    # Withdrawn by its author: they did it, and the follower hears of it.
    practices.withdraw_practice(session, world["raiser"], practice.id)
    session.commit()
    assert who(notified(session, "practice.withdrawn")) == [world["follower"].id] * 2


def test_refused_practice_changes_notify_nobody(session, world, speaking):
    practice = make_practice(session, world["group"], author=world["raiser"], **COMPLETE)
    draft = make_practice(
        session, world["group"], author=world["raiser"], status=PracticeStatus.DRAFT
    )
    session.commit()
    follow(session, world["follower"], follows.PRACTICE, practice)
    message = nothing_written(
        session, practices.publish_again, Invalid, world["coordinator"], practice.id
    )
    assert message == "This practice is already published."
    nothing_written(
        session, practices.withdraw_practice, NotAllowed, world["follower"], practice.id
    )
    nothing_written(session, practices.follow_practice, NotFound, world["follower"], draft.id)
    assert count(session, Notification) == 0


def test_what_one_follows_one_may_stop_following_though_hidden_since(session, world, speaking):
    practice = make_practice(session, world["group"], author=world["raiser"], **COMPLETE)
    challenge = make_challenge(session, world["group"], status=ChallengeStatus.CLOSED)
    session.commit()
    follow(session, world["reader"], follows.PRACTICE, practice)
    follow(session, world["reader"], follows.CHALLENGE, challenge)
    practices.withdraw_practice(session, world["coordinator"], practice.id)
    session.commit()

    # Neither is theirs to read now (nor to follow again), but they may stop following both.
    nothing_written(session, practices.follow_practice, NotFound, world["follower"], practice.id)
    nothing_written(session, services.follow_challenge, NotFound, world["reader"], challenge.id)
    practices.unfollow_practice(session, world["reader"], practice.id)
    services.unfollow_challenge(session, world["reader"], challenge.id)
    session.commit()
    assert count(session, Follow) == 0
    nothing_written(session, practices.unfollow_practice, NotFound, world["reader"], practice.id)


# --- Who hears of a challenge the public may not read ---------------------------------------


def test_only_members_hear_that_a_public_challenge_was_closed(session, world, speaking):
    challenge = make_challenge(session, world["group"], status=ChallengeStatus.ACCEPTED)
    for person in (world["follower"], world["reader"]):  # a member, and someone of no group
        follow(session, person, follows.CHALLENGE, challenge)

    decisions.close_challenge(session, world["coordinator"], challenge.id, "Internal: no budget.")
    session.commit()

    # Closed, the challenge and its reason are for members: the outsider hears nothing.
    assert who(notified(session, "challenge.closed")) == [world["follower"].id]


def test_a_merge_into_a_proposed_challenge_moves_only_the_members(session, world, speaking):
    group = world["group"]
    target = make_challenge(session, group, title="Members-only proposal")  # proposed
    duplicate = make_challenge(session, group, status=ChallengeStatus.ACCEPTED, title="Public")
    for person in (world["follower"], world["reader"]):
        follow(session, person, follows.CHALLENGE, duplicate)

    decisions.merge_challenge(session, world["coordinator"], duplicate.id, target.id)
    session.commit()

    # The outsider learns nothing of the proposed challenge, and follows nothing of it.
    assert who(notified(session, "challenge.merged")) == [world["follower"].id]
    assert follows_of(session, follows.CHALLENGE, target.id) == [world["follower"].id]
    assert follows_of(session, follows.CHALLENGE, duplicate.id) == []


def test_a_merge_into_a_public_challenge_moves_everyone(session, world, speaking):
    group = world["group"]
    target = make_challenge(session, group, status=ChallengeStatus.ACCEPTED, title="Public one")
    duplicate = make_challenge(session, group, status=ChallengeStatus.ACCEPTED, title="Twin")
    follow(session, world["reader"], follows.CHALLENGE, duplicate)

    decisions.merge_challenge(session, world["coordinator"], duplicate.id, target.id)
    session.commit()

    assert who(notified(session, "challenge.merged")) == [world["reader"].id]
    assert follows_of(session, follows.CHALLENGE, target.id) == [world["reader"].id]
