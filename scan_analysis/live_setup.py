"""What a live runner builds on first use: configs, analyzers, task queue, e-log and task loop.

:class:`~scan_analysis.live_task_runner.LiveTaskRunner` keeps its arguments as
:class:`RunnerOptions` without touching a file; :func:`build_runner_parts`
does the I/O once (resolves the data root, loads the group's configs, builds
the analyzers on one shared worker pool, the day's queue, the e-log backends
with their retry queues, the publisher and the task loop) and raises the
configuration errors, naming what to fix.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scan_analysis.analyzers import create_diagnostic_analyzer
from scan_analysis.config import ConfigTree
from scan_analysis.config.diagnostic_models import AnalysisGroupConfig, ResolvedDiagnosticConfig
from scan_analysis.data.scan_paths import ScanPaths, day_dir_for, resolve_data_root
from scan_analysis.data.scan_tag import ScanTag
from scan_analysis.elog import (
    ElogUploader,
    GoogleDocElog,
    LocalElog,
    default_pending_dir,
    should_upload,
)
from scan_analysis.elog.publisher import ElogPublisher, PublishedAnalyzer
from scan_analysis.executors import make_executor
from scan_analysis.live_task_loop import TaskLoop
from scan_analysis.scan_watcher import ScanReadiness
from scan_analysis.task_dependencies import input_analyzers, order_by_inputs
from scan_analysis.task_queue import TaskQueue

logger = logging.getLogger(__name__)

GDOC_DOCUMENT_ENV = "SCAN_ANALYSIS_GDOC_DOCUMENT_ID"
GDOC_KEY_ENV = "SCAN_ANALYSIS_GDOC_KEY_FILE"


@dataclass(frozen=True)
class RunnerOptions:
    """A live runner's arguments (see :class:`~scan_analysis.live_task_runner.LiveTaskRunner`)."""

    group: str
    date_tag: ScanTag
    runner_id: str
    data_root: str | os.PathLike | None = None
    config_dir: str | os.PathLike | None = None
    heartbeat_timeout: float = 120.0
    max_attempts: int = 3
    elog_enabled: bool = True
    dry_run: bool = False
    executor: str | None = None
    progress: bool = False
    gdoc: tuple[str, str] | None = None
    """(document id, key file) of the Google Doc e-log, or None."""
    scan_folder_grace: float = 600.0
    app_url: str | None = None


@dataclass
class RunnerParts:
    """Everything a runner builds from its options."""

    data_root: Path
    day_dir: Path
    tree: ConfigTree
    group: AnalysisGroupConfig
    order: list[ResolvedDiagnosticConfig]
    analyzers: dict[str, Any]
    executor: Any
    queue: TaskQueue
    elog: LocalElog
    uploaders: list[ElogUploader]
    loop: TaskLoop


def google_doc_settings(
    document_id: str | None, key_file: str | os.PathLike | None
) -> tuple[str, str]:
    """The Google Doc's id and key file, from the arguments or the environment.

    Raises
    ------
    ValueError
        When either is missing, saying what to pass or set.
    """
    document_id = document_id or os.environ.get(GDOC_DOCUMENT_ENV)
    key_file = key_file or os.environ.get(GDOC_KEY_ENV)
    if not document_id or not key_file:
        raise ValueError(
            "gdoc_enabled needs the experiment's document id and a service-account key file: pass "
            f"gdoc_document_id=/gdoc_key_file= or set {GDOC_DOCUMENT_ENV} and {GDOC_KEY_ENV}"
        )
    return document_id, str(key_file)


def build_runner_parts(options: RunnerOptions, *, stop: threading.Event) -> RunnerParts:
    """Load the configs and build the analyzers, queue, e-log and task loop of a runner.

    Raises
    ------
    ConfigError, DataRootError, ScanAnalysisError
        An unknown group, an invalid analyzer config, no data root, a
        missing Google key file: each naming what to fix.
    """
    tag = options.date_tag
    data_root = resolve_data_root(options.data_root)
    day_dir = day_dir_for(data_root, tag.experiment, tag.date)
    analysis_dir = day_dir / "analysis"
    tree = ConfigTree.for_group(options.group, options.config_dir)
    group = tree.load_group(options.group)
    resolved = tree.resolve_group(options.group)
    executor = make_executor(options.executor)
    analyzers = {
        item.name: create_diagnostic_analyzer(item, executor=executor, progress=options.progress)
        for item in resolved
    }
    inputs = input_analyzers(analyzers)
    by_name = {item.name: item for item in resolved}
    order = [by_name[n] for n in order_by_inputs(list(by_name), inputs)]
    queue = TaskQueue(
        analysis_dir,
        runner_id=options.runner_id,
        heartbeat_timeout=options.heartbeat_timeout,
        max_attempts=options.max_attempts,
        dry_run=options.dry_run,
    )
    elog = LocalElog(analysis_dir / "elog", experiment=tag.experiment, date=tag.date.isoformat())
    gdoc = [GoogleDocElog.from_service_account_file(*options.gdoc)] if options.gdoc else []
    # a failed upload is kept under analysis/ and retried with the next entry
    uploaders = [
        ElogUploader(backend, default_pending_dir(analysis_dir, backend.name))
        for backend in [elog, *gdoc]
    ]

    def paths_for(scan: int) -> ScanPaths:
        return ScanPaths(tag.with_number(scan), data_root=data_root)

    publisher = None
    if should_upload(group.upload_to_scan_log, options.elog_enabled):
        publisher = ElogPublisher(
            uploaders,
            queue=queue,
            analyzers=[PublishedAnalyzer(i.name, i.config.scan.gdoc_slot) for i in resolved],
            experiment=tag.experiment,
            date=tag.date.isoformat(),
            ini_for=lambda scan: paths_for(scan).ini_file,
            app_url=options.app_url,
        )
    loop = TaskLoop(
        queue=queue,
        analyzers=analyzers,
        order=[item.name for item in order],
        priorities={item.name: item.priority for item in order},
        inputs=inputs,
        date_tag=tag,
        day_dir=day_dir,
        data_root=data_root,
        config_dir=tree.root,
        readiness=ScanReadiness(paths_for, grace=options.scan_folder_grace),
        stop=stop,
        dry_run=options.dry_run,
        on_task_finished=publisher.publish_if_finished if publisher else None,
    )
    logger.info(
        "runner %s: group %s (%s) on %s from scan %d",
        options.runner_id,
        options.group,
        ", ".join(analyzers),
        day_dir,
        tag.number,
    )
    return RunnerParts(
        data_root=data_root,
        day_dir=day_dir,
        tree=tree,
        group=group,
        order=order,
        analyzers=analyzers,
        executor=executor,
        queue=queue,
        elog=elog,
        uploaders=uploaders,
        loop=loop,
    )
