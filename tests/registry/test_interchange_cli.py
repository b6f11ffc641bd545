"""`knooppunt import-registry` and `knooppunt export-registry`: exit codes, dry run, output.

Most tests call the commands in-process (`call_command`, which raises CommandError where
the `knooppunt` script exits with status 1); `run_from_argv` would close the database
connection, which the test transaction still needs. One test runs the real `knooppunt`
script in a subprocess against its own SQLite database, for the exit codes themselves.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from knooppunt.places.services import places_load_reference
from knooppunt.registry import services
from knooppunt.registry.models import ImportRun, Membership, Organisation, Partnership

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


def counts() -> tuple[int, int, int, int]:
    return (
        Organisation.objects.count(),
        Partnership.objects.count(),
        Membership.objects.count(),
        ImportRun.objects.count(),
    )


def test_import_succeeds_with_exit_code_zero(reference: None, capsys: Any) -> None:
    call_command("import_registry", str(SAMPLE), "--source", "brabant")
    out, err = capsys.readouterr()
    assert "Source: brabant" in out
    assert "organisations.csv" in out and "Imported in" in out
    assert "organisations 4/4" in err  # the progress line
    assert counts() == (4, 2, 5, 1)


def test_dry_run_writes_nothing(reference: None, capsys: Any) -> None:
    call_command("import_registry", str(SAMPLE), "--dry-run")
    out, _err = capsys.readouterr()
    assert "Source: sample (dry run)" in out  # the folder's name is the default source
    assert "Dry run: nothing was written." in out
    assert counts() == (0, 0, 0, 0)


def test_bad_input_exits_non_zero_lists_every_error_and_changes_nothing(
    reference: None, tmp_path: Path, capsys: Any
) -> None:
    folder = tmp_path / "bad"
    shutil.copytree(SAMPLE, folder)
    orgs = (folder / "organisations.csv").read_text(encoding="utf-8")
    orgs = orgs.replace("o3,Gemeente Oss,municipality,GM0828", "o3,Gemeente Oss,gemeente,GM9999")
    (folder / "organisations.csv").write_text(orgs, encoding="utf-8")
    with (folder / "memberships.csv").open("a", encoding="utf-8") as fh:
        fh.write("p9,o1,lead,2021\n")
    with pytest.raises(CommandError, match=r"3 problem\(s\) found; nothing was imported") as error:
        call_command("import_registry", str(folder))
    assert error.value.returncode == 1
    _out, err = capsys.readouterr()
    assert "error: organisations.csv, line 5, column kind: Unknown kind “gemeente”" in err
    assert "error: organisations.csv, line 5, column municipality_code" in err
    assert "error: memberships.csv, line 7, column partnership_id" in err
    assert counts() == (0, 0, 0, 0)


def test_missing_path_exits_non_zero(reference: None, tmp_path: Path, capsys: Any) -> None:
    with pytest.raises(CommandError):
        call_command("import_registry", str(tmp_path / "nowhere"))
    assert "There is no file or folder here." in capsys.readouterr().err


def test_export_formats(registry: dict[str, Any], tmp_path: Path, capsys: Any) -> None:
    call_command("export_registry", str(tmp_path / "folder"))
    assert sorted(p.name for p in (tmp_path / "folder").iterdir()) == [
        "memberships.csv",
        "organisations.csv",
        "partnerships.csv",
    ]
    call_command("export_registry", str(tmp_path / "registry.zip"))
    call_command("export_registry", str(tmp_path / "registry.xlsx"), "--format", "xlsx")
    call_command("export_registry", str(tmp_path / "registry.json"), "--format", "json")
    for name in ("registry.zip", "registry.xlsx", "registry.json"):
        assert (tmp_path / name).stat().st_size > 0
    out = capsys.readouterr().out
    assert "Wrote 4 organisations, 2 partnerships and 4 memberships" in out
    with pytest.raises(CommandError):
        call_command("export_registry", str(tmp_path / "folder"), "--format", "json")


SETUP = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from knooppunt.places.services import places_load_reference
from knooppunt.registry import services
places_load_reference()
services.themes_load_reference()
services.sbi_load_reference()
"""


@pytest.mark.skipif(connection.vendor != "sqlite", reason="uses its own SQLite database")
def test_the_knooppunt_script_exit_codes(tmp_path: Path) -> None:
    """End to end: the installed `knooppunt` script, a real database file, real exit codes."""
    env = {
        **os.environ,
        "KNOOPPUNT_DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SETTINGS_MODULE": "knooppunt.settings",
    }
    env.pop("DATABASE_URL", None)
    script = Path(sys.executable).parent / "knooppunt"
    subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", SETUP], env=env, check=True, timeout=300
    )
    database = tmp_path / "data" / "knooppunt.sqlite3"

    def organisations() -> int:
        with sqlite3.connect(database) as db:
            return db.execute("SELECT COUNT(*) FROM registry_organisation").fetchone()[0]

    bad = tmp_path / "bad"
    shutil.copytree(SAMPLE, bad)
    with (bad / "memberships.csv").open("a", encoding="utf-8") as fh:
        fh.write("p1,o9,lead,\n")
    failed = subprocess.run(  # noqa: S603 - fixed arguments
        [script, "import-registry", bad], env=env, capture_output=True, text=True, timeout=300
    )
    assert failed.returncode == 1
    assert "memberships.csv, line 7, column organisation_id" in failed.stderr
    assert organisations() == 0
    dry = subprocess.run(  # noqa: S603 - fixed arguments
        [script, "import-registry", SAMPLE, "--dry-run"], env=env, capture_output=True, timeout=300
    )
    assert dry.returncode == 0
    assert organisations() == 0
    done = subprocess.run(  # noqa: S603 - fixed arguments
        [script, "import-registry", SAMPLE], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "organisations 4/4" in done.stderr  # the progress line
    assert organisations() == 4


@pytest.fixture(autouse=True)
def _english_messages(settings: Any) -> Any:
    """These tests read the reports' English source texts; the product defaults to Dutch."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
