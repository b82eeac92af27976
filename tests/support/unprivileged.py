"""Run a command as an account that file permissions apply to.

Tests of read-only folders need permission bits to bite. As root they do not
(CAP_DAC_OVERRIDE), so there the command runs through ``setpriv`` with every
capability dropped: still uid 0, but an ordinary owner for the kernel's checks.
"""

from __future__ import annotations

import os
import shutil


def unprivileged_command(argv: list[str]) -> list[str]:
    """``argv``, prefixed with ``setpriv --bounding-set -all`` when running as root."""
    if os.geteuid() != 0:
        return list(argv)
    setpriv = shutil.which("setpriv")
    assert setpriv, "running as root: the read-only tests need setpriv (util-linux) on PATH"
    return [setpriv, "--bounding-set", "-all", *argv]
