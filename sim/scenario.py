"""Scenario files: the schema, TOML loading and clear errors.

A scenario is data with provenance.  It is read from TOML with the standard
library's :mod:`tomllib` and validated into frozen, typed objects (pydantic),
whose field docstrings are the reference documentation (``fundsim schema``).
Every problem found is reported at once, one line each, as
``FILE: key.path: message (got VALUE)``.

Money is annual US dollars unless a key says otherwise; shares are 0-1.
Any number may be an uncertain quantity ``{dist = "...", ...}``
(see :mod:`sim.uncertain`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from sim.errors import Problem, ScenarioError
from sim.messages import plain_message
from sim.uncertain import (
    UNION_TAGS,
    Frozen,
    Money,
    Rate,
    Share,
    UncertainDate,
    date_range,
    is_uncertain,
    uncertain,
)

ComplianceLevel = Literal["sanctuary", "partial", "full"]
"""How far a jurisdiction cooperates with immigration enforcement.

``sanctuary``: no detainer honoured without a judicial warrant; ``partial``:
detainers honoured only for listed serious offences; ``full``: all detainers
honoured, 287(g)-style jail agreement.
"""
COMPLIANCE_LEVELS: tuple[str, ...] = ("sanctuary", "partial", "full")

StateLaw = Literal["sanctuary_mandated", "neutral", "cooperation_mandated"]

#: Compliance levels each state-law regime forbids.  California's SB 54
#: (Cal. Gov. Code 7284 ff., 2017) bars 287(g) agreements and most detainer
#: holds but allows transfers after serious convictions; Texas SB 4 (2017)
#: requires jails to honour every detainer and bars sanctuary policies.
FORBIDDEN_BY_STATE_LAW: dict[str, frozenset[str]] = {
    "sanctuary_mandated": frozenset({"full"}),
    "neutral": frozenset(),
    "cooperation_mandated": frozenset({"sanctuary", "partial"}),
}

MAX_CITIES = 5_000
MAX_NAME = 120
MAX_FILE_BYTES = 16 * 2**20
"""Largest scenario file read (a 5,000-city file with sources is about 8 MB)."""


class Sourced(Frozen):
    """A table whose numbers carry their provenance."""

    source: str | None = Field(default=None, max_length=2_000)
    """Citation for every number in this table (document, year, page or URL),
    or ``"assumption: why"`` for numbers no source backs."""
    sources: dict[str, str] = Field(default_factory=dict)
    """Citation per key of this table, overriding ``source`` for that key."""

    @field_validator("sources")
    @classmethod
    def _sources_name_fields(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(cls.model_fields))
        if unknown:
            close = difflib.get_close_matches(unknown[0], list(cls.model_fields), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ValueError(f"names keys this table does not have: {', '.join(unknown)}{hint}")
        return value

    def source_of(self, key: str) -> str | None:
        """Citation of one key: its own entry in ``sources``, else ``source``."""
        return self.sources.get(key, self.source)


def _unique(values: list[str], what: str) -> list[str]:
    repeated = sorted(v for v, n in Counter(values).items() if n > 1)
    if repeated:
        raise ValueError(f"{what} repeated: {', '.join(repeated)}")
    return values


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
    """Strategies to compare, by name; default: every strategy allowed in
    every city (built-in ``sanctuary``, ``partial``, ``full`` and those defined
    in ``[[strategy]]``)."""
    discount_rate: float = Field(default=0.03, ge=0, le=0.5)
    """Annual nominal rate for net present values of fiscal impacts.
    Assumption: 3%, near long-run municipal borrowing costs; set your own."""

    @field_validator("strategies")
    @classmethod
    def _distinct(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _unique(value, "strategy")


class GapClosing(Sourced):
    """How a city closes a budget gap once reserves fall below their floor.

    Reserves absorb shortfalls first.  When they stay below the floor, the
    tools in ``order`` are sized, one after the other, to the remaining gap;
    short-term borrowing keeps cash from going negative.
    """

    order: list[Literal["service_cuts", "tax_increase"]] = ["service_cuts", "tax_increase"]
    """Gap-closing tools in the order they are used; a tool left out is never
    used."""
    service_cut_limit: float = Field(default=0.05, ge=0, le=1)
    """Largest service cut, as a share of annual expenditure.  Assumption."""
    service_cut_lag_months: int = Field(default=3, ge=0, le=60)
    """Months reserves must stay below the floor before cuts start (a budget
    amendment).  Assumption."""
    service_cut_spread_months: int = Field(default=12, ge=1, le=120)
    """Months over which cuts aim to rebuild reserves to the floor.  Assumption."""
    tax_increase_limit: float = Field(default=0.02, ge=0, le=1)
    """Largest tax increase adopted in one fiscal year, as a share of
    own-source revenue.  Assumption."""
    tax_increase_cap: float = Field(default=0.10, ge=0, le=5)
    """Largest cumulative tax increase, as a share of own-source revenue.
    Assumption."""
    tax_increase_lag_months: int = Field(default=6, ge=0, le=60)
    """Months below the floor before a tax increase is adopted; it takes effect
    at the next fiscal-year start.  Assumption."""
    borrowing_limit: float = Field(default=0.10, ge=0, le=5)
    """Most short-term debt outstanding (e.g. tax anticipation notes), as a
    share of annual expenditure; borrowed only to keep cash from going
    negative.  Assumption."""
    borrowing_rate: float = Field(default=0.04, ge=0, le=1)
    """Annual interest rate on short-term borrowing.  Assumption."""

    @field_validator("order")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        return _unique(value, "tool")


class Budget(Sourced):
    """``[city.budget]``: the fund(s) modelled, in annual dollars."""

    scope: str = Field(default="", max_length=500)
    """Which funds the numbers cover, e.g. ``"General Fund plus federal grant
    funds"`` or ``"all funds"``: budgets of different scopes are not comparable,
    so say which one the file models."""
    expenditure: Money
    """Annual expenditure in the first fiscal year, including spending that
    federal grants pay for."""
    expenditure_growth: Rate = 0.03
    """Annual growth of expenditure, applied at each fiscal-year start.
    Assumption: 3%."""
    own_source_revenue: Money | None = None
    """Annual taxes, fees and charges in the first fiscal year.  Default:
    expenditure minus state aid and federal grants (a balanced budget,
    labelled as an assumption in the report)."""
    revenue_growth: Rate | None = None
    """Annual growth of own-source revenue; default: ``expenditure_growth``."""
    revenue_volatility: uncertain(ge=0, le=1) = 0.03
    """Standard deviation of own-source revenue around its trend, as a share.
    Assumption."""
    revenue_persistence: float = Field(default=0.9, ge=0, lt=1)
    """Month-to-month persistence (AR(1) coefficient) of revenue deviations.
    Assumption: shocks such as recessions last many months."""
    state_aid: Money = 0.0
    """Annual state aid."""
    state_aid_growth: Rate = 0.0
    """Annual growth of state aid."""
    reserves: Money
    """Reserves (unassigned fund balance, rainy-day funds) at the start."""
    reserve_floor: Share = 0.05
    """Reserve floor as a share of annual expenditure: the city's own policy.
    Assumption: 5%."""
    gap_closing: GapClosing = GapClosing()
    """How gaps are closed once reserves fall below the floor."""


class Grant(Sourced):
    """``[[city.grant]]``: one federal program's money to the city."""

    program: str = Field(min_length=1, max_length=MAX_NAME)
    """Program name, e.g. ``"Byrne JAG"``; measures target programs by name."""
    agency: str = Field(min_length=1, max_length=MAX_NAME)
    """Federal agency, e.g. ``"DOJ"``, ``"DHS"``, ``"HUD"``, ``"HHS"``, ``"DOT"``."""
    amount: Money
    """Annual amount."""
    basis: Literal["reimbursement", "advance"] = "reimbursement"
    """``reimbursement``: the city spends monthly and is reimbursed
    ``payment_lag_months`` later; ``advance``: the annual award is paid in
    ``award_month``."""
    payment_lag_months: int = Field(default=2, ge=0, le=36)
    """Months between spending and reimbursement.  Assumption: 2."""
    award_month: int = Field(default=10, ge=1, le=12)
    """Calendar month in which an ``advance`` award is paid (10 = October,
    the federal fiscal year's first month)."""
    tags: list[str] = Field(default_factory=list)
    """Labels that measures can target, e.g. ``"law_enforcement"``."""
    growth: Rate = 0.0
    """Annual growth of the award."""


class City(Sourced):
    """``[[city]]``: one jurisdiction (city, county or consolidated city-county)."""

    name: str = Field(min_length=1, max_length=MAX_NAME)
    """Unique name, e.g. ``"Chicago"``."""
    state: str = Field(pattern=r"^[A-Z]{2}$")
    """Two-letter postal code of the state, e.g. ``"IL"``."""
    state_law: StateLaw = "neutral"
    """State law on cooperation with immigration enforcement:
    ``sanctuary_mandated`` (like California SB 54) forbids ``full``;
    ``cooperation_mandated`` (like Texas SB 4) forbids ``sanctuary`` and
    ``partial``."""
    fiscal_year_start: int = Field(ge=1, le=12)
    """Calendar month in which the fiscal year starts (7 = July)."""
    population: int = Field(ge=0, le=100_000_000)
    """Residents."""
    immigrant_share: Share | None = None
    """Share of residents born abroad (Census ACS foreign-born share)."""
    current_policy: ComplianceLevel = "sanctuary"
    """Compliance level today; the no-measure baseline keeps it."""
    budget: Budget
    """The budget modelled."""
    grant: list[Grant] = Field(default_factory=list, max_length=500)
    """Federal grants by program."""


class Measure(Sourced):
    """``[[measure]]``: a federal action that withholds funds from jurisdictions."""

    name: str = Field(min_length=1, max_length=MAX_NAME)
    """Unique name, e.g. ``"EO 14218"``."""
    kind: Literal["executive_order", "grant_condition", "legislation"]
    """What the measure is; courts treat the kinds differently."""
    description: str = Field(default="", max_length=10_000)
    """What it does, for the report."""
    probability: Share = 1.0
    """Probability that the measure happens at all in a replication."""
    effective: UncertainDate
    """Date from which funds are withheld."""
    rescind_probability: Share = 0.0
    """Probability that the measure is rescinded (given that it happens)."""
    rescind_date: UncertainDate | None = None
    """Date of rescission; required when ``rescind_probability`` can be above
    zero.  A sampled date before the measure's effective date counts as the
    effective date (rescinded at once)."""
    agencies: list[str] = Field(default_factory=list)
    """Agencies whose grants are targeted (empty: any)."""
    programs: list[str] = Field(default_factory=list)
    """Programs targeted (empty: any)."""
    tags: list[str] = Field(default_factory=list)
    """Grant tags targeted (empty: any); a grant matches if it has one."""
    cities: list[str] = Field(default_factory=list)
    """Jurisdictions targeted, by name (empty: every city)."""
    penalises: list[ComplianceLevel] = Field(default_factory=lambda: ["sanctuary"], min_length=1)
    """Compliance levels that lose funds."""
    withhold_share: Share = 1.0
    """Share of each targeted payment withheld."""
    clawback_months: int = Field(default=0, ge=0, le=60)
    """Months of past payments of targeted grants clawed back when the measure
    first hits a city (0: none)."""
    release_lag_months: int = Field(default=2, ge=0, le=36)
    """Months between a city ceasing to be penalised (injunction, compliance,
    rescission) and payment of the funds withheld from it.  Assumption."""

    @field_validator("penalises")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        return _unique(value, "compliance level")


class Strategy(Sourced):
    """``[[strategy]]``: a compliance choice to compare."""

    name: str = Field(min_length=1, max_length=MAX_NAME)
    """Unique name; ``sanctuary``, ``partial`` and ``full`` are built in and
    may be redefined."""
    description: str = Field(default="", max_length=10_000)
    """What the choice means, for the report."""
    compliance: ComplianceLevel
    """Compliance level adopted at the start."""
    cities: list[str] = Field(default_factory=list)
    """Jurisdictions that adopt it (empty: every city); the others keep their
    current policy."""
    eligibility_lag_months: int = Field(default=3, ge=0, le=60)
    """Months after adopting a compliance level before federal agencies treat
    the city accordingly.  Assumption."""


BUILTIN_STRATEGIES: dict[str, Strategy] = {
    "sanctuary": Strategy(
        name="sanctuary", compliance="sanctuary",
        description="Keep limits on cooperation: no detainer honoured without a judicial warrant."),
    "partial": Strategy(
        name="partial", compliance="partial",
        description="Honour detainers only for listed serious offences."),
    "full": Strategy(
        name="full", compliance="full",
        description="Honour every detainer; 287(g)-style jail agreement."),
}
BASELINE = "baseline"
"""Name of the automatic no-measure run against which impacts are measured."""


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
    sources: dict[str, str] = Field(default_factory=dict)
    """Bibliography: short key -> full citation, referred to from ``source``
    entries."""

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

    def strategy_table(self) -> dict[str, Strategy]:
        """Every strategy by name: the built-ins, then the file's own."""
        return {**BUILTIN_STRATEGIES, **{s.name: s for s in self.strategy}}

    def strategies_to_run(self) -> list[Strategy]:
        """The strategies compared, in order (the baseline is added by the engine)."""
        table = self.strategy_table()
        if self.scenario.strategies is not None:
            return [table[name] for name in self.scenario.strategies]
        return [s for s in table.values() if not _forbidden_pairs(self, s)]

    def city_named(self, name: str) -> City:
        """The city with this name."""
        return next(c for c in self.city if c.name == name)

    def with_values(self, values: dict[str, Any], origin: str = "<override>") -> Scenario:
        """A copy with some values replaced, by key path.

        Paths name list items by index or by name, e.g.
        ``"city[Chicago].budget.reserves"`` or ``"measure[0].probability"``.
        The result is validated like a file; problems raise
        :class:`~sim.errors.ScenarioError`.

        >>> s = loads(EXAMPLE)
        >>> s.with_values({"city[Springfield].budget.reserves": 5e6}).city[0].budget.reserves
        5000000.0
        """
        data = self.model_dump(mode="python", by_alias=True, exclude_defaults=True)
        problems = []
        for path, value in values.items():
            try:
                set_path(data, path, value)
            except KeyError as error:
                problems.append(Problem(origin, path, str(error.args[0]), value))
        if problems:
            raise ScenarioError(problems)
        return validate(data, origin)


def _forbidden_pairs(scenario: Scenario, strategy: Strategy) -> list[City]:
    """Cities where state law forbids this strategy."""
    cities = strategy.cities or [c.name for c in scenario.city]
    return [
        c for c in scenario.city
        if c.name in cities and strategy.compliance in FORBIDDEN_BY_STATE_LAW[c.state_law]
    ]


# --------------------------------------------------------------------------
# Key paths


_STEP = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\]]+)\])?")


def _parse_path(path: str) -> list[tuple[str, str | None]]:
    steps = []
    for part in path.split("."):
        match = _STEP.fullmatch(part)
        if match is None:
            raise KeyError(f"cannot read key path at {part!r}")
        steps.append((match.group(1), match.group(2)))
    return steps


def _item(items: list, selector: str, key: str) -> dict:
    if selector.isdigit():
        index = int(selector)
        if index >= len(items):
            raise KeyError(f"{key} has {len(items)} entries, no [{index}]")
        return items[index]
    for item in items:
        if isinstance(item, dict) and item.get("name") == selector:
            return item
    raise KeyError(f"no {key} named {selector!r}")


def set_path(data: dict, path: str, value: Any) -> None:
    """Set a value in nested scenario data by key path (``city[Chicago].budget.reserves``)."""
    steps = _parse_path(path)
    node: Any = data
    for i, (key, selector) in enumerate(steps):
        last = i == len(steps) - 1
        if not isinstance(node, dict):
            raise KeyError(f"{key} is not inside a table")
        if selector is None:
            if last:
                node[key] = value
            else:
                node = node.setdefault(key, {})
            continue
        if not isinstance(node.get(key), list):
            raise KeyError(f"{key} is not a list of tables")
        item = _item(node[key], selector, key)
        if last:
            raise KeyError(f"{key}[{selector}] is a table; name one of its keys")
        node = item


def uncertain_leaves(scenario: Scenario) -> Iterator[tuple[str, Any]]:
    """Every uncertain quantity, with a stable path naming list items by name.

    Names (not positions) make random streams stable: adding a city does not
    change the draws of the others.
    """
    yield from _leaves(scenario, "")


def _leaves(node: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    if is_uncertain(node):
        yield prefix, node
    elif isinstance(node, Frozen):
        for key in type(node).model_fields:
            yield from _leaves(getattr(node, key), f"{prefix}.{key}" if prefix else key)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            label = getattr(item, "name", None) or getattr(item, "program", None) or str(i)
            yield from _leaves(item, f"{prefix}[{label}]")


# --------------------------------------------------------------------------
# Loading and error reporting


def load(path: str | Path) -> Scenario:
    """Read and validate a scenario file.

    Raises :class:`~sim.errors.ScenarioError` listing every problem.
    """
    path = Path(path)
    name = str(path)
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise ScenarioError([Problem(name, "", f"cannot read file: {error.strerror}",
                                     has_value=False)]) from None
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
    return loads(text, name)


def loads(text: str, origin: str = "<string>") -> Scenario:
    """Validate a scenario given as TOML text."""
    text = text.removeprefix("\ufeff")  # byte order mark some Windows editors write
    if "\x00" in text:
        raise ScenarioError([Problem(origin, "", "binary data, not a TOML text file",
                                     has_value=False)])
    if not text.strip():
        raise ScenarioError([Problem(origin, "", "empty file; a scenario needs [scenario] "
                                     "and at least one [[city]]", has_value=False)])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError([Problem(origin, "", f"TOML syntax error: {error}",
                                     has_value=False)]) from None
    except RecursionError:
        raise ScenarioError([Problem(origin, "", "TOML nested too deeply (brackets or braces "
                                     "inside each other hundreds of times)",
                                     has_value=False)]) from None
    return validate(data, origin)


def validate(data: dict, origin: str = "<data>") -> Scenario:
    """Validate already-parsed scenario data (e.g. from TOML)."""
    problems: list[Problem] = []
    scenario = None
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        problems.extend(_pydantic_problems(error, origin))
    problems.extend(_cross_reference_problems(data, origin))
    if scenario is not None:
        problems.extend(_semantic_problems(scenario, origin))
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


def format_loc(loc: tuple) -> str:
    """Turn a pydantic error location into a file key path: ``city[0].budget.reserves``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in UNION_TAGS or part.startswith("function-"):
            continue
        else:
            text += f".{part}" if text else str(part)
    return text


def _pydantic_problems(error: ValidationError, origin: str) -> list[Problem]:
    problems = []
    for err in error.errors():
        has_value = err["type"] != "missing"
        problems.append(Problem(origin, format_loc(err["loc"]), plain_message(err, Scenario),
                                err.get("input"), has_value))
    return problems


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


def _oversized(data: dict) -> bool:
    """Whether a list of tables is longer than the schema allows."""
    for key in ("city", "measure", "strategy"):
        limit = next(m.max_length for m in Scenario.model_fields[key].metadata
                     if getattr(m, "max_length", None))
        if isinstance(data.get(key), list) and len(data[key]) > limit:
            return True
    return False


def _cross_reference_problems(data: Any, origin: str) -> list[Problem]:
    """Name clashes and references to things not defined; works on raw data."""
    if not isinstance(data, dict) or _oversized(data):
        return []  # the size is the problem to fix first
    problems = []
    cities = _names(data.get("city"))
    for section in ("city", "measure", "strategy"):
        problems.extend(_repeated(data.get(section), "name", section, origin))
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
    return problems


def _as_written(value: Any) -> Any:
    """A schema value as the file wrote it (a distribution as its table)."""
    return value.model_dump(by_alias=True) if isinstance(value, Frozen) else value


def _semantic_problems(scenario: Scenario, origin: str) -> list[Problem]:
    """Checks that need the whole, validated scenario."""
    problems = []
    start, end = scenario.start, scenario.end
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
    table = scenario.strategy_table()
    chosen = scenario.scenario.strategies
    for j, name in enumerate(chosen or []):
        if name not in table:
            continue  # reported with the cross-references
        for city in _forbidden_pairs(scenario, table[name]):
            problems.append(Problem(
                origin, f"scenario.strategies[{j}]",
                f"strategy {name!r} ({table[name].compliance}) is forbidden in "
                f"{city.name} by its state law ({city.state_law}, {city.state})", name))
    for i, city in enumerate(scenario.city):
        if city.current_policy in FORBIDDEN_BY_STATE_LAW[city.state_law]:
            problems.append(Problem(origin, f"city[{i}].current_policy",
                                    f"forbidden in {city.name} by its state law "
                                    f"({city.state_law})", city.current_policy))
    if start.year < 1900 or end.year > 2300:
        problems.append(Problem(origin, "scenario.start", "outside the years 1900-2300",
                                scenario.scenario.start))
    if chosen == [] or (chosen is None and not scenario.strategies_to_run()):
        problems.append(Problem(origin, "scenario.strategies",
                                "no strategy to run", chosen, chosen is not None))
    return problems


def json_schema() -> dict:
    """JSON Schema of scenario files."""
    return Scenario.model_json_schema(by_alias=True)


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
