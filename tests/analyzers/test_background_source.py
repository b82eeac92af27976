"""scan.background_source as the original's users write it: right background or clear error."""

from __future__ import annotations

import re
import textwrap

import numpy as np
import pytest

from scan_analysis.config import ConfigTree, create_diagnostic_analyzer
from scan_analysis.data.readers import read_shot
from scan_analysis.data.sfile import read_sfile
from scan_analysis.data.shot_files import list_device_files

CONFIG = """\
name: UC_TopView
image_analyzer: scan_analysis.image.beam_analyzer.BeamAnalyzer
image:
  bit_depth: 16
  background: {{method: constant, constant_level: 100}}
  thresholding: {{method: absolute, value: 5, mode: to_zero}}
scan:
  analysis_mode: per_shot
{scan}
"""


def analyzer_for(tmp_path, scan_block, name="configs"):
    root = tmp_path / name
    (root / "analyzers").mkdir(parents=True)
    text = CONFIG.format(scan=textwrap.indent(textwrap.dedent(scan_block).strip(), "  "))
    (root / "analyzers" / "UC_TopView.yaml").write_text(text)
    tree = ConfigTree(root)
    return create_diagnostic_analyzer(
        tree.resolve_analyzer("UC_TopView"), executor="serial", progress=False
    )


def topview_shots(day, number):
    return [
        read_shot(p)
        for p in list_device_files(day.day_dir / "scans" / f"Scan{number:03d}", "UC_TopView")
    ]


def scalars(day, number):
    frame = read_sfile(day.day_dir / "analysis" / f"s{number}.txt")
    return frame[[c for c in frame.columns if c.startswith("UC_TopView_")]]


def test_scan_number_subtracts_the_average_of_that_scan(fresh_demo_day, tmp_path):
    day = fresh_demo_day
    analyzer = analyzer_for(tmp_path, "background_source: {scan_number: 1}")
    analyzer.run_analysis(day.tag(2), data_root=day.data_root)
    assert analyzer.last_outcome.status == "done", analyzer.last_outcome.message
    expected = np.mean(np.stack(topview_shots(day, 1)).astype(np.float64), axis=0)
    np.testing.assert_allclose(analyzer.image_analyzer.context.background, expected, rtol=1e-6)
    with_source = scalars(day, 2)
    # the same numbers as that average given as a static file background
    np.save(tmp_path / "scan1_average.npy", expected.astype(np.float32))
    reference = analyzer_for(tmp_path, "save: false", name="reference")
    reference.image_analyzer.config.background.method = "from_file"
    reference.image_analyzer.config.background.file_path = str(tmp_path / "scan1_average.npy")
    reference.run_analysis(day.tag(2), data_root=day.data_root)
    assert reference.last_outcome.status == "done", reference.last_outcome.message
    np.testing.assert_array_equal(scalars(day, 2).to_numpy(), with_source.to_numpy())


def test_from_current_scan_is_the_per_pixel_percentile_of_its_shots(fresh_demo_day, tmp_path):
    day = fresh_demo_day
    analyzer = analyzer_for(
        tmp_path,
        """
        background_source:
          from_current_scan: {method: percentile, percentile: 10}
        """,
    )
    analyzer.run_analysis(day.tag(1), data_root=day.data_root)
    assert analyzer.last_outcome.status == "done", analyzer.last_outcome.message
    expected = np.percentile(np.stack(topview_shots(day, 1)), 10, axis=0)
    np.testing.assert_allclose(analyzer.image_analyzer.context.background, expected, rtol=1e-6)
    assert analyzer.last_outcome.scalars  # analysed with it


def test_autodetect_takes_the_scans_averaged_file(fresh_demo_day, tmp_path):
    day = fresh_demo_day
    averaged = np.full((96, 96), 7.0, dtype=np.float32)
    np.save(day.day_dir / "analysis" / "Scan001UC_TopView_averaged.npy", averaged)
    analyzer = analyzer_for(tmp_path, "background_source: {autodetect: {}}")
    analyzer.run_analysis(day.tag(1), data_root=day.data_root)
    assert analyzer.last_outcome.status == "done", analyzer.last_outcome.message
    np.testing.assert_array_equal(analyzer.image_analyzer.context.background, averaged)


@pytest.mark.parametrize(
    ("scan_block", "scan", "expected"),
    [
        (
            "background_source: {autodetect: {}}",
            2,
            r"no file Scan002UC_TopView_averaged\.<ext> in .*analysis",
        ),
        ("background_source: {scan_number: 9}", 2, r"Scan009/UC_TopView not found \(that scan"),
        ("background_source: {scan_number: 6}", 2, r"Scan006/UC_TopView not found \(no UC_TopView"),
    ],
    ids=["autodetect", "no such scan", "device absent"],
)
def test_a_missing_source_fails_the_scan_naming_what_was_looked_for(
    fresh_demo_day, tmp_path, scan_block, scan, expected
):
    day = fresh_demo_day
    sfile = day.day_dir / "analysis" / f"s{scan}.txt"
    before = sfile.read_bytes()
    analyzer = analyzer_for(tmp_path, scan_block)
    assert analyzer.run_analysis(day.tag(scan), data_root=day.data_root) == []
    outcome = analyzer.last_outcome
    assert outcome.status == "failed"
    assert outcome.message.startswith("scan.background_source (")
    assert re.search(expected, outcome.message), outcome.message
    assert sfile.read_bytes() == before  # no scalars from a wrong background


def test_a_background_source_with_more_than_one_key_is_refused(tmp_path):
    from scan_analysis.errors import ConfigError

    with pytest.raises(ConfigError, match="exactly one of scan_number, from_current_scan"):
        analyzer_for(tmp_path, "background_source: {scan_number: 1, autodetect: {}}")
