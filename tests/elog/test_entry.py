"""What an e-log entry says: scan kinds, key scalars (calibrated, per bin), no-data analyzers.

Issue 15 items 8-11, on the local page and in the Google Doc layout, from
real analyses of the demo day.
"""

from __future__ import annotations

import re

import pytest

from scan_analysis.analyzers.common import Array2DScanAnalyzer
from scan_analysis.data.demo import build_demo_day
from scan_analysis.data.scan_info import ScanInfo
from scan_analysis.data.scan_paths import ScanPaths
from scan_analysis.elog.entry import ElogEntry
from scan_analysis.elog.google_doc_layout import scalar_rows
from scan_analysis.elog.local_html import render_entry


def entry_for(day, scan: int) -> ElogEntry:
    info = ScanInfo.for_scan(ScanPaths(day.tag(scan), data_root=day.data_root))
    return ElogEntry.from_scan(experiment="Undulator", date="2026-05-08", scan=scan, info=info)


@pytest.mark.parametrize(
    ("scan", "described"),
    [
        (1, "no scan, 20 shots"),
        (2, "U_ESP_JetXYZ:Position.Axis 1 from 4 to 6 in steps of 0.2222, 10 shots per step"),
        (4, "optimization scan, binned by Bin #, 5 shots per step"),
    ],
)
def test_each_scan_kind_is_described_as_what_it_is(demo_day, scan, described):
    entry = entry_for(demo_day, scan)
    assert entry.range_text() == described
    html = render_entry(entry)
    assert described.replace("#", "#") in html.replace("&#x27;", "'")
    assert entry.range_text() in "\n".join(_doc_lines(entry))


def _doc_lines(entry):
    from scan_analysis.elog.google_doc_layout import entry_text

    return entry_text(entry)[1].splitlines()


def _analysed(day, scan, **options):
    analyzer = Array2DScanAnalyzer("UC_TopView", executor="serial", progress=False, **options)
    analyzer.run_analysis(day.tag(scan), data_root=day.data_root)
    outcome = analyzer.last_outcome
    assert outcome.status == "done", outcome.message
    entry = entry_for(day, scan)
    entry.add_outcome(
        "UC_TopView",
        outcome.status,
        message=outcome.message,
        display_files=outcome.display_files,
        scalars=outcome.scalars,
        scalar_table=outcome.scalar_table.to_dict(),
        slot=0,
    )
    return entry, outcome


def test_a_parameter_scan_lists_calibrated_per_bin_means_with_units(fresh_demo_day):
    entry, outcome = _analysed(fresh_demo_day, 2, save=False)
    page = render_entry(entry)
    table = page.split('<table class="scalars">', 1)[1].split("</table>", 1)[0]
    # the camera has a spatial calibration: positions in mm, never in pixels
    assert "x CoM (mm)" in table and "(px)" not in table
    heading = re.search(r"per bin, JetX \(mm\) (\S+) → (\S+) \(5 bins\)", table)
    assert heading and float(heading[1]) == pytest.approx(4, abs=0.01)
    spark = re.search(r"<td class=\"spark\" title=\"([^\"]+)\">([^<]+)</td>", table)
    every, shown = spark.groups()
    assert len(every.split(", ")) == 5  # one value per bin on hover
    first, line, last = shown.split(" ")
    assert len(line) == 5 and set(line) <= set("▁▂▃▄▅▆▇█")
    # the first row is the calibrated centroid, in mm: the pixel mean x 0.025 mm per pixel
    centroid = outcome.scalar_table.rows[0]
    assert centroid.name == "x_CoM_m"
    assert centroid.mean == pytest.approx(outcome.scalars["x_CoM"] * 0.025, rel=1e-6)
    assert float(first) == pytest.approx(centroid.bin_means[0], rel=1e-3)
    rows = scalar_rows(entry)
    assert rows[0] == ("analyzer", "scalar", heading[0])
    assert ("UC_TopView", "x CoM (mm)", shown) in rows


def test_the_config_chooses_the_key_scalars(fresh_demo_day):
    entry, outcome = _analysed(
        fresh_demo_day, 1, save=False, elog_scalars=["image_total", "y_CoM", "no_such"]
    )
    names = [row.name for row in outcome.scalar_table.rows]
    assert names == ["image_total", "y_CoM_m"]  # calibrated when there is; unknown left out
    rows = scalar_rows(entry)
    assert rows[0][2] == "scan mean"
    assert [r[1] for r in rows[1:]] == ["image total (counts)", "y CoM (mm)"]


E_NOTATION = re.compile(r"\d[eE][+-]?\d")


@pytest.fixture
def brighter_demo_day(tmp_path):
    """A small demo day whose camera frames are large enough for image totals over 10^5."""
    return build_demo_day(tmp_path / "data", image_shape=(128, 128), n_bins=5, shots_per_bin=4)


def test_a_scan_mean_of_10_to_the_5_is_shown_in_units_named_in_the_heading(brighter_demo_day):
    entry, outcome = _analysed(
        brighter_demo_day, 1, save=False, elog_scalars=["image_total", "x_CoM"]
    )
    total = outcome.scalar_table.rows[0].mean
    assert total > 1e5
    rows = scalar_rows(entry)
    assert rows[0][2] == "scan mean"
    (_, heading, value), centroid = rows[1], rows[2]
    assert heading == "image total (10³ counts)"
    assert float(value) * 1e3 == pytest.approx(total, rel=1e-4)
    assert centroid[1] == "x CoM (mm)"  # a value between 10^-3 and 10^5 is shown as it is
    page = render_entry(entry)
    table = page.split('<table class="scalars">', 1)[1].split("</table>", 1)[0]
    assert f"<td>image total (10³ counts)</td><td>{value}</td>" in table
    assert not E_NOTATION.search(table) and not E_NOTATION.search(str(rows))
    # the entry keeps the value itself, for whatever reads the e-log's JSON
    assert entry.scalar_tables["UC_TopView"]["rows"][0]["mean"] == total


def test_per_bin_means_and_their_hover_title_share_the_headings_power_of_ten(
    brighter_demo_day,
):
    entry, outcome = _analysed(
        brighter_demo_day, 2, save=False, elog_scalars=["image_total", "x_CoM"]
    )
    means = outcome.scalar_table.rows[0].bin_means
    assert max(means) > 1e5
    page = render_entry(entry)
    table = page.split('<table class="scalars">', 1)[1].split("</table>", 1)[0]
    assert not E_NOTATION.search(table)
    row = re.search(
        r"<td>image total \(10³ counts\)</td><td class=\"spark\" title=\"([^\"]+)\">([^<]+)</td>",
        table,
    )
    assert row, table
    every, shown = row.groups()
    first, _, last = shown.split(" ")
    assert float(first) * 1e3 == pytest.approx(means[0], rel=1e-3)
    assert float(last) * 1e3 == pytest.approx(means[-1], rel=1e-3)
    hovered = [float(pair.split(": ")[1]) * 1e3 for pair in every.split(", ")]
    assert hovered == pytest.approx(means, rel=1e-3)
    rows = scalar_rows(entry)
    assert ("UC_TopView", "image total (10³ counts)", shown) in rows
    assert not E_NOTATION.search(str(rows))


def test_elog_scalars_is_a_config_key(tmp_path):
    from scan_analysis.analyzers.common import Array2DScanAnalyzer
    from scan_analysis.config.diagnostic_models import (
        ResolvedDiagnosticConfig,
        load_diagnostic_config,
    )

    config = load_diagnostic_config(
        {"name": "Cam", "scan": {"elog_scalars": ["total_counts"], "parameter_unit": "fs"}}
    )
    resolved = ResolvedDiagnosticConfig(config=config, source=tmp_path / "Cam.yaml", priority=100)
    analyzer = Array2DScanAnalyzer("UC_Cam", config=resolved)
    assert analyzer.elog_scalars == ["total_counts"]
    assert analyzer.parameter_unit == "fs"


def test_an_analyzer_with_no_data_is_said_once_and_leaves_no_empty_box(fresh_demo_day):
    entry, _ = _analysed(fresh_demo_day, 2)
    entry.add_outcome("UC_Spectrometer", "no_data", message="no UC_Spectrometer data", slot=1)
    entry.add_outcome("BeamChargeCorrelation", "no_data", message="no columns", slot=2)
    page = render_entry(entry)
    assert page.count("no data: BeamChargeCorrelation, UC_Spectrometer") == 1
    assert 'class="empty"' not in page
    grid = page.split('<div class="grid">', 1)[1].split("</div>", 1)[0]
    assert grid.count("<img") == 1
