"""Crosshair masking: centre, width, height, thickness, angle."""

import numpy as np

from scan_analysis.image.steps import crosshair_mask, mask_crosshairs


def test_horizontal_and_vertical_arms():
    mask = crosshair_mask((7, 9), center=(4, 3), width=7, height=5, thickness=1)
    expected = np.zeros((7, 9), dtype=bool)
    expected[3, 1:8] = True  # horizontal arm, 7 long
    expected[1:6, 4] = True  # vertical arm, 5 long
    np.testing.assert_array_equal(mask, expected)


def test_thickness_widens_both_arms():
    mask = crosshair_mask((11, 11), center=(5, 5), width=9, height=9, thickness=3)
    assert mask[4:7, 1:10].all() and mask[1:10, 4:7].all()
    assert mask.sum() == 3 * 9 * 2 - 9


def test_angle_45_gives_diagonals():
    mask = crosshair_mask((11, 11), center=(5, 5), width=8, height=8, thickness=1, angle=45)
    diagonal = [(5 + k, 5 + k) for k in range(-2, 3)] + [(5 - k, 5 + k) for k in range(-2, 3)]
    assert all(mask[y, x] for y, x in diagonal)
    assert not mask[5, 8] and not mask[8, 5]  # no axis-aligned arms


def test_mask_crosshairs_fills_only_the_crosshairs():
    image = np.full((20, 30), 5.0, dtype=np.float32)
    crosshairs = [
        {"center": (10, 10), "width": 5, "height": 5, "thickness": 1, "angle": 0},
        {"center": (25, 5), "width": 3, "height": 3, "thickness": 1, "angle": 0},
    ]
    result = mask_crosshairs(image, crosshairs)
    expected = image.copy()
    expected[10, 8:13] = 0
    expected[8:13, 10] = 0
    expected[5, 24:27] = 0
    expected[4:7, 25] = 0
    np.testing.assert_array_equal(result, expected)
    assert (image == 5).all()


def test_crosshair_partly_off_the_image_is_clipped():
    result = mask_crosshairs(np.ones((5, 5)), [{"center": (0, 0), "width": 4, "height": 4}])
    assert result[0, 0] == 0 and result[0, 2] == 0 and result[4, 4] == 1
    untouched = mask_crosshairs(np.ones((5, 5)), [{"center": (50, 50)}])
    np.testing.assert_array_equal(untouched, 1)
