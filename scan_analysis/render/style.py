"""Shared figure options and labels."""

from __future__ import annotations

import functools
import math
import textwrap
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from scan_analysis.config.renderer_options import RendererOptions
from scan_analysis.data.atomic_files import atomic_output

if TYPE_CHECKING:  # drawing imports matplotlib; these helpers do not
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

SATURATION_COLOUR = "#e8000b"
"""The red of every saturation mark (frames, labels, markers)."""
PARTIAL_COLOUR = "#c05a00"
"""The colour of the title of a figure drawn from a partial scan."""
PARTIAL_TITLE_GID = "partial-scan"
"""``gid`` of the figure title of a partial scan (it names what is missing)."""
TITLE_FONT_SIZE = 11.0


RenderOptions = RendererOptions
"""What a config's ``scan.renderer_kwargs`` may set (the config layer's model)."""


def colour_limits(
    arrays: Sequence[np.ndarray | None],
    options: RendererOptions,
    *,
    unset: Literal["percentile", "range"] = "percentile",
) -> tuple[float, float]:
    """The colour scale of a figure: ``vmin``/``vmax`` given win, else ``colormap_mode``.

    ``sequential``: 0 to the maximum; ``diverging``: symmetric about 0;
    ``auto``: diverging when the data cross 0, else minimum to maximum;
    ``custom`` or unset: ``unset`` decides (1st to 99.9th percentile, or the range).

    Examples
    --------
    >>> data = [np.array([[-1.0, 4.0]])]
    >>> colour_limits(data, RenderOptions(colormap_mode="diverging"))
    (-4.0, 4.0)
    >>> colour_limits(data, RenderOptions(colormap_mode="sequential", vmax=2))
    (0.0, 2.0)
    """
    finite = [a[np.isfinite(a)] for a in arrays if a is not None and np.size(a)]
    values = np.concatenate([f.ravel() for f in finite]) if finite else np.array([0.0, 1.0])
    if not values.size:
        values = np.array([0.0, 1.0])
    low, high = float(values.min()), float(values.max())
    mode = options.colormap_mode
    if mode == "sequential":
        vmin, vmax = 0.0, high
    elif mode == "diverging" or (mode == "auto" and low < 0 < high):
        edge = max(abs(low), abs(high))
        vmin, vmax = -edge, edge
    elif mode == "auto" or unset == "range":
        vmin, vmax = low, high
    else:
        vmin, vmax = float(np.percentile(values, 1)), float(np.percentile(values, 99.9))
    vmin = float(options.vmin) if options.vmin is not None else vmin
    vmax = float(options.vmax) if options.vmax is not None else vmax
    if vmax <= vmin:
        vmax = vmin + 1.0
    return vmin, vmax


POSITION_STATISTICS = ("CoM", "rms", "fwhm", "peak_location")
"""Scalar names ending so are positions or sizes (``x_CoM``, ``y_45_fwhm``, a trace's ``rms``)."""


def scalar_label(name: str, *, prefix: str = "", position_unit: str = "px") -> tuple[str, float]:
    """Axis label with units for a scalar name, and the factor to apply to its values.

    Names ending in ``_m`` are metres (shown in mm); positions and sizes are in
    ``position_unit`` (camera pixels, or a trace's x unit); counts are counts.
    """
    bare = name[len(prefix) :] if prefix and name.startswith(prefix) else name
    if bare.endswith("_m"):
        return f"{bare[:-2].replace('_', ' ')} (mm)", 1e3
    if bare.endswith(POSITION_STATISTICS):
        return f"{bare.replace('_', ' ')} ({position_unit})", 1.0
    if bare in ("image_total", "image_peak_value", "peak_value", "mean", "min_value"):
        return f"{bare.replace('_', ' ')} (counts)", 1.0
    return bare.replace("_", " "), 1.0


PLAIN_RANGE = (1e-3, 1e5)
"""Largest magnitudes an axis shows as they are; outside, the axis label carries a power of ten."""
OFFSET_SPAN = 1e-5
"""Values spanning less than this fraction of their magnitude are shown as offsets from a
common value (matplotlib's "+1.7e9" above the axis): whole, their tick labels collide. Above
it, whole values read better (a centroid steady at 800 nm: 799.95 ... 800.05, not "+8e2")."""


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_of_ten_label(label: str, values: Any) -> tuple[str, float]:
    """An axis label carrying the power of ten of its values, and the factor to apply to them.

    The one rule of every figure that plots scalars: an axis whose largest
    magnitude is 10^5 or more, or under 10^-3, shows its values in units of
    a power of ten that is a multiple of 3 (tick labels of 1 to 3 digits),
    written in the label where the physicist reads the unit:
    ``image total (10⁶ counts)``, or ``charge (×10⁻⁹)`` without a unit.
    Other axes keep their numbers and label as they are. (Matplotlib would
    instead print "1e6" above the axis, where it is easily missed, and the
    axes that use this rule never show that offset text: see
    :func:`plain_tick_labels`.)

    Examples
    --------
    >>> power_of_ten_label("image total (counts)", [7.25e6, 7.8e6])
    ('image total (10⁶ counts)', 1e-06)
    >>> power_of_ten_label("charge", [2e-9, 5e-9])
    ('charge (×10⁻⁹)', 1000000000.0)
    >>> power_of_ten_label("x CoM (mm)", [2.5, 3.8])
    ('x CoM (mm)', 1.0)
    """
    if differ_far_behind_leading_digits(values):
        return label, 1.0  # shown as offsets from a common value instead: plain_tick_labels
    finite = np.abs(np.asarray(values, dtype=float))
    finite = finite[np.isfinite(finite) & (finite > 0)]
    if not finite.size:
        return label, 1.0
    largest = float(finite.max())
    if PLAIN_RANGE[0] <= largest < PLAIN_RANGE[1]:
        return label, 1.0
    exponent = 3 * math.floor(math.log10(largest) / 3)
    text, unit = split_unit(label)
    # superscript characters, not mathtext: matplotlib parses "$10^{6}$" with a grammar
    # that cost a scalars figure about a quarter of its drawing time
    power = "10" + str(exponent).translate(_SUPERSCRIPTS)
    scaled = f"{text} ({power} {unit})" if unit else f"{text} (×{power})"
    return scaled, 10.0**-exponent


def plain_tick_labels(axes: Axes, axis: Literal["x", "y", "both"] = "y") -> None:
    """Tick labels as the values themselves: no "1e6" multiplier, no "+8e2" offset above the axis.

    Both are easily missed; the power of ten, when there is one, is in the
    axis label (:func:`power_of_ten_label`). Call it once the data is plotted:
    an axis whose values differ only far behind their leading digits
    (timestamps: 1700000000.5, 1700000001.0) keeps matplotlib's offset, as
    whole values its tick labels would run into each other.
    """
    limits = {"x": axes.dataLim.intervalx, "y": axes.dataLim.intervaly}
    for name in ("x", "y") if axis == "both" else (axis,):
        if not differ_far_behind_leading_digits(limits[name]):
            axes.ticklabel_format(axis=name, style="plain", useOffset=False)


def differ_far_behind_leading_digits(values: Any) -> bool:
    """Whether finite values span less than 1/1000 of their largest magnitude (timestamps).

    Examples
    --------
    >>> differ_far_behind_leading_digits([1.7e9, 1.7e9 + 20.0])
    True
    >>> differ_far_behind_leading_digits([7.25e6, 7.8e6]), differ_far_behind_leading_digits([3.0])
    (False, False)
    """
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size < 2:
        return False
    largest = float(np.abs(finite).max())
    return largest > 0 and float(finite.max() - finite.min()) < OFFSET_SPAN * largest


def split_unit(label: str) -> tuple[str, str]:
    """A label and its unit, from ``centroid x (mm)`` (no unit: ``""``).

    Examples
    --------
    >>> split_unit("centroid x (mm)"), split_unit("peak")
    (('centroid x', 'mm'), ('peak', ''))
    """
    if label.endswith(")") and " (" in label:
        text, _, unit = label[:-1].rpartition(" (")
        return text, unit
    return label, ""


def parameter_label(column: str | None) -> str:
    """Axis label for the scan parameter column (alias first, device variable after)."""
    if not column:
        return "bin"
    if " Alias:" in column:
        device, alias = column.split(" Alias:", 1)
        return f"{alias} ({device})"
    return column


def short_parameter_name(column: str) -> str:
    """What a figure calls the scan parameter in axis labels and panel titles.

    The alias when the column has one, else the variable without its device
    (the full name is given once, in the figure title: :func:`parameter_title`).

    Examples
    --------
    >>> short_parameter_name("U_ESP_JetXYZ Position.Axis 1 Alias:JetX")
    'JetX'
    >>> short_parameter_name("U_ESP_JetXYZ Position.Axis 1")
    'Position.Axis 1'
    """
    if " Alias:" in column:
        return column.split(" Alias:", 1)[1].strip()
    device, _, variable = column.partition(" ")
    return variable.strip() or device


def with_unit(name: str, unit: str | None) -> str:
    """``JetX (mm)``, or the name alone when the unit is unknown."""
    return f"{name} ({unit})" if unit else name


def parameter_title(column: str, unit: str | None = None) -> str:
    """The scan parameter named in full, for a figure title.

    Examples
    --------
    >>> parameter_title("U_ESP_JetXYZ Position.Axis 1 Alias:JetX", "mm")
    'JetX = U_ESP_JetXYZ Position.Axis 1 (mm)'
    >>> parameter_title("U_ESP_JetXYZ Position.Axis 1")
    'U_ESP_JetXYZ Position.Axis 1'
    """
    if " Alias:" in column:
        device, alias = column.split(" Alias:", 1)
        return with_unit(f"{alias.strip()} = {device.strip()}", unit)
    return with_unit(column, unit)


def format_parameter_values(values: Sequence[float], unit: str | None = None) -> list[str]:
    """Bins' parameter values for the panels of one figure, to one number of decimals.

    Each value to 4 significant digits (``4.222``); then all of them to the
    most decimals any of them shows, so neighbouring panels
    read alike (``6.000 mm`` beside ``5.778 mm``, not ``6 mm``). Values that need
    an exponent keep it; so do infinities and NaN.

    Examples
    --------
    >>> format_parameter_values([3.999, 4.22222, 6.0], "mm")
    ['3.999 mm', '4.222 mm', '6.000 mm']
    >>> format_parameter_values([0.5, 1.0, 1.5]), format_parameter_values([100, 250])
    (['0.5', '1.0', '1.5'], ['100', '250'])
    >>> format_parameter_values([1e-6, 2.5e-6])
    ['1e-06', '2.5e-06']
    """
    texts = [f"{value:.4g}" for value in values]
    finite = [text for value, text in zip(values, texts, strict=True) if math.isfinite(value)]
    if not any("e" in text for text in finite):
        decimals = max((len(text.partition(".")[2]) for text in finite), default=0)
        texts = [
            f"{value:.{decimals}f}" if math.isfinite(value) else text
            for value, text in zip(values, texts, strict=True)
        ]
    return [f"{text} {unit}" if unit else text for text in texts]


def wrap_title(text: str, width_inches: float, *, fontsize: float = TITLE_FONT_SIZE) -> str:
    """Wrap each line of a title so it fits ``width_inches`` at ``fontsize``.

    Long legacy parameter names and operator descriptions otherwise run off
    the canvas. Breaks at spaces; a word longer than a line is split.
    """
    # DejaVu Sans averages about 0.6 em per character; keep a margin
    characters = max(12, int(width_inches * 72 / (0.56 * fontsize)))
    lines = []
    for line in text.splitlines() or [""]:
        lines += textwrap.wrap(line, characters, break_on_hyphens=False) or [""]
    return "\n".join(lines)


def figure_title_text(title: str, width_inches: float, *, partial: str | None = None) -> str:
    """The wrapped text :func:`set_figure_title` writes (to count its lines for a layout)."""
    if partial:
        title = f"{partial.upper()} (the s-file ends early)\n{title}"
    return wrap_title(title, width_inches - 0.2)


def set_figure_title(
    figure: Figure, title: str, *, partial: str | None = None, **text_options: Any
) -> None:
    """The figure's title (wrapped to its width); a partial scan's says so, in colour.

    ``partial`` (``"partial: 4 of 10 bins"``) becomes the title's first line,
    and the whole title is drawn in :data:`PARTIAL_COLOUR` with gid
    :data:`PARTIAL_TITLE_GID`, so a figure of some bins never passes for the
    whole scan.
    """
    if partial:
        text_options.update(color=PARTIAL_COLOUR, gid=PARTIAL_TITLE_GID)
    text = figure_title_text(title, figure.get_figwidth(), partial=partial)
    figure.suptitle(text, fontsize=TITLE_FONT_SIZE, **text_options)


def position_unit(image_config: Any) -> str:
    """Unit of an analyzer's position and size scalars: camera pixels, or a trace's x unit.

    Examples
    --------
    >>> from scan_analysis.image.config.models import load_image_config
    >>> position_unit(load_image_config({"type": "line", "metadata": {"x_units": "nm"}}))
    'nm'
    >>> position_unit(None)
    'px'
    """
    if image_config is None or getattr(image_config, "kind", "2d") == "2d":
        return "px"
    metadata = image_config.metadata
    return metadata.x_units if metadata and metadata.x_units else "x units"


def column_label(
    column: str,
    *,
    parameter_column: str | None = None,
    parameter_unit: str | None = None,
    position_units: Mapping[str, str] | None = None,
) -> tuple[str, float]:
    """Axis label (with units) for an s-file column, and the factor to apply to its values.

    Parameters
    ----------
    column : str
        The s-file column.
    parameter_column : str, optional
        The scan parameter's column, named in full with its unit as the
        ScatterPlotter's axis does (:func:`parameter_title`).
    parameter_unit : str, optional
        The scan parameter's unit (from
        :func:`~scan_analysis.config.parameter_units.resolve_parameter_unit`).
    position_units : mapping, optional
        Column prefix (device or analyzer id) → unit of its positions
        (:func:`position_unit`); an analysis column ``{prefix}_{scalar}`` is
        labelled by :func:`scalar_label`.

    Notes
    -----
    DAQ columns (``"U_BCaveICT Charge pC"``) carry their unit in the variable
    name and are shown as they are.

    Examples
    --------
    >>> column_label("UC_Spectrometer_CoM", position_units={"UC_Spectrometer": "nm"})
    ('UC_Spectrometer CoM (nm)', 1.0)
    >>> column_label("U_ESP_JetXYZ Position.Axis 1 Alias:JetX",
    ...              parameter_column="U_ESP_JetXYZ Position.Axis 1 Alias:JetX",
    ...              parameter_unit="mm")
    ('JetX = U_ESP_JetXYZ Position.Axis 1 (mm)', 1.0)
    """
    if parameter_column is not None and column == parameter_column:
        return parameter_title(column, parameter_unit), 1.0
    for analyzer_id in sorted(position_units or {}, key=len, reverse=True):
        prefix = f"{analyzer_id}_"
        if column.startswith(prefix) and len(column) > len(prefix):
            label, factor = scalar_label(
                column, prefix=prefix, position_unit=(position_units or {})[analyzer_id]
            )
            return f"{analyzer_id} {label}", factor
    return column, 1.0


def grid_shape(count: int) -> tuple[int, int]:
    """Rows and columns for ``count`` panels, close to square, wider than tall."""
    columns = max(1, math.ceil(math.sqrt(count)))
    rows = max(1, math.ceil(count / columns))
    return rows, columns


def downsample_for_display(image: np.ndarray, *, max_pixels: int = 320) -> tuple[np.ndarray, int]:
    """Block-average an image so its longer side is at most ``max_pixels``; returns it, the factor.

    Figures show a few hundred pixels per panel; drawing megapixel arrays only
    costs time. Edge rows and columns that do not fill a block are dropped; the
    result is float (the image's float type, else float64), a NaN spreads to its block.

    Examples
    --------
    >>> downsample_for_display(np.arange(16.0).reshape(4, 4), max_pixels=2)
    (array([[ 2.5,  4.5],
           [10.5, 12.5]]), 2)
    """
    factor = max(1, int(np.ceil(max(image.shape) / max_pixels)))
    if factor == 1:
        return image, 1
    height, width = (image.shape[0] // factor) * factor, (image.shape[1] // factor) * factor
    dtype = image.dtype if np.issubdtype(image.dtype, np.floating) else np.float64
    # whole rows added first, then every factor-th column: 16x faster on a megapixel
    # frame than a mean over a 4-d view's axes 1 and 3 (the parent does this per bin
    # after the last shot, before any figure can start)
    rows = image[:height, :width].reshape(height // factor, factor, width).sum(axis=1, dtype=dtype)
    blocks = rows[:, 0::factor].copy()
    for column in range(1, factor):
        blocks += rows[:, column::factor]
    blocks /= factor * factor
    return blocks, factor


def save(figure: Figure, path: Path, *, dpi: int, **savefig_kwargs: Any) -> Path:
    """Write a figure as PNG (creating the folder), atomically.

    The PNG goes to a temporary file renamed over ``path`` once complete, so an
    interrupted save (Ctrl-C, a full disk) never leaves an empty or truncated
    figure where the e-log and the apps look for it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    _png_canvas()(figure)  # matplotlib draws; the PNG is encoded by png_writer
    with atomic_output(path) as stream, _laid_out_once(figure, dpi):
        # layouts are set per figure; a "tight" bbox would draw twice
        figure.savefig(stream, format="png", dpi=dpi, **savefig_kwargs)
    return path


@functools.cache
def _png_canvas() -> type:
    """matplotlib's Agg canvas, writing PNGs with :func:`.png_writer.write_rgba_png`.

    ``savefig`` does everything as usual (dpi, colours, drawing); only the
    pixels' encoding into a file changes, so a figure's pixels are matplotlib's.
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from scan_analysis.render.png_writer import write_rgba_png

    software = f"Matplotlib version{matplotlib.__version__}, https://matplotlib.org/"

    class PngCanvas(FigureCanvasAgg):
        # print_figure passes dpi, facecolor... to print methods outside matplotlib; it
        # has applied them already (and filters them out for Agg's own print_png)
        def print_png(self, filename_or_obj, *, metadata=None, pil_kwargs=None, **_):
            if pil_kwargs or not hasattr(filename_or_obj, "write"):
                return super().print_png(filename_or_obj, metadata=metadata, pil_kwargs=pil_kwargs)
            FigureCanvasAgg.draw(self)
            text = {"Software": software, **(metadata or {})}
            write_rgba_png(
                filename_or_obj,
                np.asarray(self.buffer_rgba()),
                dpi=self.figure.dpi,
                text={key: value for key, value in text.items() if value is not None},
            )

    return PngCanvas


@contextmanager
def _laid_out_once(figure: Figure, dpi: float) -> Iterator[None]:
    """Run the figure's layout engine once, at the output ``dpi``, then draw without it.

    ``savefig`` of a figure with a layout engine draws it twice (once, not
    rendered, to lay it out; then for real, laying it out again); laid out
    here, the figure is drawn once. The engine and dpi are put back afterwards.
    """
    engine = figure.get_layout_engine()
    if engine is None or not figure.axes:
        yield
        return
    old_dpi = figure.dpi
    figure.set_dpi(dpi)
    try:
        engine.execute(figure)
        figure.set_layout_engine(None)
        yield
    finally:
        figure.set_layout_engine(engine)
        figure.set_dpi(old_dpi)


def save_arrays(path: Path, **arrays: Any) -> Path:
    """Write arrays as an uncompressed ``.npz`` (creating the folder), atomically like :func:`save`.

    The file is what ``numpy.savez`` writes (``numpy.load`` reads it the same).
    A list of arrays of one shape and dtype is stored stacked, as ``savez``
    stacks it, but each is written straight into the file: the per-bin averages
    of a scan (80 MB of float64 for ten megapixel bins) are neither stacked
    in memory nor copied on the way, as ``savez`` does twice.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        atomic_output(path) as stream,
        zipfile.ZipFile(stream, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as npz,
    ):
        for name, value in arrays.items():
            parts = _stackable(value)
            with npz.open(f"{name}.npy", mode="w", force_zip64=True) as member:
                if parts is None:
                    np.lib.format.write_array(member, np.asanyarray(value), allow_pickle=False)
                    continue
                header = np.lib.format.header_data_from_array_1_0(parts[0])
                header["shape"] = (len(parts), *parts[0].shape)
                np.lib.format.write_array_header_1_0(member, header)
                for part in parts:
                    member.write(memoryview(part).cast("B"))
    return path


def _stackable(value: Any) -> list[np.ndarray] | None:
    """``value`` as C-contiguous arrays of one shape and dtype, to be stored stacked; else None."""
    if not isinstance(value, list | tuple) or not value:
        return None
    if not all(isinstance(part, np.ndarray) for part in value):
        return None
    first = value[0]
    if any(part.shape != first.shape or part.dtype != first.dtype for part in value):
        return None
    if first.dtype.hasobject or first.ndim == 0:
        return None
    return [np.ascontiguousarray(part) for part in value]
