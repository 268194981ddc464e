"""The state of litigation in a batch: plaintiffs, pending suits, injunctions in force.

Arrays follow :mod:`sim.model.federal`: strategy ``S`` (0 = baseline, which
never sues), replication ``R``, city ``C``, measure ``M``, litigant group
``G`` (:mod:`sim.model.litigation.parties`).  Suits
(:mod:`sim.model.litigation.suits`) and the monthly docket
(:mod:`sim.model.litigation.docket`) update it in place; adaptive strategies
read ``lost_injunction`` and ``final_loss``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.model.arrays import as_index
from sim.model.litigation.courts import SuitCourse
from sim.model.litigation.parties import LegalInputs
from sim.model.plan import Plan

if TYPE_CHECKING:
    from sim.model.world import World

DAYS_PER_MONTH = 365.25 / 12

Pairs = tuple[list[int], list[int]]
"""(strategy, city) pairs as two parallel lists."""


@dataclass(frozen=True, slots=True)
class Litigants:
    """The cities of one group's suit against one measure, worked out once per batch."""

    cities: np.ndarray
    """Indices of the cities suing in the group (a lone city: itself)."""
    index: slice | np.ndarray
    """``cities`` as a slice when evenly spaced (a lone city always): indexing
    state arrays by a slice gives views, several times cheaper than copies."""
    founders: list[int]
    """Indices of the members suing from the filing."""
    eligible: np.ndarray
    """(S, n) whether each city sues under each strategy when penalised (targeted
    grants, a strategy exposed to measures that sues)."""
    eligible_cities: tuple[list[int], ...]
    """Per strategy, the cities of :attr:`eligible`, as plain ints."""
    description: str
    """``"measure; group"``, the start of the event log's detail."""
    lead: int
    """City of the suit's ruling rows (see :func:`lead_city`)."""


@dataclass
class LegalState:
    """Suits, injunctions and their bookkeeping; mutable, updated in place."""

    party: np.ndarray
    """(S, R, C, M) the city is a plaintiff in its group's suit against the measure."""
    covered: np.ndarray
    """(S, R, C, M) the suit's injunctions extend to the plaintiff (``parties`` scope)."""
    settled: np.ndarray
    """(S, R, C, M) the plaintiff's suit ended (final judgment or rescission)."""
    member: np.ndarray
    """(R, C, M) the city has joined its group (founders at filing, late members later)."""
    open: np.ndarray
    """(S, R, G, M) the group's suit is pending."""
    injunction: np.ndarray
    """(S, R, G, M) an injunction from the group's suit is in force (not stayed)."""
    vacating: np.ndarray
    """(S, R, G, M) the group's suit has vacated the measure, and the vacatur is in force
    (not stayed nor reversed): every jurisdiction is protected from it."""
    instance: np.ndarray
    """(S, R, G, M) number of the suit instance litigated (-1: none)."""
    fees_due: np.ndarray
    """(S, R, G, M) stage fees billed since the last month."""
    lost_injunction: np.ndarray
    """(S, R, C) an injunction was denied or dissolved, or a merits, appeal or
    certiorari ruling lost, in one of the city's suits (a signal for adaptive
    strategies)."""
    final_loss: np.ndarray
    """(S, R, C) one of the city's suits against a grant condition, executive order or
    statute ended in a final loss."""
    termination_lost: np.ndarray
    """(S, R, C) one of the city's claims over a terminated grant ended in a final loss
    (the Court of Federal Claims or the Federal Circuit)."""
    first_exposed: np.ndarray
    """(S, R, C) day a measure first penalised the city (inf: never)."""
    first_injunction: np.ndarray
    """(S, R, C) day an injunction first protected the city (inf: never)."""
    months_enjoined: np.ndarray
    """(S, R, C) months in which an injunction protected the city from a measure in force."""
    vacated: set[tuple[int, int]] = field(default_factory=set)
    """(replication, measure) pairs a suit's ruling has vacated at some time (protection
    from such a measure then looks at every city); few, so a set, not an array."""
    filed: int = 0
    """Suit instances filed so far (each instance's number is its order of filing)."""
    fees: list[list[list[float]]] | None = None
    """Stage fees (R, G, 4) as plain numbers for the suits, taken at the first filing."""
    members: dict[tuple[int, int], Litigants] = field(default_factory=dict)
    """Cities suing in each (measure, group), computed once."""
    courses: dict[tuple[int, int, int], SuitCourse] = field(default_factory=dict)
    """The course of each (replication, measure, group)'s suit, drawn at the first filing."""


def initial_legal_state(plan: Plan, inputs: LegalInputs, replications: int) -> LegalState:
    """No suit filed, nothing enjoined."""
    S, C = plan.shape
    M, G = len(plan.measures), len(inputs.groups)
    per_city = (S, replications, C, M)
    per_group = (S, replications, G, M)
    per_strategy = (S, replications, C)
    return LegalState(
        party=np.zeros(per_city, bool),
        covered=np.zeros(per_city, bool),
        settled=np.zeros(per_city, bool),
        member=np.zeros((replications, C, M), bool),
        open=np.zeros(per_group, bool),
        injunction=np.zeros(per_group, bool),
        vacating=np.zeros(per_group, bool),
        instance=np.full(per_group, -1, dtype=np.int64),
        fees_due=np.zeros(per_group),
        lost_injunction=np.zeros(per_strategy, bool),
        final_loss=np.zeros(per_strategy, bool),
        termination_lost=np.zeros(per_strategy, bool),
        first_exposed=np.full(per_strategy, np.inf),
        first_injunction=np.full(per_strategy, np.inf),
        months_enjoined=np.zeros(per_strategy, dtype=np.int32),
    )


def litigants(world: World, m: int, g: int) -> Litigants:
    """The cities suing in group ``g`` over measure ``m``, computed once and kept."""
    legal = world.legal
    key = (m, g)
    if key not in legal.members:
        inputs = world.legal_inputs
        cities = np.flatnonzero(inputs.group_of[m] == g)
        allowed = eligible(world, m, g, cities)
        founders = cities[inputs.founders[g, cities]]
        legal.members[key] = Litigants(
            cities=cities,
            index=as_index(cities),
            founders=founders.tolist(),
            eligible=allowed,
            eligible_cities=tuple(cities[row].tolist() for row in allowed),
            description=describe(world, m, g),
            lead=lead_city(world, g))
    return legal.members[key]


def eligible(world: World, m: int, g: int, cities: np.ndarray | slice) -> np.ndarray:
    """(S, n) which of ``cities`` sue over ``m`` in group ``g`` per strategy, when penalised."""
    plan = world.plan
    return (world.legal_inputs.group_sues[g][:, None] & plan.exposed[:, None]
            & plan.targeted[m, cities].any(axis=1)[None, :])


def could_sue(world: World, r: int, m: int, g: int, cities: slice | np.ndarray) -> np.ndarray:
    """(S, n) which of ``cities`` would be plaintiffs against ``m`` now, if members of group ``g``.

    ``cities`` indexes the city axis (indices or a slice).
    """
    legal = world.legal
    level = world.federal.recognised[:, r, cities]
    return (eligible(world, m, g, cities) & world.plan.penalises[m][level]
            & ~legal.party[:, r, cities, m] & ~legal.settled[:, r, cities, m])


def describe(world: World, m: int, g: int) -> str:
    """``"measure; group"``: how the event log names a suit."""
    return f"{world.plan.measures[m]}; {world.legal_inputs.groups[g]}"


def lead_city(world: World, g: int) -> int:
    """City of a suit's ruling rows: the plaintiff of a lone suit, -1 for a coalition."""
    K = world.legal_inputs.coalitions
    return g - K if g >= K else -1


def mark(values: np.ndarray, r: int, strategies: list[int], cities: list[int],
         m: int | None = None) -> None:
    """``values[strategies, r, cities] = True`` for (S, R, C) ``values`` and :data:`Pairs`.

    With ``m``, ``values[strategies, r, cities, m] = True`` for (S, R, C, M) ``values``.
    """
    if m is None:
        for s, c in zip(strategies, cities, strict=True):
            values[s, r, c] = True
    else:
        for s, c in zip(strategies, cities, strict=True):
            values[s, r, c, m] = True


def outcomes(world: World) -> dict[str, np.ndarray]:
    """Per-replication litigation outcomes, arrays (S, R, C), all finite."""
    legal = world.legal
    horizon = world.plan.calendar.start_days[-1]
    exposed = np.isfinite(legal.first_exposed)
    enjoined = np.isfinite(legal.first_injunction)
    until = np.where(enjoined, legal.first_injunction, horizon)
    since = np.where(exposed, legal.first_exposed, horizon)
    waited = np.maximum(until - since, 0.0)
    return {
        "months_enjoined": legal.months_enjoined.astype(float),
        "months_to_injunction": waited / DAYS_PER_MONTH,
        "injunction_obtained": enjoined.astype(float),
        "final_loss": legal.final_loss.astype(float),
        "liability_accrued": world.liability.accrued.copy(),
    } | ({"termination_lost": legal.termination_lost.astype(float)}
         if world.plan.terminates.any() else {})
