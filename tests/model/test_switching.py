"""Adaptive strategies: rules fire on conditions, switch after a lag, agencies follow later."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.errors import ScenarioError
from sim.model.plan import build_plan
from sim.model.reference import run_reference
from sim.model.world import World, run_simpy
from tests.conftest import ONE_CITY
from tests.model.test_world import UNCERTAIN, assert_same_batches

MILLION = 1e6
SANCTUARY, PARTIAL, FULL = 0, 1, 2

ADAPTIVE = """
[[strategy]]
name = "adaptive"
compliance = "sanctuary"
eligibility_lag_months = 2
sources = { eligibility_lag_months = "assumption: test" }
"""


def rule(**keys) -> str:
    """A ``[[strategy.rule]]`` table."""
    lines = "\n".join(f"{k} = {v!r}" if isinstance(v, str) else f"{k} = {v}"
                      for k, v in keys.items())
    return f"\n[[strategy.rule]]\n{lines}\n"


def run(text: str, replications: int = 2, engine=run_reference):
    scenario = sim.load(text)
    plan = build_plan(scenario)
    result = engine(World(plan, scenario.scenario.seed, range(replications),
                          keep=replications))
    return plan, result


def series(plan, result, name: str, strategy: str = "adaptive") -> np.ndarray:
    """Monthly values of the first replication's first city."""
    return result.trajectories[name][:, plan.strategies.index(strategy), 0, 0]


def events(plan, result, strategy: str = "adaptive", replication: int = 0) -> list[tuple]:
    s = plan.strategies.index(strategy)
    return [(plan.calendar.date_of_day(day).isoformat(), kind, detail)
            for s_, r, day, _c, kind, detail in result.events if s_ == s and r == replication]


def test_switch_takes_effect_in_the_month_the_rule_fires_plus_its_lag():
    """Withheld in March and April 2025: the rule fires in April, full from July (lag 3)."""
    text = ONE_CITY + ADAPTIVE + rule(when="funds_withheld", months=2, switch_to="full",
                                      lag_months=3)
    plan, result = run(text)
    level = series(plan, result, "compliance_level")
    assert list(level[:6]) == [SANCTUARY] * 6 and np.all(level[6:] == FULL)
    log = events(plan, result)
    assert ("2025-04-30", "switch_decided", "funds_withheld for 2 month(s) -> full") in log
    assert ("2025-07-01", "compliance_switch", "sanctuary -> full") in log
    honoured = series(plan, result, "detainers_honoured")
    assert not honoured[:6].any() and honoured[6:].sum() > 0


def test_funding_resumes_after_the_eligibility_lag_and_the_pool_is_released():
    """Agencies recognise full in September (lag 2): JAG withheld March-August, $6M repaid
    after the measure's two-month release lag."""
    text = ONE_CITY + ADAPTIVE + rule(when="funds_withheld", months=2, switch_to="full",
                                      lag_months=3)
    plan, result = run(text)
    withheld = series(plan, result, "federal_withheld") / MILLION
    assert np.allclose(withheld, [0, 0] + [1] * 6 + [0] * 16)
    restored = series(plan, result, "federal_restored") / MILLION
    assert restored[10] == pytest.approx(6.0) and np.count_nonzero(restored) == 1
    assert ("2025-09-01", "compliance_recognised", "agencies treat the city as full") in events(
        plan, result)


def test_reserves_rule_waits_for_three_months_below_the_floor():
    """Reserves start below the floor: the rule fires in March, partial from April (lag 1)."""
    text = (ONE_CITY.replace("reserves = 1.0e8", "reserves = 1.0e7") + ADAPTIVE
            + rule(when="reserves_below_floor", months=3, switch_to="partial", lag_months=1))
    plan, result = run(text)
    level = series(plan, result, "compliance_level")
    assert list(level[:3]) == [SANCTUARY] * 3 and np.all(level[3:] == PARTIAL)


def test_revert_when_the_measure_is_rescinded():
    """Partial while the measure is in force (from April), sanctuary again after its
    September rescission (from October): each rule fires once."""
    text = (ONE_CITY.replace('agencies = ["DOJ"]', 'agencies = ["DOJ"]\nrescind_probability = 1\n'
                             'rescind_date = 2025-09-15') + ADAPTIVE
            + rule(when="measure_in_force", measure="DOJ conditions", switch_to="partial",
                   lag_months=1)
            + rule(when="measure_rescinded", switch_to="sanctuary", lag_months=1))
    plan, result = run(text)
    level = series(plan, result, "compliance_level")
    assert list(level) == [SANCTUARY] * 3 + [PARTIAL] * 6 + [SANCTUARY] * 15
    s = plan.strategies.index("adaptive")
    assert result.outcomes["strategy_switches"][s, 0, 0] == 2
    assert result.outcomes["months_before_switch"][s, 0, 0] == 3


def test_a_once_rule_fires_only_once_and_a_repeating_rule_again():
    """Below the floor all along: a repeating pair of rules alternates, a once-rule does not."""
    low = ONE_CITY.replace("reserves = 1.0e8", "reserves = 1.0e7")
    flip = (rule(when="reserves_below_floor", switch_to="partial", lag_months=1, once="false")
            + rule(when="reserves_below_floor", switch_to="sanctuary", lag_months=1,
                   once="false"))
    plan, result = run(low + ADAPTIVE + flip.replace("'false'", "false"))
    level = series(plan, result, "compliance_level")
    assert list(level[:5]) == [SANCTUARY, PARTIAL, SANCTUARY, PARTIAL, SANCTUARY]
    plan, result = run(low + ADAPTIVE + flip.replace("once = 'false'", "once = true"))
    assert list(series(plan, result, "compliance_level")[:5]) == [SANCTUARY, PARTIAL, SANCTUARY,
                                                                  SANCTUARY, SANCTUARY]


def test_injunction_lost_rule_switches_after_the_denial():
    """The injunction is denied 61 days after the March filing: full cooperation from July."""
    litigation = """[litigation]
strategies = ["adaptive"]
filing_delay_days = 0
[litigation.grant_condition]
preliminary_injunction = { taken = 1, probability = 0, days = 61 }
"""
    text = (ONE_CITY.replace("effective = 2025-03-10", "effective = 2025-03-01")
            .replace("[litigation]\nstrategies = []\n", litigation) + ADAPTIVE
            + rule(when="injunction_lost", switch_to="full", lag_months=2))
    plan, result = run(text)
    log = events(plan, result)
    assert ("2025-05-01", "injunction_denied") in [entry[:2] for entry in log]
    assert ("2025-07-01", "compliance_switch", "sanctuary -> full") in log


def test_rules_apply_only_to_the_strategy_cities():
    """A strategy adopted by Springfield only never switches Shelbyville."""
    second = ONE_CITY[ONE_CITY.index("[[city]]"):ONE_CITY.index("[[measure]]")]
    text = (ONE_CITY + second.replace("Springfield", "Shelbyville")
            + ADAPTIVE.replace('compliance = "sanctuary"',
                               'compliance = "sanctuary"\ncities = ["Springfield"]')
            + rule(when="funds_withheld", switch_to="full", lag_months=1))
    plan, result = run(text)
    level = result.trajectories["compliance_level"][:, plan.strategies.index("adaptive"), 0]
    assert level[-1, 0] == FULL and np.all(level[:, 1] == SANCTUARY)


def test_simpy_engine_equals_reference_with_rules_firing():
    """Both engines give identical numbers and events when switches are scheduled mid-run."""
    text = (UNCERTAIN + ADAPTIVE
            + rule(when="funds_withheld", months=2, switch_to="partial", lag_months=2)
            + rule(when="measure_rescinded", switch_to="sanctuary", lag_months=1))
    (_, a), (_, b) = (run(text, 30, engine) for engine in (run_simpy, run_reference))
    assert_same_batches(a, b)
    kinds = {kind for *_, kind, _ in a.events}
    assert {"switch_decided", "compliance_switch", "compliance_recognised"} <= kinds


def test_a_rule_forbidden_by_state_law_is_rejected():
    """Switching a California city to holds names the city, strategy and provision."""
    text = (ONE_CITY.replace('state = "IL"', 'state = "CA"\nstate_law = "california"')
            + ADAPTIVE + rule(when="funds_withheld", switch_to="partial"))
    with pytest.raises(ScenarioError) as error:
        sim.load(text)
    (problem,) = error.value.problems
    assert problem.path == "strategy[0].rule[0].switch_to"
    for word in ("'adaptive'", "Springfield", "'partial'", "7284.6(a)(1)(B)", "california"):
        assert word in problem.message


def test_rules_must_name_a_defined_measure_and_a_measure_condition():
    """A misspelt measure, or a measure on a condition that takes none, is a clear error."""
    text = ONE_CITY + ADAPTIVE + rule(when="measure_in_force", measure="DOJ condition",
                                      switch_to="partial")
    with pytest.raises(ScenarioError) as error:
        sim.load(text)
    assert error.value.problems[0].path == "strategy[0].rule[0].measure"
    text = ONE_CITY + ADAPTIVE + rule(when="reserves_below_floor", measure="DOJ conditions",
                                      switch_to="partial")
    with pytest.raises(ScenarioError) as error:
        sim.load(text)
    assert "measure" in error.value.problems[0].message


def test_readme_adaptive_strategy_example_runs():
    """The README's [[strategy.rule]] example is a valid strategy that switches."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", readme, flags=re.DOTALL)
    (example,) = [b for b in blocks if "[[strategy.rule]]" in b]
    text = ONE_CITY.replace('agencies = ["DOJ"]', 'agencies = ["DOJ"]\nrescind_probability = 1\n'
                            'rescind_date = 2026-06-15') + example
    plan, result = run(text, replications=1)
    level = series(plan, result, "compliance_level", "hold out, then comply")
    assert list(level) == [SANCTUARY] * 9 + [PARTIAL] * 10 + [SANCTUARY] * 5
