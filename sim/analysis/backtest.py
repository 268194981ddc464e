"""Backtests: a scenario run from the past, set against what happened.

An *observed-outcomes* file (TOML) names a scenario and lists what really
happened, one metric at a time, each with its source::

    scenario = "../backtest-chicago-2017.toml"

    [[outcome]]
    metric = "federal_withheld"
    city = "Chicago"
    strategy = "sanctuary"
    value = 2333428
    source = "FY2017 JAG award withheld until late 2018 (...)"

:func:`compare` places each observed value in the simulated distribution of
the same metric (per replication, for that city and strategy): its
percentile (mid-rank, so ties count half) and whether it falls inside the
central 90% band.  A historical outcome outside the band is a finding to
explain, not an error.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError

from sim.errors import Problem, ScenarioError
from sim.results import write_file
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


def load_observed(path: str | Path) -> tuple[Observed, Scenario]:
    """Read an observed-outcomes file and the scenario it names.

    Raises :class:`~sim.errors.ScenarioError` listing every problem.
    """
    path = Path(path)
    data = parse_toml(read_text(path), str(path))
    try:
        observed = Observed.model_validate(data)
    except ValidationError as error:
        raise ScenarioError([Problem(str(path), format_loc(e["loc"]),
                                     plain_message(e, Observed), e.get("input"),
                                     e["type"] != "missing")
                             for e in error.errors()]) from None
    scenario = load(path.parent / observed.scenario)
    cities = {c.name for c in scenario.city}
    strategies = set(scenario.strategy_table())
    problems = []
    for i, outcome in enumerate(observed.outcome):
        if outcome.city not in cities:
            problems.append(Problem(str(path), f"outcome[{i}].city",
                                    "no [[city]] of the scenario has this name", outcome.city))
        if outcome.strategy not in strategies:
            problems.append(Problem(str(path), f"outcome[{i}].strategy",
                                    "no such strategy in the scenario", outcome.strategy))
    if problems:
        raise ScenarioError(problems)
    return observed, scenario


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


def write_comparison(table: pd.DataFrame, path: str | Path) -> None:
    """Write a comparison as CSV atomically: the file appears whole or not at all."""
    write_file(path, lambda staging: table.to_csv(staging, index=False, float_format="%.6f"))
