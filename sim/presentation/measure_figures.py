"""The loss by measure as a waterfall: what each federal measure costs each strategy.

Pure: the split table (:func:`sim.analysis.by_measure.loss_by_measure`) in,
a :class:`~matplotlib.figure.Figure` out.  One panel per strategy; bars in
the table's waterfall order (``position``), each starting where the one
before ended, then the total from zero.  Losses are red, savings (an
overlap between measures, a strategy cheaper than the baseline without
measures) green, the total in the strategy's colour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.metrics import ALL_CITIES
from sim.presentation.style import (
    MAX_PANELS,
    drawn_strategies,
    money_axis,
    new_figure,
    styled,
)

LOSS, SAVING = "#c0392b", "#2e8b57"
LABEL_CHARACTERS = 32
"""Longest bar label; longer measure names are cut (the report's table has them whole)."""


def split_city(table: pd.DataFrame) -> str:
    """The city a waterfall shows: all cities when the run has several, else the only one."""
    cities = list(dict.fromkeys(table["city"]))
    return ALL_CITIES if ALL_CITIES in cities else cities[0]


@styled
def loss_waterfall(table: pd.DataFrame, strategies: Sequence[str],
                   colours: Mapping[str, str], city: str | None = None) -> Figure:
    """Waterfall of each strategy's net fiscal impact, part by part, for one city.

    ``table`` has the columns of the split (strategy, city, part, kind,
    position, mean); ``city`` defaults to :func:`split_city`.
    """
    city = city or split_city(table)
    shown = [s for s in drawn_strategies(strategies) if s in set(table["strategy"])]
    shown = shown[:MAX_PANELS]
    rows = table[table["city"] == city]
    fig, axes = new_figure(1, max(1, len(shown)), width=4.6, height=3.6, sharey=True)
    for ax, strategy in zip(axes[0], shown, strict=False):
        parts = rows[rows["strategy"] == strategy].sort_values("position")
        _waterfall(ax, parts, colours.get(strategy, "#555555"))
        ax.set_title(strategy)
    axes[0, 0].set_ylabel("Net fiscal impact, USD present value")
    money_axis(axes[0, 0])
    fig.suptitle(f"Loss by measure, {city} (mean over replications)")
    return fig


def _waterfall(ax, parts: pd.DataFrame, total_colour: str) -> None:
    labels, bottoms, heights, colours = [], [], [], []
    level = 0.0
    for part in parts.itertuples():
        if part.kind == "total":
            bottoms.append(0.0)
            heights.append(part.mean)
            colours.append(total_colour)
        else:
            bottoms.append(level)
            heights.append(part.mean)
            colours.append(LOSS if part.mean < 0 else SAVING)
            level += part.mean
        labels.append(_short(str(part.part)))
    x = np.arange(len(labels))
    ax.bar(x, heights, bottom=bottoms, color=colours, width=0.7)
    # Connectors show where the next bar starts.
    tops = np.add(bottoms, heights)
    for i in range(len(labels) - 1):
        ax.plot([i + 0.35, i + 0.65], [tops[i], tops[i]], color="#777777", lw=0.6)
    ax.axhline(0, color="#333333", lw=0.8)
    ax.set_xticks(x, labels, rotation=60, ha="right", fontsize=7)


def _short(name: str) -> str:
    return name if len(name) <= LABEL_CHARACTERS else name[:LABEL_CHARACTERS - 1] + "…"
