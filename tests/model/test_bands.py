"""Quantile bands over every replication: close to exact, exact to merge, fixed in size."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.engine.runner import simulate
from sim.model.bands import _WIDTH, BAND_CITIES, QUANTILES, Bands
from sim.model.plan import build_plan
from tests.model.test_world import UNCERTAIN


def _plan(cities: int = 1):
    extra = "".join(
        UNCERTAIN[UNCERTAIN.index("[[city]]"):UNCERTAIN.index("[[measure]]")]
        .replace("Springfield", f"Town {i}").replace("1.2e9", f"{1e8 * (i + 1):.3g}")
        for i in range(cities - 1))
    return build_plan(sim.load(UNCERTAIN + extra))


def _fold(bands: Bands, values: np.ndarray) -> None:
    """Fold (T, S, R, C) reserves net of debt in, month by month."""
    for m, month in enumerate(values):
        bands.fold(m, {"net_reserves": month})


def _exact(bands: Bands, values: np.ndarray, q: float) -> np.ndarray:
    columns = np.concatenate([values[..., bands.cities], values.sum(axis=3, keepdims=True)],
                             axis=3)
    return np.quantile(columns, q, axis=2)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), replications=st.integers(1, 60),
       spread=st.sampled_from([1e3, 1e6, 1e8, 1e9]), centre=st.floats(-2e8, 2e9))
def test_band_quantiles_lie_within_a_bin_of_the_exact_ones(seed, replications, spread, centre):
    """Each band is within one bin's width of the exact quantile of all replications."""
    plan = _plan()
    bands = Bands(plan)
    T, S = plan.calendar.months, plan.shape[0]
    rng = np.random.default_rng(seed)
    values = centre + spread * rng.standard_normal((T, S, replications, 1))
    _fold(bands, values)
    for q in QUANTILES:
        estimate, exact = bands.quantiles("net_reserves", q), _exact(bands, values, q)
        sides = np.quantile(values, q, axis=2, method="lower"), np.quantile(
            values, q, axis=2, method="higher")
        size = np.maximum(np.abs(sides[0]), np.abs(sides[1]))
        bin_width = _WIDTH * np.hypot(size, bands._unit[0]) * 1.05
        np.testing.assert_array_less(np.abs(estimate - exact)[..., :1], bin_width)
    np.testing.assert_array_equal(bands.low["net_reserves"][..., 0], values.min(axis=2)[..., 0])
    np.testing.assert_array_equal(bands.high["net_reserves"][..., 0], values.max(axis=2)[..., 0])


def test_merging_in_any_order_equals_folding_everything_at_once():
    """Counts from separate batches add up to exactly the counts of one big batch."""
    plan = _plan(3)
    rng = np.random.default_rng(4)
    values = 1e8 * rng.standard_normal((plan.calendar.months, plan.shape[0], 30, 3))
    whole, first, second = Bands(plan), Bands(plan), Bands(plan)
    _fold(whole, values)
    _fold(first, values[:, :, :11])
    _fold(second, values[:, :, 11:])
    second.merge(first)
    for q in QUANTILES:
        np.testing.assert_array_equal(second.quantiles("net_reserves", q),
                                      whole.quantiles("net_reserves", q))


def test_bands_take_the_same_memory_whatever_the_replications():
    """Band storage depends on months, strategies and cities, not on replications."""
    scenario = sim.load(UNCERTAIN)
    small = simulate(scenario, replications=3, workers=1).bands
    large = simulate(scenario, replications=40, workers=1).bands
    assert small.counts["net_reserves"].nbytes == large.counts["net_reserves"].nbytes
    assert int(large.counts["net_reserves"][0, 0, 0].sum()) == 40


def test_only_the_largest_cities_are_banded_one_by_one():
    """Beyond BAND_CITIES cities, the largest by expenditure are banded, plus all cities."""
    plan = _plan(BAND_CITIES + 3)
    bands = Bands(plan)
    assert len(bands.cities) == BAND_CITIES
    assert bands.counts["net_reserves"].shape[2] == BAND_CITIES + 1
    assert 0 in bands.cities and 1 not in bands.cities  # Springfield, then the smallest town


def test_saved_bands_cover_every_replication(tmp_path):
    """bands.parquet holds monthly quantiles over all replications, not only the kept ones."""
    result = sim.run(sim.load(UNCERTAIN), replications=20, keep=2, workers=1)
    reopened = sim.open_results(result.save(tmp_path / "run", figures=False))
    bands = reopened.bands
    assert set(bands["series"]) == {"net_reserves"}
    assert list(bands.columns[-7:]) == ["p05", "p25", "p50", "p75", "p95", "min", "max"]
    assert (bands["p05"] <= bands["p50"]).all() and (bands["p50"] <= bands["p95"]).all()
    assert (bands["min"] <= bands["p05"]).all() and (bands["p95"] <= bands["max"]).all()
