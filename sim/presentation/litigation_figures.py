"""The litigation timeline: when suits were filed and courts ruled, across replications.

A pure function from the run's event log to a :class:`matplotlib.figure.Figure`,
drawn in the house style of :mod:`sim.presentation.style` like the other run
figures (:mod:`sim.presentation.run_figures`); the figure registry draws it
when a run's events hold court rulings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

from sim.presentation.style import (
    TOL_MUTED,
    colours_for,
    date_axis,
    drawn_strategies,
    legend_below,
    new_figure,
    styled,
)


@dataclass(frozen=True)
class TimelineRow:
    """One row of the litigation timeline: a label and the event kinds it shows."""

    label: str
    kinds: tuple[str, ...]


TIMELINE_ROWS = (
    TimelineRow("measure takes effect", ("measure_start",)),
    TimelineRow("suit filed", ("suit_filed",)),
    TimelineRow("preliminary injunction", ("injunction_granted", "injunction_denied")),
    TimelineRow("merits", ("merits_won", "merits_lost")),
    TimelineRow("appeal", ("appeal_won", "appeal_lost")),
    TimelineRow("certiorari", ("certiorari_won", "certiorari_lost")),
    TimelineRow("final judgment", ("judgment_final",)),
)
"""Rows of the litigation timeline, top to bottom (event kinds of :mod:`sim.model.litigation`)."""
COURT_KINDS = frozenset(k for row in TIMELINE_ROWS[1:] for k in row.kinds)
TIMELINE_KINDS = COURT_KINDS | set(TIMELINE_ROWS[0].kinds)
WON, LOST, NEUTRAL = TOL_MUTED["green"], TOL_MUTED["rose"], "#8C8C8C"
MAX_DOTS = 400
"""Most single events drawn as dots per row (the box uses every replication)."""


def _outcomes(rows: pd.DataFrame) -> pd.Series:
    """1 for a ruling the jurisdictions won, 0 for a loss, NaN for filings and measures."""
    kind, detail = rows["kind"], rows["detail"].astype(str)
    won = kind.str.endswith("_won") | (kind == "injunction_granted") | (
        (kind == "judgment_final") & detail.str.endswith("; won"))
    lost = kind.str.endswith("_lost") | (kind == "injunction_denied") | (
        (kind == "judgment_final") & detail.str.endswith("; lost"))
    return pd.Series(np.where(won, 1.0, np.where(lost, 0.0, np.nan)), index=rows.index)


def _timeline_row(ax: Axes, y: float, rows: pd.DataFrame) -> None:
    """Dates of one stage: 5-95% whisker, 25-75% box, median, and one dot per event."""
    days = mdates.date2num(pd.to_datetime(rows["date"]))
    p5, p25, p50, p75, p95 = np.percentile(days, [5, 25, 50, 75, 95])
    ax.plot([p5, p95], [y, y], color="black", lw=0.9, zorder=2)
    ax.add_patch(Rectangle((p25, y - 0.18), max(p75 - p25, 0.5), 0.36, fc="#EEEEEE",
                           ec="black", lw=0.8, zorder=2))
    ax.plot([p50, p50], [y - 0.18, y + 0.18], color="black", lw=1.6, zorder=3)
    sample = rows.sort_values("replication", kind="stable").head(MAX_DOTS)
    # Deterministic jitter (golden-ratio sequence) keeps reruns byte-identical.
    jitter = ((sample["replication"].to_numpy() * 0.6180339887) % 1.0 - 0.5) * 0.55
    outcome = _outcomes(sample).to_numpy()
    colours = np.where(outcome == 1.0, WON, np.where(outcome == 0.0, LOST, NEUTRAL))
    ax.scatter(mdates.date2num(pd.to_datetime(sample["date"])), y + jitter, s=9, c=colours,
               alpha=0.55, lw=0, zorder=4)
    won = _outcomes(rows).dropna()
    note = f"n = {len(rows)}" + (f", {won.mean():.0%} won" if len(won) else "")
    ax.annotate(note, (1.01, y), xycoords=("axes fraction", "data"), va="center", fontsize=8)


@styled
def litigation_timeline(events: pd.DataFrame, strategies: Sequence[str],
                        colours: Mapping[str, str] | None = None) -> Figure:
    """When suits were filed and courts ruled, stage by stage, across replications.

    One panel per strategy that went to court.  Each row is a stage: the
    whisker spans 5-95% of its dates, the box 25-75%, the thick tick is the
    median; dots are single events (green: won by the jurisdictions, red:
    lost, grey: filings and measures), at most :data:`MAX_DOTS` per row.
    A coalition's ruling counts once; a filing once per suit.
    """
    colours = colours_for(strategies, colours)
    # Only the kinds drawn: a big run's log is mostly other events (releases, forfeits).
    events = events[events["kind"].isin(TIMELINE_KINDS)]
    shown = [s for s in drawn_strategies(strategies)
             if events["kind"][events["strategy"] == s].isin(COURT_KINDS).any()]
    fig, axes = new_figure(max(len(shown), 1), 1, width=8.5,
                           height=0.42 * len(TIMELINE_ROWS) + 0.6, sharex=True)
    if not shown:
        axes[0, 0].text(0.5, 0.5, "No suit was filed in this run", ha="center",
                        va="center", transform=axes[0, 0].transAxes)
        axes[0, 0].set_axis_off()
    for ax, strategy in zip(axes[:, 0], shown, strict=False):
        mine = events[events["strategy"] == strategy].drop_duplicates(
            ["replication", "kind", "detail", "date"])
        for i, row in enumerate(TIMELINE_ROWS):
            rows = mine[mine["kind"].isin(row.kinds)]
            if len(rows):
                _timeline_row(ax, -i, rows)
        ax.set_yticks(-np.arange(len(TIMELINE_ROWS)), [r.label for r in TIMELINE_ROWS])
        ax.set_ylim(-len(TIMELINE_ROWS) + 0.4, 0.6)
        ax.grid(axis="y", visible=False)
        ax.set_title(strategy, color=colours[strategy], loc="left", fontweight="bold")
        date_axis(ax)
    if shown:  # an empty figure needs no key to marks it does not have
        axes[-1, 0].set_xlabel("Date")
        handles = [Line2D([], [], marker="o", ls="none", color=WON,
                          label="won by the jurisdictions"),
                   Line2D([], [], marker="o", ls="none", color=LOST, label="lost"),
                   Line2D([], [], marker="o", ls="none", color=NEUTRAL, label="filing / measure"),
                   Patch(fc="#EEEEEE", ec="black", label="25-75% of dates (line: median)"),
                   Line2D([], [], color="black", lw=0.9, label="5-95% of dates")]
        legend_below(fig, handles, columns=3)
    fig.suptitle("Litigation timeline: filings and court rulings across replications")
    return fig
