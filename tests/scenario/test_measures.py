"""Measures (sim/scenario/measures.py): what a federal measure may say."""

from __future__ import annotations

from sim.scenario import loads
from tests.conftest import ONE_CITY
from tests.scenario.conftest import problems


def with_history(chance: str = "") -> str:
    """ONE_CITY whose measure had withheld $5M before the start."""
    return ONE_CITY.replace('agencies = ["DOJ"]\n', 'agencies = ["DOJ"]\n' + chance
                            + '[measure.history]\nwithheld = { "Springfield" = 5e6 }\n')


def test_a_measure_with_history_has_happened():
    """History is given: the measure is certain, and a chance below 1 is refused."""
    assert loads(with_history()).measure[0].history.withheld == {"Springfield": 5e6}
    found = problems(with_history("probability = 0.5\n"))
    assert any("history" in p and "probability must be 1, not 0.5" in p for p in found), found
    uncertain = problems(with_history('probability = { dist = "uniform", low = 0.5, '
                                      'high = 1 }\n'))
    assert any("must be 1" in p for p in uncertain), uncertain
