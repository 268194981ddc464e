"""Replications for a target precision: the stopping rule, determinism, options."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import sim
from sim.cli import main
from sim.engine import precision
from sim.errors import UsageError
from sim.model.plan import build_plan
from tests.conftest import ONE_CITY
from tests.model.test_world import UNCERTAIN


def _stop(mean: float, sd: float, share: float, batch: int, floors=None, cap=40_000) -> int:
    """Where the rule stops on a synthetic metric: N(mean, sd) for one strategy, fixed elsewhere."""
    plan = build_plan(sim.load(ONE_CITY))
    goal = precision.target(share, floors=floors, batch=batch, max_replications=cap,
                            metrics=["net_fiscal_impact"])
    rng = np.random.default_rng(2024)
    values = np.zeros((len(plan.strategies), cap, 1))
    values[1] = rng.normal(mean, sd, (cap, 1))
    values[2:] = mean  # the other strategies are certain: any precision holds at once
    outcomes: dict[str, np.ndarray] = {}

    def simulate_more(first: int, last: int) -> None:
        outcomes["net_fiscal_impact"] = values  # as if these replications had just run

    history = precision.add_until_precise(goal, precision.StoppingRule(goal, plan), outcomes,
                                          simulate_more)
    assert history[-1].met and not any(a.met for a in history[:-1])
    return history[-1].replications


@pytest.mark.parametrize("mean, sd, share", [(1e8, 2e8, 0.05), (-3e7, 3e7, 0.02)],
                         ids=["cv-2", "cv-1"])
def test_stops_where_the_theory_says(mean, sd, share):
    """n = (1.96 sd / (share x mean))^2 replications, to within one batch."""
    batch = 250
    theory = (stats.norm.ppf(0.975) * sd / (share * abs(mean))) ** 2
    assert abs(_stop(mean, sd, share, batch) - theory) <= batch


def test_a_floor_stops_a_mean_near_zero():
    """A zero mean never meets a relative precision; its floor decides: n = (1.96 sd / floor)^2."""
    sd, floor, batch = 5e6, 2e5, 100
    theory = (stats.norm.ppf(0.975) * sd / floor) ** 2
    assert abs(_stop(0.0, sd, 0.02, batch, floors={"money": floor}) - theory) <= batch


PRECISE = {"precision": 0.15, "precision_batch": 40, "max_replications": 600,
           "precision_floor": {"probability": 0.04, "money": 5e5}}


@pytest.fixture(scope="module")
def precise():
    return sim.run(sim.load(UNCERTAIN), workers=1, **PRECISE)


def test_same_seed_same_stopping_point_whatever_the_workers(precise):
    """Two workers stop where one did, with a run of that many replications' numbers."""
    again = sim.run(sim.load(UNCERTAIN), workers=2, **PRECISE)
    n = precise.manifest["replications"]
    assert again.manifest["replications"] == n and n % 40 == 0 and 40 < n < 600
    plain = sim.run(sim.load(UNCERTAIN), replications=n, workers=1)
    pd.testing.assert_frame_equal(precise.replications, again.replications)
    pd.testing.assert_frame_equal(precise.replications, plain.replications)
    pd.testing.assert_frame_equal(precise.trajectories, plain.trajectories)


def test_manifest_and_report_state_the_precision(precise):
    """The manifest records target, stop and closest check; the report says it in words."""
    from sim.presentation import pages
    from tests.presentation.pages.conftest import fake_figures

    record = precise.manifest["precision"]
    assert record["reached"] and record["replications"] == precise.manifest["replications"]
    assert record["target"] == 0.15 and record["worst"]["ratio"] <= 1
    assert [n for n, _ in record["history"]] == list(range(40, record["replications"] + 1, 40))
    assert record["history"][-2][1] > 1
    html = pages.render_report(precise, fake_figures())
    assert "Precision 15.0% reached after" in html


def test_the_cap_is_reported_when_precision_is_not_reached():
    """A cap below what the precision needs stops there and says so."""
    result = sim.run(sim.load(UNCERTAIN), precision=0.001, precision_batch=20,
                     max_replications=40, workers=1)
    record = result.manifest["precision"]
    assert result.manifest["replications"] == 40 and not record["reached"]
    assert "NOT reached" in precision.describe(record)


@pytest.mark.parametrize("options, message", [
    ({"precision": 1.5}, "precision must be a share between 0 and 1"),
    ({"precision": 0.02, "replications": 10}, "either a number of replications or a precision"),
    ({"precision": 0.02, "precision_floor": ["money=-1"]}, "must be a number of at least 0"),
    ({"precision": 0.02, "precision_floor": {"dollars": 1}}, "not a metric or a unit family"),
    ({"precision": 0.02, "max_replications": 1}, "at least 2"),
    ({"max_replications": 100}, "apply to precision runs only"),
], ids=["share", "both", "negative-floor", "unknown-floor", "cap", "no-precision"])
def test_bad_precision_options_are_clear_errors(options, message):
    """Every bad option is refused before any work, naming the option and the value."""
    with pytest.raises(UsageError, match=message):
        sim.run(sim.load(ONE_CITY), workers=1, **options)


def test_cli_refuses_replications_with_precision(cli, tmp_path):
    """-n and --precision together: exit status 2, nothing written."""
    path = tmp_path / "s.toml"
    path.write_text(ONE_CITY)
    out = cli.invoke(main, ["run", str(path), "-n", "5", "--precision", "0.1",
                                    "-o", str(tmp_path / "out")])
    assert out.exit_code == 2 and "not both" in out.output
    assert not (tmp_path / "out").exists()
