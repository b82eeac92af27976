"""``scan-analysis serve``: Voila on the apps, offline, deep links, clean exit, security."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import urllib.request
from pathlib import Path

import nbformat
import pytest
from browser import (
    PageProblems,
    iter_processes_alive,
    save_screenshot,
    start_served_apps,
    wait_until,
)

from scan_analysis.app_server import app_description, stage_apps

pytestmark = pytest.mark.slow

PROBE_APP = """\
import os
import ipywidgets as widgets
import pandas as pd
import panel as pn

pn.extension("tabulator", comms="ipywidgets", inline=True)
table = pn.widgets.Tabulator(pd.DataFrame({"shot": [1, 2, 3], "charge": [4.0, 5.0, 6.0]}))
query = widgets.HTML(os.environ.get("QUERY_STRING", ""))
query.add_class("sa-probe-query")
roots = widgets.HTML(os.environ.get("SCAN_ANALYSIS_DATA_ROOT", "") + "|"
                     + os.environ.get("SCAN_ANALYSIS_CONFIG_DIR", ""))
roots.add_class("sa-probe-roots")
widgets.VBox([query, roots, pn.ipywidget(table)])
"""


@pytest.fixture
def probe_apps(tmp_path) -> Path:
    """A folder with one small app using ipywidgets and a Panel table, like the real apps."""
    folder = tmp_path / "apps"
    folder.mkdir()
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["scan_analysis"] = {"description": "Probe: a table and the query string"}
    notebook.cells = [nbformat.v4.new_code_cell(PROBE_APP)]
    nbformat.write(notebook, folder / "probe.ipynb")
    return folder


def test_landing_page_lists_apps_and_an_app_renders_offline_with_its_query(
    probe_apps, demo_day, console_script, subprocess_env, browser_page, tmp_path
):
    served = start_served_apps(
        console_script,
        subprocess_env,
        "--apps-dir",
        str(probe_apps),
        "--data-root",
        str(demo_day.data_root),
    )
    try:
        problems = PageProblems(origin=served.base.rstrip("/"))
        problems.attach(browser_page)
        browser_page.goto(served.url)
        item = browser_page.wait_for_selector(".sa-app")
        assert "probe" in item.inner_text()
        assert "Probe: a table and the query string" in item.inner_text()
        save_screenshot(browser_page, "serve_landing")

        browser_page.goto(served.app_url("probe", experiment="Undulator", scan="2"))
        browser_page.wait_for_selector('.tabulator-cell[tabulator-field="charge"]')
        assert browser_page.inner_text(".sa-probe-query") == "experiment=Undulator&scan=2"
        data_root, config_dir = browser_page.inner_text(".sa-probe-roots").split("|")
        assert Path(data_root) == demo_day.data_root.resolve()
        assert Path(config_dir).is_dir()
        save_screenshot(browser_page, "serve_probe_app")
        problems.assert_clean()
    finally:
        assert served.stop() == 0, "\n".join(served.output)


def test_ctrl_c_stops_voila_and_every_app_kernel(
    probe_apps, demo_day, console_script, subprocess_env
):
    served = start_served_apps(
        console_script,
        subprocess_env,
        "--apps-dir",
        str(probe_apps),
        "--data-root",
        str(demo_day.data_root),
    )
    try:
        with urllib.request.urlopen(served.app_url("probe"), timeout=120) as response:
            assert response.status == 200  # rendering the page starts its kernel
        kernels = wait_until(
            lambda: [p for p in served.descendants() if "ipykernel" in " ".join(p.cmdline())],
            timeout=60,
            what="the app's kernel",
        )
        family = served.descendants()
        assert kernels
    finally:
        code = served.stop()
    assert code == 0, "\n".join(served.output)
    assert "stopping the apps" in "\n".join(served.output)
    wait_until(
        lambda: not list(iter_processes_alive(family)),
        timeout=30,
        what="Voila and its kernels to exit",
    )


def test_a_port_in_use_gives_one_clear_line(probe_apps, console_script, subprocess_env, demo_day):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                str(console_script),
                "serve",
                "--no-browser",
                "--port",
                str(port),
                "--apps-dir",
                str(probe_apps),
                "--data-root",
                str(demo_day.data_root),
            ],
            env=subprocess_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1, result.stderr
    assert f"127.0.0.1:{port}" in errors[0] and "--port" in errors[0]
    assert "Traceback" not in result.stderr


def test_any_other_interface_requires_the_token(
    probe_apps, console_script, subprocess_env, demo_day
):
    served = start_served_apps(
        console_script,
        subprocess_env,
        "--host",
        "0.0.0.0",
        "--apps-dir",
        str(probe_apps),
        "--data-root",
        str(demo_day.data_root),
    )
    try:
        assert "?token=" in served.url
        token = served.url.split("?token=")[1]
        assert len(token) >= 20
        page = f"http://127.0.0.1:{served.port}/voila/render/probe.ipynb"
        with urllib.request.urlopen(page, timeout=60) as refused:
            assert "/login" in refused.geturl()  # sent to the token login page, no app
            assert "sa-probe" not in refused.read().decode()
        with urllib.request.urlopen(f"{page}?token={token}", timeout=120) as response:
            assert response.geturl().startswith(page)
            assert "voila" in response.read().decode().lower()
    finally:
        assert served.stop() == 0, "\n".join(served.output)


def test_serve_stops_on_sigterm_too(probe_apps, console_script, subprocess_env, demo_day):
    served = start_served_apps(
        console_script,
        subprocess_env,
        "--apps-dir",
        str(probe_apps),
        "--data-root",
        str(demo_day.data_root),
    )
    family = served.descendants()
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(60) == 0
    wait_until(lambda: not list(iter_processes_alive(family)), timeout=30, what="Voila to exit")


def test_staged_apps_link_panel_locally_and_template_has_no_cdn(probe_apps, tmp_path):
    staged = stage_apps(probe_apps, tmp_path / "work")
    assert (staged.root / "probe.ipynb").is_file()
    css = staged.root / "_panel_cdn" / staged.panel_version / "dist" / "css"
    assert any(css.glob("*.css"))
    template = staged.jupyter_path / "voila" / "templates" / "scan_analysis"
    for path in template.iterdir():
        assert "cdn.jsdelivr" not in path.read_text(), path
    assert json.loads((template / "conf.json").read_text()) == {"base_template": "lab"}


def test_app_description_from_metadata_or_first_markdown_line(tmp_path):
    described = nbformat.v4.new_notebook()
    described.metadata["scan_analysis"] = {"description": "Watch the day"}
    nbformat.write(described, tmp_path / "a.ipynb")
    titled = nbformat.v4.new_notebook()
    titled.cells = [nbformat.v4.new_markdown_cell("\n# Scan browser: look at any scan\nmore")]
    nbformat.write(titled, tmp_path / "b.ipynb")
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "c.ipynb")
    assert app_description(tmp_path / "a.ipynb") == "Watch the day"
    assert app_description(tmp_path / "b.ipynb") == "Scan browser: look at any scan"
    assert app_description(tmp_path / "c.ipynb") == "c"
