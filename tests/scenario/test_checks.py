"""Checks across tables (sim/scenario/checks.py): names, references, state law."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.scenario import validate
from tests.conftest import ONE_CITY, scenario_text
from tests.scenario.conftest import problems


def test_duplicate_names_and_unknown_strategies_are_reported():
    """Names must be unique; listed strategies must exist."""
    text = scenario_text(ONE_CITY.replace('replications = 8', 'replications = 8\n'
                                          'strategies = ["sanctuary", "defiant"]'))
    text += ONE_CITY[ONE_CITY.index("[[city]]"):ONE_CITY.index("[[city.grant]]")]
    found = problems(text)
    assert any("name 'Springfield' used 2 times" in f for f in found), found
    assert any("scenario.strategies[1]: no such strategy" in f for f in found), found


def test_strategy_forbidden_by_state_law_names_city_and_law():
    """Asking for full cooperation in a sanctuary-mandated state is an error."""
    text = ONE_CITY.replace('state = "IL"', 'state = "CA"\nstate_law = "sanctuary_mandated"')
    text = text.replace("replications = 8", 'replications = 8\nstrategies = ["full"]')
    (line,) = problems(text)
    assert "'full'" in line and "Springfield" in line and "sanctuary_mandated" in line


@pytest.mark.parametrize("measures, message", [
    (0.5, "litigation.coalition[0].measures: must be a list"),
    ([{"a": 1}], "litigation.coalition[0].measures[0]: must be text"),
], ids=["number", "table-in-list"])
def test_retyped_coalition_measures_are_problems_not_crashes(measures, message):
    """A coalition's measures retyped (found by the mutation property test) is a clean problem."""
    data = tomllib.loads((Path(__file__).parents[2] / "scenarios" / "coalition-2025.toml")
                         .read_text())
    data["litigation"]["coalition"][0]["measures"] = measures
    with pytest.raises(ScenarioError, match=re.escape(f"c.toml: {message}")):
        validate(data, "c.toml")
