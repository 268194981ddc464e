"""Branches: which uncertain turns each replication took, read from its event log.

A run's futures split on a few uncertain events: did a measure happen, was it
rescinded, did a court grant an injunction or reverse one, did the city
switch its policy.  :func:`branches` turns the event log into one boolean
column per branch for every (strategy, replication), the table behind
:attr:`RunResult.branches <sim.results.RunResult.branches>` and the decision
support of :mod:`sim.analysis.decision_support`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.model.litigation.courts import RULINGS


@dataclass(frozen=True)
class BranchRule:
    """How an event kind marks a branch."""

    template: str
    """Name of the branch; ``{measure}`` is the measure the event concerns (the
    detail's first part), ``{detail}`` the whole detail."""
    exogenous: bool = False
    """The branch belongs to the future, not to the strategy: drawn before any
    strategy acts (common random numbers), so every strategy of the
    replication, the baseline included, is flagged when any of them sees it."""
    contains: str = ""
    """Only events whose detail contains this text mark the branch."""


WON_RULINGS = tuple(kind for (_, won), kind in RULINGS.items() if won)
LOST_RULINGS = tuple(kind for (_, won), kind in RULINGS.items() if not won)

BRANCH_EVENTS: dict[str, BranchRule] = {
    "measure_start": BranchRule("{measure} happened", exogenous=True),
    "measure_rescinded": BranchRule("{measure} rescinded", exogenous=True),
    **{kind: BranchRule("{measure}: injunction granted") for kind in WON_RULINGS},
    **{kind: BranchRule("{measure}: injunction reversed", contains="injunction dissolved")
       for kind in LOST_RULINGS},
    "compliance_switch": BranchRule("switched {detail}"),
}
"""Event kinds that mark a branch, and how the branch is named from the event detail.

A won ruling at any stage means an injunction protects the plaintiffs after
it; a lost ruling that dissolves an injunction is a reversal.  Modules that
add branch-worthy events (court rulings, switches) register them here.
"""


def measure_of(detail: str) -> str:
    """The measure an event concerns: the first part of its detail."""
    return detail.split("; ", 1)[0]


def branches(events: pd.DataFrame, replications: pd.DataFrame) -> pd.DataFrame:
    """One row per (strategy, replication), one boolean column per branch.

    A branch is true when the replication's event log holds the event (for
    exogenous branches: under any strategy); every (strategy, replication) of
    the run appears, with false where nothing happened.
    """
    keys = replications[["strategy", "replication"]].drop_duplicates().reset_index(drop=True)
    rows = []
    for kind, detail, strategy, replication in zip(
            events["kind"], events["detail"], events["strategy"], events["replication"],
            strict=True):
        rule = BRANCH_EVENTS.get(kind)
        if rule is None or rule.contains not in detail:
            continue
        name = rule.template.format(measure=measure_of(detail), detail=detail)
        rows.append((None if rule.exogenous else strategy, replication, name))
    marked = pd.DataFrame(rows, columns=["strategy", "replication", "branch"]).drop_duplicates()
    table = keys.copy()
    names = list(dict.fromkeys(marked["branch"]))
    for name in names:
        mine = marked[marked["branch"] == name]
        if mine["strategy"].isna().all():
            table[name] = table["replication"].isin(set(mine["replication"]))
        else:
            taken = pd.MultiIndex.from_frame(mine[["strategy", "replication"]])
            table[name] = pd.MultiIndex.from_frame(keys).isin(taken)
    return table


def branch_names(table: pd.DataFrame) -> list[str]:
    """The branch columns of a :func:`branches` table."""
    return [c for c in table.columns if c not in ("strategy", "replication")]
