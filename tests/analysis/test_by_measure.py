"""The loss split by measure: hand-computed parts that add up to the total, interaction included."""

import pandas as pd
import pytest

import sim
from sim.analysis.by_measure import loss_by_measure, measure_order, runs_needed
from sim.errors import UsageError
from tests.conftest import ONE_CITY, scenario_text

# ONE_CITY, undiscounted: JAG pays $1M a month (reimbursement, no lag), CDBG $24M each
# October (advance).  "DOJ conditions" (from 2025-03-10, every DOJ grant) and "JAG
# condition" (the same date, JAG by name) withhold the same money; "HUD condition" from
# 2026-01-01 takes the October 2026 CDBG award.  No suits, no revenue noise.
OVERLAP = scenario_text(ONE_CITY.replace("seed = 7", "seed = 7\ndiscount_rate = 0.0"), """
[[measure]]
name = "JAG condition"
kind = "grant_condition"
effective = 2025-03-10
programs = ["JAG"]

[[measure]]
name = "HUD condition"
kind = "grant_condition"
effective = 2026-01-01
agencies = ["HUD"]
""")
JAG_LOSS = -22e6
"""March 2025 to December 2026: 22 monthly JAG payments of $1M withheld."""
CDBG_LOSS = -24e6
"""The October 2026 CDBG award."""


@pytest.fixture(scope="module")
def run():
    return sim.run(sim.load(OVERLAP), workers=1)


def parts(table: pd.DataFrame, strategy: str = "sanctuary") -> dict[str, float]:
    rows = table[(table["strategy"] == strategy) & (table["city"] == "Springfield")]
    return dict(zip(rows["part"], rows["mean"], strict=True))


def test_each_measure_alone_and_the_overlap_as_computed_by_hand(run):
    """Two measures on the same grant each cost it alone; the interaction gives one back."""
    split = parts(loss_by_measure(run, workers=1))
    assert split["without measures"] == 0.0
    assert split["DOJ conditions"] == pytest.approx(JAG_LOSS, abs=0.005)
    assert split["JAG condition"] == pytest.approx(JAG_LOSS, abs=0.005)
    assert split["HUD condition"] == pytest.approx(CDBG_LOSS, abs=0.005)
    assert split["interaction"] == pytest.approx(-JAG_LOSS, abs=0.005)
    assert split["total"] == pytest.approx(JAG_LOSS + CDBG_LOSS, abs=0.005)


def test_parts_add_up_to_the_total_to_the_cent_for_every_strategy_and_city():
    """Noisy revenue, suits and uncertain dates: the parts still sum to the run's own total."""
    noisy = sim.load(scenario_text(OVERLAP.replace("discount_rate = 0.0", "")
                                   .replace("revenue_volatility = 0.0",
                                                   "revenue_volatility = 0.03")
                                   .replace("strategies = []", "")
                                   .replace("effective = 2026-01-01", "effective = "
                                            "{dist = \"uniform\", low = 2025-06-01, "
                                            "high = 2026-06-01}")))
    result = sim.run(noisy, replications=12, workers=1)
    table = loss_by_measure(result, workers=1)
    own = result.summary[result.summary["metric"] == "net_fiscal_impact"]
    for (strategy, city), rows in table.groupby(["strategy", "city"]):
        total = rows.loc[rows["kind"] == "total", "mean"].iloc[0]
        assert rows.loc[rows["kind"] != "total", "mean"].sum() == pytest.approx(total, abs=0.005)
        mean = own[(own["strategy"] == strategy) & (own["city"] == city)]["mean"].iloc[0]
        assert total == pytest.approx(mean, abs=0.01)
    assert table.loc[table["kind"] == "interaction", "mean"].abs().max() > 0


def test_the_stated_order_places_the_bars_and_the_rest_follow_in_file_order(run):
    """Order changes positions, not heights."""
    table = loss_by_measure(run, order=["HUD condition"], workers=1)
    rows = table[table["strategy"] == "sanctuary"].sort_values("position")
    assert list(rows["part"]) == ["without measures", "HUD condition", "DOJ conditions",
                                  "JAG condition", "interaction", "total"]
    assert parts(table)["HUD condition"] == pytest.approx(CDBG_LOSS, abs=0.005)


def test_leaving_a_measure_out_splits_the_scenario_without_it(run):
    """Without DOJ conditions nothing overlaps: the interaction is zero, the total unchanged."""
    table = loss_by_measure(run, leave_out="DOJ conditions", workers=1)
    split = parts(table)
    assert "DOJ conditions" not in split
    assert split["interaction"] == pytest.approx(0.0, abs=0.005)
    assert split["total"] == pytest.approx(JAG_LOSS + CDBG_LOSS, abs=0.005)
    assert run.manifest["loss_by_measure"]["left_out"] == "DOJ conditions"


def test_the_split_is_saved_read_back_and_shown_in_the_report(run, tmp_path):
    """loss_by_measure.csv, the manifest record, the waterfall and the report's table."""
    loss_by_measure(run, workers=1)
    folder = run.save(tmp_path / "run")
    again = sim.open_results(folder)
    pd.testing.assert_frame_equal(again.loss_by_measure, run.loss_by_measure)
    written = pd.read_csv(folder / "loss_by_measure.csv")
    assert list(written["part"][:3]) == ["without measures", "DOJ conditions", "JAG condition"]
    assert (folder / "figures" / "loss_by_measure.png").is_file()
    page = (folder / "report.html").read_text()
    assert "Loss by measure" in page and "interaction" in page


@pytest.mark.parametrize(("order", "leave_out", "message"), [
    (["Nope"], None, "measure order: no measure 'Nope'"),
    (["HUD condition", "HUD condition"], None, "names a measure twice"),
    (None, "Nope", "left-out measure: no measure 'Nope'"),
    (["HUD condition"], "HUD condition", "names the left-out measure"),
], ids=["unknown", "twice", "unknown-left-out", "ordered-and-left-out"])
def test_bad_orders_are_refused_in_one_line(order, leave_out, message):
    with pytest.raises(UsageError, match=message):
        measure_order(sim.load(OVERLAP), order, leave_out)


def test_it_costs_one_run_per_measure_and_one_without():
    assert runs_needed(sim.load(OVERLAP)) == 4


# OVERLAP plus a HUD condition in force before the start: $5M of CDBG withheld by then
# (its history), rescinded 2025-06-01, so it withholds nothing from the start (the next
# CDBG award is October's) and its $5M is paid back two months later (August 2025).
HISTORY = OVERLAP + """
[[measure]]
name = "HUD condition before the start"
kind = "grant_condition"
effective = 2024-10-01
agencies = ["HUD"]
rescind_probability = 1.0
rescind_date = 2025-06-01
[measure.history]
withheld = { "Springfield" = 5e6 }
"""
PAID_BACK = 5e6
"""The history's $5M, paid back in August 2025."""


def test_a_measure_with_history_is_held_and_no_other_part_carries_its_money():
    """Switched off, the history's $5M came back with the first event of any other measure
    (+$5M in each of their parts); held in every run, it sits in the first part alone."""
    result = sim.run(sim.load(HISTORY), workers=1)
    table = loss_by_measure(result, workers=1)
    split = parts(table)
    assert "HUD condition before the start" not in split
    assert split["without measures, history held"] == pytest.approx(PAID_BACK, abs=0.005)
    assert split["DOJ conditions"] == pytest.approx(JAG_LOSS, abs=0.005)
    assert split["JAG condition"] == pytest.approx(JAG_LOSS, abs=0.005)
    assert split["HUD condition"] == pytest.approx(CDBG_LOSS, abs=0.005)
    assert split["interaction"] == pytest.approx(-JAG_LOSS, abs=0.005)
    assert split["total"] == pytest.approx(JAG_LOSS + CDBG_LOSS + PAID_BACK, abs=0.005)
    assert sum(v for k, v in split.items() if k != "total") == pytest.approx(split["total"],
                                                                             abs=0.005)
    assert result.manifest["loss_by_measure"]["held"] == ["HUD condition before the start"]
    assert runs_needed(sim.load(HISTORY)) == 4


@pytest.mark.parametrize(("order", "leave_out"), [
    (["HUD condition before the start"], None), (None, "HUD condition before the start"),
], ids=["ordered", "left-out"])
def test_a_held_measure_cannot_be_ordered_or_left_out(order, leave_out):
    with pytest.raises(UsageError, match="has history .* held in force in every run"):
        measure_order(sim.load(HISTORY), order, leave_out)


def test_the_split_runs_on_the_dask_cluster_the_run_used(cli, run, tmp_path, monkeypatch):
    """`fundsim run --by-measure --scheduler ADDR`: every rerun of the split goes to that
    cluster (they ran on local processes), and the split is the local one."""
    distributed = pytest.importorskip("distributed")
    from sim.analysis import by_measure
    from sim.cli import main

    schedulers = []
    real = by_measure.simulate

    def spy(*args, **options):
        schedulers.append(options.get("scheduler"))
        return real(*args, **options)

    monkeypatch.setattr(by_measure, "simulate", spy)
    path = tmp_path / "s.toml"
    path.write_text(OVERLAP)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  protocol="tcp://", host="127.0.0.1",
                                  dashboard_address=":0") as cluster:
        result = cli.invoke(main, ["run", str(path), "--by-measure", "--scheduler",
                                   cluster.scheduler_address, "-o", str(tmp_path / "out"),
                                   "--no-figures", "-q"])
    assert result.exit_code == 0, result.output
    assert schedulers == [cluster.scheduler_address] * runs_needed(run.scenario)
    written = pd.read_csv(tmp_path / "out" / "loss_by_measure.csv")
    local = loss_by_measure(run, workers=1)
    assert list(written["part"]) == list(local["part"])
    assert written["mean"].to_numpy() == pytest.approx(local["mean"].to_numpy(), abs=1e-6)
