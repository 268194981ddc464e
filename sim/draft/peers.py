"""Peer context: where a jurisdiction's figures fall among governments of its size.

For a reviewer of a draft, or of any scenario: is its federal share of
revenue, or its reserves per resident, plausible?  Both are set against the
same figures of every city (or county) in the bundled ACFR data whose
population is within a factor of two of its own, widened until there are at
least :data:`MIN_PEERS` peers.  The peers' figures follow the drafting rules
of :mod:`sim.draft.figures`: federal money is the county program awards
scaled by residents plus the national per-resident estimates of JAG, COPS and
homeland security grants, over the ACFR's total expenses (a scenario's revenue
equals its spending when its budget balances, the schema's default); reserves
are the middle of the drafted range.  A scenario's own figures are read from
its file (:func:`scenario_figures`), a draft's are its file's by construction.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.draft.bundle import Bundle
from sim.draft.figures import national_share, reserve_range, scaled_total
from sim.draft.jurisdictions import DraftError, Jurisdiction, draftable, resolve
from sim.scenario import City

MIN_PEERS = 20
"""Fewest peers a comparison uses; the population band widens until it has them."""
BAND = 2.0
"""Peers have between 1/BAND and BAND times the jurisdiction's population, at first."""
MAX_BAND = 1e6
"""Widest band tried: past it, a kind with fewer than MIN_PEERS members gives them all."""
RESERVE_FLOOR = 0.05
"""Reserve floor used for the peers' drafted reserve range (the schema's default)."""
COUNTY = re.compile(r"\b(county|parish|borough)\b", re.IGNORECASE)
"""A scenario city whose name says it is a county (when the bundle does not know it)."""
NATIONAL = ("16.738", "16.710", "97.067")
"""Programs estimated from national obligations: Byrne JAG, COPS, the Homeland
Security Grant Program."""


@dataclass(frozen=True)
class Standing:
    """One figure of a jurisdiction and its rank among peers."""

    metric: str
    """What is compared, in words."""
    value: float
    """The jurisdiction's figure."""
    percentile: float
    """Share of peers with a lower figure, ties counted half, 0-100."""
    median: float
    """The peers' median."""
    peers: int
    """Number of peers."""
    band: tuple[int, int]
    """Population range of the peers (residents)."""

    def describe(self, fmt: str = "{:.3g}") -> str:
        """One line: value, percentile, peers."""
        return (f"{self.metric}: {fmt.format(self.value)}, percentile {self.percentile:.0f} of "
                f"{self.peers} peers of {self.band[0]:,}-{self.band[1]:,} residents (median "
                f"{fmt.format(self.median)})")


@dataclass(frozen=True)
class PeerTable:
    """The peers' figures, one row per government with an ACFR."""

    kind: np.ndarray
    """``place`` or ``county``."""
    code: np.ndarray
    """GEOID or FIPS code."""
    population: np.ndarray
    """Residents."""
    federal_share: np.ndarray
    """Drafted federal money over ACFR total expenses."""
    reserves_per_resident: np.ndarray
    """Middle of the drafted reserve range over residents, USD."""


def federal_money(jurisdiction: Jurisdiction, data: Bundle) -> float:
    """Federal money a draft gives, USD a year (uncertain amounts at their mean)."""
    national = sum(national_share(jurisdiction.population, aln, data) for aln in NATIONAL)
    return scaled_total(jurisdiction, data) + national


def figures(jurisdiction: Jurisdiction, data: Bundle) -> tuple[float, float]:
    """(federal share of revenue, reserves per resident) by the drafting rules."""
    low, high, _ = reserve_range(jurisdiction, RESERVE_FLOOR)
    return (federal_money(jurisdiction, data) / jurisdiction.acfr.expenses,
            (low + high) / 2 / jurisdiction.population)


def _mean(value: float | Any) -> float:
    """A number, or an uncertain quantity's mean."""
    return float(getattr(value, "mean", value))


def scenario_figures(city: City) -> tuple[float, float] | None:
    """(federal share of revenue, reserves per resident, USD) of a scenario's city, at means.

    Revenue is own-source revenue plus state aid plus federal grants where the
    file gives own-source revenue, else the spending a balanced budget raises.
    None for a city without residents or revenue.
    """
    federal = sum(_mean(g.amount) for g in city.grant)
    budget = city.budget
    revenue = (_mean(budget.expenditure) if budget.own_source_revenue is None else
               _mean(budget.own_source_revenue) + _mean(budget.state_aid) + federal)
    if revenue <= 0 or city.population <= 0:
        return None
    return federal / revenue, _mean(budget.reserves) / city.population


@functools.cache
def peer_table(data: Bundle) -> PeerTable:
    """Every draftable government's figures (computed once per bundle)."""
    rows = [(j.kind, j.geoid, j.population, *figures(j, data)) for j in draftable(data)
            if j.acfr.revenues > 0 and j.population > 0]
    kind, code, population, share, reserves = zip(*rows, strict=True)
    return PeerTable(np.array(kind), np.array(code), np.array(population),
                     np.array(share), np.array(reserves))


def percentile(value: float, values: Sequence[float] | np.ndarray) -> float:
    """Share of ``values`` below ``value``, ties counted half, in percent.

    >>> percentile(3, [1, 2, 3, 4])
    62.5
    """
    values = np.asarray(values, dtype=float)
    return float(100 * ((values < value).sum() + 0.5 * (values == value).sum()) / len(values))


def peers_of(table: PeerTable, kind: str, population: int, exclude: str = "") -> np.ndarray:
    """Indexes of the peers: same kind, population within a band widened to MIN_PEERS."""
    same = (table.kind == kind) & (table.code != exclude)
    band = BAND
    while True:
        chosen = same & (table.population >= population / band) & (
            table.population <= population * band)
        if chosen.sum() >= MIN_PEERS or band > MAX_BAND:
            return np.flatnonzero(chosen)
        band *= 2


def peer_context(table: PeerTable, kind: str, population: int, federal_share: float,
                 reserves_per_resident: float, exclude: str = "") -> list[Standing]:
    """Where a jurisdiction's two figures fall among its peers."""
    chosen = peers_of(table, kind, population, exclude)
    pops = table.population[chosen]
    band = (int(pops.min()), int(pops.max()))
    out = []
    for metric, value, values in (
            ("federal share of revenue", federal_share, table.federal_share[chosen]),
            ("reserves per resident", reserves_per_resident,
             table.reserves_per_resident[chosen])):
        out.append(Standing(metric, value, percentile(value, values), float(np.median(values)),
                            len(chosen), band))
    return out


def city_standings(city: City, data: Bundle) -> list[Standing]:
    """A scenario city's two figures among its peers (kind and GEOID found by name, if possible).

    Empty for a city without residents or revenue.
    """
    own = scenario_figures(city)
    if own is None:
        return []
    try:
        jurisdiction = resolve(f"{city.name}, {city.state}", data)
        kind, code = jurisdiction.kind, jurisdiction.geoid
    except DraftError:
        kind = "county" if COUNTY.search(city.name) else "place"
        code = ""
    return peer_context(peer_table(data), kind, city.population, *own, exclude=code)
