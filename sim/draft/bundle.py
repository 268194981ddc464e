"""The public data bundled with fundsim for drafting scenarios (``sim/draft/data/``).

Population of every incorporated place and county (Census estimates), the
audited financial totals of cities and counties (ACFRs), the federal program
awards received in each county (USAspending), the foreign-born share of each
county (ACS) and national obligations of a few programs (the federal program
inventory).  ``data/README.md`` gives each dataset's origin, vintage and
licence; ``scripts/build_draft_data.py`` rebuilds the files from the raw ones.

The files are gzipped CSV read with the standard library, once per process
(:func:`load` is cached): a draft should take well under a second.  Money is
US dollars; populations are residents on July 1 of the estimate's year.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import tomllib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources

DATASETS: dict[str, str] = {
    "census-pep-v2024": "US Census Bureau, Population Estimates Program, Vintage 2024: annual "
    "estimates of the resident population of incorporated places and counties (SUB-EST2024; "
    "summary levels 050, 157, 162, 170), July 1 2024; public domain",
    "census-pep-v2022": "US Census Bureau, Population Estimates Program, Vintage 2022: county "
    "population totals (CO-EST2022-ALLDATA), July 1 2022; public domain",
    "acs-2019-2023": "US Census Bureau, American Community Survey 2019-2023 5-year estimates, "
    "data profile DP02, DP02_0094PE (percent of the population born abroad), by county; "
    "public domain",
    "acfr-fy2023": "Annual Comprehensive Financial Reports (audited), fiscal year 2023: total "
    "revenues and expenses of the government-wide statement of activities and unrestricted "
    "net position, as transcribed by the Reason Foundation's government finance project "
    "(thuy2020/acfrs_data, MIT licence); the report itself is at the URL given",
    "usaspending-county-awards": "Federal program awards by county, fiscal years 2022 and "
    "2023 combined (table 1 of the Urban Institute's 'Infrastructure spending in states and "
    "counties', UrbanInstitute/infrastructure-spending-states-counties), built from "
    "USAspending.gov award data (public domain); attribution: Urban Institute and "
    "USAspending.gov",
    "program-inventory": "Federal Program Inventory (GSA and OMB, Assistance Listings), "
    "national obligations by program as reported to USAspending.gov, fiscal years 2023 and "
    "2024; public domain",
}
"""Bibliography entries of the bundled datasets (short key -> citation), as
drafted scenarios cite them in their ``[sources]`` table."""


@dataclass(frozen=True, slots=True)
class Acfr:
    """Totals of one government's audited financial report (all funds, accrual)."""

    year: int
    """Fiscal year of the report."""
    name: str
    """The government's name as transcribed (lower case)."""
    url: str
    """Where the report itself is."""
    revenues: float
    """Total revenues of the statement of activities, USD a year."""
    expenses: float
    """Total expenses of the statement of activities, USD a year."""
    unrestricted: float | None
    """Unrestricted net position at the year's end, USD (a stock; often negative
    because of pension and OPEB liabilities)."""


@dataclass(frozen=True, slots=True)
class Place:
    """An incorporated place (city, town, village, borough) or consolidated city."""

    geoid: str
    """Census place GEOID: 2-digit state + 5-digit place code."""
    name: str
    """Census name with its kind, e.g. ``"Austin city"``."""
    state: str
    """Two-letter postal code."""
    consolidated_city: bool
    """A consolidated city (summary level 170), e.g. Nashville-Davidson."""
    population: int | None
    """Vintage 2024 estimate; None for Georgia, whose places are missing."""
    acfr: Acfr | None
    """Its FY2023 financial report, if transcribed."""


@dataclass(frozen=True, slots=True)
class County:
    """A county or county equivalent (parish, borough, independent city)."""

    fips: str
    """5-digit FIPS code."""
    name: str
    """Census name, e.g. ``"Cook County"``."""
    state: str
    """Two-letter postal code."""
    funcstat: str
    """Census functional status: ``C`` a government consolidated with a place,
    ``F`` a county-equivalent that is itself a place (Virginia's independent
    cities), ``A`` an active county government, ``N``/``S`` none."""
    population: int
    """Vintage 2024 estimate, else Vintage 2022 (Georgia)."""
    vintage: int
    """Census estimates vintage of ``population``: 2024 or 2022."""
    population_2022: int
    """Vintage 2022 estimate (every county), for national totals of one vintage."""
    foreign_born: float | None
    """Share of residents born abroad, 0-1 (ACS 2019-2023)."""
    acfr: Acfr | None
    """Its FY2023 financial report, if transcribed."""


@dataclass(frozen=True, slots=True)
class Program:
    """A federal program of the county award table that cities and counties receive."""

    key: str
    """Short name in the table, e.g. ``"cdbg_entitlement"``."""
    name: str
    """Full name."""
    agency: str
    """Federal agency, as scenario files spell it (``HUD``, ``DOT``, ...)."""
    tag: str
    """Tag given to drafted grants (measures may target tags)."""


@dataclass(frozen=True, slots=True)
class NationalProgram:
    """National obligations of one program (Assistance Listing)."""

    aln: str
    """Assistance Listing number, e.g. ``"16.738"``."""
    name: str
    """Program name."""
    agency: str
    """Federal agency (``DOJ``, ``DHS``)."""
    obligations: tuple[float, float]
    """Obligations in fiscal years 2023 and 2024, USD."""


@dataclass(frozen=True, eq=False)
class Bundle:
    """Every bundled table, keyed for look-ups (compared and hashed by identity)."""

    places: dict[str, Place]
    """By GEOID."""
    counties: dict[str, County]
    """By FIPS code."""
    parts: dict[str, tuple[tuple[str, int], ...]]
    """Place GEOID -> (county FIPS, residents of the place in that county), Vintage 2024."""
    awards: dict[str, tuple[tuple[str, float], ...]]
    """County FIPS -> (program key, awards of fiscal years 2022 and 2023 together, USD)."""
    programs: dict[str, Program]
    """By key."""
    national: dict[str, NationalProgram]
    """By Assistance Listing number."""
    state_law: dict[str, dict[str, str]]
    """State postal code -> ``law``, ``source`` and optional ``note`` (data/state_law.toml)."""

    @functools.cached_property
    def us_population(self) -> int:
        """Residents of the 50 states and DC, Vintage 2022 (the one vintage covering Georgia)."""
        return sum(c.population_2022 for c in self.counties.values())


def _text(name: str) -> str:
    raw = resources.files("sim.draft").joinpath("data", name).read_bytes()
    return (gzip.decompress(raw) if name.endswith(".gz") else raw).decode("utf-8")


class _Row:
    """A CSV row read by column name (a list and the header's positions: no dict per row)."""

    __slots__ = ("_columns", "_values")

    def __init__(self, columns: dict[str, int], values: list[str]):
        self._columns, self._values = columns, values

    def __getitem__(self, column: str) -> str:
        return self._values[self._columns[column]]


def _rows(name: str) -> Iterator[_Row]:
    rows = csv.reader(io.StringIO(_text(name)))
    columns = {column: i for i, column in enumerate(next(rows))}
    for values in rows:
        yield _Row(columns, values)


def _number(text: str) -> float | None:
    return float(text) if text else None


def _acfr(row: _Row) -> Acfr | None:
    if not row["acfr_revenues"]:
        return None
    return Acfr(int(row["acfr_year"]), row["acfr_name"], row["acfr_url"],
                float(row["acfr_revenues"]), float(row["acfr_expenses"]),
                _number(row["acfr_unrestricted"]))


def read_text(name: str) -> str:
    """The text of one bundled file (e.g. ``"current_record.toml"``)."""
    return _text(name)


@functools.cache
def load() -> Bundle:
    """The bundled data, read once per process."""
    places = {r["geoid"]: Place(r["geoid"], r["name"], r["state"], r["sumlev"] == "170",
                                int(r["pop2024"]) if r["pop2024"] else None, _acfr(r))
              for r in _rows("places.csv.gz")}
    counties = {}
    for r in _rows("counties.csv.gz"):
        vintage = 2024 if r["pop2024"] else 2022
        share = _number(r["foreign_born_pct"])
        counties[r["fips"]] = County(
            r["fips"], r["name"], r["state"], r["funcstat"] or "A",
            int(r["pop2024"] or r["pop2022"]), vintage, int(r["pop2022"] or 0),
            None if share is None else share / 100, _acfr(r))
    parts: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for r in _rows("place_counties.csv.gz"):
        parts[r["geoid"]].append((r["fips"], int(r["pop2024"])))
    awards: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for r in _rows("county_awards.csv.gz"):
        awards[r["fips"]].append((r["program"], float(r["amount_fy22_fy23"])))
    programs = {r["program"]: Program(r["program"], r["name"], r["agency"], r["tag"])
                for r in _rows("programs.csv")}
    national = {r["aln"]: NationalProgram(r["aln"], r["name"], r["agency"],
                                          (float(r["obligations_fy2023"]),
                                           float(r["obligations_fy2024"])))
                for r in _rows("national_programs.csv")}
    law = tomllib.loads(_text("state_law.toml"))
    return Bundle(places, counties, {k: tuple(v) for k, v in parts.items()},
                  {k: tuple(v) for k, v in awards.items()}, programs, national, law)
