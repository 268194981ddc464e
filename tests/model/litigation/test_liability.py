"""Liability for unlawful holds: claims, their cost and when they are paid."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import sim
from sim.model.litigation.liability import lognormal_total
from sim.model.plan import build_plan
from sim.model.reference import run_reference
from sim.model.world import World
from tests.model.litigation.cases import (
    FULL,
    HOLDING_JAIL,
    PARTIAL,
    run,
    scenario_text,
)


def test_claim_costs_have_the_stated_mean():
    """The Fenton-Wilkinson total has mean claims x payout, whatever the claim count."""
    z = stats.norm.ppf((np.arange(20_000) + 0.5) / 20_000)
    for claims in (1.0, 3.0, 40.0):
        total = lognormal_total(np.full_like(z, claims), 12_000.0, 1.0, z)
        assert total.mean() == pytest.approx(claims * 12_000, rel=2e-3)
    assert lognormal_total(np.zeros(3), 12_000.0, 1.0, z[:3]).tolist() == [0, 0, 0]




def test_liability_for_unlawful_holds_is_paid_after_its_lag():
    """~100 holds a month (50 under partial) at 5% and $10,000 a claim, paid 2 months late."""
    text = scenario_text(litigation="strategies = []\n[litigation.liability]\n"
                         "claim_probability = 0.05\npayout_mean = 10000\npayout_sigma = 1\n"
                         "payout_lag_months = 2", years=1)
    text = text.replace("[city.budget]", HOLDING_JAIL + "[city.budget]")
    _, result = run(text, replications=400)
    paid = result.outcomes["liability_cost"][:, :, 0]
    accrued = result.outcomes["liability_accrued"][:, :, 0]
    assert not paid[:2].any() and not accrued[:2].any()
    for s, rate in ((PARTIAL, 50), (FULL, 100)):
        expected = rate * 0.05 * 10_000
        error = 4 * paid[s].std() / np.sqrt(400)
        assert paid[s].mean() == pytest.approx(10 * expected, abs=error)
        assert accrued[s].mean() == pytest.approx(2 * expected, abs=4 * accrued[s].std() / 20)
    assert not result.trajectories["liability_cost"][:2].any()
    spending = result.trajectories["spending"][:, FULL] - result.trajectories["spending"][:, 0]
    assert np.allclose(spending, result.trajectories["liability_cost"][:, FULL])


def test_liability_is_the_same_whatever_the_batch_when_payout_lags_differ():
    """Each replication's claims are booked at its own payout lag, in any batch."""
    text = scenario_text(litigation="strategies = []\n[litigation.liability]\n"
                         "claim_probability = 0.05\npayout_mean = 10000\npayout_sigma = 1\n"
                         'payout_lag_months = { dist = "uniform", low = 0, high = 16 }',
                         years=1)
    scenario = sim.load(text.replace("[city.budget]", HOLDING_JAIL + "[city.budget]"))
    plan = build_plan(scenario)
    batch = run_reference(World(plan, scenario.scenario.seed, range(8), keep=0)).outcomes
    assert batch["liability_cost"].any() and batch["liability_accrued"].any()
    for r in range(8):
        alone = run_reference(World(plan, scenario.scenario.seed, [r], keep=0)).outcomes
        for name in ("liability_cost", "liability_accrued"):
            assert alone[name][:, 0].tobytes() == batch[name][:, r].tobytes(), (r, name)


def test_no_holds_no_liability():
    """A jail that holds no one on a detainer (sanctuary, or no detainers) pays no damages."""
    _, result = run(scenario_text())
    assert not result.outcomes["liability_cost"][:2].any()
    assert not result.outcomes["liability_accrued"][:2].any()
    quiet = scenario_text().replace("[city.budget]",
                                    "[city.enforcement]\nbookings_per_month = 0\n[city.budget]")
    _, result = run(quiet)
    assert not result.outcomes["liability_cost"].any()
    assert not result.outcomes["liability_accrued"].any()


