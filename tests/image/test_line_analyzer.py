"""LineAnalyzer recovers a known spectral peak."""

from pathlib import Path

import numpy as np
import pytest
import yaml

from scan_analysis.errors import ConfigError, ShotReadError
from scan_analysis.image import LineAnalyzer
from scan_analysis.image.config import load_image_config

FIXTURES = Path(__file__).parent / "fixtures"
FWHM_PER_SIGMA = 2 * np.sqrt(2 * np.log(2))


@pytest.mark.parametrize("seed", [0, 1])
def test_peak_centroid_and_width_within_one_percent(make_trace, seed):
    trace = make_trace(center=812.0, sigma=12.0, amplitude=1000.0, baseline=20.0, seed=seed)
    config = {
        "background": {"method": "constant", "constant_value": 20},
        "roi": {"x_min": 752, "x_max": 872},  # +-5 sigma, in nm
    }
    result = LineAnalyzer(config).analyze_image(trace)
    stats = result.scalars
    assert set(stats) == {
        "integrated_intensity",
        "peak_value",
        "peak_location",
        "CoM",
        "rms",
        "fwhm",
    }
    assert stats["CoM"] == pytest.approx(812.0, rel=0.01)
    assert stats["rms"] == pytest.approx(12.0, rel=0.01)
    assert stats["fwhm"] == pytest.approx(12.0 * FWHM_PER_SIGMA, rel=0.02)
    assert stats["peak_location"] == pytest.approx(812.0, abs=1.0)
    assert stats["integrated_intensity"] == pytest.approx(1000 * 12 * np.sqrt(2 * np.pi), rel=0.01)
    assert result.processed[0].min() >= 752 and result.processed[0].max() <= 872
    np.testing.assert_array_equal(result.lineouts["line"], result.processed)


def test_a_narrow_faint_peak(make_trace):
    trace = make_trace(center=760.0, sigma=4.0, amplitude=50.0, baseline=20.0, noise=0.1, n=2001)
    config = {"background": {"constant_value": 20}, "roi": {"x_min": 736, "x_max": 784}}
    stats = LineAnalyzer(config).analyze_image(trace).scalars
    assert stats["CoM"] == pytest.approx(760.0, rel=0.01)
    assert stats["rms"] == pytest.approx(4.0, rel=0.01)
    assert stats["fwhm"] == pytest.approx(4.0 * FWHM_PER_SIGMA, rel=0.01)


def test_column_chosen_by_header_name(tmp_path):
    path = tmp_path / "spec.csv"
    path.write_text("x,a,b\n1,0,5\n2,0,9\n3,0,5\n")
    analyzer = LineAnalyzer({"data_loading": {"data_type": "csv", "y_column": "b"}})
    assert analyzer.analyze_image_file(path).scalars["peak_location"] == 2.0


def test_csv_file_through_the_lab_config(tmp_path, make_trace):
    trace = make_trace(center=800.0)
    path = tmp_path / "UC_Spectrometer_001.csv"
    np.savetxt(path, trace.T, delimiter=",", header="wavelength,counts", comments="")
    fixture = yaml.safe_load((FIXTURES / "UC_Spectrometer_csv.yaml").read_text())
    analyzer = LineAnalyzer(load_image_config(fixture))
    stats = analyzer.analyze_image_file(path).scalars
    assert stats["CoM"] == pytest.approx(800.0, rel=0.01)


def test_a_camera_config_is_refused_and_bad_scalars_named():
    with pytest.raises(ConfigError, match="LineAnalyzer analyses line"):
        LineAnalyzer(load_image_config({"type": "camera"}))
    with pytest.raises(ConfigError, match="'width'"):
        LineAnalyzer({"analysis": {"scalars": ["width"]}})


def test_a_column_stacked_trace_gives_the_same_result_as_rows():
    """Issue 10 item 2: (n, 2), the layout of many scope exports, is x and y columns."""
    x = np.arange(16.0)
    y = np.exp(-0.5 * ((x - 7.5) / 2.0) ** 2)
    rows = LineAnalyzer().analyze_image(np.vstack([x, y])).scalars
    columns = LineAnalyzer().analyze_image(np.column_stack([x, y])).scalars
    assert columns["CoM"] == pytest.approx(7.5)
    assert columns == pytest.approx(rows)


def test_a_column_stacked_npy_file_is_read_as_a_trace(tmp_path, make_trace):
    trace = make_trace(center=805.0)
    np.save(tmp_path / "scope.npy", trace.T)  # (801, 2)
    result = LineAnalyzer({"type": "line"}).analyze_image_file(tmp_path / "scope.npy")
    assert result.scalars["CoM"] == pytest.approx(805.0, rel=0.01)
    np.testing.assert_array_equal(LineAnalyzer().load(tmp_path / "scope.npy"), trace)


def test_a_trace_whose_layout_cannot_be_told_is_refused_naming_the_file(tmp_path):
    np.save(tmp_path / "square.npy", np.ones((3, 3)))
    with pytest.raises(ShotReadError, match=r"square\.npy: a 3x3 array could be 3 rows or 3"):
        LineAnalyzer().analyze_image_file(tmp_path / "square.npy")
    with pytest.raises(ConfigError, match="3x3 array"):
        LineAnalyzer().analyze_image(np.ones((3, 3)))
