import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scan_analysis.accumulators import ArraySum, BinAccumulator, RunningStats, ScanAccumulator

values = st.lists(st.floats(-1e6, 1e6), min_size=0, max_size=40)


@given(values, values)
def test_running_stats_merge_equals_numpy(first, second):
    a, b = RunningStats(), RunningStats()
    for v in first:
        a.add(v)
    for v in second:
        b.add(v)
    a.merge(b)
    data = np.array(first + second)
    assert a.count == data.size
    if data.size:
        assert a.mean == pytest.approx(data.mean(), rel=1e-9, abs=1e-6)
    if data.size > 1:
        assert a.std == pytest.approx(data.std(ddof=1), rel=1e-6, abs=1e-6)


def test_nan_is_ignored_and_empty_is_nan():
    stats = RunningStats()
    stats.add(float("nan"))
    assert stats.count == 0 and np.isnan(stats.value) and np.isnan(stats.std)


def test_array_sum_average_and_shape_check():
    total = ArraySum()
    total.add(np.ones((2, 2)))
    total.add(np.full((2, 2), 3.0))
    assert total.average.tolist() == [[2.0, 2.0], [2.0, 2.0]]
    with pytest.raises(ValueError, match="differs"):
        total.add(np.ones((3, 3)))


def test_a_bins_average_is_computed_once_read_only_and_anew_after_more_is_added():
    """The figures and the saved .npz share one float32 average per bin (issue 18)."""
    rng = np.random.default_rng(7)
    shots = rng.normal(1000, 50, (3, 16, 16))
    total = ArraySum()
    total.add(shots[0])
    total.add(shots[1])
    first = total.average
    assert first is total.average  # not computed again
    assert first.dtype == np.float32 and not first.flags.writeable
    assert np.array_equal(first, (shots[:2].sum(axis=0) / 2).astype(np.float32))
    total.add(shots[2])
    assert np.array_equal(total.average, (shots.sum(axis=0) / 3).astype(np.float32))
    total.total = np.zeros((16, 16))  # a new sum of as many arrays: a new average too
    assert not total.average.any()


def test_scan_accumulator_merges_partials():
    scan = ScanAccumulator()
    for chunk in ([1.0, 2.0], [3.0]):
        partial = BinAccumulator()
        for v in chunk:
            partial.add_scalars({"x": v})
        scan.merge({4: partial})
    bins, means, stds, counts = scan.summary("x")
    assert bins == [4] and means.tolist() == [2.0] and counts.tolist() == [3]
