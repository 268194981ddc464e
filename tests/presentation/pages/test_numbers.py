"""Numbers on the pages (sim/presentation/pages/numbers.py): paired changes, intervals, formats,
events."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.presentation import pages


def test_key_numbers_pair_each_strategy_with_the_baseline(one_city_run):
    """The change vs baseline is the mean of paired differences, with a t interval."""
    numbers = pages.key_numbers(one_city_run, "Springfield")
    row = numbers[(numbers["strategy"] == "sanctuary")
                  & (numbers["metric"] == "federal_withheld")].iloc[0]
    reps = one_city_run.replications.set_index(["strategy", "replication"])["federal_withheld"]
    paired = (reps.loc["sanctuary"] - reps.loc["baseline"]).to_numpy()
    assert row["change"].estimate == pytest.approx(paired.mean())
    low, high = stats.ttest_1samp(paired, 0).confidence_interval()
    assert (row["change"].low, row["change"].high) == pytest.approx((low, high))


@pytest.mark.parametrize("estimate, se, level, beyond", [
    (1.9, 1.0, 0.05, False), (2.5, 1.0, 0.05, True), (2.5, 1.0, 0.0005, False),
    (1e-3, 0.0, 0.05, True), (0.0, 0.0, 0.05, False)])
def test_beyond_noise_takes_the_family_level_and_exact_differences(estimate, se, level, beyond):
    """A change beyond noise exceeds the t quantile of its level; one without error, any change."""
    interval = pages.Interval(estimate, estimate - 2 * se, estimate + 2 * se, se, df=200)
    assert interval.beyond_noise(level) is beyond


@pytest.mark.parametrize("paired", [True, False], ids=["paired", "welch"])
def test_mean_difference_matches_scipy(paired):
    """Confidence intervals of changes agree with scipy's t tests."""
    rng = np.random.default_rng(3)
    a = rng.normal(10, 2, 40)
    b = a + rng.normal(1, 1, 40) if paired else rng.normal(11, 3, 55)
    got = pages.mean_difference(a, b, paired)
    test = stats.ttest_rel(b, a) if paired else stats.ttest_ind(b, a, equal_var=False)
    low, high = test.confidence_interval()
    assert (got.low, got.high) == pytest.approx((low, high))
    assert got.estimate == pytest.approx(b.mean() - a.mean())


def test_event_summary_counts_share_of_replications():
    """Each event kind shows the share of replications where it happened and its first date."""
    events = pd.DataFrame({
        "strategy": ["s", "s", "s", "t"], "replication": [0, 0, 1, 0],
        "date": pd.to_datetime(["2025-01-01", "2025-03-01", "2025-02-01", "2025-05-01"]),
        "city": "", "kind": "measure_start", "detail": "M"})
    summary = pages.event_summary(events, ["s", "t"], replications=4).set_index("strategy")
    assert summary.loc["s", "share"] == 0.5 and summary.loc["s", "per_run"] == 0.75
    assert summary.loc["t", "share"] == 0.25
    assert summary.loc["s", "first"] == pd.Timestamp("2025-01-16")


def test_number_cells_say_percentage_points_for_probabilities():
    """Changes of probabilities read in percentage points, money in $."""
    assert pages.format_change("floor_breached", 0.052) == "+5.2 pp"
    assert pages.format_change("floor_breached", 0.0) == "0 pp"
    assert pages.format_change("net_fiscal_impact", -2.5e8) == "-$250M"
    assert pages.format_metric("months_below_floor", 3.25) == "3.2"
    assert (Path(pages.__file__).parents[1] / "templates").is_dir()


@pytest.mark.parametrize(("metric", "value", "text"), [
    ("detainers_received", 12345.6, "12,346"), ("trust_end", 0.8512, "0.851"),
    ("reporting_rate_change", -0.083, "-8.3%"), ("federal_due", 2.5e9, "$2.5B"),
    ("no_such_metric", 3.14159, "3.14")])
def test_metric_values_read_in_their_units(metric, value, text):
    """Counts with thousands separators, indices as decimals, relative changes in percent."""
    assert pages.format_metric(metric, value) == text
