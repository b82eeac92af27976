import pytest

from scan_analysis.analyzers.common import ScatterPlotterAnalysis
from scan_analysis.errors import ConfigError
from scan_analysis.task_dependencies import input_analyzers, order_by_inputs


def test_a_scatter_reads_the_analyzers_whose_columns_it_plots():
    scatter = ScatterPlotterAnalysis(
        "U_BCaveICT Charge pC", ["UC_TopView_image_peak_value", "UC_Top_x"], analyzer_id="Scatter"
    )
    group = {"UC_TopView": object(), "UC_Top": object(), "UC_Spectrometer": object()}
    inputs = input_analyzers({**group, "Scatter": scatter})
    assert inputs["Scatter"] == {"UC_TopView", "UC_Top"}  # not the spectrometer, not itself
    assert inputs["UC_TopView"] == set()


def test_analyzers_reading_each_other_in_a_cycle_are_a_config_error():
    with pytest.raises(ConfigError, match=r"cycle.*A reads \['B'\].*B reads \['A'\]"):
        order_by_inputs(["A", "B", "C"], {"A": {"B"}, "B": {"A"}})
    assert order_by_inputs(["C", "B", "A"], {"C": {"A"}}) == ["B", "A", "C"]
