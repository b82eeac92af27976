"""The key-scalar table: sparklines, and its way through a task status file and back."""

import math

from scan_analysis.scalar_table import KeyScalar, ScalarTable, sparkline
from scan_analysis.task_queue import TaskStatus


def test_a_sparkline_rises_with_the_values_and_leaves_a_gap_for_a_missing_one():
    assert sparkline([1.0, 2.0, 4.0, 8.0]) == "▁▂▄█"
    assert sparkline([3.0, math.nan, 1.0]) == "█ ▁"
    assert sparkline([math.nan]) == ""


def test_per_bin_means_show_first_value_sparkline_last_value():
    table = ScalarTable(
        [KeyScalar("centroid_x_m", "centroid x", "mm", 1.7, [1.43, 1.6, math.nan, 1.96])],
        parameter="JetX (mm)",
        bin_values=[4.0, 4.5, 5.0, 6.0],
    )
    assert table.value_heading() == "per bin, JetX (mm) 4 → 6 (4 bins)"
    assert table.cells(table.rows[0]) == ("centroid x (mm)", "1.43 ▁▃ █ 1.96")


def test_a_no_scan_table_shows_scan_means():
    table = ScalarTable([KeyScalar("total_counts", "total counts", "counts", 12345.678)])
    assert table.value_heading() == "scan mean"
    assert table.cells(table.rows[0]) == ("total counts (counts)", "12346")


def test_values_outside_10_to_the_minus_3_to_10_to_the_5_name_a_power_of_ten_like_the_figures():
    sizes = ScalarTable([KeyScalar("x_rms", "x rms", "m", 1.464e-4)])
    assert sizes.cells(sizes.rows[0]) == ("x rms (10⁻⁶ m)", "146.4")
    unitless = ScalarTable([KeyScalar("charge", "charge", "", 3.2e-9)])
    assert unitless.cells(unitless.rows[0]) == ("charge (×10⁻⁹)", "3.2")
    delays = ScalarTable(
        [KeyScalar("total", "total", "counts", 4e4, [3.0e4, 5.0e4])],
        parameter="delay (s)",
        bin_values=[1e-12, 2e-12],
    )
    # a row's largest value decides: 50000 is under 10^5, so shown whole, never 5e+04
    assert delays.cells(delays.rows[0]) == ("total (counts)", "30000 ▁█ 50000")
    assert delays.value_heading() == "per bin, delay (10⁻¹² s) 1 → 2 (2 bins)"
    assert delays.every_bin_text(delays.rows[0]) == "1: 30000, 2: 50000"


def test_the_table_survives_the_status_file_nan_included():
    table = ScalarTable(
        [KeyScalar("x", "x", "px", math.nan, [1.0, math.nan])], parameter="bin", bin_values=[1, 2]
    )
    status = TaskStatus(scan=2, analyzer="A", scalar_table=table.to_dict())
    read = TaskStatus.from_text(status.to_json(), scan=2, analyzer="A")
    back = ScalarTable.from_dict(read.scalar_table)
    assert back.rows[0].bin_means[0] == 1.0 and math.isnan(back.rows[0].bin_means[1])
    assert math.isnan(back.rows[0].mean) and back.parameter == "bin"
