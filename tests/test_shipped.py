"""Every shipped scenario validates and runs end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim

SCENARIOS = sorted((Path(__file__).parent.parent / "scenarios").glob("*.toml"))
README_SCENARIO = "los-angeles"
"""The scenario the README runs: its folder is checked with figures."""


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_shipped_scenario_runs_and_writes_a_folder(path, tmp_path):
    """A short run of each shipped scenario writes its result folder."""
    figures = path.stem == README_SCENARIO
    result = sim.run(sim.load(path), replications=4, workers=1)
    folder = result.save(tmp_path / path.stem, figures=figures)
    assert (folder / "manifest.json").exists()
    assert (folder / "figures" / "reserves_fan.png").exists() == figures
    assert result.summary["mean"].notna().all()


def test_readme_scenario_is_shipped():
    """The scenario the README's first command runs exists."""
    assert README_SCENARIO in [p.stem for p in SCENARIOS]
