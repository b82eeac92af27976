"""A realistic, deterministic GEECS day folder to try and test everything on.

:func:`build_demo_day` writes the day of docs/LAYERS.md ("Demo day"): a
no-scan, a 1-D jet-position scan where a beam camera's spot moves, grows and
dims, a spectrometer scan whose peak shifts, an optimization scan, an old scan
with legacy file names and no ``ScanMode``, and a scan without the camera.
Scan 2 has shots without files, a shot missing from the s-file and one corrupt
PNG. Each scan is written like the DAQ does it: ini first, then the device
files, the s-file last (its appearance means "scan complete").

Everything is drawn from a seeded generator, so the same arguments always give
the same bytes.
"""

from __future__ import annotations

import datetime as dt
import logging
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scan_analysis.data.atomic_files import write_atomically
from scan_analysis.data.scan_paths import day_dir_for
from scan_analysis.data.scan_tag import ScanTag, parse_date

logger = logging.getLogger(__name__)

EXPERIMENT = "Undulator"
DATE = "2026-05-08"
CAMERA = "UC_TopView"
SPECTROMETER = "UC_Spectrometer"
SPECTROMETER_SUFFIX = "-interpSpec"
CHARGE_COLUMN = "U_BCaveICT Charge pC"
PRESSURE_COLUMN = "U_GasJet Pressure psi"
LASER_ENERGY_COLUMN = "U_LaserEnergyMeter Energy mJ"
JET_PARAMETER = "U_ESP_JetXYZ:Position.Axis 1"
JET_COLUMN = "U_ESP_JetXYZ Position.Axis 1 Alias:JetX"
GRATING_PARAMETER = "U_Laser:Compressor.Grating"
GRATING_COLUMN = "U_Laser Compressor.Grating"
CAMERA_CALIBRATION = 25e-6  # m per pixel, as in the shipped UC_TopView config
HOT_PIXELS = ((0.11, 0.83), (0.52, 0.07), (0.9, 0.61), (0.33, 0.29))  # fractional (y, x)
CROSSHAIR_CENTER = (0.75, 0.25)  # fractional (x, y) of the burned-in reticle
KINDS = ("noscan", "jet_scan", "spectrum_scan", "optimization", "legacy", "no_camera")
DEMO_MARKER = ".scan_analysis_demo"
_MARKER_TEXT = (
    "This folder was made by scan_analysis.data.demo.build_demo_day and holds generated demo\n"
    "data only. 'scan-analysis demo --root' deletes and rebuilds a folder holding this file.\n"
)
# LabVIEW-epoch seconds (1904) for the demo day, so file names look like the lab's
_TIMESTAMP_BASE = 3_861_000_000.0


@dataclass
class DemoScanInfo:
    """What a demo scan holds, including the truth tests compare against."""

    number: int
    kind: str
    parameter: str
    parameter_column: str | None
    n_shots: int
    shots: list[int]
    bins: dict[int, list[int]]
    bin_values: dict[int, float]
    devices: list[str]
    missing_files: list[int] = field(default_factory=list)
    missing_rows: list[int] = field(default_factory=list)
    corrupt_files: list[Path] = field(default_factory=list)
    truth: dict[str, dict[int, float]] = field(default_factory=dict)


@dataclass
class DemoDay:
    """A built demo day."""

    data_root: Path
    experiment: str
    date: dt.date
    day_dir: Path
    scans: dict[int, DemoScanInfo]

    def tag(self, number: int) -> ScanTag:
        """The ScanTag of one of the day's scans."""
        return ScanTag.from_date(self.date, number=number, experiment=self.experiment)


def is_demo_root(root: str | Path) -> bool:
    """Whether ``root`` is a data root :func:`build_demo_day` made (it holds the marker file).

    Examples
    --------
    >>> import tempfile
    >>> is_demo_root(tempfile.mkdtemp())
    False
    """
    return (Path(root) / DEMO_MARKER).is_file()


def beam_truth(parameter_fraction: float, shape: Sequence[int]) -> dict[str, float]:
    """The beam spot for a jet position (0 at scan start, 1 at scan end), in pixels.

    The centroid moves right and down, the rms size grows and the peak dims.
    """
    height, width = shape
    scale = min(height, width) / 256
    sigma_x = (6.0 + 8.0 * parameter_fraction) * scale
    sigma_y = (5.0 + 5.0 * parameter_fraction) * scale
    return {
        "x_CoM": width * (0.40 + 0.20 * parameter_fraction),
        "y_CoM": height * (0.45 + 0.10 * parameter_fraction),
        "x_rms": sigma_x,
        "y_rms": sigma_y,
        "peak": 3000.0 * (1.0 - 0.6 * parameter_fraction),
    }


def render_beam_image(
    truth: dict[str, float], shape: Sequence[int], rng: np.random.Generator
) -> np.ndarray:
    """A 16-bit camera frame: pedestal, noise, Gaussian spot, hot pixels, crosshair."""
    height, width = shape
    y = np.arange(height, dtype=np.float32)
    x = np.arange(width, dtype=np.float32)
    jitter = rng.normal(0.0, 0.3, size=2)
    gx = np.exp(-0.5 * ((x - truth["x_CoM"] - jitter[0]) / truth["x_rms"]) ** 2)
    gy = np.exp(-0.5 * ((y - truth["y_CoM"] - jitter[1]) / truth["y_rms"]) ** 2)
    amplitude = truth["peak"] * float(rng.normal(1.0, 0.03))
    frame = (amplitude * np.outer(gy, gx)).astype(np.float32)
    frame += 100.0 + 6.0 * rng.standard_normal((height, width), dtype=np.float32)
    for fy, fx in HOT_PIXELS:
        frame[int(fy * height), int(fx * width)] = 4000.0
    cx, cy = int(CROSSHAIR_CENTER[0] * width), int(CROSSHAIR_CENTER[1] * height)
    arm = max(4, min(height, width) // 16)
    frame[cy, max(cx - arm, 0) : cx + arm + 1] = 2500.0
    frame[max(cy - arm, 0) : cy + arm + 1, cx] = 2500.0
    return np.clip(frame, 0, 65535).astype(np.uint16)


def render_spectrum(center_nm: float, rng: np.random.Generator, n_points: int = 512) -> np.ndarray:
    """A spectrometer trace ``[wavelength_nm, intensity]`` with a Gaussian peak."""
    wavelength = np.linspace(700.0, 900.0, n_points)
    intensity = 1000.0 * np.exp(-0.5 * ((wavelength - center_nm) / 12.0) ** 2)
    intensity += 20.0 + rng.normal(0.0, 4.0, size=n_points)
    return np.vstack([wavelength, intensity])


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(image: np.ndarray) -> bytes:
    """Encode a 2-D uint8/uint16 greyscale image as PNG, fast.

    Rows use filter type 0 (none) and zlib level 1: more than twice as fast as
    Pillow's encoder on noisy 16-bit frames (Pillow tries every row filter),
    at a similar size. Any PNG decoder reads the result.

    Examples
    --------
    >>> encode_png(np.zeros((2, 3), dtype=np.uint16))[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
    if image.ndim != 2 or image.dtype not in (np.uint8, np.uint16):
        raise ValueError(f"encode_png needs a 2-D uint8 or uint16 image, not {image.dtype}")
    height, width = image.shape
    depth = image.dtype.itemsize * 8
    rows = np.zeros((height, 1 + width * image.dtype.itemsize), dtype=np.uint8)  # filter 0
    rows[:, 1:] = image.astype(f">u{image.dtype.itemsize}").view(np.uint8).reshape(height, -1)
    header = struct.pack(">IIBBBBB", width, height, depth, 0, 0, 0, 0)  # greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(rows.tobytes(), 1))
        + _png_chunk(b"IEND", b"")
    )


def _write_png(path: Path, image: np.ndarray) -> None:
    path.write_bytes(encode_png(image))


def _write_spectrum(path: Path, trace: np.ndarray) -> None:
    rows = "\n".join(f"{x:.4f}\t{y:.3f}" for x, y in trace.T)
    path.write_text("Wavelength [nm]\tIntensity [counts]\n" + rows + "\n", encoding="utf-8")


def _write_ini(scan_dir: Path, number: int, values: dict[str, str | None]) -> None:
    lines = ["[Scan Info]"]
    lines += [f'{key} = "{value}"' for key, value in values.items() if value is not None]
    (scan_dir / f"ScanInfoScan{number:03d}.ini").write_text("\n".join(lines) + "\n")


def _format_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "nan" if np.isnan(value) else f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


def write_demo_scan(
    day_dir: str | Path,
    number: int,
    kind: str,
    *,
    rng: np.random.Generator | None = None,
    image_shape: Sequence[int] = (256, 256),
    n_bins: int = 10,
    shots_per_bin: int = 10,
    defects: bool = True,
    noscan_shots: int | None = None,
) -> DemoScanInfo:
    """Write one scan into a day folder as the DAQ would (s-file last).

    Parameters
    ----------
    day_dir : path
        The day folder (created if needed).
    number : int
        Scan number.
    kind : str
        One of ``noscan``, ``jet_scan``, ``spectrum_scan``, ``optimization``,
        ``legacy``, ``no_camera``.
    rng : numpy.random.Generator, optional
        Default: seeded from the scan number.
    image_shape : (int, int)
        Camera frame size.
    n_bins, shots_per_bin : int
        Size of ``jet_scan`` (other kinds scale from these).
    defects : bool
        For ``jet_scan``: three shots without files, one shot missing from the
        s-file, one corrupt PNG, a blank and a ``nan`` cell.
    noscan_shots : int, optional
        Shots of a ``noscan`` or ``no_camera`` scan (default 20 and 10).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown demo scan kind {kind!r}; choose from {', '.join(KINDS)}")
    rng = rng if rng is not None else np.random.default_rng(1000 + number)
    day_dir = Path(day_dir)
    scan_dir = day_dir / "scans" / f"Scan{number:03d}"
    analysis_dir = day_dir / "analysis"
    scan_dir.mkdir(parents=True, exist_ok=True)
    analysis_dir.mkdir(parents=True, exist_ok=True)
    shape = tuple(int(n) for n in image_shape)

    # what each kind scans and which devices it saves
    if kind == "jet_scan":
        bins_count, per_bin = n_bins, shots_per_bin
        parameter, column, start, end = JET_PARAMETER, JET_COLUMN, 4.0, 6.0
        devices, mode = [CAMERA, SPECTROMETER], "1D"
    elif kind == "spectrum_scan":
        bins_count, per_bin = max(n_bins - 2, 2), max(shots_per_bin // 2, 2)
        parameter, column, start, end = GRATING_PARAMETER, GRATING_COLUMN, -2.0, 2.0
        devices, mode = [SPECTROMETER], "1D"
    elif kind == "optimization":
        bins_count, per_bin = max(n_bins // 2, 2), max(shots_per_bin // 2, 2)
        parameter, column, start, end = "Shotnumber", None, 1.0, float(bins_count)
        devices, mode = [CAMERA], "optimization"
    elif kind == "legacy":
        bins_count, per_bin = 3, 4
        parameter, column, start, end = JET_PARAMETER, "U_ESP_JetXYZ Position.Axis 1", 4.0, 6.0
        devices, mode = [CAMERA], None
    else:  # noscan, no_camera
        bins_count, per_bin = 1, noscan_shots or (20 if kind == "noscan" else 10)
        parameter, column, start, end = "Shotnumber", None, 0.0, 0.0
        devices, mode = ([CAMERA, SPECTROMETER] if kind == "noscan" else [SPECTROMETER]), "noscan"

    n_shots = bins_count * per_bin
    shots = list(range(1, n_shots + 1))
    bin_of = {shot: (shot - 1) // per_bin + 1 for shot in shots}
    fractions = {b: (b - 1) / max(bins_count - 1, 1) for b in range(1, bins_count + 1)}
    step = (end - start) / max(bins_count - 1, 1)
    setpoints = {b: start + step * (b - 1) for b in fractions}
    info = DemoScanInfo(
        number=number,
        kind=kind,
        parameter=parameter,
        parameter_column=column,
        n_shots=n_shots,
        shots=shots,
        bins={b: [s for s in shots if bin_of[s] == b] for b in fractions},
        bin_values={b: setpoints[b] if column else float(b) for b in fractions},
        devices=devices,
    )
    corrupt_shot = None
    if kind == "jet_scan" and defects and n_shots >= 6:
        # spread over the scan, all different: 3 without files, 1 without a row, 1 corrupt
        picks: list[int] = []
        for fraction in (0.07, 0.15, 0.5, 0.62, 0.97):
            index = int(round(fraction * (n_shots - 1)))
            while index in picks:
                index = (index + 1) % n_shots
            picks.append(index)
        chosen = [shots[i] for i in picks]
        info.missing_files = [chosen[0], chosen[2], chosen[4]]
        info.missing_rows = [chosen[3]]
        corrupt_shot = chosen[1]

    _write_ini(
        scan_dir,
        number,
        {
            "Scan No": str(number),
            "ScanStartInfo": {
                "noscan": "baseline, jet out, gas on",
                "jet_scan": "jet position scan for the undulator beam",
                "spectrum_scan": "compressor grating scan, spectrometer",
                "optimization": "Bayesian optimization of the beam pointing",
                "legacy": "old-style scan",
                "no_camera": "spectrometer only, top-view camera off",
            }[kind],
            "Scan Parameter": parameter,
            "Start": f"{start:g}",
            "End": f"{end:g}",
            "Step size": f"{step:g}" if column else "0",
            "Shots per step": str(per_bin),
            "ScanEndInfo": "",
            "Background": "False",
            "ScanMode": mode,
        },
    )

    base = _TIMESTAMP_BASE + number * 10_000.0
    # each device has its own acq_timestamp (microsecond resolution in the s-file; the
    # file name renders it with %.3f), a few ms apart from the others of the same shot
    timestamps = {
        device: {
            shot: base + 0.2 * shot + (5000 * index + int(rng.integers(0, 4000))) / 1e6
            for shot in shots
        }
        for index, device in enumerate(devices)
    }
    camera_truth: dict[str, dict[int, float]] = {}
    for device in devices:
        stem = device + (SPECTROMETER_SUFFIX if device == SPECTROMETER else "")
        folder = scan_dir / stem
        folder.mkdir(exist_ok=True)
        for shot in shots:
            if shot in info.missing_files or shot in info.missing_rows:
                continue
            if kind == "legacy":
                name = f"Scan{number:03d}_{stem}_{shot:03d}"
            else:
                name = f"{stem}_{timestamps[device][shot]:.3f}"
            fraction = fractions[bin_of[shot]]
            if device == CAMERA:
                truth = beam_truth(fraction, shape)
                for key, value in truth.items():
                    camera_truth.setdefault(key, {})[bin_of[shot]] = value
                path = folder / f"{name}.png"
                _write_png(path, render_beam_image(truth, shape, rng))
                if shot == corrupt_shot:
                    payload = path.read_bytes()
                    path.write_bytes(payload[: len(payload) // 3])
                    info.corrupt_files.append(path)
            else:
                center = 800.0 + (25.0 * setpoints[bin_of[shot]] if kind == "spectrum_scan" else 0)
                camera_truth.setdefault("spectrum_peak_nm", {})[bin_of[shot]] = center
                _write_spectrum(folder / f"{name}.tsv", render_spectrum(center, rng))
    info.truth = camera_truth

    # the s-file, last: the DAQ's "scan complete"
    header = ["Bin #", "Shotnumber", "Elapsed Time"]
    if column:
        header.append(column)
    header += [CHARGE_COLUMN, PRESSURE_COLUMN, LASER_ENERGY_COLUMN]
    if kind != "legacy":
        header += [f"{device} acq_timestamp" for device in devices]
    rows = []
    for shot in shots:
        if shot in info.missing_rows:
            continue
        b = bin_of[shot]
        charge = float(rng.normal(25.0 * (1.0 - 0.4 * fractions[b]), 1.0))
        row: list[object] = [b, shot, round(0.2 * shot, 3)]
        if column:
            row.append(round(setpoints[b] + float(rng.normal(0.0, 0.002)), 6))
        row.append(round(charge, 4))
        row.append(round(float(rng.normal(310.0, 1.5)), 2))
        row.append(round(float(rng.normal(2400.0, 30.0)), 1))
        if kind != "legacy":
            row += [f"{timestamps[device][shot]:.6f}" for device in devices]
        rows.append(row)
    if kind == "jet_scan" and defects and len(rows) > 5:
        rows[2][2] = None  # a blank cell
        rows[4][header.index(CHARGE_COLUMN)] = float("nan")
    text = "\t".join(header) + "\n"
    text += "".join("\t".join(_format_cell(cell) for cell in row) + "\n" for row in rows)
    write_atomically(analysis_dir / f"s{number}.txt", text)
    logger.info("wrote demo scan %s (%s, %d shots)", scan_dir, kind, n_shots)
    return info


DEFAULT_DAY: tuple[tuple[int, str], ...] = (
    (1, "noscan"),
    (2, "jet_scan"),
    (3, "spectrum_scan"),
    (4, "optimization"),
    (5, "legacy"),
    (6, "no_camera"),
)


def build_demo_day(
    root: str | Path,
    *,
    experiment: str = EXPERIMENT,
    date: str | dt.date = DATE,
    image_shape: Sequence[int] = (256, 256),
    shots_per_bin: int = 10,
    n_bins: int = 10,
    seed: int = 0,
) -> DemoDay:
    """Build the demo day under ``root`` (the data root).

    Parameters
    ----------
    root : path
        Data root to create the day in.
    experiment, date :
        Where in the data root.
    image_shape : (int, int)
        Camera frame size (use 1024x1024 for benchmarks).
    shots_per_bin, n_bins : int
        Size of the main jet scan (scan 2).
    seed : int
        Seed of everything random.

    Returns
    -------
    DemoDay

    Notes
    -----
    A ``root`` that is new or empty gets a marker file (``.scan_analysis_demo``,
    see :func:`is_demo_root`), written first: it tells ``scan-analysis demo``
    that the folder holds only generated data and may be deleted. A folder that
    already held other files never gets one.

    Examples
    --------
    >>> import tempfile
    >>> day = build_demo_day(tempfile.mkdtemp(), image_shape=(64, 64), shots_per_bin=2, n_bins=3)
    >>> sorted(day.scans)
    [1, 2, 3, 4, 5, 6]
    >>> day.scans[2].kind
    'jet_scan'
    >>> is_demo_root(day.data_root)
    True
    """
    root = Path(root)
    if not root.exists() or (root.is_dir() and not any(root.iterdir())):
        root.mkdir(parents=True, exist_ok=True)
        (root / DEMO_MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
    elif not is_demo_root(root):
        logger.info("%s already holds other files: adding the demo day without a marker", root)
    day = parse_date(date)
    day_dir = day_dir_for(root, experiment, day)
    scans = {}
    for number, kind in DEFAULT_DAY:
        rng = np.random.default_rng([seed, number])
        scans[number] = write_demo_scan(
            day_dir,
            number,
            kind,
            rng=rng,
            image_shape=image_shape,
            n_bins=n_bins,
            shots_per_bin=shots_per_bin,
        )
    return DemoDay(data_root=root, experiment=experiment, date=day, day_dir=day_dir, scans=scans)


def build_demo_campaign(
    root: str | Path,
    dates: Sequence[str | dt.date],
    *,
    experiment: str = EXPERIMENT,
    seed: int = 0,
    **day_options: object,
) -> list[DemoDay]:
    """Several demo days under one data root: a campaign to reprocess.

    Parameters
    ----------
    root : path
        Data root.
    dates : sequence of str or date
        One demo day per date (each with the six scans of :func:`build_demo_day`).
    experiment : str
        Experiment folder.
    seed : int
        Seed of the first day; day ``i`` uses ``seed + i``, so days differ.
    **day_options
        ``image_shape``, ``shots_per_bin``, ``n_bins`` for every day.

    Examples
    --------
    >>> import tempfile
    >>> days = build_demo_campaign(
    ...     tempfile.mkdtemp(), ["2026-05-08", "2026-05-11"], image_shape=(32, 32), n_bins=2,
    ...     shots_per_bin=2)
    >>> [day.day_dir.name for day in days]
    ['26_0508', '26_0511']
    """
    return [
        build_demo_day(root, experiment=experiment, date=date, seed=seed + index, **day_options)
        for index, date in enumerate(dates)
    ]
