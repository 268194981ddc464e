"""Litigation: court timelines, injunctions, coalitions, costs and liability, by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import sim
from sim.errors import ScenarioError
from sim.model import legal
from sim.model.plan import LEVEL, build_plan
from sim.model.reference import run_reference
from sim.model.world import World, run_simpy
from tests.model.test_world import assert_same_batches

MILLION = 1e6
SANCTUARY, PARTIAL, FULL = 1, 2, 3
SPRINGFIELD, SHELBYVILLE = 0, 1
SCENARIOS = Path(__file__).resolve().parent.parent.parent / "scenarios"

CITY = """
[[city]]
name = "{name}"
state = "IL"
fiscal_year_start = 7
population = {population}
[city.budget]
expenditure = 1.2e9
reserves = 1.0e8
revenue_volatility = 0.0
[[city.grant]]
program = "JAG"
agency = "DOJ"
amount = 1.2e7
payment_lag_months = 0
"""


def scenario_text(*, cities: int = 1, pi: str = "{ taken = 1, probability = 1, days = 61 }",
                  merits: str = "{ probability = 1, days = 92 }",
                  appeal: str = "{ taken = 1, probability = 0, days = 92 }",
                  certiorari: str = "{ taken = 1, probability = 0, days = 120 }",
                  litigation: str = "filing_delay_days = 0", measure: str = "",
                  extra: str = "", years: int = 3) -> str:
    """Cities with $1M of JAG a month, a DOJ condition from 2025-03-01, set courts and costs."""
    names = [("Springfield", 100_000), ("Shelbyville", 300_000), ("Ogdenville", 50_000)]
    text = f"""
[scenario]
name = "Litigation test"
start = 2025-01-01
years = {years}
replications = 1
seed = 3
"""
    for name, population in names[:cities]:
        text += CITY.format(name=name, population=population)
    text += f"""
[[measure]]
name = "DOJ conditions"
kind = "grant_condition"
effective = 2025-03-01
agencies = ["DOJ"]
release_lag_months = 1
{measure}

[litigation]
{litigation}
[litigation.costs]
in_house_per_month = 10000
outside_per_month = 0
preliminary_injunction = 1000
merits = 2000
appeal = 3000
certiorari = 4000
[litigation.grant_condition]
preliminary_injunction = {pi}
merits = {merits}
appeal = {appeal}
certiorari = {certiorari}
{extra}
"""
    return text


def run(text: str, replications: int = 1, before_month=None):
    """Run the reference engine; ``before_month(world, m)`` may change the state first."""
    scenario = sim.load(text)
    world = World(build_plan(scenario), scenario.scenario.seed, range(replications),
                  keep=replications)
    if before_month is None:
        return world, run_reference(world)
    for m, tick in enumerate(world.plan.calendar.tick_days):
        before_month(world, m)
        for r, agenda in enumerate(world.agendas):
            while agenda and agenda.next_day < tick:
                day, _, kind, payload = agenda.pop()
                world.apply(r, day, kind, payload)
        world.tick(m)
    return world, world.result()


def timeline(world: World, result, strategy: int = SANCTUARY, replication: int = 0,
             kinds=None) -> list[tuple[str, str, str]]:
    """(date, kind, city) of the events of one strategy and replication."""
    rows = []
    for s, r, day, c, kind, _ in result.events:
        if s == strategy and r == replication and (kinds is None or kind in kinds):
            city = world.plan.cities[c] if c >= 0 else ""
            rows.append((str(world.plan.calendar.date_of_day(day)), kind, city))
    return rows


def series(result, name: str, strategy: int = SANCTUARY, city: int = SPRINGFIELD) -> np.ndarray:
    return result.trajectories[name][:, strategy, 0, city]


def outcome(result, name: str, strategy: int = SANCTUARY, city: int = SPRINGFIELD) -> float:
    return float(result.outcomes[name][strategy, 0, city])


COURT_KINDS = {"suit_filed", "suit_joined", "injunction_extended", *legal.RULINGS.values(),
               "judgment_final", "funds_forfeited", "suit_withdrawn", "suit_ended"}


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
    assert outcome(result, "months_to_injunction") == pytest.approx(61 / legal.DAYS_PER_MONTH)
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
        horizon / legal.DAYS_PER_MONTH)
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


def test_coalition_costs_are_shared_by_population_and_add_up_to_the_cent():
    """$10,000.01 a month split 1:3:0.5 by population sums exactly to the total."""
    text = scenario_text(cities=3, appeal="{ taken = 0 }",
                         extra='[[litigation.coalition]]\nname = "Tri-city"\n'
                               'members = ["Springfield", "Shelbyville", "Ogdenville"]\n'
                               'cost_sharing = "population"\n'
                               '[litigation.coalition.costs]\nin_house_per_month = 10000.01\n'
                               'outside_per_month = 0\n')
    world, result = run(text)
    monthly = result.trajectories["legal_cost"][:, SANCTUARY, 0, :]
    cents = np.rint(monthly * 100)
    assert np.array_equal(cents.sum(axis=1), [0, 0] + [1_000_001] * 5 + [0] * 29)
    shares = monthly[2] / monthly[2].sum()
    assert shares == pytest.approx([100 / 450, 300 / 450, 50 / 450], abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**11), st.lists(st.tuples(st.floats(0, 1e7), st.booleans()),
                                        min_size=1, max_size=12))
def test_shares_add_up_exactly_to_the_total(cents, cities):
    """Shares are whole cents, only for those taking part, summing to the total."""
    weights = np.array([w for w, _ in cities])
    taking_part = np.array([t for _, t in cities])
    shares = legal.share_costs(np.array(cents / 100), weights, taking_part)
    in_cents = np.rint(shares * 100)
    assert np.allclose(shares * 100, in_cents)
    assert (shares >= 0).all() and (shares[~taking_part] == 0).all()
    assert in_cents.sum() == (cents if taking_part.any() else 0)


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
            world.federal.recognised[SANCTUARY, :, SHELBYVILLE] = LEVEL["full"]
            world.federal.dirty = True

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
            world.federal.recognised[PARTIAL, :, SPRINGFIELD] = LEVEL["sanctuary"]
            world.federal.dirty = True

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
    assert len(world.legal.suits) == len(suing)


UNCERTAIN = scenario_text(
    cities=3, years=4,
    pi='{ taken = 0.8, probability = 0.7, days = { low = 20, mode = 60, high = 90 } }',
    merits='{ probability = 0.6, days = { low = 100, mode = 200, high = 400 } }',
    appeal='{ taken = 0.7, probability = 0.5, days = { low = 200, mode = 400, high = 700 } }',
    certiorari='{ taken = 0.5, probability = 0.5, days = 300 }',
    litigation='filing_delay_days = { dist = "uniform", low = -60, high = 60 }',
    measure='probability = 0.8\nrescind_probability = 0.3\n'
            'rescind_date = { dist = "uniform", low = 2025-06-01, high = 2028-06-01 }',
    extra='[[litigation.coalition]]\nname = "Pair"\nmembers = ["Springfield"]\n'
          'cost_sharing = "budget"\n'
          'late_members = [{ city = "Shelbyville", join_after_days = { dist = "uniform", '
          'low = 30, high = 300 } }]')


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
    rulings = set(legal.RULINGS.values())

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
        rulings = set(legal.RULINGS.values())
        return [(r, day, kind, detail) for s, r, day, c, kind, detail in result.events
                if s == SANCTUARY and kind in rulings and "Capital" not in detail]

    assert springfield_pair(a, small) == springfield_pair(b, big)


def test_court_draws_of_a_batch_are_each_suits_own_stream():
    """Court courses drawn for a whole batch follow each suit's courts stream, drawn alone."""
    plan = build_plan(sim.load(UNCERTAIN))
    world = World(plan, 5, range(7, 37), keep=0)
    inputs = world.legal_inputs
    draws = legal.draw_suits(inputs, plan, world.federal_inputs.occurs, world.streams)
    assert len(draws) > 30
    for (r, m, g), course in draws.items():
        name = f"{plan.measures[m]}|{inputs.groups[g]}"
        u = world.streams[r].generator("courts", name).random(12).tolist()
        profile = inputs.profile[m, g]
        taken = [x < p for x, p in zip(u[:4], inputs.taken[r, profile].tolist(), strict=True)]
        won = [x < p for x, p in zip(u[4:8], inputs.win[r, profile].tolist(), strict=True)]
        assert course.won == tuple(won)
        assert course.first == (legal.PI if taken[legal.PI] else legal.MERITS)
        assert course.after == (legal.MERITS, legal.APPEAL if taken[legal.APPEAL] else None,
                                legal.CERTIORARI if taken[legal.CERTIORARI] else None, None)
        stages = inputs.days[profile].tolist()
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
    days = legal.triangular_days(np.array([u]), np.array([low]), np.array([mode]),
                                 np.array([high]))
    assert days.tolist() == [triangular_by_hand(u, low, mode, high)]
    assert low <= days[0] <= high


@given(st.lists(st.integers(0, 29), min_size=1, max_size=10, unique=True))
def test_suit_cities_index_state_arrays_as_the_indices_do(cities):
    """A suit's cities as a slice (evenly spaced) or indices select the same state entries."""
    cities = np.array(sorted(cities))
    state = np.arange(4 * 30).reshape(4, 30)
    index = legal._as_index(cities)
    assert np.array_equal(state[:, index], state[:, cities])
    assert isinstance(index, slice) == (len(set(np.diff(cities).tolist())) <= 1)


def test_small_suits_protect_by_scalars_exactly_as_by_arrays(monkeypatch):
    """Filings, plaintiffs, protection and forfeits of small suits (plain scalars) equal the numpy
    path of big suits."""
    plan = build_plan(sim.load(UNCERTAIN))
    scalars = run_reference(World(plan, 5, range(40), keep=5))
    monkeypatch.setattr(legal, "SCALAR_UP_TO", 0)
    arrays = run_reference(World(plan, 5, range(40), keep=5))
    assert_same_batches(scalars, arrays)
    kinds = {kind for *_, kind, _ in scalars.events}
    assert {"injunction_granted", "funds_forfeited"} <= kinds


def test_poisson_quantile_matches_scipy():
    """Inverse-transform claim counts equal scipy's Poisson quantiles (exact range)."""
    u = np.linspace(0.0005, 0.9995, 41)[:, None]
    means = np.array([0.0, 1e-6, 0.3, 2.0, 17.0, 150.0])[None, :]
    assert np.array_equal(legal.poisson_quantile(u, means), stats.poisson.ppf(u, means))


def test_poisson_quantile_is_exact_above_the_summed_range():
    """Large means (scipy's quantile) give scipy's counts, far tails included."""
    u = np.array([2.0**-53, 1e-9, 0.01, 0.5, 0.99, 1 - 1e-9])
    assert np.array_equal(legal.poisson_quantile(u, 5000.0), stats.poisson.ppf(u, 5000.0))


@given(st.floats(0, 1, exclude_max=True), st.floats(0, 2000), st.floats(0, 2000))
def test_more_holds_never_mean_fewer_claims(u, a, b):
    """With the same uniform, a larger mean gives at least as many claims."""
    low, high = sorted([a, b])
    assert legal.poisson_quantile(u, low) <= legal.poisson_quantile(u, high)


def _poisson_count(u: float, mean: float) -> int:
    """The definition poisson_quantile vectorises: the CDF summed term by term, one element."""
    term = np.exp(-np.array([mean]))[0].item()  # numpy's exp, as the vectorised code's
    cdf, k = term, 0
    while cdf < u:
        k += 1
        term = term * mean / k
        cdf = cdf + term
        if cdf + term == cdf:
            break
    return k


@given(st.lists(st.tuples(st.one_of(st.floats(0, 1, exclude_max=True),
                                    st.sampled_from([1 - 2.0**-53, 1 - 1e-15])),
                          st.floats(0, legal.POISSON_EXACT_BELOW)), min_size=1, max_size=80))
def test_poisson_quantile_sums_the_cdf_term_by_term(pairs):
    """Vectorised counts equal the plain term-by-term sum, element by element, far tails too."""
    u, means = np.array(pairs).T
    expected = [_poisson_count(a, b) for a, b in pairs]
    assert legal.poisson_quantile(u, means).tolist() == expected


@settings(deadline=None)
@given(st.floats(1e-3, 1.0), st.lists(st.tuples(
    st.integers(0, 2_000),
    st.one_of(st.floats(0, 1, exclude_max=True), st.sampled_from([0.0, 1 - 2.0**-53, 1 - 1e-15]))),
    min_size=1, max_size=60))
def test_claim_table_counts_equal_the_summed_cdf(probability, pairs):
    """Claim counts looked up by number of holds equal poisson_quantile's, far tails too."""
    holds, u = np.array(pairs, dtype=float).T
    holds = np.minimum(holds, np.floor(legal.POISSON_EXACT_BELOW / probability))
    table = legal.ClaimTable.build(probability, int(holds.max()))
    counts = table.counts(holds.astype(np.intp)[None, None, :], u[None, :])
    expected = legal.poisson_quantile(u, holds * probability)
    assert counts.dtype == expected.dtype
    assert counts[0, 0].tolist() == expected.tolist()


def test_claim_costs_have_the_stated_mean():
    """The Fenton-Wilkinson total has mean claims x payout, whatever the claim count."""
    z = stats.norm.ppf((np.arange(20_000) + 0.5) / 20_000)
    for claims in (1.0, 3.0, 40.0):
        total = legal.lognormal_total(np.full_like(z, claims), 12_000.0, 1.0, z)
        assert total.mean() == pytest.approx(claims * 12_000, rel=2e-3)
    assert legal.lognormal_total(np.zeros(3), 12_000.0, 1.0, z[:3]).tolist() == [0, 0, 0]


HOLDING_JAIL = """
[city.enforcement]
bookings_per_month = 1000
noncitizen_share = 1.0
detainer_rate = 0.1
serious_offence_share = 0.5
hold_days = 0
notification_cost = 0
agreement_staff = 0
agreement_setup_cost = 0
"""
"""100 detainers a month, none with a judicial warrant, half for serious offences; holding
costs nothing, so spending differs between strategies only by liability."""


def test_liability_for_unlawful_holds_is_paid_after_its_lag():
    """~100 holds a month (50 under partial) at 5% and $10,000 a claim, paid 2 months late."""
    text = scenario_text(litigation="strategies = []\n[litigation.liability]\n"
                         "claim_probability = 0.05\npayout_mean = 10000\npayout_sigma = 1\n"
                         "payout_lag_months = 2", years=1)
    text = text.replace("[city.budget]", HOLDING_JAIL + "[city.budget]")
    _, result = run(text, replications=400)
    paid = result.outcomes["liability_cost"][:, :, 0]
    accrued = result.outcomes["liability_accrued"][:, :, 0]
    assert not paid[:2].any() and not accrued[:2].any()
    for s, rate in ((PARTIAL, 50), (FULL, 100)):
        expected = rate * 0.05 * 10_000
        error = 4 * paid[s].std() / np.sqrt(400)
        assert paid[s].mean() == pytest.approx(10 * expected, abs=error)
        assert accrued[s].mean() == pytest.approx(2 * expected, abs=4 * accrued[s].std() / 20)
    assert not result.trajectories["liability_cost"][:2].any()
    spending = result.trajectories["spending"][:, FULL] - result.trajectories["spending"][:, 0]
    assert np.allclose(spending, result.trajectories["liability_cost"][:, FULL])


def test_liability_is_the_same_whatever_the_batch_when_payout_lags_differ():
    """Each replication's claims are booked at its own payout lag, in any batch."""
    text = scenario_text(litigation="strategies = []\n[litigation.liability]\n"
                         "claim_probability = 0.05\npayout_mean = 10000\npayout_sigma = 1\n"
                         'payout_lag_months = { dist = "uniform", low = 0, high = 16 }',
                         years=1)
    scenario = sim.load(text.replace("[city.budget]", HOLDING_JAIL + "[city.budget]"))
    plan = build_plan(scenario)
    batch = run_reference(World(plan, scenario.scenario.seed, range(8), keep=0)).outcomes
    assert batch["liability_cost"].any() and batch["liability_accrued"].any()
    for r in range(8):
        alone = run_reference(World(plan, scenario.scenario.seed, [r], keep=0)).outcomes
        for name in ("liability_cost", "liability_accrued"):
            assert alone[name][:, 0].tobytes() == batch[name][:, r].tobytes(), (r, name)


def test_no_holds_no_liability():
    """A jail that holds no one on a detainer (sanctuary, or no detainers) pays no damages."""
    _, result = run(scenario_text())
    assert not result.outcomes["liability_cost"][:2].any()
    assert not result.outcomes["liability_accrued"][:2].any()
    quiet = scenario_text().replace("[city.budget]",
                                    "[city.enforcement]\nbookings_per_month = 0\n[city.budget]")
    _, result = run(quiet)
    assert not result.outcomes["liability_cost"].any()
    assert not result.outcomes["liability_accrued"].any()


def test_statutes_are_far_less_likely_enjoined_than_executive_orders():
    """Built-in defaults: an Act of Congress loses its challenge far more often."""
    litigation = sim.load(scenario_text()).litigation
    for stage in ("preliminary_injunction", "merits", "appeal"):
        _, statute = litigation.court_value("legislation", stage, "probability")
        _, order = litigation.court_value("executive_order", stage, "probability")
        assert statute < order / 2


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
    ('[[litigation.coalition]]\nname = "X"\nmembers = []', "litigation.coalition[0].members",
     "needs at least 1 entry"),
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


def test_stage_days_must_be_ordered():
    """A duration range with low above high is rejected."""
    with pytest.raises(ScenarioError) as error:
        sim.load(scenario_text(merits="{ probability = 1, days = { low = 9, mode = 5, "
                                      "high = 20 } }"))
    (problem,) = error.value.problems
    assert problem.path == "litigation.grant_condition.merits.days"
    assert "low <= mode <= high" in problem.message


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
