"""`make bench` (`python -m bench`): cop under gunicorn on PostgreSQL with the scaled demo.

1. Two fresh PostgreSQL databases (cop_bench_small and cop_bench, on 127.0.0.1:5432 as
   the user postgres unless BENCH_POSTGRES_URL names another server) are migrated,
   filled with `flask cop demo --scale N` at a small and at the benchmark's scale, and
   vacuumed and analysed (as autovacuum would soon after a bulk load in production).
2. Each page's SQL query count (the challenge and good practice lists, with a search, with
   filters, and with both, among them; a challenge page with its suggestions; the activity
   list and an activity page; the outcomes library, filtered and answered 304, an outcome
   page, a region page and its dossier, the outcomes Atom feeds) is taken in process (the
   app's test client and an event counter on the engine) at both scales: a page whose count
   grows with the data is an N+1.
3. gunicorn serves the app on the large database; a local load generator (threads on
   keep-alive connections) measures requests per second and p50/p99 latency of each
   page, beside /healthz measured in the same run, just before and just after each
   page: the ratio to /healthz is the figure to compare between machines.
4. The outbox's sending speed against a local SMTP sink.
5. The calendar feeds (bench/calendar.py): a group with 1,000 open meetings and a member
   registered for 200 of them are written into the large database; the feeds' SQL query
   counts at 10 and at 1,000 meetings (10 and 200 registrations), their build time in
   process, and their throughput under gunicorn, with and without If-None-Match (304).

Both databases are dropped at the end. Figures are printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import time

import psycopg
from alembic import command
from sqlalchemy.engine import make_url

from bench.calendar import _etag, measure_calendar
from bench.load import HTTPSession, Sample, Stats, sample_load
from bench.mail import measure_mail
from bench.pages import ACCOUNTS, count_queries, targets
from bench.postgres import admin_url, create_database, drop_database, vacuum_analyze
from bench.server import flask, gunicorn
from cop import create_app
from cop.db import get_db
from cop.demo_scale import SCALE_PASSWORD, ScalePlan
from cop.migrate import alembic_config

SMALL, LARGE = "cop_bench_small", "cop_bench"


def arguments() -> argparse.Namespace:
    cores = os.cpu_count() or 2
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, default=3, help="scale of the load test (default 3)")
    parser.add_argument(
        "--small-scale", type=int, default=1, help="the other scale of the query counts (1)"
    )
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per page (5)")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before measuring (1)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent connections (8)")
    parser.add_argument(
        "--workers", type=int, default=4 * cores, help=f"gunicorn workers ({4 * cores})"
    )
    # One thread per worker, as in production (README): on Python 3.11, two threads of one
    # process building many objects at once crashed a worker now and then (SIGSEGV, in the
    # garbage collector; not seen on 3.12 nor with one thread per process).
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (1)")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    options = parser.parse_args()
    if options.small_scale >= options.scale:
        parser.error("--small-scale must be below --scale, so the query counts compare two sizes")
    return options


def prepare(name: str, scale: int) -> tuple[str, float]:
    """A fresh database with the scaled demo; its URL and the seconds it took."""
    start = time.perf_counter()
    url = create_database(name)
    command.upgrade(alembic_config(url), "head")
    flask(url, "cop", "demo", "--scale", str(scale))
    vacuum_analyze(url)
    return url, time.perf_counter() - start


def server() -> str:
    """The PostgreSQL server's address, without credentials."""
    url = make_url(admin_url())
    return f"{url.host or '127.0.0.1'}:{url.port or 5432}"


def in_process(url: str):
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-in-process-key-0123456789abcdef"})


def main() -> None:
    options = arguments()
    try:
        run(options)
    except psycopg.OperationalError as error:
        first_line = str(error).strip().splitlines()[0]
        raise SystemExit(
            f"bench: PostgreSQL is not reachable at {server()} ({first_line}); start it, "
            "or name a server where you may create databases in BENCH_POSTGRES_URL"
        ) from None


def run(options: argparse.Namespace) -> None:
    plan = ScalePlan.for_scale(options.scale)
    print(
        f"cop bench: PostgreSQL at {server()}, scaled demo at scale "
        f"{options.scale} ({plan.members} people in {plan.groups} groups, "
        f"{plan.groups * plan.meetings_per_group} meetings, {plan.challenges} challenges, "
        f"{plan.practices} good practices, {plan.outcomes} outcomes) and {options.small_scale} for the "
        f"query counts; gunicorn {options.workers} workers x {options.threads} threads; "
        f"{options.clients} client connections, {options.duration:g}s per page"
    )
    try:
        small_url, took = prepare(SMALL, options.small_scale)
        print(f"  scale {options.small_scale} loaded in {took:.0f}s")
        url, took = prepare(LARGE, options.scale)
        print(f"  scale {options.scale} loaded in {took:.0f}s")
        counts = {}
        for scale, database in ((options.small_scale, small_url), (options.scale, url)):
            app = in_process(database)
            found = targets(app)
            counts[scale] = count_queries(app, found)
            get_db(app).engine.dispose()
        results, beside = load_test(url, found, options)
        print_table(found, results, beside, counts, options)
        app = in_process(url)
        print(measure_mail(app))
        print(measure_calendar(app, url, options))
        get_db(app).engine.dispose()
    finally:
        if not options.keep:
            for name in (SMALL, LARGE):
                # When the server is unreachable, there is nothing of ours to drop there.
                with contextlib.suppress(psycopg.OperationalError):
                    drop_database(name)


def load_test(url: str, found, options) -> tuple[dict[str, Stats], dict[str, Stats]]:
    """Each page's stats, and those of /healthz measured just before and just after it.

    /healthz runs between every two pages, so that each page's ratio compares it with the
    server's baseline at the same moment, whatever else the machine is doing.
    """
    pages = [target for target in found if target.path and target.page.endpoint != "site.healthz"]
    results: dict[str, Stats] = {}
    beside: dict[str, Stats] = {}
    with gunicorn(url, workers=options.workers, threads=options.threads) as port:
        cookies = {None: ""}
        for reader, email in ACCOUNTS.items():
            person = HTTPSession("127.0.0.1", port)
            person.login(email, SCALE_PASSWORD)
            cookies[reader] = person.cookie

        def sample(path: str, reader: str | None = None, **extra) -> Sample:
            return sample_load(
                "127.0.0.1",
                port,
                path,
                cookie=cookies[reader],
                threads=options.clients,
                duration=options.duration,
                warmup=options.warmup,
                **extra,
            )

        before = sample("/healthz")
        everything = before
        for target in pages:
            extra = {}
            if target.page.conditional:  # the reader holds the page: If-None-Match, 304
                extra = {"headers": {"If-None-Match": _etag(port, target.path)}, "expect": 304}
            results[target.page.label] = sample(target.path, target.page.reader, **extra).stats()
            after = sample("/healthz")
            beside[target.page.label] = (before + after).stats()
            everything, before = everything + after, after
    results["/healthz"] = beside["/healthz"] = everything.stats()
    rates = [stats.rps for label, stats in beside.items() if label != "/healthz"]
    if rates:
        print(
            f"  /healthz beside the pages: {min(rates):.0f} to {max(rates):.0f} req/s "
            "(each page's ratio uses the runs just before and after it)"
        )
    return results, beside


def print_table(found, results, beside, counts, options) -> None:
    small, large = options.small_scale, options.scale
    # Wide enough for the longest label and path (search pages have query strings).
    wide = max(31, *(len(target.page.label) + 2 for target in found))
    long = max(27, *(len(target.path or "") + 2 for target in found))
    header = (
        f"{'page':<{wide}}{'path':<{long}}{'req/s':>7}{'p50 ms':>8}{'p99 ms':>8}{'errors':>7}"
        f"{'healthz req/s':>14}{'ratio':>7}{'p50 ratio':>10}"
        f"{f'queries@{small}':>11}{f'queries@{large}':>11}"
    )
    print()
    print(header)
    print("-" * len(header))
    for target in found:
        label = target.page.label
        path = target.path or ""
        if target.path is None:
            print(f"{label:<{wide}}{'':<{long}}{target.missing}")
            continue
        stats, base = results[label], beside[label]
        rps_ratio = stats.rps / base.rps if base.rps else math.nan
        latency_ratio = stats.p50_ms / base.p50_ms if base.p50_ms else math.nan
        queries = []
        for scale in (small, large):
            status, number = counts[scale][label]
            queries.append(str(number) if status == target.page.expect else f"{number} ({status})")
        print(
            f"{label:<{wide}}{path:<{long}}{stats.rps:>7.0f}{stats.p50_ms:>8.1f}{stats.p99_ms:>8.1f}"
            f"{stats.errors:>7}{base.rps:>14.0f}{rps_ratio:>7.2f}{latency_ratio:>10.1f}"
            f"{queries[0]:>11}{queries[1]:>11}"
        )
    print(
        "ratio: the page's req/s over /healthz's, measured just before and after it; p50 ratio:\n"
        "its median latency over /healthz's; queries: SQL statements per request at each scale."
    )


if __name__ == "__main__":
    main()
