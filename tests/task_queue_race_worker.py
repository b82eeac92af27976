"""A separate process racing for one task claim (driven by tests/test_task_queue.py).

Usage: python task_queue_race_worker.py ANALYSIS_DIR SCAN ANALYZER RUNNER_ID TIMEOUT MODE

Prints ``ready`` and waits for a line on stdin (the start signal, so every
worker tries at the same moment), then tries to claim and prints one JSON
line ``{"runner": ..., "won": bool}``. MODE ``release`` completes a won task
as done; MODE ``hold`` keeps the claim (heartbeating) until stdin closes or
the process is killed.
"""

import json
import sys

from scan_analysis.task_queue import TaskQueue, TaskState


def main() -> None:
    analysis_dir, scan, analyzer, runner_id, timeout, mode = sys.argv[1:7]
    queue = TaskQueue(analysis_dir, runner_id=runner_id, heartbeat_timeout=float(timeout))
    print("ready", flush=True)
    sys.stdin.readline()
    claim = queue.try_claim(int(scan), analyzer)
    print(json.dumps({"runner": runner_id, "won": claim is not None}), flush=True)
    if claim is None:
        return
    if mode == "hold":
        sys.stdin.read()  # until the parent closes stdin or kills us
    queue.complete(claim, TaskState.DONE, message=f"run by {runner_id}")


if __name__ == "__main__":
    main()
