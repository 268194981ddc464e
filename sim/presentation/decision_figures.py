"""Figures of decision support: legal status over time, conditional views, robustness.

Pure functions from tables (:mod:`sim.analysis.decision_support`'s and a run's) to
:class:`matplotlib.figure.Figure`, in the house style of :mod:`sim.presentation.run_figures`
(whose registry, :data:`sim.presentation.figure_registry.FIGURES`, lists them for reports).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator

from sim.analysis.decision_support import (
    STATUSES,
    informative_branches,
    is_exogenous,
    robustness,
    run_status_by_month,
    run_thresholds,
    threshold_shares,
)
from sim.formats import dollars
from sim.presentation.style import (
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
from sim.results import over_cities

if TYPE_CHECKING:
    from sim.results import RunResult

STATUS_COLOURS = {
    "proposed": "#DDDDDD", "enacted": TOL_MUTED["rose"], "enjoined": TOL_MUTED["cyan"],
    "reinstated": TOL_MUTED["wine"], "upheld": TOL_MUTED["purple"],
    "vacated": TOL_MUTED["green"], "rescinded": TOL_MUTED["sand"],
}
"""Colour of each legal status: greys and blues where funds flow, reds where they stop."""
STATUS_TEXT = {
    "proposed": "proposed (not in force)", "enacted": "enacted, in force",
    "enjoined": "enjoined by a court", "reinstated": "in force again after a reversal",
    "upheld": "upheld for good", "vacated": "struck down for good", "rescinded": "rescinded",
}


def _wrap(text: str, width: int = 34) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _same_columns(shares: pd.DataFrame, strategies: Sequence[str]) -> list[list[str]]:
    """Strategies grouped when every measure's status shares are the same for them."""
    groups: list[tuple[np.ndarray, list[str]]] = []
    for strategy in strategies:
        values = shares[shares["strategy"] == strategy][list(STATUSES)].to_numpy()
        for reference, members in groups:
            if reference.shape == values.shape and np.allclose(reference, values):
                members.append(strategy)
                break
        else:
            groups.append((values, [strategy]))
    return [members for _, members in groups]


@styled
def legal_status(shares: pd.DataFrame, strategies: Sequence[str],
                 colours: Mapping[str, str] | None = None) -> Figure:
    """Legal status of each federal measure (rows) by month, per strategy (columns).

    Stacked shares of replications in each status of
    :data:`sim.analysis.decision_support.STATUSES` at the end of each month.  Strategies whose
    shares are the same for every measure (those that never go to court share
    one column.
    """
    colours = colours_for(strategies, colours)
    shown = [s for s in drawn_strategies(strategies) if s in set(shares["strategy"])]
    measures = list(dict.fromkeys(shares["measure"]))[:MAX_PANELS]
    columns = _same_columns(shares, shown)
    present = [s for s in STATUSES if shares[s].max() > 0]
    fig, axes = new_figure(len(measures), len(columns), width=4.0, height=1.9, sharex=True,
                           sharey=True)
    for j, members in enumerate(columns):
        mine = shares[shares["strategy"] == members[0]]
        for i, measure in enumerate(measures):
            ax = axes[i, j]
            rows = mine[mine["measure"] == measure]
            dates = pd.to_datetime(rows["date"])
            ax.stackplot(dates, *(rows[s].to_numpy() for s in present),
                         colors=[STATUS_COLOURS[s] for s in present], lw=0)
            ax.set_ylim(0, 1)
            ax.margins(x=0)
            share_axis(ax)
            date_axis(ax)
            ax.grid(False)
            if i == 0:
                ax.set_title(", ".join(members), color=colours[members[0]]
                             if len(members) == 1 else "black", fontweight="bold")
            if j == 0:
                ax.set_ylabel(_wrap(measure, 26), fontsize=8)
    handles = [Patch(color=STATUS_COLOURS[s], label=STATUS_TEXT[s]) for s in present]
    legend_below(fig, handles, columns=min(len(handles), 4))
    fig.suptitle("Legal status of each federal measure, share of replications by month")
    return fig


def _violin(ax: Axes, x: float, values: np.ndarray, colour: str, width: float,
            light: bool) -> None:
    """A narrow violin with its middle 50% and mean; a flat bar when all values are equal."""
    if len(values) == 0:
        return
    if np.ptp(values) > 1e-9 * max(1.0, np.abs(values).max()):
        parts = ax.violinplot([values], positions=[x], widths=width, showextrema=False)
        for body in parts["bodies"]:
            body.set_facecolor("white" if light else colour)
            body.set_edgecolor(colour)
            body.set_alpha(0.9 if light else 0.45)
            if light:
                body.set_hatch("////")
        q1, q3 = np.percentile(values, [25, 75])
        box = width * 0.16
        ax.add_patch(Rectangle((x - box / 2, q1), box, q3 - q1, fc="white", ec="black",
                               lw=0.7, zorder=3))
    else:
        ax.plot([x - width / 2.5, x + width / 2.5], [values[0]] * 2, color=colour, lw=3)
    ax.plot([x], [values.mean()], marker="D", color="black", ms=4, zorder=5)


@styled
def conditional_impact(replications: pd.DataFrame, table: pd.DataFrame,
                       branches: Sequence[str], strategies: Sequence[str],
                       colours: Mapping[str, str] | None = None,
                       metric: str = "net_fiscal_impact") -> Figure:
    """Distribution of the net fiscal impact if each branch is taken and if it is not.

    One panel per branch; per strategy, the left violin holds the
    replications that took the branch (full colour), the right one those that
    did not (hatched), each labelled with its probability.  All cities together.
    """
    colours = colours_for(strategies, colours)
    shown = drawn_strategies(strategies)
    totals = over_cities(replications, [metric])[metric]
    flags = table.set_index(["strategy", "replication"])
    fig, axes = new_figure(len(branches), 1, width=max(6.5, 2.0 * len(shown) + 2.5),
                           height=2.9)
    for ax, branch in zip(axes[:, 0], branches, strict=True):
        for i, strategy in enumerate(shown):
            values = totals.loc[strategy]
            taken = flags.loc[strategy, branch].reindex(values.index).to_numpy(dtype=bool)
            for side, mask, offset in (("if", taken, -0.2), ("if not", ~taken, 0.2)):
                _violin(ax, i + offset, values.to_numpy()[mask], colours[strategy], 0.36,
                        light=side == "if not")
                ax.annotate(f"{side}\n{mask.mean():.0%}", (i + offset, 0), xytext=(0, -3),
                            xycoords=("data", "axes fraction"), textcoords="offset points",
                            ha="center", va="top", fontsize=7, color="#444444")
        ax.axhline(0, color="black", lw=0.6)
        ax.set_xticks(range(len(shown)), shown)
        ax.tick_params(axis="x", pad=22)
        colour_ticklabels(ax, colours)
        ax.set_xlim(-0.6, len(shown) - 0.4)
        ax.grid(axis="x", visible=False)
        money_axis(ax)
        ax.set_title(f"If {branch}", loc="left", fontsize=9)
    axes[len(branches) // 2, 0].set_ylabel("Net fiscal impact vs baseline\n(USD, present value)")
    handles = [Patch(color="#777777", alpha=0.45, label="replications that took the branch"),
               Patch(fc="white", ec="#777777", hatch="////", label="those that did not"),
               Line2D([], [], color="black", marker="D", ls="none", ms=4, label="mean"),
               Patch(fc="white", ec="black", label="middle 50%")]
    legend_below(fig, handles, columns=2)
    fig.suptitle("Net fiscal impact, all cities, if each branch happens and if not\n"
                 "(percentages: probability of each side)")
    return fig


@styled
def conditional_reserves(trajectories: pd.DataFrame, table: pd.DataFrame, branch: str,
                         strategies: Sequence[str],
                         colours: Mapping[str, str] | None = None) -> Figure:
    """Reserves net of debt, all cities, if a branch is taken (top row) and if not (bottom).

    Median with the bands holding 50% and 90% of the kept replications on
    each side; the baseline's median dashed when the branch belongs to the
    future (so that the baseline takes it too).
    """
    colours = colours_for(strategies, colours)
    shown = drawn_strategies(strategies)
    net = trajectories["reserves"] - trajectories.get("debt", 0.0)
    series = net.groupby([trajectories["strategy"], trajectories["replication"],
                          trajectories["date"]], sort=False).sum().rename("net").reset_index()
    series = series.merge(table[["strategy", "replication", branch]],
                          on=["strategy", "replication"])
    base_rows = series[series["strategy"] == "baseline"]
    with_baseline = "baseline" in strategies and base_rows[branch].nunique() > 1
    fig, axes = new_figure(2, len(shown), width=4.0, height=2.5, sharex=True, sharey=True)
    for i, taken in enumerate((True, False)):
        for j, strategy in enumerate(shown):
            ax = axes[i, j]
            rows = series[(series["strategy"] == strategy) & (series[branch] == taken)]
            count = rows["replication"].nunique()
            colour = colours[strategy]
            if count:
                q = rows.groupby("date")["net"].quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
                ax.fill_between(q.index, q[0.05], q[0.95], color=colour, alpha=0.16, lw=0)
                ax.fill_between(q.index, q[0.25], q[0.75], color=colour, alpha=0.34, lw=0)
                ax.plot(q.index, q[0.5], color=colour, lw=1.8)
            if with_baseline:
                base = base_rows[base_rows[branch] == taken].groupby("date")["net"].median()
                ax.plot(base.index, base, color=colours["baseline"], lw=1.2, ls="--")
            ax.axhline(0, color="black", lw=0.6)
            money_axis(ax)
            date_axis(ax)
            side = "if" if taken else "if not"
            ax.set_title(f"{strategy}, {side} ({count} replications)", color=colour, fontsize=9)
        axes[i, 0].set_ylabel(f"{'If' if taken else 'If not'}:\n{_wrap(branch, 30)}",
                              fontsize=8)
    handles = [Patch(color="#555555", alpha=0.16, label="90% of replications"),
               Patch(color="#555555", alpha=0.34, label="50% of replications"),
               Line2D([], [], color="#555555", lw=1.8, label="median")]
    if with_baseline:
        handles.append(Line2D([], [], color=colours["baseline"], ls="--",
                              label="baseline median, same futures"))
    legend_below(fig, handles, columns=4)
    fig.suptitle(f"Reserves net of short-term debt, all cities (USD, nominal)\n"
                 f"if {branch} and if not (kept replications)")
    return fig


@styled
def robustness_chart(ranking: pd.DataFrame, shares: pd.DataFrame | None,
                     strategies: Sequence[str],
                     colours: Mapping[str, str] | None = None) -> Figure:
    """Strategies ranked across futures: impact, regret and thresholds met.

    Left: expected net fiscal impact (diamond), the mean of the worst 5% of
    futures (CVaR, cross) and the range of 90% of futures.  Middle: largest
    and mean regret against the best strategy in the same future.  Right,
    when thresholds are given: share of futures meeting each and all of them.
    """
    colours = colours_for(strategies, colours)
    order = list(ranking.sort_values("rank")["strategy"])
    y = -np.arange(len(order))
    panels = 3 if shares is not None and len(shares.columns) > 1 else 2
    bars = 1 + (len(shares.columns) if panels == 3 else 0)
    fig, axes = new_figure(1, panels, width=3.3, height=0.22 * bars * len(order) + 1.8,
                           sharey=True)
    impact, regret_ax = axes[0, 0], axes[0, 1]
    rows = ranking.set_index("strategy").loc[order]
    for k, strategy in enumerate(order):
        row, colour = rows.loc[strategy], colours[strategy]
        impact.plot([row["p05"], row["p95"]], [y[k]] * 2, color=colour, lw=2, alpha=0.5)
        impact.plot([row["expected"]], [y[k]], marker="D", color=colour, ms=7)
        impact.plot([row["cvar05"]], [y[k]], marker="X", color="black", ms=7)
        regret_ax.barh(y[k], row["max_regret"], 0.6, color=colour, alpha=0.45)
        regret_ax.plot([row["mean_regret"]], [y[k]], marker="o", color="black", ms=5)
        regret_ax.annotate(dollars(row["max_regret"]), (row["max_regret"], y[k]),
                           xytext=(3, 0), textcoords="offset points", va="center", fontsize=7)
    impact.axvline(0, color="black", lw=0.6)
    money_axis(impact, "x")
    money_axis(regret_ax, "x")
    impact.set_xlabel("Net fiscal impact vs baseline\n(USD, present value)")
    regret_ax.set_xlabel("Regret vs the best strategy\nin the same future (USD)")
    regret_ax.set_xlim(left=0)
    impact.set_yticks(y, [f"{k + 1}. {s}" for k, s in enumerate(order)])
    for label, strategy in zip(impact.get_yticklabels(), order, strict=True):
        label.set_color(colours[strategy])
    handles = [Line2D([], [], marker="D", color="#555555", ls="none", label="expected"),
               Line2D([], [], marker="X", color="black", ls="none",
                      label="worst 5% of futures (CVaR)"),
               Line2D([], [], color="#555555", lw=2, alpha=0.5, label="90% of futures"),
               Patch(color="#555555", alpha=0.45, label="largest regret"),
               Line2D([], [], marker="o", color="black", ls="none", label="mean regret")]
    if panels == 3:
        met = axes[0, 2]
        names = [c for c in shares.columns if c != "all"]
        height = 0.7 / (len(names) + 1)
        # Bars carry short tags; the thresholds' own words go in the legend, where
        # no bar can cut them.
        tags = ["all", *(f"T{n}" for n in range(1, len(names) + 1))]
        for k, strategy in enumerate(order):
            values = [shares.loc[strategy, "all"], *(shares.loc[strategy, n] for n in names)]
            for n, value in enumerate(values):
                offset = (len(values) - 1) / 2 * height - n * height
                met.barh(y[k] + offset, value, height * 0.9, color=colours[strategy],
                         alpha=1.0 if n == 0 else 0.35)
                inside = value > 0.8
                met.annotate(f"{value:.0%} {tags[n]}", (value, y[k] + offset),
                             xytext=(-3 if inside else 3, 0), textcoords="offset points",
                             ha="right" if inside else "left", va="center", fontsize=7,
                             color="white" if inside and n == 0 else "black",
                             fontweight="bold" if n == 0 else "normal")
        met.set_xlim(0, 1.0)
        share_axis(met, "x")
        met.set_xlabel("Share of futures meeting\nall thresholds (solid), each (light)")
        handles.append(Patch(color="#555555", label="all: every threshold met"))
        handles += [Patch(color="#555555", alpha=0.35,
                          label=f"{tag}: {textwrap.fill(name, 42)}")
                    for tag, name in zip(tags[1:], names, strict=True)]
    for ax in axes[0]:
        ax.grid(axis="y", visible=False)
        ax.xaxis.set_major_locator(MaxNLocator(4))
    legend_below(fig, handles, columns=3)
    fig.suptitle("Robustness across futures, all cities (ranked by largest regret)")
    return fig


# --------------------------------------------------------------------------
# Drawing from a run (the registry's entries, :data:`sim.presentation.figure_registry.FIGURES`)


def _strategies_exposed(run: RunResult) -> list[str]:
    return [s for s in run.strategies if s != run.manifest.get("baseline", "baseline")]


def shown_branches(run: RunResult) -> list[str]:
    """The branches a run's report shows.

    See :func:`sim.analysis.decision_support.informative_branches`.
    """
    if "net_fiscal_impact" not in run.replications or run.events.empty:
        return []
    return informative_branches(run.branches, run.replications)


def fan_branch(run: RunResult) -> str | None:
    """The branch of the conditional fan chart: the first shown that belongs to the future."""
    shown = shown_branches(run)
    future = [b for b in shown if is_exogenous(run.branches, b)]
    return (future or shown or [None])[0]


def applies(name: str, run: RunResult) -> bool:
    """Whether the decision figure ``name`` has what it needs in this run."""
    if not _strategies_exposed(run) or "net_fiscal_impact" not in run.replications:
        return False
    if name == "legal_status":
        return bool(run.scenario.measure) and (run.events["kind"] == "measure_start").any()
    if name == "robustness":
        return True
    if name == "conditional_impact":
        return bool(shown_branches(run))
    branch = fan_branch(run)
    trajectories = run.trajectories
    if branch is None or trajectories.empty or "reserves" not in trajectories:
        return False
    kept = run.branches[run.branches["replication"].isin(set(trajectories["replication"]))]
    return kept[branch].any() and not kept[branch].all()


def draw(name: str, run: RunResult, colours: Mapping[str, str]) -> Figure:
    """Draw the decision figure ``name`` of a run."""
    if name == "legal_status":
        return legal_status(run_status_by_month(run), run.strategies, colours)
    if name == "robustness":
        thresholds = run_thresholds(run)
        shares = threshold_shares(run.replications, thresholds) if thresholds else None
        ranking = robustness(run.replications, thresholds)
        return robustness_chart(ranking, shares, run.strategies, colours)
    if name == "conditional_impact":
        return conditional_impact(run.replications, run.branches, shown_branches(run),
                                  run.strategies, colours)
    return conditional_reserves(run.trajectories, run.branches, fan_branch(run),
                                run.strategies, colours)
