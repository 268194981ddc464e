"""Designs (sim/analysis/sweep/design.py): sizes, seeds, factor values by kind."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from sim.analysis import sweep as sweeps
from tests.analysis.sweep.conftest import (
    SCENARIO,
    write_sweep,
)


def test_design_sizes_follow_the_design(tmp_path):
    """Sobol N(k+2), second order N(2k+2), Morris r(k+1), grid levels^k, plus 2k+1 tornado."""
    path = write_sweep(tmp_path)
    for overrides, points in [({}, 16 * 5), ({"second_order": True}, 16 * 8),
                              ({"design": "morris", "samples": 5}, 5 * 4),
                              ({"design": "grid", "levels": 3}, 27),
                              ({"design": "qmc", "samples": 32}, 32)]:
        sweep = sweeps.load(path, overrides)
        table = sweeps.build_design(sweep).table
        assert (table["block"] == "design").sum() == points
        assert (table["block"] == "tornado").sum() == 7


def test_design_is_reproducible_and_follows_the_seed(tmp_path):
    """The same seed gives the same points; another seed other points."""
    path = write_sweep(tmp_path)
    first = sweeps.build_design(sweeps.load(path)).table
    again = sweeps.build_design(sweeps.load(path)).table
    other = sweeps.build_design(sweeps.load(path, {"seed": 99})).table
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)


def test_factor_values_respect_kinds_and_scenario_distributions(tmp_path):
    """Integers stay whole, dates are days in range, distributions map through their ppf."""
    scenario = SCENARIO.replace("effective = 2025-03-10", "effective = {dist = \"uniform\", "
                                "low = 2025-02-01, high = 2025-12-31}")
    path = write_sweep(tmp_path, scenario=scenario)
    sweep = sweeps.load(path, {"design": "lhs", "samples": 40, "parameter": [
        {"path": "measure[DOJ conditions].effective"},
        {"path": "measure[DOJ conditions].clawback_months", "low": 0, "high": 6},
        {"path": "city[Springfield].budget.reserves", "low": 1e6, "high": 1e9,
         "scale": "log"}]})
    table = sweeps.build_design(sweep).table
    dates = table["measure[DOJ conditions].effective"].dt.date
    assert dates.between(dt.date(2025, 2, 1), dt.date(2025, 12, 31)).all()
    months = table["measure[DOJ conditions].clawback_months"]
    assert months.dtype == np.int64 and set(months) == set(range(7))
    reserves = np.log10(table["city[Springfield].budget.reserves"])
    assert reserves.between(6, 9).all() and reserves[table["block"] == "design"].std() > 0.5
    tasks = sweeps.point_tasks(sweep, sweeps.build_design(sweep))
    assert isinstance(tasks[0].scenario.measure[0].effective, dt.date)
