"""Waiting for what the code under test will make true: polled, with a deadline, no fixed sleep."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    condition: Callable[[], T], what: str, timeout: float = 180.0, *, interval: float = 0.05
) -> T:
    """Poll ``condition()`` until it returns a truthy value, and return that value.

    Fails naming ``what`` after ``timeout`` seconds: generous, because a loaded
    2-core CI machine is slow and only a failing test ever waits that long.
    """
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
    return value
