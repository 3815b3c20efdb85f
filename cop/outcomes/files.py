"""Files attached to outcomes (the PDF of a brief, slides, data): received and kept like
meeting materials (cop.meetings.storage: size limit, allowed types, content sniffing). A file
is reviewed with the outcome: it is published by the outcome's next approval (the first, or
the approval of the revision it is attached to), and served to the public only while the
outcome is listed (published, not withdrawn) and the file published and in force; to the
members of its groups (and admins) otherwise. Withdrawn, never deleted."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from cop import clock
from cop.audit.services import record_change, snapshot
from cop.errors import Conflict, NotAllowed, NotFound
from cop.meetings.content import Upload, store_upload
from cop.meetings.storage import MaterialStore
from cop.outcomes.access import (
    find_outcome,
    may_edit,
    may_read,
    outcome_standing,
    require_editor,
)
from cop.outcomes.models import Outcome, OutcomeFile, OutcomeStatus
from cop.outcomes.services import mark_editor
from cop.validation import check_text

MAX_TITLE = 200
FILE_FIELDS = (
    "title",
    "filename",
    "content_type",
    "size",
    "storage_key",
    "withdrawn_at",
    "published_at",
)


def is_listed(outcome: Outcome) -> bool:
    """Published and not withdrawn: what the public library and feeds offer."""
    return outcome.is_public and outcome.status is not OutcomeStatus.WITHDRAWN


def add_outcome_file(
    session: Session,
    actor,
    outcome: Outcome,
    *,
    upload: Upload | None,
    title: str,
    store: MaterialStore,
    max_bytes: int,
) -> OutcomeFile:
    """Its editors attach a file of an allowed type (by name and by content) within the size
    limit; nothing is kept when it is refused. The file waits for the outcome's next
    approval to be public: attached to a published outcome, it makes a revision (the
    working copy goes back to draft, to be submitted). Whoever attaches it may not review
    that revision."""
    outcome = find_outcome(session, outcome.id, lock=True)
    require_editor(session, actor, outcome)
    title = check_text(title, "title", MAX_TITLE, refuse_control=True)
    stored = store_upload(upload, store, max_bytes)
    attached = OutcomeFile(
        outcome_id=outcome.id,
        title=title or stored.filename,
        filename=stored.filename,
        content_type=stored.content_type,
        size=stored.size,
        storage_key=stored.storage_key,
        added_by_id=actor.id,
    )
    session.add(attached)
    mark_editor(session, outcome, actor)
    if outcome.status is OutcomeStatus.PUBLISHED:
        outcome.status = OutcomeStatus.DRAFT
    session.flush()
    record_change(
        session,
        actor=actor,
        action="outcome.file_added",
        record=outcome,
        summary=f"Attached the file {stored.filename} to the outcome {outcome.id}",
        after={"file_id": attached.id, **snapshot(attached, FILE_FIELDS)},
    )
    return attached


def _file_of(session: Session, outcome_id: int, file_id: int) -> OutcomeFile:
    attached = session.get(OutcomeFile, file_id)
    if attached is None or attached.outcome_id != outcome_id:
        raise NotFound(_("There is no such file."))
    return attached


def withdraw_outcome_file(session: Session, actor, outcome: Outcome, file_id: int) -> OutcomeFile:
    """Its editors (or its groups' coordinators, even once it is withdrawn) take a file off
    the outcome's page; the record and the bytes are kept."""
    outcome = find_outcome(session, outcome.id, lock=True)
    person = outcome_standing(session, actor, outcome)
    if not may_read(person, outcome):
        raise NotFound(_("There is no such outcome."))
    if not (person.coordinates or may_edit(person, outcome)):
        raise NotAllowed(_("Only the outcome's authors and its groups' coordinators may do this."))
    attached = _file_of(session, outcome.id, file_id)
    if attached.withdrawn_at is not None:
        raise Conflict(_("This file is withdrawn already."))
    before = {"file_id": attached.id, **snapshot(attached, FILE_FIELDS)}
    attached.withdrawn_at = clock.now()
    mark_editor(session, outcome, actor)
    session.flush()
    record_change(
        session,
        actor=actor,
        action="outcome.file_withdrawn",
        record=outcome,
        summary=f"Withdrew the file {attached.filename} from the outcome {outcome.id}",
        before=before,
        after={"file_id": attached.id, **snapshot(attached, FILE_FIELDS)},
    )
    return attached


def file_to_serve(
    session: Session, viewer, outcome_id: int, file_id: int
) -> tuple[OutcomeFile, bool]:
    """The file and whether it is served privately: to anyone while the outcome is listed and
    the file published and in force; to the members of its groups (and admins) always; not
    found for anyone else (a draft's, a withdrawn outcome's, a file waiting for approval)."""
    outcome = session.scalar(select(Outcome).where(Outcome.id == outcome_id))
    if outcome is None:
        raise NotFound(_("There is no such file."))
    attached = _file_of(session, outcome.id, file_id)
    if is_listed(outcome) and attached.is_published:
        return attached, False
    if outcome_standing(session, viewer, outcome).member:
        return attached, True
    raise NotFound(_("There is no such file."))
