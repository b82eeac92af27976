"""Serve notebooks with a real Voila on a free port, offline (Panel's files served locally).

    with voila_serving(folder, env) as base_url:
        page.goto(f"{base_url}/voila/render/browser.ipynb")

Follows the measured setup of the design notes (JUPYTER_NOTES.md): Panel's
JavaScript is inlined by the components, its CSS is served from a hard-linked
copy of ``panel/dist`` under ``_panel_cdn/<version>/dist`` with
``PANEL_CDN_ROOT`` pointing at it, and Voila is stopped with SIGTERM.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def link_panel_dist(folder: Path) -> None:
    """Hard-link Panel's static files to ``folder/_panel_cdn/<version>/dist`` (or copy)."""
    import panel

    source = Path(panel.__file__).parent / "dist"
    target = folder / "_panel_cdn" / panel.__version__ / "dist"

    def link(src, dst):
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    shutil.copytree(source, target, copy_function=link)


def _wait_until_serving(url: str, process: subprocess.Popen, deadline: float) -> None:
    tick, give_up = threading.Event(), time.monotonic() + deadline
    while time.monotonic() < give_up:
        if process.poll() is not None:
            raise RuntimeError(f"voila exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            tick.wait(0.2)
    raise RuntimeError(f"voila did not answer {url} within {deadline} s")


@contextlib.contextmanager
def voila_serving(folder: Path, env: dict[str, str], *, deadline: float = 120.0):
    """Run Voila on ``folder`` at a free port; yields the base URL."""
    link_panel_dist(folder)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(env)
    env["PANEL_CDN_ROOT"] = f"{base}/voila/files/_panel_cdn/"
    voila = Path(sys.executable).with_name("voila")
    log = (folder / "voila.log").open("wb")
    process = subprocess.Popen(
        [
            str(voila),
            str(folder),
            "--no-browser",
            f"--port={port}",
            "--Voila.ip=127.0.0.1",
            "--VoilaConfiguration.file_allowlist=['_panel_cdn/.*', '.*\\.png']",
            "--MappingKernelManager.cull_idle_timeout=600",
        ],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_serving(f"{base}/", process, deadline)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
        log.close()
