"""The sweep report: one self-contained HTML page (figures embedded, no network).

It states what was varied and how (design, points, replications, seed), each
parameter's range with its source, then per output the ranking of parameters
with their indices, the tornado chart, the index chart and the response plot.
Every string that comes from a scenario or sweep file is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.plots import dollars

if TYPE_CHECKING:
    from sim.sweep import SweepResult, Target

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 62rem; padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
h3 { font-size: 1.05rem; margin-top: 1.4rem; }
table { border-collapse: collapse; margin: 0.6rem 0; font-size: 0.88rem; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 0.25rem 0.6rem; text-align: left;
         vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.muted { color: #666; font-size: 0.88rem; }
img { max-width: 100%; height: auto; margin: 0.5rem 0; }
code { font-size: 0.85rem; }
"""

METHOD_TEXT = {
    "sobol": "Sobol indices (Saltelli design, SALib): S1 is the share of the output's variance "
             "due to a parameter alone, ST the share it takes part in, with its interactions. "
             "± values are 95% bootstrap confidence half-widths.",
    "morris": "Morris elementary effects (SALib): mu* is the mean absolute change of the output "
              "when a parameter moves by a step of its range; sigma, their spread (high sigma: "
              "non-linear or interacting).",
    "rbd_fast": "RBD-FAST first-order indices (SALib) from the sampled points: S1 is the share "
                "of the output's variance due to a parameter alone.",
    "anova": "Exact variance decomposition of the full grid: S1 is the share of the output's "
             "variance due to a parameter alone, ST the share it takes part in.",
    "none": "Too few points for sensitivity indices; see the tornado chart and response plot.",
}


def _e(value: object) -> str:
    return html.escape(str(value))


def _image(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{_e(path.stem)}">'


def _number(value: float, unit: str) -> str:
    if not np.isfinite(value):
        return "n/a"
    if unit.startswith("USD"):
        return dollars(value)
    if unit in ("probability", "share of annual expenditure"):
        return f"{value:.1%}"
    return f"{value:.3g}"


def render(result: SweepResult, folder: Path) -> str:
    """The report page of a sweep whose figures are in ``folder / "figures"``."""
    sweep = result.sweep
    info = sweep.info
    manifest = result.manifest
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             f"<title>{_e(info.name)}</title><style>{CSS}</style></head><body>",
             f"<h1>{_e(info.name)}</h1>",
             f"<p class='muted'>Sweep of scenario “{_e(sweep.scenario.scenario.name)}” "
             f"(SHA-256 {_e(manifest.get('scenario_sha256', '')[:12])}…), fundsim "
             f"{_e(manifest.get('fundsim', ''))}</p>"]
    if info.description.strip():
        parts.append(f"<p>{_e(info.description.strip())}</p>")
    parts.append(_facts(result))
    parts.append(_parameters(result))
    for target in sweep.targets:
        parts.append(_target_section(result, target, folder / "figures"))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _facts(result: SweepResult) -> str:
    sweep = result.sweep
    manifest = result.manifest
    main = int(result.design["block"].eq("design").sum())
    rows = [
        ("Design", f"{sweep.design} ({main} points"
                   + (f", {len(sweep.factors) * 2 + 1} more for the tornado chart)"
                      if sweep.info.tornado else ")")),
        ("Replications per point", f"{sweep.info.replications:,} (common random numbers: the "
                                   "same draws at every point)"),
        ("Seed", str(sweep.seed)),
        ("Strategies simulated", ", ".join(sweep.strategies)),
        ("Sensitivity method", METHOD_TEXT[result.method]),
        ("Wall time", f"{manifest.get('wall_time_s', float('nan')):.1f} s on "
                      f"{manifest.get('workers', '?')} worker(s)"),
    ]
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return f"<h2>How the sweep was run</h2><table>{body}</table>"


def _parameters(result: SweepResult) -> str:
    rows = []
    for factor in result.sweep.factors:
        source = factor.source or ("the scenario's own distribution (sourced there)"
                                   if factor.dist is not None else "")
        rows.append(f"<tr><td>{_e(factor.label)}<br><code>{_e(factor.path)}</code></td>"
                    f"<td>{_e(factor.range_text)}</td><td>{_e(factor.show(factor.base))}</td>"
                    f"<td>{_e(source)}</td></tr>")
    return ("<h2>Parameters varied</h2><table><tr><th>Parameter</th><th>Range</th>"
            "<th>Base case</th><th>Source</th></tr>" + "".join(rows) + "</table>")


def _target_section(result: SweepResult, target: Target, figures: Path) -> str:
    parts = [f"<h2>{_e(target.title)}</h2>",
             f"<p class='muted'>{_e(target.name)} — unit: {_e(target.unit)}</p>",
             _ranking_table(result, target)]
    for suffix in ("tornado", result.method, "response"):
        path = figures / f"{target.slug}-{suffix}.png"
        if path.is_file():
            parts.append(_image(path))
    return "\n".join(parts)


def _ranking_table(result: SweepResult, target: Target) -> str:
    indices = _rows(result.indices, target)
    swings = _rows(result.tornado, target)
    columns = [c for c in ("S1", "ST", "mu_star", "sigma") if c in indices]
    header = "".join(f"<th>{_e(c)}</th>" for c in columns)
    if not swings.empty:
        header += "<th>Tornado: low end</th><th>high end</th>"
    rows = []
    for rank, factor in enumerate(result.ranking(target.name), start=1):
        cells = []
        row = indices[indices["parameter"] == factor.path]
        for column in columns:
            cells.append(_index_cell(row, column, target))
        swing = swings[swings["parameter"] == factor.path]
        if not swing.empty:
            s = swing.iloc[0]
            cells.append(f"<td class='num'>{_e(_number(s['y_low'], target.unit))} "
                         f"<span class='muted'>({_e(s['low'])})</span></td>")
            cells.append(f"<td class='num'>{_e(_number(s['y_high'], target.unit))} "
                         f"<span class='muted'>({_e(s['high'])})</span></td>")
        rows.append(f"<tr><td class='num'>{rank}</td><td>{_e(factor.label)}</td>"
                    + "".join(cells) + "</tr>")
    base = ""
    if not swings.empty:
        base = (f"<p class='muted'>Base case: {_e(_number(swings['base'].iloc[0], target.unit))}"
                "; tornado columns give the output with one parameter at each end.</p>")
    return (f"<table><tr><th>Rank</th><th>Parameter</th>{header}</tr>" + "".join(rows)
            + f"</table>{base}")


def _rows(frame: pd.DataFrame, target: Target) -> pd.DataFrame:
    if frame.empty:
        return frame
    return frame[frame["target"] == target.name]


def _index_cell(row: pd.DataFrame, column: str, target: Target) -> str:
    if row.empty or not np.isfinite(row[column].iloc[0]):
        return "<td class='num'>n/a</td>"
    value = float(row[column].iloc[0])
    conf_column = f"{column}_conf"
    conf = float(row[conf_column].iloc[0]) if conf_column in row else np.nan
    if column in ("mu_star", "sigma"):
        text = _number(value, target.unit)
        if np.isfinite(conf):
            text += f" ± {_number(conf, target.unit)}"
    else:
        text = f"{value:.2f}" + (f" ± {conf:.2f}" if np.isfinite(conf) else "")
    return f"<td class='num'>{_e(text)}</td>"
