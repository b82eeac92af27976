"""The documentation users read points at files the repository has (issue 15 item 19)."""

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).parents[1]
MARKDOWN_LINK = re.compile(r"\]\(([^)#\s]+)[^)]*\)")
NAMED_DOCUMENT = re.compile(r"\b([A-Za-z_/.]*[A-Z_]{3,}\.md)\b")


def tracked(pattern: str) -> list[Path]:
    names = subprocess.run(
        ["git", "ls-files", pattern], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    return [REPO / name for name in names]


def test_every_document_named_is_in_the_repository():
    """Relative links resolve; a FOO.md named in README, docs or docstrings exists."""
    documents = {path.name for path in tracked("*.md")}
    missing = []
    for path in tracked("*.md") + tracked("scan_analysis/*.py") + tracked("widgets/*.py"):
        text = path.read_text(encoding="utf-8")
        links = MARKDOWN_LINK.findall(text) if path.suffix == ".md" else []
        for target in links:
            if "://" not in target and not (path.parent / target).exists():
                missing.append(f"{path.relative_to(REPO)}: link {target}")
        for line in text.splitlines():
            if "design notes" in line:  # the maintainers' notes, outside the repository
                continue
            for name in NAMED_DOCUMENT.findall(line):
                if Path(name).name not in documents:
                    missing.append(f"{path.relative_to(REPO)}: names {name}")
    assert missing == []


def test_the_format_reference_covers_the_keys_the_models_accept():
    """docs/DATA_FORMAT.md names every key of the scan block and every image section."""
    from scan_analysis.config.diagnostic_models import AnalysisGroupConfig, ScanRuntimeConfig
    from scan_analysis.image.config.models import CameraConfig, LineConfig

    text = (REPO / "docs" / "DATA_FORMAT.md").read_text(encoding="utf-8")
    keys = {
        info.alias or name
        for model in (ScanRuntimeConfig, AnalysisGroupConfig, CameraConfig, LineConfig)
        for name, info in model.model_fields.items()
    }
    assert sorted(key for key in keys if f"`{key}`" not in text) == []
    readme = (REPO / "scan_analysis_configs" / "README.md").read_text(encoding="utf-8")
    assert "../docs/DATA_FORMAT.md" in readme
