"""Scenario loading (sim/scenario/schema.py): valid files, bad values, syntax, the JSON Schema."""

from __future__ import annotations

import datetime as dt

import pytest

import sim
from sim.errors import ScenarioError
from sim.scenario import EXAMPLE, json_schema, loads
from tests.conftest import ONE_CITY
from tests.scenario.conftest import problems


def test_example_loads_with_defaults():
    """A minimal scenario gets documented defaults and the built-in strategies."""
    scenario = loads(EXAMPLE)
    assert scenario.start == dt.date(2025, 1, 1)
    assert scenario.months == 24
    assert [s.name for s in scenario.strategies_to_run()] == ["sanctuary", "partial", "full"]
    assert scenario.city[0].budget.reserve_floor == 0.05


def test_start_is_first_of_month_and_end_follows_horizon():
    """The horizon starts on the first of the start month and runs whole years."""
    scenario = loads(ONE_CITY.replace("2025-01-01", "2025-03-17"))
    assert scenario.start == dt.date(2025, 3, 1)
    assert scenario.end == dt.date(2027, 3, 1)


@pytest.mark.parametrize(
    ("old", "new", "path", "message"),
    [
        ("expenditure = 1.2e9", "expenditure = -1.0", "city[0].budget.expenditure", "must be >= 0"),
        ("reserves = 1.0e8", "reserves = true", "city[0].budget.reserves",
         "expected a number"),
        ('state = "IL"', 'state = "Illinois"', "city[0].state", "got 'Illinois'"),
        ("fiscal_year_start = 7", "fiscal_year_start = 13", "city[0].fiscal_year_start",
         "got 13"),
        ('kind = "grant_condition"', 'kind = "decree"', "measure[0].kind", "got 'decree'"),
        ("reserves = 1.0e8", 'reserves = {dist = "lognormal", median = 1e8, sigma = -1}',
         "city[0].budget.reserves.sigma", "must be > 0"),
        ("reserves = 1.0e8", 'reserves = {dist = "uniform", low = 2e8, high = 1e8}',
         "city[0].budget.reserves", "low (200000000.0) must be below high"),
        ("reserves = 1.0e8", 'reserves = {dist = "normal", mean = 1e8, sd = 1e7}',
         "city[0].budget.reserves", "must lie within >= 0"),
        ("reserves = 1.0e8", 'reserves = {dist = "gamma", k = 2}',
         "city[0].budget.reserves", "unknown distribution"),
        ("reserves = 1.0e8", "reserves = {low = 1, high = 2}", "city[0].budget.reserves",
         "needs a `dist` key"),
        ("reserves = 1.0e8", "reserves = 1.0e8\nreserve_flor = 0.1", "city[0].budget.reserve_flor",
         "unknown key"),
        ("effective = 2025-03-10", "effective = 2031-01-01", "measure[0].effective",
         "after the horizon"),
        ("effective = 2025-03-10", 'effective = "soon"', "measure[0].effective", "got 'soon'"),
        ("years = 2", "years = 0", "scenario.years", "got 0"),
        ("start = 2025-01-01", "start = 2299-02-01", "scenario.start",
         "the horizon of 2 years runs to 2301, past 2300 (got 2299-02-01)"),
        ("replications = 8", "replications = 8.5", "scenario.replications", "got 8.5"),
    ],
)
def test_bad_value_is_reported_with_path_and_value(old, new, path, message):
    """Each problem names the file, the key path and (where there is one) the value."""
    assert old in ONE_CITY
    found = problems(ONE_CITY.replace(old, new, 1))
    assert any(line.startswith(f"bad.toml: {path}: ") and message in line for line in found), found


def test_missing_key_is_reported_without_value():
    """A missing required key says so and shows no value."""
    found = problems(ONE_CITY.replace("population = 100000\n", ""))
    assert "bad.toml: city[0].population: required key is missing" in found


def test_every_problem_is_reported_at_once():
    """Several problems in one file come out together, one line each."""
    text = (ONE_CITY.replace("expenditure = 1.2e9", "expenditure = -1.0")
            .replace('state = "IL"', 'state = "xx"') + '\n[[measure]]\nname = "M2"\n'
            'kind = "legislation"\neffective = 2025-01-01\ncities = ["Shelbyville"]\n')
    found = problems(text)
    assert len(found) == 3, found
    assert any("measure[1].cities[0]: no [[city]] has this name (got 'Shelbyville')" in f
               for f in found)


def test_toml_syntax_error_gives_line_and_column():
    """A TOML syntax error names the line and column."""
    (line,) = problems(ONE_CITY.replace("years = 2", "years = = 2"))
    assert "TOML syntax error" in line and "line 5" in line and "column" in line


@pytest.mark.parametrize("text", ["", "   \n", "\x00\x01binary"])
def test_empty_or_binary_text_is_rejected(text):
    """Empty and binary inputs give one clear problem."""
    (line,) = problems(text)
    assert line.startswith("bad.toml: ")


def test_load_reads_files_and_reports_unreadable_ones(tmp_path):
    """sim.load reads a path; a missing file is a clean problem."""
    path = tmp_path / "s.toml"
    path.write_text(ONE_CITY)
    assert sim.load(path).scenario.name == "Test city"
    with pytest.raises(ScenarioError, match="cannot read file"):
        sim.scenario.load(tmp_path / "missing.toml")


def test_schema_describes_every_field():
    """Every field in the JSON Schema has a description (the reference docs)."""
    schema = json_schema()
    missing = []
    for name, definition in schema["$defs"].items():
        for field, spec in definition.get("properties", {}).items():
            if field != "dist" and "description" not in spec:
                missing.append(f"{name}.{field}")
    assert not missing, missing
