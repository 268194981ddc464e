"""How results reach figures and pages without importing the layer above.

``result.plot`` and ``result.save()`` draw figures and write the HTML report,
and a sweep's folder holds figures and a page too.  Those live in the
presentation layer (:mod:`sim.presentation`), above the results and the
analysis, which must not import it.  So they do what pandas does for
``DataFrame.plot``, whose ``plotting.backend`` option names the module that
draws and is imported on first use: :data:`BACKEND` names the presentation
module, :func:`presenter` imports it when a figure or a page is first asked
for, and the module provides the functions of :class:`Presenter`.

Importing on first use also keeps matplotlib out of ``fundsim validate``
and of the worker processes, which never draw.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from sim.results.run import RunResult

BACKEND = "sim.presentation"
"""The module that draws figures and writes pages (the one name this layer knows of it)."""


class Presenter(Protocol):
    """What the presentation backend provides: figures and pages of runs and sweeps.

    A sweep result (:class:`sim.analysis.sweep.SweepResult`) is typed ``Any``
    here: the analysis layer sits above this one.
    """

    def run_plotter(self, result: RunResult) -> Any:
        """``result.plot``: the run's figures as methods returning a Figure."""

    def write_run_pages(self, result: RunResult, folder: Path) -> None:
        """Write ``figures/`` and ``report.html`` of a run into ``folder``."""

    def write_workbook(self, result: RunResult, path: Path) -> Path:
        """``result.to_excel(path)``: the run's Excel workbook, written atomically."""

    def sweep_plotter(self, result: Any) -> Any:
        """``sweep_result.plot``: the sweep's figures as methods returning a Figure."""

    def write_sweep_figures(self, result: Any, folder: Path) -> dict[str, bytes | None]:
        """Write a sweep's figures into ``folder``; return the PNGs by name (None: not drawn)."""

    def sweep_page(self, result: Any, pngs: dict[str, bytes | None]) -> str:
        """A sweep's ``report.html``, with figures already drawn (by name)."""

    def discovery_files(self, result: Any) -> dict[str, tuple[bytes, bytes]]:
        """The PNG and SVG bytes of every scenario-discovery figure of a sweep, by name."""


def presenter() -> Presenter:
    """The presentation backend, imported on first use."""
    return cast(Presenter, importlib.import_module(BACKEND))
