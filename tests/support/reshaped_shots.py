"""Give a few shots of a demo scan another frame size, as a camera whose ROI changed mid-scan."""

from __future__ import annotations

from scan_analysis.data.demo import DemoDay, encode_png
from scan_analysis.data.readers import read_shot
from scan_analysis.data.sfile import read_sfile
from scan_analysis.data.shot_files import map_shots_to_files


def crop_camera_shots(
    day: DemoDay, scan: int, shots: list[int], *, device: str = "UC_TopView", shape=(80, 90)
) -> None:
    """Rewrite the shots' images cut to ``shape`` (top-left corner), in the camera's PNG format."""
    files = map_shots_to_files(
        read_sfile(day.day_dir / "analysis" / f"s{scan}.txt"),
        day.day_dir / "scans" / f"Scan{scan:03d}",
        device,
        scan_number=scan,
    )
    for shot in shots:
        files[shot].write_bytes(encode_png(read_shot(files[shot])[: shape[0], : shape[1]]))
