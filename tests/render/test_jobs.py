"""Figure jobs: drawn where they run, named by reference so the sender needs no matplotlib."""

import inspect
import pickle
import subprocess
import sys

import scan_analysis.render as render
from scan_analysis.render import deferred
from scan_analysis.render.jobs import FigureJob, RenderFunction, run_figure_job


def test_each_deferred_figure_is_the_render_function_of_that_name():
    references = {
        name: value for name, value in vars(deferred).items() if isinstance(value, RenderFunction)
    }
    assert len(references) == 7
    for name, reference in references.items():
        assert reference.name == name
        real = getattr(render, name)
        assert inspect.getmodule(real).__name__ == reference.module


def test_a_job_by_reference_draws_the_same_figure_after_a_round_trip(tmp_path):
    shots = [1, 2, 3]
    histories = {"image_total": [1.0, 2.0, 1.5]}
    job = FigureJob(
        deferred.save_scalar_histories, (shots, histories, tmp_path / "a.png"), {"title": "t"}
    )
    index, path = run_figure_job((4, pickle.loads(pickle.dumps(job))))
    direct = render.save_scalar_histories(shots, histories, tmp_path / "b.png", title="t")
    assert index == 4 and path == tmp_path / "a.png"
    assert path.read_bytes() == direct.read_bytes()


PARENT_WITHOUT_MATPLOTLIB = """
import sys
from scan_analysis import ScanTag
from scan_analysis.analyzers.common import Array1DScanAnalyzer, Array2DScanAnalyzer
from scan_analysis.image import BeamAnalyzer

assert "matplotlib" not in sys.modules, "imported with the library"
day, root = ScanTag.from_date(sys.argv[1], number=2, experiment=sys.argv[2]), sys.argv[3]
with Array2DScanAnalyzer("UC_TopView", image_analyzer=BeamAnalyzer(), progress=False) as camera:
    print(sorted(path.name for path in camera.run_analysis(day, data_root=root)))
print("matplotlib" in sys.modules)
"""


def test_a_scan_whose_figures_the_workers_draw_never_imports_matplotlib_here(
    fresh_demo_day, subprocess_env
):
    """Issue 18: a fresh process (a `scan-analysis run`, a notebook's first cell) paid about
    half a second importing matplotlib for figures that its worker processes draw."""
    day = fresh_demo_day
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            PARENT_WITHOUT_MATPLOTLIB,
            day.date.isoformat(),
            day.experiment,
            str(day.data_root),
        ],
        capture_output=True,
        text=True,
        env=subprocess_env,
        timeout=240,
    )
    assert run.returncode == 0, run.stderr
    figures, imported = run.stdout.splitlines()
    stem = "UC_TopView_BeamAnalyzer"
    assert figures == str([f"{stem}_montage.png", f"{stem}_scalars_vs_parameter.png"])
    assert imported == "False"
    out = day.day_dir / "analysis" / "Scan002" / "UC_TopView_BeamAnalyzer"
    assert (out / "UC_TopView_BeamAnalyzer_montage.png").stat().st_size > 10_000
