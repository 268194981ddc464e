"""Legal costs: what open suits cost each month, and how coalitions share them.

Units: US dollars.  Each open suit costs ``in_house_per_month +
outside_per_month`` every month, plus a lump sum per stage ruled; a
coalition's costs are split among the members taking part that month
(equally, by population or by budget) in whole cents that add up exactly to
the total.  A member whose recognised compliance level is no longer
penalised withdraws and stops paying (:mod:`sim.model.litigation.suits`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.model.arrays import as_index, nonzero_cells, sum_last
from sim.model.plan import Parameters
from sim.scenario import COURT_STAGES, LegalCosts, Scenario

if TYPE_CHECKING:
    from sim.model.world import World


@dataclass(frozen=True)
class CostInputs:
    """What suits cost and how coalitions share it, for a batch of replications."""

    monthly: np.ndarray
    """(R, G) cost of an open suit per month."""
    stage_fee: np.ndarray
    """(R, G, 4) lump sum billed at each stage's ruling."""
    sharing: tuple[str, ...]
    """Per coalition: ``equal``, ``population`` or ``budget``."""
    coalition_cities: np.ndarray
    """(K, W) cities of each coalition over any measure, in order, padded with its first
    (the columns of its cost sharing)."""
    coalition_member: np.ndarray
    """(K, M, W) whether each of those cities is a member over the measure (padding: never)."""


def sample_costs(scenario: Scenario, params: Parameters, group_of: np.ndarray) -> CostInputs:
    """Costs of every litigant group: the scenario's, or a coalition's own.

    ``group_of`` (M, C) is the group in which each city sues over each measure
    (coalitions first, then one group per city).
    """
    litigation = scenario.litigation
    K, C = len(litigation.coalition), group_of.shape[1]
    monthly, stage_fee = _costs(params, "litigation.costs", litigation.costs, K + C)
    for k, coalition in enumerate(litigation.coalition):
        if coalition.states:  # a state-led suit: the states pay, the cities are not parties
            monthly[:, k], stage_fee[:, k] = 0.0, 0.0
        elif coalition.costs is not None:
            prefix = f"litigation.coalition[{coalition.name}].costs"
            own_monthly, own_fee = _costs(params, prefix, coalition.costs, 1)
            monthly[:, k], stage_fee[:, k] = own_monthly[:, 0], own_fee[:, 0]
    cities, member = _coalition_columns(group_of, K)
    return CostInputs(monthly=monthly, stage_fee=stage_fee,
                      sharing=tuple(c.cost_sharing for c in litigation.coalition),
                      coalition_cities=cities, coalition_member=member)


def _costs(params: Parameters, prefix: str, costs: LegalCosts,
           groups: int) -> tuple[np.ndarray, np.ndarray]:
    """(R, groups) monthly cost and (R, groups, 4) stage fees of one costs table."""
    monthly = (params.per_replication(f"{prefix}.in_house_per_month", costs.in_house_per_month)
               + params.per_replication(f"{prefix}.outside_per_month",
                                        costs.outside_per_month))
    fees = np.stack([params.per_replication(f"{prefix}.{stage}", getattr(costs, stage))
                     for stage in COURT_STAGES], axis=1)
    return (np.repeat(monthly[:, None], groups, axis=1),
            np.repeat(fees[:, None, :], groups, axis=1))


def _coalition_columns(group_of: np.ndarray, K: int) -> tuple[np.ndarray, np.ndarray]:
    """:attr:`CostInputs.coalition_cities` and :attr:`CostInputs.coalition_member`."""
    in_group = group_of[None] == np.arange(K)[:, None, None]  # (K, M, C)
    cities = [np.flatnonzero(in_group[k].any(axis=0)) for k in range(K)]
    width = max([1, *(len(c) for c in cities)])
    members = np.zeros((K, width), dtype=np.intp)
    member_of = np.zeros((K, in_group.shape[1], width), bool)
    for k, row in enumerate(cities):
        members[k, :len(row)], members[k, len(row):] = row, row[0] if len(row) else 0
        member_of[k, :, :len(row)] = in_group[k][:, row]
    return members, member_of


def legal_costs(world: World, m: int) -> np.ndarray:
    """(S, R, C) legal costs of month ``m``: open suits and the stage fees billed."""
    legal, inputs = world.legal, world.legal_inputs
    if not legal.filed:
        return world.zeros
    K = inputs.coalitions
    cost = np.zeros(world.zeros.shape)
    # Only groups that challenge a measure ever have a suit open or a fee billed: the
    # benchmark's coalition members never sue alone, 40 of its 54 groups.
    alone = np.flatnonzero(inputs.challenges[K:].any(axis=1))
    if len(alone):
        cost[:, :, as_index(alone)] = sum_last(_suit_costs(world, as_index(K + alone)))
    if K:
        _add_coalition_shares(world, m, _suit_costs(world, slice(0, K)), cost)
    legal.fees_due[:] = 0.0
    return cost


def _add_coalition_shares(world: World, m: int, totals: np.ndarray, cost: np.ndarray) -> None:
    """Add the coalitions' costs ``totals`` (S, R, K, M) this month, shared among members."""
    legal, inputs = world.legal, world.legal_inputs
    costs = inputs.costs
    # Only (coalition, measure, strategy, replication) rows with costs take part: one
    # share_costs call for all of them, not one per coalition nor one per coalition and
    # measure.
    k, which, s, r = nonzero_cells(totals.transpose(2, 3, 0, 1))
    if not len(k):
        return
    # Columns: the row's coalition's cities (over any of its measures, in order), then
    # padding.  A column not a member over the row's measure, or padding, does not
    # take part and gets a share of exactly 0.0, which changes no sum it is added to.
    cities = costs.coalition_cities[k]
    taking_part = legal.party[s[:, None], r[:, None], cities, which[:, None]]
    taking_part &= costs.coalition_member[k, which]
    weights = np.ones(cities.shape)  # "equal" sharing
    bounds = np.searchsorted(k, np.arange(inputs.coalitions + 1))
    for g, (first, last) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        by = _sharing_weights(world, g, m)
        if by is not None and last > first:
            weights[first:last] = by[r[first:last, None], cities[first:last]]
    shares = share_costs(totals[s, r, k, which], weights, taking_part)
    # Rows run coalition by coalition, measure by measure, and np.add.at adds them in
    # row order: each city's shares are added in that order, as one call per coalition
    # and measure did (identical sums).  Flat indices: numpy's add.at is 4 times faster
    # on one index array than on three.
    S, R, C = cost.shape
    cells = ((s * R + r) * C)[:, None] + cities
    np.add.at(cost.reshape(-1), cells.ravel(), shares.ravel())


def _suit_costs(world: World, groups: slice | np.ndarray) -> np.ndarray:
    """(S, R, groups, M) this month's cost of the groups' suits: monthly while open, plus fees."""
    legal, monthly = world.legal, world.legal_inputs.costs.monthly[:, groups]
    is_open, fees = legal.open[:, :, groups], legal.fees_due[:, :, groups]
    total = np.empty(fees.shape)
    for k in range(total.shape[-1]):  # per measure: numpy broadcasts slowly along a short axis
        np.add(is_open[..., k] * monthly, fees[..., k], out=total[..., k])
    return total


def _sharing_weights(world: World, k: int, m: int) -> np.ndarray | None:
    """(R, C) weight of each city in coalition ``k``'s cost sharing this month (None: equal)."""
    rule = world.legal_inputs.costs.sharing[k]
    if rule == "population":
        R, C = len(world.replications), len(world.plan.cities)
        return np.broadcast_to(world.plan.population, (R, C))
    if rule == "budget":
        return world.fiscal_inputs.expenditure[m]
    return None


def share_costs(amount: np.ndarray, weights: np.ndarray,
                taking_part: np.ndarray) -> np.ndarray:
    """Split ``amount`` among the cities taking part (last axis), in whole cents.

    Shares are proportional to ``weights`` (equal if the weights of those
    taking part are all zero) and add up exactly to the amount rounded to
    the cent: cumulative shares are rounded, then differenced.  Nothing is
    charged where nobody takes part.
    """
    weights = np.where(taking_part, weights, 0.0)
    no_weight = ~(weights > 0).any(axis=-1, keepdims=True)
    weights = np.where(no_weight & taking_part, 1.0, weights)
    cumulative = np.cumsum(weights, axis=-1)
    whole = cumulative[..., -1:]
    fraction = np.divide(cumulative, whole, out=np.zeros_like(cumulative), where=whole > 0)
    cents = np.rint(np.rint(np.asarray(amount) * 100.0)[..., None] * fraction)
    # np.diff(cents, prepend=0.0), without its concatenation.
    shares = np.empty_like(cents)
    np.subtract(cents[..., :1], 0.0, out=shares[..., :1])
    np.subtract(cents[..., 1:], cents[..., :-1], out=shares[..., 1:])
    return shares / 100.0
