"""Synthetic shots with known truth for the per-shot layer's tests."""

from __future__ import annotations

import numpy as np
import pytest


def gaussian_spot(
    shape=(200, 240),
    *,
    center=(130.0, 90.0),
    sigma=(9.0, 6.0),
    amplitude=2000.0,
    pedestal=100.0,
    noise=5.0,
    seed=0,
):
    """A 16-bit frame: pedestal + Gaussian spot of known centre/sigma + Gaussian noise."""
    rng = np.random.default_rng(seed)
    y, x = np.indices(shape, dtype=np.float64)
    spot = amplitude * np.exp(
        -0.5 * (((x - center[0]) / sigma[0]) ** 2 + ((y - center[1]) / sigma[1]) ** 2)
    )
    frame = spot + pedestal + rng.normal(0.0, noise, shape)
    return np.clip(np.rint(frame), 0, 65535).astype(np.uint16)


def gaussian_trace(
    *, center=810.0, sigma=12.0, amplitude=1000.0, baseline=20.0, noise=3.0, n=801, seed=0
):
    """A spectrum ``[wavelength, counts]`` with a Gaussian peak on a baseline."""
    rng = np.random.default_rng(seed)
    x = np.linspace(700.0, 900.0, n)
    y = amplitude * np.exp(-0.5 * ((x - center) / sigma) ** 2) + baseline + rng.normal(0, noise, n)
    return np.vstack([x, y])


@pytest.fixture
def make_spot():
    """Factory of synthetic beam frames (see :func:`gaussian_spot`)."""
    return gaussian_spot


@pytest.fixture
def make_trace():
    """Factory of synthetic spectra (see :func:`gaussian_trace`)."""
    return gaussian_trace
