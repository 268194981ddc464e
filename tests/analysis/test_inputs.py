"""Input files told apart: `validate` and `sources` check sweep and observed files as such."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sim.analysis import inputs
from sim.cli import main
from tests.conftest import scenario_text

ROOT = Path(__file__).resolve().parents[2]

SWEEP = """
[sweep]
name = "Reserves"
scenario = "scenario.toml"
design = "grid"
replications = 2

[[parameter]]
path = "city[Springfield].budget.reserves"
low = 1.0e7
high = 2.0e8
source = "assumption: a wide range"
"""

OBSERVED = """
scenario = "scenario.toml"

[[outcome]]
metric = "federal_withheld"
city = "Springfield"
value = 1.2e7
source = "the award letter"
"""


def write(folder: Path, name: str, text: str) -> Path:
    (folder / "scenario.toml").write_text(scenario_text())
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def test_shipped_sweep_and_observed_files_validate_as_what_they_are(cli):
    """The README's sweep and backtest files pass `validate` and `sources --check`."""
    files = sorted(str(p.relative_to(ROOT)) for p in
                   [*ROOT.glob("scenarios/sweeps/*.toml"), *ROOT.glob("scenarios/observed/*.toml")])
    assert files
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        checked = cli.invoke(main, ["validate", *files])
        sourced = cli.invoke(main, ["sources", "--check", *files])
    assert checked.exit_code == 0, checked.output
    assert "ok (sweep file)" in checked.stdout and "ok (observed-outcomes file)" in checked.stdout
    assert sourced.exit_code == 0, sourced.output


@pytest.mark.parametrize("name, text, message", [
    ("sweep.toml", SWEEP.replace("design =", "desing ="),
     "sweep.desing: unknown key"),
    ("sweep.toml", SWEEP.replace("budget.reserves", "budget.reservez"),
     "parameter[0].path: not a key of the scenario"),
    ("observed.toml", OBSERVED.replace('city = "Springfield"', 'city = "Shelbyville"'),
     "outcome[0].city: no [[city]] of the scenario has this name (got 'Shelbyville')"),
    ("observed.toml", OBSERVED.replace("value = 1.2e7\n", ""),
     "outcome[0].value: required"),
], ids=["sweep-typo", "sweep-bad-path", "observed-unknown-city", "observed-no-value"])
def test_validate_names_the_sweep_or_observed_files_own_problems(cli, tmp_path, name, text,
                                                                 message):
    """A broken sweep or observed file: its own problem, not a scenario schema's complaints."""
    path = write(tmp_path, name, text)
    result = cli.invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"{path}: {message}"), line


def test_sources_check_flags_a_sweep_range_without_a_source(cli, tmp_path):
    """A parameter's range is a number like any other: no source, exit 2, one line."""
    path = write(tmp_path, "sweep.toml",
                 SWEEP.replace('source = "assumption: a wide range"\n', ""))
    result = cli.invoke(main, ["sources", "--check", str(path)])
    assert result.exit_code == 2
    assert result.stdout.strip() == f"{path}: unsourced or weakly sourced numbers"
    assert (f"{path}: parameter[city[Springfield].budget.reserves]: no source for this range"
            in result.stderr)
    assert "(got '10,000,000 to 200,000,000')" in result.stderr


def test_sources_lists_observed_values_and_sweep_ranges_with_their_citations(tmp_path):
    """The listing of a sweep or observed file: each number, its kind and its citation."""
    sweep = inputs.load(write(tmp_path, "sweep.toml", SWEEP))
    observed = inputs.load(write(tmp_path, "observed.toml", OBSERVED))
    assert (sweep.kind, observed.kind) == ("sweep", "observed")
    assert inputs.listing(sweep) == [
        f"{tmp_path / 'sweep.toml'}: parameter[city[Springfield].budget.reserves] = 10,000,000 "
        "to 200,000,000 [assumption] assumption: a wide range"]
    assert inputs.listing(observed) == [
        f"{tmp_path / 'observed.toml'}: outcome[federal_withheld@Springfield, sanctuary] = "
        "12,000,000 [source] the award letter"]
    assert "## Reserves" in inputs.markdown([sweep, observed])
