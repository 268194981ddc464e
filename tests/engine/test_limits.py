"""Resource limits and extreme but valid inputs.

Runs too big for the machine are refused before anything is allocated, with
the estimate and the options that would make them fit; the biggest and
smallest valid values still run and give finite numbers everywhere.
"""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

import sim
from sim.cli import main
from sim.engine import limits
from sim.engine.runner import _size, settle, simulate
from sim.errors import UsageError
from sim.model.plan import build_plan
from tests.conftest import ONE_CITY

EXTREME = """
[scenario]
name = "Extremes"
start = 2025-01-01
years = 100
replications = 1
seed = 0
discount_rate = 0.5

[[city]]
name = "Largest"
state = "IL"
fiscal_year_start = 7
population = 100000000
[city.budget]
expenditure = 1e15
expenditure_growth = 1.0
own_source_revenue = 1e15
revenue_growth = -1.0
revenue_volatility = 1.0
revenue_persistence = 0.999
state_aid = 1e15
state_aid_growth = 1.0
reserves = 1e15
reserve_floor = 1.0
[city.budget.gap_closing]
borrowing_limit = 5
borrowing_rate = 1
tax_increase_cap = 5
tax_increase_limit = 1
service_cut_limit = 1
service_cut_lag_months = 0
tax_increase_lag_months = 0
service_cut_spread_months = 1
[[city.grant]]
program = "Reimbursed"
agency = "DOJ"
amount = 1e15
growth = 1.0
payment_lag_months = 36
[[city.grant]]
program = "Advanced"
agency = "HUD"
amount = 1e15
growth = -1.0
basis = "advance"

[[city]]
name = "Nothing"
state = "IL"
fiscal_year_start = 1
population = 0
budget = { expenditure = 0, reserves = 0, reserve_floor = 0 }

[[city]]
name = "Zero grant"
state = "IL"
fiscal_year_start = 12
population = 1
budget = { expenditure = 1, reserves = 0, reserve_floor = 1, gap_closing = { order = [] } }
grant = [{ program = "Empty", agency = "DOJ", amount = 0 }]

[[measure]]
name = "Everything, clawed back"
kind = "legislation"
effective = 2025-01-01
clawback_months = 60
rescind_probability = 1.0
rescind_date = 2124-12-31
penalises = ["sanctuary", "partial", "full"]
"""
"""Largest money, growth and horizon, next to a city of zeros."""


def size(scenario: sim.Scenario, **options) -> limits.Size:
    return _size(*settle(scenario, max_memory=0, max_seconds=0, **options))


def test_huge_run_is_refused_with_estimate_and_what_fits(one_city, monkeypatch):
    """A run beyond the memory cap names its size, its biggest part, and a size that fits."""
    # The run that fits spills tens of GB: this is about memory, whatever the disk holds now.
    monkeypatch.setattr(limits, "_spill_room", lambda: 2**60)
    fixed = dict(keep=10, batch_size=250, workers=1)
    with pytest.raises(UsageError) as caught:
        sim.run(one_city, replications=10**9, max_memory=4 * limits.GIB, **fixed)
    message = str(caught.value)
    assert "of memory (cap 4.0 GiB; mostly outcomes" in message
    fitting = int(message.split("--replications ")[1].split(";")[0].split(" ")[0])
    assert 1 < fitting < 10**9
    limits.check(size(one_city, replications=fitting, **fixed), 4 * limits.GIB, 0)
    with pytest.raises(UsageError):
        limits.check(size(one_city, replications=fitting + 1, **fixed), 4 * limits.GIB, 0)


def test_slow_run_is_refused_by_the_time_cap(one_city):
    """The time cap refuses a run estimated to take longer, and says so."""
    with pytest.raises(UsageError, match=r"about .* \(cap 1 s\)"):
        settle(one_city, replications=10**6, workers=1, max_seconds=1)


def test_trajectories_beyond_the_cap_suggest_fewer_kept(one_city):
    """When kept trajectories are the bulk, the error suggests a --keep that fits.

    100,000 kept replications of one city: about 6.2 GiB of trajectories and 1.8
    GiB of everything else, so a 2 GiB cap fits only with fewer kept.
    """
    with pytest.raises(UsageError, match="mostly trajectories.*--keep [0-9]+"):
        settle(one_city, replications=10**5, keep=10**5, workers=1,
               max_memory=2 * limits.GIB)


def test_zero_turns_the_caps_off(one_city):
    """--max-memory 0 / max_seconds=0 accept any size (the estimate is not checked)."""
    huge = 10**9
    with pytest.raises(UsageError, match="this run would"):
        settle(one_city, replications=huge)
    with pytest.raises(UsageError, match="cap"):
        settle(one_city, replications=huge, max_memory=0)  # the time cap still holds
    with pytest.raises(UsageError, match="memory"):
        settle(one_city, replications=huge, max_seconds=0)  # the memory cap still holds
    _, settings = settle(one_city, replications=huge, max_memory=0, max_seconds=0)
    assert settings.replications == huge


def test_estimate_covers_the_arrays_a_run_allocates(one_city):
    """Modelled parts are never smaller than the arrays the run really holds."""
    run = simulate(one_city, replications=40, keep=12, workers=1)
    found = limits.estimate(size(one_city, replications=40, keep=12, workers=1))
    assert found.parts["outcomes"] >= sum(a.nbytes for a in run.outcomes.values())
    assert found.parts["trajectories"] >= sum(a.nbytes for a in run.trajectories.values())


def test_estimate_grows_with_every_dimension(one_city):
    """More replications, cities-months or kept trajectories never cost less."""
    base = size(one_city, replications=100, keep=10, workers=1)
    bigger = [base.__class__(**{**base.__dict__, field: getattr(base, field) * 2})
              for field in ("replications", "cities", "months", "kept", "strategies")]
    for other in bigger:
        assert limits.estimate(other).memory > limits.estimate(base).memory
        assert limits.estimate(other).seconds > limits.estimate(base).seconds


@pytest.mark.parametrize(("text", "expected"), [
    ("12GiB", 12 * 2**30), ("500M", 500 * 2**20), ("1.5g", int(1.5 * 2**30)), ("4096", 4096),
    ("0", 0), ("2 TiB", 2 * 2**40)])
def test_memory_sizes_are_read_like_people_write_them(text, expected):
    """Sizes accept binary units with or without 'iB' and plain bytes."""
    assert limits.parse_size(text) == expected


@pytest.mark.parametrize("text", ["lots", "-1G", "12 parsecs", "", "1e9"])
def test_unreadable_sizes_are_usage_errors(text):
    """A size that cannot be read is a clean usage error."""
    with pytest.raises(UsageError, match="cannot read"):
        limits.parse_size(text)


@pytest.mark.parametrize(("text", "expected"), [("90", 90), ("90s", 90), ("30m", 1800),
                                                ("1.5h", 5400), ("2d", 172800)])
def test_durations_are_read_like_people_write_them(text, expected):
    """Durations accept s, m, h, d or plain seconds."""
    assert limits.parse_duration(text) == expected


@pytest.mark.parametrize("option", [["--max-memory", "lots"], ["--max-time", "soon"],
                                    ["--max-memory", "1KiB"], ["--max-time", "0.001s"]])
def test_cli_caps_refuse_cleanly_and_write_nothing(option, cli, tmp_path):
    """Bad or exceeded caps exit 2 with one message and no folder."""
    path = tmp_path / "s.toml"
    path.write_text(ONE_CITY)
    result = cli.invoke(main, ["run", str(path), "-o", str(tmp_path / "out"), "-q", *option])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and not (tmp_path / "out").exists()


def test_extreme_values_run_with_finite_numbers_in_every_output(tmp_path):
    """100 years, 1e15 dollars doubling yearly, zero budgets and grants: all finite."""
    scenario = sim.load(EXTREME)
    folder = sim.run(scenario, workers=1).save(tmp_path / "run", figures=False)
    tables = {"summary": pd.read_csv(folder / "summary.csv")}
    for name in ("replications", "trajectories", "events"):
        tables[name] = pd.read_parquet(folder / f"{name}.parquet")
    for name, table in tables.items():
        numbers = table.select_dtypes("number").to_numpy(dtype=float)
        assert numbers.size == 0 or np.isfinite(numbers).all(), name
    assert len(tables["trajectories"]["month"].unique()) == 1200


def test_plan_of_the_extremes_is_small():
    """The extreme scenario is cheap: its size comes from values, not from counts."""
    plan = build_plan(sim.load(EXTREME))
    assert plan.shape == (4, 3) and plan.calendar.months == 1200


@pytest.mark.parametrize(("cap", "refused"), [("1MiB", True), ("64GiB", False), (-1, True),
                                               ("lots", True), (float("nan"), True)])
def test_python_caps_accept_text_and_refuse_nonsense(cap, refused, one_city):
    """sim.run(max_memory="8GiB") works as on the command line; negative or NaN caps are errors."""
    if refused:
        with pytest.raises(UsageError):
            settle(one_city, replications=10, workers=1, max_memory=cap)
    else:
        settle(one_city, replications=10, workers=1, max_memory=cap)


REFERENCE_100K = limits.Size(strategies=4, replications=100_000, cities=50, months=120,
                             measures=3, programs=3, kept=41, batch_size=250, workers=2,
                             local_batches=2, outcomes=26, series=29)
"""The benchmark's reference workload at 100,000 replications."""


def test_a_run_that_spills_is_estimated_by_what_stays_in_memory():
    """100,000 replications spill: the estimate is a GiB or two of memory plus the disk used."""
    found = limits.estimate(REFERENCE_100K)
    # Measured: 0.8 GiB simulating and saving (parent and worker), 0.95 GiB drawing figures.
    assert found.memory < 3.5 * limits.GIB
    assert found.disk >= 4 * 100_000 * 50 * 26 * 8
    small = limits.estimate(limits.Size(**{**REFERENCE_100K.__dict__, "replications": 1000}))
    assert small.disk == 0
    # Figures of a spilled run are drawn from its first replications: bounded, on top.
    assert 0 < found.parts["figures"] < limits.GIB and small.parts["figures"] == 0
    bigger = limits.estimate(limits.Size(**{**REFERENCE_100K.__dict__, "replications": 10**6}))
    assert bigger.parts["figures"] == found.parts["figures"]


def test_a_spill_bigger_than_the_free_disk_is_refused(monkeypatch):
    """Too little room in the temporary folder: refused, naming the size and TMPDIR."""
    monkeypatch.setattr(limits.shutil, "disk_usage", lambda _: shutil._ntuple_diskusage(
        10 * limits.GIB, 10 * limits.GIB - 2**20, 2**20))
    refused = r"spill about .* GiB .* 1\.0 MiB free\. Point TMPDIR.*--replications [0-9]+"
    with pytest.raises(UsageError, match=refused):
        limits.check(REFERENCE_100K, 64 * limits.GIB, 0)
    limits.check(REFERENCE_100K, 0, 0)  # no memory cap, no disk check either
    limits.check(limits.Size(**{**REFERENCE_100K.__dict__, "replications": 1000}),
                 64 * limits.GIB, 0)


def test_a_sweep_is_estimated_as_its_points_run_side_by_side(one_city):
    """Points run a few at a time: time by rounds of points, memory by points at once."""
    plan, settings = settle(one_city, replications=1000, workers=1, keep=0)
    point = _size(plan, settings)
    one = limits.estimate(point)
    alone = limits.points_estimate(point, points=7, at_once=1)
    assert alone.memory == one.memory and alone.seconds == pytest.approx(7 * one.seconds)
    pairs = limits.points_estimate(point, points=7, at_once=2)
    assert pairs.seconds == pytest.approx(4 * one.seconds)
    assert pairs.memory == one.memory + (one.memory - limits.BASE_MEMORY) + 2 * (
        limits.WORKER_MEMORY)
    cluster = limits.points_estimate(point, points=7, at_once=7, local=False)
    assert cluster.memory == limits.BASE_MEMORY and cluster.seconds == pytest.approx(one.seconds)
