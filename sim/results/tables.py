"""Result tables: build them from a simulation, summarise, write and read run folders.

A run folder holds (DESIGN §5): ``manifest.json``, ``summary.csv``,
``replications.parquet``, ``trajectories.parquet``, ``events.parquet``,
``figures/`` and ``report.html``.  It is written under a temporary name and
renamed when complete, so an interrupted run never leaves a folder that looks
finished, and an existing folder is never half-overwritten.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import platform
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.engine import limits
from sim.errors import ScenarioError, UsageError
from sim.metrics import ALL_CITIES, METRICS
from sim.model.world import Events
from sim.results.branches import branches
from sim.results.folders import file_sha256, kind_of, read_json, write_folder, write_manifest
from sim.results.presenter import presenter
from sim.scenario import Scenario, validate

if TYPE_CHECKING:
    from sim.engine.runner import Simulation
    from sim.model.plan import Plan

VERSION = "0.1.0"
DATE_DTYPE = "datetime64[ms]"
"""Dtype of every date column: Parquet stores it as is (it has no seconds
unit), so frames read back from a run folder equal those just simulated."""


def slug(name: str) -> str:
    """A safe folder name for a scenario name: it can never leave the results folder."""
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60].strip("-")
    return text or "scenario"


def scenario_digest(scenario: Scenario) -> str:
    """SHA-256 of the resolved scenario's canonical JSON."""
    text = json.dumps(scenario.model_dump(mode="json", by_alias=True), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def summarise(replications: pd.DataFrame) -> pd.DataFrame:
    """Tidy summary: one row per strategy, city and metric.

    Columns: ``strategy, city, metric, mean, p05, p50, p95, ci95_low,
    ci95_high, n``; the confidence interval is that of the mean (Student t).
    Rows for ``all cities`` combine cities per replication first.
    """
    from scipy import stats

    metrics = [m for m in METRICS if m in replications.columns]
    frames = [replications]
    if replications["city"].nunique() > 1:
        how = {m: METRICS[m].over_cities for m in metrics}
        combined = replications.groupby(["strategy", "replication"], sort=False).agg(how)
        frames.append(combined.reset_index().assign(city=ALL_CITIES))
    rows = []
    for frame in frames:
        for (strategy, city), group in frame.groupby(["strategy", "city"], sort=False):
            values = group[metrics].to_numpy(dtype=float)
            n = len(values)
            mean = values.mean(axis=0)
            p05, p50, p95 = np.percentile(values, [5, 50, 95], axis=0)
            if n > 1:
                half = stats.t.ppf(0.975, n - 1) * values.std(axis=0, ddof=1) / np.sqrt(n)
            else:
                half = np.zeros_like(mean)
            for i, metric in enumerate(metrics):
                rows.append((strategy, city, metric, mean[i], p05[i], p50[i], p95[i],
                             mean[i] - half[i], mean[i] + half[i], n))
    return pd.DataFrame(rows, columns=["strategy", "city", "metric", "mean", "p05", "p50",
                                       "p95", "ci95_low", "ci95_high", "n"])


SUMMARY_COLUMNS = ["strategy", "city", "metric", "mean", "p05", "p50", "p95", "ci95_low",
                   "ci95_high", "n"]


def _statistics(values: np.ndarray) -> list[np.ndarray]:
    """mean, p05, p50, p95 and CI of the mean (low, high) of one group's values.

    The values are contiguous: numpy then sums them as it sums a table
    column, so the numbers are those of :func:`summarise` to the bit.
    """
    n = values.shape[-1]
    mean = values.mean(axis=-1)
    p05, p50, p95 = np.percentile(values, [5, 50, 95], axis=-1)
    if n > 1:
        half = t_975(n - 1) * values.std(axis=-1, ddof=1) / np.sqrt(n)
    else:
        half = np.zeros_like(mean)
    return [mean, p05, p50, p95, mean - half, mean + half]


@functools.lru_cache(maxsize=256)
def t_975(freedom: float) -> float:
    """97.5th percentile of Student's t with this many degrees of freedom.

    Summaries and reports ask for the same few thousands of times.
    """
    from scipy import stats

    return float(stats.t.ppf(0.975, freedom))


def _strategy_groups(outcomes: Mapping[str, np.ndarray], metric: str, s: int) -> np.ndarray:
    """(cities [+ all cities], R) values of one metric and strategy, each group contiguous.

    Only this strategy's values are read (from disk, if the run was spilled there).
    """
    values = np.asarray(outcomes[metric][s], dtype=float)  # (R, C)
    R, C = values.shape
    groups = np.empty((C + (C > 1), R))
    groups[:C] = values.T
    if C > 1:
        # Cities combined per replication as the groupby of the table does it
        # (pandas sums with compensation, unlike numpy), a block of
        # replications at a time to keep the groupby's working copies small.
        how = METRICS[metric].over_cities
        step = max(1, ROWS_PER_GROUP // C)
        keys = np.repeat(np.arange(step), C)
        for first in range(0, R, step):
            block = values[first:first + step].reshape(-1)
            groups[C, first:first + step] = pd.Series(block).groupby(
                keys[:len(block)], sort=False).agg(how).to_numpy(dtype=float)
    return groups


def summarise_outcomes(outcomes: Mapping[str, np.ndarray], strategies: Sequence[str],
                       cities: Sequence[str]) -> pd.DataFrame:
    """:func:`summarise` of the replications table, computed from the outcome arrays.

    Same rows and the same numbers to the last bit, but one metric at a time,
    so a run whose replications table would not fit in memory is summarised
    in little.
    """
    metrics = [m for m in METRICS if m in outcomes]
    S, C = len(strategies), len(cities)
    labels = list(cities) + ([ALL_CITIES] if C > 1 else [])
    columns = []
    for metric in metrics:
        # Group by group: numpy's working copies stay the size of one group.
        columns.append(np.stack([
            np.stack([_statistics(group) for group in _strategy_groups(outcomes, metric, s)],
                     axis=-1) for s in range(S)], axis=1))
    if not metrics:
        return pd.DataFrame([], columns=SUMMARY_COLUMNS)
    table = np.array(columns)  # (metric, statistic, strategy, city or all)
    R = int(outcomes[metrics[0]].shape[1])
    # Rows in the order of summarise(): each strategy's cities, then each
    # strategy's all-cities row; metrics within.
    pairs = [(s, c) for s in range(S) for c in range(C)]
    pairs += [(s, C) for s in range(S)] if C > 1 else []
    s_index, c_index = np.array(pairs).T
    frame = pd.DataFrame({
        "strategy": [strategies[s] for s, _ in pairs for _ in metrics],
        "city": [labels[c] for _, c in pairs for _ in metrics],
        "metric": metrics * len(pairs),
    })
    for j, name in enumerate(SUMMARY_COLUMNS[3:9]):
        frame[name] = table[:, j, s_index, c_index].T.reshape(-1)
    frame["n"] = R
    return frame


def over_cities(replications: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """Per-replication outcomes for all cities together, indexed by (strategy, replication).

    Each metric combines cities as :data:`sim.metrics.METRICS` says (sum, min, max or mean).
    """
    how = {m: METRICS[m].over_cities if m in METRICS else "sum" for m in metrics}
    return replications.groupby(["strategy", "replication"], sort=False).agg(how)


def versus_baseline(frame: pd.DataFrame, baseline: str = "baseline") -> pd.DataFrame:
    """Replication-by-replication difference from the baseline (common random numbers).

    ``frame`` is indexed by (strategy, replication); without a baseline it is
    returned unchanged.
    """
    strategies = frame.index.get_level_values("strategy")
    if baseline not in set(strategies):
        return frame
    base = frame.xs(baseline, level="strategy")
    reps = frame.index.get_level_values("replication")
    return frame - base.reindex(reps).to_numpy()


ROWS_PER_GROUP = 2**17
"""Rows per Parquet row group, and about the rows of table built at once when
writing a run: a run's tables are written a piece at a time, so saving a big
run never holds a whole table in memory."""


def _replications_block(sim: Simulation, strategies: slice, first: int,
                        last: int) -> pd.DataFrame:
    """Rows of the given strategies and replications ``first`` to ``last - 1``."""
    plan = sim.plan
    names = plan.strategies[strategies]
    C, count = len(plan.cities), last - first
    frame = pd.DataFrame({
        "strategy": np.repeat(names, count * C),
        "replication": np.tile(np.repeat(np.arange(first, last), C), len(names)),
        "city": np.tile(plan.cities, len(names) * count),
    })
    for name in METRICS:
        if name in sim.outcomes:
            frame[name] = np.asarray(sim.outcomes[name][strategies, first:last]).reshape(-1)
    return frame


def _replications_table(sim: Simulation, last: int | None = None) -> pd.DataFrame:
    """The replications table (replications up to ``last - 1``, default all).

    Built whole: pieces put together would take twice its memory.
    """
    R = next(iter(sim.outcomes.values())).shape[1]
    return _replications_block(sim, slice(None), 0, R if last is None else min(R, last))


def _replications_chunks(sim: Simulation) -> Iterator[pd.DataFrame]:
    S, R, C = next(iter(sim.outcomes.values())).shape
    step = max(1, ROWS_PER_GROUP // max(C, 1))
    for s in range(S):
        for first in range(0, R, step):
            yield _replications_block(sim, slice(s, s + 1), first, min(first + step, R))


def _trajectories_block(sim: Simulation, strategies: slice, first: int, last: int,
                        series: Sequence[str] | None = None) -> pd.DataFrame:
    """Rows of the given strategies and kept replications ``first`` to ``last - 1``.

    ``series``: only these monthly columns (default all).
    """
    plan = sim.plan
    T, _, _, C = next(iter(sim.trajectories.values())).shape
    names = plan.strategies[strategies]
    S, K = len(names), last - first
    months = pd.to_datetime(plan.calendar.month_starts[:-1]).astype(DATE_DTYPE)
    frame = pd.DataFrame({
        "strategy": np.repeat(names, K * C * T),
        "replication": np.tile(np.repeat(sim.kept[first:last], C * T), S),
        "city": np.tile(np.repeat(plan.cities, T), S * K),
        "month": np.tile(np.arange(T), S * K * C),
        "date": np.tile(months, S * K * C),
    })
    for name, values in sim.trajectories.items():
        if series is None or name in series:
            frame[name] = values[:, strategies, first:last].transpose(1, 2, 3, 0).reshape(-1)
    return frame


def _trajectories_table(sim: Simulation) -> pd.DataFrame:
    """The trajectories table, built whole (pieces put together take twice its memory)."""
    kept = next(iter(sim.trajectories.values())).shape[2]
    return _trajectories_block(sim, slice(None), 0, kept)


def _trajectories_chunks(sim: Simulation) -> Iterator[pd.DataFrame]:
    T, S, K, C = next(iter(sim.trajectories.values())).shape
    if not K:
        yield _trajectories_block(sim, slice(None), 0, 0)
        return
    step = max(1, ROWS_PER_GROUP // max(C * T, 1))
    for s in range(S):
        for first in range(0, K, step):
            yield _trajectories_block(sim, slice(s, s + 1), first, min(first + step, K))


def _events_block(plan: Plan, events: Events) -> pd.DataFrame:
    """The event-log table of rows already in table order."""
    start = np.datetime64(plan.calendar.start, "D")
    dates = start + np.floor(events.day).astype("timedelta64[D]")
    cities = np.asarray(["", *plan.cities], dtype=object)
    return pd.DataFrame({
        "strategy": pd.Series(np.asarray(plan.strategies, dtype=object)[events.strategy],
                              dtype="str"),
        "replication": events.replication.astype(np.int64),
        "date": dates.astype(DATE_DTYPE),
        "city": pd.Series(cities[events.city + 1], dtype="str"),
        "kind": pd.Series(np.asarray(events.kinds, dtype=object)[events.kind], dtype="str"),
        "detail": pd.Series(np.asarray(events.details, dtype=object)[events.detail],
                            dtype="str"),
    })


def _events_chunks(sim: Simulation, last: int | None = None) -> Iterator[pd.DataFrame]:
    """The event log in pieces (replications up to ``last - 1``, default all)."""
    yield _events_block(sim.plan, Events.empty())
    for s in sim.events.strategies:
        for events in sim.events.of_strategy(s):
            if last is not None:
                events = events.before(last)
            yield _events_block(sim.plan, events)


def _frame(chunks: Iterator[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(list(chunks), ignore_index=True)


def write_parquet(path: Path, chunks: Iterator[pd.DataFrame]) -> None:
    """Write a table given as consecutive pieces (the first sets the schema).

    Row groups hold :data:`ROWS_PER_GROUP` rows whatever the pieces, so the
    file depends only on the rows.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    writer = None
    waiting: list[pa.Table] = []
    count = 0
    # The file is ours to close whatever happens: a writer that failed (disk full)
    # would otherwise keep it open.
    with open(path, "wb") as sink:
        try:
            for chunk in chunks:
                table = pa.Table.from_pandas(chunk, preserve_index=False)
                if writer is None:
                    writer = pq.ParquetWriter(sink, table.schema)
                waiting.append(table.cast(writer.schema))
                count += table.num_rows
                while count >= ROWS_PER_GROUP:
                    ready = pa.concat_tables(waiting)
                    writer.write_table(ready.slice(0, ROWS_PER_GROUP),
                                       row_group_size=ROWS_PER_GROUP)
                    waiting, count = [ready.slice(ROWS_PER_GROUP)], count - ROWS_PER_GROUP
                    del ready
                    pa.default_memory_pool().release_unused()
            if count:
                writer.write_table(pa.concat_tables(waiting), row_group_size=ROWS_PER_GROUP)
        except BaseException:
            if writer is not None:
                with contextlib.suppress(Exception):
                    writer.close()
            raise
        if writer is not None:
            writer.close()


def _bands_frame(sim: Simulation) -> pd.DataFrame | None:
    """Monthly quantile bands over every replication (see :mod:`sim.model.bands`)."""
    from sim.model.bands import QUANTILES

    bands, plan = sim.bands, sim.plan
    if bands is None:
        return None
    columns = [*(plan.cities[c] for c in bands.cities), ALL_CITIES]
    months = pd.to_datetime(plan.calendar.month_starts[:-1]).astype("datetime64[ms]")
    frames = []
    for name in bands.counts:
        T, S, K = bands.low[name].shape
        frame = pd.DataFrame({
            "strategy": np.repeat(plan.strategies, K * T),
            "city": np.tile(np.repeat(columns, T), S),
            "series": name,
            "month": np.tile(np.arange(T), S * K),
            "date": np.tile(months, S * K),
        })
        for q in QUANTILES:
            frame[f"p{round(100 * q):02d}"] = bands.quantiles(name, q).transpose(1, 2, 0).ravel()
        frame["min"] = bands.low[name].transpose(1, 2, 0).ravel()
        frame["max"] = bands.high[name].transpose(1, 2, 0).ravel()
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


class _Table:
    """A table of :class:`RunResult`, built (or read) on first use when given as a function.

    A big run's tables are written piece by piece and never built unless asked for.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, result: RunResult | None, owner: type) -> Any:
        if result is None:
            return self
        table = result._tables[self.name]
        if callable(table):
            table = result._tables[self.name] = table()
        return table

    def __set__(self, result: RunResult, table: pd.DataFrame) -> None:
        result._tables[self.name] = table


class RunResult:
    """A finished run as pandas tables, in memory or read back from its folder.

    ``summary``, ``replications``, ``trajectories`` and ``events`` are
    DataFrames; ``plot`` draws the report's figures.  ``bands`` holds monthly
    quantiles over every replication (``trajectories`` holds the first
    ``keep`` replications only).  Tables are built or read when first used.
    """

    replications = _Table()
    trajectories = _Table()
    events = _Table()

    def __init__(self, scenario: Scenario, manifest: dict[str, Any],
                 replications: pd.DataFrame | Callable[[], pd.DataFrame],
                 trajectories: pd.DataFrame | Callable[[], pd.DataFrame],
                 events: pd.DataFrame | Callable[[], pd.DataFrame], folder: Path | None = None,
                 bands: pd.DataFrame | None = None, simulation: Simulation | None = None,
                 summary: Callable[[], pd.DataFrame] | None = None):
        self.scenario = scenario
        self.manifest = manifest
        self._tables: dict[str, Any] = {"replications": replications,
                                        "trajectories": trajectories, "events": events}
        self.folder = folder
        self.bands = bands
        self.simulation = simulation
        """The arrays the tables come from, for a run just simulated."""
        self._summary = summary
        """Where the summary comes from, when not from these tables (a view's: its run's)."""

    @classmethod
    def from_simulation(cls, sim: Simulation) -> RunResult:
        """Tables of a simulation just run."""
        s = sim.settings
        manifest = {
            "fundsim": VERSION,
            "scenario_name": sim.scenario.scenario.name,
            "scenario_sha256": scenario_digest(sim.scenario),
            "seed": s.seed,
            "replications": s.replications,
            "strategies": list(s.strategies),
            "baseline": sim.plan.strategies[0],
            "cities": list(sim.plan.cities),
            "keep": s.keep,
            "workers": s.workers,
            "batch_size": s.batch_size,
            "engine": s.engine,
            "scheduler": s.scheduler,
            "wall_time_s": round(sim.wall_time, 3),
            **({"precision": sim.precision} if sim.precision is not None else {}),
            "versions": versions(),
            "scenario": sim.scenario.model_dump(mode="json", by_alias=True),
            # Only the keys the file states: reading it back tells written values from
            # defaults, which the report's provenance listing needs.
            "scenario_as_written": sim.scenario.model_dump(mode="json", by_alias=True,
                                                           exclude_unset=True),
        }
        return cls(sim.scenario, manifest, lambda: _replications_table(sim),
                   lambda: _trajectories_table(sim), lambda: _frame(_events_chunks(sim)),
                   bands=_bands_frame(sim), simulation=sim)

    def __repr__(self) -> str:
        saved = f", saved in {self.folder}" if self.folder is not None else ""
        return (f"<RunResult {self.scenario.scenario.name!r}: {self.manifest['replications']} "
                f"replications, seed {self.manifest['seed']}, strategies "
                f"{', '.join(self.strategies)}{saved}>")

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Tidy summary (see :func:`summarise`)."""
        if self._summary is not None:
            return self._summary()
        if self.simulation is not None:
            sim = self.simulation
            return summarise_outcomes(sim.outcomes, sim.plan.strategies, sim.plan.cities)
        return summarise(self.replications)

    @cached_property
    def branches(self) -> pd.DataFrame:
        """Which uncertain branches each replication took (:mod:`sim.results.branches`)."""
        return branches(self.events, self.replications)

    @property
    def strategies(self) -> list[str]:
        """Strategies compared, baseline first."""
        return [self.manifest["baseline"], *self.manifest["strategies"]]

    @property
    def plot(self):
        """The report's figures, as methods returning :class:`matplotlib.figure.Figure`."""
        return presenter().run_plotter(self)

    def save(self, folder: str | Path | None = None, *, overwrite: bool = False,
             figures: bool = True) -> Path:
        """Write the run folder atomically; return its path."""
        target = Path(folder) if folder is not None else default_folder(self.scenario)
        self.folder = write_run(self, target, overwrite=overwrite, figures=figures)
        return self.folder


def drawn_replications(manifest: Mapping[str, Any]) -> int:
    """Replications a run's figures and report are drawn from.

    All of them, up to :data:`sim.engine.limits.FIGURE_ROWS` rows of the replications
    table; a bigger run's figures and report come from its first replications,
    so drawing them takes bounded memory (about 0.5 GiB at the limit on the
    50-city benchmark).  Replications are independent and identically
    distributed, so the first ones are a random sample of all.  ``summary.csv``
    and the Parquet tables keep every replication.
    """
    replications = int(manifest["replications"])
    rows_each = (1 + len(manifest["strategies"])) * max(1, len(manifest["cities"]))
    return min(replications, max(1, limits.FIGURE_ROWS // rows_each))


FIGURE_SERIES = ("reserves", "debt", "expenditure", "federal_due", "federal_received",
                 "federal_withheld", "federal_restored", "federal_lost", "transfers",
                 "at_large_arrests", "detainers_honoured", "trust", "compliance_level")
"""Monthly columns that figures, reports and comparisons read from ``trajectories``: the
only ones a view of a big run's first replications holds (a test draws every figure
both ways)."""
TRAJECTORY_KEYS = ("strategy", "replication", "city", "month", "date")
"""Columns of ``trajectories`` that say which row is which."""


def for_figures(result: RunResult) -> RunResult:
    """The run itself, or for a big run a view of its first :func:`drawn_replications`.

    The view's manifest gives the replications it holds; ``replications_run``
    keeps the run's own count, and its summary is the whole run's.  Its
    trajectories hold the :data:`FIGURE_SERIES` only.
    """
    manifest = result.manifest
    drawn = drawn_replications(manifest)
    if drawn >= int(manifest["replications"]):
        return result
    tables = (_first_of_simulation(result.simulation, drawn) if result.simulation is not None
              else _first_of_tables(result, drawn))
    return RunResult(result.scenario, {**manifest, "replications": drawn,
                                       "replications_run": manifest["replications"]},
                     folder=result.folder, bands=result.bands,
                     summary=lambda: result.summary,
                     **tables)


def _first_of_simulation(sim: Simulation, last: int) -> dict[str, Callable[[], pd.DataFrame]]:
    """Tables of the replications below ``last`` of a run just simulated, built when used."""
    kept = int(np.searchsorted(sim.kept, last))
    return {"replications": lambda: _replications_table(sim, last),
            "trajectories": lambda: _trajectories_block(sim, slice(None), 0, kept,
                                                        FIGURE_SERIES),
            "events": lambda: _frame(_events_chunks(sim, last))}


def _first_of_tables(result: RunResult, last: int) -> dict[str, Any]:
    """Tables of the replications below ``last`` of a run read back.

    A table not read yet is read when used, and only those rows.
    """
    columns = {"trajectories": [*TRAJECTORY_KEYS, *FIGURE_SERIES]}
    tables: dict[str, Any] = {}
    for name in ("replications", "trajectories", "events"):
        table = result._tables[name]
        if callable(table):
            tables[name] = functools.partial(_read_table, result.folder, name, last,
                                             columns.get(name))
        else:
            wanted = [c for c in table.columns if c in columns.get(name, table.columns)]
            tables[name] = _first_rows(table[wanted], last)
    return tables


def _first_rows(table: pd.DataFrame, last: int) -> pd.DataFrame:
    return table[table["replication"] < last].reset_index(drop=True)


def versions() -> dict[str, str]:
    """Versions of Python and of the libraries a run's numbers depend on (for the manifest)."""
    import numpy
    import pyarrow
    import scipy
    import simpy

    return {"python": platform.python_version(), "numpy": numpy.__version__,
            "scipy": scipy.__version__, "simpy": simpy.__version__,
            "pandas": pd.__version__, "pyarrow": pyarrow.__version__}


def default_folder(scenario: Scenario, root: str | Path = "results") -> Path:
    """``results/<scenario-slug>-<UTC timestamp>``, made unique if needed."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    base = Path(root) / f"{slug(scenario.scenario.name)}-{stamp}"
    folder, n = base, 1
    while folder.exists():
        n += 1
        folder = base.with_name(f"{base.name}-{n}")
    return folder


def write_run(result: RunResult, folder: Path, *, overwrite: bool = False,
              figures: bool = True) -> Path:
    """Write every file into a temporary folder, then rename it into place."""
    return write_folder(folder, lambda staging: _write_files(result, staging, figures),
                        kind="run", overwrite=overwrite)


def _write_files(result: RunResult, staging: Path, figures: bool) -> None:
    result.summary.to_csv(staging / "summary.csv", index=False, float_format="%.6f")
    for name, chunks in _table_chunks(result).items():
        write_parquet(staging / f"{name}.parquet", chunks)
    if result.bands is not None:
        result.bands.to_parquet(staging / "bands.parquet", index=False)
    if figures:
        presenter().write_run_pages(result, staging)
    write_manifest(staging, result.manifest)


def _table_chunks(result: RunResult) -> dict[str, Iterator[pd.DataFrame]]:
    """Each table as pieces: from the arrays of a run just simulated, else the frames."""
    sim = result.simulation
    if sim is not None:
        return {"replications": _replications_chunks(sim),
                "trajectories": _trajectories_chunks(sim), "events": _events_chunks(sim)}
    return {name: iter([getattr(result, name)])
            for name in ("replications", "trajectories", "events")}


LAZY_FILE_BYTES = 64 * 2**20
"""Tables stored in bigger files than this are read when first used, not on opening."""


def open_results(folder: str | Path) -> RunResult:
    """Read a run folder written by ``fundsim run`` or :meth:`RunResult.save`.

    A big run's tables (files over :data:`LAZY_FILE_BYTES`) are read when first
    used, from the folder as it is then.
    """
    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    manifest = read_manifest(folder)
    kind = kind_of(manifest)
    if kind != "run":
        use = {"sweep": "open it with sim.analysis.sweep.open_sweep, or fundsim discover",
               "comparison": "compare the run folders it was made from"}[kind]
        raise UsageError(f"{folder} is a {kind} folder, not a run folder: {use}")
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        scenario = validate(manifest.get("scenario_as_written", manifest["scenario"]),
                            str(manifest_path))
        tables: dict[str, Any] = {}
        for name in ("replications", "trajectories", "events"):
            path = folder / f"{name}.parquet"
            if path.stat().st_size <= LAZY_FILE_BYTES:
                tables[name] = pd.read_parquet(path)
            else:
                pq.read_schema(path)  # a damaged file fails here, not when first used
                tables[name] = functools.partial(_read_table, folder, name)
        if (folder / "bands.parquet").is_file():
            tables["bands"] = pd.read_parquet(folder / "bands.parquet")
    except FileNotFoundError as error:
        raise UsageError(f"{folder} is not a complete fundsim run: "
                         f"{Path(error.filename).name} is missing") from None
    except (OSError, ValueError, KeyError, pa.ArrowException) as error:
        raise UsageError(f"cannot read run folder {folder}: {error}") from None
    return RunResult(scenario, manifest, folder=folder, **tables)


def _read_table(folder: Path, name: str, last: int | None = None,
                columns: Sequence[str] | None = None) -> pd.DataFrame:
    """A table of a run folder.

    Its replications up to ``last - 1`` and the given columns it has (default all).
    """
    import pyarrow.parquet as pq

    path = folder / f"{name}.parquet"
    below = None if last is None else [("replication", "<", last)]
    try:
        if columns is not None:  # in the file's order
            columns = [c for c in pq.read_schema(path).names if c in columns]
        return pd.read_parquet(path, columns=columns, filters=below)
    except (OSError, ValueError) as error:
        raise UsageError(f"cannot read run folder {folder}: {error}") from None


REPRODUCIBLE = ("summary.csv", "replications.parquet", "trajectories.parquet")
"""Files that the same scenario and seed reproduce byte for byte."""


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The manifest of a run folder; a clean error if there is none or it is damaged."""
    folder = Path(folder)
    path = folder / "manifest.json"
    if not folder.is_dir():
        what = "it is a file" if folder.exists() else "no such folder"
        raise UsageError(f"{folder} is not a complete fundsim run ({what})")
    if not path.is_file():
        raise UsageError(f"{folder} is not a complete fundsim run (no manifest.json)")
    manifest = read_json(path)
    if not isinstance(manifest, dict) or not isinstance(manifest.get("scenario"), dict):
        raise UsageError(f"{path} is not a fundsim manifest (no scenario table)")
    return manifest


def recorded_run(folder: str | Path) -> tuple[Scenario, dict[str, Any]]:
    """The scenario and run options a run folder's manifest recorded, to run it again.

    The scenario as the file wrote it is used when it still resolves to the
    recorded one (so the report's provenance is the same); otherwise, as when
    a default changed since, the fully resolved scenario is.
    """
    manifest = read_manifest(folder)
    origin = str(Path(folder) / "manifest.json")
    scenario = validate(manifest["scenario"], origin)
    written = manifest.get("scenario_as_written")
    if isinstance(written, dict):
        try:
            as_written = validate(written, origin)
        except ScenarioError:
            as_written = None
        if as_written is not None and scenario_digest(as_written) == scenario_digest(scenario):
            scenario = as_written
    options: dict[str, Any] = {}
    for key in ("replications", "seed", "keep", "batch_size", "engine"):
        if key in manifest:
            options[key] = manifest[key]
    if "strategies" in manifest:
        options["strategies"] = list(manifest["strategies"])
    if manifest.get("thresholds"):
        options["thresholds"] = list(manifest["thresholds"])
    if not isinstance(options.get("seed"), int) or not isinstance(
            options.get("replications"), int):
        raise UsageError(f"{origin} lacks the seed or the number of replications")
    return scenario, options


def compare_files(original: Path, again: Path,
                  names: tuple[str, ...] = REPRODUCIBLE) -> dict[str, bool]:
    """Whether each named file of two run folders is byte for byte the same."""
    return {name: (original / name).is_file() and (again / name).is_file()
            and file_sha256(original / name) == file_sha256(again / name) for name in names}
