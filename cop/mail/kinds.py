"""The kinds of email people can unsubscribe from, and which kind each email template is.

Every template in templates/mail/ (but the partials starting with "_") is either of one kind
below or exempt: exempt emails are always sent, because the person asked for them just now
(a confirmation link, an invitation to follow) or they are about their account's security.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class MailKind:
    code: str
    # "Send me ..." on the preferences page; also the footer's "because we send you ...".
    label: LazyString
    help: LazyString
    templates: tuple[str, ...]


DIGEST = "digest"
COORDINATION = "coordination"

KINDS: tuple[MailKind, ...] = (
    MailKind(
        DIGEST,
        _l("the digest of what you follow"),
        _l(
            "One email with the news of the challenges, good practices, activities and support"
            " requests you follow: daily or weekly, as you choose in your email preferences."
        ),
        ("digest",),
    ),
    MailKind(
        "meeting_news",
        _l("news of your groups' meetings"),
        _l("A meeting announced, changed, postponed or cancelled."),
        ("meeting_announced", "meeting_changed", "meeting_cancelled"),
    ),
    MailKind(
        "meeting_reminders",
        _l("reminders of the meetings you registered for"),
        _l("A reminder shortly before the meeting, with how to take part."),
        ("meeting_reminder",),
    ),
    MailKind(
        "solution_reminders",
        _l("reminders of your solutions' progress updates"),
        _l("When a solution you own is due its progress update, once per period."),
        ("solution_update_due",),
    ),
    MailKind(
        "registrations",
        _l("news of your meeting registrations"),
        _l(
            "Your seat confirmed, your place on the waiting list, a seat freed for you, a cancellation."
        ),
        (
            "meeting_registered",
            "meeting_waitlisted",
            "meeting_promoted",
            "meeting_registration_cancelled",
        ),
    ),
    MailKind(
        "membership",
        _l("answers to your applications to working groups"),
        _l("Whether a group's coordinators approved or declined your application."),
        ("membership_approved", "membership_rejected"),
    ),
    MailKind(
        "contributions",
        _l("news of the challenges you raised, the practices you wrote and your support requests"),
        _l(
            "A challenge you raised accepted, closed or merged; a practice of yours published,"
            " returned for changes or withdrawn; the coordinators' answer to your request for"
            " peer learning."
        ),
        (
            "challenge_accepted",
            "challenge_closed",
            "challenge_merged",
            "practice_published",
            "practice_returned",
            "practice_withdrawn",
            "practice_republished",
            "support_answered",
        ),
    ),
    MailKind(
        COORDINATION,
        _l("coordinators' notices"),
        _l(
            "For the groups you coordinate: applications, new coordinators, challenges proposed,"
            " practices submitted for review and regions' requests for support."
        ),
        (
            "membership_application",
            "membership_coordinator",
            "challenge_proposed",
            "practice_submitted",
            "support_requested",
        ),
    ),
)

KINDS_BY_CODE: dict[str, MailKind] = {kind.code: kind for kind in KINDS}

# Template -> the kind of email it is.
TEMPLATE_KINDS: dict[str, str] = {
    template: kind.code for kind in KINDS for template in kind.templates
}

# Always sent, with no unsubscribe link: asked for by the person, or about their account.
EXEMPT_PREFIXES = ("auth_",)
EXEMPT_TEMPLATES = frozenset({"membership_invitation", "meeting_confirm_registration"})
EXEMPT_LABEL = _l(
    "Emails you ask for or that keep your account safe: confirming your address, resetting "
    "your password, invitations and confirming a registration."
)


def is_exempt(template: str) -> bool:
    return template in EXEMPT_TEMPLATES or template.startswith(EXEMPT_PREFIXES)


def kind_of(template: str) -> MailKind | None:
    """The kind people can unsubscribe from that a template belongs to; None when exempt (or
    unknown: an email nobody classified is sent, never silently dropped)."""
    code = TEMPLATE_KINDS.get(template)
    return KINDS_BY_CODE[code] if code else None
