"""``scan-analysis serve``: the Voila apps (control room, scan browser, config editor)."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import webbrowser
from pathlib import Path

from scan_analysis.cli_arguments import add_root_arguments

EXAMPLE = """\
examples:
  scan-analysis serve                                  # http://127.0.0.1:8866/ on this machine
  scan-analysis serve --data-root /data --port 8900 --no-browser
  scan-analysis serve --host 0.0.0.0                   # whole network: a token is required

Each app is at /voila/render/<app>.ipynb and reads its query string, e.g.
  /voila/render/scan_browser.ipynb?experiment=Undulator&date=2026-05-08&scan=2
  /voila/render/control_room.ipynb?experiment=Undulator&date=2026-05-08&group=demo
Whoever reaches the server can start analyses and edit configs: it binds
127.0.0.1 unless --host says otherwise, and then requires a token (printed in
the URL) unless --no-token is given. Ctrl-C stops the server and every app
kernel. The data root is --data-root, else $SCAN_ANALYSIS_DATA_ROOT, else
[Paths] GEECS_DATA_LOCAL_BASE_PATH in ~/.config/geecs_python_api/config.ini;
the config root likewise (--config-dir, $SCAN_ANALYSIS_CONFIG_DIR, ...).
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``serve`` sub-command."""
    parser = subparsers.add_parser(
        "serve",
        help="serve the control room, scan browser and config editor apps (Voila)",
        description="Serve the scan-analysis apps with Voila until Ctrl-C.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=8866, help="TCP port (default 8866)")
    parser.add_argument(
        "--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1: this machine)"
    )
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    add_root_arguments(parser, data_root_help="data root for the apps")
    parser.add_argument("--apps-dir", type=Path, help="serve these app notebooks instead")
    token = parser.add_mutually_exclusive_group()
    token.add_argument("--token", help="access token (default: random when not on 127.0.0.1)")
    token.add_argument(
        "--no-token",
        action="store_true",
        help="no token even on a network interface (anyone reaching the port acts as the lab)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Start Voila, print the URL, serve until Ctrl-C or SIGTERM, then stop cleanly."""
    from scan_analysis.app_server import ServeOptions
    from scan_analysis.data.scan_paths import resolve_config_dir, resolve_data_root
    from scan_analysis.errors import DataRootError

    try:
        data_root = resolve_data_root(args.data_root)
    except DataRootError as error:
        if args.data_root is not None:
            raise
        print(f"note: {error.for_command_line()}; the apps will ask for one", file=sys.stderr)
        data_root = None
    options = ServeOptions(
        host=args.host,
        port=args.port,
        token="" if args.no_token else args.token,
        apps_dir=args.apps_dir,
        data_root=data_root,
        config_dir=resolve_config_dir(args.config_dir),
    )
    return serve_until_stopped(options, open_browser=not args.no_browser)


def serve_until_stopped(
    options, *, open_browser: bool = False, start_page: str | None = None, **query: str
) -> int:
    """Serve the apps until Ctrl-C or SIGTERM, printing their URLs; then stop Voila and kernels.

    Parameters
    ----------
    options : ServeOptions
    open_browser : bool
        Open ``start_page`` (default the landing page) in a browser once serving.
    start_page : str, optional
        An app to point at first (printed last, e.g. ``"control_room"``), opened with ``query``.
    """
    from scan_analysis.app_server import AppServer

    server = AppServer(options)
    stop = threading.Event()
    previous = {
        number: signal.signal(number, lambda *_: stop.set())
        for number in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        print(f"starting the apps on {options.host}:{options.port} ...", flush=True)
        url = server.start()
        print(f"scan-analysis apps: {url}", flush=True)
        for name, description in server.apps.items():
            print(f"  {server.app_url(name)}  {description}", flush=True)
        print(f"data root: {options.data_root}  config root: {options.config_dir}", flush=True)
        first = url
        if start_page and start_page in server.apps:
            first = server.app_url(start_page, **query)
            print(f"open: {first}", flush=True)
        print("press Ctrl-C to stop", flush=True)
        if open_browser:
            webbrowser.open(first)
        watcher = threading.Thread(target=lambda: (server.wait(), stop.set()), daemon=True)
        watcher.start()
        while not stop.wait(1.0):  # wakes for signals, which set the event
            pass
        if server.process is not None and server.process.poll() is not None:
            print(f"the app server exited (code {server.process.returncode})", file=sys.stderr)
            return 1
        print("stopping the apps ...", flush=True)
        return 0
    finally:
        server.stop()
        for number, handler in previous.items():
            signal.signal(number, handler)
