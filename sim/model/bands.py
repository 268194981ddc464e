"""Monthly quantile bands over every replication, in bounded memory.

Monthly trajectories are kept for a few hundred replications only; fan charts
over *all* replications come from these bands instead.  Each month, for each
strategy and for each banded city (the :data:`BAND_CITIES` largest by
expenditure) and all cities together, every replication's value is counted
into a fixed histogram:

* bins are equally wide on ``asinh(x / a)``, with ``a`` a thousandth of the
  city's annual expenditure: about 2.1% of the value wide for sums above
  ``a`` (a relative precision), linear below it, covering up to twenty times
  the annual expenditure either side of zero, with one open bin beyond each end;
* the exact smallest and largest value of each month are kept too.

The grid depends only on the scenario, and counts, minima and maxima combine
exactly and in any order, so bands are identical whatever the batch size, the
number of workers or the executor.  Memory is fixed: months x strategies x
(banded cities + 1) x 1,026 counts per series, whatever the number of
replications.

A quantile is read as :func:`numpy.quantile` reads it (``linear``: the
order statistics on either side of rank ``q (n - 1)``, interpolated), each
order statistic estimated by walking the cumulative counts to its bin and
spreading that bin's values evenly between its edges (the open end bins, and
the first and last bins holding data, end at the exact minimum and maximum).
Each estimated order statistic lies in the same bin as the exact one, so a
band is within one bin (about 2.1% of its value, or ``a`` near zero) of the
exact quantile over all replications, and usually far closer.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.model.plan import Plan
from sim.scenario.uncertain import is_uncertain

BAND_SERIES: dict[str, Callable[[dict[str, np.ndarray]], np.ndarray]] = {
    "net_reserves": lambda accounts: accounts["net_reserves"],
}
"""Banded monthly series, computed from a month's accounts (arrays (S, R, C))."""
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
"""Quantiles reported per month: the median and the 50% and 90% bands."""
BAND_CITIES = 12
"""Cities banded one by one (the largest by expenditure); all cities are banded together."""
BINS = 1024
"""Bins between the open end bins."""
LINEAR = 1e-3
"""Below this share of annual expenditure, bins are equally wide in dollars."""
REACH = 20.0
"""Bins cover values up to this many times annual expenditure, either sign."""
_SPAN = float(np.arcsinh(REACH / LINEAR))
_WIDTH = 2 * _SPAN / BINS


def banded_cities(plan: Plan) -> np.ndarray:
    """Indices (in plan order) of the cities banded one by one."""
    scale = _expenditure(plan)
    largest = np.argsort(-scale, kind="stable")[:BAND_CITIES]
    return np.sort(largest)


def _expenditure(plan: Plan) -> np.ndarray:
    values = [c.budget.expenditure for c in plan.scenario.city]
    return np.array([v.mean if is_uncertain(v) else v for v in values], dtype=float)


class Bands:
    """Histogram counts, minima and maxima per series, month, strategy and banded column.

    Columns are the banded cities, then all cities together.
    """

    def __init__(self, plan: Plan):
        self.cities = banded_cities(plan)
        scale = _expenditure(plan)
        self.scale = np.append(scale[self.cities], scale.sum())
        S = plan.shape[0]
        T = plan.calendar.months
        columns = len(self.scale)
        self.counts = {name: np.zeros((T, S, columns, BINS + 2), dtype=np.uint32)
                       for name in BAND_SERIES}
        self.low = {name: np.full((T, S, columns), np.inf) for name in BAND_SERIES}
        self.high = {name: np.full((T, S, columns), -np.inf) for name in BAND_SERIES}
        self._unit = np.maximum(LINEAR * self.scale, 1.0)

    def fold(self, m: int, accounts: dict[str, np.ndarray]) -> None:
        """Count month ``m``'s values of every replication in."""
        for name, series in BAND_SERIES.items():
            values = series(accounts)
            columns = np.concatenate([values[:, :, self.cities],
                                      values.sum(axis=2, keepdims=True)], axis=2)
            np.minimum(self.low[name][m], columns.min(axis=1), out=self.low[name][m])
            np.maximum(self.high[name][m], columns.max(axis=1), out=self.high[name][m])
            bins = self._bin(columns)
            S, _, K = columns.shape
            cell = (np.arange(S)[:, None, None] * K + np.arange(K)[None, None, :]) * (BINS + 2)
            counted = np.bincount((cell + bins).ravel(), minlength=S * K * (BINS + 2))
            self.counts[name][m] += counted.reshape(S, K, BINS + 2).astype(np.uint32)

    def _bin(self, columns: np.ndarray) -> np.ndarray:
        position = (np.arcsinh(columns / self._unit) + _SPAN) / _WIDTH
        return np.clip(np.floor(position), -1, BINS).astype(np.int64) + 1

    def _edges(self) -> np.ndarray:
        """(columns, BINS + 1) lower edges of bins 1..BINS and the upper edge of the last."""
        y = -_SPAN + _WIDTH * np.arange(BINS + 1)
        return self._unit[:, None] * np.sinh(y)[None, :]

    def merge(self, other: Bands) -> None:
        """Add another batch's counts (any order gives the same result)."""
        for name in self.counts:
            self.counts[name] += other.counts[name]
            np.minimum(self.low[name], other.low[name], out=self.low[name])
            np.maximum(self.high[name], other.high[name], out=self.high[name])

    def quantiles(self, name: str, q: float) -> np.ndarray:
        """(T, S, columns) estimate of quantile ``q`` of series ``name``.

        As :func:`numpy.quantile` (``linear``): the order statistics on either
        side of rank ``q (n - 1)``, interpolated; each order statistic is
        placed evenly among its bin's values.
        """
        counts = self.counts[name].astype(np.int64)
        cumulative = np.cumsum(counts, axis=-1)
        n = cumulative[..., -1]
        rank = q * np.maximum(n - 1, 0)
        below = np.floor(rank)
        first = self._order_statistic(name, counts, cumulative, below)
        second = self._order_statistic(name, counts, cumulative, np.minimum(below + 1, n - 1))
        estimate = first + (rank - below) * (second - first)
        return np.where(n > 0, estimate, np.nan)

    def _order_statistic(self, name: str, counts: np.ndarray, cumulative: np.ndarray,
                         k: np.ndarray) -> np.ndarray:
        """Estimate of the ``k``-th smallest value (0-based) of each cell."""
        b = np.argmax(cumulative > k[..., None], axis=-1)[..., None]
        inside = np.take_along_axis(counts, b, -1)[..., 0]
        before = np.take_along_axis(cumulative, b, -1)[..., 0] - inside
        b = b[..., 0]
        edges = self._edges()
        edges = np.concatenate([np.full((len(edges), 1), -np.inf), edges,
                                np.full((len(edges), 1), np.inf)], axis=1)
        column = np.broadcast_to(np.arange(len(edges)), b.shape)
        low, high = self.low[name], self.high[name]
        lower = np.clip(edges[column, b], low, high)
        upper = np.clip(edges[column, b + 1], low, high)
        share = (k - before + 0.5) / np.maximum(inside, 1)
        return lower + share * (upper - lower)

    def __getstate__(self) -> dict:
        # Sent from workers: most counts are zero, so send the others only.
        state = dict(self.__dict__)
        state["counts"] = {name: (c.shape, np.flatnonzero(c), c.ravel()[c.ravel() != 0])
                           for name, c in self.counts.items()}
        return state

    def __setstate__(self, state: dict) -> None:
        counts = {}
        for name, (shape, where, values) in state["counts"].items():
            dense = np.zeros(shape, dtype=np.uint32)
            dense.ravel()[where] = values
            counts[name] = dense
        self.__dict__.update(state, counts=counts)
