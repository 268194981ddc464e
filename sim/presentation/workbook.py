"""The run as an Excel workbook, for the budget book.

Sheets, each a plain table with a header row (numbers are numbers, with
currency, percent or count formats, never text):

* **Key numbers**: one row per strategy and city (all cities too), the mean
  of each headline metric, then its 5th and 95th percentiles;
* **Loss by measure**: the split of the net fiscal impact
  (:mod:`sim.analysis.by_measure`), when the run has one;
* **Reserves by year**: reserves net of short-term debt at the end of each
  fiscal year (and of the horizon), median and the range holding 90% of
  replications (every replication's, from the run's monthly bands; all
  cities together by calendar year when their fiscal years differ);
* **Positions cut**: grant-funded positions cut, service lost and backfill
  (``city.grant.funds``), when the scenario names any;
* **Assumptions**: every number of the scenario file with its source, and
  whether it is an assumption.

Written through the one atomic writer (:func:`sim.results.write_file`): a
failed export leaves no file and an earlier one untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.metrics import ALL_CITIES, METRICS
from sim.results import write_file
from sim.scenario import provenance

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from sim.results import RunResult

CURRENCY = '"$"#,##0;[Red]-"$"#,##0'
PERCENT = "0.0%"
COUNT = "#,##0.0"
INDEX = "0.000"
KEY_METRICS = ("net_fiscal_impact", "gap_closing_burden", "federal_withheld", "federal_lost",
               "legal_cost", "compliance_cost", "service_cuts", "tax_increase",
               "floor_breached", "months_below_floor", "min_reserve_ratio", "reserves_end",
               "grant_positions_cut", "grant_service_lost", "grant_backfill")
"""Metrics of the key-numbers sheet, in this order (those the run has)."""
FUNDED_METRICS = ("grant_positions_cut", "grant_service_lost", "grant_backfill")
NO_POSITIONS = ("No grant of this scenario names the positions or programs it pays for "
                "([[city.grant.funds]]).")


def number_format(metric: str) -> str:
    """The Excel number format of a metric, from its unit in the catalogue."""
    unit = METRICS[metric].unit if metric in METRICS else ""
    if unit.startswith("USD"):
        return CURRENCY
    if unit.startswith(("probability", "share", "relative")):
        return PERCENT
    if unit.startswith("index"):
        return INDEX
    return COUNT


def _sheet(book: Any, title: str, header: Sequence[str], rows: Sequence[Sequence[Any]],
           formats: Sequence[str | None]) -> Worksheet:
    """A sheet holding one table; ``formats`` per column (None: as written)."""
    from openpyxl.styles import Font

    sheet = book.create_sheet(title)
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_plain(value) for value in row])
    for column, fmt in enumerate(formats, start=1):
        if fmt:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                cell.number_format = fmt
        letter = sheet.cell(row=1, column=column).column_letter
        sheet.column_dimensions[letter].width = max(12, min(60, len(str(header[column - 1])) + 4))
    sheet.freeze_panes = "A2"
    return sheet


def _plain(value: Any) -> Any:
    """Cell value: numpy numbers as Python numbers, anything else not a number as text."""
    if hasattr(value, "item"):
        value = value.item()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def key_numbers(result: RunResult) -> tuple[list[str], list[list[Any]], list[str | None]]:
    """Header, rows and formats of the key-numbers sheet."""
    summary = result.summary
    metrics = [m for m in KEY_METRICS if m in set(summary["metric"])]
    header = ["strategy", "city", *metrics, *(f"{m} p05" for m in metrics),
              *(f"{m} p95" for m in metrics)]
    cells = summary.set_index(["strategy", "city", "metric"])
    rows = []
    for strategy in result.strategies:
        for city in _cities(summary):
            rows.append([strategy, city, *(cells.loc[(strategy, city, m), column]
                                           for column in ("mean", "p05", "p95")
                                           for m in metrics)])
    formats = [None, None, *[number_format(m) for m in metrics] * 3]
    return header, rows, formats


def _cities(summary: pd.DataFrame) -> list[str]:
    """Cities in the run's order, all cities first when there are several."""
    cities = list(dict.fromkeys(summary["city"]))
    return sorted(cities, key=lambda c: c != ALL_CITIES)


def reserves_by_year(result: RunResult) -> list[list[Any]]:
    """Rows (strategy, city, fiscal year end, median, p05, p95) from the monthly bands."""
    bands = result.bands
    if bands is None or bands.empty:
        return []
    bands = bands[bands["series"] == "net_reserves"]
    ends = {c.name: (c.fiscal_year_start - 2) % 12 + 1 for c in result.scenario.city}
    if len(ends) == 1:  # the all-cities rows repeat the one city's
        bands = bands[bands["city"] != ALL_CITIES]
    # All cities together: their common fiscal year, else calendar years.
    ends[ALL_CITIES] = next(iter(set(ends.values()))) if len(set(ends.values())) == 1 else 12
    rows = []
    for row in bands.itertuples():
        date = pd.Timestamp(row.date)
        last = row.month == bands["month"].max()
        if date.month == ends.get(row.city) or last:
            rows.append([row.strategy, row.city, date.strftime("%Y-%m"), row.p50, row.p05,
                         row.p95])
    return rows


def positions(result: RunResult) -> list[list[Any]]:
    """Rows (strategy, city, metric, mean, p05, p95) of the grant-funded positions metrics."""
    summary = result.summary
    rows = summary[summary["metric"].isin(FUNDED_METRICS)]
    return [[r.strategy, r.city, r.metric, r.mean, r.p05, r.p95] for r in rows.itertuples()]


def assumptions(result: RunResult) -> list[list[Any]]:
    """Rows (key, value, kind, source) for every number of the scenario file."""
    scenario = result.scenario
    rows = []
    for cite in provenance.citations(scenario):
        kind = ("assumption" if cite.is_assumption else "sourced" if cite.source
                else "no source")
        source = provenance.expand(cite.source, scenario.sources) if cite.source else ""
        value = cite.value if isinstance(cite.value, int | float) else str(cite.value)
        rows.append([cite.path, value, kind, source])
    return rows


def write_workbook(result: RunResult, path: str | Path) -> Path:
    """Write the run's workbook to ``path`` (``.xlsx``) atomically; return the path."""
    from openpyxl import Workbook

    path = Path(path)
    book = Workbook()
    book.remove(book.active)
    header, rows, formats = key_numbers(result)
    _sheet(book, "Key numbers", header, rows, formats)
    split = result.loss_by_measure
    if split is not None:
        order = {name: i for i, name in enumerate(result.strategies)}
        split = split.assign(rank=split["strategy"].map(order))
        _sheet(book, "Loss by measure",
               ["strategy", "city", "part", "kind", "mean", "95% half-width"],
               split.sort_values(["rank", "city", "position"], kind="stable")[
                   ["strategy", "city", "part", "kind", "mean", "ci95_half_width"]
               ].to_numpy().tolist(), [None, None, None, None, CURRENCY, CURRENCY])
    _sheet(book, "Reserves by year", ["strategy", "city", "fiscal year end",
                                      "median", "p05", "p95"],
           reserves_by_year(result), [None, None, None, CURRENCY, CURRENCY, CURRENCY])
    funded = positions(result) or [[NO_POSITIONS]]
    sheet = _sheet(book, "Positions cut", ["strategy", "city", "metric", "mean", "p05", "p95"],
                   funded, [None] * 6)
    for row in sheet.iter_rows(min_row=2):
        if row[2].value:
            for cell in row[3:]:
                cell.number_format = number_format(row[2].value)
    _sheet(book, "Assumptions", ["key", "value", "kind", "source"], assumptions(result),
           [None, None, None, None])
    write_file(path, lambda temporary: book.save(temporary))
    return path
