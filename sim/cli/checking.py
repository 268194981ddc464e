"""Commands about input files: ``validate``, ``keys``, ``schema``, ``sources``, ``draft``."""

from __future__ import annotations

import json
from pathlib import Path

import click

import sim
from sim.errors import ScenarioError


@click.command()
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


@click.command()
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


@click.command()
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


@click.command()
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


@click.command()
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
