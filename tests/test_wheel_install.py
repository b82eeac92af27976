"""The package as a user gets it: a wheel built from this tree, installed in a fresh venv.

Offline and quick: the wheel is built without build isolation (hatchling is in
the test extra) and installed with ``--no-index``; its dependencies are the
ones already installed in this environment, reachable through a folder of
links to them (everything but this project's own editable install).
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import scan_analysis
from scan_analysis.data.sfile import read_sfile

REPO = Path(__file__).parents[1]
DAY = ["--experiment", "Undulator", "--date", "2026-05-08"]
OWN_INSTALL_PREFIXES = ("scan_analysis", "_scan_analysis", "_editable_impl_scan_analysis")

pytestmark = pytest.mark.slow


def run(command: list[str | Path], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, timeout=300, **kwargs
    )
    assert result.returncode == 0, f"{command}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """``pip wheel .`` of this tree."""
    out = tmp_path_factory.mktemp("wheel")
    pip_wheel = [sys.executable, "-m", "pip", "wheel", REPO, "--no-deps", "--no-build-isolation"]
    run([*pip_wheel, "--no-index", "--wheel-dir", out])
    (built,) = out.glob("scan_analysis-*.whl")
    return built


def link_installed_dependencies(target: Path) -> None:
    """Links to everything installed here except this project itself."""
    target.mkdir()
    folders = {Path(sysconfig.get_paths()[key]) for key in ("purelib", "platlib")}
    for folder in folders:
        for entry in folder.iterdir():
            if not entry.name.startswith(OWN_INSTALL_PREFIXES) and entry.name != "__pycache__":
                (target / entry.name).symlink_to(entry)


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed by pip (offline); returns its ``bin/``."""
    base = tmp_path_factory.mktemp("installed")
    venv = base / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv])
    link_installed_dependencies(base / "dependencies")
    (purelib,) = venv.glob("lib/python3*/site-packages")
    (purelib / "installed_dependencies.pth").write_text(f"{base / 'dependencies'}\n")
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", python, "install", "--no-index"]
    run([*pip, "--find-links", wheel.parent, "scan-analysis"])
    return venv / "bin"


def test_wheel_ships_the_default_configs_the_widgets_package_and_the_apps(wheel):
    # the version is written once, in the package; the wheel takes it from there
    assert wheel.name.startswith(f"scan_analysis-{scan_analysis.__version__}-")
    names = set(zipfile.ZipFile(wheel).namelist())
    configs = REPO / "scan_analysis_configs"
    shipped = {
        f"scan_analysis/default_configs/{path.relative_to(configs).as_posix()}"
        for path in configs.rglob("*.yaml")
    }
    assert shipped and shipped <= names, sorted(shipped - names)
    widgets = REPO / "widgets" / "scan_analysis_widgets"
    modules = {f"scan_analysis_widgets/{path.name}" for path in widgets.glob("*.py")}
    assert "scan_analysis_widgets/__init__.py" in modules and modules <= names
    apps = {f"scan_analysis_widgets/apps/{path.name}" for path in (REPO / "apps").glob("*.ipynb")}
    assert len(apps) == 3 and apps <= names, sorted(apps - names)
    assert not any(
        name.startswith(("tests/", "widgets/", "benchmarks/", "apps/")) for name in names
    )


def test_installed_commands_find_the_default_configs(installed, fresh_demo_day, subprocess_env):
    env = {key: value for key, value in subprocess_env.items() if key != "PYTHONPATH"}
    venv = installed.parent
    where = [installed / "python", "-c", "import scan_analysis; print(scan_analysis.__file__)"]
    imported = run(where, env=env, cwd=fresh_demo_day.data_root).stdout.strip()
    assert Path(imported).is_relative_to(venv), f"not the installed copy: {imported}"

    script = installed / "scan-analysis"
    listing = run([script, "configs", "list"], env=env, cwd=fresh_demo_day.data_root).stdout
    first = listing.splitlines()[0]
    assert first.startswith("config root: ") and Path(first.split(": ", 1)[1]).is_relative_to(venv)
    assert "UC_TopView" in listing and "demo" in listing

    analyse = [script, "run", *DAY, "--scan", "2", "--group", "demo", "--executor", "serial"]
    root = ["--data-root", fresh_demo_day.data_root]
    result = run([*analyse, *root], env=env, cwd=fresh_demo_day.data_root)
    assert "3 done, 0 no data, 0 failed" in result.stdout
    columns = read_sfile(fresh_demo_day.day_dir / "analysis" / "s2.txt").columns
    assert any(name.startswith("UC_TopView_") for name in columns)
