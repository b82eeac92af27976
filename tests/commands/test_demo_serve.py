"""``make demo``'s main job, then the apps: ``scan-analysis demo`` serves them until Ctrl-C."""

from __future__ import annotations

import re
import urllib.request

import pytest
from browser import iter_processes_alive, start_served_apps, wait_until

pytestmark = pytest.mark.slow


def test_demo_analyses_the_day_then_serves_the_control_room_until_ctrl_c(
    console_script, subprocess_env, tmp_path
):
    served = start_served_apps(
        console_script,
        subprocess_env,
        command=lambda port: [
            *("demo", "--root", str(tmp_path / "demo"), "--no-browser", "--port", str(port))
        ],
    )
    try:
        text = "\n".join(served.output)
        assert re.search(r"analysis finished in .*: \d+ done, \d+ no data, 0 failed", text), text
        opened = wait_until(
            lambda: next((line for line in served.output if line.startswith("open: ")), None),
            timeout=60,
            what="the control room link",
        )
        url = opened.split(": ", 1)[1]
        assert url.endswith("control_room.ipynb?experiment=Undulator&date=2026-05-08&group=demo")
        with urllib.request.urlopen(url, timeout=180) as response:
            assert response.status == 200
        family = served.descendants()
    finally:
        code = served.stop()
    assert code == 0, "\n".join(served.output)
    wait_until(lambda: not list(iter_processes_alive(family)), timeout=30, what="Voila to exit")
