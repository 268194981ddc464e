"""The report's reserve-policy section: each fund against its floor, and running out.

Budget offices read reserves against their policy: how likely each fund is to
fall below its floor and for how long (from :attr:`RunResult.funds`), and how
likely reserves are to run out altogether, and when.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.results import RunResult


def reserve_section(run: RunResult) -> dict[str, Any]:
    """Rows for the report: per city and fund a cell per strategy; exhaustion per city."""
    funds = run.funds
    rows = []
    for row in funds.drop_duplicates(["city", "fund"]).itertuples():
        mine = funds[(funds["city"] == row.city) & (funds["fund"] == row.fund)].set_index(
            "strategy")
        rows.append({
            "city": row.city, "fund": row.fund, "floor": f"{row.floor:.2%}",
            "cells": [{"share": f"{mine.loc[s, 'below_floor']:.0%}",
                       "months": f"{mine.loc[s, 'months_below']:.1f}",
                       "p95": f"{mine.loc[s, 'months_below_p95']:.0f}"}
                      for s in run.strategies]})
    return {"funds": rows, "exhausted": exhaustion_rows(run), "rules": withdrawal_rules(run),
            "absorbable": absorbable_rows(run), "recession": recession_rows(run)}


def withdrawal_rules(run: RunResult) -> list[dict[str, str]]:
    """Per city with a withdrawal rule (``draw_limit``, ``draws_need_falling_revenue``), the rule.

    In words, with the source the scenario gives for it: a reviewer reading
    that reserves run out less often than the shortfalls suggest needs to see
    the law that keeps them (:mod:`sim.model.drawing`).
    """
    from sim.scenario.provenance import format_value

    out = []
    for city in run.scenario.city:
        budget = city.budget
        if budget.draw_limit is None and not budget.draws_need_falling_revenue:
            continue
        parts = []
        limit = budget.draw_limit
        if limit is not None:
            share = (f"{limit:.0%}" if isinstance(limit, float | int)
                     else f"a share, {format_value(limit)},")
            parts.append(f"at most {share} of the reserves' balance at the start of a fiscal "
                         "year may be drawn in it")
        if budget.draws_need_falling_revenue:
            parts.append("reserves may be drawn only in a fiscal year whose own-source revenue so "
                         "far runs below the same months of the year before")
        source = (budget.sources.get("draw_limit")
                  or budget.sources.get("draws_need_falling_revenue") or budget.source or "")
        out.append({"city": city.name, "rule": "; ".join(parts), "source": source})
    return out


RECESSION_METRICS = ("net_fiscal_impact", "gap_closing_burden", "floor_breached",
                     "reserves_exhausted")
"""Outcomes the report compares with and without a recession."""


def recession_rows(run: RunResult) -> dict[str, Any]:
    """The conditional view "if a recession comes".

    Per metric (all cities together) and strategy, the mean in futures with a
    recession and in those without.

    Every strategy meets the same recessions, so the two groups are the same
    futures for each strategy.
    """
    table = run.replications
    if "recession" not in table.columns:
        return {}
    from sim.formats import dollars
    from sim.metrics import METRICS

    def format_metric(metric: str, value: float) -> str:
        return f"{value:.0%}" if METRICS[metric].unit == "probability" else dollars(value)

    how = {m: METRICS[m].over_cities for m in (*RECESSION_METRICS, "recession")}
    futures = table.groupby(["strategy", "replication"], sort=False).agg(how)
    came = futures["recession"] > 0
    rows = []
    for metric in RECESSION_METRICS:
        cells = []
        for strategy in run.strategies:
            mine = futures.loc[strategy, metric]
            hit = came.loc[strategy]
            cells.append({
                "with": format_metric(metric, mine[hit].mean()) if hit.any() else "—",
                "without": format_metric(metric, mine[~hit].mean()) if (~hit).any() else "—"})
        rows.append({"metric": metric.replace("_", " "), "cells": cells})
    share = float(came.loc[run.strategies[0]].mean())
    return {"share": f"{share:.0%}", "rows": rows}


def absorbable_rows(run: RunResult) -> list[dict[str, Any]]:
    """Per city and strategy, the largest absorbable federal cut.

    In share and dollars a year with its 90% interval, when the run asked for
    it (``--absorbable-cut``).
    """
    table = run.absorbable
    if table is None:
        return []
    from sim.formats import dollars

    out = []
    for city, part in table.groupby("city", sort=False):
        mine = part.set_index("strategy")
        cells = []
        for strategy in run.strategies:
            row = mine.loc[strategy]
            cells.append({
                "cut": f"{row['cut']:.1%}", "dollars": dollars(row["dollars"]),
                "interval": f"{row['cut_low']:.1%}–{row['cut_high']:.1%}",
                "breached": f"{row['breached_without_cut']:.0%}"})
        out.append({"city": city, "futures": f"{part['futures'].iloc[0]:.0%}", "cells": cells})
    return out


def exhaustion_rows(run: RunResult) -> list[dict[str, Any]]:
    """Per city: per strategy, the chance reserves run out and the median year they do."""
    table = run.replications
    start = run.scenario.start
    out = []
    for city, part in table.groupby("city", sort=False):
        cells = []
        for strategy in run.strategies:
            mine = part[part["strategy"] == strategy]
            gone = mine.loc[mine["reserves_exhausted"] > 0, "years_to_exhaustion"]
            months = int(round(float(np.median(gone)) * 12)) if len(gone) else 0
            cells.append({"share": f"{len(gone) / max(len(mine), 1):.0%}",
                          "year": (str(start.year + (start.month - 1 + months) // 12)
                                   if len(gone) else "")})
        out.append({"city": city, "cells": cells})
    return out
