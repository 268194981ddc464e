"""Community trust: falls with enforcement and cooperation, recovers with a half-life."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.trust import TrustInputs, TrustState, trust_month
from tests.model.test_enforcement import BASELINE, FULL, PARTIAL, SANCTUARY, WITH_JAIL, monthly, run

QUIET = WITH_JAIL.replace("bookings_per_month = 2000", "bookings_per_month = 0").replace(
    "at_large_rate = 120.0", "at_large_rate = 0")
"""The test city with no detainers and no community arrests: nothing is visible."""


def one_city(half_life: float = 6.0, sensitivity: float = 1.8) -> TrustInputs:
    shape = (1, 1)
    return TrustInputs(
        immigrants=np.full(shape, 10_000.0),
        target_by_level=np.array([1.0, 0.946, 0.893])[:, None, None] * np.ones(shape),
        sensitivity=np.full(shape, sensitivity),
        retained=np.full(shape, 0.5 ** (1 / half_life)),
        trust0=np.ones(shape),
        reporting0=np.full(shape, 0.42),
        victimisations=np.full(shape, 100.0),
    )


def test_trust_returns_halfway_to_baseline_after_one_half_life():
    """From 0.4, with no enforcement, a sanctuary city's trust is 0.7 after 6 months."""
    inputs, state = one_city(half_life=6.0), TrustState(index=np.full((1, 1, 1), 0.4))
    sanctuary, nothing = np.zeros((1, 1, 1), dtype=np.int8), np.zeros((1, 1, 1))
    for _ in range(6):
        trust_month(state, inputs, sanctuary, nothing)
    assert state.index[0, 0, 0] == pytest.approx(0.7, abs=1e-12)
    for _ in range(6):
        trust_month(state, inputs, sanctuary, nothing)
    assert state.index[0, 0, 0] == pytest.approx(0.85, abs=1e-12)


def test_trust_falls_at_once_with_visible_enforcement():
    """Ten arrests among 10,000 immigrants in a month: the index drops to exp(-1.8) at once."""
    inputs, state = one_city(), TrustState(index=np.ones((1, 1, 1)))
    accounts = trust_month(state, inputs, np.zeros((1, 1, 1), dtype=np.int8),
                           np.full((1, 1, 1), 10.0))
    assert state.index[0, 0, 0] == pytest.approx(np.exp(-1.8))
    assert accounts["reporting_rate"][0, 0, 0] == pytest.approx(0.42 * np.exp(-1.8))
    assert accounts["unreported_crimes"][0, 0, 0] == pytest.approx(100 * (1 - 0.42 * np.exp(-1.8)))


def test_cooperation_level_alone_lowers_reporting_as_measured_in_sanctuary_studies():
    """With nothing visible, sanctuary cities report 12% more than full cooperators."""
    result = run(QUIET, replications=2)
    reporting = monthly(result, "reporting_rate")
    assert np.all(reporting[:, BASELINE] == pytest.approx(0.42))
    assert np.all(reporting[:, SANCTUARY] / reporting[:, FULL] == pytest.approx(1 / 0.893))
    assert np.all(reporting[:, PARTIAL] == pytest.approx(0.42 * 0.946))


def test_unreported_crimes_follow_the_reporting_rate():
    """10,000 immigrants x 23.5 per 1,000 a year: 19.58 a month, of which 58% unreported."""
    result = run(QUIET, replications=1)
    unreported = monthly(result, "unreported_crimes")[:, BASELINE]
    assert np.allclose(unreported, 10_000 * 23.5 / 1000 / 12 * 0.58)
    extra = result.outcomes["extra_unreported_crimes"][FULL, 0, 0]
    assert extra == pytest.approx(24 * 10_000 * 23.5 / 1000 / 12 * 0.42 * 0.107)


def test_more_visible_enforcement_means_less_trust():
    """With ICE active, full cooperation's transfers lower trust below sanctuary's."""
    result = run(WITH_JAIL, replications=2)
    trust = result.outcomes["trust"][:, :, 0]
    assert np.all(trust[FULL] < trust[PARTIAL])
    assert np.all(trust[PARTIAL] < trust[SANCTUARY])
    assert np.all(result.outcomes["reporting_rate_change"][FULL, :, 0] < -0.107)
