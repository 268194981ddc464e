"""Points: one task each, run on any executor, each written to its own file.

:class:`PointWork` simulates any point of a sweep (small and picklable, so it
runs in this process, in local processes or on a Dask cluster);
:class:`PointStore` keeps each finished point in ``points/`` under a key that
must match before an interrupted sweep reuses it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.sweep.design import DesignTable
from sim.analysis.sweep.factors import Factor, Sweep
from sim.errors import Problem, ScenarioError
from sim.results import (
    VERSION,
    scenario_digest,
    summarise_outcomes,
    write_file,
)
from sim.scenario import Scenario


@dataclass(frozen=True)
class PointTask:
    """One design point, its scenario validated, and the key its results are stored under."""

    point: int
    key: str
    """Hash of what determines the point's results (see :func:`point_key`)."""
    scenario: Scenario


def run_point(scenario: Scenario, replications: int, seed: int,
              strategies: Sequence[str]) -> pd.DataFrame:
    """Simulate one design point's scenario in this process; its summary.

    The rows are those ``summary.csv`` of ``fundsim run`` would hold.
    """
    from sim.engine.runner import simulate

    # Checked against the caps with every other point, before the sweep began.
    simulation = simulate(scenario, replications=replications, seed=seed,
                          strategies=list(strategies), workers=1, keep=0, max_memory=0,
                          max_seconds=0)
    return summarise_outcomes(simulation.outcomes, simulation.plan.strategies,
                              simulation.plan.cities)


@dataclass(frozen=True)
class PointWork:
    """What any worker needs to simulate any point of a sweep; small and picklable.

    Called with ``(first, last)`` it simulates points ``first`` to
    ``last - 1``, the task signature of :mod:`sim.engine.executors`, so sweeps run on
    the same executors (this process, local processes, Dask) as ``run``.
    """

    scenario: Scenario
    """The base scenario; each point replaces the factors' values."""
    factors: tuple[Factor, ...]
    values: np.ndarray
    """(points, factors) numeric values (dates as ordinals)."""
    replications: int
    seed: int
    strategies: tuple[str, ...]

    def scenario_at(self, point: int) -> Scenario:
        """The scenario of one point (validated)."""
        return self.scenario.with_values(
            {f.path: f.scenario_value(x) for f, x in zip(self.factors, self.values[point],
                                                         strict=True)},
            origin=f"point {point}")

    def __call__(self, first: int, last: int) -> list[pd.DataFrame]:
        """Summaries of points ``first`` to ``last - 1``, each with its ``point`` column."""
        frames = []
        for point in range(first, last):
            frame = run_point(self.scenario_at(point), self.replications, self.seed,
                              self.strategies)
            frame.insert(0, "point", point)
            frames.append(frame)
        return frames


def point_key(scenario: Scenario, replications: int, seed: int,
              strategies: Sequence[str]) -> str:
    """SHA-256 of everything that determines a point's results."""
    text = json.dumps({"fundsim": VERSION, "scenario": scenario_digest(scenario),
                       "replications": replications, "seed": seed,
                       "strategies": list(strategies)}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def point_work(sweep: Sweep, design: DesignTable) -> PointWork:
    """The work of a sweep's points."""
    return PointWork(scenario=sweep.scenario, factors=sweep.factors, values=design.values,
                     replications=sweep.info.replications, seed=sweep.seed,
                     strategies=sweep.strategies)


def point_tasks(sweep: Sweep, design: DesignTable) -> list[PointTask]:
    """One task per point, each scenario validated; every invalid point is reported."""
    work = point_work(sweep, design)
    tasks, problems = [], []
    for point in range(len(design.values)):
        try:
            scenario = work.scenario_at(point)
        except ScenarioError as error:
            shown = ", ".join(f"{f.label} = {f.show(x)}"
                              for f, x in zip(sweep.factors, design.values[point], strict=True))
            problems.extend(Problem(sweep.origin, "parameter", f"point {point} ({shown}) makes "
                                    f"an invalid scenario: {p.path}: {p.message}", p.value)
                            for p in error.problems)
            continue
        key = point_key(scenario, sweep.info.replications, sweep.seed, sweep.strategies)
        tasks.append(PointTask(point, key, scenario))
    if problems:
        raise ScenarioError(problems[:20])
    return tasks


def run_points(work: PointWork, points: Sequence[int],
               done: Callable[[int, pd.DataFrame], None], *, workers: int = 1,
               scheduler: Any = None) -> None:
    """Simulate the given points, one per task; ``done(point, summary)`` as each finishes.

    Points finish in any order.  ``scheduler``: a Dask scheduler address or
    client; otherwise ``workers`` local processes, or this process when
    ``workers`` is 1.  Ctrl-C stops the workers and raises
    :class:`~sim.errors.Interrupted`.
    """
    from sim.engine.executors import run_here, run_in_processes, run_on_dask

    bounds = [(p, p + 1) for p in points]
    if not bounds:
        return
    if scheduler is not None:
        finished = run_on_dask(work, bounds, scheduler)
    elif workers == 1 or len(bounds) == 1:
        finished = run_here(work, bounds)
    else:
        finished = run_in_processes(work, bounds, min(workers, len(bounds)))
    try:
        for index, frames in finished:
            for frame in frames:
                done(bounds[index][0], frame)
    except BaseException:
        finished.close()  # stops the workers
        raise


class PointStore:
    """``points/NNNNN.parquet``: one file per finished point, each carrying its key."""

    KEY = b"fundsim.point_key"

    def __init__(self, folder: Path, points: int):
        self.folder = folder / "points"
        self.width = max(5, len(str(points - 1)))

    def path(self, point: int) -> Path:
        """File of one point."""
        return self.folder / f"{point:0{self.width}d}.parquet"

    def has(self, task: PointTask) -> bool:
        """Whether the point is stored with the same key (a damaged file does not count)."""
        import pyarrow.parquet as pq

        try:
            metadata = pq.read_schema(self.path(task.point)).metadata or {}
        except (OSError, ValueError):
            return False
        return metadata.get(self.KEY) == task.key.encode()

    def write(self, task: PointTask, frame: pd.DataFrame) -> None:
        """Write one point atomically (temporary file, then rename)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               self.KEY: task.key.encode()})
        write_file(self.path(task.point), lambda temporary: pq.write_table(table, temporary))

    def read(self, points: int) -> pd.DataFrame:
        """Every point's rows, in point order."""
        frames = [pd.read_parquet(self.path(p)) for p in range(points)]
        return pd.concat(frames, ignore_index=True)
