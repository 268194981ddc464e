"""Legal costs: monthly and stage fees, shared by coalitions to the cent."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.model.litigation.costs import share_costs
from tests.model.litigation.cases import SANCTUARY, run, scenario_text


def test_coalition_costs_are_shared_by_population_and_add_up_to_the_cent():
    """$10,000.01 a month split 1:3:0.5 by population sums exactly to the total."""
    text = scenario_text(cities=3, appeal="{ taken = 0 }",
                         extra='[[litigation.coalition]]\nname = "Tri-city"\n'
                               'members = ["Springfield", "Shelbyville", "Ogdenville"]\n'
                               'cost_sharing = "population"\n'
                               '[litigation.coalition.costs]\nin_house_per_month = 10000.01\n'
                               'outside_per_month = 0\n')
    world, result = run(text)
    monthly = result.trajectories["legal_cost"][:, SANCTUARY, 0, :]
    cents = np.rint(monthly * 100)
    assert np.array_equal(cents.sum(axis=1), [0, 0] + [1_000_001] * 5 + [0] * 29)
    shares = monthly[2] / monthly[2].sum()
    assert shares == pytest.approx([100 / 450, 300 / 450, 50 / 450], abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**11), st.lists(st.tuples(st.floats(0, 1e7), st.booleans()),
                                        min_size=1, max_size=12))
def test_shares_add_up_exactly_to_the_total(cents, cities):
    """Shares are whole cents, only for those taking part, summing to the total."""
    weights = np.array([w for w, _ in cities])
    taking_part = np.array([t for _, t in cities])
    shares = share_costs(np.array(cents / 100), weights, taking_part)
    in_cents = np.rint(shares * 100)
    assert np.allclose(shares * 100, in_cents)
    assert (shares >= 0).all() and (shares[~taking_part] == 0).all()
    assert in_cents.sum() == (cents if taking_part.any() else 0)


