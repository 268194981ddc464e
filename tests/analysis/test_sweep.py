"""Sweeps: sweep files, designs, common random numbers, Sobol/Morris indices, resuming."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.analysis import sweep as sweeps
from sim.analysis.discovery import Discovery
from sim.cli import main
from sim.engine.runner import simulate
from sim.errors import Interrupted, OutputError, ScenarioError
from sim.metrics import ALL_CITIES, METRICS
from sim.results import RunResult
from tests.conftest import ONE_CITY, scenario_text

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "scenarios" / "sweeps").glob("*.toml"))
REFERENCE = ROOT / "docs" / "sweep-reference.md"

SCENARIO = scenario_text(extra="""
[[measure]]
name = "Never"
kind = "legislation"
probability = 0.0
effective = 2025-06-01
agencies = ["HUD"]
""").replace("revenue_volatility = 0.0", "revenue_volatility = 0.02")
"""ONE_CITY with revenue noise and a second measure that never happens."""

SWEEP = """
[sweep]
name = "Test sweep"
scenario = "scenario.toml"
design = "sobol"
samples = 16
replications = 4
strategies = ["sanctuary"]

[[parameter]]
path = "measure[DOJ conditions].withhold_share"
label = "DOJ share withheld"
low = 0.1
high = 1.0

[[parameter]]
path = "measure[Never].withhold_share"
label = "Share the never-passed measure withholds"
low = 0.1
high = 1.0

[[parameter]]
path = "scenario.discount_rate"
low = 0.0
high = 0.08
source = "assumption: a wide range"

[[output]]
metric = "net_fiscal_impact"
strategy = "sanctuary"
"""


def write_sweep(tmp_path: Path, sweep: str = SWEEP, scenario: str = SCENARIO) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "scenario.toml").write_text(scenario)
    path = tmp_path / "sweep.toml"
    path.write_text(textwrap.dedent(sweep))
    return path


def grid_sweep(tmp_path: Path, **overrides) -> sweeps.Sweep:
    """A 3 x 3 grid over the DOJ share withheld and reserves, with the tornado block."""
    path = write_sweep(tmp_path)
    return sweeps.load(path, {"design": "grid", "levels": 3, "parameter": [
        {"path": "measure[DOJ conditions].withhold_share", "low": 0.2, "high": 1.0},
        {"path": "city[Springfield].budget.reserves", "low": 1e6, "high": 2e8},
    ], "output": [{"metric": "net_fiscal_impact"}, {"metric": "floor_breached"}], **overrides})


@pytest.fixture(scope="module")
def sobol_result(tmp_path_factory) -> sweeps.SweepResult:
    folder = tmp_path_factory.mktemp("sobol")
    sweep = sweeps.load(write_sweep(folder))
    return sweeps.run(sweep, folder / "out", workers=1, figures=False)


# --------------------------------------------------------------------------
# Sensitivity


def test_parameter_without_effect_has_zero_total_index_and_dominant_one_ranks_first(
        sobol_result):
    """A measure that never happens: its Sobol total index is 0 within its CI; DOJ share ranks 1."""
    rows = sobol_result.indices.set_index("parameter")
    never = rows.loc["measure[Never].withhold_share"]
    assert abs(never["ST"]) <= never["ST_conf"] + 1e-12
    assert abs(never["ST"]) < 1e-9 and abs(never["S1"]) < 1e-9
    dominant = rows.loc["measure[DOJ conditions].withhold_share"]
    assert dominant["rank"] == 1 and dominant["ST"] > 0.5
    assert dominant["ST"] - dominant["ST_conf"] > never["ST"] + never["ST_conf"]


def test_tornado_swings_match_the_one_at_a_time_runs(sobol_result):
    """The tornado's ends equal runs of the scenario with one value changed, the others at base."""
    swings = sobol_result.tornado.set_index("parameter")
    doj = swings.loc["measure[DOJ conditions].withhold_share"]
    assert swings.loc["measure[Never].withhold_share", "swing"] == 0
    assert doj["swing"] == swings["swing"].max()
    scenario = sobol_result.sweep.scenario
    for share, column in ((0.1, "y_low"), (1.0, "y_high")):
        changed = scenario.with_values({"measure[DOJ conditions].withhold_share": share})
        run = RunResult.from_simulation(simulate(changed, replications=4, workers=1, keep=0,
                                                 strategies=["sanctuary"]))
        expected = run.summary.query("strategy == 'sanctuary' and metric == "
                                     "'net_fiscal_impact'")["mean"].iloc[0]
        assert doj[column] == pytest.approx(expected, rel=1e-12)


def test_points_share_random_numbers(tmp_path):
    """Every point sees the same draws: the revenue path of the baseline is identical everywhere."""
    sweep = grid_sweep(tmp_path, tornado=False)
    result = sweeps.run(sweep, tmp_path / "out", workers=1, figures=False)
    own = result.metrics.query("strategy == 'baseline' and metric == 'reserves_end'")
    by_reserves = own.merge(result.design, on="point").groupby(
        "city[Springfield].budget.reserves")["mean"].nunique()
    assert (by_reserves == 1).all()


def test_grid_indices_are_exact_variance_shares(tmp_path):
    """On a grid, S1 and ST come from the full factorial: a lone parameter explains it all."""
    path = write_sweep(tmp_path)
    sweep = sweeps.load(path, {"design": "grid", "levels": 4, "tornado": False, "parameter": [
        {"path": "measure[DOJ conditions].withhold_share", "low": 0.2, "high": 1.0},
        {"path": "measure[Never].withhold_share", "values": [0.1, 0.9]}]})
    result = sweeps.run(sweep, tmp_path / "out", workers=1, figures=False)
    rows = result.indices.set_index("parameter")
    assert rows.loc["measure[DOJ conditions].withhold_share", "S1"] == pytest.approx(1.0)
    assert rows.loc["measure[DOJ conditions].withhold_share", "ST"] == pytest.approx(1.0)
    assert rows.loc["measure[Never].withhold_share", ["S1", "ST"]].abs().max() < 1e-12
    assert len(result.design) == 8


@pytest.mark.parametrize("design, columns", [
    ("morris", ["mu", "mu_star", "mu_star_conf", "sigma"]),
    ("lhs", ["S1", "S1_conf"]),
], ids=["morris", "lhs"])
def test_morris_and_latin_hypercube_rank_the_dominant_parameter_first(tmp_path, design,
                                                                      columns):
    """Morris mu* and RBD-FAST S1 also put the DOJ share first and the idle parameter last."""
    samples = {"morris": 6, "lhs": 64}[design]
    sweep = sweeps.load(write_sweep(tmp_path), {"design": design, "samples": samples,
                                                "replications": 2, "tornado": False})
    result = sweeps.run(sweep, tmp_path / "out", workers=1, figures=False)
    rows = result.indices.set_index("parameter")
    assert set(columns) <= set(rows.columns)
    assert rows.loc["measure[DOJ conditions].withhold_share", "rank"] == 1
    if design == "morris":
        assert rows.loc["measure[Never].withhold_share", "mu_star"] == 0


def test_constant_output_gets_no_indices(tmp_path):
    """An output no parameter moves is reported without indices rather than 0/0."""
    sweep = sweeps.load(write_sweep(tmp_path), {
        "samples": 4, "replications": 2, "output": [{"metric": "legal_cost"}],
        "parameter": [{"path": "measure[Never].withhold_share", "low": 0.1, "high": 0.9},
                      {"path": "scenario.discount_rate", "low": 0.0, "high": 0.05}]})
    result = sweeps.run(sweep, tmp_path / "out", workers=1, figures=False)
    assert result.indices[["S1", "ST"]].isna().all().all()


# --------------------------------------------------------------------------
# Designs and parameters


def test_design_sizes_follow_the_design(tmp_path):
    """Sobol N(k+2), second order N(2k+2), Morris r(k+1), grid levels^k, plus 2k+1 tornado."""
    path = write_sweep(tmp_path)
    for overrides, points in [({}, 16 * 5), ({"second_order": True}, 16 * 8),
                              ({"design": "morris", "samples": 5}, 5 * 4),
                              ({"design": "grid", "levels": 3}, 27),
                              ({"design": "qmc", "samples": 32}, 32)]:
        sweep = sweeps.load(path, overrides)
        table = sweeps.build_design(sweep).table
        assert (table["block"] == "design").sum() == points
        assert (table["block"] == "tornado").sum() == 7


def test_design_is_reproducible_and_follows_the_seed(tmp_path):
    """The same seed gives the same points; another seed other points."""
    path = write_sweep(tmp_path)
    first = sweeps.build_design(sweeps.load(path)).table
    again = sweeps.build_design(sweeps.load(path)).table
    other = sweeps.build_design(sweeps.load(path, {"seed": 99})).table
    pd.testing.assert_frame_equal(first, again)
    assert not first.equals(other)


def test_factor_values_respect_kinds_and_scenario_distributions(tmp_path):
    """Integers stay whole, dates are days in range, distributions map through their ppf."""
    scenario = SCENARIO.replace("effective = 2025-03-10", "effective = {dist = \"uniform\", "
                                "low = 2025-02-01, high = 2025-12-31}")
    path = write_sweep(tmp_path, scenario=scenario)
    sweep = sweeps.load(path, {"design": "lhs", "samples": 40, "parameter": [
        {"path": "measure[DOJ conditions].effective"},
        {"path": "measure[DOJ conditions].clawback_months", "low": 0, "high": 6},
        {"path": "city[Springfield].budget.reserves", "low": 1e6, "high": 1e9,
         "scale": "log"}]})
    table = sweeps.build_design(sweep).table
    dates = table["measure[DOJ conditions].effective"].dt.date
    assert dates.between(dt.date(2025, 2, 1), dt.date(2025, 12, 31)).all()
    months = table["measure[DOJ conditions].clawback_months"]
    assert months.dtype == np.int64 and set(months) == set(range(7))
    reserves = np.log10(table["city[Springfield].budget.reserves"])
    assert reserves.between(6, 9).all() and reserves[table["block"] == "design"].std() > 0.5
    tasks = sweeps.point_tasks(sweep, sweeps.build_design(sweep))
    assert isinstance(tasks[0].scenario.measure[0].effective, dt.date)


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


def test_a_point_is_summarised_exactly_as_fundsim_run_would(one_city):
    """A point's rows are, to the last bit, the summary.csv `fundsim run` writes for it."""
    found = sweeps.run_point(one_city, 7, 5, ["sanctuary", "full"])
    expected = sim.run(one_city, replications=7, seed=5, workers=1,
                       strategies=["sanctuary", "full"]).summary
    pd.testing.assert_frame_equal(found, expected, check_exact=True)


COALITION = ROOT / "scenarios" / "coalition-2025.toml"


def test_a_multi_city_sweep_answers_every_metric(cli, tmp_path):
    """Issue 20: every sweep of a multi-city scenario failed (KeyError 'mean').

    Trust and reporting-rate metrics combine cities by their mean; the sweep's
    own summary knew only sum, min and max.  Every metric of the catalogue is
    asked for, all cities together, and each point's rows are the run's summary.
    """
    out = tmp_path / "out"
    args = ["sweep", str(COALITION), "--design", "grid", "--levels", "2",
            "-p", "city[San Francisco].budget.reserves=1e8..5e8", "-n", "3", "--no-figures",
            "-q", "-o", str(out)]
    # Those every run has (the grant-funded positions metrics need [[city.grant.funds]]).
    every = [m for m, about in METRICS.items() if not about.only_when]
    for metric in every:
        args += ["-m", f"{metric}@sanctuary"]
    result = cli.invoke(main, args)
    assert result.exit_code == 0, result.output
    responses = pd.read_csv(out / "responses.csv")
    for metric in every:
        column = f"{metric}.mean[sanctuary, all cities]"
        assert responses[column].notna().all(), column
    rows = pd.read_parquet(out / "metrics.parquet")
    point = rows[rows["point"] == 0].drop(columns="point").reset_index(drop=True)
    by_mean = [m for m, about in METRICS.items() if about.over_cities == "mean"]
    assert by_mean and set(by_mean) <= set(point["metric"])
    cities = point[(point["city"] != ALL_CITIES) & (point["strategy"] == "sanctuary")]
    together = point[(point["city"] == ALL_CITIES) & (point["strategy"] == "sanctuary")]
    for metric in by_mean:
        mean = together.loc[together["metric"] == metric, "mean"].item()
        assert mean == pytest.approx(cities.loc[cities["metric"] == metric, "mean"].mean())


def test_the_command_of_issue_20_runs_with_figures(cli, tmp_path):
    """The multi-city sweep of the issue, figures and report included."""
    out = tmp_path / "out"
    result = cli.invoke(main, ["sweep", str(COALITION), "--design", "grid", "--levels", "2",
                               "-p", "city[San Francisco].budget.reserves=1e8..5e8", "-n", "4",
                               "-m", "trust_end@sanctuary", "-q", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "report.html").is_file()
    assert (out / "figures").is_dir() and any((out / "figures").glob("*.png"))


# --------------------------------------------------------------------------
# Running: workers, resuming, folders


def spy_on_points(monkeypatch) -> list[int]:
    """The points simulated in this process from now on, in order."""
    ran: list[int] = []
    real = sweeps.PointWork.__call__

    def spy(work, first, last):
        ran.extend(range(first, last))
        return real(work, first, last)

    monkeypatch.setattr(sweeps.PointWork, "__call__", spy)
    return ran


def test_results_are_identical_with_one_or_two_workers(tmp_path):
    """Sweep tables are the same whatever the number of worker processes."""
    folders = []
    for workers in (1, 2):
        sweep = grid_sweep(tmp_path / f"w{workers}")
        sweeps.run(sweep, tmp_path / f"w{workers}" / "out", workers=workers, figures=False)
        folders.append(tmp_path / f"w{workers}" / "out")
    for name in ("design.csv", "responses.csv", "indices.csv", "tornado.csv"):
        assert (folders[0] / name).read_bytes() == (folders[1] / name).read_bytes(), name
    pd.testing.assert_frame_equal(pd.read_parquet(folders[0] / "metrics.parquet"),
                                  pd.read_parquet(folders[1] / "metrics.parquet"))


def test_a_dask_cluster_gives_the_same_tables(tmp_path):
    """`scheduler=` runs the points on Dask with the same results as this process."""
    distributed = pytest.importorskip("distributed")
    sweep = grid_sweep(tmp_path)
    local = sweeps.run(sweep, tmp_path / "local", workers=1, figures=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  protocol="tcp://", host="127.0.0.1",
                                  dashboard_address=":0") as cluster:
        remote = sweeps.run(sweep, tmp_path / "dask", scheduler=cluster.scheduler_address,
                            figures=False)
        assert remote.manifest["scheduler"] == cluster.scheduler_address
    pd.testing.assert_frame_equal(local.metrics, remote.metrics)
    assert (tmp_path / "local" / "indices.csv").read_bytes() == (
        tmp_path / "dask" / "indices.csv").read_bytes()


def test_interrupted_sweep_resumes_and_skips_finished_points(tmp_path, monkeypatch):
    """Ctrl-C keeps finished points; the rerun simulates only the others, same results."""
    sweep = grid_sweep(tmp_path)
    folder = tmp_path / "out"
    finished = []

    def stop_after_four(n: int) -> None:
        finished.append(n)
        if len(finished) > 4:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted, match="4 of 14 points are saved"):
        sweeps.run(sweep, folder, workers=1, progress=stop_after_four, figures=False)
    assert not (folder / "manifest.json").exists()
    assert len(list((folder / "points").glob("*.parquet"))) == 4
    with pytest.raises(sim.errors.UsageError, match="interrupted sweep"):
        sweeps.open_sweep(folder)

    ran = spy_on_points(monkeypatch)
    resumed = sweeps.run(sweep, folder, workers=1, figures=False)
    assert ran == list(range(4, 14))
    fresh = sweeps.run(sweep, tmp_path / "fresh", workers=1, figures=False)
    pd.testing.assert_frame_equal(resumed.metrics, fresh.metrics)
    pd.testing.assert_frame_equal(resumed.indices, fresh.indices)


def test_a_sweep_too_big_is_refused_before_anything_is_written(cli, tmp_path, monkeypatch):
    """replications = 10000000: the estimate of all its points refuses it at once, exit 2."""
    path = write_sweep(tmp_path, SWEEP.replace("replications = 4", "replications = 10000000"))
    monkeypatch.setattr("sim.analysis.sweep.folder.run_points",
                        lambda *a, **k: pytest.fail("simulated"))
    result = cli.invoke(main, ["sweep", str(path), "-o", str(tmp_path / "out"), "-w", "2"])
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith("Error: this sweep of 87 points (10,000,000 replications, about ")
    assert "2 at a time) would need about " in line and "--replications " in line
    assert not (tmp_path / "out").exists()
    with pytest.raises(pytest.fail.Exception, match="simulated"):  # caps off: it would run
        cli.invoke(main, ["sweep", str(path), "-o", str(tmp_path / "out"), "--max-time", "0",
                          "--max-memory", "0", "-w", "2"])


def test_resuming_estimates_only_the_points_left(tmp_path, monkeypatch):
    """A finished sweep is not refused when run again, whatever its size per point."""
    sweep = grid_sweep(tmp_path)
    folder = tmp_path / "out"
    sweeps.run(sweep, folder, workers=1, figures=False)
    with pytest.raises(sim.errors.UsageError, match="this sweep of 14 points"):
        sweeps.run(sweep, tmp_path / "other", workers=1, figures=False, max_seconds=1e-9)
    sweeps.run(sweep, folder, workers=1, figures=False, max_seconds=1e-9)


def test_damaged_or_foreign_point_files_are_rerun(tmp_path, monkeypatch):
    """A truncated point file, or one with another key, is simulated again."""
    sweep = grid_sweep(tmp_path)
    folder = tmp_path / "out"
    sweeps.run(sweep, folder, workers=1, figures=False)
    store = sweeps.PointStore(folder, sweep.total_points())
    store.path(3).write_bytes(store.path(3).read_bytes()[:100])
    store.path(5).write_bytes(store.path(6).read_bytes())
    ran = spy_on_points(monkeypatch)
    sweeps.run(sweep, folder, workers=1, figures=False)
    assert ran == [3, 5]


def test_a_different_sweep_in_the_folder_is_refused(tmp_path):
    """Resuming checks the design: another seed or range refuses; --overwrite starts over."""
    folder = tmp_path / "out"
    sweeps.run(grid_sweep(tmp_path), folder, workers=1, figures=False)
    other = grid_sweep(tmp_path, seed=3)
    with pytest.raises(OutputError, match="holds a different sweep"):
        sweeps.run(other, folder, workers=1, figures=False)
    sweeps.run(other, folder, workers=1, figures=False, overwrite=True)
    assert json.loads((folder / "manifest.json").read_text())["seed"] == 3


def test_a_folder_that_is_not_a_sweep_is_never_replaced(tmp_path):
    """An unrelated, non-empty folder is left alone, even with overwrite."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep")
    for overwrite in (False, True):
        with pytest.raises(OutputError, match="not a (fundsim )?sweep folder"):
            sweeps.run(grid_sweep(tmp_path), folder, workers=1, overwrite=overwrite)
    assert (folder / "notes.txt").read_text() == "keep"


def test_folder_holds_tables_figures_report_and_manifest(tmp_path):
    """The folder has design, metrics, indices, tornado, figures, report; open_sweep reads it."""
    sweep = grid_sweep(tmp_path)
    folder = tmp_path / "out"
    result = sweeps.run(sweep, folder, workers=1)
    names = {p.name for p in folder.iterdir()}
    assert {"design.csv", "metrics.parquet", "responses.csv", "indices.csv", "tornado.csv",
            "figures", "report.html", "manifest.json", "points"} <= names
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["points"] == 14 and manifest["method"] == "anova"
    assert "figures/net-fiscal-impact-mean-sanctuary-springfield-tornado.png" in manifest["files"]
    figures = {p.name for p in (folder / "figures").glob("*.png")}
    assert len(figures) == 2 * 3
    assert not [p for p in folder.rglob(".*")]
    again = sweeps.open_sweep(folder)
    pd.testing.assert_frame_equal(again.indices, result.indices)
    pd.testing.assert_frame_equal(again.design, result.design)


def test_report_escapes_scenario_and_sweep_strings(tmp_path):
    """Names from files are HTML-escaped in the report."""
    path = write_sweep(tmp_path, scenario=SCENARIO.replace('name = "Test city"',
                                                          'name = "<script>x</script>"'))
    sweep = sweeps.load(path, {"design": "grid", "levels": 2, "name": "<b>sweep</b>",
                               "parameter": [{"path": "scenario.discount_rate", "low": 0.0,
                                              "high": 0.1, "label": "<i>rate</i>"}]})
    sweeps.run(sweep, tmp_path / "out", workers=1)
    page = (tmp_path / "out" / "report.html").read_text()
    assert "<script>x" not in page and "&lt;script&gt;x" in page
    assert "<i>rate" not in page and "&lt;b&gt;sweep" in page


# --------------------------------------------------------------------------
# Bad sweep files


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


def test_point_that_breaks_the_scenario_is_reported(tmp_path):
    """A combination the scenario rejects (each value fine alone) names the point and values."""
    scenario = SCENARIO.replace('name = "Never"', 'name = "Never"\nrescind_probability = 0.5\n'
                                "rescind_date = 2025-12-01")
    path = write_sweep(tmp_path, scenario=scenario)
    sweep = sweeps.load(path, {"design": "grid", "levels": 2, "tornado": False, "parameter": [
        {"path": "measure[Never].effective", "low": dt.date(2025, 6, 1),
         "high": dt.date(2025, 10, 1), "label": "effective"},
        {"path": "measure[Never].rescind_date", "low": dt.date(2025, 7, 1),
         "high": dt.date(2025, 12, 1), "label": "rescinded"}]})
    with pytest.raises(ScenarioError) as caught:
        sweeps.point_tasks(sweep, sweeps.build_design(sweep))
    (problem,) = caught.value.problems
    assert str(problem).startswith(f"{path}: parameter: point 2 (effective = 2025-10-01, "
                                   "rescinded = 2025-07-01) makes an invalid scenario: "
                                   "measure[Never].rescind_date: before the measure takes "
                                   "effect")


# --------------------------------------------------------------------------
# Command line and shipped examples


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


def test_cli_interrupted_sweep_says_how_to_resume(cli, tmp_path, monkeypatch):
    """Ctrl-C: exit status 130 and the line saying which points were kept and how to resume."""
    path = write_sweep(tmp_path)

    def interrupted(*_args, **_kwargs):
        raise Interrupted("interrupted; 4 of 87 points are saved in out; run the same command "
                          "with -o out to resume")

    monkeypatch.setattr(sweeps, "run", interrupted)
    result = cli.invoke(main, ["sweep", str(path), "-o", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 130
    assert result.stderr.strip() == ("interrupted; 4 of 87 points are saved in out; run the "
                                     "same command with -o out to resume")


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


def test_committed_sweep_reference_matches_the_schema(cli):
    """docs/sweep-reference.md is what `fundsim schema --sweep --markdown` prints."""
    result = cli.invoke(main, ["schema", "--sweep", "--markdown"])
    assert result.exit_code == 0
    assert REFERENCE.read_text(encoding="utf-8") == result.stdout, (
        "regenerate: fundsim schema --sweep --markdown > docs/sweep-reference.md")
    for model in (sweeps.SweepInfo, sweeps.SweptParameter, sweeps.Output, Discovery):
        for key, field in model.model_fields.items():
            assert field.description and f"| `{key}` |" in result.stdout, (model, key)
    schema = json.loads(cli.invoke(main, ["schema", "--sweep"]).stdout)
    assert set(schema["properties"]) == {"sweep", "parameter", "output", "discovery"}


@pytest.mark.parametrize("options", [["--no-tornado"], ["--design", "lhs", "--samples", "8"],
                                     ["--design", "lhs", "--samples", "8", "--no-tornado"]],
                         ids=["no-tornado", "lhs-8", "neither"])
def test_a_sweep_without_indices_or_tornado_runs_to_the_end(options, cli, tmp_path,
                                                            monkeypatch):
    """Empty index or tornado tables: report, manifest and table written; a folder left
    without its manifest (as the failure did) is finished by running the command again."""
    path = write_sweep(tmp_path, scenario=SCENARIO)
    out = tmp_path / "out"
    command = ["sweep", str(tmp_path / "scenario.toml"), "-p", "scenario.discount_rate=0..0.08",
               "-n", "2", "-w", "1", "-o", str(out), *options]
    assert path.exists()
    result = cli.invoke(main, command)
    assert result.exit_code == 0, result.output
    assert {"manifest.json", "report.html", "responses.csv"} <= {p.name for p in out.iterdir()}
    sweeps.open_sweep(out)
    (out / "manifest.json").unlink()
    ran = spy_on_points(monkeypatch)
    again = cli.invoke(main, command)
    assert again.exit_code == 0, again.output
    assert ran == [] and (out / "manifest.json").is_file()
    if options[-1] == "--no-tornado" and "lhs" in options:
        assert "not ranked" in result.stderr
