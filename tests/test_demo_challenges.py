"""The demo's themes, challenges and good practices: every status and state, loaded once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from cop import clock
from cop.audit.models import AuditEntry
from cop.challenges.models import (
    OPEN_CHALLENGES,
    Challenge,
    ChallengeStatus,
    Endorsement,
    GoodPractice,
    PracticeLink,
    PracticeReview,
    PracticeStatus,
    ReviewDecision,
    Theme,
    challenge_regions,
)
from cop.challenges.practices import missing_to_submit
from cop.challenges.themes import INNOVATION_DIFFUSION_THEMES
from cop.demo import DEMO_ORGANISATIONS
from cop.demo_challenges import (
    INDUSTRIAL_TRANSITION_CHALLENGES,
    INNOVATION_DIFFUSION_CHALLENGES,
    INNOVATION_DIFFUSION_PRACTICES,
)
from cop.mail.models import OutboxMessage
from cop.members.models import Membership, MembershipStatus, Region, User, WorkingGroup

LOADED = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)
S, P = ChallengeStatus, PracticeStatus


@pytest.fixture
def demo(runner, session):
    """The demo, loaded on a fixed day."""
    with clock.fixed_at(LOADED):
        result = runner.invoke(args=["cop", "demo"])
    assert result.exit_code == 0, result.output
    return result


def group(session, slug: str) -> WorkingGroup:
    return session.scalar(select(WorkingGroup).where(WorkingGroup.slug == slug))


def challenges_of(session, slug: str) -> list[Challenge]:
    return list(
        session.scalars(
            select(Challenge)
            .where(Challenge.group_id == group(session, slug).id)
            .order_by(Challenge.id)
        )
    )


def practices_of(session, slug: str) -> list[GoodPractice]:
    return list(
        session.scalars(
            select(GoodPractice)
            .where(GoodPractice.group_id == group(session, slug).id)
            .order_by(GoodPractice.id)
        )
    )


def person(session, email: str) -> User:
    return session.scalar(select(User).where(User.email == email))


def counts(session) -> dict[str, int]:
    models = (Theme, Challenge, Endorsement, GoodPractice, PracticeReview, PracticeLink)
    tables = {m.__tablename__: select(func.count()).select_from(m) for m in models}
    tables["challenge_regions"] = select(func.count()).select_from(challenge_regions)
    tables["audit_entries"] = select(func.count()).select_from(AuditEntry)
    return {name: session.scalar(query) for name, query in tables.items()}


def test_every_status_and_state_is_there(demo, session):
    diffusion = challenges_of(session, "innovation-diffusion")
    assert len(diffusion) == len(INNOVATION_DIFFUSION_CHALLENGES) == 16
    assert Counter(c.status for c in diffusion) == {
        S.PROPOSED: 4,
        S.ACCEPTED: 5,
        S.BEING_ADDRESSED: 3,
        S.ADDRESSED: 2,
        S.MERGED: 1,
        S.CLOSED: 1,
    }
    transition = challenges_of(session, "industrial-transition")
    assert len(transition) == len(INDUSTRIAL_TRANSITION_CHALLENGES) == 3
    assert Counter(c.status for c in transition) == {S.ACCEPTED: 2, S.PROPOSED: 1}

    practices = practices_of(session, "innovation-diffusion")
    assert len(practices) == len(INNOVATION_DIFFUSION_PRACTICES) == 20
    assert Counter(p.status for p in practices) == {
        P.DRAFT: 2,
        P.SUBMITTED: 3,
        P.RETURNED: 2,
        P.PUBLISHED: 12,
        P.WITHDRAWN: 1,
    }
    assert {p.status for p in practices_of(session, "industrial-transition")} == {
        P.PUBLISHED,
        P.SUBMITTED,
    }

    themes = session.scalars(
        select(Theme.name)
        .where(Theme.group_id == group(session, "innovation-diffusion").id)
        .order_by(Theme.position)
    )
    assert tuple(themes) == INNOVATION_DIFFUSION_THEMES
    assert (
        session.scalar(
            select(func.count()).where(Theme.group_id == group(session, "industrial-transition").id)
        )
        == 3
    )
    # Written directly: nobody was emailed about the demo's decisions.
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_loading_twice_creates_nothing_and_keeps_edits(demo, runner, session):
    assert " created, 0 already there" in demo.output
    loaded = counts(session)
    challenge = challenges_of(session, "innovation-diffusion")[0]
    challenge.description = "Edited on the site."
    challenge.priority = None
    practice = practices_of(session, "innovation-diffusion")[0]
    practice.problem = "Edited too."
    session.commit()

    with clock.fixed_at(LOADED + timedelta(days=40)):
        again = runner.invoke(args=["cop", "demo"])

    assert again.exit_code == 0, again.output
    assert "Demo data: 0 created" in again.output
    session.expire_all()
    assert counts(session) == loaded
    assert session.get(Challenge, challenge.id).description == "Edited on the site."
    assert session.get(Challenge, challenge.id).priority is None
    assert session.get(GoodPractice, practice.id).problem == "Edited too."


def test_endorsements_are_the_services_kind(demo, session):
    for slug in ("innovation-diffusion", "industrial-transition"):
        active = set(
            session.scalars(
                select(Membership.user_id).where(
                    Membership.group_id == group(session, slug).id,
                    Membership.status == MembershipStatus.ACTIVE,
                )
            )
        )
        for challenge in challenges_of(session, slug):
            assert challenge.raised_by_id in active, challenge.title
            users = [e.user_id for e in challenge.endorsements]
            assert len(users) == len(set(users)), challenge.title  # once per member
            assert challenge.raised_by_id not in users, challenge.title
            regions = {region.code for region in challenge.regions}
            assert challenge.raised_by.organisation.region_code in regions
            for endorsement in challenge.endorsements:
                assert endorsement.user_id in active
                assert endorsement.region_code == endorsement.user.organisation.region_code
                assert endorsement.region_code in regions
                assert endorsement.created_at >= challenge.created_at
                assert endorsement.region_code != challenge.raised_by.organisation.region_code
    # The member endorsed some challenges, not all: the others still offer the button.
    member = person(session, "member@example.org")
    endorsable = [
        c
        for c in challenges_of(session, "innovation-diffusion")
        if c.status in OPEN_CHALLENGES and c.raised_by_id != member.id
    ]
    mine = [c for c in endorsable if any(e.user_id == member.id for e in c.endorsements)]
    assert 1 <= len(mine) < len(endorsable)
    # Several other regions endorse the challenges the group took on.
    for challenge in challenges_of(session, "innovation-diffusion"):
        if challenge.status in (S.ACCEPTED, S.BEING_ADDRESSED, S.ADDRESSED):
            raiser_region = challenge.raised_by.organisation.region_code
            others = {e.region_code for e in challenge.endorsements} - {raiser_region}
            assert len(others) >= 2, challenge.title


def test_the_merged_and_closed_challenges_say_why(demo, session):
    diffusion = challenges_of(session, "innovation-diffusion")
    for challenge in diffusion:
        assert (challenge.status is S.MERGED) == (challenge.merged_into_id is not None)
    (merged,) = [c for c in diffusion if c.status is S.MERGED]
    target = merged.merged_into
    assert target.status in OPEN_CHALLENGES and target.group_id == merged.group_id
    assert merged.decision_note and merged.decided_at and merged.priority is None
    # Its raiser and endorsers now count on the target, once each, given on the duplicate.
    moved = [e for e in target.endorsements if e.given_on_id == merged.id]
    assert merged.raised_by_id in {e.user_id for e in moved}
    assert len(moved) >= 2
    users = [e.user_id for e in target.endorsements]
    assert len(users) == len(set(users)) and target.raised_by_id not in users
    # Someone who had endorsed both keeps their endorsement of the duplicate where it was.
    assert merged.endorsements and all(e.user_id in users for e in merged.endorsements)
    assert {r.code for r in merged.regions} <= {r.code for r in target.regions}

    (closed,) = [c for c in diffusion if c.status is S.CLOSED]
    assert closed.decision_note and closed.priority is None and closed.merged_into_id is None


def test_ranks_are_unique_and_given_to_accepted_challenges(demo, session):
    for slug, ranks in (
        ("innovation-diffusion", [1, 2, 3, 4, 5]),
        ("industrial-transition", [1, 2]),
    ):
        ranked = [c for c in challenges_of(session, slug) if c.priority is not None]
        assert sorted(c.priority for c in ranked) == ranks
        assert all(c.status in (S.ACCEPTED, S.BEING_ADDRESSED, S.ADDRESSED) for c in ranked)
    assert (
        session.scalar(select(func.count()).where(AuditEntry.action == "challenges.prioritised"))
        == 2
    )


def test_regions_are_the_demo_organisations_real_regions(demo, session):
    known = set(session.scalars(select(Region.code)))
    demo_regions = {row[3] for row in DEMO_ORGANISATIONS}
    assert demo_regions <= known
    used = set(session.scalars(select(challenge_regions.c.region_code)))
    used |= set(session.scalars(select(Endorsement.region_code)))
    used |= set(session.scalars(select(GoodPractice.region_code)))
    assert None not in used and used <= demo_regions
    assert len(used) >= 15
    for practice in session.scalars(select(GoodPractice)):
        assert practice.region_code == practice.organisation.region_code


def test_practices_go_through_the_review(demo, session):
    coordinator = person(session, "coordinator@example.org")
    member = person(session, "member@example.org")
    practices = practices_of(session, "innovation-diffusion")
    practices += practices_of(session, "industrial-transition")
    helices = set()
    for practice in practices:
        reviews = practice.reviews
        if practice.status is not P.DRAFT:
            assert missing_to_submit(practice) == [], practice.title
            assert practice.contact_email.endswith("@example.org")
            assert practice.submitted_at is not None
        if practice.status in (P.PUBLISHED, P.WITHDRAWN):
            helices.add(practice.organisation.helix)
            assert practice.validated_by_id == coordinator.id and practice.published_at
            assert reviews[-1].decision is ReviewDecision.PUBLISHED
            assert practice.submitted_at <= practice.published_at
        if practice.status is P.PUBLISHED:
            assert practice.themes and practice.challenges, practice.title
            assert all(c.status in OPEN_CHALLENGES for c in practice.challenges)
        if practice.status is P.RETURNED:
            assert reviews[-1].decision is ReviewDecision.RETURNED and reviews[-1].comments
        if practice.status is P.WITHDRAWN:
            assert practice.withdrawn_at > practice.published_at
        assert all(r.reviewer_id == coordinator.id for r in reviews)
        assert all(
            link.url.startswith("https://") and not link.storage_key for link in practice.links
        )
    assert len(helices) == 4
    assert sum(1 for p in practices if p.links) >= 5
    assert any(len(p.reviews) == 2 and p.status is P.PUBLISHED for p in practices)
    assert {p.status for p in practices if p.author_id == member.id} == {P.DRAFT, P.RETURNED}
    # Published practices answer the challenges the group accepted.
    answered = {c.status for p in practices if p.status is P.PUBLISHED for c in p.challenges}
    assert S.ACCEPTED in answered and S.BEING_ADDRESSED in answered


def test_history_reads_in_order_and_the_pages_show_it(demo, session, client):
    coordinator = person(session, "coordinator@example.org")
    for challenge in challenges_of(session, "innovation-diffusion"):
        entries = list(
            session.scalars(
                select(AuditEntry)
                .where(
                    AuditEntry.record_type == "challenges",
                    AuditEntry.record_id == str(challenge.id),
                )
                .order_by(AuditEntry.at, AuditEntry.id)
            )
        )
        assert entries[0].action == "challenge.raised"
        assert entries[0].actor_id == challenge.raised_by_id
        assert entries[0].at == challenge.created_at
        decisions = [e for e in entries if e.action != "challenge.endorsed"][1:]
        assert all(e.actor_id == coordinator.id for e in decisions)
        assert all(e.at < LOADED for e in entries)
        if challenge.raised_at_meeting is not None:
            meeting = challenge.raised_at_meeting
            assert meeting.starts_at <= challenge.created_at <= meeting.ends_at, challenge.title

    accepted = next(c for c in challenges_of(session, "innovation-diffusion") if c.priority == 1)
    page = client.get(f"/challenges/{accepted.id}")
    assert page.status_code == 200
    proposed = next(
        c for c in challenges_of(session, "innovation-diffusion") if c.status is S.PROPOSED
    )
    assert client.get(f"/challenges/{proposed.id}").status_code == 404
    for path in (
        "/groups/innovation-diffusion/challenges/",
        "/groups/innovation-diffusion/practices/",
    ):
        assert client.get(path).status_code == 200, path
    published = next(
        p for p in practices_of(session, "innovation-diffusion") if p.status is P.PUBLISHED
    )
    html = client.get(f"/practices/{published.id}").get_data(as_text=True)
    assert published.title in html.replace("&#39;", "'") and published.contact_email not in html
