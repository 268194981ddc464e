"""Decision support on a run's outcomes: branches, conditional views, robustness.

Pure functions of the result tables (no simulation here):

* :func:`branches` tells, for every replication, which uncertain branches it
  took (did a measure happen, was it rescinded, was an injunction granted...),
  read from the event log;
* :func:`conditional_summary` summarises outcomes blended over all
  replications and conditioned on each branch, with the branch probabilities;
* :func:`robustness` ranks strategies across the sampled futures: expected
  impact, the mean of the worst 5% (CVaR), regret against the best strategy in
  the same replication (paired, thanks to common random numbers) and the share
  of futures meeting the user's thresholds.

Strategies are compared for all cities together: per replication, impacts are
summed over cities and a reserve floor counts as breached if any city breached it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.results import METRICS, summarise

BRANCH_EVENTS = {
    "measure_start": "{detail} happened",
    "measure_rescinded": "{detail} rescinded",
}
"""Event kinds that mark a branch, and how the branch is named from the event detail.

Modules that add branch-worthy events (court rulings, switches) register them here.
"""


def branches(events: pd.DataFrame, replications: pd.DataFrame) -> pd.DataFrame:
    """One row per (strategy, replication), one boolean column per branch.

    A branch is true when the replication's event log holds the event; every
    (strategy, replication) of the run appears, with false where nothing happened.
    """
    keys = replications[["strategy", "replication"]].drop_duplicates().reset_index(drop=True)
    marked = events[events["kind"].isin(BRANCH_EVENTS)]
    names = [BRANCH_EVENTS[k].format(detail=d) for k, d in zip(marked["kind"], marked["detail"],
                                                                strict=True)]
    flags = (marked[["strategy", "replication"]].assign(branch=names, taken=True)
             .drop_duplicates()
             .pivot_table(index=["strategy", "replication"], columns="branch", values="taken",
                          aggfunc="any", fill_value=False))
    table = keys.merge(flags.reset_index(), on=["strategy", "replication"], how="left")
    columns = [c for c in table.columns if c not in ("strategy", "replication")]
    table[columns] = table[columns].astype("boolean").fillna(False).astype(bool)
    return table


def conditional_summary(replications: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Summaries blended over all replications and conditioned on each branch.

    Columns: ``branch, taken, probability`` then the :func:`~sim.results.summarise`
    columns.  ``branch`` is ``"all"`` for the blended rows; ``probability`` is
    the share of the strategy's replications on that side of the branch.
    """
    table = branches(events, replications)
    frames = [summarise(replications).assign(branch="all", taken=True, probability=1.0)]
    merged = replications.merge(table, on=["strategy", "replication"])
    for branch in [c for c in table.columns if c not in ("strategy", "replication")]:
        for taken in (True, False):
            probability = (table[branch] == taken).groupby(table["strategy"]).mean()
            part = merged[merged[branch] == taken]
            if part.empty:
                continue
            summary = summarise(part[replications.columns])
            summary["probability"] = summary["strategy"].map(probability)
            frames.append(summary.assign(branch=branch, taken=taken))
    front = ["branch", "taken", "probability"]
    out = pd.concat(frames, ignore_index=True)
    return out[front + [c for c in out.columns if c not in front]]


@dataclass(frozen=True)
class Threshold:
    """A requirement a future must meet: ``metric`` compared with ``value``."""

    metric: str
    """An outcome in :data:`sim.results.METRICS`, combined over cities."""
    at_least: float | None = None
    """The outcome must be at least this (e.g. net fiscal impact >= -$50M)."""
    at_most: float | None = None
    """The outcome must be at most this (e.g. floor_breached <= 0: never breached)."""

    def met(self, values: pd.Series) -> pd.Series:
        """Whether each future meets the requirement."""
        ok = pd.Series(True, index=values.index)
        if self.at_least is not None:
            ok &= values >= self.at_least
        if self.at_most is not None:
            ok &= values <= self.at_most
        return ok

    def __str__(self) -> str:
        parts = []
        if self.at_least is not None:
            parts.append(f"{self.metric} >= {self.at_least:g}")
        if self.at_most is not None:
            parts.append(f"{self.metric} <= {self.at_most:g}")
        return " and ".join(parts)


def futures(replications: pd.DataFrame, baseline: str = "baseline") -> pd.DataFrame:
    """Per (strategy, replication): every metric combined over cities, baseline left out."""
    metrics = [m for m in METRICS if m in replications.columns]
    how = {m: METRICS[m].over_cities for m in metrics}
    chosen = replications[replications["strategy"] != baseline]
    return chosen.groupby(["strategy", "replication"], sort=False).agg(how).reset_index()


def regret(replications: pd.DataFrame, metric: str = "net_fiscal_impact") -> pd.DataFrame:
    """Regret of each strategy in each replication: best value there minus its own.

    Higher values of ``metric`` are better.  Regret is zero for the best strategy
    of a replication and never negative.
    """
    table = futures(replications)
    best = table.groupby("replication")[metric].transform("max")
    return table[["strategy", "replication"]].assign(regret=best - table[metric])


def cvar(values: np.ndarray, share: float = 0.05) -> float:
    """Mean of the worst ``share`` of outcomes (lowest values)."""
    ordered = np.sort(np.asarray(values, dtype=float))
    count = max(1, int(np.ceil(share * len(ordered))))
    return float(ordered[:count].mean())


def robustness(replications: pd.DataFrame, thresholds: Sequence[Threshold] = (),
               metric: str = "net_fiscal_impact") -> pd.DataFrame:
    """Rank strategies across futures: expectation, CVaR 5%, regret, thresholds met.

    Returns one row per strategy, ranked by maximum regret (smallest first),
    then by expected impact.
    """
    table = futures(replications)
    regrets = regret(replications, metric)
    rows = []
    for strategy, group in table.groupby("strategy", sort=False):
        own = regrets[regrets["strategy"] == strategy]["regret"]
        ok = pd.Series(True, index=group.index)
        for threshold in thresholds:
            ok &= threshold.met(group[threshold.metric])
        rows.append({
            "strategy": strategy,
            "expected": group[metric].mean(),
            "cvar05": cvar(group[metric].to_numpy()),
            "max_regret": own.max(),
            "mean_regret": own.mean(),
            "thresholds_met": ok.mean(),
            "replications": len(group),
        })
    ranked = pd.DataFrame(rows).sort_values(["max_regret", "expected"],
                                            ascending=[True, False], kind="stable")
    return ranked.reset_index(drop=True).assign(rank=lambda t: np.arange(1, len(t) + 1))
