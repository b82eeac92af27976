import math

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from scan_analysis.data.sfile import format_value, merge_columns, read_sfile
from scan_analysis.errors import SFileError

TEXT = (
    "Bin #\tShotnumber\tElapsed Time\tU_ESP_JetXYZ Position.Axis 1 Alias:JetX"
    "\tU_BCaveICT Charge pC\n"
    "1\t1\t0.2\t4.000\t25.10\n"
    "1\t2\t\t4.001\tnan\n"
    "2\t4\t0.8\t4.5\t24.9\n"
)


def write(tmp_path, text=TEXT, name="s12.txt"):
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def test_read_blank_nan_and_missing_shots(tmp_path):
    frame = read_sfile(write(tmp_path))
    assert list(frame["Shotnumber"]) == [1, 2, 4]
    assert frame["Shotnumber"].dtype.kind == "i" and frame["Bin #"].dtype.kind == "i"
    assert math.isnan(frame.loc[1, "Elapsed Time"]) and math.isnan(
        frame.loc[1, "U_BCaveICT Charge pC"]
    )
    assert "U_ESP_JetXYZ Position.Axis 1 Alias:JetX" in frame.columns


def test_truncated_last_line_is_dropped_with_a_warning(tmp_path, caplog):
    path = write(tmp_path, TEXT + "3\t5\t1.0")
    frame = read_sfile(path)
    assert list(frame["Shotnumber"]) == [1, 2, 4]
    assert "s12.txt" in caplog.text and "cut short" in caplog.text


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty or has no header"), ("a\tb\n1\t2\n", "no 'Shotnumber' column")],
)
def test_unreadable_files_name_the_file(tmp_path, text, message):
    with pytest.raises(SFileError, match=message) as error:
        read_sfile(write(tmp_path, text))
    assert "s12.txt" in str(error.value)


def test_missing_file_says_to_wait_for_the_scan(tmp_path):
    with pytest.raises(SFileError, match="writes it when a scan ends"):
        read_sfile(tmp_path / "s99.txt")


def test_merge_appends_and_keeps_every_other_byte(tmp_path):
    path = write(tmp_path)
    merge_columns(path, pd.DataFrame({"Shotnumber": [4, 1], "cam_x": [1.5, 0.1], "cam_n": [3, 2]}))
    lines = path.read_text().splitlines()
    original = TEXT.splitlines()
    assert lines[0] == original[0] + "\tcam_x\tcam_n"
    assert lines[1] == original[1] + "\t0.1\t2"
    assert lines[2] == original[2] + "\tnan\tnan"  # shot 2 was not analysed
    assert lines[3] == original[3] + "\t1.5\t3"
    frame = read_sfile(path)
    assert frame["cam_x"].tolist()[0] == 0.1


def test_rerun_replaces_its_columns_never_duplicates(tmp_path):
    path = write(tmp_path)
    merge_columns(path, pd.DataFrame({"Shotnumber": [1, 2, 4], "cam_x": [1.0, 2.0, 3.0]}))
    merge_columns(path, pd.DataFrame({"Shotnumber": [1, 2, 4], "other": [7.0, 8.0, 9.0]}))
    merge_columns(path, pd.DataFrame({"Shotnumber": [1, 2, 4], "cam_x": [4.0, np.nan, 6.0]}))
    header = path.read_text().splitlines()[0].split("\t")
    assert header.count("cam_x") == 1 and header[-2:] == ["cam_x", "other"]
    frame = read_sfile(path)
    assert frame["cam_x"].tolist()[0] == 4.0 and math.isnan(frame["cam_x"].tolist()[1])
    assert frame["other"].tolist() == [7.0, 8.0, 9.0]


def test_crlf_and_no_trailing_newline_are_kept(tmp_path):
    path = write(tmp_path, TEXT.replace("\n", "\r\n").rstrip("\r\n"))
    merge_columns(path, pd.DataFrame({"Shotnumber": [1], "a": [1.0]}))
    raw = path.read_bytes()
    assert raw.count(b"\r\n") == 3 and not raw.endswith(b"\n")


def test_merge_refuses_a_file_still_being_written(tmp_path):
    path = write(tmp_path, TEXT + "3\t5")
    before = path.read_bytes()
    with pytest.raises(SFileError, match="cut-short"):
        merge_columns(path, pd.DataFrame({"Shotnumber": [1], "a": [1.0]}))
    assert path.read_bytes() == before


def test_merge_validates_its_input(tmp_path):
    path = write(tmp_path)
    with pytest.raises(ValueError, match="Shotnumber"):
        merge_columns(path, pd.DataFrame({"a": [1.0]}))
    with pytest.raises(ValueError, match="duplicate shot"):
        merge_columns(path, pd.DataFrame({"Shotnumber": [1, 1], "a": [1.0, 2.0]}))
    assert path.read_text() == TEXT
    assert not (tmp_path / "s12.txt.lock").exists()


def test_format_value_round_trips_floats():
    for value in (0.1, 1e-300, 123456789.123456789, -2.5e17):
        assert float(format_value(value)) == value
    assert format_value(float("nan")) == "nan" and format_value(np.int64(4)) == "4"


# --- property test: merge then read back equals expected ------------------------------------
cell = st.one_of(
    st.just(""),
    st.just("nan"),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(lambda v: f"{v:.4f}"),
    st.integers(-1000, 1000).map(str),
)


@st.composite
def sfile_and_columns(draw):
    n_cols = draw(st.integers(1, 4))
    shots = sorted(draw(st.sets(st.integers(1, 60), min_size=1, max_size=25)))
    header = ["Bin #", "Shotnumber"] + [f"Dev{i} Var" for i in range(n_cols)]
    rows = [[str(1 + s // 10), str(s)] + [draw(cell) for _ in range(n_cols)] for s in shots]
    analysed = draw(st.lists(st.sampled_from(shots), unique=True))
    n_new = draw(st.integers(1, 3))
    values = {
        f"an_{k}": [draw(st.one_of(st.floats(allow_infinity=False), st.none())) for _ in analysed]
        for k in range(n_new)
    }
    return header, rows, analysed, values


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=sfile_and_columns(), rerun=st.booleans())
def test_merge_then_read_back_equals_expected(tmp_path, case, rerun):
    header, rows, analysed, values = case
    text = "\t".join(header) + "\n" + "".join("\t".join(r) + "\n" for r in rows)
    path = tmp_path / "s1.txt"
    path.write_text(text)
    frame = pd.DataFrame({"Shotnumber": analysed, **values})
    merge_columns(path, frame)
    if rerun:
        merge_columns(path, frame)
    result = read_sfile(path)
    after = path.read_text().splitlines()
    for original, line in zip(text.splitlines(), after, strict=True):
        assert line.split("\t")[: len(header)] == original.split("\t")  # untouched bytes
    assert list(result.columns) == header + list(values)
    by_shot = dict(zip(analysed, range(len(analysed)), strict=True))
    for name, column in values.items():
        for shot, got in zip(result["Shotnumber"], result[name], strict=True):
            want = column[by_shot[shot]] if shot in by_shot else None
            if want is None or math.isnan(want):
                assert math.isnan(got)
            else:
                assert got == want
