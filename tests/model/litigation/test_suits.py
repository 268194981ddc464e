"""Suits by hand: filings, rulings, injunctions, coalitions, late members, withdrawals."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import sim
from sim.model.litigation import suits
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
    as_statute,
    outcome,
    run,
    scenario_text,
    series,
    timeline,
)
from tests.model.test_world import assert_same_batches

LATE_SHELBYVILLE = ('[[litigation.coalition]]\nname = "Springfield et al."\n'
                    'members = ["Springfield"]\nextension_days = 61\n'
                    'late_members = [{ city = "Shelbyville", join_after_days = 92 }]')
"""Springfield's coalition; Shelbyville joins it 92 days after the filing and the court
extends the injunction to it 61 days after that."""


def test_injunction_releases_withheld_funds_and_a_final_loss_keeps_them_withheld():
    """PI on May 1 releases March-April; reversal on appeal withholds again; the certiorari
    loss of 2026-03-01 is final, but a condition upheld forfeits nothing: November 2025 to
    the horizon (26 months) is still withheld at the end, unresolved, none of it lost."""
    world, result = run(scenario_text())
    withheld = series(result, "federal_withheld")
    assert np.flatnonzero(withheld).tolist() == [2, 3, *range(10, 36)]
    assert series(result, "federal_restored")[5] == pytest.approx(2 * MILLION)
    assert outcome(result, "federal_restored") == pytest.approx(2 * MILLION)
    assert outcome(result, "federal_lost") == 0
    assert outcome(result, "federal_unresolved") == pytest.approx(26 * MILLION)
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
    ]


def test_a_condition_upheld_for_good_is_paid_when_it_is_rescinded():
    """Merits lost on 2025-08-01, final (no appeal): March 2025 - June 2026 stays withheld
    ($16M), nothing lost; the condition is rescinded on 2026-07-01 and the $16M is paid a
    month later (release lag), as DOJ paid the FY2017-2020 Byrne JAG money in 2021."""
    world, result = run(scenario_text(pi="{ taken = 1, probability = 0, days = 61 }",
                                      merits="{ probability = 0, days = 92 }",
                                      appeal="{ taken = 0 }",
                                      measure="rescind_probability = 1\n"
                                              "rescind_date = 2026-07-01"))
    assert np.flatnonzero(series(result, "federal_withheld")).tolist() == list(range(2, 18))
    assert np.flatnonzero(series(result, "federal_restored")).tolist() == [19]
    assert outcome(result, "federal_restored") == pytest.approx(16 * MILLION)
    assert outcome(result, "federal_lost") == 0
    assert outcome(result, "federal_unresolved") == 0
    assert outcome(result, "final_loss") == 1
    assert timeline(world, result, kinds=COURT_KINDS | {"funds_released"})[-2:] == [
        ("2025-08-01", "judgment_final", "Springfield"),
        ("2026-08-31", "funds_released", "Springfield"),
    ]


def test_a_statute_upheld_makes_the_withheld_money_lost():
    """The same course against a statute: the final loss of 2025-08-01 forfeits what waits in
    the pool (booked in August with August's own) and every later month: the law makes the
    city ineligible."""
    text = scenario_text(pi="{ taken = 1, probability = 0, days = 61 }",
                         merits="{ probability = 0, days = 92 }", appeal="{ taken = 0 }")
    world, result = run(as_statute(text))
    assert outcome(result, "federal_withheld") == pytest.approx(34 * MILLION)
    assert series(result, "federal_lost")[7] == pytest.approx(6 * MILLION)  # March-August
    assert outcome(result, "federal_lost") == pytest.approx(34 * MILLION)
    assert outcome(result, "federal_unresolved") == 0
    assert outcome(result, "final_loss") == 1
    assert "funds_forfeited" in [k for _, k, _ in timeline(world, result)]


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
    """PI denied, merits lost, no appeal: withheld from March to the horizon, still withheld
    at its end (never rescinded), nothing forfeited; never enjoined."""
    world, result = run(scenario_text(pi="{ taken = 1, probability = 0, days = 61 }",
                                      merits="{ probability = 0, days = 92 }",
                                      appeal="{ taken = 0 }"))
    assert outcome(result, "federal_withheld") == pytest.approx(34 * MILLION)
    assert outcome(result, "federal_lost") == 0
    assert outcome(result, "federal_unresolved") == pytest.approx(34 * MILLION)
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
    assert kinds == ["suit_filed", "injunction_denied", "merits_lost", "judgment_final"]


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
                         extra=LATE_SHELBYVILLE)
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




def test_protecting_a_suits_eligible_pairs_equals_recomputing_its_cities(monkeypatch):
    """A ruling updates protection pair by pair (the suit's eligible strategies and cities) exactly
    as protect's recomputation of every strategy and city of the suit (against a statute, whose
    final losses forfeit)."""
    plan = build_plan(sim.load(as_statute(UNCERTAIN)))
    scalars = run_reference(World(plan, 5, range(40), keep=5))
    monkeypatch.setattr(suits, "_protect_suit", lambda world, r, m, g, group, day: suits.protect(
        world, r, m, day, group.index, g))
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



def test_a_stay_suspends_the_release_until_the_next_ruling():
    """PI on May 1 (March-April withheld, due back in June); stayed on June 1, so nothing is
    released and June-October are withheld too; the merits win of November 1 releases all
    seven months in December."""
    stages = dict(merits="{ probability = 1, days = 184 }", appeal="{ taken = 0 }")
    _, free = run(scenario_text(**stages))
    world, stayed = run(scenario_text(**stages, stay="{ sought = 1, probability = 1, days = 31 }"))
    assert series(free, "federal_restored")[5] == pytest.approx(2 * MILLION)
    assert np.flatnonzero(series(stayed, "federal_withheld")).tolist() == [2, 3, 5, 6, 7, 8, 9]
    assert np.flatnonzero(series(stayed, "federal_restored")).tolist() == [11]
    assert series(stayed, "federal_restored")[11] == pytest.approx(7 * MILLION)
    assert outcome(stayed, "federal_lost") == 0
    assert ("2025-06-01", "stay_granted", "Springfield") in timeline(world, stayed)


def test_vacatur_protects_a_non_party_after_casa():
    """Only Springfield sues (parties scope): its injunction of May 1 does not reach
    Shelbyville, but the merits ruling of August 1 vacates the condition for everyone:
    Shelbyville loses March-July and is paid them in September."""
    def text(vacatur: int) -> str:
        return scenario_text(
            cities=2, merits=f"{{ probability = 1, days = 92, vacatur = {vacatur} }}",
            appeal="{ taken = 0 }", litigation='filing_delay_days = 0\nsue_alone = []',
            extra='[[litigation.coalition]]\nname = "Springfield et al."\n'
                  'members = ["Springfield"]')
    _, kept = run(text(0))
    world, vacated = run(text(1))
    assert outcome(kept, "federal_withheld", city=SHELBYVILLE) == pytest.approx(34 * MILLION)
    assert outcome(vacated, "federal_withheld", city=SHELBYVILLE) == pytest.approx(5 * MILLION)
    assert series(vacated, "federal_restored", city=SHELBYVILLE)[8] == pytest.approx(5 * MILLION)
    assert outcome(vacated, "legal_cost", city=SHELBYVILLE) == 0
    assert outcome(vacated, "federal_withheld") == pytest.approx(2 * MILLION)
    merits = [d for *_, k, d in vacated.events if k == "merits_won"]
    assert merits == ["DOJ conditions; Springfield et al.; measure vacated"]


TERMINATION = """
[[measure]]
name = "JAG terminated"
kind = "termination"
effective = 2025-03-01
agencies = ["DOJ"]
release_lag_months = 1
[litigation.termination]
merits = { probability = 1, days = 700 }
appeal = { taken = 0, taken_after_loss = 0 }
"""


def test_a_terminated_grant_is_not_restored_by_an_injunction_on_a_condition():
    """The condition is enjoined on May 1, but the same grant was terminated on March 1:
    withholding goes on under the termination, until the claims court's judgment of
    2027-01-30 pays March 2025 - December 2026 ($22M) as damages; later payments are lost."""
    measure, courts = TERMINATION.split("[litigation.termination]")
    text = scenario_text(appeal="{ taken = 0 }").replace("\n[litigation]\n",
                                                         measure + "\n[litigation]\n")
    world, result = run(text + "[litigation.termination]" + courts)
    withheld = series(result, "federal_withheld")
    assert np.flatnonzero(withheld).tolist() == list(range(2, 36))
    assert np.flatnonzero(series(result, "federal_restored")).tolist() == [24]
    assert series(result, "federal_restored")[24] == pytest.approx(22 * MILLION)
    assert outcome(result, "federal_lost") == pytest.approx(12 * MILLION)
    assert outcome(result, "months_enjoined") > 0
    kinds = [k for _, k, _ in timeline(world, result, kinds=COURT_KINDS | {"damages_paid"})]
    assert "damages_paid" in kinds and "funds_forfeited" not in kinds


def test_a_termination_lost_in_the_claims_court_is_reported_apart():
    """The condition's suit is won, but the claims court rejects the terminated grant's claim
    on 2027-01-30: every payment since March 2025 is lost ($34M), reported as
    termination_lost, not as a final loss on a condition (no switching rule fires on it)."""
    measure, courts = TERMINATION.split("[litigation.termination]")
    text = scenario_text(appeal="{ taken = 0 }").replace("\n[litigation]\n",
                                                         measure + "\n[litigation]\n")
    world, result = run(text + "[litigation.termination]"
                        + courts.replace("probability = 1", "probability = 0"))
    assert outcome(result, "termination_lost") == 1
    assert outcome(result, "final_loss") == 0
    assert outcome(result, "federal_lost") == pytest.approx(34 * MILLION)
    assert outcome(result, "federal_unresolved") == 0
    assert ("2027-01-30", "funds_forfeited", "Springfield") in timeline(world, result)


def test_a_late_member_is_covered_after_the_extension_and_its_funds_released():
    """The condition targets Shelbyville only, not the coalition's founder: the coalition
    still sues (2025-03-01) and wins an injunction (May 1); Shelbyville joins on June 1, is
    covered from the extension of August 1 and is paid March-July in September."""
    text = scenario_text(cities=2, merits="{ probability = 1, days = 184 }",
                         appeal="{ taken = 0 }", measure='cities = ["Shelbyville"]',
                         litigation='filing_delay_days = 0\nsue_alone = []',
                         extra=LATE_SHELBYVILLE)
    world, result = run(text)
    assert outcome(result, "federal_withheld", city=SHELBYVILLE) == pytest.approx(5 * MILLION)
    assert series(result, "federal_restored", city=SHELBYVILLE)[8] == pytest.approx(5 * MILLION)
    assert outcome(result, "federal_lost", city=SHELBYVILLE) == 0
    assert timeline(world, result, kinds={"suit_joined", "injunction_extended"}) == [
        ("2025-06-01", "suit_joined", "Shelbyville"),
        ("2025-08-01", "injunction_extended", "Shelbyville"),
    ]


def test_a_funding_lapse_delays_payments_and_nobody_sues():
    """A lapse from March 1 to May 1 withholds March and April; they are paid in May."""
    text = scenario_text(measure="").replace('kind = "grant_condition"',
                                              'kind = "appropriations_lapse"').replace(
        "release_lag_months = 1", 'release_lag_months = 0\nrescind_probability = 1\n'
        'rescind_date = 2025-05-01\npenalises = ["sanctuary", "partial", "full"]')
    world, result = run(text)
    for s in (SANCTUARY, PARTIAL, FULL):
        assert np.flatnonzero(series(result, "federal_withheld", strategy=s)).tolist() == [2, 3]
        assert series(result, "federal_restored", strategy=s)[4] == pytest.approx(2 * MILLION)
        assert outcome(result, "legal_cost", strategy=s) == 0
    assert not timeline(world, result, kinds=COURT_KINDS)


HISTORY = """
[litigation.coalition.history]
filed = 2024-09-15
rulings = [{ stage = "preliminary_injunction", date = 2024-11-15, won = true }]
joined = [{ city = "Shelbyville", date = 2024-12-01 }]
extended = [{ city = "Shelbyville", date = 2024-12-20 }]
pending = { stage = "merits", since = 2025-01-01, days = 120 }
"""


def test_history_at_the_start_is_taken_as_given_not_drawn():
    """The suit was filed in 2024 and won its injunction on 2024-11-15, though these courts
    deny every injunction; Shelbyville had joined and been covered; the merits ruling comes
    120 days after the start in every replication; the $3M withheld before the start is
    paid in February and nothing more is withheld."""
    text = scenario_text(
        cities=2, pi="{ taken = 1, probability = 0, days = 61 }", appeal="{ taken = 0 }",
        litigation='filing_delay_days = 0\nsue_alone = []',
        measure='[measure.history]\nwithheld = { Springfield = 3e6 }',
        extra='[[litigation.coalition]]\nname = "Springfield et al."\n'
              'members = ["Springfield"]\n'
              'late_members = [{ city = "Shelbyville", join_after_days = 400 }]\n' + HISTORY,
    ).replace("effective = 2025-03-01", "effective = 2024-09-01")
    world, result = run(text, replications=20)
    for r in range(20):
        assert timeline(world, result, replication=r, kinds=COURT_KINDS) == [
            ("2024-09-15", "suit_filed", "Springfield"),
            ("2024-11-15", "injunction_granted", ""),
            ("2024-12-01", "suit_joined", "Shelbyville"),
            ("2024-12-20", "injunction_extended", "Shelbyville"),
            ("2025-05-01", "merits_won", ""),
            ("2025-05-01", "judgment_final", ""),
        ]
    withheld = result.outcomes["federal_withheld"][SANCTUARY]
    assert not withheld.any()
    restored = result.trajectories["federal_restored"][:, SANCTUARY, :, SPRINGFIELD]
    assert np.flatnonzero(restored[:, 0]).tolist() == [1]
    assert restored[1] == pytest.approx(3 * MILLION)
    assert result.outcomes["federal_unresolved"][SANCTUARY].sum() == 0
