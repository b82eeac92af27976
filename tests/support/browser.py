"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright, and a served-apps process.

Imported by ``tests/conftest.py``, which turns these into fixtures. Nothing
here skips: a missing browser is a failure that says how to install it.
"""

from __future__ import annotations

import random
import re
import signal
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from waiting import wait_until

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT = {"width": 1600, "height": 1000}
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
# console noise measured as harmless in JUPYTER_NOTES.md (Voila's bundled JupyterLab core vs
# newer extensions), nothing else
HARMLESS_CONSOLE = (
    re.compile(r"^Unsatisfied version .* of shared singleton module"),
    re.compile(r"^No satisfying version .* of shared module"),
    re.compile(r"^BokehView cannot combine events because Kernel idle status"),
)


def ephemeral_ports() -> range:
    """The ports the kernel hands out for a bind to port 0 (``ip_local_port_range``)."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return range(int(low), int(high) + 1)
    except (OSError, ValueError):
        return range(32768, 61000)  # Linux's default


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now, chosen below the kernel's ephemeral range.

    The port is released before the server under test binds it. Meanwhile the parallel
    suite's Dask schedulers and workers, Jupyter and Voila kernels bind port 0, and the
    kernel gives each a port of its ephemeral range: a port taken from that range (as a
    bind to port 0 here would) was handed to one of them in CI. Below the range only
    another test's explicit choice can take it, one in thousands.
    """
    ephemeral = ephemeral_ports()
    candidates = range(10_000, ephemeral.start) if ephemeral.start > 11_000 else range(0)
    for _ in range(50):
        port = random.choice(candidates) if candidates else 0
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise AssertionError(f"no free port on 127.0.0.1 in {candidates}")


def launch_chromium(playwright):
    """Start Debian's Chromium; fail (never skip) with the fix when it is missing."""
    assert CHROMIUM.exists(), (
        f"{CHROMIUM} is missing: the browser tests need Debian's chromium "
        "('make test' installs it as root: apt-get install -y chromium)"
    )
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


@dataclass
class PageProblems:
    """What went wrong on a page: console errors/warnings, failed and off-site requests."""

    origin: str
    console: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)

    def attach(self, page) -> None:
        """Record the page's console messages and requests from now on."""
        page.on("console", self._on_console)
        page.on("requestfailed", lambda request: self.failed.append(request.url))
        page.on(
            "response",
            lambda response: (
                response.status >= 400 and self.failed.append(f"{response.status} {response.url}")
            ),
        )
        page.on("request", self._on_request)

    def _on_console(self, message) -> None:
        if message.type not in ("error", "warning"):
            return
        text = message.text
        if any(pattern.search(text) for pattern in HARMLESS_CONSOLE):
            return
        self.console.append(f"{message.type}: {text} @ {message.location.get('url', '')}")

    def _on_request(self, request) -> None:
        url = request.url
        if not (url.startswith(self.origin) or url.startswith(("data:", "blob:" + self.origin))):
            self.external.append(url)

    def assert_clean(self) -> None:
        """No console error or warning, no failed request, nothing fetched from another host."""
        assert not self.console, "browser console:\n" + "\n".join(self.console)
        assert not self.failed, "failed requests:\n" + "\n".join(self.failed)
        assert not self.external, "requests to other hosts (offline control room):\n" + "\n".join(
            self.external
        )


@dataclass
class ServedApps:
    """A running ``scan-analysis serve`` process and what it printed."""

    process: subprocess.Popen
    port: int
    url: str
    output: list[str]
    reader: threading.Thread | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def app_url(self, name: str, **query: str) -> str:
        text = "&".join(f"{key}={value}" for key, value in query.items())
        return f"{self.base}voila/render/{name}.ipynb" + (f"?{text}" if text else "")

    def descendants(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.process.pid).children(recursive=True)
        except psutil.Error:
            return []

    def stop(self, timeout: float = 60.0) -> int:
        """Ctrl-C the server as a person would; returns its exit code.

        Its last lines are in :attr:`output` on return: the reader thread may still be
        taking them from the pipe when the process has already exited.
        """
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        code = self.process.wait(timeout)
        if self.reader is not None:
            self.reader.join(timeout)  # to the end of its output
        return code


def start_served_apps(
    console_script: Path,
    env: dict[str, str],
    *args: str,
    command: Callable[[int], list[str]] | None = None,
    timeout: float = 300.0,
) -> ServedApps:
    """Run ``scan-analysis serve --no-browser --port P ARGS`` until it prints its URL.

    ``command(port)`` builds another sub-command that ends up serving the apps on
    ``port``, e.g. ``demo``. The port is a free one; should another process take it
    before the server binds it (tests run in parallel), the server says the port is in
    use and the command starts again on another free port (twice at most).
    """
    if command is None:

        def command(port: int) -> list[str]:
            return ["serve", "--no-browser", "--port", str(port), *args]

    for attempt in range(3):
        port = free_port()
        try:
            return _start_served(console_script, env, command(port), port, timeout)
        except PortTaken:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


class PortTaken(AssertionError):
    """The server could not bind its port: another process took it after free_port()."""


# what the server prints when its port is taken: ours before Voila starts, Voila's own
# when the port went between that check and Voila's bind, the OS's from anything else
PORT_TAKEN = re.compile(r"the port is in use|The port \d+ is already in use|Address already in use")


def _start_served(
    console_script: Path, env: dict[str, str], command: list[str], port: int, timeout: float
) -> ServedApps:
    process = subprocess.Popen(
        [str(console_script), *command],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    found = threading.Event()
    url: list[str] = []

    def pump() -> None:
        for line in process.stdout:
            output.append(line.rstrip())
            match = re.search(r"scan-analysis apps: (\S+)", line)
            if match:
                url.append(match.group(1))
                found.set()
        found.set()

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    found.wait(timeout)
    if not url:
        process.kill()
        text = "\n".join(output)
        if PORT_TAKEN.search(text):
            raise PortTaken(f"port {port} taken before the server bound it:\n{text}")
        raise AssertionError("serve did not print its URL:\n" + text)
    return ServedApps(process, port, url[0], output, reader)


def save_screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under tests/artifacts/ (git-ignored) for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def iter_processes_alive(processes: list[psutil.Process]) -> Iterator[psutil.Process]:
    """The processes of a list still running (zombies count as gone)."""
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                yield process
        except psutil.Error:
            continue


__all__ = [
    "ARTIFACTS",
    "PageProblems",
    "ServedApps",
    "free_port",
    "iter_processes_alive",
    "launch_chromium",
    "save_screenshot",
    "start_served_apps",
    "wait_until",
]
