"""The open-data datasets: what anyone may read of the outcomes, good practices, challenges,
solutions (with their indicators and measurements) and meetings, as records of documented
fields, written as JSON or CSV.

Each dataset names its fields once (`Dataset.fields`): the exporters write exactly those and
the documentation page lists them, so the two never disagree. Records are read in batches of
BATCH rows (keyset on the id), each batch in a fixed number of queries, and written as they
come: a large dataset is never held in memory whole. Only public records are read, by the
rules of each package (published outcomes, withdrawn ones marked; published practices;
accepted challenges and later; public solutions; published meetings, without their online
link nor anyone's name)."""

from __future__ import annotations

import csv
import io
import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.sql import ColumnElement

from cop.activities.models import Activity
from cop.challenges.challenge_pages import PUBLIC_STATUSES
from cop.challenges.models import (
    Challenge,
    Endorsement,
    GoodPractice,
    PracticeStatus,
    Theme,
    challenge_regions,
    challenge_themes,
    practice_challenges,
    practice_themes,
)
from cop.db import utcnow
from cop.mail.messages import external_url
from cop.meetings.models import (
    Meeting,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    Registration,
    RegistrationStatus,
)
from cop.members.models import Helix, WorkingGroup
from cop.outcomes.access import is_public as outcome_is_public
from cop.outcomes.labels import credited_names
from cop.outcomes.models import (
    LICENCES,
    Outcome,
    OutcomeKind,
    OutcomeStatus,
    outcome_activities,
    outcome_challenges,
    outcome_groups,
    outcome_meetings,
    outcome_practices,
    outcome_regions,
    outcome_solutions,
    outcome_themes,
)
from cop.site.feeds import rfc3339
from cop.solutions.exports import SEPARATOR, cell
from cop.solutions.models import (
    Direction,
    Indicator,
    Measurement,
    Solution,
    SolutionStage,
    UpdateStatus,
    solution_challenges,
    solution_regions,
)
from cop.solutions.progress import headline, indicator_series

# Rows read per query: bounded memory, and a query count that grows with batches only.
BATCH = 500
# The licence of the datasets themselves.
LICENCE = "CC-BY-4.0"
LICENCE_NAME, LICENCE_URL = LICENCES[LICENCE]
FORMATS = ("json", "csv")

# What anyone may read, by each package's rules.
_PUBLIC_CHALLENGE = Challenge.status.in_(PUBLIC_STATUSES)
_PUBLISHED_PRACTICE = GoodPractice.status == PracticeStatus.PUBLISHED
_PUBLIC_SOLUTION = Solution.public.is_(True)

TYPE_LABELS = {
    "integer": _l("whole number"),
    "number": _l("number"),
    "text": _l("text"),
    "code": _l("code"),
    "date": _l("date (YYYY-MM-DD)"),
    "datetime": _l("date and time (ISO 8601, UTC)"),
    "url": _l("web address"),
    "list": _l("list (in CSV, values separated by “; ”)"),
    "records": _l("list of records (JSON only)"),
}


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    meaning: object  # a lazy string
    values: tuple[str, ...] = ()  # the codes a "code" field takes

    @property
    def in_csv(self) -> bool:
        return self.type != "records"

    @property
    def type_label(self) -> str:
        return str(TYPE_LABELS[self.type])


@dataclass(frozen=True)
class Dataset:
    name: str
    title: object
    description: object
    changes: object  # how often it changes, for the documentation
    fields: tuple[Field, ...]
    # The statement whose one row is the dataset's version: counts and newest changes.
    version_query: Callable[[], Select]
    # The records, read in batches.
    read: Callable[[Session], Iterator[dict]]

    @property
    def csv_fields(self) -> list[Field]:
        return [field for field in self.fields if field.in_csv]

    def version(self, session: Session) -> tuple[tuple, datetime | None]:
        """The dataset's version (for the ETag) and its newest change (Last-Modified): one
        query."""
        row = tuple(session.execute(self.version_query()).one())
        moments = [value for value in row if isinstance(value, datetime)]
        key = tuple(value.isoformat() if isinstance(value, datetime) else value for value in row)
        return key, max(moments, default=None)


def _codes(enum_type) -> tuple[str, ...]:
    return tuple(member.value for member in enum_type)


def _batches(session: Session, query: Select, key) -> Iterator[list]:
    """The query's records BATCH at a time, by ascending `key` (a unique integer column)."""
    last = 0
    while True:
        rows = session.scalars(query.where(key > last).order_by(key).limit(BATCH)).unique().all()
        if not rows:
            return
        yield rows
        last = getattr(rows[-1], key.key)
        if len(rows) < BATCH:
            return


def _grouped(session: Session, query: Select) -> dict:
    """(owner id, value) rows as {owner id: [value, ...]}, in the query's order."""
    found: dict = defaultdict(list)
    for owner, value in session.execute(query):
        found[owner].append(value)
    return found


def _newest(*columns) -> list:
    return [select(func.max(column)).scalar_subquery() for column in columns]


def _count(condition, entity) -> ColumnElement:
    return select(func.count()).select_from(entity).where(condition).scalar_subquery()


def _moment(value: datetime | None) -> str | None:
    return rfc3339(value) if value is not None else None


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _number(value: float | None) -> float | int | None:
    if value is None or not math.isfinite(value):
        return None
    return int(value) if value.is_integer() and abs(value) < 1e15 else value


# -- outcomes ------------------------------------------------------------------------------------

OUTCOME_FIELDS = (
    Field("id", "integer", _l("The outcome's number in cop.")),
    Field("url", "url", _l("Its page.")),
    Field("kind", "code", _l("What it is."), _codes(OutcomeKind)),
    Field("title", "text", _l("Its title, as last published.")),
    Field("summary", "text", _l("Its summary, as last published.")),
    Field("body", "text", _l("Its text, in Markdown, as last published.")),
    Field(
        "authors",
        "list",
        _l("The names of its authors who agreed to be listed, as credited when it was published."),
    ),
    Field(
        "unnamed_authors",
        "integer",
        _l("How many other authors it credits without naming them (“and 2 other members”)."),
    ),
    Field("licence", "code", _l("Its licence (SPDX identifier)."), tuple(LICENCES)),
    Field("licence_url", "url", _l("The licence's text.")),
    Field(
        "status",
        "code",
        _l("Published, or withdrawn (its page stays, marked withdrawn)."),
        (OutcomeStatus.PUBLISHED.value, OutcomeStatus.WITHDRAWN.value),
    ),
    Field("withdrawn_at", "datetime", _l("When it was withdrawn; empty otherwise.")),
    Field("withdraw_reason", "text", _l("Why it was withdrawn; empty otherwise.")),
    Field("version", "integer", _l("The number of its published version (1, 2, ...).")),
    Field("first_published_at", "datetime", _l("When it was first published.")),
    Field("updated_at", "datetime", _l("When its public text last changed.")),
    Field("groups", "list", _l("The working groups that published it (their short names).")),
    Field("themes", "list", _l("Its themes.")),
    Field("regions", "list", _l("The NUTS-2 codes of the regions it concerns.")),
    Field("meetings", "list", _l("The meetings it draws on (ids in the meetings dataset).")),
    Field("challenges", "list", _l("The challenges it draws on (ids in the challenges dataset).")),
    Field(
        "practices", "list", _l("The good practices it draws on (ids in the practices dataset).")
    ),
    Field("activities", "list", _l("The peer-learning activities it draws on (their ids).")),
    Field("solutions", "list", _l("The solutions it draws on (ids in the solutions dataset).")),
)


def _outcomes_version() -> Select:
    return select(
        _count(outcome_is_public(), Outcome),
        *_newest(Outcome.public_changed_at, Outcome.withdrawn_at),
        # Links are listed while the linked record is public: their changes count too.
        *_newest(
            Challenge.updated_at, GoodPractice.updated_at, Solution.updated_at, Meeting.updated_at
        ),
    )


def _outcome_links(session: Session, ids: list[int]) -> dict[str, dict]:
    """The outcomes' groups, themes, regions and the public records they draw on."""

    def linked(table, target, value, *conditions):
        return _grouped(
            session,
            select(table.c.outcome_id, value)
            .join(target, target.id == table.c[_fk(table)])
            .where(table.c.outcome_id.in_(ids), *conditions)
            .order_by(table.c.outcome_id, value),
        )

    return {
        "groups": linked(outcome_groups, WorkingGroup, WorkingGroup.slug),
        "themes": linked(outcome_themes, Theme, Theme.name),
        "regions": _grouped(
            session,
            select(outcome_regions.c.outcome_id, outcome_regions.c.region_code)
            .where(outcome_regions.c.outcome_id.in_(ids))
            .order_by(outcome_regions.c.outcome_id, outcome_regions.c.region_code),
        ),
        "meetings": linked(outcome_meetings, Meeting, Meeting.id, Meeting.public),
        "challenges": linked(outcome_challenges, Challenge, Challenge.id, _PUBLIC_CHALLENGE),
        "practices": linked(outcome_practices, GoodPractice, GoodPractice.id, _PUBLISHED_PRACTICE),
        "activities": linked(outcome_activities, Activity, Activity.id),
        "solutions": linked(outcome_solutions, Solution, Solution.id, _PUBLIC_SOLUTION),
    }


def _fk(table) -> str:
    """The link table's column naming the linked record (the one that is not outcome_id)."""
    return next(column.key for column in table.columns if column.key != "outcome_id")


def _read_outcomes(session: Session) -> Iterator[dict]:
    query = select(Outcome).where(outcome_is_public()).options(joinedload(Outcome.current_version))
    for outcomes in _batches(session, query, Outcome.id):
        links = _outcome_links(session, [outcome.id for outcome in outcomes])
        for outcome in outcomes:
            version = outcome.current_version
            withdrawn = outcome.status is OutcomeStatus.WITHDRAWN
            yield {
                "id": outcome.id,
                "url": external_url("outcomes.outcome", outcome_id=outcome.id),
                "kind": version.kind.value,
                "title": version.title,
                "summary": version.summary,
                "body": version.body,
                "authors": credited_names(version),
                "unnamed_authors": version.unnamed_authors or 0,
                "licence": version.licence,
                "licence_url": LICENCES.get(version.licence, ("", ""))[1],
                "status": (OutcomeStatus.WITHDRAWN if withdrawn else OutcomeStatus.PUBLISHED).value,
                "withdrawn_at": _moment(outcome.withdrawn_at) if withdrawn else None,
                "withdraw_reason": outcome.withdraw_reason if withdrawn else "",
                "version": version.number,
                "first_published_at": _moment(outcome.first_published_at or version.published_at),
                "updated_at": _moment(outcome.public_changed_at or version.published_at),
                **{name: links[name].get(outcome.id, []) for name in links},
            }


# -- good practices ------------------------------------------------------------------------------

PRACTICE_FIELDS = (
    Field("id", "integer", _l("The practice's number in cop.")),
    Field("url", "url", _l("Its page.")),
    Field("group", "code", _l("The working group that published it (its short name).")),
    Field("title", "text", _l("Its title.")),
    Field("region", "code", _l("The NUTS-2 code of the region where it was done.")),
    Field("region_name", "text", _l("That region's name.")),
    Field("country", "code", _l("That region's country (NUTS country code).")),
    Field("organisation", "text", _l("The organisation that did it.")),
    Field("helix", "code", _l("That organisation's helix (quadruple helix)."), _codes(Helix)),
    Field("themes", "list", _l("Its themes.")),
    Field("challenges", "list", _l("The challenges it answers (ids in the challenges dataset).")),
    Field("problem", "text", _l("The problem it addressed.")),
    Field("what_was_done", "text", _l("What was done.")),
    Field("resources", "text", _l("The resources it needed.")),
    Field("timescale", "text", _l("How long it took.")),
    Field("evidence", "text", _l("The evidence of its success.")),
    Field("difficulties", "text", _l("The difficulties met.")),
    Field("transferability", "text", _l("What another region needs to do the same.")),
    Field("published_at", "datetime", _l("When it was published.")),
    Field("updated_at", "datetime", _l("When it last changed.")),
)


def _practices_version() -> Select:
    return select(
        _count(_PUBLISHED_PRACTICE, GoodPractice),
        *_newest(GoodPractice.updated_at, Challenge.updated_at, Theme.updated_at),
    )


def _read_practices(session: Session) -> Iterator[dict]:
    query = (
        select(GoodPractice)
        .where(_PUBLISHED_PRACTICE)
        .options(
            joinedload(GoodPractice.group),
            joinedload(GoodPractice.region),
            joinedload(GoodPractice.organisation),
        )
    )
    for practices in _batches(session, query, GoodPractice.id):
        ids = [practice.id for practice in practices]
        themes = _grouped(
            session,
            select(practice_themes.c.practice_id, Theme.name)
            .join(Theme, Theme.id == practice_themes.c.theme_id)
            .where(practice_themes.c.practice_id.in_(ids))
            .order_by(practice_themes.c.practice_id, Theme.position, Theme.id),
        )
        challenges = _grouped(
            session,
            select(practice_challenges.c.practice_id, Challenge.id)
            .join(Challenge, Challenge.id == practice_challenges.c.challenge_id)
            .where(
                practice_challenges.c.practice_id.in_(ids), Challenge.status.in_(PUBLIC_STATUSES)
            )
            .order_by(practice_challenges.c.practice_id, Challenge.id),
        )
        for practice in practices:
            region, organisation = practice.region, practice.organisation
            yield {
                "id": practice.id,
                "url": external_url("challenges.practice", practice_id=practice.id),
                "group": practice.group.slug,
                "title": practice.title,
                "region": practice.region_code,
                "region_name": region.name if region else None,
                "country": region.country_code if region else None,
                "organisation": organisation.name if organisation else None,
                "helix": organisation.helix.value if organisation else None,
                "themes": themes.get(practice.id, []),
                "challenges": challenges.get(practice.id, []),
                "problem": practice.problem,
                "what_was_done": practice.what_was_done,
                "resources": practice.resources,
                "timescale": practice.timescale,
                "evidence": practice.evidence,
                "difficulties": practice.difficulties,
                "transferability": practice.transferability,
                "published_at": _moment(practice.published_at),
                "updated_at": _moment(practice.updated_at),
            }


# -- challenges ----------------------------------------------------------------------------------

CHALLENGE_FIELDS = (
    Field("id", "integer", _l("The challenge's number in cop.")),
    Field("url", "url", _l("Its page.")),
    Field("group", "code", _l("The working group that accepted it (its short name).")),
    Field("title", "text", _l("Its title.")),
    Field("description", "text", _l("What the challenge is.")),
    Field(
        "status",
        "code",
        _l("Where the group is with it."),
        tuple(status.value for status in PUBLIC_STATUSES),
    ),
    Field("priority", "integer", _l("The rank the group agreed (1 first); empty if unranked.")),
    Field("themes", "list", _l("Its themes.")),
    Field("regions", "list", _l("The NUTS-2 codes of the regions that face it.")),
    Field("endorsements", "integer", _l("How many members said their region faces it too.")),
    Field("created_at", "datetime", _l("When it was raised.")),
    Field("updated_at", "datetime", _l("When it last changed.")),
)


def _challenges_version() -> Select:
    return select(
        _count(_PUBLIC_CHALLENGE, Challenge),
        _count(Endorsement.id.is_not(None), Endorsement),
        *_newest(Challenge.updated_at, Endorsement.created_at, Theme.updated_at),
    )


def _read_challenges(session: Session) -> Iterator[dict]:
    query = select(Challenge).where(_PUBLIC_CHALLENGE).options(joinedload(Challenge.group))
    for challenges in _batches(session, query, Challenge.id):
        ids = [challenge.id for challenge in challenges]
        themes = _grouped(
            session,
            select(challenge_themes.c.challenge_id, Theme.name)
            .join(Theme, Theme.id == challenge_themes.c.theme_id)
            .where(challenge_themes.c.challenge_id.in_(ids))
            .order_by(challenge_themes.c.challenge_id, Theme.position, Theme.id),
        )
        regions = _grouped(
            session,
            select(challenge_regions.c.challenge_id, challenge_regions.c.region_code)
            .where(challenge_regions.c.challenge_id.in_(ids))
            .order_by(challenge_regions.c.challenge_id, challenge_regions.c.region_code),
        )
        endorsements = dict(
            session.execute(
                select(Endorsement.challenge_id, func.count(Endorsement.id))
                .where(Endorsement.challenge_id.in_(ids))
                .group_by(Endorsement.challenge_id)
            ).all()
        )
        for challenge in challenges:
            yield {
                "id": challenge.id,
                "url": external_url("challenges.challenge", challenge_id=challenge.id),
                "group": challenge.group.slug,
                "title": challenge.title,
                "description": challenge.description,
                "status": challenge.status.value,
                "priority": challenge.priority,
                "themes": themes.get(challenge.id, []),
                "regions": regions.get(challenge.id, []),
                "endorsements": endorsements.get(challenge.id, 0),
                "created_at": _moment(challenge.created_at),
                "updated_at": _moment(challenge.updated_at),
            }


# -- solutions, their indicators and measurements -----------------------------------------------

MEASUREMENT_FIELDS = (
    Field("id", "integer", _l("The measurement's number in cop.")),
    Field("indicator_id", "integer", _l("The indicator measured (id in the indicators dataset).")),
    Field("solution_id", "integer", _l("Its solution (id in the solutions dataset).")),
    Field("measured_on", "date", _l("The day the value was measured.")),
    Field(
        "region", "code", _l("The NUTS-2 code of the region measured; empty: the whole solution.")
    ),
    Field("value", "number", _l("The value, in the indicator's unit.")),
    Field("source", "text", _l("Where the value comes from.")),
)

INDICATOR_FIELDS = (
    Field("id", "integer", _l("The indicator's number in cop.")),
    Field("solution_id", "integer", _l("Its solution (id in the solutions dataset).")),
    Field("name", "text", _l("What it measures.")),
    Field("unit", "text", _l("Its unit.")),
    Field("direction", "code", _l("Which way is better."), _codes(Direction)),
    Field("baseline_value", "number", _l("Its value at the start.")),
    Field("baseline_on", "date", _l("When the baseline was measured.")),
    Field("target_value", "number", _l("The value aimed for.")),
    Field("target_on", "date", _l("When the target should be reached.")),
    Field("region", "code", _l("The NUTS-2 code of the one region it is for; empty: all.")),
    Field(
        "latest_value", "number", _l("Its latest value (the whole solution's, or its region's).")
    ),
    Field("latest_on", "date", _l("When the latest value was measured.")),
    Field(
        "progress_percent",
        "number",
        _l("How far from the baseline to the target it has come, in percent (100: reached)."),
    ),
)

SOLUTION_FIELDS = (
    Field("id", "integer", _l("The solution's number in cop.")),
    Field("url", "url", _l("Its page.")),
    Field("group", "code", _l("The working group that develops it (its short name).")),
    Field("title", "text", _l("Its title.")),
    Field("description", "text", _l("What it is.")),
    Field("stage", "code", _l("Where it stands."), _codes(SolutionStage)),
    Field(
        "status",
        "code",
        _l("Its latest progress update's word; empty before the first."),
        _codes(UpdateStatus),
    ),
    Field("last_update_on", "date", _l("The day of its latest progress update.")),
    Field("starts_on", "date", _l("When it starts.")),
    Field("planned_end_on", "date", _l("When it is planned to end.")),
    Field("regions", "list", _l("The NUTS-2 codes of the regions that deploy it.")),
    Field("challenges", "list", _l("The challenges it answers (ids in the challenges dataset).")),
    Field(
        "indicators",
        "records",
        _l(
            "Its indicators, each with the fields of the indicators dataset and its "
            "measurements (the fields of the measurements dataset)."
        ),
    ),
    Field("updated_at", "datetime", _l("When it last changed.")),
)

_KEPT_INDICATOR = and_(_PUBLIC_SOLUTION, Indicator.withdrawn_at.is_(None))
_KEPT_MEASUREMENT = and_(_KEPT_INDICATOR, Measurement.withdrawn_at.is_(None))


def _solutions_version() -> Select:
    return select(
        _count(_PUBLIC_SOLUTION, Solution),
        _count(_KEPT_INDICATOR, Indicator.__table__.join(Solution.__table__)),
        _count(
            _KEPT_MEASUREMENT,
            Measurement.__table__.join(Indicator.__table__).join(Solution.__table__),
        ),
        *_newest(
            Solution.updated_at,
            Indicator.created_at,
            Indicator.withdrawn_at,
            Measurement.created_at,
            Measurement.withdrawn_at,
            Challenge.updated_at,
        ),
    )


def _measurement_record(measurement: Measurement, solution_id: int) -> dict:
    return {
        "id": measurement.id,
        "indicator_id": measurement.indicator_id,
        "solution_id": solution_id,
        "measured_on": _day(measurement.measured_on),
        "region": measurement.region_code,
        "value": _number(measurement.value),
        "source": measurement.source,
    }


def _indicator_record(indicator: Indicator, measurements: list[Measurement]) -> dict:
    """The indicator with its latest value and progress, computed as the solutions' own
    exports do."""
    series = indicator_series(indicator, measurements)
    own = next((s for s in series if s.region_code in (None, indicator.region_code)), None)
    progress = headline(indicator, series)
    return {
        "id": indicator.id,
        "solution_id": indicator.solution_id,
        "name": indicator.name,
        "unit": indicator.unit,
        "direction": indicator.direction.value,
        "baseline_value": _number(indicator.baseline_value),
        "baseline_on": _day(indicator.baseline_on),
        "target_value": _number(indicator.target_value),
        "target_on": _day(indicator.target_on),
        "region": indicator.region_code,
        "latest_value": _number(own.latest) if own else None,
        "latest_on": _day(own.latest_on) if own else None,
        "progress_percent": _number(round(progress * 100, 1))
        if progress is not None and math.isfinite(progress)
        else None,
    }


def _indicators_of(
    session: Session, condition: ColumnElement
) -> tuple[list[Indicator], dict[int, list[Measurement]]]:
    """The kept indicators matching `condition` and their kept measurements: two queries."""
    indicators = session.scalars(
        select(Indicator)
        .join(Solution, Solution.id == Indicator.solution_id)
        .where(_KEPT_INDICATOR, condition)
        .order_by(Indicator.solution_id, Indicator.id)
    ).all()
    measurements: dict[int, list[Measurement]] = defaultdict(list)
    if indicators:
        for measurement in session.scalars(
            select(Measurement)
            .where(
                Measurement.indicator_id.in_([indicator.id for indicator in indicators]),
                Measurement.withdrawn_at.is_(None),
            )
            .order_by(Measurement.indicator_id, Measurement.measured_on, Measurement.id)
        ):
            measurements[measurement.indicator_id].append(measurement)
    return list(indicators), measurements


def _read_solutions(session: Session) -> Iterator[dict]:
    query = select(Solution).where(_PUBLIC_SOLUTION).options(joinedload(Solution.group))
    for solutions in _batches(session, query, Solution.id):
        ids = [solution.id for solution in solutions]
        regions = _grouped(
            session,
            select(solution_regions.c.solution_id, solution_regions.c.region_code)
            .where(solution_regions.c.solution_id.in_(ids))
            .order_by(solution_regions.c.solution_id, solution_regions.c.region_code),
        )
        challenges = _grouped(
            session,
            select(solution_challenges.c.solution_id, Challenge.id)
            .join(Challenge, Challenge.id == solution_challenges.c.challenge_id)
            .where(solution_challenges.c.solution_id.in_(ids), _PUBLIC_CHALLENGE)
            .order_by(solution_challenges.c.solution_id, Challenge.id),
        )
        indicators, measurements = _indicators_of(session, Solution.id.in_(ids))
        nested: dict[int, list[dict]] = defaultdict(list)
        for indicator in indicators:
            record = _indicator_record(indicator, measurements[indicator.id])
            record["measurements"] = [
                _measurement_record(m, indicator.solution_id) for m in measurements[indicator.id]
            ]
            nested[indicator.solution_id].append(record)
        for solution in solutions:
            yield {
                "id": solution.id,
                "url": external_url("solutions.solution", solution_id=solution.id),
                "group": solution.group.slug,
                "title": solution.title,
                "description": solution.description,
                "stage": solution.stage.value,
                "status": solution.status.value if solution.status else None,
                "last_update_on": _day(solution.last_update_on),
                "starts_on": _day(solution.starts_on),
                "planned_end_on": _day(solution.planned_end_on),
                "regions": regions.get(solution.id, []),
                "challenges": challenges.get(solution.id, []),
                "indicators": nested.get(solution.id, []),
                "updated_at": _moment(solution.updated_at),
            }


def _read_indicators(session: Session) -> Iterator[dict]:
    """By batches of solutions: their indicators, with the measurements that give the latest
    values."""
    query = select(Solution).where(_PUBLIC_SOLUTION)
    for solutions in _batches(session, query, Solution.id):
        indicators, measurements = _indicators_of(
            session, Solution.id.in_([solution.id for solution in solutions])
        )
        for indicator in indicators:
            yield _indicator_record(indicator, measurements[indicator.id])


def _read_measurements(session: Session) -> Iterator[dict]:
    query = (
        select(Measurement)
        .join(Indicator, Indicator.id == Measurement.indicator_id)
        .join(Solution, Solution.id == Indicator.solution_id)
        .where(_KEPT_MEASUREMENT)
        .options(joinedload(Measurement.indicator))
    )
    for measurements in _batches(session, query, Measurement.id):
        for measurement in measurements:
            yield _measurement_record(measurement, measurement.indicator.solution_id)


# -- meetings ------------------------------------------------------------------------------------

MEETING_FIELDS = (
    Field("id", "integer", _l("The meeting's number in cop.")),
    Field("url", "url", _l("Its page.")),
    Field("group", "code", _l("The working group that holds it (its short name).")),
    Field("kind", "code", _l("What kind of meeting it is."), _codes(MeetingKind)),
    Field("cycle_slot", "integer", _l("For a plenary meeting, its place in the group's cycle.")),
    Field("title", "text", _l("Its title.")),
    Field("description", "text", _l("What it is about.")),
    Field("starts_at", "datetime", _l("When it starts.")),
    Field("ends_at", "datetime", _l("When it ends.")),
    Field("timezone", "code", _l("The time zone it is planned in (IANA).")),
    Field("format", "code", _l("In person, online or both."), _codes(MeetingFormat)),
    Field("venue", "text", _l("Where it is held (in person).")),
    Field("address", "text", _l("The venue's address.")),
    Field(
        "status",
        "code",
        _l("Published, or cancelled."),
        (MeetingStatus.PUBLISHED.value, MeetingStatus.CANCELLED.value),
    ),
    Field("postponed_from", "datetime", _l("When it was planned before it was postponed.")),
    Field("confirmed_registrations", "integer", _l("How many people have a confirmed seat.")),
    Field("attended", "integer", _l("How many people attended (once it was held).")),
    Field("updated_at", "datetime", _l("When it last changed.")),
)


def _meetings_version() -> Select:
    return select(
        _count(Meeting.public, Meeting),
        _count(Registration.status == RegistrationStatus.CONFIRMED, Registration),
        *_newest(Meeting.updated_at, Registration.updated_at),
    )


def _read_meetings(session: Session) -> Iterator[dict]:
    query = select(Meeting).where(Meeting.public).options(joinedload(Meeting.group))
    for meetings in _batches(session, query, Meeting.id):
        ids = [meeting.id for meeting in meetings]
        counts = {
            meeting_id: (confirmed, attended)
            for meeting_id, confirmed, attended in session.execute(
                select(
                    Registration.meeting_id,
                    func.count(Registration.id),
                    func.count(Registration.attended_at),
                )
                .where(
                    Registration.meeting_id.in_(ids),
                    Registration.status == RegistrationStatus.CONFIRMED,
                )
                .group_by(Registration.meeting_id)
            )
        }
        for meeting in meetings:
            confirmed, attended = counts.get(meeting.id, (0, 0))
            held = meeting.ends_at <= utcnow() and meeting.status is MeetingStatus.PUBLISHED
            yield {
                "id": meeting.id,
                "url": external_url("meetings.meeting", meeting_id=meeting.id),
                "group": meeting.group.slug,
                "kind": meeting.kind.value,
                "cycle_slot": meeting.cycle_slot,
                "title": meeting.title,
                "description": meeting.description,
                "starts_at": _moment(meeting.starts_at),
                "ends_at": _moment(meeting.ends_at),
                "timezone": meeting.timezone,
                "format": meeting.format.value,
                "venue": meeting.venue if meeting.format is not MeetingFormat.ONLINE else "",
                "address": meeting.address if meeting.format is not MeetingFormat.ONLINE else "",
                "status": meeting.status.value,
                "postponed_from": _moment(meeting.postponed_from),
                "confirmed_registrations": confirmed,
                "attended": attended if held else None,
                "updated_at": _moment(meeting.updated_at),
            }


# -- the catalogue -------------------------------------------------------------------------------

DAILY = _l("Whenever a record changes; read live from the platform.")

DATASETS: dict[str, Dataset] = {
    dataset.name: dataset
    for dataset in (
        Dataset(
            "outcomes",
            _l("Outcomes"),
            _l(
                "The publications of the working groups: lessons learnt, policy briefs, "
                "meeting reports and case studies, in their published version, with the "
                "records they draw on. Withdrawn ones stay, marked withdrawn."
            ),
            DAILY,
            OUTCOME_FIELDS,
            _outcomes_version,
            _read_outcomes,
        ),
        Dataset(
            "practices",
            _l("Good practices"),
            _l("What regions did about a problem, validated by a working group's coordinators."),
            DAILY,
            PRACTICE_FIELDS,
            _practices_version,
            _read_practices,
        ),
        Dataset(
            "challenges",
            _l("Implementation challenges"),
            _l(
                "The challenges regions share that a working group accepted, with the regions "
                "that face them."
            ),
            DAILY,
            CHALLENGE_FIELDS,
            _challenges_version,
            _read_challenges,
        ),
        Dataset(
            "solutions",
            _l("Solutions"),
            _l(
                "The public solutions the working groups develop, support, deploy and "
                "monitor; in JSON with their indicators and measurements."
            ),
            DAILY,
            SOLUTION_FIELDS,
            _solutions_version,
            _read_solutions,
        ),
        Dataset(
            "indicators",
            _l("Solutions' indicators"),
            _l("The indicators of the public solutions, with their latest values and progress."),
            DAILY,
            INDICATOR_FIELDS,
            _solutions_version,
            _read_indicators,
        ),
        Dataset(
            "measurements",
            _l("Solutions' measurements"),
            _l("Every measurement of the public solutions' indicators."),
            DAILY,
            MEASUREMENT_FIELDS,
            _solutions_version,
            _read_measurements,
        ),
        Dataset(
            "meetings",
            _l("Meetings"),
            _l(
                "The published meetings of the working groups: plenary meetings, webinars, "
                "workshops and visits, cancelled ones included (no online link, no names)."
            ),
            DAILY,
            MEETING_FIELDS,
            _meetings_version,
            _read_meetings,
        ),
    )
}


# -- writing -------------------------------------------------------------------------------------


def json_chunks(dataset: Dataset, records: Iterable[dict]) -> Iterator[str]:
    """The dataset as one JSON object, written record by record."""
    head = {
        "dataset": dataset.name,
        "title": str(dataset.title),
        "licence": LICENCE,
        "licence_url": LICENCE_URL,
        "generated_at": rfc3339(utcnow()),
        "fields": [
            {"name": field.name, "type": field.type, "description": str(field.meaning)}
            for field in dataset.fields
        ],
    }
    opening = json.dumps(head, ensure_ascii=False)
    yield opening[:-1] + ', "records": ['
    for number, record in enumerate(records):
        yield ("," if number else "") + "\n" + json.dumps(record, ensure_ascii=False)
    yield "\n]}\n"


def _csv_value(value: object) -> str:
    if isinstance(value, list):
        return cell(SEPARATOR.join(str(item) for item in value))
    return cell(value)


def csv_chunks(dataset: Dataset, records: Iterable[dict]) -> Iterator[str]:
    """The dataset as CSV: a byte-order mark (spreadsheet programs then read UTF-8), a header
    row of the field names, one row per record; people's text made formula-safe."""
    names = [field.name for field in dataset.csv_fields]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(names)
    yield "\ufeff" + buffer.getvalue()
    for record in records:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_csv_value(record[name]) for name in names])
        yield buffer.getvalue()
