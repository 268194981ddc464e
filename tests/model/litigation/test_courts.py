"""Courts: each suit's course from its own stream, stage durations, default odds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.errors import ScenarioError
from sim.model.litigation import courts
from sim.model.litigation.parties import suing_groups
from sim.model.plan import build_plan
from sim.model.world import World
from tests.model.litigation.cases import UNCERTAIN, scenario_text


def test_court_draws_of_a_batch_are_each_suits_own_stream():
    """Court courses drawn for a whole batch follow each suit's courts stream, drawn alone."""
    plan = build_plan(sim.load(UNCERTAIN))
    world = World(plan, 5, range(7, 37), keep=0)
    inputs = world.legal_inputs
    suing = suing_groups(inputs, plan)
    draws = courts.draw_courses(inputs.courts, plan.measures, inputs.groups,
                                np.nonzero(world.federal_inputs.occurs[:, :, None] & suing.T[None]),
                                world.streams)
    assert len(draws) > 30
    for (r, m, g), course in draws.items():
        name = f"{plan.measures[m]}|{inputs.groups[g]}"
        u = world.streams[r].generator("courts", name).random(12).tolist()
        profile = inputs.courts.profile[m, g]
        taken = [x < p for x, p in zip(u[:4], inputs.courts.taken[r, profile].tolist(),
                                        strict=True)]
        won = [x < p for x, p in zip(u[4:8], inputs.courts.win[r, profile].tolist(),
                                      strict=True)]
        assert course.won == tuple(won)
        expected = [courts.PI] if taken[courts.PI] else []
        expected.append(courts.MERITS)
        if taken[courts.APPEAL]:
            expected.append(courts.APPEAL)
            if taken[courts.CERTIORARI]:
                expected.append(courts.CERTIORARI)
        assert course.stages == tuple(expected)
        stages = inputs.courts.days[profile].tolist()
        assert course.days == tuple(triangular_by_hand(x, *stage)
                                    for x, stage in zip(u[8:], stages, strict=True))


def triangular_by_hand(u: float, low: float, mode: float, high: float) -> float:
    """Whole days of the triangular inverse CDF, one number at a time."""
    if high <= low:
        return float(round(low))
    if u * (high - low) < mode - low:
        return float(round(low + np.sqrt(u * (high - low) * (mode - low))))
    return float(round(high - np.sqrt((1 - u) * (high - low) * (high - mode))))


@settings(max_examples=200, deadline=None)
@given(u=st.floats(0, 1, exclude_max=True), low=st.integers(0, 400), rise=st.integers(0, 400),
       fall=st.integers(0, 400))
def test_triangular_days_stay_in_range_and_match_the_inverse_cdf(u, low, rise, fall):
    """Vectorised triangular days equal the inverse CDF rounded, within [low, high]."""
    mode, high = low + rise, low + rise + fall
    days = courts.triangular_days(np.array([u]), np.array([low]), np.array([mode]),
                                 np.array([high]))
    assert days.tolist() == [triangular_by_hand(u, low, mode, high)]
    assert low <= days[0] <= high




def test_statutes_are_far_less_likely_enjoined_than_executive_orders():
    """Built-in defaults: an Act of Congress loses its challenge far more often."""
    litigation = sim.load(scenario_text()).litigation
    for stage in ("preliminary_injunction", "merits", "appeal"):
        _, statute = litigation.court_value("legislation", stage, "probability")
        _, order = litigation.court_value("executive_order", stage, "probability")
        assert statute < order / 2




def test_stage_days_must_be_ordered():
    """A duration range with low above high is rejected."""
    with pytest.raises(ScenarioError) as error:
        sim.load(scenario_text(merits="{ probability = 1, days = { low = 9, mode = 5, "
                                      "high = 20 } }"))
    (problem,) = error.value.problems
    assert problem.path == "litigation.grant_condition.merits.days"
    assert "low <= mode <= high" in problem.message


