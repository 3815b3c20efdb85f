"""The load generator: threads sending GET requests over keep-alive HTTP connections, and the
statistics of what they measured (requests per second, p50 and p99 latency)."""

from __future__ import annotations

import http.client
import math
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode

CSRF_FIELD = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@dataclass(frozen=True)
class Stats:
    """What one page's run measured: completed requests in the window, and their latency."""

    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest sample that `fraction` of the samples do not exceed.

    Of the samples 1..100, p50 is 50 and p99 is 99; of a single sample, every percentile is it.
    """
    if not samples:
        raise ValueError("no samples")
    if not 0 < fraction <= 1:
        raise ValueError("the fraction is in (0, 1]")
    ordered = sorted(samples)
    # Rounded first, so that 0.99 * 100 (99.00000000000001 in floating point) is rank 99.
    rank = math.ceil(round(fraction * len(ordered), 9))
    return ordered[max(rank, 1) - 1]


@dataclass(frozen=True)
class Sample:
    """The raw result of a run: the latency of each request counted (seconds), errors, length."""

    latencies: tuple[float, ...]
    errors: int
    seconds: float

    def __add__(self, other: Sample) -> Sample:
        return Sample(
            self.latencies + other.latencies,
            self.errors + other.errors,
            self.seconds + other.seconds,
        )

    def stats(self) -> Stats:
        return summarise(self.latencies, self.errors, self.seconds)


def summarise(latencies: Sequence[float], errors: int, seconds: float) -> Stats:
    """Stats from latencies in seconds (of the requests completed in a window of `seconds`)."""
    if not latencies:
        return Stats(0, errors, seconds, math.nan, math.nan)
    return Stats(
        requests=len(latencies),
        errors=errors,
        seconds=seconds,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
    )


def run_load(host: str, port: int, path: str, **options) -> Stats:
    """The statistics of `sample_load` (same arguments)."""
    return sample_load(host, port, path, **options).stats()


def sample_load(
    host: str,
    port: int,
    path: str,
    *,
    cookie: str = "",
    threads: int = 8,
    duration: float = 5.0,
    warmup: float = 1.0,
    timeout: float = 30.0,
    headers: dict[str, str] | None = None,
    expect: int = 200,
) -> Sample:
    """GET `path` from `threads` threads, each on its own keep-alive connection, for `warmup`
    then `duration` seconds; only requests started after the warm-up count.

    `headers` are sent besides the usual ones (such as If-None-Match). A response other than
    `expect` (200, or 304 for a conditional request) counts as an error (its latency is not kept).
    """
    headers = {"Connection": "keep-alive", "Accept": "text/html", **(headers or {})}
    if cookie:
        headers["Cookie"] = cookie
    start_line = threading.Barrier(threads + 1)
    clock = {}
    results: list[tuple[list[float], int]] = []
    lock = threading.Lock()

    def worker() -> None:
        latencies: list[float] = []
        errors = 0
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
        start_line.wait()
        measure_from, stop_at = clock["from"], clock["stop"]
        while True:
            began = time.perf_counter()
            if began >= stop_at:
                break
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == expect
                if response.will_close:
                    connection.close()
                    connection = http.client.HTTPConnection(host, port, timeout=timeout)
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=timeout)
            ended = time.perf_counter()
            if began >= measure_from:
                if ok:
                    latencies.append(ended - began)
                else:
                    errors += 1
        connection.close()
        with lock:
            results.append((latencies, errors))

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    now = time.perf_counter()
    clock["from"], clock["stop"] = now + warmup, now + warmup + duration
    start_line.wait()
    for thread in pool:
        thread.join()
    latencies = tuple(latency for worker_latencies, _ in results for latency in worker_latencies)
    errors = sum(worker_errors for _, worker_errors in results)
    return Sample(latencies, errors, duration)


class HTTPSession:
    """A person's cookies on the server under test: log in through the form, as a browser would."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}

    @property
    def cookie(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        headers = {"Cookie": self.cookie} if self.cookies else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or ():
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, text
        finally:
            connection.close()

    def login(self, email: str, password: str) -> None:
        status, page = self.request("GET", "/account/login")
        match = CSRF_FIELD.search(page)
        if status != 200 or not match:
            raise RuntimeError(f"the login form did not load ({status})")
        form = urlencode({"csrf_token": match.group(1), "email": email, "password": password})
        status, _ = self.request("POST", "/account/login", form)
        if status != 302:
            raise RuntimeError(f"logging in as {email} failed ({status})")
        # One page read after logging in takes the "You are logged in" message out of the session.
        self.request("GET", "/")
