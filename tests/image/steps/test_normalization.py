"""Normalization methods."""

import numpy as np
import pytest

from scan_analysis.image.steps import normalize


@pytest.mark.parametrize(
    ("method", "constant", "expected"),
    [
        ("image_total", None, [0.1, 0.2, 0.3, 0.4]),
        ("image_max", None, [0.25, 0.5, 0.75, 1.0]),
        ("constant", 2.0, [0.5, 1.0, 1.5, 2.0]),
        ("distribute_value", 100.0, [10.0, 20.0, 30.0, 40.0]),
    ],
)
def test_methods(method, constant, expected):
    result = normalize(np.array([1.0, 2.0, 3.0, 4.0]), method=method, constant_value=constant)
    np.testing.assert_allclose(result, expected)


def test_all_zero_is_left_alone_and_bad_options_explained():
    np.testing.assert_array_equal(normalize(np.zeros(3), method="image_total"), 0)
    with pytest.raises(ValueError, match="non-zero constant_value"):
        normalize(np.ones(3), method="constant")
    with pytest.raises(ValueError, match="unknown normalization method"):
        normalize(np.ones(3), method="unit")
