import logging
import threading

import numpy as np
import pytest
from PIL import Image
from reshaped_shots import crop_camera_shots

from scan_analysis.analyzers.common import Array2DScanAnalyzer
from scan_analysis.data.sfile import read_sfile
from scan_analysis.image import BeamAnalyzer, ImageAnalyzer, ImageAnalyzerResult

BEAM_CONFIG = {
    "background": {"method": "constant", "constant_level": 100},
    "crosshair_masking": {
        "crosshairs": [{"center": [72, 24], "width": 16, "height": 16, "thickness": 3}]
    },
    "thresholding": {"method": "absolute", "value": 30, "mode": "to_zero"},
    "filtering": {"median_kernel_size": 3},
}


def beam_analyzer(**kwargs):
    kwargs.setdefault("analyzer_id", "UC_TopView")  # an image_analyzer alone names it otherwise
    return Array2DScanAnalyzer(
        "UC_TopView",
        image_analyzer=BeamAnalyzer(BEAM_CONFIG),
        executor="serial",
        progress=False,
        **kwargs,
    )


def sfile_text(day, number):
    return (day.day_dir / "analysis" / f"s{number}.txt").read_text()


def test_jet_scan_end_to_end(fresh_demo_day, caplog):
    day, scan = fresh_demo_day, fresh_demo_day.scans[2]
    before = sfile_text(day, 2).splitlines()
    analyzer = beam_analyzer()
    with caplog.at_level(logging.WARNING):
        files = analyzer.run_analysis(day.tag(2), data_root=day.data_root)
    assert analyzer.last_outcome.status == "done"
    assert [f.name for f in files] == [
        "UC_TopView_montage.png",
        "UC_TopView_scalars_vs_parameter.png",
    ]
    assert all(f.stat().st_size > 10_000 for f in files)
    assert all(f.parent == day.day_dir / "analysis" / "Scan002" / "UC_TopView" for f in files)
    # the corrupt shot is named in a warning, and the scan completed anyway
    assert scan.corrupt_files[0].name in caplog.text
    frame = read_sfile(day.day_dir / "analysis" / "s2.txt")
    centroid = frame.set_index("Shotnumber")["UC_TopView_x_CoM"]
    bad = set(scan.missing_files) | {int(scan.bins and s) for s in []}
    corrupt_shot = next(
        s
        for s in scan.shots
        if s not in scan.missing_files
        and s not in scan.missing_rows
        and s in centroid.index
        and np.isnan(centroid[s])
    )
    assert set(centroid[centroid.isna()].index) == (set(scan.missing_files) | {corrupt_shot}) - set(
        scan.missing_rows
    )
    assert bad <= set(centroid[centroid.isna()].index)
    # the spot moves right with the jet: bin means follow the truth within a pixel
    bins = frame.groupby("Bin #")["UC_TopView_x_CoM"].mean()
    for number, truth in scan.truth["x_CoM"].items():
        assert bins[number] == pytest.approx(truth, abs=1.0)
    # every original cell unchanged
    after = sfile_text(day, 2).splitlines()
    width = len(before[0].split("\t"))
    assert [line.split("\t")[:width] for line in after] == [line.split("\t") for line in before]
    averages = np.load(
        day.day_dir / "analysis" / "Scan002" / "UC_TopView" / "UC_TopView_bin_averages.npz"
    )
    assert averages["averages"].shape == (len(scan.bins), 96, 96)


def test_second_run_is_idempotent(fresh_demo_day):
    day = fresh_demo_day
    beam_analyzer().run_analysis(day.tag(2), data_root=day.data_root)
    first = sfile_text(day, 2)
    beam_analyzer().run_analysis(day.tag(2), data_root=day.data_root)
    assert sfile_text(day, 2) == first


@pytest.mark.parametrize(
    ("number", "names"),
    [
        (1, ["UC_TopView_average.png", "UC_TopView_scalars.png"]),
        (4, ["UC_TopView_montage.png", "UC_TopView_scalars_vs_parameter.png"]),
        (5, ["UC_TopView_montage.png", "UC_TopView_scalars_vs_parameter.png"]),
    ],
)
def test_noscan_optimization_and_legacy_scans(fresh_demo_day, number, names):
    analyzer = beam_analyzer()
    files = analyzer.run_analysis(fresh_demo_day.tag(number), data_root=fresh_demo_day.data_root)
    assert [f.name for f in files] == names
    frame = read_sfile(fresh_demo_day.day_dir / "analysis" / f"s{number}.txt")
    assert frame["UC_TopView_x_CoM"].notna().all()


def test_scan_without_the_device_is_no_data(fresh_demo_day):
    analyzer = beam_analyzer()
    before = sfile_text(fresh_demo_day, 6)
    assert analyzer.run_analysis(fresh_demo_day.tag(6), data_root=fresh_demo_day.data_root) == []
    outcome = analyzer.last_outcome
    assert outcome.status == "no_data"
    assert "UC_TopView" in outcome.message and "does not exist" in outcome.message
    assert sfile_text(fresh_demo_day, 6) == before
    assert not (fresh_demo_day.day_dir / "analysis" / "Scan006" / "UC_TopView").exists()


def test_nothing_is_written_inside_the_scan_folder(fresh_demo_day):
    scan_dir = fresh_demo_day.day_dir / "scans" / "Scan002"
    before = sorted((p, p.stat().st_mtime_ns) for p in scan_dir.rglob("*"))
    beam_analyzer().run_analysis(fresh_demo_day.tag(2), data_root=fresh_demo_day.data_root)
    assert sorted((p, p.stat().st_mtime_ns) for p in scan_dir.rglob("*")) == before


class AlwaysFails(ImageAnalyzer):
    def analyze_image(self, image, auxiliary=None):
        raise ValueError("detector saturated")


def test_an_analyzer_failing_on_every_shot_is_failed_with_the_reason(fresh_demo_day):
    analyzer = Array2DScanAnalyzer(
        "UC_TopView", image_analyzer=AlwaysFails(), executor="serial", progress=False
    )
    assert analyzer.run_analysis(fresh_demo_day.tag(1), data_root=fresh_demo_day.data_root) == []
    assert analyzer.last_outcome.status == "failed"
    assert "detector saturated" in analyzer.last_outcome.message
    with pytest.raises(RuntimeError, match="every one of 20 shots failed"):
        Array2DScanAnalyzer(
            "UC_TopView",
            image_analyzer=AlwaysFails(),
            executor="serial",
            progress=False,
            raise_errors=True,
        ).run_analysis(fresh_demo_day.tag(1), data_root=fresh_demo_day.data_root)


def test_missing_scan_is_failed_with_a_clear_message(fresh_demo_day):
    analyzer = beam_analyzer()
    analyzer.run_analysis(fresh_demo_day.tag(9), data_root=fresh_demo_day.data_root)
    assert analyzer.last_outcome.status == "failed"
    assert (
        "Scan009" in analyzer.last_outcome.message
        and "1, 2, 3, 4, 5, 6" in analyzer.last_outcome.message
    )


def test_default_analyzer_without_config(fresh_demo_day):
    analyzer = Array2DScanAnalyzer(device_name="UC_TopView", executor="serial", progress=False)
    files = analyzer.run_analysis(fresh_demo_day.tag(2), data_root=fresh_demo_day.data_root)
    assert len(files) == 2
    assert (
        "UC_TopView_image_total"
        in read_sfile(fresh_demo_day.day_dir / "analysis" / "s2.txt").columns
    )


@pytest.mark.parametrize("keyword", ["mode", "analysis_mode"])  # analysis_mode: the original's
def test_per_bin_mode_analyses_bin_averages(fresh_demo_day, keyword):
    day, scan = fresh_demo_day, fresh_demo_day.scans[2]
    analyzer = beam_analyzer(**{keyword: "per_bin"})
    assert analyzer.mode == analyzer.analysis_mode == "per_bin"
    analyzer.run_analysis(day.tag(2), data_root=day.data_root)
    assert analyzer.last_outcome.status == "done"
    frame = read_sfile(day.day_dir / "analysis" / "s2.txt")
    per_bin = frame.groupby("Bin #")["UC_TopView_x_CoM"]
    assert (per_bin.nunique() == 1).all()  # one value per bin, written to each of its shots
    for number, truth in scan.truth["x_CoM"].items():
        assert per_bin.first()[number] == pytest.approx(truth, abs=1.0)


@pytest.mark.slow
def test_process_pool_gives_the_same_scalars_as_serial(fresh_demo_day, tmp_path):
    day = fresh_demo_day
    serial = beam_analyzer()
    serial.run_analysis(day.tag(2), data_root=day.data_root)
    expected = read_sfile(day.day_dir / "analysis" / "s2.txt")["UC_TopView_x_rms"]
    pooled = Array2DScanAnalyzer(
        "UC_TopView",
        image_analyzer=BeamAnalyzer(BEAM_CONFIG),
        analyzer_id="UC_TopView",
        executor="processes",
        progress=False,
    )
    try:
        pooled.run_analysis(day.tag(2), data_root=day.data_root)
    finally:
        pooled.close()
    got = read_sfile(day.day_dir / "analysis" / "s2.txt")["UC_TopView_x_rms"]
    assert np.allclose(got, expected, equal_nan=True)


class Unpicklable(ImageAnalyzer):
    def __init__(self):
        super().__init__()
        self.lock = threading.Lock()  # cannot be sent to another process

    def analyze_image(self, image, auxiliary=None):
        with self.lock:
            return ImageAnalyzerResult(image, {"mean": float(image.mean())})


def test_unpicklable_analyzer_falls_back_to_threads(fresh_demo_day, caplog):
    analyzer = Array2DScanAnalyzer("UC_TopView", image_analyzer=Unpicklable(), progress=False)
    analyzer.run_analysis(fresh_demo_day.tag(1), data_root=fresh_demo_day.data_root)
    analyzer.close()
    assert analyzer.last_outcome.status == "done" and "using threads" in caplog.text


def test_renderer_kwargs_are_honoured(fresh_demo_day):
    small = beam_analyzer(renderer_kwargs={"dpi": 40, "cmap": "magma", "vmin": 0, "vmax": 500})
    big = beam_analyzer(renderer_kwargs={"dpi": 150}, analyzer_id="UC_TopView_big")
    small_file = small.run_analysis(fresh_demo_day.tag(2), data_root=fresh_demo_day.data_root)[0]
    big_file = big.run_analysis(fresh_demo_day.tag(2), data_root=fresh_demo_day.data_root)[0]
    assert Image.open(small_file).size[0] * 3 < Image.open(big_file).size[0]
    with pytest.raises(ValueError, match="unknown key 'renderer_kwargs.colour'"):
        beam_analyzer(renderer_kwargs={"colour": "red"})


def test_progress_callback_sees_every_shot_counted_up_to_the_total(fresh_demo_day):
    seen: list[tuple[int, int]] = []
    analyzer = Array2DScanAnalyzer(device_name="UC_TopView", executor="serial", progress=False)
    analyzer.progress_callback = lambda done, total: seen.append((done, total))
    analyzer.run_analysis(fresh_demo_day.tag(2), data_root=fresh_demo_day.data_root)
    # a step per shot, then (issue 16 item 3) one per figure drawn: the total grows once
    shots = seen[0][1]
    assert seen[0] == (0, shots) and (shots, shots) in seen
    total = seen[-1][1]
    assert total == shots + 2 and seen[-1] == (total, total)
    assert {t for _, t in seen} == {shots, total}
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


def test_images_that_change_shape_mid_scan_are_left_out_of_the_averages_only(
    fresh_demo_day, caplog
):
    """Issue 10 item 6: a camera whose ROI changed for a few shots does not fail the scan."""
    day = fresh_demo_day
    crop_camera_shots(day, 1, [3, 9, 10])  # 9 opens the second chunk of 8 shots
    analyzer = Array2DScanAnalyzer(
        "UC_TopView",
        image_analyzer=BeamAnalyzer(),
        analyzer_id="UC_TopView",
        executor="serial",
        progress=False,
    )
    with caplog.at_level(logging.WARNING):
        shown = analyzer.run_analysis(day.tag(1), data_root=day.data_root)
    outcome = analyzer.last_outcome
    assert outcome.status == "done", outcome.message
    assert [f.name for f in shown] == ["UC_TopView_average.png", "UC_TopView_scalars.png"]
    assert outcome.shots_left_out == 3 and outcome.shots_analysed == 20
    assert "3 left out of the bin averages (shape differs from (96, 96))" in outcome.message
    assert "(80, 90) x3" in caplog.text and "Shots left out: 3, 9, 10" in caplog.text
    frame = read_sfile(day.day_dir / "analysis" / "s1.txt")
    assert frame["UC_TopView_image_total"].notna().all()


def shot_mean_is_odd(image):
    return int(np.asarray(image, dtype=np.int64).sum()) % 2 == 1


class BadProcessedOnSomeShots(ImageAnalyzer):
    """Scalars fine, but on some shots a processed 'image' that cannot be averaged."""

    def analyze_image(self, image, auxiliary=None):
        processed = np.array([["saturated"]]) if shot_mean_is_odd(image) else self.preprocess(image)
        return ImageAnalyzerResult(processed, {"mean": float(np.mean(image))})


def test_a_shot_failing_after_its_scalars_has_one_outcome(fresh_demo_day):
    """Issue 10 item 4: a failed shot is NaN in the s-file and counted once, as failed."""
    from scan_analysis.data.readers import read_shot
    from scan_analysis.data.shot_files import map_shots_to_files

    day = fresh_demo_day
    files = map_shots_to_files(
        read_sfile(day.day_dir / "analysis" / "s1.txt"),
        day.day_dir / "scans" / "Scan001",
        "UC_TopView",
        scan_number=1,
    )
    bad = {shot for shot, path in files.items() if shot_mean_is_odd(read_shot(path))}
    assert 0 < len(bad) < len(files)
    analyzer = Array2DScanAnalyzer(
        "UC_TopView", image_analyzer=BadProcessedOnSomeShots(), executor="serial", progress=False
    )
    analyzer.run_analysis(day.tag(1), data_root=day.data_root)
    outcome = analyzer.last_outcome
    mean = read_sfile(day.day_dir / "analysis" / "s1.txt").set_index("Shotnumber")[
        "UC_TopView_BadProcessedOnSomeShots_mean"  # your own image_analyzer names its columns
    ]
    assert set(mean[mean.isna()].index) == bad
    assert outcome.shots_failed == len(bad)
    assert outcome.shots_analysed == len(files) - len(bad)
    assert f"{len(bad)} failed in BadProcessedOnSomeShots" in outcome.message
    assert "unreadable" not in outcome.message


class FailsOnOddShots(ImageAnalyzer):
    def analyze_image(self, image, auxiliary=None):
        if shot_mean_is_odd(image):
            raise ZeroDivisionError("no beam in this shot")
        return ImageAnalyzerResult(self.preprocess(image), {"mean": float(np.mean(image))})


def test_many_failing_shots_give_one_warning_with_a_traceback(fresh_demo_day, caplog):
    """Issue 10, must show: analyzer failures at WARNING with the traceback, one line per scan."""
    analyzer = Array2DScanAnalyzer(
        "UC_TopView", image_analyzer=FailsOnOddShots(), executor="serial", progress=False
    )
    with caplog.at_level(logging.DEBUG, logger="scan_analysis"):
        analyzer.run_analysis(fresh_demo_day.tag(1), data_root=fresh_demo_day.data_root)
    assert analyzer.last_outcome.status == "done"
    failed = analyzer.last_outcome.shots_failed
    assert failed > 3
    warnings = [
        r
        for r in caplog.records
        if r.levelno == logging.WARNING and r.name.endswith("single_device")
    ]
    assert len(warnings) == 1
    text = warnings[0].getMessage()
    assert f"{failed} of the 20 shots with files recorded as NaN" in text
    assert "ZeroDivisionError: no beam in this shot" in text
    assert "Traceback" in text and "in analyze_image" in text
    # every shot's reason stays available, below WARNING
    assert sum("no beam in this shot" in r.getMessage() for r in caplog.records) == failed + 1


def test_the_failure_warning_counts_among_the_shots_with_files_and_says_so(fresh_demo_day, caplog):
    """Scan 2 has 19 shots: 3 without files, one of the 16 others truncated.

    The outcome counts every shot of the s-file; the warning counts among the
    shots with files and must say so, or "1 of 16" reads as a different scan.
    """
    analyzer = Array2DScanAnalyzer("UC_TopView", executor="serial", progress=False, save=False)
    with caplog.at_level(logging.WARNING, logger="scan_analysis"):
        analyzer.run_analysis(fresh_demo_day.tag(2), data_root=fresh_demo_day.data_root)
    outcome = analyzer.last_outcome
    assert "15 of 19 shots analysed, 1 unreadable, 3 without files" in outcome.message
    (warning,) = [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and "recorded as NaN" in r.getMessage()
    ]
    assert "1 of the 16 shots with files recorded as NaN: shot 4: cannot read" in warning


INTERRUPTED_SAVE = """
import resource, signal, sys
from scan_analysis import ScanTag
from scan_analysis.analyzers.common import Array2DScanAnalyzer

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[2]), resource.RLIM_INFINITY))
analyzer = Array2DScanAnalyzer("UC_TopView", executor="serial", progress=False)
tag = ScanTag(year=2026, month=5, day=8, number=2, experiment="Undulator")
analyzer.run_analysis(tag, data_root=sys.argv[1])
print(analyzer.last_outcome.status, analyzer.last_outcome.message)
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("limit", "cut_short"),
    [(32_000, "UC_TopView_montage.png"), (150_000, "UC_TopView_bin_averages.npz")],
)
def test_a_save_cut_short_leaves_the_previous_files_whole(
    fresh_demo_day, subprocess_env, limit, cut_short
):
    """Issue 10 item 19: a write that fails half-way (here the file size limit, as a full disk
    or Ctrl-C would) leaves the figures and arrays of the previous run, never a partial file."""
    import subprocess
    import sys

    day = fresh_demo_day
    Array2DScanAnalyzer("UC_TopView", executor="serial", progress=False).run_analysis(
        day.tag(2), data_root=day.data_root
    )
    out = day.day_dir / "analysis" / "Scan002" / "UC_TopView"
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    assert before[cut_short] and len(before[cut_short]) > limit  # this file cannot be written
    run = subprocess.run(
        [sys.executable, "-c", INTERRUPTED_SAVE, str(day.data_root), str(limit)],
        capture_output=True,
        text=True,
        env=subprocess_env,
        timeout=240,
    )
    assert run.stdout.startswith("failed") and "File too large" in run.stdout, run.stderr
    after = {path.name: path.read_bytes() for path in out.iterdir()}
    assert after == before  # nothing half-written, and no temporary files left behind


def test_a_read_only_sfile_keeps_its_content_and_the_figures_are_still_drawn(
    fresh_demo_day, caplog
):
    """Issue 10 item 21: respect a read-only s-file, say so, and still write the figures."""
    import os

    sfile = fresh_demo_day.day_dir / "analysis" / "s2.txt"
    os.chmod(sfile, 0o444)
    before = (sfile.read_bytes(), sfile.stat().st_ino)
    analyzer = beam_analyzer()
    with caplog.at_level(logging.ERROR):
        shown = analyzer.run_analysis(fresh_demo_day.tag(2), data_root=fresh_demo_day.data_root)
    outcome = analyzer.last_outcome
    assert (sfile.read_bytes(), sfile.stat().st_ino) == before
    assert [f.name for f in shown] == [
        "UC_TopView_montage.png",
        "UC_TopView_scalars_vs_parameter.png",
    ]
    assert outcome.status == "done" and not outcome.scalars_written
    assert f"scalars NOT written: {sfile} is read-only" in outcome.message
    assert f"{sfile} is read-only" in caplog.text and "chmod u+w" in caplog.text


# --- saturation (issue 19 part 2) -------------------------------------------------------------
SATURATION_RGB = np.array([232, 0, 11])


def red_pixels(path):
    """Pixels of a saved figure in the saturation marks' red (none in a viridis figure)."""
    rgb = np.asarray(Image.open(path).convert("RGB"), dtype=int)
    return int((np.abs(rgb - SATURATION_RGB).sum(axis=-1) < 30).sum())


def add_saturation(day, number, *, spot_bin, hot_pixel_bin):
    """A saturated 6x5 spot in every shot of one bin, a lone hot pixel in every shot of another."""
    from scan_analysis.data.demo import encode_png
    from scan_analysis.data.readers import read_shot
    from scan_analysis.data.shot_files import map_shots_to_files
    from scan_analysis.errors import ShotReadError

    sfile = read_sfile(day.day_dir / "analysis" / f"s{number}.txt")
    bins = sfile.set_index("Shotnumber")["Bin #"]
    files = map_shots_to_files(
        sfile, day.day_dir / "scans" / f"Scan{number:03d}", "UC_TopView", scan_number=number
    )
    spot_shots = []
    for shot, path in files.items():
        try:
            image = read_shot(path).copy()
        except ShotReadError:  # the demo's corrupt shot stays corrupt
            continue
        if bins[shot] == spot_bin:
            image[40:46, 50:55] = 65535
            spot_shots.append(shot)
        if bins[shot] == hot_pixel_bin:
            image[12, 80] = 65535
        path.write_bytes(encode_png(image))
    return sorted(spot_shots)


@pytest.mark.parametrize("mode", ["per_shot", "per_bin"])
def test_a_saturated_spot_is_counted_marked_on_the_figures_logged_and_in_the_elog(
    fresh_demo_day, caplog, mode
):
    from scan_analysis.elog import ElogEntry, LocalElog, standalone_page
    from scan_analysis.elog.google_doc_layout import entry_text

    day = fresh_demo_day
    analyzer = Array2DScanAnalyzer(
        "UC_TopView", mode=mode, analyzer_id="UC_TopView", executor="serial", progress=False
    )  # the device's config: bit_depth 16, so the level is 65535
    clean = analyzer.run_analysis(day.tag(2), data_root=day.data_root)
    assert [red_pixels(path) for path in clean] == [0, 0]
    assert "saturated" not in analyzer.last_outcome.message
    spot_shots = add_saturation(day, 2, spot_bin=3, hot_pixel_bin=1)
    with caplog.at_level(logging.INFO, logger="scan_analysis"):
        shown = analyzer.run_analysis(day.tag(2), data_root=day.data_root)
    outcome = analyzer.last_outcome
    assert outcome.status == "done", outcome.message

    # the scalar: every pixel of the spot, none for the hot pixel
    frame = read_sfile(day.day_dir / "analysis" / "s2.txt")
    counts = frame.set_index("Shotnumber")["UC_TopView_saturated_pixels"]
    jet = frame.groupby("Bin #")["U_ESP_JetXYZ Position.Axis 1 Alias:JetX"].mean()[3]
    analysed = counts.dropna()
    assert set(analysed[analysed > 0].index) == set(spot_shots)
    assert (analysed[spot_shots] == 30).all() and (analysed.drop(spot_shots) == 0).all()

    # one line in the outcome, one WARNING in the log
    clause = (
        f"saturated pixels in {len(spot_shots)} of {len(analysed)} shots "
        f"(JetX = {jet:.4g}; up to 30 per shot)"
    )
    assert clause in outcome.message
    warned = [r for r in caplog.records if r.levelno == logging.WARNING and clause in r.message]
    assert len(warned) == 1

    # the figures carry the red marks (their artists are checked in tests/render)
    assert [f.name for f in shown] == [
        "UC_TopView_montage.png",
        "UC_TopView_scalars_vs_parameter.png",
    ]
    assert all(red_pixels(path) > 100 for path in shown)

    # the e-log entry says it, on the local page and in the Google Doc text
    entry = ElogEntry(experiment="Undulator", date="2026-05-08", scan=2)
    entry.add_outcome("UC_TopView", outcome.status, message=outcome.message, display_files=shown)
    page = LocalElog(day.day_dir / "analysis" / "elog", experiment="Undulator", date="2026-05-08")
    html = standalone_page(page.write_entry(entry))
    assert f'<p class="saturated">&#9888; UC_TopView: {clause}' in html
    assert f"SATURATED UC_TopView: {clause}" in entry_text(entry)[1]


class _MontageTitlesKept(Array2DScanAnalyzer):
    def _draw(self, jobs, meanwhile=None):
        self.titles = next(job.kwargs["titles"] for job in jobs if "titles" in job.kwargs)
        return super()._draw(jobs, meanwhile=meanwhile)


def test_montage_panels_give_their_bin_values_to_one_number_of_decimals(fresh_demo_day):
    """ "6 mm" beside "5.778 mm" read as different precisions: every panel shows 6.000 mm."""
    day = fresh_demo_day
    analyzer = _MontageTitlesKept("UC_TopView", executor="serial", progress=False)
    analyzer.run_analysis(day.tag(2), data_root=day.data_root)
    values = [title.split(" mm (")[0] for title in analyzer.titles.values()]
    assert values[-1] == "6.000", values  # it was "6"
    assert {len(value.partition(".")[2]) for value in values} == {3}
