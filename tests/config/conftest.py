"""Fixtures for config tests: config trees written as real files under tmp_path."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def make_tree(tmp_path) -> Callable[[dict[str, str]], Path]:
    """Write ``{relative path: YAML text}`` under a fresh config root and return the root."""

    def make(files: dict[str, str]) -> Path:
        root = tmp_path / "configs"
        (root / "analyzers").mkdir(parents=True, exist_ok=True)
        (root / "groups").mkdir(parents=True, exist_ok=True)
        for relative, text in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return root

    return make


@pytest.fixture
def repo_configs(tmp_path) -> Path:
    """A writable copy of the repository's config tree."""
    import shutil

    root = tmp_path / "repo_configs"
    shutil.copytree(Path(__file__).parents[2] / "scan_analysis_configs", root)
    return root
