"""The HTML report of one run (``report.html``).

The scenario, the assumptions and sources it relies on, key numbers per
strategy with their uncertainty, the decision section (thresholds,
robustness ranking, branches), every figure and a summary of the event log.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis import decision_support
from sim.errors import UsageError
from sim.presentation import decision_figures, figure_registry, style
from sim.presentation.pages.facts import (
    cities_table,
    measures_table,
    peer_rows,
    scenario_provenance,
    strategies_table,
)
from sim.presentation.pages.html import (
    RenderedFigure,
    date_text,
    environment,
    now,
    number_table,
    png_image,
)
from sim.presentation.pages.numbers import (
    MAX_EVENT_ROWS,
    cities_of,
    event_summary,
    format_metric,
    measure_split,
)
from sim.presentation.reserves import reserve_section
from sim.results import (
    RunResult,
    commit_folder,
    file_sha256,
    for_figures,
    read_json,
    write_file,
)


def run_facts(run: RunResult) -> dict[str, Any]:
    """What a page says about a run: its scenario, seed, replications, workers, versions."""
    manifest, scenario = run.manifest, run.scenario
    return {
        "name": scenario.scenario.name,
        "description": scenario.scenario.description.strip(),
        "start": scenario.start, "end": scenario.end - dt.timedelta(days=1),
        "years": scenario.scenario.years,
        "replications": manifest.get("replications"), "seed": manifest.get("seed"),
        # Set when the report is drawn from the first replications of a bigger run.
        "replications_run": manifest.get("replications_run"),
        "keep": manifest.get("keep"), "folder": str(run.folder) if run.folder else "",
        "version": manifest.get("fundsim", ""), "engine": manifest.get("engine", ""),
        "wall_time": manifest.get("wall_time_s"), "versions": manifest.get("versions", {}),
        "sha256": manifest.get("scenario_sha256", ""),
        "discount_rate": scenario.scenario.discount_rate,
        **_precision_facts(manifest.get("precision")),
    }


def _precision_facts(record: Mapping[str, Any] | None) -> dict[str, Any]:
    """The sentence saying how a precision run chose its replications, and whether it got there."""
    if not record:
        return {"precision": "", "precision_reached": True}
    from sim.engine.precision import describe

    return {"precision": describe(record), "precision_reached": bool(record.get("reached"))}


def render_report(run: RunResult, pngs: Mapping[str, bytes | None] | None = None) -> str:
    """The run's report as one self-contained HTML page.

    ``pngs`` are figures already drawn (by name; None: one that could not be
    drawn); the others are drawn here.  A figure that cannot be drawn is left
    out of the page, with a warning.
    """
    run = for_figures(run)
    pngs = dict(pngs or {})
    figures = []
    for name, spec in figure_registry.figures_for(run).items():
        if name not in pngs:
            drawn = style.drawn_or_warned(name, functools.partial(figure_registry.draw, run, name))
            pngs[name] = drawn and drawn[0]
        if pngs[name]:
            figures.append(RenderedFigure(name, spec.title, spec.caption, (png_image(pngs[name]),)))
    cities = cities_of(run.replications)
    events, truncated = event_rows(run)
    template = environment().get_template("report.html.j2")
    return template.render(
        run=run_facts(run), strategies=strategies_table(run), cities=cities_table(run),
        peers=peer_rows(run), measures=measures_table(run), provenance=scenario_provenance(run),
        split=measure_split(run),
        numbers={city: number_table(run, city) for city in cities}, city_names=cities,
        strategy_names=run.strategies,
        figures=[f for f in figures if f.name not in DECISION_FIGURES],
        decision=decision_section(run, [f for f in figures if f.name in DECISION_FIGURES]),
        events=events, events_truncated=truncated, reserves=reserve_section(run),
        generated=now())


DECISION_FIGURES = ("robustness", "conditional_impact", "conditional_reserves", "legal_status")
"""Figures shown in the report's decision section rather than with the others."""


def decision_section(run: RunResult, figures: Sequence[RenderedFigure]) -> dict[str, Any]:
    """The report's decision section: thresholds, robustness ranking, branches, figures."""
    baseline = run.manifest.get("baseline", "baseline")
    exposed = [s for s in run.strategies if s != baseline]
    if not exposed or "net_fiscal_impact" not in run.replications:
        return {"ranking": [], "thresholds": [], "branches": [], "figures": list(figures),
                "strategies": exposed}
    thresholds = decision_support.run_thresholds(run)
    ranking = decision_support.robustness(run.replications, thresholds)
    shares = decision_support.threshold_shares(run.replications, thresholds)
    metric = "net_fiscal_impact"
    rows = [{"rank": r.rank, "strategy": r.strategy,
             "expected": format_metric(metric, r.expected),
             "range": f"{format_metric(metric, r.p05)} to {format_metric(metric, r.p95)}",
             "cvar": format_metric(metric, r.cvar05),
             "max_regret": format_metric(metric, r.max_regret),
             "mean_regret": format_metric(metric, r.mean_regret),
             "met": [f"{shares.loc[r.strategy, str(t)]:.0%}" for t in thresholds],
             "all_met": f"{r.thresholds_met:.0%}"} for r in ranking.itertuples()]
    return {"ranking": rows, "thresholds": [str(t) for t in thresholds],
            "branches": branch_rows(run, decision_figures.shown_branches(run), exposed),
            "figures": list(figures), "strategies": exposed}


def branch_rows(run: RunResult, branches: Sequence[str],
                strategies: Sequence[str]) -> list[dict[str, Any]]:
    """Per branch and strategy: its probability, and key outcomes if taken and if not."""
    from sim.analysis.decision_support import futures

    values = futures(run.replications).merge(run.branches, on=["strategy", "replication"])
    breach = "floor_breached" in values
    rows = []
    for branch in branches:
        cells = []
        for strategy in strategies:
            mine = values[values["strategy"] == strategy]
            sides = {taken: mine[mine[branch] == taken] for taken in (True, False)}
            cell = {"probability": f"{len(sides[True]) / max(len(mine), 1):.0%}"}
            for taken, part in sides.items():
                key = "if" if taken else "if_not"
                cell[key] = (format_metric("net_fiscal_impact", part["net_fiscal_impact"].mean())
                             if len(part) else "—")
                cell[f"{key}_breach"] = (f"{part['floor_breached'].mean():.0%}"
                                         if breach and len(part) else "—")
            cells.append(cell)
        rows.append({"branch": branch, "cells": cells})
    return rows


def event_rows(run: RunResult) -> tuple[list[dict[str, Any]], bool]:
    """The event-log summary as rows (kind, detail, a cell per strategy); and if it was cut."""
    summary = event_summary(run.events, run.strategies, int(run.manifest.get("replications", 1)))
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for r in summary.itertuples():
        row = rows.setdefault((r.kind, r.detail), {"kind": r.kind, "detail": r.detail,
                                                   "cells": {}, "weight": 0.0,
                                                   "when": pd.Timestamp.max})
        row["cells"][r.strategy] = {"share": f"{r.share:.0%}", "per_run": f"{r.per_run:.2g}",
                                    "first": date_text(r.first)}
        row["weight"] = max(row["weight"], r.share)
        row["when"] = min(row["when"], r.first)
    # The most frequent rows, shown in the order they happen (the story of a run).
    kept = sorted(rows.values(), key=lambda row: -row["weight"])[:MAX_EVENT_ROWS]
    kept.sort(key=lambda row: (row["when"], -row["weight"]))
    return kept, len(rows) > MAX_EVENT_ROWS


def write_report(run: RunResult, path: str | Path | None = None) -> Path:
    """Write the report (default: ``report.html`` in the run folder); return its path.

    Inside the run folder, the manifest's checksum of ``report.html`` is updated
    too, and a run saved without figures (``--no-figures``) gets its ``figures/``
    folder, written whole or not at all.
    """
    if path is None:
        if run.folder is None:
            raise UsageError("this run has no folder; give the report's path")
        path = Path(run.folder) / "report.html"
    path = Path(path)
    own = run.folder is not None and path.resolve() == (Path(run.folder) / "report.html").resolve()

    def write_html(pngs: Mapping[str, bytes | None] | None) -> None:
        html = render_report(run, pngs)
        write_file(path, lambda temporary: temporary.write_text(html, encoding="utf-8"))

    written = ["report.html"]
    figures = Path(run.folder) / "figures" if own else None
    if figures is not None and not figures.is_dir():
        # Drawn into the folder's place, which they take only once the report has.
        pngs: dict[str, bytes | None] = {}
        commit_folder(figures, lambda staging: pngs.update(
            figure_registry.save_figures(run, staging)), kind="figures",
            then=lambda: write_html(pngs))
        written += sorted(f"figures/{p.name}" for p in figures.iterdir())
    else:
        write_html(None)
    if own:
        _record_checksums(Path(run.folder), written)
    return path


def _record_checksums(folder: Path, names: Sequence[str]) -> None:
    manifest_path = folder / "manifest.json"
    manifest = read_json(manifest_path)
    for name in names:
        manifest.setdefault("files", {})[name] = file_sha256(folder / name)
    manifest["files"] = dict(sorted(manifest["files"].items()))
    text = json.dumps(manifest, indent=2) + "\n"
    write_file(manifest_path, lambda staging: staging.write_text(text, encoding="utf-8"))
