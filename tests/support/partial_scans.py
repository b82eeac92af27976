"""Make a demo scan partial, as a DAQ that stopped early leaves it: the s-file ends early."""

from __future__ import annotations

from pathlib import Path


def cut_sfile_after_bin(day_dir: Path, scan: int, last_bin: int) -> None:
    """Keep only the s-file rows of bins up to ``last_bin`` (the ini still gives the full range)."""
    sfile = Path(day_dir) / "analysis" / f"s{scan}.txt"
    lines = sfile.read_text().splitlines(keepends=True)
    bin_index = lines[0].rstrip("\n").split("\t").index("Bin #")
    kept = [row for row in lines[1:] if int(row.split("\t")[bin_index]) <= last_bin]
    sfile.write_text("".join([lines[0], *kept]))
