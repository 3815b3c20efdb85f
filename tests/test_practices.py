"""Good practices through their workflow: drafted by a member, submitted, returned with
comments or published by a coordinator, withdrawn; and who may see or change them."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from cop.audit.models import AuditEntry
from cop.challenges import practices
from cop.challenges.models import GoodPractice, PracticeStatus, ReviewDecision
from cop.challenges.services import ChallengeDetails, raise_challenge
from cop.challenges.themes import add_theme
from cop.errors import Invalid, NotAllowed, NotFound
from cop.mail.models import OutboxMessage
from cop.members.models import MembershipStatus, Role
from tests.factories import make_group, make_membership, make_organisation, make_user

COMPLETE = practices.PracticeDetails(
    title="Innovation vouchers for first-time adopters",
    region_code="FI1B",
    problem="SMEs in the region rarely adopted <b>new</b> technologies.",
    what_was_done="**Vouchers** of up to 10,000 euros for a first project with a research centre.",
    resources="Two staff, 1.2 million euros over three years.",
    timescale="2021-2024",
    evidence="140 firms took part; 60% went on to a second project.",
    difficulties="Finding research centres willing to take small projects.",
    transferability="Works wherever a regional agency can run a call.",
    contact_name="Aino Virtanen",
    contact_email="Aino.Virtanen@Example.org",
)


@pytest.fixture
def world(app, session):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    other = make_group(session, slug="industrial-transition", name="Industrial Transition")
    helsinki = make_organisation(session, name="Helsinki Business Hub", region_code="FI1B")
    coordinator = make_user(session, name="Cora Coordinator")
    author = make_user(session, name="Aino Author", email="aino@example.org")
    author.organisation = helsinki
    colleague = make_user(session, name="Carl Colleague", email="carl@example.org")
    outsider = make_user(session, name="Olga Outsider", email="olga@example.org")
    applicant = make_user(session, name="Anna Applicant", email="anna@example.org")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    make_membership(session, author, group)
    make_membership(session, colleague, group)
    make_membership(session, outsider, other)
    make_membership(session, applicant, group, status=MembershipStatus.APPLIED)
    session.commit()
    with app.test_request_context():
        theme = add_theme(session, coordinator, group.id, "Digitalisation")
        foreign_theme = add_theme(session, coordinator_of(session, other), other.id, "Skills")
        challenge = raise_challenge(
            session,
            author,
            group.id,
            ChallengeDetails(
                title="SMEs do not adopt new technologies",
                description="Few firms take the first step.",
                theme_ids=[theme.id],
            ),
        )
        session.commit()
    return {
        "group": group,
        "other": other,
        "coordinator": coordinator,
        "author": author,
        "colleague": colleague,
        "outsider": outsider,
        "applicant": applicant,
        "theme": theme,
        "foreign_theme": foreign_theme,
        "challenge": challenge,
    }


def coordinator_of(session, group):
    person = make_user(session, name=f"Coordinator of {group.name}")
    make_membership(session, person, group, role=Role.COORDINATOR)
    session.flush()
    return person


def act(app, function, *args, **kwargs):
    with app.test_request_context():
        return function(*args, **kwargs)


def counts(session) -> tuple[int, int]:
    session.expire_all()
    return (
        session.scalar(select(func.count()).select_from(GoodPractice)),
        session.scalar(select(func.count()).select_from(AuditEntry)),
    )


def draft(app, session, world, **changes) -> GoodPractice:
    details = replace(
        COMPLETE,
        theme_ids=[world["theme"].id],
        challenge_ids=[world["challenge"].id],
        **changes,
    )
    practice = act(app, practices.create_practice, session, world["author"], world["group"].id,
                   details)  # fmt: skip
    session.commit()
    return practice


def refused(app, session, error, function, *args, **kwargs):
    before = counts(session)
    with pytest.raises(error) as caught:
        act(app, function, *args, **kwargs)
    session.rollback()
    assert counts(session) == before
    return caught.value


def test_a_member_drafts_a_practice_kept_as_typed(app, session, world):
    practice = draft(app, session, world)

    assert practice.status is PracticeStatus.DRAFT
    assert practice.author is world["author"]
    assert practice.problem == "SMEs in the region rarely adopted <b>new</b> technologies."
    assert practice.contact_email == "aino.virtanen@example.org"
    assert [t.name for t in practice.themes] == ["Digitalisation"]
    assert practice.challenges == [world["challenge"]]
    assert not act(app, practices.may_see_practice, session, None, practice)
    assert not act(app, practices.may_see_practice, session, world["colleague"], practice)
    assert act(app, practices.may_see_practice, session, world["author"], practice)
    assert act(app, practices.may_see_practice, session, world["coordinator"], practice)


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"title": "  "}, "title", "Please fill in this field."),
        ({"title": "x" * 201}, "title", "Use at most 200 characters."),
        ({"problem": "nul\x00byte"}, "problem", "Remove the control characters"),
        ({"contact_email": "not an address"}, "contact_email", "Enter a valid email address"),
        ({"region_code": "XX99"}, "region_code", "Choose a region from the list."),
        ({"organisation_id": 999_999}, "organisation_id", "Choose an organisation"),
        ({"theme_ids": "foreign"}, "theme_ids", "Choose among the group's themes."),
        ({"challenge_ids": [999_999]}, "challenge_ids", "Choose among the group's open"),
    ],
)
def test_bad_details_are_refused_and_nothing_is_written(
    app, session, world, change, field, message
):
    if change.get("theme_ids") == "foreign":
        change = {"theme_ids": [world["foreign_theme"].id]}
    details = replace(COMPLETE, **change)
    error = refused(app, session, Invalid, practices.create_practice, session, world["author"],
                    world["group"].id, details)  # fmt: skip
    assert error.field == field
    assert message in error.message


@pytest.mark.parametrize("who", ["outsider", "applicant"])
def test_only_members_of_the_group_document_its_practices(app, session, world, who):
    refused(app, session, NotAllowed, practices.create_practice, session, world[who],
            world["group"].id, COMPLETE)  # fmt: skip
    refused(app, session, NotAllowed, practices.create_practice, session, None,
            world["group"].id, COMPLETE)  # fmt: skip


def test_a_member_cannot_edit_someone_elses_practice(app, session, world):
    practice = draft(app, session, world)
    error = refused(app, session, NotFound, practices.update_practice, session,
                    world["colleague"], practice.id, replace(COMPLETE, title="Mine now"))  # fmt: skip
    assert error.message == "There is no such good practice."
    assert session.get(GoodPractice, practice.id).title == COMPLETE.title


def test_submitting_needs_every_required_field(app, session, world):
    practice = draft(app, session, world, evidence="", contact_email="")
    error = refused(app, session, Invalid, practices.submit_practice, session, world["author"],
                    practice.id)  # fmt: skip
    assert error.field == "evidence"
    assert session.get(GoodPractice, practice.id).status is PracticeStatus.DRAFT


def test_submitted_sent_back_corrected_and_published(app, session, world):
    practice = draft(app, session, world)
    act(app, practices.submit_practice, session, world["author"], practice.id)
    session.commit()
    assert practice.status is PracticeStatus.SUBMITTED
    # Now with the coordinators: its author can no longer change it.
    refused(app, session, Invalid, practices.update_practice, session, world["author"],
            practice.id, COMPLETE)  # fmt: skip
    # Only coordinators review; sending back needs a word on what to change.
    refused(app, session, NotAllowed, practices.review_practice, session, world["colleague"],
            practice.id, "published")  # fmt: skip
    error = refused(app, session, Invalid, practices.review_practice, session,
                    world["coordinator"], practice.id, "returned", "  ")  # fmt: skip
    assert error.field == "comments"
    refused(app, session, Invalid, practices.review_practice, session, world["coordinator"],
            practice.id, "approved")  # fmt: skip

    act(app, practices.review_practice, session, world["coordinator"], practice.id,
        ReviewDecision.RETURNED, "Say how many firms took part.")  # fmt: skip
    session.commit()
    assert practice.status is PracticeStatus.RETURNED
    act(app, practices.update_practice, session, world["author"], practice.id,
        replace(COMPLETE, evidence="152 firms took part."))  # fmt: skip
    act(app, practices.submit_practice, session, world["author"], practice.id)
    review = act(app, practices.review_practice, session, world["coordinator"], practice.id,
                 "published")  # fmt: skip
    session.commit()

    assert practice.status is PracticeStatus.PUBLISHED
    assert practice.published_at is not None and practice.validated_by is world["coordinator"]
    assert practice.evidence == "152 firms took part."
    assert [r.decision for r in practice.reviews] == [ReviewDecision.RETURNED, review.decision]
    assert act(app, practices.may_see_practice, session, None, practice)
    # Published once: reviewing again is refused.
    refused(app, session, Invalid, practices.review_practice, session, world["coordinator"],
            practice.id, "published")  # fmt: skip


def test_a_published_practice_is_withdrawn_not_deleted(app, session, world):
    practice = draft(app, session, world)
    act(app, practices.submit_practice, session, world["author"], practice.id)
    act(app, practices.review_practice, session, world["coordinator"], practice.id, "published")
    session.commit()
    refused(app, session, NotAllowed, practices.withdraw_practice, session, world["colleague"],
            practice.id)  # fmt: skip

    act(app, practices.withdraw_practice, session, world["author"], practice.id)
    session.commit()

    assert session.get(GoodPractice, practice.id).status is PracticeStatus.WITHDRAWN
    assert not act(app, practices.may_see_practice, session, None, practice)
    refused(app, session, Invalid, practices.update_practice, session, world["coordinator"],
            practice.id, COMPLETE)  # fmt: skip


def test_the_author_hears_when_a_coordinator_withdraws_their_practice(app, session, world):
    practice = draft(app, session, world)
    act(app, practices.submit_practice, session, world["author"], practice.id)
    act(app, practices.review_practice, session, world["coordinator"], practice.id, "published")
    session.commit()

    act(app, practices.withdraw_practice, session, world["coordinator"], practice.id)
    session.commit()

    (mail,) = session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "practice_withdrawn")
    ).all()
    assert mail.recipient == world["author"].email
    assert mail.subject == f"Your good practice is withdrawn: {practice.title}"
    assert f"{world['coordinator'].name}, a coordinator of" in mail.body_text
    assert f"/practices/{practice.id}" in mail.body_text


def test_an_author_withdrawing_their_own_practice_is_not_emailed(app, session, world):
    practice = draft(app, session, world)
    act(app, practices.submit_practice, session, world["author"], practice.id)
    act(app, practices.review_practice, session, world["coordinator"], practice.id, "published")
    session.commit()

    act(app, practices.withdraw_practice, session, world["author"], practice.id)
    session.commit()

    kinds = session.scalars(select(OutboxMessage.kind)).all()
    assert "practice_withdrawn" not in kinds


def submitted_mail(session) -> list[OutboxMessage]:
    session.expire_all()
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "practice_submitted")
            .order_by(OutboxMessage.id)
        )
    )


def test_the_coordinators_are_emailed_a_submitted_practice_in_their_language(app, session, world):
    second = make_user(session, name="Sven Second", email="sven@example.org")
    second.language = "fr"
    make_membership(session, second, world["group"], role=Role.COORDINATOR)
    session.commit()
    practice = draft(app, session, world)
    assert submitted_mail(session) == []  # a draft is the author's business only

    act(app, practices.submit_practice, session, world["author"], practice.id)
    session.commit()

    mails = submitted_mail(session)
    assert sorted(mail.recipient for mail in mails) == sorted(
        [world["coordinator"].email, "sven@example.org"]
    )
    english = next(mail for mail in mails if mail.recipient == world["coordinator"].email)
    assert english.subject == f"A good practice awaits your review: {COMPLETE.title}"
    assert "Hello Cora Coordinator," in english.body_text
    assert "Aino Author has submitted the good practice" in english.body_text
    assert f"http://cop.test/practices/{practice.id}/review" in english.body_text
    french = next(mail for mail in mails if mail.recipient == "sven@example.org")
    assert "Bonjour Sven Second," in french.body_text
    assert f"http://cop.test/practices/{practice.id}/review" in french.body_text


def test_a_coordinator_is_not_emailed_the_practice_they_submit(app, session, world):
    second = make_user(session, name="Sven Second", email="sven@example.org")
    make_membership(session, second, world["group"], role=Role.COORDINATOR)
    session.commit()
    own = act(app, practices.create_practice, session, world["coordinator"], world["group"].id,
              COMPLETE)  # fmt: skip
    act(app, practices.submit_practice, session, world["coordinator"], own.id)
    session.commit()

    assert [mail.recipient for mail in submitted_mail(session)] == ["sven@example.org"]


def test_a_refused_submission_emails_no_one(app, session, world):
    practice = draft(app, session, world, evidence="")
    refused(app, session, Invalid, practices.submit_practice, session, world["author"],
            practice.id)  # fmt: skip
    assert submitted_mail(session) == []


def test_a_withdrawn_practice_is_published_again_by_a_coordinator(app, session, world):
    practice = draft(app, session, world)
    act(app, practices.submit_practice, session, world["author"], practice.id)
    act(app, practices.review_practice, session, world["coordinator"], practice.id, "published")
    world["author"].language = "fr"
    session.commit()
    published_at = practice.published_at
    # Only a withdrawn one is published again; withdrawing twice is said so.
    error = refused(app, session, Invalid, practices.publish_again, session,
                    world["coordinator"], practice.id)  # fmt: skip
    assert error.message == "This practice is already published."
    act(app, practices.withdraw_practice, session, world["author"], practice.id)
    session.commit()
    error = refused(app, session, Invalid, practices.withdraw_practice, session,
                    world["author"], practice.id)  # fmt: skip
    assert error.message == "This practice is already withdrawn."
    # Its author, another member or another group's coordinator may not; nor anyone signed out.
    elsewhere = coordinator_of(session, world["other"])
    session.commit()
    for person in (world["author"], world["colleague"], elsewhere):
        refused(app, session, NotAllowed, practices.publish_again, session, person, practice.id)
    refused(app, session, NotAllowed, practices.publish_again, session, None, practice.id)
    refused(app, session, NotFound, practices.publish_again, session, world["coordinator"],
            999_999)  # fmt: skip

    mails = len(session.scalars(select(OutboxMessage)).all())
    act(app, practices.publish_again, session, world["coordinator"], practice.id)
    session.commit()

    assert practice.status is PracticeStatus.PUBLISHED
    assert practice.withdrawn_at is None and practice.published_at == published_at
    assert act(app, practices.may_see_practice, session, None, practice)
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "practice.republished"
    assert entry.before["status"] == "withdrawn" and entry.after["status"] == "published"
    (mail,) = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()[mails:]
    assert mail.recipient == "aino@example.org" and mail.kind == "practice_republished"
    assert "Bonjour Aino Author," in mail.body_text  # in the author's language


def test_a_coordinator_publishing_their_own_practice_again_is_not_emailed(app, session, world):
    practice = act(app, practices.create_practice, session, world["coordinator"],
                   world["group"].id, COMPLETE)  # fmt: skip
    act(app, practices.submit_practice, session, world["coordinator"], practice.id)
    act(app, practices.review_practice, session, world["coordinator"], practice.id, "published")
    act(app, practices.withdraw_practice, session, world["coordinator"], practice.id)
    session.commit()
    mails = len(session.scalars(select(OutboxMessage)).all())
    act(app, practices.publish_again, session, world["coordinator"], practice.id)
    session.commit()
    assert practice.status is PracticeStatus.PUBLISHED
    assert len(session.scalars(select(OutboxMessage)).all()) == mails


def test_its_author_takes_back_a_submitted_practice(app, session, world):
    practice = draft(app, session, world)
    # A draft is not with the coordinators: nothing to take back.
    error = refused(app, session, Invalid, practices.take_back_practice, session,
                    world["author"], practice.id)  # fmt: skip
    assert "not with the coordinators" in error.message
    act(app, practices.submit_practice, session, world["author"], practice.id)
    session.commit()
    mails = len(session.scalars(select(OutboxMessage)).all())
    # Someone else's is not there; the coordinators return it rather than take it back.
    refused(app, session, NotFound, practices.take_back_practice, session, world["colleague"],
            practice.id)  # fmt: skip
    refused(app, session, NotAllowed, practices.take_back_practice, session,
            world["coordinator"], practice.id)  # fmt: skip
    refused(app, session, NotAllowed, practices.take_back_practice, session, None, practice.id)

    act(app, practices.take_back_practice, session, world["author"], practice.id)
    session.commit()

    assert practice.status is PracticeStatus.DRAFT and practice.submitted_at is None
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "practice.taken_back" and entry.actor_id == world["author"].id
    assert len(session.scalars(select(OutboxMessage)).all()) == mails  # no one emailed
    # Theirs to change again, then to submit again (the coordinators are emailed then).
    act(app, practices.update_practice, session, world["author"], practice.id,
        replace(COMPLETE, evidence="152 firms took part."))  # fmt: skip
    act(app, practices.submit_practice, session, world["author"], practice.id)
    session.commit()
    assert practice.status is PracticeStatus.SUBMITTED
    assert len(session.scalars(select(OutboxMessage)).all()) == mails + 1
    # Once reviewed, it is no longer taken back.
    act(app, practices.review_practice, session, world["coordinator"], practice.id, "published")
    session.commit()
    error = refused(app, session, Invalid, practices.take_back_practice, session,
                    world["author"], practice.id)  # fmt: skip
    assert "already reviewed" in error.message
