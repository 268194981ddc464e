"""The docket at the end of each month: records, withdrawals of complying plaintiffs, late filings.

After the month's federal accounting has refreshed who is penalised, this
records when each city was first exposed and enjoined, removes plaintiffs
whose recognised compliance level is no longer penalised (they withdraw and
stop paying), and starts the suits of cities penalised only now (after an
adaptive strategy's switch): they join their group's open suit or file a new
instance.  It also logs the month's releases of withheld funds.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from sim.model.arrays import any_last, as_index, min_last, nonzero_cells
from sim.model.litigation.state import describe
from sim.model.litigation.suits import late_member, lawsuit, protect

if TYPE_CHECKING:
    from sim.model.world import World


def log_releases(world: World, m: int, restored: np.ndarray) -> None:
    """Log the month's releases of withheld funds (``funds_released``, one row per city)."""
    s, r, c = where = nonzero_cells(restored > 0)
    world.log(r, float(world.plan.calendar.tick_days[m]), "funds_released",
              [f"${amount:,.0f}" for amount in restored[where].tolist()], city=c, strategies=s)


def end_of_month(world: World, m: int) -> None:
    """After month ``m``: withdrawals of complying plaintiffs, late filings, records."""
    legal, fed, plan = world.legal, world.federal, world.plan
    day = float(plan.calendar.tick_days[m])
    # The month's federal accounting refreshed these after the month's events.
    penalised, exposure = fed.penalised, fed.exposed
    _record_exposure(world, m, exposure)
    legal.months_enjoined += _enjoined_in_force(world)
    if legal.filed:
        _withdraw(world, day, penalised)
    # Groups that have filed (even if nobody took part then) take late plaintiffs.
    if legal.member.any() and m + 1 < plan.calendar.months:
        _late_filings(world, float(plan.calendar.start_days[m + 1]), exposure)


def _enjoined_in_force(world: World) -> np.ndarray:
    """(S, R, C) whether an injunction protects the city from a measure in force."""
    fed = world.federal
    enjoined = np.zeros(fed.enjoined.shape[:-1], bool)
    for k in range(fed.enjoined.shape[-1]):
        # Not "& active[None, :, k, None]": numpy broadcasts that along the cities
        # element by element, three times slower than clearing the replications.
        in_force = fed.enjoined[..., k].copy()
        in_force[:, ~fed.active[:, k]] = False
        enjoined |= in_force
    return enjoined


def _record_exposure(world: World, m: int, exposure: np.ndarray) -> None:
    legal = world.legal
    new = np.isinf(legal.first_exposed)
    new &= any_last(exposure)
    if new.any():
        # Only the newly exposed cells' start days are looked at.
        s, r, c = np.nonzero(new)
        began = min_last(np.where(exposure[s, r, c], world.federal_inputs.start_day[r], np.inf))
        legal.first_exposed[s, r, c] = np.maximum(began, world.plan.calendar.start_days[m])


def _withdraw(world: World, day: float, penalised: np.ndarray) -> None:
    legal, inputs = world.legal, world.legal_inputs
    # Plaintiffs no longer penalised (party and not penalised): rare, so looked for
    # before their suits' open flags are gathered.
    leaving = legal.party > penalised
    if not leaving.any():
        return
    M = len(world.plan.measures)
    leaving &= legal.open[:, :, inputs.group_of.T, np.arange(M)]
    if not leaving.any():
        return
    for s, r, c, m in zip(*np.nonzero(leaving), strict=True):
        g = inputs.group_of[m, c]
        world.log(int(r), day, "suit_withdrawn", describe(world, int(m), int(g)) +
                  "; complied", city=int(c), strategies=[int(s)])
    legal.party &= ~leaving
    legal.covered &= ~leaving
    # A suit whose last plaintiffs left ends; one no plaintiff has joined yet (a coalition
    # waiting for its late members) goes on.
    K = inputs.coalitions
    staying = np.zeros_like(legal.open)
    left = np.zeros_like(legal.open)
    staying[:, :, K:, :] = legal.party
    left[:, :, K:, :] = leaving
    for k in range(K):
        members = (inputs.group_of == k).T[None, None]
        staying[:, :, k, :] = (legal.party & members).any(axis=2)
        left[:, :, k, :] = (leaving & members).any(axis=2)
    legal.open &= staying | ~left
    for r, m in {(int(r), int(m)) for _, r, _, m in zip(*np.nonzero(leaving), strict=True)}:
        protect(world, r, m, day)


def _late_filings(world: World, day: float, exposure: np.ndarray) -> None:
    """Start joins or new filings for plaintiffs penalised only now (strategy switches)."""
    legal, inputs = world.legal, world.legal_inputs
    suing = np.flatnonzero(inputs.group_sues.any(axis=0))
    if not len(suing):
        return
    # Only the suing strategies' cells are looked at, through views when they are evenly
    # spaced (the benchmark's one strategy in four).
    among = as_index(suing)
    wanting = exposure[among] & legal.member[None]
    for lost in (legal.party, legal.settled, world.federal.forfeited):
        np.greater(wanting, lost[among], out=wanting)  # wanting and not lost
    if not wanting.any():
        return
    M = len(world.plan.measures)
    suit_open = legal.open[:, :, inputs.group_of.T, np.arange(M)]
    joins: dict[tuple[int, int, int, int], np.ndarray] = defaultdict(
        lambda: np.zeros(len(inputs.sues), bool))
    filings: dict[tuple[int, int, int], np.ndarray] = defaultdict(
        lambda: np.zeros(len(inputs.sues), bool))
    for i, r, c, m in zip(*np.nonzero(wanting), strict=True):
        s = suing[i]
        g = int(inputs.group_of[m, c])
        if not inputs.group_sues[g, s]:
            continue
        if suit_open[s, r, c, m]:
            joins[int(m), g, int(c), int(r)][s] = True
        else:
            filings[int(m), g, int(r)][s] = True
    for (m, g, c, r), strategies in sorted(joins.items()):
        world.start(late_member(world, r, m, g, c, world.at(day), strategies))
    for (m, g, r), strategies in sorted(filings.items()):
        world.start(lawsuit(world, r, m, g, world.at(day), strategies))
