"""Suits by hand: filings, rulings, injunctions, coalitions, late members, withdrawals."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import sim
from sim.model.litigation import state, suits
from sim.model.litigation.courts import RULINGS
from sim.model.litigation.state import DAYS_PER_MONTH
from sim.model.plan import LEVEL, build_plan
from sim.model.reference import run_reference
from sim.model.world import World, run_simpy
from tests.model.litigation.cases import (
    CITY,
    COURT_KINDS,
    FULL,
    MILLION,
    PARTIAL,
    SANCTUARY,
    SCENARIOS,
    SHELBYVILLE,
    SPRINGFIELD,
    UNCERTAIN,
    outcome,
    run,
    scenario_text,
    series,
    timeline,
)
from tests.model.test_world import assert_same_batches


def test_injunction_releases_withheld_funds_and_a_reversal_makes_them_lost():
    """PI on May 1 releases March-April; reversal on appeal withholds again; cert loss forfeits."""
    world, result = run(scenario_text())
    withheld = series(result, "federal_withheld")
    assert np.flatnonzero(withheld).tolist() == [2, 3, *range(10, 36)]
    assert series(result, "federal_restored")[5] == pytest.approx(2 * MILLION)
    assert outcome(result, "federal_restored") == pytest.approx(2 * MILLION)
    # November to February (4 months) in the pool at the final loss, then 22 months lost.
    assert series(result, "federal_lost")[14] == pytest.approx(5 * MILLION)
    assert outcome(result, "federal_lost") == pytest.approx(26 * MILLION)
    assert outcome(result, "federal_unresolved") == pytest.approx(0.0, abs=1e-6)
    # Twelve months of litigation (March 2025 - February 2026) plus four stage fees.
    assert outcome(result, "legal_cost") == pytest.approx(12 * 10_000 + 10_000)
    assert outcome(result, "months_enjoined") == 6
    assert outcome(result, "months_to_injunction") == pytest.approx(61 / DAYS_PER_MONTH)
    assert outcome(result, "final_loss") == 1 and outcome(result, "injunction_obtained") == 1
    assert timeline(world, result, kinds=COURT_KINDS) == [
        ("2025-03-01", "suit_filed", "Springfield"),
        ("2025-05-01", "injunction_granted", "Springfield"),
        ("2025-08-01", "merits_won", "Springfield"),
        ("2025-11-01", "appeal_lost", "Springfield"),
        ("2026-03-01", "certiorari_lost", "Springfield"),
        ("2026-03-01", "judgment_final", "Springfield"),
        ("2026-03-01", "funds_forfeited", "Springfield"),
    ]
    forfeited = [d for *_, k, d in result.events if k == "funds_forfeited"]
    assert forfeited == ["DOJ conditions; Springfield; $4,000,000"]


def test_final_win_restores_everything_withheld():
    """Won at merits with no appeal: two months withheld, both paid back, nothing lost."""
    world, result = run(scenario_text(appeal="{ taken = 0 }"))
    assert outcome(result, "federal_withheld") == pytest.approx(2 * MILLION)
    assert outcome(result, "federal_restored") == pytest.approx(2 * MILLION)
    assert outcome(result, "federal_lost") == 0
    assert outcome(result, "months_enjoined") == 32
    # Open at the end of March to July; PI and merits fees.
    assert outcome(result, "legal_cost") == pytest.approx(5 * 10_000 + 1000 + 2000)
    assert ("2025-08-01", "judgment_final", "Springfield") in timeline(world, result)
    assert not world.legal.lost_injunction.any()


def test_lost_case_keeps_funds_withheld_and_signals_the_loss():
    """PI denied, merits lost, no appeal: March-July forfeited in August; never enjoined."""
    world, result = run(scenario_text(pi="{ taken = 1, probability = 0, days = 61 }",
                                      merits="{ probability = 0, days = 92 }",
                                      appeal="{ taken = 0 }"))
    assert outcome(result, "federal_withheld") == pytest.approx(34 * MILLION)
    assert outcome(result, "federal_lost") == pytest.approx(34 * MILLION)
    assert outcome(result, "federal_restored") == 0
    assert world.legal.lost_injunction[SANCTUARY, 0, SPRINGFIELD]
    assert not world.legal.lost_injunction[PARTIAL].any()
    assert outcome(result, "injunction_obtained") == 0
    # Never enjoined: measured to the end of the horizon (2028-01-01) from 2025-03-01.
    horizon = (dt.date(2028, 1, 1) - dt.date(2025, 3, 1)).days
    assert outcome(result, "months_to_injunction") == pytest.approx(
        horizon / DAYS_PER_MONTH)
    assert outcome(result, "months_to_injunction", strategy=FULL) == 0
    kinds = [k for _, k, _ in timeline(world, result, kinds=COURT_KINDS)]
    assert kinds == ["suit_filed", "injunction_denied", "merits_lost", "judgment_final",
                     "funds_forfeited"]


def test_strategies_that_are_not_penalised_or_do_not_sue_never_go_to_court():
    """Partial and full are not penalised; the baseline has no measures."""
    world, result = run(scenario_text())
    for s in (0, PARTIAL, FULL):
        assert outcome(result, "legal_cost", strategy=s) == 0
        assert not timeline(world, result, strategy=s, kinds=COURT_KINDS)


@pytest.mark.parametrize("scope, shelbyville_withheld", [("parties", 34), ("universal", 2)])
def test_coalition_win_protects_only_its_members_under_parties_scope(scope,
                                                                     shelbyville_withheld):
    """Shelbyville does not sue: only a universal injunction stops its withholding."""
    text = scenario_text(cities=2, appeal="{ taken = 0 }",
                         litigation=f'filing_delay_days = 0\nsue_alone = []\nscope = "{scope}"',
                         extra='[[litigation.coalition]]\nname = "Springfield et al."\n'
                               'members = ["Springfield"]')
    world, result = run(text)
    assert outcome(result, "federal_withheld") == pytest.approx(2 * MILLION)
    assert outcome(result, "federal_withheld", city=SHELBYVILLE) == pytest.approx(
        shelbyville_withheld * MILLION)
    assert outcome(result, "legal_cost", city=SHELBYVILLE) == 0
    rulings = timeline(world, result, kinds={"injunction_granted"})
    assert rulings == [("2025-05-01", "injunction_granted", "")]



def test_late_member_pays_from_joining_and_is_covered_after_the_extension():
    """Shelbyville joins on June 1; the injunction reaches it on August 1."""
    text = scenario_text(cities=2, merits="{ probability = 1, days = 184 }",
                         appeal="{ taken = 0 }",
                         extra='[[litigation.coalition]]\nname = "Springfield et al."\n'
                               'members = ["Springfield"]\nextension_days = 61\n'
                               'late_members = [{ city = "Shelbyville", join_after_days = 92 }]')
    world, result = run(text)
    assert outcome(result, "federal_withheld", city=SHELBYVILLE) == pytest.approx(5 * MILLION)
    assert series(result, "federal_restored", city=SHELBYVILLE)[8] == pytest.approx(5 * MILLION)
    assert outcome(result, "federal_withheld") == pytest.approx(2 * MILLION)
    # Springfield alone March-May (+ PI fee), halves June-October, halves the merits fee.
    assert outcome(result, "legal_cost") == pytest.approx(31_000 + 25_000 + 1000)
    assert outcome(result, "legal_cost", city=SHELBYVILLE) == pytest.approx(25_000 + 1000)
    assert timeline(world, result, kinds={"suit_filed", "suit_joined",
                                          "injunction_extended"}) == [
        ("2025-03-01", "suit_filed", "Springfield"),
        ("2025-06-01", "suit_joined", "Shelbyville"),
        ("2025-08-01", "injunction_extended", "Shelbyville"),
    ]


def test_rescission_ends_the_suit_and_its_costs():
    """Rescinded on July 15 before any ruling on the merits: costs stop, funds return."""
    text = scenario_text(pi="{ taken = 1, probability = 0, days = 61 }",
                         merits="{ probability = 1, days = 400 }",
                         measure="rescind_probability = 1\nrescind_date = 2025-07-15")
    world, result = run(text)
    assert outcome(result, "legal_cost") == pytest.approx(4 * 10_000 + 1000)
    assert outcome(result, "federal_lost") == 0
    assert outcome(result, "federal_restored") == pytest.approx(4 * MILLION)  # March-June
    assert timeline(world, result, kinds=COURT_KINDS)[-1] == (
        "2025-07-15", "suit_ended", "Springfield")


def test_suing_before_the_measure_can_win_an_injunction_before_any_withholding():
    """Filed 80 days early (2024-12-11, before the start): enjoined on 2025-02-10."""
    world, result = run(scenario_text(litigation="filing_delay_days = -80",
                                      appeal="{ taken = 0 }"))
    assert outcome(result, "federal_withheld") == 0
    assert outcome(result, "months_to_injunction") == 0
    assert timeline(world, result, kinds={"suit_filed", "injunction_granted"}) == [
        ("2024-12-11", "suit_filed", "Springfield"),
        ("2025-02-10", "injunction_granted", "Springfield"),
    ]
    # Open at the ticks of January to April (merits on 2025-05-13), and both fees.
    assert outcome(result, "legal_cost") == pytest.approx(4 * 10_000 + 3000)


def test_complying_plaintiff_withdraws_and_stops_paying():
    """Shelbyville is recognised as fully compliant from July: it leaves the suit."""
    text = scenario_text(cities=2, pi="{ taken = 1, probability = 0, days = 61 }",
                         merits="{ probability = 1, days = 600 }",
                         extra='[[litigation.coalition]]\nname = "Pair"\n'
                               'members = ["Springfield", "Shelbyville"]')

    def comply(world, m):
        if m == 6:
            for r in range(len(world.replications)):
                world.federal.recognise(SANCTUARY, r, SHELBYVILLE, LEVEL["full"])

    world, result = run(text, before_month=comply)
    shelbyville = series(result, "legal_cost", city=SHELBYVILLE)
    assert np.flatnonzero(shelbyville).tolist() == [2, 3, 4, 5, 6]
    assert series(result, "legal_cost")[7:12] == pytest.approx([10_000] * 5)
    assert ("2025-07-31", "suit_withdrawn", "Shelbyville") in timeline(world, result)
    assert not world.legal.party[SANCTUARY, 0, SHELBYVILLE].any()


@pytest.mark.parametrize("suing", [["sanctuary", "partial"], ["partial"]])
def test_city_penalised_only_later_files_its_own_instance_with_the_same_rulings(suing):
    """Under partial nobody is penalised until a switch in June; it files on July 1."""
    text = scenario_text(litigation=f"filing_delay_days = 0\nstrategies = {suing}",
                         appeal="{ taken = 0 }")

    def switch(world, m):
        if m == 5:
            for r in range(len(world.replications)):
                world.federal.recognise(PARTIAL, r, SPRINGFIELD, LEVEL["sanctuary"])

    world, result = run(text, before_month=switch)
    kinds = {"suit_filed", "injunction_granted", "merits_won"}
    assert timeline(world, result, strategy=PARTIAL, kinds=kinds) == [
        ("2025-07-01", "suit_filed", "Springfield"),
        ("2025-08-31", "injunction_granted", "Springfield"),
        ("2025-12-01", "merits_won", "Springfield"),
    ]
    sanctuary = [k for _, k, _ in timeline(world, result, kinds=kinds)]
    assert sanctuary == (["suit_filed", "injunction_granted", "merits_won"]
                         if "sanctuary" in suing else [])
    assert world.legal.filed == len(suing)




def test_simpy_engine_equals_numpy_reference_with_litigation():
    """Both engines give identical outcomes, trajectories and event logs."""
    plan = build_plan(sim.load(UNCERTAIN))
    a = run_simpy(World(plan, 5, range(40), keep=5))
    b = run_reference(World(plan, 5, range(40), keep=5))
    assert_same_batches(a, b)
    kinds = {kind for *_, kind, _ in a.events}
    assert {"suit_joined", "injunction_granted", "judgment_final"} <= kinds


def test_every_suing_strategy_sees_the_same_rulings():
    """Two strategies suing the same day share each ruling (common random numbers)."""
    text = UNCERTAIN.replace("[litigation]\n", '[litigation]\nstrategies = ["sanctuary", '
                             '"defiant"]\n') + (
        '\n[[strategy]]\nname = "defiant"\ncompliance = "sanctuary"\n')
    plan = build_plan(sim.load(text), ["sanctuary", "defiant"])
    result = run_reference(World(plan, 5, range(40), keep=0))
    rulings = set(RULINGS.values())

    def of(strategy: int) -> list[tuple]:
        return [row[1:] for row in result.events if row[0] == strategy and row[4] in rulings]

    assert of(1) and of(1) == of(2)
    assert np.array_equal(result.outcomes["legal_cost"][1], result.outcomes["legal_cost"][2])


def test_a_new_city_leaves_other_suits_rulings_unchanged():
    """Court draws are keyed by measure and litigant names, not by position."""
    small = build_plan(sim.load(UNCERTAIN))
    bigger_text = UNCERTAIN.replace("[[measure]]", CITY.format(
        name="Capital City", population=1) + "\n[[measure]]")
    big = build_plan(sim.load(bigger_text))
    a = run_reference(World(small, 5, range(20), keep=0))
    b = run_reference(World(big, 5, range(20), keep=0))

    def springfield_pair(result, plan) -> list[tuple]:
        rulings = set(RULINGS.values())
        return [(r, day, kind, detail) for s, r, day, c, kind, detail in result.events
                if s == SANCTUARY and kind in rulings and "Capital" not in detail]

    assert springfield_pair(a, small) == springfield_pair(b, big)




def test_small_suits_protect_by_scalars_exactly_as_by_arrays(monkeypatch):
    """Filings, plaintiffs, protection and forfeits of small suits (plain scalars) equal the numpy
    path of big suits."""
    plan = build_plan(sim.load(UNCERTAIN))
    scalars = run_reference(World(plan, 5, range(40), keep=5))
    monkeypatch.setattr(state, "SCALAR_UP_TO", 0)
    monkeypatch.setattr(suits, "SCALAR_UP_TO", 0)
    arrays = run_reference(World(plan, 5, range(40), keep=5))
    assert_same_batches(scalars, arrays)
    kinds = {kind for *_, kind, _ in scalars.events}
    assert {"injunction_granted", "funds_forfeited"} <= kinds



def test_shipped_coalition_scenario_reproduces_the_2025_timeline():
    """San Francisco v. Trump: filed 2025-02-07, PI 2025-04-24, extended 2025-08-22."""
    scenario = sim.load(SCENARIOS / "coalition-2025.toml")
    result = sim.run(scenario, replications=3, workers=1, strategies=["sanctuary"])
    events = result.events[result.events["replication"] == 0]
    rows = {(str(row.date.date()), row.kind, row.city) for row in events.itertuples()}
    assert {("2025-02-07", "suit_filed", "San Francisco"),
            ("2025-02-07", "suit_filed", "Seattle"),
            ("2025-04-24", "injunction_granted", ""),
            ("2025-07-09", "suit_joined", "Denver"),
            ("2025-08-22", "injunction_extended", "Denver")} <= rows

