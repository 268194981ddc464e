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
from sim.scenario.litigation import Litigation
from tests.model.litigation.cases import UNCERTAIN, run, scenario_text, timeline


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
        u = world.streams[r].generator("courts", name).random(courts.COURSE_DRAWS).tolist()
        profile = inputs.courts.profile[m, g]
        kind = courts.MEASURE_KINDS[profile % len(courts.MEASURE_KINDS)]
        circuit = courts.court_of(kind, inputs.courts.circuit[g])
        u[4:8] = [world.streams[r].generator("courts", name).random()
                  for name in (f"{kind}|{circuit} Circuit|preliminary_injunction",
                               f"{kind}|{circuit} Circuit|merits",
                               f"{kind}|{circuit} Circuit|appeal", f"{kind}|Supreme Court")]
        # The other circuits' rulings on the question, from their own shared appeal draws.
        others = [c for c in courts.QUESTION_CIRCUITS if c != circuit]
        others = others[:int(inputs.courts.other_circuits[r, profile])]
        ruled = [world.streams[r].generator("courts", f"{kind}|{c} Circuit|appeal").random()
                 < inputs.courts.win[r, profile, 2] for c in others]
        assert course == course_by_hand(inputs.courts, r, profile, u, ruled)


def course_by_hand(c: courts.CourtInputs, r: int, p: int, u: list[float],
                   others: list[bool]) -> courts.SuitCourse:
    """A suit's course from its uniforms, one stage after the other, as the docs tell it;
    ``others``: whether each other circuit ruled for the jurisdictions."""
    PI, MERITS, APPEAL, CERT = range(4)
    days = [triangular_by_hand(x, *c.days[p, k].tolist()) for k, x in enumerate(u[8:12])]
    stages, won = [], [False] * 4
    won[PI] = u[4 + PI] < c.win[r, p, PI]  # read only if the motion is made
    if u[PI] < c.taken[r, p, PI]:
        stages.append(PI)
    previous = won[PI] if stages else True
    stages.append(MERITS)
    won[MERITS] = u[4 + MERITS] < (c.win if previous else c.win_after_loss)[r, p, MERITS]
    for stage in (APPEAL, CERT):
        previous = won[stage - 1]
        taken = (c.taken if previous else c.taken_after_loss)[r, p, stage]
        if stage == CERT and any(ruled != won[APPEAL] for ruled in others):
            taken = c.taken_after_split[r, p]  # a circuit split
        won[stage] = u[4 + stage] < (c.win if previous else c.win_after_loss)[r, p, stage]
        if stages[-1] == stage - 1 and u[stage] < taken:
            stages.append(stage)
    stay, stayed = [-1.0] * 4, [0] * 4
    for k, stage in enumerate((PI, MERITS, APPEAL)):
        sought, circuit, supreme, when, then = (u[12 + 3 * i + k] for i in range(5))
        if stage not in stages or stage == stages[-1] or not won[stage]:
            continue
        if sought >= c.stay_sought[r, p]:
            continue
        ordered = triangular_by_hand(when, *c.stay_days[p].tolist())
        by = 1 if circuit < c.stay_granted[r, p] else 0
        if not by and supreme < c.stay_supreme_court[r, p]:
            by = 2
            ordered += triangular_by_hand(then, *c.supreme_court_days[p].tolist())
        if by and ordered < days[stages[stages.index(stage) + 1]]:  # refused: no event
            stay[stage], stayed[stage] = ordered, by
    # A fifth column for an interlocutory appeal, which only a suit's history brings.
    return courts.SuitCourse(tuple(stages), (*won, False), (*days, 0.0), (*stay, -1.0),
                             (*stayed, 0), won[MERITS] and u[27] < c.vacatur[r, p],
                             bool(c.damages[p]))


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




@pytest.mark.parametrize("other_circuits, reviewed", [(1, True), (0, False)])
def test_certiorari_follows_a_circuit_split(other_circuits, reviewed):
    """Springfield (7th Circuit) loses its merits ruling and its appeal; the 9th Circuit,
    reviewing a ruling for the jurisdictions, rules for them (the appeal's chance after a
    won ruling is 1).  The Court takes only a split (taken 0 without one, 1 with one): with
    the 9th counted there is one and the case goes to certiorari; with no other circuit, not."""
    text = scenario_text(
        merits="{ probability = 0, days = 92 }",
        appeal="{ taken = 1, probability = 1, probability_after_loss = 0, days = 92 }",
        certiorari=f"{{ taken = 0, taken_after_split = 1, other_circuits = {other_circuits}, "
                   "probability = 1, days = 120 }")
    world, result = run(text)
    kinds = [k for _, k, _ in timeline(world, result)]
    assert "appeal_lost" in kinds
    assert ("certiorari_won" in kinds) is reviewed


def test_certiorari_is_far_more_likely_after_a_split_by_default():
    """Built-in defaults for grant conditions: the chance after a split exceeds every chance
    without one (Sup. Ct. R. 10(a)); terminations never split (the Federal Circuit alone)."""
    litigation = Litigation()
    _, split = litigation.court_value("grant_condition", "certiorari", "taken_after_split")
    for key in ("taken", "taken_after_loss"):
        _, alone = litigation.court_value("grant_condition", "certiorari", key)
        assert split.low > alone.high
    assert litigation.court_value("termination", "certiorari", "other_circuits")[1] == 0


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


