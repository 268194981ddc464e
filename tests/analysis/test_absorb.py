"""The largest federal cut a city can absorb: bisection, quantile and its interval."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import sim
from sim.analysis.absorb import absorbable_cut, critical_cuts, order_statistics, steps
from sim.errors import UsageError
from tests.conftest import ONE_CITY


def grant_city(**values) -> sim.Scenario:
    """A deterministic city: $1.2B spending, $120M a year of federal grants paid
    monthly ($10M), own revenue $1.08B (balanced), $100M reserves, floor 5% ($60M),
    no measure, two years.  A cut x loses $10M x a month: after 24 months $240M x,
    so the floor ($40M below the reserves) is breached exactly when x > 1/6."""
    return sim.load(ONE_CITY).with_values({
        "city[0].grant[0].amount": 1.2e8, "city[0].grant[1].amount": 0.0,
        "city[0].budget.expenditure_growth": 0.0,
        "city[0].budget.own_source_revenue": 1.08e9, "measure[0].probability": 0.0,
        **values})


def test_bisection_finds_the_hand_computed_threshold():
    """1/6 of federal funds, $20M a year, within the tolerance; the same in every future."""
    table = absorbable_cut(grant_city(), replications=4, tolerance=0.001).set_index("strategy")
    row = table.loc["sanctuary"]
    assert 1 / 6 <= row["cut"] <= 1 / 6 + 0.001
    assert row["dollars"] == pytest.approx(row["cut"] * 1.2e8)
    assert row["breached_without_cut"] == 0.0
    # Full cooperation costs money (holds, compliance): it absorbs less.
    assert table.loc["full", "cut"] < row["cut"]


def test_floor_breached_without_a_cut_and_never_breached_are_the_two_ends():
    """Reserves already under the floor: nothing is absorbable; reserves of $400M:
    even losing all federal money ($240M) keeps them above $60M, censored at 100%."""
    under = absorbable_cut(grant_city(**{"city[0].budget.reserves": 5e7}), replications=2)
    assert (under["cut"] == 0.0).all() and (under["breached_without_cut"] == 1.0).all()
    rich = absorbable_cut(grant_city(**{"city[0].budget.reserves": 4e8}), replications=2)
    assert (rich["cut"] == 1.0).all()


def test_critical_cuts_are_those_of_separate_runs_at_a_fixed_cut():
    """Common random numbers: a future breached at the bisection's critical cut, not
    just below it, in a run of its own with a noisy revenue."""
    scenario = grant_city(**{"city[0].budget.revenue_volatility": 0.02})
    cuts, _, names = critical_cuts(scenario, 6, seed=3, tolerance=0.01)
    assert len(set(np.round(cuts[1, :, 0], 3))) > 1  # the futures differ
    from dataclasses import replace

    from sim.model.plan import build_plan
    from sim.model.world import World, run_simpy

    plan = build_plan(scenario)
    for shift, expected in ((0.0, True), (-0.01, False)):
        world = World(plan, 3, range(6), keep=0)
        cut = np.clip(cuts + shift, 0.0, 1.0)
        world.fiscal_inputs = replace(world.fiscal_inputs, federal_cut=cut)
        breached = run_simpy(world).outcomes["floor_breached"] > 0
        inside = (cuts > 0.01) & (cuts <= 1.0)
        assert np.all(breached[inside] == expected)


def test_order_statistics_cover_the_quantile_with_the_stated_probability():
    """k = floor(0.1 x 1000) + 1 = 101; the interval's ranks hold the true 10% quantile
    with at least 90% probability (exact binomial sum)."""
    k, low, high = order_statistics(1000, 0.1)
    assert k == 101 and low < k < high
    coverage = stats.binom.cdf(high - 1, 1000, 0.1) - stats.binom.cdf(low - 1, 1000, 0.1)
    assert coverage >= 0.9
    assert steps(0.001) == 12


def test_bad_share_of_futures_is_refused_in_one_line():
    with pytest.raises(UsageError, match="share of futures"):
        absorbable_cut(grant_city(), futures=1.0, replications=2)


def test_run_option_writes_the_table_and_the_report_shows_it(tmp_path, cli):
    """`fundsim run --absorbable-cut 0.9`: absorbable_cut.csv, read back, in the report
    and one line per city in the terminal."""
    from sim.cli import main

    path = tmp_path / "city.toml"
    path.write_text(ONE_CITY)
    out = tmp_path / "run"
    result = cli.invoke(main, ["run", str(path), "-n", "3", "-w", "1", "-o", str(out),
                               "--absorbable-cut", "0.9"])
    assert result.exit_code == 0, result.output
    line = " ".join(result.output.split())
    assert "Springfield: largest federal cut absorbable in 90% of futures:" in line
    again = sim.open_results(out)
    assert list(again.absorbable["strategy"]) == again.strategies
    assert "The largest federal cut the city can absorb" in (out / "report.html").read_text()
