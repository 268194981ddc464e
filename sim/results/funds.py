"""Reserve funds against their policy floors, read from the event log.

A fund is a level below the city, so the model logs it as events rather than
as outcome columns: ``fund_below_floor`` when a fund falls below its policy
floor, ``fund_restored`` when it is back, each with the fund's name as its
detail and dated at the month's accounting.  This module turns those rows
into, per strategy, city and fund, the probability of falling below the floor
and the months spent below it (a spell still open at the horizon counts to
its end).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from sim.scenario import Scenario

FUND_COLUMNS = ["strategy", "city", "fund", "floor", "below_floor", "months_below",
                "months_below_p95"]
"""Columns of :func:`fund_floors`: ``floor`` is the policy floor (share of
expenditure, its mean if uncertain), ``below_floor`` the probability of ever
falling below it, ``months_below`` the mean months below it and
``months_below_p95`` their 95th percentile."""


def fund_floors(events: pd.DataFrame, scenario: Scenario, strategies: list[str],
                replications: int) -> pd.DataFrame:
    """Per strategy, city with funds and fund: the chance and months below its policy floor."""
    start, months = scenario.start, scenario.months
    rows = events[events["kind"].isin(("fund_below_floor", "fund_restored"))]
    month = _month_index(rows["date"], start)
    spells = rows.assign(month=month, sign=np.where(rows["kind"] == "fund_below_floor", -1, 1))
    # Months below = sum over spells of (end - start): restored months minus
    # fall months, with every spell still open at the horizon ended there.
    spells = spells.assign(term=spells["sign"] * spells["month"])
    keys = ["strategy", "replication", "city", "detail"]
    grouped = spells.groupby(keys, sort=False)
    totals = grouped["term"].sum() + months * (grouped["sign"].sum() * -1)
    out = []
    for city in scenario.city:
        for fund in city.budget.fund:
            floor = float(getattr(fund.floor, "mean", fund.floor))
            for strategy in strategies:
                try:
                    below = totals.xs((strategy, city.name, fund.name),
                                      level=["strategy", "city", "detail"]).to_numpy(float)
                except KeyError:
                    below = np.zeros(0)
                every = np.concatenate([below, np.zeros(replications - len(below))])
                out.append((strategy, city.name, fund.name, floor, len(below) / replications,
                            every.mean(), float(np.percentile(every, 95))))
    return pd.DataFrame(out, columns=FUND_COLUMNS)


def _month_index(dates: pd.Series, start: dt.date) -> np.ndarray:
    """Months from the scenario's first month to each date's month."""
    values = pd.DatetimeIndex(dates)
    return ((values.year - start.year) * 12 + values.month - start.month).to_numpy()
