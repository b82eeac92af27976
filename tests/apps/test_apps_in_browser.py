"""The three Voila apps, served by ``scan-analysis serve`` and used in real Chromium, offline.

One server for the module (data root with an analysed Undulator day and a raw
HTU day, a writable copy of the configs), one fresh page per test. Each app
must load with no traceback or stderr output in the page and nothing wrong in
the browser console; screenshots (1600x1000) go to ``tests/artifacts/``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from browser import PageProblems, save_screenshot, start_served_apps

from scan_analysis.analyzers import create_diagnostic_analyzer
from scan_analysis.config import ConfigTree
from scan_analysis.data.demo import build_demo_day
from scan_analysis.data.sfile import read_sfile

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("apps")]

REPO_CONFIGS = Path(__file__).parents[2] / "scan_analysis_configs"
SMALL = {"image_shape": (96, 96), "n_bins": 5, "shots_per_bin": 4}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A data root (Undulator Scan002 analysed for the camera, HTU raw) and a config copy."""
    root = tmp_path_factory.mktemp("apps")
    data_root = root / "data"
    analysed = build_demo_day(data_root, experiment="Undulator", **SMALL)
    raw = build_demo_day(data_root, experiment="HTU", **SMALL)
    config_dir = root / "configs"
    shutil.copytree(REPO_CONFIGS, config_dir)
    camera = ConfigTree(config_dir).resolve_analyzer("UC_TopView")  # the spectrometer: by "Run"
    analyzer = create_diagnostic_analyzer(camera, executor="serial", progress=False)
    analyzer.run_analysis(analysed.tag(2), data_root=data_root, config_dir=config_dir)
    return {"data_root": data_root, "config_dir": config_dir, "analysed": analysed, "raw": raw}


@pytest.fixture(scope="module")
def served(lab, console_script, tmp_path_factory):
    import os

    env = dict(os.environ)
    env["SCAN_ANALYSIS_LAB_CONFIG"] = str(tmp_path_factory.mktemp("lab") / "none.ini")
    env.pop("SCAN_ANALYSIS_DATA_ROOT", None)
    env.pop("SCAN_ANALYSIS_CONFIG_DIR", None)
    apps = start_served_apps(
        console_script,
        env,
        "--data-root",
        str(lab["data_root"]),
        "--config-dir",
        str(lab["config_dir"]),
    )
    yield apps
    assert apps.stop() == 0, "\n".join(apps.output)


@pytest.fixture
def page(browser_page, served):
    problems = PageProblems(origin=served.base.rstrip("/"))
    problems.attach(browser_page)
    browser_page.problems = problems
    return browser_page


def assert_no_error_output(page) -> None:
    """No traceback and no stderr output rendered in the page."""
    assert page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
    text = page.inner_text("body")
    assert "Traceback" not in text and "Unable to run Panel code" not in text


def test_landing_page_lists_the_three_apps_with_a_line_each(page, served):
    page.goto(served.url)
    items = page.locator(".sa-app")
    items.first.wait_for()
    text = {items.nth(i).inner_text() for i in range(items.count())}
    assert len(text) == 3
    joined = "\n".join(text)
    for name in ("control room", "config editor", "scan browser"):
        assert name in joined
    assert "Scan browser: any scan's info" in joined
    save_screenshot(page, "apps_landing")
    page.problems.assert_clean()


def test_scan_browser_deep_link_shows_the_scan_its_table_figures_and_runs(page, served, lab):
    figures = sorted((lab["analysed"].day_dir / "analysis" / "Scan002").rglob("*.png"))
    assert figures
    page.goto(served.app_url("scan_browser", experiment="Undulator", date="2026-05-08", scan="2"))
    page.wait_for_selector(".sa-sfile-table .tabulator-cell[tabulator-field='Shotnumber']")
    page.wait_for_function(
        "n => document.querySelectorAll('.sa-figures img').length === n", arg=len(figures)
    )
    page.wait_for_function(
        "() => [...document.querySelectorAll('.sa-figures img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    assert "jet position scan" in page.inner_text(".sa-scan-info")
    assert_no_error_output(page)
    save_screenshot(page, "app_scan_browser")

    # "Run" works in a background thread; its refresh (new figures, new columns) reaches the page
    page.locator(".sa-run-choice select").select_option(label="UC_Spectrometer")
    page.click(".sa-run-button")
    page.wait_for_function(
        "n => document.querySelectorAll('.sa-figures img').length > n", arg=len(figures)
    )
    page.wait_for_selector(".sa-sfile-table .tabulator-col[tabulator-field='UC_Spectrometer_fwhm']")
    assert "UC_Spectrometer: done" in page.inner_text(".sa-run-status")
    assert_no_error_output(page)
    page.problems.assert_clean()


def test_config_editor_changes_one_value_and_the_file_holds_only_that(page, served, lab):
    path = lab["config_dir"] / "analyzers" / "Undulator" / "UC_TopView.yaml"
    before = path.read_text()
    page.goto(served.app_url("config_editor", config="UC_TopView"))
    field = page.locator(".sa-field-image-roi-x_min input")
    field.wait_for()
    old = field.input_value()
    new = str(int(old) + 3)
    field.fill(new)
    field.press("Enter")
    page.click(".sa-config-save")
    page.wait_for_function(
        "() => document.querySelector('.sa-config-status').innerText"
        ".toLowerCase().includes('saved')"
    )
    after = path.read_text()
    changed = [
        (a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b
    ]
    assert len(changed) == 1, changed
    assert old in changed[0][0] and new in changed[0][1] and "x_min" in changed[0][1]
    assert_no_error_output(page)
    save_screenshot(page, "app_config_editor")
    page.problems.assert_clean()


def test_control_room_runs_the_day_to_the_end_and_stops(page, served, lab):
    raw = lab["raw"]
    page.goto(served.app_url("control_room", experiment="HTU", date="2026-05-08", group="demo"))
    page.wait_for_selector(".sa-live-grid .sa-state-pending")
    assert_no_error_output(page)
    page.click(".sa-live-start")
    cells = page.locator(".sa-live-grid [class*='sa-state-']")
    page.wait_for_function(
        "() => { const cells = [...document.querySelectorAll("
        "'.sa-live-grid [class*=\"sa-state-\"]')];"
        " return cells.length > 0 && cells.every(c => c.classList.contains('sa-state-done')"
        " || c.classList.contains('sa-state-no_data')); }",
        timeout=240_000,
    )
    assert cells.count() == 18
    page.wait_for_selector(".sa-live-figures img")
    save_screenshot(page, "app_control_room")
    page.click(".sa-live-stop")
    page.wait_for_function(
        "() => document.querySelector('.sa-live-state').innerText.includes('stopped')"
    )
    page.click(".sa-elog-show")
    page.wait_for_selector(".sa-elog-frame iframe")
    assert_no_error_output(page)
    sfile = read_sfile(raw.day_dir / "analysis" / "s2.txt")
    assert any(column.startswith("UC_TopView_") for column in sfile.columns)
    page.problems.assert_clean()


def test_apps_without_a_data_root_say_how_to_start_the_server_with_one(
    browser_page, lab, console_script, tmp_path_factory
):
    """An app's user cannot pass ``data_root=``: the apps name ``serve --data-root``."""
    import os

    env = dict(os.environ)
    env["SCAN_ANALYSIS_LAB_CONFIG"] = str(tmp_path_factory.mktemp("lab") / "none.ini")
    env.pop("SCAN_ANALYSIS_DATA_ROOT", None)
    env.pop("SCAN_ANALYSIS_CONFIG_DIR", None)
    apps = start_served_apps(console_script, env, "--config-dir", str(lab["config_dir"]))
    problems = PageProblems(origin=apps.base.rstrip("/"))
    try:
        for app, shown, click in (
            ("scan_browser", ".sa-message-error", None),
            ("control_room", ".sa-message-error", ".sa-live-start"),
            ("config_editor", ".sa-shot-preview .sa-message", "text=Preview on a shot"),
        ):
            page = browser_page.context.new_page()  # leaving a Voila page fails its shutdown call
            problems.attach(page)
            page.goto(apps.app_url(app))
            said = f"document.querySelector({shown!r})?.innerText ?? ''"
            page.wait_for_function(f"() => ({said}).includes('no data root is set')")
            if app == "control_room":  # the Start button says it again, the same way
                page.click(click)
                page.wait_for_function(f"() => ({said}).includes('choose an experiment')")
            elif click is not None:  # the config editor's preview tab, with its data pickers
                page.click(click)
                page.locator(shown).first.wait_for()
            text = page.locator(shown).first.inner_text()
            assert "start the apps with scan-analysis serve --data-root DIR" in text, text
            assert "SCAN_ANALYSIS_DATA_ROOT" in text and "data_root=" not in text, text
            assert_no_error_output(page)
            save_screenshot(page, f"app_{app}_without_data_root")
        problems.assert_clean()
    finally:
        assert apps.stop() == 0, "\n".join(apps.output)
