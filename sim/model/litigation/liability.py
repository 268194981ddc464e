"""Liability for unlawful detention: damages paid for holds on ICE detainers.

Units: US dollars, months.  Each month the enforcement process may supply
``accounts["unlawful_holds"]`` (S, R, C): holds on ICE detainers without a
judicial warrant.  Paid claims are Poisson with mean ``holds x
claim_probability`` (inverse transform of one common uniform per city and
month, :func:`sim.model.counts.poisson_quantile`, so strategies stay paired
and more holds never mean fewer claims); their total cost is log-normal
(Fenton-Wilkinson sum of claims with mean ``payout_mean`` and log-sd
``payout_sigma``, one common normal per city and month), paid
``payout_lag_months`` later; what falls after the horizon is reported as
``liability_accrued``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.model.counts import LARGE, PoissonTables, poisson_quantile
from sim.model.plan import Parameters, Plan
from sim.model.streams import rekeyed

if TYPE_CHECKING:
    from sim.model.world import World


@dataclass(frozen=True)
class LiabilityInputs:
    """Claims and payouts of unlawful holds, for a batch of replications."""

    claim_probability: np.ndarray
    """(R,) probability that an unlawful hold leads to a paid claim."""
    payout_mean: np.ndarray
    """(R,) mean cost of a claim."""
    payout_sigma: np.ndarray
    """(R,) standard deviation of a claim's log cost."""
    payout_lag: np.ndarray
    """(R,) whole months from hold to payment."""


def sample_liability(plan: Plan, params: Parameters) -> LiabilityInputs:
    """The scenario's ``[litigation.liability]`` for a batch of replications."""
    liability = plan.scenario.litigation.liability
    path = "litigation.liability"
    return LiabilityInputs(
        claim_probability=params.per_replication(f"{path}.claim_probability",
                                                 liability.claim_probability),
        payout_mean=params.per_replication(f"{path}.payout_mean", liability.payout_mean),
        payout_sigma=params.per_replication(f"{path}.payout_sigma", liability.payout_sigma),
        payout_lag=np.rint(params.per_replication(f"{path}.payout_lag_months",
                                                  liability.payout_lag_months)).astype(int),
    )


@dataclass
class LiabilityState:
    """Claims booked and still to pay; mutable, updated in place."""

    accrued: np.ndarray
    """(S, R, C) claims incurred whose payment falls after the horizon."""
    due: np.ndarray | None = None
    """(L, S, R, C) claims to pay in month p, in slot p % L (L: longest payout lag + 1,
    at most T), allocated once holds appear."""
    due_in: np.ndarray | None = None
    """(L,) whether a slot of ``due`` holds anything."""
    tables: PoissonTables | None = None
    """Claim-count tables of 0 to :attr:`most` holds, built when holds first appear."""
    most: int = -1
    """Largest number of holds tabled."""
    claim_u: np.ndarray | None = None
    """(T, R, C) uniforms of the monthly claim counts."""
    claim_z: np.ndarray | None = None
    """(T, R, C) normals of the monthly claim costs."""


def initial_liability_state(plan: Plan, replications: int) -> LiabilityState:
    """Nothing booked."""
    S, C = plan.shape
    return LiabilityState(accrued=np.zeros((S, replications, C)))


def lognormal_total(claims: np.ndarray, mean: np.ndarray, sigma: np.ndarray,
                    z: np.ndarray) -> np.ndarray:
    """Total cost of ``claims`` log-normal claims, from one standard normal ``z`` each.

    Fenton-Wilkinson: the sum is taken as log-normal with the exact mean
    ``claims * mean`` and variance; zero claims cost nothing.
    """
    n = np.maximum(claims, 1.0)
    log_var = np.log1p(np.expm1(sigma**2) / n)
    return claims * mean * np.exp(np.sqrt(log_var) * z - log_var / 2)


def liability_month(world: World, m: int, holds: np.ndarray | None) -> np.ndarray:
    """(S, R, C) damages paid in month ``m``, after booking the claims of its ``holds``."""
    state = world.liability
    if holds is not None and holds.max() > 0:
        _draw_liability(world)
        _book_claims(world, m, _claim_costs(world, m, holds))
    if state.due is None:
        return world.zeros
    slot = m % len(state.due)
    if not state.due_in[slot]:
        # Nothing booked for this month (before the shortest payout lag): the slot
        # is all zeros, and writing zeros would touch its untouched pages for nothing.
        return world.zeros
    due = state.due[slot].copy()
    state.due[slot] = 0.0
    state.due_in[slot] = False
    return due


def _book_claims(world: World, m: int, cost: np.ndarray) -> None:
    """Book month ``m``'s claims ``cost`` (S, R, C) to be paid after each replication's lag."""
    state, T = world.liability, world.plan.calendar.months
    paid_in = m + world.liability_inputs.payout_lag
    lag = paid_in[0] - m
    if np.all(paid_in == m + lag):
        # One lag for every replication (a number, not a distribution, in the scenario):
        # one slot, without gathering replications.
        if m + lag < T:
            state.due[(m + lag) % len(state.due)] += cost
            state.due_in[(m + lag) % len(state.due)] = True
        else:
            state.accrued += cost
        return
    inside = np.flatnonzero(paid_in < T)
    slot = paid_in[inside] % len(state.due)
    state.due[slot, :, inside, :] += cost[:, inside, :].transpose(1, 0, 2)
    state.due_in[slot] = True
    outside = paid_in >= T
    state.accrued[:, outside, :] += cost[:, outside, :]


def _claim_costs(world: World, m: int, holds: np.ndarray) -> np.ndarray:
    """(S, R, C) cost of the claims for month ``m``'s unlawful ``holds`` (S, R, C).

    Claims come from common uniforms and normals, so a strategy holding no one
    costs nothing and a strategy with the same holds as an earlier one costs
    the same: only the others are worked out (the benchmark's baseline and
    sanctuary strategies hold no one).
    """
    state, inputs = world.liability, world.liability_inputs
    cost = np.zeros(holds.shape)
    worked_out: list[int] = []
    copies: list[tuple[int, int]] = []
    for s in range(len(holds)):
        if not holds[s].any():
            continue
        same = [t for t in worked_out if np.array_equal(holds[t], holds[s])]
        if same:
            copies.append((s, same[0]))
        else:
            worked_out.append(s)
    if worked_out:
        which = _consecutive(worked_out)
        claims = _claim_counts(world, m, holds[which])
        cost[which] = lognormal_total(claims, inputs.payout_mean[None, :, None],
                                      inputs.payout_sigma[None, :, None],
                                      state.claim_z[m][None])
    for s, t in copies:
        cost[s] = cost[t]
    return cost


def _consecutive(strategies: list[int]) -> slice | list[int]:
    """``strategies`` as a slice if consecutive (a view, not a copy), else the list."""
    if strategies == list(range(strategies[0], strategies[-1] + 1)):
        return slice(strategies[0], strategies[-1] + 1)
    return strategies


def _claim_counts(world: World, m: int, holds: np.ndarray) -> np.ndarray:
    """Paid claims of month ``m``'s ``holds`` (S', R, C): Poisson from the month's uniforms.

    When the claim probability is one number (every shipped scenario) and the
    holds whole numbers, counts are looked up in the batch's tables of
    ``h x probability`` for whole ``h``, built once and widened as needed,
    instead of building tables every month.
    """
    state, probability = world.liability, world.liability_inputs.claim_probability
    u = state.claim_u[m]
    rows = holds.astype(np.intp)
    p = float(probability[0])
    most = int(rows.max())
    if (not np.all(probability == p) or most * p >= LARGE
            or not np.array_equal(rows, holds)):
        return poisson_quantile(holds * probability[None, :, None], u[None]).astype(float)
    if state.tables is None or state.most < most:
        # Widened with room to spare: holds vary from month to month.
        state.most = max(most, min(2 * max(most, state.most), int(LARGE / p) - 1))
        state.tables = PoissonTables.build(np.arange(state.most + 1) * p)
    return state.tables.counts(rows, u).astype(float)


def _draw_liability(world: World) -> None:
    """Draw every month's claim uniforms and normals, once, when holds first appear."""
    state = world.liability
    if state.claim_u is not None:
        return
    plan = world.plan
    T = plan.calendar.months
    u = np.empty((len(world.streams), len(plan.cities), T))
    z = np.empty_like(u)
    for r, c, generator in rekeyed(world.streams, "liability", plan.cities):
        generator.random(T, out=u[r, c])
        generator.standard_normal(T, out=z[r, c])
    state.claim_u = np.ascontiguousarray(u.transpose(2, 0, 1))
    state.claim_z = np.ascontiguousarray(z.transpose(2, 0, 1))
    # Month p's claims sit in slot p % months: paid and cleared before a later month needs it.
    months = min(T, int(world.liability_inputs.payout_lag.max(initial=0)) + 1)
    state.due = np.zeros((months, *world.zeros.shape))
    state.due_in = np.zeros(months, bool)

