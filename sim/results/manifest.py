"""A run folder read back: its ``manifest.json``, its files and its tables, checked as input.

A run folder is input like any other: a user may edit it, copy a table from
another run into it, or be handed a crafted one.  Before ``fundsim report``,
``compare`` or ``rerun`` use it, it is checked in three steps, each failing
with one line ``FILE: key.path: what is wrong (got X)``, exit status 2:

1. the manifest has the shape fundsim writes (:class:`RunManifest`);
2. every file the manifest lists is a regular file inside the folder with the
   SHA-256 recorded (:func:`verify_files`): a file changed since fundsim wrote
   it is named;
3. the tables agree with the manifest (:func:`check_tables`): the columns
   fundsim writes, of their types, and exactly the strategies, cities and
   replications the manifest names.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Annotated, Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError

from sim.errors import Problem, ScenarioError
from sim.metrics import ALL_CITIES, METRICS
from sim.model.world import TRAJECTORY
from sim.results.folders import MANIFEST, file_sha256
from sim.scenario import Scenario, Threshold, format_loc
from sim.scenario.messages import plain_message

Name = Annotated[str, Field(min_length=1, max_length=1_000)]
Count = Annotated[StrictInt, Field(ge=1)]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Number = float | StrictInt

TABLES = ("replications", "trajectories", "events")
"""Tables every run folder holds, as ``NAME.parquet``."""


class _Record(BaseModel):
    """Part of a manifest: typed, frozen; keys of later versions are kept, not refused."""

    model_config = ConfigDict(extra="allow", frozen=True, use_attribute_docstrings=True,
                              strict=False)


class WorstCheck(_Record):
    """The precision check furthest from its target when the run stopped."""

    metric: str
    """The metric checked (a name of the metrics catalogue)."""
    strategy: Name
    """The strategy whose mean was checked."""
    city: Name
    """The city, or all cities together."""
    paired: StrictBool
    """Whether the mean is of the difference from the baseline."""
    mean: Number
    """The mean estimated."""
    half_width: Number
    """Half-width of its 95% confidence interval."""
    allowed: Number
    """The largest half-width the target allows."""


class PrecisionRecord(_Record):
    """``precision``: where a ``--precision`` run stopped and why (:mod:`sim.engine.precision`)."""

    target: Annotated[Number, Field(gt=0, lt=1)]
    """The half-width asked for, as a share of the mean."""
    batch: Count
    """Replications added between checks."""
    replications: Count
    """Replications run when it stopped."""
    reached: StrictBool
    """Whether every check met the target."""
    checks: Annotated[StrictInt, Field(ge=0)]
    """Means checked at the end."""
    worst: WorstCheck | None = None
    """The check furthest from the target; none when nothing was checked."""


class RunManifest(_Record):
    """``manifest.json`` of a run folder, as :meth:`sim.results.RunResult.save` writes it.

    Only what reading the folder back relies on is checked; keys that later
    versions add are kept as they are.
    """

    fundsim: Annotated[str, Field(max_length=100)]
    """Version of fundsim that wrote the run."""
    seed: Annotated[StrictInt, Field(ge=0)]
    """Seed of the run's random streams."""
    replications: Count
    """Replications simulated."""
    strategies: Annotated[list[Name], Field(min_length=1)]
    """Strategies compared, beside the baseline."""
    baseline: Name = "baseline"
    """Name of the run without federal measures."""
    cities: Annotated[list[Name], Field(min_length=1)]
    """Cities simulated, in the scenario's order."""
    keep: Annotated[StrictInt, Field(ge=0)] | None = None
    """Replications whose monthly trajectories were kept."""
    batch_size: Count | None = None
    """Replications simulated together."""
    workers: Count | None = None
    """Worker processes used (results do not depend on it)."""
    engine: Name | None = None
    """Engine that ran the model."""
    scheduler: str | None = None
    """Dask scheduler used, if any."""
    wall_time_s: Annotated[Number, Field(ge=0)] | None = None
    """Seconds the simulation took."""
    precision: PrecisionRecord | None = None
    """Where a precision run stopped."""
    thresholds: list[Threshold] | None = None
    """Requirements given with ``--threshold``, for the robustness ranking."""
    versions: dict[str, str] | None = None
    """Versions of Python and of the numerical libraries."""
    scenario: dict[str, Any]
    """The scenario, resolved (every default filled in)."""
    scenario_as_written: dict[str, Any] | None = None
    """The keys the scenario file stated."""
    files: dict[Name, Sha256]
    """SHA-256 of every file written, by path inside the folder."""


def check_manifest(data: Any, path: Path) -> RunManifest:
    """The manifest as a :class:`RunManifest`; else :class:`ScenarioError` with one problem.

    Only the first problem is named: fundsim writes manifests, so one thing
    wrong already shows the folder was changed, and one line says so.
    """
    origin = str(path)
    if not isinstance(data, dict):
        raise ScenarioError([Problem(origin, "", "not a fundsim manifest (expected a JSON "
                                     f"object, got {type(data).__name__})", has_value=False)])
    try:
        manifest = RunManifest.model_validate(data)
    except ValidationError as error:
        err = error.errors()[0]
        raise ScenarioError([Problem(origin, format_loc(err["loc"]),
                                     plain_message(err, RunManifest), err.get("input"),
                                     err["type"] != "missing")]) from None
    problems = _name_problems(manifest, origin)
    if problems:
        raise ScenarioError(problems[:1])
    return manifest


def _name_problems(manifest: RunManifest, origin: str) -> list[Problem]:
    problems = []
    for key, names in (("strategies", [manifest.baseline, *manifest.strategies]),
                       ("cities", manifest.cities)):
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            problems.append(Problem(origin, key, "names a strategy or city twice", repeated))
    for name in manifest.files:
        parts = PurePosixPath(name).parts
        if name.startswith("/") or ".." in parts or "\\" in name or not parts:
            problems.append(Problem(origin, "files", "not a path inside the run folder", name))
    missing = [f"{t}.parquet" for t in TABLES if f"{t}.parquet" not in manifest.files]
    if missing:
        problems.append(Problem(origin, "files", f"lists no {', '.join(missing)}; every run "
                                "folder holds them", has_value=False))
    if manifest.precision is not None and manifest.precision.worst is not None:
        metric = manifest.precision.worst.metric
        if metric not in METRICS:
            problems.append(Problem(origin, "precision.worst.metric", "not a metric", metric))
    return problems


def check_scenario(manifest: RunManifest, scenario: Scenario, path: Path) -> None:
    """The strategies and cities the manifest names are the scenario's."""
    origin, problems = str(path), []
    known = scenario.strategy_table()
    for i, name in enumerate(manifest.strategies):
        if name not in known:
            problems.append(Problem(origin, f"strategies[{i}]", "not a strategy of the "
                                    "run's scenario", name))
    cities = [c.name for c in scenario.city]
    if manifest.cities != cities:
        problems.append(Problem(origin, "cities", "not the cities of the run's scenario "
                                f"({', '.join(cities)})", manifest.cities))
    if problems:
        raise ScenarioError(problems)


def verify_files(folder: Path, manifest: RunManifest) -> None:
    """Every file the manifest lists is a regular file with the SHA-256 recorded.

    Raises :class:`ScenarioError` naming the first file that differs, is
    missing or is not a regular file (a FIFO would block reading for ever).
    """
    for name, recorded in manifest.files.items():
        path = folder / name
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            raise _damaged(path, f"listed in {MANIFEST} but missing") from None
        except OSError as error:
            raise _damaged(path, f"cannot read it: {error.strerror}") from None
        if not stat.S_ISREG(mode):
            raise _damaged(path, "not a regular file; fundsim writes only regular files")
        try:
            digest = file_sha256(path)
        except OSError as error:
            raise _damaged(path, f"cannot read it: {error.strerror}") from None
        if digest != recorded:
            raise _damaged(path, f"changed since fundsim wrote it: its SHA-256 is not the one "
                                 f"{MANIFEST} records")


def _damaged(path: Path, message: str) -> ScenarioError:
    return ScenarioError([Problem(str(path), "", message, has_value=False)])


# --------------------------------------------------------------------------
# Tables


KEYS = {
    "replications": {"strategy": "text", "replication": "integer", "city": "text"},
    "trajectories": {"strategy": "text", "replication": "integer", "city": "text",
                     "month": "integer", "date": "date"},
    "events": {"strategy": "text", "replication": "integer", "date": "date", "city": "text",
               "kind": "text", "detail": "text"},
    "bands": {"strategy": "text", "city": "text", "series": "text", "month": "integer",
              "date": "date"},
}
"""Columns that say which row is which, in each table, with their kind; every other
column holds numbers."""
VALUES = {"replications": tuple(m for m, metric in METRICS.items() if not metric.only_when),
          "trajectories": TRAJECTORY}
"""Columns of numbers each table holds: every outcome every run reports, every monthly
series."""


def check_tables(folder: Path, manifest: RunManifest, tables: Mapping[str, Any]) -> None:
    """The tables read hold what the manifest says: columns, types, strategies, cities.

    ``tables`` maps names to DataFrames, or to functions reading them later (a
    big run's; only their schema is checked, from the file).  The replications
    table holds exactly one row per strategy, replication and city.
    """
    strategies = {manifest.baseline, *manifest.strategies}
    for name, table in tables.items():
        # Events of the federal government name no city; bands may hold all cities.
        cities = set(manifest.cities) | ({"", ALL_CITIES} if name in ("events", "bands")
                                         else set())
        path = folder / f"{name}.parquet"
        if not isinstance(table, pd.DataFrame):
            _check_schema(path, name)
            continue
        _check_columns(path, name, table)
        for key, allowed in (("strategy", strategies), ("city", cities)):
            if key in KEYS[name]:
                stray = sorted(set(table[key]) - allowed)
                if stray:
                    raise _table(path, key, f"a {key} the manifest does not name", stray[0])
        if "replication" in table:
            bad = table[(table["replication"] < 0)
                        | (table["replication"] >= manifest.replications)]
            if len(bad):
                raise _table(path, "replication", "outside the run's replications (0 to "
                             f"{manifest.replications - 1})", int(bad["replication"].iloc[0]))
    replications = tables.get("replications")
    if isinstance(replications, pd.DataFrame):
        _check_grid(folder / "replications.parquet", manifest, replications)


def _kind(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_numeric_dtype(series):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "date"
    if pd.api.types.is_string_dtype(series) and series.map(
            lambda v: isinstance(v, str)).all():
        return "text"
    return str(series.dtype)


def _check_columns(path: Path, name: str, table: pd.DataFrame) -> None:
    if len(set(table.columns)) != len(table.columns):
        raise _table(path, "", "two columns share a name", has_value=False)
    for column, kind in KEYS[name].items():
        if column not in table.columns:
            raise _table(path, column, "no such column; fundsim writes it", has_value=False)
        if _kind(table[column]) != kind:
            raise _table(path, column, f"expected {kind} values, found {_kind(table[column])}",
                         has_value=False)
    for column in table.columns:
        if column not in KEYS[name] and _kind(table[column]) not in ("number", "integer",
                                                                     "boolean"):
            raise _table(path, str(column), "expected numbers, found "
                         f"{_kind(table[column])}", has_value=False)
    absent = [c for c in VALUES.get(name, ()) if c not in table.columns]
    if absent:
        raise _table(path, absent[0], "no such column; fundsim writes it", has_value=False)


def _check_schema(path: Path, name: str) -> None:
    """The key columns of a table not read yet, from its file's schema."""
    import pyarrow.parquet as pq

    names = pq.read_schema(path).names
    for column in (*KEYS[name], *VALUES.get(name, ())):
        if column not in names:
            raise _table(path, column, "no such column; fundsim writes it", has_value=False)


def _check_grid(path: Path, manifest: RunManifest, table: pd.DataFrame) -> None:
    """One row per (strategy, replication, city): no more, no fewer."""
    expected = (1 + len(manifest.strategies)) * manifest.replications * len(manifest.cities)
    if len(table) != expected or table.duplicated(["strategy", "replication", "city"]).any():
        raise _table(path, "", f"holds {len(table):,} rows, not one for each strategy, "
                     f"replication and city ({expected:,}); not this run's table",
                     has_value=False)


def _table(path: Path, key: str, message: str, value: Any = None, *,
           has_value: bool = True) -> ScenarioError:
    return ScenarioError([Problem(str(path), key, message, value, has_value)])
