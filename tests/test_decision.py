"""Decision support: branches, conditional views and robustness across futures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.decision import Threshold, branches, conditional_summary, cvar, regret, robustness
from tests.model.test_world import UNCERTAIN

COST_FREE_JAIL = """
[city.enforcement]
bookings_per_month = 0
agreement_staff = 0
agreement_setup_cost = 0
"""
"""Cooperating costs nothing here, so strategies the measure spares match the baseline."""


@pytest.fixture(scope="module")
def result():
    text = UNCERTAIN.replace("[city.budget]", COST_FREE_JAIL + "[city.budget]")
    return sim.run(sim.load(text), replications=60, workers=1)


def test_branches_flag_every_replication(result):
    """Each (strategy, replication) appears once, flagged by the events it saw."""
    table = branches(result.events, result.replications)
    assert len(table) == 4 * 60
    happened = table["DOJ conditions happened"]
    withheld = result.replications.set_index(["strategy", "replication"])["federal_withheld"]
    sanctuary = table[table.strategy == "sanctuary"]
    lost_money = withheld.loc["sanctuary"].to_numpy() > 0
    assert (happened[sanctuary.index].to_numpy() | ~lost_money).all()
    assert 0.3 < happened[sanctuary.index].mean() < 0.9
    assert not table[table.strategy == "baseline"]["DOJ conditions happened"].any()


def test_conditional_summaries_partition_the_replications(result):
    """Both sides of a branch add up to the whole, in count and in mean."""
    table = conditional_summary(result.replications, result.events)
    mask = (table.strategy == "sanctuary") & (table.metric == "federal_withheld")
    rows = table[mask & (table.branch == "DOJ conditions happened")].set_index("taken")
    whole = table[mask & (table.branch == "all")].iloc[0]
    assert rows.loc[True, "n"] + rows.loc[False, "n"] == whole["n"]
    assert rows["probability"].sum() == pytest.approx(1.0)
    blended = (rows["mean"] * rows["n"]).sum() / whole["n"]
    assert blended == pytest.approx(whole["mean"])
    assert rows.loc[False, "mean"] == 0


def test_regret_is_zero_for_the_best_and_never_negative(result):
    """In every replication, the best strategy has zero regret; none has negative regret."""
    table = regret(result.replications)
    assert (table["regret"] >= 0).all()
    assert (table.groupby("replication")["regret"].min() == 0).all()
    assert set(table["strategy"]) == {"sanctuary", "partial", "full"}


def test_robustness_ranks_strategies_and_counts_thresholds(result):
    """Spared strategies never regret; thresholds count the futures that meet them."""
    ranking = robustness(result.replications, [Threshold("net_fiscal_impact", at_least=-1e6)])
    assert list(ranking["rank"]) == [1, 2, 3]
    spared = ranking.set_index("strategy").loc[["partial", "full"]]
    assert (spared["max_regret"] == 0).all() and (spared["thresholds_met"] == 1).all()
    sanctuary = ranking.set_index("strategy").loc["sanctuary"]
    impacts = result.replications.query("strategy == 'sanctuary'")["net_fiscal_impact"]
    assert sanctuary["thresholds_met"] == pytest.approx((impacts >= -1e6).mean())
    assert sanctuary["cvar05"] <= sanctuary["expected"]


def test_cvar_is_the_mean_of_the_worst_share():
    """CVaR 5% of 1..100 is the mean of the five lowest values."""
    assert cvar(np.arange(1, 101), 0.05) == 3.0
    assert cvar(pd.Series([4.0]).to_numpy()) == 4.0
