"""A sweep file checked against its scenario (sim/analysis/sweep/factors.py): parameters,
outputs, --param, bad files."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from sim.analysis import sweep as sweeps
from sim.cli import main
from sim.errors import ScenarioError
from tests.analysis.sweep.conftest import (
    ROOT,
    SCENARIO,
    SWEEP,
    write_sweep,
)
from tests.conftest import ONE_CITY

SHIPPED = sorted((ROOT / "scenarios" / "sweeps").glob("*.toml"))


def test_base_case_is_the_scenario_value_or_its_median(tmp_path):
    """Tornado base: the scenario's fixed value, else its distribution's median."""
    scenario = SCENARIO.replace("reserves = 1.0e8", 'reserves = {dist = "uniform", '
                                "low = 5e7, high = 1.5e8}")
    sweep = sweeps.load(write_sweep(tmp_path, scenario=scenario), {"parameter": [
        {"path": "city[Springfield].budget.reserves"},
        {"path": "scenario.discount_rate", "low": 0.0, "high": 0.1}]})
    reserves, rate = sweep.factors
    assert reserves.base == pytest.approx(1e8) and reserves.ends == pytest.approx((5.5e7, 1.45e8))
    assert rate.base == 0.03 and rate.ends == (0.0, 0.1)


BAD_FILES = [
    ("unknown-key", ('design = "sobol"', 'desing = "sobol"'),
     "sweep.desing: unknown key"),
    ("missing-path", ("path = \"scenario.discount_rate\"", "path = \"scenario.discount\""),
     "parameter[2].path: not a key of the scenario: scenario has no key 'discount'"),
    ("no-such-city", ('path = "measure[Never].withhold_share"',
                      'path = "city[Shelbyville].budget.reserves"'),
     "parameter[1].path: not a key of the scenario: no city named 'Shelbyville'"),
    ("out-of-bounds", ("high = 1.0\n\n[[parameter]]\npath = \"measure[Never]",
                       "high = 1.5\n\n[[parameter]]\npath = \"measure[Never]"),
     "parameter[0].high: the scenario rejects it: must be >= 0 and <= 1 (got 1.5)"),
    ("reversed-range", ("low = 0.0\nhigh = 0.08", "low = 0.08\nhigh = 0.0"),
     "parameter[2]: low (0.08) must be below high (0.0)"),
    ("fixed-without-range", ("low = 0.0\nhigh = 0.08\n", ""),
     "parameter[2]: scenario.discount_rate is fixed in the scenario (0.03); give low and high"),
    ("date-for-number", ("low = 0.0\nhigh = 0.08", "low = 2025-01-01\nhigh = 2026-01-01"),
     "parameter[2].low: scenario.discount_rate holds numbers"),
    ("not-a-number", ('path = "scenario.discount_rate"', 'path = "scenario.name"'),
     "parameter[2].path: not a number or a date in the scenario"),
    ("samples-not-power-of-2", ("samples = 16", "samples = 10"),
     "sweep.samples: a sobol design needs a power of 2"),
    ("unknown-metric", ('metric = "net_fiscal_impact"', 'metric = "net_impact"'),
     "output[0].metric: unknown metric"),
    ("metric-not-reported", ('metric = "net_fiscal_impact"', 'metric = "grant_backfill"'),
     "output[0].metric: this scenario does not report it: it is reported only when a grant "
     "names the positions or programs it pays for ([[city.grant.funds]]) (got "
     "'grant_backfill')"),
    ("unknown-output-strategy", ('strategy = "sanctuary"\n', 'strategy = "full"\n'),
     "output[0].strategy: not simulated"),
    ("no-scenario-file", ('scenario = "scenario.toml"', 'scenario = "missing.toml"'),
     "sweep.scenario: no such scenario file (got 'missing.toml')"),
    ("values-outside-grid", ("low = 0.1\nhigh = 1.0\n\n[[parameter]]\npath = \"measure[Never]",
                             "values = [0.1, 0.5]\n\n[[parameter]]\npath = \"measure[Never]"),
     "parameter[0].values: values need design = \"grid\""),
    ("one-key-two-spellings", ('path = "measure[Never].withhold_share"',
                               'path = "measure[0].withhold_share"'),
     "parameter[1].path: the same key as parameter[0] (measure[0].withhold_share); sweep each "
     "key once (got 'measure[0].withhold_share')"),
]


@pytest.mark.parametrize("change, message", [(c, m) for _, c, m in BAD_FILES],
                         ids=[name for name, _, _ in BAD_FILES])
def test_bad_sweep_file_names_file_key_path_and_value(tmp_path, change, message):
    """Each kind of mistake is reported as FILE: key.path: message (got value)."""
    old, new = change
    assert old in SWEEP
    path = write_sweep(tmp_path, SWEEP.replace(old, new, 1))
    with pytest.raises(ScenarioError) as caught:
        sweeps.load(path)
    assert f"{path}: {message}" in str(caught.value)


def test_every_problem_of_a_sweep_file_is_reported_at_once(cli, tmp_path):
    """Three mistakes: three lines on stderr, exit status 2, nothing written."""
    text = (SWEEP.replace("samples = 16", "samples = 10")
            .replace('metric = "net_fiscal_impact"', 'metric = "net_impact"')
            .replace("high = 1.0\n", "high = 1.5\n", 1))
    path = write_sweep(tmp_path, text)
    out = tmp_path / "out"
    result = cli.invoke(main, ["sweep", str(path), "-o", str(out), "-q"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith(f"{path}: ") for line in lines)
    assert "Traceback" not in result.output and not out.exists()


def test_bad_scenario_under_a_sweep_is_reported_in_the_scenario_file(tmp_path):
    """A broken base scenario names the scenario file, not the sweep file."""
    path = write_sweep(tmp_path, scenario=ONE_CITY.replace("expenditure = 1.2e9",
                                                           "expenditure = -1"))
    with pytest.raises(ScenarioError, match=r"scenario\.toml: city\[0\]\.budget\.expenditure"):
        sweeps.load(path)


def test_cli_sweeps_a_scenario_named_with_param_options(cli, tmp_path):
    """`fundsim sweep SCENARIO -p ...` runs a grid and prints the folder."""
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(SCENARIO)
    out = tmp_path / "out"
    result = cli.invoke(main, [
        "sweep", str(scenario), "--design", "grid", "--levels", "2", "-n", "2", "-w", "1",
        "-p", "measure[DOJ conditions].withhold_share=0.2..1", "-p", "scenario.discount_rate="
        "0.01,0.05", "-m", "federal_withheld@sanctuary", "-o", str(out), "--no-figures"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith(str(out))
    indices = pd.read_csv(out / "indices.csv")
    assert set(indices["target"]) == {"federal_withheld.mean[sanctuary, Springfield]"}
    # Unlabelled parameters read as words; the default folder says "sweep" once.
    labels = set(pd.read_csv(out / "tornado.csv")["label"])
    assert labels == {"DOJ conditions: withhold share", "discount rate"}
    plan = sweeps.load(scenario, {"parameter": [sweeps.parse_parameter(
        "scenario.discount_rate=0.01..0.05")]})
    assert sweeps.default_folder(plan).name.startswith("test-city-sweep-2")


def test_cli_rejects_a_scenario_without_parameters_and_bad_param_text(cli, tmp_path):
    """A scenario needs --param; a malformed --param is a clean error."""
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(SCENARIO)
    plain = cli.invoke(main, ["sweep", str(scenario), "-q"])
    assert plain.exit_code == 2 and "name the parameters to vary with --param" in plain.stderr
    bad = cli.invoke(main, ["sweep", str(scenario), "-q", "-p", "scenario.discount_rate=a..b"])
    assert bad.exit_code == 2 and "--param: expected PATH" in bad.stderr


def test_cli_refuses_one_key_under_two_spellings(cli, tmp_path):
    """Issue 21 item 22: city[0]... and city[Springfield]... were both swept; design.csv listed
    values never used and the indices credited one spelling ST 1.2, the other 0."""
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(SCENARIO)
    out = tmp_path / "out"
    result = cli.invoke(main, ["sweep", str(scenario), "-p", "city[0].budget.reserves=5e7..2e8",
                               "-p", "city[Springfield].budget.reserves=1e7..3e7", "-o",
                               str(out), "-q"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "command line: parameter[1].path: the same key as parameter[0] "
        "(city[0].budget.reserves); sweep each key once (got "
        "'city[Springfield].budget.reserves')"]
    assert not out.exists()


def test_parse_parameter_reads_ranges_values_and_dates():
    """--param accepts PATH, PATH=LOW..HIGH and PATH=V1,V2 with numbers or dates."""
    assert sweeps.parse_parameter("a.b") == {"path": "a.b"}
    assert sweeps.parse_parameter("m[X].effective=2026-01-01..2027-01-01") == {
        "path": "m[X].effective", "low": dt.date(2026, 1, 1), "high": dt.date(2027, 1, 1)}
    assert sweeps.parse_parameter("a=1,2,3") == {"path": "a", "values": [1.0, 2.0, 3.0]}


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_sweep_validates_and_runs_small(path, tmp_path):
    """Each shipped sweep file validates, cites its ranges and runs on a tiny design."""
    sweep = sweeps.load(path)
    assert all(f.source or f.dist is not None for f in sweep.factors)
    small = sweeps.load(path, {"samples": 2, "replications": 2})
    result = sweeps.run(small, tmp_path / "out", workers=1, figures=False)
    assert result.indices["ST"].notna().any()
