"""The ConfigEditor in a real Jupyter kernel: it displays as a widget view, with no error output."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPO_CONFIGS = Path(__file__).resolve().parents[2] / "scan_analysis_configs"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.mark.slow
def test_the_editor_displays_and_edits_in_a_kernel(tmp_path, demo_day):
    root = tmp_path / "configs"
    shutil.copytree(REPO_CONFIGS, root)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "from scan_analysis_widgets import ConfigEditor\n"
            f"editor = ConfigEditor({str(root)!r}, data_root={str(demo_day.data_root)!r}, "
            "open_file='UC_TopView')\n"
            "editor"
        ),
        nbformat.v4.new_code_cell(
            "editor.field('image.roi.x_min').value = 'left'\n"
            "print('valid after a bad value:', editor.valid)\n"
            "editor.field('image.roi.x_min').value = '10'\n"
            "print('saved:', editor.save())\n"
            "editor.preview.run.click()\n"
            "print('preview:', editor.preview.job.wait(120), editor.preview.job.state)"
        ),
    ]
    NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    first, second = notebook.cells
    assert [o for cell in notebook.cells for o in cell.outputs if o.output_type == "error"] == []
    views = [o for o in first.outputs if WIDGET_VIEW in o.get("data", {})]
    assert len(views) == 1 and views[0]["data"][WIDGET_VIEW]["model_id"]
    printed = "".join(o.text for o in second.outputs if o.get("name") == "stdout")
    assert printed.splitlines() == [
        "valid after a bad value: False",
        "saved: True",
        "preview: True done",
    ]
    assert "    x_min: 10\n" in (root / "analyzers" / "Undulator" / "UC_TopView.yaml").read_text()
