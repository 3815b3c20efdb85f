"""Small factories for test data; each builds the least a test needs and flushes."""

from __future__ import annotations

import itertools
import secrets
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from cop.activities.models import (
    Activity,
    ActivityExpert,
    ActivityKind,
    ActivityStatus,
    SupportRequest,
    SupportStatus,
)
from cop.calendar.models import CalendarFeedToken
from cop.challenges.models import (
    Challenge,
    ChallengeStatus,
    Endorsement,
    GoodPractice,
    PracticeStatus,
    Theme,
)
from cop.db import utcnow
from cop.meetings.models import (
    AttendanceMode,
    Audience,
    Meeting,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    Registration,
    RegistrationStatus,
)
from cop.members.models import (
    Helix,
    Invitation,
    Membership,
    MembershipStatus,
    Organisation,
    OrganisationKind,
    Region,
    Role,
    User,
    WorkingGroup,
)
from cop.members.services import GroupDetails, create_group
from cop.outcomes.models import (
    Outcome,
    OutcomeKind,
    OutcomeStatus,
    OutcomeVersion,
)
from cop.solutions.models import (
    Direction,
    Indicator,
    Measurement,
    Milestone,
    ProgressUpdate,
    Solution,
    SolutionStage,
    UpdateStatus,
)

_numbers = itertools.count(1)
# Hashing with scrypt is slow on purpose; tests share one hash of the common password.
_PASSWORD_HASHES: dict[str, str] = {}


def password_hash(password: str) -> str:
    if password not in _PASSWORD_HASHES:
        # A cheap scrypt cost for test accounts only; the app hashes with the full cost.
        _PASSWORD_HASHES[password] = generate_password_hash(password, method="scrypt:1024:8:1")
    return _PASSWORD_HASHES[password]


def make_user(
    session: Session,
    *,
    name: str | None = None,
    email: str | None = None,
    password: str = "correct horse battery staple",
    admin: bool = False,
    active: bool = True,
    organisation: Organisation | None = None,
    listed: bool = False,
    confirmed: bool = True,
) -> User:
    number = next(_numbers)
    user = User(
        name=name or f"Person {number}",
        email=(email or f"person{number}@example.org").lower(),
        password_hash=password_hash(password),
        is_admin=admin,
        active=active,
        organisation=organisation,
        listed=listed,
        email_confirmed_at=utcnow() if confirmed else None,
    )
    session.add(user)
    session.flush()
    return user


def make_group(session: Session, **overrides) -> WorkingGroup:
    number = next(_numbers)
    details = GroupDetails(
        **{
            "slug": f"group-{number}",
            "name": f"Working group {number}",
            "kickoff": date(2023, 6, 1),
            "summary": "A working group of the Community of Practice.",
            **overrides,
        }
    )
    return create_group(session, None, details)


def make_organisation(
    session: Session,
    *,
    name: str | None = None,
    helix: Helix = Helix.ACADEMIA_RESEARCH,
    kind: OrganisationKind = OrganisationKind.UNIVERSITY,
    region_code: str | None = "BE10",
) -> Organisation:
    """An organisation in a real NUTS-2 region (the suite loads the regions once)."""
    organisation = Organisation(
        name=name or f"Organisation {next(_numbers)}",
        helix=helix,
        kind=kind,
        region_code=region_code,
    )
    session.add(organisation)
    session.flush()
    return organisation


def make_membership(
    session: Session,
    user: User,
    group: WorkingGroup,
    *,
    role: Role = Role.MEMBER,
    status: MembershipStatus = MembershipStatus.ACTIVE,
    motivation: str = "I work on innovation diffusion in my region.",
) -> Membership:
    membership = Membership(user=user, group=group, role=role, status=status, motivation=motivation)
    session.add(membership)
    session.flush()
    return membership


def make_invitation(
    session: Session,
    group: WorkingGroup,
    *,
    email: str | None = None,
    invited_by: User | None = None,
    message: str = "",
    expires_in: timedelta = timedelta(days=30),
) -> Invitation:
    """An open invitation, written directly (no email); links come from invitation_token()."""
    now = utcnow()
    invitation = Invitation(
        group=group,
        email=(email or f"invitee{next(_numbers)}@example.org").lower(),
        invited_by=invited_by,
        message=message,
        created_at=now,
        expires_at=now + expires_in,
    )
    session.add(invitation)
    session.flush()
    return invitation


def make_meeting(
    session: Session,
    group: WorkingGroup,
    *,
    starts_in: timedelta = timedelta(days=30),
    hours: float = 6,
    **values,
) -> Meeting:
    """A published workshop of `group` (hybrid, 10 seats in the room, no limit online),
    starting `starts_in` from now, open for registration until then; `values` override."""
    starts_at = values.pop("starts_at", None) or (utcnow() + starts_in).replace(
        second=0, microsecond=0
    )
    kind = values.pop("kind", MeetingKind.WORKSHOP)
    defaults = dict(
        title=f"Meeting {next(_numbers)}",
        description="We compare how regions help SMEs adopt new technologies.",
        ends_at=starts_at + timedelta(hours=hours),
        timezone="Europe/Brussels",
        format=MeetingFormat.HYBRID,
        venue="Committee of the Regions",
        address="Rue Belliard 99-101, 1040 Brussels",
        online_url="https://meet.example.org/s3-workshop",
        capacity_in_person=10,
        capacity_online=None,
        audience=Audience.MEMBERS,
        status=MeetingStatus.PUBLISHED,
        cycle_slot=1 if kind is MeetingKind.PLENARY else None,
    )
    defaults.update(values)
    if defaults["status"] is not MeetingStatus.DRAFT:
        defaults.setdefault("published_at", utcnow() - timedelta(days=1))
    meeting = Meeting(group=group, kind=kind, starts_at=starts_at, **defaults)
    session.add(meeting)
    session.flush()
    return meeting


def make_registration(
    session: Session,
    meeting: Meeting,
    user: User | None = None,
    *,
    mode: AttendanceMode = AttendanceMode.IN_PERSON,
    status: RegistrationStatus = RegistrationStatus.CONFIRMED,
    queued_at: datetime | None = None,
    **values,
) -> Registration:
    """A registration written directly (no seat check, no email); a guest when `user` is None."""
    now = utcnow()
    if user is None:
        number = next(_numbers)
        values.setdefault("name", f"Guest {number}")
        values.setdefault("email", f"guest{number}@example.org")
    registration = Registration(
        meeting=meeting,
        user=user,
        mode=mode,
        status=status,
        queued_at=queued_at or now,
        confirmed_at=now if status is RegistrationStatus.CONFIRMED else None,
        **values,
    )
    session.add(registration)
    session.flush()
    return registration


def make_feed_token(
    session: Session,
    user: User,
    *,
    revoked: bool = False,
    created_at: datetime | None = None,
) -> CalendarFeedToken:
    """A calendar address (personal feed token) written directly, in force unless `revoked`;
    its feed is at /calendar/u/<token.token>.ics."""
    now = created_at or utcnow()
    token = CalendarFeedToken(
        user_id=user.id,
        token=secrets.token_urlsafe(32),
        created_at=now,
        revoked_at=now if revoked else None,
    )
    session.add(token)
    session.flush()
    return token


def make_theme(
    session: Session,
    group: WorkingGroup,
    *,
    name: str | None = None,
    position: int | None = None,
    retired: bool = False,
) -> Theme:
    """A theme of `group` written directly (no audit row), last in its list unless `position`."""
    theme = Theme(
        group=group,
        name=name or f"Theme {next(_numbers)}",
        position=position if position is not None else next(_numbers),
        retired_at=utcnow() if retired else None,
    )
    session.add(theme)
    session.flush()
    return theme


def make_challenge(
    session: Session,
    group: WorkingGroup,
    *,
    raised_by: User | None = None,
    status: ChallengeStatus = ChallengeStatus.PROPOSED,
    region_codes: tuple[str, ...] = ("BE10",),
    themes: tuple[Theme, ...] = (),
    **values,
) -> Challenge:
    """A challenge written directly (no audit row), facing the regions of `region_codes`."""
    values.setdefault("title", f"Challenge {next(_numbers)}")
    values.setdefault("description", "SMEs do not find the research they need nearby.")
    challenge = Challenge(
        group=group,
        raised_by=raised_by,
        status=status,
        regions=[session.get(Region, code) for code in region_codes],
        themes=list(themes),
        **values,
    )
    session.add(challenge)
    session.flush()
    return challenge


def make_endorsement(
    session: Session, challenge: Challenge, user: User, *, region_code: str | None = "BE10"
) -> Endorsement:
    """An endorsement written directly (no checks, the challenge's regions left as they are)."""
    endorsement = Endorsement(
        challenge=challenge, user=user, region_code=region_code, given_on_id=challenge.id
    )
    session.add(endorsement)
    session.flush()
    return endorsement


def make_practice(
    session: Session,
    group: WorkingGroup,
    *,
    author: User | None = None,
    status: PracticeStatus = PracticeStatus.PUBLISHED,
    region_code: str | None = "BE10",
    themes: tuple[Theme, ...] = (),
    challenges: tuple[Challenge, ...] = (),
    **values,
) -> GoodPractice:
    """A good practice written directly (no review, no audit row), published unless `status`."""
    values.setdefault("title", f"Practice {next(_numbers)}")
    values.setdefault("problem", "Few SMEs in the region used digital tools.")
    values.setdefault("what_was_done", "Vouchers paid for an audit and a first project.")
    if status is PracticeStatus.PUBLISHED:
        values.setdefault("published_at", utcnow())
    practice = GoodPractice(
        group=group,
        author=author,
        status=status,
        region_code=region_code,
        themes=list(themes),
        challenges=list(challenges),
        **values,
    )
    session.add(practice)
    session.flush()
    return practice


def make_activity(
    session: Session,
    group: WorkingGroup,
    *,
    kind: ActivityKind = ActivityKind.PEER_REVIEW,
    status: ActivityStatus = ActivityStatus.PLANNED,
    host_region_code: str | None = "BE10",
    challenges: tuple[Challenge, ...] = (),
    meetings: tuple[Meeting, ...] = (),
    experts: tuple[tuple[User, str], ...] = (),
    **values,
) -> Activity:
    """An activity written directly (no checks, no audit row, no notification); a completed
    one gets an evaluation unless `values` give one."""
    values.setdefault("title", f"Activity {next(_numbers)}")
    values.setdefault("purpose", "Peers review how the region supports SMEs' digitalisation.")
    if status is ActivityStatus.COMPLETED:
        values.setdefault("evaluation_learnt", "Vouchers work best with a coach.")
        values.setdefault("evaluation_changes", "We will add coaching to our voucher scheme.")
        values.setdefault("completed_at", utcnow())
    activity = Activity(
        group=group,
        kind=kind,
        status=status,
        host_region_code=host_region_code,
        challenges=list(challenges),
        meetings=list(meetings),
        experts=[ActivityExpert(user=user, role=role) for user, role in experts],
        **values,
    )
    session.add(activity)
    session.flush()
    return activity


def make_support_request(
    session: Session,
    challenge: Challenge,
    requester: User,
    *,
    region_code: str = "BE10",
    status: SupportStatus = SupportStatus.OPEN,
    activity: Activity | None = None,
    **values,
) -> SupportRequest:
    """A support request written directly (no checks, no email, no follow)."""
    values.setdefault("need", "Peers who ran voucher schemes for SMEs' digital projects.")
    request = SupportRequest(
        group_id=challenge.group_id,
        challenge=challenge,
        region_code=region_code,
        requester=requester,
        status=status,
        activity=activity,
        **values,
    )
    session.add(request)
    session.flush()
    return request


def make_solution(
    session: Session,
    group: WorkingGroup,
    owner: User,
    *,
    stage: SolutionStage = SolutionStage.CO_DEVELOPMENT,
    challenges: tuple[Challenge, ...] = (),
    region_codes: tuple[str, ...] = ("BE10",),
    co_owners: tuple[User, ...] = (),
    public: bool = False,
    **values,
) -> Solution:
    """A solution written directly (no checks, no audit row, no notification); a discontinued
    one gets a reason unless `values` give one."""
    values.setdefault("title", f"Solution {next(_numbers)}")
    values.setdefault("description", "Vouchers and coaching for SMEs' first digital project.")
    values.setdefault("starts_on", date(2025, 1, 1))
    if stage is SolutionStage.DISCONTINUED:
        values.setdefault("discontinue_reason", "The regions found a better instrument.")
    solution = Solution(
        group=group,
        owner=owner,
        stage=stage,
        public=public,
        challenges=list(challenges),
        regions=[session.get(Region, code) for code in region_codes],
        co_owners=list(co_owners),
        **values,
    )
    session.add(solution)
    session.flush()
    return solution


def make_milestone(
    session: Session, solution: Solution, *, due_on: date = date(2026, 6, 30), **values
) -> Milestone:
    values.setdefault("title", f"Milestone {next(_numbers)}")
    milestone = Milestone(solution=solution, due_on=due_on, **values)
    session.add(milestone)
    session.flush()
    return milestone


def make_indicator(
    session: Session,
    solution: Solution,
    *,
    direction: Direction = Direction.HIGHER,
    baseline: float = 10.0,
    target: float = 50.0,
    baseline_on: date = date(2025, 1, 1),
    target_on: date = date(2027, 12, 31),
    region_code: str | None = None,
    **values,
) -> Indicator:
    values.setdefault("name", f"SMEs with a digital project {next(_numbers)}")
    values.setdefault("unit", "SMEs")
    indicator = Indicator(
        solution=solution,
        direction=direction,
        baseline_value=baseline,
        target_value=target,
        baseline_on=baseline_on,
        target_on=target_on,
        region_code=region_code,
        **values,
    )
    session.add(indicator)
    session.flush()
    return indicator


def make_measurement(
    session: Session,
    indicator: Indicator,
    value: float,
    measured_on: date,
    *,
    region_code: str | None = None,
    **values,
) -> Measurement:
    values.setdefault("source", "Regional innovation agency survey")
    measurement = Measurement(
        indicator=indicator,
        value=value,
        measured_on=measured_on,
        region_code=region_code,
        **values,
    )
    session.add(measurement)
    session.flush()
    return measurement


def make_update(
    session: Session,
    solution: Solution,
    author: User,
    *,
    status: UpdateStatus = UpdateStatus.ON_TRACK,
    reported_on: date = date(2026, 11, 1),
    **values,
) -> ProgressUpdate:
    """A progress update written directly; the solution's status and last update follow it
    when it is the newest."""
    values.setdefault("narrative", "Twelve SMEs started their first digital project.")
    update = ProgressUpdate(
        solution=solution, author=author, status=status, reported_on=reported_on, **values
    )
    session.add(update)
    if solution.last_update_on is None or reported_on >= solution.last_update_on:
        solution.status = status
        solution.last_update_on = reported_on
    session.flush()
    return update


def make_outcome(
    session: Session,
    groups: WorkingGroup | tuple[WorkingGroup, ...],
    author: User,
    *,
    kind: OutcomeKind = OutcomeKind.LESSONS_LEARNT,
    published: bool = False,
    approver: User | None = None,
    region_codes: tuple[str, ...] = (),
    **values,
) -> Outcome:
    """An outcome written directly (no checks, no audit row, no notification), by `author`;
    with `published`, approved by `approver` (or the author) as version 1. `values` may set
    links (meetings=[...], solutions=[...], themes=[...]) and a status (a published one
    withdrawn needs `withdraw_reason`)."""
    values.setdefault("title", f"Outcome {next(_numbers)}")
    values.setdefault("summary", "What the regions learnt about SMEs' first digital projects.")
    values.setdefault("body", "## Lessons\n\nStart small, with **vouchers** and coaching.")
    group_list = list(groups) if isinstance(groups, tuple) else [groups]
    outcome = Outcome(
        kind=kind,
        groups=group_list,
        authors=[author],
        created_by=author,
        regions=[session.get(Region, code) for code in region_codes],
        named_regions=list(region_codes),
        **values,
    )
    session.add(outcome)
    session.flush()
    if published:
        now = utcnow()
        version = OutcomeVersion(
            outcome=outcome,
            number=1,
            kind=outcome.kind,
            title=outcome.title,
            summary=outcome.summary,
            body=outcome.body,
            licence=outcome.licence,
            # Named only with their consent to be listed, as approvals credit them.
            authors_text=author.name if author.listed and author.is_active else "",
            unnamed_authors=0 if author.listed and author.is_active else 1,
            named_author_ids=[author.id] if author.listed and author.is_active else [],
            approved_by_id=(approver or author).id,
            published_at=now,
        )
        session.add(version)
        session.flush()
        outcome.current_version_id = version.id
        if outcome.status is OutcomeStatus.DRAFT or outcome.status is None:
            outcome.status = OutcomeStatus.PUBLISHED
        outcome.first_published_at = now
        outcome.public_changed_at = now
        session.flush()
    return outcome
