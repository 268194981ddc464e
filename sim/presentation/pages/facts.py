"""The scenario as the pages describe it: cities, peers, measures, strategies, sources."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sim.formats import dollars
from sim.presentation.pages.numbers import counted
from sim.results import (
    RunResult,
)
from sim.scenario import COMPLIANCE_LEVELS, COURT_STAGES, provenance
from sim.scenario.courts import COURT_DEFAULTS


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
                      else f"{budget.policy_floor:.1%} ({counted(len(budget.fund), 'fund')})"),
            "grants": f"{dollars(grants)} ({counted(len(city.grant), 'program')}, "
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
