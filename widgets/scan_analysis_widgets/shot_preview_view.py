"""Pick a day, scan and shot; run a config on it in the background; show raw | processed + scalars.

    view = ShotPreviewView(config_source=lambda: (config, path))
    view.select("Undulator", "2026-05-08", 2, shot=12)
    view.run.click()           # returns at once; view.job.wait(60) in scripts and tests

The config comes from ``config_source()`` each time (the editor passes the
unsaved values being edited). The shot is found and processed by
:func:`scan_analysis.shot_preview.preview_shot`; nothing is written.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets

from scan_analysis.config.diagnostic_models import DiagnosticAnalysisConfig
from scan_analysis.data.scan_paths import day_dir_for, resolve_data_root
from scan_analysis.data.scan_tag import ScanTag, parse_date
from scan_analysis.errors import ScanAnalysisError
from scan_analysis.scan_catalog import list_days, list_experiments, summarize_day
from scan_analysis.shot_preview import ShotPreview, preview_shot, shot_files
from scan_analysis_widgets.array_view import array_to_png, display_options
from scan_analysis_widgets.background_job import BackgroundJob
from scan_analysis_widgets.message_area import MessageArea, describe_error

logger = logging.getLogger(__name__)

ConfigSource = Callable[[], tuple[DiagnosticAnalysisConfig, Path | None]]
IMAGE_WIDTH_PX = 300
FIGSIZE = (IMAGE_WIDTH_PX / 100, 2.7)


class ShotPreviewView(ipywidgets.VBox):
    """Preview one shot through the config being edited.

    Parameters
    ----------
    config_source : callable
        Returns ``(config, source_path)``; raises ``ConfigError`` when the
        values being edited are invalid.
    data_root : path, optional
        Default: the data root resolution order (env, lab ini).

    Attributes
    ----------
    job : BackgroundJob
        The preview run (``state``, ``error``; ``result`` is a ShotPreview).
    preview : ShotPreview or None
        The last result.
    """

    def __init__(
        self, config_source: ConfigSource, *, data_root: str | os.PathLike | None = None
    ) -> None:
        self.config_source = config_source
        self.preview: ShotPreview | None = None
        self.status = MessageArea()
        self.status.add_class("sa-preview-status")
        self.root = ipywidgets.Text(
            description="data root",
            placeholder="folder holding {experiment}/Y{YYYY}/...",
            continuous_update=False,
            layout={"width": "560px"},
        )
        self.root.add_class("sa-preview-root")
        narrow = {"width": "190px"}
        self.experiment = ipywidgets.Dropdown(description="experiment", layout=narrow)
        self.experiment.add_class("sa-preview-experiment")
        self.date = ipywidgets.Dropdown(description="date", layout=narrow)
        self.date.add_class("sa-preview-date")
        self.scan = ipywidgets.Dropdown(description="scan", layout={"width": "560px"})
        self.scan.add_class("sa-preview-scan")
        self.shot = ipywidgets.Dropdown(description="shot", layout={"width": "370px"})
        self.shot.add_class("sa-preview-shot")
        self.run = ipywidgets.Button(
            description="Preview shot", icon="play", button_style="primary"
        )
        self.run.add_class("sa-preview-run")
        self.run.on_click(lambda _: self.start())
        self.progress = ipywidgets.HTML("")
        image_layout = {"width": f"{IMAGE_WIDTH_PX}px"}
        self.raw_image = ipywidgets.Image(format="png", layout=image_layout)
        self.processed_image = ipywidgets.Image(format="png", layout=image_layout)
        # hidden until there is a preview: an empty Image is drawn as a broken-image icon
        self.images = ipywidgets.HBox(
            [self.raw_image, self.processed_image], layout={"display": "none"}
        )
        self.images.add_class("sa-preview-images")
        self.scalars = ipywidgets.HTML("")
        self.scalars.add_class("sa-preview-scalars")
        self.job = BackgroundJob(name="shot preview")
        self.job.observe(self._job_state, "state")
        super().__init__(
            [
                self.root,
                ipywidgets.HBox([self.experiment, self.date]),
                self.scan,
                ipywidgets.HBox([self.shot, self.run, self.progress]),
                self.status,
                self.images,
                self.scalars,
            ]
        )
        self.add_class("sa-shot-preview")
        self._quiet = False
        self.root.observe(lambda _: self._load_experiments(), "value")
        self.experiment.observe(lambda _: self._load_days(), "value")
        self.date.observe(lambda _: self._load_scans(), "value")
        self.scan.observe(lambda _: self.load_shots(), "value")
        try:
            self.root.value = str(resolve_data_root(data_root))
        except ScanAnalysisError as error:
            self.status.info(f"{describe_error(error)} (or type a data root above)")

    # --- pickers ----------------------------------------------------------------------------
    @property
    def data_root(self) -> Path | None:
        text = self.root.value.strip()
        return Path(text) if text else None

    def _load_experiments(self) -> None:
        root = self.data_root
        if root is None:
            return
        if not root.is_dir():
            self.status.error(f"data root {root} does not exist; type the folder holding the data")
            self.experiment.options = []
            return
        experiments = list_experiments(root)
        if not experiments:
            self.status.error(f"{root} holds no experiment folders with data; check the data root")
        else:
            self.status.clear()
        _offer(self.experiment, experiments)

    def _load_days(self) -> None:
        root, experiment = self.data_root, self.experiment.value
        days = list_days(root, experiment) if root and experiment else []
        _offer(self.date, [(day.isoformat(), day) for day in reversed(days)])  # newest first

    def _load_scans(self) -> None:
        root, experiment, date = self.data_root, self.experiment.value, self.date.value
        if not (root and experiment and date):
            self.scan.options = []
            return
        summaries = summarize_day(day_dir_for(root, experiment, date))
        _offer(self.scan, [(summary.label(), summary.number) for summary in summaries])
        if not summaries:
            self.status.info(f"{experiment} {date.isoformat()} has no scans")

    def tag(self) -> ScanTag | None:
        """The chosen scan, or None."""
        if self.experiment.value is None or self.date.value is None or self.scan.value is None:
            return None
        return ScanTag.from_date(
            self.date.value, number=self.scan.value, experiment=self.experiment.value
        )

    def load_shots(self) -> None:
        """List the shots of the chosen scan that have a file of the config's device."""
        tag = self.tag()
        if tag is None:
            self.shot.options = []
            return
        try:
            config, _ = self.config_source()
        except ScanAnalysisError as error:  # nothing to preview yet: say so, quietly
            self.shot.options = []
            self.status.info(f"shots are listed for a valid analyzer config ({error})")
            return
        try:
            files = shot_files(config, tag, data_root=self.data_root)
        except ScanAnalysisError as error:
            self.shot.options = []
            self.status.show_error(error, action="listing the shots")
            return
        _offer(self.shot, [(f"{shot}  ({files[shot].name})", shot) for shot in sorted(files)])
        if not files:
            self.status.error(
                f"{tag}: no {config.device}{config.scan.directory_suffix} files; pick another "
                "scan, or check scan.device and scan.directory_suffix"
            )
        else:
            self.status.clear()

    def select(
        self, experiment: str, date: str | dt.date, scan: int, shot: int | None = None
    ) -> None:
        """Choose a scan (and shot) as a person would in the pickers."""
        self.experiment.value = experiment
        self.date.value = parse_date(date) if isinstance(date, str) else date
        self.scan.value = scan
        if shot is not None:
            self.shot.value = shot

    # --- running ----------------------------------------------------------------------------
    def start(self) -> None:
        """Run the preview in the background (the button's action); returns at once."""
        tag = self.tag()
        if tag is None:
            self.status.error("choose an experiment, a date and a scan first")
            return
        if self.job.running:
            self.status.info("a preview is already running")
            return
        try:
            config, source = self.config_source()
        except ScanAnalysisError as error:
            self.status.show_error(error, action="the config cannot be previewed")
            return
        if self.shot.value is None:
            self.load_shots()
        self.run.disabled = True
        self.progress.value = "<i>running…</i>"
        self.status.clear()
        self.job.start(
            preview_shot, config, tag, self.shot.value, data_root=self.data_root, source=source
        )

    def _job_state(self, change: dict[str, Any]) -> None:
        if change["new"] == "running":
            return
        self.run.disabled = False
        self.progress.value = ""
        if change["new"] == "failed":
            self.status.error(self.job.error)
            return
        if change["new"] != "done":
            return
        try:
            self.show(self.job.result)
        except Exception as error:  # a drawing problem becomes a message, never a traceback
            self.status.show_error(error, action="drawing the preview")

    def show(self, preview: ShotPreview) -> None:
        """Draw a preview: raw and processed side by side, the scalars below."""
        self.preview = preview
        options = display_options(preview.image_config)
        options["kind"] = preview.kind
        common = {"figsize": FIGSIZE, **options}
        self.raw_image.value = array_to_png(
            preview.raw, title=f"raw · shot {preview.shot}", **common
        )
        self.processed_image.value = array_to_png(
            preview.processed, title="processed", offset=preview.offset, **common
        )
        self.images.layout.display = "flex"
        rows = "".join(
            f"<tr><td style='padding:0 12px 0 0'>{html.escape(name)}</td>"
            f"<td style='text-align:right'>{value:.5g}</td></tr>"
            for name, value in sorted(preview.scalars.items())
        )
        self.scalars.value = (
            f"<div style='font-size:13px'><b>{len(preview.scalars)} scalars</b> of shot "
            f"{preview.shot} ({html.escape(preview.path.name)})"
            f"<table style='columns:2; font-family:monospace'>{rows}</table></div>"
        )
        self.status.info(f"shot {preview.shot} of {self.tag()}: {preview.path.name}")


def _offer(dropdown: ipywidgets.Dropdown, options: list[Any]) -> None:
    """New options for a picker, keeping its choice when still offered, else the first."""
    keep = dropdown.value
    values = [option[1] if isinstance(option, tuple) else option for option in options]
    dropdown.options = options
    if values:
        dropdown.value = keep if keep in values else values[0]
