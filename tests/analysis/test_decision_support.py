"""Decision support: branches, conditional views, legal status and robustness across futures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.analysis import decision_support
from sim.analysis.decision_support import (
    STATUSES,
    branches,
    conditional_summary,
    cvar,
    regret,
    robustness,
    status_by_month,
    status_changes,
)
from sim.errors import ScenarioError
from sim.scenario import Threshold, provenance
from tests.model.test_world import UNCERTAIN

COST_FREE_JAIL = """
[city.enforcement]
bookings_per_month = 0
agreement_staff = 0
agreement_setup_cost = 0
"""
"""Cooperating costs nothing here, so strategies the measure spares match the baseline."""
LITIGATED = (UNCERTAIN.replace("[city.budget]", COST_FREE_JAIL + "[city.budget]")
             .replace("[litigation]\nstrategies = []\n", ""))
"""One city, an uncertain and rescindable measure, the sanctuary strategy sues."""


@pytest.fixture(scope="module")
def result():
    return sim.run(sim.load(LITIGATED), replications=60, workers=1)


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


def test_branches_of_the_future_flag_every_strategy_alike(result):
    """Whether the measure happened belongs to the future (the baseline too); rulings to suers."""
    table = branches(result.events, result.replications).set_index(["strategy", "replication"])
    happened = table["DOJ conditions happened"].unstack("strategy")
    assert (happened.nunique(axis=1) == 1).all()
    granted = table["DOJ conditions: injunction granted"].unstack("strategy")
    assert granted["sanctuary"].any() and not granted[["baseline", "partial", "full"]].any().any()
    assert (granted["sanctuary"] <= happened["sanctuary"]).all()
    assert decision_support.is_exogenous(table.reset_index(), "DOJ conditions happened")


def test_conditional_summaries_partition_the_replications(result):
    """Both sides of every branch add up to the whole, in count and in mean, for every row."""
    table = conditional_summary(result.replications, result.events)
    whole = table[table.branch == "all"].set_index(["strategy", "city", "metric"])
    for branch in set(table.branch) - {"all"}:
        sides = table[table.branch == branch].set_index(["strategy", "city", "metric", "taken"])
        n = sides["n"].groupby(level=[0, 1, 2]).sum()
        assert (n == whole["n"].reindex(n.index)).all(), branch
        probability = sides["probability"].groupby(level=[0, 1, 2]).sum()
        assert np.allclose(probability, 1.0), branch
        blended = (sides["mean"] * sides["n"]).groupby(level=[0, 1, 2]).sum() / n
        assert np.allclose(blended, whole["mean"].reindex(n.index), rtol=1e-9, atol=1e-6)
    rows = table[(table.branch == "DOJ conditions happened") & (table.metric == "federal_withheld")
                 & (table.strategy == "sanctuary")].set_index("taken")
    assert rows.loc[False, "mean"] == 0


def test_regret_is_zero_for_the_best_and_never_negative(result):
    """In every replication, the best strategy has zero regret; none has negative regret."""
    table = regret(result.replications)
    assert (table["regret"] >= 0).all()
    assert (table.groupby("replication")["regret"].min() == 0).all()
    assert set(table["strategy"]) == {"sanctuary", "partial", "full"}


def test_robustness_ranks_strategies_and_counts_thresholds(result):
    """Spared strategies never regret; thresholds count the futures that meet them."""
    ranking = robustness(result.replications,
                         [Threshold(metric="net_fiscal_impact", at_least=-1e6)])
    assert list(ranking["rank"]) == [1, 2, 3]
    spared = ranking.set_index("strategy").loc[["partial", "full"]]
    assert (spared["max_regret"] == 0).all() and (spared["thresholds_met"] == 1).all()
    sanctuary = ranking.set_index("strategy").loc["sanctuary"]
    impacts = result.replications.query("strategy == 'sanctuary'")["net_fiscal_impact"]
    assert sanctuary["thresholds_met"] == pytest.approx((impacts >= -1e6).mean())
    assert sanctuary["cvar05"] <= sanctuary["expected"]


def test_threshold_shares_count_each_condition_and_all_together(result):
    """A strict bound, an inclusive bound and a city's own outcome each count their futures."""
    thresholds = decision_support.thresholds_from(
        ["floor_breached <= 0", "net_fiscal_impact@Springfield > -2e6"], result.scenario)
    shares = decision_support.threshold_shares(result.replications, thresholds)
    rows = result.replications[result.replications.strategy == "sanctuary"]
    first = (rows["floor_breached"] <= 0).to_numpy()
    second = (rows["net_fiscal_impact"] > -2e6).to_numpy()
    assert shares.loc["sanctuary", "floor_breached <= 0"] == pytest.approx(first.mean())
    assert shares.loc["sanctuary", "all"] == pytest.approx((first & second).mean())
    assert "baseline" not in shares.index


@pytest.mark.parametrize("text, message", [
    ("floor_breached = 0", "expected METRIC OP VALUE"),
    ("floor_breached <= lots", "expected METRIC OP VALUE"),
    ("floor_breachd <= 0", "did you mean 'floor_breached'?"),
    ("net_fiscal_impact@Shelbyville >= 0", "no [[city]] has this name"),
], ids=["operator", "value", "metric", "city"])
def test_bad_thresholds_are_named_with_their_option_and_value(text, message):
    """Every bad --threshold is reported with the option and the text given."""
    with pytest.raises(ScenarioError) as caught:
        decision_support.thresholds_from([text], sim.load(UNCERTAIN))
    problem = caught.value.problems[0]
    assert problem.path == "--threshold" and message in problem.message
    assert problem.value in text and f"(got '{problem.value}')" in str(problem)


def test_scenario_thresholds_are_validated_like_the_rest():
    """[[threshold]] tables: bounds, metric and city problems reported; no source needed."""
    bad = UNCERTAIN + """
[[threshold]]
metric = "net_fiscal_impact"
at_least = 5
at_most = 1
"""
    with pytest.raises(ScenarioError, match=r"threshold\[0\]: the lower bound \(5\)"):
        sim.load(bad)
    unknown = UNCERTAIN + '[[threshold]]\nmetric = "reserve"\nat_least = 0\n'
    with pytest.raises(ScenarioError, match=r"threshold\[0\]\.metric: unknown outcome"):
        sim.load(unknown)
    good = sim.load(UNCERTAIN + '[[threshold]]\nmetric = "floor_breached"\nat_most = 0\n')
    assert str(good.threshold[0]) == "floor_breached <= 0"
    assert not [c for c in provenance.citations(good) if c.path.startswith("threshold")]


def _log(rows):
    return pd.DataFrame(rows, columns=["strategy", "replication", "date", "city", "kind",
                                       "detail"]).assign(date=lambda t: pd.to_datetime(t.date))


def test_status_follows_the_courts_through_time():
    """Enacted, enjoined, reinstated after a reversal, upheld: one change per status."""
    log = _log([
        ("sanctuary", 0, "2025-02-01", "", "measure_start", "Act"),
        ("sanctuary", 0, "2025-03-01", "A", "injunction_granted", "Act; A"),
        ("sanctuary", 0, "2025-09-01", "A", "appeal_lost", "Act; A; injunction dissolved"),
        ("sanctuary", 0, "2025-09-01", "A", "judgment_final", "Act; A; lost"),
        ("sanctuary", 1, "2025-02-01", "", "measure_start", "Act"),
        ("sanctuary", 1, "2025-04-01", "A", "merits_won", "Act; A"),
        ("sanctuary", 1, "2025-06-01", "", "measure_rescinded", "Act"),
    ])
    changes = status_changes(log)
    assert list(changes[changes.replication == 0]["status"]) == ["enacted", "enjoined", "upheld"]
    assert list(changes[changes.replication == 1]["status"]) == ["enacted", "enjoined",
                                                                 "rescinded"]
    keys = pd.DataFrame({"strategy": "sanctuary", "replication": [0, 1, 2]})
    ends = pd.date_range("2025-02-01", periods=12, freq="MS")
    shares = status_by_month(changes, keys, ["Act"], ends).set_index("date")
    assert np.allclose(shares[list(STATUSES)].sum(axis=1), 1.0)
    assert shares.loc["2025-01-01", "proposed"] == 1
    assert shares.loc["2025-04-01", "enjoined"] == pytest.approx(2 / 3)
    assert shares.loc["2025-09-01", "upheld"] == pytest.approx(1 / 3)
    assert shares.loc["2025-09-01", "rescinded"] == pytest.approx(1 / 3)
    assert shares.loc["2025-09-01", "proposed"] == pytest.approx(1 / 3)


@settings(deadline=None)  # a loaded machine can take longer than the 200 ms default
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 120), st.sampled_from(STATUSES)),
                max_size=25))
def test_status_at_a_month_end_is_the_last_change_before_it(changes):
    """Shares per month are those of the last change strictly before each month's end."""
    start = pd.Timestamp("2025-01-01")
    table = pd.DataFrame(changes, columns=["replication", "day", "status"]).drop_duplicates(
        ["replication", "day"], keep="last").sort_values(["replication", "day"])
    table = table.assign(strategy="sanctuary", measure="Act",
                         date=start + pd.to_timedelta(table["day"], unit="D"))
    keys = pd.DataFrame({"strategy": "sanctuary", "replication": range(4)})
    ends = pd.date_range("2025-02-01", periods=4, freq="MS")
    shares = status_by_month(table, keys, ["Act"], ends)
    for end, row in zip(ends, shares.itertuples(), strict=True):
        before = table[table["date"] < end].groupby("replication")["status"].last()
        expected = before.value_counts().reindex(STATUSES, fill_value=0)
        expected["proposed"] += 4 - len(before)
        assert [getattr(row, status) for status in STATUSES] == list(expected / 4)


def test_status_shares_of_a_run_match_its_event_log(result):
    """At the end, the share never enacted is the share of replications the measure skipped."""
    shares = decision_support.run_status_by_month(result)
    assert np.allclose(shares[list(STATUSES)].sum(axis=1), 1.0)
    last = shares[shares.date == shares.date.max()].set_index("strategy")
    happened = branches(result.events, result.replications).groupby("strategy")[
        "DOJ conditions happened"].mean()
    for strategy in ("sanctuary", "partial", "full"):
        assert last.loc[strategy, "proposed"] == pytest.approx(1 - happened[strategy])
    assert last.loc["partial", ["enjoined", "vacated", "upheld"]].sum() == 0


def test_report_has_the_decision_section(result):
    """The report ranks strategies, shows the branches and the decision figures."""
    from sim.presentation import figure_registry, pages

    names = set(figure_registry.figures_for(result))
    assert {"robustness", "conditional_impact", "legal_status"} <= names
    section = pages.decision_section(result, [])
    assert [r["rank"] for r in section["ranking"]] == [1, 2, 3]
    assert section["branches"] and section["branches"][0]["cells"][0]["probability"].endswith("%")


def test_cvar_is_the_mean_of_the_worst_share():
    """CVaR 5% of 1..100 is the mean of the five lowest values."""
    assert cvar(np.arange(1, 101), 0.05) == 3.0
    assert cvar(pd.Series([4.0]).to_numpy()) == 4.0
