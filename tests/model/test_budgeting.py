"""The budget's path: mid-year reviews cut the months left by a share of the shortfall."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.model.budgeting import cut_after_reviews, year_to_date
from tests.conftest import ONE_CITY
from tests.model.test_fiscal import MILLION, SALES_RECESSION, assert_identity, simulate


def reviews(*months: int) -> np.ndarray:
    """(12, 1) whether one city reviews its budget after each month of the year."""
    reviewed = np.zeros((12, 1), bool)
    reviewed[np.array(months, int) - 1, 0] = True
    return reviewed


def one_year(actual_by_month: dict[int, float], months: int = 12) -> tuple[np.ndarray, ...]:
    """$100 a month expected, ``actual`` $100 but where given (fiscal month -> dollars)."""
    expected = np.full((months, 1, 1), 100.0)
    actual = expected.copy()
    for month, dollars in actual_by_month.items():
        actual[month - 1] = dollars
    fiscal_month = (np.arange(months) % 12 + 1)[:, None]
    return expected, actual, fiscal_month


def test_a_shortfall_in_month_4_reviewed_at_month_6_cuts_months_7_to_12():
    """$60 short in month 4; at the month-6 review that is $10 a month so far, and at
    a share of 0.5 each of months 7-12 spends $5 less; months 1-6 are as adopted."""
    cut = cut_after_reviews(*one_year({4: 40.0}), reviews(6), np.array([[0.5]]))
    assert cut[:, 0, 0] == pytest.approx([0] * 6 + [5.0] * 6)


def test_each_quarterly_review_sets_the_cut_again():
    """Reviews after months 3, 6 and 9: nothing short by month 3; $60 over 6 months
    at month 6 (share 0.5: $5 a month); $60 over 9 months at month 9 ($3.33)."""
    cut = cut_after_reviews(*one_year({4: 40.0}), reviews(3, 6, 9), np.array([[0.5]]))
    assert cut[:, 0, 0] == pytest.approx([0] * 6 + [5.0] * 3 + [60 / 9 / 2] * 3)


def test_nothing_is_cut_without_reviews_at_share_0_or_after_a_windfall():
    shortfall = one_year({4: 40.0})
    assert not cut_after_reviews(*shortfall, reviews(), np.array([[0.5]])).any()
    assert not cut_after_reviews(*shortfall, reviews(6), np.array([[0.0]])).any()
    windfall = one_year({4: 160.0})
    assert not cut_after_reviews(*windfall, reviews(6), np.array([[1.0]])).any()


def test_a_new_fiscal_year_starts_uncut_and_counts_afresh():
    """Year 1's $60 shortfall cuts its months 7-12; year 2, on budget, cuts nothing."""
    cut = cut_after_reviews(*one_year({4: 40.0}, months=24), reviews(6), np.array([[1.0]]))
    assert cut[:, 0, 0] == pytest.approx([0] * 6 + [10.0] * 6 + [0] * 12)


def test_the_months_after_a_review_spend_their_share_of_the_shortfall_less():
    """By hand, a July fiscal year reviewed after March (month 9): $100M a month of own
    revenue falls 2 a month from January 2025 (100, 98, 96 to March: $2M a month short
    so far), so April-June 2025 spend 100 - 0.5 x 2 = $99M.  July 2025-March 2026 bring
    88 + 0.2k (k = 0..8), $100.8M short over 9 months, $11.2M a month: April-June 2026
    spend 100 - 5.6 = $94.4M.  Each July starts at $100M again.  With re-budgeting at 0.5
    (FY2026 already spends 100 - 2.5) only the rest is short: (100.8 - 9 x 2.5) / 9 =
    $8.7M a month, so April-June 2026 spend 97.5 - 4.35 = $93.15M.  Books balance to
    the cent either way."""
    base = sim.load(ONE_CITY).with_values(SALES_RECESSION)
    reviewed = base.with_values({"city[0].budget.review_months": [9],
                                 "city[0].budget.midyear_share": 0.5})
    result = simulate(reviewed, 1)
    spent = result.trajectories["expenditure"][:, 0, 0, 0] / MILLION
    assert spent[[0, 2, 3, 5, 6, 14, 15, 17, 18]] == pytest.approx(
        [100, 100, 99, 99, 100, 100, 94.4, 94.4, 100])
    assert_identity(result, np.full((4, 1, 1), 1e8))
    both = simulate(reviewed.with_values({"city[0].budget.rebudget_share": 0.5}), 1)
    spent = both.trajectories["expenditure"][:, 0, 0, 0] / MILLION
    assert spent[[6, 14, 15, 17]] == pytest.approx([97.5, 97.5, 93.15, 93.15])
    assert_identity(both, np.full((4, 1, 1), 1e8))


def test_year_to_date_starts_again_with_each_citys_own_fiscal_year():
    """Two cities, two replications: sums restart at each city's first fiscal month only."""
    fiscal_month = np.array([[11, 1], [12, 2], [1, 3], [2, 4]])
    values = np.arange(16.0).reshape(4, 2, 2)  # (month, replication, city)
    by_hand = np.array([
        [[0, 1], [2, 3]],
        [[0 + 4, 1 + 5], [2 + 6, 3 + 7]],
        [[8, 1 + 5 + 9], [10, 3 + 7 + 11]],      # city 0 starts its fiscal year here
        [[8 + 12, 1 + 5 + 9 + 13], [10 + 14, 3 + 7 + 11 + 15]],
    ], dtype=float)
    assert np.array_equal(year_to_date(values, fiscal_month), by_hand)

