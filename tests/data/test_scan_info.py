from pathlib import Path

import pytest

from scan_analysis import ScanTag
from scan_analysis.data.scan_info import ScanInfo, ScanKind, find_parameter_column
from scan_analysis.data.scan_paths import ScanPaths
from scan_analysis.errors import ScanInfoError

INI = """[Scan Info]
Scan No = "42"
ScanStartInfo = "jet scan, 100% gas; 5 mm nozzle"
Scan Parameter = "U_ESP_JetXYZ:Position.Axis 1"
Start = "4"
End = "6"
Step size = "0.5"
Shots per step = "10"
ScanEndInfo = ""
Background = "False"
ScanMode = "1D"
"""


def write_ini(folder: Path, text: str, *, name="ScanInfoScan042.ini", encoding="utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def ini_text(parameter: str, mode: str | None = None) -> str:
    text = f'[Scan Info]\nScan No = "1"\nScan Parameter = "{parameter}"\n'
    return text + (f'ScanMode = "{mode}"\n' if mode is not None else "")


def test_reads_quoted_values(tmp_path):
    info = ScanInfo.from_file(write_ini(tmp_path, INI))
    assert info.scan_number == 42
    assert info.description == "jet scan, 100% gas; 5 mm nozzle"
    assert info.parameter == "U_ESP_JetXYZ:Position.Axis 1"
    assert (info.start, info.end, info.step_size, info.shots_per_step) == (4.0, 6.0, 0.5, 10)
    assert info.end_info == "" and info.background is False
    assert info.scan_mode is ScanKind.ONE_D and info.kind is ScanKind.ONE_D
    assert info.raw["Step size"] == "0.5"


def test_for_scan_reads_the_ini_in_the_scan_folder(tmp_path):
    paths = ScanPaths(
        ScanTag(year=2026, month=5, day=8, number=42, experiment="Undulator"), data_root=tmp_path
    )
    write_ini(paths.scan_dir, INI)
    assert ScanInfo.for_scan(paths).path == paths.ini_file
    assert ScanInfo.for_scan(paths).scan_number == 42


def test_old_file_without_scan_mode_missing_keys_and_bom(tmp_path):
    path = write_ini(tmp_path, '\ufeff[Scan Info]\nScan No = "3"\nScan Parameter = "Shotnumber"\n')
    info = ScanInfo.from_file(path)
    assert info.scan_number == 3 and info.scan_mode is None
    assert info.start is None and info.end is None and info.shots_per_step is None
    assert info.description == "" and info.background is False
    assert info.kind is ScanKind.NOSCAN


def test_lenient_with_duplicates_comments_case_and_windows_text(tmp_path):
    text = (
        "; written by LabVIEW\r\n[Other]\r\nScan No = 99\r\n[scan info]\r\n"
        'scan no = "7"\r\nStart = "1"\r\nStart = "2"\r\nBackground = "TRUE"\r\n'
        'ScanStartInfo = "5 \u00b5m spot, 50% energy"\r\nEnd = "not a number"\r\n'
    )
    info = ScanInfo.from_file(write_ini(tmp_path, text, encoding="cp1252"))
    assert info.scan_number == 7  # keys match in any case; [Other] ignored
    assert info.start == 2.0  # the later duplicate wins
    assert info.background is True
    assert info.description == "5 \u00b5m spot, 50% energy"
    assert info.end is None  # unreadable number is missing, not an error


@pytest.mark.parametrize(
    ("parameter", "mode", "kind"),
    [
        ("noscan", None, ScanKind.NOSCAN),
        ("NOSCAN", "noscan", ScanKind.NOSCAN),
        ("shotnumber", None, ScanKind.NOSCAN),
        ("Shotnumber", "1D", ScanKind.NOSCAN),
        ("Shotnumber", "optimization", ScanKind.OPTIMIZATION),
        ("U_Laser:Compressor.Grating", "Optimization", ScanKind.OPTIMIZATION),
        ("U_Laser:Compressor.Grating", None, ScanKind.ONE_D),
        ("U_Laser:Compressor.Grating", "1D", ScanKind.ONE_D),
        ("U_Laser:Compressor.Grating", "standard", ScanKind.ONE_D),
        ("U_Laser:Compressor.Grating", "something new", ScanKind.ONE_D),
    ],
)
def test_scan_kind_rules(parameter, mode, kind):
    assert ScanInfo.from_text(ini_text(parameter, mode)).kind is kind


def test_unknown_scan_mode_is_logged(caplog):
    assert ScanInfo.from_text(ini_text("A:B", "spiral")).scan_mode is None
    assert "spiral" in caplog.text


def test_missing_file_says_where_it_should_be(tmp_path):
    with pytest.raises(ScanInfoError, match="does not exist") as error:
        ScanInfo.from_file(tmp_path / "ScanInfoScan001.ini")
    assert "ScanInfoScan001.ini" in str(error.value) and "scan number" in str(error.value)


@pytest.mark.parametrize("text", ["", "garbage without sections\n", "[Other]\nScan No = 1\n"])
def test_file_without_scan_info_names_the_file(tmp_path, text):
    path = write_ini(tmp_path, text, name="bad.ini")
    with pytest.raises(ScanInfoError, match=r"bad\.ini has no \[Scan Info\] values"):
        ScanInfo.from_file(path)


COLUMNS = [
    "Bin #",
    "Shotnumber",
    "U_ESP_JetXYZ Position.Axis 10",
    "U_ESP_JetXYZ Position.Axis 1 Alias:JetX",
    "U_Laser Compressor.Grating",
]


@pytest.mark.parametrize(
    ("parameter", "expected"),
    [
        ("U_ESP_JetXYZ:Position.Axis 1", "U_ESP_JetXYZ Position.Axis 1 Alias:JetX"),
        ("U_ESP_JetXYZ:Position.Axis 10", "U_ESP_JetXYZ Position.Axis 10"),
        ("U_Laser:Compressor.Grating", "U_Laser Compressor.Grating"),
        (" U_Laser:Compressor.Grating ", "U_Laser Compressor.Grating"),
        ("U_ESP_JetXYZ:Position.Axis 2", None),
        ("U_Other:Thing", None),
    ],
)
def test_parameter_column_matching(parameter, expected):
    assert find_parameter_column(COLUMNS, parameter) == expected


def test_exact_column_wins_over_alias_suffixed_one():
    columns = [*COLUMNS, "U_ESP_JetXYZ Position.Axis 1"]
    assert find_parameter_column(columns, "U_ESP_JetXYZ:Position.Axis 1") == (
        "U_ESP_JetXYZ Position.Axis 1"
    )


def test_parameter_column_of_a_scan():
    one_d = ScanInfo.from_text(ini_text("U_ESP_JetXYZ:Position.Axis 1", "1D"))
    assert one_d.parameter_column(COLUMNS) == "U_ESP_JetXYZ Position.Axis 1 Alias:JetX"
    assert ScanInfo.from_text(ini_text("Shotnumber")).parameter_column(COLUMNS) is None


def test_a_scan_number_written_scan002_is_read_and_a_bad_value_is_said_once(tmp_path, caplog):
    """Issue 15 item 17: 'Scan002' is a scan number; a real non-number is warned about once."""
    path = write_ini(
        tmp_path, '[Scan Info]\nScan No = "Scan002"\nScan Parameter = "JetX"\nStart = "four"\n'
    )
    infos = [ScanInfo.from_file(path) for _ in range(3)]  # one read per analyzer of the scan
    assert {info.scan_number for info in infos} == {2}
    assert {info.start for info in infos} == {None}
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == [f"{path}: 'Start' = 'four' is not a number; treating it as missing"]
