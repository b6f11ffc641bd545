"""No lost writes: real concurrent writers against a real server, on SQLite and PostgreSQL.

The server is gunicorn (2 worker processes x 8 threads, as `knooppunt serve` runs it) in
a subprocess, on the test database: on PostgreSQL the test database itself, on SQLite a
file copy of the in-memory test database (`VACUUM INTO`). Writers are threads, each with
its own HTTP connection, released together by a barrier.

- Concurrent PATCHes of different fields of one organisation (and one partnership) all
  land, every round, and all answer 200. Before versions and field-wise writes, one of
  two such PATCHes was lost in 28 of 30 tries (15 of 15 for partnerships).
- Concurrent PATCHes sending the same If-Match: exactly one 200, the others 412 with
  the new ETag; the winner's value is the one stored.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from knooppunt.accounts.models import User
from knooppunt.api.services import api_token_create
from knooppunt.registry import services

ROUNDS = 10
WRITERS_SAME_VERSION = 8

# The tests talk to the server only; the mark makes pytest-django set up the test database,
# on which the module's fixture commits what the server needs.
pytestmark = pytest.mark.django_db


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database_url(tmp_path: Path) -> str:
    """A URL the server process can open, holding what the test wrote (committed)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        copy = tmp_path / "live.sqlite3"
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(copy)])
        return f"sqlite:///{copy}"
    if connection.vendor == "postgresql":
        auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
        host = settings["HOST"] or "127.0.0.1"
        port = settings["PORT"] or 5432
        return f"postgres://{auth}@{host}:{port}/{settings['NAME']}"
    pytest.skip(f"no live server set-up for {connection.vendor}")


class Server:
    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], Any]:
        """One request on a fresh connection (so concurrent callers never share one)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(
                method,
                "/api/v1" + path,
                body=json.dumps(body) if body is not None else None,
                headers={
                    "Authorization": f"Bearer {self.token}",
                    "Content-Type": "application/json",
                    **(headers or {}),
                },
            )
            response = conn.getresponse()
            data = response.read()
            return (
                response.status,
                {k.lower(): v for k, v in response.getheaders()},
                json.loads(data) if data else None,
            )
        finally:
            conn.close()


@pytest.fixture(scope="module")
def live(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any
) -> Iterator[tuple[Server, dict[str, Any]]]:
    """One server for the module, on data committed for it (removed again at the end)."""
    from knooppunt.core.models import AuditEntry

    tmp_path = tmp_path_factory.mktemp("live")
    with django_db_blocker.unblock():
        name = str(connection.settings_dict["NAME"])
        in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()
        assert in_memory or "test" in name, name  # never a real database
        last_entry = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        staff = User.objects.create_user(
            "live-staf@example.nl", "correct-horse-battery-9", is_staff=True
        )
        token = api_token_create(actor=staff, name="live")[1]
        objects = {
            "organisation": services.organisation_create(
                actor=staff, kind="company", name="Gelijktijdig BV", description="begin"
            ),
            "partnership": services.partnership_create(
                actor=staff, kind="hub", name="Gelijktijdige Hub", description="begin"
            ),
        }
        database_url = _database_url(tmp_path)
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "KNOOPPUNT_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "knooppunt.settings",
    }
    env.pop("DJANGO_ENV", None)
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "gunicorn",
            "knooppunt.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--worker-class",
            "gthread",
            "--threads",
            "8",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    )
    server = Server(port, token)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if server.call("GET", "/themes")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.3)
        yield server, objects
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        with django_db_blocker.unblock():
            for obj in objects.values():
                type(obj).objects.filter(pk=obj.pk).delete()
            staff.delete()
            AuditEntry.objects.filter(id__gt=last_entry).delete()


def _together(calls: list[Any]) -> list[Any]:
    """Run the callables at the same moment, one thread each; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = calls[i]()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.parametrize(
    ("what", "fields"),
    [
        ("organisation", ("description", "website", "email", "phone")),
        ("partnership", ("description", "goals", "website", "email")),
    ],
)
def test_concurrent_patches_of_different_fields_all_land(
    live: tuple[Server, dict[str, Any]], what: str, fields: tuple[str, ...]
) -> None:
    server, objects = live
    path = f"/{what}s/{objects[what].pk}"
    first = int(server.call("GET", path)[1]["etag"].strip('"v'))

    def value(field: str, n: int) -> str:
        if field == "website":
            return f"https://ronde{n}.example"
        if field == "email":
            return f"ronde{n}@example.nl"
        if field == "phone":
            return f"06-{n:08d}"
        return f"{field} in ronde {n}"

    for n in range(ROUNDS):
        results = _together(
            [(lambda f=f, n=n: server.call("PATCH", path, {f: value(f, n)})) for f in fields]
        )
        assert [r[0] for r in results] == [200] * len(fields), results
        status, headers, body = server.call("GET", path)
        assert status == 200
        lost = {f: body[f] for f in fields if body[f] != value(f, n)}
        assert not lost, f"round {n}: lost {lost}"
    # Every change made a new version.
    assert headers["etag"] == f'"v{first + ROUNDS * len(fields)}"'


@pytest.mark.parametrize("what", ["organisation", "partnership"])
def test_concurrent_writes_with_the_same_if_match_one_wins(
    live: tuple[Server, dict[str, Any]], what: str
) -> None:
    server, objects = live
    path = f"/{what}s/{objects[what].pk}"
    status, headers, _body = server.call("GET", path)
    assert status == 200
    tag = headers["etag"]
    results = _together(
        [
            (
                lambda i=i: server.call(
                    "PATCH", path, {"description": f"schrijver {i}"}, {"If-Match": tag}
                )
            )  # type: ignore[misc]
            for i in range(WRITERS_SAME_VERSION)
        ]
    )
    statuses = sorted(r[0] for r in results)
    assert statuses == [200] + [412] * (WRITERS_SAME_VERSION - 1), results
    winner = next(i for i, r in enumerate(results) if r[0] == 200)
    new_tag = results[winner][1]["etag"]
    assert new_tag != tag
    for status, headers, body in results:
        if status == 412:
            assert headers["etag"] == new_tag  # the current version, to read again
            assert body["detail"]
    status, headers, body = server.call("GET", path)
    assert body["description"] == f"schrijver {winner}"
    assert headers["etag"] == new_tag
