"""Commands that read finished runs: ``report``, ``export`` and ``compare``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

import sim


@click.command()
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report here (default: RUN_DIR/report.html).")
def report(run_dir: Path, output: Path | None) -> None:
    """Write the self-contained HTML report of a run folder.

    Example: fundsim report results/los-angeles-2025-20250701-120000
    """
    from sim.console import step
    from sim.presentation.pages import write_report

    with step("drawing figures, writing the report", sys.stderr.isatty()):
        written = write_report(sim.open_results(run_dir), output)
    click.echo(str(written))


@click.command()
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--xlsx", "xlsx", required=True, type=click.Path(path_type=Path),
              help="Write the Excel workbook here (.xlsx).")
def export(run_dir: Path, xlsx: Path) -> None:
    """Export a run folder for the budget book: an Excel workbook.

    Sheets: key numbers per strategy and city, the loss by measure (runs with
    --by-measure), reserves by fiscal year (median and 90% range), positions
    cut, and the assumptions with their sources.  Prints the file written.

    Example: fundsim export results/reference/chicago --xlsx chicago.xlsx
    """
    if xlsx.suffix.lower() != ".xlsx":
        raise sim.UsageError(f"{xlsx}: the workbook's name must end in .xlsx (got "
                             f"{xlsx.suffix or 'no extension'})")
    click.echo(str(sim.open_results(run_dir).to_excel(xlsx)))


@click.command()
@click.argument("run_a", type=click.Path(file_okay=False, path_type=Path))
@click.argument("run_b", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--strategies", nargs=2, metavar="A B",
              help="Compare strategy A (of RUN_A) with strategy B (of RUN_B, or of RUN_A "
                   "when there is no RUN_B).")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="Comparison folder (default: results/compare-<A>-vs-<B>-<UTC time>).")
@click.option("--overwrite", is_flag=True, help="Replace the output folder if it exists.")
def compare(run_a: Path, run_b: Path | None, strategies: tuple[str, str] | None,
            output: Path | None, overwrite: bool) -> None:
    """Compare two runs, or two strategies of one run, in one HTML page.

    Shared axes side by side, changes of every metric with a 95% confidence
    interval, and the parameters that differ.  Prints the folder written
    (report.html, changes.csv, parameters.csv).

    Example: fundsim compare results/reference/los-angeles results/my-run

    Example: fundsim compare results/my-run --strategies sanctuary partial
    """
    from sim.console import progress_bar
    from sim.presentation import pages

    with progress_bar(0, sys.stderr.isatty(), after="reading the runs") as feedback:
        feedback.then()
        comparison = pages.compare(sim.open_results(run_a),
                                   sim.open_results(run_b) if run_b else None,
                                   tuple(strategies) if strategies else None)
        feedback.then("comparing every metric, drawing figures, writing the page")
        folder = pages.write_comparison(comparison, output, overwrite=overwrite)
    click.echo(str(folder))
