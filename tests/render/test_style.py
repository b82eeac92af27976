"""render/style.py: the per-bin arrays file."""

from __future__ import annotations

import numpy as np
import pytest

from scan_analysis.render.style import save_arrays


def test_arrays_saved_as_a_list_load_as_numpy_savez_stacks_them(tmp_path):
    rng = np.random.default_rng(3)
    averages = [rng.random((5, 7)) for _ in range(4)]
    averages[2] = np.asfortranarray(averages[2])  # a view numpy would copy: stored C-ordered
    extra = {"bins": np.array([1, 2, 3, 4]), "parameter": np.linspace(0, 1, 4), "x": 2.5}
    ours = save_arrays(tmp_path / "ours.npz", averages=averages, **extra)
    np.savez(tmp_path / "numpy.npz", averages=np.stack(averages), **extra)
    with np.load(ours) as loaded, np.load(tmp_path / "numpy.npz") as reference:
        assert (
            sorted(loaded.files)
            == sorted(reference.files)
            == ["averages", "bins", "parameter", "x"]
        )
        for name in reference.files:
            assert loaded[name].dtype == reference[name].dtype
            np.testing.assert_array_equal(loaded[name], reference[name])
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_list_of_arrays_of_different_shapes_is_refused_as_numpy_refuses_it(tmp_path):
    ragged = [np.zeros((2, 2)), np.zeros((3, 3))]
    with pytest.raises(ValueError):
        np.savez(tmp_path / "numpy.npz", averages=ragged)
    with pytest.raises(ValueError):
        save_arrays(tmp_path / "ours.npz", averages=ragged)
    assert not (tmp_path / "ours.npz").exists()
