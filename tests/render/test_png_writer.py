"""Figures' PNGs are encoded by png_writer: matplotlib's pixels, metadata and dpi, fewer bytes."""

import io
import zlib

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from scan_analysis.render import RenderOptions
from scan_analysis.render.images import draw_montage
from scan_analysis.render.png_writer import write_rgba_png
from scan_analysis.render.scalars import draw_scalars_vs_parameter
from scan_analysis.render.style import save


def _matplotlibs_own_png(figure: Figure, dpi: int) -> bytes:
    """The figure as matplotlib writes it through Pillow."""
    buffer = io.BytesIO()
    FigureCanvasAgg(figure)
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _montage() -> Figure:
    rng = np.random.default_rng(3)
    y, x = np.mgrid[0:120, 0:160]
    images = {
        n: (
            1000 * np.exp(-((x - 60 - 5 * n) ** 2 + (y - 60) ** 2) / 400)
            + rng.normal(0, 20, x.shape)
        )
        for n in range(1, 8)
    }
    return draw_montage(
        images,
        titles={n: f"{0.5 * n:.1f} mm, 20 shots" for n in images},
        suptitle="UC_TopView bin averages vs jet position",
        centroids={n: (60.0 + 5 * n, 60.0) for n in images},
        saturated={3: "saturated: 2/20 shots"},
    )


def _scalars() -> Figure:
    values = np.linspace(4, 6, 9)
    rng = np.random.default_rng(4)
    statistics = {
        "image_total": (rng.normal(2e8, 1e7, 9) * values, rng.normal(1e7, 1e6, 9), np.full(9, 10)),
        "x_rms_m": (rng.normal(1e-4, 1e-5, 9), rng.normal(1e-5, 1e-6, 9), np.full(9, 10)),
    }
    return draw_scalars_vs_parameter(
        values,
        statistics,
        parameter_label="Jet position (mm)",
        title="UC_TopView scalars vs jet position",
        saturated=[False, True] + [False] * 7,
    )


@pytest.mark.parametrize("draw", [_montage, _scalars], ids=["montage", "scalars_vs_parameter"])
def test_a_saved_figure_has_matplotlibs_pixels_dpi_and_metadata_in_fewer_bytes(draw, tmp_path):
    dpi = RenderOptions().dpi
    theirs = _matplotlibs_own_png(draw(), dpi)
    ours = save(draw(), tmp_path / "figure.png", dpi=dpi).read_bytes()
    their_image, our_image = Image.open(io.BytesIO(theirs)), Image.open(io.BytesIO(ours))
    assert our_image.mode == their_image.mode == "RGBA"
    assert np.array_equal(np.asarray(our_image), np.asarray(their_image))
    assert our_image.info == their_image.info  # dpi and "Software: Matplotlib version..."
    assert "Software" in our_image.info
    assert len(ours) < len(theirs)


def test_pixels_metadata_and_chunk_checksums_survive_a_strict_decoder():
    rgba = np.random.default_rng(5).integers(0, 256, (7, 5, 4), dtype=np.uint8)
    buffer = io.BytesIO()
    write_rgba_png(buffer, rgba, dpi=96, text={"Title": "Scan 3", "Author": "UC_TopView"})
    data = buffer.getvalue()
    Image.open(io.BytesIO(data)).verify()  # checks every chunk's CRC
    image = Image.open(io.BytesIO(data))
    assert np.array_equal(np.asarray(image), rgba)
    assert image.info["Title"] == "Scan 3" and image.info["Author"] == "UC_TopView"
    assert image.info["dpi"] == pytest.approx((96, 96), abs=0.02)  # stored per metre
    # every row unfiltered (filter byte 0), as the module says
    start = data.index(b"IDAT") + 4
    length = int.from_bytes(data[start - 8 : start - 4], "big")
    rows = np.frombuffer(zlib.decompress(data[start : start + length]), np.uint8).reshape(7, -1)
    assert rows[:, 0].tolist() == [0] * 7


def test_pixels_that_are_not_rgba_bytes_are_refused():
    with pytest.raises(ValueError, match=r"expected \(height, width, 4\) uint8 pixels"):
        write_rgba_png(io.BytesIO(), np.zeros((4, 4, 3), np.uint8), dpi=100)
