"""Sensitivity: which parameters drive each target, from the points' summaries.

Sobol indices (Saltelli's design), Morris elementary effects, a variance
decomposition of a full grid, and the one-at-a-time swings of the tornado
chart, each a table per target.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.sweep.design import DesignTable
from sim.analysis.sweep.factors import Sweep
from sim.analysis.sweep.file import MIN_RBD_SAMPLES
from sim.model.streams import design_generator


def responses(sweep: Sweep, metrics: pd.DataFrame, points: int) -> pd.DataFrame:
    """One row per point, one column per target (named by :attr:`Target.name`)."""
    out = pd.DataFrame({"point": np.arange(points)})
    for target in sweep.targets:
        mine = metrics[(metrics["strategy"] == target.strategy) & (metrics["city"] == target.city)
                       & (metrics["metric"] == target.metric)]
        series = mine.set_index("point")[target.statistic]
        out[target.name] = series.reindex(out["point"]).to_numpy(dtype=float)
    return out


SOBOL_COLUMNS = ["S1", "S1_conf", "ST", "ST_conf"]


MORRIS_COLUMNS = ["mu", "mu_star", "mu_star_conf", "sigma"]


def method_of(design: str, samples: int) -> str:
    """The index method a design supports.

    ``sobol``, ``morris``, ``rbd_fast`` (Latin hypercube or QMC points),
    ``anova`` (exact for a full grid) or ``none`` (too few points).
    """
    if design in ("sobol", "morris"):
        return design
    if design == "grid":
        return "anova"
    return "rbd_fast" if samples >= MIN_RBD_SAMPLES else "none"


def sensitivity(sweep: Sweep, design: DesignTable,
                table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Indices per target and factor, and second-order Sobol indices (if asked for).

    Columns of the first: ``target, metric, strategy, city, statistic, method,
    parameter, label, rank`` and the method's indices (``S1, S1_conf, ST,
    ST_conf`` for Sobol; ``mu, mu_star, mu_star_conf, sigma`` for Morris;
    ``S1, S1_conf`` for RBD-FAST; ``S1, ST`` for a grid).  Confidence
    intervals are 95% bootstrap half-widths.  Rank 1 is the most influential
    factor.  An output that does not vary gets no indices (NaN).
    """
    method = method_of(sweep.design, sweep.samples)
    main = design.main
    frames, second = [], []
    for target in sweep.targets:
        y = table[target.name].to_numpy()[main]
        if method == "none":
            continue
        indices, pairs = _indices(sweep, method, design.unit[main], design.values[main], y,
                                  design_generator(sweep.seed, f"bootstrap {target.name}"))
        frame = pd.DataFrame(indices)
        frame.insert(0, "label", [f.label for f in sweep.factors])
        frame.insert(0, "parameter", [f.path for f in sweep.factors])
        frame.insert(0, "method", method)
        for key in ("statistic", "city", "strategy", "metric"):
            frame.insert(0, key, getattr(target, key))
        frame.insert(0, "target", target.name)
        order = {"sobol": "ST", "anova": "ST", "morris": "mu_star", "rbd_fast": "S1"}[method]
        frame.insert(frame.columns.get_loc("label") + 1, "rank",
                     frame[order].rank(ascending=False, method="first").astype("Int64"))
        frames.append(frame)
        if pairs is not None:
            second.append(pairs.assign(target=target.name))
    return (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(),
            pd.concat(second, ignore_index=True) if second else pd.DataFrame())


def _indices(sweep: Sweep, method: str, unit: np.ndarray, values: np.ndarray, y: np.ndarray,
             rng: np.random.Generator) -> tuple[dict[str, np.ndarray], pd.DataFrame | None]:
    k = len(sweep.factors)
    columns = {"sobol": SOBOL_COLUMNS, "morris": MORRIS_COLUMNS,
               "rbd_fast": ["S1", "S1_conf"], "anova": ["S1", "ST"]}[method]
    if not np.all(np.isfinite(y)) or np.ptp(y) == 0:
        return {c: np.full(k, np.nan) for c in columns}, None
    if method == "anova":
        return _grid_anova(values, y), None
    if method == "sobol":
        from SALib.analyze import sobol

        found = sobol.analyze(sweep.problem, y, calc_second_order=sweep.info.second_order,
                              seed=rng)
        pairs = _second_order(sweep, found) if sweep.info.second_order else None
        return {c: np.asarray(found[c], dtype=float) for c in columns}, pairs
    if method == "morris":
        from SALib.analyze import morris

        found = morris.analyze(sweep.problem, unit, y, num_levels=sweep.levels, seed=rng)
        return {c: np.ma.filled(np.ma.asarray(found[c], dtype=float), np.nan)
                for c in columns}, None
    from SALib.analyze import rbd_fast

    found = rbd_fast.analyze(sweep.problem, unit, y, seed=rng)
    return {c: np.asarray(found[c], dtype=float) for c in columns}, None


def _grid_anova(values: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """First-order and total indices of a full factorial, exactly (equal weights)."""
    frame = pd.DataFrame(values).assign(y=y)
    total_variance = y.var()
    k = values.shape[1]
    first, total = np.empty(k), np.empty(k)
    for j in range(k):
        first[j] = frame.groupby(j)["y"].mean().var(ddof=0) / total_variance
        others = [i for i in range(k) if i != j]
        within = frame.groupby(others)["y"].var(ddof=0).mean() if others else total_variance
        total[j] = within / total_variance
    return {"S1": first, "ST": total}


def _second_order(sweep: Sweep, found: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for i, j in itertools.combinations(range(len(sweep.factors)), 2):
        rows.append((sweep.factors[i].path, sweep.factors[j].path,
                     float(found["S2"][i, j]), float(found["S2_conf"][i, j])))
    return pd.DataFrame(rows, columns=["parameter_1", "parameter_2", "S2", "S2_conf"])


def tornado_table(sweep: Sweep, design: DesignTable, table: pd.DataFrame) -> pd.DataFrame:
    """One-at-a-time swings around the base case, per target and factor.

    Columns: ``target, parameter, label, low, high`` (the factor's values, as
    text), ``base, y_low, y_high`` (the output) and ``swing`` (``|y_high -
    y_low|``); sorted by target, then largest swing first.
    """
    if not sweep.info.tornado:
        return pd.DataFrame()
    points = design.table
    oat = points[points["block"] == "tornado"]
    rows = []
    for target in sweep.targets:
        y = table.set_index("point")[target.name]
        base = float(y[oat.loc[oat["end"] == "base", "point"].iloc[0]])
        for factor in sweep.factors:
            mine = oat[oat["varied"] == factor.path].set_index("end")["point"]
            low, high = factor.ends
            y_low, y_high = float(y[mine["low"]]), float(y[mine["high"]])
            rows.append((target.name, factor.path, factor.label, factor.show(low),
                         factor.show(high), factor.show(factor.base), base, y_low, y_high,
                         abs(y_high - y_low)))
    frame = pd.DataFrame(rows, columns=["target", "parameter", "label", "low", "high",
                                        "base_value", "base", "y_low", "y_high", "swing"])
    order = {t.name: i for i, t in enumerate(sweep.targets)}
    frame["_order"] = frame["target"].map(order)
    frame = frame.sort_values(["_order", "swing"], ascending=[True, False], kind="stable")
    return frame.drop(columns="_order").reset_index(drop=True)
