"""Figures: pure functions from result tables to :class:`matplotlib.figure.Figure`.

One style for every figure (:data:`STYLE`): titles, labelled axes with units,
dollars formatted in millions or billions, concise date axes, and a fixed,
colour-blind-safe colour per strategy (Okabe and Ito's palette) that stays the
same in every figure and, in ``fundsim compare``, in both runs.  Colours of
cost components come from Paul Tol's "muted" scheme so that they are never
mistaken for strategies.  Nothing here shows a window or touches pyplot's
global state.

Each figure function takes tables (``trajectories``, ``replications``,
``events`` as written by a run), the strategies to show and optional
``colours``; :data:`FIGURES` says how to draw each one from a run and when it
applies.  To add a figure: write ``my_figure(table, strategies, colours=None)``
decorated with :func:`styled`, using the helpers below (:func:`money_axis`,
:func:`date_axis`, :func:`strategy_colours`), and add a :class:`FigureSpec`
line to :data:`FIGURES`.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib.dates as mdates
import matplotlib.style as mpl_style
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter, PercentFormatter

from sim.errors import UsageError
from sim.results import ALL_CITIES, METRICS, for_figures

if TYPE_CHECKING:
    from sim.results import RunResult
    from sim.sweep import SweepResult

OKABE_ITO = ["#0072B2", "#E69F00", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#F0E442",
             "#000000"]
"""Okabe and Ito (2008), "Color Universal Design": distinguishable with any colour vision."""
TOL_MUTED = {"rose": "#CC6677", "indigo": "#332288", "sand": "#DDCC77", "green": "#117733",
             "cyan": "#88CCEE", "wine": "#882255", "teal": "#44AA99", "olive": "#999933",
             "purple": "#AA4499"}
"""Paul Tol's colour-blind-safe "muted" scheme, used for categories that are not strategies."""
BASELINE_COLOUR = "#7F7F7F"
FIXED_COLOURS = {"baseline": BASELINE_COLOUR, "sanctuary": OKABE_ITO[0], "partial": OKABE_ITO[1],
                 "full": OKABE_ITO[2]}
"""Colours of the built-in strategies, the same in every figure and every run."""
SPARE_COLOURS = (OKABE_ITO[3], OKABE_ITO[4], OKABE_ITO[5], OKABE_ITO[7], TOL_MUTED["wine"],
                 TOL_MUTED["teal"], TOL_MUTED["olive"], TOL_MUTED["indigo"])
"""Colours of other strategies, in the order they are first seen (yellow is left out:
too faint for lines on white)."""
OVERFLOW_COLOUR = "#444444"
MAX_PANELS = 12
"""Most cities drawn in per-city figures (the largest by expenditure)."""

STYLE: dict[str, Any] = {
    "figure.facecolor": "white",
    "figure.titlesize": 13,
    "figure.titleweight": "bold",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "axes.grid": True,
    "axes.axisbelow": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=OKABE_ITO),
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "date.converter": "concise",
    "savefig.dpi": 150,
    "svg.hashsalt": "fundsim",
}
"""The house style, applied on top of matplotlib's defaults to every figure."""
PNG_DPI = 150


@contextmanager
def house_style() -> Iterator[None]:
    """Draw (or save) inside this context to get the house style whatever the user's rcParams."""
    with mpl_style.context(["default", STYLE]):
        yield


def styled(draw: Callable[..., Figure]) -> Callable[..., Figure]:
    """Wrap a figure function so that it draws in the house style."""
    @functools.wraps(draw)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with house_style():
            return draw(*args, **kwargs)
    return wrapper


def strategy_colours(strategies: Sequence[str]) -> dict[str, str]:
    """Colour of each strategy: fixed for the baseline and built-ins, then spares in order.

    Pass every strategy that will appear (in ``fundsim compare``: both runs')
    so that one strategy keeps one colour everywhere.
    """
    spare = iter(SPARE_COLOURS)
    colours = {}
    for name in strategies:
        if name not in colours:
            colours[name] = FIXED_COLOURS.get(name) or next(spare, OVERFLOW_COLOUR)
    return colours


def _colours_for(strategies: Sequence[str], colours: Mapping[str, str] | None) -> dict[str, str]:
    fallback = strategy_colours(strategies)
    return {s: (colours or {}).get(s, fallback[s]) for s in strategies}


def dollars(value: float, _position: object = None) -> str:
    """Format dollars compactly: $1.2B, $350M, $12K."""
    if not np.isfinite(value):
        return "n/a"
    sign = "-" if value < 0 else ""
    value = abs(value)
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if value >= size * 0.9995:
            return f"{sign}${value / size:.3g}{suffix}"
    return f"{sign}${value:.3g}"


def money_axis(ax: Axes, axis: str = "y") -> None:
    """Tick labels in compact dollars ($350M, $1.2B)."""
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(FuncFormatter(dollars))


def share_axis(ax: Axes, axis: str = "y") -> None:
    """Tick labels in percent, for shares in 0-1."""
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(PercentFormatter(1.0, decimals=0))


def date_axis(ax: Axes) -> None:
    """Concise date ticks (years, then months) that never overlap."""
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def new_figure(rows: int, cols: int, width: float = 4.2, height: float = 2.8,
               **kwargs: Any) -> tuple[Figure, np.ndarray]:
    """Make a constrained-layout figure with a grid of axes (always 2-D)."""
    fig = Figure(figsize=(max(6.5, width * cols), height * rows + 1.0), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False, **kwargs)
    return fig, axes


def legend_below(fig: Figure, handles: Sequence[Any], columns: int | None = None) -> None:
    """One legend for the whole figure, centred under the panels."""
    fig.legend(handles=list(handles), loc="outside lower center",
               ncols=columns or min(len(handles), 4))


def colour_ticklabels(ax: Axes, colours: Mapping[str, str], axis: str = "x") -> None:
    """Colour categorical tick labels that name strategies."""
    for label in (ax.get_xticklabels() if axis == "x" else ax.get_yticklabels()):
        label.set_color(colours.get(label.get_text(), "black"))


def _shown(strategies: Sequence[str]) -> list[str]:
    """Strategies drawn against the baseline (all of them if there is no other)."""
    return [s for s in strategies if s != "baseline"] or list(strategies)


def _where(table: pd.DataFrame) -> str:
    """Title suffix naming the city, or saying that cities are added up."""
    cities = table["city"].unique()
    return f", {cities[0]}" if len(cities) == 1 else ", all cities"


def _largest_cities(trajectories: pd.DataFrame) -> list[str]:
    size = trajectories.groupby("city", sort=False)["expenditure"].mean()
    return list(size.sort_values(ascending=False, kind="stable").index[:MAX_PANELS])


def over_cities(replications: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """Per-replication outcomes for all cities together, indexed by (strategy, replication).

    Each metric combines cities as :data:`sim.results.METRICS` says (sum, min or max).
    """
    how = {m: METRICS[m].over_cities if m in METRICS else "sum" for m in metrics}
    return replications.groupby(["strategy", "replication"], sort=False).agg(how)


def versus_baseline(frame: pd.DataFrame, baseline: str = "baseline") -> pd.DataFrame:
    """Replication-by-replication difference from the baseline (common random numbers).

    ``frame`` is indexed by (strategy, replication); without a baseline it is
    returned unchanged.
    """
    strategies = frame.index.get_level_values("strategy")
    if baseline not in set(strategies):
        return frame
    base = frame.xs(baseline, level="strategy")
    reps = frame.index.get_level_values("replication")
    return frame - base.reindex(reps).to_numpy()


# --------------------------------------------------------------------------
# Figures of one run


@styled
def reserves_fan(trajectories: pd.DataFrame, strategies: Sequence[str],
                 colours: Mapping[str, str] | None = None,
                 floor_shares: Mapping[str, float] | None = None,
                 bands: pd.DataFrame | None = None) -> Figure:
    """Reserves net of short-term debt per city (rows) and strategy (columns).

    Median with 50% and 90% bands; the baseline's median dashed in every
    panel and, given ``floor_shares`` (city -> reserve floor as a share of
    annual expenditure) and trajectories, the reserve floor dotted.  The
    quantiles come from ``bands`` (``bands.parquet``: monthly quantiles over
    every replication) when given, else from the kept ``trajectories``.
    """
    quantiles, over = _net_reserve_quantiles(trajectories, bands)
    banded = [c for c in dict.fromkeys(quantiles.index.get_level_values("city"))
              if c != ALL_CITIES]
    ordered = _largest_cities(trajectories) if not trajectories.empty else []
    cities = ([c for c in ordered if c in banded] + [c for c in banded if c not in ordered])
    cities = cities[:MAX_PANELS]
    shown = _shown(strategies)
    colours = _colours_for(strategies, colours)
    spending = None
    if floor_shares and not trajectories.empty:
        spending = (12 * trajectories["expenditure"]).groupby(
            [trajectories["strategy"], trajectories["city"], trajectories["date"]],
            sort=False).median()
    fig, axes = new_figure(len(cities), len(shown), width=4.0, height=2.5, sharex=True,
                           sharey="row")
    has_baseline = "baseline" in strategies and "baseline" not in shown
    for i, city in enumerate(cities):
        for j, strategy in enumerate(shown):
            ax = axes[i, j]
            q = quantiles.loc[(strategy, city)]
            colour = colours[strategy]
            ax.fill_between(q.index, q[0.05], q[0.95], color=colour, alpha=0.16, lw=0)
            ax.fill_between(q.index, q[0.25], q[0.75], color=colour, alpha=0.34, lw=0)
            ax.plot(q.index, q[0.5], color=colour, lw=1.8)
            if has_baseline:
                base = quantiles.loc[("baseline", city)]
                ax.plot(base.index, base[0.5], color=colours["baseline"], lw=1.2, ls="--")
            if spending is not None and city in floor_shares:
                floor = floor_shares[city] * spending.loc[(strategy, city)]
                ax.plot(floor.index, floor, color="black", lw=1.0, ls=":")
            ax.axhline(0, color="black", lw=0.6)
            money_axis(ax)
            date_axis(ax)
            ax.set_title(f"{city} · {strategy}" if len(cities) > 1 else strategy,
                         color=colour)
            if j == 0:
                ax.set_ylabel(f"{city}\nreserves net of debt" if len(cities) > 1
                              else "Reserves net of debt")
    handles = [Patch(color="#555555", alpha=0.16, label="90% of replications"),
               Patch(color="#555555", alpha=0.34, label="50% of replications"),
               Line2D([], [], color="#555555", lw=1.8, label="median")]
    if has_baseline:
        handles.append(Line2D([], [], color=colours["baseline"], ls="--",
                                        label="baseline median (no federal measures)"))
    if spending is not None:
        handles.append(Line2D([], [], color="black", ls=":", label="reserve floor"))
    legend_below(fig, handles, columns=3)
    title = f"Reserves net of short-term debt (USD, nominal), {over}"
    if len(cities) < len(banded) or (not trajectories.empty
                                     and len(cities) < trajectories["city"].nunique()):
        title += f"\nthe {len(cities)} largest cities"
    fig.suptitle(title)
    return fig


QUANTILE_COLUMNS = {"p05": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95}


def _net_reserve_quantiles(trajectories: pd.DataFrame,
                           bands: pd.DataFrame | None) -> tuple[pd.DataFrame, str]:
    """Quantiles of reserves net of debt by (strategy, city, date), and what they cover."""
    if bands is not None and not bands.empty and (bands["series"] == "net_reserves").any():
        rows = bands[bands["series"] == "net_reserves"]
        quantiles = rows.set_index(["strategy", "city", "date"])[list(QUANTILE_COLUMNS)]
        return quantiles.rename(columns=QUANTILE_COLUMNS).sort_index(), "all replications"
    net = trajectories["reserves"] - trajectories.get("debt", 0.0)
    quantiles = net.groupby([trajectories["strategy"], trajectories["city"],
                             trajectories["date"]], sort=False).quantile(
        list(QUANTILE_COLUMNS.values())).unstack().sort_index()
    kept = trajectories["replication"].nunique()
    return quantiles, f"{kept} kept replications"


FEDERAL_COLOURS = {"received": TOL_MUTED["indigo"], "withheld": TOL_MUTED["rose"],
                   "restored": TOL_MUTED["green"], "lost": TOL_MUTED["wine"]}


@styled
def federal_funds(trajectories: pd.DataFrame, strategies: Sequence[str],
                  colours: Mapping[str, str] | None = None) -> Figure:
    """Federal funds per strategy (columns), all cities together, cumulated from the start.

    Top: share of the payments due so far that was received on schedule.
    Bottom: money withheld, withheld money paid out later ("restored") and
    money lost for good.  Lines are means over the kept replications, bands
    hold 90% of them.
    """
    shown = _shown(strategies)
    colours = _colours_for(strategies, colours)
    flows = [c for c in ("federal_due", "federal_received", "federal_withheld",
                         "federal_restored", "federal_lost") if c in trajectories.columns]
    cumulative = (trajectories.groupby(["strategy", "replication", "date"], sort=False)[flows]
                  .sum().sort_index().groupby(level=["strategy", "replication"]).cumsum())
    due = cumulative["federal_due"] if "federal_due" in cumulative else (
        cumulative["federal_received"] + cumulative["federal_withheld"])
    cumulative["received_share"] = (cumulative["federal_received"]
                                    / due.where(due > 0)).clip(upper=1.0)
    fig, axes = new_figure(2, len(shown), width=4.2, height=2.6, sharex=True, sharey="row")
    lines = [("federal_withheld", "withheld", "-"), ("federal_restored", "restored", "-"),
             ("federal_lost", "lost", "--")]
    for j, strategy in enumerate(shown):
        top, bottom = axes[0, j], axes[1, j]
        data = cumulative.loc[strategy]
        _mean_band(top, data["received_share"], FEDERAL_COLOURS["received"])
        share_axis(top)
        top.set_ylim(min(0.8, top.get_ylim()[0]), 1.02)
        top.set_title(strategy, color=colours[strategy])
        for column, kind, style in lines:
            if column in data:
                _mean_band(bottom, data[column], FEDERAL_COLOURS[kind], style,
                           band=kind == "withheld")
        money_axis(bottom)
        bottom.set_ylim(bottom=0)
        for ax in (top, bottom):
            date_axis(ax)
    axes[0, 0].set_ylabel("Received so far,\n% of payments due so far")
    axes[1, 0].set_ylabel("Cumulative (USD)")
    handles = [Line2D([], [], color=FEDERAL_COLOURS["received"], lw=1.8,
                      label="received on schedule"),
               Line2D([], [], color=FEDERAL_COLOURS["withheld"], lw=1.8,
                      label="withheld (incl. clawbacks)"),
               Line2D([], [], color=FEDERAL_COLOURS["restored"], lw=1.8,
                      label="withheld, later paid out"),
               Line2D([], [], color=FEDERAL_COLOURS["lost"], lw=1.8, ls="--",
                      label="lost for good"),
               Patch(color="#777777", alpha=0.25, label="90% of replications")]
    legend_below(fig, handles, columns=3)
    fig.suptitle(f"Federal funds{_where(trajectories)}, cumulated from the start (mean)")
    return fig


def _mean_band(ax: Axes, series: pd.Series, colour: str, style: str = "-",
               band: bool = True) -> None:
    """Mean over replications of a (replication, date) series, with its 5-95% band."""
    by_date = series.groupby(level="date")
    mean = by_date.mean()
    if band:
        q = by_date.quantile([0.05, 0.95]).unstack()
        ax.fill_between(q.index, q[0.05], q[0.95], color=colour, alpha=0.25, lw=0)
    ax.plot(mean.index, mean, color=colour, lw=1.8, ls=style)


@dataclass(frozen=True)
class CostComponent:
    """One stack of the cost breakdown: a label, the metrics it adds and its colour."""

    label: str
    metrics: tuple[str, ...]
    colour: str


COST_COMPONENTS = (
    CostComponent("federal funds lost for good", ("federal_lost",), TOL_MUTED["wine"]),
    CostComponent("federal funds still withheld at the end", ("federal_unresolved",),
                  TOL_MUTED["rose"]),
    CostComponent("legal costs", ("legal_cost",), TOL_MUTED["indigo"]),
    CostComponent("compliance costs", ("compliance_cost",), TOL_MUTED["sand"]),
    CostComponent("liability payouts", ("liability_cost",), TOL_MUTED["purple"]),
    CostComponent("interest on short-term debt", ("interest",), TOL_MUTED["olive"]),
)
"""What a strategy costs against the baseline, stacked in this order."""
GAP_CLOSING = CostComponent("gap closing: service cuts + tax increases",
                            ("service_cuts", "tax_increase"), TOL_MUTED["teal"])
"""How the costs were covered; drawn beside the stack, never in it (that would count twice)."""


def _component_values(replications: pd.DataFrame,
                      components: Sequence[CostComponent]) -> pd.DataFrame:
    """Per-replication value of each component vs the baseline, all cities together."""
    metrics = sorted({m for c in components for m in c.metrics if m in replications.columns})
    totals = versus_baseline(over_cities(replications, metrics))
    return pd.DataFrame({c.label: totals[[m for m in c.metrics if m in totals]].sum(axis=1)
                         for c in components}, index=totals.index)


@styled
def cost_breakdown(replications: pd.DataFrame, strategies: Sequence[str],
                   colours: Mapping[str, str] | None = None) -> Figure:
    """Break down what each strategy costs against the baseline, all cities, whole horizon.

    Left bar of each strategy: cost components stacked (mean, paired with the
    baseline replication by replication), whisker = 5-95% of the total over
    replications.  Right bar (hatched): gap closing, i.e. how the city covered
    the costs.  Undiscounted nominal dollars.
    """
    shown = _shown(strategies)
    colours = _colours_for(strategies, colours)
    present = [c for c in COST_COMPONENTS if any(m in replications for m in c.metrics)]
    values = _component_values(replications, [*present, GAP_CLOSING])
    components = [c for c in present if values.loc[shown, c.label].abs().max() > 0]
    fig, axes = new_figure(1, 1, width=max(6.5, 2.0 * len(shown) + 2.5), height=4.2)
    ax = axes[0, 0]
    x = np.arange(len(shown))
    width = 0.38
    for i, strategy in enumerate(shown):
        data = values.loc[strategy]
        up, down = 0.0, 0.0
        for component in components:
            mean = float(data[component.label].mean())
            base = up if mean >= 0 else down
            ax.bar(x[i] - width / 2, mean, width, bottom=base, color=component.colour,
                   edgecolor="white", lw=0.5)
            if mean >= 0:
                up += mean
            else:
                down += mean
        total = data[[c.label for c in components]].sum(axis=1)
        _whisker(ax, x[i] - width / 2, total)
        gap = data[GAP_CLOSING.label]
        ax.bar(x[i] + width / 2, float(gap.mean()), width, color="white",
               edgecolor=GAP_CLOSING.colour, hatch="///", lw=1.2)
        _whisker(ax, x[i] + width / 2, gap)
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xticks(x, shown)
    colour_ticklabels(ax, colours)
    ax.set_xlim(-0.7, len(shown) - 0.3)
    ax.grid(axis="x", visible=False)
    money_axis(ax)
    ax.set_ylabel("Total over the horizon vs baseline (USD)")
    handles = [Patch(color=c.colour, label=c.label) for c in components]
    handles.append(Patch(facecolor="white", edgecolor=GAP_CLOSING.colour, hatch="///",
                         label=GAP_CLOSING.label))
    handles.append(Line2D([], [], color="black", marker="_", ms=10, lw=1,
                                    label="5-95% of replications (total)"))
    legend_below(fig, handles, columns=2)
    fig.suptitle(f"Cost of each strategy against the baseline{_where(replications)} (mean)")
    return fig


def _whisker(ax: Axes, x: float, values: pd.Series) -> None:
    low, mean, high = np.percentile(values, 5), values.mean(), np.percentile(values, 95)
    # Centred on the band, not the mean: a skewed tail can put the mean outside it.
    ax.errorbar([x], [(low + high) / 2], yerr=[(high - low) / 2], fmt="none", ecolor="black",
                elinewidth=1.0, capsize=4)
    ax.annotate(dollars(mean), (x, max(high, mean)), xytext=(0, 3), textcoords="offset points",
                ha="center", va="bottom", fontsize=8)


@styled
def net_impact(replications: pd.DataFrame, strategies: Sequence[str],
               colours: Mapping[str, str] | None = None) -> Figure:
    """Distribution of the net fiscal impact vs baseline per strategy, all cities.

    Violins over replications with quartile box and mean; above each, the
    probability that reserves fell below their floor (any city), against the
    baseline's.
    """
    shown = _shown(strategies)
    colours = _colours_for(strategies, colours)
    metrics = [m for m in ("net_fiscal_impact", "floor_breached") if m in replications]
    totals = over_cities(replications, metrics)
    many = replications["city"].nunique() > 1
    fig, axes = new_figure(1, 1, width=max(6.5, 2.2 * len(shown) + 2.5), height=4.4)
    ax = axes[0, 0]
    for i, strategy in enumerate(shown):
        values = totals.loc[strategy, "net_fiscal_impact"].to_numpy(dtype=float)
        _violin(ax, i, values, colours[strategy])
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xticks(range(len(shown)), shown)
    colour_ticklabels(ax, colours)
    ax.set_xlim(-0.6, len(shown) - 0.4)
    ax.grid(axis="x", visible=False)
    money_axis(ax)
    ax.set_ylabel("Net fiscal impact vs baseline\n(USD, present value; negative = cost)")
    if "floor_breached" in totals:
        low, high = ax.get_ylim()
        ax.set_ylim(low, high + 0.16 * (high - low))
        base = (totals.loc["baseline", "floor_breached"].mean()
                if "baseline" in totals.index.get_level_values("strategy") else None)
        for i, strategy in enumerate(shown):
            p = totals.loc[strategy, "floor_breached"].mean()
            text = f"P(reserves below floor){' in any city' if many else ''} {p:.0%}"
            if base is not None:
                text += f"\nbaseline {base:.0%}"
            ax.annotate(text, (i, 1), xycoords=("data", "axes fraction"), xytext=(0, -4),
                        textcoords="offset points", ha="center", va="top", fontsize=8,
                        bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "#BBBBBB"})
    handles = [Patch(color="#777777", alpha=0.35, label="distribution over replications"),
               Patch(facecolor="white", edgecolor="black", label="middle 50%"),
               Line2D([], [], color="black", marker="D", ls="none", ms=5,
                                label="mean")]
    legend_below(fig, handles, columns=3)
    fig.suptitle(f"Net fiscal impact against the no-measure baseline{_where(replications)}")
    return fig


def _violin(ax: Axes, x: float, values: np.ndarray, colour: str) -> None:
    """Draw a violin with a quartile box and the mean; a flat bar when all values are equal."""
    if np.ptp(values) > 1e-9 * max(1.0, np.abs(values).max()):
        parts = ax.violinplot([values], positions=[x], widths=0.75, showextrema=False)
        for body in parts["bodies"]:
            body.set_facecolor(colour)
            body.set_edgecolor(colour)
            body.set_alpha(0.35)
        q1, q3 = np.percentile(values, [25, 75])
        ax.add_patch(Rectangle((x - 0.06, q1), 0.12, q3 - q1, fc="white",
                                           ec="black", lw=0.8, zorder=3))
        ax.plot([x - 0.06, x + 0.06], [np.median(values)] * 2, color="black", lw=1.2, zorder=4)
    else:
        ax.plot([x - 0.3, x + 0.3], [values[0]] * 2, color=colour, lw=3)
    ax.plot([x], [values.mean()], marker="D", color="black", ms=5, zorder=5)


@styled
def exposure_by_city(replications: pd.DataFrame, strategies: Sequence[str],
                     colours: Mapping[str, str] | None = None) -> Figure:
    """Per city and strategy: federal share withheld, net fiscal impact, floor-breach risk.

    Bars are means over replications, whiskers 5-95%; in the right panel a
    grey tick marks the baseline's probability of falling below the floor.
    """
    shown = _shown(strategies)
    colours = _colours_for(strategies, colours)
    cities = list(replications.groupby("city", sort=False)["federal_due"].mean()
                  .sort_values(ascending=True, kind="stable").index)
    frame = replications.set_index(["strategy", "city"]).sort_index()
    due = frame["federal_due"].where(frame["federal_due"] > 0)
    panels = [("withheld", (frame["federal_withheld"] / due).fillna(0.0),
               "Federal funds withheld,\nshare of funds due"),
              ("impact", frame["net_fiscal_impact"],
               "Net fiscal impact vs baseline\n(USD, present value)")]
    if "floor_breached" in frame:
        panels.append(("floor", frame["floor_breached"], "Probability reserves fell\n"
                       "below the floor"))
    fig, axes = new_figure(1, len(panels), width=3.4,
                           height=max(2.6, 0.22 * len(cities) * (len(shown) + 1) + 1.2),
                           sharey=True)
    height = 0.8 / len(shown)
    y = np.arange(len(cities))
    for k, strategy in enumerate(shown):
        offset = ((len(shown) - 1) / 2 - k) * height
        for ax, (kind, series, _label) in zip(axes[0], panels, strict=True):
            data = series.loc[strategy].groupby(level="city").agg(
                ["mean", lambda v: np.percentile(v, 5), lambda v: np.percentile(v, 95)])
            mean, low, high = (data.iloc[:, i].reindex(cities) for i in range(3))
            ax.barh(y + offset, mean, height, color=colours[strategy])
            if kind != "floor":
                ax.errorbar(mean, y + offset, xerr=[mean - low, high - mean], fmt="none",
                            ecolor="black", elinewidth=0.8, capsize=2)
    if "floor" in [p[0] for p in panels] and "baseline" in strategies:
        base = frame["floor_breached"].loc["baseline"].groupby(level="city").mean()
        axes[0, 2].scatter(base.reindex(cities), y, marker="|", s=300, color=BASELINE_COLOUR,
                           zorder=4, lw=2)
    axes[0, 0].set_yticks(y, cities)
    for ax, (kind, _series, label) in zip(axes[0], panels, strict=True):
        ax.set_xlabel(label)
        ax.grid(axis="y", visible=False)
        if kind == "impact":
            money_axis(ax, "x")
            ax.axvline(0, color="black", lw=0.6)
        else:
            share_axis(ax, "x")
            ax.set_xlim(0, 1.0 if kind == "floor" else None)
    handles = [Patch(color=colours[s], label=s) for s in shown]
    handles.append(Line2D([], [], color="black", marker="|", ls="none",
                          label="5-95% of replications"))
    if len(panels) == 3 and "baseline" in strategies:
        handles.append(Line2D([], [], color=BASELINE_COLOUR, marker="|", ms=12, mew=2,
                              ls="none", label="baseline"))
    legend_below(fig, handles, columns=len(handles))
    fig.suptitle("Exposure by city (mean over replications)")
    return fig


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
"""Rows of the litigation timeline, top to bottom (event kinds of :mod:`sim.model.legal`)."""
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
    colours = _colours_for(strategies, colours)
    # Only the kinds drawn: a big run's log is mostly other events (releases, forfeits).
    events = events[events["kind"].isin(TIMELINE_KINDS)]
    shown = [s for s in _shown(strategies)
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
    axes[-1, 0].set_xlabel("Date")
    handles = [Line2D([], [], marker="o", ls="none", color=WON, label="won by the jurisdictions"),
               Line2D([], [], marker="o", ls="none", color=LOST, label="lost"),
               Line2D([], [], marker="o", ls="none", color=NEUTRAL, label="filing / measure"),
               Patch(fc="#EEEEEE", ec="black", label="25-75% of dates (line: median)"),
               Line2D([], [], color="black", lw=0.9, label="5-95% of dates")]
    legend_below(fig, handles, columns=3)
    fig.suptitle("Litigation timeline: filings and court rulings across replications")
    return fig


LEVEL_NAMES = ("sanctuary", "partial", "full")
"""Compliance levels by their index in trajectories' ``compliance_level``."""


@styled
def enforcement_trust(trajectories: pd.DataFrame, strategies: Sequence[str],
                      colours: Mapping[str, str] | None = None) -> Figure:
    """Enforcement and community trust over time, one line per strategy.

    Panels, all cities together: ICE transfers and at-large arrests per month
    and detainers honoured per month (sums over cities, means over the kept
    replications); the trust index (mean over cities: median and the band
    holding 50% of replications); the mean compliance level in force, which
    shows when adaptive strategies switch.  The baseline is dashed.
    """
    colours = _colours_for(strategies, colours)
    frame = trajectories.assign(
        visible=trajectories["transfers"] + trajectories["at_large_arrests"])
    by_run = frame.groupby(["strategy", "replication", "date"], sort=False)
    per_run = pd.concat([by_run[["visible", "detainers_honoured"]].sum(),
                         by_run[["trust", "compliance_level"]].mean()], axis=1)
    by_month = per_run.groupby(level=["strategy", "date"], sort=False)
    mean = by_month.mean()
    trust = by_month["trust"].quantile([0.25, 0.5, 0.75]).unstack()
    fig, axes = new_figure(4, 1, width=8.0, height=2.0, sharex=True)
    panels = [("visible", "ICE transfers and\nat-large arrests / month"),
              ("detainers_honoured", "Detainers honoured\n/ month"),
              ("trust", "Trust index"),
              ("compliance_level", "Compliance level\n(mean over cities)")]
    for ax, (column, label) in zip(axes[:, 0], panels, strict=True):
        for strategy in strategies:
            colour, style = colours[strategy], "--" if strategy == "baseline" else "-"
            if column == "trust":
                q = trust.loc[strategy]
                ax.fill_between(q.index, q[0.25], q[0.75], color=colour, alpha=0.2, lw=0)
                ax.plot(q.index, q[0.5], color=colour, lw=1.6, ls=style)
            else:
                series = mean.loc[strategy, column]
                ax.plot(series.index, series, color=colour, lw=1.6, ls=style)
        ax.set_ylabel(label)
        date_axis(ax)
    axes[0, 0].set_ylim(bottom=0)
    axes[1, 0].set_ylim(bottom=0)
    axes[2, 0].set_ylim(0, 1.02)
    axes[3, 0].set_yticks(range(len(LEVEL_NAMES)), LEVEL_NAMES)
    axes[3, 0].set_ylim(-0.15, len(LEVEL_NAMES) - 0.85)
    handles = [Line2D([], [], color=colours[s], lw=1.6, ls="--" if s == "baseline" else "-",
                      label=s) for s in strategies]
    handles.append(Patch(color="#777777", alpha=0.2, label="trust: 50% of replications"))
    legend_below(fig, handles)
    fig.suptitle("Enforcement and community trust, all cities")
    return fig


# --------------------------------------------------------------------------
# Comparison figures (two runs, or two strategies of one run)


@styled
def metric_changes(changes: pd.DataFrame, colours: Mapping[str, str] | None = None) -> Figure:
    """Change of key metrics from side A to side B, one panel per metric.

    ``changes`` has columns ``pair, strategy_b, metric, change, ci95_low,
    ci95_high`` (see :meth:`sim.report.Comparison.changes`); each row is drawn
    as a point with its 95% confidence interval, coloured by B's strategy.
    """
    metrics = list(dict.fromkeys(changes["metric"]))
    pairs = list(dict.fromkeys(changes["pair"]))
    colours = _colours_for(list(dict.fromkeys(changes["strategy_b"])), colours)
    cols = min(3, len(metrics))
    rows = -(-len(metrics) // cols)
    fig, axes = new_figure(rows, cols, width=3.4, height=0.3 * len(pairs) + 1.6, sharey=True)
    y = np.arange(len(pairs))[::-1]
    for ax, metric in zip(axes.flat, metrics, strict=False):
        data = changes[changes["metric"] == metric].set_index("pair").reindex(pairs)
        for k, (_, row) in enumerate(data.iterrows()):
            colour = colours.get(row["strategy_b"], OVERFLOW_COLOUR)
            ax.errorbar([row["change"]], [y[k]],
                        xerr=[[row["change"] - row["ci95_low"]],
                              [row["ci95_high"] - row["change"]]],
                        fmt="o", color=colour, ecolor=colour, capsize=3, ms=5)
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

    cities = [c for c in _largest_cities(trajectories_a) if c in set(trajectories_b["city"])]
    colours = _colours_for([b for _, b in pairs], colours)

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


# --------------------------------------------------------------------------
# Registry


@dataclass(frozen=True)
class FigureSpec:
    """How to draw one figure from a run, and when it applies."""

    title: str
    """Heading in reports."""
    caption: str
    """What the figure shows and how to read it (one or two sentences)."""
    draw: Callable[[RunResult, Mapping[str, str]], Figure]
    """Draws the figure from a run, with the strategies' colours."""
    needs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Columns required per table (``"trajectories"``, ``"replications"``,
    ``"events"``); the figure is skipped when a table lacks one or is empty."""
    min_cities: int = 1
    """Smallest number of cities for which the figure makes sense."""
    when: Callable[[RunResult], bool] | None = None
    """Any further condition on the run (checked after ``needs``)."""

    def applies(self, run: RunResult) -> bool:
        """Whether the run has what this figure needs."""
        if len(run.manifest.get("cities", [])) < self.min_cities:
            return False
        for table, columns in self.needs.items():
            frame = getattr(run, table)
            if frame is None or frame.empty or not set(columns) <= set(frame.columns):
                return False
        return self.when is None or self.when(run)


def _has_net_reserves(run: RunResult) -> bool:
    bands = getattr(run, "bands", None)
    if bands is not None and not bands.empty and (bands["series"] == "net_reserves").any():
        return True
    columns = set(run.trajectories.columns)
    return not run.trajectories.empty and {"reserves", "expenditure"} <= columns


def floor_shares(run: RunResult) -> dict[str, float]:
    """Reserve floor per city as a share of annual expenditure (its mean when uncertain)."""
    shares = {}
    for city in run.scenario.city:
        value = city.budget.reserve_floor
        shares[city.name] = float(getattr(value, "mean", value))
    return shares


def _decision_figure(name: str, run: RunResult, colours: Mapping[str, str]) -> Figure:
    from sim import decision_plots

    return decision_plots.draw(name, run, colours)


def _decision_applies(name: str, run: RunResult) -> bool:
    from sim import decision_plots

    return decision_plots.applies(name, run)


FIGURES: dict[str, FigureSpec] = {
    "reserves_fan": FigureSpec(
        "Reserves by city and strategy",
        "Reserves net of short-term debt, month by month: median and the bands that hold "
        "50% and 90% of the replications (all of them, or the kept ones when the run has no "
        "bands). Dashed: the baseline's median without any federal measure; dotted: the "
        "city's reserve floor.",
        lambda run, colours: reserves_fan(run.trajectories, run.strategies, colours,
                                          floor_shares(run), getattr(run, "bands", None)),
        when=lambda run: _has_net_reserves(run)),
    "federal_funds": FigureSpec(
        "Federal funds received, withheld and restored",
        "Cumulated from the start, all cities: the share of federal payments due that "
        "arrived on schedule (top) and the money withheld, withheld money paid out later, "
        "and money lost for good (bottom). Lines are means over the kept replications, "
        "bands hold 90% of them.",
        lambda run, colours: federal_funds(run.trajectories, run.strategies, colours),
        needs={"trajectories": ("federal_received", "federal_withheld", "federal_restored")}),
    "cost_breakdown": FigureSpec(
        "Cost breakdown per strategy",
        "What each strategy costs against the baseline over the whole horizon (mean, "
        "undiscounted), by component; whiskers span 5-95% of replications. The hatched bar "
        "is how the costs were covered (service cuts and tax increases), not an extra cost. "
        "Components that are zero for every strategy are left out.",
        lambda run, colours: cost_breakdown(run.replications, run.strategies, colours),
        needs={"replications": ("service_cuts", "tax_increase")}),
    "net_impact": FigureSpec(
        "Net fiscal impact and reserve-floor risk",
        "Distribution over replications of the change in the operating balance against the "
        "baseline (present value; negative is a cost), with the probability that reserves "
        "net of debt fell below the floor in any city.",
        lambda run, colours: net_impact(run.replications, run.strategies, colours),
        needs={"replications": ("net_fiscal_impact",)}),
    "exposure_by_city": FigureSpec(
        "Exposure by city",
        "For each city, the share of its federal funds that was withheld and its net fiscal "
        "impact, per strategy (means; whiskers 5-95% of replications).",
        lambda run, colours: exposure_by_city(run.replications, run.strategies, colours),
        needs={"replications": ("federal_due", "federal_withheld", "net_fiscal_impact")},
        min_cities=2),
    "litigation_timeline": FigureSpec(
        "Litigation timeline",
        "When suits were filed and courts ruled, stage by stage, over the replications: "
        "whiskers span 5-95% of the dates, boxes 25-75%, the thick tick is the median; dots "
        "are single rulings (green won by the jurisdictions, red lost) and, at the right, "
        "how many there were and how many were won. One panel per strategy that went to "
        "court.",
        lambda run, colours: litigation_timeline(run.events, run.strategies, colours),
        needs={"events": ("strategy", "replication", "date", "kind", "detail")}),
    "enforcement_trust": FigureSpec(
        "Enforcement and community trust",
        "All cities together, month by month: ICE transfers and at-large arrests, detainers "
        "honoured (means over the kept replications), immigrant residents' trust in the "
        "police (median and the band holding 50% of replications; 1 is a sanctuary city with "
        "no visible enforcement) and the compliance level in force, which shows when adaptive "
        "strategies switch. The baseline (no federal measures) is dashed.",
        lambda run, colours: enforcement_trust(run.trajectories, run.strategies, colours),
        needs={"trajectories": ("transfers", "at_large_arrests", "detainers_honoured", "trust",
                                "compliance_level")}),
    **{name: FigureSpec(title, caption, functools.partial(_decision_figure, name),
                        when=functools.partial(_decision_applies, name))
       for name, title, caption in (
        ("legal_status", "Legal status of the federal measures over time",
         "For each measure (rows) and strategy (columns), the share of replications in each "
         "legal status at the end of every month: proposed (not in force), enacted, enjoined by "
         "a court, in force again after a reversal, upheld or struck down for good, rescinded. "
         "Strategies that never go to court share a column."),
        ("robustness", "Robustness across futures",
         "Strategies ranked by their largest regret: in each sampled future (replication), "
         "regret is how much worse a strategy did than the best strategy in that same future "
         "(net fiscal impact, all cities; paired thanks to common random numbers). Left: "
         "expected impact, the mean of the worst 5% of futures (CVaR) and the range of 90%; "
         "right: the share of futures meeting the thresholds, when the run has any."),
        ("conditional_impact", "Net fiscal impact, conditioned on what happens",
         "For the uncertain branches that split the outcome most (a measure happens, a court "
         "grants or reverses an injunction, a policy switch), the distribution of the net fiscal "
         "impact over the replications that took the branch and over those that did not, with "
         "the probability of each side. Blended over both sides, they give the distribution of "
         "the net fiscal impact figure."),
        ("conditional_reserves", "Reserves, conditioned on what happens",
         "Reserves net of short-term debt, all cities, over the kept replications that took the "
         "branch (top) and those that did not (bottom): median and the bands holding 50% and "
         "90% of them; dashed, the baseline's median in the same futures."),
    )},
}
"""Every figure of a run, by file name, in report order."""


def figures_for(run: RunResult) -> dict[str, FigureSpec]:
    """Return the figures that apply to a run."""
    return {name: spec for name, spec in FIGURES.items() if spec.applies(run)}


def draw(run: RunResult, name: str, colours: Mapping[str, str] | None = None) -> Figure:
    """Draw one registered figure of a run."""
    return FIGURES[name].draw(run, _colours_for(run.strategies, colours))


def png_bytes(fig: Figure, dpi: int = PNG_DPI) -> bytes:
    """Render the figure as PNG bytes (house style, reproducible metadata)."""
    buffer = io.BytesIO()
    with house_style():
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def svg_bytes(fig: Figure) -> bytes:
    """Render the figure as SVG bytes (house style; no date, so reruns give the same file)."""
    buffer = io.BytesIO()
    with house_style():
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


class Plotter:
    """The figures of one run: ``result.plot.reserves_fan()``, ``result.plot("net_impact")``."""

    def __init__(self, result: RunResult):
        self._result = result

    def __call__(self, name: str, colours: Mapping[str, str] | None = None) -> Figure:
        """Draw the figure registered as ``name`` in :data:`FIGURES`."""
        if name not in FIGURES:
            raise KeyError(f"no figure {name!r} (known: {', '.join(FIGURES)})")
        return draw(self._result, name, colours)

    def __getattr__(self, name: str) -> Callable[[], Figure]:
        if name in FIGURES:
            return functools.partial(self, name)
        raise AttributeError(name)

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *FIGURES]

    def available(self) -> list[str]:
        """Names of the figures this run can draw."""
        return list(figures_for(self._result))


def save_figures(result: RunResult, folder: Path) -> dict[str, bytes]:
    """Write every applicable figure as PNG (150 dpi) and SVG; return the PNGs by name.

    A big run's figures are drawn from its first replications (:func:`sim.results.for_figures`).
    """
    result = for_figures(result)
    folder.mkdir(parents=True, exist_ok=True)
    pngs = {}
    for name in figures_for(result):
        fig = draw(result, name)
        pngs[name] = png_bytes(fig)
        (folder / f"{name}.png").write_bytes(pngs[name])
        (folder / f"{name}.svg").write_bytes(svg_bytes(fig))
    return pngs


# --------------------------------------------------------------------------
# Sweeps: which assumptions drive an output


LOW_END, HIGH_END = TOL_MUTED["cyan"], TOL_MUTED["rose"]
"""Colours of a parameter's low and high ends in tornado charts (not strategy colours)."""
FIRST_ORDER, TOTAL = TOL_MUTED["indigo"], TOL_MUTED["sand"]
"""Colours of first-order and total Sobol indices."""
RESPONSE_POINTS = 12
"""Grids with at most this many values per parameter are drawn as grids."""


def unit_formatter(unit: str) -> FuncFormatter | PercentFormatter:
    """Tick labels for a metric's unit: dollars, percent, or plain numbers."""
    if unit.startswith("USD"):
        return FuncFormatter(dollars)
    if unit in ("probability", "share of annual expenditure"):
        return PercentFormatter(1.0)
    return FuncFormatter(compact)


def unit_text(unit: str, value: float) -> str:
    """One value in a metric's unit, as text: $1.2M, 34.5%, 0.175."""
    if unit.startswith("USD"):
        return dollars(value)
    if unit in ("probability", "share of annual expenditure"):
        return f"{value:.1%}"
    return compact(value)


def compact(value: float, _position: object = None) -> str:
    """Format a number compactly: 1.66B, 150M, 45K, 0.175."""
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e4, "K")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}"


def _wrapped(labels: Sequence[str], width: int = 30) -> list[str]:
    import textwrap

    return [textwrap.fill(label, width) for label in labels]


@styled
def tornado(swings: pd.DataFrame, title: str, unit: str) -> Figure:
    """One-at-a-time swings of an output around its base case, largest at the top.

    ``swings`` has one row per parameter: ``label``, ``low`` and ``high``
    (the parameter's ends, as text), ``base`` (the output at the base case),
    ``y_low`` and ``y_high`` (the output with the parameter at each end).
    """
    data = swings.sort_values("swing", kind="stable").reset_index(drop=True)
    base = float(data["base"].iloc[0])
    fig = Figure(figsize=(8.0, 1.6 + 0.55 * len(data)), layout="constrained")
    ax = fig.subplots()
    position = np.arange(len(data))
    for offset, end, colour, name in ((-0.19, "low", LOW_END, "parameter at its low end"),
                                      (0.19, "high", HIGH_END, "parameter at its high end")):
        width = data[f"y_{end}"] - base
        ax.barh(position + offset, width, left=base, height=0.36, color=colour, label=name)
        for y, w, text in zip(position + offset, width, data[end], strict=True):
            ax.annotate(text, (base + w, y), xytext=(3 if w >= 0 else -3, 0),
                        textcoords="offset points", va="center",
                        ha="left" if w >= 0 else "right", fontsize=7, color="#333333")
    ax.axvline(base, color="black", lw=1.0)
    ax.set_yticks(position, _wrapped(data["label"]))
    ax.xaxis.set_major_formatter(unit_formatter(unit))
    ax.margins(x=0.18)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(f"{unit}; base case {unit_text(unit, base)}")
    legend_below(fig, ax.get_legend_handles_labels()[0])
    fig.suptitle(f"{title}\none parameter at a time, the others at their base values")
    return fig


@styled
def sensitivity_indices(indices: pd.DataFrame, title: str) -> Figure:
    """Sobol indices (first-order and total) with 95% confidence intervals, per parameter.

    ``indices`` has one row per parameter with ``label``, ``S1`` and, when
    available, ``S1_conf``, ``ST`` and ``ST_conf``; the most influential
    parameter (largest total, else first-order index) is at the top.
    """
    order = "ST" if "ST" in indices else "S1"
    data = indices.sort_values(order, kind="stable", na_position="first").reset_index(drop=True)
    fig = Figure(figsize=(8.0, 1.6 + 0.5 * len(data)), layout="constrained")
    ax = fig.subplots()
    position = np.arange(len(data))
    bars = [("S1", FIRST_ORDER, "first order: alone")]
    if "ST" in data:
        bars.append(("ST", TOTAL, "total: alone and with others"))
    height = 0.8 / len(bars)
    for i, (column, colour, name) in enumerate(bars):
        offset = (i - (len(bars) - 1) / 2) * height
        error = data.get(f"{column}_conf")
        ax.barh(position - offset, data[column], height=height * 0.92, color=colour, label=name,
                xerr=None if error is None else error, error_kw={"lw": 0.9, "capsize": 2})
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(position, _wrapped(data["label"]))
    ax.set_xlim(min(-0.05, float(np.nanmin((data["S1"] - data.get("S1_conf", 0)).to_numpy()))),
                max(1.0, float(np.nanmax(data[[b[0] for b in bars]].to_numpy())) + 0.05))
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("share of the output's variance (Sobol index); whiskers: 95% confidence")
    legend_below(fig, ax.get_legend_handles_labels()[0])
    fig.suptitle(f"{title}\nwhat drives its variance")
    return fig


@styled
def morris_indices(indices: pd.DataFrame, title: str, unit: str) -> Figure:
    """Morris screening: mean absolute elementary effect (mu*) against its spread (sigma).

    ``indices`` has ``label``, ``mu_star``, ``mu_star_conf`` and ``sigma``
    per parameter.  Far right: influential; high: non-linear or interacting.
    """
    fig = Figure(figsize=(7.5, 5.0), layout="constrained")
    ax = fig.subplots()
    ax.errorbar(indices["mu_star"], indices["sigma"], xerr=indices["mu_star_conf"], fmt="o",
                color=FIRST_ORDER, ecolor="#999999", capsize=2)
    top = float(np.nanmax(indices[["mu_star", "sigma"]].to_numpy())) if len(indices) else 1.0
    near_zero = (indices["mu_star"] < 0.05 * top) & (indices["sigma"] < 0.05 * top)
    for _, row in indices[~near_zero].iterrows():
        ax.annotate(_wrapped([row["label"]], 24)[0], (row["mu_star"], row["sigma"]),
                    xytext=(4, 4), textcoords="offset points", fontsize=7)
    if near_zero.any():
        ax.text(0.98, 0.02, "Near zero:\n" + "\n".join(indices.loc[near_zero, "label"]),
                transform=ax.transAxes, ha="right", va="bottom", fontsize=7, color="#555555")
    ax.plot([0, top], [0, top], color="#999999", lw=0.8, ls="--", label="sigma = mu*")
    ax.xaxis.set_major_formatter(unit_formatter(unit))
    ax.yaxis.set_major_formatter(unit_formatter(unit))
    ax.set_xlabel(f"mu*: mean absolute effect of moving a parameter ({unit})")
    ax.set_ylabel(f"sigma: spread of the effects ({unit})")
    ax.legend(loc="upper left")
    fig.suptitle(f"{title}\nMorris screening: influence (right) and interactions (up)")
    return fig


@styled
def response(points: pd.DataFrame, factors: Sequence[str], output: str, title: str,
             unit: str, labels: Mapping[str, str] | None = None,
             others: Sequence[str] = ()) -> Figure:
    """An output against one or two parameters across the design's points.

    One parameter: the output against it (with its 95% confidence band when
    ``points`` has ``ci95_low`` and ``ci95_high`` and the parameter takes few
    values).  Two: a heat map when both take few values (a grid), else the
    output against the first, coloured by the second.
    """
    labels = dict(labels or {})
    names = [labels.get(f, f) for f in factors]
    formatter = unit_formatter(unit)
    few = [points[f].nunique() <= RESPONSE_POINTS for f in factors]
    if len(factors) == 2 and all(few):
        return _response_grid(points, factors, output, title, unit, names, others)
    fig = Figure(figsize=(7.5, 4.8), layout="constrained")
    ax = fig.subplots()
    x = points[factors[0]]
    if len(factors) == 1 and few[0]:
        mean = points.groupby(factors[0])[[output, *_band_columns(points)]].mean()
        if _band_columns(points):
            ax.fill_between(mean.index, mean["ci95_low"], mean["ci95_high"], color=FIRST_ORDER,
                            alpha=0.2, lw=0, label="95% confidence of the mean")
        ax.plot(mean.index, mean[output], "o-", color=FIRST_ORDER, label="mean")
        ax.legend()
    elif len(factors) == 1:
        ax.scatter(x, points[output], s=10, alpha=0.6, color=FIRST_ORDER)
    else:
        cloud = ax.scatter(x, points[output], c=_numeric(points[factors[1]]), s=12, alpha=0.8,
                           cmap="viridis")
        bar = fig.colorbar(cloud, ax=ax)
        bar.set_label(names[1])
        bar.ax.yaxis.set_major_formatter(FuncFormatter(
            _ordinal_date if np.issubdtype(points[factors[1]].dtype, np.datetime64) else compact))
    ax.yaxis.set_major_formatter(formatter)
    if not np.issubdtype(x.dtype, np.datetime64):
        ax.xaxis.set_major_formatter(FuncFormatter(compact))
    ax.set_xlabel(names[0])
    ax.set_ylabel(unit)
    fig.suptitle(f"{title}\nacross the design's points")
    return fig


def _band_columns(points: pd.DataFrame) -> list[str]:
    return [c for c in ("ci95_low", "ci95_high") if c in points]


def _numeric(values: pd.Series) -> np.ndarray:
    """Colour values: dates become day ordinals (labelled back as dates)."""
    if np.issubdtype(values.dtype, np.datetime64):
        return np.array([d.toordinal() for d in pd.to_datetime(values).dt.date], dtype=float)
    return values.to_numpy(dtype=float)


def _ordinal_date(value: float, _position: object = None) -> str:
    import datetime as dt

    return dt.date.fromordinal(int(value)).isoformat()


@styled
def _response_grid(points: pd.DataFrame, factors: Sequence[str], output: str, title: str,
                   unit: str, names: Sequence[str], others: Sequence[str]) -> Figure:
    table = points.pivot_table(index=factors[1], columns=factors[0], values=output,
                               aggfunc="mean")
    fig = Figure(figsize=(7.5, 5.2), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(table.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
    formatter = unit_formatter(unit)
    for (i, j), value in np.ndenumerate(table.to_numpy()):
        ax.text(j, i, unit_text(unit, value), ha="center", va="center", fontsize=7,
                color="white" if value < np.nanmean(table.to_numpy()) else "black")
    ax.set_xticks(range(len(table.columns)), [_tick(v) for v in table.columns], rotation=30)
    ax.set_yticks(range(len(table.index)), [_tick(v) for v in table.index])
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1])
    ax.grid(False)
    bar = fig.colorbar(image, ax=ax, format=formatter)
    bar.set_label(unit)
    over = f"; each cell averages over {', '.join(others)}" if others else ""
    fig.suptitle(f"{title}\nacross the grid{over}", wrap=True)
    return fig


def _tick(value: object) -> str:
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, float | np.floating):
        return compact(float(value))
    return str(value)


KEPT_BOX = "#000000"
"""Colour of the star marking the box kept on a PRIM trajectory."""


@styled
def discovery_tradeoff(trajectory: pd.DataFrame, boxes: pd.DataFrame, title: str,
                       rate: float) -> Figure:
    """PRIM's peeling trajectory: coverage against density, the kept box starred.

    ``trajectory`` has one row per step: ``box``, ``coverage``, ``density``,
    ``res_dim`` (parameters limited) and ``kept`` (the step chosen, ringed,
    before limits that could be chance are opened); ``boxes`` one row per kept box:
    ``box``, ``coverage``, ``density``, ``res_dim`` and ``words`` (its limits
    in plain words).  ``rate`` is the share of all points with the outcome,
    the density of the whole space.
    """
    import matplotlib as mpl

    fig = Figure(figsize=(8.0, 5.6), layout="constrained")
    ax = fig.subplots()
    most = max(int(trajectory["res_dim"].max()), int(boxes["res_dim"].max()), 1)
    # Viridis without its palest yellow, which fades into white.
    shades = [mpl.colormaps["viridis"](x) for x in np.linspace(0.0, 0.85, most)]
    handles = []
    for _, steps in trajectory.groupby("box", sort=True):
        ax.plot(steps["coverage"], steps["density"], color="#BBBBBB", lw=0.8, zorder=1)
        ax.scatter(steps["coverage"], steps["density"], s=16, zorder=2, edgecolors="none",
                   c=[shades[max(r, 1) - 1] for r in steps["res_dim"]])
        chosen = steps[steps["kept"].astype(bool)]
        ax.scatter(chosen["coverage"], chosen["density"], s=90, facecolors="none",
                   edgecolors=KEPT_BOX, linewidths=1.0, zorder=3)
    for limited in range(1, most + 1):
        handles.append(Line2D([], [], ls="", marker="o", markersize=5, color=shades[limited - 1],
                              label=f"{limited} parameter{'s' if limited > 1 else ''} limited"))
    handles.append(Line2D([], [], ls="", marker="o", markersize=8, markerfacecolor="none",
                          markeredgecolor=KEPT_BOX, label="step chosen"))
    ax.axhline(rate, color="#666666", lw=0.8, ls="--")
    ax.annotate(f"whole space: {rate:.0%} of points", (0.01, rate), xycoords=("axes fraction",
                "data"), xytext=(0, 3), textcoords="offset points", fontsize=7, color="#555555")
    for _, box in boxes.iterrows():
        ax.scatter([box["coverage"]], [box["density"]], marker="*", s=220, color=KEPT_BOX,
                   zorder=3)
        chosen = trajectory[(trajectory["box"] == box["box"]) & trajectory["kept"].astype(bool)]
        for _, step in chosen.iterrows():
            ax.annotate("", (box["coverage"], box["density"]),
                        xytext=(step["coverage"], step["density"]),
                        arrowprops={"arrowstyle": "->", "color": "#555555", "lw": 0.8,
                                    "shrinkA": 6, "shrinkB": 8})
        text = (f"box {box['box']}: coverage {box['coverage']:.0%}, density "
                f"{box['density']:.0%}\n" + "\n".join(_wrapped([box["words"]], 44)))
        ax.annotate(text, (box["coverage"], box["density"]), xytext=(-24, -36),
                    textcoords="offset points", ha="right", va="top", fontsize=7.5,
                    bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "#999999",
                          "lw": 0.6})
    handles.append(Line2D([], [], ls="", marker="*", markersize=11, color=KEPT_BOX,
                          label="box kept (chance limits opened)"))
    lowest = min(float(trajectory["coverage"].min()), float(boxes["coverage"].min()))
    ax.set_xlim(max(0.0, np.floor(lowest * 10) / 10 - 0.05), 1.03)
    ax.set_ylim(0, 1.05)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("coverage: share of the points with the outcome that lie in the box")
    ax.set_ylabel("density: share of the box's points with the outcome")
    legend_below(fig, handles, columns=min(len(handles), 3))
    fig.suptitle(f"{title}\nscenario discovery (PRIM): each step peels points off the box",
                 wrap=True)
    return fig


class SweepPlotter:
    """The figures of one sweep: ``result.plot.tornado()`` and so on.

    Each method takes an output's name (default: the sweep's first output).
    """

    def __init__(self, result: SweepResult):
        self._result = result

    def tornado(self, output: str | None = None) -> Figure:
        """See :func:`tornado`."""
        target = self._result.target(output)
        swings = self._result.tornado
        return tornado(swings[swings["target"] == target.name], target.title, target.unit)

    def indices(self, output: str | None = None) -> Figure:
        """See :func:`sensitivity_indices` and :func:`morris_indices`."""
        target = self._result.target(output)
        rows = self._result.indices[self._result.indices["target"] == target.name]
        if self._result.method == "morris":
            return morris_indices(rows, target.title, target.unit)
        return sensitivity_indices(rows, target.title)

    def response(self, output: str | None = None, parameters: Sequence[str] | None = None
                 ) -> Figure:
        """See :func:`response`; default parameters: the two most influential."""
        result = self._result
        target = result.target(output)
        factors = list(parameters or [f.path for f in result.ranking(target.name)[:2]])
        points = result.design[result.design["block"] == "design"]
        values = result.responses.set_index("point")[target.name]
        frame = points.assign(**{target.name: values.reindex(points["point"]).to_numpy()})
        if len(factors) == 1:
            frame = frame.merge(_bands(result, target), on="point", how="left")
        labels = {f.path: f.label for f in result.sweep.factors}
        others = [f.label for f in result.sweep.factors if f.path not in factors]
        return response(frame, factors, target.name, target.title, target.unit, labels, others)

    def discovery(self, question: str | None = None) -> Figure:
        """See :func:`discovery_tradeoff`; ``question``: its slug (default: the first found)."""
        found = [f for f in self._result.findings if f.boxes]
        chosen = next((f for f in found if question in (None, f.slug, str(f.question))), None)
        if chosen is None:
            known = ", ".join(f.slug for f in found) or "none"
            raise UsageError(f"no discovered box for {question!r} (questions with boxes: "
                             f"{known})")
        boxes = pd.DataFrame([{"box": b.number, "coverage": b.coverage, "density": b.density,
                               "res_dim": len(b.limits), "words": b.words}
                              for b in chosen.boxes])
        return discovery_tradeoff(chosen.trajectory, boxes, str(chosen.question), chosen.rate)


def _bands(result: SweepResult, target) -> pd.DataFrame:
    metrics = result.metrics
    mine = metrics[(metrics["metric"] == target.metric) & (metrics["strategy"] == target.strategy)
                   & (metrics["city"] == target.city)]
    if target.statistic != "mean":
        return mine[["point"]]
    return mine[["point", "ci95_low", "ci95_high"]]


def discovery_figures(result: SweepResult) -> dict[str, Callable[[], Figure]]:
    """``discovery-<question>``: the trade-off figure of each question PRIM found a box for."""
    return {f"discovery-{finding.slug}": functools.partial(result.plot.discovery, finding.slug)
            for finding in result.findings if finding.boxes}


def sweep_figures(result: SweepResult) -> dict[str, Callable[[], Figure]]:
    """Every figure of a sweep, by file name (without extension), as a function drawing it.

    Per output: ``<output>-tornado``, ``<output>-<method>`` (the indices) and
    ``<output>-response``; per discovery question: ``discovery-<question>``.
    """
    figures: dict[str, Callable[[], Figure]] = {}
    plot = result.plot
    for target in result.sweep.targets:
        if not result.tornado.empty:
            figures[f"{target.slug}-tornado"] = functools.partial(plot.tornado, target.name)
        if not result.indices.empty:
            figures[f"{target.slug}-{result.method}"] = functools.partial(plot.indices,
                                                                          target.name)
        if result.design["block"].eq("design").sum() > 1:
            figures[f"{target.slug}-response"] = functools.partial(plot.response, target.name)
    figures.update(discovery_figures(result))
    return figures


def save_sweep_figures(result: SweepResult, folder: Path) -> dict[str, bytes]:
    """Write every figure of a sweep as PNG (150 dpi) and SVG; return the PNGs by name."""
    folder.mkdir(parents=True, exist_ok=True)
    pngs = {}
    for name, draw_figure in sweep_figures(result).items():
        fig = draw_figure()
        pngs[name] = png_bytes(fig)
        (folder / f"{name}.png").write_bytes(pngs[name])
        (folder / f"{name}.svg").write_bytes(svg_bytes(fig))
    return pngs
