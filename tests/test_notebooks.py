"""The example notebooks (``notebooks/``): each runs top to bottom in a fresh kernel.

nbval (``make test``) compares every saved output with a new run; these tests run
each notebook as JupyterLab does (nbclient, a new kernel, here from a folder of
the test's own) and fail on any error, and check what a reader of the saved
notebooks relies on: every cell has its output, the figures are there, and each
cell nbval does not compare says why. (nbval never compares PNG bytes; it compares
the text that comes with each figure, so it notices a figure missing, not a figure
saved without its image: the figure counts are checked here.)
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
DOCUMENTED = [
    "basic_usage_2d.ipynb",
    "basic_usage_1d.ipynb",
    "live_watch.ipynb",
    "elog_upload.ipynb",
    "scatter_plot_analysis.ipynb",
    "custom_analyzer.ipynb",
    "explore_with_widgets.ipynb",
]
IGNORE_MARKER = "# NBVAL_IGNORE_OUTPUT"
MAX_SAVED_BYTES = 1_000_000


def _execute_notebooks_module():
    """``notebooks/execute_notebooks.py`` (the script that saves the outputs), imported."""
    spec = importlib.util.spec_from_file_location(
        "execute_notebooks", NOTEBOOKS / "execute_notebooks.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _saved(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / name, as_version=4)


def _code_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def _figures(notebook: nbformat.NotebookNode) -> int:
    return sum(
        "image/png" in output.get("data", {})
        for cell in _code_cells(notebook)
        for output in cell.outputs
    )


def test_the_notebooks_folder_holds_the_documented_notebooks_and_the_readme_lists_them():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(DOCUMENTED)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in DOCUMENTED:
        assert f"(notebooks/{name})" in readme, f"README does not link {name}"


@pytest.mark.parametrize("name", DOCUMENTED)
def test_a_saved_notebook_has_every_output_and_starts_by_building_the_demo_day(name):
    notebook = _saved(name)
    cells = _code_cells(notebook)
    # run top to bottom once: outputs for every cell, in order (nbval skips unrun cells)
    assert [cell.execution_count for cell in cells] == list(range(1, len(cells) + 1))
    first = cells[0].source
    assert first.count("build_demo_day(") == 1 and "tempfile" in first
    assert not any("build_demo_day(" in cell.source for cell in cells[1:])
    assert all(output.output_type != "error" for cell in cells for output in cell.outputs)
    # no saved widget state and no Panel scripts (see execute_notebooks.py)
    assert "widgets" not in notebook.metadata
    assert (NOTEBOOKS / name).stat().st_size < MAX_SAVED_BYTES


@pytest.mark.parametrize("name", DOCUMENTED)
def test_each_cell_left_out_of_the_comparison_says_why(name):
    for cell in _code_cells(_saved(name)):
        lines = cell.source.splitlines()
        if IGNORE_MARKER not in lines:
            assert "NBVAL" not in cell.source, f"a marker nbval would not see: {cell.source!r}"
            continue
        below = lines[lines.index(IGNORE_MARKER) + 1]
        assert re.match(r"# \(not compared: \w", below), f"no reason given in {cell.source!r}"


def test_the_notebooks_that_draw_figures_are_saved_with_them():
    drawn = {name: _figures(_saved(name)) for name in DOCUMENTED}
    for name in (
        "basic_usage_2d.ipynb",
        "basic_usage_1d.ipynb",
        "scatter_plot_analysis.ipynb",
        "custom_analyzer.ipynb",
    ):
        assert drawn[name] >= 1, f"{name} is saved without its figures"


def test_panel_loader_outputs_are_recognised_for_dropping():
    module = _execute_notebooks_module()
    loader = {"output_type": "display_data", "data": {module.PANEL_LOADER_TYPES[0]: "js"}}
    assert module.is_panel_loader(loader)
    assert not module.is_panel_loader({"output_type": "display_data", "data": {"text/html": "x"}})


@pytest.mark.slow
@pytest.mark.parametrize("name", DOCUMENTED)
def test_the_notebook_runs_in_a_fresh_kernel_without_errors(name, tmp_path, subprocess_env):
    """As JupyterLab runs it: nbclient, a new kernel, any working folder."""
    notebook = _saved(name)
    saved_figures = _figures(notebook)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        allow_errors=True,
        record_timing=False,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute(env=subprocess_env)

    errors = [
        f"{output.ename}: {output.evalue}\nin cell:\n{cell.source}"
        for cell in _code_cells(notebook)
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert not errors, "\n\n".join(errors)
    for cell in _code_cells(notebook):
        stderr = "".join(o.text for o in cell.outputs if o.get("name") == "stderr")
        assert "Traceback" not in stderr, f"{cell.source!r} printed a traceback:\n{stderr}"
    assert _figures(notebook) == saved_figures
    assert not any(tmp_path.iterdir()), "the notebook left files in its working folder"
