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
        **{"analyzer_id": "UC_Spectrometer", **kwargs},
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
    centroid = frame.groupby("Bin #")["UC_Spectrometer_CoM"].mean()
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
    analyzer = Array1DScanAnalyzer(
        "UC_Spectrometer", directory_suffix="", executor="serial", progress=False
    )
    analyzer.run_analysis(fresh_demo_day.tag(3), data_root=fresh_demo_day.data_root)
    assert analyzer.last_outcome.status == "no_data"
    assert "directory_suffix" in analyzer.last_outcome.message


def shorten_traces(day, number, shots, keep):
    """Rewrite some shots' spectra with only their first ``keep`` samples (a scope regression)."""
    from scan_analysis.data.readers import read_shot
    from scan_analysis.data.shot_files import map_shots_to_files

    files = map_shots_to_files(
        read_sfile(day.day_dir / "analysis" / f"s{number}.txt"),
        day.day_dir / "scans" / f"Scan{number:03d}",
        "UC_Spectrometer",
        directory_suffix="-interpSpec",
        scan_number=number,
    )
    for shot in shots:
        trace = read_shot(files[shot])[:, :keep]
        rows = "\n".join(f"{x:.4f}\t{y:.3f}" for x, y in trace.T)
        files[shot].write_text("Wavelength [nm]\tIntensity [counts]\n" + rows + "\n")
    return files


@pytest.mark.parametrize("mode", ["per_shot", "per_bin"])
def test_traces_of_another_length_are_left_out_of_the_averages_only(fresh_demo_day, caplog, mode):
    """Issue 10 item 6: a scan with shorter traces still gets every shot's scalars."""
    day = fresh_demo_day
    files = shorten_traces(day, 3, shots=[2, 5], keep=300)  # one in bin 1, one in bin 3
    analyzer = spectrometer(mode=mode)
    with caplog.at_level("WARNING"):
        shown = analyzer.run_analysis(day.tag(3), data_root=day.data_root)
    outcome = analyzer.last_outcome
    assert outcome.status == "done", outcome.message
    assert outcome.shots_left_out == 2
    assert "2 left out of the bin averages" in outcome.message
    assert "2 of 6 shots left out of the bin averages" in caplog.text and "(300,)" in caplog.text
    assert [f.name for f in shown][:2] == [
        "UC_Spectrometer_waterfall.png",
        "UC_Spectrometer_overlay.png",
    ]
    integral = read_sfile(day.day_dir / "analysis" / "s3.txt").set_index("Shotnumber")[
        "UC_Spectrometer_integrated_intensity"
    ]
    with_files = set(files)
    if mode == "per_shot":  # every shot with a file keeps its scalars, the short ones too
        assert set(integral[integral.notna()].index) == with_files
    else:  # one value per bin average, for the shots that went into it
        assert set(integral[integral.notna()].index) == with_files - {2, 5}
    saved = np.load(
        day.day_dir
        / "analysis"
        / "Scan003"
        / "UC_Spectrometer"
        / "UC_Spectrometer_bin_averages.npz"
    )
    assert saved["averages"].shape[1] == saved["x"].size == 512
