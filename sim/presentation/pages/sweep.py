"""The HTML page of a sweep: methods, parameters, each target's indices and figures, findings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from sim.metrics import METRICS
from sim.presentation import style, sweep_figures
from sim.presentation.pages.html import RenderedFigure, environment, now, png_image
from sim.presentation.pages.numbers import counted, format_metric

SWEEP_METHODS = {
    "sobol": ("Sobol indices (Saltelli design, SALib): S1 is the share of an output's variance "
              "due to a parameter alone, ST the share it takes part in, alone or with others. "
              "± gives the 95% bootstrap confidence interval; an index whose interval includes "
              "0 may be nothing."),
    "morris": ("Morris elementary effects (SALib): mu* is the mean absolute change of an output "
               "when a parameter moves one step of its range; sigma is the spread of those "
               "changes (high: non-linear or interacting). ± gives the 95% bootstrap interval "
               "of mu*."),
    "rbd_fast": ("RBD-FAST first-order indices (SALib) from the sampled points: S1 is the share "
                 "of an output's variance due to a parameter alone. ± gives the 95% bootstrap "
                 "interval."),
    "anova": ("Exact variance decomposition of the full grid: S1 is the share of an output's "
              "variance due to a parameter alone, ST the share it takes part in, alone or with "
              "others."),
    "none": ("Too few points for sensitivity indices: see the one-at-a-time swings and the "
             "response plots."),
}
"""What each sweep's index method means, for the report."""


SWEEP_FIGURE_TEXT = {
    "tornado": ("One at a time", "The output with one parameter at each end of its range (for a "
                "parameter drawn from the scenario's distribution: its 5th and 95th percentiles), "
                "every other parameter at its base value; largest swing on top."),
    "sobol": ("Sobol indices", "First-order (alone) and total (alone and with others) shares of "
              "the output's variance, with 95% confidence intervals; most influential on top."),
    "anova": ("Variance shares", "First-order and total shares of the output's variance over the "
              "full grid; most influential on top."),
    "rbd_fast": ("First-order indices", "RBD-FAST shares of the output's variance due to each "
                 "parameter alone, with 95% confidence intervals."),
    "morris": ("Morris screening", "mu*: influence; sigma: non-linearity or interaction. "
               "Parameters near the origin can be fixed."),
    "response": ("Response", "The output at every point of the design against the most influential "
                 "parameter (coloured by the second), or across the grid."),
    "discovery": ("Coverage and density", "Each dot is one step of PRIM's peeling: the box "
                  "shrinks, holding fewer of the points with the outcome (coverage, left) but a "
                  "larger share of its points have it (density, up); colour: how many parameters "
                  "it limits. The star is the box kept, after limits that could be chance were "
                  "opened again."),
}


def render_sweep_report(result: Any, pngs: Mapping[str, bytes | None] | None = None) -> str:
    """A sweep's report (:class:`sim.analysis.sweep.SweepResult`) as one self-contained HTML page.

    ``pngs`` are figures already drawn (by file name; None: one that could not
    be drawn); the others are drawn here.  A figure that cannot be drawn is
    left out of the page, with a warning.
    """
    pngs = dict(pngs or {})
    drawers = sweep_figures.sweep_figures(result)
    for name, draw in drawers.items():
        if name not in pngs:
            drawn = style.drawn_or_warned(name, draw)
            pngs[name] = drawn and drawn[0]
    targets = []
    for target in result.sweep.targets:
        figures = []
        for kind in ("tornado", result.method, "response"):
            name = f"{target.slug}-{kind}"
            if pngs.get(name):
                title, caption = SWEEP_FIGURE_TEXT[kind]
                figures.append(RenderedFigure(name, title, caption, (png_image(pngs[name]),)))
        targets.append({**_sweep_target(result, target), "figures": figures})
    findings = []
    for finding in result.findings:
        name = f"discovery-{finding.slug}"
        figure = None
        if pngs.get(name):
            title, caption = SWEEP_FIGURE_TEXT["discovery"]
            figure = RenderedFigure(name, title, caption, (png_image(pngs[name]),))
        findings.append({**_finding_facts(finding, result), "figure": figure})
    template = environment().get_template("sweep.html.j2")
    return template.render(sweep=_sweep_facts(result), parameters=_sweep_parameters(result),
                           targets=targets, findings=findings, generated=now())


def _finding_facts(finding: Any, result: Any) -> dict[str, Any]:
    """One discovery question for the report: the outcome, each box in words, its limits."""
    question = finding.question
    by_path = {f.path: f for f in result.sweep.factors}
    boxes = []
    for box in finding.boxes:
        limits = [{"label": limit.label, "inside": f"{limit.low_text} to {limit.high_text}",
                   "range": f"{by_path[limit.path].show(limit.lowest)} to "
                            f"{by_path[limit.path].show(limit.highest)}",
                   "qp": _quasi_p(limit)} for limit in box.limits]
        boxes.append({
            "number": box.number, "words": box.words[:1].upper() + box.words[1:],
            "sentence": (f"{box.cases:,} of {box.points:,} points ({box.density:.0%}) have the "
                         f"outcome; the box holds {box.coverage:.0%} of all points with it and "
                         f"{box.mass:.0%} of the design."),
            "limits": limits})
    return {
        "slug": finding.slug, "title": str(question), "condition": question.condition,
        "labelled": bool(question.label), "description": METRICS[question.metric].description,
        "rate": (f"The outcome happens at {finding.cases:,} of the {finding.points:,} design "
                 f"points ({finding.rate:.0%})."),
        "boxes": boxes, "note": finding.note,
    }


def _quasi_p(limit: Any) -> str:
    values = [v for v in (limit.qp_low, limit.qp_high) if v is not None]
    if not values:
        return "n/a"
    value = min(values)
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _sweep_facts(result: Any) -> dict[str, Any]:
    sweep, manifest = result.sweep, result.manifest
    blocks = result.design["block"]
    return {
        "name": sweep.info.name, "description": sweep.info.description.strip(),
        "scenario": sweep.scenario.scenario.name, "origin": manifest.get("sweep_file", ""),
        "folder": str(result.folder) if result.folder else "",
        "design": sweep.design, "design_points": int(blocks.eq("design").sum()),
        "tornado_points": int(blocks.eq("tornado").sum()),
        "replications": sweep.info.replications, "seed": sweep.seed,
        "strategies": list(sweep.strategies), "method_text": SWEEP_METHODS[result.method],
        "version": manifest.get("fundsim", ""), "versions": manifest.get("versions", {}),
        "sha256": manifest.get("scenario_sha256", ""),
        "design_sha256": manifest.get("design_sha256", ""),
        "wall_time": manifest.get("wall_time_s"), "points": manifest.get("points"),
        "points_run": manifest.get("points_run_now"),
        "workers": counted(int(manifest.get("workers", 1)), "worker"),
        "scheduler": manifest.get("scheduler"),
    }


def _sweep_parameters(result: Any) -> list[dict[str, str]]:
    rows = []
    for factor in result.sweep.factors:
        source = factor.source or ("the scenario's own distribution, sourced in the scenario"
                                   if factor.dist is not None else "")
        rows.append({"label": factor.label, "path": factor.path, "range": factor.range_text,
                     "base": factor.show(factor.base), "source": source})
    return rows


def _sweep_target(result: Any, target: Any) -> dict[str, Any]:
    metric = target.metric
    indices = result.indices[result.indices["target"] == target.name] if not (
        result.indices.empty) else pd.DataFrame()
    swings = result.tornado[result.tornado["target"] == target.name] if not (
        result.tornado.empty) else pd.DataFrame()
    columns = [c for c in ("S1", "ST", "mu_star", "sigma") if c in indices]
    rows = []
    for rank, factor in enumerate(result.ranking(target.name), start=1):
        # Either table is empty, without columns, when the sweep has no indices
        # (an lhs or qmc design under 64 points) or no tornado (--no-tornado).
        row = indices[indices["parameter"] == factor.path] if columns else indices
        cells = [_index_cell(row, column, metric) for column in columns]
        entry: dict[str, Any] = {"rank": rank, "label": factor.label, "cells": cells}
        swing = swings[swings["parameter"] == factor.path] if not swings.empty else swings
        if not swing.empty:
            s = swing.iloc[0]
            entry.update(y_low=format_metric(metric, s["y_low"]), low=s["low"],
                         y_high=format_metric(metric, s["y_high"]), high=s["high"])
        rows.append(entry)
    values = result.responses.loc[result.responses["block"] == "design", target.name]
    spread = (f"from {format_metric(metric, values.min())} to "
              f"{format_metric(metric, values.max())}, median "
              f"{format_metric(metric, values.median())}") if len(values) else ""
    return {
        "slug": target.slug, "title": target.title,
        "short": f"{metric.replace('_', ' ')} · {target.strategy}",
        "description": METRICS[metric].description, "unit": target.unit,
        "base": format_metric(metric, swings["base"].iloc[0]) if not swings.empty else None,
        "spread": spread, "constant": len(values) > 1 and values.nunique() == 1,
        "columns": [c.replace("_", " ").replace("mu star", "mu*") for c in columns],
        "has_tornado": not swings.empty, "rows": rows,
        "outside": outside_unit_range(indices, {f.path: f.label for f in result.sweep.factors}),
    }


SHOWN = 0.005
"""Sobol estimates this close outside 0 to 1 read as 0.00 or 1.00 and are not flagged."""


def outside_unit_range(indices: pd.DataFrame, labels: dict[str, str]) -> list[str]:
    """Sobol indices visibly below 0 or above 1, as "LABEL: S1 -0.05" texts.

    True indices are shares of a variance, between 0 and 1; estimates outside
    that range show how noisy the design's base samples leave them.

    >>> frame = pd.DataFrame({"parameter": ["a", "b"], "S1": [-0.2, -0.001], "ST": [0.1, 1.4]})
    >>> outside_unit_range(frame, {"a": "A", "b": "B"})
    ['A: S1 -0.20', 'B: ST 1.40']
    """
    found = []
    for _, row in indices.iterrows():
        for column in ("S1", "ST"):
            value = row.get(column, np.nan)
            if np.isfinite(value) and not -SHOWN < value < 1.0 + SHOWN:
                found.append(f"{labels.get(row['parameter'], row['parameter'])}: "
                             f"{column} {value:.2f}")
    return found


def _index_cell(row: pd.DataFrame, column: str, metric: str) -> str:
    if row.empty or not np.isfinite(row[column].iloc[0]):
        return "n/a"
    value = float(row[column].iloc[0])
    conf = row[f"{column}_conf"].iloc[0] if f"{column}_conf" in row else np.nan
    if column in ("mu_star", "sigma"):
        text = format_metric(metric, value)
        return f"{text} ± {format_metric(metric, conf)}" if np.isfinite(conf) else text
    return f"{value:.2f} ± {conf:.2f}" if np.isfinite(conf) else f"{value:.2f}"
