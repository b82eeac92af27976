"""The components served by a real Voila and used in real Chromium, offline.

Proves the CSS hooks exist in the page, Panel's table renders inside the
ipywidgets tree, figures load, and the live panel's updates from its
background threads reach the page. Screenshots (1600x1000) go to
``tests/artifacts/`` for a person to look at.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import sync_playwright
from voila_server import CHROMIUM, CHROMIUM_ARGS, voila_serving

from scan_analysis.config import ConfigTree, create_diagnostic_analyzer

REPO_CONFIGS = Path(__file__).parents[2] / "scan_analysis_configs"
ARTIFACTS = Path(__file__).parents[1] / "artifacts"
TIMEOUT_MS = 180_000


def write_notebook(path: Path, source: str) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source)]
    nbformat.write(notebook, path)


@pytest.fixture
def served(fresh_demo_day, tmp_path, subprocess_env):
    day = fresh_demo_day
    camera = ConfigTree(REPO_CONFIGS).resolve_analyzer("UC_TopView")  # figures for the gallery
    analyzer = create_diagnostic_analyzer(camera, executor="serial", progress=False)
    analyzer.run_analysis(day.tag(2), data_root=day.data_root)
    site = tmp_path / "site"
    site.mkdir()
    common = f"{str(day.data_root)!r}"
    write_notebook(
        site / "browser.ipynb",
        "from scan_analysis_widgets import ScanBrowser\n"
        f"ScanBrowser({common}, experiment='Undulator', date='2026-05-08', scan='2', "
        f"config_dir={str(REPO_CONFIGS)!r}, executor='serial')",
    )
    write_notebook(
        site / "live.ipynb",
        "from scan_analysis_widgets import LiveWatchPanel\n"
        f"LiveWatchPanel({common}, {str(REPO_CONFIGS)!r}, experiment='Undulator', "
        "date='2026-05-08', group='demo', refresh_interval=0.5, "
        "runner_options={'executor': 'serial', 'rescan_interval': 0.5})",
    )
    with voila_serving(site, subprocess_env) as base:
        yield base, day


@pytest.mark.slow
def test_components_render_and_work_in_chromium(served):
    base, day = served
    ARTIFACTS.mkdir(exist_ok=True)
    figures = sorted((day.day_dir / "analysis" / "Scan002").rglob("*.png"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.set_default_timeout(TIMEOUT_MS)

            page.goto(f"{base}/voila/render/browser.ipynb")
            page.wait_for_selector(".sa-scan-list select")
            page.wait_for_selector(".sa-sfile-table .tabulator-cell[tabulator-field='Shotnumber']")
            page.wait_for_function(
                "n => document.querySelectorAll('.sa-figures img').length === n", arg=len(figures)
            )
            page.wait_for_function(
                "() => [...document.querySelectorAll('.sa-figures img, img.sa-plot')]"
                ".every(img => img.complete && img.naturalWidth > 0)"
            )
            for css in (".sa-experiment", ".sa-date", ".sa-shot-slider", ".sa-run-button"):
                assert page.locator(css).count() >= 1, f"{css} missing from the page"
            text = page.inner_text("body")
            assert "jet position scan for the undulator beam" in text
            assert "Traceback" not in text and "Unable to run Panel code" not in text
            page.screenshot(path=ARTIFACTS / "scan_browser_1600x1000.png")
            page.set_viewport_size({"width": 1600, "height": 3000})  # Voila scrolls inside
            page.screenshot(path=ARTIFACTS / "scan_browser_whole.png")
            page.set_viewport_size({"width": 1600, "height": 1000})

            # "run" works in a background thread; its refresh (a new table, new figures)
            # reaches the page
            page.locator(".sa-run-choice select").select_option(label="UC_Spectrometer")
            page.click(".sa-run-button")
            page.wait_for_function(
                "n => document.querySelectorAll('.sa-figures img').length > n", arg=len(figures)
            )
            page.wait_for_selector(
                ".sa-sfile-table .tabulator-col[tabulator-field='UC_Spectrometer_fwhm']"
            )
            assert "UC_Spectrometer: done" in page.inner_text(".sa-run-status")

            # a click in the scan list goes to the kernel and the page follows
            page.locator(".sa-scan-list select").select_option(index=2)
            page.wait_for_function(
                "() => document.querySelector('.sa-scan-info').innerText"
                ".includes('compressor grating scan')"
            )

            page.goto(f"{base}/voila/render/live.ipynb")
            page.wait_for_selector(".sa-live-grid .sa-state-pending")
            page.click(".sa-live-start")
            # updates made by the panel's background threads reach the page
            page.wait_for_function(
                "() => document.querySelectorAll('.sa-live-grid .sa-state-done').length === 12"
                " && document.querySelectorAll('.sa-live-grid .sa-state-no_data').length === 6"
            )
            page.wait_for_selector(".sa-live-figures img")
            page.screenshot(path=ARTIFACTS / "live_watch_1600x1000.png")
            page.set_viewport_size({"width": 1600, "height": 2400})
            page.screenshot(path=ARTIFACTS / "live_watch_whole.png")
            page.click(".sa-live-stop")
            page.wait_for_function(
                "() => document.querySelector('.sa-live-state').innerText.includes('stopped')"
            )
            assert "Traceback" not in page.inner_text("body")
        finally:
            browser.close()
