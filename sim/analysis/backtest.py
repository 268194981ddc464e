"""Backtests: a scenario run from the past, set against what happened.

An *observed-outcomes* file (TOML) names a scenario and lists what really
happened, each with its source, in one of two forms.

**Run metrics** (``[[outcome]]`` tables), each placed in the simulated
distribution of the same per-replication metric::

    scenario = "../backtest-chicago-2017.toml"

    [[outcome]]
    metric = "federal_withheld"
    city = "Chicago"
    value = 2333428
    source = "FY2017 JAG award withheld until late 2018 (...)"

:func:`compare` gives each observed value's percentile (mid-rank, so ties
count half) and whether it falls inside the central 90% band.

**Suits** (``[[suit]]`` and ``[[withheld]]`` tables), each forecast by the
run and scored with proper scoring rules (:mod:`sim.analysis.scoring`)
against a naive reference forecast of past durations (``[reference]``)::

    scenario = "../backtest-2025.toml"
    observed_until = 2025-12-31

    [reference]
    relief_days = [24, 39, 77, 81, 84, 135, 194, 342, 417]
    extension_days = [24, 44]
    source = "..."

    [[suit]]
    name = "San Francisco v. Trump"
    measure = "Executive order on sanctuary jurisdictions' federal funds"
    filed = 2025-02-07
    relief = 2025-04-24
    source = "..."
    late = [{ joined = 2025-07-09, relieved = 2025-08-22, source = "..." }]

    [[withheld]]
    city = "New York City"
    value = 80481861
    reference = [0, 4100000]
    source = "..."

:func:`score_items` scores four outcome families (relief granted by
``observed_until``, with the Brier and log scores; days from filing to first
relief and days to extend relief to later plaintiffs, and dollars withheld in
a window, with the CRPS); :func:`summarise` gives mean scores with bootstrap
intervals and the skill against the naive forecast.  The simulated suits are
read from the run's event log (:mod:`sim.analysis.lawsuits`).  A historical
outcome outside the forecast is a finding to explain, not an error.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, model_validator

from sim.analysis import lawsuits, scoring
from sim.errors import Problem, ScenarioError
from sim.metrics import METRICS
from sim.results import VERSION, write_folder, write_manifest
from sim.scenario import Scenario, format_loc, load, parse_toml, read_text
from sim.scenario.messages import plain_message
from sim.scenario.uncertain import Frozen


class Outcome(Frozen):
    """``[[outcome]]``: one thing that really happened, as a run metric."""

    metric: str = Field(min_length=1, max_length=120)
    """Per-replication metric of the run, e.g. ``federal_withheld``."""
    city: str = Field(min_length=1, max_length=120)
    """The ``[[city]]`` it concerns."""
    strategy: str = Field(default="sanctuary", min_length=1, max_length=120)
    """The strategy that was actually followed."""
    value: float
    """What happened, in the metric's unit."""
    source: str = Field(min_length=1, max_length=4_000)
    """Where the observed value comes from (document, date, URL)."""
    note: str = Field(default="", max_length=4_000)
    """How the observed value maps onto the metric, if not obvious."""


class Observed(Frozen):
    """An observed-outcomes file."""

    scenario: str = Field(min_length=1, max_length=1_000)
    """Path of the scenario file, relative to this file."""
    description: str = Field(default="", max_length=10_000)
    """What is being checked, for the report."""
    outcome: list[Outcome] = Field(min_length=1, max_length=1_000)
    """The observed outcomes."""


FAMILIES = {
    "relief": ("relief granted", "yes/no"),
    "days_to_relief": ("days to first relief", "days"),
    "days_to_extend": ("days to extend relief", "days"),
    "withheld": ("dollars withheld", "USD"),
}
"""Outcome families of a suit backtest -> (label, unit), in the order they are reported."""


class LatePlaintiff(Frozen):
    """``late``: plaintiffs that joined the suit after its filing (an amended complaint)."""

    joined: dt.date
    """Day they joined (the amended complaint naming them)."""
    relieved: dt.date | None = None
    """Day relief reached them; left out if not by ``observed_until``."""
    source: str = Field(min_length=1, max_length=4_000)
    """Court order or docket entry."""


class Suit(Frozen):
    """``[[suit]]``: one real suit and how it went."""

    name: str = Field(min_length=1, max_length=200)
    """Caption, e.g. ``"San Francisco v. Trump"``."""
    docket: str = Field(default="", max_length=400)
    """Court and case number."""
    measure: str = Field(min_length=1, max_length=200)
    """The scenario's ``[[measure]]`` the suit challenges (its simulated suits forecast it)."""
    filed: dt.date
    """Filing day."""
    relief: dt.date | None = None
    """Day of the first relief (TRO, preliminary injunction or judgment); left out if none
    by ``observed_until``."""
    pending_since: dt.date | None = None
    """For a freeze after the filing: the freeze date, before which the suit had no relief
    (the forecast is then conditional on that)."""
    late: list[LatePlaintiff] = Field(default=[], max_length=100)
    """Plaintiffs that joined later, and when relief reached them."""
    relief_scored: bool = True
    """Whether the suit's own relief is scored (false: the suit is listed for its late
    plaintiffs only, e.g. relief that came before a freeze date)."""
    pool: list[str] = Field(default=[], max_length=1_000)
    """The scenario's suits (coalition or city names) whose simulated suits against
    ``measure`` forecast this one; default: all of them.  Leave out suits whose
    course the scenario fixes from history."""
    source: str = Field(min_length=1, max_length=4_000)
    """Court orders or docket entries for the dates."""
    note: str = Field(default="", max_length=4_000)
    """Where the record is unclear, or how the suit maps onto the measure."""

    @model_validator(mode="after")
    def _ordered(self) -> Suit:
        if self.relief is not None and self.relief < self.filed:
            raise ValueError(f"relief ({self.relief}) comes before filed ({self.filed})")
        if self.pending_since is not None and self.pending_since < self.filed:
            raise ValueError(f"pending_since ({self.pending_since}) comes before filed")
        if self.pending_since and self.relief and self.relief <= self.pending_since:
            raise ValueError("relief came before pending_since: the suit was not pending")
        for late in self.late:
            if late.relieved is not None and late.relieved < late.joined:
                raise ValueError(f"late plaintiffs relieved ({late.relieved}) before they "
                                 f"joined ({late.joined})")
        return self


class Withheld(Frozen):
    """``[[withheld]]``: federal money actually withheld from a jurisdiction in a window."""

    city: str = Field(min_length=1, max_length=120)
    """The scenario's ``[[city]]``."""
    value: float = Field(ge=0)
    """Dollars withheld (not paid when due, or clawed back) within the window."""
    start: dt.date | None = None
    """First day of the window (default: the scenario's start)."""
    end: dt.date | None = None
    """Last day of the window (default: ``observed_until``)."""
    reference: list[float] = Field(min_length=1, max_length=1_000)
    """The naive forecast: values, equally likely."""
    source: str = Field(min_length=1, max_length=4_000)
    """Where the observed value comes from."""
    note: str = Field(default="", max_length=4_000)
    """Where the record is unclear."""


class Reference(Frozen):
    """``[reference]``: the naive forecast, from past cases only."""

    relief_days: list[float] = Field(min_length=1, max_length=1_000)
    """Days from filing to first relief of past suits, equally likely (every past suit
    obtained relief eventually)."""
    extension_days: list[float] = Field(default=[], max_length=1_000)
    """Days to extend relief to later plaintiffs in past suits, equally likely."""
    source: str = Field(min_length=1, max_length=4_000)
    """The past cases."""


class SuitBacktest(Frozen):
    """A suit backtest file."""

    scenario: str = Field(min_length=1, max_length=1_000)
    """Path of the frozen scenario, relative to this file."""
    description: str = Field(default="", max_length=10_000)
    """What is being checked, for the report."""
    observed_until: dt.date
    """End of the observation window: relief later than this counts as none."""
    strategy: str = Field(default="sanctuary", min_length=1, max_length=120)
    """The strategy the jurisdictions actually followed."""
    reference: Reference
    """The naive forecast."""
    suit: list[Suit] = Field(min_length=1, max_length=1_000)
    """The suits."""
    withheld: list[Withheld] = Field(default=[], max_length=1_000)
    """Money withheld, by jurisdiction."""



def load_observed(path: str | Path) -> tuple[Observed | SuitBacktest, Scenario]:
    """Read an observed-outcomes file, of either form, and the scenario it names.

    A file with ``[[suit]]`` tables is a suit backtest, else a file of run
    metrics.  Raises :class:`~sim.errors.ScenarioError` listing every problem.
    """
    path = Path(path)
    data = parse_toml(read_text(path), str(path))
    form = SuitBacktest if "suit" in data else Observed
    try:
        observed = form.model_validate(data)
    except ValidationError as error:
        raise ScenarioError([Problem(str(path), format_loc(e["loc"]),
                                     plain_message(e, form), e.get("input"),
                                     e["type"] != "missing")
                             for e in error.errors()]) from None
    scenario = load(path.parent / observed.scenario)
    check = _check_suits if isinstance(observed, SuitBacktest) else _check_outcomes
    problems = check(observed, scenario, str(path))
    if problems:
        raise ScenarioError(problems)
    return observed, scenario


def _check_outcomes(observed: Observed, scenario: Scenario, origin: str) -> list[Problem]:
    cities = {c.name for c in scenario.city}
    strategies = set(scenario.strategy_table())
    problems = []
    for i, outcome in enumerate(observed.outcome):
        if outcome.metric not in METRICS:
            problems.append(Problem(origin, f"outcome[{i}].metric",
                                    "not a per-replication outcome of a run (the metrics of "
                                    "replications.parquet, e.g. federal_withheld, "
                                    "months_to_injunction)", outcome.metric))
        if outcome.city not in cities:
            problems.append(Problem(origin, f"outcome[{i}].city",
                                    "no [[city]] of the scenario has this name", outcome.city))
        if outcome.strategy not in strategies:
            problems.append(Problem(origin, f"outcome[{i}].strategy",
                                    "no such strategy in the scenario", outcome.strategy))
    return problems


def _check_suits(observed: SuitBacktest, scenario: Scenario, origin: str) -> list[Problem]:
    problems = []
    measures = {m.name for m in scenario.measure}
    groups = {c.name for c in scenario.litigation.coalition} | {c.name for c in scenario.city}
    for i, suit in enumerate(observed.suit):
        if suit.measure not in measures:
            problems.append(Problem(origin, f"suit[{i}].measure",
                                    "no [[measure]] of the scenario has this name", suit.measure))
        for name in suit.pool:
            if name not in groups:
                problems.append(Problem(origin, f"suit[{i}].pool",
                                        "no coalition or city of the scenario has this name",
                                        name))
        if suit.filed > observed.observed_until:
            problems.append(Problem(origin, f"suit[{i}].filed",
                                    "filed after observed_until", suit.filed))
    cities = {c.name for c in scenario.city}
    for i, withheld in enumerate(observed.withheld):
        if withheld.city not in cities:
            problems.append(Problem(origin, f"withheld[{i}].city",
                                    "no [[city]] of the scenario has this name", withheld.city))
    if observed.strategy not in scenario.strategy_table():
        problems.append(Problem(origin, "strategy", "no such strategy in the scenario",
                                observed.strategy))
    if any(s.late for s in observed.suit) and not observed.reference.extension_days:
        problems.append(Problem(origin, "reference.extension_days",
                                "needed to score the suits' late plaintiffs", has_value=False))
    return problems


def percentile_of(values: np.ndarray, observed: float) -> float:
    """Mid-rank percentile (0-100) of ``observed`` among ``values``.

    >>> percentile_of(np.array([0.0, 0.0, 1.0, 2.0]), 0.0)
    25.0
    """
    values = np.asarray(values, dtype=float)
    below = np.count_nonzero(values < observed)
    equal = np.count_nonzero(values == observed)
    return float(100.0 * (below + 0.5 * equal) / len(values))


def compare(replications: pd.DataFrame, observed: Observed,
            origin: str = "<observed>") -> pd.DataFrame:
    """Each observed outcome beside the simulated distribution of its metric.

    ``replications`` is a run's per-replication table.  Columns: ``metric,
    city, strategy, observed, mean, p05, p50, p95, percentile, inside_90,
    source``.
    """
    rows, problems = [], []
    for i, outcome in enumerate(observed.outcome):
        if outcome.metric not in replications.columns:
            problems.append(Problem(origin, f"outcome[{i}].metric",
                                    "the run has no such metric", outcome.metric))
            continue
        chosen = replications[(replications["city"] == outcome.city)
                              & (replications["strategy"] == outcome.strategy)]
        if chosen.empty:
            problems.append(Problem(origin, f"outcome[{i}].strategy",
                                    "the run did not simulate this strategy", outcome.strategy))
            continue
        values = chosen[outcome.metric].to_numpy(dtype=float)
        p05, p50, p95 = np.quantile(values, [0.05, 0.5, 0.95])
        rows.append({
            "metric": outcome.metric, "city": outcome.city, "strategy": outcome.strategy,
            "observed": outcome.value, "mean": float(values.mean()), "p05": float(p05),
            "p50": float(p50), "p95": float(p95),
            "percentile": percentile_of(values, outcome.value),
            "inside_90": bool(p05 <= outcome.value <= p95), "source": outcome.source,
        })
    if problems:
        raise ScenarioError(problems)
    return pd.DataFrame(rows)


def _horizon_day(scenario: Scenario) -> float:
    start = scenario.scenario.start.replace(day=1)
    end = start.replace(year=start.year + scenario.scenario.years)
    return float((end - start).days)


def _naive_relief(days: np.ndarray, within: float, pending: float) -> float:
    open_then = days[days > pending]
    return float((open_then <= within).mean()) if len(open_then) else float("nan")


def score_items(result, observed: SuitBacktest, scenario: Scenario) -> pd.DataFrame:
    """Every scored item: family, rule, item, outcome, both forecasts and both scores.

    ``result`` is the run of the backtest's scenario (a :class:`sim.results.RunResult`
    keeping every replication's trajectories when money is scored).
    """
    start = scenario.scenario.start.replace(day=1)
    measures = [m.name for m in scenario.measure]
    groups = [c.name for c in scenario.litigation.coalition] + [c.name for c in scenario.city]
    events = result.events[result.events["strategy"] == observed.strategy]
    table = lawsuits.suits(events, measures, groups, start)
    late = lawsuits.late_plaintiffs(events, measures, groups, start)
    horizon = _horizon_day(scenario)
    reference = np.asarray(observed.reference.relief_days, float)
    rows = []
    for suit in observed.suit:
        simulated = table[table["measure"] == suit.measure]
        if suit.pool:
            simulated = simulated[simulated["suit"].isin(suit.pool)]
        within = float((observed.observed_until - suit.filed).days)
        pending = float((suit.pending_since - suit.filed).days) if suit.pending_since else 0.0
        granted = suit.relief is not None and suit.relief <= observed.observed_until
        p, n = lawsuits.relief_probability(simulated, within, horizon, pending)
        q = _naive_relief(reference, within, pending)
        forecast = f"p = {p:.2f} (of {n} simulated suits)"
        for rule, score in (("Brier", scoring.brier), ("log", scoring.log_score)):
            if suit.relief_scored:
                rows.append(_row("relief", rule, suit.name, float(granted), forecast,
                                 f"p = {q:.2f}", _or_nan(score, p, granted),
                                 _or_nan(score, q, granted), suit.source))
        if granted and suit.relief_scored:
            waited = float((suit.relief - suit.filed).days)
            samples = lawsuits.relief_days(simulated, pending)
            past = reference[reference > pending]
            rows.append(_row("days_to_relief", "CRPS", suit.name, waited, _quantiles(samples),
                             _quantiles(past), _crps(samples, waited), _crps(past, waited),
                             suit.source))
        for k, plaintiffs in enumerate(suit.late):
            if plaintiffs.relieved is None or plaintiffs.relieved > observed.observed_until:
                continue
            waited = float((plaintiffs.relieved - plaintiffs.joined).days)
            pooled = late[late["measure"] == suit.measure]
            samples = lawsuits.extension_days(pooled if len(pooled) else late)
            past = np.asarray(observed.reference.extension_days, float)
            rows.append(_row("days_to_extend", "CRPS", f"{suit.name}, late plaintiffs {k + 1}",
                             waited, _quantiles(samples), _quantiles(past),
                             _crps(samples, waited), _crps(past, waited), plaintiffs.source))
    for withheld in observed.withheld:
        samples = _withheld(result, observed, withheld, start)
        past = np.asarray(withheld.reference, float)
        rows.append(_row("withheld", "CRPS", withheld.city, withheld.value, _quantiles(samples),
                         _quantiles(past), _crps(samples, withheld.value),
                         _crps(past, withheld.value), withheld.source))
    return pd.DataFrame(rows)


def _row(family, rule, item, outcome, model, naive, model_score, naive_score, source) -> dict:
    return {"family": family, "rule": rule, "item": item, "outcome": outcome,
            "model_forecast": model, "naive_forecast": naive, "model_score": model_score,
            "naive_score": naive_score, "source": source}


def _or_nan(rule, probability: float, outcome: bool) -> float:
    return float("nan") if np.isnan(probability) else rule(probability, outcome)


def _crps(samples: np.ndarray, observed: float) -> float:
    return scoring.crps(samples, observed) if len(samples) else float("nan")


def _quantiles(samples: np.ndarray) -> str:
    if not len(samples):
        return "no samples"
    if len(samples) <= 10:  # a short list of past values is clearer as itself
        return "one of " + ", ".join(f"{x:,.0f}" for x in np.sort(samples))
    low, mid, high = np.percentile(samples, [5, 50, 95])
    return f"median {mid:,.0f} (5-95%: {low:,.0f}-{high:,.0f})"


def _withheld(result, observed: SuitBacktest, withheld: Withheld,
              start: dt.date) -> np.ndarray:
    """Per replication, the city's withheld federal payments within the window."""
    first = pd.Timestamp(withheld.start or start)
    last = pd.Timestamp(withheld.end or observed.observed_until)
    frame = result.trajectories
    frame = frame[(frame["strategy"] == observed.strategy) & (frame["city"] == withheld.city)]
    dates = pd.to_datetime(frame["date"])
    inside = frame[(dates >= first) & (dates <= last)]
    return inside.groupby("replication")["federal_withheld"].sum().to_numpy(float)


def summarise(items: pd.DataFrame, draws: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Per family and rule: mean scores of model and naive forecast, bootstrap intervals, skill.

    Items either forecast could not score (NaN) are left out of both.  The
    intervals are the 5th-95th percentiles of ``draws`` paired resamples of the items.
    """
    rows = []
    for (family, rule), group in items.groupby(["family", "rule"], sort=False):
        group = group.dropna(subset=["model_score", "naive_score"])
        if group.empty:
            continue
        model = group["model_score"].to_numpy(float)
        naive = group["naive_score"].to_numpy(float)
        boot = scoring.bootstrap(model, naive, draws=draws, seed=seed)
        row = {"family": family, "rule": rule, "n": len(group),
               "model": model.mean(), "naive": naive.mean(),
               "difference": model.mean() - naive.mean(),
               "skill": scoring.skill(model.mean(), naive.mean())}
        for name, values in (("model", boot.model), ("naive", boot.reference),
                             ("difference", boot.difference), ("skill", boot.skill)):
            row[f"{name}_low"], row[f"{name}_high"] = boot.interval(values)
        rows.append(row)
    return pd.DataFrame(rows)




def write_backtest(folder: str | Path, tables: dict[str, pd.DataFrame], texts: dict[str, str],
                   manifest: dict[str, Any], *, overwrite: bool = False) -> Path:
    """Write a backtest folder atomically: CSV tables, text files and ``manifest.json``.

    The manifest is ``{"fundsim": version, "backtest": manifest}`` with the
    SHA-256 of every file written, so that ``--overwrite`` can prove the folder
    is a backtest's.
    """
    def fill(staging: Path) -> None:
        for name, table in tables.items():
            table.to_csv(staging / name, index=False, float_format="%.6f")
        for name, text in texts.items():
            (staging / name).write_text(text + "\n", encoding="utf-8")
        write_manifest(staging, {"fundsim": VERSION, "backtest": manifest})

    return write_folder(Path(folder), fill, kind="backtest", overwrite=overwrite)
