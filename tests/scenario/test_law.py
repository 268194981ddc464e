"""State law refuses exactly the compliance levels its statute forbids, naming the provision."""

from __future__ import annotations

import pytest

import sim
from sim.errors import ScenarioError
from sim.scenario.law import COMPLIANCE_LEVELS, LEVELS, STATE_LAWS
from tests.conftest import ONE_CITY

ALLOWED = {
    # California SB 54: notifications only for the convictions of Gov. Code 7282.5; no
    # holds (7284.6(a)(1)(B)); interviews only with consent (7283.1); no 287(g).
    ("california", "CA"): {"sanctuary", "notify_serious"},
    # Keep Washington Working: no notifications, no holds, no 287(g).
    ("washington", "WA"): {"sanctuary"},
    # Illinois TRUST Act as amended in 2021: no holds, no information or access, no 287(g).
    ("illinois", "IL"): {"sanctuary"},
    # Colorado: no holds (HB19-1124), no ICE in the jail's non-public areas (SB25-276).
    ("colorado", "CO"): {"sanctuary", "notify_serious"},
    # Lunn and Wells: no holds without a 287(g) agreement; notifications are no arrest.
    ("massachusetts", "MA"): {"sanctuary", "notify_serious", "notify", "full"},
    ("new_york", "NY"): {"sanctuary", "notify_serious", "notify", "full"},
    # New Jersey: notifications for serious offences only, no holds past the release day.
    ("new_jersey", "NJ"): {"sanctuary", "notify_serious"},
    # Oregon's Sanctuary Promise Act: no resources for immigration enforcement.
    ("oregon", "OR"): {"sanctuary"},
    # Texas SB 4: every detainer honoured.
    ("texas", "TX"): {"full"},
    ("neutral", "IL"): set(COMPLIANCE_LEVELS),
    ("sanctuary_mandated", "IL"): set(COMPLIANCE_LEVELS) - {"full"},
    ("cooperation_mandated", "IL"): {"full"},
}
"""What each state-law type allows, written out by hand from the statutes."""


def scenario_under(law: str, state: str, level: str) -> str:
    """ONE_CITY under a state law, comparing one strategy (its current policy is lawful)."""
    current = "sanctuary" if "sanctuary" in ALLOWED[law, state] else "full"
    return ONE_CITY.replace('state = "IL"', f'state = "{state}"\nstate_law = "{law}"').replace(
        "seed = 7", f'seed = 7\nstrategies = ["{level}"]').replace(
        "population = 100000", f'population = 100000\ncurrent_policy = "{current}"')


def test_every_state_law_is_listed():
    """The table above covers every state-law type the schema accepts."""
    assert {law for law, _ in ALLOWED} == set(STATE_LAWS)


@pytest.mark.parametrize(("law", "state", "level"), [
    (law, state, level) for law, state in ALLOWED for level in COMPLIANCE_LEVELS])
def test_a_state_law_refuses_each_level_its_statute_forbids(law, state, level):
    """A strategy at a level the law forbids is refused with the provision named."""
    text = scenario_under(law, state, level)
    if level in ALLOWED[law, state]:
        assert sim.load(text).strategies_to_run()[0].compliance == level
        return
    with pytest.raises(ScenarioError) as error:
        sim.load(text)
    (problem,) = error.value.problems
    assert problem.path == "scenario.strategies[0]"
    assert STATE_LAWS[law].forbids[level] in problem.message
    assert f"state_law {law!r}" in problem.message


def test_levels_are_defined_by_what_the_jurisdiction_does():
    """Holding implies notifying, and only a 287(g) agreement comes with holds for all."""
    scope = {"none": 0, "serious": 1, "all": 2}
    for name, level in LEVELS.items():
        assert scope[level.notify] >= scope[level.holds], name
        assert level.agreement == (level.holds == "all"), name


def test_every_state_and_territory_has_its_circuit():
    """28 U.S.C. 41: the 50 states, DC and the territories with district courts."""
    from sim.scenario.law import CIRCUIT_OF

    assert len(CIRCUIT_OF) == 55
    assert (CIRCUIT_OF["TX"], CIRCUIT_OF["CA"], CIRCUIT_OF["IL"], CIRCUIT_OF["DC"]) == (
        "5th", "9th", "7th", "D.C.")


def test_an_unknown_circuit_is_refused_in_one_line():
    """lawful_in names circuits as courts do; anything else is refused with its key path."""
    text = ONE_CITY + '\n[litigation.liability]\nlawful_in = ["12th"]\n'
    with pytest.raises(ScenarioError, match=r"litigation\.liability\.lawful_in\[0\]"):
        sim.load(text)
