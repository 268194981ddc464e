"""The budget's path through the years: re-budgeting and mid-year correction.

Two responses to own-source revenue running off the forecast the adopted
budget was built on, both *before* reserves fall to any floor, and both
depending on revenue alone (never on a strategy), so every strategy meets
the same corrected spending:

* :func:`rebudgeted`: each adopted budget matches the revenue then expected
  (balanced-budget law, ``Budget.rebudget_share``): a share of the past
  fiscal year's gap comes out of (a windfall goes into) the next year.
* :func:`cut_after_reviews`: inside the year, at each budget review
  (quarterly or mid-year reports, ``Budget.review_months``) the months left
  spend less by a share of the year-to-date shortfall a month
  (``Budget.midyear_share``): hiring freezes, vacancy savings, suspended
  discretionary spending.

Both are spending taken out of the adopted budget's months, so the
accounting identity of :mod:`sim.model.fiscal` is unchanged.
"""

from __future__ import annotations

import numpy as np


def rebudgeted(forecast: np.ndarray, actual: np.ndarray, next_is_year_start: np.ndarray,
               share: np.ndarray) -> np.ndarray:
    """(T, R, C) spending taken out of each month's budget by re-budgeting.

    At each fiscal year's end the year's own-source gap is measured against
    the trend the budget was built on (``forecast``: before any recession or
    noise): ``sum(forecast) - sum(actual)`` over the year's months (the
    months since the start for the first, partial year), a month's worth of
    it being that over the number of months.  Each month of the next year
    then spends ``share`` (R, C) of a month's gap less: the adopted budget
    matches the revenue now expected (Budget.rebudget_share; negative, a
    windfall, spends more).  The amount is the same in every month of the
    adopted year, as an adopted budget is: fund floors, shares of the
    year's expenditure, do not move inside it.  It depends on revenue only,
    never on a strategy, so every strategy meets the same re-budgeted
    spending.
    """
    cut = np.zeros_like(forecast)
    shortfall = np.zeros(forecast.shape[1:])
    months = np.zeros(forecast.shape[2:])
    monthly_gap = np.zeros(forecast.shape[1:])
    for m in range(len(forecast)):
        cut[m] = share * monthly_gap
        shortfall += forecast[m] - actual[m]
        months += 1
        ends = next_is_year_start[m]
        if ends.any():
            monthly_gap = np.where(ends, shortfall / months, monthly_gap)
            shortfall[:, ends], months[ends] = 0.0, 0
    return cut


def year_to_date(values: np.ndarray, fiscal_month: np.ndarray) -> np.ndarray:
    """(T, R, C) each month's sum of ``values`` over its fiscal year's months so far.

    ``fiscal_month`` (T, C) is each month's place in its fiscal year (1 = its
    first month, where the sum starts again); the first, partial year sums
    from the horizon's start.  Summed month by month, in order.
    """
    total = np.zeros_like(values)
    running = np.zeros(values.shape[1:])
    for m in range(len(values)):
        running[:, fiscal_month[m] == 1] = 0.0
        running += values[m]
        total[m] = running
    return total


def cut_after_reviews(expected: np.ndarray, actual: np.ndarray, fiscal_month: np.ndarray,
                      reviewed: np.ndarray, share: np.ndarray) -> np.ndarray:
    """(T, R, C) spending the mid-year reviews take out of the months left in each year.

    ``expected`` is the own-source revenue the adopted budget spends (the
    trend less what re-budgeting already took out, so no shortfall is cut
    twice), ``actual`` what came in; ``fiscal_month`` (T, C) is each month's
    place in its fiscal year (1 = its first month) and ``reviewed`` (12, C)
    whether the budget is reviewed when that month of the year is over.  At
    a review the year-to-date shortfall ``sum(expected) - sum(actual)`` over
    the year's months so far (since the start, for the first, partial year)
    is divided by their number, and every month left in the year spends
    ``share`` (R, C) of that monthly shortfall less, until the next review
    sets it again or the year ends.  Shortfalls only: a year running ahead
    of its estimate cuts nothing and spends nothing more, the windfall falls
    to the reserves (Budget.midyear_share).
    """
    shortfall = year_to_date(expected - actual, fiscal_month)
    months = year_to_date(np.ones((len(fiscal_month), 1, fiscal_month.shape[1])),
                          fiscal_month)[:, 0]
    cut = np.zeros_like(expected)
    monthly_cut = np.zeros(expected.shape[1:])
    cities = np.arange(fiscal_month.shape[1])
    for m in range(len(expected)):
        monthly_cut[:, fiscal_month[m] == 1] = 0.0
        cut[m] = monthly_cut
        review = reviewed[fiscal_month[m] - 1, cities]
        if review.any():
            monthly_cut = np.where(review, share * np.maximum(shortfall[m], 0.0) / months[m],
                                   monthly_cut)
    return cut
