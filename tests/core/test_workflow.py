"""The workflow mechanism (core/workflow.py): definitions, guards, permissions, audit, hooks,
concurrency, and docs/workflows.md generated from the definitions."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import translation

from knooppunt.core.audit import history_for
from knooppunt.core.management.commands.workflows_doc import DOC, render
from knooppunt.core.models import AuditEntry
from knooppunt.core.workflow import (
    BEGIN,
    END,
    REGISTRY,
    InvalidTransition,
    State,
    Transition,
    Workflow,
)
from knooppunt.matching.models import Introduction, IntroductionStatus
from knooppunt.matching.permissions import can_answer_introduction

S = IntroductionStatus


def test_every_view_of_an_introduction_agrees() -> None:
    """Each registered workflow's states are exactly its model field's choices."""
    workflows = REGISTRY.all()
    assert {w.name for w in workflows} >= {"introduction", "import_run"}
    for workflow in workflows:
        field = workflow.model._meta.get_field(workflow.field)
        assert [v for v, _label in field.choices] == list(workflow.states), workflow.name


def test_docs_workflows_md_is_generated_from_the_definitions() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert render(text) == text, "docs/workflows.md is out of date: run `knooppunt workflows-doc`"
    generated = text[text.index(BEGIN) : text.index(END)]
    for workflow in REGISTRY.all():
        for t in workflow.transitions.values():
            assert f"**{t.name}**" in generated
            if t.audit:
                assert f"`{t.audit}`" in generated
    # The human prose around it stays.
    assert "## Invitations" in text and "## Editing the registry" in text


def test_workflows_doc_check_fails_when_a_definition_changes(tmp_path: Path) -> None:
    copy = tmp_path / "workflows.md"
    copy.write_text(DOC.read_text(encoding="utf-8"), encoding="utf-8")
    call_command("workflows_doc", "--check", path=copy)  # up to date
    copy.write_text(copy.read_text().replace("`registry.import.retried`", "`x`"))
    with pytest.raises(CommandError, match="out of date"):
        call_command("workflows_doc", "--check", path=copy)
    call_command("workflows_doc", path=copy)
    call_command("workflows_doc", "--check", path=copy)


def _states() -> list[State]:
    return [
        State(S.REQUESTED, S.REQUESTED.label),
        State(S.ACCEPTED, S.ACCEPTED.label, terminal=True),
        State(S.DECLINED, S.DECLINED.label, terminal=True),
        State(S.EXPIRED, S.EXPIRED.label, terminal=True),
    ]


@pytest.mark.parametrize(
    ("transition", "message"),
    [
        (Transition("x", ("nope",), S.ACCEPTED, "x", None, system=True), "unknown state"),
        (Transition("x", (S.ACCEPTED,), S.DECLINED, "x", None, system=True), "terminal"),
        (Transition("x", (S.REQUESTED,), S.DECLINED, "x", None), "nobody"),
    ],
)
def test_bad_definitions_are_refused(transition: Transition, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Workflow(
            "test", model=Introduction, states=_states(), transitions=[transition], register=False
        )


def _test_workflow(who: Any = can_answer_introduction) -> Workflow[Introduction]:
    return Workflow(
        "test_introduction",
        model=Introduction,
        states=_states(),
        transitions=[
            Transition("accept", (S.REQUESTED,), S.ACCEPTED, "Accept", "test.accepted", who=who),
            Transition("expire", (S.REQUESTED,), S.EXPIRED, "Expire", "test.expired", system=True),
        ],
        register=False,
    )


@pytest.fixture
def introduction(registry: dict[str, Any], editor: Any) -> Introduction:
    return Introduction.objects.create(
        requester=registry["company"],
        target=registry["school"],
        message="Hallo",
        requested_by=editor,
    )


def test_perform_checks_state_permission_and_audits(
    introduction: Introduction, editor: Any, lead_editor: Any
) -> None:
    workflow = _test_workflow()
    # A person may not do what only the system does, and the system not what people do.
    with pytest.raises(PermissionDenied):
        workflow.perform(introduction, "expire", actor=lead_editor)
    with pytest.raises(PermissionDenied):
        workflow.perform(introduction, "accept", actor=None)
    # The requester's editor may not answer.
    with pytest.raises(PermissionDenied):
        workflow.perform(introduction, "accept", actor=editor)
    introduction.refresh_from_db()
    assert introduction.status == S.REQUESTED
    assert not AuditEntry.objects.filter(action__startswith="test.").exists()
    assert workflow.allowed(introduction, lead_editor)[0].name == "accept"
    assert workflow.allowed(introduction, editor) == []

    workflow.perform(introduction, "accept", actor=lead_editor, changes={"note": [None, "ok"]})
    assert introduction.status == S.ACCEPTED  # updated in place
    introduction.refresh_from_db()
    assert introduction.status == S.ACCEPTED
    entry = history_for(introduction)[0]
    assert (entry.action, entry.actor) == ("test.accepted", lead_editor)
    assert entry.changes == {"status": ["requested", "accepted"], "note": [None, "ok"]}

    with translation.override("en"), pytest.raises(InvalidTransition, match="it is accepted"):
        workflow.perform(introduction, "expire", actor=None)
    assert workflow.allowed(introduction, lead_editor) == []


def test_the_conditional_update_refuses_a_change_made_under_its_feet(
    introduction: Introduction, lead_editor: Any
) -> None:
    """Even when the state read is stale, the UPDATE ... WHERE status IN (...) refuses."""

    def who(user: Any, obj: Any) -> bool:
        # Another writer declines the request between the read and the write.
        Introduction.objects.filter(pk=obj.pk).update(status=S.DECLINED)
        return True

    workflow = _test_workflow(who=who)
    with pytest.raises(InvalidTransition):
        workflow.perform(introduction, "accept", actor=lead_editor)
    assert not AuditEntry.objects.filter(action="test.accepted").exists()


def test_hooks_run_after_the_commit_only(
    introduction: Introduction, django_capture_on_commit_callbacks: Any
) -> None:
    workflow = _test_workflow()
    seen: list[tuple[int, str, str | None]] = []

    @workflow.on_commit(ending=True)
    def hook(obj: Introduction, step: Any) -> None:
        seen.append((obj.pk, step.transition.name, step.source))

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        workflow.perform(introduction, "expire", actor=None)
        raise RuntimeError  # rolled back: no hook
    assert seen == []
    introduction.refresh_from_db()
    assert introduction.status == S.REQUESTED
    with django_capture_on_commit_callbacks(execute=True):
        workflow.perform(introduction, "expire", actor=None)
    assert seen == [(introduction.pk, "expire", "requested")]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two connections racing for one row: PostgreSQL (SQLite serialises every write)",
)
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_transitions_never_both_succeed(
    registry: dict[str, Any], editor: Any, lead_editor: Any
) -> None:
    from knooppunt.matching.workflows import INTRODUCTION

    introduction = Introduction.objects.create(
        requester=registry["company"], target=registry["school"], message="Hoi", requested_by=editor
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(name: str, actor: Any) -> None:
        try:
            barrier.wait(timeout=10)
            with transaction.atomic():
                INTRODUCTION.perform(Introduction(pk=introduction.pk), name, actor=actor)
            outcomes.append(name)
        except InvalidTransition:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=("accept", lead_editor)),
        threading.Thread(target=attempt, args=("expire", None)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) in (["accept", "refused"], ["expire", "refused"])
    introduction.refresh_from_db()
    winner = next(o for o in outcomes if o != "refused")
    assert introduction.status == {"accept": S.ACCEPTED, "expire": S.EXPIRED}[winner]
    assert AuditEntry.objects.filter(action__startswith="matching.introduction.").count() == 1
