"""ScanAnalyzer's scalar sidecar: written with every merge, restored into a regenerated s-file."""

from __future__ import annotations

import pandas as pd

from scan_analysis.analyzers.common import Array2DScanAnalyzer
from scan_analysis.data.sfile import read_sfile


def test_derived_values_survive_an_sfile_the_daq_writes_again(fresh_demo_day):
    day = fresh_demo_day
    sfile = day.day_dir / "analysis" / "s1.txt"
    as_the_daq_wrote_it = sfile.read_bytes()
    # the original's user writes this (the device's config is found in the shipped tree)
    analyzer = Array2DScanAnalyzer(device_name="UC_TopView", executor="serial", progress=False)
    analyzer.run_analysis(day.tag(1), data_root=day.data_root)
    assert analyzer.last_outcome.status == "done"
    sidecar = day.day_dir / "analysis" / "Scan001" / analyzer.analyzer_id / "scalars.csv"
    analysed = read_sfile(sfile)
    derived = [c for c in analysed.columns if c.startswith(f"{analyzer.analyzer_id}_")]
    saved = pd.read_csv(sidecar)
    assert list(saved.columns) == ["Shotnumber", *derived] and len(derived) > 3
    pd.testing.assert_frame_equal(
        saved.set_index("Shotnumber"), analysed.set_index("Shotnumber")[derived]
    )

    sfile.write_bytes(as_the_daq_wrote_it)  # the DAQ regenerates the s-file
    assert not set(derived) & set(read_sfile(sfile).columns)
    again = Array2DScanAnalyzer(device_name="UC_TopView", executor="serial", progress=False)
    figures = again.run_analysis(day.tag(1), data_root=day.data_root, restore_scalars=True)
    assert again.last_outcome.status == "done", again.last_outcome.message
    assert "restored" in again.last_outcome.message and figures
    assert all(path.parent == sidecar.parent for path in figures)
    restored = read_sfile(sfile)
    pd.testing.assert_frame_equal(restored, analysed)
    # what was there keeps its bytes: the restored file begins with the DAQ's header columns
    assert sfile.read_bytes().split(b"\n")[0].startswith(as_the_daq_wrote_it.split(b"\n")[0])


def test_restoring_with_nothing_saved_fails_naming_the_file(fresh_demo_day):
    day = fresh_demo_day
    before = (day.day_dir / "analysis" / "s2.txt").read_bytes()
    analyzer = Array2DScanAnalyzer(device_name="UC_TopView", executor="serial", progress=False)
    assert analyzer.run_analysis(day.tag(2), data_root=day.data_root, restore_scalars=True) == []
    outcome = analyzer.last_outcome
    assert outcome.status == "failed"
    assert (
        "Scan002/UC_TopView/scalars.csv" in outcome.message
        and "run the analysis" in outcome.message
    )
    assert (day.day_dir / "analysis" / "s2.txt").read_bytes() == before
