"""Creating, duplicating and renaming config files: unique names, writes only inside the root."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from unprivileged import unprivileged_command

from scan_analysis.config import ConfigTree
from scan_analysis.config.config_files import (
    ConfigWriteError,
    create_analyzer,
    create_group,
    duplicate_analyzer,
    inside_config_root,
    rename_analyzer,
    rename_group,
    write_config_text,
)


@pytest.mark.parametrize("kind", ["camera", "line"])
def test_a_new_analyzer_is_valid_and_runs_as_its_kind(repo_configs, kind):
    tree = ConfigTree(repo_configs)
    path = create_analyzer(tree, "UC_NewDiagnostic", folder="Undulator/new", kind=kind)
    assert path == repo_configs / "analyzers" / "Undulator" / "new" / "UC_NewDiagnostic.yaml"
    tree = ConfigTree(repo_configs)
    assert tree.check() == []
    assert tree.load_analyzer("UC_NewDiagnostic").is_line is (kind == "line")


@pytest.mark.parametrize("name", ["UC_TopView", "uc_topview", "GaiaMode"])
def test_analyzer_names_stay_unique_across_the_tree(repo_configs, name):
    tree = ConfigTree(repo_configs)
    with pytest.raises(ConfigWriteError, match="already exists.*unique across the tree"):
        create_analyzer(tree, name, folder="Elsewhere")
    with pytest.raises(ConfigWriteError, match="already exists"):
        duplicate_analyzer(tree, "Amp3Input", name)
    assert not (repo_configs / "analyzers" / "Elsewhere").exists()


@pytest.mark.parametrize("name", ["../evil", "/tmp/evil", "a/b", ".hidden", "", "two words"])
def test_names_that_are_not_plain_are_refused(repo_configs, name):
    tree = ConfigTree(repo_configs)
    with pytest.raises(ConfigWriteError, match="not a plain name"):
        create_analyzer(tree, name)
    with pytest.raises(ConfigWriteError, match="not a plain name"):
        create_group(tree, name)


def test_writes_never_leave_the_config_root(repo_configs, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo_configs / "analyzers" / "linked").symlink_to(outside, target_is_directory=True)
    (repo_configs / "analyzers" / "escape.yaml").symlink_to(outside / "escape.yaml")
    for path in (
        "../outside/x.yaml",
        outside / "x.yaml",
        "analyzers/linked/x.yaml",
        repo_configs / "analyzers" / "escape.yaml",
    ):
        with pytest.raises(ConfigWriteError, match="nothing was written"):
            write_config_text(repo_configs, path, "name: x\n")
    with pytest.raises(ConfigWriteError):
        create_analyzer(ConfigTree(repo_configs), "Sneaky", folder="linked")
    assert list(outside.iterdir()) == []
    assert (
        inside_config_root(repo_configs, "groups/demo.yaml")
        == (repo_configs / "groups" / "demo.yaml").resolve()
    )


def test_duplicate_keeps_the_device_and_everything_else(repo_configs):
    tree = ConfigTree(repo_configs)
    source = tree.analyzers["UC_TopView"]
    copy = duplicate_analyzer(tree, "UC_TopView", "UC_TopView_wideROI")
    assert copy == source.with_name("UC_TopView_wideROI.yaml")
    original, duplicated = source.read_text(), copy.read_text()
    assert (
        duplicated.replace("name: UC_TopView_wideROI\n", "name: UC_TopView\n", 1).replace(
            "  device: UC_TopView\n", ""
        )
        == original
    )
    config = ConfigTree(repo_configs).load_analyzer("UC_TopView_wideROI")
    assert config.device == "UC_TopView"
    assert ConfigTree(repo_configs).check() == []


def test_rename_updates_every_group_that_lists_the_analyzer(repo_configs):
    (repo_configs / "groups" / "extra.yaml").write_text(
        "name: extra\nanalyzers:\n  - {ref: UC_TopView, priority: 3}  # first\n  - GaiaMode\n"
    )
    tree = ConfigTree(repo_configs)
    result = rename_analyzer(tree, "UC_TopView", "TopViewBeam")
    assert not (repo_configs / "analyzers" / "Undulator" / "UC_TopView.yaml").exists()
    assert result.path.name == "TopViewBeam.yaml"
    assert sorted(p.name for p in result.updated_groups) == ["demo.yaml", "extra.yaml"]
    assert (repo_configs / "groups" / "extra.yaml").read_text() == (
        "name: extra\nanalyzers:\n  - {ref: TopViewBeam, priority: 3}  # first\n  - GaiaMode\n"
    )
    tree = ConfigTree(repo_configs)
    assert tree.check() == []
    assert tree.load_analyzer("TopViewBeam").device == "UC_TopView"
    assert "TopViewBeam" in [item.name for item in tree.resolve_group("demo")]


def test_rename_group_and_create_group(repo_configs):
    tree = ConfigTree(repo_configs)
    path = create_group(tree, "night", folder="HTU", analyzers=["GaiaMode", "Amp4Input"])
    assert path.read_text() == (
        "name: night\nupload_to_scan-log: false\nanalyzers:\n  - GaiaMode\n  - Amp4Input\n"
    )
    with pytest.raises(ConfigWriteError, match="already exists"):
        create_group(ConfigTree(repo_configs), "night", folder="HTU")
    renamed = rename_group(ConfigTree(repo_configs), "HTU/night", "late")
    assert renamed == repo_configs / "groups" / "HTU" / "late.yaml"
    assert not path.exists()
    assert [r.name for r in ConfigTree(repo_configs).resolve_group("HTU/late")] == [
        "GaiaMode",
        "Amp4Input",
    ]


def test_a_read_only_config_folder_gives_a_message_and_keeps_the_file(repo_configs, subprocess_env):
    folder = repo_configs / "analyzers" / "HTU"
    path = folder / "Amp3Input.yaml"
    before = path.read_bytes()
    script = (
        "import sys\n"
        "from scan_analysis.config import ConfigTree\n"
        "from scan_analysis.config.config_document import ConfigDocument\n"
        "from scan_analysis.config.config_files import ConfigWriteError, create_analyzer\n"
        f"tree = ConfigTree({str(repo_configs)!r})\n"
        "document = ConfigDocument.open(tree, 'Amp3Input')\n"
        "print('read_only', document.read_only)\n"
        "data = document.copy_data()\n"
        "data['image']['bit_depth'] = 14\n"
        "for action in (lambda: document.save(data), "
        "lambda: create_analyzer(tree, 'NewCam', folder='HTU')):\n"
        "    try:\n"
        "        action()\n"
        "    except ConfigWriteError as error:\n"
        "        print('refused', error)\n"
    )
    os.chmod(path, 0o444)
    os.chmod(folder, 0o555)
    try:
        run = subprocess.run(
            unprivileged_command([sys.executable, "-c", script]),
            capture_output=True,
            text=True,
            env=subprocess_env,
            timeout=120,
        )
    finally:
        os.chmod(folder, 0o755)
        os.chmod(path, 0o644)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "read_only True"
    assert len(lines) == 3
    for line in lines[1:]:
        assert line.startswith("refused cannot write")
        assert "read-only for this account" in line and "nothing was saved" in line
    assert path.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == [
        "Amp3Input.yaml",
        "Amp4Input.yaml",
        "GaiaMode.yaml",
    ]
