"""The static plan (sim/model/plan.py): which grants each measure reaches."""

from __future__ import annotations

import sim
from sim.model.plan import build_plan
from tests.conftest import PASS_THROUGH


def reached(text: str) -> dict[str, list[str]]:
    """{city: programs its grants the first measure reaches}."""
    plan = build_plan(sim.load(text))
    return {city: [p for g, p in enumerate(plan.programs) if plan.targeted[0, c, g]]
            for c, city in enumerate(plan.cities)}


def test_a_measure_against_states_reaches_only_their_pass_through_grants():
    """Springfield's CCDF passed through Illinois only: not its direct HHS award, not
    Ogdenville's direct CCDF, not Shelbyville's money passed through Wisconsin."""
    assert reached(PASS_THROUGH) == {"Springfield": ["CCDF"], "Ogdenville": [],
                                     "Shelbyville": []}


def test_a_measure_against_cities_reaches_pass_through_grants_too():
    """Without ``states`` the same HHS measure reaches every city's HHS grants, passed
    through or direct: the federal award's terms flow down to subawards (2 CFR 200.332)."""
    text = PASS_THROUGH.replace('states = ["IL", "MN"]\n', "")
    assert reached(text) == {"Springfield": ["CCDF", "Public health"],
                             "Ogdenville": ["CCDF"], "Shelbyville": ["CCDF"]}
