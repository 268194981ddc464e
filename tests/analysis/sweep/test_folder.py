"""Running a sweep into its folder (sim/analysis/sweep/folder.py): resuming, refusing, tables,
figures, report."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import sim
from sim.analysis import sweep as sweeps
from sim.cli import main
from sim.errors import Interrupted, OutputError
from tests.analysis.sweep.conftest import (
    COALITION,
    SCENARIO,
    SWEEP,
    grid_sweep,
    spy_on_points,
    write_sweep,
)


def test_the_command_of_issue_20_runs_with_figures(cli, tmp_path):
    """The multi-city sweep of the issue, figures and report included."""
    out = tmp_path / "out"
    result = cli.invoke(main, ["sweep", str(COALITION), "--design", "grid", "--levels", "2",
                               "-p", "city[San Francisco].budget.reserves=1e8..5e8", "-n", "4",
                               "-m", "trust_end@sanctuary", "-q", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "report.html").is_file()
    assert (out / "figures").is_dir() and any((out / "figures").glob("*.png"))


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
