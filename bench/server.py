"""cop served by gunicorn on a free local port, as in production (gthread workers, keep-alive)."""

from __future__ import annotations

import http.client
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# One key for the whole run, so that every gunicorn worker reads the others' session cookies.
SECRET_KEY = secrets.token_urlsafe(48)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def app_environment(database_url: str) -> dict[str, str]:
    """The environment `flask` and gunicorn run the app with in the bench."""
    env = dict(os.environ)
    env.pop("COP_ENV", None)
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=SECRET_KEY,
        FLASK_APP="wsgi",
    )
    return env


def flask(database_url: str, *args: str) -> str:
    """Run `flask ARGS` against the database; its output (stops the bench when it fails)."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", *args],
        cwd=ROOT,
        env=app_environment(database_url),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


@contextmanager
def gunicorn(database_url: str, *, workers: int, threads: int) -> Iterator[int]:
    """Serve the app; yields the port once /healthz answers, stops the server afterwards."""
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn",
        "--workers", str(workers),
        "--worker-class", "gthread",
        "--threads", str(threads),
        "--keep-alive", "5",
        "--bind", f"127.0.0.1:{port}",
        "--log-level", "warning",
        "wsgi:app",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=app_environment(database_url))
    try:
        _wait_until_healthy(port, server)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_healthy(port: int, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn stopped at start-up (exit status {server.returncode})")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                connection.close()
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz within a minute")
