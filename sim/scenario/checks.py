"""Checks across a scenario's tables, beyond what each field's type can say.

Two kinds, both reporting every problem at once, one line each:

* on the raw data, beside the schema's own checks: repeated and reserved
  names, references to cities, measures and strategies the file does not
  define, coalitions that overlap (:func:`cross_reference_problems`);
* on the validated scenario: a horizon outside the calendar, measures dated
  after the horizon, strategies, switches or current policies that state law
  forbids, thresholds naming unknown outcomes (:func:`semantic_problems`).
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections import Counter
from typing import TYPE_CHECKING, Any

from sim.errors import Problem
from sim.metrics import ALL_CITIES
from sim.scenario.law import STATE_LAWS, refusal
from sim.scenario.strategies import BASELINE, BUILTIN_STRATEGIES, Threshold
from sim.scenario.uncertain import Frozen, date_range, is_uncertain

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

RESERVED_NAMES = {
    "strategy": (BASELINE, "the run without federal measures that every strategy is "
                 "compared with"),
    "city": (ALL_CITIES, "the rows of every city together"),
}
"""Names that results use for something else, by the list they may not appear in."""


def _names(items: Any) -> list[str]:
    if not isinstance(items, list):
        return []
    return [i["name"] for i in items if isinstance(i, dict) and isinstance(i.get("name"), str)]


def _repeated(items: Any, key: str, path: str, origin: str) -> list[Problem]:
    """Problems for items of a list of tables sharing the value of ``key``."""
    where: dict[str, list[int]] = {}
    for i, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict) and isinstance(item.get(key), str):
            where.setdefault(item[key], []).append(i)
    return [
        Problem(origin, f"{path}[{i}].{key}",
                f"{key} {value!r} used {len(found)} times ({path}[{found[0]}] has it "
                f"first); {key}s must be unique", value)
        for value, found in where.items() if len(found) > 1
        for i in found[1:]
    ]
def cross_reference_problems(data: Any, origin: str) -> list[Problem]:
    """Name clashes and references to things not defined; works on raw data."""
    if not isinstance(data, dict):
        return []
    problems = []
    cities = _names(data.get("city"))
    for section in ("city", "measure", "strategy"):
        problems.extend(_repeated(data.get(section), "name", section, origin))
    for section, (name, meaning) in RESERVED_NAMES.items():
        items = data.get(section)
        problems.extend(
            Problem(origin, f"{section}[{i}].name", f"{name!r} is reserved for {meaning}; "
                    "choose another name", name)
            for i, item in enumerate(items if isinstance(items, list) else [])
            if isinstance(item, dict) and item.get("name") == name)
    for i, city in enumerate(data.get("city") if isinstance(data.get("city"), list) else []):
        if isinstance(city, dict):
            problems.extend(_repeated(city.get("grant"), "program", f"city[{i}].grant", origin))
    for section in ("measure", "strategy"):
        items = data.get(section)
        for i, item in enumerate(items if isinstance(items, list) else []):
            refs = item.get("cities", []) if isinstance(item, dict) else []
            for j, ref in enumerate(refs if isinstance(refs, list) else []):
                if isinstance(ref, str) and ref not in cities:
                    problems.append(Problem(origin, f"{section}[{i}].cities[{j}]",
                                            "no [[city]] has this name", ref))
            history = item.get("history") if isinstance(item, dict) else None
            withheld = history.get("withheld") if isinstance(history, dict) else None
            for ref in withheld if isinstance(withheld, dict) else []:
                if ref not in cities:
                    problems.append(Problem(origin, f"{section}[{i}].history.withheld.{ref}",
                                            "no [[city]] has this name", ref))
    problems.extend(_rule_reference_problems(data, origin))
    info = data.get("scenario")
    wanted = info.get("strategies") if isinstance(info, dict) else None
    known = set(BUILTIN_STRATEGIES) | set(_names(data.get("strategy")))
    for j, ref in enumerate(wanted if isinstance(wanted, list) else []):
        if isinstance(ref, str) and ref not in known and ref != BASELINE:
            problems.append(Problem(origin, f"scenario.strategies[{j}]",
                                    f"no such strategy (known: {', '.join(sorted(known))})", ref))
        if ref == BASELINE:
            problems.append(Problem(origin, f"scenario.strategies[{j}]",
                                    "the baseline is always run; do not list it", ref))
    problems.extend(_litigation_problems(data, origin, set(cities), known))
    return problems


def _litigation_problems(data: dict, origin: str, cities: set[str],
                         strategies: set[str]) -> list[Problem]:
    """References from ``[litigation]`` to strategies, cities and measures."""
    litigation = data.get("litigation")
    if not isinstance(litigation, dict):
        return []
    problems = []
    suing = litigation.get("strategies")
    for j, ref in enumerate(suing if isinstance(suing, list) else []):
        if isinstance(ref, str) and ref not in strategies:
            message = ("the baseline never sues" if ref == BASELINE else
                       f"no such strategy (known: {', '.join(sorted(strategies))})")
            problems.append(Problem(origin, f"litigation.strategies[{j}]", message, ref))
    alone = litigation.get("sue_alone")
    for j, ref in enumerate(alone if isinstance(alone, list) else []):
        if isinstance(ref, str) and ref not in cities:
            problems.append(Problem(origin, f"litigation.sue_alone[{j}]",
                                    "no [[city]] has this name", ref))
    measures = set(_names(data.get("measure")))
    against_states = _measures_against_states(data)
    coalitions = litigation.get("coalition")
    coalitions = [c for c in coalitions if isinstance(c, dict)] if isinstance(
        coalitions, list) else []
    problems.extend(_repeated(coalitions, "name", "litigation.coalition", origin))
    suing_where: dict[tuple[str, str], str] = {}
    for i, coalition in enumerate(coalitions):
        where = f"litigation.coalition[{i}]"
        listed = _coalition_cities(coalition, where)
        for path, ref in listed:
            if ref not in cities:
                problems.append(Problem(origin, path, "no [[city]] has this name", ref))
        for ref, count in Counter(ref for _, ref in listed).items():
            if count > 1:
                problems.append(Problem(origin, where, f"city {ref!r} listed {count} times "
                                        "(members and late_members)", ref))
        named = coalition.get("measures")
        plaintiff_states = coalition.get("states")
        led_by_states = bool(plaintiff_states) and isinstance(plaintiff_states, list)
        challenged = named or sorted(against_states if led_by_states else measures)
        # A retyped list (measures = 0.5) is the schema's to report, not a crash here.
        for j, ref in enumerate(named if isinstance(named, list) else []):
            if isinstance(ref, str) and ref not in measures:
                problems.append(Problem(origin, f"{where}.measures[{j}]",
                                        "no [[measure]] has this name", ref))
            elif isinstance(ref, str) and led_by_states and ref not in against_states:
                problems.append(Problem(origin, f"{where}.measures[{j}]",
                                        "a state-led suit challenges only measures against "
                                        "states (this one has no states)", ref))
        if led_by_states:
            listed = listed + [(f"{where}.states", city) for city, state in _city_states(data)
                               if state in plaintiff_states]
        history = coalition.get("history")
        late = {ref for path, ref in listed if ".late_members[" in path}
        for key in ("joined", "extended"):
            steps = history.get(key) if isinstance(history, dict) else None
            for j, step in enumerate(steps if isinstance(steps, list) else []):
                ref = step.get("city") if isinstance(step, dict) else None
                if isinstance(ref, str) and ref not in late:
                    problems.append(Problem(origin, f"{where}.history.{key}[{j}].city",
                                            "not a late member of this coalition", ref))
        for _, city in listed:
            for measure in challenged if isinstance(challenged, list) else []:
                if not isinstance(measure, str):
                    continue
                other = suing_where.setdefault((city, measure), coalition.get("name", where))
                if other != coalition.get("name", where):
                    problems.append(Problem(
                        origin, where, f"{city!r} already sues over {measure!r} in coalition "
                        f"{other!r}; a city sues in one coalition per measure", city))
    return problems


def _measures_against_states(data: dict) -> set[str]:
    """Names of the raw measures that target states (``measure.states``)."""
    measures = data.get("measure")
    return {m["name"] for m in measures if isinstance(m, dict) and isinstance(m.get("name"), str)
            and m.get("states")} if isinstance(measures, list) else set()


def _city_states(data: dict) -> list[tuple[str, str]]:
    """(name, state) of every raw ``[[city]]`` that states both."""
    cities = data.get("city")
    return [(c["name"], c["state"]) for c in cities if isinstance(c, dict)
            and isinstance(c.get("name"), str) and isinstance(c.get("state"), str)
            ] if isinstance(cities, list) else []


def _coalition_cities(coalition: dict, where: str) -> list[tuple[str, str]]:
    """(key path, city name) of every member and late member of a raw coalition table."""
    listed = []
    members = coalition.get("members")
    for j, ref in enumerate(members if isinstance(members, list) else []):
        if isinstance(ref, str):
            listed.append((f"{where}.members[{j}]", ref))
    late = coalition.get("late_members")
    for j, item in enumerate(late if isinstance(late, list) else []):
        if isinstance(item, dict) and isinstance(item.get("city"), str):
            listed.append((f"{where}.late_members[{j}].city", item["city"]))
    return listed


def _as_written(value: Any) -> Any:
    """A schema value as the file wrote it (a distribution as its table)."""
    return value.model_dump(by_alias=True) if isinstance(value, Frozen) else value


def _rule_reference_problems(data: dict, origin: str) -> list[Problem]:
    """Rules that watch a measure the file does not define."""
    measures = _names(data.get("measure"))
    problems = []
    strategies = data.get("strategy")
    for i, strategy in enumerate(strategies if isinstance(strategies, list) else []):
        rules = strategy.get("rule") if isinstance(strategy, dict) else None
        for j, rule in enumerate(rules if isinstance(rules, list) else []):
            ref = rule.get("measure") if isinstance(rule, dict) else None
            if isinstance(ref, str) and ref not in measures:
                problems.append(Problem(origin, f"strategy[{i}].rule[{j}].measure",
                                        "no [[measure]] has this name", ref))
    return problems


def _forbidden_switch_problems(scenario: Scenario, origin: str) -> list[Problem]:
    """Rules that would switch a city to a level its state law forbids."""
    problems = []
    for i, strategy in enumerate(scenario.strategy):
        adopters = strategy.cities or [c.name for c in scenario.city]
        for j, rule in enumerate(strategy.rule):
            for city in scenario.city:
                why = refusal(city.state_law, rule.switch_to)
                if city.name in adopters and why:
                    problems.append(Problem(
                        origin, f"strategy[{i}].rule[{j}].switch_to",
                        f"strategy {strategy.name!r} would switch {city.name} to "
                        f"{rule.switch_to!r}, which its state law forbids: {why} "
                        f"(state_law {city.state_law!r})", rule.switch_to))
    return problems


def _horizon_problems(scenario: Scenario, origin: str) -> list[Problem]:
    """A horizon outside 1900-2300 (Python's dates also stop at 9999)."""
    start = scenario.start
    last_year = start.year + (start.month - 2 + scenario.months) // 12
    if start.year < 1900 or start.year > 2300:
        message = "outside the years 1900-2300"
    elif last_year > 2300:
        message = (f"the horizon of {scenario.scenario.years} years runs to {last_year}, "
                   "past 2300")
    else:
        return []
    return [Problem(origin, "scenario.start", message, scenario.scenario.start)]


def _measure_date_problems(scenario: Scenario, origin: str) -> list[Problem]:
    """Measures taking effect after the horizon or rescinded before they start."""
    problems = []
    end = scenario.end
    for i, measure in enumerate(scenario.measure):
        first, _ = date_range(measure.effective)
        if first >= end:
            problems.append(Problem(origin, f"measure[{i}].effective",
                                    f"after the horizon, which ends {end - dt.timedelta(1)}",
                                    _as_written(measure.effective)))
        may_rescind = is_uncertain(measure.rescind_probability) or measure.rescind_probability > 0
        if may_rescind and measure.rescind_date is None:
            problems.append(Problem(origin, f"measure[{i}].rescind_date",
                                    "required when rescind_probability can be above zero",
                                    has_value=False))
        if measure.rescind_date is not None:
            first_effective, _ = date_range(measure.effective)
            _, last_rescind = date_range(measure.rescind_date)
            if last_rescind < first_effective:
                problems.append(Problem(origin, f"measure[{i}].rescind_date",
                                        f"before the measure takes effect ({first_effective})",
                                        _as_written(measure.rescind_date)))
    return problems


def semantic_problems(scenario: Scenario, origin: str) -> list[Problem]:
    """Checks that need the whole, validated scenario."""
    problems = _horizon_problems(scenario, origin)
    if not problems:
        problems.extend(_measure_date_problems(scenario, origin))
    table = scenario.strategy_table()
    chosen = scenario.scenario.strategies
    for j, name in enumerate(chosen or []):
        if name not in table:
            continue  # reported with the cross-references
        for city in table[name].forbidden_in(scenario.city):
            compliance = table[name].compliance
            problems.append(Problem(
                origin, f"scenario.strategies[{j}]",
                f"strategy {name!r} ({compliance}) is forbidden in {city.name}: "
                f"{refusal(city.state_law, compliance)} (state_law {city.state_law!r})", name))
    problems.extend(_forbidden_switch_problems(scenario, origin))
    problems.extend(threshold_problems(scenario.threshold, scenario, origin, "threshold"))
    for i, city in enumerate(scenario.city):
        why = refusal(city.state_law, city.current_policy)
        if why:
            problems.append(Problem(origin, f"city[{i}].current_policy",
                                    f"forbidden in {city.name}: {why} (state_law "
                                    f"{city.state_law!r})", city.current_policy))
        home = STATE_LAWS[city.state_law].state
        if home is not None and home != city.state:
            problems.append(Problem(origin, f"city[{i}].state_law",
                                    f"the law of {home}, but {city.name} is in {city.state}",
                                    city.state_law))
    if chosen == [] or (chosen is None and not scenario.strategies_to_run()):
        problems.append(Problem(origin, "scenario.strategies",
                                "no strategy to run", chosen, chosen is not None))
    return problems


def threshold_problems(thresholds: list[Threshold], scenario: Scenario, origin: str,
                       where: str = "threshold") -> list[Problem]:
    """Thresholds naming an outcome or a city the run does not have.

    ``where`` locates them: ``threshold`` for the file's ``[[threshold]]``
    tables (``threshold[0].metric``), or an option such as ``--threshold``.
    """
    if not thresholds:
        return []
    from sim.metrics import METRICS

    cities = [c.name for c in scenario.city]
    problems = []
    for i, threshold in enumerate(thresholds):
        def at(key: str, i: int = i) -> str:
            return f"{where}[{i}].{key}" if where == "threshold" else where

        if threshold.metric not in METRICS:
            close = difflib.get_close_matches(threshold.metric, list(METRICS), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(METRICS)}"
            problems.append(Problem(origin, at("metric"), f"unknown outcome; {hint}",
                                    threshold.metric))
        if threshold.city is not None and threshold.city not in cities:
            problems.append(Problem(origin, at("city"), "no [[city]] has this name (cities: "
                                    f"{', '.join(cities)})", threshold.city))
    return problems
