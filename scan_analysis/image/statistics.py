"""Beam and line statistics: moments, peaks and full widths at half maximum."""

from __future__ import annotations

import numpy as np

BEAM_SCALARS = (
    "total_counts",
    "peak_value",
    "peak_x",
    "peak_y",
    "centroid_x",
    "centroid_y",
    "rms_x",
    "rms_y",
    "fwhm_x",
    "fwhm_y",
)
CALIBRATED_BEAM_SCALARS = ("centroid_x", "centroid_y", "rms_x", "rms_y", "fwhm_x", "fwhm_y")
LINE_SCALARS = ("integral", "peak_value", "peak_position", "centroid", "rms_width", "fwhm")


def fwhm(x: np.ndarray, y: np.ndarray) -> float:
    """Full width at half maximum of a single-peaked profile (linear interpolation).

    NaN when the profile has no positive peak or does not fall below half on
    both sides.

    Examples
    --------
    >>> x = np.linspace(-10, 10, 2001)
    >>> round(fwhm(x, np.exp(-0.5 * x**2)), 3)  # 2 sqrt(2 ln 2)
    2.355
    """
    y = np.asarray(y, dtype=np.float64)
    if y.size < 3:
        return float("nan")
    peak = int(np.argmax(y))
    half = y[peak] / 2.0
    if not y[peak] > 0:
        return float("nan")
    below_left = np.nonzero(y[:peak] < half)[0]
    below_right = np.nonzero(y[peak:] < half)[0]
    if below_left.size == 0 or below_right.size == 0:
        return float("nan")
    i = below_left[-1]  # y[i] < half <= y[i+1]
    j = peak + below_right[0]  # y[j-1] >= half > y[j]
    left = x[i] + (half - y[i]) * (x[i + 1] - x[i]) / (y[i + 1] - y[i])
    right = x[j - 1] + (half - y[j - 1]) * (x[j] - x[j - 1]) / (y[j] - y[j - 1])
    return float(right - left)


def _moments(x: np.ndarray, weights: np.ndarray) -> tuple[float, float]:
    total = weights.sum()
    if not total > 0:
        return float("nan"), float("nan")
    mean = float((x * weights).sum() / total)
    variance = float(((x - mean) ** 2 * weights).sum() / total)
    return mean, float(np.sqrt(max(variance, 0.0)))


def beam_statistics(
    image: np.ndarray,
    *,
    offset: tuple[int, int] = (0, 0),
    calibration: float | None = None,
) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """Statistics of a processed beam image, in camera pixels (and metres if calibrated).

    Moments use the image as it is: zero-mean noise left after background
    subtraction does not bias them (clipping it would), so subtract the
    background and limit the region (ROI or threshold) for the best result.
    FWHM comes from the projections. Positions include ``offset`` (the ROI
    origin).

    Returns
    -------
    scalars : dict
        ``total_counts, peak_value, peak_x, peak_y, centroid_x, centroid_y,
        rms_x, rms_y, fwhm_x, fwhm_y`` and, with ``calibration`` (m/pixel),
        ``centroid_x_m ... fwhm_y_m``.
    lineouts : dict
        ``projection_x``, ``projection_y``.

    Examples
    --------
    >>> image = np.zeros((5, 7)); image[2, 3] = 4.0
    >>> scalars, _ = beam_statistics(image, offset=(10, 0))
    >>> scalars["centroid_x"], scalars["centroid_y"], scalars["total_counts"]
    (13.0, 2.0, 4.0)
    """
    data = np.asarray(image)
    projection_x = data.sum(axis=0, dtype=np.float64)
    projection_y = data.sum(axis=1, dtype=np.float64)
    x = np.arange(data.shape[1], dtype=np.float64) + offset[0]
    y = np.arange(data.shape[0], dtype=np.float64) + offset[1]
    centroid_x, rms_x = _moments(x, projection_x)
    centroid_y, rms_y = _moments(y, projection_y)
    peak_index = np.unravel_index(int(np.argmax(data)), data.shape) if data.size else (0, 0)
    scalars = {
        "total_counts": float(projection_x.sum()),
        "peak_value": float(data[peak_index]) if data.size else float("nan"),
        "peak_x": float(peak_index[1] + offset[0]),
        "peak_y": float(peak_index[0] + offset[1]),
        "centroid_x": centroid_x,
        "centroid_y": centroid_y,
        "rms_x": rms_x,
        "rms_y": rms_y,
        "fwhm_x": fwhm(x, projection_x),
        "fwhm_y": fwhm(y, projection_y),
    }
    if calibration:
        for name in CALIBRATED_BEAM_SCALARS:
            scalars[f"{name}_m"] = scalars[name] * calibration
    lineouts = {
        "projection_x": np.vstack([x, projection_x]),
        "projection_y": np.vstack([y, projection_y]),
    }
    return scalars, lineouts


def line_statistics(x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Statistics of a processed trace in x units.

    Examples
    --------
    >>> x = np.linspace(0, 10, 1001); y = np.exp(-0.5 * ((x - 4) / 0.5) ** 2)
    >>> stats = line_statistics(x, y)
    >>> round(stats["centroid"], 3), round(stats["rms_width"], 3), round(stats["peak_position"], 2)
    (4.0, 0.5, 4.0)
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if y.size == 0:
        return {name: float("nan") for name in LINE_SCALARS}
    centroid, rms = _moments(x, y)
    peak = int(np.argmax(y))
    return {
        "integral": float(np.trapezoid(y, x)) if y.size > 1 else float(y.sum()),
        "peak_value": float(y[peak]),
        "peak_position": float(x[peak]),
        "centroid": centroid,
        "rms_width": rms,
        "fwhm": fwhm(x, y),
    }
