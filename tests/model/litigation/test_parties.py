"""Who sues: coalitions, lone suits and their keys are checked where they enter."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.errors import ScenarioError
from sim.model.plan import build_plan
from sim.model.reference import run_reference
from sim.model.world import World
from tests.conftest import PASS_THROUGH
from tests.model.litigation.cases import FULL, MILLION, PARTIAL, SANCTUARY, scenario_text


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
     "name at least one member, late member or state"),
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




STATE_SUIT = """
[[litigation.coalition]]
name = "Illinois v. HHS"
states = ["IL", "MN"]
filing_delay_days = {delay}
[litigation.coalition.courts.preliminary_injunction]
taken = 1.0
probability = 1.0
days = {days}
[litigation.coalition.courts.merits]
days = 5000
"""
"""A state-led suit whose preliminary injunction is certain, ``days`` after the filing,
and whose merits come after the horizon."""


def run_state_suit(text: str):
    scenario = sim.load(text)
    world = World(build_plan(scenario), scenario.scenario.seed, range(2), keep=2)
    return run_reference(world)


def test_the_states_injunction_releases_the_pass_through_money_after_the_lag():
    """HHS freezes Illinois' payments on 2025-03-10; Illinois sues that day and wins an
    injunction 30 days later (2025-04-09).  Springfield's CCDF ($1M a month, passed
    through) is withheld for March only and paid back two months after April, in June,
    under every strategy, though Springfield is no party and nobody of its own sues
    (``strategies = []``); the state pays the suit, Springfield nothing."""
    result = run_state_suit(PASS_THROUGH + STATE_SUIT.format(delay=0, days=30))
    springfield = 0
    for s in (SANCTUARY, PARTIAL, FULL):
        assert result.outcomes["federal_withheld"][s, 0, springfield] == MILLION
        restored = result.trajectories["federal_restored"][:, s, 0, springfield]
        assert restored[5] == MILLION and np.count_nonzero(restored) == 1
        assert result.outcomes["legal_cost"][s, 0, springfield] == 0
        assert result.outcomes["federal_unresolved"][s, 0, springfield] == 0


def test_a_freeze_stopped_within_days_costs_only_the_days_float():
    """A CCDF-like freeze on 2025-03-03 that a TRO stops on 2025-03-07 (filed the 6th,
    granted the next day): March's accounting finds Springfield protected, so nothing is
    withheld and the freeze costs nothing at the model's monthly grain (the days' float
    is below it); without the suit the same freeze withholds 22 months."""
    text = PASS_THROUGH.replace("effective = 2025-03-10", "effective = 2025-03-03")
    frozen = run_state_suit(text)
    stopped = run_state_suit(text + STATE_SUIT.format(delay=3, days=1))
    assert frozen.outcomes["federal_withheld"][SANCTUARY, 0, 0] == 22 * MILLION
    for s in (SANCTUARY, PARTIAL, FULL):
        assert stopped.outcomes["federal_withheld"][s, 0, 0] == 0
        assert stopped.outcomes["federal_received"][s, 0, 0] == pytest.approx(
            stopped.outcomes["federal_received"][0, 0, 0])
    # Sanctuary has no cost of its own: the freeze is its whole net fiscal impact.
    assert stopped.outcomes["net_fiscal_impact"][SANCTUARY, 0, 0] == 0


@pytest.mark.parametrize("extra, path, message", [
    ('[[litigation.coalition]]\nname = "X"\nstates = ["IL"]\nmembers = ["Springfield"]',
     "litigation.coalition[0]", "a state-led suit (states) names no members"),
    ('[[litigation.coalition]]\nname = "X"\nstates = ["IL"]\nmeasures = ["HHS freeze"]\n'
     '[[litigation.coalition]]\nname = "Y"\nmembers = ["Springfield"]',
     "litigation.coalition[1]", "already sues over 'HHS freeze' in coalition 'X'"),
])
def test_bad_state_led_suits_are_reported(extra, path, message):
    """A state-led suit names no cities, and its states' cities sue in it alone."""
    with pytest.raises(ScenarioError) as error:
        sim.load(PASS_THROUGH + extra)
    lines = [str(p) for p in error.value.problems]
    assert any(f": {path}: " in line and message in line for line in lines), lines


def test_a_state_led_suit_challenges_only_measures_against_states():
    text = PASS_THROUGH + ('[[measure]]\nname = "DOJ"\nkind = "grant_condition"\n'
                           'effective = 2025-03-10\nagencies = ["DOJ"]\n'
                           '[[litigation.coalition]]\nname = "X"\nstates = ["IL"]\n'
                           'measures = ["DOJ"]\n')
    with pytest.raises(ScenarioError) as error:
        sim.load(text)
    assert any(p.path == "litigation.coalition[0].measures[0]"
               and "only measures against states" in str(p) for p in error.value.problems)


TERMINATED = """
[[measure]]
name = "JAG terminated"
kind = "termination"
effective = 2025-03-01
agencies = ["DOJ"]
penalises = ["sanctuary", "notify_serious", "notify", "partial", "full"]
release_lag_months = 1
[[litigation.coalition]]
name = "Springfield v. DOJ (termination)"
members = ["Springfield"]
measures = ["JAG terminated"]
[litigation.termination]
merits = { probability = 1, days = 700 }
appeal = { taken = 0, taken_after_loss = 0 }
"""
"""A termination of Springfield's JAG ($1M a month) on 2025-03-01, every compliance level
penalised, and a coalition suing over it alone; the claims court pays on 2027-01-30."""


def test_a_suit_over_a_termination_is_brought_under_full_compliance_too():
    """Complying does not cure a termination, so the claim for the money is brought under
    `full` as under `sanctuary`: both get March 2025 - December 2026 ($22M) back as damages
    in month 24 (before, `full` did not sue and the $22M stayed withheld to the end)."""
    measure, courts = TERMINATED.split("[litigation.termination]")
    text = scenario_text(appeal="{ taken = 0 }").replace("\n[litigation]\n",
                                                         measure + "\n[litigation]\n")
    scenario = sim.load(text + "[litigation.termination]" + courts)
    world = World(build_plan(scenario), scenario.scenario.seed, range(1), keep=1)
    result = run_reference(world)
    for s in (SANCTUARY, FULL):
        restored = result.trajectories["federal_restored"][:, s, 0, 0]
        assert np.flatnonzero(restored).tolist() == [24], s
        assert restored[24] == pytest.approx(22 * MILLION)
        assert result.outcomes["federal_unresolved"][s, 0, 0] == 0
