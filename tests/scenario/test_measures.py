"""Measures (sim/scenario/measures.py): what a federal measure may say."""

from __future__ import annotations

from sim.scenario import COMPLIANCE_LEVELS, loads
from tests.conftest import ONE_CITY, PASS_THROUGH
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


def test_a_measure_against_states_penalises_every_compliance_level():
    """Left out, ``penalises`` is every level; a narrower list is refused in one line."""
    assert loads(PASS_THROUGH).measure[0].penalises == list(COMPLIANCE_LEVELS)
    found = problems(PASS_THROUGH.replace('states = ["IL", "MN"]\n',
                                          'states = ["IL", "MN"]\npenalises = ["sanctuary"]\n'))
    assert any(p.startswith("bad.toml: measure[0].penalises: a measure against states "
                            "penalises every compliance level") and "missing: partial, full"
               in p for p in found), found


def test_states_are_postal_codes_named_once():
    for states, message in (('["Illinois"]', "measure[0].states[0]"),
                            ('["IL", "IL"]', "measure[0].states")):
        found = problems(PASS_THROUGH.replace('states = ["IL", "MN"]', f"states = {states}"))
        assert any(message in p for p in found), found
