"""The revenue-volatility estimator (sim/analysis/volatility.py) on hand-computed series."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.analysis.volatility import (
    annual_change_ratio,
    estimate,
    estimate_from_projections,
    log_changes,
    projection_error_ratio,
)
from sim.model.fiscal import revenue_noise


def levels_from(changes: list[float], start: int = 2000) -> tuple[list[int], list[float]]:
    """Years and levels whose log changes are ``changes``."""
    logs = np.concatenate([[0.0], np.cumsum(changes)])
    return list(range(start, start + len(logs))), list(100.0 * np.exp(logs))


def test_ratio_for_independent_months_is_the_square_root_of_one_sixth():
    # iid months: an annual mean has variance 1/12, the difference of two of them 2/12.
    assert annual_change_ratio(0.0) == pytest.approx(math.sqrt(2 / 12))


def test_ratio_matches_the_models_own_noise():
    # What the docs say (0.855 at persistence 0.9), measured on revenue_noise itself.
    rng = np.random.default_rng(7)
    z = rng.standard_normal((600, 400, 1))
    x = revenue_noise(z, np.full((400, 1), 1.0), np.array([0.9]))[120:]  # past the zero start
    annual = x.reshape(40, 12, 400).mean(axis=1)
    measured = np.diff(annual, axis=0).std()
    assert annual_change_ratio(0.9) == pytest.approx(measured, rel=0.03)
    assert annual_change_ratio(0.9) == pytest.approx(0.854, abs=0.001)


def test_estimate_on_a_hand_computed_series():
    years, levels = levels_from([0.05, 0.03, 0.07, 0.01, 0.09])
    e = estimate(years, levels, recession_years=set())
    # Deviations from the mean 0.05: 0, -0.02, 0.02, -0.04, 0.04; sum of squares 0.004 over 4.
    sd = math.sqrt(0.004 / 4)
    ratio = annual_change_ratio(0.9)
    assert (e.years, e.screened) == (5, ())
    assert e.trend == pytest.approx(0.05)
    assert e.change_sd == pytest.approx(sd)
    assert e.volatility == pytest.approx(sd / ratio)
    # chi-square with 4 degrees of freedom: 5% point 0.710723, 95% point 9.487729.
    assert e.low == pytest.approx(sd * math.sqrt(4 / 9.487729) / ratio, rel=1e-5)
    assert e.high == pytest.approx(sd * math.sqrt(4 / 0.710723) / ratio, rel=1e-5)


def test_recession_years_are_set_apart_and_one_offs_screened_out():
    # 2003 falls 8% (a recession year); 2006 jumps 45% (an asset lease booked as revenue).
    years, levels = levels_from([0.05, 0.03, -0.08, 0.07, 0.01, 0.45, 0.09])
    e = estimate(years, levels, recession_years={2003})
    assert e.screened == (2006,)
    assert e.recession_changes == pytest.approx({2003: -0.08})
    assert e.years == 5
    assert e.change_sd == pytest.approx(math.sqrt(0.004 / 4))


def test_gaps_in_a_series_are_not_differenced():
    assert log_changes([2000, 2001, 2003], [100.0, 110.0, 150.0]) == pytest.approx(
        {2001: math.log(1.1)})


def test_too_short_a_series_is_refused():
    years, levels = levels_from([0.05, 0.03])
    with pytest.raises(ValueError, match="at least 3 ordinary years"):
        estimate(years, levels, recession_years=set())


def test_projection_ratio_by_hand():
    # persistence 0: the nine unknown months are independent, so the annual mean's
    # error has variance 9/144.
    assert projection_error_ratio(0.0) == pytest.approx(3 / 12)
    # persistence 0.5, one unknown month: a single innovation of variance 0.75.
    assert projection_error_ratio(0.5, known_months=11) == pytest.approx(math.sqrt(0.75) / 12)


def test_projection_ratio_matches_the_models_own_noise():
    rng = np.random.default_rng(11)
    z = rng.standard_normal((600, 400, 1))
    x = revenue_noise(z, np.full((400, 1), 1.0), np.array([0.9]))[120:]
    years = x.reshape(40, 12, 400)
    # The best projection after three months: their sum plus the AR forecast of the rest.
    rest = sum(0.9**h for h in range(1, 10))
    projected = (years[:, :3].sum(axis=1) + rest * years[:, 2]) / 12
    measured = (years.mean(axis=1) - projected).std()
    assert projection_error_ratio(0.9) == pytest.approx(measured, rel=0.03)


def test_projection_errors_by_hand():
    # Errors log(actual / projected) of 0.03, 0.01, 0.05, -0.01, 0.07: mean 0.03 (the bias),
    # deviations 0, -0.02, 0.02, -0.04, 0.04 as in the growth case.
    errors = [0.03, 0.01, 0.05, -0.01, 0.07]
    projected = [100.0] * 5
    actual = [100.0 * math.exp(e) for e in errors]
    e = estimate_from_projections(list(range(2010, 2015)), actual, projected, set())
    assert e.trend == pytest.approx(0.03)
    assert e.volatility == pytest.approx(math.sqrt(0.004 / 4) / projection_error_ratio(0.9))


def test_a_change_known_in_advance_is_taken_out_of_its_year_only():
    # Levels 100, 105, 130 (a levy of 20 first collected in 2002), 136.5.
    years, levels = [2000, 2001, 2002, 2003], [100.0, 105.0, 130.0, 136.5]
    changes = log_changes(years, levels, known_in_advance={2002: 20.0})
    # 2002: (130 - 20) / 105; 2003 against the whole 130, the levy is in both years.
    assert changes == pytest.approx({2001: math.log(1.05), 2002: math.log(110 / 105),
                                     2003: math.log(1.05)})
    plain = estimate(years, levels, recession_years=set())
    budgeted = estimate(years, levels, recession_years=set(), known_in_advance={2002: 20.0})
    assert budgeted.years == plain.years == 3
    sd = float(np.std([math.log(1.05), math.log(110 / 105), math.log(1.05)], ddof=1))
    assert budgeted.change_sd == pytest.approx(sd)
    assert budgeted.volatility < plain.volatility
