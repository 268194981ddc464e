"""Comparison figures: two runs, or two strategies of one run, on shared axes.

Pure functions from result tables to :class:`matplotlib.figure.Figure`, in
the house style of :mod:`sim.presentation.style`; ``fundsim compare``'s page
(:mod:`sim.presentation.pages`) shows them beside each run's own figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from sim.metrics import METRICS
from sim.presentation.run_figures import largest_cities
from sim.presentation.style import (
    OVERFLOW_COLOUR,
    colours_for,
    date_axis,
    legend_below,
    money_axis,
    new_figure,
    styled,
)

if TYPE_CHECKING:
    pass

# --------------------------------------------------------------------------
# Comparison figures (two runs, or two strategies of one run)


@styled
def metric_changes(changes: pd.DataFrame, colours: Mapping[str, str] | None = None) -> Figure:
    """Change of key metrics from side A to side B, one panel per metric.

    ``changes`` has columns ``pair, strategy_b, metric, change, ci95_low,
    ci95_high`` and optionally ``beyond_noise`` (see
    :meth:`sim.presentation.pages.Comparison.changes`); each row is drawn as a
    point with its 95% confidence interval, coloured by B's strategy, filled
    when the change is beyond Monte Carlo error and hollow when it is not.
    """
    metrics = list(dict.fromkeys(changes["metric"]))
    pairs = list(dict.fromkeys(changes["pair"]))
    colours = colours_for(list(dict.fromkeys(changes["strategy_b"])), colours)
    cols = min(3, len(metrics))
    rows = -(-len(metrics) // cols)
    fig, axes = new_figure(rows, cols, width=3.4, height=0.3 * len(pairs) + 1.6, sharey=True)
    y = np.arange(len(pairs))[::-1]
    for ax, metric in zip(axes.flat, metrics, strict=False):
        data = changes[changes["metric"] == metric].set_index("pair").reindex(pairs)
        for k, (_, row) in enumerate(data.iterrows()):
            colour = colours.get(row["strategy_b"], OVERFLOW_COLOUR)
            filled = bool(row.get("beyond_noise", True))
            ax.errorbar([row["change"]], [y[k]],
                        xerr=[[row["change"] - row["ci95_low"]],
                              [row["ci95_high"] - row["change"]]],
                        fmt="o", color=colour, ecolor=colour, capsize=3, ms=5,
                        mfc=colour if filled else "white")
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y, pairs)
        ax.set_ylim(-0.7, len(pairs) - 0.3)
        ax.grid(axis="y", visible=False)
        unit = METRICS[metric].unit if metric in METRICS else ""
        if unit.startswith("USD"):
            money_axis(ax, "x")
        elif unit == "probability" or unit.startswith("share"):
            ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
        ax.set_title(metric.replace("_", " "))
        _symmetric(ax)
        ax.xaxis.set_major_locator(MaxNLocator(5))  # "-$1.5M-$1M" would run together
    for ax in axes.flat[len(metrics):]:
        ax.set_visible(False)
    fig.suptitle("Change from A to B (difference of means, 95% confidence interval)")
    return fig


def _symmetric(ax: Axes) -> None:
    """Centre the value axis on zero so that no change sits in the middle."""
    low, high = ax.get_xlim()
    reach = max(abs(low), abs(high)) or 1.0
    ax.set_xlim(-reach, reach)


@styled
def reserves_difference(trajectories_a: pd.DataFrame, trajectories_b: pd.DataFrame,
                        pairs: Sequence[tuple[str, str]], paired: bool,
                        colours: Mapping[str, str] | None = None) -> Figure:
    """Mean reserves net of debt on side B minus side A, per city (rows) and strategy pair.

    Bands are 95% confidence intervals of the difference: paired by kept
    replication when the sides share random draws, Welch otherwise.
    """
    from scipy import stats

    cities = [c for c in largest_cities(trajectories_a) if c in set(trajectories_b["city"])]
    colours = colours_for([b for _, b in pairs], colours)

    def net(frame: pd.DataFrame) -> pd.Series:
        values = frame["reserves"] - frame.get("debt", 0.0)
        return values.set_axis(pd.MultiIndex.from_frame(
            frame[["strategy", "city", "date", "replication"]])).sort_index()

    net_a, net_b = net(trajectories_a), net(trajectories_b)
    fig, axes = new_figure(len(cities), len(pairs), width=4.0, height=2.4, sharex=True,
                           sharey="row")
    for i, city in enumerate(cities):
        for j, (sa, sb) in enumerate(pairs):
            ax = axes[i, j]
            a = net_a.loc[(sa, city)].unstack("replication")
            b = net_b.loc[(sb, city)].unstack("replication")
            dates = a.index.intersection(b.index)
            a, b = a.loc[dates], b.loc[dates]
            if paired:
                common = a.columns.intersection(b.columns)
                d = b[common] - a[common]
                mean, n = d.mean(axis=1), d.shape[1]
                se = d.std(axis=1, ddof=1) / np.sqrt(n) if n > 1 else mean * 0
                df = max(n - 1, 1)
            else:
                mean = b.mean(axis=1) - a.mean(axis=1)
                va = a.var(axis=1, ddof=1) / a.shape[1]
                vb = b.var(axis=1, ddof=1) / b.shape[1]
                se = np.sqrt(va + vb)
                df = max(min(a.shape[1], b.shape[1]) - 1, 1)
            half = stats.t.ppf(0.975, df) * se.fillna(0.0)
            colour = colours[sb]
            ax.fill_between(dates, mean - half, mean + half, color=colour, alpha=0.25, lw=0)
            ax.plot(dates, mean, color=colour, lw=1.8)
            ax.axhline(0, color="black", lw=0.8)
            money_axis(ax)
            date_axis(ax)
            label = sa if sa == sb else f"{sa} → {sb}"
            ax.set_title(f"{city} · {label}" if len(cities) > 1 else label, color=colour)
            if j == 0:
                ax.set_ylabel(f"{city}\nB − A" if len(cities) > 1 else "B − A")
    legend_below(fig, [Line2D([], [], color="#555555", lw=1.8, label="mean difference"),
                       Patch(color="#555555", alpha=0.25, label="95% confidence interval")])
    fig.suptitle("Change in reserves net of short-term debt, B − A (USD)")
    return fig
