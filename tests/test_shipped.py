"""Every shipped scenario validates and runs end to end."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim

SCENARIOS = sorted((Path(__file__).parent.parent / "scenarios").glob("*.toml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_shipped_scenario_runs_and_writes_a_folder(path, tmp_path):
    """A short run of each shipped scenario writes the full result folder."""
    result = sim.run(sim.load(path), replications=4, workers=1)
    folder = result.save(tmp_path / path.stem)
    assert (folder / "manifest.json").exists()
    assert (folder / "figures" / "reserves_fan.png").exists()
    assert result.summary["mean"].notna().all()
