"""Trace orientation: rows or columns, decided by a rule, refused when it cannot be told."""

import numpy as np
import pytest

from scan_analysis.image.trace_layout import as_trace_rows


@pytest.mark.parametrize(
    ("shape", "expected"),
    [((2, 50), (2, 50)), ((50, 2), (2, 50)), ((3, 50), (3, 50)), ((50, 4), (4, 50))],
)
def test_rows_and_columns_both_come_out_as_rows(shape, expected):
    array = np.arange(np.prod(shape), dtype=float).reshape(shape)
    rows = as_trace_rows(array)
    assert rows.shape == expected
    np.testing.assert_array_equal(rows, array if shape == expected else array.T)


def test_two_by_two_is_read_as_rows_by_convention():
    array = np.array([[0.0, 1.0], [5.0, 6.0]])
    np.testing.assert_array_equal(as_trace_rows(array), array)


def test_y_alone_gets_the_sample_index_as_x():
    np.testing.assert_array_equal(as_trace_rows(np.array([4.0, 5.0])), [[0, 1], [4, 5]])


@pytest.mark.parametrize("shape", [(3, 3), (1, 40), (40, 1), (2, 3, 4)])
def test_arrays_that_are_not_placeable_traces_are_refused(shape):
    with pytest.raises(ValueError, match="trace"):
        as_trace_rows(np.zeros(shape))
