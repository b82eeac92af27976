"""The components in a real Jupyter kernel: they display as widget views, and the kernel
answers a widget's message while a live task runs."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import nbformat
import pytest
from blocking_analyzer import make_config_dir
from jupyter_client.manager import start_new_kernel
from nbclient import NotebookClient

SUPPORT = Path(__file__).parents[1] / "support"
REPO_CONFIGS = Path(__file__).parents[2] / "scan_analysis_configs"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
DEADLINE = 240.0


@pytest.mark.slow
def test_both_components_display_as_widget_views_in_a_kernel(fresh_demo_day, tmp_path):
    root = fresh_demo_day.data_root
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "from scan_analysis_widgets import LiveWatchPanel, ScanBrowser\n"
            f"browser = ScanBrowser({str(root)!r}, experiment='Undulator', date='2026-05-08', "
            f"scan='2', config_dir={str(REPO_CONFIGS)!r})\n"
            "browser"
        ),
        nbformat.v4.new_code_cell(
            f"panel = LiveWatchPanel({str(root)!r}, {str(REPO_CONFIGS)!r}, "
            "experiment='Undulator', date='2026-05-08', group='demo')\n"
            "panel"
        ),
        nbformat.v4.new_code_cell(
            "print(browser.scan, browser.sfile.shape[0], repr(browser.message.text), "
            "panel.state, repr(panel.message.text))"
        ),
    ]
    client = NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": tmp_path}}
    )
    client.execute()
    for cell in notebook.cells:
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"{cell.source!r} raised: {errors}"
        streams = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        assert "Traceback" not in streams
    for cell in notebook.cells[:2]:
        views = [o for o in cell.outputs if WIDGET_VIEW in o.get("data", {})]
        assert len(views) == 1, f"{cell.source!r} showed {cell.outputs}"
        assert views[0]["data"][WIDGET_VIEW]["model_id"]
    shots = len(fresh_demo_day.scans[2].shots) - len(fresh_demo_day.scans[2].missing_rows)
    assert notebook.cells[2].outputs[0]["text"].strip() == f"2 {shots} '' idle ''"


class Kernel:
    """A real kernel driven as a page drives it: code to set up, comm messages to click."""

    def __init__(self, env):
        self.manager, self.client = start_new_kernel(kernel_name="python3", env=env)

    def run(self, code: str) -> str:
        out = []

        def keep(message):
            if message["msg_type"] == "stream":
                out.append(message["content"]["text"])
            elif message["msg_type"] == "error":
                out.append("\n".join(message["content"]["traceback"]))

        reply = self.client.execute_interactive(code, timeout=DEADLINE, output_hook=keep)
        text = "".join(out)
        assert reply["content"]["status"] == "ok", text
        return text

    def send_update(self, comm_id: str, state: dict) -> None:
        """What the page sends when a user changes a control."""
        content = {
            "comm_id": comm_id,
            "data": {"method": "update", "state": state, "buffer_paths": []},
        }
        self.client.shell_channel.send(self.client.session.msg("comm_msg", content))

    def wait_for_update(self, comm_id: str, contains: str, deadline: float) -> None:
        """Wait for the kernel to send ``comm_id`` a value holding ``contains``."""
        give_up = time.monotonic() + deadline
        while time.monotonic() < give_up:
            try:
                message = self.client.get_iopub_msg(timeout=0.5)
            except Exception:  # queue.Empty: nothing yet
                continue
            content = message["content"]
            if message["msg_type"] != "comm_msg" or content.get("comm_id") != comm_id:
                continue
            value = content["data"].get("state", {}).get("value", "")
            if contains in str(value):
                return
        raise AssertionError(f"no update holding {contains!r} from the kernel in {deadline} s")

    def shutdown(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


@pytest.mark.slow
def test_a_widget_callback_round_trips_while_a_task_runs(fresh_demo_day, tmp_path, subprocess_env):
    config_dir, release, started = make_config_dir(tmp_path)
    kernel = Kernel(subprocess_env)
    try:
        ids = kernel.run(
            "import sys\n"
            f"sys.path.insert(0, {str(SUPPORT)!r})\n"
            "from scan_analysis_widgets import LiveWatchPanel\n"
            f"panel = LiveWatchPanel({str(fresh_demo_day.data_root)!r}, {str(config_dir)!r}, "
            "experiment='Undulator', date='2026-05-08', group='blocking', scan='2', "
            "refresh_interval=0.5, runner_options={'executor': 'serial', 'rescan_interval': 0.5})\n"
            "assert panel.start()\n"
            "print(panel.log_view.level.model_id, panel.log_view.text.model_id)\n"
        )
        level_id, log_id = ids.split()
        tick, give_up = threading.Event(), time.monotonic() + DEADLINE
        while not started.exists():  # the blocking task is running in the kernel now
            assert time.monotonic() < give_up, "the live task never started"
            tick.wait(0.1)

        # the log level dropdown: the page sends its new index, the kernel's observer
        # redraws the log, the page receives the log's new value
        levels = ["DEBUG", "INFO", "WARNING", "ERROR"]
        for level in ["WARNING", "INFO", "ERROR", "INFO", "WARNING"]:
            kernel.send_update(level_id, {"index": levels.index(level)})
            kernel.wait_for_update(log_id, f"at {level} and above", deadline=60)
        # every round trip was answered while the task still blocked: the runner never holds
        # the kernel's event loop (no timing is asserted in tests)
        assert started.exists() and not release.exists()  # the task ran all along
        assert "running" in kernel.run("print(panel.state, panel.current_task)")

        release.write_text("go")
        assert kernel.run("print(panel.stop(timeout=60), panel.state)").split() == [
            "True",
            "stopped",
        ]
    finally:
        release.write_text("go")
        kernel.shutdown()
