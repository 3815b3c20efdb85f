"""The bench's building blocks at a tiny scale: the scaled demo, the statistics, the load generator,
the pages it measures. Fast checks that they work, not a timed benchmark (that is `make bench`)."""

from __future__ import annotations

import random
import re
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from bench.calendar import prepare_and_count, time_builds
from bench.load import Sample, percentile, run_load, summarise
from bench.pages import PAGES, count_queries, log_in, targets
from cop.activities.models import Activity, ActivityStatus
from cop.challenges.models import (
    Challenge,
    ChallengeStatus,
    Endorsement,
    GoodPractice,
    PracticeStatus,
    Theme,
)
from cop.demo_scale import (
    SCALE_COORDINATOR,
    SCALE_MEMBER,
    AlreadyLoaded,
    ScalePlan,
    load_scaled_demo,
)
from cop.meetings.models import (
    AgendaItem,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Registration,
    RegistrationStatus,
)
from cop.members.models import Membership, User, WorkingGroup
from cop.outcomes.models import Outcome, OutcomeKind, OutcomeStatus, OutcomeVersion
from cop.solutions.models import Milestone, Solution, SolutionStage

TINY = ScalePlan(
    members=60,
    groups=3,
    meetings_per_group=8,
    member_groups=2,
    challenges=90,
    practices=60,
    activities=30,
    solutions=30,
    outcomes=30,
)
NOW = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


# --- Statistics ---------------------------------------------------------------------------------


def test_percentiles_of_known_samples():
    hundred = list(range(1, 101))
    random.Random(5).shuffle(hundred)
    assert percentile(hundred, 0.50) == 50
    assert percentile(hundred, 0.99) == 99
    assert percentile(hundred, 1.0) == 100
    thousand = [n / 1000 for n in range(1000, 0, -1)]
    assert percentile(thousand, 0.50) == 0.5
    assert percentile(thousand, 0.99) == 0.99
    assert percentile([7.0], 0.5) == percentile([7.0], 0.99) == 7.0
    # Nearest rank: of ten samples, p99 is the largest one (a slow outlier shows).
    assert percentile([1, 1, 1, 1, 1, 1, 1, 1, 1, 40], 0.99) == 40
    assert percentile([1, 1, 1, 1, 1, 1, 1, 1, 1, 40], 0.50) == 1
    with pytest.raises(ValueError):
        percentile([], 0.5)


def test_summary_of_a_run_in_milliseconds_and_requests_per_second():
    latencies = [0.001 * n for n in range(1, 201)]  # 1 ms .. 200 ms

    stats = summarise(latencies, errors=3, seconds=4.0)

    assert stats.requests == 200 and stats.errors == 3
    assert stats.rps == 50.0
    assert stats.p50_ms == pytest.approx(100.0)
    assert stats.p99_ms == pytest.approx(198.0)
    assert summarise([], errors=2, seconds=1.0).rps == 0.0
    # Runs of the same page (/healthz before and after another page) add up before the stats.
    both = (Sample((0.002, 0.004), 0, 1.0) + Sample((0.001, 0.003), 1, 1.0)).stats()
    assert (both.requests, both.errors, both.rps) == (4, 1, 2.0)
    assert both.p50_ms == pytest.approx(2.0) and both.p99_ms == pytest.approx(4.0)


def test_the_load_generator_keeps_connections_alive_and_counts_errors():
    connections = set()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keeps the connection open between requests
        disable_nagle_algorithm = True  # no 40 ms pause between headers and body

        def do_GET(self) -> None:
            connections.add(self.client_address)
            self.send_response(200 if self.path == "/ok" else 404)
            self.send_header("Content-Length", "5")
            self.end_headers()
            self.wfile.write(b"hello")

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        # long enough for a busy machine to answer a few requests in the measured window
        ok = run_load("127.0.0.1", port, "/ok", threads=2, duration=1.5, warmup=0.1)
        seen = set(connections)
        missing = run_load("127.0.0.1", port, "/missing", threads=1, duration=1.0, warmup=0)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    assert ok.requests >= 2 and ok.errors == 0
    assert 0 < ok.p50_ms <= ok.p99_ms
    assert len(seen) == 2  # two threads, each on one connection reused for every request
    assert missing.requests == 0 and missing.errors > 0


def test_the_load_generator_sends_headers_and_expects_a_status():
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            if self.headers.get("If-None-Match") == '"abc"':
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        options = dict(threads=1, duration=1.0, warmup=0)
        unchanged = run_load(
            "127.0.0.1", port, "/", headers={"If-None-Match": '"abc"'}, expect=304, **options
        )
        stale = run_load(
            "127.0.0.1", port, "/", headers={"If-None-Match": '"old"'}, expect=304, **options
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    assert unchanged.requests >= 1 and unchanged.errors == 0
    assert stale.requests == 0 and stale.errors > 0  # a 200 where a 304 was expected


# --- The scaled demo ----------------------------------------------------------------------------


def test_the_scaled_demo_writes_the_planned_numbers(session):
    report = load_scaled_demo(session, TINY, now=NOW)
    session.commit()

    assert count(session, WorkingGroup, WorkingGroup.slug.like("scale-%")) == report.groups == 3
    people = count(session, User, User.email.like("scale-%"))
    assert people == report.users == 62  # and the two accounts for the bench
    # Everyone in one group, every fourth person in a second; one coordinator and the member.
    assert count(session, Membership) == report.memberships == 60 + 15 + 1 + 2
    assert count(session, Meeting) == report.meetings == 24
    assert count(session, AgendaItem) == report.agenda_items == 72
    assert count(session, Registration) == report.registrations > 200
    for group_id in session.scalars(select(WorkingGroup.id)):
        slots = session.scalars(
            select(Meeting.cycle_slot).where(
                Meeting.group_id == group_id, Meeting.kind == MeetingKind.PLENARY
            )
        ).all()
        assert sorted(slots) == [1, 2, 3, 4, 5, 6]
    # Seats are never overbooked; the rest wait.
    for meeting in session.scalars(select(Meeting)):
        for mode in meeting.modes:
            confirmed = count(
                session,
                Registration,
                Registration.meeting_id == meeting.id,
                Registration.mode == mode,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
            assert meeting.capacity(mode) is None or confirmed <= meeting.capacity(mode)
        if meeting.status is MeetingStatus.DRAFT:
            assert count(session, Registration, Registration.meeting_id == meeting.id) == 0
    assert count(session, Registration, Registration.status == RegistrationStatus.WAITLISTED)
    # The bench's member is registered for every meeting of their two groups but drafts.
    member = session.scalar(select(User).where(User.email == SCALE_MEMBER))
    assert count(session, Registration, Registration.user_id == member.id) == 2 * (8 - 1)
    # Challenges and practices, in each group's share, under the themes seeded for each.
    assert count(session, Challenge) == report.challenges == 90
    assert count(session, GoodPractice) == report.practices == 60
    assert count(session, Theme) == report.themes == 3 * 5
    assert count(session, Endorsement) == report.endorsements > 90
    for group_id in session.scalars(select(WorkingGroup.id)):
        assert count(session, Challenge, Challenge.group_id == group_id) == 30
        ranks = session.scalars(
            select(Challenge.priority).where(
                Challenge.group_id == group_id, Challenge.priority.is_not(None)
            )
        ).all()
        assert sorted(ranks) == list(range(1, 11))
    for status in ChallengeStatus:
        assert count(session, Challenge, Challenge.status == status), status
    for status in PracticeStatus:
        assert count(session, GoodPractice, GoodPractice.status == status), status
    merged = session.scalars(select(Challenge).where(Challenge.merged_into_id.is_not(None))).all()
    assert merged and all(c.merged_into.group_id == c.group_id for c in merged)
    # Nobody endorses what they raised.
    raised = select(Challenge.raised_by_id).where(Challenge.id == Endorsement.challenge_id)
    assert count(session, Endorsement, Endorsement.user_id == raised.scalar_subquery()) == 0
    # Activities in every status, on their own group's challenges and meetings, with experts
    # of its members; the completed ones with their evaluation.
    assert count(session, Activity) == report.activities == 30
    for status in ActivityStatus:
        assert count(session, Activity, Activity.status == status), status
    for activity in session.scalars(select(Activity)):
        assert {c.group_id for c in activity.challenges} <= {activity.group_id}
        assert {m.group_id for m in activity.meetings} == {activity.group_id}
        assert len(activity.experts) == 3
        if activity.status is ActivityStatus.COMPLETED:
            assert activity.evaluation_learnt and activity.evaluation_changes
    assert count(session, User, User.contactable) > 0
    # Solutions at every stage, on their group's challenges, with their milestones, an
    # indicator measured and updates.
    assert count(session, Solution) == report.solutions == 30
    for stage in SolutionStage:
        assert count(session, Solution, Solution.stage == stage), stage
    for solution in session.scalars(select(Solution)):
        assert {c.group_id for c in solution.challenges} == {solution.group_id}
        assert len(solution.regions) == 2 and len(solution.milestones) == 3
        assert solution.indicators[0].measurements
    assert count(session, Milestone, Milestone.done_on.is_(None), Milestone.due_on < NOW.date())
    # Outcomes in every kind and state; the published ones approved by a coordinator who is
    # not one of their authors, drawing on public solutions, in their regions.
    assert count(session, Outcome) == report.outcomes == 30
    for status in OutcomeStatus:
        assert count(session, Outcome, Outcome.status == status), status
    assert {o.kind for o in session.scalars(select(Outcome))} == set(OutcomeKind)
    assert count(session, OutcomeVersion, OutcomeVersion.number == 2)
    for outcome in session.scalars(select(Outcome)):
        assert outcome.authors and outcome.groups
        listed = outcome.status in (OutcomeStatus.PUBLISHED, OutcomeStatus.WITHDRAWN)
        assert (outcome.current_version_id is not None) == listed
        if listed:
            assert outcome.versions[-1].id == outcome.current_version_id
            assert all(v.approved_by_id not in outcome.author_ids for v in outcome.versions)
            assert outcome.first_published_at <= outcome.public_changed_at <= NOW
        if outcome.status is OutcomeStatus.WITHDRAWN:
            assert outcome.withdraw_reason and outcome.withdrawn_at
        assert all(s.public for s in outcome.solutions)
        codes = {region.code for region in outcome.regions}
        for solution in outcome.solutions:
            assert {region.code for region in solution.regions} <= codes
    assert any(len(outcome.groups) == 2 for outcome in session.scalars(select(Outcome)))

    with pytest.raises(AlreadyLoaded):
        load_scaled_demo(session, TINY, now=NOW)


def test_scale_n_means_n_thousand_people():
    plan = ScalePlan.for_scale(3)
    assert (plan.members, plan.groups, plan.groups * plan.meetings_per_group) == (3000, 10, 240)
    assert (plan.challenges, plan.practices) == (12000, 12000)
    assert plan.outcomes == 300
    with pytest.raises(ValueError):
        ScalePlan.for_scale(0)


def test_demo_scale_command_loads_once_and_never_in_production(app, runner, session, monkeypatch):
    monkeypatch.setattr(ScalePlan, "for_scale", classmethod(lambda cls, scale: TINY))

    first = runner.invoke(args=["cop", "demo", "--scale", "1"])
    assert first.exit_code == 0, first.output
    assert "Scaled demo (scale 1): 62 people" in first.output
    assert SCALE_COORDINATOR in first.output and "scale-demo-password" in first.output

    second = runner.invoke(args=["cop", "demo", "--scale", "1"])
    assert second.exit_code != 0
    assert "already in this database" in second.output
    assert count(session, User, User.email.like("scale-%")) == 62

    assert runner.invoke(args=["cop", "demo", "--scale", "0"]).exit_code != 0
    app.config["COP_ENV"] = "production"
    refused = runner.invoke(args=["cop", "demo", "--scale", "1"])
    assert refused.exit_code != 0 and "not for production" in refused.output


# --- The pages measured -------------------------------------------------------------------------


def test_the_measured_pages_answer_and_their_queries_are_counted(app, session, connection):
    load_scaled_demo(session, TINY, now=NOW)
    session.commit()

    found = targets(app)
    counts = count_queries(app, found, listen_on=connection)

    assert [target.page for target in found] == list(PAGES)
    for target in found:
        if target.path is None:  # a page not built yet is reported, not measured
            continue
        status, statements = counts[target.page.label]
        assert status == target.page.expect, target.path
        assert statements >= 1
    assert counts["/healthz"][1] == 1  # SELECT 1
    # The challenge pages are measured on the scaled group's records, the searches with a
    # word and filters that find some.
    paths = {target.page.label: target.path for target in found}
    assert paths["challenge search"] == "/groups/scale-01/challenges/?q=innovation"
    assert paths["group's activities"] == "/groups/scale-01/activities/"
    assert paths["activity page"].startswith("/activities/")
    assert paths["activity page (member)"] == paths["activity page"]
    assert paths["solution page"].startswith("/solutions/")
    assert paths["solution page (member)"] == paths["solution page"]
    assert paths["solutions dashboard (member)"] == "/groups/scale-01/solutions/dashboard"
    assert "&theme=" in paths["challenge search+filters (member)"]
    # The public outcome pages: the library (and its 304, answered without a query for the
    # list), an outcome of the scaled group, the region most outcomes concern, the feeds.
    assert paths["outcomes library"] == paths["outcomes library, If-None-Match (304)"]
    assert paths["outcomes library"] == "/outcomes/"
    assert counts["outcomes library, If-None-Match (304)"][1] < counts["outcomes library"][1]
    assert paths["outcomes library: group+kind+search"] == (
        "/outcomes/?group=scale-01&kind=lessons_learnt&q=innovation"
    )
    assert paths["outcome page"].startswith("/outcomes/")
    assert paths["region page"].startswith("/regions/")
    assert paths["region's bottleneck dossier"] == paths["region page"] + "/dossier"
    assert paths["outcomes Atom feed"] == "/outcomes/feed.atom"
    assert paths["group's outcomes Atom feed"] == "/groups/scale-01/outcomes/feed.atom"
    member = app.test_client()
    log_in(member, SCALE_MEMBER)
    for label, reader, link in (
        ("challenge search", app.test_client(), b'href="/challenges/'),
        ("challenge search+filters (member)", member, b'href="/challenges/'),
        ("good practice search", app.test_client(), b'href="/practices/'),
    ):
        assert link in reader.get(paths[label]).data, label
    # The filtered library and the region page list outcomes (links to their pages).
    for label in ("outcomes library: group+kind+search", "region page"):
        page = app.test_client().get(paths[label]).get_data(as_text=True)
        assert re.search(r'href="/outcomes/\d+"', page), label


# --- The calendar feeds -------------------------------------------------------------------------


def test_the_calendar_feeds_are_written_counted_and_timed(app, session, connection):
    world, counts, _ = prepare_and_count(
        app, listen_on=connection, meetings=60, first=10, registered=20
    )

    assert len(world.ids) == 60 and len(world.registered_for) == 20
    for feed, (small, large) in counts.items():
        assert small == large >= 2, feed
    timing = time_builds(app, f"/calendar/{world.slug}.ics", runs=2)
    assert 50 <= timing.events <= 60  # cancelled meetings over 30 days ago left the feed
    assert timing.size_kb > 10 and 0 < timing.median_ms <= timing.p95_ms
