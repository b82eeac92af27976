"""Widgets are an optional layer: the library imports no Jupyter; a missing extra says so."""

from __future__ import annotations

import subprocess
import sys
import textwrap

JUPYTER_MODULES = (
    "ipywidgets",
    "panel",
    "bokeh",
    "jupyter_bokeh",
    "ipykernel",
    "voila",
    "traitlets",
)


def run_python(code: str, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_importing_the_library_imports_no_jupyter_module(subprocess_env):
    result = run_python(
        f"""
        import sys
        import scan_analysis
        import scan_analysis.config, scan_analysis.live_task_runner, scan_analysis.scan_catalog
        import scan_analysis.cli, scan_analysis.render.scatter
        loaded = sorted(m for m in {JUPYTER_MODULES!r} if m in sys.modules)
        print("loaded:", loaded)
        """,
        subprocess_env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "loaded: []"


def test_widgets_without_the_extra_name_the_pip_command_in_one_line(subprocess_env):
    result = run_python(
        """
        import sys

        class NoIpywidgets:  # as in an environment without the jupyter extra
            def find_spec(self, name, path=None, target=None):
                if name == "ipywidgets" or name.startswith("ipywidgets."):
                    raise ModuleNotFoundError(f"No module named {name!r}", name=name)
                return None

        sys.meta_path.insert(0, NoIpywidgets())
        try:
            import scan_analysis_widgets
        except ImportError as error:
            print(str(error))
        else:
            print("imported without ipywidgets")
        """,
        subprocess_env,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines == [
        'scan_analysis_widgets needs the Jupyter extra: pip install "scan-analysis[jupyter]" '
        "(missing: ipywidgets)"
    ]
