"""Scoring rules: hand-computed cases, and the properties that make them proper."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.analysis.scoring import LOG_CLIP, bootstrap, brier, crps, log_score, skill

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
probability = st.floats(min_value=0.0, max_value=1.0)


def brute_force_crps(samples, observed):
    """E|X - y| - E|X - X'| / 2 by every pair, the textbook energy form."""
    x = np.asarray(samples, float)
    return np.abs(x - observed).mean() - 0.5 * np.abs(x[:, None] - x[None, :]).mean()


def test_brier_hand_computed():
    """(p - o)^2: 0.7 for a yes scores 0.09, for a no 0.49."""
    assert brier(0.7, True) == pytest.approx(0.09)
    assert brier(0.7, False) == pytest.approx(0.49)
    assert brier(1.0, True) == 0.0


def test_log_score_hand_computed_and_clipped():
    """-ln p of what happened; a certain miss costs -ln(clip), not infinity."""
    assert log_score(0.25, True) == pytest.approx(math.log(4))
    assert log_score(0.25, False) == pytest.approx(-math.log(0.75))
    assert log_score(0.0, True) == pytest.approx(-math.log(LOG_CLIP))
    assert log_score(1.0, True) == pytest.approx(-math.log(1 - LOG_CLIP))


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan")])
def test_probabilities_outside_0_1_are_refused(bad):
    """A probability outside [0, 1] is an error, not a score."""
    with pytest.raises(ValueError, match="probability"):
        brier(bad, True)


def test_crps_hand_computed():
    """Samples 1, 2, 3, 4 and outcome 2.5: the integral of (F - 1{x >= 2.5})^2 is 0.375."""
    # Steps of F: 1/16 on [1,2), 1/8 on [2,2.5), 1/8 on [2.5,3), 1/16 on [3,4).
    assert crps(np.array([4.0, 2.0, 1.0, 3.0]), 2.5) == pytest.approx(0.375)


def test_crps_refuses_empty_or_infinite_forecasts():
    """No samples, or a NaN outcome, cannot be scored."""
    with pytest.raises(ValueError, match="at least one"):
        crps(np.array([]), 1.0)
    with pytest.raises(ValueError, match="finite"):
        crps(np.array([1.0]), float("nan"))


@given(finite, finite)
def test_crps_of_a_point_mass_is_the_absolute_error(x, y):
    """A forecast certain of x scores |x - y|."""
    assert crps(np.array([x]), y) == pytest.approx(abs(x - y), abs=1e-6)
    assert crps(np.full(7, x), y) == pytest.approx(abs(x - y), abs=1e-6)


@given(st.lists(finite, min_size=1, max_size=30), finite)
def test_crps_matches_the_pairwise_energy_form_and_is_not_negative(samples, y):
    """The sorted formula equals the all-pairs one; the score is never below zero."""
    value = crps(np.array(samples), y)
    assert value == pytest.approx(brute_force_crps(samples, y), rel=1e-9, abs=1e-6)
    assert value >= -1e-9


@given(probability, probability)
def test_brier_and_log_scores_are_minimised_in_expectation_by_the_truth(truth, other):
    """If the outcome is yes with probability q, forecasting q beats forecasting anything else."""
    def expected(rule, p):
        return truth * rule(p, True) + (1 - truth) * rule(p, False)

    assert expected(brier, truth) <= expected(brier, other) + 1e-12
    q = min(max(truth, LOG_CLIP), 1 - LOG_CLIP)  # within the clip the log score is proper
    p = min(max(other, LOG_CLIP), 1 - LOG_CLIP)
    assert expected(log_score, q) <= expected(log_score, p) + 1e-12


@given(st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=8),
       st.integers(min_value=-5, max_value=5))
def test_crps_is_minimised_in_expectation_by_the_truth(support, shift):
    """Outcomes drawn from a discrete truth: its own samples score best on average."""
    truth = np.array(support, float)
    shifted = truth + shift
    expected_truth = np.mean([crps(truth, y) for y in truth])
    expected_shifted = np.mean([crps(shifted, y) for y in truth])
    assert expected_truth <= expected_shifted + 1e-9


def test_skill_hand_computed():
    """Half the reference's score is a skill of 0.5; worse than the reference is negative."""
    assert skill(0.1, 0.2) == pytest.approx(0.5)
    assert skill(0.3, 0.2) == pytest.approx(-0.5)
    assert math.isnan(skill(0.1, 0.0))


def test_bootstrap_keeps_pairs_together():
    """A constant gap between model and reference survives every resample exactly."""
    reference = np.array([1.0, 4.0, 2.0, 8.0])
    draws = bootstrap(reference + 0.5, reference, draws=500, seed=3)
    assert np.allclose(draws.difference, 0.5)
    low, high = draws.interval(draws.model)
    assert 1.5 <= low <= high <= 8.5


def test_bootstrap_of_one_item_has_no_spread():
    """With one scored item every resample is that item."""
    draws = bootstrap(np.array([2.0]), np.array([4.0]), draws=50)
    assert draws.interval(draws.model) == (2.0, 2.0)
    assert np.allclose(draws.skill, 0.5)


def test_bootstrap_refuses_unpaired_scores():
    """Model and reference must score the same items."""
    with pytest.raises(ValueError, match="equal"):
        bootstrap(np.array([1.0, 2.0]), np.array([1.0]))
