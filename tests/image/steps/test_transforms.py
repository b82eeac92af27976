"""Transforms: rotation and flips."""

import numpy as np

from scan_analysis.image.steps import transform_image

IMAGE = np.arange(9.0).reshape(3, 3)


def test_flips():
    np.testing.assert_array_equal(transform_image(IMAGE, flip_horizontal=True), IMAGE[:, ::-1])
    np.testing.assert_array_equal(transform_image(IMAGE, flip_vertical=True), IMAGE[::-1])
    both = transform_image(IMAGE, flip_horizontal=True, flip_vertical=True)
    np.testing.assert_array_equal(both, IMAGE[::-1, ::-1])


def test_quarter_turn_is_exact_and_counter_clockwise():
    np.testing.assert_array_equal(
        transform_image(IMAGE, rotation_angle=90), [[2, 5, 8], [1, 4, 7], [0, 3, 6]]
    )


def test_arbitrary_angle_keeps_shape_and_moves_a_point():
    image = np.zeros((41, 41), dtype=np.float32)
    image[20, 30] = 1.0  # 10 px right of centre
    rotated = transform_image(image, rotation_angle=90.0 + 1e-9)  # interpolated path
    assert rotated.shape == image.shape
    y, x = np.unravel_index(np.argmax(rotated), rotated.shape)
    assert (y, x) == (10, 20)  # counter-clockwise: right of centre goes to above centre


def test_zero_rotation_returns_same_values():
    np.testing.assert_array_equal(transform_image(IMAGE, rotation_angle=0), IMAGE)


def test_half_turn_of_a_non_square_image():
    image = np.zeros((5, 7))
    image[1, 5] = 1.0
    rotated = transform_image(image, rotation_angle=180)
    assert rotated.shape == (5, 7)
    assert np.unravel_index(rotated.argmax(), rotated.shape) == (3, 1)
