"""Decision support on a run's outcomes: branches, conditional views, legal status, robustness.

Pure functions of the result tables (no simulation here):

* :func:`branches` tells, for every replication, which uncertain branches it
  took (did a measure happen, was it rescinded, was an injunction granted or
  reversed, did the city switch its policy), read from the event log;
* :func:`conditional_summary` summarises outcomes blended over all
  replications and conditioned on each branch, with the branch probabilities;
* :func:`status_changes` and :func:`status_by_month` follow each federal
  measure's legal status through simulated time (proposed, enacted, enjoined,
  reinstated, upheld, vacated, rescinded);
* :func:`robustness` ranks strategies across the sampled futures: expected
  impact, the mean of the worst 5% (CVaR), regret against the best strategy in
  the same replication (paired, thanks to common random numbers) and the share
  of futures meeting the user's thresholds (:class:`~sim.scenario.Threshold`).

Strategies are compared for all cities together: per replication, impacts are
summed over cities and a reserve floor counts as breached if any city breached it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from sim.errors import Problem, ScenarioError
from sim.metrics import METRICS
from sim.model.litigation.courts import RULINGS
from sim.results import summarise
from sim.results.branches import LOST_RULINGS, WON_RULINGS, branch_names, branches, measure_of
from sim.scenario import Scenario, Threshold, format_loc, threshold_problems
from sim.scenario.messages import plain_message

if TYPE_CHECKING:
    from sim.results import RunResult

# --------------------------------------------------------------------------
# Conditional views on the branches (:mod:`sim.results.branches`)


def conditional_summary(replications: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Summaries blended over all replications and conditioned on each branch.

    Columns: ``branch, taken, probability`` then the :func:`~sim.results.summarise`
    columns.  ``branch`` is ``"all"`` for the blended rows; ``probability`` is
    the share of the strategy's replications on that side of the branch.  The
    two sides of a branch partition the strategy's replications exactly.
    """
    table = branches(events, replications)
    frames = [summarise(replications).assign(branch="all", taken=True, probability=1.0)]
    merged = replications.merge(table, on=["strategy", "replication"])
    for branch in branch_names(table):
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


def is_exogenous(table: pd.DataFrame, branch: str) -> bool:
    """Whether a branch belongs to the future: the same for every strategy of each replication."""
    return bool((table.groupby("replication")[branch].nunique() <= 1).all()
                and table[branch].any())


def informative_branches(table: pd.DataFrame, replications: pd.DataFrame,
                         metric: str = "net_fiscal_impact", limit: int = 4,
                         least: float = 0.02) -> list[str]:
    """Branches worth showing: both sides common enough, ranked by how far they split ``metric``.

    A branch qualifies when, for some strategy, each side holds at least
    ``least`` of the replications; branches are ranked by the largest gap,
    over strategies, between the metric's mean on either side (all cities).
    """
    values = futures(replications, baseline=None)[["strategy", "replication", metric]]
    merged = values.merge(table, on=["strategy", "replication"])
    scored = []
    for branch in branch_names(table):
        share = merged.groupby("strategy")[branch].mean()
        if not ((share >= least) & (share <= 1 - least)).any():
            continue
        means = merged.groupby(["strategy", branch])[metric].mean().unstack()
        if True not in means or False not in means:
            continue
        gap = (means[True] - means[False]).abs().max()
        scored.append((-(0.0 if np.isnan(gap) else gap), branch))
    return [branch for _, branch in sorted(scored)[:limit]]


# --------------------------------------------------------------------------
# Legal status of each measure over time


STATUSES = ("proposed", "enacted", "enjoined", "reinstated", "upheld", "vacated", "rescinded")
"""Legal status of a federal measure, as the event log tells it:

* ``proposed``: not (yet) in force (a bill not passed, a condition not imposed);
* ``enacted``: in force, no injunction against it;
* ``enjoined``: an injunction in one of the strategy's suits blocks it;
* ``reinstated``: in force again after a court dissolved an injunction;
* ``upheld``: a final judgment went against the jurisdictions;
* ``vacated``: a final judgment for the jurisdictions struck it down;
* ``rescinded``: withdrawn by the government.
"""
STATUS_KINDS = frozenset({"measure_start", "measure_rescinded", *RULINGS.values(),
                          "judgment_final", "suit_ended"})
"""Event kinds that can change a measure's status."""


@dataclass
class _Standing:
    """What the event log has said so far about one measure, for one strategy and replication."""

    started: bool = False
    rescinded: bool = False
    dissolved: bool = False
    won: bool = False
    lost: bool = False
    injunctions: frozenset[str] = frozenset()
    """Suits (litigant groups) whose injunction is in force."""

    def status(self) -> str:
        if self.rescinded:
            return "rescinded"
        if not self.started:
            return "proposed"
        if self.won:
            return "vacated"
        if self.injunctions:
            return "enjoined"
        if self.lost:
            return "upheld"
        return "reinstated" if self.dissolved else "enacted"

    def apply(self, kind: str, detail: str) -> None:
        parts = detail.split("; ")
        group = parts[1] if len(parts) > 1 else ""
        if kind == "measure_start":
            self.started = True
        elif kind == "measure_rescinded":
            self.rescinded = True
        elif kind in WON_RULINGS:
            self.injunctions = self.injunctions | {group}
        elif kind in LOST_RULINGS:
            self.dissolved = self.dissolved or group in self.injunctions
            self.injunctions = self.injunctions - {group}
        elif kind == "judgment_final":
            self.won = self.won or parts[-1] == "won"
            self.lost = self.lost or parts[-1] == "lost"


def status_changes(events: pd.DataFrame) -> pd.DataFrame:
    """Every change of a measure's legal status: ``strategy, replication, measure, date, status``.

    Read from the event log in date order; a measure with no row is
    ``proposed`` throughout.  Several events on one day give one row (the
    status at the end of that day).
    """
    relevant = events[events["kind"].isin(STATUS_KINDS)].sort_values(
        ["strategy", "replication", "date"], kind="stable")
    standing: dict[tuple[str, int, str], _Standing] = {}
    rows = []
    for strategy, replication, date, kind, detail in zip(
            relevant["strategy"], relevant["replication"], relevant["date"], relevant["kind"],
            relevant["detail"], strict=True):
        key = (strategy, int(replication), measure_of(detail))
        state = standing.setdefault(key, _Standing())
        before = state.status()
        state.apply(kind, detail)
        if state.status() != before:
            rows.append((*key, date, state.status()))
    table = pd.DataFrame(rows, columns=["strategy", "replication", "measure", "date", "status"])
    # Keep the last status of each day: same-day events are one change.
    return table.drop_duplicates(["strategy", "replication", "measure", "date"], keep="last"
                                 ).reset_index(drop=True)


def status_by_month(changes: pd.DataFrame, keys: pd.DataFrame, measures: Sequence[str],
                    month_ends: Sequence[Any]) -> pd.DataFrame:
    """Share of replications in each status, per strategy, measure and month.

    ``keys`` lists every (strategy, replication) of the run; ``month_ends``
    the first day after each month, whose status is the one in force at the
    end of the month.  Columns: ``strategy, measure, date`` (the month's
    first day), then one column per status of :data:`STATUSES`; shares add
    up to one.
    """
    ends = pd.DatetimeIndex(pd.to_datetime(list(month_ends))).astype("datetime64[ns]")
    columns = ["strategy", "measure", "date", *STATUSES]
    keys = keys[["strategy", "replication"]].drop_duplicates()
    totals = keys.groupby("strategy", sort=False)["replication"].nunique()
    if totals.empty or not len(measures):
        return pd.DataFrame(columns=columns)
    known = changes[changes["strategy"].isin(totals.index) & changes["measure"].isin(measures)]
    S, M, T = len(totals), len(measures), len(ends)
    known = known.assign(s=totals.index.get_indexer(known["strategy"]),
                         m=pd.Index(list(measures)).get_indexer(known["measure"]),
                         date=known["date"].astype("datetime64[ns]")).sort_values(
        ["s", "replication", "m", "date"], kind="stable")
    history = known[["s", "replication", "m"]].to_numpy()
    code = known["status"].map(STATUSES.index).to_numpy(dtype=int)
    # A change holds at the ends of months from the first one strictly after it
    # until the next change of the same measure in the same replication.
    start = np.searchsorted(ends.to_numpy(), known["date"].to_numpy(), side="right")
    stop = np.full(len(start), T)
    same = (history[1:] == history[:-1]).all(axis=1)
    stop[:-1][same] = start[1:][same]
    # Counted as +1 where a status starts and -1 where it stops, summed along the months:
    # memory in proportion to the changes, not to replications x months.
    steps = np.zeros((S, M, len(STATUSES), T + 1), dtype=np.int64)
    np.add.at(steps, (known["s"].to_numpy(), known["m"].to_numpy(), code, start), 1)
    np.add.at(steps, (known["s"].to_numpy(), known["m"].to_numpy(), code, stop), -1)
    counts = np.cumsum(steps, axis=3)[..., :T]
    total = totals.to_numpy(dtype=float)
    # Replications without any change for a measure yet were proposed.
    counts[:, :, 0] += (total[:, None, None] - counts.sum(axis=2)).astype(np.int64)
    shares = counts / total[:, None, None, None]
    dates = (ends - pd.DateOffset(months=1)).astype("datetime64[ms]")
    table = pd.DataFrame({
        "strategy": np.repeat(np.asarray(totals.index, dtype=object), M * T),
        "measure": np.tile(np.repeat(np.asarray(list(measures), dtype=object), T), S),
        "date": np.tile(dates, S * M),
    })
    for k, status in enumerate(STATUSES):
        table[status] = shares[:, :, k].reshape(-1)
    return table[columns]


def run_status_by_month(run: RunResult) -> pd.DataFrame:
    """:func:`status_by_month` of a run: every strategy exposed to measures, every measure."""
    from sim.model.clock import Calendar

    ends = Calendar(run.scenario.start, run.scenario.months).month_starts[1:]
    keys = run.replications[["strategy", "replication"]].drop_duplicates()
    keys = keys[keys["strategy"] != run.manifest.get("baseline", "baseline")]
    measures = [m.name for m in run.scenario.measure]
    return status_by_month(status_changes(run.events), keys, measures, ends)


# --------------------------------------------------------------------------
# Thresholds


_CONDITION = re.compile(r"^\s*(?P<metric>[A-Za-z_][A-Za-z0-9_]*)\s*(?:@\s*(?P<city>[^<>=]+?))?"
                        r"\s*(?P<op><=|>=|<|>)\s*(?P<value>\S+)\s*$")
OPERATORS = {">=": "at_least", ">": "above", "<=": "at_most", "<": "below"}


def parse_threshold(text: str, origin: str = "command line",
                    where: str = "--threshold") -> dict[str, Any]:
    """A ``[[threshold]]`` table from text ``METRIC[@CITY] OP VALUE`` (OP: >=, >, <=, <).

    >>> parse_threshold("floor_breached <= 0")
    {'metric': 'floor_breached', 'at_most': 0.0}
    >>> parse_threshold("net_fiscal_impact@Denver > -5e7")
    {'metric': 'net_fiscal_impact', 'above': -50000000.0, 'city': 'Denver'}
    """
    match = _CONDITION.match(text)
    value = condition_value(match)
    if match is None or value is None:
        raise ScenarioError([Problem(origin, where, "expected METRIC OP VALUE, e.g. "
                                     "\"floor_breached <= 0\" or \"net_fiscal_impact >= -5e7\" "
                                     "(OP: >=, >, <=, <; METRIC@CITY for one city)", text)])
    found = {"metric": match["metric"], OPERATORS[match["op"]]: value}
    if match["city"]:
        found["city"] = match["city"].strip()
    return found


def condition_value(match: re.Match[str] | None) -> float | None:
    """The finite number after the operator of a matched condition, or None."""
    if match is None:
        return None
    try:
        value = float(match["value"])
    except ValueError:
        return None
    return value if np.isfinite(value) else None


def thresholds_from(items: Iterable[str | Mapping[str, Any] | Threshold], scenario: Scenario,
                    origin: str = "command line",
                    where: str = "--threshold") -> tuple[Threshold, ...]:
    """Validate thresholds given as text (:func:`parse_threshold`), tables or objects.

    Every problem is reported at once as a :class:`~sim.errors.ScenarioError`
    naming ``origin``, ``where`` and the value.
    """
    found, problems = [], []
    for item in items:
        try:
            data = parse_threshold(item, origin, where) if isinstance(item, str) else item
            threshold = data if isinstance(data, Threshold) else Threshold.model_validate(data)
        except ScenarioError as error:
            problems.extend(error.problems)
            continue
        except ValidationError as error:
            problems.extend(Problem(origin, f"{where}.{format_loc(err['loc'])}".rstrip("."),
                                    plain_message(err, Threshold), item)
                            for err in error.errors())
            continue
        found.append(threshold)
    problems.extend(threshold_problems(found, scenario, origin, where))
    if problems:
        raise ScenarioError(problems)
    return tuple(found)


def run_thresholds(run: RunResult) -> tuple[Threshold, ...]:
    """A run's thresholds: its scenario's ``[[threshold]]`` tables, then those given to the run."""
    extra = [Threshold.model_validate(t) for t in run.manifest.get("thresholds", [])]
    return (*run.scenario.threshold, *extra)


def threshold_values(replications: pd.DataFrame, threshold: Threshold,
                     baseline: str | None = "baseline") -> pd.Series:
    """The outcome a threshold tests, per (strategy, replication): one city or all together."""
    frame = replications if baseline is None else replications[
        replications["strategy"] != baseline]
    if threshold.city is not None:
        rows = frame[frame["city"] == threshold.city]
        return rows.set_index(["strategy", "replication"])[threshold.metric]
    how = METRICS[threshold.metric].over_cities
    return frame.groupby(["strategy", "replication"], sort=False)[threshold.metric].agg(how)


def threshold_shares(replications: pd.DataFrame,
                     thresholds: Sequence[Threshold]) -> pd.DataFrame:
    """Share of futures meeting each threshold (columns, by label) and all of them, per strategy."""
    keys = pd.MultiIndex.from_frame(futures(replications)[["strategy", "replication"]])
    table = pd.DataFrame({str(t): t.met(threshold_values(replications, t).reindex(keys))
                          for t in thresholds}, index=keys)
    table["all"] = table.all(axis=1)
    return table.groupby(level="strategy", sort=False).mean()


# --------------------------------------------------------------------------
# Robustness across futures


def futures(replications: pd.DataFrame, baseline: str | None = "baseline") -> pd.DataFrame:
    """Per (strategy, replication): every metric combined over cities, baseline left out."""
    metrics = [m for m in METRICS if m in replications.columns]
    how = {m: METRICS[m].over_cities for m in metrics}
    chosen = replications if baseline is None else replications[
        replications["strategy"] != baseline]
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
    then by expected impact: ``strategy, expected, p05, p95, cvar05,
    max_regret, mean_regret, thresholds_met, replications, rank``.
    """
    table = futures(replications)
    regrets = regret(replications, metric).set_index("strategy")["regret"]
    met = threshold_shares(replications, thresholds)["all"]
    rows = []
    for strategy, group in table.groupby("strategy", sort=False):
        values = group[metric].to_numpy(dtype=float)
        own = regrets.loc[[strategy]]
        rows.append({
            "strategy": strategy,
            "expected": values.mean(),
            "p05": np.percentile(values, 5),
            "p95": np.percentile(values, 95),
            "cvar05": cvar(values),
            "max_regret": own.max(),
            "mean_regret": own.mean(),
            "thresholds_met": float(met.get(strategy, 1.0)),
            "replications": len(group),
        })
    ranked = pd.DataFrame(rows).sort_values(["max_regret", "expected"],
                                            ascending=[True, False], kind="stable")
    return ranked.reset_index(drop=True).assign(rank=lambda t: np.arange(1, len(t) + 1))
