"""Who sues: coalitions, lone suits and their keys are checked where they enter."""

from __future__ import annotations

import pytest

import sim
from sim.errors import ScenarioError
from tests.model.litigation.cases import scenario_text


@pytest.mark.parametrize("extra, path, message", [
    ('[[litigation.coalition]]\nname = "X"\nmembers = ["Nowhere"]',
     "litigation.coalition[0].members[0]", "no [[city]] has this name"),
    ('[[litigation.coalition]]\nname = "X"\nmembers = ["Springfield"]\nmeasures = ["EO 1"]',
     "litigation.coalition[0].measures[0]", "no [[measure]] has this name"),
    ('[[litigation.coalition]]\nname = "X"\nmembers = ["Springfield"]\n'
     '[[litigation.coalition]]\nname = "Y"\nmembers = ["Springfield"]',
     "litigation.coalition[1]", "already sues over 'DOJ conditions' in coalition 'X'"),
    ('[[litigation.coalition]]\nname = "X"\nmembers = ["Springfield"]\n'
     'late_members = [{ city = "Springfield", join_after_days = 3 }]',
     "litigation.coalition[0]", "listed 2 times"),
    ('[[litigation.coalition]]\nname = "X"\nmembers = []', "litigation.coalition[0]",
     "name at least one member or late member"),
])
def test_bad_coalitions_are_reported_with_their_key_path(extra, path, message):
    """Coalitions must name existing cities and measures, each city once per measure."""
    with pytest.raises(ScenarioError) as error:
        sim.load(scenario_text(extra=extra))
    lines = [str(p) for p in error.value.problems]
    assert any(f": {path}: " in line and message in line for line in lines), lines


@pytest.mark.parametrize("litigation, path", [
    ('strategies = ["defiant"]', "litigation.strategies[0]"),
    ('strategies = ["baseline"]', "litigation.strategies[0]"),
    ('sue_alone = ["Nowhere"]', "litigation.sue_alone[0]"),
    ('scope = "nationwide"', "litigation.scope"),
])
def test_bad_litigation_keys_are_reported(litigation, path):
    """Unknown strategies, cities and scopes name their key path."""
    with pytest.raises(ScenarioError) as error:
        sim.load(scenario_text(litigation=litigation))
    assert any(p.path == path for p in error.value.problems), error.value.problems


