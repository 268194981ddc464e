"""Recessions (``[recession]``): when one starts and how deep it cuts revenue, month by month.

The fiscal process (:mod:`sim.model.fiscal`) multiplies own-source revenue and
state aid by these factors; every strategy meets the same recessions.
"""

from __future__ import annotations

import numpy as np

from sim.model.plan import Parameters, Plan
from sim.model.streams import ReplicationStreams, uniforms

DEFAULT_MIX = {"property": 0.40, "sales": 0.20, "income": 0.05, "fees": 0.25}
"""Own-source revenue by kind where a city states none.  Assumption: property
taxes lead city revenue, then charges and sales taxes; few cities tax income."""


def recession_months(plan: Plan, params: Parameters,
                     streams: list[ReplicationStreams]) -> np.ndarray:
    """(R,) month each replication's first recession starts (``months``: none).

    Two uniforms a year from the replication's own ``recession`` stream: whether
    one starts that year, and in which month.
    """
    recession, months = plan.scenario.recession, plan.calendar.months
    if recession.start is not None:
        start = plan.scenario.start
        month = ((recession.start.year - start.year) * 12 + recession.start.month
                 - start.month)
        return np.full(params.size, month, dtype=int)
    years = -(-months // 12)
    u = uniforms(streams, "recession", ["start"], (years, 2))[:, 0]
    probability = params.per_replication("recession.probability", recession.probability)
    starts = np.where(u[:, :, 0] < probability[:, None],
                      12 * np.arange(years) + np.floor(12 * u[:, :, 1]).astype(int), months)
    return np.minimum(starts.min(axis=1), months)


def recession_shape(elapsed: np.ndarray, decline: int, recovery: int) -> np.ndarray:
    """Share of the trough's fall reached ``elapsed`` months after the start.

    0 before it, rising linearly to 1 at ``decline`` months, back to 0
    ``recovery`` months later.
    """
    rise = np.clip(elapsed / decline, 0.0, 1.0)
    fall = np.clip(1.0 - (elapsed - decline) / recovery, 0.0, 1.0)
    return np.where(elapsed <= decline, rise, fall)


def recession_factors(plan: Plan, params: Parameters,
                      start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(T, R, C) factors on own-source revenue and on state aid of each month."""
    recession = plan.scenario.recession
    elapsed = np.arange(plan.calendar.months)[:, None] - start[None, :]  # (T, R)

    def shape(lag: int) -> np.ndarray:
        return recession_shape(elapsed - lag, recession.decline_months,
                               recession.recovery_months)[:, :, None]

    def depth(kind: str) -> np.ndarray:
        return params.per_replication(f"recession.depth.{kind}",
                                      getattr(recession.depth, kind))[None, :, None]

    fall = np.zeros((plan.calendar.months, params.size, len(plan.cities)))
    for kind in DEFAULT_MIX:
        share = params.per_city(f"budget.revenue_mix.{kind}", lambda c, k=kind: (
            DEFAULT_MIX[k] if c.budget.revenue_mix is None else getattr(c.budget.revenue_mix, k)))
        lag = recession.property_lag_months if kind == "property" else 0
        fall = fall + share[None] * depth(kind) * shape(lag)
    return 1.0 - fall, 1.0 - depth("state_aid") * shape(0)
