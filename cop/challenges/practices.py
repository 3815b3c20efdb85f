"""The domain operations on good practices: a member documents one as a draft, submits it (the
group's coordinators are emailed), a coordinator publishes it or returns it with comments (the
author is emailed); its author may take a submitted practice back to change it; a published
practice may be withdrawn, and published again by a coordinator; links and files are added to a
practice and withdrawn; people follow a practice, and hear of its publication. Each checks
permission, validates, writes the audit, outbox and notification rows and flushes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from cop import clock
from cop.audit.services import record_change, snapshot
from cop.auth.permissions import is_coordinator, is_signed_in, require_coordinator, require_member
from cop.auth.services.passwords import normalise_email
from cop.challenges.models import (
    OPEN_CHALLENGES,
    Challenge,
    GoodPractice,
    PracticeLink,
    PracticeReview,
    PracticeStatus,
    ReviewDecision,
)
from cop.challenges.services import (
    MAX_DESCRIPTION,
    MAX_NOTE,
    MAX_TITLE,
    find_regions,
    notify_challenge,
)
from cop.challenges.themes import find_themes
from cop.errors import Invalid, NotAllowed, NotFound
from cop.mail import follows
from cop.mail.messages import external_url, send_templated
from cop.meetings.content import StoredFile, Upload, store_upload
from cop.meetings.storage import MaterialStore
from cop.members.membership import find_group, tell_coordinators
from cop.members.models import Organisation
from cop.validation import Problems, check_text, check_url

MAX_TIMESCALE = 200
MAX_NAME = 200

PRACTICE_FIELDS = (
    "title",
    "region_code",
    "organisation_id",
    "problem",
    "what_was_done",
    "resources",
    "timescale",
    "evidence",
    "difficulties",
    "transferability",
    "contact_name",
    "contact_email",
    "status",
    "published_at",
    "withdrawn_at",
)

# The texts a practice is written in: (field, limit).
TEXTS = (
    ("problem", MAX_DESCRIPTION),
    ("what_was_done", MAX_DESCRIPTION),
    ("resources", MAX_DESCRIPTION),
    ("evidence", MAX_DESCRIPTION),
    ("difficulties", MAX_DESCRIPTION),
    ("transferability", MAX_DESCRIPTION),
)

# What a practice must say before it is submitted (and so before it is published).
REQUIRED_TO_SUBMIT = (
    "region_code",
    "problem",
    "what_was_done",
    "evidence",
    "transferability",
    "contact_name",
    "contact_email",
)


@dataclass
class PracticeDetails:
    """What the practice form sends."""

    title: str = ""
    region_code: str | None = None
    organisation_id: int | None = None
    problem: str = ""
    what_was_done: str = ""
    resources: str = ""
    timescale: str = ""
    evidence: str = ""
    difficulties: str = ""
    transferability: str = ""
    contact_name: str = ""
    contact_email: str = ""
    theme_ids: list[int] = field(default_factory=list)
    challenge_ids: list[int] = field(default_factory=list)


def _values(
    session: Session, group, details: PracticeDetails, practice: GoodPractice | None = None
) -> dict:
    """The checked values of the form, every problem with it at once. A practice being edited
    keeps the themes and challenges it has, though retired, closed or merged since."""
    problems = Problems()
    values = {
        "title": problems.check(
            check_text, details.title, "title", MAX_TITLE, required=True, refuse_control=True
        ),
        "timescale": problems.check(
            check_text, details.timescale, "timescale", MAX_TIMESCALE, refuse_control=True
        ),
        "contact_name": problems.check(
            check_text, details.contact_name, "contact_name", MAX_NAME, refuse_control=True
        ),
    }
    for name, limit in TEXTS:
        values[name] = problems.check(
            check_text, getattr(details, name), name, limit, refuse_control=True
        )
    email = (details.contact_email or "").strip()
    values["contact_email"] = (
        problems.check(normalise_email, email, field="contact_email") if email else ""
    )
    values["region_code"] = None
    if details.region_code:
        try:
            (region,) = find_regions(session, [details.region_code])
            values["region_code"] = region.code
        except Invalid:
            problems.add(_("Choose a region from the list."), "region_code")
    values["organisation_id"] = None
    if details.organisation_id is not None:
        organisation = session.get(Organisation, details.organisation_id)
        if organisation is None or organisation.merged_into_id is not None:
            problems.add(_("Choose an organisation from the list."), "organisation_id")
        else:
            values["organisation_id"] = organisation.id
    values["themes"] = problems.check(
        find_themes, session, group, details.theme_ids, keep=practice.themes if practice else ()
    )
    wanted = set(details.challenge_ids)
    kept = [c for c in (practice.challenges if practice else []) if c.id in wanted]
    wanted -= {c.id for c in kept}
    challenges = list(
        session.scalars(
            select(Challenge).where(
                Challenge.id.in_(wanted),
                Challenge.group_id == group.id,
                Challenge.status.in_(OPEN_CHALLENGES),
            )
        )
    )
    if len(challenges) != len(wanted):
        problems.add(_("Choose among the group's open challenges."), "challenge_ids")
    values["challenges"] = kept + challenges
    problems.raise_found()
    return values


def _practice(session: Session, practice_id: int, *, lock: bool = False) -> GoodPractice:
    query = select(GoodPractice).where(GoodPractice.id == practice_id)
    if lock:
        query = query.with_for_update()
    practice = session.scalar(query)
    if practice is None:
        raise NotFound(_("There is no such good practice."))
    return practice


def may_see_practice(session: Session, viewer, practice: GoodPractice) -> bool:
    """Published practices are public; the others are their author's and the coordinators'."""
    if practice.status is PracticeStatus.PUBLISHED:
        return True
    if is_signed_in(viewer) and practice.author_id == viewer.id:
        return True
    return is_coordinator(session, viewer, practice.group)


def _require_editor(session: Session, actor, practice: GoodPractice) -> None:
    """Its author while it is theirs to change, or the group's coordinators; someone else's
    practice is as if it did not exist."""
    if not is_signed_in(actor):
        raise NotAllowed(_("Please log in first."))
    if is_coordinator(session, actor, practice.group):
        return
    if practice.author_id != actor.id:
        raise NotFound(_("There is no such good practice."))
    if practice.status is PracticeStatus.SUBMITTED:
        raise Invalid(
            _("This practice is with the coordinators: take it back from its page to edit it.")
        )
    if practice.status is PracticeStatus.PUBLISHED:
        raise Invalid(_("This practice is published: only the group's coordinators can change it."))


def _record(session, actor, practice, action, summary, before=None):
    session.flush()
    record_change(
        session,
        actor=actor,
        action=action,
        record=practice,
        summary=summary,
        before=before,
        after=snapshot(practice, PRACTICE_FIELDS),
    )


def create_practice(
    session: Session, actor, group_id: int, details: PracticeDetails
) -> GoodPractice:
    """A member starts documenting a practice: a draft only they (and the coordinators) see."""
    if not is_signed_in(actor):
        raise NotAllowed(_("Please log in first."))
    group = find_group(session, group_id)
    require_member(session, actor, group)
    values = _values(session, group, details)
    practice = GoodPractice(group=group, author=actor, status=PracticeStatus.DRAFT, **values)
    session.add(practice)
    _record(session, actor, practice, "practice.created", f"Drafted the practice {practice.title}")
    # Its author hears of what becomes of it.
    follows.follow(session, actor, follows.PRACTICE, practice.id)
    return practice


def update_practice(
    session: Session, actor, practice_id: int, details: PracticeDetails
) -> GoodPractice:
    practice = _practice(session, practice_id, lock=True)
    _require_editor(session, actor, practice)
    if practice.status is PracticeStatus.WITHDRAWN:
        raise Invalid(_("This practice was withdrawn: it can no longer be edited."))
    values = _values(session, practice.group, details, practice)
    if practice.status is PracticeStatus.PUBLISHED:
        _check_complete(values)
    before = {**snapshot(practice, PRACTICE_FIELDS), **_filed_under(practice)}
    for name, value in values.items():
        setattr(practice, name, value)
    after = {**snapshot(practice, PRACTICE_FIELDS), **_filed_under(practice)}
    if after == before:
        return practice  # saved as it was: nothing to record
    session.flush()
    record_change(
        session,
        actor=actor,
        action="practice.edited",
        record=practice,
        summary=f"Edited the practice {practice.title}",
        before=before,
        after=after,
    )
    return practice


def _filed_under(practice: GoodPractice) -> dict:
    return {
        "theme_ids": sorted(theme.id for theme in practice.themes),
        "challenge_ids": sorted(challenge.id for challenge in practice.challenges),
    }


def missing_to_submit(practice: GoodPractice) -> list[str]:
    """The required fields a practice leaves empty (none: it may be submitted)."""
    values = snapshot(practice, PRACTICE_FIELDS)
    return [name for name in REQUIRED_TO_SUBMIT if not values.get(name)]


def _check_complete(values: dict) -> None:
    problems = Problems()
    for name in REQUIRED_TO_SUBMIT:
        if not values.get(name):
            problems.add(_("Please fill in this field before submitting."), name)
    problems.raise_found()


def submit_practice(
    session: Session, actor, practice_id: int, now: datetime | None = None
) -> GoodPractice:
    """The author hands the practice to the coordinators, once everything required is said;
    the coordinators are emailed a link to review it (but the one who submitted it)."""
    practice = _practice(session, practice_id, lock=True)
    _require_editor(session, actor, practice)
    if practice.status not in (PracticeStatus.DRAFT, PracticeStatus.RETURNED):
        raise Invalid(_("This practice is already with the coordinators or published."))
    _check_complete(snapshot(practice, PRACTICE_FIELDS))
    before = snapshot(practice, PRACTICE_FIELDS)
    practice.status = PracticeStatus.SUBMITTED
    practice.submitted_at = now or clock.now()
    _record(session, actor, practice, "practice.submitted",
            f"Submitted the practice {practice.title}", before)  # fmt: skip
    tell_coordinators(
        session,
        practice.group,
        "practice_submitted",
        skip=actor,
        practice=practice,
        submitter=actor,
        review_url=external_url("challenges.review_practice", practice_id=practice.id),
    )
    return practice


def review_practice(
    session: Session,
    actor,
    practice_id: int,
    decision: ReviewDecision | str,
    comments: str = "",
    now: datetime | None = None,
) -> PracticeReview:
    """A coordinator publishes a submitted practice, or returns it to its author saying what
    to change (comments required then)."""
    practice = _practice(session, practice_id, lock=True)
    require_coordinator(session, actor, practice.group)
    try:
        decision = ReviewDecision(decision)
    except ValueError:
        raise Invalid(_("Choose one of the options."), field="decision") from None
    if decision is ReviewDecision.COMMENT:
        raise Invalid(_("Choose one of the options."), field="decision")
    if practice.status is not PracticeStatus.SUBMITTED:
        raise Invalid(_("Only a submitted practice is reviewed."))
    comments = check_text(
        comments,
        "comments",
        MAX_NOTE,
        required=decision is ReviewDecision.RETURNED,
        refuse_control=True,
    )
    now = now or clock.now()
    before = snapshot(practice, PRACTICE_FIELDS)
    if decision is ReviewDecision.PUBLISHED:
        _check_complete(snapshot(practice, PRACTICE_FIELDS))
        practice.status = PracticeStatus.PUBLISHED
        practice.published_at = now
        practice.validated_by = actor
    else:
        practice.status = PracticeStatus.RETURNED
    review = PracticeReview(
        practice=practice, reviewer=actor, decision=decision, comments=comments, created_at=now
    )
    session.add(review)
    told = _tell_author(session, practice, review)
    if decision is ReviewDecision.PUBLISHED:
        _announce_publication(session, actor, practice, told)
    _record(
        session,
        actor,
        practice,
        f"practice.{decision.value}",
        f"{'Published' if decision is ReviewDecision.PUBLISHED else 'Returned'} the practice"
        f" {practice.title}",
        before,
    )
    return review


def _tell_author(session: Session, practice: GoodPractice, review: PracticeReview):
    """The author hears of a coordinator's decision, in their language; the person emailed, or
    None."""
    published = review.decision is ReviewDecision.PUBLISHED
    return _email_author(
        session,
        practice,
        "practice_published" if published else "practice_returned",
        comments=review.comments,
        edit_url=external_url("challenges.edit_practice", practice_id=practice.id),
    )


def _email_author(
    session: Session, practice: GoodPractice, template: str, *, actor=None, **context
):
    """Email the practice's author, in their language, about what was done to it (not when
    they did it themselves, `actor`, nor when their account is gone); the person emailed, or
    None."""
    author = practice.author
    if author is None or not author.active or (actor is not None and author.id == actor.id):
        return None
    send_templated(
        session,
        to=author.email,
        template=template,
        language=author.language,
        practice=practice,
        author=author,
        group=practice.group,
        practice_url=external_url("challenges.practice", practice_id=practice.id),
        **context,
    )
    return author


def _ids(user) -> list[int]:
    """The id of the person emailed, who is not notified of the same change too."""
    return [user.id] if user is not None else []


# --- Following ------------------------------------------------------------------------------


def practice_to_follow(
    session: Session, actor, practice_id: int, *, followed: bool = False
) -> GoodPractice:
    """A practice the person may follow: one they may read (published ones; others' drafts are
    as if they did not exist). `followed`: one they follow is theirs to stop following, though
    withdrawn since."""
    if not is_signed_in(actor):
        raise NotAllowed(_("Please log in first."))
    practice = _practice(session, practice_id)
    if not (
        may_see_practice(session, actor, practice)
        or (followed and follows.is_following(session, actor, follows.PRACTICE, practice.id))
    ):
        raise NotFound(_("There is no such good practice."))
    return practice


def follow_practice(session: Session, actor, practice_id: int) -> GoodPractice:
    """The person follows the practice; following it again changes nothing."""
    practice = practice_to_follow(session, actor, practice_id)
    follows.follow(session, actor, follows.PRACTICE, practice.id)
    return practice


def unfollow_practice(session: Session, actor, practice_id: int) -> GoodPractice:
    """The person stops following the practice (though it was withdrawn since)."""
    practice = practice_to_follow(session, actor, practice_id, followed=True)
    follows.unfollow(session, actor, follows.PRACTICE, practice.id)
    return practice


def _notify_practice(session: Session, actor, practice: GoodPractice, event: str, **options):
    return follows.notify(
        session,
        record=(follows.PRACTICE, practice.id),
        event=event,
        title=practice.title,
        path=url_for("challenges.practice", practice_id=practice.id, _external=False),
        actor=actor,
        **options,
    )


def _announce_publication(session: Session, actor, practice: GoodPractice, told) -> None:
    """The practice's followers hear it is published; the followers of each challenge it
    answers, that a practice answers it (each person once, not its author who is emailed)."""
    heard = set(_ids(told))
    rows = _notify_practice(session, actor, practice, "practice.published", exclude_users=heard)
    heard.update(row.user_id for row in rows)
    for challenge in sorted(practice.challenges, key=lambda challenge: challenge.id):
        rows = notify_challenge(
            session,
            challenge,
            "challenge.practice_published",
            actor,
            detail=practice.title,
            exclude_users=heard,
        )
        heard.update(row.user_id for row in rows)


def _require_withdrawer(session: Session, actor, practice: GoodPractice) -> None:
    """Its author or the group's coordinators, while it is published."""
    if not is_signed_in(actor):
        raise NotAllowed(_("Please log in first."))
    if practice.author_id != actor.id:
        require_coordinator(session, actor, practice.group)
    if practice.status is PracticeStatus.WITHDRAWN:
        raise Invalid(_("This practice is already withdrawn."))
    if practice.status is not PracticeStatus.PUBLISHED:
        raise Invalid(_("Only a published practice is withdrawn."))


def practice_to_withdraw(session: Session, actor, practice_id: int) -> GoodPractice:
    """A practice the actor may withdraw now (for the page that asks them to confirm)."""
    practice = _practice(session, practice_id)
    _require_withdrawer(session, actor, practice)
    return practice


def withdraw_practice(
    session: Session, actor, practice_id: int, now: datetime | None = None
) -> GoodPractice:
    """Take a published practice off the public pages (its author or a coordinator, who then
    emails the author); it is kept, with its history, and the coordinators may publish it
    again."""
    practice = _practice(session, practice_id, lock=True)
    _require_withdrawer(session, actor, practice)
    before = snapshot(practice, PRACTICE_FIELDS)
    practice.status = PracticeStatus.WITHDRAWN
    practice.withdrawn_at = now or clock.now()
    _record(session, actor, practice, "practice.withdrawn",
            f"Withdrew the practice {practice.title}", before)  # fmt: skip
    # A coordinator withdrew it: its author hears why their practice left the public pages.
    told = _email_author(session, practice, "practice_withdrawn", actor=actor, withdrawn_by=actor)
    _notify_practice(session, actor, practice, "practice.withdrawn", exclude_users=_ids(told))
    return practice


def publish_again(
    session: Session, actor, practice_id: int, now: datetime | None = None
) -> GoodPractice:
    """A coordinator puts a withdrawn practice back on the public pages, as it was (its first
    publication date kept: withdrawing is undone). Its author is emailed, as at its first
    publication, unless they did it themselves."""
    practice = _practice(session, practice_id, lock=True)
    require_coordinator(session, actor, practice.group)
    if practice.status is PracticeStatus.PUBLISHED:
        raise Invalid(_("This practice is already published."))
    if practice.status is not PracticeStatus.WITHDRAWN:
        raise Invalid(_("Only a withdrawn practice is published again: review it instead."))
    _check_complete(snapshot(practice, PRACTICE_FIELDS))
    before = snapshot(practice, PRACTICE_FIELDS)
    practice.status = PracticeStatus.PUBLISHED
    practice.published_at = practice.published_at or now or clock.now()
    practice.withdrawn_at = None
    _record(session, actor, practice, "practice.republished",
            f"Published the practice {practice.title} again", before)  # fmt: skip
    told = _email_author(session, practice, "practice_republished", actor=actor)
    _notify_practice(session, actor, practice, "practice.republished", exclude_users=_ids(told))
    return practice


def take_back_practice(session: Session, actor, practice_id: int) -> GoodPractice:
    """Its author takes a submitted practice back before it is reviewed, to change it: a draft
    again, submitted anew when ready (the coordinators are emailed then, not now)."""
    practice = _practice(session, practice_id, lock=True)
    if not is_signed_in(actor):
        raise NotAllowed(_("Please log in first."))
    if practice.author_id != actor.id:
        if may_see_practice(session, actor, practice):
            raise NotAllowed(_("Only its author takes a practice back; return it instead."))
        raise NotFound(_("There is no such good practice."))
    if practice.status in (PracticeStatus.DRAFT, PracticeStatus.RETURNED):
        raise Invalid(_("This practice is not with the coordinators: you may edit it as it is."))
    if practice.status is not PracticeStatus.SUBMITTED:
        raise Invalid(_("This practice is already reviewed: it can no longer be taken back."))
    before = snapshot(practice, PRACTICE_FIELDS)
    practice.status = PracticeStatus.DRAFT
    practice.submitted_at = None
    _record(session, actor, practice, "practice.taken_back",
            f"Took back the practice {practice.title} to edit it", before)  # fmt: skip
    return practice


# --- Reading a practice to change it ----------------------------------------------------------


def practice_to_edit(session: Session, actor, practice_id: int) -> GoodPractice:
    """A practice the actor may change now: their own draft or returned one, or any of the
    group's for its coordinators (withdrawn ones are kept as they are)."""
    practice = _practice(session, practice_id)
    _require_editor(session, actor, practice)
    if practice.status is PracticeStatus.WITHDRAWN:
        raise Invalid(_("This practice was withdrawn: it can no longer be edited."))
    return practice


def practice_to_review(session: Session, actor, practice_id: int) -> GoodPractice:
    practice = _practice(session, practice_id)
    require_coordinator(session, actor, practice.group)
    return practice


# --- Links and files -----------------------------------------------------------------------------

LINK_FIELDS = ("title", "url", "filename", "content_type", "size", "storage_key", "withdrawn_at")


def _record_link(session, actor, link: PracticeLink, action: str, summary: str, before=None):
    session.flush()
    record_change(
        session,
        actor=actor,
        action=action,
        record=link,
        summary=summary,
        before=before,
        after=snapshot(link, LINK_FIELDS),
    )


def add_practice_link(
    session: Session, actor, practice_id: int, *, title: str, url: str
) -> PracticeLink:
    """A web page about the practice (http or https), added by whoever may edit it."""
    practice = practice_to_edit(session, actor, practice_id)
    title = check_text(title, "title", MAX_TITLE, required=True, refuse_control=True)
    url = check_url(url, "url")
    if not url:
        raise Invalid(_("Please fill in this field."), field="url")
    link = PracticeLink(practice=practice, title=title, url=url, added_by_id=actor.id)
    session.add(link)
    _record_link(session, actor, link, "practice_link.added",
                 f"Linked {url} to the practice {practice.id}")  # fmt: skip
    return link


def add_practice_file(
    session: Session,
    actor,
    practice_id: int,
    *,
    upload: Upload | None,
    title: str,
    store: MaterialStore,
    max_bytes: int,
) -> PracticeLink:
    """A file about the practice, of an allowed type (by name and by content) within the size
    limit; nothing is kept when it is refused."""
    practice = practice_to_edit(session, actor, practice_id)
    title = check_text(title, "title", MAX_TITLE, refuse_control=True)
    stored: StoredFile = store_upload(upload, store, max_bytes)
    link = PracticeLink(
        practice=practice,
        title=title or stored.filename,
        filename=stored.filename,
        content_type=stored.content_type,
        size=stored.size,
        storage_key=stored.storage_key,
        added_by_id=actor.id,
    )
    session.add(link)
    _record_link(session, actor, link, "practice_link.added",
                 f"Added the file {stored.filename} to the practice {practice.id}")  # fmt: skip
    return link


def withdraw_practice_link(
    session: Session, actor, link_id: int, now: datetime | None = None
) -> PracticeLink:
    """Take a link or file off the practice's page; the record (and a file's bytes) are kept."""
    link = session.get(PracticeLink, link_id)
    if link is None:
        raise NotFound(_("There is no such link or file."))
    practice_to_edit(session, actor, link.practice_id)
    if link.withdrawn_at is not None:
        raise Invalid(_("This link or file is already withdrawn."))
    before = snapshot(link, LINK_FIELDS)
    link.withdrawn_at = now or clock.now()
    _record_link(session, actor, link, "practice_link.withdrawn",
                 f"Withdrew “{link.title}” from the practice {link.practice_id}", before)  # fmt: skip
    return link


def practice_file(session: Session, viewer, link_id: int) -> PracticeLink:
    """A file of a practice the viewer may see; withdrawn, unknown and hidden ones are not found."""
    link = session.get(PracticeLink, link_id)
    if (
        link is None
        or link.storage_key is None
        or link.withdrawn_at is not None
        or not may_see_practice(session, viewer, link.practice)
    ):
        raise NotFound(_("There is no such file."))
    return link
