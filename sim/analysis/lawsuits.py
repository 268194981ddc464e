"""A run's lawsuits, one row each, read back from its event log; and what they forecast.

The model writes every filing, joining, ruling and extension to the event log
(``kind`` and ``detail`` = ``"<measure>; <suit>"``, where the suit is a
coalition's name or, for a jurisdiction suing alone, its own name).
:func:`suits` turns those rows into one row per simulated suit (strategy,
replication, measure, suit) with its filing day and first relief;
:func:`late_plaintiffs` gives one row per plaintiff that joined a suit after
it was filed, with the day relief reached it.  Days count from the run's
start.

Pooled over replications, these rows are the model's forecast for a real
suit of the same kind: :func:`relief_probability` (relief within a window),
:func:`relief_days` (filing to first relief) and :func:`extension_days`
(joining to relief).  A temporary restraining order has no counterpart in
the model: its preliminary injunction stands for any interim relief.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from sim.results.branches import WON_RULINGS

RELIEF = WON_RULINGS
"""Event kinds that give the plaintiffs relief: every ruling they win (the first of them
is 'first relief')."""

SUIT_COLUMNS = ("strategy", "replication", "measure", "suit", "filed", "relief")
LATE_COLUMNS = ("strategy", "replication", "measure", "suit", "city", "joined", "relieved")


def _parse(details: Iterable[str], measures: Iterable[str],
           groups: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Each distinct detail text -> (measure, suit); texts that name neither are left out."""
    measures = sorted(measures, key=len, reverse=True)  # a name may begin another
    groups = sorted(groups, key=len, reverse=True)
    parsed = {}
    for detail in details:
        measure = next((m for m in measures if detail.startswith(m + "; ")), None)
        if measure is None:
            continue
        rest = detail[len(measure) + 2:]
        suit = next((g for g in groups if rest == g or rest.startswith(g + "; ")), None)
        if suit is not None:
            parsed[detail] = (measure, suit)
    return parsed


def _tagged(events: pd.DataFrame, kinds: tuple[str, ...], measures: Iterable[str],
            groups: Iterable[str], start: dt.date) -> pd.DataFrame:
    """Rows of ``kinds`` with their measure, suit and day (from ``start``) as columns."""
    rows = events[events["kind"].isin(kinds)]
    parsed = _parse(rows["detail"].unique(), measures, groups)
    rows = rows[rows["detail"].isin(list(parsed))]
    pairs = rows["detail"].map(parsed)
    day = (pd.to_datetime(rows["date"]) - pd.Timestamp(start)).dt.days.astype(float)
    return rows.assign(measure=pairs.str[0], suit=pairs.str[1], day=day)


def suits(events: pd.DataFrame, measures: Iterable[str], groups: Iterable[str],
          start: dt.date) -> pd.DataFrame:
    """One row per simulated suit: its filing day and its first relief (NaN: none).

    ``measures`` and ``groups`` are the scenario's measure names and suit names
    (coalitions, then cities); ``start`` is the run's first day.
    """
    measures, groups = list(measures), list(groups)
    keys = ["strategy", "replication", "measure", "suit"]
    filed = (_tagged(events, ("suit_filed",), measures, groups, start)
             .groupby(keys, as_index=False)["day"].min().rename(columns={"day": "filed"}))
    ruled = _tagged(events, RELIEF, measures, groups, start)[keys + ["day"]]
    joined = ruled.merge(filed, on=keys)
    first = (joined[joined["day"] >= joined["filed"]]
             .groupby(keys, as_index=False)["day"].min().rename(columns={"day": "relief"}))
    table = filed.merge(first, on=keys, how="left")
    return table[list(SUIT_COLUMNS)].reset_index(drop=True)


def late_plaintiffs(events: pd.DataFrame, measures: Iterable[str], groups: Iterable[str],
                    start: dt.date) -> pd.DataFrame:
    """One row per plaintiff that joined a suit after its filing, and when relief reached it.

    Relief reaches a late plaintiff when the court extends an injunction in
    force to it, or, if none was in force then, at the suit's next ruling for
    the plaintiffs (it is a party by then).  NaN: not within the run.
    """
    measures, groups = list(measures), list(groups)
    keys = ["strategy", "replication", "measure", "suit"]
    joined = (_tagged(events, ("suit_joined",), measures, groups, start)
              .groupby(keys + ["city"], as_index=False)["day"].min()
              .rename(columns={"day": "joined"}))
    extended = (_tagged(events, ("injunction_extended",), measures, groups, start)
                .groupby(keys + ["city"], as_index=False)["day"].min()
                .rename(columns={"day": "extended"}))
    table = joined.merge(extended, on=keys + ["city"], how="left")
    ruled = _tagged(events, RELIEF, measures, groups, start)[keys + ["day"]]
    later = table[keys + ["city", "joined"]].merge(ruled, on=keys)
    later = (later[later["day"] >= later["joined"]]
             .groupby(keys + ["city"], as_index=False)["day"].min()
             .rename(columns={"day": "ruled"}))
    table = table.merge(later, on=keys + ["city"], how="left")
    table["relieved"] = table["extended"].fillna(table["ruled"])
    return table[list(LATE_COLUMNS)].reset_index(drop=True)


def relief_probability(table: pd.DataFrame, within: float, horizon: float,
                       pending: float = 0.0) -> tuple[float, int]:
    """Share of suits with first relief within ``within`` days of filing, and how many counted.

    Only suits followed for at least ``within`` days count (filed at least that
    long before ``horizon``, the run's last day); with ``pending`` > 0 only
    suits still without relief ``pending`` days after filing count (a suit
    known to be pending at a freeze date).  (NaN, 0) when none qualifies.
    """
    followed = table[horizon - table["filed"] >= within]
    waited = followed["relief"] - followed["filed"]
    open_then = followed[~(waited <= pending)] if pending > 0 else followed
    if open_then.empty:
        return float("nan"), 0
    waited = open_then["relief"] - open_then["filed"]
    return float((waited <= within).mean()), len(open_then)


def relief_days(table: pd.DataFrame, pending: float = 0.0) -> np.ndarray:
    """Days from filing to first relief of the suits that obtained it (later than ``pending``)."""
    waited = (table["relief"] - table["filed"]).dropna().to_numpy(float)
    return waited[waited > pending] if pending > 0 else waited


def extension_days(table: pd.DataFrame) -> np.ndarray:
    """Days from a late plaintiff's joining to relief reaching it, where it did."""
    return (table["relieved"] - table["joined"]).dropna().to_numpy(float)
