"""The current federal record that drafted scenarios run against (``data/current_record.toml``).

The federal measures of the newest shipped scenarios, their horizon and
discount rate, and the injunction rule of Trump v. CASA, kept in one file that
a test compares with the shipped scenarios.  Drafts copy its ``[[measure]]``
and ``[litigation]`` tables as written (comments and sources included), but for
the one number that depends on the place: the No Bailout for Sanctuary Cities
Act cuts at most what a city spends on residents without legal status, their
share of residents (:meth:`Record.tables_for`).  Drafts merge the record's
bibliography into their own.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import tomllib
from dataclasses import dataclass

from sim.draft.bundle import read_text

FILE = "current_record.toml"

UNAUTHORIZED = 0.23
"""Share of immigrants without legal status, 2017 ([pew-unauthorized] in the
record): the No Bailout Act's cut is at most the immigrant share times this."""

NATIONAL_IMMIGRANT_SHARE = 0.137
"""The immigrant share the record's No Bailout cap is written for (the schema's
default for a city without one)."""

_CAP = re.compile(r"(high = |0 to |the immigrant share )(0\.\d+)")


@dataclass(frozen=True)
class Record:
    """The parts of the current record a draft uses."""

    start: dt.date
    """First simulated month."""
    years: int
    """Horizon."""
    discount_rate: float
    """Annual nominal discount rate."""
    discount_source: str
    """Its citation."""
    tables: str
    """The ``[[measure]]`` and ``[litigation]`` tables as TOML text."""
    sources: dict[str, str]
    """Bibliography entries the tables cite."""

    def tables_for(self, immigrant_share: float | None) -> str:
        """The tables with the No Bailout Act capped at a place's unauthorized residents.

        ``immigrant_share`` None keeps the national share the file is written for.
        """
        if immigrant_share is None:
            return self.tables
        head, act, tail = self.tables.partition('name = "No Bailout for Sanctuary Cities Act"')
        measure, next_table, rest = tail.partition("\n[[")
        cap = round(immigrant_share * UNAUTHORIZED, 3)
        figures = {"high = ": f"{cap}", "0 to ": f"{cap}",
                   "the immigrant share ": f"{immigrant_share:.3f}"}
        measure = _CAP.sub(lambda m: m[1] + figures[m[1]], measure)
        return head + act + measure + next_table + rest


@functools.cache
def current_record() -> Record:
    """The bundled current record."""
    text = read_text(FILE)
    data = tomllib.loads(text)
    first = text.index("\n[[measure]]\n") + 1
    last = text.index("\n[sources]\n") + 1
    info = data["scenario"]
    return Record(info["start"], info["years"], info["discount_rate"],
                  info["sources"]["discount_rate"], text[first:last].rstrip() + "\n",
                  data["sources"])
