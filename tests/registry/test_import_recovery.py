"""Import runs that stop half-way are recoverable, and uploaded files never outlive a run.

The end-to-end test really kills a worker process in the middle of an import (against its
own SQLite database file, like tests/registry/test_interchange_cli.py), then shows that
the database undid the import, that the run is seen as stale, and that a retry imports it.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from knooppunt.core.audit import history_for
from knooppunt.places.services import places_load_reference
from knooppunt.registry import services
from knooppunt.registry.interchange import runs
from knooppunt.registry.interchange.runfiles import HEARTBEAT_FILE, Heartbeat, liveness
from knooppunt.registry.models import ImportRun, Organisation

SAMPLE = Path(__file__).resolve().parent / "fixtures" / "sample"


@pytest.fixture(scope="module")
def _reference_once(django_db_setup: Any, django_db_blocker: Any) -> Any:
    with django_db_blocker.unblock(), transaction.atomic():
        places_load_reference()
        services.themes_load_reference()
        services.sbi_load_reference()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def reference(_reference_once: Any, db: Any) -> None:
    """Overrides tests/conftest.py's `reference`: loaded once per module."""


@pytest.fixture(autouse=True)
def _settings(settings: Any, tmp_path: Path) -> Any:
    from django.utils import translation

    settings.KNOOPPUNT_IMPORT_DIR = tmp_path / "imports"
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def sample_files(folder: Path = SAMPLE) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(p.name, p.read_bytes()) for p in sorted(folder.iterdir())]


def previewed(staff: Any) -> ImportRun:
    run = runs.create_run(
        files=sample_files(), kind="csv", source="brabant", input_name="csv", user=staff
    )
    assert run.status == ImportRun.Status.PREVIEWED, run.report
    return run


def killed(run: ImportRun, *, minutes: int = 60) -> ImportRun:
    """As a run is left when its worker was killed: running, no heartbeat, long ago."""
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.RUNNING,
        attempt=1,
        updated_at=timezone.now() - timedelta(minutes=minutes),
    )
    run.refresh_from_db()
    return run


def dead_pid() -> int:
    """The id of a process that has just ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_liveness_of_a_running_run(staff: Any, reference: None) -> None:
    run = previewed(staff)
    folder = runs.run_folder(run)
    assert liveness(run).stale is False  # not running at all
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.RUNNING, attempt=1)
    run.refresh_from_db()
    assert liveness(run).stale is False  # just queued
    assert liveness(run, now=timezone.now() + timedelta(minutes=3)).reason == "never started"

    with Heartbeat(folder / HEARTBEAT_FILE, attempt=1, every=0.05):
        time.sleep(0.2)
        state = liveness(run, now=timezone.now() + timedelta(seconds=30))
        assert state.stale is False, "the heartbeat is fresh and this process lives"
        # An old attempt's heartbeat does not count for a retried run.
        ImportRun.objects.filter(pk=run.pk).update(attempt=2)
        run.refresh_from_db()
        assert liveness(run, now=timezone.now() + timedelta(minutes=3)).stale is True
        ImportRun.objects.filter(pk=run.pk).update(attempt=1)
        run.refresh_from_db()
        beat = json.loads((folder / HEARTBEAT_FILE).read_text())
        assert beat["pid"] == os.getpid()
        assert liveness(run, now=timezone.now() + timedelta(minutes=3)).reason == "silent"
    assert not (folder / HEARTBEAT_FILE).exists()  # the worker left: no sign of life
    (folder / HEARTBEAT_FILE).write_text(json.dumps({**beat, "pid": dead_pid()}))
    assert liveness(run).reason == "process gone"  # at once, without waiting


def test_a_stale_run_can_be_retried(
    client: Any, staff: Any, reference: None, django_capture_on_commit_callbacks: Any
) -> None:
    run = killed(previewed(staff))
    folder = runs.run_folder(run)
    client.force_login(staff)
    html = client.get(run.get_absolute_url()).content.decode()
    assert "This import has stopped" in html
    assert 'hx-trigger="every 1s"' not in html
    assert reverse("registry-import:retry", args=[run.pk]) in html
    assert reverse("registry-import:discard", args=[run.pk]) in html
    listing = client.get(reverse("registry-import:upload")).content.decode()
    assert "Running (stopped)" in listing

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry-import:retry", args=[run.pk]))
    assert response.status_code == 302
    run.refresh_from_db()
    assert (run.status, run.attempt) == (ImportRun.Status.DONE, 2)
    assert Organisation.objects.count() == 4
    assert not folder.exists()
    # The run's own steps (its history also holds the bulk entries of what it wrote).
    actions = [e.action for e in history_for(run) if e.action.startswith("registry.import.")]
    assert actions[:2] == ["registry.import.done", "registry.import.retried"]


def test_a_stale_run_can_be_discarded_and_a_live_one_not(
    client: Any, staff: Any, reference: None, django_capture_on_commit_callbacks: Any
) -> None:
    run = previewed(staff)
    folder = runs.run_folder(run)
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.RUNNING, attempt=1)
    client.force_login(staff)
    # Its worker is alive (a fresh heartbeat from this very process): neither retry nor discard.
    with Heartbeat(folder / HEARTBEAT_FILE, attempt=1, every=60):
        for name in ("retry", "discard"):
            response = client.post(reverse(f"registry-import:{name}", args=[run.pk]))
            assert response.status_code == 400, name
        html = client.get(run.get_absolute_url()).content.decode()
        assert 'hx-trigger="every 1s"' in html and "has stopped" not in html
    run.refresh_from_db()
    assert (run.status, run.attempt) == (ImportRun.Status.RUNNING, 1)

    killed(run)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry-import:discard", args=[run.pk]))
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DISCARDED
    assert not folder.exists()
    assert Organisation.objects.count() == 0
    assert history_for(run)[0].action == "registry.import.discarded"


def test_a_late_task_of_an_older_attempt_does_nothing(staff: Any, reference: None) -> None:
    run = killed(previewed(staff))
    ImportRun.objects.filter(pk=run.pk).update(attempt=2)  # retried meanwhile
    assert runs.execute_run(run.pk, 1)["skipped"] is True
    assert Organisation.objects.count() == 0
    run.refresh_from_db()
    assert (run.status, run.attempt) == (ImportRun.Status.RUNNING, 2)


def test_uploaded_files_are_removed_whenever_a_run_ends(
    staff: Any,
    reference: None,
    tmp_path: Path,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # Rejected: the preview found errors.
    bad = tmp_path / "bad"
    bad.mkdir()
    for file in SAMPLE.iterdir():
        (bad / file.name).write_bytes(file.read_bytes())
    orgs = (bad / "organisations.csv").read_text(encoding="utf-8")
    (bad / "organisations.csv").write_text(orgs.replace("87654321", "8765"), encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        rejected = runs.create_run(
            files=sample_files(bad), kind="csv", source="bad", input_name="csv", user=staff
        )
    assert rejected.status == ImportRun.Status.REJECTED and rejected.error_count
    assert not runs.run_folder(rejected).exists()

    # Failed: the import stops on an unexpected error.
    failing = previewed(staff)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(runs, "import_registry", broken)
    with django_capture_on_commit_callbacks(execute=True):
        runs.import_run_start(actor=staff, run=failing)
    failing.refresh_from_db()
    assert failing.status == ImportRun.Status.FAILED
    assert "unexpected error" in failing.report["failure"]
    assert not runs.run_folder(failing).exists()
    monkeypatch.undo()

    # Expired: a preview nobody confirmed; and an orphaned folder from a crash.
    waiting = previewed(staff)
    fresh = previewed(staff)
    orphan = runs.import_dir() / "999999-deadbeef"
    orphan.mkdir()
    old = time.time() - 2 * 3600
    os.utime(orphan, (old, old))
    ImportRun.objects.filter(pk=waiting.pk).update(updated_at=timezone.now() - timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        counts = runs.import_runs_housekeeping()
    assert counts == {"expired": 1, "stale": 0, "orphans": 1}
    waiting.refresh_from_db()
    assert waiting.status == ImportRun.Status.DISCARDED
    assert history_for(waiting)[0].action == "registry.import.expired"
    assert not runs.run_folder(waiting).exists() and not orphan.exists()
    assert runs.run_folder(fresh).exists()  # a live preview keeps its files


# --- end to end: kill the worker in the middle of the import ------------------------------------

SETUP = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from knooppunt.accounts.models import User
from knooppunt.places.services import places_load_reference
from knooppunt.registry import services
places_load_reference()
services.themes_load_reference()
services.sbi_load_reference()
User.objects.create_user("staf@example.nl", "x-Lang-wachtwoord-1", is_staff=True)
"""

# The worker: uploads, previews and confirms; the immediate task backend imports in this
# process. After writing the organisations and partnerships (uncommitted) it says so and
# waits to be killed.
WORKER = """
import sys, time
from pathlib import Path
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from knooppunt.accounts.models import User
from knooppunt.registry.interchange import importer, runs
staff = User.objects.get(email="staf@example.nl")
files = [SimpleUploadedFile(p.name, p.read_bytes()) for p in sorted(Path(sys.argv[1]).iterdir())]
run = runs.create_run(files=files, kind="csv", source="brabant", input_name="csv", user=staff)
write_partnerships = importer.Importer._write_partnerships
def slowly(self):
    write_partnerships(self)
    print("WRITTEN", run.pk, flush=True)
    time.sleep(300)
importer.Importer._write_partnerships = slowly
runs.import_run_start(actor=staff, run=run)
"""

RETRY = """
import sys
import django
django.setup()
from knooppunt.accounts.models import User
from knooppunt.registry.interchange import runs
from knooppunt.registry.models import ImportRun
run = ImportRun.objects.get(pk=int(sys.argv[1]))
print("STALE", runs.liveness(run).reason, flush=True)
runs.import_run_retry(actor=User.objects.get(email="staf@example.nl"), run=run)
run.refresh_from_db()
print("STATUS", run.status, run.attempt, flush=True)
"""


@pytest.mark.skipif(connection.vendor != "sqlite", reason="uses its own SQLite database")
def test_a_killed_import_rolls_back_is_seen_as_stale_and_can_be_retried(
    tmp_path: Path, settings: Any
) -> None:
    data = tmp_path / "data"
    env = {
        **os.environ,
        "KNOOPPUNT_DATA_DIR": str(data),
        "DJANGO_SETTINGS_MODULE": "knooppunt.settings",
    }
    env.pop("DATABASE_URL", None)
    env.pop("TASKS_BACKEND", None)  # the immediate backend: the import runs in the worker
    python = [sys.executable, "-c"]
    subprocess.run([*python, SETUP], env=env, check=True, timeout=300)  # noqa: S603
    database = data / "knooppunt.sqlite3"

    def query(sql: str) -> Any:
        with sqlite3.connect(database) as db:
            return db.execute(sql).fetchone()

    worker = subprocess.Popen(  # noqa: S603 - fixed arguments
        [*python, WORKER, str(SAMPLE)], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert worker.stdout is not None
        line = worker.stdout.readline()
        assert line.startswith("WRITTEN"), line
        run_id = int(line.split()[1])
        # Mid-way: running, its writes invisible to everyone else, its worker alive.
        status, attempt, upload_dir = query(
            f"SELECT status, attempt, upload_dir FROM registry_importrun WHERE id = {run_id}"  # noqa: S608
        )
        assert (status, attempt) == ("running", 1)
        assert query("SELECT COUNT(*) FROM registry_organisation") == (0,)
        settings.KNOOPPUNT_IMPORT_DIR = data / "imports"
        seen = ImportRun(
            pk=run_id, status=status, attempt=attempt, upload_dir=upload_dir,
            updated_at=timezone.now(),
        )  # fmt: skip
        assert liveness(seen).stale is False
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    # Killed: the database undid the import; the run is still "running", but stale at once.
    assert query(f"SELECT status FROM registry_importrun WHERE id = {run_id}") == ("running",)  # noqa: S608
    assert query("SELECT COUNT(*) FROM registry_organisation") == (0,)
    assert liveness(seen).reason == "process gone"
    assert (data / "imports" / upload_dir).is_dir()  # the files wait for the retry

    retried = subprocess.run(  # noqa: S603 - fixed arguments
        [*python, RETRY, str(run_id)], env=env, capture_output=True, text=True, timeout=300
    )
    assert retried.returncode == 0, retried.stderr
    assert "STALE process gone" in retried.stdout
    assert "STATUS done 2" in retried.stdout
    assert query("SELECT COUNT(*) FROM registry_organisation") == (4,)
    assert not (data / "imports" / upload_dir).exists()
    actions = query(
        "SELECT group_concat(action, ' ') FROM (SELECT action FROM core_auditentry "
        "WHERE action LIKE 'registry.import.%' ORDER BY id)"
    )[0].split()
    assert actions == [
        "registry.import.uploaded",
        "registry.import.started",
        "registry.import.retried",
        "registry.import.done",
    ]
