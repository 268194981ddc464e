"""The summary: one row per strategy, city and metric, the same for runs, sweeps and compare.

Columns ``strategy, city, metric, mean, p05, p50, p95, ci95_low, ci95_high,
n``; the confidence interval is that of the mean (Student t).  When a
scenario has several cities, an ``all cities`` row per strategy and metric
combines the cities replication by replication first, as the metrics
catalogue says (:data:`sim.metrics.METRICS`: sum, min, max or mean).

The statistics are computed in one place, :func:`statistics`, on the values
of one group laid out contiguously, and the cities are combined in one place,
:func:`over_cities` (a pandas group-by, which sums with compensation), so a
summary is the same to the last bit whichever way its values arrive:

* :func:`summarise` takes a replications table (a run read back from its
  folder, or any subset of one, such as the replications on one side of a
  branch);
* :func:`summarise_outcomes` takes the outcome arrays (strategy, replication,
  city) of a simulation: ``summary.csv`` of a run, the rows of each sweep
  point.  It reads one metric of one strategy at a time, so a run whose
  replications table would not fit in memory is summarised in little.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from sim.engine import limits
from sim.metrics import ALL_CITIES, METRICS

SUMMARY_COLUMNS = ["strategy", "city", "metric", "mean", "p05", "p50", "p95", "ci95_low",
                   "ci95_high", "n"]
"""Columns of every summary."""


@functools.lru_cache(maxsize=256)
def t_975(freedom: float) -> float:
    """97.5th percentile of Student's t with this many degrees of freedom.

    Summaries and reports ask for the same few thousands of times.
    """
    from scipy import stats

    return float(stats.t.ppf(0.975, freedom))


def statistics(values: np.ndarray) -> list[np.ndarray]:
    """Mean, p05, p50, p95 and the 95% interval of the mean (low, high) along the last axis.

    Each group's values lie contiguously along the last axis, so numpy sums
    them in the same order whatever the other axes hold.
    """
    n = values.shape[-1]
    mean = values.mean(axis=-1)
    p05, p50, p95 = np.percentile(values, [5, 50, 95], axis=-1)
    if n > 1:
        half = t_975(n - 1) * values.std(axis=-1, ddof=1) / np.sqrt(n)
    else:
        half = np.zeros_like(mean)
    return [mean, p05, p50, p95, mean - half, mean + half]


def over_cities(replications: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """Per-replication outcomes for all cities together, indexed by (strategy, replication).

    Each metric combines cities as :data:`sim.metrics.METRICS` says (sum, min, max or mean).
    """
    how = {m: METRICS[m].over_cities if m in METRICS else "sum" for m in metrics}
    return replications.groupby(["strategy", "replication"], sort=False).agg(how)


def versus_baseline(frame: pd.DataFrame, baseline: str = "baseline") -> pd.DataFrame:
    """Replication-by-replication difference from the baseline (common random numbers).

    ``frame`` is indexed by (strategy, replication); without a baseline it is
    returned unchanged.
    """
    strategies = frame.index.get_level_values("strategy")
    if baseline not in set(strategies):
        return frame
    base = frame.xs(baseline, level="strategy")
    reps = frame.index.get_level_values("replication")
    return frame - base.reindex(reps).to_numpy()


def summarise(replications: pd.DataFrame) -> pd.DataFrame:
    """The summary of a replications table (or of any subset of its rows).

    Rows: each strategy's cities, then (with several cities) each strategy's
    ``all cities`` row; the metrics of :data:`~sim.metrics.METRICS` the table
    holds, in catalogue order, within each.
    """
    metrics = [m for m in METRICS if m in replications.columns]
    frames = [replications]
    if replications["city"].nunique() > 1:
        frames.append(over_cities(replications, metrics).reset_index().assign(city=ALL_CITIES))
    pieces = []
    for frame in frames:
        for (strategy, city), group in frame.groupby(["strategy", "city"], sort=False):
            values = np.ascontiguousarray(group[metrics].to_numpy(dtype=float).T)
            pieces.append(_rows([strategy], [city], metrics, np.array(statistics(values))[
                :, :, None, None], len(group)))
    if not pieces:
        return pd.DataFrame([], columns=SUMMARY_COLUMNS)
    return pd.concat(pieces, ignore_index=True)


def summarise_outcomes(outcomes: Mapping[str, np.ndarray], strategies: Sequence[str],
                       cities: Sequence[str]) -> pd.DataFrame:
    """:func:`summarise` of the replications table, computed from the outcome arrays (S, R, C).

    Same rows and the same numbers to the last bit, reading one strategy at a
    time, and one metric at a time when a run is big.
    """
    metrics = [m for m in METRICS if m in outcomes]
    if not metrics:
        return pd.DataFrame([], columns=SUMMARY_COLUMNS)
    S, C = len(strategies), len(cities)
    R = int(outcomes[metrics[0]].shape[1])
    G = C + (C > 1)
    table = np.empty((len(metrics), 6, S, G))  # (metric, statistic, strategy, group)
    # Several metrics at once when they are small (a sweep point), one at a
    # time when one fills a block (a big run): the working copies stay small.
    step = max(1, limits.ROWS_PER_GROUP // (G * R))
    for s in range(S):
        combined = _all_cities(outcomes, metrics, s, R, C) if C > 1 else None
        for first in range(0, len(metrics), step):
            chunk = metrics[first:first + step]
            groups = np.empty((len(chunk), G, R))
            for i, metric in enumerate(chunk):
                groups[i, :C] = np.asarray(outcomes[metric][s], dtype=float).T  # (C, R)
                if combined is not None:
                    groups[i, C] = combined[first + i]
            table[first:first + len(chunk), :, s] = np.stack(statistics(groups), axis=1)
    labels = [*cities, *([ALL_CITIES] if C > 1 else [])]
    return _rows(strategies, labels, metrics, table.transpose(1, 0, 2, 3), R)


def _all_cities(outcomes: Mapping[str, np.ndarray], metrics: Sequence[str], s: int, R: int,
                C: int) -> np.ndarray:
    """(metric, R) values of strategy ``s`` for all cities together.

    Cities are combined by :func:`over_cities`'s group-by, a block of
    replications at a time to keep its working copies small; only this
    strategy's values are read (from disk, if the run was spilled there).
    """
    combined = np.empty((len(metrics), R))
    step = max(1, limits.ROWS_PER_GROUP // (C * len(metrics)))
    for first in range(0, R, step):
        last = min(R, first + step)
        block = pd.DataFrame({m: np.asarray(outcomes[m][s, first:last], dtype=float).reshape(-1)
                              for m in metrics})
        block["strategy"] = 0
        block["replication"] = np.repeat(np.arange(last - first), C)
        combined[:, first:last] = over_cities(block, metrics).to_numpy(dtype=float).T
    return combined


def _rows(strategies: Sequence[str], groups: Sequence[str], metrics: Sequence[str],
          table: np.ndarray, n: int) -> pd.DataFrame:
    """The summary frame of ``table`` (statistic, metric, strategy, group).

    Rows in the order of :func:`summarise`: each strategy's cities, then each
    strategy's ``all cities`` row (the last group when there are several
    cities); metrics within.
    """
    S, G, K = len(strategies), len(groups), len(metrics)
    cities = G - 1 if G > 1 and groups[-1] == ALL_CITIES else G
    pairs = [(s, g) for s in range(S) for g in range(cities)]
    pairs += [(s, cities) for s in range(S)] if cities < G else []
    s_index, g_index = np.array(pairs, dtype=int).reshape(-1, 2).T
    frame = pd.DataFrame({
        "strategy": [strategies[s] for s, _ in pairs for _ in range(K)],
        "city": [groups[g] for _, g in pairs for _ in range(K)],
        "metric": list(metrics) * len(pairs),
    })
    for j, name in enumerate(SUMMARY_COLUMNS[3:9]):
        frame[name] = table[j][:, s_index, g_index].T.reshape(-1)
    frame["n"] = n
    return frame
