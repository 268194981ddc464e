"""The notebooks in notebooks/ run top to bottom, unchanged, as a new user runs them."""

from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT_S = 600
"""Generous: the suite may share the machine; each notebook takes seconds when it does not."""


def test_the_three_studies_are_shipped():
    """Quickstart, strategy comparison and what-if notebooks exist, the README names them."""
    stems = {path.stem for path in NOTEBOOKS}
    assert {"01-quickstart", "02-comparing-strategies", "03-what-if-statute"} <= stems
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    assert all(f"`{stem}.ipynb`" in readme for stem in stems)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_top_to_bottom(path):
    """Every cell runs without error in a fresh kernel started in notebooks/."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    shown = [output for cell in notebook.cells if cell.cell_type == "code"
             for output in cell.outputs]
    assert not [output for output in shown if output.output_type == "error"]
    assert any("image/png" in output.get("data", {}) for output in shown), "no figure shown"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_is_stored_without_outputs(path):
    """Stored notebooks carry no outputs or execution counts (small, readable diffs)."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_matches_its_paired_script(path):
    """The .ipynb and its jupytext percent script hold the same cells."""
    script = path.with_suffix(".py")
    assert script.is_file(), f"{script.name} missing: run `jupytext --sync {path.name}`"

    def cells(notebook):
        return [(cell.cell_type, cell.source) for cell in notebook.cells]

    assert cells(jupytext.read(path)) == cells(jupytext.read(script)), (
        f"{path.name} and {script.name} differ: run `jupytext --sync` on the one you edited")
