"""Numbers as the pages show them: formatted metrics, key numbers, changes with their error.

Shared by the run report and the comparison: a metric in its unit, a change
between two runs or strategies with its 95% confidence interval (paired when
both share random streams, Welch otherwise), and the flag for a change beyond
Monte Carlo error for the whole page (:data:`FAMILY_ERROR`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.formats import dollars
from sim.metrics import ALL_CITIES, METRICS
from sim.results import (
    RunResult,
    over_cities,
    t_975,
)

HEADLINE_METRICS = ("net_fiscal_impact", "gap_closing_burden", "federal_withheld",
                    "federal_restored", "federal_lost", "legal_cost", "compliance_cost",
                    "liability_cost", "floor_breached", "months_below_floor",
                    "min_reserve_ratio")
"""Metrics shown first, in this order; every other metric a run has follows."""
LEAD_WITH_CHANGE = ("floor_breached",)
"""Metrics whose key-number cell leads with the change against the baseline."""


CHANGE_FIGURE_METRICS = ("net_fiscal_impact", "gap_closing_burden", "federal_withheld",
                         "floor_breached", "legal_cost", "months_below_floor")
"""Metrics drawn in the comparison's change figure (those the runs have)."""


FAMILY_ERROR = 0.05
"""Chance that a comparison of two runs of one unchanged model flags any change at
all: each of the page's changes is tested at this level divided by their number
(Bonferroni), so a page of 150 changes does not show seven by chance."""


MAX_EVENT_ROWS = 60


MAX_DETAILS_PER_KIND = 8
"""Event kinds with more distinct details than this are summarised by kind only."""


def counted(n: int, noun: str) -> str:
    """``1 program``, ``3 programs``: a count and its noun (plural by an s)."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _is_share(metric: str) -> bool:
    unit = METRICS[metric].unit if metric in METRICS else ""
    return unit in ("probability", "relative change") or unit.startswith("share")


def format_change(metric: str, value: float) -> str:
    """A change of a metric: like :func:`format_metric`, shares in percentage points."""
    if value is not None and np.isfinite(value) and _is_share(metric):
        points = 100 * value
        if abs(points) >= 0.05:
            return f"{points:+.1f} pp"
        return f"{points:+.2f} pp" if abs(points) >= 0.005 else "0 pp"
    text = format_metric(metric, value)
    return f"+{text}" if value is not None and value > 0 else text


def format_metric(metric: str, value: float) -> str:
    """A metric's value in its unit: $1.2B, 34.0%, 2.5 months, 1,234."""
    if value is None or not np.isfinite(value):
        return "n/a"
    unit = METRICS[metric].unit if metric in METRICS else ""
    if unit.startswith("USD"):
        return dollars(value)
    if _is_share(metric):
        return f"{value:+.1%}" if unit == "relative change" and value else f"{value:.1%}"
    if unit == "months":
        return f"{value:.1f}"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def metric_order(columns: Sequence[str]) -> list[str]:
    """Metrics present in a table: headline ones first, then the rest as registered."""
    present = [m for m in METRICS if m in columns]
    return [m for m in HEADLINE_METRICS if m in present] + [
        m for m in present if m not in HEADLINE_METRICS]


def per_city_frame(replications: pd.DataFrame, city: str) -> pd.DataFrame:
    """Outcomes indexed by (strategy, replication) for one city or ``all cities``."""
    metrics = metric_order(replications.columns)
    if city == ALL_CITIES:
        return over_cities(replications, metrics)
    rows = replications[replications["city"] == city]
    return rows.set_index(["strategy", "replication"])[metrics]


def cities_of(replications: pd.DataFrame) -> list[str]:
    """Cities of a run, with ``all cities`` first when there are several."""
    cities = list(dict.fromkeys(replications["city"]))
    return [ALL_CITIES, *cities] if len(cities) > 1 else cities


@dataclass(frozen=True)
class Interval:
    """A difference of means and its 95% confidence interval."""

    estimate: float
    low: float
    high: float
    se: float = 0.0
    """Standard error of the estimate."""
    df: float = 1.0
    """Degrees of freedom of its Student t distribution."""

    @property
    def excludes_zero(self) -> bool:
        """Whether the interval lies wholly on one side of zero."""
        return self.low > 0 or self.high < 0

    def beyond_noise(self, level: float = 0.05) -> bool:
        """Whether the estimate is further from zero than chance gives with probability ``level``.

        An estimate without Monte Carlo error (every paired difference the
        same) is beyond noise as soon as it is not zero.
        """
        if self.se == 0:
            return self.estimate != 0
        return abs(self.estimate) > float(stats.t.ppf(1 - level / 2, self.df)) * self.se


def mean_difference(a: np.ndarray, b: np.ndarray, paired: bool) -> Interval:
    """Mean of ``b`` minus mean of ``a`` with a 95% CI: paired t, or Welch when independent."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if paired:
        d = b - a
        estimate, n = float(d.mean()), len(d)
        se = d.std(ddof=1) / np.sqrt(n) if n > 1 else 0.0
        df = n - 1
    else:
        estimate = float(b.mean() - a.mean())
        va = a.var(ddof=1) / len(a) if len(a) > 1 else 0.0
        vb = b.var(ddof=1) / len(b) if len(b) > 1 else 0.0
        se = float(np.sqrt(va + vb))
        df = (va + vb) ** 2 / (va**2 / max(len(a) - 1, 1) + vb**2 / max(len(b) - 1, 1)) \
            if va + vb > 0 else 1
    # Differences below a billionth of the values compared are rounding noise, not change.
    noise = 1e-9 * max(1.0, float(np.abs(a).max(initial=0)), float(np.abs(b).max(initial=0)))
    if abs(estimate) < noise:
        estimate = 0.0
    if se < noise or not np.isfinite(se):
        return Interval(estimate, estimate, estimate)
    half = float(t_975(max(df, 1)) * se)
    return Interval(estimate, estimate - half, estimate + half, float(se), float(max(df, 1)))


def drift(reference: RunResult, current: RunResult, family_error: float = 1e-3) -> pd.DataFrame:
    """Means that moved from a reference run further than Monte Carlo error allows.

    Every (strategy, city, metric) mean of ``current`` is tested against the
    reference's as two independent estimates: the change must stay within
    ``z`` standard errors of the difference, ``z`` set so that an unchanged
    model fails with probability ``family_error`` over all the tests together
    (Bonferroni).  Same seed and model give no change at all; a model change
    that only reshuffles random draws stays within the tolerance; a change of
    substance does not.  Strategies or metrics the reference has and the
    current run lacks are listed too.  Columns: ``strategy, city, metric,
    reference, current, change, tolerance, problem``.
    """
    tests, problems = [], []
    cities = [c for c in cities_of(reference.replications)
              if c in set(cities_of(current.replications))]
    for city in cities_of(reference.replications):
        if city not in cities:
            problems.append((None, city, None, np.nan, np.nan, np.nan, np.nan, "city missing"))
    for city in cities:
        old = per_city_frame(reference.replications, city)
        new = per_city_frame(current.replications, city)
        have = set(new.index.get_level_values("strategy"))
        for strategy in dict.fromkeys(old.index.get_level_values("strategy")):
            if strategy not in have:
                problems.append((strategy, city, None, np.nan, np.nan, np.nan, np.nan,
                                 "strategy missing"))
                continue
            for metric in old.columns:
                if metric not in new.columns:
                    problems.append((strategy, city, metric, np.nan, np.nan, np.nan, np.nan,
                                     "metric missing"))
                    continue
                a = old.loc[strategy, metric].to_numpy(dtype=float)
                b = new.loc[strategy, metric].to_numpy(dtype=float)
                tests.append((strategy, city, metric, a.mean(), b.mean(),
                              mean_difference(a, b, paired=False)))
    z = float(stats.norm.ppf(1 - family_error / (2 * max(len(tests), 1))))
    for strategy, city, metric, a, b, change in tests:
        tolerance = z * change.se
        if abs(change.estimate) > tolerance:
            problems.append((strategy, city, metric, a, b, change.estimate, tolerance,
                             "moved beyond Monte Carlo error"))
    return pd.DataFrame(problems, columns=["strategy", "city", "metric", "reference", "current",
                                           "change", "tolerance", "problem"])


def key_numbers(run: RunResult, city: str) -> pd.DataFrame:
    """Per strategy and metric: mean, 5th and 95th percentiles, and the change vs baseline.

    The change is paired replication by replication (common random numbers),
    with the 95% confidence interval of its mean.
    """
    frame = per_city_frame(run.replications, city)
    baseline = run.manifest.get("baseline", "baseline")
    present = set(frame.index.get_level_values("strategy"))
    rows = []
    for strategy in [s for s in run.strategies if s in present]:
        data = frame.loc[strategy]
        # The baseline's replications lined up with this strategy's, once for every metric.
        base = (frame.loc[baseline].reindex(data.index)
                if baseline in present and strategy != baseline else None)
        for metric in frame.columns:
            values = data[metric].to_numpy(dtype=float)
            change = (None if base is None else
                      mean_difference(base[metric].to_numpy(dtype=float), values, paired=True))
            p05, p95 = np.percentile(values, [5, 95])
            rows.append({"strategy": strategy, "metric": metric, "mean": values.mean(),
                         "p05": p05, "p95": p95, "change": change})
    return pd.DataFrame(rows)


def measure_split(run: RunResult) -> dict[str, Any] | None:
    """The loss by measure as formatted rows per city (parts by strategies), or None.

    Cities in the run's order, all cities first when there are several; each
    cell is the mean with its 95% half-width.
    """
    table = run.loss_by_measure
    if table is None:
        return None
    record = run.manifest["loss_by_measure"]
    strategies = [s for s in run.strategies if s in set(table["strategy"])]
    cities = list(dict.fromkeys(table["city"]))
    cities = sorted(cities, key=lambda c: c != ALL_CITIES)
    tables = {}
    for city in cities:
        rows = table[table["city"] == city]
        cells = {(r.strategy, r.part): r for r in rows.itertuples()}
        parts = rows.drop_duplicates("part").sort_values("position")
        tables[city] = [{"part": part.part, "kind": part.kind, "cells": [
            f"{dollars(cells[s, part.part].mean)} ± {dollars(cells[s, part.part].ci95_half_width)}"
            for s in strategies]} for part in parts.itertuples()]
    return {"strategies": strategies, "tables": tables, "order": record["order"],
            "left_out": record.get("left_out"), "runs": record["runs"],
            "wall_time": record["wall_time_s"]}


def event_summary(events: pd.DataFrame, strategies: Sequence[str],
                  replications: int) -> pd.DataFrame:
    """How often each kind of event happened, per strategy.

    One row per event kind (and detail, when a kind has few distinct details):
    the share of replications in which it happened at least once, the mean
    count per replication, and the median date of its first occurrence.
    """
    if events.empty:
        return pd.DataFrame(columns=["kind", "detail", "strategy", "share", "per_run", "first"])
    frame = events.copy()
    varied = frame.groupby("kind")["detail"].nunique()
    frame["detail"] = np.where(frame["kind"].map(varied) > MAX_DETAILS_PER_KIND, "(various)",
                               frame["detail"])
    keys = ["kind", "detail", "strategy"]
    counts = frame.groupby([*keys, "replication"], sort=False).agg(
        n=("date", "size"), first=("date", "min")).reset_index()
    summary = counts.groupby(keys, sort=False).agg(
        runs=("replication", "nunique"), total=("n", "sum"),
        first=("first", "median")).reset_index()
    summary["first"] = summary["first"].dt.floor("D")
    summary["share"] = summary["runs"] / replications
    summary["per_run"] = summary["total"] / replications
    order = {s: i for i, s in enumerate(strategies)}
    summary["order"] = summary["strategy"].map(order)
    return summary.sort_values(["kind", "detail", "order"])[
        ["kind", "detail", "strategy", "share", "per_run", "first"]].reset_index(drop=True)
