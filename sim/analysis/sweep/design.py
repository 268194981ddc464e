"""Designs: where in the parameter space the sweep's points lie.

A :class:`DesignTable` holds the points of the main design (grid, Latin
hypercube, scrambled Sobol, Saltelli or Morris; on the unit cube, then mapped
to each factor's range) and the one-at-a-time block for the tornado chart.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.sweep.factors import Factor, Sweep
from sim.model.streams import design_generator


@dataclass(frozen=True)
class DesignTable:
    """Every point of a sweep: unit coordinates, values, and which block it belongs to.

    ``table`` has columns ``point``, ``block`` (``design`` or ``tornado``),
    ``varied`` (the factor a tornado point moves, else empty), ``end``
    (``base``, ``low`` or ``high`` for tornado points) and one column per
    factor, named by its path, holding the values (dates as dates).
    """

    table: pd.DataFrame
    unit: np.ndarray
    """(points, factors) unit coordinates of the main design (tornado points: NaN)."""
    values: np.ndarray
    """(points, factors) numeric values (dates as ordinals)."""

    @property
    def main(self) -> np.ndarray:
        """Whether each point belongs to the main design."""
        return (self.table["block"] == "design").to_numpy()


def build_design(sweep: Sweep) -> DesignTable:
    """The sweep's points: the main design, then the tornado block."""
    unit = unit_design(sweep)
    values = np.column_stack([f.value(unit[:, j]) for j, f in enumerate(sweep.factors)])
    rows = [("design", "", "")] * len(unit)
    if sweep.info.tornado:
        oat, labels = _one_at_a_time(sweep.factors)
        values = np.vstack([values, oat])
        unit = np.vstack([unit, np.full(oat.shape, np.nan)])
        rows += labels
    table = pd.DataFrame(rows, columns=["block", "varied", "end"])
    table.insert(0, "point", np.arange(len(table)))
    for j, factor in enumerate(sweep.factors):
        table[factor.path] = _column(factor, values[:, j])
    return DesignTable(table=table, unit=unit, values=values)


def unit_design(sweep: Sweep) -> np.ndarray:
    """The main design on the unit cube, (points, factors)."""
    k, n = len(sweep.factors), sweep.samples
    rng = design_generator(sweep.seed, f"design {sweep.design}")
    if sweep.design == "grid":
        axes = [f.grid(sweep.levels) for f in sweep.factors]
        return np.array(list(itertools.product(*axes)), dtype=float).reshape(-1, k)
    if sweep.design == "lhs":
        from scipy.stats import qmc

        return qmc.LatinHypercube(d=k, rng=rng).random(n)
    if sweep.design == "qmc":
        from scipy.stats import qmc

        return qmc.Sobol(d=k, scramble=True, rng=rng).random(n)
    if sweep.design == "sobol":
        from SALib.sample import sobol

        return sobol.sample(sweep.problem, n, calc_second_order=sweep.info.second_order,
                            scramble=True, seed=rng)
    from SALib.sample import morris

    return morris.sample(sweep.problem, n, num_levels=sweep.levels, seed=rng)


def _one_at_a_time(factors: Sequence[Factor]) -> tuple[np.ndarray, list[tuple[str, str, str]]]:
    base = np.array([f.base for f in factors])
    rows, labels = [base], [("tornado", "", "base")]
    for j, factor in enumerate(factors):
        for end, value in zip(("low", "high"), factor.ends, strict=True):
            row = base.copy()
            row[j] = value
            rows.append(row)
            labels.append(("tornado", factor.path, end))
    return np.array(rows), labels


def _column(factor: Factor, values: np.ndarray) -> Any:
    if factor.kind == "date":
        return pd.to_datetime([dt.date.fromordinal(int(v)) for v in values])
    if factor.kind == "integer":
        return values.astype(np.int64)
    return values
