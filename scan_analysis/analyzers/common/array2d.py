"""Array2DScanAnalyzer: camera images of a scan, averaged per bin, with beam scalars."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scan_analysis.analyzers.common.single_device import SingleDeviceScanAnalyzer
from scan_analysis.data.scan_info import ScanKind
from scan_analysis.image.basic_analyzers import BasicImageAnalyzer
from scan_analysis.render import deferred
from scan_analysis.render.jobs import FigureJob
from scan_analysis.render.style import (
    colour_limits,
    downsample_for_display,
    format_parameter_values,
)


class Array2DScanAnalyzer(SingleDeviceScanAnalyzer):
    """Analyse a camera over a scan.

    No-scan: the averaged image with colour bar and the scalar histories (and,
    with ``renderer_kwargs: {animation: true}``, a GIF of the shots). 1-D
    or optimization scan: a montage of per-bin averages on one colour scale
    titled with the parameter values, and scalars against the parameter with
    error bars. Per-bin averages are saved as ``{analyzer_id}_bin_averages.npz``.
    Bins (or, in a no-scan, the average) with saturated shots are framed in red,
    their points on the scalar plots marked with red squares.

    Without ``image_analyzer`` the device's camera config is used (see
    :class:`SingleDeviceScanAnalyzer`), else :class:`BasicImageAnalyzer`.

    Examples
    --------
    >>> from scan_analysis import ScanTag
    >>> tag = ScanTag(year=2026, month=5, day=8, number=2, experiment="Undulator")
    >>> files = Array2DScanAnalyzer(device_name="UC_TopView").run_analysis(tag)  # doctest: +SKIP
    >>> Array2DScanAnalyzer("UC_TopView", config="UC_TopView")  # a config chosen by name
    Array2DScanAnalyzer(analyzer_id='UC_TopView')
    """

    default_image_analyzer = BasicImageAnalyzer
    config_kind = "2d"

    def _render(self) -> list[Path]:
        options = self.render_options
        calibration = self.image_analyzer.calibration
        numbers, values, label = self._parameter_axis()
        out = self.output_dir
        jobs: list[FigureJob] = []
        averages = {
            n: self.accumulator.bins[n].image.average for n in numbers if n in self.accumulator.bins
        }
        averages = {n: a for n, a in averages.items() if a is not None}
        shape = next(iter(averages.values())).shape if averages else None
        shown = {n: downsample_for_display(a, max_pixels=640)[0] for n, a in averages.items()}
        centroids = self._bin_centroids(numbers)
        saturated = self.saturation_by_bin()
        if self.bins.kind is ScanKind.NOSCAN:
            number = numbers[0]
            if number in shown:
                shots = self.accumulator.bins[number].shots
                jobs.append(
                    FigureJob(
                        deferred.save_average_image,
                        (shown[number], out / f"{self.analyzer_id}_average.png"),
                        {
                            "title": self._figure_title(f"average of {shots} shots"),
                            "options": options,
                            "offset": self.offset,
                            "calibration": calibration,
                            "centroid": centroids.get(number),
                            "rms": (
                                self._bin_mean(number, "x_rms"),
                                self._bin_mean(number, "y_rms"),
                            ),
                            "image_shape": shape,
                            "saturation": _saturation_label(saturated.get(number)),
                        },
                    )
                )
            shots = sorted(self.shot_scalars)
            histories = {
                name: [self.shot_scalars[s].get(name, np.nan) for s in shots]
                for name in self._plotted_scalars()
            }
            if histories:
                jobs.append(
                    FigureJob(
                        deferred.save_scalar_histories,
                        (shots, histories, out / f"{self.analyzer_id}_scalars.png"),
                        {
                            "title": self._figure_title("scalars per shot"),
                            "options": options,
                            "saturated_shots": sorted(self.saturated_shots()),
                        },
                    )
                )
        else:
            if shown:
                jobs.append(
                    FigureJob(
                        deferred.save_montage,
                        (
                            {n: downsample_for_display(a)[0] for n, a in shown.items()},
                            out / f"{self.analyzer_id}_montage.png",
                        ),
                        {
                            "titles": self._panel_titles(list(shown)),
                            "suptitle": self._figure_title(f"bin averages vs {label}"),
                            "options": options,
                            "offset": self.offset,
                            "calibration": calibration,
                            "centroids": centroids,
                            "image_shape": shape,
                            "saturated": {
                                n: _saturation_label(tally)
                                for n, tally in saturated.items()
                                if n in shown
                            },
                        },
                    )
                )
            jobs += self._scalars_vs_parameter_jobs(numbers, values, label, options)
        # the parent writes the per-bin arrays while the workers draw
        files = self._draw(jobs, meanwhile=lambda: self._save_bin_arrays(numbers, values))
        if self.bins.kind is ScanKind.NOSCAN and options.animation and averages:
            animation = self._save_animation(next(iter(averages.values())))
            files += [animation] if animation else []
        return files

    def _frame_request(self, files: dict[int, Path]) -> tuple[frozenset[int], int]:
        """A no-scan with ``animation: true``: at most ``max_frames`` shots, evenly spaced.

        Chosen among the shots with files before the analysis, so the workers
        return these shots' frames with their results and no shot is read twice.
        A frame is float32 at the GIF's size (its longer side ``figsize_inches``
        x ``dpi``), so the parent holds at most ``max_frames`` x side² x 4 bytes
        (the defaults, 100 frames of at most 440x440: under 78 MB) whatever the
        number of shots; frames of other shots are never made.
        """
        options = self.render_options
        if self.bins.kind is not ScanKind.NOSCAN or not options.animation or not self.save:
            return frozenset(), 0
        shots = sorted(files)
        if len(shots) > options.max_frames:
            keep = np.linspace(0, len(shots) - 1, options.max_frames).round().astype(int)
            shots = [shots[i] for i in keep]
        from scan_analysis.render.animation import DEFAULT_FRAME_INCHES

        side = round((options.figsize_inches or DEFAULT_FRAME_INCHES) * options.dpi)
        return frozenset(shots), side

    def _save_animation(self, average: np.ndarray) -> Path | None:
        """The no-scan's shots as a GIF (``renderer_kwargs: {animation: true}``).

        The frames came back from the analysis with the shots (see
        :meth:`_frame_request`), in data units; they are mapped to colours here,
        on the colour scale of the average image (known only once every shot is
        in). Shots that failed or are not of the averaged shape are left out.
        """
        from scan_analysis.render.animation import palette_indices, save_gif

        options = self.render_options
        shots = [
            s for s in sorted(self.shot_frames) if self.shot_shapes.get(s) == self.averaged_shape
        ]
        if not shots:
            return None
        vmin, vmax = colour_limits([average], options)
        frames = [palette_indices(self.shot_frames[s], vmin=vmin, vmax=vmax) for s in shots]
        self.shot_frames = {}  # written once; no need to hold them until the next scan
        return save_gif(
            frames,
            self.output_dir / f"{self.analyzer_id}_shots.gif",
            cmap=options.cmap,
            duration=options.duration,
            labels=[f"shot {s}" for s in shots],
        )

    def _panel_titles(self, numbers: list[int]) -> dict[int, str]:
        """Short: each bin's value and unit, its shots (the parameter is named in the title).

        The values share one number of decimals (``format_parameter_values``).
        """
        counted = {}
        for number in numbers:
            shots = self.accumulator.bins[number].shots
            counted[number] = f"{shots} shot" + ("" if shots == 1 else "s")
        if self.bins.kind is ScanKind.ONE_D and self.bins.parameter_column:
            values = format_parameter_values(
                [self.bins.values[n] for n in numbers], self.scan_parameter_unit()
            )
            return {n: f"{value} ({counted[n]})" for n, value in zip(numbers, values, strict=True)}
        return {n: f"bin {n} ({counted[n]})" for n in numbers}

    def _bin_mean(self, number: int, name: str) -> float:
        stats = self.accumulator.bins.get(number)
        return stats.scalars[name].value if stats and name in stats.scalars else float("nan")

    def _bin_centroids(self, numbers: list[int]) -> dict[int, tuple[float, float]]:
        """Bin-mean centroids worth drawing: a spot, not a frame-filling noise moment.

        Without background subtraction and a threshold the moments describe the
        whole frame; marking that "centroid" would mislead, so it is left out.
        """
        shapes = [
            b.image.total.shape for b in self.accumulator.bins.values() if b.image.total is not None
        ]
        limit = min(shapes[0]) / 4 if shapes else np.inf
        centroids = {}
        for n in numbers:
            cx, cy = self._bin_mean(n, "x_CoM"), self._bin_mean(n, "y_CoM")
            rms = max(self._bin_mean(n, "x_rms"), self._bin_mean(n, "y_rms"))
            if np.isfinite(cx) and np.isfinite(cy) and np.isfinite(rms) and rms < limit:
                centroids[n] = (cx, cy)
        return centroids


def _saturation_label(tally: tuple[int, int] | None) -> str | None:
    """``saturated: 3/10 shots`` for a bin's panel (None when none of its shots saturated)."""
    return f"saturated: {tally[0]}/{tally[1]} shots" if tally else None
