from scan_analysis.data.lab_config import read_lab_config


def test_reads_paths_and_experiment(tmp_path):
    ini = tmp_path / "config.ini"
    ini.write_text(
        "[Paths]\nGEECS_DATA_LOCAL_BASE_PATH = /data/geecs\n"
        "scan_analysis_configs_path = ~/configs\n[Experiment]\nexpt = Undulator\n"
    )
    config = read_lab_config(ini)
    assert str(config.data_root) == "/data/geecs"
    assert config.config_dir.name == "configs" and "~" not in str(config.config_dir)
    assert config.experiment == "Undulator"


def test_missing_or_broken_file_gives_empty_config(tmp_path, caplog):
    assert read_lab_config(tmp_path / "none.ini").data_root is None
    broken = tmp_path / "broken.ini"
    broken.write_text("no section header\nkey = value\n")
    assert read_lab_config(broken).data_root is None
    assert "broken.ini" in caplog.text
