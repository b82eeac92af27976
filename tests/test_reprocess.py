"""reprocess(): multi-day demo campaigns on a real Dask LocalCluster of 2 worker processes.

The campaign is two demo days (six scans each) three days apart; the group is
CampaignProbe (logs every run, priority 1), UC_TopView and UC_Spectrometer.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from pathlib import Path

import psutil
import pytest
import yaml
from campaign_probe import make_campaign_configs
from waiting import wait_until

from scan_analysis.config import ConfigTree
from scan_analysis.data.demo import build_demo_campaign
from scan_analysis.data.sfile import read_sfile
from scan_analysis.errors import DataRootError
from scan_analysis.reprocess import campaign_days, plan_tasks, reprocess
from scan_analysis.task_queue import TASKS_FOLDER, TaskQueue, TaskState

SMALL = {"image_shape": (96, 96), "n_bins": 5, "shots_per_bin": 4}
DATES = ("2026-05-08", "2026-05-11")
SCANS = range(1, 7)
ANALYZERS = ("CampaignProbe", "UC_TopView", "UC_Spectrometer")


@pytest.fixture
def campaign(tmp_path):
    days = build_demo_campaign(tmp_path / "data", DATES, **SMALL)
    config_dir, log = make_campaign_configs(tmp_path)
    return days, config_dir, log


def probe_lines(log: Path) -> list[tuple[str, str, int, int]]:
    """(word, date, scan, pid) of every CampaignProbe log line."""
    if not log.exists():
        return []
    return [
        (word, date, int(scan), int(pid))
        for word, date, scan, pid in (line.split() for line in log.read_text().splitlines())
    ]


def statuses(days) -> dict[tuple[str, int, str], object]:
    return {
        (day.date.isoformat(), status.scan, status.analyzer): status
        for day in days
        for status in TaskQueue(day.day_dir / "analysis").snapshot()
    }


def status_texts(days) -> dict[Path, str]:
    return {
        path: path.read_text()
        for day in days
        for path in (day.day_dir / "analysis" / TASKS_FOLDER).rglob("*.yaml")
    }


def scans_tree(days) -> dict[Path, tuple[int, int]]:
    """Every file under the days' scans/ folders with its size and modification time."""
    return {
        path: (path.stat().st_size, path.stat().st_mtime_ns)
        for day in days
        for path in (day.day_dir / "scans").rglob("*")
    }


def own_children() -> set[int]:
    """Child processes, minus multiprocessing's resource tracker (one per parent, for its life)."""
    children = set()
    for child in psutil.Process().children(recursive=True):
        try:
            if not any("resource_tracker" in part for part in child.cmdline()):
                children.add(child.pid)
        except psutil.NoSuchProcess:
            pass
    return children


@pytest.mark.slow
def test_campaign_runs_every_task_once_on_a_local_cluster_and_a_second_run_skips_all(campaign):
    days, config_dir, log = campaign
    children_before = own_children()
    scans_before = scans_tree(days)
    options = {
        "group": "campaign",
        "workers": 2,
        "data_root": days[0].data_root,
        "config_dir": config_dir,
        "progress": False,
    }
    # the range has days without a folder (05-07, 05-09, 05-10, 05-12): they are skipped
    summary = reprocess("Undulator", "2026-05-07", "2026-05-12", **options)

    assert summary.cluster.startswith("local cluster of 2 worker processes"), summary.cluster
    assert summary.days == 2
    assert summary.ok, summary.table()
    assert len(summary.tasks) == len(summary.results) == summary.ran == 36

    recorded = statuses(days)
    assert set(recorded) == {(d, s, a) for d in DATES for s in SCANS for a in ANALYZERS}
    expected_no_data = {
        (d, s, a)
        for d in DATES
        for s, info in days[0].scans.items()
        for a in ("UC_TopView", "UC_Spectrometer")
        if a not in info.devices
    }
    assert {k for k, s in recorded.items() if s.state is TaskState.NO_DATA} == expected_no_data
    assert {s.state for k, s in recorded.items() if k not in expected_no_data} == {TaskState.DONE}
    assert {s.attempts for s in recorded.values()} == {1}
    assert summary.counts == {"done": 36 - 8, "no_data": 8, "failed": 0, "skipped": 0}

    # every task ran exactly once, in the worker processes (not in this client process)
    lines = probe_lines(log)
    ends = Counter((date, scan) for word, date, scan, _ in lines if word == "end")
    starts = Counter((date, scan) for word, date, scan, _ in lines if word == "start")
    assert ends == starts == Counter({(d, s): 1 for d in DATES for s in SCANS})
    pids = {pid for *_, pid in lines}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2

    # the s-files hold the results
    for day in days:
        for number, info in day.scans.items():
            frame = read_sfile(day.day_dir / "analysis" / f"s{number}.txt")
            assert (frame["CampaignProbe_rows_seen"] == len(frame)).all()
            for analyzer in ("UC_TopView", "UC_Spectrometer"):
                columns = [c for c in frame.columns if c.startswith(f"{analyzer}_")]
                assert bool(columns) == (analyzer in info.devices), (number, analyzer)
                if columns:
                    assert frame[columns].notna().any().any()

    assert scans_tree(days) == scans_before, "nothing is ever written inside scans/"

    # the local cluster is gone with the call
    wait_until(lambda: own_children() <= children_before, "the local cluster's processes to exit")

    # second run: everything is finished, so nothing is submitted and no cluster starts
    texts = status_texts(days)
    log_before = log.read_text()
    second = reprocess("Undulator", "2026-05-07", "2026-05-12", **options)
    # no cluster started: what makes checking a finished campaign take moments (issue 17)
    assert second.results == [] and second.cluster == ""
    assert len(second.skipped) == 36 and second.ok
    assert second.counts["skipped"] == 36
    assert log.read_text() == log_before
    assert status_texts(days) == texts
    assert own_children() <= children_before


def test_tasks_are_planned_in_priority_order_across_the_campaign(campaign):
    days, config_dir, _ = campaign
    resolved = ConfigTree(config_dir).resolve_group("campaign")
    found = campaign_days(days[0].data_root, "Undulator", *(d.date for d in days))
    assert [day for day, _ in found] == [d.date for d in days]
    tasks = plan_tasks("Undulator", found, resolved)
    assert [(t.analyzer, t.date.isoformat(), t.scan) for t in tasks] == [
        (analyzer, date, scan) for analyzer in ANALYZERS for date in DATES for scan in SCANS
    ]
    assert [t.priority for t in tasks] == sorted(t.priority for t in tasks)


def test_dry_run_lists_the_tasks_and_writes_nothing(campaign):
    days, config_dir, log = campaign
    sfile = days[0].day_dir / "analysis" / "s2.txt"
    before = sfile.read_bytes()
    summary = reprocess(
        "Undulator",
        "2026-05-08",
        "2026-05-11",
        analyzer="UC_TopView",
        dry_run=True,
        data_root=days[0].data_root,
        config_dir=config_dir,
        progress=False,
    )
    assert [(t.date.isoformat(), t.scan) for t in summary.planned] == [
        (d, s) for d in DATES for s in SCANS
    ]
    assert summary.results == [] and summary.cluster == ""
    assert "12 would run (dry run)" in summary.table()
    assert not any((d.day_dir / "analysis" / TASKS_FOLDER).exists() for d in days)
    assert sfile.read_bytes() == before
    assert not log.exists()


def test_bad_campaign_arguments_say_what_to_fix(campaign):
    days, config_dir, _ = campaign
    options = {"data_root": days[0].data_root, "config_dir": config_dir, "progress": False}
    with pytest.raises(DataRootError, match=r"no experiment folder .*Undulatr.*Undulator"):
        reprocess("Undulatr", "2026-05-08", group="campaign", **options)
    with pytest.raises(ValueError, match="swap --from/--to"):
        reprocess("Undulator", "2026-05-11", "2026-05-08", group="campaign", **options)
    with pytest.raises(ValueError, match="exactly one of group"):
        reprocess("Undulator", "2026-05-08", **options)
    with pytest.raises(ValueError, match="workers must be at least 1"):
        reprocess("Undulator", "2026-05-08", group="campaign", workers=0, **options)
    with pytest.raises(ValueError, match="max_attempts must be at least 1"):
        reprocess("Undulator", "2026-05-08", group="campaign", max_attempts=0, **options)


@pytest.fixture(scope="module")
def cluster_client():
    """One LocalCluster of 2 worker processes shared by the tests below."""
    from scan_analysis.dask_executor import connect_to_cluster

    with connect_to_cluster(n_workers=2) as connection:
        yield connection.client


@pytest.mark.slow
def test_a_task_a_live_runner_holds_is_left_to_it_and_never_run_twice(campaign, cluster_client):
    days, config_dir, log = campaign
    day = days[0]
    live = TaskQueue(day.day_dir / "analysis", runner_id="live-runner")
    live.ensure_task(2, "CampaignProbe")
    claim = live.try_claim(2, "CampaignProbe")
    assert claim is not None
    results = []
    thread = threading.Thread(
        target=lambda: results.append(
            reprocess(
                "Undulator",
                "2026-05-08",
                analyzer="CampaignProbe",
                client=cluster_client,
                data_root=day.data_root,
                config_dir=config_dir,
                progress=False,
            )
        )
    )
    thread.start()
    try:
        queue = TaskQueue(day.day_dir / "analysis")
        wait_until(
            lambda: all(
                queue.read_status(s, "CampaignProbe").state.terminal for s in SCANS if s != 2
            ),
            "the other five scans",
        )
        assert thread.is_alive(), "reprocess must wait for the live runner's task"
        assert queue.read_status(2, "CampaignProbe").claimant == "live-runner"
    finally:
        live.complete(claim, TaskState.DONE, message="done by the live runner")
    thread.join(timeout=120)
    assert not thread.is_alive()
    (summary,) = results
    assert summary.ok and summary.ran == 5
    (held,) = [r for r in summary.results if r.task.scan == 2]
    assert (held.state, held.ran, held.message) == ("done", False, "done by the live runner")
    assert sorted(scan for word, _, scan, _ in probe_lines(log) if word == "end") == [1, 3, 4, 5, 6]
    # the client is still usable: reprocess never closes a client it was given
    assert cluster_client.submit(sum, [1, 2]).result() == 3


@pytest.mark.slow
def test_failed_tasks_are_reported_with_reasons_and_retried_by_the_next_run(
    campaign, cluster_client
):
    days, config_dir, log = campaign
    day = days[0]
    sfile = day.day_dir / "analysis" / "s4.txt"
    good = sfile.read_bytes()
    sfile.write_bytes(b"not an s-file\n")  # a damaged s-file: scan 4 fails
    options = {
        "analyzer": "CampaignProbe",
        "client": cluster_client,
        "data_root": day.data_root,
        "config_dir": config_dir,
        "max_attempts": 2,
        "progress": False,
    }
    summary = reprocess("Undulator", "2026-05-08", **options)
    assert not summary.ok
    (failed,) = summary.failed
    assert failed.task.scan == 4 and failed.attempts == 2
    assert "s4.txt" in failed.message
    table = summary.table()
    assert "FAILED 2026-05-08 Scan004 CampaignProbe (attempts 2): " in table
    assert summary.counts == {"done": 5, "no_data": 0, "failed": 1, "skipped": 0}
    assert TaskQueue(day.day_dir / "analysis").read_status(4, "CampaignProbe").state == "failed"

    sfile.write_bytes(good)  # fixed: the next run retries only the failed task
    again = reprocess("Undulator", "2026-05-08", **options)
    assert again.ok and again.ran == 1 and len(again.skipped) == 5
    assert [r.task.scan for r in again.results] == [4]
    ends = [scan for word, _, scan, _ in probe_lines(log) if word == "end"]
    assert sorted(ends) == [1, 2, 3, 4, 5, 6]


@pytest.mark.slow
def test_an_analyzer_reading_another_ones_columns_waits_for_it_whatever_its_priority(
    tmp_path, cluster_client
):
    (day,) = build_demo_campaign(tmp_path / "data", ["2026-05-08"], **SMALL)
    config_dir, _ = make_campaign_configs(tmp_path)
    # a scatter of UC_TopView's counts against the charge, ranked before UC_TopView itself
    (config_dir / "analyzers" / "ChargeScatter.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "ChargeScatter",
                "scan_analyzer": {
                    "class": "scan_analysis.analyzers.common.ScatterPlotterAnalysis",
                    "kwargs": {
                        "x_column": "U_BCaveICT Charge pC",
                        "y_columns": ["UC_TopView_image_total"],
                    },
                },
                "scan": {"priority": 1},
            }
        )
    )
    (config_dir / "groups" / "scatter.yaml").write_text(
        yaml.safe_dump({"name": "scatter", "analyzers": ["ChargeScatter", "UC_TopView"]})
    )
    summary = reprocess(
        "Undulator",
        "2026-05-08",
        group="scatter",
        client=cluster_client,
        data_root=day.data_root,
        config_dir=config_dir,
        progress=False,
    )
    assert summary.ok, summary.table()
    assert [t.analyzer for t in summary.tasks[:6]] == ["ChargeScatter"] * 6  # priority order
    queue = TaskQueue(day.day_dir / "analysis")
    for number, info in day.scans.items():
        camera = queue.read_status(number, "UC_TopView").state
        scatter = queue.read_status(number, "ChargeScatter")
        if "UC_TopView" in info.devices:
            assert camera is TaskState.DONE
            assert scatter.state is TaskState.DONE, (number, scatter.message)
            assert scatter.started > queue.read_status(number, "UC_TopView").finished
        else:
            assert (camera, scatter.state) == (TaskState.NO_DATA, TaskState.NO_DATA)
