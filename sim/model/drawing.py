"""Withdrawal rules of stabilization reserves: when, and how much, a year may draw.

Some cities may draw their reserves only in a fiscal year of falling revenue
and at most a share of the balance a year (San Francisco's Rainy Day Reserve,
Charter 9.113.5(f): only in years the Controller projects General Fund revenue
below the current year's, at most half the balance; its Budget Stabilization
Reserve, Administrative Code 10.60, only "in periods of economic and tax
revenue declines").  The rest of the balance is *locked*: it is not there to
balance the budget, so the gap-closing tools of :mod:`sim.model.fiscal` act
as if the floor were the floor plus the locked money.  Nothing else moves:
the floor a breach is counted against, borrowing and repayment keep the
city's policy floor, and reserves still fall below the locked level while the
tools' lags run or their limits bind (the city then breaks the rule, as one
with no other means would).

Units: dollars.  Arrays are (T, R, C) over months, replications and cities,
or (S, R, C) with the strategy first, as in :mod:`sim.model.fiscal`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.budgeting import year_to_date
from sim.model.plan import Parameters, Plan


@dataclass(frozen=True)
class DrawRule:
    """Each budget's withdrawal rule, for a batch."""

    allowed_share: np.ndarray
    """(T, R, C) most of a fiscal year's opening balance the year may draw, as
    the rule stands in each month: ``draw_limit`` (1 without one) where draws
    are allowed, 0 where they need falling revenue and revenue is not falling."""

    def level(self, m: int, floor: np.ndarray, opening: np.ndarray, net: np.ndarray,
              year_ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The level the tools defend in month ``m``, and the next month's opening balance.

        The level is :func:`locked_floor`'s; the opening balance is ``net``
        reserves (none below zero) where the fiscal year ends (``year_ends``,
        (C,)), else ``opening`` as it was.
        """
        return (locked_floor(floor, opening, self.allowed_share[m]),
                np.where(year_ends, np.maximum(net, 0.0), opening))


def falling_revenue(actual: np.ndarray, trend: np.ndarray, fiscal_month: np.ndarray) -> np.ndarray:
    """(T, R, C) whether each month's fiscal-year-to-date revenue runs below last year's.

    ``actual`` is own-source revenue as it came in, ``trend`` the adopted
    budgets' noise-free own-source revenue (T, R, C), ``fiscal_month`` (T, C)
    each month's place in its fiscal year (1 = its first month).  A month is
    compared with the same month a year earlier; a month whose year-earlier
    twin lies before the horizon, with the trend of its own month: the adopted
    budget's estimate of the year, the one forecast the model has of it (the
    Controller's test is a projection of the year against the current year).
    The sums run over the fiscal year's months so far (since the start, for
    the first, partial year).
    """
    previous = trend.copy()
    previous[12:] = actual[:-12]
    return year_to_date(actual, fiscal_month) < year_to_date(previous, fiscal_month)


def locked_floor(floor: np.ndarray, opening: np.ndarray, allowed_share: np.ndarray) -> np.ndarray:
    """(S, R, C) the level the gap-closing tools defend: the floor or the locked balance.

    ``opening`` (S, R, C) is the fiscal year's opening net reserves (none
    below zero), ``allowed_share`` (R, C) the share of it the year may draw
    this month and ``floor`` (R, C) the policy floor.  The money locked above
    the floor, ``max((1 - allowed_share) x opening - floor, 0)``, is added to
    the floor: the year may draw its share of the balance, floor included (the
    law limits the draw of the whole balance, so the floor is not counted
    twice), and never below the floor.
    """
    locked = opening * (1.0 - allowed_share)
    return np.maximum(locked, floor)


def sample_draw_rule(plan: Plan, params: Parameters, trend: np.ndarray,
                     actual: np.ndarray) -> DrawRule | None:
    """The withdrawal rules of a batch, or None where no city states one.

    ``trend`` and ``actual`` (T, R, C) are own-source revenue as the adopted
    budget expected it (before noise and recession) and as it came in.
    """
    cities = plan.scenario.city
    if all(c.budget.draw_limit is None and not c.budget.draws_need_falling_revenue
           for c in cities):
        return None
    limit = params.per_city("budget.draw_limit", lambda c: c.budget.draw_limit, default=1.0)
    need = np.array([c.budget.draws_need_falling_revenue for c in cities])
    allowed = np.broadcast_to(~need, actual.shape)
    if need.any():
        fiscal_month = (plan.calendar.calendar_month[:, None] - plan.fiscal_year_start) % 12 + 1
        allowed = falling_revenue(actual, trend, fiscal_month) | allowed
    return DrawRule(allowed_share=np.where(allowed, limit, 0.0))
