"""Scenario files: the whole file (:class:`Scenario`), TOML loading and clear errors.

A scenario is data with provenance.  It is read from TOML with the standard
library's :mod:`tomllib` and validated into frozen, typed objects (pydantic),
whose field docstrings are the reference documentation (``fundsim schema``).
Every problem found is reported at once, one line each, as
``FILE: key.path: message (got VALUE)``: pydantic's own (in plain words,
:mod:`sim.scenario.messages`), then the checks across tables
(:mod:`sim.scenario.checks`).

The tables a file holds are defined beside this module, by domain:
:mod:`~sim.scenario.city` (budget, grants, jail, trust),
:mod:`~sim.scenario.measures`, :mod:`~sim.scenario.strategies` (with switch
rules and thresholds), :mod:`~sim.scenario.litigation` and
:mod:`~sim.scenario.courts`, all on
:mod:`~sim.scenario.base`; key paths are in :mod:`~sim.scenario.paths`.

Money is annual US dollars unless a key says otherwise; shares are 0-1.
Any number may be an uncertain quantity ``{dist = "...", ...}``
(see :mod:`sim.scenario.uncertain`).
"""

from __future__ import annotations

import datetime as dt
import os
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator

from sim.errors import Problem, ScenarioError, show_value
from sim.metrics import GRANT_FUNDS, METRICS, RECESSION, TERMINATIONS
from sim.scenario.base import MAX_CITIES, MAX_FILE_BYTES, MAX_NAME, Sourced, unique
from sim.scenario.checks import cross_reference_problems, semantic_problems
from sim.scenario.city import City
from sim.scenario.litigation import Litigation
from sim.scenario.measures import Measure
from sim.scenario.messages import plain_message
from sim.scenario.paths import (
    canonical_path,
    format_loc,
    joined,
    parse_path,
    plain_data,
    respelled,
    set_path,
    spelled_prefixes,
    value_at,
)
from sim.scenario.recession import Recession
from sim.scenario.strategies import BUILTIN_STRATEGIES, DEFAULT_STRATEGIES, Strategy, Threshold
from sim.scenario.uncertain import Frozen, is_money


class ScenarioInfo(Sourced):
    """The ``[scenario]`` table: what is simulated, from when, for how long."""

    name: str = Field(min_length=1, max_length=MAX_NAME)
    """Short name, used in reports and in the result folder's name."""
    description: str = Field(default="", max_length=10_000)
    """What the scenario represents, for the report."""
    start: dt.date
    """First simulated month (the simulation starts on the first day of this
    date's month)."""
    years: int = Field(ge=1, le=100)
    """Length of the horizon in years (simulated monthly)."""
    replications: int = Field(default=1000, ge=1, le=10_000_000)
    """Monte Carlo replications per strategy (``--replications`` overrides)."""
    seed: int = Field(default=1, ge=0, le=2**63 - 1)
    """Root seed of every random stream (``--seed`` overrides)."""
    strategies: list[str] | None = None
    """Strategies to compare, by name: a built-in one per compliance level
    (``sanctuary``, ``notify_serious``, ``notify``, ``partial``, ``full``) or
    one defined in ``[[strategy]]``; default: those of ``sanctuary``,
    ``partial``, ``full`` and the file's own that state law allows in every
    city."""
    discount_rate: float = Field(default=0.03, ge=0, le=0.5)
    """Annual nominal rate for net present values of fiscal impacts.
    Assumption: 3%, near long-run municipal borrowing costs; set your own."""

    @field_validator("strategies")
    @classmethod
    def _distinct(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else unique(value, "strategy")


class Scenario(Frozen):
    """A whole scenario file."""

    scenario: ScenarioInfo
    """What is simulated, from when, for how long."""
    city: list[City] = Field(min_length=1, max_length=MAX_CITIES)
    """Jurisdictions (one or more ``[[city]]`` tables)."""
    measure: list[Measure] = Field(default_factory=list, max_length=200)
    """Federal measures (``[[measure]]`` tables)."""
    strategy: list[Strategy] = Field(default_factory=list, max_length=100)
    """Strategies beyond or replacing the built-in ones (``[[strategy]]``)."""
    litigation: Litigation = Litigation()
    """Who sues, how courts rule, legal costs and detention liability
    (``[litigation]``)."""
    sources: dict[str, str] = Field(default_factory=dict)
    """Bibliography: short key -> full citation, referred to from ``source``
    entries."""
    recession: Recession | None = None
    """An optional recession on top of the measures (``[recession]``)."""
    threshold: list[Threshold] = Field(default_factory=list, max_length=100)
    """Requirements a future must meet (``[[threshold]]`` tables), for the
    report's robustness ranking; ``fundsim run --threshold`` adds more."""

    @property
    def start(self) -> dt.date:
        """First day of the first simulated month."""
        return self.scenario.start.replace(day=1)

    @property
    def months(self) -> int:
        """Number of simulated months."""
        return 12 * self.scenario.years

    @property
    def end(self) -> dt.date:
        """First day after the horizon."""
        total = self.start.month - 1 + self.months
        return dt.date(self.start.year + total // 12, total % 12 + 1, 1)

    def reported_metrics(self) -> list[str]:
        """The metrics of :data:`~sim.metrics.METRICS` a run of this scenario reports.

        A metric with a condition (``only_when``) is reported only when the
        scenario has the feature: grant-funded positions need a grant naming
        what it pays for, the recession metric a ``[recession]`` table, the
        termination metric a measure of kind ``termination``.

        >>> "grant_backfill" in loads(EXAMPLE).reported_metrics()
        False
        """
        present = {GRANT_FUNDS: any(g.funds for c in self.city for g in c.grant),
                   RECESSION: self.recession is not None,
                   TERMINATIONS: any(m.kind == "termination" for m in self.measure)}
        return [name for name, metric in METRICS.items()
                if not metric.only_when or present[metric.only_when]]

    def strategy_table(self) -> dict[str, Strategy]:
        """Every strategy by name: the built-ins, then the file's own."""
        return {**BUILTIN_STRATEGIES, **{s.name: s for s in self.strategy}}

    def forbidden_strategies(self) -> list[str]:
        """Strategies that some city's state law forbids (California's SB 54 forbids ``full``)."""
        return [name for name, s in self.strategy_table().items() if s.forbidden_in(self.city)]

    def strategies_to_run(self) -> list[Strategy]:
        """The strategies compared, in order (the baseline is added by the engine)."""
        table = self.strategy_table()
        if self.scenario.strategies is not None:
            return [table[name] for name in self.scenario.strategies]
        own = {s.name for s in self.strategy}
        return [s for s in table.values() if (s.name in DEFAULT_STRATEGIES or s.name in own)
                and not s.forbidden_in(self.city)]

    def city_named(self, name: str) -> City:
        """The city with this name."""
        return next(c for c in self.city if c.name == name)

    def with_values(self, values: Mapping[str, Any], origin: str = "<override>") -> Scenario:
        """Return a copy with some values replaced by key path, validated like a file.

        A key path names tables by key and list items by position or by name
        (``program`` for grants), as in ``"city[Chicago].budget.reserves"``,
        ``"measure[0].probability"`` or ``"city[0].grant[Byrne JAG].amount"``.
        A value may be a number, a date, a string, a list, a whole table
        (dict) or an uncertain quantity such as ``{"dist": "uniform", "low": 0,
        "high": 1}``; numpy numbers are accepted.  Every problem is reported at
        once as a :class:`~sim.errors.ScenarioError`, each naming ``origin``,
        the key path as you wrote it and the value; the scenario itself never
        changes.

        >>> s = loads(EXAMPLE)
        >>> s.with_values({"city[Springfield].budget.reserves": 5e6}).city[0].budget.reserves
        5000000.0
        >>> s.with_values({"city[0].budget.reserves": -1, "scenario.yeers": 3})
        Traceback (most recent call last):
        ...
        sim.errors.ScenarioError: <override>: scenario.yeers: unknown key; did you mean 'years'? ...
        <override>: city[0].budget.reserves: must be >= 0 (got -1)
        """
        if not isinstance(values, Mapping):
            raise TypeError(f"values must map key paths to values (got {show_value(values)})")
        data = self.model_dump(mode="python", by_alias=True)
        problems, spelled, first = [], {}, {}
        for path, value in values.items():
            try:
                canonical = set_path(data, path, plain_data(value))
            except KeyError as error:
                problems.append(Problem(origin, str(path) or repr(path), error.args[0], value))
                continue
            if canonical in first:  # city[0] and city[Springfield]: one key, two values
                problems.append(Problem(origin, path, f"the same key as {first[canonical]}; "
                                        "give each key once", value))
            first.setdefault(canonical, path)
            spelled.update(spelled_prefixes(canonical, path))
        try:
            scenario = validate(data, origin)
        except ScenarioError as error:
            problems.extend(respelled(p, spelled) for p in error.problems)
        if problems:
            raise ScenarioError(problems)
        return scenario

    def value_at(self, path: str) -> Any:
        """Return the value at a key path (the paths of :meth:`with_values`).

        Raises :class:`KeyError` naming the step that does not exist.

        >>> s = loads(EXAMPLE)
        >>> s.value_at("city[Springfield].budget.reserves")
        10000000.0
        >>> s.value_at("scenario.years")
        2
        """
        return value_at(self, path)

    def canonical_path(self, path: str) -> str:
        """The key path with list items by position: one spelling for each key.

        ``city[Springfield]`` and ``city[0]`` (or ``city[-1]``) name the same
        city; two spellings of one key are one key.  Raises :class:`KeyError`
        as :meth:`value_at` does.

        >>> s = loads(EXAMPLE)
        >>> s.canonical_path("city[Springfield].budget.reserves"), s.canonical_path("city[-1]")
        ('city[0].budget.reserves', 'city[0]')
        """
        return canonical_path(self, path)

    def is_money(self, path: str) -> bool:
        """Whether the key at ``path`` holds money (US dollars).

        >>> s = loads(EXAMPLE)
        >>> s.is_money("city[Springfield].budget.reserves"), s.is_money("scenario.years")
        (True, False)
        """
        *parents, (key, _) = parse_path(path)
        owner = self.value_at(joined(parents)) if parents else self
        if not isinstance(owner, Frozen):
            return False
        fields = {info.alias or name: info for name, info in type(owner).model_fields.items()}
        return key in fields and is_money(fields[key])


def load(path: str | Path) -> Scenario:
    """Read and validate a scenario file.

    Raises :class:`~sim.errors.ScenarioError` listing every problem.
    """
    name = str(path)
    return loads(read_text(path), name)


def read_text(path: str | Path) -> str:
    """The text of a file fundsim reads (a scenario, observed outcomes), read safely.

    Only a regular file is read: a FIFO, a device or a directory is refused
    (opened without waiting: a FIFO nobody writes to would block the open
    for ever).  At most :data:`MAX_FILE_BYTES` are read; binary and non-UTF-8
    files are refused with a clear problem.
    """
    path = Path(path)
    name = str(path)
    try:
        with open(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as stream:
            regular = stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
            raw = stream.read(MAX_FILE_BYTES + 1) if regular else b""
    except IsADirectoryError:  # where directories cannot be opened at all
        regular = False
    except OSError as error:
        raise ScenarioError([Problem(name, "", f"cannot read file: {error.strerror}",
                                     has_value=False)]) from None
    if not regular:
        raise ScenarioError([Problem(name, "", "not a regular file", has_value=False)])
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError([Problem(
            name, "", f"file is larger than {MAX_FILE_BYTES // 2**20} MiB, the limit for a "
            "scenario file (is it the right file?)", has_value=False)])
    if b"\x00" in raw:
        raise ScenarioError([Problem(name, "", "binary data, not a TOML text file",
                                     has_value=False)])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        raise ScenarioError([Problem(
            name, "", f"not UTF-8 text (byte {error.start}, line {line}); save the file as "
            "UTF-8", has_value=False)]) from None
    return text


def parse_toml(text: str, origin: str) -> dict:
    """TOML text as data; syntax errors and absurd nesting as a :class:`ScenarioError`."""
    try:
        return tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError([Problem(origin, "", f"TOML syntax error: {error}",
                                     has_value=False)]) from None
    except RecursionError:
        raise ScenarioError([Problem(origin, "", "TOML nested too deeply (brackets or braces "
                                     "inside each other hundreds of times)",
                                     has_value=False)]) from None


def loads(text: str, origin: str = "<string>") -> Scenario:
    """Validate a scenario given as TOML text."""
    text = text.removeprefix("\ufeff")  # byte order mark some Windows editors write
    if "\x00" in text:
        raise ScenarioError([Problem(origin, "", "binary data, not a TOML text file",
                                     has_value=False)])
    if not text.strip():
        raise ScenarioError([Problem(origin, "", "empty file; a scenario needs [scenario] "
                                     "and at least one [[city]]", has_value=False)])
    return validate(parse_toml(text, origin), origin)


def validate(data: dict, origin: str = "<data>") -> Scenario:
    """Validate already-parsed scenario data (e.g. from TOML)."""
    problems: list[Problem] = []
    scenario = None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        problems.extend(_pydantic_problems(error, origin))
    if isinstance(data, dict) and not _oversized(data):  # else the size is the problem to fix first
        problems.extend(cross_reference_problems(data, origin))
    if scenario is not None:
        problems.extend(semantic_problems(scenario, origin))
    if problems:
        raise ScenarioError(_deduplicated(problems))
    assert scenario is not None
    return scenario


def _deduplicated(problems: list[Problem]) -> list[Problem]:
    seen, kept = set(), []
    for p in problems:
        key = (p.path, p.message)
        if key not in seen:
            seen.add(key)
            kept.append(p)
    return kept


def _pydantic_problems(error: ValidationError, origin: str) -> list[Problem]:
    problems = []
    for err in error.errors():
        has_value = err["type"] != "missing"
        problems.append(Problem(origin, format_loc(err["loc"]), plain_message(err, Scenario),
                                err.get("input"), has_value))
    return problems


def _oversized(data: dict) -> bool:
    """Whether a list of tables is longer than the schema allows."""
    for key in ("city", "measure", "strategy"):
        limit = next(m.max_length for m in Scenario.model_fields[key].metadata
                     if getattr(m, "max_length", None))
        if isinstance(data.get(key), list) and len(data[key]) > limit:
            return True
    return False


JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
"""The JSON Schema dialect pydantic writes; named in ``$schema`` so editors and validators
know which rules to apply."""


def json_schema(model: type[Frozen] | None = None) -> dict:
    """JSON Schema of scenario files (or of another file model, e.g. sweep files)."""
    return {"$schema": JSON_SCHEMA_DIALECT,
            **(model or Scenario).model_json_schema(by_alias=True)}


EXAMPLE = """
[scenario]
name = "Example"
start = 2025-01-01
years = 2

[[city]]
name = "Springfield"
state = "IL"
fiscal_year_start = 1
population = 100000
budget = { expenditure = 1e8, reserves = 1e7 }
"""
"""A minimal valid scenario, used in docstring examples."""
