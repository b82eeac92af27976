"""Which way round a trace is stored: rows ``[x, y, ...]`` or columns (a scope export).

The readers give traces as rows, shape ``(1 + k, n)``: row 0 is x, then the y
rows. Arrays written by other programs (``.npy``, HDF5 datasets) are often
column-stacked, shape ``(n, 1 + k)``. Taking the first two *rows* of such an
array silently analyses two samples instead of the trace, so the orientation is
decided by a rule, and an array the rule cannot place is refused.
"""

from __future__ import annotations

import numpy as np


def as_trace_rows(trace: np.ndarray) -> np.ndarray:
    """A trace as rows ``[x, y, ...]`` of shape ``(1 + k, n)``, whichever way it was stored.

    Rules (a trace has more samples than it has columns):

    - 1-D: y alone; x becomes the sample index.
    - shape ``(r, c)`` with ``r < c``: already rows (``(2, n)`` is ``[x, y]``).
    - shape ``(r, c)`` with ``r > c``: columns (``(n, 2)`` is x and y columns); transposed.
    - ``(2, 2)``: read as rows, the readers' layout (two samples either way).

    Parameters
    ----------
    trace : array_like
        The trace as read.

    Returns
    -------
    ndarray
        Rows ``[x, y, ...]``; a view of the input when nothing had to change.

    Raises
    ------
    ValueError
        For a square array larger than 2x2 (rows or columns cannot be told
        apart), a single row or column, or more than two dimensions.

    Examples
    --------
    >>> as_trace_rows(np.array([[0.0, 5.0], [1.0, 6.0], [2.0, 7.0]]))
    array([[0., 1., 2.],
           [5., 6., 7.]])
    >>> as_trace_rows(np.array([[0.0, 1.0, 2.0], [5.0, 6.0, 7.0]])).shape
    (2, 3)
    """
    trace = np.asarray(trace)
    if trace.ndim == 1:
        return np.vstack([np.arange(trace.size, dtype=float), trace])
    if trace.ndim != 2 or min(trace.shape) < 2:
        raise ValueError(
            f"an array of shape {trace.shape} is not a trace: a trace is [x, y] as two rows "
            "(2, n) or two columns (n, 2), or y alone"
        )
    rows, columns = trace.shape
    if rows < columns or rows == columns == 2:
        return trace
    if rows > columns:
        return trace.T
    raise ValueError(
        f"a {rows}x{columns} array could be {rows} rows or {columns} columns of a trace; save "
        "the trace as rows [x, y] (shape (2, n)), or as x and y columns with more samples than "
        "columns"
    )
