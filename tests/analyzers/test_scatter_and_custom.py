"""ScatterPlotterAnalysis and user-written ScanAnalyzer subclasses (the documented pattern)."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
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


class CorrelationKeepingItsFigure(BeamChargeCorrelation):
    def save_figure(self, figure, name, **kwargs):
        self.figure = figure
        return super().save_figure(figure, name, **kwargs)


def test_undulator_correlation_analyzer(fresh_demo_day):
    day = fresh_demo_day
    analyzer = CorrelationKeepingItsFigure()
    files = analyzer.run_analysis(day.tag(2), data_root=day.data_root)
    assert files[0].name == "BeamChargeCorrelation_correlation.png"
    frame = read_sfile(day.day_dir / "analysis" / "s2.txt")
    assert frame["BeamChargeCorrelation_counts_per_pC"].notna().sum() >= len(frame) - 5
    # r is the correlation of the charge with the counts the per-pC column was made from
    charge = frame["U_BCaveICT Charge pC"]
    counts = frame["BeamChargeCorrelation_counts_per_pC"] * charge
    valid = charge.notna() & counts.notna()
    expected = np.corrcoef(charge[valid], counts[valid])[0, 1]
    assert analyzer.last_outcome.scalars["correlation"] == pytest.approx(expected)

    # the figure reads as numbers: counts in 10^3 or 10^6 on the axis label, no "1e6" above
    # the axis; the colours are explained by a colour bar
    FigureCanvasAgg(analyzer.figure).draw()
    axes, colour_bar = analyzer.figure.axes
    label = r"UC_TopView total above pedestal \(10[³⁶⁹] counts\)"  # 10³ on the small test day
    assert re.fullmatch(label, axes.get_ylabel()), axes.get_ylabel()
    assert not axes.yaxis.get_offset_text().get_text()
    assert colour_bar.get_ylabel() == "bin number"


def test_undulator_correlation_of_a_no_scan_has_one_colour_and_no_warning(fresh_demo_day):
    """One bin: no colour bar, and no matplotlib warning about an unused colour map on the
    physicist's terminal (``make demo`` printed one)."""
    day = fresh_demo_day
    analyzer = CorrelationKeepingItsFigure()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        analyzer.run_analysis(day.tag(1), data_root=day.data_root)
    assert analyzer.last_outcome.status == "done", analyzer.last_outcome.message
    assert len(analyzer.figure.axes) == 1  # no colour bar


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


def test_a_subclass_without_cleanup_is_refused_when_defined():
    """Issue 14 item 2: the original documents cleanup() as required; say so at once."""
    with pytest.raises(TypeError, match=r"Incomplete .* does not define cleanup\(\).*super"):

        class Incomplete(ScanAnalyzer):
            def _run_analysis_core(self):
                return []


class OriginalStyle(ScanAnalyzer):
    """Written as the original documents it: scan_data, auxiliary_data, super().cleanup()."""

    def __init__(self):
        super().__init__()
        self.seen = {}

    def _run_analysis_core(self):
        self.seen = {
            "rows": len(self.auxiliary_data),
            "columns": list(self.auxiliary_data.columns),
            "folder": self.scan_data.get_folder(),
            "ini": self.scan_data.ini_file,
            "sfile": self.scan_data.sfile_path,
            "devices": self.scan_data.list_device_folders(),
            "analysis": self.scan_data.get_analysis_folder(),
            "parameter": self.scan_data.load_scan_info()["Scan Parameter"],
        }
        return []

    def cleanup(self):
        self.released = True
        super().cleanup()


def test_subclass_reads_scan_data_and_auxiliary_data_and_super_cleanup_releases(demo_day):
    analyzer = OriginalStyle()
    analyzer.run_analysis(demo_day.tag(2), data_root=demo_day.data_root)
    assert analyzer.last_outcome.status == "done", analyzer.last_outcome.message
    seen, scan_dir = analyzer.seen, demo_day.day_dir / "scans" / "Scan002"
    expected_rows = len(read_sfile(demo_day.day_dir / "analysis" / "s2.txt"))
    assert seen["rows"] == expected_rows and "U_BCaveICT Charge pC" in seen["columns"]
    assert seen["folder"] == scan_dir and seen["ini"] == scan_dir / "ScanInfoScan002.ini"
    assert seen["sfile"] == demo_day.day_dir / "analysis" / "s2.txt"
    assert {"UC_TopView", "UC_Spectrometer-interpSpec"} <= set(seen["devices"])
    assert seen["analysis"] == demo_day.day_dir / "analysis" / "Scan002"
    assert seen["parameter"] == "U_ESP_JetXYZ:Position.Axis 1"
    # the base released what it held for the scan
    assert analyzer.released and analyzer.auxiliary_data is None and analyzer.scan_data is None


def test_scatter_defaults_to_the_scan_parameter_or_shot_number_median_and_filename(
    fresh_demo_day,
):
    """Issue 14 item 9, spelled as the original: x defaults, use_median, filename."""
    day = fresh_demo_day
    Array2DScanAnalyzer("UC_TopView", executor="serial", progress=False).run_analysis(
        day.tag(2), data_root=day.data_root
    )
    plotter = ScatterPlotterAnalysis(
        y_columns=["UC_TopView_x_CoM"], use_median=True, filename="jet_scan"
    )
    files = plotter.run_analysis(day.tag(2), data_root=day.data_root)
    assert [f.name for f in files] == ["jet_scan.png"]
    assert plotter.plotted_x_column == "U_ESP_JetXYZ Position.Axis 1 Alias:JetX"
    noscan = ScatterPlotterAnalysis(y_columns="U_BCaveICT Charge pC")
    assert noscan.run_analysis(day.tag(1), data_root=day.data_root)
    assert noscan.plotted_x_column == "Shotnumber"
    with pytest.raises(ValueError, match="needs y_columns"):
        ScatterPlotterAnalysis("U_BCaveICT Charge pC")
