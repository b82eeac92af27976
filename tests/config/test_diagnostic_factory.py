"""create_diagnostic_analyzer: class import, config injection, wrapping, error paths."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from scan_analysis.analyzers.common import Array1DScanAnalyzer, Array2DScanAnalyzer
from scan_analysis.config import ConfigTree, create_diagnostic_analyzer
from scan_analysis.data.sfile import read_sfile
from scan_analysis.errors import ConfigError
from scan_analysis.image.beam_analyzer import BeamAnalyzer
from scan_analysis.image.config.models import CameraConfig, LineConfig
from scan_analysis.image.line_analyzer import LineAnalyzer

REPO_CONFIGS = Path(__file__).parents[2] / "scan_analysis_configs"
USER_MODULE = """
from scan_analysis.image.beam_analyzer import BeamAnalyzer


class ScaledBeamAnalyzer(BeamAnalyzer):
    def __init__(self, config=None, *, scale=1.0):
        super().__init__(config)
        self.scale = scale


class NotAnAnalyzer:
    pass
"""


@pytest.fixture
def user_package(tmp_path, monkeypatch) -> str:
    """A lab's own analyzer module, importable as ``factory_lab_pkg.analyzers``."""
    package = tmp_path / "site" / "factory_lab_pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "analyzers.py").write_text(textwrap.dedent(USER_MODULE))
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    return "factory_lab_pkg.analyzers"


def build(make_tree, text: str, name: str = "Diag"):
    root = make_tree({f"analyzers/{name}.yaml": text})
    tree = ConfigTree(root)
    return create_diagnostic_analyzer(tree.resolve_analyzer(name), executor="serial"), tree


def test_camera_config_becomes_array2d_with_its_settings(make_tree):
    analyzer, tree = build(
        make_tree,
        """
        name: Diag
        image_analyzer:
          class: scan_analysis.image.beam_analyzer.BeamAnalyzer
        image:
          bit_depth: 12
          roi: {x_min: 10, x_max: 90}
        scan:
          device: UC_TopView
          directory_suffix: -Temporal
          file_tail: _postprocessed.png
          mode: per_bin
          priority: 7
          gdoc_slot: 2
          save: false
          renderer_kwargs: {cmap: magma}
        """,
    )
    assert type(analyzer) is Array2DScanAnalyzer
    assert (analyzer.analyzer_id, analyzer.device_name, analyzer.stem) == (
        "Diag",
        "UC_TopView",
        "UC_TopView-Temporal",
    )
    assert (analyzer.file_tail, analyzer.mode, analyzer.priority, analyzer.gdoc_slot) == (
        "_postprocessed.png",
        "per_bin",
        7,
        2,
    )
    assert analyzer.save is False
    assert analyzer.render_options.cmap == "magma"
    image_analyzer = analyzer.image_analyzer
    assert type(image_analyzer) is BeamAnalyzer
    assert image_analyzer.config == tree.load_analyzer("Diag").image
    assert image_analyzer.config.bit_depth == 12


def test_line_config_becomes_array1d_with_line_analyzer(make_tree):
    analyzer, _ = build(
        make_tree,
        """
        name: Diag
        image:
          data_loading: {data_type: tsv}
          roi: {x_min: 720, x_max: 880}
        scan: {directory_suffix: -interpSpec}
        """,
    )
    assert type(analyzer) is Array1DScanAnalyzer
    assert type(analyzer.image_analyzer) is LineAnalyzer
    assert isinstance(analyzer.image_analyzer.config, LineConfig)
    assert analyzer.stem == "Diag-interpSpec"


@pytest.mark.parametrize(
    ("text", "wrapper", "image_class", "config_class"),
    [
        ("name: Diag\n", Array2DScanAnalyzer, BeamAnalyzer, CameraConfig),
        (
            "name: Diag\nimage_analyzer: {class: scan_analysis.image.line_analyzer.LineAnalyzer}\n",
            Array1DScanAnalyzer,
            LineAnalyzer,
            LineConfig,
        ),
    ],
)
def test_defaults_without_an_image_block(make_tree, text, wrapper, image_class, config_class):
    analyzer, _ = build(make_tree, text)
    assert type(analyzer) is wrapper
    assert type(analyzer.image_analyzer) is image_class
    assert isinstance(analyzer.image_analyzer.config, config_class)


def test_user_class_by_import_path_gets_config_and_kwargs(make_tree, user_package):
    analyzer, _ = build(
        make_tree,
        f"""
        name: Diag
        image_analyzer:
          class: {user_package}.ScaledBeamAnalyzer
          kwargs: {{scale: 2.5}}
        image:
          bit_depth: 10
        """,
    )
    assert type(analyzer.image_analyzer).__name__ == "ScaledBeamAnalyzer"
    assert analyzer.image_analyzer.scale == 2.5
    assert analyzer.image_analyzer.config.bit_depth == 10


@pytest.mark.parametrize(
    ("class_path", "expected"),
    [
        (
            "scan_analysis.image.beam_analyzr.BeamAnalyzer",
            "module 'scan_analysis.image.beam_analyzr' not found "
            "(did you mean 'scan_analysis.image.beam_analyzer.BeamAnalyzer'?)",
        ),
        ("no_such_lab.analyzers.Thing", "module 'no_such_lab' not found"),
        (
            "scan_analysis.image.beam_analyzer.BeamAnalyser",
            "module 'scan_analysis.image.beam_analyzer' has no class 'BeamAnalyser' "
            "(did you mean 'BeamAnalyzer'?)",
        ),
        ("{user}.NotAnAnalyzer", "is not an ImageAnalyzer; name a subclass of"),
    ],
)
def test_bad_class_paths_name_the_yaml_the_path_and_the_cause(
    make_tree, user_package, class_path, expected
):
    class_path = class_path.format(user=user_package)
    root = make_tree(
        {"analyzers/Diag.yaml": f"name: Diag\nimage_analyzer: {{class: {class_path}}}\n"}
    )
    tree = ConfigTree(root)
    source = root / "analyzers" / "Diag.yaml"
    with pytest.raises(ConfigError) as caught:
        create_diagnostic_analyzer(tree.resolve_analyzer("Diag"))
    message = str(caught.value)
    assert message.startswith(f"{source}: ")
    assert expected in message
    assert caught.value.path == source
    assert tree.check() == [message]  # configs check reports the same line


def test_kwargs_the_class_does_not_take_name_the_file(make_tree, user_package):
    root = make_tree(
        {
            "analyzers/Diag.yaml": f"""
                name: Diag
                image_analyzer: {{class: {user_package}.ScaledBeamAnalyzer, kwargs: {{scael: 2}}}}
            """
        }
    )
    with pytest.raises(ConfigError, match=r"Diag\.yaml: cannot build ScaledBeamAnalyzer") as caught:
        create_diagnostic_analyzer(ConfigTree(root).resolve_analyzer("Diag"))
    assert "scael" in str(caught.value)


def test_line_analyzer_on_a_camera_block_is_a_config_error(make_tree):
    root = make_tree(
        {
            "analyzers/Diag.yaml": """
                name: Diag
                image_analyzer: {class: scan_analysis.image.line_analyzer.LineAnalyzer}
                image: {type: camera, bit_depth: 12}
            """
        }
    )
    with pytest.raises(ConfigError, match=r"Diag\.yaml: .*LineAnalyzer analyses line"):
        create_diagnostic_analyzer(ConfigTree(root).resolve_analyzer("Diag"))


def test_unknown_renderer_kwargs_are_caught_by_check_and_factory(make_tree):
    root = make_tree({"analyzers/Diag.yaml": "name: Diag\nscan: {renderer_kwargs: {cmapp: x}}\n"})
    tree = ConfigTree(root)
    [problem] = tree.check()
    # a model of its own: caught where the file is read, with the key and a suggestion
    assert problem.startswith(
        f"{root / 'analyzers/Diag.yaml'}: unknown key 'scan.renderer_kwargs.cmapp' "
        "(did you mean 'cmap'?)"
    ), problem
    assert "colormap_mode" in problem and "figsize_inches" in problem
    with pytest.raises(ConfigError, match="cmapp"):
        create_diagnostic_analyzer(tree.resolve_analyzer("Diag"))


def test_scan_analyzer_class_is_built_with_its_kwargs_and_group_priority():
    tree = ConfigTree(REPO_CONFIGS)
    [resolved] = [
        item for item in tree.resolve_group("demo") if item.name == "BeamChargeCorrelation"
    ]
    analyzer = create_diagnostic_analyzer(resolved)
    assert type(analyzer).__name__ == "BeamChargeCorrelation"
    assert analyzer.analyzer_id == "BeamChargeCorrelation"
    assert analyzer.camera == "UC_TopView"
    assert analyzer.priority == resolved.priority


def test_shipped_demo_group_builds_analyzers_that_run_on_a_demo_scan(fresh_demo_day):
    tree = ConfigTree(REPO_CONFIGS)
    tag = fresh_demo_day.tag(2)
    for resolved in tree.resolve_group("demo")[:2]:
        analyzer = create_diagnostic_analyzer(resolved, executor="serial", progress=False)
        files = analyzer.run_analysis(tag, data_root=fresh_demo_day.data_root)
        assert analyzer.last_outcome.status == "done", analyzer.last_outcome.message
        assert files and all(path.is_file() for path in files)
    sfile = read_sfile(fresh_demo_day.day_dir / "analysis" / "s2.txt")
    assert sfile["UC_TopView_centroid_x"].notna().sum() > 0
    assert any(column.startswith("UC_Spectrometer_") for column in sfile.columns)


def test_create_image_analyzer_builds_the_per_shot_analyzer_of_a_config(demo_day):
    from scan_analysis.config import create_image_analyzer
    from scan_analysis.data.shot_files import map_shots_to_files

    tree = ConfigTree(REPO_CONFIGS)
    camera = create_image_analyzer(tree.load_analyzer("UC_TopView"))
    line = create_image_analyzer(tree.load_analyzer("UC_Spectrometer"))
    assert isinstance(camera, BeamAnalyzer) and camera.config.roi.x_min == 8
    assert isinstance(line, LineAnalyzer) and line.config.metadata.x_units == "nm"
    scan_dir = demo_day.day_dir / "scans" / "Scan002"
    files = map_shots_to_files(
        read_sfile(demo_day.day_dir / "analysis/s2.txt"), scan_dir, "UC_TopView"
    )
    result = camera.analyze_image_file(files[min(files)])
    assert result.processed.shape == (240, 240)  # the config's ROI
    assert {"centroid_x", "rms_y"} <= set(result.scalars)


def test_create_image_analyzer_refuses_a_whole_scan_analyzer_with_a_clear_message():
    from scan_analysis.config import create_image_analyzer

    tree = ConfigTree(REPO_CONFIGS)
    config = tree.load_analyzer("BeamChargeCorrelation")
    with pytest.raises(ConfigError, match="no per-shot analysis.*choose a camera or line analyzer"):
        create_image_analyzer(config, source=tree.analyzers["BeamChargeCorrelation"])
