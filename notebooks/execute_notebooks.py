"""Re-execute the example notebooks in place, so their saved outputs are fresh.

    .venv/bin/python notebooks/execute_notebooks.py                  # every notebook
    .venv/bin/python notebooks/execute_notebooks.py live_watch.ipynb  # some of them
    make notebooks                                                    # the same, all

Each notebook runs top to bottom in a fresh kernel (nbclient, as JupyterLab
runs it) from the ``notebooks/`` folder and is saved with its outputs, figures
included. An error in any cell stops the script and leaves that notebook as
it was. Run it after changing a notebook or the library behaviour it shows,
then ``make test`` (nbval compares the saved outputs with a new run).

What is saved differs from a plain "run all and save" in three ways, so a
re-run changes nothing but real differences:

- no per-cell execution timestamps (``record_timing=False``);
- no widget state in the notebook metadata: it holds random model ids and
  every image a component shows, and the components come alive only in a
  running kernel anyway;
- Panel's loader outputs are dropped: the first Panel component of a kernel
  publishes Panel's JavaScript inlined (3.5 MB, inlined because control-room
  machines are often offline) and an element with random ids; nbval is told to
  ignore the cell that does it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent
CELL_TIMEOUT = 600
CLEARED_ENVIRONMENT = ("SCAN_ANALYSIS_APP_URL",)
"""Settings that would change what the notebooks print (an app URL links e-log entries)."""
PANEL_LOADER_TYPES = (
    "application/vnd.holoviews_load.v0+json",
    "application/vnd.holoviews_exec.v0+json",
)


def is_panel_loader(output: dict) -> bool:
    """Whether an output is Panel's JavaScript/comm loader (not saved).

    Examples
    --------
    >>> is_panel_loader({"output_type": "display_data",
    ...                  "data": {"application/vnd.holoviews_load.v0+json": "..."}})
    True
    >>> is_panel_loader({"output_type": "stream", "name": "stdout", "text": "5 rows"})
    False
    """
    return any(kind in output.get("data", {}) for kind in PANEL_LOADER_TYPES)


def kernel_environment() -> dict[str, str]:
    """This process's environment without :data:`CLEARED_ENVIRONMENT`, for the kernels."""
    return {k: v for k, v in os.environ.items() if k not in CLEARED_ENVIRONMENT}


def execute_notebook(path: Path, *, timeout: float = CELL_TIMEOUT) -> nbformat.NotebookNode:
    """Run a notebook in a fresh kernel from the notebooks folder; returns it with outputs.

    Raises ``nbclient.exceptions.CellExecutionError`` when a cell raises.
    """
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        store_widget_state=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute(env=kernel_environment())
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [output for output in cell.outputs if not is_panel_loader(output)]
    notebook.metadata.pop("widgets", None)
    return notebook


def main(argv: list[str] | None = None) -> int:
    """Re-execute the named notebooks (default: all in ``notebooks/``) and save them."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    args = parser.parse_args(argv)
    paths = [p if p.is_absolute() or p.exists() else NOTEBOOKS / p for p in args.notebooks]
    for path in paths or sorted(NOTEBOOKS.glob("*.ipynb")):
        print(f"executing {path.name} ...", flush=True)
        notebook = execute_notebook(path)
        nbformat.write(notebook, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
