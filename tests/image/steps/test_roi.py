"""ROI: image crops in pixels with their offset, trace crops in x units."""

import numpy as np
import pytest

from scan_analysis.image.steps import crop_line, crop_to_roi


def test_crop_returns_region_and_offset():
    image = np.arange(30).reshape(5, 6)
    crop, offset = crop_to_roi(image, x_min=1, x_max=4, y_min=2, y_max=4)
    np.testing.assert_array_equal(crop, [[13, 14, 15], [19, 20, 21]])
    assert offset == (1, 2)


def test_open_and_out_of_range_edges_are_clipped():
    image = np.arange(30).reshape(5, 6)
    crop, offset = crop_to_roi(image, x_min=-5, y_min=3, x_max=100)
    np.testing.assert_array_equal(crop, image[3:])
    assert offset == (0, 3)


def test_roi_outside_image_says_so():
    with pytest.raises(ValueError, match="leaves nothing of a 6x5 image"):
        crop_to_roi(np.zeros((5, 6)), x_min=10, x_max=20)


def test_crop_line_uses_x_units_inclusive():
    trace = np.array([[700.0, 750.0, 800.0, 850.0], [1.0, 2.0, 3.0, 4.0]])
    np.testing.assert_array_equal(
        crop_line(trace, x_min=750, x_max=800), [[750.0, 800.0], [2.0, 3.0]]
    )
    with pytest.raises(ValueError, match="spanning 700..850"):
        crop_line(trace, x_min=900)
