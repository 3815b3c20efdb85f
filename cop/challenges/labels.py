"""Human, translatable labels for challenges and their history, and the filters that show them."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

from cop.challenges.models import ChallengeStatus, PracticeStatus
from cop.i18n import label_filter

CHALLENGE_STATUS_LABELS = {
    ChallengeStatus.PROPOSED: _lp("challenge status", "Proposed"),
    ChallengeStatus.ACCEPTED: _lp("challenge status", "Accepted"),
    ChallengeStatus.BEING_ADDRESSED: _lp("challenge status", "Being addressed"),
    ChallengeStatus.ADDRESSED: _lp("challenge status", "Addressed"),
    ChallengeStatus.MERGED: _lp("challenge status", "Merged"),
    ChallengeStatus.CLOSED: _lp("challenge status", "Closed"),
}

# What the coordinators' "advance" button says for each status it moves on from.
ADVANCE_LABELS = {
    ChallengeStatus.PROPOSED: _l("Accept this challenge"),
    ChallengeStatus.ACCEPTED: _l("Mark as being addressed"),
    ChallengeStatus.BEING_ADDRESSED: _l("Mark as addressed"),
}

# The audit actions a challenge's history shows, in words.
HISTORY_LABELS = {
    "challenge.raised": _lp("challenge history", "Raised"),
    "challenge.edited": _lp("challenge history", "Edited"),
    "challenge.endorsed": _lp("challenge history", "Endorsed"),
    "challenge.accepted": _lp("challenge history", "Accepted"),
    "challenge.being_addressed": _lp("challenge history", "Marked as being addressed"),
    "challenge.addressed": _lp("challenge history", "Marked as addressed"),
    "challenge.closed": _lp("challenge history", "Closed"),
    "challenge.merged": _lp("challenge history", "Merged"),
}

# What a challenge's history says of a change of its rank.
RANKED_LABEL = _lp("challenge history", "Ranked %(rank)s")
UNRANKED_LABEL = _lp("challenge history", "Unranked")

PRACTICE_STATUS_LABELS = {
    PracticeStatus.DRAFT: _lp("practice status", "Draft"),
    PracticeStatus.SUBMITTED: _lp("practice status", "Submitted"),
    PracticeStatus.RETURNED: _lp("practice status", "Returned to its author"),
    PracticeStatus.PUBLISHED: _lp("practice status", "Published"),
    PracticeStatus.WITHDRAWN: _lp("practice status", "Withdrawn"),
}


def history_label(action: str) -> str:
    label = HISTORY_LABELS.get(action)
    return str(label) if label is not None else action


def rank_label(rank: int | None) -> str:
    """A ranking in a challenge's history: "Ranked 3", or "Unranked" when it took its rank away."""
    return str(UNRANKED_LABEL) if rank is None else str(RANKED_LABEL) % {"rank": rank}


def register_template_helpers(app: Flask) -> None:
    """Filters: `status|challenge_status_label`, `status|advance_label`, `action|history_label`,
    `rank|rank_label`, `status|practice_status_label`."""
    filters = app.jinja_env.filters
    filters["challenge_status_label"] = label_filter(CHALLENGE_STATUS_LABELS)
    filters["advance_label"] = label_filter(ADVANCE_LABELS)
    filters["history_label"] = history_label
    filters["rank_label"] = rank_label
    filters.setdefault("practice_status_label", label_filter(PRACTICE_STATUS_LABELS))
