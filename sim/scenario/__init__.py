"""Scenarios: what a scenario file may say, and reading it into checked, typed objects.

The bottom layer of the house above :mod:`sim.errors`, :mod:`sim.metrics` and
:mod:`sim.formats`; it knows nothing of the model that runs a scenario.

* :mod:`~sim.scenario.schema`: the frozen pydantic models of a scenario file
  (cities, budgets, grants, measures, litigation, strategies, thresholds), key
  paths (``city[Chicago].budget.reserves``), TOML loading and the checks
  across tables, every problem reported at once as ``FILE: key.path: what is
  wrong (got X)``;
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

from sim.scenario.law import COMPLIANCE_LEVELS, FORBIDDEN_BY_STATE_LAW, LEVELS, STATE_LAWS
from sim.scenario.schema import (
    BASELINE,
    COURT_STAGES,
    EXAMPLE,
    MAX_FILE_BYTES,
    MAX_NAME,
    Budget,
    City,
    Enforcement,
    Grant,
    LegalCosts,
    Measure,
    Scenario,
    ScenarioInfo,
    Sourced,
    Strategy,
    SwitchRule,
    Threshold,
    Trust,
    format_loc,
    json_schema,
    load,
    loads,
    number_leaves,
    parse_path,
    parse_toml,
    plain_number,
    read_text,
    threshold_problems,
    uncertain_leaves,
    validate,
)

__all__ = [
    "BASELINE", "COMPLIANCE_LEVELS", "COURT_STAGES", "EXAMPLE", "FORBIDDEN_BY_STATE_LAW",
    "LEVELS", "MAX_FILE_BYTES", "MAX_NAME", "STATE_LAWS",
    "Budget", "City", "Enforcement", "Grant", "LegalCosts", "Measure", "Scenario",
    "ScenarioInfo", "Sourced", "Strategy", "SwitchRule", "Threshold", "Trust", "format_loc",
    "json_schema", "load", "loads", "number_leaves", "parse_path", "parse_toml", "plain_number", "read_text",
    "threshold_problems", "uncertain_leaves", "validate",
]
