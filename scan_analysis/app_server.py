"""Serve the Voila apps (control room, scan browser, config editor) on this machine.

``scan-analysis serve`` runs Voila in directory mode on a staged copy of the
apps folder. Staging is what makes the apps work on an offline control-room
network: Panel's CSS is served from the same server (a hard-linked copy of
Panel's ``dist`` folder under ``_panel_cdn/<version>/dist``), its JavaScript is
inlined, and the page template loads nothing from a CDN. The landing page
(``/``) lists each app with the one-line description from its notebook.

This module starts Voila as a subprocess and never imports Jupyter itself, so
the library stays importable without the ``jupyter`` extra.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import ipaddress
import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from scan_analysis.app_links import APP_URL_ENV
from scan_analysis.errors import ScanAnalysisError

logger = logging.getLogger(__name__)

TEMPLATE_NAME = "scan_analysis"
PANEL_CDN_FOLDER = "_panel_cdn"
DEFAULT_PORT = 8866
STARTUP_TIMEOUT = 120.0
SHUTDOWN_TIMEOUT = 20.0
_RUNNING = re.compile(r"Voil\S* is running at:?\s*(\S+)")


class AppServerError(ScanAnalysisError):
    """The app server cannot start (port in use, Jupyter extra missing, no apps)."""


@dataclass
class ServeOptions:
    """How to serve the apps.

    Attributes
    ----------
    host : str
        Interface to bind; loopback (the default) needs no token.
    port : int
        TCP port (8866 by default).
    token : str or None
        Access token. None: none on loopback, a random one on any other
        interface. ``""`` turns the token off (only when asked for explicitly).
    apps_dir : Path, optional
        Folder of app notebooks (default: the apps shipped with scan-analysis).
    data_root, config_dir : Path, optional
        Passed to the app kernels as ``SCAN_ANALYSIS_DATA_ROOT`` /
        ``SCAN_ANALYSIS_CONFIG_DIR``.
    open_browser : bool
        Open the landing page in a browser once the server is up.
    cull_idle_timeout : int
        Seconds after which the kernel of a closed page is shut down (a page
        that stays open keeps its kernel).
    """

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    token: str | None = None
    apps_dir: Path | None = None
    data_root: Path | None = None
    config_dir: Path | None = None
    open_browser: bool = False
    cull_idle_timeout: int = 900
    extra_env: dict[str, str] = field(default_factory=dict)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable only from this machine.

    Examples
    --------
    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def default_apps_dir() -> Path:
    """The shipped apps: ``apps/`` of a source checkout, else the installed package's copy."""
    spec = importlib.util.find_spec("scan_analysis_widgets")
    if spec is None or not spec.submodule_search_locations:
        raise AppServerError(
            'the apps need the Jupyter extra: pip install "scan-analysis[jupyter]"'
        )
    package = Path(next(iter(spec.submodule_search_locations)))
    for candidate in (package / "apps", package.parent.parent / "apps"):
        if any(candidate.glob("*.ipynb")):
            return candidate
    raise AppServerError(f"no app notebooks found next to {package}; reinstall scan-analysis")


def require_voila() -> None:
    """Raise a one-line AppServerError when Voila or Panel is not installed."""
    missing = [
        name for name in ("voila", "panel", "ipywidgets") if not importlib.util.find_spec(name)
    ]
    if missing:
        raise AppServerError(
            f'serving the apps needs {", ".join(missing)}: pip install "scan-analysis[jupyter]"'
        )


def check_port_free(host: str, port: int) -> None:
    """Raise AppServerError (one line, with the fix) when ``host:port`` cannot be bound."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        try:
            probe.bind((host, port))
        except OSError as error:
            raise AppServerError(
                f"cannot serve on {host}:{port}: {error.strerror or error}; the port is in use "
                f"(another scan-analysis serve?) — choose another with --port"
            ) from None


def app_description(notebook: Path) -> str:
    """The one-line description of an app notebook.

    From ``metadata.scan_analysis.description``, else the first line of the
    first markdown cell (without ``#``), else the file name.
    """
    try:
        content = json.loads(notebook.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return notebook.stem
    described = content.get("metadata", {}).get("scan_analysis", {}).get("description")
    if described:
        return str(described)
    for cell in content.get("cells", []):
        if cell.get("cell_type") == "markdown":
            source = "".join(cell.get("source", []))
            for line in source.splitlines():
                if line.strip():
                    return line.strip().lstrip("#").strip()
    return notebook.stem


def _link_tree(source: Path, target: Path) -> None:
    """Hard-link every file of ``source`` under ``target`` (copy where links are refused)."""
    try:
        shutil.copytree(source, target, copy_function=os.link)
    except OSError:
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(source, target)


def panel_dist() -> tuple[str, Path]:
    """Panel's version and the folder holding its JS and CSS."""
    spec = importlib.util.find_spec("panel")
    if spec is None or not spec.submodule_search_locations:
        raise AppServerError('the apps need Panel: pip install "scan-analysis[jupyter]"')
    return importlib.metadata.version("panel"), Path(
        next(iter(spec.submodule_search_locations))
    ) / "dist"


_PAGE_TEMPLATE = """<!DOCTYPE html>
<html>
<head>
  <meta charset="utf-8">
  <title>{% block title %}scan-analysis{% endblock %}</title>
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <link rel="icon" href="data:;base64,=">
  {% block stylesheets %}{% endblock %}
  <style>
    .sa-landing { font-family: sans-serif; max-width: 960px; margin: 40px auto; }
    .sa-app-list { list-style: none; padding: 0; }
    .sa-app { padding: 12px 8px; border-bottom: 1px solid #ccc; font-size: 16px; }
    .sa-app a { font-weight: bold; display: inline-block; min-width: 12em; }
    .sa-app-description { color: #333; }
  </style>
  {% block meta %}{% endblock %}
</head>
<body data-base-url="{{ base_url }}voila/" data-voila="voila">
  <div>{% block body %}{% endblock %}</div>
  {% block scripts %}{% endblock %}
</body>
</html>
"""

_TREE_TEMPLATE = """{%- extends "page.html" -%}
{%- set descriptions = @DESCRIPTIONS@ -%}
{%- block title -%}scan-analysis apps{%- endblock -%}
{%- block body -%}
<main class="sa-landing">
  <h1>scan-analysis</h1>
  <p>Dashboards for this lab's scans. Pick one:</p>
  <ul class="sa-app-list">
  {%- for content in contents.content if content.type == "notebook" %}
    <li class="sa-app"><a href="{{ base_url }}voila/render/{{ content.path }}?{{ query }}">
      {{- content.name[:-6] | replace("_", " ") }}</a>
      <span class="sa-app-description">{{ descriptions.get(content.name, "") }}</span></li>
  {%- endfor %}
  </ul>
</main>
{%- endblock -%}
"""

# the lab look without the CDN links of Voila's own template (FontAwesome comes from Panel's copy)
_INDEX_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{% import "spinner.macro.html.j2" as spinner %}
{%- block notebook_css -%}
{{ resources.include_js("static/voila-style.js") }}
{{ spinner.css() }}
{{ resources.include_css("static/index.css") }}
{% if resources.theme == 'dark' %}{{ resources.include_css("static/theme-dark.css") }}
{% else %}{{ resources.include_css("static/theme-light.css") }}{% endif %}
<link rel="stylesheet" type="text/css"
  href="{{ resources.base_url }}voila/files/@FONT_AWESOME@">
<style>
  .jp-mod-noOutputs.jp-mod-noInput { display: none; }
  a.anchor-link { display: none; }
</style>
{%- endblock notebook_css -%}
"""


def _template_files(descriptions: dict[str, str], panel_version: str) -> dict[str, str]:
    """Our Voila template: the lab look, nothing from a CDN, a landing page with descriptions."""
    font_awesome = f"{PANEL_CDN_FOLDER}/{panel_version}/dist/bundled/font-awesome/css/all.min.css"
    return {
        "conf.json": json.dumps({"base_template": "lab"}),
        "page.html": _PAGE_TEMPLATE,
        "tree.html": _TREE_TEMPLATE.replace("@DESCRIPTIONS@", json.dumps(descriptions)),
        "index.html.j2": _INDEX_TEMPLATE.replace("@FONT_AWESOME@", font_awesome),
    }


@dataclass
class StagedApps:
    """A served folder ready for Voila: app notebooks, Panel's files, our template."""

    root: Path
    jupyter_path: Path
    apps: dict[str, str]
    panel_version: str


def stage_apps(apps_dir: Path, work_dir: Path) -> StagedApps:
    """Prepare the folder Voila serves (see the module docstring); returns where things are."""
    notebooks = sorted(Path(apps_dir).glob("*.ipynb"))
    if not notebooks:
        raise AppServerError(f"no app notebooks (*.ipynb) in {apps_dir}; pass --apps-dir")
    root = work_dir / "apps"
    root.mkdir(parents=True)
    descriptions = {}
    for notebook in notebooks:
        shutil.copy2(notebook, root / notebook.name)
        descriptions[notebook.name] = app_description(notebook)
    version, dist = panel_dist()
    _link_tree(dist, root / PANEL_CDN_FOLDER / version / "dist")
    jupyter_path = work_dir / "jupyter"
    template_dir = jupyter_path / "voila" / "templates" / TEMPLATE_NAME
    template_dir.mkdir(parents=True)
    for name, text in _template_files(descriptions, version).items():
        (template_dir / name).write_text(text, encoding="utf-8")
    return StagedApps(root, jupyter_path, descriptions, version)


def voila_command(options: ServeOptions, staged: StagedApps, token: str) -> list[str]:
    """The Voila command line (directory mode on the staged folder)."""
    return [
        sys.executable,
        "-m",
        "voila",
        str(staged.root),
        f"--Voila.ip={options.host}",
        f"--port={options.port}",
        "--Voila.port_retries=0",
        "--no-browser",
        f"--template={TEMPLATE_NAME}",
        "--classic-tree",
        f"--Voila.token={token}",
        "--VoilaConfiguration.file_allowlist=['" + PANEL_CDN_FOLDER + "/.*']",
        "--VoilaConfiguration.preheat_kernel=False",
        # Panel's JupyterLab extension cannot load inside Voila; comms go through ipywidgets
        "--VoilaConfiguration.extension_denylist=['@pyviz/jupyterlab_pyviz']",
        f"--MappingKernelManager.cull_idle_timeout={options.cull_idle_timeout}",
        "--MappingKernelManager.cull_interval=60",
        "--MappingKernelManager.cull_connected=False",
    ]


def browser_host(host: str) -> str:
    """The host name a browser uses to reach a server bound to ``host``."""
    if host in ("0.0.0.0", "::", ""):
        return socket.getfqdn()
    return f"[{host}]" if ":" in host else host


def voila_environment(options: ServeOptions, staged: StagedApps) -> dict[str, str]:
    """Environment of the Voila process (inherited by every app kernel)."""
    base_url = f"http://{browser_host(options.host)}:{options.port}"
    env = dict(os.environ)
    env.update(options.extra_env)
    env["JUPYTER_PATH"] = os.pathsep.join(
        [str(staged.jupyter_path)] + [p for p in env.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    )
    env["PANEL_COMMS"] = "ipywidgets"
    env["PANEL_INLINE"] = "true"
    env["PANEL_CDN_ROOT"] = f"{base_url}/voila/files/{PANEL_CDN_FOLDER}/"
    env[APP_URL_ENV] = base_url
    if options.data_root is not None:
        env["SCAN_ANALYSIS_DATA_ROOT"] = str(Path(options.data_root).resolve())
    if options.config_dir is not None:
        env["SCAN_ANALYSIS_CONFIG_DIR"] = str(Path(options.config_dir).resolve())
    return env


class AppServer:
    """A running Voila serving the apps; ``with AppServer(options) as server: server.wait()``.

    Parameters
    ----------
    options : ServeOptions
    on_line : callable, optional
        Receives every line Voila prints (default: logged at DEBUG).
    """

    def __init__(self, options: ServeOptions, *, on_line: Callable[[str], None] | None = None):
        self.options = options
        self.on_line = on_line or (lambda line: logger.debug("voila: %s", line))
        self.process: subprocess.Popen[str] | None = None
        self.url: str | None = None
        self._work_dir: Path | None = None
        self.apps: dict[str, str] = {}
        """App name (notebook stem) -> one-line description, once started."""
        self._ready = threading.Event()
        self._output: list[str] = []

    @property
    def token(self) -> str:
        """The access token in force ("" when none)."""
        if self.options.token is not None:
            return self.options.token
        if not hasattr(self, "_token"):
            self._token = "" if is_loopback(self.options.host) else secrets.token_urlsafe(24)
        return self._token

    def start(self) -> str:
        """Start Voila and wait until it answers; returns the landing page URL."""
        require_voila()
        check_port_free(self.options.host, self.options.port)
        apps_dir = Path(self.options.apps_dir) if self.options.apps_dir else default_apps_dir()
        self._work_dir = Path(tempfile.mkdtemp(prefix="scan-analysis-serve-"))
        try:
            staged = stage_apps(apps_dir, self._work_dir)
            self.apps = {Path(name).stem: text for name, text in staged.apps.items()}
            self.process = subprocess.Popen(
                voila_command(self.options, staged, self.token),
                env=voila_environment(self.options, staged),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,  # a terminal's Ctrl-C reaches us; we stop Voila cleanly
            )
        except BaseException:
            self.stop()
            raise
        threading.Thread(target=self._pump, name="voila-output", daemon=True).start()
        if not self._ready.wait(STARTUP_TIMEOUT) or self.process.poll() is not None:
            tail = "\n".join(self._output[-15:])
            self.stop()
            raise AppServerError(f"Voila did not start on port {self.options.port}:\n{tail}")
        base = f"http://{browser_host(self.options.host)}:{self.options.port}/"
        self.url = base + (f"?token={self.token}" if self.token else "")
        return self.url

    def _pump(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.rstrip()
            self._output.append(line)
            del self._output[:-200]
            if _RUNNING.search(line):
                self._ready.set()
            self.on_line(line)
        self._ready.set()  # the process ended: do not wait for it any longer

    def app_url(self, name: str, **query: str) -> str:
        """URL of one app, e.g. ``app_url("scan_browser", scan="2")``."""
        assert self.url is not None, "start() first"
        base = self.url.split("?")[0]
        parameters = dict(query)
        if self.token:
            parameters["token"] = self.token
        text = "&".join(f"{key}={value}" for key, value in parameters.items())
        return f"{base}voila/render/{name}.ipynb" + (f"?{text}" if text else "")

    def wait(self) -> int:
        """Block until Voila exits; returns its exit code."""
        assert self.process is not None
        return self.process.wait()

    def stop(self) -> None:
        """Stop Voila and every kernel it started; remove the staged folder."""
        process = self.process
        if process is not None and process.poll() is None:
            try:
                family = psutil.Process(process.pid).children(recursive=True)
            except psutil.Error:
                family = []
            process.send_signal(signal.SIGTERM)  # Voila shuts its kernels down on SIGTERM
            try:
                process.wait(SHUTDOWN_TIMEOUT)
            except subprocess.TimeoutExpired:
                logger.warning("Voila did not stop within %.0f s; killing it", SHUTDOWN_TIMEOUT)
                process.kill()
                process.wait()
            for child in family:  # kernels that outlived Voila (none expected)
                try:
                    child.kill()
                except psutil.Error:
                    pass
            psutil.wait_procs(family, timeout=5)
        if self._work_dir is not None:
            shutil.rmtree(self._work_dir, ignore_errors=True)
            self._work_dir = None

    def __enter__(self) -> AppServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
