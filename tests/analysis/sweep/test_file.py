"""The sweep-file schema (sim/analysis/sweep/file.py) and its committed reference."""

from __future__ import annotations

import json

from sim.analysis import sweep as sweeps
from sim.analysis.discovery import Discovery
from sim.cli import main
from tests.analysis.sweep.conftest import (
    ROOT,
)

REFERENCE = ROOT / "docs" / "sweep-reference.md"


def test_committed_sweep_reference_matches_the_schema(cli):
    """docs/sweep-reference.md is what `fundsim schema --sweep --markdown` prints."""
    result = cli.invoke(main, ["schema", "--sweep", "--markdown"])
    assert result.exit_code == 0
    assert REFERENCE.read_text(encoding="utf-8") == result.stdout, (
        "regenerate: fundsim schema --sweep --markdown > docs/sweep-reference.md")
    for model in (sweeps.SweepInfo, sweeps.SweptParameter, sweeps.Output, Discovery):
        for key, field in model.model_fields.items():
            assert field.description and f"| `{key}` |" in result.stdout, (model, key)
    schema = json.loads(cli.invoke(main, ["schema", "--sweep"]).stdout)
    assert set(schema["properties"]) == {"sweep", "parameter", "output", "discovery"}
