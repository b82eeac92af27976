import pytest

from scan_analysis.data.scan_info import ScanInfo, ScanKind, ScanMode, find_parameter_column
from scan_analysis.errors import ScanInfoError

INI = """[Scan Info]
Scan No = "42"
ScanStartInfo = "jet scan, 100% gas"
Scan Parameter = "U_ESP_JetXYZ:Position.Axis 1"
Start = "4"
End = "6"
Step size = "0.5"
Shots per step = "10"
ScanEndInfo = ""
Background = "False"
ScanMode = "1D"
"""


def test_reads_quoted_values(tmp_path):
    path = tmp_path / "ScanInfoScan042.ini"
    path.write_text(INI)
    info = ScanInfo.from_file(path)
    assert info.scan_number == 42
    assert info.description == "jet scan, 100% gas"
    assert info.parameter == "U_ESP_JetXYZ:Position.Axis 1"
    assert (info.start, info.end, info.step_size, info.shots_per_step) == (4.0, 6.0, 0.5, 10)
    assert info.background is False
    assert info.scan_mode is ScanMode.ONE_D
    assert info.kind is ScanKind.ONE_D


def test_old_file_without_scan_mode_and_missing_keys(tmp_path):
    path = tmp_path / "old.ini"
    path.write_text('\ufeff[Scan Info]\nScan No = "3"\nScan Parameter = "Shotnumber"\n')
    info = ScanInfo.from_file(path)
    assert info.scan_mode is None
    assert info.start is None and info.shots_per_step is None
    assert info.kind is ScanKind.NOSCAN


@pytest.mark.parametrize(
    ("parameter", "mode", "kind"),
    [
        ("noscan", None, ScanKind.NOSCAN),
        ("NOSCAN", "noscan", ScanKind.NOSCAN),
        ("shotnumber", None, ScanKind.NOSCAN),
        ("Shotnumber", "optimization", ScanKind.OPTIMIZATION),
        ("U_Laser:Compressor.Grating", "optimization", ScanKind.OPTIMIZATION),
        ("U_Laser:Compressor.Grating", None, ScanKind.ONE_D),
    ],
)
def test_scan_kind_rules(parameter, mode, kind):
    text = f'[Scan Info]\nScan Parameter = "{parameter}"\n'
    if mode:
        text += f'ScanMode = "{mode}"\n'
    assert ScanInfo.from_text(text).kind is kind


def test_missing_and_empty_files_raise_clear_errors(tmp_path):
    with pytest.raises(ScanInfoError, match="does not exist"):
        ScanInfo.from_file(tmp_path / "ScanInfoScan001.ini")
    (tmp_path / "empty.ini").write_text("garbage without sections\n")
    with pytest.raises(ScanInfoError, match=r"empty\.ini has no \[Scan Info\]"):
        ScanInfo.from_file(tmp_path / "empty.ini")


def test_parameter_column_matching():
    columns = [
        "Bin #",
        "Shotnumber",
        "U_ESP_JetXYZ Position.Axis 10",
        "U_ESP_JetXYZ Position.Axis 1 Alias:JetX",
    ]
    assert find_parameter_column(columns, "U_ESP_JetXYZ:Position.Axis 1") == columns[3]
    assert find_parameter_column(columns, "U_ESP_JetXYZ:Position.Axis 10") == columns[2]
    assert find_parameter_column(
        columns + ["U_ESP_JetXYZ Position.Axis 1"], "U_ESP_JetXYZ:Position.Axis 1"
    ) == ("U_ESP_JetXYZ Position.Axis 1")
    assert find_parameter_column(columns, "U_Other:Thing") is None


def test_demo_scans_have_the_documented_kinds(demo_day):
    from scan_analysis.data.scan_paths import ScanPaths
    from scan_analysis.data.sfile import read_sfile

    kinds = {}
    for number in demo_day.scans:
        paths = ScanPaths(demo_day.tag(number), data_root=demo_day.data_root)
        info = ScanInfo.for_scan(paths)
        kinds[number] = info.kind
        column = info.parameter_column(read_sfile(paths.sfile).columns)
        assert column == demo_day.scans[number].parameter_column
    assert kinds == {
        1: ScanKind.NOSCAN,
        2: ScanKind.ONE_D,
        3: ScanKind.ONE_D,
        4: ScanKind.OPTIMIZATION,
        5: ScanKind.ONE_D,
        6: ScanKind.NOSCAN,
    }
