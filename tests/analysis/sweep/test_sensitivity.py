"""Sensitivity indices and the tornado (sim/analysis/sweep/sensitivity.py)."""

from __future__ import annotations

import pytest

from sim.analysis import sweep as sweeps
from sim.engine.runner import simulate
from sim.results import RunResult
from tests.analysis.sweep.conftest import (
    write_sweep,
)


@pytest.fixture(scope="module")
def sobol_result(tmp_path_factory) -> sweeps.SweepResult:
    folder = tmp_path_factory.mktemp("sobol")
    sweep = sweeps.load(write_sweep(folder))
    return sweeps.run(sweep, folder / "out", workers=1, figures=False)


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
