"""Properties over random scenarios: valid ones run cleanly, mutated ones fail cleanly.

Two promises are checked on inputs no one wrote by hand:

* any valid scenario (grants direct or passed through a state, measures against
  cities or states, a state-led suit) runs without an exception, gives finite
  numbers only, and keeps the accounting identity ``reserves[m] - reserves[m-1] ==
  revenue - spending`` to the cent in every month, city, strategy and kept
  replication, whatever share of each year's revenue gap the next budget
  closes (``rebudget_share``) and whatever the mid-year reviews cut
  (``review_months``, ``midyear_share``);
* any mutation of a valid file (keys deleted, duplicated or given values of
  another type, numbers set to edge values, random bytes) either still
  validates or raises :class:`~sim.errors.ScenarioError`, never anything else.
"""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import sim
from sim.errors import ScenarioError
from sim.scenario import loads, validate

ROOT = Path(__file__).parent.parent
SHIPPED = sorted((ROOT / "scenarios").glob("*.toml"))
FAST = settings(max_examples=30, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

money = st.one_of(st.just(0.0), st.floats(1.0, 5e10))
share = st.floats(0.0, 1.0)
START = dt.date(2025, 1, 1)


@st.composite
def uncertain_money(draw) -> Any:
    """A fixed amount or one of the distributions money accepts."""
    low = draw(st.floats(0.0, 1e10))
    width = draw(st.floats(1.0, 1e10))
    return draw(st.sampled_from([
        low,
        {"dist": "uniform", "low": low, "high": low + width},
        {"dist": "triangular", "low": low, "mode": low + width / 3, "high": low + width},
        {"dist": "lognormal", "median": low + width, "sigma": 0.5},
        {"dist": "normal", "mean": low + width, "sd": width / 4, "low": 0.0},
        {"dist": "choice", "values": [low, low + width], "weights": [1.0, 3.0]},
    ]))


@st.composite
def funded(draw, name: str) -> dict:
    """Positions or a program a grant pays for, with any response (two fit in one grant)."""
    return {"name": name, "positions": draw(st.floats(0.0, 500.0)),
            "share": draw(st.floats(0.0, 0.5)),
            "response": draw(st.sampled_from(["backfill", "cut", "absorb"])),
            "cut_lag_months": draw(st.integers(0, 12)),
            "absorb_months": draw(st.integers(1, 24)),
            "then": draw(st.sampled_from(["backfill", "cut"]))}


@st.composite
def cities(draw, count: int) -> list[dict]:
    """``count`` cities with random budgets and grants (some with none)."""
    out = []
    for c in range(count):
        grants = [{"program": f"P{g}", "agency": draw(st.sampled_from(["DOJ", "DHS", "HUD"])),
                   "amount": draw(uncertain_money()),
                   "basis": draw(st.sampled_from(["reimbursement", "advance"])),
                   "payment_lag_months": draw(st.integers(0, 6)),
                   "award_month": draw(st.integers(1, 12)),
                   "growth": draw(st.floats(-0.2, 0.2)),
                   "funds": [draw(funded(f"F{k}")) for k in range(draw(st.integers(0, 2)))]}
                  | ({"pass_through": "State agency"} if draw(st.booleans()) else {})
                  for g in range(draw(st.integers(0, 3)))]
        out.append({
            "name": f"City {c}", "state": draw(st.sampled_from(["IL", "WI"])),
            "fiscal_year_start": draw(st.integers(1, 12)),
            "population": draw(st.integers(0, 10_000_000)),
            "budget": {
                "expenditure": draw(uncertain_money()),
                "reserves": draw(money),
                "state_aid": draw(money),
                "reserve_floor": draw(share),
                "revenue_volatility": draw(st.floats(0.0, 0.5)),
                "expenditure_growth": draw(st.floats(-0.5, 0.5)),
                # Re-budgeting moves spending with revenue: the books must still balance.
                "rebudget_share": draw(share),
                # So do mid-year reviews cutting the months left in the year.
                "midyear_share": draw(share),
                "review_months": sorted(draw(st.sets(st.integers(1, 11), max_size=4))),
                "gap_closing": {
                    "order": draw(st.sampled_from([["service_cuts", "tax_increase"],
                                                   ["tax_increase"], []])),
                    "borrowing_limit": draw(st.floats(0.0, 1.0)),
                    "service_cut_lag_months": draw(st.integers(0, 12)),
                },
            },
            "grant": grants,
        })
    return out


@st.composite
def measures(draw, years: int) -> list[dict]:
    """Zero to three measures dated within the horizon, some rescinded."""
    out = []
    for m in range(draw(st.integers(0, 3))):
        day = draw(st.integers(-400, 365 * years - 1))
        effective = START + dt.timedelta(days=day)
        measure = {"name": f"M{m}", "kind": "grant_condition", "effective": effective,
                   "probability": draw(share), "withhold_share": draw(share),
                   "clawback_months": draw(st.integers(0, 12)),
                   "release_lag_months": draw(st.integers(0, 6)),
                   "agencies": draw(st.sampled_from([[], ["DOJ"], ["HUD", "DHS"]])),
                   "penalises": draw(st.sampled_from([["sanctuary"], ["sanctuary", "partial"],
                                                      ["full"]]))}
        if draw(st.booleans()):  # against a state: its pass-through money, every level
            measure["states"] = ["IL"]
            del measure["penalises"]
        if draw(st.booleans()):
            measure["rescind_probability"] = draw(share)
            measure["rescind_date"] = effective + dt.timedelta(days=draw(st.integers(0, 900)))
        out.append(measure)
    return out


@st.composite
def valid_scenarios(draw) -> sim.Scenario:
    """A random valid scenario: 1-3 cities, 1-3 years, 0-3 measures."""
    years = draw(st.integers(1, 3))
    data = {
        "scenario": {"name": "Random", "start": START, "years": years,
                     "replications": draw(st.integers(1, 3)),
                     "seed": draw(st.integers(0, 2**63 - 1)),
                     "discount_rate": draw(st.floats(0.0, 0.5))},
        "city": draw(cities(draw(st.integers(1, 3)))),
        "measure": draw(measures(years)),
        "strategy": [{"name": "sanctuary, responding", "compliance": "sanctuary",
                      "grant_response": draw(st.sampled_from(["backfill", "cut", "absorb"]))}],
    }
    if any(m.get("states") for m in data["measure"]) and draw(st.booleans()):
        # Illinois sues over its measures: relief covers what it passes through.
        data["litigation"] = {"coalition": [{"name": "Illinois v. HHS", "states": ["IL"]}]}
    return validate(data, "<random>")


def assert_finite(frame: pd.DataFrame, what: str) -> None:
    numbers = frame.select_dtypes("number")
    assert np.isfinite(numbers.to_numpy(dtype=float)).all(), f"NaN or inf in {what}"


@FAST
@given(valid_scenarios())
def test_random_valid_scenario_runs_with_finite_numbers_and_balanced_books(scenario):
    """No exception, no NaN or inf, and Δreserves = revenue − spending to the cent."""
    n = scenario.scenario.replications
    result = sim.run(scenario, workers=1, keep=n)
    for name in ("summary", "replications", "trajectories"):
        assert_finite(getattr(result, name), name)
    t = result.trajectories.sort_values(["strategy", "replication", "city", "month"])
    previous = t.groupby(["strategy", "replication", "city"])["reserves"].shift()
    opening = t["city"].map({c.name: c.budget.reserves for c in scenario.city})
    previous = previous.fillna(opening)
    gap = (t["reserves"] - previous) - (t["revenue"] - t["spending"])
    assert gap.abs().max() < 0.01
    if "grant_service_lost" in result.replications:  # some grant names what it pays for
        funded = result.replications[["grant_backfill", "grant_service_lost",
                                      "grant_positions_cut"]]
        assert (funded >= 0).all().all()


# --------------------------------------------------------------------------
# Mutations of valid files


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path (tuples of keys and list indices) in parsed TOML data."""
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, (*prefix, i))
    return found


def _parent(data: Any, path: tuple) -> Any:
    for step in path[:-1]:
        data = data[step]
    return data


EDGE_VALUES = [
    float("inf"), float("-inf"), float("nan"), 1e308, -1e308, 1e15, 1e16, -1.0, 0.0, -0.0,
    5e-324, 2**63, -(2**63) - 1, 10**30, 0, 1, "", "x" * 300, "../../etc/passwd", True,
    [], [1, "a"], {}, {"dist": "uniform"}, {"dist": "normal", "mean": 0, "sd": -1},
    {"dist": "lognormal", "median": 1e8, "sigma": 80},
    {"dist": "uniform", "low": -1e300, "high": 1e300},
    {"dist": "choice", "values": [1.0], "weights": [1e308, 1e308]},
    {"dist": "beta", "a": 1e-300, "b": 1e300},
    dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.datetime(2025, 1, 1, 12), dt.time(12),
]


@st.composite
def mutations(draw, actions: tuple[str, ...] = ("delete", "retype", "retype", "copy"),
              most: int = 4) -> tuple[str, Any]:
    """(origin, mutated data) from a shipped scenario: 1 to ``most`` keys changed by ``actions``."""
    path = draw(st.sampled_from(SHIPPED))
    data = tomllib.loads(path.read_text())
    for _ in range(draw(st.integers(1, most))):
        paths = _paths(data)
        if not paths:
            break
        target = draw(st.sampled_from(paths))
        parent, key = _parent(data, target), target[-1]
        action = draw(st.sampled_from(actions))
        if action == "delete":
            del parent[key]
        elif action == "retype":
            parent[key] = copy.deepcopy(draw(st.sampled_from(EDGE_VALUES)))
        elif isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
        else:
            parent[f"{key}_copy"] = copy.deepcopy(parent[key])
    return path.name, data


@FAST
@given(mutations())
def test_mutated_data_validates_or_raises_scenario_error(mutated):
    """Deleting, retyping or copying keys never raises anything but ScenarioError."""
    origin, data = mutated
    try:
        validate(data, origin)
    except ScenarioError as error:
        assert error.problems and all(str(p).startswith(f"{origin}: ") for p in error.problems)


@st.composite
def damaged_texts(draw) -> str:
    """A shipped scenario's text with lines duplicated, cut, or random bytes spliced in."""
    text = draw(st.sampled_from(SHIPPED)).read_text()
    lines = text.splitlines(keepends=True)
    action = draw(st.sampled_from(["duplicate", "truncate", "splice", "swap"]))
    if action == "duplicate":
        i = draw(st.integers(0, len(lines) - 1))
        lines.insert(i, lines[i])
        return "".join(lines)
    if action == "swap":
        i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
        return "".join(lines)
    cut = draw(st.integers(0, len(text)))
    if action == "truncate":
        return text[:cut]
    junk = draw(st.binary(min_size=1, max_size=40)).decode("utf-8", "replace")
    return text[:cut] + junk + text[cut:]


@FAST
@given(damaged_texts())
def test_damaged_text_validates_or_raises_scenario_error(text):
    """Truncated, shuffled or byte-spliced TOML never raises anything but ScenarioError."""
    try:
        loads(text, "damaged.toml")
    except ScenarioError as error:
        assert error.problems and all(str(p).startswith("damaged.toml: ")
                                      for p in error.problems)


RAN: list[str] = []
"""Origins of the mutated scenarios :func:`run_mutated` ran in its last search."""


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(mutations(actions=("delete", "delete", "delete", "copy"), most=2))
def run_mutated(mutated):
    """Run a mutated scenario that passes validation (1 replication); its results are finite.

    Mostly deletions: most keys have defaults, but a deleted key whose source
    stays (or a history's date) is refused, so about one in seven of these
    mutations still validates (retyped values almost never do).
    """
    origin, data = mutated
    try:
        scenario = validate(data, origin)
    except ScenarioError:
        event("mutation refused")
        return
    event("mutation ran")
    RAN.append(origin)
    short = scenario.with_values({"scenario.years": min(scenario.scenario.years, 2)})
    result = sim.run(short, replications=1, workers=1)
    assert_finite(result.summary, "summary")


def test_mutations_that_still_validate_also_run():
    """Mutated scenarios that validate run with finite results, and some really run."""
    RAN.clear()
    run_mutated()
    assert len(RAN) >= 3, f"only {len(RAN)} of 30 mutated scenarios validated and ran"
