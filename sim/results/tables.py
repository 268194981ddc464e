"""Result tables built from a simulation's arrays, written to Parquet and read back.

A run's tables (DESIGN §5): ``replications`` (one row per strategy,
replication and city, one column per outcome of :data:`sim.metrics.METRICS`),
``trajectories`` (monthly rows of the kept replications), ``events`` (the
event log) and ``bands`` (monthly quantiles over every replication).  They
are built a block of rows at a time from the arrays of
:class:`~sim.engine.runner.Simulation` and written in row groups of
:data:`sim.engine.limits.ROWS_PER_GROUP`, so a big run never holds a whole
table in memory.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.engine import limits
from sim.errors import UsageError
from sim.metrics import ALL_CITIES, METRICS
from sim.model.world import Events

if TYPE_CHECKING:
    from sim.engine.runner import Simulation
    from sim.model.plan import Plan


DATE_DTYPE = "datetime64[ms]"
"""Dtype of every date column: Parquet stores it as is (it has no seconds
unit), so frames read back from a run folder equal those just simulated."""


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


def replications_table(sim: Simulation, last: int | None = None) -> pd.DataFrame:
    """The replications table (replications up to ``last - 1``, default all).

    Built whole: pieces put together would take twice its memory.
    """
    R = next(iter(sim.outcomes.values())).shape[1]
    return _replications_block(sim, slice(None), 0, R if last is None else min(R, last))


def _replications_chunks(sim: Simulation) -> Iterator[pd.DataFrame]:
    S, R, C = next(iter(sim.outcomes.values())).shape
    step = max(1, limits.ROWS_PER_GROUP // max(C, 1))
    for s in range(S):
        for first in range(0, R, step):
            yield _replications_block(sim, slice(s, s + 1), first, min(first + step, R))


def trajectories_block(sim: Simulation, strategies: slice, first: int, last: int,
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


def trajectories_table(sim: Simulation) -> pd.DataFrame:
    """The trajectories table, built whole (pieces put together take twice its memory)."""
    kept = next(iter(sim.trajectories.values())).shape[2]
    return trajectories_block(sim, slice(None), 0, kept)


def _trajectories_chunks(sim: Simulation) -> Iterator[pd.DataFrame]:
    T, S, K, C = next(iter(sim.trajectories.values())).shape
    if not K:
        yield trajectories_block(sim, slice(None), 0, 0)
        return
    step = max(1, limits.ROWS_PER_GROUP // max(C * T, 1))
    for s in range(S):
        for first in range(0, K, step):
            yield trajectories_block(sim, slice(s, s + 1), first, min(first + step, K))


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

    Row groups hold :data:`sim.engine.limits.ROWS_PER_GROUP` rows whatever the pieces, so the
    file depends only on the rows.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = limits.ROWS_PER_GROUP
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
                while count >= rows:
                    ready = pa.concat_tables(waiting)
                    writer.write_table(ready.slice(0, rows), row_group_size=rows)
                    waiting, count = [ready.slice(rows)], count - rows
                    del ready
                    pa.default_memory_pool().release_unused()
            if count:
                writer.write_table(pa.concat_tables(waiting), row_group_size=rows)
        except BaseException:
            if writer is not None:
                with contextlib.suppress(Exception):
                    writer.close()
            raise
        if writer is not None:
            writer.close()


def bands_frame(sim: Simulation) -> pd.DataFrame | None:
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


def read_table(folder: Path, name: str, last: int | None = None,
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


def events_frame(sim: Simulation, last: int | None = None) -> pd.DataFrame:
    """The events table of a run just simulated (its replications below ``last``)."""
    return _frame(_events_chunks(sim, last))


def table_chunks(sim: Simulation) -> dict[str, Iterator[pd.DataFrame]]:
    """The replications, trajectories and events tables of a run just simulated, as pieces."""
    return {"replications": _replications_chunks(sim),
            "trajectories": _trajectories_chunks(sim), "events": _events_chunks(sim)}
