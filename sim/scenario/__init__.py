"""Scenarios: what a scenario file may say, and reading it into checked, typed objects.

The bottom layer of the house above :mod:`sim.errors`, :mod:`sim.metrics` and
:mod:`sim.formats`; it knows nothing of the model that runs a scenario.

* :mod:`~sim.scenario.schema`: the whole file (:class:`Scenario`) and its
  loading from TOML, every problem reported at once as ``FILE: key.path: what
  is wrong (got X)``;
* the tables a file holds, frozen pydantic models whose field docstrings are
  the reference, by domain: :mod:`~sim.scenario.city` (budget, grants, jail,
  trust), :mod:`~sim.scenario.measures`, :mod:`~sim.scenario.strategies`
  (switch rules, thresholds), :mod:`~sim.scenario.litigation` (suits,
  coalitions, costs, liability), :mod:`~sim.scenario.courts` (court stages and
  their defaults), on :mod:`~sim.scenario.base` (sources, limits);
* :mod:`~sim.scenario.checks`: checks across tables (names, references,
  dates, state law);
* :mod:`~sim.scenario.paths`: key paths (``city[Chicago].budget.reserves``);
* :mod:`~sim.scenario.law`: the law applied, with citations: what each compliance
  level does, what each state's law forbids, what each kind of measure can reach;
* :mod:`~sim.scenario.uncertain`: uncertain quantities ``{dist = "...", ...}``;
* :mod:`~sim.scenario.messages`: pydantic's errors in plain language;
* :mod:`~sim.scenario.provenance`: the sources every shipped number cites;
* :mod:`~sim.scenario.schema_docs`: the scenario reference generated from the
  schema (``docs/scenario-reference.md``).

The names below are the package's public face: other layers import them from
``sim.scenario``.
"""

from sim.scenario.base import MAX_FILE_BYTES, MAX_NAME, Sourced
from sim.scenario.checks import threshold_problems
from sim.scenario.city import Budget, City, Enforcement, Grant, Trust
from sim.scenario.courts import COURT_STAGES, LITIGATED_KINDS
from sim.scenario.law import COMPLIANCE_LEVELS, FORBIDDEN_BY_STATE_LAW, LEVELS, STATE_LAWS
from sim.scenario.litigation import Coalition, LegalCosts, SuitHistory
from sim.scenario.measures import Measure
from sim.scenario.paths import format_loc, number_leaves, parse_path, uncertain_leaves
from sim.scenario.schema import (
    EXAMPLE,
    Scenario,
    ScenarioInfo,
    json_schema,
    load,
    loads,
    parse_toml,
    read_text,
    validate,
)
from sim.scenario.strategies import BASELINE, Strategy, SwitchRule, Threshold, plain_number
from sim.scenario.uncertain import is_uncertain

__all__ = [
    "BASELINE", "COMPLIANCE_LEVELS", "COURT_STAGES", "EXAMPLE", "FORBIDDEN_BY_STATE_LAW",
    "LEVELS", "LITIGATED_KINDS", "MAX_FILE_BYTES", "MAX_NAME", "STATE_LAWS",
    "Budget", "City", "Coalition", "Enforcement", "Grant", "LegalCosts", "Measure", "Scenario",
    "ScenarioInfo", "Sourced", "Strategy", "SuitHistory", "SwitchRule", "Threshold", "Trust",
    "format_loc", "is_uncertain", "json_schema", "load", "loads", "number_leaves", "parse_path",
    "parse_toml", "plain_number", "read_text", "threshold_problems", "uncertain_leaves",
    "validate",
]
