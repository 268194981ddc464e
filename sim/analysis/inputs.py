"""The three kinds of input file, told apart and checked as what they are.

``fundsim validate`` and ``fundsim sources`` take any of:

* a **scenario** (``[scenario]``, ``[[city]]``...; :mod:`sim.scenario`);
* a **sweep file** (a ``[sweep]`` table naming a base scenario;
  :mod:`sim.analysis.sweep`), validated with its base scenario.  Its numbers are the
  ranges of its ``[[parameter]]`` tables, each with its ``source``; a
  parameter without a range is drawn from the base scenario's distribution and
  carries that number's citation;
* an **observed-outcomes file** (a top-level ``scenario = "path"`` and
  ``[[outcome]]`` tables, or ``[[suit]]`` and ``[[withheld]]`` tables;
  :mod:`sim.analysis.backtest`), validated with the scenario it names.  Its
  numbers are the observed values and dates, each with its ``source``.

The kind is read from the file's content, not its folder, so a sweep file
kept anywhere is still checked as a sweep file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sim.errors import Problem
from sim.scenario import Scenario, loads, parse_toml, provenance, read_text
from sim.scenario.provenance import Citation, format_value

Kind = Literal["scenario", "sweep", "observed"]

KIND_NAMES: dict[Kind, str] = {"scenario": "scenario", "sweep": "sweep file",
                               "observed": "observed-outcomes file"}
"""How messages name each kind."""


def kind_of(data: dict[str, Any]) -> Kind:
    """The kind of a parsed input file.

    >>> kind_of({"sweep": {"name": "x"}, "parameter": []})
    'sweep'
    >>> kind_of({"scenario": "../chicago.toml", "outcome": []})
    'observed'
    >>> kind_of({"scenario": {"name": "Chicago"}, "city": []})
    'scenario'
    """
    if "sweep" in data:
        return "sweep"
    # A scenario's `scenario` is a table; an observed file's is the path of one.
    if isinstance(data.get("scenario"), str) or "outcome" in data:
        return "observed"
    return "scenario"


@dataclass(frozen=True)
class InputFile:
    """A validated input file and the numbers it states, with their sources."""

    origin: str
    """The file as named on the command line."""
    kind: Kind
    title: str
    """The scenario's or sweep's name, or the observed file's description."""
    scenario: Scenario
    """The scenario itself, or the one the file names."""
    citations: tuple[Citation, ...]
    """Every number the file states, with its citation, in file order."""
    problems: tuple[Problem, ...]
    """Every number without a source (and, for a scenario, every unknown
    bibliography reference)."""


def load(path: str | Path) -> InputFile:
    """Read and validate an input file of any kind, as what it is.

    Raises :class:`~sim.errors.ScenarioError` listing every problem, each
    naming the file, the key path and the value.
    """
    origin = str(path)
    text = read_text(path)
    kind = kind_of(parse_toml(text, origin))
    if kind == "sweep":
        return _sweep(Path(path))
    if kind == "observed":
        return _observed(Path(path))
    scenario = loads(text, origin)
    return InputFile(origin, kind, scenario.scenario.name, scenario,
                     tuple(provenance.citations(scenario)),
                     tuple(provenance.problems(scenario, origin)))


def _sweep(path: Path) -> InputFile:
    from sim.analysis import sweep as sweeps

    sweep = sweeps.load(path)
    origin = str(path)
    base = {c.path: c for c in provenance.citations(sweep.scenario)}
    cites, problems = [], []
    for parameter in sweep.file.parameter:
        key = f"parameter[{parameter.path}]"
        if parameter.low is not None or parameter.values is not None:
            value = (f"{format_value(parameter.low)} to {format_value(parameter.high)}"
                     if parameter.low is not None else format_value(parameter.values))
            cite = Citation(key, value, parameter.source, key if parameter.source else "")
            if not (parameter.source or "").strip():
                problems.append(Problem(origin, key, "no source for this range: say why with "
                                        "source = \"...\" (a citation, or \"assumption: ...\")",
                                        value))
        else:
            own = base.get(parameter.path)
            value = format_value(sweep.scenario.value_at(parameter.path))
            source = own.source if own else None
            cite = Citation(key, f"the scenario's {value}", source,
                            sweep.file.sweep.scenario if source else "")
            if not (source or "").strip():
                problems.append(Problem(origin, key, "drawn from the base scenario's "
                                        "distribution, which has no source there: cite it in "
                                        f"{sweep.file.sweep.scenario} or give this parameter a "
                                        "sourced range", value))
        cites.append(cite)
    return InputFile(origin, "sweep", sweep.info.name, sweep.scenario, tuple(cites),
                     tuple(problems))


def _observed(path: Path) -> InputFile:
    from sim.analysis.backtest import SuitBacktest, load_observed

    observed, scenario = load_observed(path)
    origin = str(path)
    if isinstance(observed, SuitBacktest):
        stated = [(f"suit[{s.name}]", s.relief or "no relief", s.source) for s in observed.suit]
        stated += [(f"suit[{s.name}].late[{k}]", late.relieved or "no relief", late.source)
                   for s in observed.suit for k, late in enumerate(s.late)]
        stated += [(f"withheld[{w.city}]", w.value, w.source) for w in observed.withheld]
        stated.append(("reference", observed.reference.relief_days,
                       observed.reference.source))
    else:
        stated = [(f"outcome[{o.metric}@{o.city}, {o.strategy}]", o.value, o.source)
                  for o in observed.outcome]
    cites, problems = [], []
    for key, value, text in stated:
        source = text.strip() or None
        cites.append(Citation(key, value, source, key if source else ""))
        if source is None:
            problems.append(Problem(origin, key, "no source: say where the observed value "
                                    "comes from with source = \"...\"", value))
    title = observed.description or f"Observed outcomes for {scenario.scenario.name}"
    return InputFile(origin, "observed", title, scenario, tuple(cites), tuple(problems))


def listing(found: InputFile) -> list[str]:
    """One line per number: ``FILE: path = value [kind] source``."""
    return provenance.listing(found.citations, found.origin)


def markdown(found: list[InputFile]) -> str:
    """Every number of each file with its source, as a Markdown document."""
    return provenance.document([(f.origin, f.title, list(f.citations), f.scenario.sources
                                 if f.kind == "scenario" else {}) for f in found])
