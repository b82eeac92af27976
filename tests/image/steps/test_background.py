"""Background steps: subtraction, edge estimate, per-pixel percentile over shots."""

import numpy as np
import pytest

from scan_analysis.image.steps import edge_background, percentile_background, subtract_background


def test_subtract_constant_and_additional_constant_keeps_float32():
    image = np.array([[10, 20], [30, 40]], dtype=np.float32)
    result = subtract_background(image, 5.0, additional_constant=1.0)
    np.testing.assert_array_equal(result, [[4, 14], [24, 34]])
    assert result.dtype == np.float32
    np.testing.assert_array_equal(image, [[10, 20], [30, 40]])  # input untouched


def test_subtract_per_pixel_background():
    image = np.array([[10.0, 20.0]], dtype=np.float32)
    result = subtract_background(image, np.array([[1.0, 2.0]], dtype=np.float32))
    np.testing.assert_array_equal(result, [[9, 18]])


def test_edge_background_ignores_a_central_spot():
    image = np.full((40, 40), 12.0)
    image[10:30, 10:30] = 1000.0
    assert edge_background(image, width=3) == 12.0
    trace = np.r_[np.full(10, 4.0), np.full(80, 50.0), np.full(10, 4.0)]
    assert edge_background(trace, width=5) == 4.0


def test_percentile_background_is_per_pixel():
    rng = np.random.default_rng(1)
    shots = [rng.integers(0, 4000, (6, 5), dtype=np.uint16) for _ in range(9)]
    expected = np.percentile(np.stack(shots), 20, axis=0)
    result = percentile_background(shots, percentile=20)
    assert result.dtype == np.float32 and result.shape == (6, 5)
    np.testing.assert_allclose(result, expected, rtol=1e-6)


def test_percentile_background_removes_a_moving_spot():
    shots = []
    for position in range(10):
        shot = np.full((8, 12), 100, dtype=np.uint16)
        shot[4, position] = 3000  # the beam is at a different pixel in each shot
        shots.append(shot)
    np.testing.assert_array_equal(percentile_background(shots, percentile=10), 100)


def test_percentile_background_needs_shots():
    with pytest.raises(ValueError, match="at least one shot"):
        percentile_background([], percentile=5)
