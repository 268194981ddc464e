"""Presentation: figures and HTML pages, the top layer below the command line.

Figures are pure functions from result tables to
:class:`matplotlib.figure.Figure` (nothing here shows a window); pages are
self-contained HTML files rendered from Jinja templates (``templates/``).

* :mod:`~sim.presentation.style`: the house style (colours, axes, saving);
* :mod:`~sim.presentation.run_figures`: the figures of one run;
* :mod:`~sim.presentation.figure_registry`: which figures a run draws, ``result.plot``;
* :mod:`~sim.presentation.decision_figures`: robustness, conditional views,
  legal status;
* :mod:`~sim.presentation.compare_figures`: two runs on shared axes;
* :mod:`~sim.presentation.sweep_figures`: sensitivity and scenario discovery;
* :mod:`~sim.presentation.pages`: the run report, the comparison and the sweep page;
* :mod:`~sim.presentation.measure_figures`: the loss by measure as a waterfall;
* :mod:`~sim.presentation.workbook`: the run as an Excel workbook.

The functions below are the backend the result and analysis layers reach
without importing this package (:mod:`sim.results.presenter`, as pandas
reaches its plotting backend): ``result.plot``, ``result.save()`` and sweep
folders.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from sim.errors import FundsimWarning
from sim.presentation import figure_registry, pages, style, sweep_figures, workbook
from sim.results import for_figures

if TYPE_CHECKING:
    from sim.analysis.sweep import SweepResult
    from sim.results import RunResult


def run_plotter(result: RunResult) -> figure_registry.Plotter:
    """``result.plot``: the run's figures as methods returning a Figure."""
    return figure_registry.Plotter(result)


def write_workbook(result: RunResult, path: Path) -> Path:
    """``result.to_excel(path)``: the run's Excel workbook (:mod:`sim.presentation.workbook`)."""
    return workbook.write_workbook(result, path)


def write_run_pages(result: RunResult, folder: Path) -> None:
    """Write ``figures/`` and ``report.html`` of a run into ``folder``.

    A big run's figures and report are drawn from its first replications
    (:func:`sim.results.for_figures`).  They come after the tables and never
    cost them: a figure that cannot be drawn is left out, a report that
    cannot be written is left out, each with a warning
    (:class:`~sim.errors.FundsimWarning`).
    """
    drawn = for_figures(result)
    pngs = figure_registry.save_figures(drawn, folder / "figures")
    try:
        html = pages.render_report(drawn, pngs)
    except Exception as error:
        warnings.warn(FundsimWarning(f"report.html could not be written ({type(error).__name__}: "
                                     f"{error}); the tables are complete"), stacklevel=2)
        return
    (folder / "report.html").write_text(html, encoding="utf-8")


def sweep_plotter(result: SweepResult) -> sweep_figures.SweepPlotter:
    """``sweep_result.plot``: the sweep's figures as methods returning a Figure."""
    return sweep_figures.SweepPlotter(result)


def write_sweep_figures(result: SweepResult, folder: Path) -> dict[str, bytes | None]:
    """Write a sweep's figures into ``folder``; return the PNGs by name."""
    return sweep_figures.save_sweep_figures(result, folder)


def sweep_page(result: SweepResult, pngs: dict[str, bytes | None]) -> str:
    """A sweep's ``report.html``, with figures already drawn (by name)."""
    return pages.render_sweep_report(result, pngs)


def discovery_files(result: SweepResult) -> dict[str, tuple[bytes, bytes]]:
    """The PNG and SVG bytes of every scenario-discovery figure of a sweep, by name."""
    drawn = {}
    for name, draw in sweep_figures.discovery_figures(result).items():
        fig = draw()
        drawn[name] = (style.png_bytes(fig), style.svg_bytes(fig))
    return drawn
