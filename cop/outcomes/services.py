"""The domain operations on outcomes: members write one (a draft) in their groups, with the
records it draws on; its authors or its groups' coordinators submit it for review; another
coordinator of one of its groups (or an admin) approves it, which publishes a new numbered
version, or returns it with a comment; its groups' coordinators withdraw it with a reason.
Members follow their groups' new outcomes. Each checks permission, validates, writes the
audit and notification rows and flushes; the caller commits.

What the public reads changes only at an approval: the text is snapshotted in a version;
the link tables (groups, themes, regions, the records it draws on) are a never-published
outcome's draft choices, and once it is public a revision's choices wait in
`Outcome.pending_links` until approved; files wait for their `published_at`. Its regions are
those its authors name and those of the *public* records it draws on, recomputed at each
approval. Whoever changes the working copy is kept in `Outcome.editors` until the next
approval: they may not review it. Versions name only the authors who agreed to be listed.

(Meeting reports are started in meeting_report.py, files kept in files.py.)"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select, true, update
from sqlalchemy.orm import Session, selectinload

from cop import clock
from cop.activities.models import Activity
from cop.audit.models import AuditEntry
from cop.audit.services import record_change, snapshot
from cop.auth.permissions import require_member, require_signed_in, standing
from cop.challenges.models import Challenge, GoodPractice, PracticeStatus, Theme
from cop.challenges.search import PUBLIC_CHALLENGES
from cop.challenges.services import find_regions
from cop.errors import Conflict, Invalid, NotAllowed, NotFound
from cop.mail import follows
from cop.meetings.models import Meeting
from cop.members.membership import find_group
from cop.members.models import Membership, MembershipStatus, Region, Role, User, WorkingGroup
from cop.outcomes.access import (
    find_outcome,
    may_read,
    may_withdraw,
    outcome_standing,
    require_editor,
    require_reviewer,
)
from cop.outcomes.models import (
    DEFAULT_LICENCE,
    LICENCES,
    Outcome,
    OutcomeFile,
    OutcomeKind,
    OutcomeStatus,
    OutcomeVersion,
    outcome_authors,
)
from cop.solutions.models import Solution
from cop.validation import Problems, check_choice, check_text

MAX_TITLE = 200
MAX_SUMMARY = 1000
MAX_BODY = 100_000
MAX_NOTE = 500  # a change note (OutcomeVersion.change_note)
MAX_COMMENT = 5000  # a reviewer's comment, a withdrawal's reason
MAX_GROUPS = 10
MAX_AUTHORS = 30
MAX_LINKS = 100  # records of each kind an outcome draws on

OUTCOME_FIELDS = ("kind", "title", "summary", "body", "licence")
STATE_FIELDS = ("status", "current_version_id", "withdraw_reason", "review_comment")
# The linked records: the Outcome relationship, its model, the OutcomeDetails (and
# pending_links) key of their ids.
LINKS = (
    ("groups", WorkingGroup, "group_ids"),
    ("meetings", Meeting, "meeting_ids"),
    ("challenges", Challenge, "challenge_ids"),
    ("practices", GoodPractice, "practice_ids"),
    ("activities", Activity, "activity_ids"),
    ("solutions", Solution, "solution_ids"),
    ("themes", Theme, "theme_ids"),
)
# What the link's records are sorted by (as the relationships order them).
_ORDER = {"meetings": lambda meeting: (meeting.starts_at, meeting.id)}


@dataclass
class OutcomeDetails:
    """What the outcome form gives. Problems name the fields `kind`, `title`, `summary`,
    `body`, `licence`, `group_ids`, `author_ids`, `meeting_ids`, `challenge_ids`,
    `practice_ids`, `activity_ids`, `solution_ids`, `theme_ids` and `region_codes`."""

    kind: OutcomeKind
    title: str
    summary: str
    body: str
    group_ids: list[int]
    author_ids: list[int]
    licence: str = DEFAULT_LICENCE
    meeting_ids: list[int] = field(default_factory=list)
    challenge_ids: list[int] = field(default_factory=list)
    practice_ids: list[int] = field(default_factory=list)
    activity_ids: list[int] = field(default_factory=list)
    solution_ids: list[int] = field(default_factory=list)
    theme_ids: list[int] = field(default_factory=list)
    region_codes: list[str] = field(
        default_factory=list
    )  # the service adds linked records' regions


def outcome_path(outcome: Outcome) -> str:
    return url_for("outcomes.outcome", outcome_id=outcome.id, _external=False)


# --- Checking the form ------------------------------------------------------------------------


def _wanted(ids: Iterable, name: str, limit: int = MAX_LINKS) -> set:
    wanted = set(ids or ())
    if len(wanted) > limit:
        raise Invalid(_("Choose at most %(num)s.", num=limit), field=name)
    return wanted


def _groups(
    session: Session, actor, ids: Iterable[int], keep: Iterable[WorkingGroup]
) -> list[WorkingGroup]:
    """The outcome's groups: at least one; each one it does not have yet is active (not
    archived) and the person putting it there is an active member of it (admins anywhere)."""
    wanted = _wanted(ids, "group_ids", MAX_GROUPS)
    if not wanted:
        raise Invalid(_("Choose at least one working group."), field="group_ids")
    kept = [group for group in keep if group.id in wanted]
    new = wanted - {group.id for group in kept}
    groups = list(session.scalars(select(WorkingGroup).where(WorkingGroup.id.in_(new))))
    if len(groups) != len(new) or any(group.archived for group in groups):
        raise Invalid(_("Choose among the working groups that are active."), field="group_ids")
    if new and not actor.is_admin:
        mine = set(
            session.scalars(
                select(Membership.group_id).where(
                    Membership.user_id == actor.id,
                    Membership.group_id.in_(new),
                    Membership.status == MembershipStatus.ACTIVE,
                )
            )
        )
        if new - mine:
            raise Invalid(
                _("You may only put an outcome in the working groups you are a member of."),
                field="group_ids",
            )
    return sorted(kept + groups, key=lambda group: group.id)


def _authors(
    session: Session, group_ids: set[int], ids: list[int], keep: Iterable[User]
) -> list[User]:
    """The authors in the order given: at least one, each an active member of one of the
    outcome's groups (those it already credits stay though they left since)."""
    order = list(dict.fromkeys(ids))
    if not order:
        raise Invalid(_("Name at least one author."), field="author_ids")
    if len(order) > MAX_AUTHORS:
        raise Invalid(_("Name at most %(num)s authors.", num=MAX_AUTHORS), field="author_ids")
    kept = {user.id: user for user in keep if user.id in order}
    new = set(order) - set(kept)
    found = {user.id: user for user in session.scalars(select(User).where(User.id.in_(new)))}
    # Admins count as members of every group (as permissions.standing_with says).
    members = {user_id for user_id, user in found.items() if user.is_admin}
    if new - members and group_ids:
        members |= set(
            session.scalars(
                select(Membership.user_id).where(
                    Membership.user_id.in_(new - members),
                    Membership.group_id.in_(group_ids),
                    Membership.status == MembershipStatus.ACTIVE,
                )
            )
        )
    if new - members:
        raise Invalid(
            _("Authors are chosen among the active members of the outcome's groups."),
            field="author_ids",
        )
    users = {**kept, **found}
    return [users[user_id] for user_id in order]


def _linked(session: Session, model, ids, name: str, keep, allowed) -> list:
    """The records of `model` named by `ids`: each one the outcome does not have yet must
    pass `allowed` (a condition: of one of its groups, readable by the person); else Invalid
    on `name`, whatever the reason (a forged id learns nothing)."""
    wanted = _wanted(ids, name)
    kept = [record for record in keep if record.id in wanted]
    new = wanted - {record.id for record in kept}
    found = list(session.scalars(select(model).where(model.id.in_(new), allowed))) if new else []
    if len(found) != len(new):
        raise Invalid(
            _("Choose among the records of the outcome's groups that you may read."), field=name
        )
    return sorted(kept + found, key=lambda record: record.id)


def _coordinated(session: Session, actor, group_ids: set[int]) -> set[int]:
    if actor.is_admin:
        return set(group_ids)
    return set(
        session.scalars(
            select(Membership.group_id).where(
                Membership.user_id == actor.id,
                Membership.group_id.in_(group_ids),
                Membership.status == MembershipStatus.ACTIVE,
                Membership.role == Role.COORDINATOR,
            )
        )
    )


def _derived_regions(values: dict) -> set[str]:
    """The regions of the public records an outcome draws on (as each package says what is
    public): its public solutions' deploying regions, its published practices' regions, the
    regions facing its accepted (or later) challenges, its activities' (all public) host and
    participating regions. A members-only record's regions are never published through it."""
    codes: set[str] = set()
    for solution in values.get("solutions") or ():
        if solution.public:
            codes.update(region.code for region in solution.regions)
    for practice in values.get("practices") or ():
        if practice.region_code and practice.status is PracticeStatus.PUBLISHED:
            codes.add(practice.region_code)
    for challenge in values.get("challenges") or ():
        if challenge.status in PUBLIC_CHALLENGES:
            codes.update(region.code for region in challenge.regions)
    for activity in values.get("activities") or ():
        if activity.host_region_code:
            codes.add(activity.host_region_code)
        codes.update(region.code for region in activity.regions)
    return codes


def _checked(session: Session, actor, details: OutcomeDetails, keep: dict | None) -> dict:
    """The checked values of the outcome form, every problem with it at once. `keep`: the
    records the outcome has already (`authors` and each link's name: see kept_links), which
    stay though the person could not link them now."""
    keep = keep or {}
    problems = Problems()
    values = {
        "kind": problems.check(check_choice, OutcomeKind, details.kind, "kind"),
        "title": problems.check(
            check_text, details.title, "title", MAX_TITLE, required=True, refuse_control=True
        ),
        "summary": problems.check(
            check_text, details.summary, "summary", MAX_SUMMARY, refuse_control=True
        ),
        "body": problems.check(check_text, details.body, "body", MAX_BODY, refuse_control=True),
    }
    if details.licence not in LICENCES:
        problems.add(_("Choose one of the licences offered."), "licence")
    else:
        values["licence"] = details.licence
    groups = problems.check(_groups, session, actor, details.group_ids, keep.get("groups", ()))
    if groups is None:
        # Authors and links are checked against the groups: say first which groups.
        problems.raise_found()
    group_ids = {group.id for group in groups}
    values["groups"] = groups
    values["authors"] = problems.check(
        _authors, session, group_ids, list(details.author_ids), keep.get("authors", ())
    )
    coordinated = _coordinated(session, actor, group_ids) if group_ids else set()

    def linked(model, ids, name, keep_records, readable):
        return problems.check(
            _linked,
            session,
            model,
            ids,
            name,
            keep_records,
            model.group_id.in_(group_ids) & readable,
        )

    values["meetings"] = linked(
        Meeting,
        details.meeting_ids,
        "meeting_ids",
        keep.get("meetings", ()),
        Meeting.public | Meeting.group_id.in_(coordinated),
    )
    values["challenges"] = linked(
        Challenge,
        details.challenge_ids,
        "challenge_ids",
        keep.get("challenges", ()),
        true(),
    )
    values["practices"] = linked(
        GoodPractice,
        details.practice_ids,
        "practice_ids",
        keep.get("practices", ()),
        (GoodPractice.status == PracticeStatus.PUBLISHED)
        | (GoodPractice.author_id == actor.id)
        | GoodPractice.group_id.in_(coordinated),
    )
    values["activities"] = linked(
        Activity,
        details.activity_ids,
        "activity_ids",
        keep.get("activities", ()),
        true(),
    )
    values["solutions"] = linked(
        Solution,
        details.solution_ids,
        "solution_ids",
        keep.get("solutions", ()),
        true(),
    )
    values["themes"] = linked(
        Theme,
        details.theme_ids,
        "theme_ids",
        keep.get("themes", ()),
        Theme.retired_at.is_(None),
    )
    named = problems.check(find_regions, session, list(details.region_codes or ()))
    problems.raise_found()
    values["named_regions"] = sorted({region.code for region in named or ()})
    values["regions"] = _regions(session, values["named_regions"], values)
    return values


def _code(region: Region) -> str:
    return region.code


def _regions(session: Session, named: Iterable[str], records: dict) -> list[Region]:
    """The regions an outcome concerns: those its authors name and those of the public
    records it draws on (`records`: each link's name -> its records)."""
    codes = set(named or ()) | _derived_regions(records)
    if not codes:
        return []
    return sorted(session.scalars(select(Region).where(Region.code.in_(codes))), key=_code)


def _ids(records: dict) -> dict:
    """The ids of each link's records (OutcomeDetails keys), sorted (groups by id too)."""
    return {key: sorted(record.id for record in records.get(name) or ()) for name, _m, key in LINKS}


def named_region_codes(outcome: Outcome) -> list[str]:
    """The regions its authors name (the working copy's): those kept, else (an outcome
    written before they were kept) all its regions."""
    if outcome.named_regions is not None:
        return list(outcome.named_regions)
    return sorted(region.code for region in outcome.regions)


def pending_records(session: Session, outcome: Outcome) -> dict | None:
    """A public outcome's revision's linked records, each link's name -> its records (one
    query per kind it names; solutions, challenges and activities with their regions); None
    when no revision is pending."""
    pending = outcome.pending_links
    if pending is None:
        return None
    loaders = {
        "challenges": (selectinload(Challenge.regions),),
        "activities": (selectinload(Activity.regions),),
        "solutions": (selectinload(Solution.regions),),
    }
    records = {}
    for name, model, key in LINKS:
        ids = [int(value) for value in pending.get(key) or ()]
        found = (
            list(
                session.scalars(
                    select(model).where(model.id.in_(ids)).options(*loaders.get(name, ()))
                )
            )
            if ids
            else []
        )
        records[name] = sorted(found, key=_ORDER.get(name, lambda record: record.id))
    return records


def working_links(session: Session, outcome: Outcome) -> dict:
    """The working copy's linked records (each link's name -> its records, and `regions`):
    a pending revision's choices, else the link tables'."""
    pending = pending_records(session, outcome)
    if pending is None:
        return {name: list(getattr(outcome, name)) for name, _m, _k in LINKS} | {
            "regions": list(outcome.regions)
        }
    return pending | {"regions": _regions(session, named_region_codes(outcome), pending)}


def links_changed(outcome: Outcome) -> bool:
    """Whether a pending revision changes what the public reads of the outcome's links (its
    groups, themes, the records it draws on, its regions): no query once its links are
    loaded."""
    pending = outcome.pending_links
    if pending is None:
        return False
    published = _ids({name: getattr(outcome, name) for name, _m, _k in LINKS})
    for _name, _model, key in LINKS:
        if sorted(int(value) for value in pending.get(key) or ()) != published[key]:
            return True
    if "regions" not in pending:
        return True  # (saved before the regions were kept with it: say so, to be safe)
    return sorted(pending["regions"]) != sorted(region.code for region in outcome.regions)


def same_as_published(outcome: Outcome) -> bool:
    """Whether a public outcome's working copy would publish nothing new: the text, kind,
    licence and credited authors of its current version, no pending change of its links and
    no file waiting for an approval."""
    version = outcome.current_version
    if version is None:
        return False
    if any(getattr(outcome, name) != getattr(version, name) for name in OUTCOME_FIELDS):
        return False
    named, unnamed = credits(outcome.authors)
    if [user.id for user in named] != list(version.named_author_ids or ()):
        return False
    if unnamed != (version.unnamed_authors or 0):
        return False
    if links_changed(outcome):
        return False
    return not any(f.published_at is None and f.withdrawn_at is None for f in outcome.files)


def kept_links(session: Session, outcome: Outcome) -> dict:
    """What the outcome has already, to check a change of it against: its authors and, for
    each link, the records of its link tables and of its pending revision."""
    pending = pending_records(session, outcome) or {}
    kept = {"authors": list(outcome.authors)}
    for name, _model, _key in LINKS:
        records = {record.id: record for record in getattr(outcome, name)}
        records.update({record.id: record for record in pending.get(name, ())})
        kept[name] = list(records.values())
    return kept


def _state_of(fields: dict, authors: list, links: dict, named: list[str]) -> dict:
    """An outcome's working copy as the audit log keeps it."""
    return {
        # (As snapshot keeps them: an enum by its value, so that an unchanged form compares
        # equal to the saved outcome.)
        **{name: getattr(fields[name], "value", fields[name]) for name in OUTCOME_FIELDS},
        "author_ids": [user.id for user in authors],
        **links,
        "region_codes": sorted(named),
    }


def _state(session: Session, outcome: Outcome) -> dict:
    links = outcome.pending_links
    if links is None:
        links = _ids({name: getattr(outcome, name) for name, _m, _k in LINKS})
    else:
        links = {key: sorted(links.get(key) or ()) for _n, _m, key in LINKS}
    return _state_of(
        snapshot(outcome, OUTCOME_FIELDS),
        list(outcome.authors),
        links,
        named_region_codes(outcome),
    )


def mark_editor(session: Session, outcome: Outcome, actor) -> None:
    """Keep that the person changed the working copy: they may not review it until it is
    approved."""
    if actor.id not in outcome.editor_ids:
        outcome.editors.append(session.get(User, actor.id) or actor)


def credits(authors: Iterable[User]) -> tuple[list[User], int]:
    """The authors a version names (those who agreed to be listed, whose account is active,
    within the length of `authors_text`) and how many others it credits unnamed."""
    authors = list(authors)
    named: list[User] = []
    length = 0
    for user in authors:
        if not (user.listed and user.is_active):
            continue
        extra = len(user.name) + (2 if named else 0)
        if length + extra > 1000:
            break
        named.append(user)
        length += extra
    return named, len(authors) - len(named)


def credit_authors(session: Session, outcome: Outcome) -> None:
    """Write the authors' order (the link table's `position`) as the form gave it."""
    session.flush()
    for position, user in enumerate(outcome.authors):
        session.execute(
            update(outcome_authors)
            .where(
                outcome_authors.c.outcome_id == outcome.id,
                outcome_authors.c.user_id == user.id,
            )
            .values(position=position)
        )


# --- Writing ------------------------------------------------------------------------------------


def create_outcome(session: Session, actor, details: OutcomeDetails) -> Outcome:
    """A member writes an outcome (a draft) in groups they belong to (an admin in any); its
    creator is an author unless the form names others. Its authors and creator follow it."""
    require_signed_in(actor)
    if not details.author_ids:
        details = replace(details, author_ids=[actor.id])
    values = _checked(session, actor, details, None)
    outcome = Outcome(
        status=OutcomeStatus.DRAFT,
        created_by_id=actor.id,
        **values,
    )
    session.add(outcome)
    credit_authors(session, outcome)
    mark_editor(session, outcome, actor)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="outcome.created",
        record=outcome,
        summary=f"Wrote the outcome {outcome.title}",
        after=_state(session, outcome),
    )
    follows.follow_by_ids(session, outcome.author_ids, follows.OUTCOME, outcome.id)
    return outcome


def update_outcome(session: Session, actor, outcome: Outcome, details: OutcomeDetails) -> Outcome:
    """Its authors or its groups' coordinators change the working copy (not while it is in
    review, nor once withdrawn); they may not review it then. A published outcome's change is
    a revision: the working copy goes back to draft, to be reviewed again, while the public
    still reads its current version, its groups, themes, regions and links (the revision's
    choices wait in `pending_links` for the approval). Saving it unchanged writes nothing."""
    return change_outcome(session, actor, outcome, details)[0]


def change_outcome(
    session: Session, actor, outcome: Outcome, details: OutcomeDetails
) -> tuple[Outcome, bool]:
    """As update_outcome, and whether anything changed (False: nothing was written, not even
    a revision of a published outcome)."""
    outcome = find_outcome(session, outcome.id, lock=True)
    require_editor(session, actor, outcome)
    values = _checked(session, actor, details, kept_links(session, outcome))
    before = _state(session, outcome)
    links = _ids(values)
    after = _state_of(values, values["authors"], links, values["named_regions"])
    if after == before:
        return outcome, False
    for name in (*OUTCOME_FIELDS, "authors", "named_regions"):
        setattr(outcome, name, values[name])
    if outcome.is_public:
        regions = [region.code for region in values["regions"]]
        published = _ids({name: getattr(outcome, name) for name, _m, _k in LINKS})
        same = links == published and regions == [region.code for region in outcome.regions]
        # A revision that keeps what the public reads of its links has none pending: its
        # page then says only that its text changed.
        outcome.pending_links = (
            None if same else {**links, "region_codes": values["named_regions"], "regions": regions}
        )
    else:
        for name, _model, _key in LINKS:
            setattr(outcome, name, values[name])
        outcome.regions = values["regions"]
    credit_authors(session, outcome)
    mark_editor(session, outcome, actor)
    session.flush()
    revision = outcome.status is OutcomeStatus.PUBLISHED
    if revision:
        outcome.status = OutcomeStatus.DRAFT
        session.flush()
    record_change(
        session,
        actor=actor,
        action="outcome.revised" if revision else "outcome.edited",
        record=outcome,
        summary=f"Edited the outcome {outcome.title}",
        before=before,
        after=after,
    )
    follows.follow_by_ids(session, outcome.author_ids, follows.OUTCOME, outcome.id)
    return outcome, True


# --- Review -------------------------------------------------------------------------------------


def _readable_for_change(session: Session, actor, outcome_id: int) -> Outcome:
    """The outcome, locked; NotFound for one the person may not read."""
    require_signed_in(actor)
    outcome = find_outcome(session, outcome_id, lock=True)
    if not may_read(outcome_standing(session, actor, outcome), outcome):
        raise NotFound(_("There is no such outcome."))
    return outcome


def nothing_to_submit() -> str:
    """Why a revision identical to the published version is not submitted."""
    return _(
        "The working copy is the same as the published version: there is nothing to submit."
        " Change it first."
    )


def missing_to_submit(outcome: Outcome) -> list[tuple[str, str]]:
    """What the working copy lacks before review: (field, message)."""
    missing = []
    if not outcome.title.strip():
        missing.append(("title", _("Give the outcome a title before submitting it.")))
    if not (outcome.summary or "").strip():
        missing.append(("summary", _("Write a summary before submitting the outcome.")))
    if not (outcome.body or "").strip():
        missing.append(("body", _("Write the text of the outcome before submitting it.")))
    return missing


def _coordinator_ids(session: Session, outcome: Outcome) -> list[int]:
    return list(
        session.scalars(
            select(Membership.user_id)
            .where(
                Membership.group_id.in_([group.id for group in outcome.groups]),
                Membership.status == MembershipStatus.ACTIVE,
                Membership.role == Role.COORDINATOR,
            )
            .distinct()
        )
    )


def submit_outcome(session: Session, actor, outcome: Outcome, change_note: str = "") -> Outcome:
    """Its editors send the working copy to review, with a note of what changed (kept with the
    version it becomes). Its groups' coordinators who may review it hear of it."""
    outcome = _readable_for_change(session, actor, outcome.id)
    if outcome.status is OutcomeStatus.IN_REVIEW:
        raise Conflict(_("This outcome is in review already."))
    require_editor(session, actor, outcome)
    if outcome.status is OutcomeStatus.PUBLISHED:
        raise Conflict(_("This outcome is published as it is: edit it first to submit a revision."))
    if same_as_published(outcome):
        raise Conflict(nothing_to_submit())
    problems = Problems()
    for name, message in missing_to_submit(outcome):
        problems.add(message, name)
    note = problems.check(check_text, change_note, "change_note", MAX_NOTE, refuse_control=True)
    problems.raise_found()
    before = snapshot(outcome, STATE_FIELDS)
    outcome.status = OutcomeStatus.IN_REVIEW
    outcome.submitted_by_id = actor.id
    outcome.submitted_at = clock.now()
    outcome.review_comment = ""
    session.flush()
    record_change(
        session,
        actor=actor,
        action="outcome.submitted",
        record=outcome,
        summary=f"Submitted the outcome {outcome.title} for review",
        before=before,
        after={**snapshot(outcome, STATE_FIELDS), "change_note": note or ""},
    )
    reviewers = [
        user_id
        for user_id in _coordinator_ids(session, outcome)
        if user_id not in outcome.author_ids and user_id not in outcome.editor_ids
    ]
    if reviewers:
        follows.notify(
            session,
            record=(follows.OUTCOME, outcome.id),
            event="outcome.submitted",
            title=outcome.title,
            path=outcome_path(outcome),
            actor=actor,
            also_users=reviewers,
            among=reviewers,
        )
    return outcome


def submitted_note(session: Session, outcome: Outcome) -> str:
    """The note its submitter gave with the working copy in review (kept in the audit row of
    the submission)."""
    after = session.scalar(
        select(AuditEntry.after)
        .where(
            AuditEntry.record_type == Outcome.__tablename__,
            AuditEntry.record_id == str(outcome.id),
            AuditEntry.action == "outcome.submitted",
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    return str((after or {}).get("change_note") or "")[:MAX_NOTE]


def approve_outcome(session: Session, actor, outcome: Outcome) -> OutcomeVersion:
    """Another coordinator of one of its groups (or an admin), neither an author nor its
    submitter, approves the working copy in review: it is published as a new numbered
    version, which the public reads from now on. On its first publication the followers of
    its groups' new outcomes hear of it; later, its followers hear of the revision."""
    outcome = _readable_for_change(session, actor, outcome.id)
    if outcome.status is not OutcomeStatus.IN_REVIEW:
        raise Conflict(_("This outcome is not in review: it was approved or returned already."))
    require_reviewer(session, actor, outcome)
    now = clock.now()
    _apply_links(session, outcome)
    named, unnamed = credits(outcome.authors)
    number = (
        session.scalar(
            select(func.max(OutcomeVersion.number)).where(OutcomeVersion.outcome_id == outcome.id)
        )
        or 0
    ) + 1
    before = snapshot(outcome, STATE_FIELDS)
    version = OutcomeVersion(
        outcome_id=outcome.id,
        number=number,
        kind=outcome.kind,
        title=outcome.title,
        summary=outcome.summary,
        body=outcome.body,
        licence=outcome.licence,
        authors_text=", ".join(user.name for user in named),
        unnamed_authors=unnamed,
        named_author_ids=[user.id for user in named],
        change_note=submitted_note(session, outcome),
        submitted_by_id=outcome.submitted_by_id,
        approved_by_id=actor.id,
        published_at=now,
    )
    session.add(version)
    session.flush()
    first = outcome.first_published_at is None
    outcome.current_version_id = version.id
    outcome.status = OutcomeStatus.PUBLISHED
    outcome.review_comment = ""
    if first:
        outcome.first_published_at = now
    outcome.public_changed_at = now
    outcome.pending_links = None
    outcome.editors = []
    # Its files waiting for this approval are published with it.
    session.execute(
        update(OutcomeFile)
        .where(
            OutcomeFile.outcome_id == outcome.id,
            OutcomeFile.published_at.is_(None),
            OutcomeFile.withdrawn_at.is_(None),
        )
        .values(published_at=now)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    session.expire(outcome, ["current_version", "versions", "files"])
    record_change(
        session,
        actor=actor,
        action="outcome.approved",
        record=outcome,
        summary=f"Published version {number} of the outcome {outcome.title}",
        before=before,
        after={**snapshot(outcome, STATE_FIELDS), "version": number},
    )
    follows.follow_by_ids(session, outcome.author_ids, follows.OUTCOME, outcome.id)
    follows.notify(
        session,
        record=(follows.OUTCOME, outcome.id),
        event="outcome.published" if first else "outcome.revised",
        title=outcome.title,
        path=outcome_path(outcome),
        detail=version.change_note if not first else "",
        actor=actor,
        also_followers_of=(
            [(follows.GROUP_OUTCOMES, group.id) for group in outcome.groups] if first else ()
        ),
    )
    return version


def _apply_links(session: Session, outcome: Outcome) -> None:
    """At an approval: the revision's pending choices become what the public reads, and the
    regions are recomputed (records may have become members-only since)."""
    pending = pending_records(session, outcome)
    if pending is not None:
        for name, _model, _key in LINKS:
            if name == "groups" and not pending[name]:
                continue  # (its groups were checked when saved: never left with none)
            setattr(outcome, name, pending[name])
    records = {name: getattr(outcome, name) for name, _m, _k in LINKS}
    outcome.regions = _regions(session, named_region_codes(outcome), records)
    session.flush()


def return_outcome(session: Session, actor, outcome: Outcome, comment: str) -> Outcome:
    """A reviewer sends the working copy back to its authors with a comment saying what to
    change; it is a draft again. Its authors hear of it."""
    outcome = _readable_for_change(session, actor, outcome.id)
    if outcome.status is not OutcomeStatus.IN_REVIEW:
        raise Conflict(_("This outcome is not in review: it was approved or returned already."))
    require_reviewer(session, actor, outcome)
    comment = check_text(comment, "comment", MAX_COMMENT, refuse_control=True)
    if not comment:
        raise Invalid(_("Say what the authors should change."), field="comment")
    before = snapshot(outcome, STATE_FIELDS)
    outcome.status = OutcomeStatus.DRAFT
    outcome.review_comment = comment
    session.flush()
    record_change(
        session,
        actor=actor,
        action="outcome.returned",
        record=outcome,
        summary=f"Returned the outcome {outcome.title} to its authors",
        before=before,
        after=snapshot(outcome, STATE_FIELDS),
    )
    authors = sorted(outcome.author_ids)
    follows.notify(
        session,
        record=(follows.OUTCOME, outcome.id),
        event="outcome.returned",
        title=outcome.title,
        path=outcome_path(outcome),
        detail=comment,
        actor=actor,
        also_users=authors,
        among=authors,
    )
    return outcome


def withdraw_outcome(session: Session, actor, outcome: Outcome, reason: str) -> Outcome:
    """Its groups' coordinators (or an admin) withdraw a published outcome, saying why: its
    page stays, marked withdrawn with the reason; lists and feeds no longer offer it. Its
    followers hear of it."""
    outcome = _readable_for_change(session, actor, outcome.id)
    if outcome.status is OutcomeStatus.WITHDRAWN:
        raise Conflict(_("This outcome is withdrawn already."))
    person = outcome_standing(session, actor, outcome)
    if not may_withdraw(person, outcome):
        if not outcome.is_public:
            raise NotAllowed(_("Only a published outcome can be withdrawn."))
        raise NotAllowed(_("Only the coordinators of its groups may withdraw this outcome."))
    reason = check_text(reason, "reason", MAX_COMMENT, refuse_control=True)
    if not reason:
        raise Invalid(_("Say why the outcome is withdrawn."), field="reason")
    before = snapshot(outcome, STATE_FIELDS)
    now = clock.now()
    outcome.status = OutcomeStatus.WITHDRAWN
    outcome.withdraw_reason = reason
    outcome.withdrawn_at = now
    outcome.public_changed_at = now
    session.flush()
    record_change(
        session,
        actor=actor,
        action="outcome.withdrawn",
        record=outcome,
        summary=f"Withdrew the outcome {outcome.title}",
        before=before,
        after=snapshot(outcome, STATE_FIELDS),
    )
    follows.notify(
        session,
        record=(follows.OUTCOME, outcome.id),
        event="outcome.withdrawn",
        title=outcome.title,
        path=outcome_path(outcome),
        detail=reason,
        actor=actor,
    )
    return outcome


# --- Following ----------------------------------------------------------------------------------


def follow_group_outcomes(session: Session, actor, group, follow: bool) -> None:
    """An active member of a group follows its new outcomes (each first publication reaches
    their digest), or stops; doing it again changes nothing."""
    require_signed_in(actor)
    group = group if isinstance(group, WorkingGroup) else find_group(session, group)
    require_member(session, actor, group)
    if follow:
        follows.follow(session, actor, follows.GROUP_OUTCOMES, group.id)
    else:
        follows.unfollow(session, actor, follows.GROUP_OUTCOMES, group.id)


def follows_group_outcomes(session: Session, reader, group: WorkingGroup) -> bool:
    return follows.is_following(session, reader, follows.GROUP_OUTCOMES, group.id)


def may_follow_group_outcomes(session: Session, reader, group: WorkingGroup) -> bool:
    return standing(session, reader, group).member


# --- Meeting reports ----------------------------------------------------------------------------


def draft_meeting_report(session: Session, actor, meeting) -> Outcome:
    """A member of the group of a held meeting starts its report (see meeting_report.py, which
    builds on this module: imported here when called)."""
    from cop.outcomes import meeting_report

    return meeting_report.draft_meeting_report(session, actor, meeting)
