import datetime as dt

import pytest
from pydantic import ValidationError

from scan_analysis import ScanTag
from scan_analysis.data.scan_tag import parse_date, parse_scan_number

TAG = ScanTag(year=2026, month=5, day=8, number=42, experiment="Undulator")


def test_tag_from_fields_and_from_date_agree():
    assert ScanTag.from_date("2026-05-08", number="Scan042", experiment="Undulator") == TAG
    assert ScanTag.from_date(dt.date(2026, 5, 8), number=42, experiment="Undulator") == TAG
    assert TAG.date == dt.date(2026, 5, 8)
    assert str(TAG) == "Undulator 2026-05-08 Scan042"


def test_with_number_keeps_the_day_and_validates():
    other = TAG.with_number("Scan7")
    assert (other.date, other.experiment, other.number) == (TAG.date, "Undulator", 7)
    with pytest.raises(ValidationError, match="start at 1"):
        TAG.with_number(-1)
    assert TAG.with_number(0).is_whole_day  # 0 names the day (the live runner's date_tag)


def test_tag_is_frozen_and_hashable():
    with pytest.raises(ValidationError):
        TAG.number = 3  # type: ignore[misc]
    assert {TAG, TAG.with_number(42)} == {TAG}


def test_experiment_is_stripped():
    assert ScanTag(year=2026, month=5, day=8, number=1, experiment=" Undulator ").experiment == (
        "Undulator"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-05-08", dt.date(2026, 5, 8)),
        (" 2026-5-8 ", dt.date(2026, 5, 8)),
        ("2026_05_08", dt.date(2026, 5, 8)),
        ("26_0508", dt.date(2026, 5, 8)),
        ("20260508", dt.date(2026, 5, 8)),
        (dt.datetime(2026, 5, 8, 13, 5), dt.date(2026, 5, 8)),
    ],
)
def test_parse_date_forms(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["May 8th", "2026-02-30", ""])
def test_bad_date_text_says_the_expected_form(text):
    with pytest.raises(ValueError, match=r"YYYY-MM-DD, for example 2026-05-08"):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Scan042", 42), ("42", 42), (7, 7), ("scan7", 7), (" Scan 100 ", 100), ("007", 7)],
)
def test_parse_scan_number_forms(text, expected):
    assert parse_scan_number(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Scan", "write it as 42 or Scan042"),
        ("4.2", "write it as 42 or Scan042"),
        ("Scan000", "start at 1"),
        (-3, "start at 1"),
        (True, "not a scan number"),
    ],
)
def test_bad_scan_numbers_say_what_to_write(text, message):
    with pytest.raises(ValueError, match=message):
        parse_scan_number(text)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"month": 2, "day": 30}, r"2026-02-30 is not a real date"),
        ({"month": 13}, "not a real date"),
        ({"number": -1}, "start at 1"),
        ({"experiment": "  "}, "must not be empty"),
        ({"experiment": "Undulator/Y2026"}, "folder name, not a path"),
        ({"year": 26}, "four-digit year"),
        ({"number": "ScanX"}, "Scan042"),
    ],
)
def test_invalid_tags_say_what_is_wrong(fields, message):
    values = {"year": 2026, "month": 5, "day": 8, "number": 1, "experiment": "U"} | fields
    with pytest.raises(ValidationError, match=message):
        ScanTag(**values)


class OriginalScanTag:
    """What the original's geecs_data_utils.ScanTag carries (a NamedTuple there): plain fields."""

    def __init__(self, year, month, day, number, experiment):
        self.year, self.month, self.day = year, month, day
        self.number, self.experiment = number, experiment


def test_any_scantag_like_object_is_taken_without_importing_its_package():
    assert ScanTag.coerce(OriginalScanTag(2026, 5, 8, 42, "Undulator")) == TAG
    assert ScanTag.coerce(TAG) is TAG
    with pytest.raises(TypeError, match="no number, experiment"):
        ScanTag.coerce(dt.date(2026, 5, 8))


def test_number_zero_is_the_whole_day_and_refused_where_a_scan_is_needed():
    day = ScanTag(year=2026, month=5, day=8, number=0, experiment="Undulator")
    assert day.is_whole_day and str(day) == "Undulator 2026-05-08 (whole day)"
    assert ScanTag.coerce(OriginalScanTag(2026, 5, 8, 0, "Undulator"), whole_day=True) == day
    with pytest.raises(ValueError, match=r"whole day \(number=0\); give the scan's number"):
        ScanTag.coerce(day)
    with pytest.raises(ValueError, match="scan numbers start at 1"):
        parse_scan_number(0)  # typed by a user, 0 is still not a scan
