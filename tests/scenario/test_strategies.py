"""Strategies (sim/scenario/strategies.py): which ones a state's law leaves to compare."""

from __future__ import annotations

from sim.scenario import loads
from tests.conftest import ONE_CITY


def test_forbidden_strategies_are_left_out_by_default():
    """Without a list, only strategies allowed in every city are compared."""
    text = ONE_CITY.replace('state = "IL"', 'state = "TX"\nstate_law = "cooperation_mandated"'
                            '\ncurrent_policy = "full"')
    assert [s.name for s in loads(text).strategies_to_run()] == ["full"]
