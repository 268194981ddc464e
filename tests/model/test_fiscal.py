"""The budget: the accounting identity, reserves, the floor and gap closing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.model.fiscal import (
    FiscalInputs,
    FiscalState,
    GapPolicy,
    _borrow_and_repay,
    _gap_closing,
    _size_tools,
    fund_balances,
    revenue_noise,
)
from sim.model.plan import build_plan
from sim.model.reference import run_reference
from sim.model.world import World
from tests.conftest import ONE_CITY

MILLION = 1e6


def simulate(scenario: sim.Scenario, replications: int = 3):
    world = World(build_plan(scenario), scenario.scenario.seed, range(replications),
                  keep=replications)
    return run_reference(world)


def assert_identity(result, opening: np.ndarray) -> None:
    t = result.trajectories
    reserves = np.concatenate([opening[None], t["reserves"]], axis=0)
    change = np.diff(reserves, axis=0)
    assert np.all(np.abs(change - (t["revenue"] - t["spending"])) < 0.005)


budgets = st.fixed_dictionaries({
    "expenditure": st.floats(0, 5e10),
    "reserves": st.floats(0, 5e9),
    "state_aid": st.floats(0, 1e9),
    "grant": st.floats(0, 2e9),
    "share": st.floats(0, 1),
    "floor": st.floats(0, 0.3),
    "volatility": st.floats(0, 0.3),
    "cut_limit": st.floats(0, 0.3),
    "cut_lag": st.integers(0, 12),
    "tax_limit": st.floats(0, 0.1),
    "borrow": st.floats(0, 0.5),
    "fy": st.integers(1, 12),
    "rebudget": st.floats(0, 1),
    "order": st.sampled_from([["service_cuts", "tax_increase"], ["tax_increase"], []]),
    "draw_limit": st.one_of(st.none(), st.floats(0, 1)),
    "draws_need_falling_revenue": st.booleans(),
    "funds": st.one_of(st.none(), st.fixed_dictionaries({
        "balance": st.floats(0, 1), "floors": st.tuples(st.floats(0, 0.1), st.floats(0, 0.1)),
        "target": st.floats(0, 0.2), "cap": st.one_of(st.none(), st.floats(0.2, 0.5)),
        "first_cap": st.one_of(st.none(), st.floats(0, 0.3)), "deposit": st.floats(0, 1)})),
})


def funds_of(f: dict, reserves: float) -> list[dict]:
    """[[city.budget.fund]] tables: a first fund and one holding a share of reserves."""
    first = {"name": "Unassigned", "floor": f["floors"][0]}
    if f["first_cap"] is not None:
        first["cap"] = max(f["first_cap"], f["floors"][0])
    second = {"name": "Stabilization", "balance": f["balance"] * reserves,
              "floor": f["floors"][1], "target": max(f["target"], f["floors"][1]),
              "deposit_share": f["deposit"]}
    if f["cap"] is not None:
        second["cap"] = max(f["cap"], second["target"])
    return [first, second]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(budgets)
def test_reserves_change_equals_revenue_minus_spending(b):
    """Every month, city and strategy: Δreserves = revenue − spending, to the cent.

    With re-budgeting (spending follows last year's revenue gap), withdrawal
    rules (one pool) and reserve funds too: moves between funds leave the total
    alone, an outlay over the first fund's cap is spending, and the funds always
    add up to the reserves.
    """
    floor = ({"city[0].budget.reserve_floor": b["floor"],
              "city[0].budget.draw_limit": b["draw_limit"],
              "city[0].budget.draws_need_falling_revenue": b["draws_need_falling_revenue"]}
             if b["funds"] is None else
             {"city[0].budget.fund": funds_of(b["funds"], b["reserves"])})
    scenario = sim.load(ONE_CITY).with_values({
        "city[0].budget.expenditure": b["expenditure"],
        "city[0].budget.reserves": b["reserves"],
        "city[0].budget.state_aid": b["state_aid"],
        **floor,
        "city[0].budget.revenue_volatility": b["volatility"],
        "city[0].budget.rebudget_share": b["rebudget"],
        "city[0].budget.gap_closing": {
            "order": b["order"], "service_cut_limit": b["cut_limit"],
            "service_cut_lag_months": b["cut_lag"], "tax_increase_limit": b["tax_limit"],
            "borrowing_limit": b["borrow"]},
        "city[0].fiscal_year_start": b["fy"],
        "city[0].grant[0].amount": b["grant"],
        "measure[0].withhold_share": b["share"],
    })
    world = World(build_plan(scenario), scenario.scenario.seed, range(3), keep=3)
    result = run_reference(world)
    assert_identity(result, np.full((4, 3, 1), b["reserves"]))
    for name, values in result.outcomes.items():
        assert np.all(np.isfinite(values)), name
    if b["funds"] is not None:
        balances = fund_balances(world.fiscal.reserves, world.fiscal.funds)
        assert np.all(balances[1:] >= -1e-6)
        assert np.allclose(balances.sum(axis=0), result.trajectories["reserves"][-1],
                           rtol=0, atol=0.005)


def deficit_city(**gap_closing) -> sim.Scenario:
    """A city whose revenue falls $120M a year short ($12M a month, +$12M in October)."""
    return sim.load(ONE_CITY).with_values({
        "city[0].budget.own_source_revenue": 1.2e9 - 3.6e7 - 1.2e8,
        "city[0].budget.reserves": 2e8,
        "city[0].budget.expenditure_growth": 0.0,
        "city[0].budget.gap_closing": gap_closing,
        "measure[0].probability": 0.0,
    })


def test_reserves_absorb_a_deficit_until_the_floor():
    """With no gap-closing tool, reserves fall $120M a year and go below the floor."""
    result = simulate(deficit_city(order=[], borrowing_limit=0.0))
    reserves = result.trajectories["reserves"][:, 0, 0, 0]
    assert reserves[11] == pytest.approx(80 * MILLION)
    assert reserves[23] == pytest.approx(-40 * MILLION)
    assert result.outcomes["floor_breached"][0, 0, 0] == 1.0


def test_service_cuts_start_after_their_lag_and_are_capped():
    """Cuts start the month after reserves have been below the floor for the lag."""
    result = simulate(deficit_city(order=["service_cuts"], service_cut_lag_months=2,
                                   service_cut_limit=0.05, borrowing_limit=0.0))
    reserves = result.trajectories["reserves"][:, 0, 0, 0]
    cuts = result.trajectories["service_cuts"][:, 0, 0, 0]
    floor = 0.05 * 1.2e9
    first_below = int(np.argmax(reserves < floor))
    assert cuts[: first_below + 2].sum() == 0
    assert cuts[first_below + 2] > 0
    assert cuts.max() <= 0.05 * 1.2e9 / 12 + 1e-6


def test_tax_increase_takes_effect_at_fiscal_year_start():
    """Tax increases only start in July, the city's fiscal-year start."""
    result = simulate(deficit_city(order=["tax_increase"], tax_increase_lag_months=0,
                                   borrowing_limit=0.0))
    tax = result.trajectories["tax_increase"][:, 0, 0, 0]
    first = int(np.argmax(tax > 0))
    assert tax.any() and first % 12 == 6


def test_borrowing_keeps_cash_from_going_negative_within_its_limit():
    """Short-term borrowing covers negative cash up to its limit, and costs interest."""
    result = simulate(deficit_city(order=[], borrowing_limit=0.5, borrowing_rate=0.06))
    t = result.trajectories
    assert t["reserves"][:, 0, 0, 0].min() >= -1e-6
    assert t["debt"][:, 0, 0, 0].max() > 0
    assert result.outcomes["interest"][0, 0, 0] > 0


def test_revenue_noise_has_the_stated_long_run_spread():
    """The AR(1) deviation settles at the stated standard deviation."""
    rng = np.random.default_rng(0)
    z = rng.standard_normal((600, 400, 1))
    x = revenue_noise(z, np.full((400, 1), 0.05), np.array([0.9]))
    assert x[0].max() == 0
    assert np.std(x[300:]) == pytest.approx(0.05, rel=0.05)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 11), st.booleans())
def test_gap_closing_sizes_only_cells_where_a_tool_can_act(seed, m, cuts_first):
    """Sizing the few cells where a tool can act equals sizing every cell, bit for bit."""
    rng = np.random.default_rng(seed)
    S, R, C = 3, 4, 5
    shape = (S, R, C)
    policy = GapPolicy(
        cut_limit=rng.uniform(0, 0.3, C), cut_lag=rng.integers(0, 4, C).astype(float),
        cut_spread=rng.integers(1, 12, C).astype(float), tax_limit=rng.uniform(0, 0.1, C),
        tax_cap=rng.uniform(0, 0.2, C), tax_lag=rng.integers(0, 4, C).astype(float),
        borrow_limit=np.zeros(C), borrow_rate=np.zeros(C),
        cuts_first=np.full(C, cuts_first) ^ (rng.random(C) < 0.3))
    year_starts = rng.random((12, C)) < 0.3
    inputs = FiscalInputs(own_source=rng.uniform(0, 1e8, (12, R, C)), expenditure=None,
                          state_aid=None, reserves0=None, floor_share=None,
                          next_is_year_start=year_starts, policy=policy)
    state = FiscalState(reserves=None, debt=None, tax_rate=rng.uniform(0, 0.1, shape),
                        service_cut=rng.uniform(0, 1e6, shape) * (rng.random(shape) < 0.5),
                        months_below=None)
    months_below = rng.integers(0, 5, shape) * (rng.random(shape) < 0.4)
    floor = rng.uniform(0, 1e8, (R, C))
    net = floor - rng.uniform(0, 1e8, shape) * (months_below > 0)
    gap = np.maximum(floor - net, 0.0)
    own, expenditure = inputs.own_source[m], rng.uniform(0, 1e8, (R, C))
    cut, rate = _gap_closing(state, inputs, m, net, floor, months_below, own, expenditure)
    every, increase = _size_tools(policy, year_starts[m], gap, months_below,
                                  state.service_cut, state.tax_rate, own, expenditure)
    assert cut.tobytes() == every.tobytes()
    assert rate.tobytes() == (state.tax_rate + increase).tobytes()


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_borrowing_worked_out_where_cash_is_short_or_owed_equals_every_cell(seed):
    """Borrowing and repayment worked out where cash is short or owed equal every cell's."""
    rng = np.random.default_rng(seed)
    shape, R, C = (3, 4, 5), 4, 5

    def sometimes(values: np.ndarray, share: float) -> np.ndarray:
        return np.where(rng.random(values.shape) < share, values, 0.0)

    reserves = rng.choice([-1.0, 1.0], shape) * sometimes(rng.uniform(0, 1e8, shape), 0.8)
    debt = sometimes(rng.uniform(0, 1e8, shape), 0.3)
    floor = rng.uniform(0, 1e8, (R, C))
    limit = sometimes(rng.uniform(0, 1e8, (R, C)), 0.7)
    every_borrowing = np.clip(-reserves, 0.0, np.maximum(limit - debt, 0.0))
    every_reserves, every_debt = reserves + every_borrowing, debt + every_borrowing
    every_repayment = np.clip(np.minimum(every_debt, every_reserves - floor), 0.0, None)
    after = reserves.copy()
    borrowing, repayment, owed = _borrow_and_repay(after, debt, floor, limit)
    assert borrowing.tobytes() == every_borrowing.tobytes()
    assert repayment.tobytes() == every_repayment.tobytes()
    assert after.tobytes() == (every_reserves - every_repayment).tobytes()
    assert owed.tobytes() == (every_debt - every_repayment).tobytes()


def funds_city(funds: list[dict], **values) -> sim.Scenario:
    """ONE_CITY without grants or measures, with reserve funds and flat budgets."""
    return sim.load(ONE_CITY).with_values({
        "city[0].grant[0].amount": 0.0, "city[0].grant[1].amount": 0.0,
        "city[0].budget.expenditure_growth": 0.0, "city[0].budget.fund": funds,
        "measure[0].probability": 0.0, **values})


def fund_events(world: World, result, kind: str) -> dict[str, int]:
    """Month of the first ``kind`` event of each fund (baseline, replication 0)."""
    ticks = world.plan.calendar.tick_days
    months = {}
    for s, r, day, _, k, detail in result.events:
        if s == 0 and r == 0 and k == kind and detail not in months:
            months[detail] = int(np.searchsorted(ticks, day))
    return months


def test_funds_are_drawn_to_their_floors_in_order_then_to_zero():
    """$200M in two funds, $10M a month short: the first fund to its floor ($60M),
    then the second to its floor ($24M), then the first to zero, then the second.

    So the first fund falls below its floor in the month total reserves fall
    below $84M, the second in the month they fall below $24M; the city's floor
    is the sum, 7% ($84M).
    """
    scenario = funds_city(
        [{"name": "Unassigned", "floor": 0.05},
         {"name": "Stabilization", "balance": 5e7, "floor": 0.02}],
        **{"city[0].budget.own_source_revenue": 1.2e9 - 1.2e8,
           "city[0].budget.reserves": 2e8,
           "city[0].budget.gap_closing": {"order": [], "borrowing_limit": 0.0}})
    world = World(build_plan(scenario), 7, range(1), keep=1)
    result = run_reference(world)
    reserves = result.trajectories["reserves"][:, 0, 0, 0]
    assert reserves[:3] == pytest.approx([190e6, 180e6, 170e6])
    below = fund_events(world, result, "fund_below_floor")
    assert below == {"Unassigned": int(np.argmax(reserves < 84e6)),
                     "Stabilization": int(np.argmax(reserves < 24e6))}
    assert result.outcomes["months_below_floor"][0, 0, 0] == 24 - below["Unassigned"]
    # The second fund holds $50M until the first is at its floor ($60M, total $110M),
    # then what the total leaves above $84M, down to its floor $24M, then zero.
    end = fund_balances(world.fiscal.reserves, world.fiscal.funds)[:, 0, 0, 0]
    assert reserves[-1] == pytest.approx(-4e7)
    assert end == pytest.approx([-4e7, 0.0])
    assert result.outcomes["reserves_exhausted"][0, 0, 0] == 1.0
    assert result.outcomes["years_to_exhaustion"][0, 0, 0] == np.argmax(reserves <= 0) / 12


def test_year_end_deposits_fill_the_second_fund_to_its_target_and_caps_spend_the_excess():
    """$5M a month of surplus, fiscal years from July: at the end of June 2025 half
    the six months' $30M goes to the stabilization fund ($15M); a year later
    half of $60M is due but only $9M fits under its $24M target.  The first
    fund's cap, 10% ($120M), is then passed: $190M - $24M - $120M = $46M is
    spent, so reserves end June 2026 at $144M.
    """
    scenario = funds_city(
        [{"name": "Unassigned", "floor": 0.05, "cap": 0.10},
         {"name": "Stabilization", "balance": 0.0, "target": 0.02, "deposit_share": 0.5}],
        **{"city[0].budget.own_source_revenue": 1.26e9})
    world = World(build_plan(scenario), 7, range(1), keep=1)
    states = []
    for m in range(24):
        world.tick(m)
        states.append(fund_balances(world.fiscal.reserves, world.fiscal.funds)[:, 0, 0, 0])
    assert states[4] == pytest.approx([125e6, 0.0])
    assert states[5] == pytest.approx([115e6, 15e6])
    assert states[16] == pytest.approx([170e6, 15e6])
    assert states[17] == pytest.approx([120e6, 24e6])
    assert states[23] == pytest.approx([150e6, 24e6])
    spending = world.recorder.trajectories["spending"][:, 0, 0, 0]
    assert spending[17] == pytest.approx(100e6 + 46e6)


SALES_RECESSION = {
    "city[0].budget.own_source_revenue": 1.2e9, "city[0].budget.expenditure_growth": 0.0,
    "city[0].budget.revenue_mix": {"sales": 1.0},
    "city[0].budget.gap_closing": {"order": [], "borrowing_limit": 0.0},
    "recession": {"start": "2025-01-01", "decline_months": 6, "recovery_months": 60,
                  "depth": {"sales": 0.12, "state_aid": 0.0}},
    "scenario.years": 3,
}
"""ONE_CITY with $100M a month of own revenue, all sales taxes, no growth and no gap-closing
tools, in a recession 12% deep from January 2025 (6 months down, 60 back): the hand-computed
revenue path of the re-budgeting and mid-year review tests."""


def test_the_next_adopted_budget_closes_its_share_of_the_past_years_revenue_gap():
    """Re-budgeting, by hand: $100M a month of own revenue, all sales taxes, 12% deep,
    falling from January 2025 over 6 months and recovering over 60.  January-June
    (the first, partial fiscal year): 100, 98, 96, 94, 92, 90, $570M of $600M, a 5%
    gap; half of it comes out of every month of FY2026: 100 - 0.5 x 5 = $97.5M.
    July 2025-June 2026: 88 + 0.2k for k = 0..11, $1,069.2M of $1,200M, a 10.9% gap:
    FY2027 spends 100 - 0.5 x 10.9 = $94.55M a month.  Without the share, the budget
    stays at $100M; either way the books balance to the cent."""
    base = sim.load(ONE_CITY).with_values(SALES_RECESSION)
    rebudgeted = simulate(base.with_values({"city[0].budget.rebudget_share": 0.5}), 1)
    spent = rebudgeted.trajectories["expenditure"][:, 0, 0, 0] / MILLION
    assert spent[[0, 5, 6, 17, 18, 29]] == pytest.approx([100, 100, 97.5, 97.5, 94.55, 94.55])
    assert_identity(rebudgeted, np.full((4, 1, 1), 1e8))
    plain = simulate(base, 1).trajectories["expenditure"][:, 0, 0, 0] / MILLION
    assert plain == pytest.approx(np.full(36, 100.0))


def test_a_breach_inside_the_year_is_not_a_breach_at_its_end():
    """Calendar fiscal year, $97M of own revenue and $1M of JAG a month against $100M
    of spending, $24M of CDBG each October: reserves of $100M fall $2M a month to
    $82M in September, jump to $104M in October and end each December at $100M.
    Under a $90M floor (7.5%) from June to September: four months a year below it,
    a breach, but never at a fiscal year's end."""
    scenario = sim.load(ONE_CITY).with_values({
        "city[0].fiscal_year_start": 1,
        "city[0].budget.own_source_revenue": 1.164e9, "city[0].budget.expenditure_growth": 0.0,
        "city[0].budget.reserve_floor": 0.075,
        "city[0].budget.gap_closing": {"order": [], "borrowing_limit": 0.0},
        "measure[0].probability": 0.0,
    })
    result = simulate(scenario, 1)
    reserves = result.trajectories["reserves"][:, 0, 0, 0] / MILLION
    assert reserves[[5, 8, 9, 11, 23]] == pytest.approx([88, 82, 104, 100, 100])
    assert result.outcomes["months_below_floor"][0, 0, 0] == 8
    assert result.outcomes["floor_breached"][0, 0, 0] == 1.0
    assert result.outcomes["floor_breached_at_year_end"][0, 0, 0] == 0.0
    short = simulate(scenario.with_values({"city[0].budget.own_source_revenue": 1.14e9}), 1)
    assert short.outcomes["floor_breached_at_year_end"][0, 0, 0] == 1.0
