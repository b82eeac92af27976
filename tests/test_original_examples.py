"""The original toolkit's documented examples, run against the demo day (issue 14, "Must show").

Each snippet is typed as the original's documentation gives it (its Scan
Analysis overview), with one change: ``from geecs_data_utils import ScanTag``
becomes ``from scan_analysis import ScanTag``. The data root comes from the
environment, as on a lab machine.
"""

import textwrap
import threading
import time

from scan_analysis.data.demo import build_demo_day, write_demo_scan
from scan_analysis.data.sfile import read_sfile

ORIGINAL_IMPORT = "from geecs_data_utils import ScanTag"
OUR_IMPORT = "from scan_analysis import ScanTag"

INTERACTIVE = """
from geecs_data_utils import ScanTag
from scan_analysis.analyzers.common import Array2DScanAnalyzer

tag = ScanTag(year=2026, month=5, day=8, number=42, experiment="Undulator")
analyzer = Array2DScanAnalyzer(device_name="UC_TopView")
display_files = analyzer.run_analysis(tag)
"""

LIVE = """
from geecs_data_utils import ScanTag
from scan_analysis.live_task_runner import LiveTaskRunner

today = ScanTag(year=2026, month=5, day=27, number=0, experiment="Undulator")
runner = LiveTaskRunner(
    analyzer_group="HTU/baseline",   # path-key into scan_analysis_configs/groups/
    date_tag=today,
    gdoc_enabled=False,
)
runner.run()
"""

CUSTOM = """
from pathlib import Path
from typing import Optional, Union

from scan_analysis.base import ScanAnalyzer


class MyCustomAnalyzer(ScanAnalyzer):
    def _run_analysis_core(self) -> Optional[list[Union[Path, str]]]:
        # self.scan_data / self.auxiliary_data are already populated.
        # Do the analysis, save figures, return their paths.
        return [Path("path/to/summary_figure.png")]

    def cleanup(self) -> None:
        # Release per-scan memory so the task runner can move on.
        super().cleanup()
"""


def as_ours(snippet: str) -> str:
    assert ORIGINAL_IMPORT in snippet
    return textwrap.dedent(snippet).replace(ORIGINAL_IMPORT, OUR_IMPORT)


def test_interactive_example_analyses_scan_42(tmp_path, monkeypatch):
    day = build_demo_day(tmp_path / "data", image_shape=(96, 96), n_bins=4, shots_per_bin=3)
    write_demo_scan(
        day.day_dir, 42, "jet_scan", image_shape=(96, 96), n_bins=4, shots_per_bin=3, defects=False
    )
    monkeypatch.setenv("SCAN_ANALYSIS_DATA_ROOT", str(day.data_root))
    namespace: dict = {}
    exec(as_ours(INTERACTIVE), namespace)
    analyzer = namespace["analyzer"]
    try:
        assert analyzer.last_outcome.status == "done", analyzer.last_outcome.message
        names = {path.name for path in namespace["display_files"]}
        assert {"UC_TopView_montage.png", "UC_TopView_scalars_vs_parameter.png"} <= names
    finally:
        analyzer.close()
    frame = read_sfile(day.day_dir / "analysis" / "s42.txt")
    assert frame["UC_TopView_x_CoM"].notna().all()  # the original's column name


def test_live_example_watches_the_whole_day_until_stopped(tmp_path, monkeypatch):
    day = build_demo_day(
        tmp_path / "data", date="2026-05-27", image_shape=(64, 64), n_bins=3, shots_per_bin=3
    )
    monkeypatch.setenv("SCAN_ANALYSIS_DATA_ROOT", str(day.data_root))
    source = as_ours(LIVE).replace("runner.run()", "")
    namespace: dict = {}
    exec(source, namespace)
    runner = namespace["runner"]
    watching = threading.Thread(target=runner.run)  # the snippet's last line, as a panel runs it
    watching.start()
    try:
        deadline = time.monotonic() + 300
        expected = 2 * len(day.scans)  # HTU/baseline: Amp4Input and GaiaMode (Amp3Input is off)
        while time.monotonic() < deadline:
            progress = runner.progress()
            if progress.tasks == expected and progress.finished == expected:
                break
            time.sleep(0.1)
        assert (progress.tasks, progress.finished) == (expected, expected)
        # the demo day has no HTU cameras: every scan from 1 on is answered, none failed
        assert progress.failed == 0 and progress.no_data == expected
    finally:
        runner.stop()
        watching.join(timeout=120)
    assert not watching.is_alive()


def test_custom_analyzer_example_runs_and_its_cleanup_is_safe(fresh_demo_day, monkeypatch):
    monkeypatch.setenv("SCAN_ANALYSIS_DATA_ROOT", str(fresh_demo_day.data_root))
    namespace: dict = {}
    exec(textwrap.dedent(CUSTOM), namespace)

    class OriginalScanTag:  # geecs_data_utils.ScanTag's fields, without the package
        year, month, day, number, experiment = 2026, 5, 8, 2, "Undulator"

    analyzer = namespace["MyCustomAnalyzer"]()
    from pathlib import Path

    assert analyzer.run_analysis(OriginalScanTag()) == [Path("path/to/summary_figure.png")]
    assert analyzer.last_outcome.status == "done"
    assert analyzer.auxiliary_data is None and analyzer.scan_data is None  # released
