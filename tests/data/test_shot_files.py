import hypothesis.strategies as st
import pandas as pd
from hypothesis import HealthCheck, given, settings

from scan_analysis.data.sfile import read_sfile
from scan_analysis.data.shot_files import list_device_files, map_shots_to_files


def make_scan(tmp_path, names, stem="Cam"):
    scan_dir = tmp_path / "Scan007"
    (scan_dir / stem).mkdir(parents=True, exist_ok=True)
    for name in names:
        (scan_dir / stem / name).write_bytes(b"x")
    return scan_dir


def test_native_names_map_by_timestamp(tmp_path):
    scan_dir = make_scan(tmp_path, ["Cam_3921456789.123.png", "Cam_3921456789.323.png"])
    sfile = pd.DataFrame(
        {
            "Shotnumber": [1, 2, 3],
            "Cam acq_timestamp": [3921456789.123, 3921456789.323, 3921456789.523],
        }
    )
    mapping = map_shots_to_files(sfile, scan_dir, "Cam")
    assert {shot: path.name for shot, path in mapping.items()} == {
        1: "Cam_3921456789.123.png",
        2: "Cam_3921456789.323.png",
    }


def test_one_millisecond_either_side_but_never_two(tmp_path):
    scan_dir = make_scan(tmp_path, ["Cam_100.124.png", "Cam_200.002.png"])
    sfile = pd.DataFrame({"Shotnumber": [1, 2], "Cam acq_timestamp": [100.1234999, 200.0]})
    mapping = map_shots_to_files(sfile, scan_dir, "Cam")
    assert list(mapping) == [1]


def test_compound_tails_and_directory_suffix(tmp_path):
    stem = "Spec-interpSpec"
    scan_dir = make_scan(
        tmp_path, [f"{stem}_100.000.tsv", f"{stem}_100.000_postprocessed.png"], stem=stem
    )
    sfile = pd.DataFrame({"Shotnumber": [1], "Spec acq_timestamp": [100.0]})
    plain = map_shots_to_files(sfile, scan_dir, "Spec", directory_suffix="-interpSpec")
    assert plain[1].name == f"{stem}_100.000.tsv"
    post = map_shots_to_files(
        sfile, scan_dir, "Spec", directory_suffix="-interpSpec", file_tail="_postprocessed.png"
    )
    assert post[1].name == f"{stem}_100.000_postprocessed.png"


def test_legacy_names_map_by_shot_number(tmp_path):
    scan_dir = make_scan(
        tmp_path, ["Scan007_Cam_001.png", "Scan007_Cam_003.png", "Scan006_Cam_002.png"]
    )
    sfile = pd.DataFrame({"Shotnumber": [1, 2, 3]})
    assert {s: p.name for s, p in map_shots_to_files(sfile, scan_dir, "Cam").items()} == {
        1: "Scan007_Cam_001.png",
        3: "Scan007_Cam_003.png",
    }


def test_missing_device_folder_is_empty(tmp_path):
    assert map_shots_to_files(pd.DataFrame({"Shotnumber": [1]}), tmp_path, "Nope") == {}
    assert list_device_files(tmp_path, "Nope") == []


def test_demo_day_mapping(demo_day):
    scan = demo_day.scans[2]
    scan_dir = demo_day.day_dir / "scans" / "Scan002"
    sfile = read_sfile(demo_day.day_dir / "analysis" / "s2.txt")
    mapping = map_shots_to_files(sfile, scan_dir, "UC_TopView")
    expected = set(scan.shots) - set(scan.missing_files) - set(scan.missing_rows)
    assert set(mapping) == expected
    legacy = map_shots_to_files(
        read_sfile(demo_day.day_dir / "analysis" / "s5.txt"),
        demo_day.day_dir / "scans" / "Scan005",
        "UC_TopView",
    )
    assert len(legacy) == demo_day.scans[5].n_shots


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start=st.integers(3_800_000_000_000_000, 3_900_000_000_000_000),
    gaps=st.lists(st.integers(2_000, 400_000), min_size=1, max_size=15),
    has_file=st.lists(st.booleans(), min_size=16, max_size=16),
    rendering=st.sampled_from(["{:.6f}", "{!r}", "{:.3f}", "{:.7f}", "{:.9f}"]),
)
def test_timestamp_join_property(tmp_path, start, gaps, has_file, rendering):
    """Every shot maps to its own file; a shot without a file never takes a neighbour's.

    Timestamps are random microseconds, 2 ms to 0.4 s apart; the file name renders
    them with %.3f and the s-file with microsecond precision or finer, read back
    through text as the s-file reader does.
    """
    micros = [start]
    for gap in gaps:
        micros.append(micros[-1] + gap)
    seconds = [m / 1e6 for m in micros]
    scan_dir = tmp_path / "Scan001"
    folder = scan_dir / "Cam"
    if folder.exists():
        for old in folder.iterdir():
            old.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    expected = {}
    for shot, value in enumerate(seconds, start=1):
        if has_file[shot - 1]:
            name = f"Cam_{value:.3f}.png"
            (folder / name).write_bytes(b"")
            expected[shot] = name
    text = "Shotnumber\tCam acq_timestamp\n" + "".join(
        f"{shot}\t{rendering.format(value)}\n" for shot, value in enumerate(seconds, start=1)
    )
    (tmp_path / "s1.txt").write_text(text)
    mapping = map_shots_to_files(read_sfile(tmp_path / "s1.txt"), scan_dir, "Cam")
    assert {shot: path.name for shot, path in mapping.items()} == expected


def test_exact_match_wins_over_a_neighbour_one_millisecond_off(tmp_path):
    scan_dir = make_scan(tmp_path, ["Cam_100.000.png", "Cam_100.001.png"])
    sfile = pd.DataFrame({"Shotnumber": [1, 2, 3], "Cam acq_timestamp": [100.0, 100.001, 100.002]})
    names = {s: p.name for s, p in map_shots_to_files(sfile, scan_dir, "Cam").items()}
    assert names == {1: "Cam_100.000.png", 2: "Cam_100.001.png"}


def test_blank_and_non_numeric_timestamps_are_missing_shots(tmp_path):
    scan_dir = make_scan(tmp_path, ["Cam_100.000.png", "Cam_200.000.png"])
    (tmp_path / "s7.txt").write_text(
        "Shotnumber\tCam acq_timestamp\n1\t100.000\n2\t\n3\tnan\n4\t200.000\n"
    )
    mapping = map_shots_to_files(read_sfile(tmp_path / "s7.txt"), scan_dir, "Cam")
    assert sorted(mapping) == [1, 4]


def test_only_compound_tails_warns_how_to_pick_them(tmp_path, caplog):
    scan_dir = make_scan(tmp_path, ["Cam_100.000_postprocessed.png"])
    sfile = pd.DataFrame({"Shotnumber": [1], "Cam acq_timestamp": [100.0]})
    assert map_shots_to_files(sfile, scan_dir, "Cam") == {}
    assert "'_postprocessed.png'" in caplog.text and "file_tail" in caplog.text
