"""A city's revenue volatility estimated from its own annual revenue series.

The model's ``revenue_volatility`` (:class:`sim.scenario.city.Budget`) is the
long-run standard deviation of own-source revenue's monthly relative deviation
from its trend, an AR(1) process with monthly persistence ``phi``
(:func:`sim.model.fiscal.revenue_noise`).  A revenue history reports annual
totals, so the estimate goes through what the process implies for them: the
standard deviation of the change of annual revenue from one year to the next is
:func:`annual_change_ratio` (``phi``) times the parameter (0.854 at 0.9).

The method (docs/jurisdictions.md, "Revenue volatility"):

1. year-over-year log changes of annual revenue;
2. recession years set apart (the shipped scenarios' baseline has no
   ``[recession]`` table: a recession is a scenario of its own), leaving the
   ordinary years;
3. one-off years screened out by a rule fixed in advance: an ordinary year's
   change further than ``screen`` robust standard deviations (1.4826 times the
   median absolute deviation) from the ordinary years' median, such as an asset
   lease's proceeds booked as revenue in one year;
4. the trend is the mean change of the years kept; the standard deviation of
   their changes around it (``ddof = 1``) divided by the ratio is the estimate;
5. its interval is the chi-square one for a standard deviation from ``n``
   independent normal changes (short series: the interval is wide).

Growth minus a constant trend counts every change a budget could foresee (a
tax rate raised, a new levy, a reassessment) as noise, unless the change is
documented and passed as ``known_in_advance``, so the estimate is an
upper bound on the part of revenue the adopted budget did not expect, which is
what reserves absorb.  Where a city publishes in-year projections of the
year's revenue, :func:`estimate_from_projections` measures that part
directly: the projection's error over what the process implies for it
(:func:`projection_error_ratio`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import stats

ROBUST_SD = 1.4826
"""Median absolute deviation to standard deviation, for normal data."""


def annual_change_ratio(persistence: float, months: int = 12) -> float:
    """Standard deviation of the change of annual mean deviation, per unit of volatility.

    For a stationary AR(1) with unit variance and autocorrelation ``persistence``
    a month, the annual mean of year ``k`` less that of year ``k - 1`` has this
    standard deviation: the quadratic form of the two years' averaging weights
    with the process's covariance ``persistence ** |i - j|``.
    """
    lags = np.arange(2 * months)
    covariance = float(persistence) ** np.abs(lags[:, None] - lags[None, :])
    weights = np.concatenate([-np.ones(months), np.ones(months)]) / months
    return float(np.sqrt(weights @ covariance @ weights))


@dataclass(frozen=True)
class VolatilityEstimate:
    """One series' estimate, as shares (0.03 is 3%)."""

    years: int
    """Years used (ordinary years kept)."""
    trend: float
    """Mean log change (or projection error) of the years used."""
    change_sd: float
    """Standard deviation of their changes (or errors) around the trend."""
    volatility: float
    """The model's parameter: ``change_sd`` over :func:`annual_change_ratio`."""
    low: float
    high: float
    """The parameter's two-sided interval at the confidence asked."""
    screened: tuple[int, ...]
    """Ordinary years left out as one-offs."""
    recession_changes: dict[int, float]
    """Log change (or error) of each recession year in the series, for the record."""


def log_changes(years: list[int], levels: list[float],
                known_in_advance: dict[int, float] | None = None) -> dict[int, float]:
    """Year -> log change from the year before, for consecutive years only.

    ``known_in_advance`` maps a year to the part of its level the budget knew
    before the year began (a levy first collected that year, a reclassification
    into the city's books), in the levels' units: it is taken out of that year's
    level for that year's change only, since the next year's budget knows it too.
    """
    known = known_in_advance or {}
    pairs = sorted(zip(years, levels, strict=True))
    return {y: float(np.log((v - known.get(y, 0.0)) / u))
            for (x, u), (y, v) in zip(pairs, pairs[1:], strict=False)
            if y == x + 1 and u > 0 and v - known.get(y, 0.0) > 0}


def estimate(years: list[int], levels: list[float], recession_years: set[int],
             persistence: float = 0.9, confidence: float = 0.9,
             screen: float = 3.0,
             known_in_advance: dict[int, float] | None = None) -> VolatilityEstimate:
    """The volatility of a series of annual revenue (see the module docstring).

    ``known_in_advance``: budgeted changes taken out of their year's change
    (:func:`log_changes`), so that what a budget foresaw does not count as noise.
    """
    return _from_deviations(log_changes(years, levels, known_in_advance), recession_years,
                            annual_change_ratio(persistence), confidence, screen)


def projection_error_ratio(persistence: float, known_months: int = 3, months: int = 12) -> float:
    """Standard deviation of a year's projection error, per unit of volatility.

    A projection made after ``known_months`` of the year knows them and the
    month's deviation; what it cannot know is the rest of the year's
    innovations.  For the AR(1) each innovation ``j`` months before the
    year's end weighs ``(1 - persistence ** j) / (1 - persistence)`` in the
    year's sum; the error of the annual mean is that sum over ``months``.
    """
    phi = float(persistence)
    left = np.arange(1, months - known_months + 1)
    weights = (1.0 - phi**left) / (1.0 - phi) if phi < 1.0 else left.astype(float)
    return float(np.sqrt((1.0 - phi**2) * np.sum(weights**2)) / months)


def estimate_from_projections(years: list[int], actual: list[float], projected: list[float],
                              recession_years: set[int], persistence: float = 0.9,
                              known_months: int = 3, confidence: float = 0.9,
                              screen: float = 3.0) -> VolatilityEstimate:
    """The volatility implied by a city's in-year projection errors.

    ``projected`` is each year's total as projected after ``known_months``
    (a quarterly report); the error ``log(actual / projected)`` is what the
    year did that the projection did not expect.  Its mean (``trend``) is the
    projections' bias (conservative budgeting: positive), left out of the
    spread; the spread over :func:`projection_error_ratio` is the estimate.
    """
    errors = {y: float(np.log(a / f)) for y, a, f in zip(years, actual, projected, strict=True)
              if a > 0 and f > 0}
    return _from_deviations(errors, recession_years,
                            projection_error_ratio(persistence, known_months), confidence, screen)


def _from_deviations(deviations: dict[int, float], recession_years: set[int], ratio: float,
                     confidence: float, screen: float) -> VolatilityEstimate:
    """Steps 2-5 of the method on yearly deviations (changes or projection errors)."""
    ordinary = {y: g for y, g in deviations.items() if y not in recession_years}
    values = np.array(list(ordinary.values()))
    if len(values) < 3:
        raise ValueError(f"need at least 3 ordinary years, got {len(values)}")
    median = float(np.median(values))
    spread = ROBUST_SD * float(np.median(np.abs(values - median)))
    screened = tuple(y for y, g in ordinary.items()
                     if spread > 0 and abs(g - median) > screen * spread)
    kept = np.array([g for y, g in ordinary.items() if y not in screened])
    df = len(kept) - 1
    sd = float(kept.std(ddof=1))
    tail = (1.0 - confidence) / 2
    return VolatilityEstimate(
        years=len(kept), trend=float(kept.mean()), change_sd=sd, volatility=sd / ratio,
        low=sd * np.sqrt(df / stats.chi2.ppf(1.0 - tail, df)) / ratio,
        high=sd * np.sqrt(df / stats.chi2.ppf(tail, df)) / ratio,
        screened=screened,
        recession_changes={y: g for y, g in deviations.items() if y in recession_years},
    )


def read_series(path: Path, column: str) -> dict[str, tuple[list[int], list[float]]]:
    """City -> (fiscal years, values of ``column``) from a CSV with ``city`` and ``fiscal_year``."""
    series: dict[str, tuple[list[int], list[float]]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            years, values = series.setdefault(row["city"], ([], []))
            years.append(int(row["fiscal_year"]))
            values.append(float(row[column]))
    return series
