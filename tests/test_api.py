"""The Python API researchers use: sim.load, sim.run, sim.open_results (sim/__init__.py)."""

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from matplotlib.figure import Figure

import sim
from sim.cli import main
from sim.errors import ScenarioError, UsageError
from sim.presentation.style import png_bytes
from sim.scenario import EXAMPLE

SCENARIOS = Path(__file__).parents[1] / "scenarios"
TABLES = ("summary", "replications", "trajectories", "events", "bands")
"""Every table of a result; bands are monthly quantiles over all replications."""


@pytest.fixture(scope="module")
def coalition_run():
    """A small multi-city run with events."""
    return sim.run(SCENARIOS / "coalition-2025.toml", replications=6, seed=3, workers=1)


@pytest.fixture(scope="module")
def saved_coalition_run(coalition_run, tmp_path_factory):
    """The same run saved with its figures, and read back."""
    folder = coalition_run.save(tmp_path_factory.mktemp("runs") / "coalition")
    return folder, sim.open_results(folder)


def test_load_reads_a_path_in_any_spelling():
    """A str path, a Path and TOML text give the same scenario."""
    path = SCENARIOS / "los-angeles.toml"
    assert sim.load(path) == sim.load(str(path)) == sim.load(path.read_text())


def test_load_validates_parsed_data():
    """A dict (e.g. built in a notebook) is validated like a file."""
    scenario = sim.load(EXAMPLE)
    data = scenario.model_dump(by_alias=True)
    assert sim.load(data) == scenario
    data["city"][0]["budget"]["reserves"] = -1
    with pytest.raises(ScenarioError, match=r"<data>: city\[0\].budget.reserves: must be >= 0"):
        sim.load(data)


def test_load_one_line_toml_is_text():
    """TOML text on one line is read as TOML, not as a file name."""
    with pytest.raises(ScenarioError) as error:
        sim.load('scenario = { name = "x" }')
    assert {p.file for p in error.value.problems} == {"<string>"}
    assert "city" in {p.path for p in error.value.problems}


def test_load_reports_a_missing_file():
    """A path that does not exist is one clear problem naming the file."""
    with pytest.raises(ScenarioError) as error:
        sim.load("nowhere/chicago.toml")
    assert str(error.value) == "nowhere/chicago.toml: cannot read file: No such file or directory"


def test_load_refuses_other_types():
    """Numbers and other objects are a programming error, said plainly."""
    with pytest.raises(TypeError, match="path, TOML text or a dict"):
        sim.load(42)


def test_run_accepts_a_scenario_or_its_file():
    """sim.run takes a Scenario or anything sim.load reads, with the same result."""
    path = SCENARIOS / "los-angeles.toml"
    a = sim.run(path, replications=3, seed=5, workers=1)
    b = sim.run(sim.load(path), replications=3, seed=5, workers=1)
    pd.testing.assert_frame_equal(a.replications, b.replications)


def test_run_uses_the_scenario_defaults():
    """Options left out take the scenario's replications, seed and strategies."""
    scenario = sim.load(EXAMPLE).with_values({"scenario.replications": 5, "scenario.seed": 9,
                                              "scenario.strategies": ["partial"]})
    result = sim.run(scenario, workers=1)
    assert (result.manifest["replications"], result.manifest["seed"]) == (5, 9)
    assert result.strategies == ["baseline", "partial"]
    assert sorted(result.replications["replication"].unique()) == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(("option", "value", "message"), [
    ("replications", 0, "replications must be a whole number of at least 1 (got 0)"),
    ("replications", 2.5, "replications must be a whole number (got 2.5)"),
    ("replications", True, "replications must be a whole number (got True)"),
    ("seed", -1, "seed must be a whole number from 0 to"),
    ("workers", 0, "workers must be a whole number from 1 to 1024 (got 0)"),
    ("keep", -2, "keep must be a whole number of at least 0 (got -2)"),
    ("engine", "fast", "unknown engine 'fast'"),
])
def test_run_refuses_bad_options(option, value, message):
    """Each bad option is one clear UsageError, before anything runs."""
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        sim.run(EXAMPLE, **{option: value})


def test_run_accepts_numpy_integers():
    """Replications and seeds from numpy (e.g. a sweep) are fine."""
    result = sim.run(EXAMPLE, replications=np.int64(2), seed=np.int64(4), workers=1)
    assert (result.manifest["replications"], result.manifest["seed"]) == (2, 4)


def test_strategy_option_is_checked_like_the_file():
    """Strategies asked for are checked as [scenario] strategies are: known, distinct, lawful."""
    with pytest.raises(ScenarioError) as error:
        sim.run(SCENARIOS / "los-angeles.toml", strategies=["full"])
    assert str(error.value).startswith(
        "strategies option: scenario.strategies[0]: strategy 'full' (full) is forbidden in "
        "Los Angeles: ")
    with pytest.raises(ScenarioError, match="strategy repeated: partial"):
        sim.run(SCENARIOS / "los-angeles.toml", strategies=["partial", "partial"])
    with pytest.raises(UsageError, match=r"unknown strategy 'x' \(known: hold out, then notify, "
                       r"notify_serious, sanctuary; state law forbids partial, full, notify\)"):
        sim.run(SCENARIOS / "los-angeles.toml", strategies=["partial", "x"])


def test_one_strategy_may_be_named_alone():
    """strategies="partial" means the one strategy, not its letters."""
    result = sim.run(EXAMPLE, replications=2, strategies="partial", workers=1)
    assert result.strategies == ["baseline", "partial"]


def test_same_numbers_whatever_the_workers():
    """One or two worker processes give identical tables."""
    one = sim.run(SCENARIOS / "denver-no-bailout.toml", replications=8, seed=2, workers=1,
                  batch_size=3)
    two = sim.run(SCENARIOS / "denver-no-bailout.toml", replications=8, seed=2, workers=2,
                  batch_size=3)
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(one, table), getattr(two, table),
                                      check_exact=True)


def test_progress_counts_every_replication():
    """The progress callback is told about every replication once."""
    done = []
    sim.run(EXAMPLE, replications=7, batch_size=3, workers=1, progress=done.append)
    assert sum(done) == 7


def test_tables_are_pandas_frames_with_documented_columns(coalition_run):
    """The four tables are DataFrames keyed by strategy, replication and city."""
    assert list(coalition_run.summary.columns[:7]) == ["strategy", "city", "metric", "mean",
                                                      "p05", "p50", "p95"]
    assert {"strategy", "replication", "city", "net_fiscal_impact", "floor_breached"} <= set(
        coalition_run.replications.columns)
    assert {"strategy", "replication", "city", "date", "reserves", "federal_withheld"} <= set(
        coalition_run.trajectories.columns)
    assert list(coalition_run.events.columns) == ["strategy", "replication", "date", "city",
                                                 "kind", "detail"]
    cities = len(coalition_run.scenario.city)
    assert len(coalition_run.replications) == 2 * 6 * cities  # baseline and sanctuary
    assert not coalition_run.events.empty


@pytest.mark.parametrize("table", TABLES)
def test_saved_run_reads_back_equal(coalition_run, saved_coalition_run, table):
    """run -> save -> open_results gives equal frames, values and dtypes alike."""
    _, reopened = saved_coalition_run
    pd.testing.assert_frame_equal(getattr(coalition_run, table), getattr(reopened, table),
                                  check_exact=True)


def test_saved_run_without_events_reads_back_equal(tmp_path):
    """A scenario without measures (empty event log) also round-trips with its dtypes."""
    result = sim.run(EXAMPLE, replications=3, seed=1, workers=1)
    assert result.events.empty
    reopened = sim.open_results(result.save(tmp_path / "run", figures=False))
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(result, table), getattr(reopened, table),
                                      check_exact=True)


def test_saved_run_keeps_scenario_and_settings(coalition_run, saved_coalition_run):
    """The reopened result has the same scenario, strategies, seed and folder."""
    folder, reopened = saved_coalition_run
    assert reopened.scenario == coalition_run.scenario
    assert reopened.strategies == coalition_run.strategies
    assert reopened.manifest["seed"] == 3
    assert reopened.folder == folder
    assert repr(reopened) == (f"<RunResult '{coalition_run.scenario.scenario.name}': "
                              f"6 replications, seed 3, strategies baseline, sanctuary, "
                              f"saved in {folder}>")


def test_plot_draws_the_figures_the_run_folder_holds(coalition_run, saved_coalition_run):
    """result.plot.<name>() draws exactly the PNG the run wrote, fresh or reopened."""
    folder, reopened = saved_coalition_run
    written = sorted((folder / "figures").glob("*.png"))
    assert written
    for png in written:
        for result in (coalition_run, reopened):
            figure = getattr(result.plot, png.stem)()
            assert isinstance(figure, Figure)
            assert png_bytes(figure) == png.read_bytes(), png.stem


def test_open_results_refuses_an_incomplete_folder(tmp_path):
    """A folder without manifest (e.g. an interrupted run) is refused clearly."""
    with pytest.raises(UsageError, match="is not a complete fundsim run"):
        sim.open_results(tmp_path)


def test_open_results_refuses_a_damaged_folder(saved_coalition_run, tmp_path):
    """A damaged table gives a clean UsageError naming the folder."""
    folder, _ = saved_coalition_run
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    for name in ["manifest.json", *manifest["files"]]:
        (damaged / name).parent.mkdir(parents=True, exist_ok=True)
        (damaged / name).write_bytes((folder / name).read_bytes())
    (damaged / "events.parquet").write_bytes(b"not parquet")
    with pytest.raises(ScenarioError, match=f"{damaged}/events.parquet: changed since"):
        sim.open_results(damaged)  # the manifest's checksum tells first
    manifest["files"]["events.parquet"] = hashlib.sha256(b"not parquet").hexdigest()
    (damaged / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(UsageError, match=f"cannot read run folder {damaged}"):
        sim.open_results(damaged)


def test_cli_run_gives_the_api_result(tmp_path):
    """`fundsim run` writes what sim.run(...).save() writes: one implementation."""
    scenario = SCENARIOS / "denver-no-bailout.toml"
    out = tmp_path / "cli"
    outcome = CliRunner().invoke(main, ["run", str(scenario), "-n", "4", "--seed", "8", "-w",
                                        "1", "-o", str(out), "-q", "--no-figures"])
    assert outcome.exit_code == 0, outcome.output
    from_cli = sim.open_results(out)
    from_api = sim.run(scenario, replications=4, seed=8, workers=1)
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(from_cli, table), getattr(from_api, table),
                                      check_exact=True)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenario"] == from_api.manifest["scenario"]


def test_cli_strategy_problems_exit_2_without_traceback(tmp_path):
    """A forbidden --strategy is reported like a file problem, exit status 2, nothing written."""
    out = tmp_path / "cli"
    outcome = CliRunner().invoke(main, ["run", str(SCENARIOS / "los-angeles.toml"), "-s",
                                        "full", "-o", str(out), "-q"])
    assert outcome.exit_code == 2
    assert "strategies option: scenario.strategies[0]: strategy 'full'" in outcome.output
    assert "Traceback" not in outcome.output
    assert not out.exists()


def test_readme_python_example_runs(tmp_path, monkeypatch):
    """The README's Python example runs as written, from a folder holding scenarios/."""
    readme = (SCENARIOS.parent / "README.md").read_text()
    section = readme.split("## Python and notebooks", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scenarios").symlink_to(SCENARIOS)
    names: dict = {}
    exec(compile(code, "README.md", "exec"), names)
    assert names["folder"].parent == Path("results")
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(names["again"], table),
                                      getattr(names["result"], table), check_exact=True)
    assert names["richer"].city[0].budget.reserves == 8e8
