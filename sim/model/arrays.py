"""Array helpers for the monthly hot paths.

numpy reduces over a short last axis (a handful of measures or grant
programs) an order of magnitude slower than it adds whole arrays, so these
helpers loop over that axis and add, compare or select whole slices instead.
The results equal numpy's own reductions bit for bit (additions in the same
order, first index on ties); long axes are left to numpy.
"""

from __future__ import annotations

import numpy as np

SHORT = 8
"""Axes shorter than this are looped over; numpy sums them in the same order."""


def sum_last(values: np.ndarray) -> np.ndarray:
    """``values.sum(axis=-1)``, fast for a short last axis."""
    if values.shape[-1] >= SHORT:
        return values.sum(axis=-1)
    total = np.zeros(values.shape[:-1], dtype=np.result_type(values.dtype, np.float64))
    for k in range(values.shape[-1]):
        total += values[..., k]
    return total


def sum_by_label(values: np.ndarray, labels: np.ndarray, count: int) -> np.ndarray:
    """Sums of ``values`` over the last axis by integer label, as a new last axis.

    Item ``k`` of the result is ``sum_last(np.where(labels == k, values, 0.0))``,
    bit for bit.
    """
    total = np.zeros((*values.shape[:-1], count), dtype=np.result_type(values.dtype, np.float64))
    if values.shape[-1] >= SHORT:
        for k in range(count):
            total[..., k] = sum_last(np.where(labels == k, values, 0.0))
        return total
    if not total.size or not values.size:
        return total
    if labels.min() < 0 or labels.max() >= count:
        labels = np.where((labels >= 0) & (labels < count), labels, count)
        values = np.where(labels < count, values, 0.0)
        labels = np.minimum(labels, count - 1)
    # np.bincount adds each bin's weights in input order: item by item, as sum_last
    # adds them; skipping the other labels' items, which add 0.0, changes nothing.
    first = np.arange(total.size, step=count).reshape(*values.shape[:-1], 1)
    return np.bincount((first + labels).ravel(), weights=values.ravel(),
                       minlength=total.size).reshape(total.shape)


def sum_last_at(cells: np.ndarray, values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``sum_last`` of an array of ``shape`` holding ``values`` at flat indices ``cells``.

    The array is zero elsewhere; ``cells`` are unique and ascending.  Bit for
    bit the same: over a short axis the zeros left out would add 0.0, which
    changes no sum begun at 0.0, and the others are added in the same order.
    """
    if shape[-1] >= SHORT:
        return sum_last(_dense(cells, values, shape))
    total = np.bincount(cells // shape[-1], weights=values, minlength=int(np.prod(shape[:-1])))
    return _as_sum(total, values).reshape(shape[:-1])


def sum_by_label_at(cells: np.ndarray, values: np.ndarray, labels: np.ndarray,
                    shape: tuple[int, ...], count: int) -> np.ndarray:
    """``sum_by_label`` of arrays of ``shape`` holding ``values`` and ``labels`` at ``cells``.

    As :func:`sum_last_at`: zero elsewhere, ``cells`` unique and ascending,
    labels from 0 to ``count - 1``.
    """
    if shape[-1] >= SHORT:
        return sum_by_label(_dense(cells, values, shape), _dense(cells, labels, shape), count)
    bins = cells // shape[-1] * count + labels
    total = np.bincount(bins, weights=values, minlength=int(np.prod(shape[:-1])) * count)
    return _as_sum(total, values).reshape(*shape[:-1], count)


def _as_sum(total: np.ndarray, values: np.ndarray) -> np.ndarray:
    # np.bincount gives integers when there are no weights to add.
    return total.astype(np.result_type(values.dtype, np.float64), copy=False)


def _dense(cells: np.ndarray, values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    dense = np.zeros(shape, dtype=values.dtype)
    dense.ravel()[cells] = values
    return dense


def divide_where(numerator: np.ndarray, denominator: np.ndarray, where: np.ndarray,
                 fill: float = 0.0) -> np.ndarray:
    """``numerator / denominator`` where ``where`` holds, ``fill`` elsewhere (broadcast).

    Equals ``np.divide(..., out=np.full(shape, fill), where=where)`` bit for
    bit; numpy's masked division is ten times slower than a plain one, so the
    plain one is used whenever ``where`` holds everywhere, and none where it
    holds nowhere.
    """
    shape = np.broadcast_shapes(np.shape(numerator), np.shape(denominator), np.shape(where))
    if not np.any(where):
        return np.full(shape, fill)
    if np.all(where):
        quotient = np.divide(numerator, denominator)
        return quotient if quotient.shape == shape else np.broadcast_to(quotient, shape).copy()
    return np.divide(numerator, denominator, out=np.full(shape, fill), where=where)


def any_last(values: np.ndarray) -> np.ndarray:
    """``values.any(axis=-1)``, fast for a short last axis."""
    count = values.shape[-1]
    if count >= SHORT or count < 2 or values.ndim < 2:
        return values.any(axis=-1)
    # The first two slices make the result: one pass less than or-ing into zeros.
    found = np.logical_or(values[..., 0], values[..., 1])
    for k in range(2, count):
        np.logical_or(found, values[..., k], out=found)
    return found


def nonzero_cells(values: np.ndarray) -> tuple[np.ndarray, ...]:
    """``np.nonzero(values)``, fast for arrays of several dimensions.

    numpy finds the nonzero elements of an array of several dimensions several
    times slower than of a flat one (docs/engine.md, measured choices): the
    flat indices are found, then unravelled, in the same (C) order.
    """
    return np.unravel_index(np.flatnonzero(values), values.shape)


def min_last(values: np.ndarray) -> np.ndarray:
    """``values.min(axis=-1)``, fast for a short last axis (at least one item)."""
    if values.shape[-1] >= SHORT:
        return values.min(axis=-1)
    least = values[..., 0].copy()
    for k in range(1, values.shape[-1]):
        np.minimum(least, values[..., k], out=least)
    return least


def max_and_argmax(slices: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Elementwise maximum of equally shaped arrays and the index of the first maximum."""
    best = np.array(slices[0], dtype=float)
    index = np.zeros(best.shape, dtype=np.int32)
    for k, candidate in enumerate(slices[1:], start=1):
        better = candidate > best
        np.copyto(best, candidate, where=better)
        index[better] = k
    return best, index


def as_index(indices: np.ndarray) -> slice | np.ndarray:
    """``indices`` (increasing) as a slice if evenly spaced, else themselves.

    ``values[..., as_index(indices)]`` selects what ``values[..., indices]``
    does, as a view when a slice: several times cheaper than the copy that
    indexing by an array makes.
    """
    if len(indices) == 1:
        return slice(int(indices[0]), int(indices[0]) + 1)
    steps = np.unique(np.diff(indices))
    if len(steps) == 1:
        return slice(int(indices[0]), int(indices[-1]) + 1, int(steps[0]))
    return indices
