"""The HTML report of a run, and the comparison of two runs (or two strategies of one).

A report is one self-contained HTML file (figures embedded as PNG, no
network): the scenario, the assumptions and sources it relies on, key numbers
per strategy with their uncertainty, every figure and a summary of the event
log.  Every string that comes from a scenario or a run goes through Jinja2's
autoescaping, so a hostile scenario name cannot inject markup.

A comparison puts two *sides* next to each other: two runs (``fundsim compare
A B``) or two strategies of one run (``fundsim compare RUN --strategies
sanctuary full``).  Figures are drawn on shared axes, changes of every metric
come with a 95% confidence interval, and the resolved scenarios are diffed key
by key.  Two runs with the same seed share their random streams replication by
replication (replication *i* of each draws from the same streams, whatever the
scenario or the number of replications), so their changes are paired on the
replications both have; runs with different seeds are independent (Welch).  A
change is flagged only when it exceeds Monte Carlo error for the whole page
(:data:`FAMILY_ERROR`): two runs of one unchanged model flag nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import os
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup, escape
from matplotlib.figure import Figure
from matplotlib.ticker import FixedFormatter
from scipy import stats

from sim.analysis import decision_support
from sim.errors import OutputError, UsageError
from sim.formats import dollars
from sim.metrics import ALL_CITIES, METRICS
from sim.presentation import compare_figures, decision_figures, run_figures, style, sweep_figures
from sim.presentation.reserves import reserve_section
from sim.results import (
    VERSION,
    RunResult,
    file_sha256,
    for_figures,
    over_cities,
    read_json,
    slug,
    t_975,
    write_file,
    write_folder,
    write_manifest,
)
from sim.results.folders import reason
from sim.scenario import COMPLIANCE_LEVELS, COURT_STAGES, provenance
from sim.scenario.litigation import COURT_DEFAULTS

HEADLINE_METRICS = ("net_fiscal_impact", "gap_closing_burden", "federal_withheld",
                    "federal_restored", "federal_lost", "legal_cost", "compliance_cost",
                    "liability_cost", "floor_breached", "months_below_floor",
                    "min_reserve_ratio")
"""Metrics shown first, in this order; every other metric a run has follows."""
LEAD_WITH_CHANGE = ("floor_breached",)
"""Metrics whose key-number cell leads with the change against the baseline."""
CHANGE_FIGURE_METRICS = ("net_fiscal_impact", "gap_closing_burden", "federal_withheld",
                         "floor_breached", "legal_cost", "months_below_floor")
"""Metrics drawn in the comparison's change figure (those the runs have)."""
FAMILY_ERROR = 0.05
"""Chance that a comparison of two runs of one unchanged model flags any change at
all: each of the page's changes is tested at this level divided by their number
(Bonferroni), so a page of 150 changes does not show seven by chance."""
MAX_EVENT_ROWS = 60
MAX_DETAILS_PER_KIND = 8
"""Event kinds with more distinct details than this are summarised by kind only."""


# --------------------------------------------------------------------------
# Numbers


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _is_share(metric: str) -> bool:
    unit = METRICS[metric].unit if metric in METRICS else ""
    return unit in ("probability", "relative change") or unit.startswith("share")


def format_change(metric: str, value: float) -> str:
    """A change of a metric: like :func:`format_metric`, shares in percentage points."""
    if value is not None and np.isfinite(value) and _is_share(metric):
        points = 100 * value
        if abs(points) >= 0.05:
            return f"{points:+.1f} pp"
        return f"{points:+.2f} pp" if abs(points) >= 0.005 else "0 pp"
    text = format_metric(metric, value)
    return f"+{text}" if value is not None and value > 0 else text


def format_metric(metric: str, value: float) -> str:
    """A metric's value in its unit: $1.2B, 34.0%, 2.5 months, 1,234."""
    if value is None or not np.isfinite(value):
        return "n/a"
    unit = METRICS[metric].unit if metric in METRICS else ""
    if unit.startswith("USD"):
        return dollars(value)
    if _is_share(metric):
        return f"{value:+.1%}" if unit == "relative change" and value else f"{value:.1%}"
    if unit == "months":
        return f"{value:.1f}"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def metric_order(columns: Sequence[str]) -> list[str]:
    """Metrics present in a table: headline ones first, then the rest as registered."""
    present = [m for m in METRICS if m in columns]
    return [m for m in HEADLINE_METRICS if m in present] + [
        m for m in present if m not in HEADLINE_METRICS]


def per_city_frame(replications: pd.DataFrame, city: str) -> pd.DataFrame:
    """Outcomes indexed by (strategy, replication) for one city or ``all cities``."""
    metrics = metric_order(replications.columns)
    if city == ALL_CITIES:
        return over_cities(replications, metrics)
    rows = replications[replications["city"] == city]
    return rows.set_index(["strategy", "replication"])[metrics]


def cities_of(replications: pd.DataFrame) -> list[str]:
    """Cities of a run, with ``all cities`` first when there are several."""
    cities = list(dict.fromkeys(replications["city"]))
    return [ALL_CITIES, *cities] if len(cities) > 1 else cities


@dataclass(frozen=True)
class Interval:
    """A difference of means and its 95% confidence interval."""

    estimate: float
    low: float
    high: float
    se: float = 0.0
    """Standard error of the estimate."""
    df: float = 1.0
    """Degrees of freedom of its Student t distribution."""

    @property
    def excludes_zero(self) -> bool:
        """Whether the interval lies wholly on one side of zero."""
        return self.low > 0 or self.high < 0

    def beyond_noise(self, level: float = 0.05) -> bool:
        """Whether the estimate is further from zero than chance gives with probability ``level``.

        An estimate without Monte Carlo error (every paired difference the
        same) is beyond noise as soon as it is not zero.
        """
        if self.se == 0:
            return self.estimate != 0
        return abs(self.estimate) > float(stats.t.ppf(1 - level / 2, self.df)) * self.se


def mean_difference(a: np.ndarray, b: np.ndarray, paired: bool) -> Interval:
    """Mean of ``b`` minus mean of ``a`` with a 95% CI: paired t, or Welch when independent."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if paired:
        d = b - a
        estimate, n = float(d.mean()), len(d)
        se = d.std(ddof=1) / np.sqrt(n) if n > 1 else 0.0
        df = n - 1
    else:
        estimate = float(b.mean() - a.mean())
        va = a.var(ddof=1) / len(a) if len(a) > 1 else 0.0
        vb = b.var(ddof=1) / len(b) if len(b) > 1 else 0.0
        se = float(np.sqrt(va + vb))
        df = (va + vb) ** 2 / (va**2 / max(len(a) - 1, 1) + vb**2 / max(len(b) - 1, 1)) \
            if va + vb > 0 else 1
    # Differences below a billionth of the values compared are rounding noise, not change.
    noise = 1e-9 * max(1.0, float(np.abs(a).max(initial=0)), float(np.abs(b).max(initial=0)))
    if abs(estimate) < noise:
        estimate = 0.0
    if se < noise or not np.isfinite(se):
        return Interval(estimate, estimate, estimate)
    half = float(t_975(max(df, 1)) * se)
    return Interval(estimate, estimate - half, estimate + half, float(se), float(max(df, 1)))


def drift(reference: RunResult, current: RunResult, family_error: float = 1e-3) -> pd.DataFrame:
    """Means that moved from a reference run further than Monte Carlo error allows.

    Every (strategy, city, metric) mean of ``current`` is tested against the
    reference's as two independent estimates: the change must stay within
    ``z`` standard errors of the difference, ``z`` set so that an unchanged
    model fails with probability ``family_error`` over all the tests together
    (Bonferroni).  Same seed and model give no change at all; a model change
    that only reshuffles random draws stays within the tolerance; a change of
    substance does not.  Strategies or metrics the reference has and the
    current run lacks are listed too.  Columns: ``strategy, city, metric,
    reference, current, change, tolerance, problem``.
    """
    tests, problems = [], []
    cities = [c for c in cities_of(reference.replications)
              if c in set(cities_of(current.replications))]
    for city in cities_of(reference.replications):
        if city not in cities:
            problems.append((None, city, None, np.nan, np.nan, np.nan, np.nan, "city missing"))
    for city in cities:
        old = per_city_frame(reference.replications, city)
        new = per_city_frame(current.replications, city)
        have = set(new.index.get_level_values("strategy"))
        for strategy in dict.fromkeys(old.index.get_level_values("strategy")):
            if strategy not in have:
                problems.append((strategy, city, None, np.nan, np.nan, np.nan, np.nan,
                                 "strategy missing"))
                continue
            for metric in old.columns:
                if metric not in new.columns:
                    problems.append((strategy, city, metric, np.nan, np.nan, np.nan, np.nan,
                                     "metric missing"))
                    continue
                a = old.loc[strategy, metric].to_numpy(dtype=float)
                b = new.loc[strategy, metric].to_numpy(dtype=float)
                tests.append((strategy, city, metric, a.mean(), b.mean(),
                              mean_difference(a, b, paired=False)))
    z = float(stats.norm.ppf(1 - family_error / (2 * max(len(tests), 1))))
    for strategy, city, metric, a, b, change in tests:
        tolerance = z * change.se
        if abs(change.estimate) > tolerance:
            problems.append((strategy, city, metric, a, b, change.estimate, tolerance,
                             "moved beyond Monte Carlo error"))
    return pd.DataFrame(problems, columns=["strategy", "city", "metric", "reference", "current",
                                           "change", "tolerance", "problem"])


def key_numbers(run: RunResult, city: str) -> pd.DataFrame:
    """Per strategy and metric: mean, 5th and 95th percentiles, and the change vs baseline.

    The change is paired replication by replication (common random numbers),
    with the 95% confidence interval of its mean.
    """
    frame = per_city_frame(run.replications, city)
    baseline = run.manifest.get("baseline", "baseline")
    present = set(frame.index.get_level_values("strategy"))
    rows = []
    for strategy in [s for s in run.strategies if s in present]:
        data = frame.loc[strategy]
        # The baseline's replications lined up with this strategy's, once for every metric.
        base = (frame.loc[baseline].reindex(data.index)
                if baseline in present and strategy != baseline else None)
        for metric in frame.columns:
            values = data[metric].to_numpy(dtype=float)
            change = (None if base is None else
                      mean_difference(base[metric].to_numpy(dtype=float), values, paired=True))
            p05, p95 = np.percentile(values, [5, 95])
            rows.append({"strategy": strategy, "metric": metric, "mean": values.mean(),
                         "p05": p05, "p95": p95, "change": change})
    return pd.DataFrame(rows)


def event_summary(events: pd.DataFrame, strategies: Sequence[str],
                  replications: int) -> pd.DataFrame:
    """How often each kind of event happened, per strategy.

    One row per event kind (and detail, when a kind has few distinct details):
    the share of replications in which it happened at least once, the mean
    count per replication, and the median date of its first occurrence.
    """
    if events.empty:
        return pd.DataFrame(columns=["kind", "detail", "strategy", "share", "per_run", "first"])
    frame = events.copy()
    varied = frame.groupby("kind")["detail"].nunique()
    frame["detail"] = np.where(frame["kind"].map(varied) > MAX_DETAILS_PER_KIND, "(various)",
                               frame["detail"])
    keys = ["kind", "detail", "strategy"]
    counts = frame.groupby([*keys, "replication"], sort=False).agg(
        n=("date", "size"), first=("date", "min")).reset_index()
    summary = counts.groupby(keys, sort=False).agg(
        runs=("replication", "nunique"), total=("n", "sum"),
        first=("first", "median")).reset_index()
    summary["first"] = summary["first"].dt.floor("D")
    summary["share"] = summary["runs"] / replications
    summary["per_run"] = summary["total"] / replications
    order = {s: i for i, s in enumerate(strategies)}
    summary["order"] = summary["strategy"].map(order)
    return summary.sort_values(["kind", "detail", "order"])[
        ["kind", "detail", "strategy", "share", "per_run", "first"]].reset_index(drop=True)


# --------------------------------------------------------------------------
# Scenario facts


def describe_value(value: Any, money: bool = False, share: bool = False) -> str:
    """A scenario value as short text: $8.06B, 5%, uniform($1B–$2B), 2025-07-01."""
    if value is None:
        return "—"
    if hasattr(value, "dist"):
        low, high = value.support
        if isinstance(low, dt.date):
            return f"{value.dist} {low} – {high}"
        show = (lambda v: dollars(v)) if money else (
            (lambda v: f"{v:.0%}") if share else (lambda v: f"{v:g}"))
        return f"{value.dist} {show(low)} – {show(high)} (mean {show(value.mean)})"
    if money:
        return dollars(float(value))
    if share:
        return f"{float(value):.1%}"
    return provenance.format_value(value)


def cities_table(run: RunResult) -> list[dict[str, str]]:
    """Facts per city for the report's scenario section."""
    rows = []
    for city in run.scenario.city:
        budget = city.budget
        grants = sum(float(getattr(g.amount, "mean", g.amount)) for g in city.grant)
        spend = float(getattr(budget.expenditure, "mean", budget.expenditure))
        rows.append({
            "name": city.name, "state": city.state, "state_law": city.state_law,
            "policy": city.current_policy, "population": f"{city.population:,}",
            "expenditure": describe_value(budget.expenditure, money=True),
            "reserves": describe_value(budget.reserves, money=True),
            "floor": (describe_value(budget.reserve_floor, share=True) if not budget.fund
                      else f"{budget.policy_floor:.1%} ({_count(len(budget.fund), 'fund')})"),
            "grants": f"{dollars(grants)} ({_count(len(city.grant), 'program')}, "
                      f"{grants / spend:.1%} of spending)" if spend else dollars(grants),
        })
    return rows


PEER_CITIES = 20
"""Cities placed among their peers in a report at most (the most populous)."""


def peer_rows(run: RunResult) -> list[dict[str, str]]:
    """Each city's federal share of revenue and reserves per resident among its peers.

    The peers are the governments of the bundled ACFR data of the city's kind
    and size, their figures computed by the drafting rules (:mod:`sim.draft.peers`).
    """
    from sim.draft.bundle import load
    from sim.draft.peers import city_standings

    data = load()
    rows = []
    for city in sorted(run.scenario.city, key=lambda c: -c.population)[:PEER_CITIES]:
        for standing in city_standings(city, data):
            shown = dollars if standing.metric.startswith("reserves") else "{:.1%}".format
            rows.append({"city": city.name, "metric": standing.metric,
                         "value": shown(standing.value),
                         "percentile": f"{standing.percentile:.0f}",
                         "median": shown(standing.median),
                         "peers": f"{standing.peers} of {standing.band[0]:,}-"
                                  f"{standing.band[1]:,} residents"})
    return rows


def measures_table(run: RunResult) -> list[dict[str, str]]:
    """Facts per federal measure for the report's scenario section."""
    rows = []
    for m in run.scenario.measure:
        targets = "; ".join(f"{label}: {', '.join(items)}" for label, items in (
            ("agencies", m.agencies), ("programs", m.programs), ("tags", m.tags),
            ("cities", m.cities)) if items) or "every federal grant"
        rows.append({"name": m.name, "kind": m.kind.replace("_", " "),
                     "description": m.description,
                     "probability": describe_value(m.probability, share=True),
                     "effective": describe_value(m.effective),
                     "targets": targets, "penalises": _penalised(m.penalises),
                     "withhold": describe_value(m.withhold_share, share=True)})
    return rows


def _penalised(levels: Sequence[str]) -> str:
    """The levels a measure penalises, in words when they are every level short of full."""
    if set(levels) == set(COMPLIANCE_LEVELS) - {"full"}:
        return "every level short of full"
    return ", ".join(levels)


def measure_split(run: RunResult) -> dict[str, Any] | None:
    """The loss by measure as formatted rows per city (parts by strategies), or None.

    Cities in the run's order, all cities first when there are several; each
    cell is the mean with its 95% half-width.
    """
    table = run.loss_by_measure
    if table is None:
        return None
    record = run.manifest["loss_by_measure"]
    strategies = [s for s in run.strategies if s in set(table["strategy"])]
    cities = list(dict.fromkeys(table["city"]))
    cities = sorted(cities, key=lambda c: c != ALL_CITIES)
    tables = {}
    for city in cities:
        rows = table[table["city"] == city]
        cells = {(r.strategy, r.part): r for r in rows.itertuples()}
        parts = rows.drop_duplicates("part").sort_values("position")
        tables[city] = [{"part": part.part, "kind": part.kind, "cells": [
            f"{dollars(cells[s, part.part].mean)} ± {dollars(cells[s, part.part].ci95_half_width)}"
            for s in strategies]} for part in parts.itertuples()]
    return {"strategies": strategies, "tables": tables, "order": record["order"],
            "left_out": record.get("left_out"), "runs": record["runs"],
            "wall_time": record["wall_time_s"]}


def strategies_table(run: RunResult) -> list[dict[str, str]]:
    """The strategies a run compared, with what each means."""
    table = run.scenario.strategy_table()
    rows = [{"name": "baseline", "compliance": "current policy",
             "description": "No federal measure: the reference every impact is measured "
                            "against, on the same random draws."}]
    for name in run.manifest.get("strategies", []):
        strategy = table.get(name)
        rows.append({"name": name, "compliance": strategy.compliance if strategy else "",
                     "description": strategy.description if strategy else ""})
    return rows


@dataclass(frozen=True)
class Provenance:
    """What a run's scenario rests on, grouped for the report."""

    assumptions: list[provenance.Citation]
    """Numbers the scenario labels ``assumption: ...``."""
    defaults: list[dict[str, str]]
    """Schema defaults relied on that the schema labels an assumption, grouped by key."""
    missing: list[provenance.Citation]
    """Numbers without any source."""
    sourced: list[provenance.Citation]
    """Numbers with a citation (document or derivation)."""
    bibliography: dict[str, str]
    aged: list[provenance.AgedFact]
    """Facts the run goes past, and legal statuses over a year old at the start."""


def scenario_provenance(run: RunResult) -> Provenance:
    """Sources and assumptions of the run's scenario, including defaults it relied on."""
    scenario = run.scenario
    cites = [provenance.Citation(c.path, c.value,
                                 provenance.expand(c.source, scenario.sources)
                                 if c.source else c.source, c.inherited_from)
             for c in provenance.citations(scenario)]
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for item in provenance.assumed_defaults(scenario, run.manifest.get("strategies", [])):
        general = re.sub(r"\[[^\]]*\]", "[*]", item.path)
        shown = default_text(scenario, item.path, item.value)
        group = groups.setdefault((general, shown), {"path": general, "value": shown,
                                                     "note": item.note, "where": []})
        group["where"].append(item.path)
    defaults = [{**g, "where": "; ".join(" / ".join(re.findall(r"\[([^\]]*)\]", path))
                                         for path in g["where"]) if "[*]" in g["path"] else ""}
                for g in groups.values()]
    return Provenance(
        assumptions=[c for c in cites if provenance.kind(c) == "assumption"],
        defaults=defaults,
        missing=[c for c in cites if provenance.kind(c) == "missing"],
        sourced=[c for c in cites if provenance.kind(c) in ("source", "derived")],
        bibliography=dict(scenario.sources),
        aged=provenance.aged_facts(scenario))


def _share(value: Any) -> str:
    """A probability as a percentage, or a range of them where the default is a range."""
    if isinstance(value, int | float):
        return f"{value:.0%}"
    if hasattr(value, "low") and hasattr(value, "high"):  # a range the record leaves thin
        return f"{value.low:.0%}-{value.high:.0%}"
    return describe_value(value, money=False)  # another distribution a file states


def default_text(scenario: Any, path: str, value: Any) -> str:
    """A schema default as people read it, never a Python repr.

    A measure kind's courts left to their defaults are listed stage by stage;
    a default worked out from other keys says so; money reads as money.
    """
    if value is None:
        return "worked out from other keys (see what it is)"
    kind = path.removeprefix("litigation.")
    if kind in COURT_DEFAULTS:
        lines = []
        for stage in COURT_STAGES:
            keys = ("taken", "probability", "probability_after_loss", "days")
            values = {key: scenario.litigation.court_value(kind, stage, key)[1]
                      for key in keys if key in COURT_DEFAULTS[kind][stage]}
            low, mode, high = values["days"]
            taken = f"taken {_share(values['taken'])}, " if "taken" in values else ""
            after = (f" ({_share(values['probability_after_loss'])} after a lost ruling)"
                     if "probability_after_loss" in values else "")
            lines.append(f"{stage.replace('_', ' ')}: {taken}won {_share(values['probability'])}"
                         f"{after}, {low:.0f}-{high:.0f} days (most likely {mode:.0f})")
        return "; ".join(lines)
    try:
        money = scenario.is_money(path)
    except KeyError:  # a built-in strategy's key: the scenario file has no such table
        money = False
    return describe_value(value, money=money)


# --------------------------------------------------------------------------
# HTML


_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:)\]]")


_LITERAL = re.compile(r"``([^`]+)``")
"""A literal in a docstring (reStructuredText): ``revenue_growth``."""


def linkify(text: Any) -> Markup:
    """Escape text and turn its http(s) URLs into links (no other scheme is ever linked).

    Docstring literals (````key````) become ``<code>``.
    """
    text = "" if text is None else str(text)
    out, last = [], 0
    for match in _URL.finditer(text):
        out.append(_literals(text[last:match.start()]))
        url = escape(match.group(0))
        out.append(Markup(f'<a href="{url}" rel="noopener noreferrer">{url}</a>'))
        last = match.end()
    out.append(_literals(text[last:]))
    return Markup("").join(out)


def _literals(text: str) -> Markup:
    out, last = [], 0
    for match in _LITERAL.finditer(text):
        out += [escape(text[last:match.start()]), Markup("<code>%s</code>") % match.group(1)]
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("sim.presentation", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters.update(linkify=linkify, metric=lambda v, m: format_metric(m, v),
                       change=lambda v, m: format_change(m, v),
                       value=describe_value, date=_date)
    env.globals.update(METRICS=METRICS, colours=style.strategy_colours)
    return env


def _date(value: Any) -> str:
    if value is None or pd.isna(value):
        return "—"
    return pd.Timestamp(value).strftime("%Y-%m-%d")


@dataclass(frozen=True)
class Image:
    """A PNG as a data URI, with the width at which its text reads at normal size."""

    uri: str
    width: int
    """CSS pixels: the PNG's width scaled from :data:`sim.presentation.style.PNG_DPI` to 100 dpi."""


def _png(png: bytes) -> Image:
    width = int.from_bytes(png[16:20], "big") if png[12:16] == b"IHDR" else 0
    return Image("data:image/png;base64," + base64.b64encode(png).decode("ascii"),
                 round(width * 100 / style.PNG_DPI))


@dataclass(frozen=True)
class RenderedFigure:
    """A figure ready for HTML: its registry entry and PNG images (one per side)."""

    name: str
    title: str
    caption: str
    images: tuple[Image, ...]


def _run_facts(run: RunResult) -> dict[str, Any]:
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
    for name, spec in run_figures.figures_for(run).items():
        if name not in pngs:
            drawn = style.drawn_or_warned(name, functools.partial(run_figures.draw, run, name))
            pngs[name] = drawn and drawn[0]
        if pngs[name]:
            figures.append(RenderedFigure(name, spec.title, spec.caption, (_png(pngs[name]),)))
    cities = cities_of(run.replications)
    events, truncated = event_rows(run)
    template = _environment().get_template("report.html.j2")
    return template.render(
        run=_run_facts(run), strategies=strategies_table(run), cities=cities_table(run),
        peers=peer_rows(run), measures=measures_table(run), provenance=scenario_provenance(run),
        split=measure_split(run),
        numbers={city: number_table(run, city) for city in cities}, city_names=cities,
        strategy_names=run.strategies,
        figures=[f for f in figures if f.name not in DECISION_FIGURES],
        decision=decision_section(run, [f for f in figures if f.name in DECISION_FIGURES]),
        events=events, events_truncated=truncated, reserves=reserve_section(run),
        generated=_now())


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


def number_table(run: RunResult, city: str) -> dict[str, Any]:
    """Key numbers of one city (or all cities) as formatted rows: headline and other metrics.

    ``already`` is the baseline's share of futures below the reserve floor,
    when it is not zero.
    """
    numbers = key_numbers(run, city)
    cells = {(r.strategy, r.metric): r for r in numbers.itertuples()}
    rows: dict[str, Any] = {"headline": [], "other": [], "zero": [], "already": ""}
    if numbers.empty:
        return rows
    baseline = run.manifest.get("baseline", "baseline")
    already = numbers[(numbers["strategy"] == baseline) & (numbers["metric"] == "floor_breached")]
    if len(already) and already["mean"].iloc[0] > 0:
        rows["already"] = f"{already['mean'].iloc[0]:.0%}"
    nonzero = pd.Series(numbers[["mean", "p05", "p95"]].to_numpy().any(axis=1)).groupby(
        numbers["metric"].to_numpy(), sort=False).any()
    for metric in nonzero.index:
        info = METRICS.get(metric)
        if not nonzero[metric]:
            rows["zero"].append(metric.replace("_", " "))
            continue
        row = {"metric": metric, "label": metric.replace("_", " "),
               "unit": info.unit if info else "", "description": info.description if info else "",
               "cells": [_number_cell(cells.get((s, metric)), metric) for s in run.strategies]}
        rows["headline" if metric in HEADLINE_METRICS else "other"].append(row)
    return rows


def _number_cell(row: Any, metric: str) -> dict[str, Any] | None:
    if row is None:
        return None
    cell = {"mean": format_metric(metric, row.mean),
            "interval": f"{format_metric(metric, row.p05)} to {format_metric(metric, row.p95)}",
            "change": None, "ci": "", "notable": False}
    if row.change is not None:
        change = row.change
        cell.update(change=format_change(metric, change.estimate),
                    ci=f"{format_change(metric, change.low)}, "
                       f"{format_change(metric, change.high)}",
                    notable=change.excludes_zero)
        if metric in LEAD_WITH_CHANGE:
            # The baseline may breach the floor already: the change is the news, the share
            # the context.
            cell.update(mean=f"{cell['change']} vs baseline",
                        interval=f"{cell['mean']} of futures; 90%: {cell['interval']}")
    return cell


def event_rows(run: RunResult) -> tuple[list[dict[str, Any]], bool]:
    """The event-log summary as rows (kind, detail, a cell per strategy); and if it was cut."""
    summary = event_summary(run.events, run.strategies, int(run.manifest.get("replications", 1)))
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for r in summary.itertuples():
        row = rows.setdefault((r.kind, r.detail), {"kind": r.kind, "detail": r.detail,
                                                   "cells": {}, "weight": 0.0,
                                                   "when": pd.Timestamp.max})
        row["cells"][r.strategy] = {"share": f"{r.share:.0%}", "per_run": f"{r.per_run:.2g}",
                                    "first": _date(r.first)}
        row["weight"] = max(row["weight"], r.share)
        row["when"] = min(row["when"], r.first)
    # The most frequent rows, shown in the order they happen (the story of a run).
    kept = sorted(rows.values(), key=lambda row: -row["weight"])[:MAX_EVENT_ROWS]
    kept.sort(key=lambda row: (row["when"], -row["weight"]))
    return kept, len(rows) > MAX_EVENT_ROWS


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


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
    staging, pngs = None, None
    if own and not (Path(run.folder) / "figures").is_dir():
        staging, pngs = _staged_figures(run, Path(run.folder))
    try:
        html = render_report(run, pngs)
        write_file(path, lambda temporary: temporary.write_text(html, encoding="utf-8"))
        written = ["report.html"]
        if staging is not None:
            # The figures take their place only once the report has: all or nothing.
            figures = Path(run.folder) / "figures"
            try:
                os.replace(staging, figures)
            except OSError as error:
                raise OutputError(f"cannot write {figures}: {reason(error)}") from None
            staging = None
            written += sorted(f"figures/{p.name}" for p in figures.iterdir())
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    if own:
        _record_checksums(Path(run.folder), written)
    return path


def _staged_figures(run: RunResult, folder: Path) -> tuple[Path, dict[str, bytes | None]]:
    """A run's figures drawn into a temporary folder beside ``folder/figures``."""
    figures = folder / "figures"
    try:
        staging = Path(tempfile.mkdtemp(prefix=".figures-", suffix=".partial", dir=folder))
    except OSError as error:
        raise OutputError(f"cannot write {figures}: {reason(error)}") from None
    try:
        return staging, run_figures.save_figures(run, staging)
    except BaseException as error:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(error, OSError):
            raise OutputError(f"cannot write {figures}: {reason(error)}") from None
        raise


def _record_checksums(folder: Path, names: Sequence[str]) -> None:
    manifest_path = folder / "manifest.json"
    manifest = read_json(manifest_path)
    for name in names:
        manifest.setdefault("files", {})[name] = file_sha256(folder / name)
    manifest["files"] = dict(sorted(manifest["files"].items()))
    text = json.dumps(manifest, indent=2) + "\n"
    write_file(manifest_path, lambda staging: staging.write_text(text, encoding="utf-8"))


# --------------------------------------------------------------------------
# Comparison


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
    both = [name for name in run_figures.figures_for(a) if name in run_figures.figures_for(b)]
    for name in both:
        spec = run_figures.FIGURES[name]
        fig_a, fig_b = run_figures.draw(a, name, colours), run_figures.draw(b, name, colours)
        share_limits(fig_a, fig_b)
        rendered.append(RenderedFigure(name, spec.title, spec.caption,
                                       (_png(style.png_bytes(fig_a)),
                                        _png(style.png_bytes(fig_b)))))
    for name, title, caption, fig in _difference_figures(comparison):
        rendered.append(RenderedFigure(name, title, caption, (_png(style.png_bytes(fig)),)))
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
    template = _environment().get_template("compare.html.j2")
    return template.render(
        a=comparison.a, b=comparison.b, facts_a=_run_facts(comparison.a.run),
        facts_b=_run_facts(comparison.b.run), comparison=comparison,
        pairs=[comparison.pair_label(p) for p in comparison.pairs],
        change_tables=change_tables(comparison.changes), family_error=FAMILY_ERROR,
        tested=max(comparison.tested, 1), parameters=comparison.parameters,
        settings=comparison.settings, figures=comparison_figures(comparison),
        strategy_table=_strategy_pairs(comparison), generated=_now(),
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


# --------------------------------------------------------------------------
# Sweeps


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
                figures.append(RenderedFigure(name, title, caption, (_png(pngs[name]),)))
        targets.append({**_sweep_target(result, target), "figures": figures})
    findings = []
    for finding in result.findings:
        name = f"discovery-{finding.slug}"
        figure = None
        if pngs.get(name):
            title, caption = SWEEP_FIGURE_TEXT["discovery"]
            figure = RenderedFigure(name, title, caption, (_png(pngs[name]),))
        findings.append({**_finding_facts(finding, result), "figure": figure})
    template = _environment().get_template("sweep.html.j2")
    return template.render(sweep=_sweep_facts(result), parameters=_sweep_parameters(result),
                           targets=targets, findings=findings, generated=_now())


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
        "workers": _count(int(manifest.get("workers", 1)), "worker"),
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
