"""Finding a device's own config (issue 19 part 1): the lookup the one-liner makes."""

import pytest

from scan_analysis.config.device_configs import (
    choose_device_config,
    find_device_configs,
    load_config_choice,
)
from scan_analysis.data.scan_paths import SOURCE_CONFIG_DIR
from scan_analysis.errors import ConfigError

CAMERA = """
name: {name}
image:
  bit_depth: 12
scan:
  device: {device}
"""
LINE = """
name: {name}
image:
  type: line
scan:
  device: {device}
  directory_suffix: -interpSpec
"""


def test_the_shipped_configs_give_each_demo_device_its_own():
    camera, search = choose_device_config("UC_TopView", kind="2d", config_dir=SOURCE_CONFIG_DIR)
    assert camera.name == "UC_TopView" and camera.source.name == "UC_TopView.yaml"
    assert search.root == SOURCE_CONFIG_DIR
    line, _ = choose_device_config("UC_Spectrometer", kind="1d", config_dir=SOURCE_CONFIG_DIR)
    assert line.config.scan.directory_suffix == "-interpSpec"


def test_a_config_of_the_other_kind_is_passed_over_and_said_so():
    found, search = choose_device_config("UC_Spectrometer", kind="2d", config_dir=SOURCE_CONFIG_DIR)
    assert found is None
    assert search.passed_over == [
        f"{SOURCE_CONFIG_DIR / 'analyzers/Undulator/UC_Spectrometer.yaml'} is a line config"
    ]
    assert str(SOURCE_CONFIG_DIR / "analyzers") in search.where()


def test_the_device_is_scan_device_or_else_the_name(make_tree):
    root = make_tree(
        {
            "analyzers/a/TopView_HighRes.yaml": CAMERA.format(name="TopView_HighRes", device="Cam"),
            "analyzers/b/Cam.yaml": "name: Cam\nscan:\n  device: SomethingElse\n",
            "analyzers/b/Other.yaml": "name: Other\n",
        }
    )
    found = find_device_configs("Cam", kind="2d", config_dir=root).found
    assert [item.name for item in found] == ["TopView_HighRes"]
    assert [i.name for i in find_device_configs("Other", kind="2d", config_dir=root).found] == [
        "Other"
    ]


def test_several_configs_are_an_error_listing_them(make_tree):
    root = make_tree(
        {
            "analyzers/Cam_A.yaml": CAMERA.format(name="Cam_A", device="Cam"),
            "analyzers/x/Cam_B.yaml": CAMERA.format(name="Cam_B", device="Cam"),
        }
    )
    with pytest.raises(ConfigError) as caught:
        choose_device_config("Cam", kind="2d", config_dir=root)
    message = str(caught.value)
    assert "2 camera configs are for device 'Cam'" in message
    assert str(root / "analyzers/Cam_A.yaml") in message
    assert str(root / "analyzers/x/Cam_B.yaml") in message
    assert "config='Cam_A'" in message and "image_analyzer=" in message
    # an explicit choice settles it
    chosen, search = choose_device_config("Cam", kind="2d", choice="Cam_B", config_dir=root)
    assert chosen.name == "Cam_B" and search is None


def test_a_directory_suffix_given_picks_among_the_device_configs(make_tree):
    root = make_tree(
        {
            "analyzers/Spec.yaml": LINE.format(name="Spec", device="Spec"),
            "analyzers/Spec_raw.yaml": "name: Spec_raw\nimage: {type: line}\n"
            "scan: {device: Spec, directory_suffix: -raw}\n",
        }
    )
    found, _ = choose_device_config("Spec", kind="1d", config_dir=root, directory_suffix="-raw")
    assert found.name == "Spec_raw"
    none, search = choose_device_config("Spec", kind="1d", config_dir=root, directory_suffix="")
    assert none is None and len(search.passed_over) == 2
    assert "reads Spec-interpSpec, not Spec" in search.passed_over[0]


def test_the_device_config_broken_is_an_error_another_device_broken_is_not(make_tree):
    root = make_tree(
        {
            "analyzers/Cam.yaml": "name: Cam\nimage:\n  bit_depth: 12\n  roi: {x_mn: 3}\n",
            "analyzers/Broken.yaml": "name: Broken\nimage: [unclosed\n",
        }
    )
    with pytest.raises(ConfigError, match=r"Cam\.yaml.*unknown key 'image\.roi\.x_mn'"):
        find_device_configs("Cam", kind="2d", config_dir=root)
    assert find_device_configs("Elsewhere", kind="2d", config_dir=root).found == []
    with pytest.raises(ConfigError, match="Broken.yaml"):
        find_device_configs("Broken", kind="2d", config_dir=root)


def test_a_chosen_config_by_path_and_the_checks_on_it(make_tree, tmp_path):
    root = make_tree(
        {
            "analyzers/Cam.yaml": CAMERA.format(name="Cam", device="Cam"),
            "analyzers/Spec.yaml": LINE.format(name="Spec", device="Spec"),
            "analyzers/Correlation.yaml": "name: Correlation\nscan_analyzer:\n"
            "  class: scan_analysis.analyzers.common.ScatterPlotterAnalysis\n",
        }
    )
    by_path = load_config_choice(root / "analyzers/Cam.yaml")
    assert by_path.name == "Cam" and by_path.config.image.bit_depth == 12
    assert load_config_choice(str(root / "analyzers/Cam.yaml")).name == "Cam"
    with pytest.raises(ConfigError, match="is a line config, not a camera config"):
        choose_device_config("Spec", kind="2d", choice="Spec", config_dir=root)
    with pytest.raises(ConfigError, match="runs .*ScatterPlotterAnalysis on whole scans"):
        choose_device_config("Correlation", kind="2d", choice="Correlation", config_dir=root)
    with pytest.raises(ConfigError, match="is for device 'Cam', not 'Other'.*device_name='Cam'"):
        choose_device_config("Other", kind="2d", choice="Cam", config_dir=root)
    with pytest.raises(ConfigError, match="does not exist"):
        load_config_choice(tmp_path / "nowhere.yaml")
    with pytest.raises(ConfigError, match="no analyzer 'Camm'.*did you mean 'Cam'"):
        load_config_choice("Camm", config_dir=root)


def test_shot_kind_follows_the_factory():
    from scan_analysis.config.diagnostic_models import load_diagnostic_config

    declared_line = load_diagnostic_config(
        {"name": "S", "image_analyzer": {"class": "scan_analysis.image.line_analyzer.LineAnalyzer"}}
    )
    assert declared_line.shot_kind == "1d"
    assert load_diagnostic_config({"name": "C"}).shot_kind == "2d"
