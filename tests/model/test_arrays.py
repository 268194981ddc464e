"""Fast reductions over short axes equal numpy's own, bit for bit."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sim.model.arrays import (
    any_last,
    as_index,
    divide_where,
    max_and_argmax,
    min_last,
    nonzero_cells,
    sum_by_label,
    sum_by_label_at,
    sum_last,
    sum_last_at,
)

SHAPES = hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=9)
FINITE = st.floats(-1e12, 1e12, allow_nan=False, width=64)


@given(hnp.arrays(np.float64, SHAPES, elements=FINITE))
def test_sum_min_and_any_equal_numpy(values):
    """sum_last, min_last and any_last equal numpy's reductions exactly."""
    assert sum_last(values).tobytes() == values.sum(axis=-1).tobytes()
    assert min_last(values).tobytes() == values.min(axis=-1).tobytes()
    np.testing.assert_array_equal(any_last(values > 0), (values > 0).any(axis=-1))


@given(hnp.arrays(np.bool_, hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=7)),
       st.booleans())
def test_nonzero_cells_equal_numpy(values, moved):
    """nonzero_cells gives np.nonzero's indices in its order, also of a non-contiguous view."""
    if moved:
        values = np.moveaxis(values, -1, 0)
    cells = nonzero_cells(values)
    assert len(cells) == values.ndim
    for mine, numpys in zip(cells, np.nonzero(values), strict=True):
        np.testing.assert_array_equal(mine, numpys)


@given(hnp.arrays(np.float64, SHAPES, elements=st.sampled_from([0.0, 0.25, 0.5, 1.0])))
def test_max_and_argmax_pick_the_first_maximum(values):
    """max_and_argmax over a list of slices equals max and argmax over their stack."""
    best, index = max_and_argmax(list(np.moveaxis(values, -1, 0)))
    np.testing.assert_array_equal(best, values.max(axis=-1))
    np.testing.assert_array_equal(index, values.argmax(axis=-1))


@given(hnp.arrays(np.float64, SHAPES, elements=FINITE), st.integers(0, 3), st.data())
def test_sum_by_label_equals_masked_sums(values, count, data):
    """sum_by_label adds each label's items exactly as a masked sum over the last axis."""
    labels = data.draw(hnp.arrays(np.int32, values.shape, elements=st.integers(0, 3)))
    total = sum_by_label(values, labels, count)
    assert total.shape == (*values.shape[:-1], count)
    for k in range(count):
        expected = np.where(labels == k, values, 0.0).sum(axis=-1)
        assert total[..., k].tobytes() == expected.tobytes()


@given(hnp.arrays(np.float64, SHAPES, elements=st.one_of(st.just(0.0), FINITE)),
       st.integers(1, 3), st.data())
def test_sums_at_cells_equal_sums_of_the_dense_arrays(values, count, data):
    """sum_last_at and sum_by_label_at equal sum_last and sum_by_label of the dense arrays."""
    labels = data.draw(hnp.arrays(np.int32, values.shape, elements=st.integers(0, count - 1)))
    values = np.where(values == 0.0, 0.0, values)  # zeros are +0.0, as the cells left out
    cells = np.flatnonzero(values)
    at = values.ravel()[cells]
    assert sum_last_at(cells, at, values.shape).tobytes() == sum_last(values).tobytes()
    by_label = sum_by_label_at(cells, at, labels.ravel()[cells], values.shape, count)
    assert by_label.tobytes() == sum_by_label(values, labels, count).tobytes()


@given(hnp.arrays(np.float64, (3, 4), elements=FINITE),
       hnp.arrays(np.float64, (4,), elements=FINITE), st.floats(-2, 2), st.data())
def test_divide_where_equals_masked_divide(numerator, denominator, fill, data):
    """divide_where equals numpy's masked division into a filled array, bit for bit."""
    where = data.draw(hnp.arrays(bool, data.draw(st.sampled_from([(4,), (3, 4)]))))
    with np.errstate(all="ignore"):
        expected = np.divide(numerator, denominator, out=np.full((3, 4), fill), where=where)
        assert divide_where(numerator, denominator, where, fill).tobytes() == expected.tobytes()


@given(st.lists(st.integers(0, 29), min_size=1, max_size=10, unique=True))
def test_as_index_selects_what_the_indices_select(indices):
    """Indices as a slice (evenly spaced) or as themselves select the same entries."""
    indices = np.array(sorted(indices))
    state = np.arange(4 * 30).reshape(4, 30)
    index = as_index(indices)
    assert np.array_equal(state[:, index], state[:, indices])
    assert isinstance(index, slice) == (len(set(np.diff(indices).tolist())) <= 1)
