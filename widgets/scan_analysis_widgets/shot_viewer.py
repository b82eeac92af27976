"""One shot of one device: raw, or processed through an analyzer config, with its scalars.

viewer = ShotViewer()
viewer.show_scan(paths, sfile, analyzers={"UC_TopView": config, ...})
viewer.device.value = "UC_TopView"
viewer.analyzer.value = "UC_TopView"        # or "raw"
viewer.show_shot(12)
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import ipywidgets
import pandas as pd

from scan_analysis.config import DiagnosticAnalysisConfig, create_image_analyzer
from scan_analysis.data.readers import read_shot
from scan_analysis.data.scan_paths import ScanPaths
from scan_analysis.data.shot_files import map_shots_to_files
from scan_analysis.image.base import ImageAnalyzer
from scan_analysis.render.style import position_unit, scalar_label
from scan_analysis.scan_catalog import DeviceFolder, device_folders
from scan_analysis_widgets.array_view import array_to_png, display_options
from scan_analysis_widgets.message_area import MessageArea

logger = logging.getLogger(__name__)

RAW = "raw"
IMAGE_WIDTH_PX = 620


@dataclass
class _Prepared:
    """An image analyzer made ready for one scan (its folders, dynamic background)."""

    analyzer: ImageAnalyzer
    config: DiagnosticAnalysisConfig


def analyzers_for_folder(
    folder: DeviceFolder, configs: Mapping[str, DiagnosticAnalysisConfig]
) -> list[str]:
    """Names of the per-shot analyzer configs that read this device folder."""
    return [
        name
        for name, config in configs.items()
        if config.scan_analyzer is None
        and f"{config.device}{config.scan.directory_suffix}" == folder.stem
    ]


class ShotViewer(ipywidgets.VBox):
    """Device, analyzer and shot pickers above the shot's figure and scalars.

    Attributes
    ----------
    device : ipywidgets.Dropdown
        Device folder of the scan (class ``sa-shot-device``).
    analyzer : ipywidgets.Dropdown
        ``"raw"`` or an analyzer config for the device (class ``sa-shot-analyzer``).
    shot : ipywidgets.SelectionSlider
        Shot numbers that have a file (class ``sa-shot-slider``).
    image : ipywidgets.Image
        The shot (class ``sa-shot-image``).
    scalars : ipywidgets.HTML
        The analyzer's scalars for the shot (class ``sa-shot-scalars``).
    """

    def __init__(self, **kwargs) -> None:
        self.device = ipywidgets.Dropdown(description="Device", layout={"width": "320px"})
        self.analyzer = ipywidgets.Dropdown(description="View", layout={"width": "280px"})
        self.shot = ipywidgets.SelectionSlider(
            options=[0], description="Shot", continuous_update=False, layout={"width": "600px"}
        )
        self.image = ipywidgets.Image(format="png", layout={"width": f"{IMAGE_WIDTH_PX}px"})
        self.scalars = ipywidgets.HTML()
        self.message = MessageArea()
        for widget, css in (
            (self.device, "sa-shot-device"),
            (self.analyzer, "sa-shot-analyzer"),
            (self.shot, "sa-shot-slider"),
            (self.image, "sa-shot-image"),
            (self.scalars, "sa-shot-scalars"),
        ):
            widget.add_class(css)
        super().__init__(
            [
                ipywidgets.HBox([self.device, self.analyzer]),
                self.shot,
                self.image,
                self.scalars,
                self.message,
            ],
            **kwargs,
        )
        self.paths: ScanPaths | None = None
        self.sfile: pd.DataFrame | None = None
        self.configs: dict[str, DiagnosticAnalysisConfig] = {}
        self.folders: dict[str, DeviceFolder] = {}
        self.files: dict[int, Path] = {}
        self._prepared: dict[str, _Prepared] = {}
        self._loaders: dict[str, ImageAnalyzer] = {}
        self._holding = False
        self.device.observe(self._device_chosen, names="value")
        self.analyzer.observe(self._redraw, names="value")
        self.shot.observe(self._redraw, names="value")

    # --- choosing -----------------------------------------------------------------------------
    def show_scan(
        self,
        paths: ScanPaths | None,
        sfile: pd.DataFrame | None,
        *,
        configs: Mapping[str, DiagnosticAnalysisConfig] | None = None,
    ) -> None:
        """Offer a scan's devices (None clears the viewer)."""
        self.paths, self.sfile = paths, sfile
        self.configs = dict(configs or {})
        self._prepared, self._loaders = {}, {}
        self.message.clear()
        self.folders = {}
        if paths is not None:
            columns = sfile.columns if sfile is not None else []
            self.folders = {f.stem: f for f in device_folders(paths.scan_dir, columns)}
        stems = sorted(self.folders, key=self._device_order)
        self.device.options = stems
        self.device.value = stems[0] if stems else None
        if not stems:
            self._clear()
            if paths is not None:
                self.message.info(f"{paths.scan_dir} has no device folders")

    def _device_order(self, stem: str) -> tuple[int, str]:
        """Devices with an analyzer config first, by the config's priority; then by name."""
        priorities = [
            self.configs[name].scan.priority
            for name in analyzers_for_folder(self.folders[stem], self.configs)
        ]
        return (min(priorities) if priorities else 10**6, stem)

    def _device_chosen(self, _change) -> None:
        folder = self.folders.get(self.device.value) if self.device.value else None
        if folder is None or self.paths is None:
            self._clear()
            return
        self._holding = True
        try:
            self.analyzer.options = [RAW, *analyzers_for_folder(folder, self.configs)]
            self.analyzer.value = RAW
            self.files = self._map_files(folder)
            shots = sorted(self.files)
            self.shot.options = shots or [0]
            self.shot.value = shots[0] if shots else 0
            self.shot.disabled = not shots
        finally:
            self._holding = False
        if not self.files:
            self._clear(keep_message=True)
            return
        self.draw()

    def _map_files(self, folder: DeviceFolder) -> dict[int, Path]:
        if self.sfile is None:
            self.message.error(
                f"no s-file for {self.paths.tag}: shots cannot be matched to {folder.stem} files "
                "(the DAQ writes the s-file when the scan ends)"
            )
            return {}
        files = map_shots_to_files(
            self.sfile,
            self.paths.scan_dir,
            folder.device,
            directory_suffix=folder.directory_suffix,
            scan_number=self.paths.tag.number,
        )
        if not files:
            self.message.info(f"no {folder.stem} file matches a shot of the s-file")
        return files

    def show_shot(self, shot: int) -> None:
        """Move the slider to a shot (one that has a file)."""
        if shot not in self.files:
            have = sorted(self.files)
            raise ValueError(
                f"no {self.device.value} file for shot {shot}; shots with files: "
                f"{have[0]}–{have[-1]}"
                if have
                else f"no {self.device.value} files in this scan"
            )
        self.shot.value = shot

    def _redraw(self, _change) -> None:
        if not self._holding:
            self.draw()

    # --- drawing ------------------------------------------------------------------------------
    def draw(self) -> None:
        """Draw the chosen shot; a bad file or config becomes a message."""
        shot, stem, choice = self.shot.value, self.device.value, self.analyzer.value
        path = self.files.get(shot)
        if path is None:
            return
        title = f"{stem} · shot {shot} · {choice}"
        try:
            if choice == RAW:
                loader = self._loader(stem)
                array = loader.load(path) if loader is not None else read_shot(path)
                options = display_options(loader.config if loader is not None else None)
                self.image.value = array_to_png(array, title=title, **options)
                self.scalars.value = ""
            else:
                prepared = self._prepare(choice)
                result = prepared.analyzer.analyze_image_file(path)
                options = display_options(prepared.config.image)
                if prepared.analyzer.kind == "2d":
                    roi = prepared.config.image.roi if prepared.config.image else None
                    options["offset"] = (
                        (roi.x_min or 0, roi.y_min or 0) if roi is not None else (0, 0)
                    )
                self.image.value = array_to_png(result.processed, title=title, **options)
                unit = position_unit(prepared.config.image)
                self.scalars.value = scalars_table(result.scalars, position_unit=unit)
            self.message.clear()
        except Exception as error:
            self.image.value = b""
            self.scalars.value = ""
            self.message.show_error(error, action=f"shot {shot} ({path.name})")

    def _loader(self, stem: str) -> ImageAnalyzer | None:
        """An analyzer of the device's first config, to read raw shots as it does.

        It knows the config's ``bit_depth`` (data shifted up by LabVIEW writers)
        and ``data_loading`` (trace columns), and the units to label axes with.
        """
        names = analyzers_for_folder(self.folders[stem], self.configs)
        if not names:
            return None
        key = f"raw:{names[0]}"
        if key not in self._loaders:
            self._loaders[key] = create_image_analyzer(self.configs[names[0]])
        return self._loaders[key]

    def _prepare(self, name: str) -> _Prepared:
        prepared = self._prepared.get(name)
        if prepared is None:
            config = self.configs[name]
            analyzer = create_image_analyzer(config)
            analyzer.prepare_scan(
                [self.files[s] for s in sorted(self.files)],
                scan_dir=self.paths.scan_dir,
                analysis_dir=self.paths.output_dir(config.name),
            )
            prepared = self._prepared[name] = _Prepared(analyzer, config)
        return prepared

    def _clear(self, *, keep_message: bool = False) -> None:
        self.image.value = b""
        self.scalars.value = ""
        if not keep_message:
            self.message.clear()


def scalars_table(scalars: Mapping[str, float], *, position_unit: str = "px") -> str:
    """The scalars of one shot as a small two-column HTML table, labelled with units."""
    if not scalars:
        return "<i>no scalars</i>"
    rows = []
    for name, value in scalars.items():
        label, factor = scalar_label(name, position_unit=position_unit)
        number = value * factor if value == value else value
        rows.append(
            f"<tr><td style='padding:1px 12px 1px 0'>{html.escape(label)}</td>"
            f"<td style='text-align:right; font-family:monospace'>{number:.5g}</td></tr>"
        )
    return f"<table style='font-size:13px'>{''.join(rows)}</table>"
