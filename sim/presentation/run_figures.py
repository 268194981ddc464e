"""Figures of one run: pure functions from result tables to :class:`matplotlib.figure.Figure`.

Every figure is drawn in the house style of :mod:`sim.presentation.style`
(labelled axes with units, compact dollars, concise dates, one colour per
strategy in every figure and both runs of a comparison).  Nothing here shows
a window or touches pyplot's global state.

Each figure function takes tables (``trajectories``, ``replications``,
``events`` as written by a run), the strategies to show and optional
``colours``; :data:`sim.presentation.figure_registry.FIGURES` says how to
draw each one from a run and when it applies.  To add a figure: write
``my_figure(table, strategies, colours=None)`` decorated with
:func:`~sim.presentation.style.styled`, using the style's helpers
(:func:`~sim.presentation.style.money_axis`,
:func:`~sim.presentation.style.date_axis`,
:func:`~sim.presentation.style.strategy_colours`), and add a
:class:`~sim.presentation.figure_registry.FigureSpec` line to ``FIGURES``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator

from sim.formats import dollars
from sim.metrics import ALL_CITIES
from sim.presentation.style import (
    BASELINE_COLOUR,
    MAX_PANELS,
    TOL_MUTED,
    colour_ticklabels,
    colours_for,
    date_axis,
    drawn_strategies,
    legend_below,
    money_axis,
    new_figure,
    share_axis,
    styled,
)
from sim.results import over_cities, versus_baseline
from sim.scenario.law import COMPLIANCE_LEVELS, COOPERATION_ORDER


def _where(table: pd.DataFrame) -> str:
    """Title suffix naming the city, or saying that cities are added up."""
    cities = table["city"].unique()
    return f", {cities[0]}" if len(cities) == 1 else ", all cities"


def largest_cities(trajectories: pd.DataFrame) -> list[str]:
    """Cities drawn in per-city panels: the largest by expenditure, at most :data:`MAX_PANELS`."""
    size = trajectories.groupby("city", sort=False)["expenditure"].mean()
    return list(size.sort_values(ascending=False, kind="stable").index[:MAX_PANELS])


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
    ordered = largest_cities(trajectories) if not trajectories.empty else []
    cities = ([c for c in ordered if c in banded] + [c for c in banded if c not in ordered])
    cities = cities[:MAX_PANELS]
    shown = drawn_strategies(strategies)
    colours = colours_for(strategies, colours)
    spending = None
    if floor_shares and not trajectories.empty:
        spending = (12 * trajectories["expenditure"]).groupby(
            [trajectories["strategy"], trajectories["city"], trajectories["date"]],
            sort=False).median()
    # Many cities are laid out several to a row (about four panels a row), so the figure
    # stays about as wide as it is tall instead of a column of rows.
    per_row = max(1, 4 // len(shown)) if len(cities) > 2 else 1
    fig, axes = _fan_axes(len(cities), len(shown), per_row)
    has_baseline = "baseline" in strategies and "baseline" not in shown
    for i, city in enumerate(cities):
        row, block = divmod(i, per_row)
        for j, strategy in enumerate(shown):
            ax = axes[row, block * len(shown) + j]
            if j:
                ax.sharey(axes[row, block * len(shown)])
            base = quantiles.loc[("baseline", city)] if has_baseline else None
            floor = (floor_shares[city] * spending.loc[(strategy, city)]
                     if spending is not None and city in floor_shares else None)
            _fan_panel(ax, quantiles.loc[(strategy, city)], colours[strategy],
                       base, colours.get("baseline"), floor)
            ax.set_title(f"{city} · {strategy}" if len(cities) > 1 else strategy,
                         color=colours[strategy])
            if j == 0 and block == 0:
                ax.set_ylabel("Reserves net of debt" if per_row > 1 or len(cities) == 1
                              else f"{city}\nreserves net of debt")
    legend_below(fig, _fan_legend(colours["baseline"] if has_baseline else None,
                                  spending is not None), columns=3)
    title = f"Reserves net of short-term debt (USD, nominal), {over}"
    if len(cities) < len(banded) or (not trajectories.empty
                                     and len(cities) < trajectories["city"].nunique()):
        title += f"\nthe {len(cities)} largest cities"
    fig.suptitle(title)
    return fig


def _fan_axes(cities: int, strategies: int, per_row: int) -> tuple[Figure, Any]:
    """The fan chart's grid: ``per_row`` cities a row, a panel per strategy; empty slots hidden."""
    rows = -(-cities // per_row)
    fig, axes = new_figure(rows, per_row * strategies, width=4.0 if per_row == 1 else 3.0,
                           height=2.5 if per_row == 1 else 2.2, sharex=True,
                           sharey="row" if per_row == 1 else False)
    for ax in axes.flat[cities * strategies:]:
        ax.set_visible(False)
    if rows > 1:  # dates under the panels of the row above an empty slot
        for k, ax in enumerate(axes[-2]):
            ax.tick_params(labelbottom=not axes[-1, k].get_visible())
    return fig, axes


def _fan_panel(ax: Axes, q: pd.DataFrame, colour: str, base: pd.DataFrame | None,
               base_colour: str | None, floor: pd.Series | None) -> None:
    """One city and strategy: 90% and 50% bands, the median, the baseline's median, the floor."""
    ax.fill_between(q.index, q[0.05], q[0.95], color=colour, alpha=0.16, lw=0)
    ax.fill_between(q.index, q[0.25], q[0.75], color=colour, alpha=0.34, lw=0)
    ax.plot(q.index, q[0.5], color=colour, lw=1.8)
    if base is not None:
        ax.plot(base.index, base[0.5], color=base_colour, lw=1.2, ls="--")
    if floor is not None:
        ax.plot(floor.index, floor, color="black", lw=1.0, ls=":")
    ax.axhline(0, color="black", lw=0.6)
    money_axis(ax)
    date_axis(ax)


def _fan_legend(base_colour: str | None, floor: bool) -> list[Any]:
    """Legend of the fan chart: the bands, the median, and the baseline and floor if drawn."""
    handles = [Patch(color="#555555", alpha=0.16, label="90% of replications"),
               Patch(color="#555555", alpha=0.34, label="50% of replications"),
               Line2D([], [], color="#555555", lw=1.8, label="median")]
    if base_colour is not None:
        handles.append(Line2D([], [], color=base_colour, ls="--",
                              label="baseline median (no federal measures)"))
    if floor:
        handles.append(Line2D([], [], color="black", ls=":", label="reserve floor"))
    return handles


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
    shown = drawn_strategies(strategies)
    colours = colours_for(strategies, colours)
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
    fig.suptitle(f"Federal funds{_where(trajectories)}, cumulated from the start "
                 "(mean and 90% of replications)")
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
    shown = drawn_strategies(strategies)
    colours = colours_for(strategies, colours)
    present = [c for c in COST_COMPONENTS if any(m in replications for m in c.metrics)]
    values = _component_values(replications, [*present, GAP_CLOSING])
    means = values.loc[shown].groupby(level="strategy").mean()
    # A component no bar would show (under a thousandth of the tallest) stays out of the
    # stack and the legend.
    tallest = float(means.abs().sum(axis=1).max()) or 1.0
    components = [c for c in present if means[c.label].abs().max() > 1e-3 * tallest]
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
        _whisker(ax, x[i] - width / 2, total, width)
        gap = data[GAP_CLOSING.label]
        ax.bar(x[i] + width / 2, float(gap.mean()), width, color="white",
               edgecolor=GAP_CLOSING.colour, hatch="///", lw=1.2)
        _whisker(ax, x[i] + width / 2, gap, width)
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xticks(x, shown)
    colour_ticklabels(ax, colours)
    ax.set_xlim(-0.7, len(shown) - 0.3)
    ax.grid(axis="x", visible=False)
    money_axis(ax)
    ax.set_ylabel("Total over the horizon vs baseline\n(USD, not discounted)")
    handles = [Patch(color=c.colour, label=c.label) for c in components]
    handles.append(Patch(facecolor="white", edgecolor=GAP_CLOSING.colour, hatch="///",
                         label=GAP_CLOSING.label))
    handles.append(Line2D([], [], color="black", marker="_", ms=10, lw=1,
                                    label="5-95% of replications (total)"))
    legend_below(fig, handles, columns=2)
    fig.suptitle(f"Cost of each strategy against the baseline{_where(replications)} "
                 "(mean, not discounted)")
    return fig


def _whisker(ax: Axes, x: float, values: pd.Series, width: float) -> None:
    """The 5-95% whisker on the bar's right quarter, the mean's label on its left quarter."""
    low, mean, high = np.percentile(values, 5), values.mean(), np.percentile(values, 95)
    # Centred on the band, not the mean: a skewed tail can put the mean outside it.
    ax.errorbar([x + width / 4], [(low + high) / 2], yerr=[(high - low) / 2], fmt="none",
                ecolor="black", elinewidth=1.0, capsize=3)
    ax.annotate(dollars(mean), (x - width / 4, max(mean, 0.0)), xytext=(0, 3),
                textcoords="offset points", ha="center", va="bottom", fontsize=8)


@styled
def net_impact(replications: pd.DataFrame, strategies: Sequence[str],
               colours: Mapping[str, str] | None = None) -> Figure:
    """Distribution of the net fiscal impact vs baseline per strategy, all cities.

    Violins over replications with quartile box and mean; above each, the
    probability that reserves fell below their floor (any city), against the
    baseline's.
    """
    shown = drawn_strategies(strategies)
    colours = colours_for(strategies, colours)
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
    shown = drawn_strategies(strategies)
    colours = colours_for(strategies, colours)
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
                # Clipped: a constant outcome's mean can exceed its 95th
                # percentile by a rounding error (-3.7e-9), which errorbar refuses.
                ax.errorbar(mean, y + offset, xerr=np.clip([mean - low, high - mean], 0, None),
                            fmt="none", ecolor="black", elinewidth=0.8, capsize=2)
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
            ax.xaxis.set_major_locator(MaxNLocator(4))  # "-$1B-$500M" would run together
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


LEVEL_RANK = np.array([COOPERATION_ORDER.index(name) for name in COMPLIANCE_LEVELS])
"""Place in :data:`~sim.scenario.law.COOPERATION_ORDER` of each compliance level, by
its index in trajectories' ``compliance_level``: the figure's vertical axis."""


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
    colours = colours_for(strategies, colours)
    frame = trajectories.assign(
        visible=trajectories["transfers"] + trajectories["at_large_arrests"],
        compliance_level=LEVEL_RANK[trajectories["compliance_level"].to_numpy().astype(int)])
    by_run = frame.groupby(["strategy", "replication", "date"], sort=False)
    per_run = pd.concat([by_run[["visible", "detainers_honoured"]].sum(),
                         by_run[["trust", "compliance_level"]].mean()], axis=1)
    by_month = per_run.groupby(level=["strategy", "date"], sort=False)
    mean = by_month.mean()
    trust = by_month["trust"].quantile([0.25, 0.5, 0.75]).unstack()
    fig, axes = new_figure(4, 1, width=8.0, height=2.0, sharex=True)
    several = trajectories["city"].nunique() > 1
    panels = [("visible", "ICE transfers and\nat-large arrests / month"),
              ("detainers_honoured", "Detainers honoured\n/ month"),
              ("trust", "Trust index"),
              ("compliance_level", "Compliance level" + ("\n(mean over cities)" if several
                                                          else ""))]
    for ax, (column, label) in zip(axes[:, 0], panels, strict=True):
        for strategy in strategies:
            colour, style = colours[strategy], "--" if strategy == "baseline" else "-"
            # The baseline, dashed, on top: a strategy that keeps today's policy would hide it.
            layer = 3 if strategy == "baseline" else 2
            if column == "trust":
                q = trust.loc[strategy]
                ax.fill_between(q.index, q[0.25], q[0.75], color=colour, alpha=0.2, lw=0)
                ax.plot(q.index, q[0.5], color=colour, lw=1.6, ls=style, zorder=layer)
            else:
                series = mean.loc[strategy, column]
                ax.plot(series.index, series, color=colour, lw=1.6, ls=style, zorder=layer)
        ax.set_ylabel(label)
        date_axis(ax)
    axes[0, 0].set_ylim(bottom=0)
    axes[1, 0].set_ylim(bottom=0)
    axes[2, 0].set_ylim(0, 1.02)
    axes[3, 0].set_yticks(range(len(COOPERATION_ORDER)), COOPERATION_ORDER)
    axes[3, 0].set_ylim(-0.15, len(COOPERATION_ORDER) - 0.85)
    handles = [Line2D([], [], color=colours[s], lw=1.6, ls="--" if s == "baseline" else "-",
                      label=s) for s in strategies]
    handles.append(Patch(color="#777777", alpha=0.2, label="trust: 50% of replications"))
    legend_below(fig, handles)
    fig.suptitle(f"Enforcement and community trust{_where(trajectories)}")
    return fig
