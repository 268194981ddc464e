"""Recessions: their hand-computed revenue path and their probability."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from tests.conftest import ONE_CITY
from tests.model.test_fiscal import simulate


def test_a_deterministic_recession_follows_its_hand_computed_revenue_path():
    """$100M a month of own revenue, half sales (10% deep), half property (20% deep,
    2 months later); $10M of state aid (10% deep); from March 2025, 4 months down,
    8 back.  May: sales halfway down, 100 x (1 - 0.5 x 0.1 x 0.5) = $97.5M; July:
    sales at the trough, property halfway, $90M; September: sales a quarter back
    up, property at the trough, $86.25M; March 2026: sales recovered, property a
    quarter of its fall left, $97.5M.  State aid in July: $9M."""
    scenario = sim.load(ONE_CITY).with_values({
        "city[0].budget.own_source_revenue": 1.2e9, "city[0].budget.expenditure_growth": 0.0,
        "city[0].budget.state_aid": 1.2e8,
        "city[0].budget.revenue_mix": {"sales": 0.5, "property": 0.5},
        "recession": {"start": "2025-03-01", "decline_months": 4, "recovery_months": 8,
                      "property_lag_months": 2,
                      "depth": {"sales": 0.1, "property": 0.2, "state_aid": 0.1}},
    })
    result = simulate(scenario, replications=2)
    own = result.trajectories["own_source"][:, 0, 0, 0] / 1e6
    assert own[[0, 2, 4, 6, 8, 14, 20]] == pytest.approx([100, 100, 97.5, 90, 86.25, 97.5, 100])
    assert result.trajectories["state_aid"][6, 0, 0, 0] == pytest.approx(9e6)
    assert result.outcomes["recession"].min() == 1.0


def test_recessions_come_with_their_probability_and_meet_every_strategy_alike():
    """Probability 0.3 a year over two years: 1 - 0.7^2 = 51% of futures; the same
    futures in every strategy, and nothing else in them changes."""
    base = sim.load(ONE_CITY)
    scenario = base.with_values({"recession": {"probability": 0.3}})
    result = simulate(scenario, replications=400)
    came = result.outcomes["recession"]
    assert (came == came[:1]).all()
    assert came[0, :, 0].mean() == pytest.approx(0.51, abs=0.075)
    calm = simulate(base, replications=400)
    assert np.array_equal(result.outcomes["federal_withheld"], calm.outcomes["federal_withheld"])
