"""ConfigEditor driven from Python as a person drives it: fields, buttons, the tree."""

from __future__ import annotations

import difflib
import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
import typing
from pathlib import Path

import pytest
from PIL import Image
from pydantic import Field
from scan_analysis_widgets.config_editor import ConfigEditor
from unprivileged import unprivileged_command

from scan_analysis.config import ConfigTree, diagnostic_models
from scan_analysis.config.diagnostic_models import (
    DiagnosticAnalysisConfig,
    ScanRuntimeConfig,
)
from scan_analysis.config.renderer_options import RendererOptions
from scan_analysis.image.config.models import CameraConfig, LineConfig

REPO_CONFIGS = Path(__file__).resolve().parents[2] / "scan_analysis_configs"
DEADLINE = 120.0


@pytest.fixture
def config_root(tmp_path) -> Path:
    """A writable copy of the repository's config tree."""
    root = tmp_path / "configs"
    shutil.copytree(REPO_CONFIGS, root)
    return root


def _diff(before: bytes, after: bytes) -> list[str]:
    lines = difflib.ndiff(before.decode().splitlines(), after.decode().splitlines())
    return [line for line in lines if line[:2] in ("- ", "+ ")]


# --- the must-show path: a bad value, its message, a good value saved ---------------------------
def test_a_bad_value_shows_its_message_and_a_good_one_saves_only_its_line(config_root):
    editor = ConfigEditor(config_root, open_file="UC_TopView")
    path = config_root / "analyzers" / "Undulator" / "UC_TopView.yaml"
    before = path.read_bytes()
    assert editor.current == "analyzers/Undulator/UC_TopView.yaml"
    assert (editor.valid, editor.dirty) == (True, False)
    assert editor.save_button.disabled  # nothing to save yet

    threshold = editor.form.fields["image.thresholding.value"]
    threshold.widget.value = "thirty"
    assert not editor.valid and editor.dirty
    assert "valid number" in threshold.message.value
    assert "sa-field-invalid" in threshold._dom_classes
    assert editor.save() is False
    assert "Not saved: 1 problem" in editor.status.text
    assert path.read_bytes() == before  # an invalid config is never written

    threshold.widget.value = "45"
    assert editor.valid and threshold.message.value == ""
    editor.save_button.click()
    assert editor.status.text == "Saved analyzers/Undulator/UC_TopView.yaml"
    assert _diff(before, path.read_bytes()) == ["-     value: 30", "+     value: 45"]
    assert not editor.dirty and editor.save_button.disabled
    assert ConfigTree(config_root).load_analyzer("UC_TopView").image.thresholding.value == 45


def test_a_problem_of_a_whole_section_is_shown_on_its_header(config_root):
    editor = ConfigEditor(config_root, open_file="UC_TopView")
    editor.field("image.roi.x_min").value = "300"
    roi = editor.section("image.roi")
    (problem,) = roi.problems
    assert problem.startswith("x_min (300.0) must be less than x_max (248.0)")
    assert editor.form.fields["image.roi.x_min"].problems == []
    editor.field("image.roi.x_min").value = "8"
    assert roi.problems == [] and editor.valid and not editor.dirty


def test_every_key_of_the_models_has_a_control_with_its_description(config_root):
    editor = ConfigEditor(config_root, open_file="UC_TopView")
    for name in ("image.transforms", "image.vignette", "image.circular_mask"):
        editor.section(name).use.value = True  # optional sections show their keys when used

    def expect(model, prefix):
        for field_name, info in model.model_fields.items():
            key = f"{prefix}.{info.alias or field_name}"
            inner = typing.get_args(info.annotation) or (info.annotation,)
            if any(isinstance(a, type) and issubclass(a, CameraConfig.__base__) for a in inner):
                continue  # nested sections: checked when used
            if key in editor.form.sections:
                continue
            if key.endswith("crosshairs"):
                continue  # rows, checked below
            control = editor.field(key)
            assert control.tooltip == info.description, key

    expect(CameraConfig, "image")
    expect(ScanRuntimeConfig, "scan")
    for section in ("background", "roi", "thresholding", "transforms", "vignette"):
        model = CameraConfig.model_fields[section].annotation.__args__[0]
        expect(model, f"image.{section}")
    assert editor.field("image.crosshair_masking.crosshairs.0.center").value == "[192, 64]"
    expect(RendererOptions, "scan.renderer_kwargs")  # a model: one control per figure option
    kinds = {
        "scan.mode": "Dropdown",
        "scan.save": "Checkbox",
        "scan.priority": "Text",
        "image.pipeline.steps": "TagsInput",
        "scan.renderer_kwargs.cmap": "Text",
        "scan.renderer_kwargs.colormap_mode": "Dropdown",
        "scan.renderer_kwargs.animation": "Checkbox",
    }
    for key, kind in kinds.items():
        assert type(editor.field(key)).__name__ == kind, key
    assert editor.field("scan.renderer_kwargs.cmap").value == "viridis"
    assert editor.field("scan.renderer_kwargs.dpi").value == "110"
    assert [value for _, value in editor.field("scan.mode").options[1:]] == ["per_shot", "per_bin"]


def test_a_field_added_to_a_model_appears_in_the_form_and_saves(config_root, monkeypatch):
    class ScanWithEnergy(ScanRuntimeConfig):
        beam_energy_mev: float | None = Field(None, gt=0, description="nominal energy in MeV")
        colour_by: typing.Literal["shot", "bin"] = Field("bin", description="scatter colouring")

    class DiagnosticWithEnergy(DiagnosticAnalysisConfig):
        scan: ScanWithEnergy = Field(default_factory=ScanWithEnergy, description="scan block")

    monkeypatch.setattr(diagnostic_models, "DiagnosticAnalysisConfig", DiagnosticWithEnergy)
    monkeypatch.setattr(
        sys.modules["scan_analysis_widgets.config_editor"],
        "DiagnosticAnalysisConfig",
        DiagnosticWithEnergy,
    )
    editor = ConfigEditor(config_root, open_file="UC_Spectrometer")
    energy, colour = editor.field("scan.beam_energy_mev"), editor.field("scan.colour_by")
    assert energy.tooltip == "nominal energy in MeV"
    assert type(colour).__name__ == "Dropdown" and ("bin", "bin") in colour.options
    energy.value = "-5"
    assert "greater than 0" in editor.form.fields["scan.beam_energy_mev"].message.value
    energy.value = "150"
    assert editor.save()
    text = (config_root / "analyzers" / "Undulator" / "UC_Spectrometer.yaml").read_text()
    assert "  beam_energy_mev: 150\n" in text


def test_sections_switch_on_and_off_and_crosshair_rows_are_added_and_removed(config_root):
    editor = ConfigEditor(config_root, open_file="UC_TopView")
    path = config_root / "analyzers" / "Undulator" / "UC_TopView.yaml"
    before = path.read_bytes()
    roi = editor.section("image.roi")
    assert roi.expanded and roi.use.value
    roi.toggle.click()
    assert not roi.expanded and roi.body.layout.display == "none"
    roi.use.value = False
    assert "image.roi.x_min" not in editor.form.fields
    assert editor.data["image"]["roi"] is None
    transforms = editor.section("image.transforms")
    transforms.use.value = True
    editor.field("image.transforms.flip_vertical").value = True
    masking = editor.form.sections["image.crosshair_masking"]
    rows = next(w for w in masking.body.children if "crosshairs" in str(w._dom_classes))
    rows.add.click()
    assert (
        "required"
        in editor.form.fields["image.crosshair_masking.crosshairs.1.center"].message.value.lower()
    )
    editor.field("image.crosshair_masking.crosshairs.1.center").value = "[40, 200]"
    editor.field("image.crosshair_masking.crosshairs.1.thickness").value = "4"
    assert editor.valid, editor.problems
    editor.save()
    changed = _diff(before, path.read_bytes())
    assert [line for line in changed if line.startswith("-")] == [
        "-   roi:                         # drop the sensor's edge rows and columns",
        "-     x_min: 8",
        "-     x_max: 248",
        "-     y_min: 8",
        "-     y_max: 248",
    ]
    assert [line for line in changed if line.startswith("+")] == [
        "+       - center: [40, 200]",
        "+         thickness: 4",
        "+   roi: null                         # drop the sensor's edge rows and columns",
        "+   transforms: {flip_vertical: true}",  # in the lab's key order, before metadata
    ]
    lines = path.read_text().splitlines()
    assert lines[lines.index("  transforms: {flip_vertical: true}") + 1] == "  metadata:"
    config = ConfigTree(config_root).load_analyzer("UC_TopView")
    assert config.image.roi is None and config.image.transforms.flip_vertical
    assert [c.center for c in config.image.crosshair_masking.crosshairs] == [(192, 64), (40, 200)]
    rows = next(
        w
        for w in editor.form.sections["image.crosshair_masking"].body.children
        if "crosshairs" in str(w._dom_classes)
    )
    rows.remove_row(0)
    editor.save()
    config = ConfigTree(config_root).load_analyzer("UC_TopView")
    assert [c.center for c in config.image.crosshair_masking.crosshairs] == [(40, 200)]
    assert "# the reticle burned into every frame" in path.read_text()


def test_switching_camera_to_line_rebuilds_the_image_form(config_root):
    editor = ConfigEditor(config_root, open_file="Amp3Input")
    assert "image.crosshair_masking" in editor.form.sections
    editor.field("image.type").value = "line"
    assert "image.data_loading" in editor.form.sections
    assert "image.crosshair_masking" not in editor.form.sections
    assert editor.section("image").built_model is LineConfig


# --- files that cannot be edited as they are -----------------------------------------------------
def test_a_yaml_syntax_error_opens_as_text_with_a_message(config_root):
    path = config_root / "analyzers" / "HTU" / "GaiaMode.yaml"
    broken = path.read_text().replace("  bit_depth: 16\n", "  bit_depth: 16\n   oops: [\n")
    path.write_text(broken)
    editor = ConfigEditor(config_root)
    assert any(label.strip() == "GaiaMode \u26a0" for label, _ in editor.tree_view.select.options)
    editor.tree_view.select.value = "analyzers/HTU/GaiaMode.yaml"  # picked in the tree
    assert editor.current == "analyzers/HTU/GaiaMode.yaml"
    assert editor.status.kind == "error"
    assert f"{path}:" in editor.status.text and "malformed YAML" in editor.status.text
    assert "Traceback" not in editor.status.value
    assert editor.form is None and editor.text_box in editor.form_box.children
    assert editor.text_area.value == broken
    editor.text_area.value = broken.replace("   oops: [\n", "")
    assert editor.save_text()
    assert editor.form is not None and editor.valid
    assert ConfigTree(config_root).load_analyzer("GaiaMode").image.bit_depth == 16


def test_a_file_changed_on_disk_is_not_overwritten_and_can_be_reloaded(config_root):
    editor = ConfigEditor(config_root, open_file="Amp4Input")
    path = config_root / "analyzers" / "HTU" / "Amp4Input.yaml"
    editor.field("scan.priority").value = "12"
    theirs = path.read_text().replace("priority: 40", "priority: 41")
    path.write_text(theirs)  # someone else saves first
    assert editor.save() is False
    assert "changed on disk" in editor.status.text and "Reload" in editor.status.text
    assert editor.reload_button.button_style == "warning"
    assert path.read_text() == theirs
    editor.reload_button.click()
    assert editor.field("scan.priority").value == "41" and not editor.dirty


def test_unsaved_changes_are_never_dropped_by_opening_another_file(config_root):
    editor = ConfigEditor(config_root, open_file="Amp4Input")
    editor.field("image.bit_depth").value = "14"
    editor.tree_view.select.value = "groups/demo.yaml"
    assert editor.current == "analyzers/HTU/Amp4Input.yaml"
    assert editor.tree_view.select.value == "analyzers/HTU/Amp4Input.yaml"
    assert "unsaved changes" in editor.status.text
    editor.revert_button.click()
    assert editor.open("demo") and editor.current == "groups/demo.yaml"


def test_a_missing_config_dir_is_a_message(tmp_path):
    editor = ConfigEditor(tmp_path / "nowhere")
    assert editor.status.kind == "error"
    assert "does not exist" in editor.status.text and "config_dir" in editor.status.text


def test_a_read_only_config_dir_gives_a_message_and_keeps_the_file(config_root, subprocess_env):
    folder = config_root / "analyzers" / "Undulator"
    path = folder / "UC_TopView.yaml"
    before = path.read_bytes()
    script = textwrap.dedent(
        f"""
        import json
        from scan_analysis_widgets.config_editor import ConfigEditor
        editor = ConfigEditor({str(config_root)!r}, open_file="UC_TopView")
        opened = editor.status.text
        editor.field("image.bit_depth").value = "12"
        disabled = editor.save_button.disabled
        saved = editor.save()
        print(json.dumps({{"opened": opened, "read_only": editor.read_only,
                          "disabled": disabled, "saved": saved, "status": editor.status.text,
                          "kind": editor.status.kind}}))
        """
    )
    env = dict(subprocess_env, MPLCONFIGDIR=str(config_root.parent / "mpl"))
    os.chmod(path, 0o444)
    os.chmod(folder, 0o555)
    try:
        run = subprocess.run(
            unprivileged_command([sys.executable, "-c", script]),
            capture_output=True,
            text=True,
            env=env,
            timeout=DEADLINE,
        )
    finally:
        os.chmod(folder, 0o755)
        os.chmod(path, 0o644)
    assert run.returncode == 0, run.stderr
    outcome = json.loads(run.stdout.strip().splitlines()[-1])
    assert outcome["read_only"] and outcome["disabled"]
    assert "read-only for this account" in outcome["opened"]
    assert outcome["saved"] is False and outcome["kind"] == "error"
    assert "cannot write" in outcome["status"] and "nothing was saved" in outcome["status"]
    assert path.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == [
        "BeamChargeCorrelation.yaml",
        "UC_Spectrometer.yaml",
        "UC_TopView.yaml",
    ]


def test_a_config_symlinked_from_outside_the_root_opens_but_is_never_written(config_root, tmp_path):
    outside = tmp_path / "elsewhere" / "SharedCam.yaml"
    outside.parent.mkdir()
    outside.write_text("name: SharedCam\nimage:\n  bit_depth: 12\n")
    (config_root / "analyzers" / "SharedCam.yaml").symlink_to(outside)
    editor = ConfigEditor(config_root, open_file="SharedCam")
    assert editor.read_only and editor.save_button.disabled
    assert "leads outside the config root" in editor.status.text
    editor.field("image.bit_depth").value = "14"
    assert editor.save() is False
    assert "outside the config root" in editor.status.text
    assert outside.read_text() == "name: SharedCam\nimage:\n  bit_depth: 12\n"
    assert (config_root / "analyzers" / "SharedCam.yaml").is_symlink()


# --- groups ---------------------------------------------------------------------------------------
def test_a_group_written_for_the_original_shows_and_keeps_its_own_spellings(config_root):
    """Issue 14: ``upload_to_scanlog`` (and ``analysis_mode`` in a scan block) load as their
    meaning; the editor shows the file's value under the file's key and edits that key."""
    group = config_root / "groups" / "original.yaml"
    group.write_text("name: original\nupload_to_scanlog: true\nanalyzers:\n  - UC_TopView\n")
    editor = ConfigEditor(config_root, open_file="original")
    assert editor.field("upload_to_scanlog").value is True
    editor.field("upload_to_scanlog").value = False
    assert editor.valid, editor.problems
    assert editor.save()
    assert group.read_text() == (
        "name: original\nupload_to_scanlog: false\nanalyzers:\n  - UC_TopView\n"
    )
    assert ConfigTree(config_root).load_group("original").upload_to_scan_log is False

    analyzer = config_root / "analyzers" / "OriginalCam.yaml"
    analyzer.write_text(
        "name: OriginalCam\nscan:\n  analysis_mode: per_bin\nimage:\n  bit_depth: 12\n"
    )
    editor = ConfigEditor(config_root, open_file="OriginalCam")
    assert editor.field("scan.analysis_mode").value == "per_bin"
    editor.field("scan.analysis_mode").value = "per_shot"
    assert editor.save()
    assert "  analysis_mode: per_shot\n" in analyzer.read_text()
    assert "mode: per_bin" not in analyzer.read_text()


def test_group_edits_round_trip(config_root):
    editor = ConfigEditor(config_root, open_file="HTU/baseline")
    view = editor.group_view
    assert [row.ref.value for row in view.rows] == ["Amp4Input", "GaiaMode", "Amp3Input"]
    assert "UC_TopView" in view.new_ref.options  # completion from the tree
    assert view.rows[0].priority.placeholder == "own 40"
    view.rows[2].enabled.value = True  # Amp3Input back on
    view.rows[0].priority.value = "3"  # Amp4Input first in this group
    view.rows[2].up.click()  # Amp3Input above GaiaMode
    view.new_ref.value = "UC_TopVeiw"  # a typo
    view.add.click()
    assert "did you mean 'UC_TopView'" in view.rows[3].problems[0]
    assert not editor.valid and editor.save() is False
    view.rows[3].ref.value = "UC_TopView"
    editor.field("upload_to_scan-log").value = False
    assert editor.valid, editor.problems
    assert editor.save()
    text = (config_root / "groups" / "HTU" / "baseline.yaml").read_text()
    assert text == (
        "name: HTU_baseline\n"
        "description: standard HTU shift analysis\n"
        "upload_to_scan-log: false\n"
        "analyzers:\n"
        "  - {ref: Amp4Input, priority: 3}\n"
        "  - Amp3Input\n"
        "  - {ref: GaiaMode, priority: 5}\n"
        "  - UC_TopView\n"
    )
    resolved = ConfigTree(config_root).resolve_group("HTU/baseline")
    assert [(r.name, r.priority) for r in resolved] == [
        ("Amp4Input", 3),
        ("GaiaMode", 5),
        ("UC_TopView", 10),
        ("Amp3Input", 100),
    ]
    view = editor.group_view
    view.rows[3].remove.click()
    view.new_ref.value = "Amp4Input"
    view.add.click()
    assert "already in the group" in view.problems[0]


# --- new, duplicate, rename -------------------------------------------------------------------
def test_new_duplicate_and_rename_from_the_buttons(config_root):
    editor = ConfigEditor(config_root, open_file="UC_TopView")
    editor.tree_view.buttons["duplicate"].click()
    editor.tree_view.name.value = "UC_TopView"  # taken
    editor.tree_view.ok.click()
    assert "already exists" in editor.status.text
    editor.tree_view.name.value = "UC_TopView_tight"
    editor.tree_view.ok.click()
    assert editor.current == "analyzers/Undulator/UC_TopView_tight.yaml"
    assert editor.field("scan.device").value == "UC_TopView"  # same camera

    editor.tree_view.buttons["rename"].click()
    editor.tree_view.name.value = "TopViewTight"
    editor.tree_view.ok.click()
    assert editor.current == "analyzers/Undulator/TopViewTight.yaml"
    assert editor.status.text.startswith("Renamed UC_TopView_tight to TopViewTight")

    editor.tree_view.buttons["new_analyzer"].click()
    editor.tree_view.name.value = "UC_Spectrometer2"
    editor.tree_view.folder.value = "Undulator/extra"
    editor.tree_view.kind.value = "line"
    editor.tree_view.ok.click()
    assert editor.current == "analyzers/Undulator/extra/UC_Spectrometer2.yaml"
    assert editor.section("image").built_model is LineConfig
    assert editor.new_group("tonight", analyzers=["UC_Spectrometer2", "TopViewTight"])
    assert editor.current == "groups/tonight.yaml"
    assert editor.rename("tonight_v2") and editor.current == "groups/tonight_v2.yaml"
    assert not editor.new_analyzer("../escape")
    assert "not a plain name" in editor.status.text
    tree = ConfigTree(config_root)
    assert tree.check() == []
    assert [r.name for r in tree.resolve_group("tonight_v2")] == [
        "TopViewTight",
        "UC_Spectrometer2",
    ]
    labels = [label.strip() for label, _ in editor.tree_view.select.options]
    assert {"TopViewTight", "UC_Spectrometer2", "tonight_v2", "extra/"} <= set(labels)


# --- preview on a shot --------------------------------------------------------------------------
def _png_size(data: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(data)).size


def test_preview_on_a_shot_shows_raw_and_processed_and_scalars(config_root, demo_day):
    editor = ConfigEditor(config_root, data_root=demo_day.data_root, open_file="UC_TopView")
    editor.field("image.roi.x_max").value = "128"  # unsaved: the preview uses it
    files_before = sorted(p for p in demo_day.data_root.rglob("*") if p.is_file())
    preview = editor.preview
    # no empty images (drawn as broken-image icons) before the first preview
    assert preview.images.layout.display == "none"
    preview.select("Undulator", "2026-05-08", 2)
    assert len(preview.shot.options) == 96  # 100 shots, 3 missing files, 1 unreadable row
    preview.shot.value = preview.shot.options[5][1]
    preview.run.click()
    assert preview.job.wait(DEADLINE), "the preview did not end"
    assert preview.job.state == "done", preview.job.error
    assert preview.preview.raw.shape == (256, 256)
    assert preview.preview.processed.shape == (240, 120)  # y 8..248, x 8..128
    assert _png_size(preview.raw_image.value) == _png_size(preview.processed_image.value)
    assert _png_size(preview.raw_image.value)[0] == 300
    assert preview.images.layout.display == "flex"
    # BeamAnalyzer's 16 and saturated_pixels, which every camera shot gets (issue 19)
    assert "x_CoM" in preview.scalars.value and "27 scalars" in preview.scalars.value
    assert "shot 6 of Undulator 2026-05-08 Scan002" in preview.status.text
    assert sorted(p for p in demo_day.data_root.rglob("*") if p.is_file()) == files_before

    editor.revert()
    assert editor.open("UC_Spectrometer")
    preview.select("Undulator", "2026-05-08", 6)
    preview.run.click()
    assert preview.job.wait(DEADLINE) and preview.job.state == "done", preview.job.error
    assert preview.preview.kind == "1d"

    editor.open("BeamChargeCorrelation")
    preview.run.click()
    assert preview.job.wait(DEADLINE) and preview.job.state == "failed"
    assert preview.status.kind == "error" and "no per-shot analysis" in preview.status.text
    assert not preview.run.disabled
