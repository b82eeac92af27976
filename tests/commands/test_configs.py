"""``scan-analysis configs check|list|schema`` run as the real console script."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import jsonschema
import pytest
import yaml

REPO_CONFIGS = Path(__file__).parents[2] / "scan_analysis_configs"


def run_cli(console_script, env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(console_script), *args], capture_output=True, text=True, env=env, timeout=120
    )


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


@pytest.mark.parametrize(
    ("command", "example"),
    [
        (["configs"], "scan-analysis configs check"),
        (["configs", "check"], "scan-analysis configs check ./scan_analysis_configs"),
        (["configs", "list"], "scan-analysis configs list ./scan_analysis_configs"),
        (["configs", "schema"], "scan-analysis configs schema --kind group --output"),
    ],
)
def test_every_configs_command_explains_itself_with_an_example(
    console_script, subprocess_env, command, example
):
    result = run_cli(console_script, subprocess_env, *command, "--help")
    assert result.returncode == 0, result.stderr
    assert "example" in result.stdout and example in result.stdout


def test_check_passes_on_the_shipped_tree(console_script, subprocess_env):
    result = run_cli(console_script, subprocess_env, "configs", "check", str(REPO_CONFIGS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("ok: ") and str(REPO_CONFIGS) in result.stdout


def test_check_reports_every_problem_at_once_and_fails(tmp_path, console_script, subprocess_env):
    root = write_tree(
        tmp_path / "configs",
        {
            "analyzers/Good.yaml": "name: Good\n",
            "analyzers/A/Twin.yaml": "name: Twin\n",
            "analyzers/B/Twin.yaml": "name: Twin\n",
            "analyzers/Typo.yaml": "name: Typo\nscan: {priorty: 2}\n",
            "analyzers/Syntax.yaml": "name: Syntax\nscan: [\n",
            "analyzers/Cls.yaml": "name: Cls\nimage_analyzer: {class: my_lab.nothing.Here}\n",
            "groups/shift.yaml": "name: shift\nanalyzers: [Good, Godo]\n",
        },
    )
    result = run_cli(console_script, subprocess_env, "configs", "check", str(root))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"5 problem(s) in {root}:"
    assert "duplicate analyzer name 'Twin'" in lines[1]
    body = "\n".join(lines[1:])
    # unknown keys and syntax errors both give the line and column
    assert f"{root / 'analyzers/Typo.yaml'}:2:8: unknown key 'scan.priorty' (did you mean" in body
    assert f"{root / 'analyzers/Syntax.yaml'}:3:" in body
    assert f"{root / 'analyzers/Cls.yaml'}: cannot import 'my_lab.nothing.Here'" in body
    assert f"{root / 'groups/shift.yaml'}: unknown analyzer 'Godo' (did you mean 'Good'?)" in body


def test_check_reports_bad_class_paths_of_a_file_that_also_has_key_errors(
    tmp_path, console_script, subprocess_env
):
    """Key errors do not hide the file's other problems: its class paths and group refs."""
    root = write_tree(
        tmp_path / "configs",
        {
            "analyzers/Good.yaml": "name: Good\n",
            "analyzers/Cam.yaml": """
                name: Cam
                image_analyzer: {class: my_lab.nothing.Here}
                scan: {priorty: 2}
                """,
            "analyzers/Scan.yaml": """
                name: Scan
                scan_analyzer: scan_analysis.image.beam_analyzer.BeamAnalyzer
                colour: red
                """,
            "groups/shift.yaml": "name: shift\nanalyzers: [Good, Godo]\nupload: yes\n",
        },
    )
    result = run_cli(console_script, subprocess_env, "configs", "check", str(root))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"6 problem(s) in {root}:", result.stdout
    body = "\n".join(lines[1:])
    cam, scan, group = (
        root / "analyzers/Cam.yaml",
        root / "analyzers/Scan.yaml",
        root / "groups/shift.yaml",
    )
    assert f"{cam}:3:8: unknown key 'scan.priorty' (did you mean" in body
    assert f"{cam}: cannot import 'my_lab.nothing.Here'" in body
    assert f"{scan}:3:1: unknown key 'colour'" in body
    assert (
        f"{scan}: 'scan_analysis.image.beam_analyzer.BeamAnalyzer' is not a ScanAnalyzer; name a "
        "subclass of scan_analysis.base.ScanAnalyzer" in body
    )
    assert f"{group}:3:1: unknown key 'upload'" in body
    assert f"{group}: unknown analyzer 'Godo' (did you mean 'Good'?)" in body


def test_list_shows_analyzers_and_groups_from_the_environment_root(
    tmp_path, console_script, subprocess_env
):
    root = write_tree(
        tmp_path / "configs",
        {
            "analyzers/Cam.yaml": "name: Cam\nscan: {priority: 12, device: UC_Cam}\n",
            "analyzers/Spec.yaml": "name: Spec\nimage: {data_loading: {data_type: tsv}}\n",
            "groups/lab/shift.yaml": """
                name: shift
                upload_to_scan-log: true
                analyzers: [Cam, {ref: Spec, priority: 3}, {ref: Cam2, enabled: false}]
            """,
        },
    )
    env = {**subprocess_env, "SCAN_ANALYSIS_CONFIG_DIR": str(root)}
    result = run_cli(console_script, env, "configs", "list")
    assert result.returncode == 0, result.stderr
    lines = [line.split() for line in result.stdout.splitlines()]
    assert ["config", "root:", str(root)] in lines
    assert ["Cam", "camera", "device=UC_Cam", "priority=12"] in lines
    assert ["Spec", "line", "device=Spec", "priority=100"] in lines
    assert "lab/shift Cam, Spec (priority 3), Cam2 (off) [e-log]" in [" ".join(x) for x in lines]


def test_schema_validates_the_shipped_files_and_rejects_unknown_keys(
    tmp_path, console_script, subprocess_env
):
    schemas = {}
    for kind in ("diagnostic", "group"):
        output = tmp_path / f"{kind}.schema.json"
        result = run_cli(
            console_script,
            subprocess_env,
            "configs",
            "schema",
            "--kind",
            kind,
            "--output",
            str(output),
        )
        assert result.returncode == 0, result.stderr
        assert f"wrote {output}" in result.stdout
        schemas[kind] = json.loads(output.read_text())
        jsonschema.Draft202012Validator.check_schema(schemas[kind])
    for kind, folder in (("diagnostic", "analyzers"), ("group", "groups")):
        validator = jsonschema.Draft202012Validator(schemas[kind])
        files = sorted((REPO_CONFIGS / folder).rglob("*.yaml"))
        assert files
        for path in files:
            errors = list(validator.iter_errors(yaml.safe_load(path.read_text())))
            assert errors == [], (path, errors)
    bad = {"name": "Cam", "scan": {"priorty": 1}}
    assert list(jsonschema.Draft202012Validator(schemas["diagnostic"]).iter_errors(bad))


def test_schema_without_kind_prints_both(console_script, subprocess_env):
    result = run_cli(console_script, subprocess_env, "configs", "schema")
    assert result.returncode == 0, result.stderr
    both = json.loads(result.stdout)
    assert set(both) == {"diagnostic", "group"}
    assert "upload_to_scan-log" in both["group"]["properties"]
