import os
import stat
import threading

import pytest

from scan_analysis.data.atomic_files import atomic_output, write_atomically


def test_replaces_content_and_keeps_permissions(tmp_path):
    target = tmp_path / "s1.txt"
    target.write_text("old")
    os.chmod(target, 0o640)
    write_atomically(target, "new content")
    assert target.read_text() == "new content"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["s1.txt"]  # no temporary left behind


def test_creates_a_new_file_readable_by_others(tmp_path):
    target = tmp_path / "new.txt"
    write_atomically(target, b"\x00\xffbytes")
    assert target.read_bytes() == b"\x00\xffbytes"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_text_is_encoded(tmp_path):
    target = tmp_path / "t.txt"
    write_atomically(target, "5 \u00b5m")
    assert target.read_bytes() == "5 \u00b5m".encode()
    write_atomically(target, "5 \u00b5m", encoding="cp1252")
    assert target.read_bytes() == b"5 \xb5m"


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "s1.txt"
    target.write_text("old")
    with pytest.raises(TypeError, match=r"s1\.txt.*bytes or str"):
        write_atomically(target, 42)  # type: ignore[arg-type]
    with pytest.raises(UnicodeEncodeError):
        write_atomically(target, "\u2603", encoding="ascii")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["s1.txt"]


def test_missing_folder_raises_and_creates_nothing(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_atomically(tmp_path / "no" / "s1.txt", "x")
    assert list(tmp_path.iterdir()) == []


def test_a_concurrent_reader_sees_old_or_new_never_half(tmp_path):
    target = tmp_path / "s1.txt"
    versions = (b"a" * 200_000, b"b" * 300_000)
    target.write_bytes(versions[0])
    done = threading.Event()
    reads: list[bool] = []

    def read_until_done():
        while not done.is_set() or not reads:
            reads.append(target.read_bytes() in versions)

    reader = threading.Thread(target=read_until_done)
    reader.start()
    try:
        for round_number in range(1, 61):
            write_atomically(target, versions[round_number % 2])
    finally:
        done.set()
        reader.join()
    assert reads and all(reads)
    assert target.read_bytes() == versions[0]


def test_ctrl_c_inside_a_streamed_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "UC_TopView_montage.png"
    target.write_bytes(b"the complete old figure")
    with pytest.raises(KeyboardInterrupt), atomic_output(target) as stream:
        stream.write(b"\x89PNG half of a new one")
        raise KeyboardInterrupt
    assert target.read_bytes() == b"the complete old figure"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_a_streamed_write_appears_only_when_complete(tmp_path):
    import numpy as np

    target = tmp_path / "arrays.npz"
    with atomic_output(target) as stream:
        np.savez(stream, a=np.arange(3))
        assert not target.exists()
    assert np.load(target)["a"].tolist() == [0, 1, 2]
