"""A small sweep file and scenario shared by the sweep tests, and a spy on simulated points."""

from __future__ import annotations

import textwrap
from pathlib import Path

from sim.analysis import sweep as sweeps
from tests.conftest import scenario_text

ROOT = Path(__file__).resolve().parents[3]


SCENARIO = scenario_text(extra="""
[[measure]]
name = "Never"
kind = "legislation"
probability = 0.0
effective = 2025-06-01
agencies = ["HUD"]
""").replace("revenue_volatility = 0.0", "revenue_volatility = 0.02")
"""ONE_CITY with revenue noise and a second measure that never happens."""


SWEEP = """
[sweep]
name = "Test sweep"
scenario = "scenario.toml"
design = "sobol"
samples = 16
replications = 4
strategies = ["sanctuary"]

[[parameter]]
path = "measure[DOJ conditions].withhold_share"
label = "DOJ share withheld"
low = 0.1
high = 1.0

[[parameter]]
path = "measure[Never].withhold_share"
label = "Share the never-passed measure withholds"
low = 0.1
high = 1.0

[[parameter]]
path = "scenario.discount_rate"
low = 0.0
high = 0.08
source = "assumption: a wide range"

[[output]]
metric = "net_fiscal_impact"
strategy = "sanctuary"
"""


def write_sweep(tmp_path: Path, sweep: str = SWEEP, scenario: str = SCENARIO) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "scenario.toml").write_text(scenario)
    path = tmp_path / "sweep.toml"
    path.write_text(textwrap.dedent(sweep))
    return path


def grid_sweep(tmp_path: Path, **overrides) -> sweeps.Sweep:
    """A 3 x 3 grid over the DOJ share withheld and reserves, with the tornado block."""
    path = write_sweep(tmp_path)
    return sweeps.load(path, {"design": "grid", "levels": 3, "parameter": [
        {"path": "measure[DOJ conditions].withhold_share", "low": 0.2, "high": 1.0},
        {"path": "city[Springfield].budget.reserves", "low": 1e6, "high": 2e8},
    ], "output": [{"metric": "net_fiscal_impact"}, {"metric": "floor_breached"}], **overrides})


COALITION = ROOT / "scenarios" / "coalition-2025.toml"


def spy_on_points(monkeypatch) -> list[int]:
    """The points simulated in this process from now on, in order."""
    ran: list[int] = []
    real = sweeps.PointWork.__call__

    def spy(work, first, last):
        ran.extend(range(first, last))
        return real(work, first, last)

    monkeypatch.setattr(sweeps.PointWork, "__call__", spy)
    return ran
