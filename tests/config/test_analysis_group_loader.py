"""ConfigTree: discovery, group addressing, overrides, every error path, check()."""

from __future__ import annotations

from pathlib import Path

import pytest

from scan_analysis.config import ConfigTree
from scan_analysis.errors import ConfigError, DataRootError

REPO_CONFIGS = Path(__file__).parents[2] / "scan_analysis_configs"


def camera(name: str, priority: int | None = None) -> str:
    scan = f"scan:\n  priority: {priority}\n" if priority is not None else ""
    return f"name: {name}\nimage:\n  background: {{method: constant, constant_level: 10}}\n{scan}"


@pytest.fixture
def lab_tree(make_tree) -> Path:
    return make_tree(
        {
            "analyzers/HTU/Amp4Input.yaml": camera("Amp4Input", 40),
            "analyzers/HTU/GaiaMode.yaml": camera("GaiaMode", 30),
            "analyzers/HTU/Amp3Input.yaml": camera("Amp3Input"),
            "analyzers/Undulator/UC_TopView.yml": camera("UC_TopView", 40),
            "groups/HTU/baseline.yaml": """
                name: HTU_baseline
                upload_to_scan-log: true
                analyzers:
                  - Amp4Input
                  - {ref: GaiaMode, priority: 50}
                  - {ref: Amp3Input, enabled: false}
                  - UC_TopView
            """,
            "groups/Undulator/baseline.yaml": "name: u\nanalyzers: [UC_TopView]\n",
            "groups/demo.yaml": "name: demo\nanalyzers: [UC_TopView, GaiaMode]\n",
        }
    )


def test_discovers_analyzers_by_stem_and_groups_by_path_key(lab_tree):
    tree = ConfigTree(lab_tree)
    assert tree.root == lab_tree
    assert sorted(tree.analyzers) == ["Amp3Input", "Amp4Input", "GaiaMode", "UC_TopView"]
    assert tree.analyzers["UC_TopView"] == lab_tree / "analyzers/Undulator/UC_TopView.yml"
    assert sorted(tree.groups) == ["HTU/baseline", "Undulator/baseline", "demo"]
    assert tree.check() == []


def test_group_overrides_disabled_refs_and_stable_priority_order(lab_tree):
    resolved = ConfigTree(lab_tree).resolve_group("HTU/baseline")
    # Amp4Input 40 and UC_TopView 40 keep file order; GaiaMode's own 30 is overridden to 50;
    # Amp3Input is disabled.
    assert [(item.name, item.priority) for item in resolved] == [
        ("Amp4Input", 40),
        ("UC_TopView", 40),
        ("GaiaMode", 50),
    ]
    gaia = resolved[2]
    assert gaia.config.scan.priority == 30  # the analyzer's own file is untouched
    assert gaia.source == lab_tree / "analyzers/HTU/GaiaMode.yaml"
    assert all(item.enabled for item in resolved)


def test_override_applies_only_inside_its_group(lab_tree):
    tree = ConfigTree(lab_tree)
    assert [(i.name, i.priority) for i in tree.resolve_group("demo")] == [
        ("GaiaMode", 30),
        ("UC_TopView", 40),
    ]
    assert tree.resolve_analyzer("GaiaMode").priority == 30


def test_group_by_unique_stem_and_ambiguous_stem(lab_tree):
    tree = ConfigTree(lab_tree)
    assert tree.load_group("demo").name == "demo"
    assert tree.load_group("HTU/baseline.yaml").upload_to_scan_log is True
    with pytest.raises(ConfigError, match="ambiguous") as caught:
        tree.group_path("baseline")
    assert "HTU/baseline or Undulator/baseline" in str(caught.value)


def test_group_named_by_the_path_of_its_yaml_file(lab_tree, tmp_path, monkeypatch):
    """The original's load_analysis_group(Path(...)): the file, absolute or relative."""
    group_file = lab_tree / "groups" / "HTU" / "baseline.yaml"
    tree = ConfigTree.for_group(group_file)  # no config_dir: the file's own config root
    assert tree.root == lab_tree
    by_path = [item.name for item in tree.resolve_group(group_file)]
    assert by_path == [item.name for item in tree.resolve_group("HTU/baseline")]
    assert tree.group_key(str(group_file)) == "HTU/baseline"
    monkeypatch.chdir(lab_tree)
    assert tree.load_group("groups/Undulator/baseline.yaml").name == "u"
    # a group file kept outside any config tree runs the given tree's analyzers
    loose = tmp_path / "my_shift.yaml"
    loose.write_text("name: mine\nanalyzers: [GaiaMode]\n")
    assert ConfigTree.for_group(loose).root != lab_tree
    assert [item.name for item in ConfigTree.for_group(loose, lab_tree).resolve_group(loose)] == [
        "GaiaMode"
    ]
    assert ConfigTree(lab_tree).group_key(loose) == str(loose)


def test_unknown_group_lists_valid_keys_and_suggests(lab_tree):
    with pytest.raises(ConfigError) as caught:
        ConfigTree(lab_tree).load_group("HTU/baselin")
    message = str(caught.value)
    assert "no group 'HTU/baselin'" in message
    assert "did you mean 'HTU/baseline'?" in message
    assert "valid: HTU/baseline, Undulator/baseline, demo" in message


def test_unknown_analyzer_lists_valid_names_and_suggests(lab_tree):
    with pytest.raises(ConfigError) as caught:
        ConfigTree(lab_tree).load_analyzer("UC_TopVeiw")
    assert "did you mean 'UC_TopView'?" in str(caught.value)
    assert "valid: Amp3Input, Amp4Input, GaiaMode, UC_TopView" in str(caught.value)


def test_group_problems_are_reported_together(make_tree):
    root = make_tree(
        {
            "analyzers/Good.yaml": camera("Good"),
            "analyzers/Broken.yaml": "name: Broken\nscan: {priority: -3}\n",
            "groups/g.yaml": """
                name: g
                analyzers: [Good, Broken, Gooood, {ref: Nope, enabled: false}]
            """,
        }
    )
    with pytest.raises(ConfigError) as caught:
        ConfigTree(root).resolve_group("g")
    problems = caught.value.problems
    assert caught.value.path == root / "groups/g.yaml"
    assert len(problems) == 3
    assert any("unknown analyzer 'Gooood' (did you mean 'Good'?)" in p for p in problems)
    assert any("unknown analyzer 'Nope'" in p for p in problems)  # disabled refs must exist too
    broken = f"{root / 'analyzers/Broken.yaml'}:2:8: 'scan.priority'"  # file:line:column of the key
    assert any(p.startswith(broken) for p in problems)


def test_duplicate_stems_name_both_files(make_tree):
    root = make_tree(
        {
            "analyzers/A/Cam.yaml": camera("Cam"),
            "analyzers/B/Cam.yaml": camera("Cam"),
            "analyzers/Other.yaml": camera("Other"),
        }
    )
    tree = ConfigTree(root)
    first, second = root / "analyzers/A/Cam.yaml", root / "analyzers/B/Cam.yaml"
    assert tree.check() == [
        f"duplicate analyzer name 'Cam': {first} and {second}; analyzer file names must be "
        "unique across the tree, rename one"
    ]
    with pytest.raises(ConfigError, match="duplicate analyzer name 'Cam'"):
        tree.load_analyzer("Cam")
    assert tree.load_analyzer("Other").name == "Other"  # the rest of the tree still works


def test_check_collects_every_problem_in_the_tree(make_tree):
    root = make_tree(
        {
            "analyzers/Good.yaml": camera("Good"),
            "analyzers/Syntax.yaml": "name: Syntax\nimage:\n  roi: [1, 2\n",
            "analyzers/Keys.yaml": "name: Keys\nscan: {priorty: 1}\nimage: {bogus: 1}\n",
            "analyzers/Path.yaml": "name: Path\nimage_analyzer: {class: no_such_pkg.mod.Cls}\n",
            "analyzers/Named.yaml": camera("NotNamed"),
            "groups/g.yaml": "name: g\nanalyzers: [Good, Missing]\n",
            "groups/h.yaml": "name: h\nanalyzers: Good\n",
        }
    )
    problems = ConfigTree(root).check()
    expected_files = [
        "Syntax.yaml:4:",  # the unclosed list ends at the end of the file
        "Keys.yaml",
        "Keys.yaml",
        "Path.yaml",
        "Named.yaml",
        "g.yaml",
        "h.yaml",
    ]
    assert len(problems) == len(expected_files), problems
    for fragment in expected_files:
        assert any(fragment in p for p in problems), fragment
    assert all(p.startswith(str(root)) for p in problems)
    assert any("unknown analyzer 'Missing'" in p for p in problems)


def test_malformed_yaml_names_file_and_line(make_tree):
    root = make_tree({"analyzers/Bad.yaml": "name: Bad\nscan:\n  priority: 1\n   mode: x\n"})
    with pytest.raises(ConfigError) as caught:
        ConfigTree(root).load_analyzer("Bad")
    assert str(caught.value).startswith(f"{root / 'analyzers/Bad.yaml'}:4:")


def test_not_a_config_root_is_a_problem(tmp_path):
    assert ConfigTree(tmp_path).check() == [
        f"{tmp_path}: no analyzers/ or groups/ folder; point at a config root laid out as "
        "analyzers/**/NAME.yaml and groups/**/NAME.yaml"
    ]


def test_missing_config_root_says_how_to_set_it(tmp_path):
    with pytest.raises(DataRootError, match="SCAN_ANALYSIS_CONFIG_DIR"):
        ConfigTree(tmp_path / "nowhere")


def test_config_root_from_environment_then_repository(lab_tree, monkeypatch):
    assert ConfigTree().root == REPO_CONFIGS.resolve()
    monkeypatch.setenv("SCAN_ANALYSIS_CONFIG_DIR", str(lab_tree))
    assert ConfigTree().root == lab_tree


def test_shipped_tree_is_valid_and_holds_the_demo_and_htu_groups():
    tree = ConfigTree(REPO_CONFIGS)
    assert tree.check() == []
    assert {"UC_TopView", "UC_Spectrometer", "Amp4Input", "GaiaMode", "Amp3Input"} <= set(
        tree.analyzers
    )
    demo = tree.resolve_group("demo")
    assert [item.name for item in demo][:2] == ["UC_TopView", "UC_Spectrometer"]
    baseline = tree.load_group("HTU/baseline")
    assert baseline.upload_to_scan_log is True
    assert any(ref.priority is not None for ref in baseline.analyzers)
    assert any(not ref.enabled for ref in baseline.analyzers)
    resolved = tree.resolve_group("HTU/baseline")
    assert [item.priority for item in resolved] == sorted(item.priority for item in resolved)
    assert not any(
        ref.ref == item.name for ref in baseline.analyzers if not ref.enabled for item in resolved
    )


def test_a_group_file_written_for_the_original_uploads_to_the_scan_log(make_tree):
    """``upload_to_scanlog: true`` in an original group file switches the e-log entry on."""
    root = make_tree(
        {
            "analyzers/UC_TopView.yaml": camera("UC_TopView"),
            "groups/HTU/original.yaml": """
                name: HTU_original
                upload_to_scanlog: true
                analyzers: [UC_TopView]
            """,
            "groups/HTU/quiet.yaml": """
                name: HTU_quiet
                upload_to_scanlog: false
                analyzers: [UC_TopView]
            """,
            "groups/HTU/torn.yaml": """
                name: HTU_torn
                upload_to_scanlog: true
                upload_to_scan-log: false
                analyzers: [UC_TopView]
            """,
        }
    )
    tree = ConfigTree(root)
    assert tree.load_group("HTU/original").upload_to_scan_log is True
    assert tree.load_group("HTU/quiet").upload_to_scan_log is False
    with pytest.raises(ConfigError, match="disagree") as caught:
        tree.load_group("HTU/torn")
    assert caught.value.path == root / "groups/HTU/torn.yaml"
    assert str(root / "groups/HTU/torn.yaml") in str(caught.value)
