"""Figures: pure functions from result tables to :class:`matplotlib.figure.Figure`.

One style for every figure: titles, labelled axes with units, dollars
formatted in millions or billions, and a fixed, colour-blind-safe colour per
strategy (Okabe and Ito's palette).  Nothing here shows a window or touches
pyplot's global state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

if TYPE_CHECKING:
    from sim.results import RunResult

OKABE_ITO = ["#0072B2", "#E69F00", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#F0E442",
             "#000000"]
FIXED_COLOURS = {"baseline": "#7F7F7F", "sanctuary": OKABE_ITO[0], "partial": OKABE_ITO[1],
                 "full": OKABE_ITO[2]}
MAX_PANELS = 12
"""Most cities drawn in per-city figures (the largest by expenditure)."""


def strategy_colours(strategies: Sequence[str]) -> dict[str, str]:
    """Colour of each strategy: fixed for the built-ins, then the palette in order."""
    spare = iter(c for c in OKABE_ITO[3:] + OKABE_ITO[:3] if c not in FIXED_COLOURS.values())
    colours = {}
    for name in strategies:
        colours[name] = FIXED_COLOURS.get(name) or next(spare, "#444444")
    return colours


def dollars(value: float, _position: object = None) -> str:
    """Format dollars compactly: $1.2B, $350M, $12K."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= size:
            return f"{sign}${value / size:.3g}{suffix}"
    return f"{sign}${value:.3g}"


def _money_axis(ax, axis: str = "y") -> None:
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(FuncFormatter(dollars))


def _new_figure(rows: int, cols: int, width: float = 4.2, height: float = 2.8,
                **kwargs) -> tuple[Figure, np.ndarray]:
    fig = Figure(figsize=(max(6.0, width * cols), height * rows + 0.8), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False, **kwargs)
    return fig, axes


def _largest_cities(trajectories: pd.DataFrame) -> list[str]:
    size = trajectories.groupby("city", sort=False)["expenditure"].mean()
    return list(size.sort_values(ascending=False).index[:MAX_PANELS])


def reserves_fan(trajectories: pd.DataFrame, strategies: Sequence[str]) -> Figure:
    """Reserves over time per city (rows) and strategy (columns): median, 50% and 90% bands.

    The baseline's median is drawn dashed in every panel for reference.
    """
    cities = _largest_cities(trajectories)
    shown = [s for s in strategies if s != "baseline"] or list(strategies)
    colours = strategy_colours(strategies)
    fig, axes = _new_figure(len(cities), len(shown), sharex=True, sharey="row")
    quantiles = (trajectories.groupby(["strategy", "city", "date"], sort=False)["reserves"]
                 .quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack())
    for i, city in enumerate(cities):
        baseline = quantiles.loc[("baseline", city)] if "baseline" in strategies else None
        for j, strategy in enumerate(shown):
            ax = axes[i, j]
            q = quantiles.loc[(strategy, city)]
            colour = colours[strategy]
            ax.fill_between(q.index, q[0.05], q[0.95], color=colour, alpha=0.18, lw=0,
                            label="90% band")
            ax.fill_between(q.index, q[0.25], q[0.75], color=colour, alpha=0.35, lw=0,
                            label="50% band")
            ax.plot(q.index, q[0.5], color=colour, lw=1.8, label=f"{strategy} median")
            if baseline is not None and strategy != "baseline":
                ax.plot(baseline.index, baseline[0.5], color=colours["baseline"], lw=1.2,
                        ls="--", label="baseline median")
            ax.axhline(0, color="black", lw=0.6)
            _money_axis(ax)
            ax.grid(alpha=0.3)
            ax.set_title(f"{city} — {strategy}", fontsize=10)
            if j == 0:
                ax.set_ylabel("Reserves (USD)")
            if i == len(cities) - 1:
                ax.set_xlabel("Month")
            ax.legend(fontsize=7, loc="upper left")
    fig.suptitle("Reserves: median with 50% and 90% bands across replications")
    return fig


def federal_funds(trajectories: pd.DataFrame, strategies: Sequence[str]) -> Figure:
    """Federal funds received, withheld and restored per month, mean over replications.

    Summed over cities; one panel per strategy.
    """
    shown = [s for s in strategies if s != "baseline"] or list(strategies)
    monthly = (trajectories.groupby(["strategy", "replication", "date"], sort=False)
               [["federal_received", "federal_withheld", "federal_restored"]].sum()
               .groupby(["strategy", "date"], sort=False).mean())
    fig, axes = _new_figure(1, len(shown), sharey=True)
    for ax, strategy in zip(axes[0], shown, strict=False):
        data = monthly.loc[strategy]
        ax.stackplot(data.index, data["federal_received"], data["federal_withheld"],
                     colors=["#0072B2", "#D55E00"], alpha=0.8,
                     labels=["received", "withheld"])
        ax.plot(data.index, data["federal_restored"], color="#009E73", lw=1.6,
                label="withheld funds restored")
        _money_axis(ax)
        ax.grid(alpha=0.3)
        ax.set_title(strategy, fontsize=10)
        ax.set_xlabel("Month")
        ax.legend(fontsize=7, loc="lower left")
    axes[0, 0].set_ylabel("Federal funds per month (USD, mean)")
    fig.suptitle("Federal funds: received, withheld and restored (all cities)")
    return fig


FIGURES: dict[str, Callable[[pd.DataFrame, Sequence[str]], Figure]] = {
    "reserves_fan": reserves_fan,
    "federal_funds": federal_funds,
}
"""Figures drawn from trajectories, by file name."""


class Plotter:
    """The figures of one run: ``result.plot.reserves_fan()`` and so on."""

    def __init__(self, result: RunResult):
        self._result = result

    def reserves_fan(self) -> Figure:
        """See :func:`reserves_fan`."""
        return reserves_fan(self._result.trajectories, self._result.strategies)

    def federal_funds(self) -> Figure:
        """See :func:`federal_funds`."""
        return federal_funds(self._result.trajectories, self._result.strategies)


def save_figures(result: RunResult, folder: Path) -> list[Path]:
    """Write every figure as PNG (150 dpi) and SVG; return the PNG paths."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in FIGURES.items():
        fig = draw(result.trajectories, result.strategies)
        fig.savefig(folder / f"{name}.png", dpi=150)
        fig.savefig(folder / f"{name}.svg", metadata={"Date": None})
        written.append(folder / f"{name}.png")
    return written
