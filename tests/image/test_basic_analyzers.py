"""The analyzers used without a config: data through unchanged plus basic statistics."""

import numpy as np
import pytest

from scan_analysis.image import BasicImageAnalyzer, BasicLineAnalyzer


def test_basic_image_analyzer_passes_the_image_through(tmp_path):
    image = np.arange(12, dtype=np.uint16).reshape(3, 4)
    result = BasicImageAnalyzer().analyze_image(image)
    np.testing.assert_array_equal(result.processed, image)
    assert result.scalars == {
        "image_total": 66.0,
        "mean": 5.5,
        "std": pytest.approx(np.std(np.arange(12))),
        "image_peak_value": 11.0,
        "min_value": 0.0,
    }


def test_basic_line_analyzer_reads_a_tsv_trace(tmp_path, make_trace):
    trace = make_trace(center=780.0, baseline=0.0, noise=0.0)
    path = tmp_path / "UC_Spectrometer-interpSpec_001.tsv"
    np.savetxt(path, trace.T, delimiter="\t")
    analyzer = BasicLineAnalyzer()
    assert analyzer.kind == "1d"
    result = analyzer.analyze_image_file(path)
    np.testing.assert_allclose(result.processed, trace, rtol=1e-6)
    assert result.scalars["CoM"] == pytest.approx(780.0, rel=1e-4)
    assert result.scalars["peak_location"] == pytest.approx(780.0)
