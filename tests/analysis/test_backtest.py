"""Backtests: observed run metrics in their distributions, and suits scored."""

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import sim
from sim.analysis.backtest import (
    Observed,
    SuitBacktest,
    compare,
    load_observed,
    percentile_of,
    score_items,
    summarise,
)
from sim.cli import main
from sim.errors import ScenarioError
from tests.conftest import ONE_CITY

ROOT = Path(__file__).resolve().parents[2]
OBSERVED = sorted((ROOT / "scenarios" / "observed").glob("*.toml"))


def replications(values, metric="federal_withheld"):
    return pd.DataFrame({"strategy": "sanctuary", "replication": range(len(values)),
                         "city": "Chicago", metric: values})


def observed(value, metric="federal_withheld"):
    return Observed(scenario="x.toml", outcome=[
        {"metric": metric, "city": "Chicago", "value": value, "source": "record"}])


def test_percentile_counts_ties_as_half():
    """An observed value equal to every simulated one sits at the 50th percentile."""
    assert percentile_of(np.full(10, 3.0), 3.0) == 50.0
    assert percentile_of(np.arange(100.0), 1000.0) == 100.0
    assert percentile_of(np.arange(100.0), -1.0) == 0.0


def test_compare_places_the_observed_value_in_the_distribution():
    """Quantiles come from the simulated values; the 90% band decides inside_90."""
    table = compare(replications(np.arange(101.0)), observed(50.0))
    row = table.iloc[0]
    assert (row.p05, row.p50, row.p95) == (5.0, 50.0, 95.0)
    assert row.percentile == pytest.approx(50.0, abs=0.5)
    assert row.inside_90
    outside = compare(replications(np.arange(101.0)), observed(99.0)).iloc[0]
    assert not outside.inside_90


def test_compare_reports_a_metric_the_run_lacks():
    """An unknown metric is a clean error naming the outcome and the value."""
    with pytest.raises(ScenarioError) as error:
        compare(replications([1.0]), observed(1.0, metric="days_to_nothing"), "obs.toml")
    assert "obs.toml: outcome[0].metric: the run has no such metric (got 'days_to_nothing')" in (
        str(error.value))


def test_observed_file_must_name_cities_of_its_scenario(tmp_path):
    """An outcome for a city the scenario lacks is reported with its key path."""
    scenario = ROOT / "scenarios" / "backtest-chicago-2017.toml"
    path = tmp_path / "obs.toml"
    path.write_text(f'scenario = "{scenario}"\n[[outcome]]\nmetric = "federal_withheld"\n'
                    'city = "Gotham"\nvalue = 1\nsource = "x"\n')
    with pytest.raises(ScenarioError) as error:
        load_observed(path)
    assert "outcome[0].city: no [[city]] of the scenario has this name (got 'Gotham')" in str(
        error.value)


@pytest.mark.parametrize("metric", ["city", "strategy", "replication", "nonsense"])
def test_an_outcome_must_be_a_per_replication_metric(tmp_path, metric):
    """Columns that are not outcomes (city, strategy, replication) are refused before the run."""
    scenario = ROOT / "scenarios" / "backtest-chicago-2017.toml"
    path = tmp_path / "obs.toml"
    path.write_text(f'scenario = "{scenario}"\n[[outcome]]\nmetric = "{metric}"\n'
                    'city = "Chicago"\nvalue = 1\nsource = "x"\n')
    with pytest.raises(ScenarioError, match=r"outcome\[0\]\.metric: not a per-replication "
                                            rf"outcome of a run .*\(got '{metric}'\)"):
        load_observed(path)


def test_a_bad_metric_is_one_clean_line_from_the_command(tmp_path):
    """`fundsim backtest` with metric = "city": exit 2, one line, nothing written."""
    scenario = ROOT / "scenarios" / "backtest-chicago-2017.toml"
    path = tmp_path / "obs.toml"
    path.write_text(f'scenario = "{scenario}"\n[[outcome]]\nmetric = "city"\n'
                    'city = "Chicago"\nvalue = 1\nsource = "x"\n')
    result = CliRunner().invoke(main, ["backtest", str(path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "outcome[0].metric" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("path", OBSERVED, ids=[p.stem for p in OBSERVED])
def test_shipped_backtest_runs_and_writes_its_folder(path, tmp_path):
    """`fundsim backtest` runs each shipped backtest, prints its table and writes a folder."""
    out = tmp_path / "bt"
    result = CliRunner().invoke(main, ["backtest", str(path), "-n", "20", "-w", "1",
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.rstrip().endswith(str(out))
    assert max(len(line) for line in result.output.splitlines()[:-1]) <= 80
    expected, scenario = load_observed(path)
    assert (out / "table.txt").read_text().startswith(scenario.scenario.name)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["backtest"]["replications"] == 20 and "table.txt" in manifest["files"]
    if isinstance(expected, SuitBacktest):
        scores = pd.read_csv(out / "scores.csv")
        assert set(scores["family"]) == {"relief", "days_to_relief", "days_to_extend",
                                         "withheld"}
        items = pd.read_csv(out / "items.csv")
        assert items["source"].notna().all()
    else:
        written = pd.read_csv(out / "comparison.csv")
        assert list(written["metric"]) == [o.metric for o in expected.outcome]
        assert {"percentile", "inside_90", "source"} <= set(written.columns)


def test_an_existing_folder_is_kept_unless_overwrite(tmp_path):
    """A second backtest into the same folder is refused before the run; --overwrite replaces."""
    path = ROOT / "scenarios" / "observed" / "backtest-chicago-2017.toml"
    args = ["backtest", str(path), "-n", "5", "-w", "1", "-o", str(tmp_path / "bt")]
    assert CliRunner().invoke(main, args).exit_code == 0
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 2 and "exists" in again.output
    assert CliRunner().invoke(main, [*args, "--overwrite"]).exit_code == 0


SUIT_FILES = [ROOT / "scenarios" / "observed" / name
              for name in ("backtest-2025.toml", "backtest-2025-rolling.toml")]
START = pd.Timestamp("2025-01-01")


@pytest.mark.parametrize("path", SUIT_FILES, ids=lambda p: p.stem)
def test_shipped_suit_backtests_load_and_cite_every_suit(path):
    """Each shipped record names its scenario's measures and cities and cites every suit."""
    backtest, scenario = load_observed(path)
    assert all(s.source for s in backtest.suit)
    assert {s.measure for s in backtest.suit} <= {m.name for m in scenario.measure}


BASE = """
scenario = "{scenario}"
observed_until = 2025-04-30
[reference]
relief_days = [10, 100]
extension_days = [20]
source = "past suits"
[[suit]]
name = "Springfield v. DOJ"
measure = "DOJ conditions"
filed = 2025-03-01
relief = 2025-03-21
source = "order"
"""


@pytest.mark.parametrize(("change", "message"), [
    (('measure = "DOJ conditions"', 'measure = "Nope"'), "suit[0].measure: no [[measure]]"),
    (("relief = 2025-03-21", "relief = 2025-02-01"), "relief (2025-02-01) comes before filed"),
    (("filed = 2025-03-01", "filed = 2025-03-01\npool = [\"Atlantis\"]"),
     "suit[0].pool: no coalition or city"),
    (('source = "order"', 'source = "order"\n[[withheld]]\ncity = "Atlantis"\nvalue = 1\n'
      'reference = [0]\nsource = "x"'), "withheld[0].city: no [[city]]"),
    (("observed_until = 2025-04-30", "observed_until = 2025-02-01"),
     "suit[0].filed: filed after observed_until"),
], ids=["measure", "order", "pool", "city", "window"])
def test_bad_records_are_reported_by_key(tmp_path, change, message):
    """Each mistake names the key and what is wrong."""
    (tmp_path / "s.toml").write_text(ONE_CITY)
    text = BASE.format(scenario="s.toml").replace(*change)
    (tmp_path / "o.toml").write_text(text)
    with pytest.raises(ScenarioError, match=message.replace("[", r"\[").replace("(", r"\(")
                       .replace(")", r"\)")):
        load_observed(tmp_path / "o.toml")


def fake_run():
    """Two simulated suits relieved 10 and 30 days after filing; withheld 0 or 100."""
    day = pd.Timedelta(days=1)
    events = pd.DataFrame([
        {"strategy": "sanctuary", "replication": r, "date": START + d * day,
         "city": "Springfield", "kind": k, "detail": "DOJ conditions; Springfield"}
        for r, d, k in ((0, 5, "suit_filed"), (0, 15, "injunction_granted"),
                        (1, 5, "suit_filed"), (1, 35, "injunction_granted"))])
    trajectories = pd.DataFrame({"strategy": "sanctuary", "replication": [0, 1],
                                 "city": "Springfield", "date": START,
                                 "federal_withheld": [0.0, 100.0]})
    return SimpleNamespace(events=events, trajectories=trajectories)


def test_scores_of_a_hand_computed_case():
    """Model certain of relief in the window, naive 50-50; CRPS by hand."""
    backtest = SuitBacktest.model_validate({
        "scenario": "s.toml", "observed_until": dt.date(2025, 4, 30),
        "reference": {"relief_days": [10, 100], "source": "past"},
        "suit": [{"name": "S v. DOJ", "measure": "DOJ conditions", "filed": dt.date(2025, 3, 1),
                  "relief": dt.date(2025, 3, 21), "source": "order"}],
        "withheld": [{"city": "Springfield", "value": 0, "reference": [0], "source": "x"}]})
    items = score_items(fake_run(), backtest, sim.load(ONE_CITY)).set_index(["family", "rule"])
    # Window 60 days: both simulated suits relieved within it (p = 1), naive 10 of [10, 100].
    assert items.loc[("relief", "Brier"), ["model_score", "naive_score"]].tolist() == [0.0, 0.25]
    # 20 days: model [10, 30] -> 10 - 10 / 2 = 5; naive [10, 100] -> 45 - 45 / 2 = 22.5.
    assert items.loc[("days_to_relief", "CRPS"), ["model_score", "naive_score"]].tolist() == \
        pytest.approx([5.0, 22.5])
    # $0 withheld: model [0, 100] -> 50 - 50 / 2 = 25; naive certain of 0.
    assert items.loc[("withheld", "CRPS"), ["model_score", "naive_score"]].tolist() == \
        pytest.approx([25.0, 0.0])


def test_summary_gives_skill_per_family():
    """Skill 1 - model / naive per family and rule."""
    items = pd.DataFrame({
        "family": ["relief", "relief", "days_to_relief", "withheld"],
        "rule": ["Brier", "Brier", "CRPS", "CRPS"],
        "model_score": [0.1, 0.3, 40.0, 4.5e9], "naive_score": [0.2, 0.2, 20.0, 1.0]})
    scores = summarise(items, draws=200).set_index(["family", "rule"])
    assert scores.loc[("relief", "Brier"), "skill"] == pytest.approx(0.0)
    assert scores.loc[("days_to_relief", "CRPS"), "skill"] == pytest.approx(-1.0)
    assert scores.loc[("relief", "Brier"), "n"] == 2
