"""Runs: determinism across seeds, batch sizes and worker counts; interruption; lazy imports."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.engine.runner import batch_bounds, default_batch_size, settle, simulate, split_kept
from sim.errors import UsageError
from sim.model.fiscal import sample_fiscal
from sim.model.plan import Parameters, build_plan
from sim.model.streams import ReplicationStreams
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


TWO_CITIES = """
[scenario]
name = "Two cities"
start = 2025-01-01
years = 2
replications = 24
seed = 3

[[city]]
name = "Springfield"
state = "IL"
fiscal_year_start = 7
population = 100000
[city.budget]
expenditure = 1.2e9
reserves = { dist = "uniform", low = 2e7, high = 8e7 }
revenue_volatility = { dist = "uniform", low = 0.01, high = 0.05 }
[[city.grant]]
program = "JAG"
agency = "DOJ"
amount = 1.2e7
[[city.grant]]
program = "CDBG"
agency = "HUD"
amount = { dist = "uniform", low = 1e7, high = 4e7 }
basis = "advance"

[[city]]
name = "Shelbyville"
state = "IL"
fiscal_year_start = 1
population = 60000
[city.budget]
expenditure = 4e8
reserves = 1e7
[[city.grant]]
program = "JAG"
agency = "DOJ"
amount = 3e6

[[measure]]
name = "DOJ conditions"
kind = "grant_condition"
probability = 0.7
effective = { dist = "uniform", low = 2025-02-01, high = 2025-12-31 }
agencies = ["DOJ"]

[[measure]]
name = "HUD cut"
kind = "executive_order"
probability = 0.5
effective = 2025-06-01
agencies = ["HUD"]
withhold_share = { dist = "uniform", low = 0.2, high = 0.9 }
rescind_probability = 0.5
rescind_date = { dist = "uniform", low = 2026-01-01, high = 2026-10-01 }
"""
"""Two cities, uncertain measures, reserves and revenue noise."""

THIRD_CITY = """
[[city]]
name = "Capital City"
state = "IL"
fiscal_year_start = 10
population = 250000
[city.budget]
expenditure = 2e9
reserves = { dist = "uniform", low = 5e7, high = 2e8 }
revenue_volatility = 0.04
[[city.grant]]
program = "JAG"
agency = "DOJ"
amount = 2e7
"""

COMPARED = ("summary.csv", "replications.parquet", "trajectories.parquet", "events.parquet",
            "bands.parquet")


@pytest.fixture(scope="module")
def two_cities() -> sim.Scenario:
    return sim.load(TWO_CITIES)


def _digests(folder: Path) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in COMPARED}


def _saved(scenario: sim.Scenario, folder: Path, **options) -> dict[str, str]:
    sim.run(scenario, **options).save(folder, figures=False)
    return _digests(folder)


@pytest.mark.parametrize("cities, least", [(50, 250), (500, 25), (1, 12_500), (20_000, 1)])
def test_batch_size_is_about_12500_cells_and_balanced_for_big_runs(cities, least):
    """Big runs get batches of 12,500+ replication-cities, the same number per worker."""
    for replications, workers in [(1000, 2), (1100, 2), (10_000, 2), (100_000, 4), (999, 1),
                                  (30_000, 2)]:
        size = default_batch_size(replications, workers, cities)
        bounds = batch_bounds(replications, size)
        sizes = [last - first for first, last in bounds]
        assert len(bounds) % workers == 0
        assert max(sizes) - min(sizes) <= size - sizes[-1] + 1
        if replications >= least * workers:
            assert min(sizes[:-1] or sizes) >= least
        else:
            assert len(bounds) == workers


def test_small_runs_are_split_over_the_workers():
    """A run smaller than 12,500 replication-cities per worker still uses every worker."""
    assert batch_bounds(10, default_batch_size(10, 2, 50)) == [(0, 5), (5, 10)]
    assert batch_bounds(3, default_batch_size(3, 4, 50)) == [(0, 1), (1, 2), (2, 3)]
    assert batch_bounds(60, default_batch_size(60, 2, 500)) == [(0, 30), (30, 60)]


def test_output_files_identical_for_any_batch_size(two_cities, tmp_path):
    """Batches of 1, 7 or 24 replications give byte-identical result files."""
    digests = [_saved(two_cities, tmp_path / str(size), replications=24, workers=1,
                      batch_size=size, keep=9)
               for size in (24, 7, 1)]
    assert digests[0] == digests[1] == digests[2]


def test_kept_replications_run_in_small_batches_of_their_own():
    """Replications whose trajectories are kept are cut out of their batch in small batches."""
    assert split_kept([(0, 250), (250, 500)], 41, 12) == [
        (0, 12), (12, 24), (24, 36), (36, 41), (41, 250), (250, 500)]
    assert split_kept([(0, 5), (5, 10)], 7, 4) == [(0, 4), (4, 5), (5, 7), (7, 10)]
    assert split_kept([(0, 5), (5, 10)], 0, 4) == [(0, 5), (5, 10)]


def test_output_files_identical_when_kept_batches_are_split(two_cities, tmp_path, monkeypatch):
    """Kept replications in batches of one on two workers give the files of one batch."""
    whole = _saved(two_cities, tmp_path / "whole", replications=12, workers=1, keep=5)
    monkeypatch.setattr("sim.engine.runner.KEPT_BATCH_BYTES", 1)
    split = _saved(two_cities, tmp_path / "split", replications=12, workers=2, keep=5)
    assert whole == split


def test_simpy_engine_and_numpy_reference_agree_exactly(two_cities):
    """The SimPy engine and the SimPy-free reference give identical arrays."""
    simpy_run = simulate(two_cities, replications=12, workers=1, engine="simpy")
    reference = simulate(two_cities, replications=12, workers=1, engine="reference")
    for name, values in simpy_run.outcomes.items():
        np.testing.assert_array_equal(values, reference.outcomes[name], err_msg=name)
    for name, series in simpy_run.trajectories.items():
        np.testing.assert_array_equal(series, reference.trajectories[name], err_msg=name)
    assert simpy_run.events == reference.events


def test_adding_a_city_leaves_other_cities_draws_unchanged(two_cities):
    """A new city gets its own streams: the other cities' sampled inputs do not move."""
    three = sim.load(TWO_CITIES + THIRD_CITY)
    streams = [ReplicationStreams(5, r) for r in range(6)]

    def inputs(scenario):
        plan = build_plan(scenario)
        return sample_fiscal(plan, Parameters(plan, streams), streams)

    before, after = inputs(two_cities), inputs(three)
    for name in ("own_source", "expenditure", "reserves0", "floor_share"):
        old, new = getattr(before, name), getattr(after, name)
        np.testing.assert_array_equal(old, new[..., :2], err_msg=name)
    outcomes_before = simulate(two_cities, replications=6, workers=1).outcomes
    outcomes_after = simulate(three, replications=6, workers=1).outcomes
    np.testing.assert_array_equal(outcomes_before["reserves_end"],
                                  outcomes_after["reserves_end"][..., :2])


def test_every_strategy_sees_the_same_draws(two_cities):
    """Common random numbers: with no measure in force, the strategy at the cities' current
    policy (sanctuary) equals the baseline, and every strategy sees the same detainers."""
    calm = two_cities.with_values({"measure[DOJ conditions].probability": 0.0,
                                   "measure[HUD cut].probability": 0.0})
    run = simulate(calm, replications=8, workers=1)
    sanctuary = run.plan.strategies.index("sanctuary")
    for name, values in run.outcomes.items():
        np.testing.assert_array_equal(values[sanctuary], values[0], err_msg=name)
    for s in range(1, len(run.plan.strategies)):
        for name in ("detainers_received", "federal_due"):
            np.testing.assert_array_equal(run.outcomes[name][s], run.outcomes[name][0])


def test_progress_counts_every_replication(two_cities):
    """The progress callback is told about every replication exactly once."""
    done = []
    simulate(two_cities, replications=17, workers=2, batch_size=4, progress=done.append)
    assert sum(done) == 17 and len(done) == 5


def _write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text))
    return path


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
def test_ctrl_c_stops_workers_and_writes_nothing(two_cities, tmp_path):
    """SIGINT during a run: exit 130, one line, no new folder, workers gone, old results kept."""
    scenario = _write(tmp_path / "long.toml", TWO_CITIES.replace("years = 2", "years = 30"))
    earlier = tmp_path / "results" / "earlier"
    before = _saved(two_cities, earlier, replications=4, workers=1)
    target = tmp_path / "results" / "interrupted"
    process = subprocess.Popen(
        [sys.executable, "-m", "sim", "run", str(scenario), "-n", "1000000", "-w", "2",
         "-o", str(target), "--no-figures"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # A suite started in the background inherits SIGINT ignored, and Python
        # then never installs its handler: give the run a terminal's default.
        preexec_fn=_default_sigint)
    deadline = time.monotonic() + 60
    while len(_children(process.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = _children(process.pid)
    assert len(workers) >= 2, "workers never started"
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert err.strip().splitlines() == ["interrupted; no results written"]
    assert sorted(p.name for p in target.parent.iterdir()) == ["earlier"]
    assert _digests(earlier) == before
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or _is_zombie(pid)


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] == "Z"
    except OSError:
        return True


LAZY = textwrap.dedent("""
    import sys
    {body}
    heavy = ("pandas", "matplotlib", "dask", "distributed", "pyarrow")
    print("loaded:" + ",".join(m for m in heavy if m in sys.modules))
""")


def _modules_after(body: str) -> str:
    code = LAZY.format(body=textwrap.indent(textwrap.dedent(body), "").strip())
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    return done.stdout.strip().splitlines()[-1].removeprefix("loaded:")


def test_simulating_imports_no_pandas_matplotlib_or_dask(tmp_path):
    """The simulation path never loads pandas, matplotlib or dask."""
    path = _write(tmp_path / "ok.toml", TWO_CITIES)
    assert _modules_after(f"""
import sim
from sim.engine.runner import simulate
simulate(sim.load({str(path)!r}), replications=4, workers=2)
""") == ""


def test_validate_imports_no_pandas_matplotlib_dask_or_scipy_stats(tmp_path):
    """``fundsim validate`` loads neither the table, plotting nor statistics libraries."""
    path = _write(tmp_path / "ok.toml", TWO_CITIES)
    assert _modules_after(f"""
from sim.cli import main
try:
    main(["validate", {str(path)!r}])
except SystemExit as stop:
    assert not stop.code, stop.code
assert "scipy.stats" not in sys.modules
""") == ""
