"""The largest federal cut a city can absorb while its reserves keep their policy floor.

A budget office asks: how big a loss of federal money can we take before
reserves break policy?  Here: the largest *uniform* cut, a share of every
federal payment the city would otherwise receive, from the first month, on top
of the scenario's measures, that keeps reserves net of short-term debt at or
above the city's policy floor (``floor_breached`` stays 0) in at least a stated
share of futures (default 90%), per strategy and city.

How it is found.  Every strategy and cut meets the same futures (common
random numbers), so each future ``r`` has a *critical cut* ``t_r``: the
smallest cut at which its floor is breached (0 when it is breached without any
cut; above 100% when even losing every federal dollar does not breach it).
The critical cuts are found together by bisection, every future and strategy
halving its own bracket at each step (one batch run per step), to within
``tolerance``.  Floor breaches grow with the cut (less revenue, never more
reserves), so the floor holds at a cut ``x`` exactly in the futures with
``t_r > x``; the largest cut holding in a share ``q`` of them is the
``(1 - q)`` quantile of the critical cuts (the ``k``-th smallest,
``k = floor((1 - q) R) + 1``).

Its Monte Carlo uncertainty: a distribution-free 90% interval from two other
order statistics, chosen at the binomial bounds (the number of futures below
the true quantile is Binomial(R, 1 - q)), widened by the bisection tolerance.
Why not the bootstrap: the answer is a low quantile of a variable with a point
mass at 0 (futures breached without any cut) and at the 100% censoring bound,
where resampling order statistics is known to understate the spread; the
order-statistic interval holds whatever the distribution and needs no extra
random draws, so it is deterministic like the rest of a run.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import stats

from sim.errors import UsageError
from sim.model.plan import build_plan
from sim.model.world import World, run_simpy
from sim.scenario import Scenario

FUTURES = 0.9
"""Default share of futures in which the floor must hold."""
TOLERANCE = 0.001
"""Default width of each future's bisection bracket (0.1 percentage point)."""
CONFIDENCE = 0.9
"""Coverage of the Monte Carlo interval."""
BATCH = 250
"""Replications simulated together at each step (memory stays that of a batch)."""

ABSORB_COLUMNS = ["strategy", "city", "futures", "cut", "cut_low", "cut_high", "dollars",
                  "dollars_low", "dollars_high", "breached_without_cut", "replications"]
"""Columns of :func:`absorbable_cut`: ``cut`` is the share of federal funds
(``cut_low``, ``cut_high`` its Monte Carlo interval), ``dollars`` the same in
dollars a year (the cut times the mean annual federal funds due),
``breached_without_cut`` the share of futures below the floor with no cut."""


def critical_cuts(scenario: Scenario, replications: int, seed: int,
                  tolerance: float = TOLERANCE, strategies: Sequence[str] | None = None,
                  progress: Callable[[int], None] | None = None
                  ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Per (strategy, replication, city): the smallest cut that breaches the floor.

    Returns the critical cuts (S, R, C) (0: breached without a cut, 1 + tolerance:
    not breached at 100%), the annual federal funds due (R, C) and the strategy
    names (baseline first).
    """
    plan = build_plan(scenario, strategies)
    S, C = plan.shape
    low = np.zeros((S, replications, C))
    high = np.full((S, replications, C), 1.0 + tolerance)
    due = np.zeros((replications, C))
    years = scenario.months / 12

    def breached(cut: np.ndarray) -> np.ndarray:
        out = np.empty(cut.shape, bool)
        for first in range(0, replications, BATCH):
            last = min(first + BATCH, replications)
            world = World(plan, seed, range(first, last), keep=0)
            world.fiscal_inputs = replace(world.fiscal_inputs,
                                          federal_cut=cut[:, first:last])
            result = run_simpy(world)
            out[:, first:last] = result.outcomes["floor_breached"] > 0
            due[first:last] = result.outcomes["federal_due"][0] / years
            if progress is not None:
                progress(last - first)
        return out

    # The ends first: breached without a cut, and not breached even at 100%.
    at_zero = breached(np.zeros_like(low))
    high[at_zero] = 0.0
    at_full = breached(np.ones_like(low))
    low[~at_full] = 1.0 + tolerance
    high[at_full & ~at_zero] = 1.0
    while True:
        open_ = high - low > tolerance
        if not open_.any():
            break
        middle = (low + high) / 2
        hit = breached(np.where(open_, middle, low))
        high = np.where(open_ & hit, middle, high)
        low = np.where(open_ & ~hit, middle, low)
    return high, due, list(plan.strategies)


def steps(tolerance: float = TOLERANCE) -> int:
    """Batch runs a search takes: the two ends, then halvings to the tolerance."""
    return 2 + max(0, math.ceil(math.log2(1.0 / tolerance)))


def absorbable_cut(scenario: Scenario, futures: float = FUTURES,
                   replications: int | None = None, seed: int | None = None,
                   tolerance: float = TOLERANCE, strategies: Sequence[str] | None = None,
                   progress: Callable[[int], None] | None = None) -> pd.DataFrame:
    """The largest uniform federal cut each strategy and city can absorb.

    The cut keeps the city's reserves above its policy floor in at least
    ``futures`` of the futures.

    One row per (strategy, city), baseline included (see :data:`ABSORB_COLUMNS`);
    ``replications``, ``seed`` and ``strategies`` default to the scenario's.
    """
    if not 0.0 < futures < 1.0:
        raise UsageError(f"the share of futures must be above 0 and below 1 (got {futures})")
    if not 0.0 < tolerance < 1.0:
        raise UsageError(f"tolerance must be above 0 and below 1 (got {tolerance})")
    R = scenario.scenario.replications if replications is None else replications
    seed = scenario.scenario.seed if seed is None else seed
    cuts, due, names = critical_cuts(scenario, R, seed, tolerance, strategies, progress)
    k, low_k, high_k = order_statistics(R, 1.0 - futures)
    rows = []
    for s, strategy in enumerate(names):
        for c, city in enumerate(scenario.city):
            ordered = np.sort(cuts[s, :, c])
            annual = float(due[:, c].mean())

            def at(i: int, ordered: np.ndarray = ordered) -> float:
                # Below the first order statistic nothing is known but 0; past the
                # last, only that the cut exceeds it (censored at 100%).
                return float(min(ordered[min(max(i, 1), R) - 1], 1.0)) if i >= 1 else 0.0

            cut = at(k)
            low = max(at(low_k) - tolerance, 0.0) if low_k >= 1 else 0.0
            high = min(at(high_k) + tolerance, 1.0)
            rows.append((strategy, city.name, futures, cut, low, high, cut * annual,
                         low * annual, high * annual, float((ordered == 0.0).mean()), R))
    return pd.DataFrame(rows, columns=ABSORB_COLUMNS)


def order_statistics(replications: int, p: float,
                     confidence: float = CONFIDENCE) -> tuple[int, int, int]:
    """1-based ranks of the ``p`` quantile's estimate and of its interval's ends.

    The estimate is the ``k``-th smallest of ``replications`` values, ``k =
    floor(p R) + 1``; the interval's ends are order statistics at the binomial
    bounds (the count of values below the true quantile is Binomial(R, p)),
    which cover it with at least ``confidence`` whatever the distribution.
    """
    R = replications
    k = math.floor(p * R) + 1
    tail = (1.0 - confidence) / 2
    low = int(stats.binom.ppf(tail, R, p))
    high = int(stats.binom.ppf(1.0 - tail, R, p)) + 1
    return k, low, min(high, R + 1)
