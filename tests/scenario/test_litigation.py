"""Litigation (sim/scenario/litigation.py): what a coalition may say."""

from __future__ import annotations

from sim.scenario import loads
from tests.conftest import PASS_THROUGH
from tests.scenario.conftest import problems

STATE_SUIT = '[[litigation.coalition]]\nname = "Illinois v. HHS"\nstates = ["IL", "MN"]\n'


def test_a_state_led_suit_names_states_and_no_cities():
    """States alone make a suit; cities or costs beside them are refused in one line."""
    (suit,) = loads(PASS_THROUGH + STATE_SUIT).litigation.coalition
    assert suit.states == ["IL", "MN"] and not suit.members
    found = problems(PASS_THROUGH + STATE_SUIT + "[litigation.coalition.costs]\n"
                     "in_house_per_month = 1\n")
    assert any(p.startswith("bad.toml: litigation.coalition[0]: a state-led suit (states) "
                            "names no costs") for p in found), found


def test_a_coalition_needs_someone_to_sue():
    found = problems(PASS_THROUGH + '[[litigation.coalition]]\nname = "X"\n')
    assert any("name at least one member, late member or state" in p for p in found), found
