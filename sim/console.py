"""Terminal output: the progress bar, the headline table (rich) and backtest tables (plain text).

Names come from scenario files: every one is printed as text (never rich
markup: ``[/bold]`` in a city's name is its name) with its control
characters escaped (:func:`sim.errors.printable`), so a name cannot move the
cursor, clear the screen or retitle the window.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from sim.errors import printable

if TYPE_CHECKING:
    from sim.analysis.sweep import SweepResult
    from sim.results import RunResult

HEADLINES = ("net_fiscal_impact", "federal_withheld", "gap_closing_burden", "floor_breached")


class _RateColumn(ProgressColumn):
    """Items (replications, sweep points) per second."""

    def __init__(self, unit: str = "rep"):
        super().__init__()
        self.unit = unit

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:,.1f} {self.unit}/s" if task.speed else "")


class Feedback:
    """What a command shows while it works: a progress bar, then a spinner per later phase.

    Call it with a count to advance the bar (``sim.run(progress=...)`` does);
    once the bar is full, or when :meth:`then` is called, the bar gives way to
    a spinner naming what the command does next (drawing figures, writing the
    report), so no wait is silent.  Disabled (not a terminal, ``-q``), it shows
    nothing.
    """

    def __init__(self, console: Console | None, total: int, label: str, unit: str,
                 after: str | None):
        self.console, self.total, self.after = console, total, after
        self.done = 0
        self.progress: Progress | None = None
        self.status: Any = None
        if console is not None and total > 0:
            columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), _RateColumn(unit),
                       TimeRemainingColumn())
            self.progress = Progress(*columns, console=console, transient=True)
            self.task = self.progress.add_task(label, total=total)
            self.progress.start()

    def __call__(self, n: int) -> None:
        """Count ``n`` more replications (or points) done."""
        self.done += n
        if self.progress is not None and self.status is None:
            self.progress.advance(self.task, n)
            if self.done >= self.total:
                self.then()

    def then(self, label: str | None = None) -> None:
        """Replace the bar (or the current phase) by a spinner saying what comes next."""
        label = label or self.after
        if self.console is None or label is None:
            return
        if self.progress is not None:
            self.progress.stop()
        if self.status is None:
            self.status = self.console.status(label)
            self.status.start()
        else:
            self.status.update(label)

    def close(self) -> None:
        """Take the bar or spinner off the screen."""
        if self.progress is not None:
            self.progress.stop()
        if self.status is not None:
            self.status.stop()


@contextmanager
def progress_bar(total: int, enabled: bool, label: str = "simulating", unit: str = "rep",
                 after: str | None = None) -> Iterator[Feedback]:
    """A :class:`Feedback` on stderr (done, rate, time left; then ``after``), or a silent one."""
    feedback = Feedback(Console(stderr=True) if enabled else None, total, label, unit, after)
    try:
        yield feedback
    finally:
        feedback.close()


@contextmanager
def step(label: str, enabled: bool) -> Iterator[None]:
    """A spinner on stderr while a silent phase runs (reading runs, drawing figures...)."""
    with progress_bar(0, enabled, after=label) as feedback:
        feedback.then()
        yield


def _text(text: str) -> Text:
    """A cell or title shown as it is: no markup, control characters escaped."""
    return Text(printable(text))


def headline_table(result: RunResult, console: Console | None = None) -> None:
    """Print the key numbers per strategy (all cities together when there are several).

    Money: the mean over replications, and under it the range that holds 90%
    of them.  Floor breached: the baseline's share of futures below the reserve
    floor, and each strategy's change against it, with a line saying so when
    the baseline already breaches.  Fits an 80-column terminal.
    """
    from sim.formats import dollars

    console = console or Console(stderr=True)
    summary = result.summary
    city = "all cities" if "all cities" in set(summary["city"]) else summary["city"].iloc[0]
    rows = summary[(summary["city"] == city) & summary["metric"].isin(HEADLINES)]
    value = rows.set_index(["strategy", "metric"])
    baseline = result.manifest.get("baseline", "baseline")
    table = Table(title=_text(f"{result.scenario.scenario.name} — {city}"), box=box.SIMPLE_HEAD,
                  caption="mean over replications; under it, the range of 90% of them",
                  padding=(0, 1))
    table.add_column("strategy", min_width=9, max_width=14)
    for header in ("net fiscal\nimpact", "federal\nwithheld", "gap closing\nburden"):
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("floor breached\nvs baseline" if baseline in result.strategies
                     else "floor\nbreached", justify="right", no_wrap=True)
    outside = False
    for strategy in result.strategies:
        cells = []
        for metric in HEADLINES[:-1]:
            row = value.loc[(strategy, metric)]
            odd = not row["p05"] <= row["mean"] <= row["p95"]
            outside |= odd
            cells.append(Text.assemble((dollars(row["mean"]), "bold"), "\n",
                                       (f"{dollars(row['p05'])}…{dollars(row['p95'])}"
                                        f"{'*' if odd else ''}", "dim")))
        share = value.loc[(strategy, "floor_breached"), "mean"]
        if strategy == baseline or baseline not in result.strategies:
            cells.append(Text.assemble((f"{share:.0%}", "bold")))
        else:
            change = 100 * (share - value.loc[(baseline, "floor_breached"), "mean"])
            cells.append(Text.assemble((f"{change:+.0f} pp", "bold"), "\n",
                                       (f"({share:.0%})", "dim")))
        table.add_row(_text(strategy), *cells)
    console.print(table)
    if outside:
        console.print("* the mean lies outside the range: fewer than 1 in 20 replications "
                      "carry most of it.")
    if baseline in result.strategies:
        already = value.loc[(baseline, "floor_breached"), "mean"]
        if already > 0:
            console.print(f"Floor breached: without any federal measure (baseline) reserves "
                          f"already fall below the floor in {already:.0%} of futures; each "
                          "strategy's change (pp) is what the measures add, its own share in "
                          "brackets.")
    if not result.funds.empty:
        console.print(reserve_table(result))
    if result.absorbable is not None:
        for line in absorbable_lines(result.absorbable):
            console.print(line, highlight=False)


def absorbable_lines(table: pd.DataFrame) -> list[str]:
    """One line per city: the federal cut every strategy compared can absorb.

    The least of the strategies' cuts (baseline aside), in share and dollars a
    year, with its 90% interval.
    """
    from sim.formats import dollars

    lines = []
    exposed = table[table["strategy"] != table["strategy"].iloc[0]]
    for city, part in exposed.groupby("city", sort=False):
        row = part.loc[part["cut"].idxmin()]
        futures = f"{row['futures']:.0%} of futures"
        if row["cut"] <= 0.0:
            lines.append(f"{city}: no federal cut keeps reserves above the floor in {futures}: "
                         f"it is breached in {row['breached_without_cut']:.0%} of them "
                         f"without one ({row['strategy']})")
            continue
        lines.append(f"{city}: largest federal cut absorbable in {futures}: "
                     f"{row['cut']:.1%} ({dollars(row['dollars'])} a year) "
                     f"[90%: {row['cut_low']:.1%}-{row['cut_high']:.1%}] ({row['strategy']})")
    return lines


def reserve_table(result: RunResult) -> Table:
    """Per strategy: each fund's chance of falling below its policy floor.

    With the mean months below, and the chance reserves run out with the
    median year they do.
    """
    funds = result.funds
    replications = result.replications
    start = result.scenario.start
    table = Table(title="Reserve policy — chance below each floor (mean months below); "
                        "reserves exhausted (median year)")
    table.add_column("strategy")
    columns = list(dict.fromkeys(zip(funds["city"], funds["fund"], strict=True)))
    cities = {city for city, _ in columns}
    for city, fund in columns:
        table.add_column(fund if len(cities) == 1 else f"{city}: {fund}", justify="right")
    table.add_column("exhausted", justify="right")
    rows = funds.set_index(["strategy", "city", "fund"])
    for strategy in result.strategies:
        cells = []
        for city, fund in columns:
            row = rows.loc[(strategy, city, fund)]
            cells.append(f"{row['below_floor']:.0%} ({row['months_below']:.1f})")
        mine = replications[replications["strategy"] == strategy]
        gone = mine.groupby("replication")[["reserves_exhausted", "years_to_exhaustion"]].agg(
            {"reserves_exhausted": "max", "years_to_exhaustion": "min"})
        when = gone.loc[gone["reserves_exhausted"] > 0, "years_to_exhaustion"]
        months = int(round(float(np.median(when)) * 12)) if len(when) else 0
        year = f" ({start.year + (start.month - 1 + months) // 12})" if len(when) else ""
        cells.append(f"{(gone['reserves_exhausted'] > 0).mean():.0%}{year}")
        table.add_row(strategy, *cells)
    return table


def sweep_table(result: SweepResult, top: int = 5, console: Console | None = None) -> None:
    """Print, per output of a sweep, its most influential parameters with their index.

    A variance share estimated outside 0-1 gets the report's caveat under the table.
    """
    console = console or Console(stderr=True)
    table = Table(title=_text(f"{result.sweep.info.name} — most influential parameters"))
    table.add_column("output")
    table.add_column("#", justify="right")
    table.add_column("parameter")
    table.add_column("index", justify="right")
    outside = False
    for target in result.sweep.targets:
        for rank, factor in enumerate(result.ranking(target.name)[:top], start=1):
            shown, share = _headline(result, target.name, factor.path)
            outside |= share is not None and not 0 <= share <= 1
            table.add_row(_text(target.title if rank == 1 else ""), str(rank),
                          _text(factor.label), shown,
                          end_section=rank == min(top, len(result.sweep.factors)))
    console.print(table)
    if outside:
        console.print("An index is a share of the output's variance: one below 0 or above 1 "
                      "is sampling error (too few samples). Read it as near 0 or near 1; more "
                      "samples narrow it.")


def _headline(result: SweepResult, target: str, parameter: str) -> tuple[str, float | None]:
    """The index that ranks a parameter (total Sobol, mu*, S1), else its tornado swing.

    Also the index itself when it is a share of variance (ST, S1), else None.
    """
    column = {"sobol": "ST", "anova": "ST", "morris": "mu_star", "rbd_fast": "S1"}.get(
        result.method)
    if column and not result.indices.empty:
        rows = result.indices
        value = rows[(rows["target"] == target) & (rows["parameter"] == parameter)][column]
        number = float(value.iloc[0])
        if number != number:
            return "no variation", None
        if column == "mu_star":
            return f"mu* {number:.3g}", None
        return f"{column} {number:.2f}", number
    rows = result.tornado
    if rows.empty:  # no indices (too few points) and no tornado (--no-tornado)
        return "not ranked", None
    swing = rows[(rows["target"] == target) & (rows["parameter"] == parameter)]["swing"]
    return f"swing {float(swing.iloc[0]):.3g}", None


def _score_number(value: float, unit: str) -> str:
    if not np.isfinite(value):
        return "-"
    if unit == "USD":
        return f"{value / 1e9:.1f}B" if abs(value) >= 1e9 else f"{value / 1e6:.1f}M"
    return f"{value:,.0f}" if unit == "days" else f"{value:.3f}"


def _skill(value: float, low: float, high: float) -> str:
    """Skill and its interval; below -99 the model is shown as simply far worse."""
    def shown(x: float, places: int) -> str:
        return "-" if not np.isfinite(x) else "<-99" if x < -99 else f"{x:+.{places}f}"

    if not np.isfinite(value):
        return "-"
    return f"{shown(value, 2)} [{shown(low, 1)}, {shown(high, 1)}]"


_SCORE_HEADER = f"{'outcome':<22}{'rule':<6}{'n':>3} {'':<6}{'mean [5-95%]':<21}skill [5-95%]"


def backtest_scores(scores: pd.DataFrame, title: str) -> str:
    """A suit backtest's score table as text for an 80-column terminal, titled and explained."""
    from sim.analysis.backtest import FAMILIES

    lines = [title, "=" * min(len(title), 80), "",
             "Mean proper scores of the model and of the naive forecast (2017-2020 base",
             "rates) over the scored items: lower is better. Skill = 1 - model / naive:",
             "above 0 the model did better. [5-95%]: 2,000 bootstrap resamples of the items.",
             "", _SCORE_HEADER, "-" * 80]
    order = {family: i for i, family in enumerate(FAMILIES)}
    for row in sorted(scores.itertuples(), key=lambda r: (order[r.family], r.rule != "Brier")):
        label, unit = FAMILIES[row.family]
        unit = unit if row.rule == "CRPS" else "probability"
        for who, first in (("model", True), ("naive", False)):
            mean, low, high = (getattr(row, who), getattr(row, f"{who}_low"),
                               getattr(row, f"{who}_high"))
            low, mean, high = (_score_number(x, unit) for x in (low, mean, high))
            score = f"{mean} [{low}, {high}]"
            head = f"{label:<22}{row.rule:<6}{row.n:>3} " if first else " " * 32
            skill = _skill(row.skill, row.skill_low, row.skill_high) if first else ""
            lines.append(f"{head}{who:<6}{score:<21}{skill}".rstrip())
    lines += ["", "Units: Brier 0-1; log score in nats; CRPS in the outcome's unit (days, or",
              "dollars: M million, B billion). n: items scored (suits, late plaintiffs,",
              "jurisdictions)."]
    return printable("\n".join(lines), newlines=True)


def backtest_comparison(table: pd.DataFrame, title: str) -> str:
    """A metric backtest (observed values in the run's distributions) as text for 80 columns."""
    from sim.formats import compact
    from sim.metrics import METRICS

    def shown(value: float, metric: str) -> str:
        unit = METRICS[metric].unit
        if unit.startswith("USD"):
            return "$" + compact(value) if value >= 0 else "-$" + compact(-value)
        return f"{value:.0%}" if unit == "probability" else compact(value)

    lines = [title, "=" * min(len(title), 80), "",
             "Each observed outcome beside the run's distribution of the same metric.",
             "pct: the percentile of the observed value among the replications (ties count",
             "half); in 90%: whether it falls within the central 90% of them.", "",
             f"{'metric (city)':<34}{'observed':>9}{'mean':>9}{'5%-95%':>16}{'pct':>5}"
             f"{'in 90%':>7}", "-" * 80]
    for row in table.itertuples():
        label = f"{row.metric} ({row.city})"
        label = label if len(label) <= 33 else label[:32] + "…"
        band = f"{shown(row.p05, row.metric)}-{shown(row.p95, row.metric)}"
        lines.append(f"{label:<34}{shown(row.observed, row.metric):>9}"
                     f"{shown(row.mean, row.metric):>9}{band:>16}{row.percentile:>5.0f}"
                     f"{'yes' if row.inside_90 else 'NO':>7}")
    return printable("\n".join(lines), newlines=True)
