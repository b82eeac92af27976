"""Shared fixtures: demo days built with the project's own generator."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from scan_analysis.data.demo import DemoDay, build_demo_day

# test-only helper modules (analyzers referenced from YAML, config builders)
sys.path.insert(0, str(Path(__file__).parent / "support"))

SMALL = {"image_shape": (96, 96), "n_bins": 5, "shots_per_bin": 4}


@pytest.fixture(autouse=True)
def _isolated_lab_config(tmp_path_factory, monkeypatch):
    """Never read the real ~/.config/geecs_python_api/config.ini or env roots in tests."""
    monkeypatch.setenv("SCAN_ANALYSIS_LAB_CONFIG", str(tmp_path_factory.getbasetemp() / "no.ini"))
    monkeypatch.delenv("SCAN_ANALYSIS_DATA_ROOT", raising=False)
    monkeypatch.delenv("SCAN_ANALYSIS_CONFIG_DIR", raising=False)


@pytest.fixture(scope="session")
def demo_day(tmp_path_factory) -> DemoDay:
    """The default demo day, built once per session: treat it as read-only."""
    return build_demo_day(tmp_path_factory.mktemp("demo_day"))


@pytest.fixture
def fresh_demo_day(tmp_path) -> DemoDay:
    """A small demo day of this test's own, free to modify."""
    return build_demo_day(tmp_path / "data", **SMALL)


@pytest.fixture(scope="session")
def console_script() -> Path:
    """The installed ``scan-analysis`` console script of this environment."""
    import sys

    script = Path(sys.executable).with_name("scan-analysis")
    assert script.exists(), f"console script missing at {script}: run 'make setup'"
    return script


@pytest.fixture
def subprocess_env(tmp_path) -> dict[str, str]:
    """Environment for real subprocesses: no lab config, no inherited roots."""
    env = dict(os.environ)
    env["SCAN_ANALYSIS_LAB_CONFIG"] = str(tmp_path / "no-lab-config.ini")
    env.pop("SCAN_ANALYSIS_DATA_ROOT", None)
    env.pop("SCAN_ANALYSIS_CONFIG_DIR", None)
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium through Playwright (one per test worker); fails when it is missing."""
    from browser import launch_chromium
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium):
    """A fresh 1600x1000 page (its own context) closed after the test."""
    from browser import VIEWPORT

    context = chromium.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(90_000)
    yield page
    context.close()
