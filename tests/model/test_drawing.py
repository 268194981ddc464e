"""Withdrawal rules of the reserves (sim/model/drawing.py): by hand, through the budget."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.model.drawing import falling_revenue, locked_floor
from tests.conftest import ONE_CITY
from tests.model.test_fiscal import MILLION, assert_identity, simulate

FLAT = {
    "city[0].grant[0].amount": 0.0, "city[0].grant[1].amount": 0.0,
    "measure[0].probability": 0.0, "city[0].fiscal_year_start": 1,
    "city[0].budget.expenditure_growth": 0.0, "city[0].budget.reserve_floor": 0.0,
    "city[0].budget.gap_closing": {"order": ["service_cuts"], "service_cut_lag_months": 1,
                                   "service_cut_spread_months": 1, "service_cut_limit": 0.1,
                                   "borrowing_limit": 0.0},
}
"""ONE_CITY with no grants or measures, calendar fiscal years, $100M a month of flat spending,
$100M of reserves, no floor, and service cuts a month after reserves fall below the level
defended, sized to the whole gap (up to $10M a month)."""

RULE = {"city[0].budget.draw_limit": 0.5, "city[0].budget.draws_need_falling_revenue": True}


def run(values: dict) -> tuple[np.ndarray, np.ndarray, object]:
    """Reserves and service cuts (baseline, replication 0) in $M, and the result."""
    result = simulate(sim.load(ONE_CITY).with_values({**FLAT, **values}), 1)
    t = result.trajectories
    return t["reserves"][:, 0, 0, 0] / MILLION, t["service_cuts"][:, 0, 0, 0] / MILLION, result


def test_falling_revenue_compares_the_year_so_far_with_the_same_months_a_year_before():
    """Calendar years, $100 a month expected: year 1 against the expected $100 (on
    budget in month 1, $2 short by month 2, back level by month 4 after a $104),
    year 2 against year 1 month by month ($99 against $100 is below; $98 then
    $104 against $98 and $100: level by month 3, above after)."""
    actual = np.array([100, 98, 100, 102] + [100] * 8 + [99, 98, 104] + [100] * 9, float)
    fiscal_month = (np.arange(24) % 12 + 1)[:, None]
    falling = falling_revenue(actual[:, None, None], np.full((24, 1, 1), 100.0),
                              fiscal_month)[:, 0, 0]
    assert falling[:4].tolist() == [False, True, True, False]
    assert falling[12:16].tolist() == [True, True, False, False]
    assert not falling[4:12].any() and not falling[16:].any()


def test_the_locked_balance_never_drops_the_level_below_the_floor():
    """$100M opening: half may be drawn (level $50M), none ($100M), or all down to the
    floor ($20M); a floor above the half stays the level ($60M)."""
    opening = np.full((1, 1, 4), 100.0)
    level = locked_floor(np.array([[20.0, 20.0, 20.0, 60.0]]), opening,
                         np.array([[0.5, 0.0, 1.0, 0.5]]))
    assert level[0, 0].tolist() == [50.0, 100.0, 20.0, 60.0]


def test_without_falling_revenue_the_tools_keep_the_reserves():
    """$95M of own revenue a month against $100M of spending, on budget and flat, so
    never falling: the first month draws $5M (reserves $95M, below the $100M opening
    balance, all of it locked), and with a one-month lag the cut then closes the
    whole $5M gap: reserves stay at $95M through two years, $115M of services cut.
    Without the rule the same city draws $5M a month until it is $5M below its floor
    of 0 in September 2026, a breach, and only then cuts; the books balance to the cent
    either way."""
    own = {"city[0].budget.own_source_revenue": 1.14e9}
    reserves, cuts, result = run({**own, **RULE})
    assert reserves == pytest.approx(np.full(24, 95.0))
    assert cuts == pytest.approx([0.0] + [5.0] * 23)
    assert result.outcomes["floor_breached"][0, 0, 0] == 0.0
    assert_identity(result, np.full((4, 1, 1), 1e8))
    old, old_cuts, before = run(own)
    assert old == pytest.approx(np.maximum(100.0 - 5.0 * np.arange(1, 25), -5.0))
    assert old_cuts == pytest.approx([0.0] * 21 + [5.0] * 3)
    assert before.outcomes["floor_breached"][0, 0, 0] == 1.0
    assert_identity(before, np.full((4, 1, 1), 1e8))


def test_a_year_of_falling_revenue_draws_half_its_opening_balance_then_the_tools_act():
    """$100M of own revenue a month, all sales taxes, in a recession 12% deep from
    January 2025 (100, 98, 96, 94, 92, 90, 88, then +0.2 a month): below the
    expected $100M from February, so half the $100M opening balance may be drawn.
    Reserves fall 100, 98, 94, 88, 80, 70, 58, 46.2: August is below $50M by $3.8M,
    September spends $3.8M less (reserves $38.4M, $11.6M below), October to December
    $10M less, the limit (reserves 37.0, 35.8, 34.8).  Without the rule reserves
    fall to $1.0M in December and below 0 in January 2026."""
    recession = {
        "city[0].budget.own_source_revenue": 1.2e9, "city[0].budget.revenue_mix": {"sales": 1.0},
        "recession": {"start": "2025-01-01", "decline_months": 6, "recovery_months": 60,
                      "depth": {"sales": 0.12, "state_aid": 0.0}},
    }
    reserves, cuts, result = run({**recession, **RULE})
    assert reserves[:12] == pytest.approx(
        [100, 98, 94, 88, 80, 70, 58, 46.2, 38.4, 37.0, 35.8, 34.8])
    assert cuts[:12] == pytest.approx([0] * 8 + [3.8, 10, 10, 10])
    assert_identity(result, np.full((4, 1, 1), 1e8))
    old, old_cuts, _ = run(recession)
    assert old[:8] == pytest.approx(reserves[:8])
    assert old[11] == pytest.approx(1.0) and old[12] < 0
    assert not old_cuts[:13].any()


def test_no_rule_leaves_the_budget_as_it_was():
    """A draw limit of 1 without the revenue condition draws everything, as no rule does."""
    own = {"city[0].budget.own_source_revenue": 1.14e9}
    plain = run(own)[2].trajectories
    whole = run({**own, "city[0].budget.draw_limit": 1.0})[2].trajectories
    for name, values in plain.items():
        assert values.tobytes() == whole[name].tobytes(), name
