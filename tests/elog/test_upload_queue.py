"""ElogUploader: failures kept and retried, never raised; each pending entry sent once."""

import json
import os
import threading
import time

import pytest

from scan_analysis.elog import ElogEntry, ElogUploader, default_pending_dir, should_upload


class RecordingBackend:
    """Stores what it was asked to write; fails while ``down`` is set."""

    def __init__(self, down=False):
        self.down = down
        self.written: list[ElogEntry] = []
        self._lock = threading.Lock()

    def write_entry(self, entry):
        if self.down:
            raise ConnectionError("scan-log server unreachable")
        with self._lock:
            self.written.append(entry)
        return "ok"


def entry(scan, description=""):
    return ElogEntry(experiment="Undulator", date="2026-05-08", scan=scan, description=description)


@pytest.mark.parametrize(
    ("group_flag", "enabled", "expected"),
    [(True, True, True), (True, False, False), (False, True, False), (False, False, False)],
)
def test_upload_happens_only_when_the_group_asks_and_output_is_enabled(
    group_flag, enabled, expected
):
    assert should_upload(group_flag, enabled) is expected


def test_pending_entries_live_under_the_days_analysis_tree(tmp_path):
    folder = default_pending_dir(tmp_path / "analysis", "gdoc")
    assert folder.is_relative_to(tmp_path / "analysis") and "scans" not in folder.parts


def test_a_failure_is_logged_kept_and_sent_with_the_next_entry(tmp_path, caplog):
    backend = RecordingBackend(down=True)
    uploader = ElogUploader(backend, tmp_path / "pending")
    assert uploader.submit(entry(3)) is False
    assert "Scan 003" in caplog.text and "unreachable" in caplog.text
    assert [p.name for p in uploader.pending()] == ["Scan003.json"]

    backend.down = False
    assert uploader.submit(entry(4)) is True
    assert [e.scan for e in backend.written] == [3, 4]
    assert uploader.pending() == []
    assert os.listdir(tmp_path / "pending") == []


def test_a_newer_entry_for_the_same_scan_supersedes_the_pending_one(tmp_path):
    backend = RecordingBackend(down=True)
    uploader = ElogUploader(backend, tmp_path / "pending")
    uploader.submit(entry(3, "first analysis"))
    uploader.submit(entry(3, "rerun"))
    kept = json.loads(uploader.pending()[0].read_text())
    assert kept["description"] == "rerun" and len(uploader.pending()) == 1

    backend.down = False
    uploader.submit(entry(3, "second rerun"))
    assert [e.description for e in backend.written] == ["second rerun"]
    assert uploader.pending() == []


def test_a_failed_retry_never_overwrites_a_newer_pending_entry(tmp_path):
    pending = tmp_path / "pending"

    class FailsAfterANewerArrives(RecordingBackend):
        def write_entry(self, item):
            ElogUploader(RecordingBackend(down=True), pending).submit(entry(5, "newer"))
            raise TimeoutError("slow share")

    ElogUploader(RecordingBackend(down=True), pending).submit(entry(5, "older"))
    ElogUploader(FailsAfterANewerArrives(), pending).retry_pending()
    (kept,) = ElogUploader(RecordingBackend(), pending).pending()
    assert json.loads(kept.read_text())["description"] == "newer"
    assert sorted(os.listdir(pending)) == ["Scan005.json"]


def test_runners_retrying_together_send_each_pending_entry_once(tmp_path):
    pending = tmp_path / "pending"
    offline = ElogUploader(RecordingBackend(down=True), pending)
    for scan in range(1, 21):
        offline.submit(entry(scan))
    backend = RecordingBackend()
    barrier = threading.Barrier(6)

    def retry():
        barrier.wait()
        ElogUploader(backend, pending).retry_pending()

    threads = [threading.Thread(target=retry) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(e.scan for e in backend.written) == list(range(1, 21))
    assert os.listdir(pending) == []


def test_an_entry_abandoned_mid_send_becomes_pending_again(tmp_path):
    pending = tmp_path / "pending"
    ElogUploader(RecordingBackend(down=True), pending).submit(entry(8))
    path = pending / "Scan008.json"
    taken = pending / "Scan008.json.sending-abc123"
    path.rename(taken)  # a runner died while sending it ...
    backend = RecordingBackend()
    assert ElogUploader(backend, pending, sending_stale_after=60).retry_pending() == 0
    old = time.time() - 120  # ... two minutes ago
    os.utime(taken, (old, old))
    assert ElogUploader(backend, pending, sending_stale_after=60).retry_pending() == 1
    assert [e.scan for e in backend.written] == [8]


def test_an_unreadable_pending_entry_is_reported_and_dropped(tmp_path, caplog):
    pending = tmp_path / "pending"
    pending.mkdir()
    (pending / "Scan002.json").write_text("{broken")
    backend = RecordingBackend()
    assert ElogUploader(backend, pending).submit(entry(3)) is True
    assert "Scan002.json" in caplog.text and "unreadable" in caplog.text
    assert os.listdir(pending) == []
