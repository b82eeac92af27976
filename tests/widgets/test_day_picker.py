"""DayPicker: the experiments and days a data root holds, and how many days have data."""

from __future__ import annotations

from scan_analysis_widgets.day_picker import DayPicker


def make_days(root, *folders: str) -> None:
    for folder in folders:
        (root / "Undulator" / "Y2026" / folder / "scans").mkdir(parents=True)


def test_the_day_count_reads_as_english_for_one_day_and_several(tmp_path):
    make_days(tmp_path, "05-May/26_0508")
    picker = DayPicker()
    picker.load(tmp_path)
    assert picker.experiment == "Undulator"
    assert ">1 day with data<" in picker.day_count.value

    make_days(tmp_path, "05-May/26_0511", "06-Jun/26_0612")
    picker = DayPicker()
    picker.load(tmp_path)
    assert ">3 days with data<" in picker.day_count.value
    assert picker.date_box.options == ("2026-06-12", "2026-05-11", "2026-05-08")
