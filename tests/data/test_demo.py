import hashlib

import numpy as np
import pytest

from scan_analysis.data.demo import (
    CAMERA,
    DEMO_MARKER,
    build_demo_day,
    encode_png,
    is_demo_root,
    write_demo_scan,
)
from scan_analysis.data.readers import read_shot
from scan_analysis.data.scan_info import ScanInfo
from scan_analysis.data.sfile import read_sfile
from scan_analysis.data.shot_files import map_shots_to_files
from scan_analysis.errors import ShotReadError

SMALL = {"image_shape": (64, 64), "n_bins": 3, "shots_per_bin": 3}


def digest(folder):
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    h = hashlib.sha256()
    for path in files:
        h.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return h.hexdigest()


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    one = build_demo_day(tmp_path / "a", **SMALL)
    two = build_demo_day(tmp_path / "b", **SMALL)
    three = build_demo_day(tmp_path / "c", seed=1, **SMALL)
    assert digest(tmp_path / "a") == digest(tmp_path / "b") != digest(tmp_path / "c")
    assert one.scans.keys() == two.scans.keys() == three.scans.keys()


def test_only_a_folder_the_builder_made_is_marked_as_a_demo_folder(tmp_path):
    assert is_demo_root(build_demo_day(tmp_path / "new", **SMALL).data_root)
    (tmp_path / "empty").mkdir()
    assert is_demo_root(build_demo_day(tmp_path / "empty", **SMALL).data_root)
    (tmp_path / "users").mkdir()
    (tmp_path / "users" / "notes.txt").write_text("mine")
    assert not is_demo_root(build_demo_day(tmp_path / "users", **SMALL).data_root)
    assert not (tmp_path / "users" / DEMO_MARKER).exists()
    assert (tmp_path / "users" / "notes.txt").read_text() == "mine"


def test_layout_is_the_geecs_layout(demo_day):
    day = demo_day.day_dir
    assert day.relative_to(demo_day.data_root).as_posix() == "Undulator/Y2026/05-May/26_0508"
    for number in range(1, 7):
        assert (day / "scans" / f"Scan{number:03d}" / f"ScanInfoScan{number:03d}.ini").is_file()
        assert (day / "analysis" / f"s{number}.txt").is_file()
    assert not (day / "scans" / "Scan006" / CAMERA).exists()
    names = [p.name for p in (day / "scans" / "Scan005" / CAMERA).iterdir()]
    assert all(name.startswith("Scan005_UC_TopView_") for name in names)
    assert "ScanMode" not in (day / "scans" / "Scan005" / "ScanInfoScan005.ini").read_text()


def test_jet_scan_spot_moves_grows_and_dims(demo_day):
    scan = demo_day.scans[2]
    sfile = read_sfile(demo_day.day_dir / "analysis" / "s2.txt")
    assert len(scan.bins) >= 10 and all(len(shots) >= 10 for shots in scan.bins.values())
    assert set(scan.missing_rows).isdisjoint(sfile["Shotnumber"])
    mapping = map_shots_to_files(sfile, demo_day.day_dir / "scans" / "Scan002", CAMERA)
    first_bin, last_bin = scan.bins[1][0], scan.bins[len(scan.bins)][-1]
    images = [
        read_shot(mapping[first_bin]).astype(float),
        read_shot(mapping[last_bin]).astype(float),
    ]
    centroids = []
    for image in images:
        signal = np.clip(image - 130, 0, None)
        signal[signal > 2000] = 0  # hot pixels and crosshair
        ys, xs = np.indices(image.shape)
        centroids.append((signal * xs).sum() / signal.sum())
    assert centroids[1] > centroids[0] + 20  # moved right
    assert scan.truth["x_rms"][10] > scan.truth["x_rms"][1]
    assert images[1].max() < images[0].max() or scan.truth["peak"][10] < scan.truth["peak"][1]
    assert read_shot(mapping[first_bin]).dtype == np.uint16


def test_defects_are_there(demo_day):
    scan = demo_day.scans[2]
    assert len(scan.missing_files) == 3 and len(scan.corrupt_files) == 1
    with pytest.raises(ShotReadError):
        read_shot(scan.corrupt_files[0])
    text = (demo_day.day_dir / "analysis" / "s2.txt").read_text()
    assert "\t\t" in text and "\tnan" in text


def test_write_scan_later_for_live_tests(fresh_demo_day):
    info = write_demo_scan(fresh_demo_day.day_dir, 7, "noscan", image_shape=(32, 32))
    assert (
        ScanInfo.from_file(
            fresh_demo_day.day_dir / "scans" / "Scan007" / "ScanInfoScan007.ini"
        ).scan_number
        == 7
    )
    assert len(read_sfile(fresh_demo_day.day_dir / "analysis" / "s7.txt")) == info.n_shots


def test_large_option_makes_big_frames(tmp_path):
    info = write_demo_scan(
        tmp_path, 1, "jet_scan", image_shape=(512, 384), n_bins=2, shots_per_bin=2, defects=False
    )
    path = next((tmp_path / "scans" / "Scan001" / CAMERA).iterdir())
    assert read_shot(path).shape == (512, 384) and info.n_shots == 4 and not info.missing_files


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_fast_png_encoder_round_trips_through_the_reader(tmp_path, dtype):
    image = np.random.default_rng(3).integers(0, np.iinfo(dtype).max, (37, 53), dtype=dtype)
    path = tmp_path / "frame.png"
    path.write_bytes(encode_png(image))
    decoded = read_shot(path)
    assert decoded.dtype == dtype and np.array_equal(decoded, image)


def test_file_names_render_the_sfile_timestamps(demo_day):
    """Every device's native file name is its s-file acq_timestamp rendered with %.3f."""
    sfile = read_sfile(demo_day.day_dir / "analysis" / "s1.txt")
    scan_dir = demo_day.day_dir / "scans" / "Scan001"
    for folder, column in [
        ("UC_TopView", "UC_TopView acq_timestamp"),
        ("UC_Spectrometer-interpSpec", "UC_Spectrometer acq_timestamp"),
    ]:
        names = sorted(p.name for p in (scan_dir / folder).iterdir())
        suffix = ".png" if folder == CAMERA else ".tsv"
        assert names == sorted(f"{folder}_{value:.3f}{suffix}" for value in sfile[column])
    assert (sfile["UC_TopView acq_timestamp"] != sfile["UC_Spectrometer acq_timestamp"]).all()
