"""Positions and programs that federal grants pay for, and what cities do when the money stops.

Units: US dollars per month, positions (full-time equivalents).  Arrays are
``(S, R, I)`` over strategy, replication and funded item (``[[city.grant.funds]]``,
every city's, in file order), summed to ``(S, R, C)`` for the accounts.

An item costs its share of its grant's award, a twelfth a month.  The share
of its funding lost is the share withheld of its grant's latest payment:
updated each month a payment is due (monthly for a reimbursement grant, in
the award month for an advance, whose award pays for the year), so the city
reacts to money not arriving, not to what a court may later restore (restored
money goes back to the general fund).  From the first month of a loss the
item's response plays out, month ``k`` of the loss (1, 2, ...):

* ``absorb`` while ``k <= absorb_months``: the department absorbs the loss
  within its budget: spending falls by the money lost (service lost, in
  dollars, elsewhere in the department), no position is cut;
* ``cut`` once ``k > cut_lag_months`` (and past any absorbing): the item
  stops in proportion to the money lost: spending falls by its whole cost,
  the money lost and the city's own ``local_match`` of it (the positions'
  salaries stop, the city's share with them: ``money / (1 - local_match)``),
  service lost in dollars and in positions;
* otherwise ``backfill``: the general fund pays what the grant no longer
  does (a cost: spending stays, the loss falls on reserves, as for money no
  item names).

The loss ends when a payment arrives in full again; the item is restored
(positions refilled) that month.  Spending saved by absorbing or cutting is
taken off the month's spending in :func:`sim.model.fiscal.fiscal_month`, so
the accounting identity holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.plan import Parameters, Plan


@dataclass(frozen=True)
class FundedInputs:
    """The funded items of a batch."""

    grant: np.ndarray
    """(I,) flat index ``c * G + g`` of each item's grant in (C, G) arrays."""
    city: np.ndarray
    """(I,) city of each item."""
    share: np.ndarray
    """(R, I) share of its grant's award paying for each item."""
    positions: np.ndarray
    """(I,) full-time positions each item pays for."""
    absorb_months: np.ndarray
    """(S, I) months absorbed before anything else (0: no absorbing)."""
    cuts: np.ndarray
    """(S, I) whether the item is cut once past its lags (else backfilled)."""
    cut_lag: np.ndarray
    """(I,) months from the first loss before a cut takes effect."""
    match: np.ndarray
    """(I,) share of each item's cost the city pays itself (a local match)."""


def sample_funded(plan: Plan, params: Parameters) -> FundedInputs | None:
    """The funded items of the plan's scenario, or None when no grant names any."""
    table = plan.scenario.strategy_table()
    strategies = [None, *(table[name] for name in plan.strategies[1:])]
    G = len(plan.programs)
    grant, city, share, positions, absorb, cuts, lag, match = [], [], [], [], [], [], [], []
    for c, place in enumerate(plan.scenario.city):
        for item_grant in place.grant:
            g = plan.programs.index(item_grant.program)
            for k, item in enumerate(item_grant.funds):
                grant.append(c * G + g)
                city.append(c)
                share.append(params.get(
                    f"city[{place.name}].grant[{item_grant.program}].funds[{k}].share",
                    item.share) * np.ones(params.size))
                positions.append(item.positions)
                lag.append(item.cut_lag_months)
                match.append(item.local_match)
                per_strategy = []
                for strategy in strategies:
                    adopts = strategy is not None and (not strategy.cities
                                                       or place.name in strategy.cities)
                    per_strategy.append(strategy.grant_response if adopts
                                        and strategy.grant_response else item.response)
                absorb.append([item.absorb_months if r == "absorb" else 0
                               for r in per_strategy])
                cuts.append([(item.then if r == "absorb" else r) == "cut"
                             for r in per_strategy])
    if not grant:
        return None
    return FundedInputs(
        grant=np.array(grant), city=np.array(city), share=np.stack(share, axis=1),
        positions=np.array(positions, float), absorb_months=np.array(absorb).T,
        cuts=np.array(cuts, bool).T, cut_lag=np.array(lag), match=np.array(match, float))


@dataclass
class FundedState:
    """Each item's funding lost and for how long, arrays (S, R, I)."""

    lost: np.ndarray
    """Share of the item's funding lost (its grant's latest payment's share withheld)."""
    months: np.ndarray
    """Months the loss has lasted, this one included (0: no loss)."""


def initial_funded_state(inputs: FundedInputs, strategies: int) -> FundedState:
    """No item has lost money at the start."""
    shape = (strategies, *inputs.share.shape)
    return FundedState(lost=np.zeros(shape), months=np.zeros(shape, dtype=np.int32))


def funded_month(state: FundedState, inputs: FundedInputs, annual_award: np.ndarray,
                 due: np.ndarray, withheld_share: np.ndarray,
                 cities: int) -> dict[str, np.ndarray]:
    """Account for one month of the items' responses; return (S, R, C) accounts.

    ``annual_award`` and ``due`` are (R, C * G) this federal year's awards and
    this month's payments due; ``withheld_share`` (S, R, C * G) the share
    withheld of each payment.  Accounts: ``grant_backfill`` (general-fund
    money replacing lost grant money), ``grant_service_lost`` (spending
    stopped by absorbing or cutting) and ``grant_positions_cut``.
    """
    paid = due[:, inputs.grant] > 0  # (R, I)
    now = withheld_share[:, :, inputs.grant]
    state.lost = np.where(paid[None], now, state.lost)
    losing = state.lost > 0
    state.months = np.where(losing, state.months + 1, 0).astype(np.int32)
    money = state.lost * inputs.share[None] * annual_award[:, inputs.grant][None] / 12
    absorb = inputs.absorb_months[:, None, :]
    absorbing = losing & (state.months <= absorb)
    cutting = (losing & ~absorbing & inputs.cuts[:, None, :]
               & (state.months > np.maximum(inputs.cut_lag[None, None, :], absorb)))
    backfilling = losing & ~absorbing & ~cutting
    return {
        "grant_backfill": _by_city(money * backfilling, inputs.city, cities),
        # A cut stops the whole cost, the city's match included; absorbing, the money lost.
        "grant_service_lost": _by_city(money * absorbing + money / (1.0 - inputs.match) * cutting,
                                       inputs.city, cities),
        "grant_positions_cut": _by_city(state.lost * inputs.positions * cutting, inputs.city,
                                        cities),
    }


def _by_city(values: np.ndarray, city: np.ndarray, cities: int) -> np.ndarray:
    """(S, R, C) sums over each city's items of (S, R, I) values."""
    out = np.zeros((*values.shape[:2], cities))
    for c in np.unique(city):
        out[..., c] = values[..., city == c].sum(axis=-1)
    return out
