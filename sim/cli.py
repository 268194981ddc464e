"""The ``fundsim`` command: thin click wrappers around the Python API.

Every user error becomes one clean message and an exit status (2 for bad
input, 130 for Ctrl-C, 1 for failures that are not the user's); no traceback
unless ``FUNDSIM_DEBUG`` is set.

One module on purpose, though it runs past 600 lines: each command is a few
lines around the API under its click options, and the whole command line
reads top to bottom in one place, in the order ``fundsim --help`` lists it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import click

import sim
from sim.errors import FundsimError, FundsimWarning, Interrupted, ScenarioError, printable

MAX_PROBLEMS_SHOWN = 200
"""Problem lines printed at most; the rest are counted (a file of 5,000 broken
cities should not scroll its first lines away)."""


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Print fundsim's warnings as one line each; others as Python would."""
    if issubclass(category, FundsimWarning):
        click.echo(printable(f"Warning: {message}", newlines=True), err=True)
    else:
        _PYTHON_SHOWWARNING(message, category, filename, lineno, file, line)


_PYTHON_SHOWWARNING = warnings.showwarning


class _Group(click.Group):
    def invoke(self, ctx: click.Context):
        with _sigterm_as_ctrl_c(), warnings.catch_warnings():
            warnings.simplefilter("always", FundsimWarning)
            warnings.showwarning = _show_warning
            return self._invoke(ctx)

    def _invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ScenarioError as error:
            for problem in error.problems[:MAX_PROBLEMS_SHOWN]:
                click.echo(printable(str(problem), newlines=True), err=True)
            hidden = error.problems[MAX_PROBLEMS_SHOWN:]
            if hidden:
                click.echo(f"{hidden[0].file}: {len(hidden)} more problems not shown; fix "
                           "those above first", err=True)
            sys.exit(error.exit_code)
        except (KeyboardInterrupt, Interrupted) as error:
            # Another Ctrl-C while the interpreter shuts the pool's threads down
            # would only add "Exception ignored" noise under the one line.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            # A sweep says which points it kept; everything else wrote nothing.
            click.echo(printable(str(error), newlines=True) or "interrupted; no results written",
                       err=True)
            sys.exit(Interrupted.exit_code)
        except FundsimError as error:
            click.echo(printable(f"Error: {error}", newlines=True), err=True)
            sys.exit(error.exit_code)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            # The reader went away (fundsim keys ... | head): stop quietly, as other tools do,
            # and keep Python from complaining when it flushes stdout at exit.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)
        except Exception as error:
            if os.environ.get("FUNDSIM_DEBUG"):
                raise
            click.echo(printable(f"Error: internal error ({type(error).__name__}: {error}). This "
                                 "is a bug in fundsim: please report it with the command and "
                                 "its input files (FUNDSIM_DEBUG=1 shows the traceback).",
                                 newlines=True), err=True)
            sys.exit(1)


@contextlib.contextmanager
def _sigterm_as_ctrl_c() -> Iterator[None]:
    """SIGTERM (``kill``, a batch scheduler ending a job) stops a command as Ctrl-C does.

    Workers are ended, temporary files and folders removed, and the one line
    says what was kept.  By default SIGTERM would end the process at once,
    leaving its workers running and its half-written folder behind.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(_signal: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _size_option(_ctx: click.Context, _param: click.Parameter, value: str | None) -> int | None:
    from sim.engine.limits import parse_size

    try:
        return None if value is None else parse_size(value)
    except FundsimError as error:
        raise click.BadParameter(str(error)) from None


def _duration_option(_ctx: click.Context, _param: click.Parameter,
                     value: str | None) -> float | None:
    from sim.engine.limits import parse_duration

    try:
        return None if value is None else parse_duration(value)
    except FundsimError as error:
        raise click.BadParameter(str(error)) from None


@click.group(cls=_Group)
@click.version_option(sim.__version__, prog_name="fundsim")
def main() -> None:
    """Simulate what federal pressure on sanctuary jurisdictions does to their budgets."""


@main.command()
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
@click.option("--max-memory", metavar="SIZE", callback=_size_option,
              help="Refuse runs estimated to need more memory, e.g. 8GiB (default: 3/4 of "
                   "this machine's; 0: no cap).")
@click.option("--max-time", metavar="DURATION", callback=_duration_option,
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
                      after=None if by_measure else _saving(no_figures)) as feedback:
        result = sim.run(scenario, progress=feedback, **options)
        if not by_measure:
            feedback.then()
            folder = result.save(output, overwrite=overwrite, figures=not no_figures)
    if by_measure:
        runs = split.runs_needed(scenario) * result.manifest["replications"]
        with progress_bar(runs, enabled=not quiet and sys.stderr.isatty(),
                          label="splitting by measure", after=_saving(no_figures)) as feedback:
            split.loss_by_measure(result, measure_order, leave_out, workers=workers,
                                  progress=feedback, scheduler=scheduler)
            feedback.then()
            folder = result.save(output, overwrite=overwrite, figures=not no_figures)
    if not quiet:
        headline_table(result)
        if "precision" in result.manifest:
            click.echo(describe(result.manifest["precision"]), err=True)
    click.echo(str(folder))


@main.command()
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
                      after=_saving(no_figures)) as feedback:
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


def _saving(no_figures: bool) -> str:
    """What a run does once simulated, for the spinner that replaces the progress bar."""
    return "saving the tables" + ("" if no_figures else ", drawing figures, writing the report")


@main.command()
@click.argument("scenario_files", nargs=-1, required=True, type=click.Path(path_type=Path))
def validate(scenario_files: tuple[Path, ...]) -> None:
    """Check scenario, sweep and observed-outcomes files; print every problem, one per line.

    Each file is checked as what it is: a sweep file (a [sweep] table) with its
    base scenario, an observed-outcomes file with the scenario it names.

    Facts the run goes past (their `valid_until`) and legal statuses more than a
    year old at the start (their `as_of`) are warnings: printed, not failing.

    Example: fundsim validate scenarios/*.toml scenarios/sweeps/*.toml scenarios/observed/*.toml
    """
    from sim.analysis import inputs
    from sim.scenario import provenance

    problems = []
    for path in scenario_files:
        try:
            found = inputs.load(path)
        except ScenarioError as error:
            problems.extend(error.problems)
            continue
        kind = "" if found.kind == "scenario" else f" ({inputs.KIND_NAMES[found.kind]})"
        aged = provenance.aged_facts(found.scenario) if found.kind == "scenario" else []
        warned = f", {len(aged)} dated-fact warning{'s' * (len(aged) != 1)}" if aged else ""
        click.echo(f"{path}: ok{kind}{warned}")
        for fact in aged:
            click.echo(fact.line(str(path)))
    if problems:
        raise ScenarioError(problems)


@main.command()
@click.argument("scenario_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--uncertain", is_flag=True, help="Only the uncertain quantities (distributions).")
def keys(scenario_file: Path, uncertain: bool) -> None:
    """List the key paths of SCENARIO_FILE's numbers, dates and distributions.

    One line each: the path, as Scenario.with_values, sweep files and -p take
    it, then the value; [uncertain] marks a distribution drawn per
    replication, [default] a value the file leaves to the schema.

    Example: fundsim keys scenarios/denver.toml --uncertain
    """
    from sim.scenario import provenance

    scenario = sim.load(scenario_file)
    for path, value, written in sim.scenario.number_leaves(scenario):
        is_dist = hasattr(value, "dist")
        if uncertain and not is_dist:
            continue
        marks = " [uncertain]" * is_dist + " [default]" * (not written)
        click.echo(f"{path} = {provenance.format_value(value)}{marks}")


@main.command()
@click.option("--markdown", is_flag=True,
              help="Print the scenario reference (every key, unit, default) as Markdown.")
@click.option("--sweep", "sweep_files", is_flag=True,
              help="Describe sweep files (fundsim sweep) instead of scenarios.")
def schema(markdown: bool, sweep_files: bool) -> None:
    """Print the JSON Schema of scenario files, or the scenario reference.

    Example: fundsim schema --markdown > docs/scenario-reference.md

    Example: fundsim schema --sweep --markdown > docs/sweep-reference.md
    """
    if sweep_files:
        from sim.analysis.sweep import SweepFile, reference_markdown

        click.echo(reference_markdown() if markdown else json.dumps(
            sim.scenario.json_schema(SweepFile), indent=2), nl=not markdown)
        return
    if markdown:
        from sim.scenario.schema_docs import markdown as reference

        click.echo(reference(), nl=False)
        return
    click.echo(json.dumps(sim.scenario.json_schema(), indent=2))


@main.command()
@click.argument("scenario_files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--check", is_flag=True,
              help="Only check: every number needs a source or an 'assumption:' label, and no "
                   "key number may rest on an aggregator site.")
@click.option("--markdown", is_flag=True, help="Print the listing as Markdown.")
def sources(scenario_files: tuple[Path, ...], check: bool, markdown: bool) -> None:
    """List every number of each file with its source; flag the unsourced.

    Scenarios, sweep files (the ranges of their parameters) and
    observed-outcomes files (the observed values) alike.  With --check, the
    numbers whose source says "to confirm" (drafts by fundsim draft) are
    listed too.

    Example: fundsim sources --check scenarios/*.toml scenarios/sweeps/*.toml
    """
    from sim.analysis import inputs
    from sim.scenario.provenance import format_value

    found = [inputs.load(path) for path in scenario_files]
    problems = [problem for one in found for problem in one.problems]
    if check:
        for one in found:
            pending = [c for c in one.citations if c.to_confirm]
            status = "ok" if not one.problems else "unsourced or weakly sourced numbers"
            click.echo(f"{one.origin}: {status}"
                       + (f"; {len(pending)} numbers to confirm" if pending else ""))
            for c in pending:
                click.echo(f"{one.origin}: {c.path} = {format_value(c.value)} [to confirm] "
                           f"{c.source}")
    elif markdown:
        click.echo(inputs.markdown(found), nl=False)
    else:
        for one in found:
            for line in inputs.listing(one):
                click.echo(line)
    if problems:
        raise ScenarioError(problems)


@main.command()
@click.argument("name")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Scenario file to write (default: e.g. austin-tx.toml here).")
@click.option("--overwrite", is_flag=True, help="Replace the file if it exists.")
def draft(name: str, output: Path | None, overwrite: bool) -> None:
    """Draft a sourced scenario for a US incorporated place or county from bundled data.

    NAME is "City, ST", "Name County, ST", a 7-digit place GEOID or a 5-digit
    county FIPS code.  Numbers public data cannot give are assumptions marked
    TO CONFIRM, each naming the document to look in; the file validates and
    runs as it is.

    Example: fundsim draft "Austin, TX"

    Example: fundsim draft "Cook County, IL" -o scenarios/cook-county.toml
    """
    from sim import draft as drafts
    from sim.scenario.provenance import citations

    text = drafts.draft(name)
    path = drafts.write(text, output, overwrite=overwrite)
    numbers = citations(text.scenario)
    pending = sum(c.to_confirm for c in numbers)
    click.echo(f"{path}: {text.jurisdiction.label}, {len(numbers)} numbers, {pending} to "
               f"confirm (marked TO CONFIRM; fundsim sources --check {path} lists them)")


@main.command()
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


@main.command()
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


@main.command()
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


@main.command()
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


@main.command()
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
@click.option("--max-memory", metavar="SIZE", callback=_size_option,
              help="Refuse sweeps estimated to need more memory, e.g. 8GiB (default: 3/4 of "
                   "this machine's; 0: no cap).")
@click.option("--max-time", metavar="DURATION", callback=_duration_option,
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
        overrides["discovery"] = _outcomes(outcomes)
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


@main.command()
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
    questions = _outcomes(outcomes, {k: v for k, v in options.items() if v is not None})
    with step("finding where each outcome happens (PRIM)" + ("" if no_figures else
              ", drawing figures, writing the report"), not quiet and sys.stderr.isatty()):
        result = sweeps.discover_in(sweep_dir, questions, figures=not no_figures)
    if not quiet:
        for finding in result.findings:
            click.echo(printable(finding.summary(), newlines=True), err=True)
    click.echo(str(sweep_dir))


def _outcomes(texts: tuple[str, ...], options: dict | None = None) -> list[dict]:
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
