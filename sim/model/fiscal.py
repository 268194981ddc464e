"""City budgets month by month: revenue, spending, reserves and gap closing.

Units: US dollars per month for flows, dollars for stocks.  Arrays are shaped
``(S, R, C)``: strategy (0 = baseline), replication in the batch, city.

Each month, revenue arrives (own-source with persistent noise around a trend,
state aid, federal grants) and spending goes out (the adopted budget, legal,
compliance and liability costs, interest).  Reserves absorb the difference.
When reserves net of short-term debt fall below the floor, the city's
gap-closing tools act in its chosen order: service cuts after a lag (held
until the fiscal year ends), tax increases at the next fiscal-year start.
Short-term borrowing keeps cash from going negative and is repaid once
reserves are back above the floor.  Borrowing counts as revenue and repayment
as spending, so every month, in every city::

    reserves[m] - reserves[m-1] == revenue[m] - spending[m]

A city may split its reserves into funds with policies (:class:`FundInputs`):
a shortfall draws them in order, each down to its floor, then each down to
zero, before the gap-closing tools act; the floor they watch is the sum of
the funds' floors.  At each fiscal-year end the first fund's money above its
floor restores the later funds to their floors, in order, and pays a share
of the year's surplus into those below their targets; money over a fund's cap returns to
the first fund, and the first fund's excess over its own cap is spent.  Moves
between funds leave the total, and so the identity, as it is; an outlay over
the cap is spending.  A city without funds is one pool, as before.

Each adopted budget matches the revenue then expected (balanced-budget
requirements, :attr:`Budget.rebudget_share <sim.scenario.city.Budget>`): a
share of the past fiscal year's own-source gap against trend comes out of
(a windfall goes into) the next year's spending, the same amount every month
of it, whatever the reserves, before any gap-closing tool is needed.  Inside each
year, at the budget reviews a city holds (:attr:`Budget.review_months`),
the months left spend less by :attr:`Budget.midyear_share` of the
year-to-date shortfall a month (:mod:`sim.model.budgeting`).  Both are part
of expenditure, so the identity is unchanged.  Withdrawal rules: :mod:`sim.model.drawing`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from sim.model.arrays import divide_where
from sim.model.budgeting import cut_after_reviews, rebudgeted
from sim.model.drawing import DrawRule, sample_draw_rule
from sim.model.plan import Parameters, Plan
from sim.model.recession import recession_factors, recession_months
from sim.model.streams import ReplicationStreams, rekeyed


@dataclass(frozen=True)
class GapPolicy:
    """Gap-closing settings per city, arrays of shape (C,)."""

    cut_limit: np.ndarray
    cut_lag: np.ndarray
    cut_spread: np.ndarray
    tax_limit: np.ndarray
    tax_cap: np.ndarray
    tax_lag: np.ndarray
    borrow_limit: np.ndarray
    borrow_rate: np.ndarray
    cuts_first: np.ndarray
    """Whether service cuts are sized before tax increases."""

    @cached_property
    def acting_from(self) -> np.ndarray:
        """(C,) months below the floor from which a tool can act in mid-year: cuts only."""
        return np.maximum(self.cut_lag, 1).astype(np.int32)

    @cached_property
    def acting_from_at_year_end(self) -> np.ndarray:
        """(C,) months below the floor from which a tool can act when the year ends."""
        return np.minimum(self.acting_from, np.maximum(self.tax_lag, 1).astype(np.int32))


@dataclass(frozen=True)
class FundInputs:
    """Reserve-fund policies, arrays (K, R, C): fund ``k`` of each city, in drawdown order.

    Cities with fewer funds are padded with empty funds (no balance, floor or
    target, no cap), which nothing ever moves into or out of.
    """

    names: tuple[tuple[str, ...], ...]
    """Per city, its funds' names (empty for a city without funds)."""
    floor: np.ndarray
    target: np.ndarray
    cap: np.ndarray
    """Infinite where there is no cap."""
    deposit: np.ndarray
    """Share of a fiscal year's surplus moved in at its end (0 for the first fund)."""
    balance0: np.ndarray
    """(K - 1, R, C) opening balances of the funds after the first."""
    has_funds: np.ndarray
    """(C,) whether the city states funds."""


@dataclass(frozen=True)
class FiscalInputs:
    """Budget figures for a batch: monthly series (T, R, C) and settings."""

    own_source: np.ndarray
    """Own-source revenue before any tax increase, with noise."""
    expenditure: np.ndarray
    """Adopted budget's monthly spending."""
    state_aid: np.ndarray
    reserves0: np.ndarray
    """(R, C) opening reserves."""
    floor_share: np.ndarray
    """(R, C) reserve floor as a share of annual expenditure."""
    next_is_year_start: np.ndarray
    """(T, C) whether the following month begins a fiscal year."""
    policy: GapPolicy
    funds: FundInputs | None = None
    """Reserve funds, or None when no city states any."""
    recession_start: np.ndarray | None = None
    """(R,) month a recession starts (negative: before the horizon; the horizon's
    length or more: none), or None without ``[recession]``."""
    federal_cut: np.ndarray | None = None
    """(S, R, C) share of every federal payment cut (a stress test: see
    :mod:`sim.analysis.absorb`), or None for none."""
    midyear_cut: np.ndarray | None = None
    """(T, R, C) spending the mid-year budget reviews took out of the adopted
    budget (:func:`sim.model.budgeting.cut_after_reviews`), or None without
    reviews.  Floors, borrowing and cut limits stay shares of the adopted
    ``expenditure``: a review does not move the reserve policy."""
    draws: DrawRule | None = None
    """Withdrawal rules of the reserves, or None where no city states one."""


def _grown(level: np.ndarray, rate: np.ndarray, years: np.ndarray) -> np.ndarray:
    """(T, R, C) ``level * (1 + rate) ** years``.

    Monthly levels (R, C) grown at annual rates (R, C) for the years elapsed (T, C).
    """
    grown = (1.0 + rate)[None, :, :] ** years[:, None, :]
    grown *= level  # in place: a product is the same either way round
    return grown


def _balancing_revenue(plan: Plan, params: Parameters, expenditure: np.ndarray,
                       state_aid: np.ndarray, growth: np.ndarray) -> np.ndarray:
    """(T, R, C) own-source revenue of budgets balanced every fiscal year.

    Covers expenditure less state aid and federal grants due, plus a deposit
    of the growth in the reserve floor-to-be: reserves keep their opening
    share of expenditure as it grows.
    """
    # Awards step up once a federal fiscal year: work out each year's once.
    years, year_of_month = np.unique(plan.calendar.years_elapsed(10)[:, 0], return_inverse=True)
    amount = params.per_grant("amount")
    grant_growth = params.per_grant("growth")
    federal = (np.stack([(amount * (1.0 + grant_growth) ** k).sum(axis=2)
                         for k in years]) / 12)[year_of_month]
    reserves0 = params.per_city("budget.reserves", lambda c: c.budget.reserves)
    expenditure0 = expenditure[0] * 12
    ratio = np.divide(reserves0, expenditure0, out=np.zeros_like(reserves0),
                      where=expenditure0 >= 1.0)
    # In place, each operation as in maximum(expenditure + deposit - state_aid - federal, 0):
    # (T, R, C) temporaries are 12 MB each for a 250-replication batch of 50 cities.
    balancing = expenditure * ratio
    balancing *= growth
    balancing += expenditure
    balancing -= state_aid
    balancing -= federal
    return np.maximum(balancing, 0.0, out=balancing)


def revenue_noise(z: np.ndarray, volatility: np.ndarray, persistence: np.ndarray) -> np.ndarray:
    """Relative deviation of revenue from trend, an AR(1) process starting at zero.

    ``z`` is (T, R, C) standard normal; ``volatility`` (R, C) is the long-run
    standard deviation and ``persistence`` (C,) the monthly autocorrelation.
    """
    innovation = np.sqrt(1.0 - persistence**2) * volatility
    x = np.zeros_like(z)
    shock = np.empty_like(z[0])
    for m in range(1, len(z)):
        np.multiply(persistence, x[m - 1], out=x[m])
        x[m] += np.multiply(innovation, z[m], out=shock)
    return x


def revenue_normals(plan: Plan, streams: list[ReplicationStreams]) -> np.ndarray:
    """(T, R, C) standard normals of each city's revenue noise, month by month."""
    z = np.empty((len(streams), len(plan.cities), plan.calendar.months))
    for r, c, draw in rekeyed(streams, "revenue", plan.cities):
        draw.standard_normal(plan.calendar.months, out=z[r, c])
    return np.ascontiguousarray(z.transpose(2, 0, 1))


def sample_fiscal(plan: Plan, params: Parameters,
                  streams: list[ReplicationStreams]) -> FiscalInputs:
    """Budget inputs of a batch of replications."""
    scenario, cal = plan.scenario, plan.calendar
    years = cal.years_elapsed(plan.fiscal_year_start)
    expenditure0 = params.per_city("budget.expenditure", lambda c: c.budget.expenditure)
    growth = params.per_city("budget.expenditure_growth", lambda c: c.budget.expenditure_growth)
    aid0 = params.per_city("budget.state_aid", lambda c: c.budget.state_aid)
    aid_growth = params.per_city("budget.state_aid_growth", lambda c: c.budget.state_aid_growth)
    stated = params.per_city("budget.own_source_revenue", lambda c: c.budget.own_source_revenue)
    revenue_growth = np.where(
        [c.budget.revenue_growth is None for c in scenario.city],
        growth,
        params.per_city("budget.revenue_growth", lambda c: c.budget.revenue_growth),
    )
    expenditure = _grown(expenditure0 / 12, growth, years)
    state_aid = _grown(aid0 / 12, aid_growth, years)
    own_trend = np.where(
        [c.budget.own_source_revenue is None for c in scenario.city],
        _balancing_revenue(plan, params, expenditure, state_aid, growth),
        _grown(stated / 12, revenue_growth, years),
    )
    forecast = own_trend
    recession_start = None
    if scenario.recession is not None:
        recession_start = recession_months(plan, params, streams)
        own_factor, aid_factor = recession_factors(plan, params, recession_start)
        own_trend = own_trend * own_factor
        state_aid = state_aid * aid_factor
    own_source = revenue_noise(
        revenue_normals(plan, streams),
        params.per_city("budget.revenue_volatility", lambda c: c.budget.revenue_volatility),
        np.array([c.budget.revenue_persistence for c in scenario.city]),
    )
    # own_trend * maximum(1 + noise, 0), in place.
    own_source += 1.0
    np.maximum(own_source, 0.0, out=own_source)
    own_source *= own_trend
    draws = sample_draw_rule(plan, params, forecast, own_source)
    next_start = np.zeros((cal.months, len(plan.cities)), bool)
    next_start[:-1] = cal.year_starts(plan.fiscal_year_start)[1:]
    share = params.per_city("budget.rebudget_share", lambda c: c.budget.rebudget_share)
    if share.any():
        adopted = rebudgeted(forecast, own_source, next_start, share)
        forecast = forecast - adopted
        # A budget cannot spend less than nothing (a year with no revenue at all).
        expenditure = np.maximum(expenditure - adopted, 0.0)
    midyear_cut = _midyear_cut(plan, params, forecast, own_source, expenditure)
    gaps = [c.budget.gap_closing for c in scenario.city]

    def policy(attr: str) -> np.ndarray:
        return np.array([getattr(g, attr) for g in gaps], dtype=float)

    funds = sample_funds(plan, params)
    floor_share = params.per_city("budget.reserve_floor", lambda c: c.budget.reserve_floor)
    if funds is not None:
        floor_share = np.where(funds.has_funds, funds.floor.sum(axis=0), floor_share)
    return FiscalInputs(
        own_source=own_source,
        expenditure=expenditure,
        state_aid=state_aid,
        reserves0=params.per_city("budget.reserves", lambda c: c.budget.reserves),
        floor_share=floor_share,
        next_is_year_start=next_start,
        policy=GapPolicy(
            cut_limit=np.where(["service_cuts" in g.order for g in gaps],
                               policy("service_cut_limit"), 0.0),
            cut_lag=policy("service_cut_lag_months"),
            cut_spread=policy("service_cut_spread_months"),
            tax_limit=np.where(["tax_increase" in g.order for g in gaps],
                               policy("tax_increase_limit"), 0.0),
            tax_cap=policy("tax_increase_cap"),
            tax_lag=policy("tax_increase_lag_months"),
            borrow_limit=policy("borrowing_limit"),
            borrow_rate=policy("borrowing_rate"),
            cuts_first=np.array([g.order[:1] == ["service_cuts"] for g in gaps]),
        ),
        funds=funds,
        recession_start=recession_start,
        midyear_cut=midyear_cut,
        draws=draws,
    )


def _midyear_cut(plan: Plan, params: Parameters, expected: np.ndarray, own_source: np.ndarray,
                 expenditure: np.ndarray) -> np.ndarray | None:
    """(T, R, C) spending cut by mid-year reviews, or None where no city reviews its budget."""
    cities = plan.scenario.city
    share = params.per_city("budget.midyear_share", lambda c: c.budget.midyear_share)
    reviewed = np.zeros((12, len(cities)), bool)
    for c, city in enumerate(cities):
        reviewed[np.array(city.budget.review_months, int) - 1, c] = True
    if not (share.any() and reviewed.any()):
        return None
    fiscal_month = (plan.calendar.calendar_month[:, None] - plan.fiscal_year_start) % 12 + 1
    # Never more than the month's budget (a year with no revenue at all).
    return np.minimum(cut_after_reviews(expected, own_source, fiscal_month, reviewed, share),
                      expenditure)


def sample_funds(plan: Plan, params: Parameters) -> FundInputs | None:
    """Fund policies of a batch, or None when no city states funds (one pool each)."""
    cities = plan.scenario.city
    K = max(len(c.budget.fund) for c in cities)
    if K == 0:
        return None
    R, C = params.size, len(cities)
    shape = (K, R, C)
    floor, target, deposit = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    cap, balance = np.full(shape, np.inf), np.zeros(shape)
    for c, city in enumerate(cities):
        for k, fund in enumerate(city.budget.fund):
            path = f"city[{city.name}].budget.fund[{fund.name}]"

            def value(key: str, fixed, default: float = 0.0, path: str = path) -> np.ndarray:
                return params.per_replication(f"{path}.{key}", default if fixed is None
                                              else fixed)

            floor[k, :, c] = value("floor", fund.floor)
            target[k, :, c] = (floor[k, :, c] if fund.target is None
                               else value("target", fund.target))
            if fund.cap is not None:
                cap[k, :, c] = value("cap", fund.cap)
            deposit[k, :, c] = value("deposit_share", fund.deposit_share)
            balance[k, :, c] = value("balance", fund.balance)
    return FundInputs(
        names=tuple(tuple(f.name for f in c.budget.fund) for c in cities),
        floor=floor, target=target, cap=cap, deposit=deposit, balance0=balance[1:],
        has_funds=np.array([bool(c.budget.fund) for c in cities]),
    )


@dataclass(frozen=True)
class FiscalState:
    """Budget stocks and standing decisions, arrays (S, R, C)."""

    reserves: np.ndarray
    debt: np.ndarray
    """Short-term debt outstanding."""
    tax_rate: np.ndarray
    """Cumulative tax increase, as a share of own-source revenue."""
    service_cut: np.ndarray
    """Monthly spending cut in force."""
    months_below: np.ndarray
    """Consecutive months with reserves net of debt below the floor."""
    funds: np.ndarray | None = None
    """(K - 1, S, R, C) balances of the funds after the first (the first holds
    the rest of ``reserves``), or None without funds."""
    year_surplus: np.ndarray | None = None
    """Revenue less spending so far in the fiscal year (kept only with funds)."""
    opening: np.ndarray | None = None
    """Net reserves (none below zero) at the fiscal year's start, kept only with a draw rule."""


def initial_fiscal_state(inputs: FiscalInputs, strategies: int) -> FiscalState:
    """Every strategy starts from the same opening reserves."""
    shape = (strategies, *inputs.reserves0.shape)
    zeros = np.zeros(shape)
    funds = None if inputs.funds is None else np.broadcast_to(
        inputs.funds.balance0[:, None], (len(inputs.funds.balance0), *shape)).copy()
    return FiscalState(
        reserves=np.broadcast_to(inputs.reserves0, shape).copy(),
        debt=zeros.copy(),
        tax_rate=zeros.copy(),
        service_cut=zeros.copy(),
        months_below=np.zeros(shape, dtype=np.int32),
        funds=funds,
        year_surplus=None if funds is None else zeros.copy(),
        opening=None if inputs.draws is None else np.maximum(zeros, inputs.reserves0),
    )


@dataclass(frozen=True)
class CostFlows:
    """Money flows from the other processes in one month, arrays (S, R, C)."""

    federal_received: np.ndarray
    """Grant payments received (net of withholding and clawbacks)."""
    federal_restored: np.ndarray
    """Previously withheld funds paid out."""
    legal_cost: np.ndarray
    compliance_cost: np.ndarray
    liability_cost: np.ndarray
    grant_saving: np.ndarray | None = None
    """Spending stopped because grant money paying for it stopped (absorbed or
    cut: :mod:`sim.model.funded`); None when no grant names what it pays for."""


def fiscal_month(state: FiscalState, inputs: FiscalInputs, m: int,
                 flows: CostFlows) -> tuple[FiscalState, dict[str, np.ndarray]]:
    """Advance every budget by month ``m``; return the new state and the month's accounts."""
    p = inputs.policy
    own, expenditure, aid = inputs.own_source[m], inputs.expenditure[m], inputs.state_aid[m]
    interest = state.debt * p.borrow_rate / 12
    tax = own * state.tax_rate
    received, restored = flows.federal_received, flows.federal_restored
    if inputs.federal_cut is not None:
        received = received * (1.0 - inputs.federal_cut)
        restored = restored * (1.0 - inputs.federal_cut)
    revenue = own + tax + aid + received + restored
    spent = expenditure if inputs.midyear_cut is None else expenditure - inputs.midyear_cut[m]
    spending = (spent - state.service_cut + flows.legal_cost + flows.compliance_cost
                + flows.liability_cost + interest)
    if flows.grant_saving is not None:
        spending = spending - flows.grant_saving
    reserves = state.reserves + revenue - spending
    floor = inputs.floor_share * 12 * expenditure
    borrowing, repayment, debt = _borrow_and_repay(reserves, state.debt, floor,
                                                   p.borrow_limit * 12 * expenditure)
    funds, year_surplus, outlay, fund_below = state.funds, state.year_surplus, 0.0, None
    if inputs.funds is not None:
        funds, year_surplus, outlay, fund_below = _move_between_funds(
            inputs, m, reserves, state.funds, state.year_surplus + revenue - spending,
            12 * expenditure)
        reserves -= outlay

    net = reserves - debt
    below = net < floor
    defended, opening = floor, state.opening
    if inputs.draws is not None:
        defended, opening = inputs.draws.level(m, floor, opening, net, inputs.next_is_year_start[m])
    months_below = (state.months_below + 1) * (net < defended)
    cut, tax_rate = _gap_closing(state, inputs, m, net, defended, months_below, own, expenditure)
    accounts = {
        "revenue": revenue + borrowing,
        "spending": spending + repayment + outlay,
        "net_reserves": net,
        "reserves": reserves,
        "debt": debt,
        "own_source": np.broadcast_to(own, reserves.shape),
        "tax_increase": tax,
        "state_aid": np.broadcast_to(aid, reserves.shape),
        "federal_received": received,
        "federal_restored": restored,
        "borrowing": borrowing,
        "repayment": repayment,
        "expenditure": np.broadcast_to(spent, reserves.shape),
        "service_cuts": state.service_cut,
        "legal_cost": flows.legal_cost,
        "compliance_cost": flows.compliance_cost,
        "liability_cost": flows.liability_cost,
        "interest": interest,
        "below_floor": below,
        # Reserve policies are stated on fiscal-year-end balances.
        "below_floor_at_year_end": below & inputs.next_is_year_start[m],
    }
    if fund_below is not None:
        accounts["fund_below_floor"] = fund_below
    new_state = replace(state, reserves=reserves, debt=debt, tax_rate=tax_rate,
                        service_cut=cut, months_below=months_below, funds=funds,
                        year_surplus=year_surplus, opening=opening)
    return new_state, accounts


def fund_balances(reserves: np.ndarray, later: np.ndarray) -> np.ndarray:
    """(K, ...) balances of every fund: the first holds what the later ones do not."""
    return np.concatenate([(reserves - later.sum(axis=0))[None], later])


def _move_between_funds(inputs: FiscalInputs, m: int, reserves: np.ndarray, later: np.ndarray,
                        year_surplus: np.ndarray, annual: np.ndarray
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Draws, year-end deposits and caps of the month.

    Returns the later funds' balances, the year's surplus so far, the outlay
    of the first fund's excess over its cap (spending) and (K, S, R, C)
    whether each fund is below its floor.  ``reserves`` (S, R, C) is the
    total after the month's flows; ``annual`` (R, C) the annual expenditure.
    """
    f = inputs.funds
    later = later.copy()
    first = reserves - later.sum(axis=0)
    floor = f.floor * annual
    uncapped = np.isinf(f.cap)  # inf x 0 would be nan
    # Draws: the first fund is topped up to its floor from the later funds'
    # money above their floors, in order; then, if it is still short of zero,
    # from what they hold below their floors, in order.
    for level in (floor, np.zeros_like(floor)):
        short = np.maximum(level[0] - first, 0.0)
        for k in range(1, len(floor)):
            moved = np.minimum(short, np.maximum(later[k - 1] - level[k], 0.0))
            later[k - 1] -= moved
            first += moved
            short -= moved
    outlay = np.zeros_like(reserves)
    year_ends = inputs.next_is_year_start[m]
    if year_ends.any():
        # Deposits and caps look at the coming year's budget, as the budget
        # adopted for it appropriates them: a fund kept at its floor share
        # does not fall below it when expenditure steps up.
        ahead = 12 * inputs.expenditure[min(m + 1, len(inputs.expenditure) - 1)]
        floor_ahead, target = f.floor * ahead, f.target * ahead
        cap = np.where(uncapped, np.inf, np.where(uncapped, 0.0, f.cap) * ahead)
        surplus = np.maximum(year_surplus, 0.0)
        # Refills mirror the draws: only the first fund's money above its own
        # floor restores the later funds to their floors, in order, then pays
        # the deposits of the year's surplus toward their targets.
        for k in range(1, len(floor)):
            spare = np.maximum(first - floor_ahead[0], 0.0)
            restore = np.clip(floor_ahead[k] - later[k - 1], 0.0, spare)
            deposit = np.clip(np.minimum(f.deposit[k] * surplus,
                                         target[k] - later[k - 1] - restore),
                              0.0, spare - restore)
            excess = np.maximum(later[k - 1] + restore + deposit - cap[k], 0.0)
            moved = np.where(year_ends, restore + deposit - excess, 0.0)
            later[k - 1] += moved
            first -= moved
        outlay = np.where(year_ends, np.maximum(first - cap[0], 0.0), 0.0)
        first -= outlay
        year_surplus = np.where(year_ends, 0.0, year_surplus)
    below = (fund_balances(reserves - outlay, later) < floor[:, None]) & f.has_funds
    return later, year_surplus, outlay, below


def _borrow_and_repay(reserves: np.ndarray, debt: np.ndarray, floor: np.ndarray,
                      limit: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Short-term borrowing and repayment of the month, and the debt after them.

    Borrowing covers negative ``reserves`` up to ``limit`` (R, C) of debt;
    repayment brings reserves down to ``floor`` (R, C) at most.  ``reserves``
    is updated in place.  Only cells short of cash or in debt (about 3 in 100)
    can borrow or repay: elsewhere both are exactly +0.0 (reserves are positive
    and nothing is owed) and reserves and debt stay as they are, so only those
    cells are worked out (whole arrays took two ``np.clip``, the slowest of
    numpy's steps; docs/engine.md, measured choices).
    """
    borrowing, repayment = np.zeros_like(reserves), np.zeros_like(reserves)
    debt = debt.copy()
    cells = np.flatnonzero((reserves <= 0.0) | (debt > 0.0))
    if cells.size:
        budget = cells % floor.size
        cash, owed = reserves.ravel()[cells], debt.ravel()[cells]
        borrowed = np.clip(-cash, 0.0, np.maximum(limit.ravel()[budget] - owed, 0.0))
        cash, owed = cash + borrowed, owed + borrowed
        repaid = np.clip(np.minimum(owed, cash - floor.ravel()[budget]), 0.0, None)
        reserves.ravel()[cells] = cash - repaid
        debt.ravel()[cells] = owed - repaid
        borrowing.ravel()[cells] = borrowed
        repayment.ravel()[cells] = repaid
    return borrowing, repayment, debt


def _gap_closing(state: FiscalState, inputs: FiscalInputs, m: int, net: np.ndarray,
                 floor: np.ndarray, months_below: np.ndarray, own: np.ndarray,
                 expenditure: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Service cut and tax rate for next month, sized to the gap in the city's order.

    ``floor`` is (R, C), or (S, R, C) under a withdrawal rule.  Where no tool can act
    (at or above the floor, or not below it long enough) the cut in force holds until
    the year ends and the tax rate stays; only the other cells, usually few, are sized
    (see :func:`_size_tools`).
    """
    p = inputs.policy
    year_ends = inputs.next_is_year_start[m]
    # One comparison with a per-city threshold instead of five whole-array steps.
    acting = months_below >= np.where(year_ends, p.acting_from_at_year_end, p.acting_from)
    cut = np.maximum(state.service_cut, 0.0)
    if year_ends.any():
        cut[..., year_ends] = 0.0
    tax_rate = state.tax_rate + 0.0
    cells = np.flatnonzero(acting)
    if cells.size:
        C = net.shape[-1]
        budget = cells % own.size
        city = budget % C

        def at(values: np.ndarray, index: np.ndarray = cells) -> np.ndarray:
            return values.ravel()[index]

        rate, level = at(state.tax_rate), at(floor, budget if floor.ndim < net.ndim else cells)
        sized, increase = _size_tools(
            GapPolicy(**{name: getattr(p, name)[city] for name in GapPolicy.__dataclass_fields__}),
            year_ends[city], np.maximum(level - at(net), 0.0), at(months_below),
            at(state.service_cut), rate, at(own, budget), at(expenditure, budget))
        cut.ravel()[cells] = sized
        tax_rate.ravel()[cells] = rate + increase
    return cut, tax_rate


def _size_tools(p: GapPolicy, year_ends: np.ndarray, gap: np.ndarray, months_below: np.ndarray,
                service_cut: np.ndarray, tax_rate: np.ndarray, own: np.ndarray,
                expenditure: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Next month's service cut and tax increase of cells given as matching 1-d arrays."""
    cut_room = p.cut_limit * expenditure
    tax_room = np.minimum(p.tax_limit, np.maximum(p.tax_cap - tax_rate, 0.0))
    can_tax = year_ends & (months_below >= p.tax_lag) & (months_below > 0)
    can_cut = (months_below >= p.cut_lag) & (months_below > 0)
    annual_own = 12 * own

    def cuts(remaining: np.ndarray) -> np.ndarray:
        return np.where(can_cut, np.minimum(cut_room, remaining / p.cut_spread), 0.0)

    def taxes(remaining: np.ndarray) -> np.ndarray:
        needed = divide_where(remaining, annual_own, annual_own >= 1.0)
        return np.where(can_tax, np.minimum(tax_room, needed), 0.0)

    cut_a = cuts(gap)
    tax_b = taxes(np.maximum(gap - cut_a * p.cut_spread, 0.0))
    tax_a = taxes(gap)
    cut_b = cuts(np.maximum(gap - tax_a * annual_own, 0.0))
    target_cut = np.where(p.cuts_first, cut_a, cut_b)
    increase = np.where(p.cuts_first, tax_b, tax_a)
    # Cuts adopted mid-year hold until the year ends; each budget starts afresh.
    cut = np.where(year_ends, target_cut, np.maximum(service_cut, target_cut))
    return cut, increase
