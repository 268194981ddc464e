"""The engine: SimPy and the numpy reference agree; strategies share random numbers."""

from __future__ import annotations

import gc
import weakref

import numpy as np

import sim
from sim.model.plan import build_plan
from sim.model.reference import run_reference
from sim.model.world import BatchResult, World, run_simpy
from tests.conftest import ONE_CITY

UNCERTAIN = ONE_CITY.replace("revenue_volatility = 0.0", "revenue_volatility = 0.05").replace(
    'agencies = ["DOJ"]',
    'agencies = ["DOJ"]\nprobability = 0.6\nrescind_probability = 0.5\n'
    'rescind_date = {dist = "uniform", low = 2025-06-01, high = 2026-06-01}\n'
    'effective = {dist = "uniform", low = 2025-01-01, high = 2025-12-31}',
).replace("effective = 2025-03-10\n", "")


def both_engines(text: str, replications: int = 30):
    scenario = sim.load(text)
    plan = build_plan(scenario)
    runs = [engine(World(plan, 11, range(replications), keep=5))
            for engine in (run_simpy, run_reference)]
    return runs


def assert_same_batches(a: BatchResult, b: BatchResult) -> None:
    """Identical outcomes, trajectories and event logs (events in any order)."""
    for name in a.outcomes:
        assert np.array_equal(a.outcomes[name], b.outcomes[name]), name
    for name in a.trajectories:
        assert np.array_equal(a.trajectories[name], b.trajectories[name]), name
    assert sorted(a.events) == sorted(b.events)


def test_simpy_engine_equals_numpy_reference():
    """Both engines give identical outcomes, trajectories and event logs."""
    a, b = both_engines(UNCERTAIN)
    assert_same_batches(a, b)
    assert any(kind == "measure_rescinded" for *_, kind, _ in a.events)


def test_a_finished_batch_frees_its_world_without_the_cycle_collector():
    """Once a batch's result is out, its world's arrays go at once, not at some later gc."""
    plan = build_plan(sim.load(UNCERTAIN))
    world = World(plan, 11, range(10), keep=2)
    alive = weakref.ref(world)
    gc.disable()
    try:
        result = run_simpy(world)
        del world
        assert alive() is None
    finally:
        gc.enable()
    assert result.outcomes["reserves_end"].shape[1] == 10


def test_batches_do_not_change_a_replication():
    """Replication 7 gives the same numbers alone or inside a batch."""
    plan = build_plan(sim.load(UNCERTAIN))
    whole = run_simpy(World(plan, 11, range(10), keep=10))
    alone = run_simpy(World(plan, 11, [7], keep=10))
    for name in whole.outcomes:
        assert np.array_equal(whole.outcomes[name][:, 7], alone.outcomes[name][:, 0]), name


def test_strategy_identical_to_baseline_has_exactly_zero_impact():
    """Common random numbers: a strategy the measures spare matches the baseline exactly.

    ``sanctuary`` is also the city's current policy, so once the measure
    penalises only ``partial`` it differs from the baseline in nothing.
    """
    spared = UNCERTAIN.replace('agencies = ["DOJ"]', 'agencies = ["DOJ"]\npenalises = ["partial"]')
    (result, _) = both_engines(spared, replications=50)
    sanctuary = 1
    assert np.all(result.outcomes["net_fiscal_impact"][sanctuary] == 0.0)
    for name in ("reserves", "trust", "at_large_arrests"):
        assert np.array_equal(result.trajectories[name][:, sanctuary],
                              result.trajectories[name][:, 0]), name


def test_adding_a_city_leaves_other_cities_draws_unchanged():
    """A new city gets its own streams; the first city's numbers do not move."""
    second = ONE_CITY[ONE_CITY.index("[[city]]"):ONE_CITY.index("[[measure]]")]
    bigger = UNCERTAIN + second.replace("Springfield", "Shelbyville")
    plan_a, plan_b = build_plan(sim.load(UNCERTAIN)), build_plan(sim.load(bigger))
    a = run_simpy(World(plan_a, 3, range(20), keep=0))
    b = run_simpy(World(plan_b, 3, range(20), keep=0))
    for name in ("reserves_end", "federal_withheld", "net_fiscal_impact"):
        assert np.array_equal(a.outcomes[name][:, :, 0], b.outcomes[name][:, :, 0]), name
