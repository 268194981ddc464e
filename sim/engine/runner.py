"""Replications, seeds, strategies and executors.

A run splits its replications into batches; each batch is one
:class:`~sim.model.world.World` driven by one SimPy environment.  Because
every replication draws from its own random streams (:mod:`sim.model.streams`),
the numbers do not depend on batch size, on the number of worker processes
or on the executor (:mod:`sim.engine.executors`): each finished batch is written
into its replications' place, whatever order batches finish in.

Nothing here imports pandas, matplotlib or dask: a run that only simulates
(and ``fundsim validate``) stays quick to start.
"""

from __future__ import annotations

import functools
import numbers
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from sim.engine import limits
from sim.engine.executors import (
    INTERRUPTED,
    MOST_WORKERS,
    BatchFailed,
    release_freed_memory,
    run_here,
    run_in_processes,
    run_on_dask,
    usable_cores,
    worker_count,
)
from sim.engine.store import ArrayStore, EventStore, SpillFolder, remove_abandoned_spills
from sim.errors import BatchError, Interrupted, UsageError
from sim.model.bands import Bands
from sim.model.plan import Plan, build_plan
from sim.model.reference import run_reference
from sim.model.world import TRAJECTORY, BatchResult, World, run_simpy
from sim.scenario import Scenario

if TYPE_CHECKING:
    from sim.engine.precision import PrecisionTarget

Engine = Literal["simpy", "reference"]
ENGINES: dict[str, Callable[[World], BatchResult]] = {
    "simpy": run_simpy,
    "reference": run_reference,
}
BATCH_CELLS = 12_500
"""Replications x cities of the smallest batch of a big run (250 replications of
50 cities): large enough that per-batch work (building the world, sending
results back) is small against simulating, small enough that many batches
keep every worker busy to the end.  Counted in cells, not replications: a
batch's arrays, and the time each month of them takes, grow with its cities
(measured in docs/engine.md)."""
KEEP_ROWS = 1_000_000
"""Default cap on kept trajectory rows (strategy x replication x city x month)."""
KEPT_BATCH_BYTES = 32 * 2**20
"""Most kept-trajectory bytes one batch sends back.  A worker holds a batch's
trajectories three times over while pickling them back, so the replications
whose trajectories are kept run in batches of their own this small (measured
on the reference workload: a 250-replication batch with 41 kept replications
peaked at 1,050 MiB, one with none at 345 MiB; with 64 MiB batches of kept
replications, workers peaked at 401 MiB in a run of 10,000)."""


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
    scheduler: str | None = None
    """Dask scheduler address, or None for local processes."""


@dataclass
class Simulation:
    """Raw arrays of a finished run, before they become tables."""

    scenario: Scenario
    plan: Plan
    settings: RunSettings
    outcomes: Mapping[str, np.ndarray]
    """Per-replication outcomes, arrays (S, R, C); on disk when big (:mod:`sim.engine.store`)."""
    kept: np.ndarray
    trajectories: Mapping[str, np.ndarray]
    """Monthly series, arrays (T, S, K, C); on disk for a big run."""
    events: EventStore
    """Event log, rows by strategy, replication and day."""
    wall_time: float
    bands: Bands | None = None
    """Monthly quantile bands over every replication."""
    precision: dict[str, Any] | None = None
    """How a precision run chose its replications (:func:`sim.engine.precision.record`)."""


def default_keep(plan: Plan, replications: int) -> int:
    """Kept replications so that trajectories stay under :data:`KEEP_ROWS` rows."""
    strategies, cities = plan.shape
    per_replication = strategies * cities * plan.calendar.months
    return int(min(replications, max(10, KEEP_ROWS // per_replication)))


def default_batch_size(replications: int, workers: int, cities: int) -> int:
    """Batches of at least :data:`BATCH_CELLS` replication-cities, the same number per worker.

    A run too small for that gets one batch per worker.
    """
    least = max(1, BATCH_CELLS // max(cities, 1))
    per_round = least * workers
    batches = workers * (replications // per_round) if replications >= per_round else workers
    return max(1, -(-replications // batches))


def batch_bounds(replications: int, batch_size: int) -> list[tuple[int, int]]:
    """(first, last + 1) replication of each batch, in order."""
    return [(first, min(first + batch_size, replications))
            for first in range(0, replications, batch_size)]


def kept_batch_size(plan: Plan) -> int:
    """Kept replications per batch: their trajectories stay under :data:`KEPT_BATCH_BYTES`."""
    strategies, cities = plan.shape
    per_replication = len(TRAJECTORY) * plan.calendar.months * strategies * cities * 8
    return max(1, KEPT_BATCH_BYTES // per_replication)


def split_kept(bounds: Sequence[tuple[int, int]], keep: int,
               size: int) -> list[tuple[int, int]]:
    """``bounds`` with the kept replications cut into batches of at most ``size``.

    Kept replications are ``0`` to ``keep - 1``; the others stay in their batches.
    """
    split = []
    for first, last in bounds:
        cut = min(max(first, keep), last)
        split.extend((start, min(start + size, cut)) for start in range(first, cut, size))
        if cut < last:
            split.append((cut, last))
    return split


def settle(scenario: Scenario, *, replications: int | None = None, seed: int | None = None,
           strategies: Sequence[str] | None = None, keep: int | None = None,
           workers: int | None = None, batch_size: int | None = None,
           engine: Engine = "simpy", scheduler: Any = None, max_memory: int | None = None,
           max_seconds: float | None = None) -> tuple[Plan, RunSettings]:
    """Resolve run options against the scenario's defaults; check them.

    ``max_memory`` (bytes) and ``max_seconds`` cap the run's estimated size
    (:mod:`sim.engine.limits`; ``None``: the defaults, 0: no cap).
    """
    if isinstance(strategies, str):
        strategies = [strategies]
    table = scenario.strategy_table()
    for name in strategies or ():
        if name not in table:
            forbidden = scenario.forbidden_strategies()
            known = ", ".join(sorted(s for s in table if s not in forbidden))
            barred = f"; state law forbids {', '.join(forbidden)}" if forbidden else ""
            raise UsageError(f"unknown strategy {name!r} (known: {known}{barred})")
    if strategies:
        # Checked as the scenario's own list would be: distinct and allowed by state law.
        scenario.with_values({"scenario.strategies": list(strategies)}, origin="strategies option")
    plan = build_plan(scenario, list(strategies) if strategies else None)
    n = _whole("replications", scenario.scenario.replications if replications is None
               else replications, 1)
    if engine not in ENGINES:
        raise UsageError(f"unknown engine {engine!r} (known: {', '.join(ENGINES)})")
    if workers is None:
        workers = cluster_threads(scheduler) if scheduler is not None else usable_cores()
    workers = worker_count(workers, local=scheduler is None)
    batch_size = _whole("batch size", default_batch_size(n, workers, len(plan.cities))
                        if batch_size is None
                        else batch_size, 1)
    seed = _whole("seed", scenario.scenario.seed if seed is None else seed, 0, 2**63 - 1)
    keep = default_keep(plan, n) if keep is None else min(_whole("keep", keep, 0), n)
    settings = RunSettings(
        replications=n,
        seed=seed,
        strategies=plan.strategies[1:],
        keep=keep,
        workers=workers,
        batch_size=batch_size,
        engine=engine,
        scheduler=_address(scheduler),
    )
    limits.check(_size(plan, settings), max_memory, max_seconds)
    return plan, settings


def point_size(scenario: Scenario, **options) -> limits.Size:
    """The size of a run with these :func:`settle` options, not checked against the caps.

    A sweep checks its points together (:func:`sim.engine.limits.check_points`).
    """
    plan, settings = settle(scenario, max_memory=0, max_seconds=0, **options)
    return _size(plan, settings)


def _whole(name: str, value: object, least: int, most: int | None = None) -> int:
    """Check that an option is a whole number in range (numpy integers welcome)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise UsageError(f"{name} must be a whole number (got {value!r})")
    if value < least or (most is not None and value > most):
        span = f"of at least {least}" if most is None else f"from {least} to {most}"
        raise UsageError(f"{name} must be a whole number {span} (got {value!r})")
    return int(value)


def _size(plan: Plan, settings: RunSettings) -> limits.Size:
    strategies, cities = plan.shape
    local = settings.scheduler is None
    at_once = min(settings.workers, -(-settings.replications // settings.batch_size))
    return limits.Size(
        strategies=strategies, replications=settings.replications, cities=cities,
        months=plan.calendar.months, measures=len(plan.measures), programs=len(plan.programs),
        kept=settings.keep, batch_size=settings.batch_size,
        # Local workers beyond the cores share them: the run is no faster.
        workers=min(at_once, usable_cores()) if local else settings.workers,
        local_batches=at_once if local else 0,
        outcomes=len(plan.scenario.reported_metrics()), series=len(TRAJECTORY))


def _address(scheduler: Any) -> str | None:
    if scheduler is None or isinstance(scheduler, str):
        return scheduler
    return getattr(scheduler, "scheduler", None) and scheduler.scheduler.address


def cluster_threads(scheduler: Any) -> int:
    """Threads on the cluster, to size batches; 1 when the cluster cannot tell yet."""
    from sim.engine.executors import dask_client

    client, owned = dask_client(scheduler)
    try:
        return min(MOST_WORKERS, max(1, sum(client.nthreads().values())))
    finally:
        if owned:
            client.close()


def simulate_batch(plan: Plan, settings: RunSettings, first: int, last: int) -> BatchResult:
    """Replications ``first`` to ``last - 1`` of a run."""
    world = World(plan, settings.seed, range(first, last), settings.keep)
    return ENGINES[settings.engine](world)


def _batch_in_worker(scenario: Scenario, settings: RunSettings, first: int,
                     last: int) -> BatchResult:
    return simulate_batch(build_plan(scenario, settings.strategies), settings, first, last)


class Collector:
    """Gathers finished batches, in any order, into whole-run arrays.

    Each batch is written into its replications' place, so the arrays do not
    depend on which batch finished first.  Outcomes and events past
    :data:`~sim.engine.limits.SPILL_BYTES` go to disk (:mod:`sim.engine.store`).
    """

    def __init__(self, replications: int, keep: int):
        self.replications = replications
        self.keep = keep
        spill = SpillFolder()
        self.outcomes = ArrayStore(replications, limits.SPILL_BYTES, spill)
        self.events = EventStore(limits.SPILL_BYTES, spill)
        self.trajectories = ArrayStore(keep, limits.SPILL_BYTES, spill, axis=2)
        self.bands: Bands | None = None

    def add(self, first: int, batch: BatchResult) -> None:
        """Fold in the batch whose first replication is ``first``."""
        self.outcomes.add(first, batch.outcomes)
        if self.outcomes.spilled:
            self.events.spill()  # a run too big for its outcomes has too many events too
        if len(batch.kept) or not self.trajectories:
            self.trajectories.add(first, batch.trajectories, spill=self.outcomes.spilled)
        self.events.add(first, batch.events)
        if batch.bands is not None:
            if self.bands is None:
                self.bands = batch.bands
            else:
                self.bands.merge(batch.bands)


def simulate(scenario: Scenario, progress: Callable[[int], None] | None = None,
             precision: PrecisionTarget | None = None, **options) -> Simulation:
    """Run every replication of every strategy and the baseline.

    ``options`` are those of :func:`settle`; ``scheduler`` (a Dask scheduler
    address ``tcp://HOST:PORT`` or a ``distributed.Client``) runs the batches
    on a Dask cluster instead of local processes.  ``progress`` is called with
    the number of replications each time a batch finishes.

    With ``precision`` (:func:`sim.engine.precision.target`), replications are added
    a batch at a time until the precision is reached or the cap on
    replications is (``replications`` must then be left out); the numbers
    are those of a run of the replications it stopped at.
    """
    began = time.perf_counter()
    # Before the free space of $TMPDIR is judged: a killed run's spill may hold gigabytes.
    remove_abandoned_spills()
    if precision is not None:
        if options.get("replications") is not None:
            raise UsageError("give either a number of replications or a precision, not both "
                             "(max replications caps a precision run)")
        options["replications"] = precision.max_replications
    plan, settings = settle(scenario, **options)
    collector = Collector(settings.replications, settings.keep)
    record = None
    if precision is None:
        _run_batches(scenario, plan, settings, collector, 0, settings.replications, progress,
                     options.get("scheduler"))
    else:
        settings, record = _run_to_precision(scenario, plan, settings, collector, precision,
                                             progress, options)
    return Simulation(
        scenario=scenario,
        plan=plan,
        settings=settings,
        outcomes=collector.outcomes.limited(settings.replications),
        kept=np.arange(settings.keep),
        trajectories=collector.trajectories.limited(settings.keep),
        events=collector.events,
        wall_time=time.perf_counter() - began,
        bands=collector.bands,
        precision=record,
    )


def _run_batches(scenario: Scenario, plan: Plan, settings: RunSettings, collector: Collector,
                 first: int, last: int, progress: Callable[[int], None] | None,
                 scheduler: Any, batch_size: int | None = None) -> None:
    """Simulate replications ``first`` to ``last - 1`` on the chosen executor into ``collector``."""
    size = batch_size or settings.batch_size
    bounds = [(first + a, first + b) for a, b in batch_bounds(last - first, size)]
    here = scheduler is None and (settings.workers == 1 or len(bounds) == 1)
    if not here:  # trajectories sent back from elsewhere cost memory three times over
        bounds = split_kept(bounds, settings.keep, kept_batch_size(plan))
    if scheduler is not None:
        task = functools.partial(_batch_in_worker, scenario, settings)
        finished = run_on_dask(task, bounds, scheduler)
    elif here:
        finished = run_here(functools.partial(simulate_batch, plan, settings), bounds)
    else:
        task = functools.partial(_batch_in_worker, scenario, settings)
        finished = run_in_processes(task, bounds, settings.workers)
    try:
        for index, batch in finished:
            start, stop = bounds[index]
            collector.add(start, batch)
            del batch
            release_freed_memory()
            if progress:
                progress(stop - start)
    except KeyboardInterrupt:
        finished.close()  # stops the workers
        raise Interrupted(INTERRUPTED) from None
    except BatchFailed as failure:
        start, stop = bounds[failure.index]
        raise BatchError(start, stop, settings.seed, failure.cause,
                         failure.unfinished) from failure.cause


def _run_to_precision(scenario: Scenario, plan: Plan, settings: RunSettings,
                      collector: Collector, goal: PrecisionTarget,
                      progress: Callable[[int], None] | None,
                      options: dict[str, Any]) -> tuple[RunSettings, dict[str, Any]]:
    """Add a batch of ``goal.batch`` replications at a time until the precision is reached.

    The check happens at batch boundaries only and the batch size does not
    depend on the workers, so the same seed stops at the same point.
    """
    from sim.engine.precision import StoppingRule, add_until_precise, record

    def simulate_more(first: int, last: int) -> None:
        sub = options.get("batch_size") or default_batch_size(last - first, settings.workers,
                                                              len(plan.cities))
        _run_batches(scenario, plan, settings, collector, first, last, progress,
                     options.get("scheduler"), sub)

    rule = StoppingRule(goal, plan)
    history = add_until_precise(goal, rule, collector.outcomes, simulate_more)
    done = history[-1].replications
    kept = min(settings.keep, done)
    return replace(settings, replications=done, keep=kept), record(goal, rule, history)
