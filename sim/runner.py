"""Replications, seeds, strategies and executors.

A run splits its replications into batches; each batch is one
:class:`~sim.model.world.World` driven by one SimPy environment.  Because
every replication draws from its own random streams (:mod:`sim.streams`),
the numbers do not depend on batch size or on the number of worker
processes: batches are simply concatenated in replication order.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np

from sim.errors import Interrupted, UsageError
from sim.model.plan import Plan, build_plan
from sim.model.reference import run_reference
from sim.model.world import BatchResult, World, run_simpy
from sim.scenario import Scenario

Engine = Literal["simpy", "reference"]
ENGINES: dict[str, Callable[[World], BatchResult]] = {
    "simpy": run_simpy,
    "reference": run_reference,
}
MAX_BATCH = 250
"""Largest batch: big enough to amortise per-batch work, small enough to
balance the load over workers."""
KEEP_ROWS = 1_000_000
"""Default cap on kept trajectory rows (strategy x replication x city x month)."""


@dataclass(frozen=True)
class RunSettings:
    """How a run was asked for; stored in the manifest so it can be repeated."""

    replications: int
    seed: int
    strategies: tuple[str, ...]
    keep: int
    """Replications (the first ones) whose monthly trajectories are kept."""
    workers: int
    batch_size: int
    engine: Engine


@dataclass
class Simulation:
    """Raw arrays of a finished run, before they become tables."""

    scenario: Scenario
    plan: Plan
    settings: RunSettings
    outcomes: dict[str, np.ndarray]
    """Per-replication outcomes, arrays (S, R, C)."""
    kept: np.ndarray
    trajectories: dict[str, np.ndarray]
    """Monthly series, arrays (T, S, K, C)."""
    events: list[tuple]
    wall_time: float


def default_keep(plan: Plan, replications: int) -> int:
    """Kept replications so that trajectories stay under :data:`KEEP_ROWS` rows."""
    strategies, cities = plan.shape
    per_replication = strategies * cities * plan.calendar.months
    return int(min(replications, max(10, KEEP_ROWS // per_replication)))


def settle(scenario: Scenario, *, replications: int | None = None, seed: int | None = None,
           strategies: Sequence[str] | None = None, keep: int | None = None,
           workers: int | None = None, batch_size: int | None = None,
           engine: Engine = "simpy") -> tuple[Plan, RunSettings]:
    """Resolve run options against the scenario's defaults; check them."""
    table = scenario.strategy_table()
    for name in strategies or ():
        if name not in table:
            raise UsageError(f"unknown strategy {name!r} (known: {', '.join(sorted(table))})")
    plan = build_plan(scenario, list(strategies) if strategies else None)
    n = scenario.scenario.replications if replications is None else replications
    if n < 1:
        raise UsageError(f"replications must be at least 1 (got {n})")
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r}")
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers < 1:
        raise UsageError(f"workers must be at least 1 (got {workers})")
    if batch_size is None:
        batch_size = min(MAX_BATCH, max(1, -(-n // workers)))
    if batch_size < 1:
        raise UsageError(f"batch size must be at least 1 (got {batch_size})")
    settings = RunSettings(
        replications=n,
        seed=scenario.scenario.seed if seed is None else seed,
        strategies=plan.strategies[1:],
        keep=default_keep(plan, n) if keep is None else min(keep, n),
        workers=workers,
        batch_size=batch_size,
        engine=engine,
    )
    return plan, settings


def simulate_batch(plan: Plan, settings: RunSettings, first: int, last: int) -> BatchResult:
    """Replications ``first`` to ``last - 1`` of a run."""
    world = World(plan, settings.seed, range(first, last), settings.keep)
    return ENGINES[settings.engine](world)


def _batch_in_worker(scenario: Scenario, settings: RunSettings, first: int,
                     last: int) -> BatchResult:
    return simulate_batch(build_plan(scenario, settings.strategies), settings, first, last)


def simulate(scenario: Scenario, progress: Callable[[int], None] | None = None,
             **options) -> Simulation:
    """Run every replication of every strategy and the baseline.

    ``options`` are those of :func:`settle`.  ``progress`` is called with the
    number of replications each time a batch finishes.
    """
    began = time.perf_counter()
    plan, settings = settle(scenario, **options)
    bounds = [(a, min(a + settings.batch_size, settings.replications))
              for a in range(0, settings.replications, settings.batch_size)]
    if settings.workers == 1 or len(bounds) == 1:
        batches = []
        for first, last in bounds:
            batches.append(simulate_batch(plan, settings, first, last))
            if progress:
                progress(last - first)
    else:
        batches = _in_processes(scenario, settings, bounds, progress)
    return Simulation(
        scenario=scenario,
        plan=plan,
        settings=settings,
        outcomes={k: np.concatenate([b.outcomes[k] for b in batches], axis=1)
                  for k in batches[0].outcomes},
        kept=np.concatenate([b.kept for b in batches]),
        trajectories={k: np.concatenate([b.trajectories[k] for b in batches], axis=2)
                      for k in batches[0].trajectories},
        events=[row for b in batches for row in b.events],
        wall_time=time.perf_counter() - began,
    )


def _in_processes(scenario: Scenario, settings: RunSettings, bounds: list[tuple[int, int]],
                  progress: Callable[[int], None] | None) -> list[BatchResult]:
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    pool = ProcessPoolExecutor(max_workers=settings.workers,
                               mp_context=multiprocessing.get_context(method))
    try:
        futures = [pool.submit(_batch_in_worker, scenario, settings, a, b) for a, b in bounds]
        batches = []
        for future, (first, last) in zip(futures, bounds, strict=False):
            batches.append(future.result())
            if progress:
                progress(last - first)
        pool.shutdown()
        return batches
    except KeyboardInterrupt:
        pool.shutdown(wait=False, cancel_futures=True)
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        raise Interrupted("interrupted; no results written") from None
