"""Scaling of processed images and traces."""

from __future__ import annotations

import numpy as np


def normalize(array: np.ndarray, *, method: str, constant_value: float | None = None) -> np.ndarray:
    """Scale an array.

    ``image_total``: divide by the sum; ``image_max``: by the maximum;
    ``constant``: by ``constant_value``; ``distribute_value``: scale so the sum
    is ``constant_value``. An all-zero array is returned unchanged.

    Examples
    --------
    >>> normalize(np.array([1.0, 3.0]), method="image_total")
    array([0.25, 0.75])
    >>> normalize(np.array([1.0, 3.0]), method="distribute_value", constant_value=8)
    array([2., 6.])
    """
    if method == "constant":
        if not constant_value:
            raise ValueError("normalization method constant needs a non-zero constant_value")
        return array / constant_value
    if method == "image_total":
        scale = float(np.sum(array))
    elif method == "image_max":
        scale = float(np.max(array))
    elif method == "distribute_value":
        if constant_value is None:
            raise ValueError("normalization method distribute_value needs constant_value")
        total = float(np.sum(array))
        return array * (constant_value / total) if total else array
    else:
        raise ValueError(f"unknown normalization method {method!r}")
    return array / scale if scale else array
