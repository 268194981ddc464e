"""The resolved sweep: parameters become factors, outputs become targets.

:func:`load` reads a sweep file and its base scenario and checks them
together: each ``[[parameter]]`` names a number of the scenario by key path
and becomes a :class:`Factor` (its range, kind and base value), each
``[[output]]`` a :class:`Target`; every problem is reported at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import ValidationError

from sim.analysis.discovery import discovery_problems
from sim.analysis.sweep.file import (
    DEFAULT_LEVELS,
    DEFAULT_SAMPLES,
    EDGE,
    MAX_POINTS,
    TAIL,
    Output,
    SweepFile,
    SweepInfo,
    SweptParameter,
)
from sim.errors import Problem, ScenarioError
from sim.metrics import ALL_CITIES, METRICS
from sim.results import (
    slug,
    unique_slugs,
)
from sim.scenario import BASELINE, Scenario, format_loc, parse_path, parse_toml, read_text
from sim.scenario.messages import plain_message
from sim.scenario.uncertain import DATE_DISTS, NUMBER_DISTS, Frozen, is_uncertain

Kind = Literal["number", "integer", "date"]


@dataclass(frozen=True)
class Factor:
    """A parameter resolved against the scenario: how a unit coordinate becomes a value.

    Values are numbers; dates are proleptic Gregorian ordinals (whole days).
    """

    path: str
    label: str
    kind: Kind
    base: float
    low: float | None = None
    high: float | None = None
    scale: str = "linear"
    values: tuple[float, ...] | None = None
    dist: Any = None
    """The scenario's distribution, when the parameter has no range of its own."""
    source: str | None = None
    money: bool = False
    """Whether the parameter is in US dollars (shown as $150M)."""

    def value(self, u: np.ndarray) -> np.ndarray:
        """Values at unit coordinates ``u`` in [0, 1]."""
        u = np.asarray(u, dtype=float)
        if self.values is not None:
            index = np.rint(u * (len(self.values) - 1)).astype(int)
            return np.asarray(self.values, dtype=float)[index]
        if self.dist is not None:
            return np.asarray(self.dist.ppf(np.clip(u, EDGE, 1 - EDGE)), dtype=float)
        assert self.low is not None and self.high is not None
        if self.kind != "number":
            whole = np.floor(self.low + u * (self.high - self.low + 1))
            return np.minimum(whole, self.high)
        if self.scale == "log":
            return np.exp(np.log(self.low) + u * (np.log(self.high) - np.log(self.low)))
        return self.low + u * (self.high - self.low)

    def grid(self, levels: int) -> np.ndarray:
        """Unit coordinates of a grid: the listed values, equal steps, or equal-probability bins."""
        if self.values is not None:
            return np.linspace(0, 1, len(self.values)) if len(self.values) > 1 else np.zeros(1)
        if self.dist is not None:
            return (np.arange(levels) + 0.5) / levels
        return np.linspace(0, 1, levels)

    @property
    def ends(self) -> tuple[float, float]:
        """Tornado ends of the factor.

        The range's ends, the first and last value, or the 5th and 95th
        percentiles of the scenario's distribution.
        """
        tail = TAIL if self.dist is not None else 0.0
        low, high = self.value(np.array([tail, 1 - tail]))
        return float(low), float(high)

    def scenario_value(self, x: float) -> float | int | dt.date:
        """The value as the scenario takes it."""
        if self.kind == "date":
            return dt.date.fromordinal(int(x))
        if self.kind == "integer":
            return int(x)
        return float(x)

    def show(self, x: float) -> str:
        """A value as people read it: 2027-10-02, 12, 0.175, 150M, 1.66B."""
        if self.kind == "date":
            return dt.date.fromordinal(int(x)).isoformat()
        if self.kind == "integer":
            return str(int(x))
        from sim.formats import compact

        return f"${compact(x)}" if self.money else compact(x)

    @property
    def range_text(self) -> str:
        """The range as the report shows it."""
        if self.values is not None:
            return ", ".join(self.show(v) for v in self.values)
        if self.dist is not None:
            low, high = self.ends
            return (f"the scenario's {self.dist.dist} distribution (5th to 95th percentile "
                    f"{self.show(low)} to {self.show(high)})")
        assert self.low is not None and self.high is not None
        log = " (log scale)" if self.scale == "log" else ""
        return f"{self.show(self.low)} to {self.show(self.high)}{log}"


@dataclass(frozen=True)
class Target:
    """One analysed output: a metric's statistic for a strategy and a city."""

    metric: str
    strategy: str
    city: str
    statistic: str = "mean"
    label: str = ""
    slug: str = ""
    """File-name form of :attr:`name`, unique within the sweep."""

    @property
    def name(self) -> str:
        """Stable identifier: ``metric.statistic[strategy, city]``."""
        return f"{self.metric}.{self.statistic}[{self.strategy}, {self.city}]"

    @property
    def title(self) -> str:
        """Label for figures."""
        return self.label or (f"{self.metric.replace('_', ' ')} ({self.statistic}) — "
                              f"{self.strategy}, {self.city}")

    @property
    def unit(self) -> str:
        """The metric's unit."""
        return METRICS[self.metric].unit


@dataclass(frozen=True)
class Sweep:
    """A validated sweep: the file, its base scenario, factors and targets."""

    file: SweepFile
    origin: str
    scenario: Scenario
    factors: tuple[Factor, ...]
    targets: tuple[Target, ...]
    seed: int
    strategies: tuple[str, ...]

    @property
    def info(self) -> SweepInfo:
        """The ``[sweep]`` table."""
        return self.file.sweep

    @property
    def design(self) -> str:
        """The design's name."""
        return self.info.design

    @property
    def samples(self) -> int:
        """Design size (see :attr:`SweepInfo.samples`)."""
        return self.info.samples or DEFAULT_SAMPLES.get(self.design, 0)

    @property
    def levels(self) -> int:
        """Grid or Morris levels (see :attr:`SweepInfo.levels`)."""
        return self.info.levels or DEFAULT_LEVELS.get(self.design, 0)

    @property
    def problem(self) -> dict[str, Any]:
        """SALib's problem: factors on the unit cube."""
        return {"num_vars": len(self.factors), "names": [f.path for f in self.factors],
                "bounds": [[0.0, 1.0]] * len(self.factors)}

    def total_points(self) -> int:
        """Points of the main design and the tornado block."""
        return self.design_points() + (2 * len(self.factors) + 1 if self.info.tornado else 0)

    def design_points(self) -> int:
        """Points of the main design, before the tornado block."""
        k, n = len(self.factors), self.samples
        if self.design == "grid":
            return int(np.prod([len(f.grid(self.levels)) for f in self.factors]))
        if self.design == "sobol":
            return n * (2 * k + 2 if self.info.second_order else k + 2)
        if self.design == "morris":
            return n * (k + 1)
        return n


def load(path: str | Path, overrides: dict[str, Any] | None = None) -> Sweep:
    """Read and validate a sweep file, or sweep a scenario file.

    ``overrides`` replace keys of ``[sweep]`` (``design``, ``samples``...)
    and the ``parameter``, ``output`` or ``discovery`` lists, as the command line does; for a
    scenario file they describe the whole sweep (``parameter`` is required).
    Raises :class:`~sim.errors.ScenarioError` listing every problem, each
    naming the file, the key path and the value.
    """
    path = Path(path)
    overrides = overrides or {}
    data = parse_toml(read_text(path), str(path))
    if "sweep" in data or "scenario" not in data:
        return validate_sweep(_overridden(data, overrides), str(path), path.parent)
    if not overrides.get("parameter"):
        raise ScenarioError([Problem(str(path), "", "a scenario, not a sweep file: name the "
                                     "parameters to vary with --param PATH=LOW..HIGH",
                                     has_value=False)])
    sweep = {"name": f"{data['scenario'].get('name', path.stem)} sweep"
             if isinstance(data["scenario"], dict) else path.stem, "scenario": path.name}
    return validate_sweep(_overridden({"sweep": sweep}, overrides), "command line", path.parent)


def parse_parameter(text: str) -> dict[str, Any]:
    """A ``[[parameter]]`` table from the command line's ``--param``.

    ``PATH`` (the scenario's distribution), ``PATH=LOW..HIGH`` (a range) or
    ``PATH=V1,V2,...`` (grid values); values are numbers or dates.

    >>> parse_parameter("city[Denver].budget.reserves=8e7..3.3e8")
    {'path': 'city[Denver].budget.reserves', 'low': 80000000.0, 'high': 330000000.0}
    """
    path, sep, spec = text.partition("=")
    if not sep:
        return {"path": text.strip()}
    try:
        if ".." in spec:
            low, high = spec.split("..")
            return {"path": path.strip(), "low": _scalar(low), "high": _scalar(high)}
        return {"path": path.strip(), "values": [_scalar(v) for v in spec.split(",")]}
    except ValueError:
        raise ScenarioError([Problem("command line", "--param", "expected PATH, "
                                     "PATH=LOW..HIGH or PATH=V1,V2,... with numbers or dates "
                                     "(YYYY-MM-DD)", text)]) from None


def _scalar(text: str) -> float | dt.date:
    text = text.strip()
    try:
        return float(text)
    except ValueError:
        return dt.date.fromisoformat(text)


def parse_output(text: str) -> dict[str, Any]:
    """An ``[[output]]`` table from the command line's ``--metric METRIC[@STRATEGY]``.

    >>> parse_output("gap_closing_burden@sanctuary")
    {'metric': 'gap_closing_burden', 'strategy': 'sanctuary'}
    """
    metric, _, strategy = text.partition("@")
    return {"metric": metric.strip(), **({"strategy": strategy.strip()} if strategy else {})}


def _overridden(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    info = dict(data.get("sweep") or {})
    for key, value in overrides.items():
        if key in ("parameter", "output", "discovery"):
            data[key] = value
        elif value is not None:
            info[key] = value
    data["sweep"] = info
    return data


def validate_sweep(data: dict[str, Any], origin: str = "<sweep>", base_dir: Path = Path("."),
                   scenario: Scenario | None = None) -> Sweep:
    """Validate parsed sweep data against its base scenario.

    The scenario is read from ``sweep.scenario``, relative to ``base_dir``,
    unless given.
    """
    try:
        file = SweepFile.model_validate(data)
    except ValidationError as error:
        raise ScenarioError([Problem(origin, format_loc(err["loc"]), plain_message(err, SweepFile),
                                     err.get("input"), err["type"] != "missing")
                             for err in error.errors()]) from None
    if scenario is None:
        from sim.scenario import load as load_scenario

        location = base_dir / file.sweep.scenario
        try:
            scenario = load_scenario(location)
        except ScenarioError:
            if not location.exists():
                raise ScenarioError([Problem(origin, "sweep.scenario", "no such scenario file",
                                             file.sweep.scenario)]) from None
            raise
    problems: list[Problem] = []
    strategies = _strategies(file, scenario, origin, problems)
    factors = [_factor(p, i, scenario, file.sweep, origin, problems)
               for i, p in enumerate(file.parameter)]
    problems.extend(_repeated_keys(file.parameter, scenario, origin))
    targets = _targets(file, scenario, strategies, origin, problems)
    problems.extend(_design_problems(file.sweep, origin))
    problems.extend(discovery_problems(file.discovery, scenario, strategies, origin))
    if problems:
        raise ScenarioError(problems)
    sweep = Sweep(file=file, origin=origin, scenario=scenario,
                  factors=tuple(f for f in factors if f is not None), targets=tuple(targets),
                  seed=scenario.scenario.seed if file.sweep.seed is None else file.sweep.seed,
                  strategies=strategies)
    if sweep.design_points() > MAX_POINTS:
        raise ScenarioError([Problem(origin, "sweep", f"the design has {sweep.design_points():,} "
                                     f"points, more than {MAX_POINTS:,}; use fewer parameters, "
                                     "levels or samples", has_value=False)])
    return sweep


def _strategies(file: SweepFile, scenario: Scenario, origin: str,
               problems: list[Problem]) -> tuple[str, ...]:
    if file.sweep.strategies is None:
        return tuple(s.name for s in scenario.strategies_to_run())
    known = scenario.strategy_table()
    for j, name in enumerate(file.sweep.strategies):
        if name not in known:
            problems.append(Problem(origin, f"sweep.strategies[{j}]", "no such strategy "
                                    f"(known: {', '.join(sorted(known))})", name))
    return tuple(file.sweep.strategies)


def _factor(parameter: SweptParameter, i: int, scenario: Scenario, info: SweepInfo, origin: str,
            problems: list[Problem]) -> Factor | None:
    where = f"parameter[{i}]"
    try:
        current = scenario.value_at(parameter.path)
    except KeyError as error:
        problems.append(Problem(origin, f"{where}.path", f"not a key of the scenario: "
                                f"{error.args[0]}", parameter.path))
        return None
    kind = _kind(current)
    if kind is None:
        problems.append(Problem(origin, f"{where}.path", "not a number or a date in the "
                                f"scenario (it holds {_describe(current)})", parameter.path))
        return None
    given = [(key, getattr(parameter, key)) for key in ("low", "high", "base")]
    given += [(f"values[{j}]", v) for j, v in enumerate(parameter.values or [])]
    found = _range_problems(parameter, given, kind, current, info, origin, where)
    if not found:  # the values are checked against the scenario only when they make sense
        for key, value in given:
            if value is not None:
                found.extend(_value_problems(scenario, parameter.path, value, origin,
                                             f"{where}.{key}"))
    if found:
        problems.extend(found)
        return None
    factor = Factor(
        path=parameter.path, label=parameter.label or readable_path(parameter.path), kind=kind,
        base=0.0, low=_number(parameter.low), high=_number(parameter.high),
        scale=parameter.scale,
        values=None if parameter.values is None else tuple(_number(v) for v in parameter.values),
        dist=current if parameter.low is None and parameter.values is None else None,
        source=parameter.source, money=scenario.is_money(parameter.path))
    return replace(factor, base=_base(parameter, current, factor))


def _range_problems(parameter: SweptParameter, given: list[tuple[str, Any]], kind: Kind,
                    current: Any, info: SweepInfo, origin: str, where: str) -> list[Problem]:
    """A parameter's range or values that cannot vary the number it names.

    Dates for a number (or numbers for a date), ``values`` outside a grid
    design, and no range at all for a number the scenario fixes.
    """
    problems = []
    for key, value in given:
        if value is not None and isinstance(value, dt.date) != (kind == "date"):
            problems.append(Problem(origin, f"{where}.{key}", f"{parameter.path} holds "
                                    f"{'dates' if kind == 'date' else 'numbers'}", value))
    if parameter.values is not None and info.design != "grid":
        problems.append(Problem(origin, f"{where}.values", "values need design = \"grid\"; "
                                f"give low and high for a {info.design} design",
                                parameter.values))
    if parameter.low is None and parameter.values is None and not is_uncertain(current):
        problems.append(Problem(origin, where, f"{parameter.path} is fixed in the scenario "
                                f"({_describe(current)}); give low and high, or values",
                                has_value=False))
    return problems


def readable_path(path: str) -> str:
    """A key path as a label people read, for parameters the sweep file does not label.

    >>> readable_path("city[Denver].budget.reserves")
    'Denver: budget reserves'
    >>> readable_path("measure[No Bailout for Sanctuary Cities Act].withhold_share")
    'No Bailout for Sanctuary Cities Act: withhold share'
    >>> readable_path("scenario.discount_rate")
    'discount rate'
    """
    parts = parse_path(path)
    named = [i for i, (_, selector) in enumerate(parts) if selector is not None]
    owners = ", ".join(str(parts[i][1]) for i in named)
    keys = [key for key, _ in parts[(named[-1] + 1 if named else 1):]] or [parts[-1][0]]
    words = " ".join(keys).replace("_", " ")
    return f"{owners}: {words}" if owners else words


def _repeated_keys(parameters: Sequence[SweptParameter], scenario: Scenario,
                   origin: str) -> list[Problem]:
    """Parameters that name one key twice (``city[0]...`` and ``city[Springfield]...``).

    Each point sets every parameter; of two spellings of one key only the last
    would take effect, while the design and the indices would credit both.
    A key inside another swept key (a distribution's bound) is refused alike.
    """
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, parameter in enumerate(parameters):
        try:
            key = scenario.canonical_path(parameter.path)
        except KeyError:
            continue  # _factor names the path
        for other, j in seen.items():
            if key == other:
                problems.append(Problem(origin, f"parameter[{i}].path", f"the same key as "
                                        f"parameter[{j}] ({other}); sweep each key once",
                                        parameter.path))
            elif key.startswith((f"{other}.", f"{other}[")) or other.startswith(
                    (f"{key}.", f"{key}[")):
                problems.append(Problem(origin, f"parameter[{i}].path", f"overlaps "
                                        f"parameter[{j}] ({other}); sweep each key once",
                                        parameter.path))
        seen.setdefault(key, i)
    return problems


def _kind(value: Any) -> Kind | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float) or isinstance(value, NUMBER_DISTS):
        return "number"
    if isinstance(value, dt.date) or isinstance(value, DATE_DISTS):
        return "date"
    return None


def _describe(value: Any) -> str:
    if isinstance(value, Frozen):
        return f"a {type(value).__name__} table"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _number(value: float | dt.date | None) -> float | None:
    if value is None:
        return None
    return float(value.toordinal()) if isinstance(value, dt.date) else float(value)


def _value_problems(scenario: Scenario, path: str, value: Any, origin: str,
                    where: str) -> list[Problem]:
    """Whether the scenario accepts this value at ``path``; its complaints, relocated."""
    try:
        scenario.with_values({path: value})
    except ScenarioError as error:
        return [Problem(origin, where, "the scenario rejects it: " + (
                    p.message if p.path == path else f"{p.path}: {p.message}"), value)
                for p in error.problems]
    return []


def _base(parameter: SweptParameter, current: Any, factor: Factor) -> float:
    """Base-case value of a factor.

    The explicit base, else the scenario's value, else its distribution's
    median (the range's middle if the median falls outside the range).
    """
    if parameter.base is not None:
        return float(_number(parameter.base))  # type: ignore[arg-type]
    if not is_uncertain(current):
        return float(_number(current))  # type: ignore[arg-type]
    median = float(np.asarray(current.ppf(np.array([0.5])))[0])
    swept = factor.value(np.array([0.0, 1.0]))
    if swept.min() <= median <= swept.max():
        return median
    return float(factor.value(np.array([0.5]))[0])


def _targets(file: SweepFile, scenario: Scenario, strategies: tuple[str, ...], origin: str,
             problems: list[Problem]) -> list[Target]:
    cities = [c.name for c in scenario.city]
    default_city = cities[0] if len(cities) == 1 else ALL_CITIES
    allowed_cities = cities + ([ALL_CITIES] if len(cities) > 1 else [])
    outputs = file.output or [Output(metric="net_fiscal_impact")]
    reported = set(scenario.reported_metrics())
    targets: list[Target] = []
    for i, output in enumerate(outputs):
        where = f"output[{i}]"
        if output.metric not in METRICS:
            problems.append(Problem(origin, f"{where}.metric", "unknown metric (known: "
                                    f"{', '.join(METRICS)})", output.metric))
        elif output.metric not in reported:
            # Its rows would not exist: every point's value would be NaN.
            problems.append(Problem(origin, f"{where}.metric", "this scenario does not report "
                                    f"it: it is reported only when "
                                    f"{METRICS[output.metric].only_when}", output.metric))
        if output.strategy is not None and output.strategy not in (BASELINE, *strategies):
            problems.append(Problem(origin, f"{where}.strategy", "not simulated (simulated: "
                                    f"{', '.join((BASELINE, *strategies))})", output.strategy))
        if output.city is not None and output.city not in allowed_cities:
            problems.append(Problem(origin, f"{where}.city", "no such city (known: "
                                    f"{', '.join(allowed_cities)})", output.city))
        chosen = [output.strategy] if output.strategy else list(strategies)
        for strategy in chosen:
            target = Target(output.metric, strategy, output.city or default_city,
                            output.statistic, output.label or "")
            if target.name not in {t.name for t in targets}:
                targets.append(target)
    return _with_slugs(targets)


def _with_slugs(targets: list[Target]) -> list[Target]:
    slugs = unique_slugs(slug(f"{t.metric} {t.statistic} {t.strategy} {t.city}")
                         for t in targets)
    return [replace(target, slug=text) for target, text in zip(targets, slugs, strict=True)]


def _design_problems(info: SweepInfo, origin: str) -> list[Problem]:
    problems = []
    n = info.samples
    if n is not None and info.design in ("sobol", "qmc") and n & (n - 1):
        problems.append(Problem(origin, "sweep.samples", f"a {info.design} design needs a "
                                "power of 2 (its balance properties depend on it)", n))
    if n is not None and info.design == "lhs" and n < 2:
        problems.append(Problem(origin, "sweep.samples", "an lhs design needs at least 2", n))
    if info.levels is not None and info.design == "morris" and info.levels % 2:
        problems.append(Problem(origin, "sweep.levels", "a morris design needs an even number "
                                "of levels", info.levels))
    if info.second_order and info.design != "sobol":
        problems.append(Problem(origin, "sweep.second_order", "only a sobol design estimates "
                                "second-order indices", True))
    return problems
