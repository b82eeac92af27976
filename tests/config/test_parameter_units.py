"""The per-experiment unit table of device variables (issue 15 item 5)."""

import logging

import pytest

from scan_analysis.config.parameter_units import load_unit_table, resolve_parameter_unit
from scan_analysis.errors import ConfigError


def write_table(root, text, experiment="Undulator"):
    (root / "units").mkdir(parents=True, exist_ok=True)
    (root / "units" / f"{experiment}.yaml").write_text(text)


def test_a_unit_is_found_by_the_ini_or_the_sfile_spelling(tmp_path):
    write_table(tmp_path, '"U_ESP_JetXYZ:Position.Axis 1": mm\n"U_Las:Delay": fs\n')
    find = {"experiment": "Undulator", "config_dir": tmp_path}
    assert resolve_parameter_unit("U_ESP_JetXYZ:Position.Axis 1", **find) == "mm"
    assert resolve_parameter_unit("U_ESP_JetXYZ Position.Axis 1 Alias:JetX", **find) == "mm"
    assert resolve_parameter_unit("u_las delay", **find) == "fs"
    assert resolve_parameter_unit("U_Other:Thing", **find) is None
    assert resolve_parameter_unit("U_Las:Delay", **find, configured="ps") == "ps"  # config wins
    assert resolve_parameter_unit("U_Las:Delay", experiment="Other", config_dir=tmp_path) is None


def test_a_bad_table_names_its_file_and_entry_and_costs_only_the_units(tmp_path, caplog):
    write_table(tmp_path, '"U_Las:Delay": [fs]\n')
    with pytest.raises(ConfigError, match=r"Undulator\.yaml.*'U_Las:Delay'.*not a unit name"):
        load_unit_table(tmp_path, "Undulator")
    with caplog.at_level(logging.WARNING):
        assert (
            resolve_parameter_unit("U_Las:Delay", experiment="Undulator", config_dir=tmp_path)
            is None
        )
    assert "Undulator.yaml" in caplog.text and "without its unit" in caplog.text


def test_the_demo_experiment_ships_a_table():
    from scan_analysis.data.scan_paths import default_config_dir

    table = load_unit_table(default_config_dir(), "Undulator")
    assert table["u_esp_jetxyz position.axis 1"] == "mm"
