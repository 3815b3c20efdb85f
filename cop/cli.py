"""`flask cop ...`: the project's own commands (demo data, administrators, sending mail)."""

from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import with_appcontext

from cop.db import get_session
from cop.errors import Invalid


@click.group("cop")
def cop_group() -> None:
    """cop's commands."""


@cop_group.command("demo")
@click.option(
    "--scale",
    type=click.IntRange(min=1),
    default=None,
    help="Also load the scaled demo for benchmarks: N x 1000 people, hundreds of meetings, "
    "tens of thousands of registrations (once per database).",
)
@with_appcontext
def demo_command(scale: int | None) -> None:
    """Load the demo groups, people and meetings (idempotent: finds records by natural key, keeps edits)."""
    from cop.demo import load_demo

    if current_app.config["COP_ENV"] == "production":
        raise click.ClickException("The demo data is for trying cop, not for production.")
    session = get_session()
    report = load_demo(session)
    session.commit()
    click.echo(
        f"Demo data: {report.created} created, {report.kept} already there (kept as they are)."
    )
    click.echo("Demo accounts (log in at /account/login):")
    for role, email, password in report.accounts:
        click.echo(f"  {role:<12} {email:<26} password: {password}")
    if scale is not None:
        _load_scaled_demo(session, scale)


def _load_scaled_demo(session, scale: int) -> None:
    import time

    from cop.demo_scale import AlreadyLoaded, ScalePlan, load_scaled_demo

    start = time.perf_counter()
    try:
        report = load_scaled_demo(session, ScalePlan.for_scale(scale))
    except AlreadyLoaded as error:
        raise click.ClickException(str(error)) from None
    session.commit()
    click.echo(
        f"Scaled demo (scale {scale}): {report.users} people, {report.memberships} memberships, "
        f"{report.groups} groups, {report.meetings} meetings, {report.registrations} "
        f"registrations, {report.activities} activities, {report.solutions} solutions, "
        f"{report.outcomes} outcomes, written in {time.perf_counter() - start:.1f}s."
    )
    for name, email, password in report.accounts:
        click.echo(f"  {name:<18} {email:<32} password: {password}")


@cop_group.command("load-regions")
@with_appcontext
def load_regions_command() -> None:
    """Load every NUTS-2 region of the NUTS 2024 classification (idempotent)."""
    from cop.members.regions import SOURCE, load_regions

    session = get_session()
    report = load_regions(session)
    session.commit()
    click.echo(
        f"Regions from the {SOURCE}: {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged."
    )


@cop_group.command("create-admin")
@click.option("--email", prompt=True, help="The administrator's email address.")
@click.option("--name", prompt=True, help="The administrator's name.")
@click.option(
    "--password",
    default=lambda: os.environ.get("COP_ADMIN_PASSWORD"),
    help="Read from COP_ADMIN_PASSWORD when not given; asked for otherwise.",
)
@with_appcontext
def create_admin_command(email: str, name: str, password: str | None) -> None:
    """Make a site administrator (or promote an existing account)."""
    from cop.auth.services import create_admin

    if not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    session = get_session()
    try:
        user = create_admin(session, email=email, name=name, password=password)
    except Invalid as error:
        raise click.ClickException(f"{error.field}: {error.message}") from None
    session.commit()
    click.echo(f"{user.email} is an administrator.")


@cop_group.command("send-mail")
@click.option("--limit", default=500, show_default=True, help="Most messages to send in this run.")
@with_appcontext
def send_mail_command(limit: int) -> None:
    """Send the outbox's due messages over SMTP; failures are retried later with back-off."""
    from cop.mail.services import SMTPSettings, SMTPTransport, send_pending

    config = current_app.config
    transport = SMTPTransport(SMTPSettings.from_config(config))
    report = send_pending(
        get_session(), transport, max_attempts=config["MAIL_MAX_ATTEMPTS"], limit=limit
    )
    click.echo(f"Mail: {report.sent} sent, {report.retrying} to retry, {report.failed} failed.")
    for line in report.errors:
        click.echo(f"  {line}", err=True)
    if report.server_unavailable:
        # A non-zero exit lets cron or a systemd timer alert whoever runs cop.
        raise click.ClickException(
            "The mail server could not take messages; they stay in the outbox for the next run."
        )


@cop_group.command("send-reminders")
@with_appcontext
def send_reminders_command() -> None:
    """Queue the meeting reminders that are due (each once), remind the owners of solutions
    whose progress update is overdue (once per period), and purge needs of past meetings."""
    from cop.meetings.registration import purge_past_needs
    from cop.meetings.reminders import send_reminders
    from cop.solutions.reminders import send_update_reminders

    # Links in the emails are built as in a request, on the public base URL.
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        session = get_session()
        queued = send_reminders(session)
        updates_due = send_update_reminders(session)
        purged = purge_past_needs(session)
        session.commit()
    click.echo(
        f"Reminders: {queued} queued. Needs purged from {purged} past registrations. "
        f"Progress update reminders: {updates_due} queued."
    )


@cop_group.command("send-digests")
@with_appcontext
def send_digests_command() -> None:
    """Queue each person's digest of the news they follow (once per day or week, as they chose)."""
    from cop.mail.digests import send_digests

    # Links in the emails are built as in a request, on the public base URL.
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        report = send_digests(get_session())
    click.echo(
        f"Digests: {report.sent} queued, {report.waiting} already sent this period (their news "
        f"waits for the next), {report.set_aside} set aside (no digest wanted)."
    )


@cop_group.command("outbox")
@click.option("--to", "recipient", default=None, help="Only messages to this address.")
@click.option("--limit", default=10, show_default=True, help="How many of the newest messages.")
@click.option("--show/--list", default=False, help="Print each message's text too.")
@with_appcontext
def outbox_command(recipient: str | None, limit: int, show: bool) -> None:
    """List the newest emails in the outbox (to read a confirmation link while developing)."""
    from sqlalchemy import select

    from cop.mail.models import OutboxMessage

    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if recipient:
        query = query.where(OutboxMessage.recipient.contains(recipient.strip().lower()))
    messages = list(get_session().scalars(query))
    if not messages:
        click.echo("The outbox holds no such message.")
    for message in messages:
        click.echo(
            f"#{message.id} {message.created_at:%Y-%m-%d %H:%M} UTC  {message.status.value:<7} "
            f"to {message.recipient}: {message.subject}"
        )
        if show:
            click.echo("")
            click.echo(message.body_text.rstrip())
            click.echo("-" * 72)
