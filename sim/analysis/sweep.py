"""Parameter sweeps and global sensitivity: which assumptions drive the answer.

A sweep varies some of a scenario's numbers, named by key path as
:meth:`~sim.scenario.Scenario.with_values` takes them
(``city[Denver].budget.reserves``), over ranges or over the scenario's own
distributions, following a design:

* ``grid``: every combination of a few levels per parameter;
* ``lhs`` and ``qmc``: a Latin hypercube or scrambled Sobol points
  (:mod:`scipy.stats.qmc`);
* ``sobol``: Saltelli's scheme (SALib) for first-order and total Sobol indices;
* ``morris``: Morris trajectories (SALib) for elementary effects (mu*, sigma).

Each design point is the base scenario with the point's values, simulated with
the sweep's replications and seed.  Every point sees the same random draws
(common random numbers, :mod:`sim.model.streams`), so differences between points
come from the parameters alone.  A one-at-a-time block around the base case
(both ends of each parameter's range, the others at their base values) feeds
the tornado chart.

Points are independent tasks (:class:`PointWork`) run on the same executors
as ``fundsim run`` (:mod:`sim.engine.executors`: this process, local processes or a
Dask cluster), one point per task.  Each
finished point is written to its own file atomically, so an interrupted sweep
restarted on the same folder skips the points already done; every point file
carries a key (a hash of the point's scenario, seed, replications and
strategies) that must match before it is reused.

The sweep file (TOML)::

    [sweep]
    name = "Denver sensitivity"
    scenario = "../denver-no-bailout.toml"   # relative to this file
    design = "sobol"
    samples = 256
    replications = 50

    [[parameter]]
    path = "city[Denver].budget.reserves"
    low = 8.3e7
    high = 3.32e8
    source = "assumption: 5% to 20% of expenditure"

    [[parameter]]                            # no range: the scenario's distribution
    path = "measure[No Bailout for Sanctuary Cities Act].probability"

    [[output]]
    metric = "net_fiscal_impact"
    strategy = "sanctuary"

    [[discovery]]                            # where does the outcome happen? (PRIM)
    metric = "floor_breached"
    strategy = "sanctuary"
    above = 0.5
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import os
import re
import secrets
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, field_validator, model_validator

from sim.analysis.discovery import Discovery, Finding, discovery_problems
from sim.engine.executors import usable_cores, worker_count
from sim.engine.limits import check_points
from sim.engine.runner import cluster_threads, point_size
from sim.engine.store import owned_prefix
from sim.errors import (
    FundsimWarning,
    Interrupted,
    OutputError,
    Problem,
    ScenarioError,
    UsageError,
)
from sim.metrics import ALL_CITIES, METRICS
from sim.model.streams import design_generator
from sim.results import (
    VERSION,
    check_place,
    prove,
    read_json,
    remove_leftovers,
    scenario_digest,
    slug,
    summarise_outcomes,
    write_file,
    write_manifest,
)
from sim.results.folders import kind_of, reason
from sim.results.presenter import presenter
from sim.scenario import (
    BASELINE,
    MAX_NAME,
    Scenario,
    format_loc,
    parse_path,
    parse_toml,
    read_text,
    validate,
)
from sim.scenario.messages import plain_message
from sim.scenario.schema_docs import file_markdown
from sim.scenario.uncertain import DATE_DISTS, NUMBER_DISTS, Frozen, is_uncertain

Design = Literal["grid", "lhs", "qmc", "sobol", "morris"]
Statistic = Literal["mean", "p05", "p50", "p95"]

DEFAULT_SAMPLES = {"lhs": 64, "qmc": 64, "sobol": 64, "morris": 10}
DEFAULT_LEVELS = {"grid": 5, "morris": 4}
MAX_PARAMETERS = 40
MAX_POINTS = 1_000_000
TAIL = 0.05
"""Tornado ends of a parameter drawn from the scenario's distribution: its 5th
and 95th percentiles (a range's ends are used as they are)."""
EDGE = 1e-4
"""Unit coordinates are kept this far from 0 and 1 for distributions, whose
extreme quantiles may be infinite."""
MIN_RBD_SAMPLES = 64
"""Fewest points of an lhs or qmc design for RBD-FAST indices (10 harmonics)."""


# --------------------------------------------------------------------------
# The sweep file


class SweepInfo(Frozen):
    """The ``[sweep]`` table: which scenario, which design, how many runs."""

    name: str = Field(min_length=1, max_length=MAX_NAME)
    """Short name, used in the report and in the result folder's name."""
    description: str = Field(default="", max_length=10_000)
    """What the sweep asks, for the report."""
    scenario: str = Field(min_length=1, max_length=4_000)
    """Base scenario file, relative to the sweep file."""
    design: Design = "sobol"
    """``grid``: every combination of levels; ``lhs``: Latin hypercube;
    ``qmc``: scrambled Sobol points; ``sobol``: Saltelli's design for Sobol
    indices; ``morris``: Morris trajectories for elementary effects."""
    samples: int | None = Field(default=None, ge=1, le=MAX_POINTS)
    """Design size: points of an ``lhs`` design, or of a ``qmc`` design (a
    power of 2); base samples N of a ``sobol`` design (a power of 2; N(k+2)
    points for k parameters, N(2k+2) with second order); trajectories of a
    ``morris`` design (r(k+1) points).  Default 64, 10 for ``morris``; unused
    by ``grid``."""
    levels: int | None = Field(default=None, ge=2, le=1_000)
    """``grid``: values per parameter given by a range (default 5);
    ``morris``: levels of the trajectories' grid (even, default 4)."""
    second_order: bool = False
    """``sobol`` only: also estimate second-order indices (about twice the
    points)."""
    replications: int = Field(default=100, ge=1, le=10_000_000)
    """Replications per design point, each strategy and the baseline."""
    seed: int | None = Field(default=None, ge=0, le=2**63 - 1)
    """Root seed of every point's random streams and of the design; default:
    the scenario's."""
    strategies: list[str] | None = None
    """Strategies to simulate at each point; default: the scenario's."""
    tornado: bool = True
    """Add the one-at-a-time points (2k+1) of the tornado chart."""


class SweptParameter(Frozen):
    """``[[parameter]]``: one scenario number to vary.

    Give ``low`` and ``high`` (uniform over the range), or ``values`` (grid
    only), or neither to draw it from the scenario's own distribution.
    """

    path: str = Field(min_length=1, max_length=1_000)
    """Key path in the scenario, e.g. ``"city[Denver].budget.reserves"`` or
    ``"measure[No Bailout for Sanctuary Cities Act].probability"``; each key once
    (``city[0]`` and ``city[Denver]`` may name the same city)."""
    label: str | None = Field(default=None, max_length=MAX_NAME)
    """Short name for figures and tables; default: the path."""
    low: float | dt.date | None = None
    """Lower end of the range (a date for date keys)."""
    high: float | dt.date | None = None
    """Upper end of the range (a date for date keys)."""
    scale: Literal["linear", "log"] = "linear"
    """``log``: uniform in the logarithm (ranges spanning orders of magnitude)."""
    values: list[float] | list[dt.date] | None = Field(default=None, min_length=1,
                                                       max_length=1_000)
    """Explicit levels for a ``grid`` design."""
    base: float | dt.date | None = None
    """Base-case value for the tornado chart; default: the scenario's value,
    or the median of its distribution."""
    source: str | None = Field(default=None, max_length=2_000)
    """Why this range: a citation, or ``"assumption: ..."``."""

    @model_validator(mode="after")
    def _range_is_whole(self) -> SweptParameter:
        if (self.low is None) != (self.high is None):
            raise ValueError("give both low and high, or neither")
        if self.low is not None and self.values is not None:
            raise ValueError("give either low and high or values, not both")
        if self.low is not None and type(self.low) is not type(self.high):
            raise ValueError("low and high must both be numbers or both be dates")
        if self.low is not None and not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.scale == "log" and not (isinstance(self.low, float) and self.low > 0):
            raise ValueError("scale = \"log\" needs a numeric range with low > 0")
        return self


class Output(Frozen):
    """``[[output]]``: one quantity whose sensitivity is analysed."""

    metric: str = Field(min_length=1, max_length=MAX_NAME)
    """Per-replication outcome (``fundsim`` metrics, e.g. ``net_fiscal_impact``)."""
    strategy: str | None = None
    """Strategy (or ``baseline``); default: one output per strategy compared."""
    city: str | None = None
    """City, or ``"all cities"``; default: the only city, else all cities."""
    statistic: Statistic = "mean"
    """Statistic over a point's replications: ``mean``, ``p05``, ``p50`` or ``p95``."""
    label: str | None = Field(default=None, max_length=MAX_NAME)
    """Title for figures; default: built from metric, strategy and city."""


class SweepFile(Frozen):
    """A whole sweep file."""

    sweep: SweepInfo
    """Which scenario, which design, how many runs."""
    parameter: list[SweptParameter] = Field(min_length=1, max_length=MAX_PARAMETERS)
    """Parameters to vary (``[[parameter]]`` tables)."""
    output: list[Output] = Field(default_factory=list, max_length=100)
    """Outputs to analyse (``[[output]]`` tables); default: the net fiscal
    impact of each strategy."""
    discovery: list[Discovery] = Field(default_factory=list, max_length=20)
    """Outcomes whose region of the parameter space PRIM should find
    (``[[discovery]]`` tables, scenario discovery); default: none."""

    @field_validator("parameter")
    @classmethod
    def _distinct(cls, value: list[SweptParameter]) -> list[SweptParameter]:
        repeated = sorted({p.path for p in value if sum(q.path == p.path for q in value) > 1})
        if repeated:
            raise ValueError(f"parameter repeated: {', '.join(repeated)}")
        return value


SWEEP_HEADER = """\
# Sweep file reference

Every key of a sweep file (`fundsim sweep`), generated from the schema by
`fundsim schema --sweep --markdown` (do not edit by hand: a test checks that
this file matches the code).  A sweep varies numbers of a base scenario, named
by key path as in `Scenario.with_values` (`city[Denver].budget.reserves`,
`measure[No Bailout for Sanctuary Cities Act].probability`), following a
design, and ranks them by their effect on chosen outputs; `[[discovery]]`
tables ask where in that space an outcome happens (PRIM scenario discovery).
See the README's "Sweeps and sensitivity" and `scenarios/sweeps/` for examples.
"""


def reference_markdown() -> str:
    """The sweep-file reference as one Markdown document (``docs/sweep-reference.md``)."""
    return file_markdown(SweepFile, SWEEP_HEADER)


# --------------------------------------------------------------------------
# The resolved sweep: parameters become factors, outputs become targets


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
    before = len(problems)
    given = [(key, getattr(parameter, key)) for key in ("low", "high", "base")]
    given += [(f"values[{j}]", v) for j, v in enumerate(parameter.values or [])]
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
    if len(problems) > before:
        return None
    for key, value in given:
        if value is not None:
            problems.extend(_value_problems(scenario, parameter.path, value, origin,
                                            f"{where}.{key}"))
    if len(problems) > before:
        return None
    factor = Factor(
        path=parameter.path, label=parameter.label or readable_path(parameter.path), kind=kind,
        base=0.0, low=_number(parameter.low), high=_number(parameter.high),
        scale=parameter.scale,
        values=None if parameter.values is None else tuple(_number(v) for v in parameter.values),
        dist=current if parameter.low is None and parameter.values is None else None,
        source=parameter.source, money=scenario.is_money(parameter.path))
    return replace(factor, base=_base(parameter, current, factor))


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
    targets: list[Target] = []
    for i, output in enumerate(outputs):
        where = f"output[{i}]"
        if output.metric not in METRICS:
            problems.append(Problem(origin, f"{where}.metric", "unknown metric (known: "
                                    f"{', '.join(METRICS)})", output.metric))
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
    taken: set[str] = set()
    named = []
    for target in targets:
        base = slug(f"{target.metric} {target.statistic} {target.strategy} {target.city}")
        text, n = base, 1
        while text in taken:
            n += 1
            text = f"{base}-{n}"
        taken.add(text)
        named.append(replace(target, slug=text))
    return named


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


# --------------------------------------------------------------------------
# Designs


@dataclass(frozen=True)
class DesignTable:
    """Every point of a sweep: unit coordinates, values, and which block it belongs to.

    ``table`` has columns ``point``, ``block`` (``design`` or ``tornado``),
    ``varied`` (the factor a tornado point moves, else empty), ``end``
    (``base``, ``low`` or ``high`` for tornado points) and one column per
    factor, named by its path, holding the values (dates as dates).
    """

    table: pd.DataFrame
    unit: np.ndarray
    """(points, factors) unit coordinates of the main design (tornado points: NaN)."""
    values: np.ndarray
    """(points, factors) numeric values (dates as ordinals)."""

    @property
    def main(self) -> np.ndarray:
        """Whether each point belongs to the main design."""
        return (self.table["block"] == "design").to_numpy()


def build_design(sweep: Sweep) -> DesignTable:
    """The sweep's points: the main design, then the tornado block."""
    unit = unit_design(sweep)
    values = np.column_stack([f.value(unit[:, j]) for j, f in enumerate(sweep.factors)])
    rows = [("design", "", "")] * len(unit)
    if sweep.info.tornado:
        oat, labels = _one_at_a_time(sweep.factors)
        values = np.vstack([values, oat])
        unit = np.vstack([unit, np.full(oat.shape, np.nan)])
        rows += labels
    table = pd.DataFrame(rows, columns=["block", "varied", "end"])
    table.insert(0, "point", np.arange(len(table)))
    for j, factor in enumerate(sweep.factors):
        table[factor.path] = _column(factor, values[:, j])
    return DesignTable(table=table, unit=unit, values=values)


def unit_design(sweep: Sweep) -> np.ndarray:
    """The main design on the unit cube, (points, factors)."""
    k, n = len(sweep.factors), sweep.samples
    rng = design_generator(sweep.seed, f"design {sweep.design}")
    if sweep.design == "grid":
        axes = [f.grid(sweep.levels) for f in sweep.factors]
        return np.array(list(itertools.product(*axes)), dtype=float).reshape(-1, k)
    if sweep.design == "lhs":
        from scipy.stats import qmc

        return qmc.LatinHypercube(d=k, rng=rng).random(n)
    if sweep.design == "qmc":
        from scipy.stats import qmc

        return qmc.Sobol(d=k, scramble=True, rng=rng).random(n)
    if sweep.design == "sobol":
        from SALib.sample import sobol

        return sobol.sample(sweep.problem, n, calc_second_order=sweep.info.second_order,
                            scramble=True, seed=rng)
    from SALib.sample import morris

    return morris.sample(sweep.problem, n, num_levels=sweep.levels, seed=rng)


def _one_at_a_time(factors: Sequence[Factor]) -> tuple[np.ndarray, list[tuple[str, str, str]]]:
    base = np.array([f.base for f in factors])
    rows, labels = [base], [("tornado", "", "base")]
    for j, factor in enumerate(factors):
        for end, value in zip(("low", "high"), factor.ends, strict=True):
            row = base.copy()
            row[j] = value
            rows.append(row)
            labels.append(("tornado", factor.path, end))
    return np.array(rows), labels


def _column(factor: Factor, values: np.ndarray) -> Any:
    if factor.kind == "date":
        return pd.to_datetime([dt.date.fromordinal(int(v)) for v in values])
    if factor.kind == "integer":
        return values.astype(np.int64)
    return values


# --------------------------------------------------------------------------
# Points: one task each, run on any executor


@dataclass(frozen=True)
class PointTask:
    """One design point, its scenario validated, and the key its results are stored under."""

    point: int
    key: str
    """Hash of what determines the point's results (see :func:`point_key`)."""
    scenario: Scenario


def run_point(scenario: Scenario, replications: int, seed: int,
              strategies: Sequence[str]) -> pd.DataFrame:
    """Simulate one design point's scenario in this process; its summary.

    The rows are those ``summary.csv`` of ``fundsim run`` would hold.
    """
    from sim.engine.runner import simulate

    # Checked against the caps with every other point, before the sweep began.
    simulation = simulate(scenario, replications=replications, seed=seed,
                          strategies=list(strategies), workers=1, keep=0, max_memory=0,
                          max_seconds=0)
    return summarise_outcomes(simulation.outcomes, simulation.plan.strategies,
                              simulation.plan.cities)


@dataclass(frozen=True)
class PointWork:
    """What any worker needs to simulate any point of a sweep; small and picklable.

    Called with ``(first, last)`` it simulates points ``first`` to
    ``last - 1``, the task signature of :mod:`sim.engine.executors`, so sweeps run on
    the same executors (this process, local processes, Dask) as ``run``.
    """

    scenario: Scenario
    """The base scenario; each point replaces the factors' values."""
    factors: tuple[Factor, ...]
    values: np.ndarray
    """(points, factors) numeric values (dates as ordinals)."""
    replications: int
    seed: int
    strategies: tuple[str, ...]

    def scenario_at(self, point: int) -> Scenario:
        """The scenario of one point (validated)."""
        return self.scenario.with_values(
            {f.path: f.scenario_value(x) for f, x in zip(self.factors, self.values[point],
                                                         strict=True)},
            origin=f"point {point}")

    def __call__(self, first: int, last: int) -> list[pd.DataFrame]:
        """Summaries of points ``first`` to ``last - 1``, each with its ``point`` column."""
        frames = []
        for point in range(first, last):
            frame = run_point(self.scenario_at(point), self.replications, self.seed,
                              self.strategies)
            frame.insert(0, "point", point)
            frames.append(frame)
        return frames


def point_key(scenario: Scenario, replications: int, seed: int,
              strategies: Sequence[str]) -> str:
    """SHA-256 of everything that determines a point's results."""
    text = json.dumps({"fundsim": VERSION, "scenario": scenario_digest(scenario),
                       "replications": replications, "seed": seed,
                       "strategies": list(strategies)}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def point_work(sweep: Sweep, design: DesignTable) -> PointWork:
    """The work of a sweep's points."""
    return PointWork(scenario=sweep.scenario, factors=sweep.factors, values=design.values,
                     replications=sweep.info.replications, seed=sweep.seed,
                     strategies=sweep.strategies)


def point_tasks(sweep: Sweep, design: DesignTable) -> list[PointTask]:
    """One task per point, each scenario validated; every invalid point is reported."""
    work = point_work(sweep, design)
    tasks, problems = [], []
    for point in range(len(design.values)):
        try:
            scenario = work.scenario_at(point)
        except ScenarioError as error:
            shown = ", ".join(f"{f.label} = {f.show(x)}"
                              for f, x in zip(sweep.factors, design.values[point], strict=True))
            problems.extend(Problem(sweep.origin, "parameter", f"point {point} ({shown}) makes "
                                    f"an invalid scenario: {p.path}: {p.message}", p.value)
                            for p in error.problems)
            continue
        key = point_key(scenario, sweep.info.replications, sweep.seed, sweep.strategies)
        tasks.append(PointTask(point, key, scenario))
    if problems:
        raise ScenarioError(problems[:20])
    return tasks


def run_points(work: PointWork, points: Sequence[int],
               done: Callable[[int, pd.DataFrame], None], *, workers: int = 1,
               scheduler: Any = None) -> None:
    """Simulate the given points, one per task; ``done(point, summary)`` as each finishes.

    Points finish in any order.  ``scheduler``: a Dask scheduler address or
    client; otherwise ``workers`` local processes, or this process when
    ``workers`` is 1.  Ctrl-C stops the workers and raises
    :class:`~sim.errors.Interrupted`.
    """
    from sim.engine.executors import run_here, run_in_processes, run_on_dask

    bounds = [(p, p + 1) for p in points]
    if not bounds:
        return
    if scheduler is not None:
        finished = run_on_dask(work, bounds, scheduler)
    elif workers == 1 or len(bounds) == 1:
        finished = run_here(work, bounds)
    else:
        finished = run_in_processes(work, bounds, min(workers, len(bounds)))
    try:
        for index, frames in finished:
            for frame in frames:
                done(bounds[index][0], frame)
    except BaseException:
        finished.close()  # stops the workers
        raise


class PointStore:
    """``points/NNNNN.parquet``: one file per finished point, each carrying its key."""

    KEY = b"fundsim.point_key"

    def __init__(self, folder: Path, points: int):
        self.folder = folder / "points"
        self.width = max(5, len(str(points - 1)))

    def path(self, point: int) -> Path:
        """File of one point."""
        return self.folder / f"{point:0{self.width}d}.parquet"

    def has(self, task: PointTask) -> bool:
        """Whether the point is stored with the same key (a damaged file does not count)."""
        import pyarrow.parquet as pq

        try:
            metadata = pq.read_schema(self.path(task.point)).metadata or {}
        except (OSError, ValueError):
            return False
        return metadata.get(self.KEY) == task.key.encode()

    def write(self, task: PointTask, frame: pd.DataFrame) -> None:
        """Write one point atomically (temporary file, then rename)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               self.KEY: task.key.encode()})
        write_file(self.path(task.point), lambda temporary: pq.write_table(table, temporary))

    def read(self, points: int) -> pd.DataFrame:
        """Every point's rows, in point order."""
        frames = [pd.read_parquet(self.path(p)) for p in range(points)]
        return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------
# Sensitivity


def responses(sweep: Sweep, metrics: pd.DataFrame, points: int) -> pd.DataFrame:
    """One row per point, one column per target (named by :attr:`Target.name`)."""
    out = pd.DataFrame({"point": np.arange(points)})
    for target in sweep.targets:
        mine = metrics[(metrics["strategy"] == target.strategy) & (metrics["city"] == target.city)
                       & (metrics["metric"] == target.metric)]
        series = mine.set_index("point")[target.statistic]
        out[target.name] = series.reindex(out["point"]).to_numpy(dtype=float)
    return out


SOBOL_COLUMNS = ["S1", "S1_conf", "ST", "ST_conf"]
MORRIS_COLUMNS = ["mu", "mu_star", "mu_star_conf", "sigma"]


def method_of(design: str, samples: int) -> str:
    """The index method a design supports.

    ``sobol``, ``morris``, ``rbd_fast`` (Latin hypercube or QMC points),
    ``anova`` (exact for a full grid) or ``none`` (too few points).
    """
    if design in ("sobol", "morris"):
        return design
    if design == "grid":
        return "anova"
    return "rbd_fast" if samples >= MIN_RBD_SAMPLES else "none"


def sensitivity(sweep: Sweep, design: DesignTable,
                table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Indices per target and factor, and second-order Sobol indices (if asked for).

    Columns of the first: ``target, metric, strategy, city, statistic, method,
    parameter, label, rank`` and the method's indices (``S1, S1_conf, ST,
    ST_conf`` for Sobol; ``mu, mu_star, mu_star_conf, sigma`` for Morris;
    ``S1, S1_conf`` for RBD-FAST; ``S1, ST`` for a grid).  Confidence
    intervals are 95% bootstrap half-widths.  Rank 1 is the most influential
    factor.  An output that does not vary gets no indices (NaN).
    """
    method = method_of(sweep.design, sweep.samples)
    main = design.main
    frames, second = [], []
    for target in sweep.targets:
        y = table[target.name].to_numpy()[main]
        if method == "none":
            continue
        indices, pairs = _indices(sweep, method, design.unit[main], design.values[main], y,
                                  design_generator(sweep.seed, f"bootstrap {target.name}"))
        frame = pd.DataFrame(indices)
        frame.insert(0, "label", [f.label for f in sweep.factors])
        frame.insert(0, "parameter", [f.path for f in sweep.factors])
        frame.insert(0, "method", method)
        for key in ("statistic", "city", "strategy", "metric"):
            frame.insert(0, key, getattr(target, key))
        frame.insert(0, "target", target.name)
        order = {"sobol": "ST", "anova": "ST", "morris": "mu_star", "rbd_fast": "S1"}[method]
        frame.insert(frame.columns.get_loc("label") + 1, "rank",
                     frame[order].rank(ascending=False, method="first").astype("Int64"))
        frames.append(frame)
        if pairs is not None:
            second.append(pairs.assign(target=target.name))
    return (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(),
            pd.concat(second, ignore_index=True) if second else pd.DataFrame())


def _indices(sweep: Sweep, method: str, unit: np.ndarray, values: np.ndarray, y: np.ndarray,
             rng: np.random.Generator) -> tuple[dict[str, np.ndarray], pd.DataFrame | None]:
    k = len(sweep.factors)
    columns = {"sobol": SOBOL_COLUMNS, "morris": MORRIS_COLUMNS,
               "rbd_fast": ["S1", "S1_conf"], "anova": ["S1", "ST"]}[method]
    if not np.all(np.isfinite(y)) or np.ptp(y) == 0:
        return {c: np.full(k, np.nan) for c in columns}, None
    if method == "anova":
        return _grid_anova(values, y), None
    if method == "sobol":
        from SALib.analyze import sobol

        found = sobol.analyze(sweep.problem, y, calc_second_order=sweep.info.second_order,
                              seed=rng)
        pairs = _second_order(sweep, found) if sweep.info.second_order else None
        return {c: np.asarray(found[c], dtype=float) for c in columns}, pairs
    if method == "morris":
        from SALib.analyze import morris

        found = morris.analyze(sweep.problem, unit, y, num_levels=sweep.levels, seed=rng)
        return {c: np.ma.filled(np.ma.asarray(found[c], dtype=float), np.nan)
                for c in columns}, None
    from SALib.analyze import rbd_fast

    found = rbd_fast.analyze(sweep.problem, unit, y, seed=rng)
    return {c: np.asarray(found[c], dtype=float) for c in columns}, None


def _grid_anova(values: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """First-order and total indices of a full factorial, exactly (equal weights)."""
    frame = pd.DataFrame(values).assign(y=y)
    total_variance = y.var()
    k = values.shape[1]
    first, total = np.empty(k), np.empty(k)
    for j in range(k):
        first[j] = frame.groupby(j)["y"].mean().var(ddof=0) / total_variance
        others = [i for i in range(k) if i != j]
        within = frame.groupby(others)["y"].var(ddof=0).mean() if others else total_variance
        total[j] = within / total_variance
    return {"S1": first, "ST": total}


def _second_order(sweep: Sweep, found: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for i, j in itertools.combinations(range(len(sweep.factors)), 2):
        rows.append((sweep.factors[i].path, sweep.factors[j].path,
                     float(found["S2"][i, j]), float(found["S2_conf"][i, j])))
    return pd.DataFrame(rows, columns=["parameter_1", "parameter_2", "S2", "S2_conf"])


def tornado_table(sweep: Sweep, design: DesignTable, table: pd.DataFrame) -> pd.DataFrame:
    """One-at-a-time swings around the base case, per target and factor.

    Columns: ``target, parameter, label, low, high`` (the factor's values, as
    text), ``base, y_low, y_high`` (the output) and ``swing`` (``|y_high -
    y_low|``); sorted by target, then largest swing first.
    """
    if not sweep.info.tornado:
        return pd.DataFrame()
    points = design.table
    oat = points[points["block"] == "tornado"]
    rows = []
    for target in sweep.targets:
        y = table.set_index("point")[target.name]
        base = float(y[oat.loc[oat["end"] == "base", "point"].iloc[0]])
        for factor in sweep.factors:
            mine = oat[oat["varied"] == factor.path].set_index("end")["point"]
            low, high = factor.ends
            y_low, y_high = float(y[mine["low"]]), float(y[mine["high"]])
            rows.append((target.name, factor.path, factor.label, factor.show(low),
                         factor.show(high), factor.show(factor.base), base, y_low, y_high,
                         abs(y_high - y_low)))
    frame = pd.DataFrame(rows, columns=["target", "parameter", "label", "low", "high",
                                        "base_value", "base", "y_low", "y_high", "swing"])
    order = {t.name: i for i, t in enumerate(sweep.targets)}
    frame["_order"] = frame["target"].map(order)
    frame = frame.sort_values(["_order", "swing"], ascending=[True, False], kind="stable")
    return frame.drop(columns="_order").reset_index(drop=True)


# --------------------------------------------------------------------------
# Running a sweep into its folder, and reading it back


@dataclass
class SweepResult:
    """A finished sweep as pandas tables; ``plot`` draws its figures."""

    sweep: Sweep
    design: pd.DataFrame
    """Every point's values (see :class:`DesignTable`)."""
    metrics: pd.DataFrame
    """Every point's summary: ``point, strategy, city, metric, mean, p05, p50,
    p95, ci95_low, ci95_high, n``."""
    responses: pd.DataFrame
    """One row per point, one column per target."""
    indices: pd.DataFrame
    """Sensitivity indices (see :func:`sensitivity`)."""
    second_order: pd.DataFrame
    tornado: pd.DataFrame
    """One-at-a-time swings (see :func:`tornado_table`)."""
    findings: list[Finding] = field(default_factory=list)
    """Scenario discovery: PRIM's boxes for each ``[[discovery]]`` question."""
    manifest: dict[str, Any] = field(default_factory=dict)
    folder: Path | None = None

    @property
    def method(self) -> str:
        """Index method (see :func:`method_of`)."""
        return method_of(self.sweep.design, self.sweep.samples)

    def target(self, name: str | None = None) -> Target:
        """A target by name (default: the first)."""
        if name is None:
            return self.sweep.targets[0]
        for target in self.sweep.targets:
            if name in (target.name, target.slug):
                return target
        known = ", ".join(t.name for t in self.sweep.targets)
        raise UsageError(f"no output {name!r} in this sweep (outputs: {known})")

    def ranking(self, target: str | None = None) -> list[Factor]:
        """Factors, most influential first: by the indices, else by tornado swing."""
        chosen = self.target(target)
        by_path = {f.path: f for f in self.sweep.factors}
        if not self.indices.empty:
            mine = self.indices[self.indices["target"] == chosen.name]
            if mine["rank"].notna().all():
                return [by_path[p] for p in mine.sort_values("rank")["parameter"]]
        if not self.tornado.empty:
            mine = self.tornado[self.tornado["target"] == chosen.name]
            return [by_path[p] for p in mine["parameter"]]
        return list(self.sweep.factors)

    @property
    def plot(self):
        """The sweep's figures, as methods returning :class:`matplotlib.figure.Figure`."""
        return presenter().sweep_plotter(self)


def default_folder(sweep: Sweep, root: str | Path = "results") -> Path:
    """``results/<sweep-slug>-sweep-<UTC timestamp>`` (one "sweep" when the name ends in it)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    name = slug(sweep.info.name).removesuffix("-sweep")
    return Path(root) / f"{name}-sweep-{stamp}"


def run(sweep: Sweep, folder: str | Path | None = None, *, workers: int | None = None,
        scheduler: Any = None, progress: Callable[[int], None] | None = None,
        overwrite: bool = False, figures: bool = True, max_memory: int | None = None,
        max_seconds: float | None = None) -> SweepResult:
    """Run every point not yet in ``folder``, then analyse and write the outputs.

    ``workers``: local processes (default: all cores), one point per task;
    ``scheduler``: a Dask scheduler address (``tcp://HOST:PORT``) or
    ``distributed.Client`` to run the points on instead.  ``progress`` is
    called with the number of points finished (first with those already in
    the folder).  On Ctrl-C the finished points stay in the folder; run again
    to resume.  A sweep whose points left to run are estimated to need more
    than ``max_memory`` bytes or ``max_seconds`` is refused before anything is
    written (:func:`sim.engine.limits.check_points`; ``None``: the defaults, 0: no cap).
    """
    began = time.perf_counter()
    if scheduler is not None:
        _check_scheduler(scheduler)
    design = build_design(sweep)
    tasks = point_tasks(sweep, design)
    folder = Path(folder) if folder is not None else default_folder(sweep)
    workers = worker_count(usable_cores() if workers is None else workers,
                           local=scheduler is None)
    design_hash = hashlib.sha256("".join(t.key for t in tasks).encode()).hexdigest()
    store = PointStore(folder, len(tasks))
    left = len(tasks) if overwrite else sum(not store.has(t) for t in tasks)
    if left:
        check_points(point_size(sweep.scenario, replications=sweep.info.replications,
                                seed=sweep.seed, strategies=list(sweep.strategies), workers=1,
                                keep=0),
                     left, cluster_threads(scheduler) if scheduler is not None else workers,
                     scheduler is None, max_memory, max_seconds)
    _prepare(folder, sweep, design_hash, overwrite)
    write_file(folder / "design.csv", lambda p: design.table.to_csv(p, index=False))
    pending = [t for t in tasks if not store.has(t)]
    if progress:
        progress(len(tasks) - len(pending))

    def done(point: int, frame: pd.DataFrame) -> None:
        store.write(tasks[point], frame)
        if progress:
            progress(1)

    try:
        run_points(point_work(sweep, design), [t.point for t in pending], done,
                   workers=workers, scheduler=scheduler)
    except (KeyboardInterrupt, Interrupted):
        finished = sum(store.has(t) for t in tasks)
        raise Interrupted(f"interrupted; {finished} of {len(tasks)} points are saved in "
                          f"{folder}; run the same command with -o {folder} to resume") from None
    try:
        result = analyse(sweep, design, store.read(len(tasks)), folder)
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted; all {len(tasks)} points are saved in {folder}; run the "
                          f"same command with -o {folder} to finish") from None
    result.manifest = _manifest(sweep, design_hash, len(tasks), len(pending), workers,
                                time.perf_counter() - began)
    result.manifest["scheduler"] = (scheduler if scheduler is None or isinstance(scheduler, str)
                                    else scheduler.scheduler.address)
    write_outputs(result, folder, figures=figures)
    return result


def _check_scheduler(scheduler: Any) -> None:
    """Reach the Dask scheduler before anything is written (a bad address is a usage error)."""
    from sim.engine.executors import dask_client

    client, owned = dask_client(scheduler)
    if owned:
        client.close()


def analyse(sweep: Sweep, design: DesignTable, metrics: pd.DataFrame,
            folder: Path | None = None,
            questions: Sequence[Discovery] | None = None) -> SweepResult:
    """Responses, indices, tornado swings and discovered boxes from the points' metrics.

    ``questions``: the outcomes for scenario discovery (default: the sweep
    file's ``[[discovery]]`` tables).
    """
    from sim.analysis.discovery import findings

    table = responses(sweep, metrics, len(design.table))
    indices, second = sensitivity(sweep, design, table)
    result = SweepResult(sweep=sweep, design=design.table, metrics=metrics,
                         responses=table.assign(block=design.table["block"].to_numpy()),
                         indices=indices, second_order=second,
                         tornado=tornado_table(sweep, design, table), folder=folder)
    result.findings = findings(result, questions)
    return result


STATE = "sweep.json"
"""The file that marks a folder as a sweep's and says which points it holds."""


def _prepare(folder: Path, sweep: Sweep, design_hash: str, overwrite: bool) -> None:
    """Make the folder ready: new, resumable (same points), or replaced if asked.

    Only a sweep's folder is resumed or replaced (see :func:`_prove_sweep`);
    the current directory, its parents and places inside other result
    folders are refused whatever they hold.
    """
    check_place(folder, "the sweep")
    state = folder / STATE
    if folder.is_dir():
        remove_leftovers(folder)
        remove_leftovers(folder / "points")
    if folder.is_dir() and any(folder.iterdir()):
        if overwrite:
            _prove_sweep(folder)
            shutil.rmtree(folder)
        elif not state.is_file():
            raise OutputError(f"{folder} exists and is not a sweep folder; choose another")
        elif _stored_hash(state) != design_hash:
            raise OutputError(f"{folder} holds a different sweep (scenario, design, seed, "
                              "replications or strategies differ); choose another folder "
                              "or --overwrite")
    try:
        (folder / "points").mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot write results to {folder}: {reason(error)}") from None
    text = json.dumps({"fundsim": VERSION, "name": sweep.info.name,
                       "design_sha256": design_hash}, indent=2) + "\n"
    write_file(state, lambda p: p.write_text(text))


POINT_FILE = re.compile(r"points/\d+\.parquet")
"""Files of a sweep folder its manifest does not list: each design point's results."""
SWEEP_FILES = re.compile(r"(sweep\.json|design\.csv|metrics\.parquet|responses\.csv"
                         r"|(indices|indices_second_order|tornado|discovery"
                         r"|discovery_trajectory)\.csv|report\.html"
                         r"|figures/[^/]+\.(png|svg)|points/\d+\.parquet)")
"""Every file a sweep writes, by name: what an unfinished sweep's folder may hold."""


def _prove_sweep(folder: Path) -> None:
    """Raise :class:`OutputError` unless ``folder`` is a sweep's, so --overwrite may delete it.

    A finished sweep proves it as any result folder does (its manifest lists
    every file with its SHA-256; see :func:`sim.results.prove`).  An unfinished
    one has no manifest yet: its ``sweep.json`` must read, and every file be
    one a sweep writes.
    """
    if (folder / "manifest.json").exists() or not (folder / STATE).is_file():
        prove(folder, "sweep", unlisted=POINT_FILE.fullmatch)
        return
    if _stored_hash(folder / STATE) is None:
        raise OutputError(f"{folder}/{STATE} is not a fundsim sweep's; --overwrite only "
                          "replaces a sweep folder; choose another folder")
    strays = [p.relative_to(folder).as_posix() for p in sorted(folder.rglob("*"))
              if (p.is_symlink() or not p.is_dir())
              and not SWEEP_FILES.fullmatch(p.relative_to(folder).as_posix())]
    if strays:
        raise OutputError(f"{folder} holds files fundsim did not write ({', '.join(strays[:3])}"
                          f"{', ...' if len(strays) > 3 else ''}); --overwrite only replaces a "
                          "sweep folder; choose another folder")


def _stored_hash(state: Path) -> str | None:
    try:
        stored = read_json(state)
    except ScenarioError:
        return None
    found = stored.get("design_sha256") if isinstance(stored, dict) else None
    return found if isinstance(found, str) else None


def _manifest(sweep: Sweep, design_hash: str, points: int, ran: int, workers: int,
              wall_time: float) -> dict[str, Any]:
    import SALib

    from sim.results import versions as known_versions

    versions = known_versions()
    versions["SALib"] = getattr(SALib, "__version__", "unknown")
    return {
        "fundsim": VERSION,
        "sweep_name": sweep.info.name,
        "sweep": sweep.file.model_dump(mode="json"),
        "sweep_file": sweep.origin,
        "scenario_name": sweep.scenario.scenario.name,
        "scenario_sha256": scenario_digest(sweep.scenario),
        "design_sha256": design_hash,
        "design": sweep.design,
        "method": method_of(sweep.design, sweep.samples),
        "points": points,
        "points_run_now": ran,
        "replications": sweep.info.replications,
        "seed": sweep.seed,
        "strategies": list(sweep.strategies),
        "workers": workers,
        "wall_time_s": round(wall_time, 3),
        "versions": versions,
        "scenario": sweep.scenario.model_dump(mode="json", by_alias=True),
    }


def write_outputs(result: SweepResult, folder: Path, *, figures: bool = True) -> None:
    """Tables, figures, report and (last) the manifest, each file written atomically.

    Stopped half-way (Ctrl-C, SIGTERM), it says what is saved: the points,
    and the tables once written; the same command finishes the rest.
    """
    tables: list[tuple[str, Callable[[Path], Any]]] = [
        ("metrics.parquet", lambda p: result.metrics.to_parquet(p, index=False)),
        ("responses.csv", lambda p: result.responses.to_csv(p, index=False,
                                                            float_format="%.6f")),
    ]
    if not result.indices.empty:
        tables.append(("indices.csv", lambda p: result.indices.to_csv(
            p, index=False, float_format="%.6f")))
    if not result.second_order.empty:
        tables.append(("indices_second_order.csv", lambda p: result.second_order.to_csv(
            p, index=False, float_format="%.6f")))
    if not result.tornado.empty:
        tables.append(("tornado.csv", lambda p: result.tornado.to_csv(
            p, index=False, float_format="%.6f")))
    stage = "tables"
    try:
        for name, write in tables + _discovery_tables(result):
            write_file(folder / name, write)
        stage = "figures" if figures else "manifest"
        if figures:
            _write_figures(result, folder)
        stage = "manifest"
        _write_manifest(result, folder)
    except (KeyboardInterrupt, Interrupted):
        points = f"all {len(result.responses)} points"
        saved = (f"{points} are saved in {folder}, the tables, figures and report are not"
                 if stage == "tables" else
                 f"{points} and the tables are saved in {folder}, the figures and report are "
                 "not" if stage == "figures" else
                 f"{points}, the tables, figures and report are saved in {folder}, the "
                 "manifest is not")
        raise Interrupted(f"interrupted while writing the {stage}; {saved}; run the same "
                          f"command with -o {folder} to finish") from None


def _discovery_tables(result: SweepResult) -> list[tuple[str, Callable[[Path], Any]]]:
    """``discovery.csv`` (the boxes) and ``discovery_trajectory.csv`` (PRIM's peeling)."""
    from sim.analysis.discovery import boxes_table, trajectories

    if not result.findings:
        return []
    boxes, steps = boxes_table(result.findings), trajectories(result.findings)
    return [("discovery.csv", lambda p: boxes.to_csv(p, index=False, float_format="%.6g")),
            ("discovery_trajectory.csv", lambda p: steps.to_csv(p, index=False,
                                                                float_format="%.6f"))]


def _write_manifest(result: SweepResult, folder: Path) -> None:
    """``manifest.json``, last: every other file's SHA-256 and the questions PRIM answered.

    The points' files are left out: they are many, and the tables hold their numbers.
    """
    manifest = dict(result.manifest)
    manifest["discovery"] = [f.question.model_dump(mode="json") for f in result.findings]
    write_manifest(folder, manifest, skip=POINT_FILE.fullmatch)


def _write_figures(result: SweepResult, folder: Path) -> None:
    """Figures into a staging folder swapped into place, then the report.

    Whatever stops it (Ctrl-C, a full disk), no staging folder is left and
    the earlier figures, if any, stay in place.
    """
    staging = retired = None
    try:
        staging = Path(tempfile.mkdtemp(prefix=owned_prefix(".figures."), suffix=".partial",
                                        dir=folder))
        pngs = presenter().write_sweep_figures(result, staging)
        if (folder / "figures").exists():
            retired = folder / f"{owned_prefix('.figures.')}{secrets.token_hex(4)}.replaced"
            os.rename(folder / "figures", retired)
        try:
            os.rename(staging, folder / "figures")
        except OSError:
            if retired is not None:
                os.rename(retired, folder / "figures")
                retired = None
            raise
    except OSError as error:
        raise OutputError(f"cannot write figures to {folder}: {reason(error)}") from None
    finally:
        for left in (staging, retired):
            if left is not None:
                shutil.rmtree(left, ignore_errors=True)
    try:
        html = presenter().sweep_page(result, pngs)
    except Exception as error:  # the page is a view: the tables and figures stand without it
        warnings.warn(FundsimWarning(f"report.html could not be written ({type(error).__name__}: "
                                     f"{error}); the tables are complete"), stacklevel=2)
        return
    write_file(folder / "report.html", lambda p: p.write_text(html, encoding="utf-8"))


def open_sweep(folder: str | Path) -> SweepResult:
    """Read a sweep folder written by ``fundsim sweep`` or :func:`run`."""
    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        hint = (" (an interrupted sweep: run it again with -o to finish it)"
                if (folder / STATE).is_file() else "")
        raise UsageError(f"{folder} is not a complete sweep (no manifest.json){hint}")
    manifest = read_json(manifest_path)
    if not isinstance(manifest, dict) or kind_of(manifest) != "sweep":
        raise UsageError(f"{manifest_path} is not a fundsim sweep's manifest")
    try:
        scenario = validate(manifest["scenario"], str(manifest_path))
        sweep = validate_sweep(manifest["sweep"], str(manifest_path), scenario=scenario)
        metrics = pd.read_parquet(folder / "metrics.parquet")
        questions = [Discovery.model_validate(q) for q in manifest.get("discovery", [])]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UsageError(f"cannot read sweep folder {folder}: {error}") from None
    result = analyse(sweep, build_design(sweep), metrics, folder,
                     questions if "discovery" in manifest else None)
    result.manifest = manifest
    return result


def discover_in(folder: str | Path, questions: Sequence[dict[str, Any]], *,
                origin: str = "command line", where: str = "--outcome",
                figures: bool = True) -> SweepResult:
    """Scenario discovery on a finished sweep folder, for more questions.

    ``questions`` are ``[[discovery]]`` tables (see
    :func:`sim.analysis.discovery.parse_outcome`); the sweep file's own questions are
    answered beside them.  Only the discovery tables and figures, the report
    and the manifest are rewritten, each atomically, after every question
    has been checked and answered: a bad question writes nothing.
    """
    from sim.analysis.discovery import findings, resolved

    folder = Path(folder)
    result = open_sweep(folder)
    sweep = result.sweep
    asked = _validated_questions(questions, sweep, origin, where)
    chosen = list(sweep.file.discovery)
    seen = [resolved(q, sweep.scenario, sweep.strategies) for q in chosen]
    for question in asked:
        if resolved(question, sweep.scenario, sweep.strategies) not in seen:
            chosen.append(question)
            seen.append(resolved(question, sweep.scenario, sweep.strategies))
    result.findings = findings(result, chosen)
    drawn: dict[str, tuple[bytes, bytes]] = {}
    html = None
    if figures and (folder / "report.html").is_file():
        drawn = presenter().discovery_files(result)
        pngs = {p.stem: p.read_bytes() for p in (folder / "figures").glob("*.png")}
        pngs.update({name: png for name, (png, _) in drawn.items()})
        html = presenter().sweep_page(result, pngs)
    for name, write in _discovery_tables(result):
        write_file(folder / name, write)
    if html is not None:
        _replace_discovery_figures(folder / "figures", drawn)
        write_file(folder / "report.html", lambda p: p.write_text(html, encoding="utf-8"))
    _write_manifest(result, folder)
    return result


def _validated_questions(questions: Sequence[dict[str, Any]], sweep: Sweep, origin: str,
                         where: str) -> list[Discovery]:
    """Questions checked against the sweep; every problem at once."""
    parsed, problems = [], []
    for data in questions:
        try:
            parsed.append(Discovery.model_validate(data))
        except ValidationError as error:
            problems.extend(Problem(origin, where, plain_message(err, Discovery),
                                    err.get("input"), err["type"] != "missing")
                            for err in error.errors())
    problems.extend(discovery_problems(parsed, sweep.scenario, sweep.strategies, origin, where))
    if problems:
        raise ScenarioError(problems)
    return parsed


def _replace_discovery_figures(figures: Path, drawn: dict[str, tuple[bytes, bytes]]) -> None:
    """Write the discovery figures (each atomically), then remove those of earlier questions."""
    figures.mkdir(exist_ok=True)
    for name, (png, svg) in drawn.items():
        write_file(figures / f"{name}.png", lambda p, data=png: p.write_bytes(data))
        write_file(figures / f"{name}.svg", lambda p, data=svg: p.write_bytes(data))
    for stale in figures.glob("discovery-*"):
        if stale.stem not in drawn:
            stale.unlink(missing_ok=True)
