"""ScatterPlotterAnalysis and user-written ScanAnalyzer subclasses (the documented pattern)."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from scan_analysis.analyzers.common import Array2DScanAnalyzer, ScatterPlotterAnalysis
from scan_analysis.analyzers.Undulator import BeamChargeCorrelation
from scan_analysis.base import ScanAnalyzer
from scan_analysis.data.sfile import read_sfile


def test_scatter_of_two_devices(fresh_demo_day):
    day = fresh_demo_day
    Array2DScanAnalyzer("UC_TopView", executor="serial", progress=False).run_analysis(
        day.tag(2), data_root=day.data_root
    )
    plotter = ScatterPlotterAnalysis(
        "U_BCaveICT Charge pC", ["UC_TopView_image_total", "UC_TopView_image_peak_value"]
    )
    files = plotter.run_analysis(day.tag(2), data_root=day.data_root)
    assert [f.name for f in files] == ["ScatterPlotter_scatter.png"]
    missing = ScatterPlotterAnalysis("U_BCaveICT Charge pC", "not_a_column")
    missing.run_analysis(day.tag(2), data_root=day.data_root)
    assert (
        missing.last_outcome.status == "no_data" and "not_a_column" in missing.last_outcome.message
    )


def test_undulator_correlation_analyzer(fresh_demo_day):
    day = fresh_demo_day
    analyzer = BeamChargeCorrelation()
    files = analyzer.run_analysis(day.tag(2), data_root=day.data_root)
    assert files[0].name == "BeamChargeCorrelation_correlation.png"
    assert analyzer.last_outcome.scalars["correlation"] == pytest.approx(
        analyzer.last_outcome.scalars["correlation"]
    )
    frame = read_sfile(day.day_dir / "analysis" / "s2.txt")
    assert frame["BeamChargeCorrelation_counts_per_pC"].notna().sum() >= len(frame) - 5


class ChargeHistogram(ScanAnalyzer):
    """What a user writes: implement the core and cleanup, append scalars, save a figure."""

    def __init__(self):
        super().__init__(analyzer_id="ChargeHistogram")
        self.seen = None

    def _run_analysis_core(self):
        charge = self.sfile["U_BCaveICT Charge pC"]
        self.seen = len(charge)
        self.append_scalars(
            pd.DataFrame(
                {
                    "Shotnumber": self.sfile["Shotnumber"],
                    "charge_z": (charge - charge.mean()) / charge.std(),
                }
            )
        )
        figure = Figure()
        figure.add_subplot().hist(charge.dropna(), bins=10)
        return [self.save_figure(figure, "charge_histogram.png")]

    def cleanup(self):
        self.seen = None


def test_custom_subclass_following_the_documented_pattern(fresh_demo_day):
    day = fresh_demo_day
    analyzer = ChargeHistogram()
    files = analyzer.run_analysis(day.tag(1), data_root=day.data_root)
    assert files == [
        day.day_dir / "analysis" / "Scan001" / "ChargeHistogram" / "charge_histogram.png"
    ]
    assert analyzer.seen is None  # cleanup ran
    z = read_sfile(day.day_dir / "analysis" / "s1.txt")["ChargeHistogram_charge_z"]
    assert abs(z.mean()) < 1e-9 and z.std() == pytest.approx(1.0)
    assert analyzer.bins.kind.value == "noscan"


def test_base_class_methods_must_be_implemented(fresh_demo_day):
    class Incomplete(ScanAnalyzer):
        def _run_analysis_core(self):
            return []

    with pytest.raises(NotImplementedError, match="cleanup"):
        Incomplete().run_analysis(fresh_demo_day.tag(1), data_root=fresh_demo_day.data_root)
    assert np.isnan(float("nan"))
