"""Provenance: the source of every number a scenario file states.

A scenario is data with provenance.  Every number, date or uncertain quantity
written in a file (a *leaf*) must carry a citation (document, year, page or
URL) or an explicit ``"assumption: why"`` label.  The citation of a leaf is
found by this rule, first match wins:

1. the enclosing table's per-key entry, ``sources = { key = "..." }``;
2. the enclosing table's own ``source = "..."``;
3. the citation the enclosing table inherits from *its* enclosing table, by
   the same rule (``[city.sources] budget = "..."`` covers every number of
   ``[city.budget]``; a city's ``source`` covers its budget and grants unless
   they say otherwise).

An uncertain quantity ``{dist = ...}`` is one leaf: its citation explains the
whole distribution.  Run settings chosen by the analyst (``scenario.start``,
``years``, ``replications``, ``seed``) and the analyst's requirements
(``[[threshold]]``) are not data and need no source; nor do strings, names,
booleans and lists of labels.  Numbers a file leaves out take
the schema's defaults, whose field docstrings give their source or say
"Assumption" (``fundsim schema --markdown``).

A citation may name entries of the scenario's bibliography (the top-level
``[sources]`` table: short key -> full citation) in square brackets, e.g.
``"[nyc-acfr-2024] p. 45"``; listings expand them.

>>> import sim
>>> for c in unsourced(sim.load(sim.scenario.EXAMPLE)):
...     print(c.path, c.value)
city[Springfield].fiscal_year_start 1
city[Springfield].population 100000
city[Springfield].budget.expenditure 100000000.0
city[Springfield].budget.reserves 10000000.0
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sim.errors import Problem
from sim.scenario.base import PROVENANCE_FIELDS, Sourced
from sim.scenario.schema import Scenario
from sim.scenario.uncertain import Frozen, is_uncertain

SETTINGS = frozenset({"scenario.start", "scenario.years", "scenario.replications",
                      "scenario.seed"})
"""Key paths that are run settings, not data: they need no source."""
ANALYST_TABLES = frozenset({"threshold"})
"""Top-level tables that hold the analyst's requirements, not data: no source needed."""

ASSUMPTION = re.compile(r"^\s*assumption\b", re.IGNORECASE)
ASSUMPTION_WORD = re.compile(r"\bassumption\b", re.IGNORECASE)
"""How a field docstring labels its default an assumption."""
REFERENCE = re.compile(r"\[([a-z0-9][a-z0-9._-]*)\]")
"""A bibliography reference inside a citation: ``[short-key]``."""
TO_CONFIRM = re.compile(r"\bto confirm\b", re.IGNORECASE)
"""How a citation asks the analyst to confirm its number against a named
document (``fundsim draft`` marks every number public data cannot give)."""

WEAK_SOURCES = (
    # Named in issue 23 as the sources behind key numbers of the first scenarios.
    "usa-today-news.com", "citizenportal.ai", "citywatchla.com", "wikimili.com",
    "datasetsearch.research.google.com", "everycityintheusa.com",
    # Copies of other people's documents, mirrors and summarisers: cite the original.
    "fdocuments.in", "fdocuments.us", "vdocuments.mx", "vdocuments.net", "vdocuments.site",
    "vdocuments.us", "docslib.org", "scribd.com", "studylib.net", "cupdf.com",
    "financedocbox.com", "pdfslide.us", "dokumen.tips", "readkong.com", "daily8.com",
    "newspub.live", "arcamax.com", "medianewssource.com", "29ru.net", "phl.party",
    "wikipedia.org", "wikiwand.com", "profilpelajar.com", "censusdepth.com",
    "statisticalatlas.com",
    # Found still cited in the shipped scenarios (issue 23, sourcing audit): a slide-deck
    # mirror, a site that rewrites other outlets' stories, and republishers of press releases.
    "slideplayer.com", "newyork-news.org", "nvnorthwest.com", "blackchronicle.com",
)
"""Aggregator, mirror and summariser sites: never the source of a key number.

The one list of them.  A key number (:data:`KEY_NUMBER`) whose citation names
one of these hosts, or a sub-domain of one, must instead cite the official
document (adopted budget, ACFR, award record, dataset with its vintage) or be
labelled ``assumption:`` and given as a range, an uncertain quantity."""
KEY_NUMBER = re.compile(
    r"(^|\.)(population|immigrant_share)$"
    r"|\.budget\.(expenditure|own_source_revenue|state_aid|reserves|reserve_floor)$"
    r"|\.grant\[[^\]]*\]\.amount$")
"""Key paths of the numbers a city's headline results rest on: people, budget,
reserves, state aid and federal awards."""
URL_HOST = re.compile(r"(?:https?://)?(?:www\.)?((?:[a-z0-9-]+\.)+[a-z]{2,})(?=[/\s;,)]|$)",
                      re.IGNORECASE)


@dataclass(frozen=True)
class Citation:
    """One number, date or uncertain quantity of a scenario file, and its source."""

    path: str
    """Key path, naming list items by name: ``city[Chicago].budget.reserves``."""
    value: Any
    """The value as written (a number, a date or a distribution)."""
    source: str | None
    """Its citation by the rule above, or None when it has none."""
    inherited_from: str
    """Key path of the table whose ``source``/``sources`` supplied the citation
    ("" when the leaf has none)."""

    @property
    def is_assumption(self) -> bool:
        """Whether the citation labels the number an assumption."""
        return self.source is not None and bool(ASSUMPTION.match(self.source))

    @property
    def to_confirm(self) -> bool:
        """Whether the citation asks the analyst to confirm the number ("TO CONFIRM")."""
        return self.source is not None and bool(TO_CONFIRM.search(self.source))


def citations(scenario: Scenario) -> list[Citation]:
    """Every leaf written in the scenario, with its citation, in file order."""
    return list(_walk(scenario, "", None, ""))


def unsourced(scenario: Scenario) -> list[Citation]:
    """Leaves with neither a source nor an assumption label."""
    return [c for c in citations(scenario) if not c.source or not c.source.strip()]


def unknown_references(scenario: Scenario) -> list[tuple[str, str]]:
    """(key path, reference) of every ``[key]`` that the bibliography lacks."""
    known = set(scenario.sources)
    return sorted({(c.path, ref) for c in citations(scenario) if c.source
                   for ref in REFERENCE.findall(c.source) if ref not in known})


def expand(source: str, bibliography: dict[str, str]) -> str:
    """A citation with its ``[key]`` references followed by their full text."""
    refs = [ref for ref in dict.fromkeys(REFERENCE.findall(source)) if ref in bibliography]
    if not refs:
        return source
    return source + " — " + "; ".join(f"[{ref}] {bibliography[ref]}" for ref in refs)


def _is_leaf(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int | float | dt.date) or is_uncertain(value)


def _label(item: Any, index: int) -> str:
    return str(getattr(item, "name", None) or getattr(item, "program", None) or index)


def _walk(node: Frozen, prefix: str, inherited: str | None,
          inherited_from: str) -> Iterator[Citation]:
    own_source = node.source if isinstance(node, Sourced) and node.source else None
    per_key = node.sources if isinstance(node, Sourced) else {}
    for key in type(node).model_fields:
        if key not in node.model_fields_set or key in PROVENANCE_FIELDS:
            continue
        if not prefix and key in ANALYST_TABLES:
            continue
        path = f"{prefix}.{key}" if prefix else key
        if key in per_key:
            cite, origin = per_key[key], prefix
        elif own_source is not None:
            cite, origin = own_source, prefix
        else:
            cite, origin = inherited, inherited_from
        yield from _value(getattr(node, key), path, cite, origin)


def _value(value: Any, path: str, cite: str | None, origin: str) -> Iterator[Citation]:
    if _is_leaf(value):
        if path not in SETTINGS:
            yield Citation(path, value, cite, origin if cite else "")
    elif isinstance(value, Frozen):
        yield from _walk(value, path, cite, origin)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _value(item, f"{path}[{_label(item, i)}]", cite, origin)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _value(item, f"{path}.{key}", cite, origin)


def weak_hosts(citation: str) -> list[str]:
    """The hosts of :data:`WEAK_SOURCES` that a citation names, in order.

    >>> weak_hosts("via https://mail.citywatchla.com/x and https://kesq.com/y")
    ['mail.citywatchla.com']
    """
    hosts = [h.lower() for h in URL_HOST.findall(citation)]
    return [h for h in dict.fromkeys(hosts)
            if any(h == weak or h.endswith("." + weak) for weak in WEAK_SOURCES)]


def weak_key_numbers(scenario: Scenario) -> list[tuple[Citation, list[str]]]:
    """Key numbers that rest on a weak site without being a labelled, ranged assumption.

    A key number may name a weak site only inside an ``assumption:`` citation
    of an uncertain quantity (the site then explains the range, it does not
    back a figure); bibliography references are expanded before looking.
    """
    found = []
    for c in citations(scenario):
        if not c.source or not KEY_NUMBER.search(c.path):
            continue
        hosts = weak_hosts(expand(c.source, scenario.sources))
        if hosts and not (c.is_assumption and is_uncertain(c.value)):
            found.append((c, hosts))
    return found


def problems(scenario: Scenario, origin: str = "<scenario>") -> list[Problem]:
    """A problem for every unsourced leaf, unknown reference and weakly sourced key number.

    Weakly sourced: resting on a site of :data:`WEAK_SOURCES` (:func:`weak_key_numbers`).
    """
    found = [Problem(origin, c.path, "no source: add it to the table's `source` or "
                     "`sources`, or label it \"assumption: ...\"", _show(c.value))
             for c in unsourced(scenario)]
    found += [Problem(origin, path, f"source cites [{ref}], which the top-level [sources] "
                      "bibliography does not define", ref)
              for path, ref in unknown_references(scenario)]
    found += [Problem(origin, c.path, f"a key number cites {', '.join(hosts)}, an aggregator or "
                      "mirror: cite the official document (budget, ACFR, award, dataset and "
                      "vintage) or label it \"assumption: ...\" and give a range", _show(c.value))
              for c, hosts in weak_key_numbers(scenario)]
    return found


def _show(value: Any) -> Any:
    if is_uncertain(value):
        return format_value(value)
    return value.isoformat() if isinstance(value, dt.date) else value


def format_value(value: Any) -> str:
    """A leaf as short text: ``1,660,000,000``, ``2025-02-07``, ``uniform(low=1, high=2)``."""
    if is_uncertain(value):
        fields = value.model_dump(by_alias=True, exclude={"dist"}, exclude_none=True)
        inner = ", ".join(f"{k}={_short(v)}" for k, v in fields.items())
        return f"{value.dist}({inner})"
    return _short(value)


def _short(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1e4:
        return f"{value:,.0f}"
    if isinstance(value, int) and abs(value) >= 1e4:
        return f"{value:,}"
    return f"{value:g}" if isinstance(value, float) else str(value)


def kind(citation: Citation) -> str:
    """``assumption``, ``derived``, ``source`` or ``missing``."""
    if not citation.source:
        return "missing"
    if citation.is_assumption:
        return "assumption"
    return "derived" if citation.source.lstrip().lower().startswith("derived") else "source"


def listing(cites: Sequence[Citation], origin: str) -> list[str]:
    """One line per citation: ``FILE: path = value [kind] source``."""
    return [f"{origin}: {c.path} = {format_value(c.value)} [{kind(c)}] {c.source or ''}".rstrip()
            for c in cites]


def _md(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def markdown(scenarios: list[tuple[str, Scenario]]) -> str:
    """Every number of each scenario with its source, as a Markdown document."""
    return document([(origin, scenario.scenario.name, citations(scenario), scenario.sources)
                     for origin, scenario in scenarios])


def document(sections: Sequence[tuple[str, str, Sequence[Citation], dict[str, str]]]) -> str:
    """A Markdown document of (file, title, citations, bibliography) sections."""
    lines = ["# Sources of the shipped scenarios", "",
             "Generated by `fundsim sources --markdown scenarios/*.toml` (do not edit by hand: "
             "a test checks that this file matches the scenarios).  Each number is listed with "
             "the citation that the sourcing rule finds for it (see "
             "[the scenario reference](scenario-reference.md)): *source* is a document, "
             "*derived* is arithmetic on cited documents, *assumption* is a labelled "
             "judgement that no source backs.", ""]
    for origin, title, cites, bibliography in sections:
        counts = {k: sum(kind(c) == k for c in cites) for k in ("source", "derived",
                                                                   "assumption", "missing")}
        summary = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
        lines += [f"## {_md(title)}", "", f"File `{origin}`: {summary}.", "",
                  "| key | value | kind | source |", "|---|---|---|---|"]
        lines += [f"| `{c.path}` | {_md(format_value(c.value))} | {kind(c)} "
                  f"| {_md(c.source or '')} |" for c in cites]
        lines.append("")
        if bibliography:
            lines += ["Bibliography:", ""]
            lines += [f"- `[{key}]` {_md(text)}" for key, text in bibliography.items()]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


@dataclass(frozen=True)
class AssumedDefault:
    """A schema default that a scenario relies on and the schema labels an assumption."""

    path: str
    """Key path of the value the file leaves out: ``city[Chicago].budget.reserve_floor``."""
    value: Any
    """The default used."""
    note: str
    """The field's docstring, which explains the default."""


def assumed_defaults(scenario: Scenario,
                     strategies: Sequence[str] | None = None) -> list[AssumedDefault]:
    """Defaults the scenario relies on whose field docstring says "Assumption".

    ``strategies`` (names) adds the built-in strategies a run used, whose own
    defaults (e.g. the eligibility lag) count as well.
    """
    found = list(_defaults(scenario, ""))
    defined = {s.name for s in scenario.strategy}
    table = scenario.strategy_table()
    for name in strategies or ():
        if name in table and name not in defined:
            found.extend(_defaults(table[name], f"strategy[{name}]"))
    return found


def _defaults(node: Frozen, prefix: str) -> Iterator[AssumedDefault]:
    for key, field in type(node).model_fields.items():
        if key in PROVENANCE_FIELDS:
            continue
        path = f"{prefix}.{key}" if prefix else key
        value = getattr(node, key)
        note = " ".join((field.description or "").split())
        if key not in node.model_fields_set and ASSUMPTION_WORD.search(note):
            yield AssumedDefault(path, value, note)
        elif isinstance(value, Frozen) and not is_uncertain(value):
            yield from _defaults(value, path)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, Frozen) and not is_uncertain(item):
                    yield from _defaults(item, f"{path}[{_label(item, i)}]")


LEGAL_STATUS = re.compile(r"^(measure|litigation)\b|\.(state_law|current_policy)$")
"""Key paths whose facts are legal statuses: a city's state law and current policy,
federal measures and the litigation over them.  Laws, orders and court rulings
change; one confirmed more than a year before a run starts deserves a second look."""
LEGAL_STATUS_AGE = dt.timedelta(days=365)


@dataclass(frozen=True)
class AgedFact:
    """A fact whose date makes it doubtful for this run (a warning, not an error)."""

    path: str
    """Key path of the fact: ``city[Chicago].budget.reserves``."""
    as_of: dt.date | None
    valid_until: dt.date | None
    message: str
    """Why it is doubtful, in a sentence."""

    def line(self, origin: str) -> str:
        """``FILE: path: warning: message``, the form ``fundsim validate`` prints."""
        return f"{origin}: {self.path}: warning: {self.message}"


def run_end(scenario: Scenario) -> dt.date:
    """The day after the run's last month: ``start`` plus ``years``."""
    start = scenario.scenario.start
    return start.replace(year=start.year + scenario.scenario.years)


def aged_facts(scenario: Scenario) -> list[AgedFact]:
    """Facts the run goes past (``valid_until``) or legal statuses over a year old at the start.

    >>> import sim
    >>> text = sim.scenario.EXAMPLE.replace(
    ...     "reserves = 1e7 }", "reserves = 1e7, valid_until = { reserves = 2025-06-30 } }")
    >>> [(f.path, f.valid_until.isoformat()) for f in aged_facts(sim.load(text))]
    [('city[Springfield].budget.reserves', '2025-06-30')]
    """
    start, end = scenario.scenario.start, run_end(scenario)
    found = []
    for path, table in _sourced_tables(scenario, ""):
        for key in dict.fromkeys([*table.as_of, *table.valid_until]):
            where = f"{path}.{key}" if path else key
            as_of, until = table.as_of.get(key), table.valid_until.get(key)
            if until is not None and until < end:
                when = ("before the run starts: every month" if until < start
                        else f"before the run ends ({end.isoformat()}): later months")
                found.append(AgedFact(where, as_of, until, f"valid until {until.isoformat()}, "
                                      f"{when} rest on an outdated fact"))
            elif (as_of is not None and LEGAL_STATUS.search(where)
                  and start - as_of > LEGAL_STATUS_AGE):
                found.append(AgedFact(where, as_of, until, f"legal status as of "
                                      f"{as_of.isoformat()}, more than a year before the start "
                                      f"({start.isoformat()}): check that it still holds"))
    return found


def _sourced_tables(node: Frozen, prefix: str) -> Iterator[tuple[str, Sourced]]:
    """Every :class:`Sourced` table of the scenario with its key path, in file order."""
    if isinstance(node, Sourced):
        yield prefix, node
    for key in type(node).model_fields:
        if key in PROVENANCE_FIELDS:
            continue
        value = getattr(node, key)
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, Frozen) and not is_uncertain(value):
            yield from _sourced_tables(value, path)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, Frozen) and not is_uncertain(item):
                    yield from _sourced_tables(item, f"{path}[{_label(item, i)}]")
