import numpy as np
import pytest

from scan_analysis.analyzers.common import Array1DScanAnalyzer
from scan_analysis.data.sfile import read_sfile
from scan_analysis.image import LineAnalyzer


def spectrometer(**kwargs):
    return Array1DScanAnalyzer(
        "UC_Spectrometer",
        directory_suffix="-interpSpec",
        image_analyzer=LineAnalyzer(
            {"type": "line", "background": {"method": "edge"}, "metadata": {"x_units": "nm"}}
        ),
        executor="serial",
        progress=False,
        **kwargs,
    )


def test_spectrum_scan_peak_follows_the_grating(fresh_demo_day):
    day, scan = fresh_demo_day, fresh_demo_day.scans[3]
    analyzer = spectrometer()
    files = analyzer.run_analysis(day.tag(3), data_root=day.data_root)
    assert [f.name for f in files] == [
        "UC_Spectrometer_waterfall.png",
        "UC_Spectrometer_overlay.png",
        "UC_Spectrometer_scalars_vs_parameter.png",
    ]
    frame = read_sfile(day.day_dir / "analysis" / "s3.txt")
    centroid = frame.groupby("Bin #")["UC_Spectrometer_centroid"].mean()
    for number, truth in scan.truth["spectrum_peak_nm"].items():
        assert centroid[number] == pytest.approx(truth, abs=1.0)
    saved = np.load(
        day.day_dir
        / "analysis"
        / "Scan003"
        / "UC_Spectrometer"
        / "UC_Spectrometer_bin_averages.npz"
    )
    assert (
        saved["averages"].shape[0] == len(scan.bins)
        and saved["x"].size == saved["averages"].shape[1]
    )


def test_noscan_waterfall_of_every_shot(fresh_demo_day):
    files = spectrometer().run_analysis(fresh_demo_day.tag(1), data_root=fresh_demo_day.data_root)
    assert [f.name for f in files] == [
        "UC_Spectrometer_waterfall.png",
        "UC_Spectrometer_scalars.png",
    ]


def test_wrong_suffix_is_no_data_with_a_hint(fresh_demo_day):
    analyzer = Array1DScanAnalyzer("UC_Spectrometer", executor="serial", progress=False)
    analyzer.run_analysis(fresh_demo_day.tag(3), data_root=fresh_demo_day.data_root)
    assert analyzer.last_outcome.status == "no_data"
    assert "directory_suffix" in analyzer.last_outcome.message
