import pytest

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


def test_layout_of_a_scan(tmp_path):
    paths = ScanPaths(TAG, data_root=tmp_path)
    day = tmp_path / "Undulator" / "Y2026" / "05-May" / "26_0508"
    assert paths.day_dir == day
    assert paths.scan_dir == day / "scans" / "Scan042"
    assert paths.sfile == day / "analysis" / "s42.txt"
    assert paths.ini_file == day / "scans" / "Scan042" / "ScanInfoScan042.ini"
    assert paths.output_dir("UC_TopView") == day / "analysis" / "Scan042" / "UC_TopView"
    assert paths.device_dir("UC_Spectrometer-interpSpec").parent == paths.scan_dir


def test_output_dir_refuses_path_like_ids(tmp_path):
    with pytest.raises(ValueError, match="plain folder name"):
        ScanPaths(TAG, data_root=tmp_path).output_dir("../scans")


@pytest.mark.parametrize(("month", "name"), [(1, "01-Jan"), (9, "09-Sep"), (12, "12-Dec")])
def test_month_folder_is_english_whatever_the_locale(tmp_path, month, name):
    assert day_dir_for(tmp_path, "E", f"2025-{month:02d}-03").parent.name == name


def test_resolution_order_argument_env_lab_ini(tmp_path, monkeypatch):
    by_arg, by_env, by_ini = (tmp_path / n for n in ("arg", "env", "ini"))
    for folder in (by_arg, by_env, by_ini):
        folder.mkdir()
    ini = tmp_path / "config.ini"
    ini.write_text(
        f"[Paths]\nGEECS_DATA_LOCAL_BASE_PATH = {by_ini}\n[Experiment]\nexpt = Undulator\n"
    )
    monkeypatch.setenv("SCAN_ANALYSIS_LAB_CONFIG", str(ini))
    assert resolve_data_root() == by_ini
    monkeypatch.setenv("SCAN_ANALYSIS_DATA_ROOT", str(by_env))
    assert resolve_data_root() == by_env
    assert resolve_data_root(by_arg) == by_arg


def test_missing_root_says_how_to_set_it(tmp_path):
    with pytest.raises(DataRootError, match="SCAN_ANALYSIS_DATA_ROOT") as error:
        resolve_data_root()
    assert "GEECS_DATA_LOCAL_BASE_PATH" in str(error.value)
    with pytest.raises(DataRootError, match=str(tmp_path / "nowhere")):
        resolve_data_root(tmp_path / "nowhere")


def test_missing_day_names_the_folder_looked_for(tmp_path):
    paths = ScanPaths(TAG, data_root=tmp_path)
    with pytest.raises(DataRootError, match="26_0508"):
        paths.require_day()


def test_missing_scan_lists_the_scans_the_day_has(fresh_demo_day):
    paths = ScanPaths(fresh_demo_day.tag(42), data_root=fresh_demo_day.data_root)
    with pytest.raises(DataRootError, match="1, 2, 3, 4, 5, 6"):
        paths.require_scan()


def test_list_and_latest_scans(fresh_demo_day):
    day = fresh_demo_day.day_dir
    assert list_scans(day) == [1, 2, 3, 4, 5, 6]
    assert list_completed_scans(day) == [1, 2, 3, 4, 5, 6]
    (day / "scans" / "Scan007").mkdir()  # running: folder but no s-file yet
    assert latest_scan(day) == 7
    assert list_completed_scans(day) == [1, 2, 3, 4, 5, 6]
    assert latest_scan(day / "nothing") is None


def test_config_dir_resolution(tmp_path, monkeypatch):
    assert resolve_config_dir().name == "scan_analysis_configs"
    ini = tmp_path / "config.ini"
    (tmp_path / "cfg").mkdir()
    ini.write_text(f'[Paths]\nscan_analysis_configs_path = "{tmp_path / "cfg"}"\n')
    monkeypatch.setenv("SCAN_ANALYSIS_LAB_CONFIG", str(ini))
    assert resolve_config_dir() == tmp_path / "cfg"
    monkeypatch.setenv("SCAN_ANALYSIS_CONFIG_DIR", str(tmp_path))
    assert resolve_config_dir() == tmp_path
    with pytest.raises(DataRootError, match="SCAN_ANALYSIS_CONFIG_DIR"):
        resolve_config_dir(tmp_path / "missing")
