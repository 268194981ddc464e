"""What every table of a scenario file shares: its sources, and the size limits.

Every table may cite where its numbers come from (:class:`Sourced`: one
``source`` for the table, ``sources`` per key, the dates its facts describe
and stay valid); names are at most :data:`MAX_NAME` characters and lists of
cities at most :data:`MAX_CITIES` long.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections import Counter
from typing import Any

from pydantic import Field, field_validator

from sim.scenario.uncertain import Frozen

MAX_CITIES = 5_000
MAX_NAME = 120
MAX_FILE_BYTES = 16 * 2**20
"""Largest scenario file read (a 5,000-city file with sources is about 8 MB)."""


PROVENANCE_FIELDS = frozenset({"source", "sources", "as_of", "valid_until"})
"""Keys of a :class:`Sourced` table that describe its numbers rather than being numbers."""


class Sourced(Frozen):
    """A table whose numbers carry their provenance."""

    source: str | None = Field(default=None, max_length=2_000)
    """Citation for every number in this table (document, year, page or URL),
    or ``"assumption: why"`` for numbers no source backs."""
    sources: dict[str, str] = Field(default_factory=dict)
    """Citation per key of this table, overriding ``source`` for that key."""
    as_of: dict[str, dt.date] = Field(default_factory=dict)
    """Per key of this table: the date its fact describes, e.g. ``{ reserves =
    2024-12-31 }`` for a balance at that year end or the date a legal status
    was last confirmed.  ``fundsim validate`` warns when a legal status
    (state law, current policy, a measure, litigation) is more than a year old
    at the scenario's start."""
    valid_until: dict[str, dt.date] = Field(default_factory=dict)
    """Per key of this table: the last date its fact can be relied on (the end
    of the budget year it describes, the next award, a deadline).
    ``fundsim validate`` and the report warn, without failing, when the run
    goes past it."""

    @field_validator("sources", "as_of", "valid_until")
    @classmethod
    def _sources_name_fields(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(value) - set(cls.model_fields) - PROVENANCE_FIELDS)
        if unknown:
            close = difflib.get_close_matches(unknown[0], list(cls.model_fields), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ValueError(f"names keys this table does not have: {', '.join(unknown)}{hint}")
        return value

    def source_of(self, key: str) -> str | None:
        """Citation of one key: its own entry in ``sources``, else ``source``."""
        return self.sources.get(key, self.source)


def unique(values: list[str], what: str) -> list[str]:
    """``values`` unchanged, or a ``ValueError`` naming the ones repeated (for validators)."""
    repeated = sorted(v for v, n in Counter(values).items() if n > 1)
    if repeated:
        raise ValueError(f"{what} repeated: {', '.join(repeated)}")
    return values
