"""Workflows as data: states, transitions, who may, what is audited.

A `Workflow` describes the status field of one model: its states, and the
transitions between them, each with who may perform it, an optional condition on
the object, and the audit action it records. `Workflow.perform` is the one way to
move an object from one state to the next:

- it runs inside the caller's transaction (a savepoint when there is one);
- it locks the row (`select_for_update`) and then writes with a conditional UPDATE
  (`WHERE status IN <sources>`), so two concurrent transitions never both succeed;
- it checks the state, the condition and the permission (a person: the
  transition's `who(actor, obj)` predicate; the system, `actor=None`: only
  transitions marked `system`, such as "expire" or a worker's "finish");
- it validates the object (`full_clean`), writes one audit entry, and schedules
  the hooks registered for the transition to run after the commit.

The app that owns the model declares its workflow in `<app>/workflows.py`; every
declared workflow is in `REGISTRY`, from which `knooppunt workflows-doc` writes
`docs/workflows.md`. This module imports no other knooppunt app: predicates and
models are handed to it by the apps.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from knooppunt.core.audit import audit_log

M = TypeVar("M", bound=models.Model)

# who(actor, obj) -> may this person perform the transition on obj?
Who = Callable[[Any, Any], bool]
# when(obj) -> does the object allow the transition now (apart from its state)?
When = Callable[[Any], bool]


class InvalidTransition(ValidationError):
    """The object is not in a state (or condition) that allows the transition.

    A ValidationError, so forms show it as a message (and the API answers 4xx).
    `condition` is True when the state was right but the transition's condition was not.
    """

    def __init__(self, message: str, *, condition: bool = False) -> None:
        super().__init__(message)
        self.condition = condition


@dataclass(frozen=True)
class State:
    """One value of the status field."""

    value: str
    label: Any  # a (lazy) translated label, as in the model's choices
    terminal: bool = False
    description: str = ""  # English, for docs/workflows.md

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", str(self.value))  # TextChoices members too


@dataclass(frozen=True)
class Transition:
    """A step from one of `sources` to `target`.

    `sources=()` marks a creating transition (used with `Workflow.create`).
    `who(actor, obj)`: which people may perform it (None: no person);
    `system`: the system may perform it without a person (`actor=None`): time, a
    worker, a command. `when(obj)`: a further condition on the object. `audit`: the
    dotted action code written to the audit log (None: not audited).
    """

    name: str
    sources: tuple[str, ...]
    target: str
    label: Any
    audit: str | None
    who: Who | None = None
    system: bool = False
    when: When | None = None
    description: str = ""  # English, for docs/workflows.md

    def __post_init__(self) -> None:
        object.__setattr__(self, "sources", tuple(str(v) for v in self.sources))
        object.__setattr__(self, "target", str(self.target))

    @property
    def creates(self) -> bool:
        return not self.sources


@dataclass(frozen=True)
class Step:
    """What a hook is told: the transition that was performed, from which state, by whom."""

    transition: Transition
    source: str | None  # None for a creating transition
    actor: Any
    changes: dict[str, Any] = field(default_factory=dict)


Hook = Callable[[Any, Step], None]


def _doc_line(func: Callable[..., Any]) -> str:
    """The first sentence of a function's docstring (for the generated docs)."""
    doc = (func.__doc__ or "").strip()
    first = " ".join(doc.split("\n\n")[0].split())
    return first


class Workflow(Generic[M]):
    """The states and transitions of `model.<field>`."""

    def __init__(
        self,
        name: str,
        *,
        model: type[M],
        states: Sequence[State],
        transitions: Sequence[Transition],
        field: str = "status",
        title: str = "",
        description: str = "",
        register: bool = True,
    ) -> None:
        self.name = name
        self.model = model
        self.field = field
        self.title = title or name
        self.description = description
        self.states: dict[str, State] = {}
        for state in states:
            if state.value in self.states:
                raise ValueError(f"{name}: state {state.value!r} twice")
            self.states[state.value] = state
        self.transitions: dict[str, Transition] = {}
        for t in transitions:
            if t.name in self.transitions:
                raise ValueError(f"{name}: transition {t.name!r} twice")
            for value in (*t.sources, t.target):
                if value not in self.states:
                    raise ValueError(f"{name}.{t.name}: unknown state {value!r}")
            for value in t.sources:
                if self.states[value].terminal:
                    raise ValueError(f"{name}.{t.name}: leaves terminal state {value!r}")
            if t.who is None and not t.system:
                raise ValueError(f"{name}.{t.name}: nobody may perform it")
            self.transitions[t.name] = t
        self._hooks: list[tuple[frozenset[str] | None, bool, Hook]] = []
        if register:
            REGISTRY.add(self)

    def __repr__(self) -> str:
        return f"<Workflow {self.name}>"

    # --- reading ------------------------------------------------------------------------------

    def state_of(self, obj: M) -> State:
        return self.states[getattr(obj, self.field)]

    def transition(self, name: str) -> Transition:
        try:
            return self.transitions[name]
        except KeyError:
            raise ValueError(f"{self.name}: no transition {name!r}") from None

    def transitions_from(self, value: str) -> list[Transition]:
        return [t for t in self.transitions.values() if value in t.sources]

    def may(self, transition: Transition, actor: Any, obj: M) -> bool:
        """Whether `actor` (None: the system) may perform `transition` on `obj`."""
        if actor is None:
            return transition.system
        if not getattr(actor, "is_authenticated", False):
            return False
        return transition.who is not None and bool(transition.who(actor, obj))

    def can(self, obj: M, name: str, actor: Any) -> bool:
        """State, condition and permission allow `actor` to perform `name` on `obj` now."""
        t = self.transition(name)
        return (
            getattr(obj, self.field) in t.sources
            and (t.when is None or bool(t.when(obj)))
            and self.may(t, actor, obj)
        )

    def allowed(self, obj: M, actor: Any) -> list[Transition]:
        """The transitions `actor` may perform on `obj` now (for the buttons on a page)."""
        return [
            t
            for t in self.transitions_from(getattr(obj, self.field))
            if self.can(obj, t.name, actor)
        ]

    def choices(self) -> list[tuple[str, Any]]:
        return [(s.value, s.label) for s in self.states.values()]

    # --- hooks --------------------------------------------------------------------------------

    def on_commit(self, *names: str, ending: bool = False) -> Callable[[Hook], Hook]:
        """Register `hook(obj, step)` to run after the commit of a transition.

        Without names: every transition; `ending=True`: only those that reach a terminal
        state. Hooks are for what must not happen unless the change is saved (mail,
        removing files); they run outside the transaction and must not raise.
        """
        for name in names:
            self.transition(name)

        def register(hook: Hook) -> Hook:
            self._hooks.append((frozenset(names) if names else None, ending, hook))
            return hook

        return register

    def _schedule_hooks(self, obj: M, step: Step, extra: Iterable[Callable[[], None]]) -> None:
        t = step.transition
        for names, ending, hook in self._hooks:
            if names is not None and t.name not in names:
                continue
            if ending and not self.states[t.target].terminal:
                continue
            transaction.on_commit(functools.partial(hook, obj, step))
        for callback in extra:
            transaction.on_commit(callback)

    # --- performing ---------------------------------------------------------------------------

    def _check_actor(self, t: Transition, actor: Any, obj: M) -> None:
        if not self.may(t, actor, obj):
            raise PermissionDenied(f"{self.name}.{t.name} is not allowed for {actor!r}")

    def _auto_now_fields(self) -> list[str]:
        return [
            f.name
            for f in self.model._meta.concrete_fields
            if getattr(f, "auto_now", False) and f.name != self.field
        ]

    def create(
        self,
        obj: M,
        name: str,
        *,
        actor: Any,
        on_behalf_of: Any = None,
        changes: Mapping[str, Any] | None = None,
        on_commit: Iterable[Callable[[], None]] = (),
    ) -> M:
        """Save the new `obj` in the target state of the creating transition `name`."""
        t = self.transition(name)
        if not t.creates:
            raise ValueError(f"{self.name}.{name} does not create")
        if obj.pk is not None:
            raise ValueError(f"{self.name}.{name}: the object exists already")
        with transaction.atomic():
            setattr(obj, self.field, t.target)
            self._check_actor(t, actor, obj)
            if t.when is not None and not t.when(obj):
                raise InvalidTransition(_("This cannot be done now."), condition=True)
            obj.full_clean()
            obj.save()
            audited = dict(changes or {})
            if t.audit:
                audit_log(
                    actor=actor if actor is not None else on_behalf_of,
                    action=t.audit,
                    target=obj,
                    changes={self.field: [None, t.target], **audited},
                )
            self._schedule_hooks(obj, Step(t, None, actor, audited), on_commit)
        return obj

    def perform(
        self,
        obj: M,
        name: str,
        *,
        actor: Any,
        on_behalf_of: Any = None,
        fields: Mapping[str, Any] | Callable[[M], Mapping[str, Any]] | None = None,
        changes: Mapping[str, Any] | None = None,
        expect: Mapping[str, Any] | None = None,
        on_commit: Iterable[Callable[[], None]] = (),
    ) -> M:
        """Perform transition `name` on `obj` (which is updated in place and returned).

        `actor`: the person, or None for the system. `on_behalf_of`: for a system step
        taken for a person (a worker finishing their import), the audit entry's actor.
        `fields`: other fields to set in the same write (or a function of the locked,
        freshly read object that returns them, e.g. to count attempts). `changes`: more
        for the audit entry. `expect`: field values the row must still have (an optimistic check,
        e.g. the attempt a worker was started for). `on_commit`: callables run after
        the commit, after the workflow's own hooks.

        Raises InvalidTransition (state, condition or `expect` not met) or PermissionDenied.
        """
        t = self.transition(name)
        if t.creates:
            raise ValueError(f"{self.name}.{name} creates; use create()")
        expect = dict(expect or {})
        manager = self.model._default_manager
        with transaction.atomic():
            current = manager.select_for_update().filter(pk=obj.pk).first()
            if current is None:
                raise InvalidTransition(_("This no longer exists."))
            source = getattr(current, self.field)
            if source not in t.sources:
                raise InvalidTransition(
                    _("This cannot be done any more: it is %(state)s now.")
                    % {"state": str(self.states[source].label).lower()}
                    if source in self.states
                    else _("This cannot be done now.")
                )
            if any(getattr(current, key) != value for key, value in expect.items()):
                raise InvalidTransition(_("This was changed in the meantime."), condition=True)
            if t.when is not None and not t.when(current):
                raise InvalidTransition(_("This cannot be done now."), condition=True)
            self._check_actor(t, actor, current)
            values = dict((fields(current) if callable(fields) else fields) or {})
            for key, value in values.items():
                setattr(current, key, value)
            setattr(current, self.field, t.target)
            now = timezone.now()
            for key in self._auto_now_fields():
                setattr(current, key, now)
            current.full_clean()
            written = {key: getattr(current, key) for key in (self.field, *values)}
            written.update({key: now for key in self._auto_now_fields()})
            updated = manager.filter(
                pk=obj.pk, **{f"{self.field}__in": t.sources}, **expect
            ).update(**written)
            if updated != 1:  # cannot happen under the lock; the UPDATE guards regardless
                raise InvalidTransition(_("This was changed in the meantime."))
            for key, value in written.items():
                setattr(obj, key, value)
            audited = dict(changes or {})
            if t.audit:
                audit_log(
                    actor=actor if actor is not None else on_behalf_of,
                    action=t.audit,
                    target=current,
                    changes={self.field: [source, t.target], **audited}
                    if source != t.target
                    else audited,
                )
            self._schedule_hooks(obj, Step(t, source, actor, audited), on_commit)
        return obj


class Registry:
    """Every declared workflow, by name (filled when `<app>/workflows.py` is imported)."""

    def __init__(self) -> None:
        self._workflows: dict[str, Workflow[Any]] = {}

    def add(self, workflow: Workflow[Any]) -> None:
        if workflow.name in self._workflows:
            raise ValueError(f"workflow {workflow.name!r} is declared twice")
        self._workflows[workflow.name] = workflow

    def all(self) -> list[Workflow[Any]]:
        """Every workflow of the installed apps, in the order the apps are installed."""
        from django.apps import apps
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("workflows")
        order = {config.label: i for i, config in enumerate(apps.get_app_configs())}
        return sorted(
            self._workflows.values(),
            key=lambda w: (order.get(w.model._meta.app_label, len(order)), w.name),
        )

    def get(self, name: str) -> Workflow[Any]:
        self.all()
        return self._workflows[name]


REGISTRY = Registry()


# --- the documentation --------------------------------------------------------------------------


def _who_text(t: Transition) -> str:
    parts = []
    if t.who is not None:
        line = _doc_line(t.who)
        parts.append(f"`{t.who.__name__}`" + (f": {line}" if line else ""))
    if t.system:
        parts.append("the system")
    return "; ".join(parts)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def document(workflow: Workflow[Any]) -> str:
    """Markdown for one workflow: what it is, its states, its transitions and a diagram."""
    from django.utils import translation

    model = workflow.model
    with translation.override("en"):
        lines = [f"## {workflow.title}", ""]
        if workflow.description:
            lines += [workflow.description, ""]
        lines += [
            f"Model `{model._meta.app_label}.{model.__name__}`, field `{workflow.field}`; "
            f"workflow `{workflow.name}`.",
            "",
            "| state | label | final | meaning |",
            "|---|---|---|---|",
        ]
        for s in workflow.states.values():
            final = "yes" if s.terminal else ""
            lines.append(f"| `{s.value}` | {s.label} | {final} | {_cell(s.description)} |")
        lines += [
            "",
            "| transition | from | to | who may | only if | audit code |",
            "|---|---|---|---|---|---|",
        ]
        for t in workflow.transitions.values():
            sources = ", ".join(f"`{v}`" for v in t.sources) or "(new)"
            when = ""
            if t.when is not None:
                line = _doc_line(t.when)
                when = f"`{t.when.__name__}`" + (f": {line}" if line else "")
            audit = f"`{t.audit}`" if t.audit else "—"
            label = f"**{t.name}** ({t.label})"
            if t.description:
                label += f": {t.description}"
            lines.append(
                f"| {_cell(label)} | {sources} | `{t.target}` | {_cell(_who_text(t))} "
                f"| {_cell(when)} | {audit} |"
            )
        lines += ["", "```mermaid", "stateDiagram-v2"]
        for t in workflow.transitions.values():
            for source in t.sources or ("[*]",):
                lines.append(f"    {source} --> {t.target}: {t.name}")
        for s in workflow.states.values():
            if s.terminal:
                lines.append(f"    {s.value} --> [*]")
        lines += ["```", ""]
    return "\n".join(lines)


BEGIN = "<!-- BEGIN GENERATED by `knooppunt workflows-doc`: edit the definitions, not this part -->"
END = "<!-- END GENERATED -->"


def document_all(workflows: Iterable[Workflow[Any]]) -> str:
    return "\n".join(document(w) for w in workflows).rstrip("\n") + "\n"


def splice(text: str, generated: str) -> str:
    """`text` with the part between the markers replaced by `generated`."""
    start = text.find(BEGIN)
    end = text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the markers {BEGIN!r} and {END!r} are missing")
    return text[: start + len(BEGIN)] + "\n\n" + generated + "\n" + text[end:]
