"""The numbers a draft takes from the bundled data, before they are written as TOML.

Pure functions of a :class:`~sim.draft.jurisdictions.Jurisdiction`; the peer
comparison (:mod:`sim.draft.peers`) computes the same figures for every city,
so the two cannot drift apart.

- Federal programs received in a county (USAspending, fiscal years 2022 and
  2023) are scaled to a place by its share of the county's residents, and
  averaged over the two years.  A government consolidated with its county
  takes them whole.
- Programs the data do not give by jurisdiction (Byrne JAG, COPS, homeland
  security grants) are estimated as national obligations (the mean of fiscal
  years 2023 and 2024) times the jurisdiction's share of US residents.
- The foreign-born share is the county's (ACS), weighted by the place's
  residents in each county: the data have no city figure.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sim.draft.bundle import Bundle
from sim.draft.jurisdictions import Jurisdiction

AWARD_YEARS = 2
"""The county award table adds fiscal years 2022 and 2023."""
GFOA_MONTHS = 2
"""GFOA best practice 'Fund Balance Guidelines for the General Fund' (2015):
unrestricted General Fund balance of no less than two months of regular
operating revenues or expenditures."""


@dataclass(frozen=True)
class ProgramAward:
    """One program's annual money to the jurisdiction, from one county's awards."""

    county: str
    """County name."""
    program: str
    """Program name."""
    county_amount: float
    """The county's awards a year (fiscal years 2022-2023 mean), USD."""
    amount: float
    """Scaled to the jurisdiction, USD a year."""


@dataclass(frozen=True)
class AgencyAwards:
    """A federal agency's programs in the county award table, scaled to the jurisdiction."""

    agency: str
    """``HUD``, ``DOT``, ``DHS``, ..."""
    tags: tuple[str, ...]
    """Tags of its programs (measures may target tags)."""
    awards: tuple[ProgramAward, ...]
    """Program by program, largest first."""

    @property
    def amount(self) -> float:
        """USD a year."""
        return sum(a.amount for a in self.awards)


def county_awards(jurisdiction: Jurisdiction, data: Bundle) -> list[AgencyAwards]:
    """Federal program awards in the jurisdiction's counties, scaled, by agency (largest first)."""
    awards: dict[str, list[ProgramAward]] = {}
    tags: dict[str, set[str]] = {}
    for county, share in jurisdiction.counties:
        for key, total in data.awards.get(county.fips, ()):
            program = data.programs[key]
            yearly = total / AWARD_YEARS
            awards.setdefault(program.agency, []).append(
                ProgramAward(county.name, program.name, yearly, yearly * share))
            tags.setdefault(program.agency, set()).add(program.tag)
    out = [AgencyAwards(agency, tuple(sorted(tags[agency])),
                        tuple(sorted(items, key=lambda a: -a.amount)))
           for agency, items in awards.items()]
    return sorted((a for a in out if a.amount >= 1), key=lambda a: -a.amount)


@functools.cache
def _county_totals(data: Bundle) -> dict[str, float]:
    return {fips: sum(total for _, total in awards) / AWARD_YEARS
            for fips, awards in data.awards.items()}


def scaled_total(jurisdiction: Jurisdiction, data: Bundle) -> float:
    """All of :func:`county_awards` in one sum, USD a year (fast: for every peer at once)."""
    totals = _county_totals(data)
    return sum(totals.get(county.fips, 0.0) * share for county, share in jurisdiction.counties)


def national_share(population: int, aln: str, data: Bundle) -> float:
    """National obligations of a program (FY2023-2024 mean) x the share of US residents, USD."""
    return sum(data.national[aln].obligations) / 2 * population / data.us_population


def foreign_born(jurisdiction: Jurisdiction) -> float | None:
    """The counties' foreign-born share weighted by the jurisdiction's residents in each."""
    pairs = [(people, county.foreign_born) for (county, _), people
             in zip(jurisdiction.counties, jurisdiction.residents, strict=True)
             if county.foreign_born is not None and people > 0]
    total = sum(people for people, _ in pairs)
    return sum(people * share for people, share in pairs) / total if total else None


def reserve_range(jurisdiction: Jurisdiction, floor: float) -> tuple[float, float, bool]:
    """(low, high, from the report): a range for reserves at the start, USD.

    A positive unrestricted net position is a rough stand-in: from half of it
    (part belongs to enterprise funds, part is not cash) to all of it.  A
    negative one (pension and OPEB liabilities) says nothing of cash, so the
    range is the reserve floor to the GFOA's two months of expenses.
    """
    net = jurisdiction.acfr.unrestricted
    if net is not None and net > 0:
        return net / 2, net, True
    expenses = jurisdiction.acfr.expenses
    return floor * expenses, GFOA_MONTHS / 12 * expenses, False
