"""Which government a query names: an incorporated place or a county, and its counties.

A query is ``"Austin, TX"``, ``"Cook County, IL"``, a 7-digit place GEOID or a
5-digit county FIPS code; the state may be left out or written in full.  A
name that several jurisdictions share lists them; a name that matches none
suggests the closest; a jurisdiction the bundled data cannot draft (no audited
financial report, a Georgia place) says why.  Each is a :class:`DraftError`
(exit status 2), raised before anything is written.

A place is tied to the counties it lies in by its residents in each (Census
place parts).  Where the city and the county are one government (Census
functional status ``C`` or ``F``: San Francisco, Denver, Nashville-Davidson,
Virginia's independent cities) the county's figures are the city's, unscaled.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from sim.draft.bundle import Acfr, Bundle, County, Place
from sim.errors import UsageError

STATE_NAMES = {
    "alabama": "AL", "alaska": "AK", "arizona": "AZ", "arkansas": "AR", "california": "CA",
    "colorado": "CO", "connecticut": "CT", "delaware": "DE", "district of columbia": "DC",
    "florida": "FL", "georgia": "GA", "hawaii": "HI", "idaho": "ID", "illinois": "IL",
    "indiana": "IN", "iowa": "IA", "kansas": "KS", "kentucky": "KY", "louisiana": "LA",
    "maine": "ME", "maryland": "MD", "massachusetts": "MA", "michigan": "MI", "minnesota": "MN",
    "mississippi": "MS", "missouri": "MO", "montana": "MT", "nebraska": "NE", "nevada": "NV",
    "new hampshire": "NH", "new jersey": "NJ", "new mexico": "NM", "new york": "NY",
    "north carolina": "NC", "north dakota": "ND", "ohio": "OH", "oklahoma": "OK",
    "oregon": "OR", "pennsylvania": "PA", "rhode island": "RI", "south carolina": "SC",
    "south dakota": "SD", "tennessee": "TN", "texas": "TX", "utah": "UT", "vermont": "VT",
    "virginia": "VA", "washington": "WA", "west virginia": "WV", "wisconsin": "WI",
    "wyoming": "WY",
}
CONSOLIDATED = frozenset({"C", "F"})
"""Census functional status of a county government that is one with a place."""
KIND = re.compile(r" (city and borough|metropolitan government|metro government|unified "
                  r"government|consolidated government|urban county|metro township|"
                  r"municipality|corporation|borough|village|town|city|plantation)$")
"""The kind of place that ends a Census place name (``"Austin city"``)."""
SHOWN = 12
"""Matches listed at most for an ambiguous name."""
LEAST_PER_RESIDENT = 100.0
"""Fewest expenses a resident (USD a year) a transcribed report is believed: the
median place over 50,000 residents spends about $2,000, the least about $550;
a total under $100 is a transcription in thousands (Providence, RI) or wrong."""


class DraftError(UsageError):
    """The query names no jurisdiction the bundled data can draft (exit status 2)."""


@dataclass(frozen=True)
class Jurisdiction:
    """A government to draft: the place or county, its data and its counties."""

    kind: Literal["place", "county"]
    """Incorporated place (or consolidated city) or county."""
    geoid: str
    """Place GEOID (7 digits) or county FIPS code (5 digits)."""
    name: str
    """Short name, e.g. ``"Austin"``, ``"Cook County"``."""
    census_name: str
    """The Census name, e.g. ``"Austin city"``."""
    state: str
    """Two-letter postal code."""
    population: int
    """Residents (Census estimate of ``vintage``)."""
    vintage: int
    """Census estimates vintage of the population: 2024, or 2022 for Georgia's counties."""
    acfr: Acfr
    """The government's FY2023 financial report."""
    counties: tuple[tuple[County, float], ...]
    """Each county the jurisdiction lies in, with the share of that county's
    residents who live in it (1.0 for the county itself and for a government
    consolidated with its county)."""
    residents: tuple[int, ...]
    """The jurisdiction's residents in each of ``counties``."""

    @property
    def consolidated(self) -> bool:
        """Whether the city and (one of) its counties are a single government."""
        return any(c.funcstat in CONSOLIDATED and s == 1.0 for c, s in self.counties)

    @property
    def label(self) -> str:
        """``"Austin, TX"``."""
        return f"{self.name}, {self.state}"


def normalise(name: str) -> str:
    """A name as compared: no accents, case, dots or apostrophes; ``saint`` as ``st``.

    >>> normalise("  Cañon City ")
    'canon city'
    >>> normalise("Saint Louis") == normalise("St. Louis")
    True
    """
    text = name if name.isascii() else unicodedata.normalize("NFKD", name).encode(
        "ascii", "ignore").decode()
    words = text.lower().replace(".", "").replace("'", "").split()
    return " ".join("st" if word == "saint" else word for word in words)


def short_name(census_name: str) -> str:
    """A place's name without its kind: ``"Boise City city"`` -> ``"Boise City"``."""
    return KIND.sub("", census_name.removesuffix(" (balance)"))


@dataclass(frozen=True)
class _Entry:
    kind: Literal["place", "county"]
    code: str
    name: str
    state: str
    population: int | None


def _entries(data: Bundle) -> list[_Entry]:
    places = [_Entry("place", p.geoid, short_name(p.name), p.state, p.population)
              for p in data.places.values()]
    counties = [_Entry("county", c.fips, c.name, c.state, c.population)
                for c in data.counties.values()]
    return places + counties


def _keys(entry: _Entry) -> tuple[set[str], set[str]]:
    """Exact keys and fall-back aliases of an entry."""
    key = normalise(entry.name)
    aliases = set()
    if entry.kind == "county":
        aliases.add(re.sub(r" (county|parish|borough|municipality|census area|city and "
                           r"borough|planning region)$", "", key))
    elif re.search(r"[-/]", key):
        aliases.add(re.split(r"[-/]", key)[0].strip())
    return {key}, aliases - {key}


def _index(data: Bundle) -> tuple[dict[str, list[_Entry]], dict[str, list[_Entry]]]:
    exact: dict[str, list[_Entry]] = {}
    alias: dict[str, list[_Entry]] = {}
    for entry in _entries(data):
        keys, aliases = _keys(entry)
        for key in keys:
            exact.setdefault(key, []).append(entry)
        for key in aliases:
            alias.setdefault(key, []).append(entry)
    return exact, alias


@functools.cache
def _indexes(data: Bundle) -> tuple[dict[str, list[_Entry]], dict[str, list[_Entry]]]:
    return _index(data)


def split_query(query: str) -> tuple[str, str | None]:
    """``"Austin, TX"`` -> ``("Austin", "TX")``; a state left out is None.

    >>> split_query("Springfield"), split_query("Cook County, Illinois")
    (('Springfield', None), ('Cook County', 'IL'))
    """
    name, comma, tail = query.strip().rpartition(",")
    if comma:
        state = tail.strip()
        code = state.upper() if state.upper() in STATE_NAMES.values() else STATE_NAMES.get(
            normalise(state))
        if code:
            return name.strip(), code
    return query.strip(), None


def _describe(entry: _Entry) -> str:
    people = "population unknown" if entry.population is None else f"{entry.population:,}"
    code = "GEOID" if entry.kind == "place" else "FIPS"
    return f"{entry.name}, {entry.state} ({entry.kind}, {people} residents, {code} {entry.code})"


def resolve(query: str, data: Bundle) -> Jurisdiction:
    """The jurisdiction a query names; :class:`DraftError` when none or several, or undraftable."""
    text = query.strip()
    if re.fullmatch(r"\d{7}", text):
        if text not in data.places:
            raise DraftError(f"{text}: no incorporated place has this GEOID in the bundled "
                             "Census data")
        return _jurisdiction(_Entry("place", text, "", "", None), data)
    if re.fullmatch(r"\d{5}", text):
        if text not in data.counties:
            raise DraftError(f"{text}: no county has this FIPS code in the bundled Census data")
        return _jurisdiction(_Entry("county", text, "", "", None), data)
    name, state = split_query(text)
    if not normalise(name):
        raise DraftError(f"{query!r}: give a place or county name, e.g. \"Austin, TX\" or "
                         "\"Cook County, IL\", or a GEOID")
    exact, alias = _indexes(data)
    key = normalise(name)
    for table in (exact, alias):
        found = [e for e in table.get(key, []) if state is None or e.state == state]
        if found:
            break
    if len(found) > 1:
        found.sort(key=lambda e: -(e.population or 0))
        shown = "\n".join(f"  {_describe(e)}" for e in found[:SHOWN])
        more = f"\n  ... and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
        raise DraftError(f"{query!r} matches {len(found)} jurisdictions; name one as "
                         f"\"NAME, ST\" or by its GEOID/FIPS code:\n{shown}{more}")
    if not found:
        raise DraftError(_unknown(query, key, state, exact))
    return _jurisdiction(found[0], data)


def _unknown(query: str, key: str, state: str | None,
             exact: dict[str, list[_Entry]]) -> str:
    where = f" in {state}" if state else ""
    names = [k for k, entries in exact.items()
             if state is None or any(e.state == state for e in entries)]
    close = difflib.get_close_matches(key, names, n=5, cutoff=0.7)
    entries = [e for k in close for e in exact[k] if state is None or e.state == state]
    entries.sort(key=lambda e: -(e.population or 0))
    hint = f"; closest: {'; '.join(f'{e.name}, {e.state}' for e in entries[:8])}" if entries else ""
    return (f"{query!r}: no incorporated place or county of that name{where} in the bundled "
            f"Census data{hint}")


@functools.cache
def _coverage(data: Bundle) -> tuple[int, int]:
    """Places and counties with a financial report."""
    return (sum(p.acfr is not None for p in data.places.values()),
            sum(c.acfr is not None for c in data.counties.values()))


def _jurisdiction(entry: _Entry, data: Bundle) -> Jurisdiction:
    if entry.kind == "county":
        return _county(data.counties[entry.code], data)
    return _place(data.places[entry.code], data)


def _county(county: County, data: Bundle) -> Jurisdiction:
    label = f"{county.name}, {county.state}"
    if county.acfr is None:
        why = ("it has no county government (Census functional status "
               f"{county.funcstat})" if county.funcstat in {"N", "S"} else
               "no FY2023 audited financial report of it is in the bundled ACFR data "
               f"({_coverage(data)[1]:,} of {len(data.counties):,} counties have one)")
        raise DraftError(f"{label}: cannot draft: {why}, so its budget is unknown")
    _check(label, county.acfr, county.population)
    return Jurisdiction("county", county.fips, county.name, county.name, county.state,
                        county.population, county.vintage, county.acfr, ((county, 1.0),),
                        (county.population,))


def _check(label: str, acfr: Acfr, population: int) -> None:
    """Refuse a report whose transcribed totals cannot be a year of the government's budget."""
    if acfr.revenues <= 0 or acfr.expenses <= 0 or acfr.expenses < (
            LEAST_PER_RESIDENT * population):
        raise DraftError(
            f"{label}: cannot draft: the transcribed FY{acfr.year} report gives revenues "
            f"{acfr.revenues:,.0f} and expenses {acfr.expenses:,.0f} USD for {population:,} "
            "residents, which cannot be its budget (a sign lost, or thousands of dollars); "
            f"check the report itself: {acfr.url}")


def _place(place: Place, data: Bundle) -> Jurisdiction:
    label = f"{short_name(place.name)}, {place.state}"
    if place.population is None:
        raise DraftError(f"{label}: Georgia's places are missing from the Census Vintage 2024 "
                         "estimates bundled with fundsim; draft the county it lies in instead "
                         "(e.g. fundsim draft \"Fulton County, GA\"), whose population comes "
                         "from the Vintage 2022 county estimates")
    counties, residents = [], []
    for fips, people in data.parts.get(place.geoid, ()):
        if people == 0:
            continue
        county = data.counties[fips]
        whole = county.funcstat in CONSOLIDATED and 2 * people >= county.population
        counties.append((county, 1.0 if whole else people / county.population))
        residents.append(people)
    # A consolidated government may file its report as the county (Kansas City-Wyandotte).
    acfr = place.acfr or next((c.acfr for c, share in counties
                               if share == 1.0 and c.funcstat in CONSOLIDATED and c.acfr), None)
    if acfr is None:
        raise DraftError(
            f"{label} ({place.population:,} residents): cannot draft: no FY2023 audited "
            f"financial report of it is in the bundled ACFR data ({_coverage(data)[0]:,} of "
            f"{len(data.places):,} places have one, most of them over a few thousand "
            "residents), so its budget is unknown")
    _check(label, acfr, place.population)
    return Jurisdiction("place", place.geoid, short_name(place.name), place.name, place.state,
                        place.population, 2024, acfr, tuple(counties), tuple(residents))


def draftable(data: Bundle) -> Iterator[Jurisdiction]:
    """Every place and county the bundled data can draft."""
    for place in data.places.values():
        if place.population is None:
            continue
        if place.acfr is None and not any(
                data.counties[fips].funcstat in CONSOLIDATED and data.counties[fips].acfr
                for fips, _ in data.parts.get(place.geoid, ())):
            continue
        try:
            yield _place(place, data)
        except DraftError:
            continue
    for county in data.counties.values():
        if county.acfr is not None:
            try:
                yield _county(county, data)
            except DraftError:
                continue
