"""Run results: figures of big runs, file checksums (sim/results/run.py)."""

import hashlib
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim import results
from sim.engine import limits
from sim.presentation import figure_registry
from sim.presentation.pages import compare, render_comparison, render_report
from tests.conftest import ONE_CITY

SCENARIOS = Path(__file__).parents[2] / "scenarios"

ROWS_EACH = 4
"""Rows of the replications table per replication: one city, three strategies and the baseline."""


@pytest.fixture(scope="module")
def run():
    """Twelve replications of the one-city scenario (events in every one)."""
    return sim.run(sim.load(ONE_CITY.replace("years = 2", "years = 1")), replications=12,
                   workers=1)


@pytest.fixture
def five_drawn(monkeypatch):
    """Figures drawn from at most five replications."""
    monkeypatch.setattr(limits, "FIGURE_ROWS", 5 * ROWS_EACH + ROWS_EACH - 1)


def test_a_run_within_the_limit_is_drawn_whole(run):
    assert results.drawn_replications(run.manifest) == 12
    assert results.for_figures(run) is run


def test_a_bigger_run_is_drawn_from_its_first_replications(run, five_drawn):
    view = results.for_figures(run)
    assert view.manifest["replications"] == 5 and view.manifest["replications_run"] == 12
    pd.testing.assert_frame_equal(view.replications,
                                  run.replications[run.replications["replication"] < 5]
                                  .reset_index(drop=True))
    pd.testing.assert_frame_equal(view.events, run.events[run.events["replication"] < 5]
                                  .reset_index(drop=True))
    assert not view.events.empty
    assert view.trajectories["replication"].max() < 5
    assert list(view.trajectories.columns) == [
        c for c in run.trajectories.columns
        if c in results.TRAJECTORY_KEYS or c in results.FIGURE_SERIES]
    pd.testing.assert_frame_equal(view.summary, run.summary)  # the whole run's
    assert set(view.summary["n"]) == {12}
    assert results.for_figures(view) is view


def test_a_saved_big_run_keeps_every_replication_and_says_what_its_report_used(
        run, five_drawn, tmp_path, monkeypatch):
    monkeypatch.setattr(figure_registry, "FIGURES",
                        {"net_impact": figure_registry.FIGURES["net_impact"]})
    folder = run.save(tmp_path / "run")
    assert pd.read_parquet(folder / "replications.parquet")["replication"].nunique() == 12
    html = (folder / "report.html").read_text()
    assert "the first 5 replications, a random sample" in html
    assert "hold all 12" in html


@pytest.mark.parametrize("lazy", [False, True], ids=["read at once", "read when used"])
def test_an_opened_big_run_reads_only_the_replications_it_draws(run, five_drawn, tmp_path,
                                                                 monkeypatch, lazy):
    folder = run.save(tmp_path / "run", figures=False)
    if lazy:
        monkeypatch.setattr("sim.results.run.LAZY_FILE_BYTES", 0)
    opened = sim.open_results(folder)
    view = results.for_figures(opened)
    assert view.manifest["replications_run"] == 12
    assert len(view.replications) == 5 * ROWS_EACH and len(view.events)
    if lazy:  # the whole tables were never read
        assert all(callable(opened._tables[name]) for name in ("replications", "events"))
    for name in ("replications", "events", "trajectories"):
        table = getattr(opened, name)
        table = table[[c for c in table if c in getattr(view, name).columns]]
        pd.testing.assert_frame_equal(getattr(view, name),
                                      table[table["replication"] < 5].reset_index(drop=True))


def test_reports_and_comparisons_of_a_big_run_name_the_replications_they_use(
        run, five_drawn, monkeypatch):
    monkeypatch.setattr(figure_registry, "FIGURES", {})
    assert "the first 5 replications" in render_report(run)
    both = render_comparison(compare(run, run))
    assert both.count("(compared: the first 5)") == 2


def test_file_checksums_are_sha256_of_the_bytes(tmp_path):
    """Files are hashed a block at a time (a big run's tables are gigabytes), same digest."""
    data = bytes(range(256)) * 40_000
    (tmp_path / "table").write_bytes(data)
    assert results.file_sha256(tmp_path / "table") == hashlib.sha256(data).hexdigest()


def test_figures_and_report_of_a_view_read_only_its_trajectory_columns(monkeypatch):
    """A big run's view keeps the FIGURE_SERIES of its trajectories: every figure and the
    report come out the same as from every column (add a column there if this fails)."""
    run = sim.run(SCENARIOS / "coalition-2025.toml", replications=4, seed=3, workers=1)
    rows_each = len(run.strategies) * len(run.manifest["cities"])
    monkeypatch.setattr(limits, "FIGURE_ROWS", 3 * rows_each)  # 3 of 4 replications
    # Both reports must carry the same time stamp, even when rendering crosses a minute.
    monkeypatch.setattr("sim.presentation.pages.run.now", lambda: "2026-11-26 00:00 UTC")
    view = results.for_figures(run)
    assert view.manifest["replications"] == 3
    every_column = results.RunResult(
        view.scenario, view.manifest, view.replications,
        run.trajectories[run.trajectories["replication"] < 3].reset_index(drop=True),
        view.events, bands=view.bands)
    assert len(every_column.trajectories.columns) > len(view.trajectories.columns)
    assert (figure_registry.figures_for(view).keys()
            == figure_registry.figures_for(every_column).keys())
    assert render_report(view) == render_report(every_column)
    assert "Change in reserves" in render_comparison(compare(run, run))


@pytest.mark.parametrize("kind, words", [
    ("sweep", "is a sweep folder, not a run folder: open it with"),
    ("comparison", "is a comparison folder, not a run folder: compare the run folders"),
])
def test_a_sweep_or_comparison_folder_given_as_a_run_says_what_it_is(tmp_path, kind, words):
    """`fundsim compare SWEEP_DIR ...` names the folder's kind, not a missing Parquet file."""
    import json

    (tmp_path / "manifest.json").write_text(json.dumps({"scenario": {}, kind: {}}))
    with pytest.raises(sim.FundsimError, match=words):
        sim.open_results(tmp_path)


def test_a_run_folder_missing_a_table_names_it(tmp_path, one_city):
    """A run folder whose table went missing: one line naming the file, no errno."""
    folder = sim.run(one_city, replications=2, workers=1).save(tmp_path / "run", figures=False)
    (folder / "events.parquet").unlink()
    with pytest.raises(sim.FundsimError, match=r"/events.parquet: listed in manifest.json but "
                                         r"missing$"):
        sim.open_results(folder)
