"""Commands that simulate: ``run``, ``rerun`` and ``backtest``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

import sim
from sim.cli.options import duration_option, saving, size_option
from sim.errors import FundsimError


@click.command()
@click.argument("scenario_file", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="Result folder (default: results/<scenario>-<UTC time>).")
@click.option("-n", "--replications", type=click.IntRange(min=1),
              help="Replications per strategy (default: the scenario's).")
@click.option("--seed", type=click.IntRange(min=0), help="Root seed (default: the scenario's).")
@click.option("-w", "--workers", type=click.IntRange(min=1),
              help="Worker processes (default: all cores).")
@click.option("-s", "--strategy", "strategies", multiple=True,
              help="Strategy to compare (repeatable; default: the scenario's).")
@click.option("--keep", type=click.IntRange(min=0),
              help="Replications whose monthly trajectories are kept (default: automatic).")
@click.option("--scheduler", metavar="tcp://HOST:PORT",
              help="Run on this Dask scheduler's cluster instead of local processes.")
@click.option("--overwrite", is_flag=True,
              help="Replace the output folder if it holds an earlier run.")
@click.option("--no-figures", is_flag=True,
              help="Skip figures and report.html (faster; `fundsim report` draws them later).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary table.")
@click.option("--max-memory", metavar="SIZE", callback=size_option,
              help="Refuse runs estimated to need more memory, e.g. 8GiB (default: 3/4 of "
                   "this machine's; 0: no cap).")
@click.option("--max-time", metavar="DURATION", callback=duration_option,
              help="Refuse runs estimated to take longer, e.g. 30m, 2h (default: 24h; 0: no cap).")
@click.option("-t", "--threshold", "thresholds", multiple=True, metavar="'METRIC OP VALUE'",
              help="A requirement each future should meet, for the report's robustness "
                   "ranking, e.g. 'floor_breached <= 0' or 'net_fiscal_impact >= -5e7' "
                   "(OP: >=, >, <=, <; METRIC@CITY for one city; repeatable; adds to the "
                   "scenario's [[threshold]] tables).")
@click.option("--precision", type=click.FloatRange(min=0, max=1, min_open=True, max_open=True),
              metavar="SHARE",
              help="Add replications, a batch at a time, until the 95% confidence half-width of "
                   "every headline mean (each strategy and city, and each change against the "
                   "baseline) is within this share of the mean, e.g. 0.02, or within its floor.")
@click.option("--max-replications", type=click.IntRange(min=2), metavar="N",
              help="Cap on the replications of a --precision run (default: 20,000).")
@click.option("--precision-floor", "precision_floors", multiple=True, metavar="KEY=VALUE",
              help="Half-width that always suffices, by metric or unit family (money, "
                   "probability, months, share, count), e.g. money=1e6 (repeatable; default: "
                   "0.01% of a year's spending for money, 0.005 for probabilities).")
@click.option("--by-measure", is_flag=True,
              help="Also split each strategy's net fiscal impact by federal measure (one more "
                   "run per measure, plus one without measures).")
@click.option("--measure-order", "measure_order", multiple=True, metavar="NAME",
              help="With --by-measure: measures first in the waterfall, in this order "
                   "(repeatable; the others follow in file order).")
@click.option("--leave-out", metavar="NAME",
              help="With --by-measure: split the scenario without this measure.")
@click.option("--precision-batch", type=click.IntRange(min=1), metavar="N",
              help="Replications added between two precision checks (default: 200).")
@click.option("--absorbable-cut", "absorbable", metavar="SHARE",
              type=click.FloatRange(min=0, max=1, min_open=True, max_open=True),
              help="Also find, per strategy and city, the largest uniform cut of federal funds "
                   "that keeps reserves at or above the policy floor in this share of futures, "
                   "e.g. 0.9 (about a dozen runs more; absorbable_cut.csv, terminal, report).")
def run(scenario_file: Path, output: Path | None, replications: int | None, seed: int | None,
        workers: int | None, strategies: tuple[str, ...], keep: int | None, overwrite: bool,
        no_figures: bool, quiet: bool, scheduler: str | None, max_memory: int | None,
        max_time: float | None, thresholds: tuple[str, ...], precision: float | None,
        max_replications: int | None, precision_floors: tuple[str, ...],
        by_measure: bool, measure_order: tuple[str, ...], leave_out: str | None,
        precision_batch: int | None, absorbable: float | None) -> None:
    """Run every strategy of SCENARIO_FILE against the no-measure baseline.

    Example: fundsim run scenarios/chicago.toml -n 2000 --seed 7

    Example: fundsim run scenarios/denver-no-bailout.toml -t "floor_breached <= 0"

    Example: fundsim run scenarios/denver-no-bailout.toml --precision 0.1 --max-replications 5000

    Example: fundsim run scenarios/philadelphia.toml --by-measure -n 500

    Example: fundsim run scenarios/new-york-city.toml --absorbable-cut 0.9
    """
    from sim.analysis import by_measure as split
    from sim.analysis.decision_support import thresholds_from
    from sim.console import headline_table, progress_bar
    from sim.engine.precision import describe
    from sim.results import check_output, default_folder

    scenario = sim.load(scenario_file)
    thresholds_from(thresholds, scenario)
    if (measure_order or leave_out) and not by_measure:
        raise sim.UsageError("--measure-order and --leave-out need --by-measure")
    if by_measure:
        split.measure_order(scenario, measure_order, leave_out)
    # Refuse a bad output folder before the work, not after it.
    check_output(output or default_folder(scenario), kind="run", overwrite=overwrite)
    options = dict(replications=replications, seed=seed, workers=workers,
                   strategies=list(strategies) or None, keep=keep, scheduler=scheduler,
                   max_memory=max_memory, max_seconds=max_time, thresholds=list(thresholds),
                   absorbable_cut=absorbable)
    total = replications or scenario.scenario.replications
    if precision is not None:
        if replications is not None:
            raise click.UsageError("give either -n/--replications or --precision (whose runs "
                                   "--max-replications caps), not both")
        from sim.engine.precision import DEFAULT_MAX_REPLICATIONS

        options.update(precision=precision, max_replications=max_replications,
                       precision_floor=list(precision_floors) or None,
                       precision_batch=precision_batch)
        total = max_replications or DEFAULT_MAX_REPLICATIONS
    elif max_replications or precision_floors or precision_batch:
        raise click.UsageError("--max-replications, --precision-floor and --precision-batch "
                               "need --precision")
    with progress_bar(total, enabled=not quiet and sys.stderr.isatty(),
                      after=None if by_measure else saving(no_figures)) as feedback:
        result = sim.run(scenario, progress=feedback, **options)
        if not by_measure:
            feedback.then()
            folder = result.save(output, overwrite=overwrite, figures=not no_figures)
    if by_measure:
        runs = split.runs_needed(scenario) * result.manifest["replications"]
        with progress_bar(runs, enabled=not quiet and sys.stderr.isatty(),
                          label="splitting by measure", after=saving(no_figures)) as feedback:
            split.loss_by_measure(result, measure_order, leave_out, workers=workers,
                                  progress=feedback, scheduler=scheduler)
            feedback.then()
            folder = result.save(output, overwrite=overwrite, figures=not no_figures)
    if not quiet:
        headline_table(result)
        if "precision" in result.manifest:
            click.echo(describe(result.manifest["precision"]), err=True)
    click.echo(str(folder))


@click.command()
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="Result folder (default: results/<scenario>-<UTC time>).")
@click.option("-w", "--workers", type=click.IntRange(min=1),
              help="Worker processes (default: all cores; results do not depend on it).")
@click.option("--overwrite", is_flag=True,
              help="Replace the output folder if it holds an earlier run.")
@click.option("--no-figures", is_flag=True, help="Skip figures and report.html.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def rerun(run_dir: Path, output: Path | None, workers: int | None, overwrite: bool,
          no_figures: bool, quiet: bool) -> None:
    """Run RUN_DIR again from its manifest.json and check the numbers are identical.

    Same scenario, seed, replications, strategies and kept trajectories.
    Prints the new folder, then whether summary.csv, replications.parquet and
    trajectories.parquet match RUN_DIR's byte for byte; exit status 1 if not.

    Example: fundsim rerun results/chicago-20250701-120000 -o /tmp/again
    """
    from sim.console import progress_bar
    from sim.results import check_output, compare_files, default_folder, recorded_run

    scenario, options = recorded_run(run_dir)
    check_output(output or default_folder(scenario), kind="run", overwrite=overwrite)
    with progress_bar(options["replications"], enabled=not quiet and sys.stderr.isatty(),
                      after=saving(no_figures)) as feedback:
        result = sim.run(scenario, progress=feedback, workers=workers, **options)
        feedback.then()
        folder = result.save(output, overwrite=overwrite, figures=not no_figures)
    click.echo(str(folder))
    same = compare_files(run_dir, folder)
    for name, identical in same.items():
        click.echo(f"{name}: {'identical' if identical else 'DIFFERENT'}")
    if not all(same.values()):
        raise FundsimError(f"{folder} differs from {run_dir}; compare the versions in both "
                           "manifest.json files")


@click.command()
@click.argument("observed_file", type=click.Path(path_type=Path))
@click.option("-n", "--replications", type=click.IntRange(min=1),
              help="Replications (default: the scenario's).")
@click.option("--seed", type=click.IntRange(min=0), help="Root seed (default: the scenario's).")
@click.option("-w", "--workers", type=click.IntRange(min=1),
              help="Worker processes (default: all cores).")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="Backtest folder (default: results/<scenario>-<UTC time>).")
@click.option("--overwrite", is_flag=True,
              help="Replace the output folder if it holds an earlier backtest.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def backtest(observed_file: Path, replications: int | None, seed: int | None,
             workers: int | None, output: Path | None, overwrite: bool, quiet: bool) -> None:
    """Run a backtest scenario and set what happened against its forecast.

    OBSERVED_FILE says what happened and names the scenario, in one of two
    forms: [[outcome]] tables, each placed in the run's distribution of a
    metric (its percentile, and whether it is inside the central 90%); or
    [[suit]] and [[withheld]] tables, each suit forecast by the run and scored
    with proper scoring rules (Brier, log score, CRPS) against the naive
    forecast of past cases.  Prints the table, then the folder written
    (the table as text and CSV, each scored item, manifest.json).

    Example: fundsim backtest scenarios/observed/backtest-2025.toml

    Example: fundsim backtest scenarios/observed/backtest-chicago-2017.toml -n 2000
    """
    from sim.analysis.backtest import (
        SuitBacktest,
        compare,
        load_observed,
        score_items,
        summarise,
        write_backtest,
    )
    from sim.console import backtest_comparison, backtest_scores, progress_bar
    from sim.results import check_output, default_folder

    observed, scenario = load_observed(observed_file)
    folder = output or default_folder(scenario)
    check_output(folder, kind="backtest", overwrite=overwrite)  # before the work
    total = replications or scenario.scenario.replications
    suits = isinstance(observed, SuitBacktest)
    with progress_bar(total, enabled=not quiet and sys.stderr.isatty()) as advance:
        # Scoring money needs every replication's monthly trajectories.
        result = sim.run(scenario, replications=replications, seed=seed, workers=workers,
                         keep=total if suits else 0, progress=advance)
    title = scenario.scenario.name
    if suits:
        items = score_items(result, observed, scenario)
        scores = summarise(items)
        text = backtest_scores(scores, title)
        tables = {"scores.csv": scores, "items.csv": items}
    else:
        table = compare(result.replications, observed, str(observed_file))
        text = backtest_comparison(table, title)
        tables = {"comparison.csv": table}
    manifest = {"observed": str(observed_file), "scenario": title,
                "seed": result.manifest["seed"], "replications": result.manifest["replications"]}
    click.echo(text)
    click.echo(str(write_backtest(folder, tables, {"table.txt": text}, manifest,
                                  overwrite=overwrite)))
