"""The scalar sidecar: exact round trip, atomic replacement, clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scan_analysis.data.scalar_sidecar import read_scalar_sidecar, write_scalar_sidecar
from scan_analysis.errors import SFileError


def test_values_come_back_exactly_with_nan_and_shot_order(tmp_path):
    values = [0.1 + 0.2, 1e-17, float("nan"), 123456.78901234567]
    frame = pd.DataFrame({"Shotnumber": [4, 1, 2, 3], "cam_x_CoM": values})
    path = write_scalar_sidecar(tmp_path / "scalars.csv", frame)
    back = read_scalar_sidecar(path)
    assert back["Shotnumber"].tolist() == [1, 2, 3, 4]
    expected = dict(zip([4, 1, 2, 3], values, strict=True))
    for shot, value in zip(back["Shotnumber"], back["cam_x_CoM"], strict=True):
        assert value == expected[shot] or (np.isnan(value) and np.isnan(expected[shot]))
    assert [p.name for p in tmp_path.iterdir()] == ["scalars.csv"]  # no temporary left


def test_missing_or_foreign_file_is_an_error_naming_it(tmp_path):
    with pytest.raises(SFileError, match=r"no saved scalars at .*scalars\.csv; run the analysis"):
        read_scalar_sidecar(tmp_path / "scalars.csv")
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    with pytest.raises(SFileError, match=r"other\.csv has no 'Shotnumber' column"):
        read_scalar_sidecar(tmp_path / "other.csv")
