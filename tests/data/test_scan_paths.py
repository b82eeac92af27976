from pathlib import Path

import pytest

import scan_analysis
from scan_analysis import ScanTag
from scan_analysis.data.scan_paths import (
    ScanPaths,
    day_dir_for,
    latest_scan,
    list_completed_scans,
    list_scans,
    resolve_config_dir,
    resolve_data_root,
)
from scan_analysis.errors import DataRootError

TAG = ScanTag(year=2026, month=5, day=8, number=42, experiment="Undulator")
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@pytest.fixture(autouse=True)
def no_lab_setup(tmp_path, monkeypatch):
    """Never read the real home config or inherited roots."""
    monkeypatch.setenv("SCAN_ANALYSIS_LAB_CONFIG", str(tmp_path / "absent-lab-config.ini"))
    monkeypatch.delenv("SCAN_ANALYSIS_DATA_ROOT", raising=False)
    monkeypatch.delenv("SCAN_ANALYSIS_CONFIG_DIR", raising=False)


def write_lab_config(folder: Path, **paths: Path) -> Path:
    ini = folder / "lab-config.ini"
    lines = ["[Paths]"] + [f'{key} = "{value}"' for key, value in paths.items()]
    ini.write_text("\n".join(lines) + "\n[Experiment]\nexpt = Undulator\n")
    return ini


def make_day(root: Path, *, scan_folders=(), sfiles=()) -> Path:
    day = day_dir_for(root, "Undulator", "2026-05-08")
    (day / "scans").mkdir(parents=True)
    (day / "analysis").mkdir()
    for number in scan_folders:
        (day / "scans" / f"Scan{number:03d}").mkdir()
    for number in sfiles:
        (day / "analysis" / f"s{number}.txt").write_text("Shotnumber\n1\n")
    return day


def test_layout_of_a_scan(tmp_path):
    paths = ScanPaths(TAG, data_root=tmp_path)
    day = tmp_path / "Undulator" / "Y2026" / "05-May" / "26_0508"
    assert paths.day_dir == day
    assert paths.scans_dir == day / "scans"
    assert paths.scan_dir == day / "scans" / "Scan042"
    assert paths.analysis_dir == day / "analysis"
    assert paths.scan_analysis_dir == day / "analysis" / "Scan042"
    assert paths.sfile == day / "analysis" / "s42.txt"
    assert paths.ini_file == day / "scans" / "Scan042" / "ScanInfoScan042.ini"
    assert paths.device_dir("UC_Spectrometer-interpSpec") == (
        paths.scan_dir / "UC_Spectrometer-interpSpec"
    )
    assert paths.output_dir("UC_TopView") == day / "analysis" / "Scan042" / "UC_TopView"


def test_scan_numbers_past_999_and_sfile_not_padded(tmp_path):
    paths = ScanPaths(TAG.with_number(1234), data_root=tmp_path)
    assert paths.scan_dir.name == "Scan1234" and paths.sfile.name == "s1234.txt"
    assert ScanPaths(TAG.with_number(5), data_root=tmp_path).sfile.name == "s5.txt"


@pytest.mark.parametrize("analyzer_id", ["../scans", "a/b", "a\\b", "..", ".", ""])
def test_output_dir_refuses_path_like_ids(tmp_path, analyzer_id):
    with pytest.raises(ValueError, match="plain folder name"):
        ScanPaths(TAG, data_root=tmp_path).output_dir(analyzer_id)


@pytest.mark.parametrize("month", range(1, 13))
def test_month_folder_is_english_whatever_the_locale(tmp_path, month):
    day = day_dir_for(tmp_path, "E", f"2009-{month:02d}-03")
    assert day.relative_to(tmp_path).parts == (
        "E",
        "Y2009",
        f"{month:02d}-{MONTHS[month - 1]}",
        f"09_{month:02d}03",
    )


def test_resolution_order_argument_env_lab_ini(tmp_path, monkeypatch):
    by_arg, by_env, by_ini = (tmp_path / name for name in ("arg", "env", "ini"))
    for folder in (by_arg, by_env, by_ini):
        folder.mkdir()
    ini = write_lab_config(tmp_path, GEECS_DATA_LOCAL_BASE_PATH=by_ini)
    monkeypatch.setenv("SCAN_ANALYSIS_LAB_CONFIG", str(ini))
    assert resolve_data_root() == by_ini
    monkeypatch.setenv("SCAN_ANALYSIS_DATA_ROOT", str(by_env))
    assert resolve_data_root() == by_env
    assert resolve_data_root(by_arg) == by_arg
    assert ScanPaths(TAG).data_root == by_env


def test_no_root_anywhere_says_every_way_to_set_one(tmp_path):
    with pytest.raises(DataRootError) as error:
        resolve_data_root()
    message = str(error.value)
    for hint in (
        "data_root=",
        "SCAN_ANALYSIS_DATA_ROOT",
        "GEECS_DATA_LOCAL_BASE_PATH",
        "absent-lab-config.ini",
    ):
        assert hint in message


@pytest.mark.parametrize("source", ["argument", "env", "ini"])
def test_root_that_does_not_exist_names_the_path_and_its_source(tmp_path, monkeypatch, source):
    missing = tmp_path / "nowhere"
    if source == "env":
        monkeypatch.setenv("SCAN_ANALYSIS_DATA_ROOT", str(missing))
    elif source == "ini":
        ini = write_lab_config(tmp_path, GEECS_DATA_LOCAL_BASE_PATH=missing)
        monkeypatch.setenv("SCAN_ANALYSIS_LAB_CONFIG", str(ini))
    expected_source = {
        "argument": "data_root argument",
        "env": "$SCAN_ANALYSIS_DATA_ROOT",
        "ini": "lab-config.ini",
    }[source]
    with pytest.raises(DataRootError, match="does not exist") as error:
        resolve_data_root(missing if source == "argument" else None)
    assert str(missing) in str(error.value) and expected_source in str(error.value)


def test_missing_day_names_the_folder_looked_for_and_how_to_set_the_root(tmp_path):
    paths = ScanPaths(TAG, data_root=tmp_path)
    with pytest.raises(DataRootError) as error:
        paths.require_day()
    assert str(paths.day_dir) in str(error.value)
    assert "SCAN_ANALYSIS_DATA_ROOT" in str(error.value)


def test_an_experiment_name_typed_in_the_wrong_case_gets_the_one_the_data_root_has(tmp_path):
    make_day(tmp_path)
    (tmp_path / "Thomson").mkdir()
    lowercase = ScanTag(year=2026, month=5, day=8, number=2, experiment="undulator")
    with pytest.raises(DataRootError) as error:
        ScanPaths(lowercase, data_root=tmp_path).require_day()
    message = str(error.value)
    assert "no experiment folder 'undulator'" in message
    assert (
        "did you mean 'Undulator'?" in message
        and "experiments there: Thomson, Undulator" in message
    )
    assert str(tmp_path / "undulator" / "Y2026" / "05-May" / "26_0508") in message


def test_missing_scan_lists_the_scans_the_day_has(tmp_path):
    day = make_day(tmp_path, scan_folders=[1, 2, 5])
    paths = ScanPaths(TAG, data_root=tmp_path)
    assert paths.require_day() == day
    with pytest.raises(DataRootError, match=r"Scan042.*has scans 1, 2, 5"):
        paths.require_scan()
    assert ScanPaths(TAG.with_number(5), data_root=tmp_path).require_scan() == (
        day / "scans" / "Scan005"
    )


def test_list_scans_from_folders_and_sfiles(tmp_path):
    day = make_day(tmp_path, scan_folders=[1, 2, 10], sfiles=[1, 2, 3])
    (day / "scans" / "Scan011_backup").mkdir()  # not a scan folder
    (day / "scans" / "Scan012").write_text("")  # a file, not a folder
    (day / "analysis" / "s4.txt.lock").write_text("")
    (day / "analysis" / "s0.txt").write_text("")
    (day / "analysis" / "Scan013").mkdir()  # analysis output folder, not a scan
    assert list_scans(day) == [1, 2, 3, 10]
    assert latest_scan(day) == 10
    assert list_completed_scans(day) == [1, 2, 3]


def test_a_day_without_scans_yet(tmp_path):
    day = day_dir_for(tmp_path, "Undulator", "2026-05-09")
    assert list_scans(day) == [] and list_completed_scans(day) == []
    assert latest_scan(day) is None


def test_config_dir_resolution_order(tmp_path, monkeypatch):
    repo_default = Path(scan_analysis.__file__).parents[1] / "scan_analysis_configs"
    assert resolve_config_dir() == repo_default
    (tmp_path / "cfg").mkdir()
    ini = write_lab_config(tmp_path, scan_analysis_configs_path=tmp_path / "cfg")
    monkeypatch.setenv("SCAN_ANALYSIS_LAB_CONFIG", str(ini))
    assert resolve_config_dir() == tmp_path / "cfg"
    monkeypatch.setenv("SCAN_ANALYSIS_CONFIG_DIR", str(tmp_path))
    assert resolve_config_dir() == tmp_path
    assert resolve_config_dir(repo_default) == repo_default


def test_missing_config_dir_says_how_to_set_it(tmp_path):
    with pytest.raises(DataRootError) as error:
        resolve_config_dir(tmp_path / "missing")
    message = str(error.value)
    assert str(tmp_path / "missing") in message
    assert "SCAN_ANALYSIS_CONFIG_DIR" in message and "scan_analysis_configs_path" in message


def test_a_read_only_analysis_folder_is_named_with_what_to_do(fresh_demo_day):
    """Issue 15 item 14: not a bare PermissionError, and nothing analysed or written."""
    from scan_analysis.analyzers.common import Array2DScanAnalyzer
    from scan_analysis.errors import ReadOnlyFolderError

    day = fresh_demo_day
    analysis = day.day_dir / "analysis"
    sfile_bytes = (analysis / "s2.txt").read_bytes()
    analysis.chmod(0o555)
    try:
        with pytest.raises(ReadOnlyFolderError) as caught:
            ScanPaths(day.tag(2), data_root=day.data_root).require_writable_output()
        analyzer = Array2DScanAnalyzer("UC_TopView", executor="serial", progress=False)
        assert analyzer.run_analysis(day.tag(2), data_root=day.data_root) == []
    finally:
        analysis.chmod(0o755)
    assert caught.value.path == analysis
    message = str(caught.value)
    assert message.startswith(f"the analysis folder {analysis} is read-only, so the figures and ")
    assert f"Make it writable (chmod u+w {analysis}" in message
    outcome = analyzer.last_outcome
    assert outcome.status == "failed" and outcome.message == message
    assert (analysis / "s2.txt").read_bytes() == sfile_bytes
    assert not (analysis / "Scan002").exists()
