"""What every page shares: the Jinja environment, embedded images, links, number tables.

Every string that comes from a scenario or a run goes through Jinja2's
autoescaping (:func:`environment`), so a hostile scenario name cannot inject
markup; figures are embedded as PNG, so a page needs no network.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import jinja2
import pandas as pd
from markupsafe import Markup, escape

from sim.metrics import METRICS
from sim.presentation import style
from sim.presentation.pages.facts import describe_value
from sim.presentation.pages.numbers import (
    HEADLINE_METRICS,
    LEAD_WITH_CHANGE,
    format_change,
    format_metric,
    key_numbers,
)
from sim.results import (
    RunResult,
)

_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:)\]]")


_LITERAL = re.compile(r"``([^`]+)``")
"""A literal in a docstring (reStructuredText): ``revenue_growth``."""


def linkify(text: Any) -> Markup:
    """Escape text and turn its http(s) URLs into links (no other scheme is ever linked).

    Docstring literals (````key````) become ``<code>``.
    """
    text = "" if text is None else str(text)
    out, last = [], 0
    for match in _URL.finditer(text):
        out.append(_literals(text[last:match.start()]))
        url = escape(match.group(0))
        out.append(Markup(f'<a href="{url}" rel="noopener noreferrer">{url}</a>'))
        last = match.end()
    out.append(_literals(text[last:]))
    return Markup("").join(out)


def _literals(text: str) -> Markup:
    out, last = [], 0
    for match in _LITERAL.finditer(text):
        out += [escape(text[last:match.start()]), Markup("<code>%s</code>") % match.group(1)]
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def environment() -> jinja2.Environment:
    """The Jinja environment of every page: the package's templates, autoescaping, the filters."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("sim.presentation", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters.update(linkify=linkify, metric=lambda v, m: format_metric(m, v),
                       change=lambda v, m: format_change(m, v),
                       value=describe_value, date=date_text)
    env.globals.update(METRICS=METRICS, colours=style.strategy_colours)
    return env


def date_text(value: Any) -> str:
    """A date as the pages print it (``2025-07-01``; a dash when there is none)."""
    if value is None or pd.isna(value):
        return "—"
    return pd.Timestamp(value).strftime("%Y-%m-%d")


@dataclass(frozen=True)
class Image:
    """A PNG as a data URI, with the width at which its text reads at normal size."""

    uri: str
    width: int
    """CSS pixels: the PNG's width scaled from :data:`sim.presentation.style.PNG_DPI` to 100 dpi."""


def png_image(png: bytes) -> Image:
    """A PNG embedded in a page, with its width in CSS pixels."""
    width = int.from_bytes(png[16:20], "big") if png[12:16] == b"IHDR" else 0
    return Image("data:image/png;base64," + base64.b64encode(png).decode("ascii"),
                 round(width * 100 / style.PNG_DPI))


@dataclass(frozen=True)
class RenderedFigure:
    """A figure ready for HTML: its registry entry and PNG images (one per side)."""

    name: str
    title: str
    caption: str
    images: tuple[Image, ...]


def number_table(run: RunResult, city: str) -> dict[str, Any]:
    """Key numbers of one city (or all cities) as formatted rows: headline and other metrics.

    ``already`` is the baseline's share of futures below the reserve floor,
    when it is not zero.
    """
    numbers = key_numbers(run, city)
    cells = {(r.strategy, r.metric): r for r in numbers.itertuples()}
    rows: dict[str, Any] = {"headline": [], "other": [], "zero": [], "already": ""}
    if numbers.empty:
        return rows
    baseline = run.manifest.get("baseline", "baseline")
    already = numbers[(numbers["strategy"] == baseline) & (numbers["metric"] == "floor_breached")]
    if len(already) and already["mean"].iloc[0] > 0:
        rows["already"] = f"{already['mean'].iloc[0]:.0%}"
    nonzero = pd.Series(numbers[["mean", "p05", "p95"]].to_numpy().any(axis=1)).groupby(
        numbers["metric"].to_numpy(), sort=False).any()
    for metric in nonzero.index:
        info = METRICS.get(metric)
        if not nonzero[metric]:
            rows["zero"].append(metric.replace("_", " "))
            continue
        row = {"metric": metric, "label": metric.replace("_", " "),
               "unit": info.unit if info else "", "description": info.description if info else "",
               "cells": [_number_cell(cells.get((s, metric)), metric) for s in run.strategies]}
        rows["headline" if metric in HEADLINE_METRICS else "other"].append(row)
    return rows


def _number_cell(row: Any, metric: str) -> dict[str, Any] | None:
    if row is None:
        return None
    cell = {"mean": format_metric(metric, row.mean),
            "interval": f"{format_metric(metric, row.p05)} to {format_metric(metric, row.p95)}",
            "change": None, "ci": "", "notable": False}
    if row.change is not None:
        change = row.change
        cell.update(change=format_change(metric, change.estimate),
                    ci=f"{format_change(metric, change.low)}, "
                       f"{format_change(metric, change.high)}",
                    notable=change.excludes_zero)
        if metric in LEAD_WITH_CHANGE:
            # The baseline may breach the floor already: the change is the news, the share
            # the context.
            cell.update(mean=f"{cell['change']} vs baseline",
                        interval=f"{cell['mean']} of futures; 90%: {cell['interval']}")
    return cell


def now() -> str:
    """When a page is rendered, to the minute (UTC)."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
