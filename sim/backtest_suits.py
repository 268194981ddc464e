"""Scored backtests of lawsuits: each real suit forecast by a frozen run, and scored.

A *suit backtest* file (TOML) names a frozen scenario and lists real suits,
each with its source, and the money actually withheld from jurisdictions::

    scenario = "../backtest-2025.toml"
    observed_until = 2025-12-31

    [reference]             # the naive forecast: past durations, equally likely
    relief_days = [24, 39, 77, 81, 84, 135, 194, 342, 417]
    extension_days = [24, 44]
    source = "..."

    [[suit]]
    name = "San Francisco v. Trump"
    measure = "Executive order on sanctuary jurisdictions' federal funds"
    filed = 2025-02-07
    relief = 2025-04-24     # first relief; left out if none by observed_until
    source = "..."
    late = [{ joined = 2025-07-09, relieved = 2025-08-22, source = "..." }]

    [[withheld]]
    city = "New York City"
    value = 80481861
    reference = [0, 4100000]
    source = "..."

Four outcome families are scored against the naive reference forecast
(:mod:`sim.lawsuits` turns the run into forecasts, :mod:`sim.scoring` scores
them): relief granted by ``observed_until`` (Brier and log score), days from
filing to first relief and days to extend relief to late plaintiffs (CRPS,
days), and dollars withheld in a window (CRPS, dollars).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, model_validator

from sim import lawsuits, scoring
from sim.errors import Problem, ScenarioError
from sim.messages import plain_message
from sim.scenario import Scenario, format_loc, load, parse_toml, read_text
from sim.uncertain import Frozen

FAMILIES = {
    "relief": ("relief granted", "yes/no"),
    "days_to_relief": ("days to first relief", "days"),
    "days_to_extend": ("days to extend relief", "days"),
    "withheld": ("dollars withheld", "USD"),
}
"""Outcome family -> (label, unit)."""


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


def load_suit_backtest(path: str | Path) -> tuple[SuitBacktest, Scenario]:
    """Read a suit backtest file and its scenario; every problem as a :class:`ScenarioError`."""
    path = Path(path)
    data = parse_toml(read_text(path), str(path))
    try:
        backtest = SuitBacktest.model_validate(data)
    except ValidationError as error:
        raise ScenarioError([Problem(str(path), format_loc(e["loc"]),
                                     plain_message(e, SuitBacktest), e.get("input"),
                                     e["type"] != "missing")
                             for e in error.errors()]) from None
    scenario = load(path.parent / backtest.scenario)
    problems = []
    measures = {m.name for m in scenario.measure}
    groups = {c.name for c in scenario.litigation.coalition} | {c.name for c in scenario.city}
    for i, suit in enumerate(backtest.suit):
        if suit.measure not in measures:
            problems.append(Problem(str(path), f"suit[{i}].measure",
                                    "no [[measure]] of the scenario has this name", suit.measure))
        for name in suit.pool:
            if name not in groups:
                problems.append(Problem(str(path), f"suit[{i}].pool",
                                        "no coalition or city of the scenario has this name",
                                        name))
        if suit.filed > backtest.observed_until:
            problems.append(Problem(str(path), f"suit[{i}].filed",
                                    "filed after observed_until", suit.filed))
    cities = {c.name for c in scenario.city}
    for i, withheld in enumerate(backtest.withheld):
        if withheld.city not in cities:
            problems.append(Problem(str(path), f"withheld[{i}].city",
                                    "no [[city]] of the scenario has this name", withheld.city))
    if backtest.strategy not in scenario.strategy_table():
        problems.append(Problem(str(path), "strategy", "no such strategy in the scenario",
                                backtest.strategy))
    if any(s.late for s in backtest.suit) and not backtest.reference.extension_days:
        problems.append(Problem(str(path), "reference.extension_days",
                                "needed to score the suits' late plaintiffs", has_value=False))
    if problems:
        raise ScenarioError(problems)
    return backtest, scenario


def _horizon_day(scenario: Scenario) -> float:
    start = scenario.scenario.start.replace(day=1)
    end = start.replace(year=start.year + scenario.scenario.years)
    return float((end - start).days)


def _naive_relief(days: np.ndarray, within: float, pending: float) -> float:
    open_then = days[days > pending]
    return float((open_then <= within).mean()) if len(open_then) else float("nan")


def score_items(result, backtest: SuitBacktest, scenario: Scenario) -> pd.DataFrame:
    """Every scored item: family, rule, item, outcome, both forecasts and both scores.

    ``result`` is the run of the backtest's scenario (a :class:`sim.results.RunResult`
    keeping every replication's trajectories when money is scored).
    """
    start = scenario.scenario.start.replace(day=1)
    measures = [m.name for m in scenario.measure]
    groups = [c.name for c in scenario.litigation.coalition] + [c.name for c in scenario.city]
    events = result.events[result.events["strategy"] == backtest.strategy]
    table = lawsuits.suits(events, measures, groups, start)
    late = lawsuits.late_plaintiffs(events, measures, groups, start)
    horizon = _horizon_day(scenario)
    reference = np.asarray(backtest.reference.relief_days, float)
    rows = []
    for suit in backtest.suit:
        simulated = table[table["measure"] == suit.measure]
        if suit.pool:
            simulated = simulated[simulated["suit"].isin(suit.pool)]
        within = float((backtest.observed_until - suit.filed).days)
        pending = float((suit.pending_since - suit.filed).days) if suit.pending_since else 0.0
        granted = suit.relief is not None and suit.relief <= backtest.observed_until
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
            if plaintiffs.relieved is None or plaintiffs.relieved > backtest.observed_until:
                continue
            waited = float((plaintiffs.relieved - plaintiffs.joined).days)
            pooled = late[late["measure"] == suit.measure]
            samples = lawsuits.extension_days(pooled if len(pooled) else late)
            past = np.asarray(backtest.reference.extension_days, float)
            rows.append(_row("days_to_extend", "CRPS", f"{suit.name}, late plaintiffs {k + 1}",
                             waited, _quantiles(samples), _quantiles(past),
                             _crps(samples, waited), _crps(past, waited), plaintiffs.source))
    for withheld in backtest.withheld:
        samples = _withheld(result, backtest, withheld, start)
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


def _withheld(result, backtest: SuitBacktest, withheld: Withheld,
              start: dt.date) -> np.ndarray:
    """Per replication, the city's withheld federal payments within the window."""
    first = pd.Timestamp(withheld.start or start)
    last = pd.Timestamp(withheld.end or backtest.observed_until)
    frame = result.trajectories
    frame = frame[(frame["strategy"] == backtest.strategy) & (frame["city"] == withheld.city)]
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


def _number(value: float, unit: str) -> str:
    if not np.isfinite(value):
        return "-"
    if unit == "USD":
        return f"{value / 1e9:.1f}B" if abs(value) >= 1e9 else f"{value / 1e6:.1f}M"
    return f"{value:,.0f}" if unit == "days" else f"{value:.3f}"


def _skill(value: float, low: float, high: float) -> str:
    """Skill and its interval; below -99 the model is shown as simply far worse."""
    def shown(x: float, places: int) -> str:
        return "-" if not np.isfinite(x) else "<-99" if x < -99 else f"{x:+.{places}f}"

    if not np.isfinite(value):
        return "-"
    return f"{shown(value, 2)} [{shown(low, 1)}, {shown(high, 1)}]"


SCORE_HEADER = f"{'outcome':<22}{'rule':<6}{'n':>3} {'':<6}{'mean [5-95%]':<21}skill [5-95%]"


def format_scores(scores: pd.DataFrame, title: str) -> str:
    """The score table as text for an 80-column terminal, titled and explained."""
    lines = [title, "=" * min(len(title), 80), "",
             "Mean proper scores of the model and of the naive forecast (2017-2020 base",
             "rates) over the scored items: lower is better. Skill = 1 - model / naive:",
             "above 0 the model did better. [5-95%]: 2,000 bootstrap resamples of the items.",
             "", SCORE_HEADER, "-" * 80]
    order = {family: i for i, family in enumerate(FAMILIES)}
    for row in sorted(scores.itertuples(), key=lambda r: (order[r.family], r.rule != "Brier")):
        label, unit = FAMILIES[row.family]
        unit = unit if row.rule == "CRPS" else "probability"
        for who, first in (("model", True), ("naive", False)):
            mean, low, high = (getattr(row, who), getattr(row, f"{who}_low"),
                               getattr(row, f"{who}_high"))
            score = f"{_number(mean, unit)} [{_number(low, unit)}, {_number(high, unit)}]"
            head = f"{label:<22}{row.rule:<6}{row.n:>3} " if first else " " * 32
            skill = _skill(row.skill, row.skill_low, row.skill_high) if first else ""
            lines.append(f"{head}{who:<6}{score:<21}{skill}".rstrip())
    lines += ["", "Units: Brier 0-1; log score in nats; CRPS in the outcome's unit (days, or",
              "dollars: M million, B billion). n: items scored (suits, late plaintiffs,",
              "jurisdictions)."]
    return "\n".join(lines)
