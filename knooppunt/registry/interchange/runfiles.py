"""The files of a web import run: its folder, its heartbeat, and whether it is still alive.

Uploads live in `<KNOOPPUNT_IMPORT_DIR>/<run id>-<token>/` (default `DATA_DIR/imports`,
outside MEDIA_ROOT so that no web server serves them) until the run ends.

While a worker imports a run, a thread writes `heartbeat.json` there every few
seconds: the process id, the host and the attempt. The import itself is one
database transaction whose writes nobody sees before the commit, so the heartbeat
is a file, like the progress. A running run is **stale** when its worker's
process is gone (same host, no such process) or its heartbeat is older than
`KNOOPPUNT_IMPORT_STALE_AFTER` seconds (default 120); a run that no worker ever
picked up is stale that long after it was started. Staff can then retry or
discard it: the killed import's writes were rolled back by the database.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from django.conf import settings
from django.utils import timezone

from knooppunt.registry.models import ImportRun

PROGRESS_FILE = "progress.json"
HEARTBEAT_FILE = "heartbeat.json"


def import_dir() -> Path:
    return Path(getattr(settings, "KNOOPPUNT_IMPORT_DIR", Path(settings.DATA_DIR) / "imports"))


def run_folder(run: ImportRun) -> Path:
    return import_dir() / run.upload_dir


def heartbeat_every() -> float:
    """Seconds between two heartbeats."""
    return float(getattr(settings, "KNOOPPUNT_IMPORT_HEARTBEAT", 10))


def stale_after() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "KNOOPPUNT_IMPORT_STALE_AFTER", 120)))


def preview_kept() -> timedelta:
    """How long an unconfirmed preview (and its files) is kept."""
    return timedelta(hours=float(getattr(settings, "KNOOPPUNT_IMPORT_PREVIEW_HOURS", 48)))


class Heartbeat:
    """`with Heartbeat(path, attempt=n):` writes the heartbeat file until the block ends,
    then removes it."""

    def __init__(self, path: Path, *, attempt: int, every: float | None = None) -> None:
        self.path = path
        self.attempt = attempt
        self.every = heartbeat_every() if every is None else every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> None:
        data = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "attempt": self.attempt,
            "at": time.time(),
        }
        tmp = self.path.with_suffix(".tmp-heartbeat")
        try:
            tmp.write_text(json.dumps(data))
            os.replace(tmp, self.path)
        except OSError:  # the folder was removed (the run was discarded): nothing to mark
            pass

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self.beat()

    def __enter__(self) -> Heartbeat:
        self.beat()
        self._thread = threading.Thread(target=self._loop, name="import-heartbeat", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        # The worker is done with the run: if the run is still running now, it is stale.
        self.path.unlink(missing_ok=True)


def read_heartbeat(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("at"), int | float):
        return None
    return data


def _process_alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


@dataclass(frozen=True)
class Liveness:
    """Whether a running run still has a worker; `reason` says why not."""

    stale: bool
    reason: str = ""  # "process gone", "silent" or "never started"
    last_seen: datetime | None = None


def liveness(run: ImportRun, *, now: datetime | None = None) -> Liveness:
    if run.status != ImportRun.Status.RUNNING:
        return Liveness(False)
    now = now or timezone.now()
    beat = read_heartbeat(run_folder(run) / HEARTBEAT_FILE) if run.upload_dir else None
    if beat is not None and beat.get("attempt") == run.attempt:
        seen = datetime.fromtimestamp(float(beat["at"]), tz=UTC)
        if beat.get("host") == socket.gethostname() and not _process_alive(beat.get("pid")):
            return Liveness(True, "process gone", seen)
        if now - seen > stale_after():
            return Liveness(True, "silent", seen)
        return Liveness(False, "", seen)
    if now - run.updated_at > stale_after():
        return Liveness(True, "never started", None)
    return Liveness(False)


def run_is_stale(run: Any) -> bool:
    """It is running, but its worker is gone: no such process, or no heartbeat for a while."""
    return liveness(run).stale


def remove_files(run: ImportRun) -> None:
    if run.upload_dir:
        shutil.rmtree(run_folder(run), ignore_errors=True)


LIVE = (ImportRun.Status.UPLOADED, ImportRun.Status.PREVIEWED, ImportRun.Status.RUNNING)


def remove_orphans(*, now: datetime | None = None, older_than: timedelta | None = None) -> int:
    """Remove upload folders that belong to no live run (left by a crash); their number.

    Only folders untouched for `older_than` (an hour) count: an upload being stored
    right now may not have its run saved yet.
    """
    root = import_dir()
    if not root.is_dir():
        return 0
    now = now or timezone.now()
    limit = (now - (older_than or timedelta(hours=1))).timestamp()
    live = set(ImportRun.objects.filter(status__in=LIVE).values_list("upload_dir", flat=True))
    removed = 0
    for folder in root.iterdir():
        if not folder.is_dir() or folder.name in live:
            continue
        if folder.stat().st_mtime > limit:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed += 1
    return removed
