"""Figures of a sweep: which assumptions drive an output, and where an outcome happens.

Tornado, Sobol and Morris indices, response curves and PRIM's trade-off,
each a pure function from a sweep's tables to :class:`matplotlib.figure.Figure`
in the house style of :mod:`sim.presentation.style`; :class:`SweepPlotter` is
``sweep_result.plot``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, PercentFormatter

from sim.errors import UsageError
from sim.formats import compact, dollars
from sim.presentation.style import (
    TOL_MUTED,
    drawn_or_warned,
    legend_below,
    styled,
)

if TYPE_CHECKING:
    from sim.analysis.sweep import SweepResult

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
    # pandas skips NaN without numpy's all-NaN warning: an output that never
    # varies has no indices at all, and the axis then keeps its default span.
    ax.set_xlim(min(-0.05, float((data["S1"] - data.get("S1_conf", 0)).min())),
                max(1.0, float(data[[b[0] for b in bars]].max().max()) + 0.05))
    ax.grid(axis="y", visible=False)
    confidence = any(f"{b[0]}_conf" in data and data[f"{b[0]}_conf"].notna().any() for b in bars)
    label = "share of the output's variance" + ("; whiskers: 95% confidence" if confidence
                                                 else "")
    values = data[[b[0] for b in bars]].to_numpy(dtype=float)
    if np.nanmin(values) < 0 or np.nanmax(values) > 1:
        # A share cannot leave 0-1: such estimates are sampling error, which readers should see.
        label += ("\nan index below 0 or above 1 is sampling error (too few samples): "
                  "read it as near 0, or near 1")
    ax.set_xlabel(label)
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
        ax.plot(steps["coverage"], steps["density"], color="#BBBBBB", lw=0.8, zorder=1,
                clip_on=False)
        ax.scatter(steps["coverage"], steps["density"], s=16, zorder=2, edgecolors="none",
                   c=[shades[max(r, 1) - 1] for r in steps["res_dim"]], clip_on=False)
        chosen = steps[steps["kept"].astype(bool)]
        ax.scatter(chosen["coverage"], chosen["density"], s=90, facecolors="none",
                   edgecolors=KEPT_BOX, linewidths=1.0, zorder=3, clip_on=False)
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
                   zorder=3, clip_on=False)
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
    # Shares end at 100%: markers there are drawn over the axes' edge, not the axes stretched.
    ax.set_xlim(max(0.0, np.floor(lowest * 10) / 10 - 0.05), 1.0)
    ax.set_ylim(0, 1.0)
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


def save_sweep_figures(result: SweepResult, folder: Path) -> dict[str, bytes | None]:
    """Write every figure of a sweep as PNG (150 dpi) and SVG; return the PNGs by name.

    A figure that cannot be drawn is left out with a warning (its PNG is None).
    """
    folder.mkdir(parents=True, exist_ok=True)
    pngs: dict[str, bytes | None] = {}
    for name, draw_figure in sweep_figures(result).items():
        drawn = drawn_or_warned(name, draw_figure, svg=True)
        pngs[name] = drawn and drawn[0]
        if drawn:
            (folder / f"{name}.png").write_bytes(drawn[0])
            (folder / f"{name}.svg").write_bytes(drawn[1])
    return pngs
