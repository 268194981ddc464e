"""Design points (sim/analysis/sweep/points.py): summaries, shared random numbers, workers,
stored points."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import sim
from sim.analysis import sweep as sweeps
from sim.cli import main
from sim.errors import ScenarioError
from sim.metrics import ALL_CITIES, METRICS
from tests.analysis.sweep.conftest import (
    COALITION,
    SCENARIO,
    grid_sweep,
    spy_on_points,
    write_sweep,
)


def test_points_share_random_numbers(tmp_path):
    """Every point sees the same draws: the revenue path of the baseline is identical everywhere."""
    sweep = grid_sweep(tmp_path, tornado=False)
    result = sweeps.run(sweep, tmp_path / "out", workers=1, figures=False)
    own = result.metrics.query("strategy == 'baseline' and metric == 'reserves_end'")
    by_reserves = own.merge(result.design, on="point").groupby(
        "city[Springfield].budget.reserves")["mean"].nunique()
    assert (by_reserves == 1).all()


def test_a_point_is_summarised_exactly_as_fundsim_run_would(one_city):
    """A point's rows are, to the last bit, the summary.csv `fundsim run` writes for it."""
    found = sweeps.run_point(one_city, 7, 5, ["sanctuary", "full"])
    expected = sim.run(one_city, replications=7, seed=5, workers=1,
                       strategies=["sanctuary", "full"]).summary
    pd.testing.assert_frame_equal(found, expected, check_exact=True)


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
