import datetime as dt

import pytest
from pydantic import ValidationError

from scan_analysis import ScanTag
from scan_analysis.data.scan_tag import parse_date, parse_scan_number


def test_tag_from_fields_and_from_date_agree():
    tag = ScanTag(year=2026, month=5, day=8, number=42, experiment="Undulator")
    assert ScanTag.from_date("2026-05-08", number="Scan042", experiment="Undulator") == tag
    assert tag.date == dt.date(2026, 5, 8)
    assert str(tag) == "Undulator 2026-05-08 Scan042"
    assert tag.with_number(3).number == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-05-08", dt.date(2026, 5, 8)),
        ("26_0508", dt.date(2026, 5, 8)),
        ("20260508", dt.date(2026, 5, 8)),
    ],
)
def test_parse_date_forms(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(("text", "expected"), [("Scan042", 42), ("42", 42), (7, 7), ("scan7", 7)])
def test_parse_scan_number_forms(text, expected):
    assert parse_scan_number(text) == expected


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"year": 2026, "month": 2, "day": 30, "number": 1, "experiment": "U"}, "not a real date"),
        ({"year": 2026, "month": 5, "day": 8, "number": 0, "experiment": "U"}, "start at 1"),
        (
            {"year": 2026, "month": 5, "day": 8, "number": 1, "experiment": "  "},
            "must not be empty",
        ),
        ({"year": 26, "month": 5, "day": 8, "number": 1, "experiment": "U"}, "four-digit year"),
        ({"year": 2026, "month": 5, "day": 8, "number": "ScanX", "experiment": "U"}, "Scan042"),
    ],
)
def test_invalid_tags_say_what_is_wrong(fields, message):
    with pytest.raises(ValidationError, match=message):
        ScanTag(**fields)


def test_bad_date_text_says_the_expected_form():
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_date("May 8th")
