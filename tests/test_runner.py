"""Runs: determinism across seeds, batch sizes and worker counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.errors import UsageError
from sim.runner import settle, simulate
from tests.model.test_world import UNCERTAIN

DETERMINISTIC_FILES = ("summary.csv", "replications.parquet", "trajectories.parquet")


def run_folder(tmp_path, name, **options):
    result = sim.run(sim.load(UNCERTAIN), **options)
    return result.save(tmp_path / name, figures=False)


def test_same_seed_gives_byte_identical_files(tmp_path):
    """Same scenario and seed: identical summary and tables."""
    a = run_folder(tmp_path, "a", replications=40, seed=5, workers=1)
    b = run_folder(tmp_path, "b", replications=40, seed=5, workers=1)
    for name in DETERMINISTIC_FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_worker_count_and_batch_size_do_not_change_results(tmp_path):
    """One worker with one batch equals two workers with small batches, byte for byte."""
    a = run_folder(tmp_path, "a", replications=40, seed=5, workers=1)
    b = run_folder(tmp_path, "b", replications=40, seed=5, workers=2, batch_size=7)
    for name in DETERMINISTIC_FILES + ("events.parquet",):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_other_seed_gives_other_numbers():
    """A different seed changes uncertain outcomes."""
    scenario = sim.load(UNCERTAIN)
    a = simulate(scenario, replications=30, seed=1, workers=1)
    b = simulate(scenario, replications=30, seed=2, workers=1)
    assert not np.array_equal(a.outcomes["reserves_end"], b.outcomes["reserves_end"])


def test_removing_a_strategy_leaves_the_others_unchanged():
    """Strategies are compared on common random numbers; each is independent of the list."""
    scenario = sim.load(UNCERTAIN)
    every = simulate(scenario, replications=20, workers=1)
    only = simulate(scenario, replications=20, workers=1, strategies=["sanctuary"])
    assert only.plan.strategies == ("baseline", "sanctuary")
    for name in ("reserves_end", "net_fiscal_impact"):
        assert np.array_equal(every.outcomes[name][:2], only.outcomes[name]), name


def test_keep_limits_trajectories_to_the_first_replications():
    """Trajectories are kept for the first `keep` replications only."""
    result = sim.run(sim.load(UNCERTAIN), replications=12, keep=3, workers=1)
    assert sorted(result.trajectories["replication"].unique()) == [0, 1, 2]
    assert result.replications["replication"].nunique() == 12


def test_summary_is_tidy_with_intervals():
    """summary: strategy, city, metric, mean, p05, p50, p95 and the mean's 95% CI."""
    result = sim.run(sim.load(UNCERTAIN), replications=30, workers=1)
    summary = result.summary
    assert list(summary.columns[:7]) == ["strategy", "city", "metric", "mean", "p05", "p50",
                                         "p95"]
    row = summary[(summary.strategy == "sanctuary") & (summary.metric == "federal_withheld")]
    values = result.replications.query("strategy == 'sanctuary'")["federal_withheld"]
    assert row["mean"].item() == pytest.approx(values.mean())
    assert row["ci95_low"].item() < row["mean"].item() < row["ci95_high"].item()
    assert np.isfinite(summary[["mean", "p05", "p50", "p95", "ci95_low", "ci95_high"]]).all().all()


def test_multi_city_summary_has_all_cities_rows():
    """Scenarios with several cities also summarise all cities together."""
    second = UNCERTAIN[UNCERTAIN.index("[[city]]"):UNCERTAIN.index("[[measure]]")]
    result = sim.run(sim.load(UNCERTAIN + second.replace("Springfield", "Shelbyville")),
                     replications=10, workers=1)
    totals = result.summary.query("city == 'all cities' and metric == 'federal_due'")
    per_city = result.summary.query("city != 'all cities' and metric == 'federal_due'")
    assert totals["mean"].sum() == pytest.approx(per_city["mean"].sum())


@pytest.mark.parametrize("options", [{"replications": 0}, {"workers": 0},
                                     {"strategies": ["defiant"]}, {"batch_size": 0}])
def test_bad_options_are_usage_errors(options):
    """Impossible run options give a clean error."""
    with pytest.raises(UsageError):
        settle(sim.load(UNCERTAIN), **options)


def test_saved_run_opens_with_equal_tables(tmp_path):
    """A saved run reads back into the same tables."""
    result = sim.run(sim.load(UNCERTAIN), replications=10, workers=1)
    reopened = sim.open_results(result.save(tmp_path / "run", figures=False))
    for name in ("replications", "trajectories", "events", "summary"):
        pd.testing.assert_frame_equal(getattr(result, name), getattr(reopened, name))
