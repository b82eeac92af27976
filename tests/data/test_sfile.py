import logging
import math
import os
import stat
import tempfile
from pathlib import Path

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from scan_analysis.analyzers.common import Array2DScanAnalyzer
from scan_analysis.data.file_lock import FileLock, lease_guard
from scan_analysis.data.sfile import format_value, merge_columns, read_sfile
from scan_analysis.errors import LockLostError, LockTimeoutError, SFileError

HEADER = (
    "Bin #\tShotnumber\tElapsed Time\tU_ESP_JetXYZ Position.Axis 1 Alias:JetX\tU_BCaveICT Charge pC"
)
TEXT = HEADER + "\n1\t1\t0.2\t4.000\t25.10\n1\t2\t\t4.001\tnan\n2\t4\t0.8\t4.5\t24.9\n"


def write_sfile(folder: Path, text: str | bytes = TEXT, name: str = "s12.txt") -> Path:
    path = folder / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def merge(path: Path, **columns) -> list[str]:
    return merge_columns(path, pd.DataFrame(columns))


# --- reading ---------------------------------------------------------------------------------
def test_read_blank_nan_and_missing_shots(tmp_path):
    frame = read_sfile(write_sfile(tmp_path))
    assert list(frame.columns) == HEADER.split("\t")
    assert frame["Shotnumber"].tolist() == [1, 2, 4]  # shot 3 missing: simply absent
    assert frame["Shotnumber"].dtype == np.int64 and frame["Bin #"].dtype == np.int64
    assert math.isnan(frame.loc[1, "Elapsed Time"])  # blank
    assert math.isnan(frame.loc[1, "U_BCaveICT Charge pC"])  # nan
    assert frame["U_ESP_JetXYZ Position.Axis 1 Alias:JetX"].tolist() == [4.0, 4.001, 4.5]


def test_text_columns_stay_text(tmp_path):
    text = 'Shotnumber\tComment\tValue\n1\t"good #1\t1\n2\t\tNaN\n3\t7\t-inf\n'
    frame = read_sfile(write_sfile(tmp_path, text))
    assert frame["Comment"].tolist()[0] == '"good #1' and pd.isna(frame["Comment"][1])
    assert frame["Comment"][2] == "7"
    assert frame["Value"].tolist()[0] == 1.0 and math.isnan(frame["Value"][1])
    assert frame["Value"][2] == -math.inf


def test_truncated_last_line_is_dropped_with_a_warning_naming_the_file(tmp_path, caplog):
    frame = read_sfile(write_sfile(tmp_path, TEXT + "3\t5\t1.0"))
    assert frame["Shotnumber"].tolist() == [1, 2, 4]
    assert "s12.txt" in caplog.text and "cut short" in caplog.text


def test_short_row_in_the_middle_is_padded_with_nan(tmp_path):
    frame = read_sfile(write_sfile(tmp_path, "Shotnumber\tA\tB\n1\t2\n2\t3\t4\n"))
    assert frame["A"].tolist() == [2, 3] and math.isnan(frame["B"][0])


def test_header_only_file_has_no_rows(tmp_path):
    frame = read_sfile(write_sfile(tmp_path, "Bin #\tShotnumber\tA\n"))
    assert frame.empty and list(frame.columns) == ["Bin #", "Shotnumber", "A"]


def test_crlf_bom_blank_lines_and_trailing_tabs(tmp_path):
    text = "\ufeffBin #\tShotnumber\tA\t\r\n1\t1\t0.5\t\r\n\r\n1\t2\t0.7\t\r\n\r\n"
    frame = read_sfile(write_sfile(tmp_path, text))
    assert list(frame.columns) == ["Bin #", "Shotnumber", "A"]
    assert frame["Shotnumber"].tolist() == [1, 2] and frame["A"].tolist() == [0.5, 0.7]


def test_windows_1252_header_is_read(tmp_path):
    path = write_sfile(tmp_path, "Shotnumber\tSpot \u00b5m\n1\t3\n".encode("cp1252"))
    assert list(read_sfile(path).columns) == ["Shotnumber", "Spot \u00b5m"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty or has no header"),
        ("\n\n", "empty or has no header"),
        ("a\tb\n1\t2\n", "no 'Shotnumber' column"),
    ],
)
def test_unreadable_files_name_the_file_and_the_fix(tmp_path, text, message):
    with pytest.raises(SFileError, match=message) as error:
        read_sfile(write_sfile(tmp_path, text))
    assert str(tmp_path / "s12.txt") in str(error.value)


def test_key_columns_are_found_in_any_case(tmp_path):
    text = (
        "bin #\tshotnumber\tElapsed Time\tUC_TopView ACQ_Timestamp\n"
        "1\t1\t0.2\t3861020000.203\n2\t3\t0.4\t3861020000.703\n"
    )
    frame = read_sfile(write_sfile(tmp_path, text))
    assert list(frame.columns) == [
        "Bin #",
        "Shotnumber",
        "Elapsed Time",
        "UC_TopView acq_timestamp",
    ]
    assert frame["Shotnumber"].tolist() == [1, 3] and frame["Bin #"].tolist() == [1, 2]
    assert frame["Shotnumber"].dtype == np.int64 and frame["Bin #"].dtype == np.int64


def test_an_exact_key_column_wins_and_two_case_variants_are_an_error(tmp_path):
    frame = read_sfile(write_sfile(tmp_path, "Shotnumber\tshotnumber\n1\t7\n"))
    assert list(frame.columns) == ["Shotnumber", "shotnumber"] and frame["Shotnumber"].tolist() == [
        1
    ]
    path = write_sfile(tmp_path, "shotnumber\tSHOTNUMBER\n1\t1\n")
    with pytest.raises(SFileError, match=r"s12\.txt: columns 'shotnumber' and 'SHOTNUMBER'"):
        read_sfile(path)


def test_missing_file_says_to_wait_for_the_scan(tmp_path):
    with pytest.raises(SFileError, match=r"s99\.txt does not exist.*wait for the scan"):
        read_sfile(tmp_path / "s99.txt")


# --- merging ---------------------------------------------------------------------------------
def test_merge_appends_and_keeps_every_other_byte(tmp_path):
    path = write_sfile(tmp_path)
    assert merge(path, Shotnumber=[4, 1], cam_x=[1.5, 0.1], cam_n=[3, 2]) == ["cam_x", "cam_n"]
    original = TEXT.splitlines()
    assert path.read_text().splitlines() == [
        original[0] + "\tcam_x\tcam_n",
        original[1] + "\t0.1\t2",
        original[2] + "\tnan\tnan",  # shot 2 was not analysed
        original[3] + "\t1.5\t3",
    ]
    assert read_sfile(path)["cam_x"].tolist()[::2] == [0.1, 1.5]
    assert not (tmp_path / "s12.txt.lock").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s12.txt"]


def test_merge_matches_a_lower_case_shot_column_and_keeps_its_bytes(tmp_path):
    text = TEXT.replace("Shotnumber", "shotnumber").replace("Bin #", "BIN #")
    path = write_sfile(tmp_path, text)
    merge(path, Shotnumber=[1, 4], a=[1.5, 2.5])
    before, after = text.splitlines(), path.read_text().splitlines()
    assert after[0] == before[0] + "\ta"
    assert after[1:] == [
        f"{line}\t{value}" for line, value in zip(before[1:], ["1.5", "nan", "2.5"], strict=True)
    ]


def test_a_scan_with_case_variant_key_columns_is_analysed(fresh_demo_day):
    day, scan = fresh_demo_day, fresh_demo_day.scans[2]
    path = day.day_dir / "analysis" / "s2.txt"
    header, rows = path.read_bytes().split(b"\n", 1)
    variant = header.replace(b"Bin #", b"BIN #").replace(b"Shotnumber", b"shotnumber")
    variant = variant.replace(b"UC_TopView acq_timestamp", b"UC_TopView ACQ_Timestamp")
    path.write_bytes(variant + b"\n" + rows)
    analyzer = Array2DScanAnalyzer("UC_TopView", executor="serial", progress=False)
    analyzer.run_analysis(day.tag(2), data_root=day.data_root)
    assert analyzer.last_outcome.status == "done", analyzer.last_outcome.message
    assert sorted(analyzer.bins.values) == sorted(scan.bin_values)
    written_header, written_rows = path.read_bytes().split(b"\n", 1)
    assert written_header.startswith(variant + b"\tUC_TopView_")
    analysed = (
        read_sfile(path).set_index("Shotnumber").filter(like="UC_TopView_").notna().any(axis=1)
    )
    unanalysed = len(scan.missing_rows) + len(scan.missing_files) + len(scan.corrupt_files)
    assert analysed.sum() == len(scan.shots) - unanalysed
    width = len(header.split(b"\t"))  # the DAQ's cells are kept byte for byte
    assert [row.split(b"\t")[:width] for row in written_rows.splitlines()] == [
        row.split(b"\t")[:width] for row in rows.splitlines()
    ]


def test_rerun_replaces_its_columns_never_duplicates(tmp_path):
    path = write_sfile(tmp_path)
    merge(path, Shotnumber=[1, 2, 4], cam_x=[1.0, 2.0, 3.0])
    merge(path, Shotnumber=[1, 2, 4], other=[7.0, 8.0, 9.0])
    merge(path, Shotnumber=[1, 4], cam_x=[4.0, np.nan])
    header = path.read_text().splitlines()[0].split("\t")
    assert header.count("cam_x") == 1 and header[-2:] == ["cam_x", "other"]
    frame = read_sfile(path)
    assert frame["cam_x"].tolist()[0] == 4.0 and frame["cam_x"].isna().tolist()[1:] == [True] * 2
    assert frame["other"].tolist() == [7.0, 8.0, 9.0]


def test_line_endings_bom_blank_lines_and_odd_bytes_survive(tmp_path):
    text = (
        b"\xef\xbb\xbfShotnumber\tSpot \xb5m\tA\r\n"  # BOM, then a cp1252 byte in a name
        b"1\t3.10\t1e-5\r\n"
        b"\r\n"  # a blank line
        b"2\t  4\t-0\n"  # a lone LF line ending
        b"3\t5\tnan"  # no final line break
    )
    path = write_sfile(tmp_path, text)
    merge(path, Shotnumber=[2, 3], new=[0.5, 0.25])
    assert path.read_bytes() == (
        b"\xef\xbb\xbfShotnumber\tSpot \xb5m\tA\tnew\r\n"
        b"1\t3.10\t1e-5\tnan\r\n"
        b"\r\n"
        b"2\t  4\t-0\t0.5\n"
        b"3\t5\tnan\t0.25"
    )


def test_cell_terminated_style_is_kept(tmp_path):
    path = write_sfile(tmp_path, "Shotnumber\tA\t\n1\t0.5\t\n2\t0.7\t\n")
    merge(path, Shotnumber=[1, 2], new=[1.0, 2.0])
    assert path.read_text() == "Shotnumber\tA\tnew\t\n1\t0.5\t1.0\t\n2\t0.7\t2.0\t\n"


def test_short_middle_row_is_padded_so_new_cells_line_up(tmp_path):
    path = write_sfile(tmp_path, "Shotnumber\tA\tB\n1\t2\n2\t3\t4\n")
    merge(path, Shotnumber=[1, 2], new=[5.0, 6.0])
    assert path.read_text() == "Shotnumber\tA\tB\tnew\n1\t2\t\t5.0\n2\t3\t4\t6.0\n"
    assert read_sfile(path)["new"].tolist() == [5.0, 6.0]


def test_merge_keeps_permissions(tmp_path):
    path = write_sfile(tmp_path)
    os.chmod(path, 0o664)
    merge(path, Shotnumber=[1], a=[1.0])
    assert stat.S_IMODE(path.stat().st_mode) == 0o664


def test_merge_refuses_a_file_still_being_written(tmp_path):
    path = write_sfile(tmp_path, TEXT + "3\t5")
    with pytest.raises(SFileError, match=r"s12\.txt ends with a cut-short row.*re-run") as error:
        merge(path, Shotnumber=[1], a=[1.0])
    assert "line 5" in str(error.value)
    assert path.read_text() == TEXT + "3\t5"


def test_merge_refuses_rows_wider_than_the_header(tmp_path):
    text = "Shotnumber\tA\n1\t2\t3\n2\t3\n"
    path = write_sfile(tmp_path, text)
    with pytest.raises(SFileError, match=r"line 2 has 3 cells but the header names 2"):
        merge(path, Shotnumber=[1], a=[1.0])
    assert path.read_text() == text


def test_merge_into_a_missing_file_makes_no_lock(tmp_path):
    with pytest.raises(SFileError, match="does not exist"):
        merge(tmp_path / "s3.txt", Shotnumber=[1], a=[1.0])
    assert list(tmp_path.iterdir()) == []


def test_merge_waits_for_the_lock_then_times_out_naming_the_holder(tmp_path):
    path = write_sfile(tmp_path)
    held = FileLock(tmp_path / "s12.txt.lock", label="other-writer")
    timeout = pytest.raises(LockTimeoutError, match=r"s12\.txt\.lock.*other-writer")
    with held, timeout:
        merge_columns(path, pd.DataFrame({"Shotnumber": [1], "a": [1.0]}), lock_timeout=0.2)
    assert path.read_text() == TEXT


def test_merge_guarded_by_a_lost_task_claim_writes_nothing(tmp_path):
    path = write_sfile(tmp_path)
    claim = FileLock(tmp_path / "task.claim", stale_after=10)
    with claim, lease_guard(claim):
        merge(path, Shotnumber=[1], a=[1.0])  # still ours: written
        written = path.read_bytes()
        (tmp_path / "task.claim").unlink()  # taken over by another runner meanwhile
        (tmp_path / "task.claim").write_text("{}")
        with pytest.raises(LockLostError, match=r"task\.claim.*nothing was written"):
            merge(path, Shotnumber=[1], a=[2.0])
    assert path.read_bytes() == written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s12.txt", "task.claim"]


def test_shots_unknown_to_the_sfile_are_ignored(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="scan_analysis.data.sfile")
    path = write_sfile(tmp_path)
    merge(path, Shotnumber=[1, 99], a=[1.0, 2.0])
    assert read_sfile(path)["a"].tolist()[0] == 1.0 and "99" in caplog.text


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"a": [1.0]}, "need a 'Shotnumber' column"),
        ({"Shotnumber": [1, 1], "a": [1.0, 2.0]}, "duplicate shot numbers"),
        ({"Shotnumber": [1.5], "a": [1.0]}, "whole numbers"),
        ({"Shotnumber": [None], "a": [1.0]}, "whole numbers"),
        ({"Shotnumber": [1], "bad\tname": [1.0]}, "without tabs"),
        ({"Shotnumber": [1], "Bin #": [1.0]}, "the DAQ's column"),
        ({"Shotnumber": [1], "bin #": [1.0]}, "the DAQ's column"),
        ({"Shotnumber": [1], "SHOTNUMBER": [1.0]}, "the DAQ's column"),
        ({"Shotnumber": [1], "a": ["x\ty"]}, "tabs or line breaks"),
    ],
)
def test_merge_validates_its_input_and_leaves_the_file_alone(tmp_path, columns, message):
    path = write_sfile(tmp_path)
    with pytest.raises(ValueError, match=message) as error:
        merge(path, **columns)
    assert "s12.txt" in str(error.value) or "tabs or line breaks" in message
    assert path.read_text() == TEXT
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s12.txt"]


def test_merging_nothing_changes_nothing(tmp_path):
    path = write_sfile(tmp_path)
    assert merge(path, Shotnumber=[1, 2]) == []
    assert path.read_text() == TEXT


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.1, "0.1"),
        (float("nan"), "nan"),
        (None, "nan"),
        (pd.NA, "nan"),
        (np.float32(0.5), "0.5"),
        (np.float64(-2.5e17), "-2.5e+17"),
        (np.int64(4), "4"),
        (True, "1"),
        (math.inf, "inf"),
        ("ok", "ok"),
    ],
)
def test_format_value(value, text):
    assert format_value(value) == text


def test_format_value_round_trips_floats_exactly():
    for value in (0.1, 1 / 3, 1e-300, 5e-324, 123456789.123456789, -2.5e17, np.float32(0.1)):
        assert float(format_value(value)) == float(value)


# --- property: merge then read back equals expected --------------------------------------
cell = st.one_of(
    st.just(""),
    st.just("nan"),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(lambda v: f"{v:.4f}"),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda v: f"{v:g}"),
    st.integers(-1000, 1000).map(str),
)
new_value = st.one_of(st.none(), st.floats(allow_infinity=False), st.integers(-5, 5))


@st.composite
def sfile_and_columns(draw):
    n_columns = draw(st.integers(1, 4))
    shots = sorted(draw(st.sets(st.integers(1, 60), min_size=1, max_size=25)))
    header = ["Bin #", "Shotnumber"] + [f"Dev{i} Var" for i in range(n_columns)]
    rows = [[str(1 + s // 10), str(s)] + [draw(cell) for _ in range(n_columns)] for s in shots]
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join("\t".join(cells) for cells in [header, *rows])
    text += newline if draw(st.booleans()) else ""
    names = [f"an_{k}" for k in range(draw(st.integers(1, 3)))]

    def analysis():
        analysed = draw(st.lists(st.sampled_from(shots + [99]), unique=True))
        values = {name: [draw(new_value) for _ in analysed] for name in names}
        return pd.DataFrame({"Shotnumber": analysed, **values}, dtype=object)

    return text, analysis(), analysis()


def expected_cell(columns: pd.DataFrame, name: str, shot: int) -> float:
    matches = columns.loc[columns["Shotnumber"] == shot, name].tolist()
    value = matches[0] if matches else None
    return math.nan if value is None else float(value)


def same_number(got: float, want: float) -> bool:
    return (math.isnan(got) and math.isnan(want)) or got == want


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=sfile_and_columns())
def test_merge_property(tmp_path, case):
    text, first, second = case
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    path = write_sfile(folder, text, name="s1.txt")
    original_lines = text.encode().splitlines(keepends=True)

    merge_columns(path, first)
    once = path.read_bytes()
    merge_columns(path, first)
    assert path.read_bytes() == once  # merging twice is idempotent

    # untouched bytes: each old line is a prefix of the new one, line ending kept
    for old, new in zip(original_lines, once.splitlines(keepends=True), strict=True):
        body = old.rstrip(b"\r\n")
        assert new.startswith(body + b"\t") and new.endswith(old[len(body) :])

    result = read_sfile(path)
    original = read_sfile(write_sfile(folder, text, name="s2.txt"))
    pd.testing.assert_frame_equal(result[original.columns], original)
    names = [c for c in first.columns if c != "Shotnumber"]
    assert list(result.columns) == list(original.columns) + names
    for name in names:
        for shot, got in zip(result["Shotnumber"], result[name], strict=True):
            assert same_number(float(got), expected_cell(first, name, shot))

    merge_columns(path, second)  # a re-run with other values replaces, never duplicates
    fresh = write_sfile(folder, text, name="s3.txt")
    merge_columns(fresh, second)
    assert path.read_bytes() == fresh.read_bytes()


def test_a_read_only_sfile_is_left_untouched(tmp_path):
    """Issue 10 item 21: the rename could replace it (the folder is writable); it must not."""
    path = write_sfile(tmp_path)
    os.chmod(path, 0o444)
    before = path.stat()
    with pytest.raises(SFileError, match=r"s12\.txt is read-only.*chmod u\+w") as caught:
        merge(path, Shotnumber=[1, 2, 4], charge=[1.0, 2.0, 3.0])
    assert caught.value.path == path
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns, stat.S_IMODE(after.st_mode)) == (
        before.st_ino,
        before.st_mtime_ns,
        0o444,
    )
    assert path.read_text() == TEXT
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s12.txt"]
