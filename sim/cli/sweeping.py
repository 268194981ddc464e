"""Commands over many scenarios: ``sweep`` and ``discover``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sim.cli.options import duration_option, size_option
from sim.errors import ScenarioError, printable


@click.command()
@click.argument("sweep_file", type=click.Path(path_type=Path))
@click.option("-p", "--param", "parameters", multiple=True,
              metavar="PATH[=LOW..HIGH|=V1,V2,...]",
              help="Parameter to vary, by key path (repeatable; replaces the file's). Without "
                   "a range: the scenario's distribution.")
@click.option("--design", type=click.Choice(["grid", "lhs", "qmc", "sobol", "morris"]),
              help="Sampling design (default: the file's, else sobol).")
@click.option("--samples", type=click.IntRange(min=1),
              help="Design size (points; sobol: base samples; morris: trajectories).")
@click.option("--levels", type=click.IntRange(min=2), help="Grid or Morris levels.")
@click.option("-n", "--replications", type=click.IntRange(min=1),
              help="Replications per design point.")
@click.option("--seed", type=click.IntRange(min=0), help="Root seed (default: the scenario's).")
@click.option("-s", "--strategy", "strategies", multiple=True,
              help="Strategy to simulate (repeatable; default: the file's or scenario's).")
@click.option("-m", "--metric", "metrics", multiple=True, metavar="METRIC[@STRATEGY]",
              help="Output to analyse (repeatable; replaces the file's).")
@click.option("--outcome", "outcomes", multiple=True,
              metavar="'METRIC[.STATISTIC][@STRATEGY] OP VALUE'",
              help="Outcome whose parameter ranges PRIM should find, e.g. "
                   "'floor_breached@sanctuary > 0.5' (repeatable; replaces the file's "
                   "[[discovery]] tables; see fundsim discover).")
@click.option("--no-tornado", is_flag=True, help="Skip the one-at-a-time points.")
@click.option("-w", "--workers", type=click.IntRange(min=1),
              help="Worker processes, one design point per task (default: all cores).")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="Sweep folder; an unfinished sweep there is resumed "
                   "(default: results/<name>-sweep-<UTC time>).")
@click.option("--scheduler", metavar="tcp://HOST:PORT",
              help="Run the points on this Dask scheduler's cluster instead of local processes.")
@click.option("--overwrite", is_flag=True, help="Start over if the folder holds a sweep.")
@click.option("--no-figures", is_flag=True, help="Skip figures and report (faster).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or ranking table.")
@click.option("--max-memory", metavar="SIZE", callback=size_option,
              help="Refuse sweeps estimated to need more memory, e.g. 8GiB (default: 3/4 of "
                   "this machine's; 0: no cap).")
@click.option("--max-time", metavar="DURATION", callback=duration_option,
              help="Refuse sweeps estimated to take longer, e.g. 30m, 2h (default: 24h; "
                   "0: no cap).")
def sweep(sweep_file: Path, parameters: tuple[str, ...], design: str | None,
          samples: int | None, levels: int | None, replications: int | None, seed: int | None,
          strategies: tuple[str, ...], metrics: tuple[str, ...], outcomes: tuple[str, ...],
          no_tornado: bool,
          workers: int | None, output: Path | None, scheduler: str | None, overwrite: bool,
          no_figures: bool, quiet: bool, max_memory: int | None,
          max_time: float | None) -> None:
    """Vary scenario parameters; rank them by their effect on outputs (Sobol, Morris).

    SWEEP_FILE is a sweep file, or a scenario file with --param options.
    Interrupted? Run the same command with -o FOLDER to resume.

    Example: fundsim sweep scenarios/sweeps/denver-sensitivity.toml -o results/denver

    Example: fundsim sweep scenarios/denver-no-bailout.toml -p "scenario.discount_rate=0.01..0.06"
    """
    from sim.analysis import sweep as sweeps
    from sim.console import progress_bar, sweep_table

    overrides = {"design": design, "samples": samples, "levels": levels,
                 "replications": replications, "seed": seed,
                 "strategies": list(strategies) or None, "tornado": False if no_tornado else None}
    if parameters:
        overrides["parameter"] = [sweeps.parse_parameter(p) for p in parameters]
    if metrics:
        overrides["output"] = [sweeps.parse_output(m) for m in metrics]
    if outcomes:
        overrides["discovery"] = discovery_tables(outcomes)
    chosen = sweeps.load(sweep_file, overrides)
    folder = output or sweeps.default_folder(chosen)
    total = chosen.total_points()
    after = "analysing the points" + ("" if no_figures else ", drawing figures, writing the "
                                      "report")
    with progress_bar(total, not quiet and sys.stderr.isatty(), "sweeping", "pt",
                      after=after) as feedback:
        result = sweeps.run(chosen, folder, workers=workers, scheduler=scheduler,
                            progress=feedback, overwrite=overwrite, figures=not no_figures,
                            max_memory=max_memory, max_seconds=max_time)
    if not quiet:
        sweep_table(result)
        for finding in result.findings:
            click.echo(printable(finding.summary(), newlines=True), err=True)
    click.echo(str(folder))


@click.command()
@click.argument("sweep_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--outcome", "outcomes", multiple=True, required=True,
              metavar="'METRIC[.STATISTIC][@STRATEGY] OP VALUE'",
              help="The outcome to locate, tested at each design point, e.g. "
                   "'floor_breached@sanctuary > 0.5' (the mean over a point's replications; "
                   "STATISTIC: mean, p05, p50, p95; OP: >=, >, <=, <; repeatable).")
@click.option("--city", help="City whose outcome is tested (default: the only city, else all "
                             "cities together).")
@click.option("--min-coverage", type=click.FloatRange(min=0, max=1, min_open=True),
              help="Keep the densest box holding at least this share of the points with the "
                   "outcome (default: 0.8).")
@click.option("--min-density", type=click.FloatRange(min=0, max=1, min_open=True),
              help="Least share of a box's points with the outcome (default: 0.5).")
@click.option("--boxes", type=click.IntRange(min=1, max=10),
              help="Most boxes to look for, one after the other (default: 1).")
@click.option("--no-figures", is_flag=True, help="Skip the figures and leave report.html as is.")
@click.option("-q", "--quiet", is_flag=True, help="Do not print the boxes found.")
def discover(sweep_dir: Path, outcomes: tuple[str, ...], city: str | None,
             min_coverage: float | None, min_density: float | None, boxes: int | None,
             no_figures: bool, quiet: bool) -> None:
    """Find the parameter ranges of a finished sweep where an outcome happens (PRIM).

    Writes discovery.csv, discovery_trajectory.csv, a coverage/density figure
    per outcome and the report's discovery section into SWEEP_DIR, beside the
    sweep file's own [[discovery]] questions; the sweep's other results are
    left as they are.

    Example: fundsim discover results/denver-sensitivity --outcome "floor_breached@sanctuary > 0.5"
    """
    from sim.analysis import sweep as sweeps
    from sim.console import step

    options = {"city": city, "min_coverage": min_coverage, "min_density": min_density,
               "boxes": boxes}
    questions = discovery_tables(outcomes, {k: v for k, v in options.items() if v is not None})
    with step("finding where each outcome happens (PRIM)" + ("" if no_figures else
              ", drawing figures, writing the report"), not quiet and sys.stderr.isatty()):
        result = sweeps.discover_in(sweep_dir, questions, figures=not no_figures)
    if not quiet:
        for finding in result.findings:
            click.echo(printable(finding.summary(), newlines=True), err=True)
    click.echo(str(sweep_dir))


def discovery_tables(texts: tuple[str, ...], options: dict | None = None) -> list[dict]:
    """``[[discovery]]`` tables from --outcome texts; every unreadable one reported at once."""
    from sim.analysis.discovery import parse_outcome

    questions, problems = [], []
    for text in texts:
        try:
            questions.append({**parse_outcome(text), **(options or {})})
        except ScenarioError as error:
            problems.extend(error.problems)
    if problems:
        raise ScenarioError(problems)
    return questions
