"""The current federal record that drafted scenarios run against (``data/current_record.toml``).

The federal measures of the newest shipped scenarios, their horizon and
discount rate, and the injunction rule of Trump v. CASA, kept in one file that
a test compares with the shipped scenarios.  Drafts copy its ``[[measure]]``
and ``[litigation]`` tables as written (comments and sources included) and
merge its bibliography into their own.
"""

from __future__ import annotations

import datetime as dt
import functools
import tomllib
from dataclasses import dataclass

from sim.draft.bundle import read_text

FILE = "current_record.toml"


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
