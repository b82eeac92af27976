"""SingleDeviceScanAnalyzer on real worker processes: a worker killed mid-scan (issue 10 item 8)."""

import contextlib
import logging
import os
import signal
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import psutil
import pytest
from crashing_analyzers import AlwaysDies, DiesOnce
from process_state import still_running
from reshaped_shots import crop_camera_shots
from waiting import wait_until

from scan_analysis import shared_sums
from scan_analysis.analyzers.common import Array1DScanAnalyzer, Array2DScanAnalyzer
from scan_analysis.analyzers.common.single_device import CHUNK_SIZE
from scan_analysis.data.sfile import read_sfile
from scan_analysis.executors import ProcessPoolShotExecutor
from scan_analysis.image import ImageAnalyzer, ImageAnalyzerResult


def test_a_worker_killed_mid_scan_costs_one_retry_not_the_scan(fresh_demo_day, tmp_path, caplog):
    day = fresh_demo_day
    analyzer = Array2DScanAnalyzer(
        "UC_TopView",
        image_analyzer=DiesOnce(tmp_path / "killed-once"),
        analyzer_id="UC_TopView",
        progress=False,
    )
    try:
        with caplog.at_level(logging.WARNING):
            shown = analyzer.run_analysis(day.tag(1), data_root=day.data_root)
    finally:
        analyzer.close()
    assert (tmp_path / "killed-once").exists()  # a worker really was SIGKILLed
    outcome = analyzer.last_outcome
    assert outcome.status == "done", outcome.message
    assert "worker processes restarted once after a crash" in outcome.message
    assert "a worker process died" in caplog.text
    assert [f.name for f in shown] == ["UC_TopView_average.png", "UC_TopView_scalars.png"]
    mean = read_sfile(day.day_dir / "analysis" / "s1.txt")["UC_TopView_mean"]
    assert mean.notna().all() and outcome.shots_analysed == 20
    # the first attempt's shared-memory folder went with it (the retry had its own)
    assert not list(shared_sums.SHARED_MEMORY_ROOT.glob(f"*-sums-{os.getpid()}-*"))


def test_a_crash_that_repeats_fails_that_scan_and_the_next_gets_new_workers(fresh_demo_day):
    """The live runner shares one executor between its analyzers: one crash must not break it."""
    day = fresh_demo_day
    with ProcessPoolShotExecutor(2) as shared:
        poisoned = Array2DScanAnalyzer(
            "UC_TopView", image_analyzer=AlwaysDies(), executor=shared, progress=False
        )
        assert poisoned.run_analysis(day.tag(1), data_root=day.data_root) == []
        assert poisoned.last_outcome.status == "failed"
        assert "a worker process died twice" in poisoned.last_outcome.message
        healthy = Array2DScanAnalyzer("UC_TopView", executor=shared, progress=False)
        healthy.run_analysis(day.tag(5), data_root=day.data_root)
        assert healthy.last_outcome.status == "done", healthy.last_outcome.message
    frame = read_sfile(day.day_dir / "analysis" / "s5.txt")
    assert np.isfinite(frame["UC_TopView_image_total"]).all()
    assert not any(
        c.startswith("UC_TopView_") for c in read_sfile(day.day_dir / "analysis" / "s1.txt")
    )


def test_progress_goes_on_over_the_figures_after_the_shots(fresh_demo_day):
    """The scan's progress counts a step per shot, then one per figure drawn, to the end."""
    heard = []
    analyzer = Array2DScanAnalyzer("UC_TopView", executor="serial", progress=False)
    analyzer.progress_callback = lambda done, total: heard.append(
        (done, total, analyzer.progress_stage)
    )
    shown = analyzer.run_analysis(fresh_demo_day.tag(2), data_root=fresh_demo_day.data_root)
    assert analyzer.last_outcome.status == "done" and len(shown) == 2
    shots = [(done, total) for done, total, stage in heard if stage == "shots"]
    figures = [(done, total) for done, total, stage in heard if stage == "figures"]
    files = shots[-1][1]
    assert shots[0] == (0, files) and shots[-1] == (files, files)
    assert figures == [(files, files + 2), (files + 1, files + 2), (files + 2, files + 2)]
    assert [stage for *_, stage in heard] == ["shots"] * len(shots) + ["figures"] * 3


def test_result_warnings_and_metadata_travel_from_the_workers_to_the_log_and_outcome(
    demo_day, caplog
):
    """Issue 14 item 8: ImageAnalyzerResult warnings/metadata reach the parent."""
    from warning_analyzer import WarnsAboutDimShots

    totals = []
    for path in sorted((demo_day.day_dir / "scans" / "Scan001" / "UC_TopView").iterdir()):
        totals.append(float(WarnsAboutDimShots(0).analyze_image_file(path).scalars["total"]))
    level = float(np.median(totals))  # about half the shots are "dim"
    analyzer = Array2DScanAnalyzer(
        "UC_TopView",
        image_analyzer=WarnsAboutDimShots(level),
        analyzer_id="Warned",
        executor="processes",
        progress=False,
    )
    with analyzer, caplog.at_level(logging.WARNING):
        analyzer.run_analysis(demo_day.tag(1), data_root=demo_day.data_root, config_dir=None)
        outcome = analyzer.last_outcome
    metadata = outcome.shot_metadata
    dim = sum(total < level for total in totals)
    assert outcome.status == "done" and 0 < dim < 20
    assert outcome.warnings[0].startswith(
        "WarnsAboutDimShots: no calibration file, counts are raw (20 of 20 shots: 1, 2, 3"
    )
    assert outcome.warnings[1].startswith(f"WarnsAboutDimShots: dim shot, fit skipped ({dim} of")
    assert all(line in outcome.message for line in outcome.warnings)  # the task's outcome
    logged = [r.getMessage() for r in caplog.records if "fit skipped" in r.getMessage()]
    assert len(logged) == 1 and "Warned" in logged[0]  # one line per message, not per shot
    assert len(metadata) == 20 and os.getpid() not in {m["pid"] for m in metadata.values()}


def test_the_workers_start_before_the_shots_are_mapped_and_analyse_the_scan(
    fresh_demo_day, monkeypatch
):
    """Issue 18: the pool starts when the run begins (its workers import while the parent reads
    the s-file and maps the shots); that pool analyses this scan and the next, close() ends it."""
    import psutil

    import scan_analysis.analyzers.common.single_device as single_device

    def loky_workers():
        return {
            child.pid
            for child in psutil.Process().children()
            if "popen_loky_posix" in " ".join(child.cmdline())
        }

    before = loky_workers()
    events, at_start = [], []
    real_start, real_map = ProcessPoolShotExecutor.start, single_device.map_shots_to_files

    def start(self):
        events.append("start")
        real_start(self)
        at_start.append(loky_workers() - before)

    def map_shots(*args, **kwargs):
        events.append("map")
        return real_map(*args, **kwargs)

    monkeypatch.setattr(ProcessPoolShotExecutor, "start", start)
    monkeypatch.setattr(single_device, "map_shots_to_files", map_shots)
    day = fresh_demo_day
    analyzer = Array2DScanAnalyzer("UC_TopView", progress=False)
    try:
        analyzer.run_analysis(day.tag(1), data_root=day.data_root)
        assert analyzer.last_outcome.status == "done", analyzer.last_outcome.message
        assert events == ["start", "map"]
        workers = at_start[0]
        assert workers and loky_workers() - before == workers  # no other pool was started
        analyzer.run_analysis(day.tag(5), data_root=day.data_root)
        assert analyzer.last_outcome.status == "done", analyzer.last_outcome.message
        assert events == ["start", "map", "start", "map"]
        assert loky_workers() - before == workers  # the next scan: the same workers
        processes = [psutil.Process(pid) for pid in workers]
    finally:
        analyzer.close()
    gone, alive = psutil.wait_procs(processes, timeout=120)
    assert not alive, f"workers still running: {alive}"


def test_figures_and_bin_arrays_written_alongside_equal_those_of_a_serial_run(
    fresh_demo_day, monkeypatch
):
    """Issue 18: the workers draw while this process writes the per-bin arrays, and send their
    partial sums through shared memory; what is written is the same, byte for byte, as when
    everything runs one after the other, and no shared memory is left behind."""
    day = fresh_demo_day
    taken = []
    take = shared_sums.take
    monkeypatch.setattr(shared_sums, "take", lambda stored: taken.append(stored) or take(stored))
    written = {}
    for executor in ("serial", "processes"):
        with Array2DScanAnalyzer(
            "UC_TopView", analyzer_id="UC_TopView", executor=executor, progress=False
        ) as analyzer:
            shown = analyzer.run_analysis(day.tag(2), data_root=day.data_root)
        assert analyzer.last_outcome.status == "done", analyzer.last_outcome.message
        written[executor] = {
            path.name: path.read_bytes()
            for path in sorted(shown[0].parent.iterdir())
            if path.suffix in (".png", ".npz")
        }
    assert set(written["serial"]) == {
        "UC_TopView_montage.png",
        "UC_TopView_scalars_vs_parameter.png",
        "UC_TopView_bin_averages.npz",
    }
    assert written["processes"].keys() == written["serial"].keys()
    for name, content in written["serial"].items():
        assert written["processes"][name] == content, name
    # every chunk of the process run came through a file
    shots_per_bin = Counter(analyzer.bins.bin_of_shot.values())
    assert len(taken) == sum(-(-n // CHUNK_SIZE) for n in shots_per_bin.values()) > 1
    assert all(s.path.parent.parent == shared_sums.SHARED_MEMORY_ROOT for s in taken)
    assert not list(shared_sums.SHARED_MEMORY_ROOT.glob(f"*sums-{os.getpid()}-*"))


def test_without_shared_memory_the_sums_come_through_the_pipe_and_the_scan_is_the_same(
    fresh_demo_day, tmp_path, monkeypatch
):
    """macOS, Windows, a container without /dev/shm: nothing changes but the way back."""
    day = fresh_demo_day
    taken = []
    take = shared_sums.take
    monkeypatch.setattr(shared_sums, "take", lambda stored: taken.append(stored) or take(stored))
    monkeypatch.setattr(shared_sums, "SHARED_MEMORY_ROOT", tmp_path / "no-shm")
    written = {}
    for executor in ("serial", "processes"):
        with Array1DScanAnalyzer("UC_Spectrometer", executor=executor, progress=False) as analyzer:
            shown = analyzer.run_analysis(day.tag(3), data_root=day.data_root)
        assert analyzer.last_outcome.status == "done", analyzer.last_outcome.message
        written[executor] = {p.name: p.read_bytes() for p in shown[0].parent.iterdir()}
    assert written["processes"] == written["serial"] and len(written["serial"]) >= 3
    assert taken == [] and not (tmp_path / "no-shm").exists()


class _SharedMemoryCleanedMidScan(ProcessPoolShotExecutor):
    """What logind's RemoveIPC or an admin's cleanup does: one chunk's sum file vanishes."""

    lost: list[int] = []

    def map_unordered(self, function, items):
        for result in super().map_unordered(function, items):
            if not self.lost and getattr(result, "sum_files", None):
                self.lost = sorted(result.shapes)
                for stored in result.sum_files.values():
                    stored.path.unlink()
            yield result


def test_a_partial_sum_lost_in_shared_memory_leaves_its_shots_out_of_the_average_only(
    fresh_demo_day, caplog
):
    day = fresh_demo_day
    with _SharedMemoryCleanedMidScan(2) as executor, caplog.at_level(logging.WARNING):
        analyzer = Array2DScanAnalyzer(
            "UC_TopView", analyzer_id="UC_TopView", executor=executor, progress=False
        )
        shown = analyzer.run_analysis(day.tag(2), data_root=day.data_root)
    outcome = analyzer.last_outcome
    assert outcome.status == "done", outcome.message
    lost = executor.lost
    assert lost and outcome.shots_left_out == len(lost)
    assert f"{len(lost)} left out of the bin averages (their sum was lost in shared memory: " in (
        outcome.message
    )
    said = caplog.text
    assert f"shots {', '.join(map(str, lost))} are analysed, their scalars kept" in said
    assert "lost on its way back from the worker process" in said and "/dev/shm/" in said
    assert "Analyse the scan again" in said
    # their scalars are in the s-file like every other analysed shot's
    frame = read_sfile(day.day_dir / "analysis" / "s2.txt").set_index("Shotnumber")
    assert frame.loc[lost, "UC_TopView_image_total"].notna().all()
    assert "UC_TopView_montage.png" in {p.name for p in shown}


def test_a_shot_of_another_shape_whose_sum_is_lost_too_is_counted_left_out_once(
    fresh_demo_day,
):
    """It is left out of the averages for its shape, whatever became of its sum."""
    day = fresh_demo_day
    reshaped = [3, 9, 17]  # one in each chunk of the no-scan's 20 shots
    crop_camera_shots(day, 1, reshaped)
    with _SharedMemoryCleanedMidScan(2) as executor:
        analyzer = Array2DScanAnalyzer(
            "UC_TopView", analyzer_id="UC_TopView", executor=executor, progress=False
        )
        analyzer.run_analysis(day.tag(1), data_root=day.data_root)
    outcome = analyzer.last_outcome
    assert outcome.status == "done", outcome.message
    lost = [shot for shot in executor.lost if shot not in reshaped]
    assert len(lost) == len(executor.lost) - 1  # the lost chunk held one of the reshaped shots
    assert outcome.shots_left_out == len(reshaped) + len(lost)
    assert "3 left out of the bin averages (shape differs from " in outcome.message
    assert f"{len(lost)} left out of the bin averages (their sum was lost" in outcome.message


@pytest.mark.parametrize("cls", [Array2DScanAnalyzer, Array1DScanAnalyzer])
def test_analysis_mode_is_the_originals_keyword_for_mode(cls):
    """``analysis_mode=`` as the original's subclasses take it; both given must agree."""
    analyzer = cls("UC_TopView", analysis_mode="per_bin")
    assert analyzer.mode == analyzer.analysis_mode == "per_bin"
    assert analyzer.given_settings["mode"] == "per_bin"  # it wins over a config's, as mode does
    assert cls("UC_TopView", mode="per_bin", analysis_mode="per_bin").mode == "per_bin"
    with pytest.raises(ValueError, match=r"mode='per_shot', analysis_mode='per_bin'.*give one"):
        cls("UC_TopView", mode="per_shot", analysis_mode="per_bin")
    with pytest.raises(ValueError, match="per_frame"):
        cls("UC_TopView", analysis_mode="per_frame")


class _SubtractsItsPedestalInPlace(ImageAnalyzer):
    """As many of the original's analyzers do: ``image -= pedestal`` on the array it is given."""

    def analyze_image(self, image, auxiliary=None):
        image -= np.float32(100.0)
        return ImageAnalyzerResult(image, {"peak": float(image.max())})


def test_per_bin_mode_hands_the_analyzer_an_average_it_may_change_like_any_shot(fresh_demo_day):
    """The bin average is cached read-only for the figures and the .npz; an analyzer given it in
    per_bin mode gets its own array to write into, as it does for a shot read from its file."""
    day = fresh_demo_day
    analyzer = Array2DScanAnalyzer(
        "UC_TopView",
        image_analyzer=_SubtractsItsPedestalInPlace(),
        analyzer_id="Pedestal",
        mode="per_bin",
        executor="serial",
        progress=False,
    )
    analyzer.run_analysis(day.tag(2), data_root=day.data_root)
    outcome = analyzer.last_outcome
    assert outcome.status == "done", outcome.message
    peaks = read_sfile(day.day_dir / "analysis" / "s2.txt").groupby("Bin #")["Pedestal_peak"]
    assert (peaks.nunique() == 1).all() and (peaks.first() > 0).all()
    assert peaks.first().notna().all() and len(peaks.first()) == len(day.scans[2].truth["x_CoM"])


SCAN_IN_A_PROCESS = """
import sys
from scan_analysis.analyzers.common import Array2DScanAnalyzer
from scan_analysis.data.demo import DemoDay
from scan_analysis.data.scan_tag import ScanTag
from stalling_analyzer import StallsUntilReleased

data_root, date, number, release, stalled = sys.argv[1:]
tag = ScanTag.from_date(date, number=int(number), experiment="Undulator")
with Array2DScanAnalyzer(
    "UC_TopView",
    image_analyzer=StallsUntilReleased(release, stalled, free_shots=2),
    analyzer_id="UC_TopView",
    executor="processes",
    progress=False,
) as analyzer:
    analyzer.run_analysis(tag, data_root=data_root)
print(analyzer.last_outcome.status, analyzer.last_outcome.message)
"""


def _shared_memory_folders(pid):
    return list(shared_sums.SHARED_MEMORY_ROOT.glob(f"{shared_sums.FOLDER_PREFIX}{pid}-*"))


def _scan_in_a_process(day, number, release, stalled, env):
    arguments = [str(day.data_root), str(day.date), str(number), str(release), str(stalled)]
    support = str(Path(__file__).parents[1] / "support")
    return subprocess.Popen(
        [sys.executable, "-c", SCAN_IN_A_PROCESS, *arguments],
        env={**env, "PYTHONPATH": support},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _under_way(scan, stalled):
    """Wait until a worker of ``scan`` stalls mid-scan; its sum folder (it must have one)."""
    wait_until(lambda: stalled.exists() or scan.poll() is not None, "the scan under way")
    assert stalled.exists(), scan.communicate()[0]
    folders = _shared_memory_folders(scan.pid)
    assert len(folders) == 1
    return folders[0]


@pytest.mark.slow
def test_a_scan_killed_mid_way_leaves_shared_memory_that_the_next_scan_elsewhere_removes(
    fresh_demo_day, tmp_path, subprocess_env
):
    """kill -9 of a control-room script mid-scan: its workers end with it, and its sum folder
    stays until the next scan that starts on the machine, in another process, removes it."""
    day = fresh_demo_day
    release, stalled = tmp_path / "release", tmp_path / "stalled"
    killed = _scan_in_a_process(day, 2, release, stalled, subprocess_env)
    workers = []
    try:
        left = _under_way(killed, stalled)
        workers = psutil.Process(killed.pid).children(recursive=True)
        killed.kill()
        killed.wait(timeout=60)  # (its workers hold its output open: not communicate)
        # its workers end with it (they watch their parent); its folder stays, unlocked
        wait_until(lambda: not still_running(workers), "the killed scan's workers")
        release.write_text("")  # the next scan's workers must not stall
        second = _scan_in_a_process(day, 5, release, stalled, subprocess_env)
        output, _ = second.communicate(timeout=300)
        assert second.returncode == 0 and output.splitlines()[-1].startswith("done"), output
        assert not left.exists() and not _shared_memory_folders(second.pid)
    finally:
        for process in [killed, *workers]:
            with contextlib.suppress(psutil.NoSuchProcess, ProcessLookupError):
                process.kill()


@pytest.mark.slow
def test_ctrl_c_mid_scan_in_a_script_leaves_no_shared_memory(
    fresh_demo_day, tmp_path, subprocess_env
):
    """The script's own exit removes its folder, and workers finishing their chunks after the
    interrupt write nothing there any more."""
    day = fresh_demo_day
    release, stalled = tmp_path / "release", tmp_path / "stalled"
    interrupted = _scan_in_a_process(day, 2, release, stalled, subprocess_env)
    try:
        folder = _under_way(interrupted, stalled)
        interrupted.send_signal(signal.SIGINT)
        wait_until(lambda: not _shared_memory_folders(interrupted.pid), "the folder removed")
        release.write_text("")  # the workers finish the chunks they were analysing
        output, _ = interrupted.communicate(timeout=300)
    finally:
        interrupted.kill()
    assert "KeyboardInterrupt" in output and interrupted.returncode != 0
    assert not folder.exists() and not _shared_memory_folders(interrupted.pid)
    assert not folder.with_name(folder.name + "-ended").exists()


@pytest.mark.slow
def test_analyses_in_threads_sharing_workers_write_what_serial_runs_write(
    fresh_demo_day, monkeypatch
):
    """The widgets and the live runner run analyses in threads on one worker pool, scan after
    scan: their sums meet in shared memory at once, in folders of one process; each scan's
    figures, .npz and s-file columns are byte for byte a serial run's, and nothing stays."""
    day = fresh_demo_day
    taken = []
    take = shared_sums.take
    monkeypatch.setattr(shared_sums, "take", lambda stored: taken.append(stored) or take(stored))
    plans = {  # analyzer: the scans it analyses one after the other
        ("2d", "UC_TopView"): [1, 2],
        ("1d", "UC_Spectrometer"): [3],
    }

    def make(kind, device, executor):
        cls = Array2DScanAnalyzer if kind == "2d" else Array1DScanAnalyzer
        return cls(device, executor=executor, progress=False)

    def written(analyzer, number, shown):
        assert analyzer.last_outcome.status == "done", analyzer.last_outcome.message
        frame = read_sfile(day.day_dir / "analysis" / f"s{number}.txt")
        columns = [c for c in frame.columns if c.startswith(f"{analyzer.analyzer_id}_")]
        return {
            **{p.name: p.read_bytes() for p in shown[0].parent.iterdir() if p.suffix != ".gif"},
            "s-file": frame[columns].to_csv().encode(),
        }

    def analyse(key, executor):
        out = {}
        with make(*key, executor) as analyzer:
            for number in plans[key]:
                shown = analyzer.run_analysis(day.tag(number), data_root=day.data_root)
                out[number] = written(analyzer, number, shown)
        return out

    with ProcessPoolShotExecutor(2) as shared, ThreadPoolExecutor(2) as threads:
        shared.start()
        side_by_side = {key: threads.submit(analyse, key, shared) for key in plans}
        side_by_side = {key: future.result() for key, future in side_by_side.items()}
    through_files = len(taken)
    serial = {key: analyse(key, "serial") for key in plans}
    assert through_files > 4 and len(taken) == through_files  # serial runs need no files
    assert {len(stored.shape) for stored in taken} == {1, 2}  # traces and images
    for key, scans in serial.items():
        for number, files in scans.items():
            assert side_by_side[key][number].keys() == files.keys()
            for name, content in files.items():
                assert side_by_side[key][number][name] == content, (key, number, name)
    assert not _shared_memory_folders(os.getpid())
