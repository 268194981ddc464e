"""The comparison of two runs, or of two strategies of one run (``fundsim compare``).

Figures are drawn on shared axes, changes of every metric come with a 95%
confidence interval, and the resolved scenarios are diffed key by key.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FixedFormatter

from sim.errors import UsageError
from sim.metrics import ALL_CITIES, METRICS
from sim.presentation import compare_figures, figure_registry, style
from sim.presentation.pages.html import RenderedFigure, environment, now, png_image
from sim.presentation.pages.numbers import (
    CHANGE_FIGURE_METRICS,
    FAMILY_ERROR,
    cities_of,
    format_change,
    format_metric,
    mean_difference,
    measure_split,
    per_city_frame,
)
from sim.presentation.pages.run import run_facts
from sim.results import (
    VERSION,
    RunResult,
    for_figures,
    slug,
    write_folder,
    write_manifest,
)
from sim.scenario import provenance


@dataclass(frozen=True)
class Side:
    """One side of a comparison: a run, narrowed to the strategies compared."""

    key: str
    """``A`` or ``B``."""
    label: str
    """What the side is, for people: the run's folder (and strategy)."""
    run: RunResult


def restrict(run: RunResult, strategies: Sequence[str]) -> RunResult:
    """A view of a run with only some strategies (the baseline is always kept)."""
    baseline = run.manifest.get("baseline", "baseline")
    keep = [baseline, *[s for s in strategies if s != baseline]]
    manifest = {**run.manifest, "strategies": keep[1:]}

    def only(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["strategy"].isin(keep)].reset_index(drop=True)

    bands = getattr(run, "bands", None)
    return RunResult(run.scenario, manifest, only(run.replications),
                     only(run.trajectories), only(run.events), folder=run.folder,
                     bands=None if bands is None else only(bands))


def _label(run: RunResult) -> str:
    if run.folder is not None:
        return Path(run.folder).name
    return run.scenario.scenario.name


@dataclass(frozen=True)
class Comparison:
    """Two sides and the strategies matched between them."""

    a: Side
    b: Side
    pairs: tuple[tuple[str, str], ...]
    """(strategy on side A, strategy on side B) pairs whose numbers are compared."""
    same_run: bool

    @property
    def paired(self) -> bool:
        """Whether replication ``i`` of A and of B share their random draws (the same seed)."""
        return self.same_run or self.a.run.manifest.get("seed") == self.b.run.manifest.get("seed")

    @cached_property
    def shared(self) -> int:
        """Replications both sides have: those paired when the sides share their seed."""
        ids = [set(side.run.replications["replication"].unique()) for side in (self.a, self.b)]
        return len(ids[0] & ids[1])

    @property
    def unshared(self) -> tuple[int, int]:
        """Replications of A and of B left out of the paired changes (those only one side has)."""
        counts = [side.run.replications["replication"].nunique() for side in (self.a, self.b)]
        return counts[0] - self.shared, counts[1] - self.shared

    @property
    def colours(self) -> dict[str, str]:
        """One colour per strategy across both sides."""
        return style.strategy_colours([*self.a.run.strategies, *self.b.run.strategies])

    def pair_label(self, pair: tuple[str, str]) -> str:
        """``sanctuary`` when both sides name the same strategy, else ``sanctuary → full``."""
        return pair[0] if pair[0] == pair[1] else f"{pair[0]} → {pair[1]}"

    @cached_property
    def changes(self) -> pd.DataFrame:
        """Every metric's change from A to B, per strategy pair and city, with a 95% CI.

        Paired on the replications both sides have when they share their
        seed, else Welch over all of each.  ``beyond_noise`` flags the changes
        that exceed Monte Carlo error over the whole page (:data:`FAMILY_ERROR`,
        Bonferroni over the changes that are not zero on both sides).
        """
        rows, intervals = [], []
        shared = [c for c in cities_of(self.a.run.replications)
                  if c in set(cities_of(self.b.run.replications))]
        for city in shared:
            frame_a = per_city_frame(self.a.run.replications, city)
            frame_b = per_city_frame(self.b.run.replications, city)
            metrics = [m for m in frame_a.columns if m in frame_b.columns]
            for pair in self.pairs:
                data_a, data_b = frame_a.loc[pair[0]], frame_b.loc[pair[1]]
                if self.paired:
                    common = data_a.index.intersection(data_b.index)
                    data_a, data_b = data_a.loc[common], data_b.loc[common]
                for metric in metrics:
                    va = data_a[metric].to_numpy(dtype=float)
                    vb = data_b[metric].to_numpy(dtype=float)
                    change = mean_difference(va, vb, self.paired)
                    intervals.append(change)
                    rows.append({"pair": self.pair_label(pair), "strategy_a": pair[0],
                                 "strategy_b": pair[1], "city": city, "metric": metric,
                                 "mean_a": va.mean(), "mean_b": vb.mean(),
                                 "change": change.estimate, "ci95_low": change.low,
                                 "ci95_high": change.high})
        tested = [_tested(row) for row in rows]
        level = FAMILY_ERROR / max(sum(tested), 1)
        for row, interval, test in zip(rows, intervals, tested, strict=True):
            row["beyond_noise"] = test and interval.beyond_noise(level)
        return pd.DataFrame(rows, columns=[
            "pair", "strategy_a", "strategy_b", "city", "metric", "mean_a", "mean_b", "change",
            "ci95_low", "ci95_high", "beyond_noise"])

    @property
    def tested(self) -> int:
        """Changes tested against Monte Carlo error: those not zero on both sides."""
        return sum(_tested(row) for row in self.changes.to_dict("records"))

    @cached_property
    def parameters(self) -> pd.DataFrame:
        """Keys of the resolved scenarios that differ: ``path, a, b, status``."""
        return parameter_diff(self.a.run.manifest.get("scenario", {}),
                              self.b.run.manifest.get("scenario", {}))

    @cached_property
    def settings(self) -> pd.DataFrame:
        """Run settings side by side (seed, replications, strategies, versions...)."""
        keys = ("scenario_name", "scenario_sha256", "seed", "replications", "keep",
                "strategies", "engine", "fundsim")
        rows = []
        for key in keys:
            a = self.a.run.manifest.get(key)
            b = self.b.run.manifest.get(key)
            if key == "strategies":
                a, b = ", ".join(self.a.run.strategies), ", ".join(self.b.run.strategies)
            rows.append({"setting": key, "a": _plain(a), "b": _plain(b), "differs": a != b})
        return pd.DataFrame(rows)


def _tested(row: Mapping[str, Any]) -> bool:
    """Whether a change row is a test: a metric zero on both sides in every replication is not."""
    return any(row[key] for key in ("mean_a", "mean_b", "ci95_low", "ci95_high"))


def compare(run_a: RunResult, run_b: RunResult | None = None,
            strategies: tuple[str, str] | None = None) -> Comparison:
    """Set up a comparison of two runs, or of two strategies of one run.

    ``strategies`` = (name in A, name in B).  Without it, two runs are
    compared on every strategy they share (the baseline included).
    """
    same_run = run_b is None
    if same_run and strategies is None:
        raise UsageError("compare needs a second run, or --strategies A B to compare two "
                         "strategies of one run")
    run_a = for_figures(run_a)
    run_b = run_a if run_b is None else for_figures(run_b)
    if strategies is not None:
        for name, run, side in ((strategies[0], run_a, "A "), (strategies[1], run_b, "B ")):
            if name not in run.strategies:
                which = "" if same_run else side
                raise UsageError(f"run {which}({_label(run)}) has no strategy {name!r} "
                                 f"(it has: {', '.join(run.strategies)})")
        pairs = (tuple(strategies),)
        view_a, view_b = restrict(run_a, [strategies[0]]), restrict(run_b, [strategies[1]])
        label_a = f"{_label(run_a)} · {strategies[0]}"
        label_b = f"{_label(run_b)} · {strategies[1]}"
    else:
        shared = [s for s in run_a.strategies if s in run_b.strategies]
        if not shared:
            raise UsageError("the runs share no strategy; choose one of each with "
                             "--strategies A B")
        pairs = tuple((s, s) for s in shared)
        view_a, view_b = run_a, run_b
        label_a, label_b = _label(run_a), _label(run_b)
        if label_a == label_b:
            label_a, label_b = f"{label_a} (A)", f"{label_b} (B)"
    return Comparison(Side("A", label_a, view_a), Side("B", label_b, view_b),
                      pairs, same_run)


def _plain(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Scenario data as ``{key path: value}``; list items named by ``name``/``program``."""
    if isinstance(data, dict):
        if "dist" in data:
            return {prefix: _dist_text(data)}
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(data, list) and data and all(isinstance(v, dict) for v in data):
        out = {}
        for i, item in enumerate(data):
            label = item.get("name") or item.get("program") or i
            out.update(flatten(item, f"{prefix}[{label}]"))
        return out
    return {prefix: data}


def _dist_text(data: Mapping[str, Any]) -> str:
    inner = ", ".join(f"{k}={v}" for k, v in data.items() if k != "dist" and v is not None)
    return f"{data['dist']}({inner})"


def parameter_diff(a: Mapping[str, Any], b: Mapping[str, Any]) -> pd.DataFrame:
    """Keys whose values differ between two resolved scenarios (as in manifest.json)."""
    flat_a, flat_b = flatten(dict(a)), flatten(dict(b))
    rows = []
    for path in dict.fromkeys([*flat_a, *flat_b]):
        in_a, in_b = path in flat_a, path in flat_b
        va, vb = flat_a.get(path), flat_b.get(path)
        if in_a and in_b and va == vb:
            continue
        status = "changed" if in_a and in_b else ("only in A" if in_a else "only in B")
        rows.append({"path": path, "a": _shown(va) if in_a else "",
                     "b": _shown(vb) if in_b else "", "status": status})
    return pd.DataFrame(rows, columns=["path", "a", "b", "status"])


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return provenance.format_value(value)
    if isinstance(value, list):
        return json.dumps(value)
    return str(value)


def share_limits(fig_a: Figure, fig_b: Figure) -> None:
    """Give matching panels of two drawings of one figure the same numeric axis ranges.

    Panels match by title (or by position when titles do not tell them apart);
    categorical axes are left alone when their categories differ.
    """
    for ax_a, ax_b in _matching_axes(fig_a, fig_b):
        for axis in ("x", "y"):
            labels_a, labels_b = _categories(ax_a, axis), _categories(ax_b, axis)
            if labels_a != labels_b:
                continue
            get = "get_xlim" if axis == "x" else "get_ylim"
            set_ = "set_xlim" if axis == "x" else "set_ylim"
            (a0, a1), (b0, b1) = getattr(ax_a, get)(), getattr(ax_b, get)()
            low, high = min(a0, b0), max(a1, b1)
            getattr(ax_a, set_)(low, high)
            getattr(ax_b, set_)(low, high)


def _panels(fig: Figure) -> list:
    """Panels that show data (an empty panel's default range would squash the other side)."""
    return [ax for ax in fig.axes if ax.get_visible() and ax.axison and ax.has_data()
            and ax.get_label() != "<colorbar>"]


def _matching_axes(fig_a: Figure, fig_b: Figure) -> list[tuple]:
    """Panels of two figures that show the same thing: same title, else same position."""
    panels_a, panels_b = _panels(fig_a), _panels(fig_b)
    by_title = {ax.get_title(): ax for ax in panels_b if ax.get_title()}
    if len(by_title) == len(panels_b):
        matched = [(ax, by_title[ax.get_title()]) for ax in panels_a
                   if ax.get_title() in by_title]
        if matched:
            return matched
    if len(panels_a) == len(panels_b):
        return list(zip(panels_a, panels_b, strict=True))
    return []


def _categories(ax: Any, axis: str) -> tuple[str, ...] | None:
    """Tick labels of a categorical axis; None for a numeric one."""
    scale = ax.xaxis if axis == "x" else ax.yaxis
    if not isinstance(scale.get_major_formatter(), FixedFormatter):
        return None
    return tuple(t.get_text() for t in (ax.get_xticklabels() if axis == "x"
                                        else ax.get_yticklabels()))


def comparison_figures(comparison: Comparison) -> list[RenderedFigure]:
    """Every figure both sides can draw, on shared axes, then the difference figures."""
    a, b, colours = comparison.a.run, comparison.b.run, comparison.colours
    rendered = []
    drawable = figure_registry.figures_for(b)
    both = [name for name in figure_registry.figures_for(a) if name in drawable]
    for name in both:
        spec = figure_registry.FIGURES[name]
        fig_a = figure_registry.draw(a, name, colours)
        fig_b = figure_registry.draw(b, name, colours)
        share_limits(fig_a, fig_b)
        rendered.append(RenderedFigure(name, spec.title, spec.caption,
                                       (png_image(style.png_bytes(fig_a)),
                                        png_image(style.png_bytes(fig_b)))))
    for name, title, caption, fig in _difference_figures(comparison):
        rendered.append(RenderedFigure(name, title, caption, (png_image(style.png_bytes(fig)),)))
    return rendered


def _difference_figures(comparison: Comparison) -> list[tuple[str, str, str, Figure]]:
    found = []
    changes = comparison.changes
    if not changes.empty:
        city = ALL_CITIES if ALL_CITIES in set(changes["city"]) else changes["city"].iloc[0]
        rows = changes[(changes["city"] == city)
                       & changes["metric"].isin(CHANGE_FIGURE_METRICS)]
        if not rows.empty:
            found.append((
                "metric_changes", "Change in key numbers, B − A",
                "Difference of means from side A to side B with its 95% confidence interval "
                f"({'paired replication by replication' if comparison.paired else 'Welch'}). "
                "Filled: a change beyond Monte Carlo error (as flagged in the table); hollow: "
                "within it, the runs cannot tell the two apart.",
                compare_figures.metric_changes(rows, comparison.colours)))
    a, b = comparison.a.run.trajectories, comparison.b.run.trajectories
    cities = set(a["city"]) & set(b["city"]) if not (a.empty or b.empty) else set()
    if cities and {"reserves", "expenditure"} <= set(a.columns) & set(b.columns):
        found.append((
            "reserves_difference", "Change in reserves, B − A",
            "Mean reserves net of short-term debt on side B minus side A, month by month, "
            "with the 95% confidence interval of the difference "
            f"({'paired' if comparison.paired else 'independent runs'}; kept replications "
            "only).",
            compare_figures.reserves_difference(a, b, comparison.pairs, comparison.paired,
                                      comparison.colours)))
    return found


def render_comparison(comparison: Comparison) -> str:
    """The comparison as one self-contained HTML page."""
    template = environment().get_template("compare.html.j2")
    return template.render(
        a=comparison.a, b=comparison.b, facts_a=run_facts(comparison.a.run),
        facts_b=run_facts(comparison.b.run), comparison=comparison,
        pairs=[comparison.pair_label(p) for p in comparison.pairs],
        change_tables=change_tables(comparison.changes), family_error=FAMILY_ERROR,
        tested=max(comparison.tested, 1), parameters=comparison.parameters,
        settings=comparison.settings, figures=comparison_figures(comparison),
        strategy_table=_strategy_pairs(comparison), generated=now(),
        splits=[(side, measure_split(side.run)) for side in (comparison.a, comparison.b)])


def change_tables(changes: pd.DataFrame) -> dict[str, dict[str, list[Any]]]:
    """Metric changes per city as formatted rows; metrics zero on both sides set apart."""
    tables: dict[str, dict[str, list[Any]]] = {}
    for row in changes.itertuples():
        table = tables.setdefault(row.city, {"rows": [], "zero": []})
        label = row.metric.replace("_", " ")
        if not _tested(row._asdict()):
            table["zero"].append(f"{label} ({row.pair})")
            continue
        info = METRICS.get(row.metric)
        table["rows"].append({
            "pair": row.pair, "label": label, "description": info.description if info else "",
            "a": format_metric(row.metric, row.mean_a), "b": format_metric(row.metric, row.mean_b),
            "change": format_change(row.metric, row.change),
            "ci": f"{format_change(row.metric, row.ci95_low)}, "
                  f"{format_change(row.metric, row.ci95_high)}",
            "notable": row.beyond_noise})
    return tables


def _strategy_pairs(comparison: Comparison) -> list[dict[str, str]]:
    if not comparison.same_run:
        return []
    table = comparison.a.run.scenario.strategy_table()
    rows = []
    for side, name in (("A", comparison.pairs[0][0]), ("B", comparison.pairs[0][1])):
        strategy = table.get(name)
        rows.append({"side": side, "name": name,
                     "compliance": strategy.compliance if strategy else "current policy",
                     "description": strategy.description if strategy else ""})
    return rows


def default_compare_folder(comparison: Comparison, root: str | Path = "results") -> Path:
    """``results/compare-<A>-vs-<B>-<UTC time>``: slugs, so it never leaves ``root``."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    name = f"compare-{slug(comparison.a.label)[:40]}-vs-{slug(comparison.b.label)[:40]}-{stamp}"
    folder, n = Path(root) / name, 1
    while folder.exists():
        n += 1
        folder = Path(root) / f"{name}-{n}"
    return folder


def write_comparison(comparison: Comparison, folder: str | Path | None = None, *,
                     overwrite: bool = False) -> Path:
    """Write ``report.html``, ``changes.csv``, ``parameters.csv`` and ``manifest.json``.

    Into a new folder, or with ``overwrite`` in place of an earlier comparison.
    """
    target = Path(folder) if folder is not None else default_compare_folder(comparison)
    html = render_comparison(comparison)
    manifest = {"fundsim": VERSION, "comparison": {
        "a": str(comparison.a.label), "b": str(comparison.b.label),
        "pairs": [list(pair) for pair in comparison.pairs]}}

    def fill(staging: Path) -> None:
        (staging / "report.html").write_text(html, encoding="utf-8")
        comparison.changes.to_csv(staging / "changes.csv", index=False, float_format="%.6f")
        comparison.parameters.to_csv(staging / "parameters.csv", index=False)
        write_manifest(staging, manifest)

    return write_folder(target, fill, kind="comparison", overwrite=overwrite)
