import os
import stat

from scan_analysis.data.atomic_files import write_atomically


def test_replaces_content_and_keeps_permissions(tmp_path):
    target = tmp_path / "s1.txt"
    target.write_text("old")
    os.chmod(target, 0o640)
    write_atomically(target, "new content")
    assert target.read_text() == "new content"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["s1.txt"]  # no temporary left behind


def test_failed_write_leaves_the_old_file(tmp_path):
    target = tmp_path / "s1.txt"
    target.write_text("old")
    try:
        write_atomically(target, object())  # type: ignore[arg-type]
    except TypeError:
        pass
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["s1.txt"]
