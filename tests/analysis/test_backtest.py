from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from sim.analysis.backtest import Observed, compare, load_observed, percentile_of
from sim.cli import main
from sim.errors import ScenarioError

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


@pytest.mark.parametrize("path", OBSERVED, ids=[p.stem for p in OBSERVED])
def test_shipped_backtest_runs_and_compares(path, tmp_path):
    """`fundsim backtest` runs each shipped backtest and writes its comparison CSV."""
    out = tmp_path / "comparison.csv"
    result = CliRunner().invoke(main, ["backtest", str(path), "-n", "20", "-w", "1",
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out)
    expected, _ = load_observed(path)
    assert list(written["metric"]) == [o.metric for o in expected.outcome]
    assert {"percentile", "inside_90", "source"} <= set(written.columns)
