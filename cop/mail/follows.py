"""Following records and hearing of their changes: follows, and the notification rows a change
writes for each follower in its own transaction (`flask cop send-digests` mails them)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import Select, select, tuple_
from sqlalchemy.orm import Session

from cop.db import utcnow
from cop.mail.models import Follow, Notification

# The kinds of record people follow; a Follow's and a Notification's `target`.
CHALLENGE = "challenge"
PRACTICE = "practice"
ACTIVITY = "activity"
SUPPORT_REQUEST = "support_request"
SOLUTION = "solution"
OUTCOME = "outcome"
# A group's new outcomes: following it (target_id: the group's id) is hearing of each outcome
# the group publishes.
GROUP_OUTCOMES = "group_outcomes"
TARGETS = (CHALLENGE, PRACTICE, ACTIVITY, SUPPORT_REQUEST, SOLUTION, OUTCOME, GROUP_OUTCOMES)


# What each kind of record's package says its readers may still read, for the digests: a
# function (session, user, ids) -> the ids among them the person may read. Packages register
# theirs (cop.mail imports no other package); a kind without one is public.
Reader = Callable[[Session, object, set[int]], set[int]]
_readers: dict[str, Reader] = {}


def register_reader(target: str, reader: Reader) -> None:
    _check_target(target)
    _readers[target] = reader


def readable(session: Session, user, target: str, ids: set[int]) -> set[int]:
    """The ids among `ids` of records of kind `target` that the person may read now."""
    reader = _readers.get(target)
    return set(ids) if reader is None else reader(session, user, set(ids))


def _check_target(target: str) -> None:
    if target not in TARGETS:
        raise ValueError(f"unknown kind of record to follow: {target!r}")


def is_following(session: Session, user, target: str, target_id: int) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return (
        session.scalar(
            select(Follow.id).where(
                Follow.user_id == user.id, Follow.target == target, Follow.target_id == target_id
            )
        )
        is not None
    )


def follow(session: Session, user, target: str, target_id: int) -> bool:
    """Make `user` follow the record; True if they did not already. The caller checks that
    the person may see the record."""
    return bool(follow_by_ids(session, [user.id], target, target_id))


def follow_by_ids(session: Session, user_ids: Iterable[int], target: str, target_id: int):
    """Make the people of `user_ids` follow the record (those who do not yet): their ids."""
    _check_target(target)
    wanted = set(user_ids)
    if not wanted:
        return []
    already = set(
        session.scalars(
            select(Follow.user_id).where(
                Follow.user_id.in_(wanted), Follow.target == target, Follow.target_id == target_id
            )
        )
    )
    new = sorted(wanted - already)
    now = utcnow()
    session.add_all(
        Follow(user_id=user_id, target=target, target_id=target_id, created_at=now)
        for user_id in new
    )
    session.flush()
    return new


def unfollow(session: Session, user, target: str, target_id: int) -> bool:
    """Stop following; True if they were following. A follow is a wish, not a record
    people rely on, so it is deleted."""
    _check_target(target)
    found = session.scalar(
        select(Follow).where(
            Follow.user_id == user.id, Follow.target == target, Follow.target_id == target_id
        )
    )
    if found is None:
        return False
    session.delete(found)
    session.flush()
    return True


def followers(
    session: Session,
    records: Iterable[tuple[str, int]],
    *,
    among: Select | Iterable[int] | None = None,
) -> list[int]:
    """The ids of the people following any of the records, once each, in id order; with
    `among` (a SELECT of user ids, or the ids themselves), only those of them."""
    keys = list(dict.fromkeys(records))
    if not keys:
        return []
    for target, _ in keys:
        _check_target(target)
    query = select(Follow.user_id).where(tuple_(Follow.target, Follow.target_id).in_(keys))
    if among is not None:
        query = query.where(Follow.user_id.in_(among if isinstance(among, Select) else list(among)))
    return list(session.scalars(query.distinct().order_by(Follow.user_id)))


def notify(
    session: Session,
    *,
    record: tuple[str, int],
    event: str,
    title: str,
    path: str,
    detail: str = "",
    actor=None,
    also_followers_of: Iterable[tuple[str, int]] = (),
    also_users: Iterable[int] = (),
    exclude_users: Iterable[int] = (),
    among: Select | Iterable[int] | None = None,
) -> list[Notification]:
    """Write one notification of `event` on `record` for each person following it (or any
    of `also_followers_of`, such as the challenges an activity addresses), and for
    `also_users`; never for the person who made the change, nor for `exclude_users` (those
    told by an email of their own, such as the author of a practice just published). With
    `among` (a SELECT of user ids, or a list of them), only those followers hear of it:
    news that only some of a public record's followers may read, such as a members-only
    request on it, or news for some of them only, such as being named an expert in it.

    `event` names what happened ("challenge.accepted"; cop.mail.digests words it), `title`
    and `path` are the record's title and address (url_for(..., _external=False)), `detail`
    a short text the digest quotes (a reason, a region).
    """
    _check_target(record[0])
    people = followers(session, [record, *also_followers_of], among=among)
    people = list(dict.fromkeys([*people, *also_users]))
    actor_id = getattr(actor, "id", None)
    skipped = {actor_id, *exclude_users}
    now = utcnow()
    rows = [
        Notification(
            user_id=user_id,
            target=record[0],
            target_id=record[1],
            event=event,
            title=title[:300],
            path=path[:300],
            detail=detail,
            actor_id=actor_id,
            created_at=now,
        )
        for user_id in people
        if user_id not in skipped
    ]
    session.add_all(rows)
    session.flush()
    return rows
