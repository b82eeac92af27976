from pathlib import Path

from scan_analysis.data.lab_config import lab_config_path, read_lab_config


def write_ini(folder: Path, text: str, *, encoding: str = "utf-8") -> Path:
    path = folder / "config.ini"
    path.write_bytes(text.encode(encoding))
    return path


def test_reads_paths_and_experiment(tmp_path):
    ini = write_ini(
        tmp_path,
        "[Paths]\nGEECS_DATA_LOCAL_BASE_PATH = /data/geecs\n"
        "scan_analysis_configs_path = ~/configs\n[Experiment]\nexpt = Undulator\n",
    )
    config = read_lab_config(ini)
    assert config.path == ini
    assert config.data_root == Path("/data/geecs")
    assert config.config_dir == Path.home() / "configs"
    assert config.experiment == "Undulator"


def test_lenient_with_quotes_bom_percent_duplicates_and_section_case(tmp_path):
    ini = write_ini(
        tmp_path,
        "\ufeff[paths]\n"
        'GEECS_DATA_LOCAL_BASE_PATH = "/old/root"\n'
        'GEECS_DATA_LOCAL_BASE_PATH = "/data/100% geecs"\n'
        "[Experiment]\nexpt = \n",
    )
    config = read_lab_config(ini)
    assert config.data_root == Path("/data/100% geecs")  # later duplicate wins, % kept
    assert config.experiment is None  # empty value is missing, not ""
    assert config.config_dir is None


def test_missing_or_broken_file_gives_empty_config_and_a_log_line(tmp_path, caplog):
    assert read_lab_config(tmp_path / "none.ini").data_root is None
    broken = write_ini(tmp_path, "no section header\nkey = value\n")
    assert read_lab_config(broken) == type(read_lab_config(broken))(path=broken)
    assert "config.ini" in caplog.text


def test_path_is_overridable_by_environment(tmp_path, monkeypatch):
    ini = write_ini(tmp_path, "[Experiment]\nexpt = Thomson\n")
    monkeypatch.setenv("SCAN_ANALYSIS_LAB_CONFIG", str(ini))
    assert lab_config_path() == ini
    assert read_lab_config().experiment == "Thomson"
    monkeypatch.delenv("SCAN_ANALYSIS_LAB_CONFIG")
    assert lab_config_path() == Path.home() / ".config" / "geecs_python_api" / "config.ini"
