"""The comparison of runs (sim/presentation/pages/compare.py): pairing, parameters, axes, colours,
the compare command."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.figure import Figure

import sim
from sim.cli import main
from sim.presentation import figure_registry, pages, run_figures, style
from sim.results import default_folder
from tests.conftest import ONE_CITY
from tests.presentation.pages.conftest import UNCERTAIN_CITY


@pytest.mark.parametrize("name", ["../../etc", "/etc/passwd", "a/b\\c", "..", ".", "名前",
                                  "con", "-rf /", "x/" * 60],
                         ids=["dotdot", "absolute", "slashes", "parent", "dot", "unicode",
                              "reserved", "dash", "long"])
def test_hostile_name_stays_inside_results(name, tmp_path):
    """Whatever a scenario is called, its default folder is a child of results/."""
    scenario = sim.load(ONE_CITY).with_values({"scenario.name": name})
    root = tmp_path / "results"
    folder = default_folder(scenario, root)
    assert folder.resolve().parent == root.resolve()
    assert not folder.name.startswith(".")
    sides = [pages.Side(key, name, None) for key in "AB"]
    comparison = pages.Comparison(*sides, pairs=(), same_run=False)
    assert pages.default_compare_folder(comparison, root).resolve().parent == root.resolve()


def test_compare_identical_runs_shows_zero_differences(one_city_run):
    """Two runs of the same scenario and seed differ in nothing, with zero-width intervals."""
    again = sim.run(sim.load(UNCERTAIN_CITY), replications=24, workers=1)
    comparison = pages.compare(one_city_run, again)
    assert comparison.paired
    changes = comparison.changes
    assert len(changes) and (changes[["change", "ci95_low", "ci95_high"]] == 0).all().all()
    assert not changes["beyond_noise"].any()
    assert comparison.parameters.empty
    assert not comparison.settings["differs"].any()
    assert 'href="#by-measure"' not in pages.render_comparison(comparison)  # no split: no link


def test_compare_shows_each_sides_loss_by_measure():
    """A run split by measure brings its table and waterfall into the comparison page."""
    from sim.analysis.by_measure import loss_by_measure

    split = sim.run(sim.load(UNCERTAIN_CITY), replications=24, workers=1)
    loss_by_measure(split, workers=1)
    page = pages.render_comparison(pages.compare(split, split))
    assert page.count("Loss by measure") >= 2 and "without measures" in page
    assert 'id="fig-loss_by_measure"' in page
    assert '<a href="#by-measure">Loss by measure</a>' in page  # the menu leads to it


def test_compare_different_scenarios_lists_changed_parameters(one_city_run):
    """The parameter diff names every changed key with both values, and nothing else."""
    changed = sim.load(UNCERTAIN_CITY).with_values({
        "city[Springfield].budget.reserves": 2.5e8,
        "measure[DOJ conditions].withhold_share": 0.5,
        "scenario.seed": 8})
    other = sim.run(changed, replications=24, workers=1)
    comparison = pages.compare(one_city_run, other)
    diff = comparison.parameters.set_index("path")
    assert set(diff.index) == {"city[Springfield].budget.reserves",
                               "measure[DOJ conditions].withhold_share", "scenario.seed"}
    assert diff.loc["city[Springfield].budget.reserves", "a"] == "100,000,000"
    assert diff.loc["city[Springfield].budget.reserves", "b"] == "250,000,000"
    assert not comparison.paired
    reserves = comparison.changes.query("metric == 'reserves_end' and pair == 'baseline'")
    assert reserves["beyond_noise"].all() and (reserves["change"] > 0).all()


def test_same_seed_runs_of_different_sizes_pair_their_shared_replications(one_city_run):
    """24 and 120 replications on one seed: the first 24 are paired, nothing is flagged."""
    bigger = sim.run(sim.load(UNCERTAIN_CITY), replications=120, workers=1)
    comparison = pages.compare(one_city_run, bigger)
    assert comparison.paired and comparison.shared == 24 and comparison.unshared == (0, 96)
    changes = comparison.changes
    assert (changes[["change", "ci95_low", "ci95_high"]] == 0).all().all()
    assert not changes["beyond_noise"].any()
    page = pages.render_comparison(comparison)
    assert "on the 24 replications both" in page and "The other 96 of B" in page
    assert 'class="num notable"' not in page


def test_same_seed_and_a_real_change_is_flagged(one_city_run):
    """Same seed, other starting reserves: the reserve metrics change beyond noise, paired."""
    richer = sim.load(UNCERTAIN_CITY).with_values({"city[Springfield].budget.reserves": 2.5e8})
    comparison = pages.compare(one_city_run, sim.run(richer, replications=120, workers=1))
    assert comparison.paired
    flagged = comparison.changes.query("beyond_noise")
    assert {"reserves_end", "min_reserve_ratio"} <= set(flagged["metric"])
    assert (flagged.query("metric == 'reserves_end'")["change"] > 0).all()


def test_independent_runs_of_one_model_flag_nothing(one_city_run):
    """Another seed: Welch, and no change beyond Monte Carlo error over the whole page.

    With this seed 17 of the 95% intervals exclude zero by chance (the metrics move
    together: the year-end breach with the monthly one): an unadjusted test would
    paint them red.
    """
    other = sim.run(sim.load(UNCERTAIN_CITY), replications=24, seed=108, workers=1)
    comparison = pages.compare(one_city_run, other)
    assert not comparison.paired
    changes = comparison.changes
    assert ((changes["ci95_low"] > 0) | (changes["ci95_high"] < 0)).sum() == 17
    assert not changes["beyond_noise"].any()


def test_parameter_diff_reports_added_and_removed_tables():
    """A city present on one side only is listed key by key as only in A or only in B."""
    a = {"city": [{"name": "X", "population": 1}], "scenario": {"years": 2}}
    b = {"city": [{"name": "Y", "population": 1}], "scenario": {"years": 3}}
    diff = pages.parameter_diff(a, b).set_index("path")
    assert diff.loc["city[X].population", "status"] == "only in A"
    assert diff.loc["city[Y].population", "status"] == "only in B"
    assert tuple(diff.loc["scenario.years", ["a", "b"]]) == ("2", "3")


def test_compare_two_strategies_of_one_run_is_paired(one_city_run):
    """Within one run the comparison pairs replications (common random numbers)."""
    comparison = pages.compare(one_city_run, strategies=("sanctuary", "full"))
    assert comparison.same_run and comparison.paired
    assert comparison.pairs == (("sanctuary", "full"),)
    assert comparison.a.run.strategies == ["baseline", "sanctuary"]
    assert comparison.b.run.strategies == ["baseline", "full"]
    row = comparison.changes.query("metric == 'federal_withheld'").iloc[0]
    reps = one_city_run.replications.set_index(["strategy", "replication"])["federal_withheld"]
    assert row["change"] == pytest.approx((reps.loc["full"] - reps.loc["sanctuary"]).mean())


def test_compare_explains_a_missing_strategy(one_city_run):
    """Naming a strategy a run does not have is a usage error that lists the ones it has."""
    with pytest.raises(sim.FundsimError, match="no strategy 'bold'.*baseline, sanctuary"):
        pages.compare(one_city_run, strategies=("sanctuary", "bold"))
    with pytest.raises(sim.FundsimError, match="second run"):
        pages.compare(one_city_run)


def test_shared_axes_make_two_drawings_comparable(one_city_run):
    """Matching panels of A and B get the same value ranges."""
    shifted = one_city_run.replications.assign(
        net_fiscal_impact=one_city_run.replications["net_fiscal_impact"] * 3 - 5e6)
    fig_a = run_figures.net_impact(one_city_run.replications, one_city_run.strategies)
    fig_b = run_figures.net_impact(shifted, one_city_run.strategies)
    pages.share_limits(fig_a, fig_b)
    assert fig_a.axes[0].get_ylim() == fig_b.axes[0].get_ylim()


def test_compare_keeps_one_colour_per_strategy_across_runs(one_city_run):
    """A strategy has the same colour on both sides, even one only B has."""
    comparison = pages.compare(one_city_run, one_city_run)
    colours = comparison.colours
    assert colours["sanctuary"] == style.FIXED_COLOURS["sanctuary"]
    assert len(set(colours.values())) == len(colours)


def test_compare_command_writes_report_and_tables(cli, one_city_run, tmp_path, monkeypatch):
    """`fundsim compare RUN --strategies A B -o DIR` writes the page, two tables, a manifest."""
    monkeypatch.setattr(figure_registry, "FIGURES",
                        {"net_impact": figure_registry.FIGURES["net_impact"]})
    folder = one_city_run.save(tmp_path / "run", figures=False)
    out = tmp_path / "cmp"
    result = cli.invoke(main, ["compare", str(folder), "--strategies", "sanctuary", "partial",
                               "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out)
    assert {p.name for p in out.iterdir()} == {"report.html", "changes.csv", "parameters.csv",
                                               "manifest.json"}
    changes = pd.read_csv(out / "changes.csv")
    assert set(changes["pair"]) == {"sanctuary → partial"}
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") == 2 + 2  # both sides, then two differences
    again = cli.invoke(main, ["compare", str(folder), "--strategies", "sanctuary", "partial",
                              "-o", str(out)])
    assert again.exit_code == 2 and "already exists" in again.stderr


def test_compare_command_without_second_run_or_strategies_is_an_error(cli, one_city_run,
                                                                        tmp_path):
    """`fundsim compare RUN` alone explains what it needs, exit status 2."""
    folder = one_city_run.save(tmp_path / "run", figures=False)
    result = cli.invoke(main, ["compare", str(folder)])
    assert result.exit_code == 2 and "--strategies" in result.stderr


def test_shared_axes_leave_out_empty_panels(one_city_run):
    """A side with nothing to draw does not stretch the other side's axes."""
    fig_a = run_figures.net_impact(one_city_run.replications, one_city_run.strategies)
    before = fig_a.axes[0].get_ylim()
    fig_b = Figure()
    empty = fig_b.subplots()
    empty.text(0.5, 0.5, "No suit was filed in this run")
    empty.set_axis_off()
    pages.share_limits(fig_a, fig_b)
    assert fig_a.axes[0].get_ylim() == before
