"""Emails written from templates, in the recipient's language, and queued in the outbox.

`templates/mail/<name>.txt` is the text body (its first line is the subject,
then a blank line) and `templates/mail/<name>.html`, when it exists, the HTML
alternative. Links in emails are absolute, built on BASE_URL.
"""

from __future__ import annotations

from datetime import timedelta
from email.utils import parseaddr

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from jinja2 import TemplateNotFound
from sqlalchemy import select
from sqlalchemy.orm import Session

from cop.db import utcnow
from cop.mail.kinds import kind_of
from cop.mail.models import OutboxMessage
from cop.mail.preferences import is_opted_out, unsubscribe_token
from cop.mail.services import Attachment, queue_email


def external_url(endpoint: str, **values) -> str:
    """An absolute link to a page of cop, on the public base URL (for emails and feeds)."""
    path = url_for(endpoint, _external=False, **values)
    return current_app.config["BASE_URL"] + path


# Links asked for again within this time are not sent again: asking cannot flood a mailbox.
RESEND_PAUSE = timedelta(minutes=2)


def sent_recently(session: Session, to: str, kind: str, since: timedelta = RESEND_PAUSE) -> bool:
    """Whether an email of this kind (template) to this address was queued within `since`."""
    return (
        session.scalar(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.recipient == to,
                OutboxMessage.kind == kind,
                OutboxMessage.created_at >= utcnow() - since,
            )
            .limit(1)
        )
        is not None
    )


def send_templated(
    session: Session,
    *,
    to: str,
    template: str,
    language: str | None = None,
    attachments: tuple[Attachment, ...] = (),
    headers: dict[str, str] | None = None,
    **context,
) -> OutboxMessage | None:
    """Render `mail/<template>` in `language` and queue it in the caller's transaction.

    Nothing is queued for an address in the reserved .invalid domain: that is what a
    closed account's email becomes, and its owner must receive nothing more. Nor for an
    address that unsubscribed from the template's kind (cop.mail.kinds); the other emails
    of such a kind carry a one-click unsubscribe link (RFC 8058) and a footer saying why
    they come.
    """
    address = parseaddr(to)[1].lower()
    domain = address.rpartition("@")[2]
    if domain == "invalid" or domain.endswith(".invalid"):
        return None
    kind = kind_of(template)
    if kind is not None and is_opted_out(session, address, kind.code):
        return None
    headers = dict(headers or {})
    language = language or current_app.config["DEFAULT_LANGUAGE"]
    with force_locale(language):
        text = render_template(f"mail/{template}.txt", **context)
        try:
            html = render_template(f"mail/{template}.html", **context)
        except TemplateNotFound:
            html = None
        if kind is not None:
            unsubscribe_url = external_url(
                "mail.unsubscribe", token=unsubscribe_token(address, kind.code)
            )
            headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
            footer = {
                "kind": kind,
                "unsubscribe_url": unsubscribe_url,
                "preferences_url": external_url("mail.preferences"),
            }
            text = (
                text.rstrip("\n")
                + "\n\n"
                + render_template("notifications/_mail_footer.txt", **footer).strip("\n")
                + "\n"
            )
            if html is not None:
                html = _with_footer(
                    html, render_template("notifications/_mail_footer.html", **footer)
                )
    subject, _, body = text.partition("\n\n")
    return queue_email(
        session,
        to=to,
        subject=subject.strip(),
        text=body.lstrip("\n"),
        html=html,
        attachments=attachments,
        headers=headers,
        kind=template,
    )


def _with_footer(html: str, footer: str) -> str:
    """The HTML body with the footer at the end of its <body>."""
    at = html.lower().rfind("</body>")
    if at == -1:
        return html + footer
    return html[:at] + footer + html[at:]
