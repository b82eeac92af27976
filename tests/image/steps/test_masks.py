"""Circular mask and vignette model."""

import numpy as np
import pytest

from scan_analysis.image.steps import apply_circular_mask, circular_mask, vignette_model


def test_circular_mask_outside_and_inside():
    image = np.full((5, 5), 3.0)
    outside = apply_circular_mask(image, center=(2, 2), radius=1)
    expected = np.zeros((5, 5))
    expected[circular_mask((5, 5), center=(2, 2), radius=1)] = 3.0
    np.testing.assert_array_equal(outside, expected)
    inside = apply_circular_mask(image, center=(2, 2), radius=1, mask_outside=False, mask_value=-1)
    assert inside[2, 2] == -1 and inside[0, 0] == 3.0 and (inside == -1).sum() == 5


def test_vignette_model_centre_corner_and_floor():
    model = vignette_model((5, 5), coefficients=(1.0, 0.0, -0.5))
    assert model.dtype == np.float32
    assert model[2, 2] == 1.0 and model[0, 0] == pytest.approx(0.5)
    floored = vignette_model((5, 5), coefficients=(1.0, 0.0, -2.0), min_model_value=0.25)
    assert floored.min() == pytest.approx(0.25)


def test_vignette_model_of_a_sub_window_matches_the_full_sensor():
    full = vignette_model((60, 80), coefficients=(1.0, 0.1, -0.4))
    window = vignette_model(
        (20, 30),
        coefficients=(1.0, 0.1, -0.4),
        full_width=80,
        full_height=60,
        x_offset=40,
        y_offset=10,
    )
    np.testing.assert_allclose(window, full[10:30, 40:70], rtol=1e-6)
