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
import json
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

NO_BAILOUT = "No Bailout for Sanctuary Cities Act"
"""The measure whose cap depends on the place."""

NO_BAILOUT_CAP_SOURCE = (
    "assumption: 0 to {cap}: what the city intends to use for unlawfully present residents "
    "[hr32]. No program in this file is designated for them (the FEMA shelter grants were "
    "terminated in 2025), so the narrow reading cuts nothing; the broad reading cuts the share "
    "of services they use, at most their share of residents: the immigrant share "
    "{immigrant_share:.3f} x 23% unauthorized among immigrants [pew-unauthorized]")
"""The source of the No Bailout Act's ``withhold_share`` for a place (the record's own text
for the national share: a test holds them equal)."""


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
        The measure's ``withhold_share`` is read as data, its ``high`` set to the
        cap, and written back with the source that derives it; the rest of the
        tables is copied as written.
        """
        if immigrant_share is None:
            return self.tables
        measures = tomllib.loads(self.tables)["measure"]
        (index,) = [i for i, m in enumerate(measures) if m["name"] == NO_BAILOUT]
        share = dict(measures[index]["withhold_share"])
        share["high"] = round(immigrant_share * UNAUTHORIZED, 3)
        values = {"withhold_share": "{ " + ", ".join(
            f"{key} = {json.dumps(value)}" for key, value in share.items()) + " }"}
        cited = {"withhold_share": json.dumps(NO_BAILOUT_CAP_SOURCE.format(
            cap=share["high"], immigrant_share=immigrant_share), ensure_ascii=False)}
        lines = self.tables.splitlines(keepends=True)
        first, last = _measure_lines(lines, index)
        table = values
        for i in range(first, last):
            if lines[i].startswith("["):  # [measure.sources]: the keys' citations follow
                table = cited if lines[i].rstrip() == "[measure.sources]" else {}
            key = lines[i].partition(" = ")[0]
            if key in table:
                lines[i] = f"{key} = {table[key]}\n"
        return "".join(lines)


def _measure_lines(lines: list[str], index: int) -> tuple[int, int]:
    """First and last + 1 line of the ``index``-th ``[[measure]]`` table, its subtables included."""
    starts = [i for i, line in enumerate(lines) if line.rstrip() == "[[measure]]"]
    first = starts[index] + 1
    last = first
    while last < len(lines) and not (lines[last].startswith("[") and not lines[last].startswith(
            "[measure.")):
        last += 1
    return first, last


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
