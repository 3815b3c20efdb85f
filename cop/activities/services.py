"""The domain operations on peer-learning activities: a coordinator plans one (its challenges,
regions, meetings and experts), edits it, starts it, completes it with its evaluation or
cancels it with a reason, and records its outputs. Each checks permission, validates, writes
the audit and notification rows and flushes; the caller commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from cop import clock
from cop.activities.models import (
    Activity,
    ActivityExpert,
    ActivityKind,
    ActivityOutput,
    ActivityStatus,
    OutputKind,
)
from cop.audit.services import audited, record_change, snapshot
from cop.auth.permissions import require_coordinator, require_signed_in
from cop.challenges.models import GoodPractice, PracticeStatus
from cop.challenges.services import (
    MAX_DESCRIPTION,
    MAX_NOTE,
    MAX_TITLE,
    find_open_challenges,
    find_regions,
)
from cop.errors import Conflict, Invalid, NotFound
from cop.mail import follows
from cop.meetings.models import Meeting
from cop.members.membership import find_group
from cop.members.models import Membership, MembershipStatus, WorkingGroup
from cop.validation import Problems, check_choice, check_text, check_url

MAX_ROLE = 200
MAX_EXPERTS = 100
MAX_LINKED = 100  # meetings an activity names

ACTIVITY_FIELDS = (
    "kind",
    "title",
    "purpose",
    "host_region_code",
    "status",
    "evaluation_learnt",
    "evaluation_changes",
    "cancel_reason",
    "started_at",
    "completed_at",
    "cancelled_at",
)

# Activities whose plan may still change, and which may still be started, completed, cancelled.
UNDER_WAY = (ActivityStatus.PLANNED, ActivityStatus.RUNNING)


@dataclass(frozen=True)
class ActivityDetails:
    """What the activity form gives: ids and codes as the form sends them; experts as
    (user id, role) pairs, the id None for a role written with nobody chosen."""

    kind: ActivityKind | str = ActivityKind.PEER_REVIEW
    title: str = ""
    purpose: str = ""
    host_region_code: str | None = None
    region_codes: list[str] = field(default_factory=list)
    challenge_ids: list[int] = field(default_factory=list)
    meeting_ids: list[int] = field(default_factory=list)
    experts: list[tuple[int | None, str]] = field(default_factory=list)


def activity_path(activity: Activity) -> str:
    return url_for("activities.activity", activity_id=activity.id, _external=False)


def find_activity(session: Session, activity_id: int, *, lock: bool = False) -> Activity:
    query = select(Activity).where(Activity.id == activity_id)
    if lock:
        query = query.with_for_update()
    activity = session.scalar(query)
    if activity is None:
        raise NotFound(_("There is no such activity."))
    return activity


# --- Checking the form ------------------------------------------------------------------------


def _host_region(session: Session, code: str | None):
    if not (code or "").strip():
        return None
    try:
        (region,) = find_regions(session, [code])
    except Invalid:
        raise Invalid(_("Choose a region from the list."), field="host_region_code") from None
    return region


def _meetings(session: Session, group: WorkingGroup, ids: Iterable[int]) -> list[Meeting]:
    wanted = set(ids)
    if len(wanted) > MAX_LINKED:
        raise Invalid(_("Choose at most %(num)s meetings.", num=MAX_LINKED), field="meetings")
    found = list(session.scalars(select(Meeting).where(Meeting.id.in_(wanted))))
    if len(found) != len(wanted):
        raise Invalid(_("Choose meetings from the list."), field="meetings")
    if any(meeting.group_id != group.id for meeting in found):
        raise Invalid(
            _(
                "An activity is held as meetings of its own group: choose among %(group)s's.",
                group=group.name,
            ),
            field="meetings",
        )
    return sorted(found, key=lambda meeting: (meeting.starts_at, meeting.id))


def _experts(
    session: Session, group: WorkingGroup, experts: Iterable[tuple[int | None, str]]
) -> list[tuple[int, str]]:
    """The experts named, each an active member of the group, with their checked role."""
    chosen: dict[int, str] = {}
    for user_id, role in experts:
        if user_id in chosen:
            raise Invalid(_("Name each expert once."), field="experts")
        role = check_text(role, "experts", MAX_ROLE, refuse_control=True)
        if user_id is None:
            raise Invalid(
                _(
                    "Choose the person who is “%(role)s”, or clear that role.",
                    role=role,
                ),
                field="experts",
            )
        chosen[user_id] = role
    if len(chosen) > MAX_EXPERTS:
        raise Invalid(_("Name at most %(num)s experts.", num=MAX_EXPERTS), field="experts")
    members = set(
        session.scalars(
            select(Membership.user_id).where(
                Membership.group_id == group.id,
                Membership.user_id.in_(chosen),
                Membership.status == MembershipStatus.ACTIVE,
            )
        )
    )
    if set(chosen) - members:
        raise Invalid(
            _("Experts are chosen among the active members of %(group)s.", group=group.name),
            field="experts",
        )
    return list(chosen.items())


def _checked(
    session: Session, group: WorkingGroup, details: ActivityDetails, keep: Activity | None = None
) -> dict:
    """The checked values of the activity form, every problem with it at once."""
    problems = Problems()
    values = {
        "kind": problems.check(check_choice, ActivityKind, details.kind, "kind"),
        "title": problems.check(
            check_text, details.title, "title", MAX_TITLE, required=True, refuse_control=True
        ),
        "purpose": problems.check(
            check_text, details.purpose, "purpose", MAX_DESCRIPTION, refuse_control=True
        ),
        "host_region": problems.check(_host_region, session, details.host_region_code),
        "challenges": problems.check(
            find_open_challenges,
            session,
            group,
            details.challenge_ids,
            keep.challenges if keep else (),
        ),
        "meetings": problems.check(_meetings, session, group, details.meeting_ids),
        "experts": problems.check(_experts, session, group, details.experts),
    }
    try:
        regions = find_regions(session, list(details.region_codes))
    except Invalid as error:
        problems.add(error.message, "region_codes")
    else:
        # The host is the host; the others take part besides it.
        values["regions"] = [region for region in regions if region != values["host_region"]]
    problems.raise_found()
    return values


def _links(activity: Activity) -> dict:
    return {
        "challenge_ids": [challenge.id for challenge in activity.challenges],
        "region_codes": [region.code for region in activity.regions],
        "meeting_ids": [meeting.id for meeting in activity.meetings],
        "experts": {str(expert.user_id): expert.role for expert in activity.experts},
    }


def _challenge_keys(activity: Activity) -> list[tuple[str, int]]:
    return [(follows.CHALLENGE, challenge.id) for challenge in activity.challenges]


def _notify(
    session: Session,
    actor,
    activity: Activity,
    event: str,
    detail: str = "",
    *,
    challenges: bool = True,
    exclude_users: Iterable[int] = (),
) -> None:
    """Tell the activity's followers of `event`, but `exclude_users`; with `challenges`, also
    the followers of the challenges it addresses."""
    follows.notify(
        session,
        record=(follows.ACTIVITY, activity.id),
        event=event,
        title=activity.title,
        path=activity_path(activity),
        detail=detail,
        actor=actor,
        also_followers_of=_challenge_keys(activity) if challenges else (),
        exclude_users=exclude_users,
    )


def _tell_new_experts(session: Session, actor, activity: Activity, user_ids: set[int]) -> None:
    """Each person newly named an expert hears it, with their role: only them, one
    notification each (the other news of the same change is not sent to them)."""
    for expert in activity.experts:
        if expert.user_id in user_ids:
            follows.notify(
                session,
                record=(follows.ACTIVITY, activity.id),
                event="activity.expert_added",
                title=activity.title,
                path=activity_path(activity),
                detail=expert.role,
                actor=actor,
                also_users=[expert.user_id],
                among=[expert.user_id],
            )


def _group(session: Session, group) -> WorkingGroup:
    return group if isinstance(group, WorkingGroup) else find_group(session, group)


# --- Planning and editing ---------------------------------------------------------------------


def create_activity(session: Session, actor, group, details: ActivityDetails) -> Activity:
    """A coordinator plans an activity of the group. The coordinator and each expert follow
    it; the followers of the challenges it addresses hear of it."""
    group = _group(session, group)
    require_coordinator(session, actor, group)
    values = _checked(session, group, details)
    experts = values.pop("experts")
    activity = Activity(
        group=group,
        status=ActivityStatus.PLANNED,
        created_by=actor,
        experts=[ActivityExpert(user_id=user_id, role=role) for user_id, role in experts],
        **values,
    )
    session.add(activity)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="activity.created",
        record=activity,
        summary=f"Planned the activity {activity.title}",
        after={**snapshot(activity, ACTIVITY_FIELDS), **_links(activity)},
    )
    expert_ids = {user_id for user_id, _role in experts}
    follows.follow_by_ids(session, [actor.id, *expert_ids], follows.ACTIVITY, activity.id)
    # The experts hear that they are named in it, not that it is planned on a challenge
    # they follow.
    _notify(session, actor, activity, "activity.planned", exclude_users=expert_ids)
    _tell_new_experts(session, actor, activity, expert_ids)
    return activity


def _activity_to_manage(session: Session, actor, activity_id: int) -> Activity:
    activity = find_activity(session, activity_id, lock=True)
    require_coordinator(session, actor, activity.group)
    return activity


def why_not(activity: Activity, step: str) -> str | None:
    """Why the coordinators may not take `step` ("complete", "cancel", "outputs") on the
    activity as it now is, or None when they may: the pages send them back to the
    activity with this reason rather than show a form that can only fail."""
    if step == "outputs":
        if activity.status is ActivityStatus.CANCELLED:
            return _("This activity is cancelled: it has no outputs.")
        return None
    if activity.status is ActivityStatus.COMPLETED and step == "complete":
        return _("This activity is completed already: you may revise its evaluation.")
    if activity.status is ActivityStatus.COMPLETED:
        return _("This activity is completed: it can no longer be changed.")
    if activity.status is ActivityStatus.CANCELLED:
        return _("This activity is cancelled: it can no longer be changed.")
    if step == "complete" and activity.status is ActivityStatus.PLANNED:
        return _("This activity has not started yet: mark it as running before completing it.")
    return None


def _require_under_way(activity: Activity) -> None:
    if activity.status not in UNDER_WAY:
        raise Conflict(
            _("This activity is completed: it can no longer be changed.")
            if activity.status is ActivityStatus.COMPLETED
            else _("This activity is cancelled: it can no longer be changed.")
        )


def update_activity(
    session: Session, actor, activity_id: int, details: ActivityDetails
) -> Activity:
    """Change a planned or running activity. Its followers hear that it changed, and of each
    meeting added; new experts follow it and hear only that they are named in it."""
    activity = _activity_to_manage(session, actor, activity_id)
    _require_under_way(activity)
    values = _checked(session, activity.group, details, keep=activity)
    experts = dict(values.pop("experts"))
    before = {**snapshot(activity, ACTIVITY_FIELDS), **_links(activity)}
    old_meetings = {meeting.id for meeting in activity.meetings}
    for name, value in values.items():
        setattr(activity, name, value)
    present = {expert.user_id for expert in activity.experts}
    new_experts = [user_id for user_id in experts if user_id not in present]
    activity.experts = [expert for expert in activity.experts if expert.user_id in experts]
    for expert in activity.experts:
        expert.role = experts[expert.user_id]
    for user_id in new_experts:
        activity.experts.append(ActivityExpert(user_id=user_id, role=experts[user_id]))
    session.flush()
    after = {**snapshot(activity, ACTIVITY_FIELDS), **_links(activity)}
    if after == before:
        return activity
    record_change(
        session,
        actor=actor,
        action="activity.edited",
        record=activity,
        summary=f"Edited the activity {activity.title}",
        before=before,
        after=after,
    )
    follows.follow_by_ids(session, new_experts, follows.ACTIVITY, activity.id)
    newly_named = set(new_experts)
    _notify(
        session, actor, activity, "activity.changed", challenges=False, exclude_users=newly_named
    )
    for meeting in activity.meetings:
        # A draft meeting is for its coordinators: followers hear of it once it is published.
        if meeting.id not in old_meetings and meeting.public:
            _notify(
                session,
                actor,
                activity,
                "activity.meeting_added",
                meeting.title,
                challenges=False,
                exclude_users=newly_named,
            )
    _tell_new_experts(session, actor, activity, newly_named)
    return activity


# --- Status steps -----------------------------------------------------------------------------


def _step(session: Session, actor, activity: Activity, action: str, change, **noted) -> None:
    with audited(
        session, actor=actor, action=action, record=activity, fields=ACTIVITY_FIELDS,
        summary=f"{action.split('.')[1].capitalize()} the activity {activity.title}", noted=noted,
    ):  # fmt: skip
        change()


def start_activity(session: Session, actor, activity_id: int) -> Activity:
    """A planned activity is running. Pressed twice, or on a stale page: Conflict."""
    activity = _activity_to_manage(session, actor, activity_id)
    if activity.status is not ActivityStatus.PLANNED:
        raise Conflict(_("This activity is no longer planned: see its status."))

    def change():
        activity.status = ActivityStatus.RUNNING
        activity.started_at = clock.now()

    _step(session, actor, activity, "activity.started", change)
    _notify(session, actor, activity, "activity.started")
    return activity


def complete_activity(
    session: Session, actor, activity_id: int, learnt: str, changes: str
) -> Activity:
    """A running activity is completed, with what its participants learnt and what they will
    change. A planned one is started first: its meetings have not happened yet."""
    activity = _activity_to_manage(session, actor, activity_id)
    refused = why_not(activity, "complete")
    if refused:
        raise Conflict(refused)
    learnt, changes = _evaluation(learnt, changes)

    def change():
        now = clock.now()
        activity.status = ActivityStatus.COMPLETED
        activity.evaluation_learnt = learnt
        activity.evaluation_changes = changes
        activity.started_at = activity.started_at or now
        activity.completed_at = now

    _step(session, actor, activity, "activity.completed", change)
    _notify(session, actor, activity, "activity.completed", learnt)
    return activity


def _evaluation(learnt: str, changes: str) -> tuple[str, str]:
    """The two checked texts of an evaluation, both required; both problems at once."""
    problems = Problems()
    learnt = problems.check(
        check_text, learnt, "learnt", MAX_DESCRIPTION, required=True, refuse_control=True
    )
    changes = problems.check(
        check_text, changes, "changes", MAX_DESCRIPTION, required=True, refuse_control=True
    )
    problems.raise_found()
    return learnt, changes


def revise_evaluation(
    session: Session, actor, activity_id: int, learnt: str, changes: str
) -> Activity:
    """The coordinators correct the evaluation of a completed activity (the same checks as on
    completing it). An audit row records the change (none when nothing changed); nobody is
    notified: the activity's news was its completion."""
    activity = _activity_to_manage(session, actor, activity_id)
    if activity.status is not ActivityStatus.COMPLETED:
        raise Conflict(_("Only the evaluation of a completed activity can be revised."))
    learnt, changes = _evaluation(learnt, changes)
    if (learnt, changes) == (activity.evaluation_learnt, activity.evaluation_changes):
        return activity
    with audited(
        session,
        actor=actor,
        action="activity.evaluation_revised",
        record=activity,
        fields=("evaluation_learnt", "evaluation_changes"),
        summary=f"Revised the evaluation of the activity {activity.title}",
    ):
        activity.evaluation_learnt = learnt
        activity.evaluation_changes = changes
    return activity


def cancel_activity(session: Session, actor, activity_id: int, reason: str) -> Activity:
    """A planned or running activity will not take place (or go on); it stays readable, with
    the reason."""
    activity = _activity_to_manage(session, actor, activity_id)
    refused = why_not(activity, "cancel")
    if refused:
        raise Conflict(refused)
    reason = check_text(reason, "reason", MAX_NOTE, required=True, refuse_control=True)

    def change():
        activity.status = ActivityStatus.CANCELLED
        activity.cancel_reason = reason
        activity.cancelled_at = clock.now()

    _step(session, actor, activity, "activity.cancelled", change)
    _notify(session, actor, activity, "activity.cancelled", reason)
    return activity


# --- Outputs ----------------------------------------------------------------------------------


def same_address(url: str) -> str:
    """A web address as compared for duplicates: stripped, its scheme and host in lower case
    (they are case-insensitive); the path and query kept as typed."""
    parts = urlsplit(url.strip())
    return urlunsplit(parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()))


def add_output(
    session: Session,
    actor,
    activity_id: int,
    *,
    practice_id: int | None = None,
    title: str = "",
    url: str = "",
) -> ActivityOutput:
    """Record what the activity produced: a published good practice of its group (by id), or
    else a document (a title and an http(s) address)."""
    activity = _activity_to_manage(session, actor, activity_id)
    refused = why_not(activity, "outputs")
    if refused:
        raise Conflict(refused)
    if practice_id is not None:
        practice = session.get(GoodPractice, practice_id)
        if (
            practice is None
            or practice.group_id != activity.group_id
            or practice.status is not PracticeStatus.PUBLISHED
        ):
            raise Invalid(_("Choose one of the group's published practices."), field="practice")
        if any(
            output.practice_id == practice.id and output.withdrawn_at is None
            for output in activity.outputs
        ):
            raise Invalid(
                _("This practice is already an output of the activity."), field="practice"
            )
        output = ActivityOutput(
            activity=activity, kind=OutputKind.PRACTICE, practice=practice, title=practice.title
        )
    else:
        problems = Problems()
        title = problems.check(
            check_text, title, "title", MAX_TITLE, required=True, refuse_control=True
        )
        url = problems.check(check_url, url, "url")
        if url == "":
            problems.add(_("Please fill in this field."), "url")
        elif url and any(
            output.kind is OutputKind.DOCUMENT
            and output.withdrawn_at is None
            and same_address(output.url) == same_address(url)
            for output in activity.outputs
        ):
            problems.add(_("This document is already an output of the activity."), "url")
        problems.raise_found()
        output = ActivityOutput(activity=activity, kind=OutputKind.DOCUMENT, title=title, url=url)
    output.added_by_id = actor.id
    session.add(output)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="activity.output_added",
        record=activity,
        summary=f"Added the output {output.title} to the activity {activity.title}",
        after={
            "output_id": output.id,
            "kind": output.kind.value,
            "practice_id": output.practice_id,
            "title": output.title,
            "url": output.url,
        },
    )
    _notify(session, actor, activity, "activity.output_added", output.title, challenges=False)
    return output


def withdraw_output(session: Session, actor, output_id: int) -> ActivityOutput:
    """Take an output off the activity's page; it is kept, marked withdrawn."""
    output = session.scalar(
        select(ActivityOutput).where(ActivityOutput.id == output_id).with_for_update()
    )
    if output is None:
        raise NotFound(_("There is no such output."))
    activity = _activity_to_manage(session, actor, output.activity_id)
    if output.withdrawn_at is not None:
        raise Conflict(_("This output is already withdrawn."))
    output.withdrawn_at = clock.now()
    session.flush()
    record_change(
        session,
        actor=actor,
        action="activity.output_withdrawn",
        record=activity,
        summary=f"Withdrew the output {output.title} of the activity {activity.title}",
        before={"output_id": output.id, "withdrawn": False},
        after={"output_id": output.id, "withdrawn": True},
    )
    return output


# --- Following --------------------------------------------------------------------------------


def follow_activity(session: Session, actor, activity_id: int, *, following: bool) -> Activity:
    """The person follows the activity (every activity is public), or stops following it;
    doing it again changes nothing."""
    require_signed_in(actor)
    activity = find_activity(session, activity_id)
    if following:
        follows.follow(session, actor, follows.ACTIVITY, activity.id)
    else:
        follows.unfollow(session, actor, follows.ACTIVITY, activity.id)
    return activity
