"""Background tasks of the registry (django-tasks)."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def run_import(run_id: int, attempt: int | None = None) -> dict[str, Any]:
    """Import the files of ImportRun `run_id` (confirmed by staff after the preview).

    `attempt`: the attempt the task was queued for; a retried run ignores older tasks.
    """
    from knooppunt.registry.interchange.runs import execute_run

    return execute_run(run_id, attempt)
