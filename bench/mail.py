"""Outbox speed: queue messages, then send them to a local SMTP sink (aiosmtpd)."""

from __future__ import annotations

import time

from flask import Flask

from bench.server import free_port
from cop.db import get_session
from cop.mail.services import SMTPSettings, SMTPTransport, queue_email, send_pending


def measure_mail(app: Flask, messages: int = 1000) -> str:
    from aiosmtpd.controller import Controller

    class Sink:
        received = 0

        async def handle_DATA(self, server, session, envelope):
            Sink.received += 1
            return "250 OK"

    port = free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with app.app_context():
            session = get_session()
            start = time.perf_counter()
            for number in range(messages):
                queue_email(
                    session, to=f"member{number}@example.org", subject="Bench", text="Hello " * 50
                )
            session.commit()
            queued = time.perf_counter() - start
            transport = SMTPTransport(
                SMTPSettings(host="127.0.0.1", port=port, sender="cop <no-reply@example.org>")
            )
            start = time.perf_counter()
            report = send_pending(session, transport, limit=messages)
            sent = time.perf_counter() - start
    finally:
        controller.stop()
    return (
        f"outbox: queued {messages} in {queued:.2f}s ({messages / queued:.0f}/s); "
        f"sent {report.sent} in {sent:.2f}s ({report.sent / sent:.0f}/s); "
        f"the SMTP sink received {Sink.received}"
    )
