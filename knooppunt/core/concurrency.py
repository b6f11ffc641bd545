"""Optimistic concurrency: a version on every editable object; stale writes are refused.

Every editable model inherits `Versioned`: an integer `version`, 1 when created and one
higher after every change. A writer says which version its change is based on (the
hidden field of a web form, the `If-Match` header of an API call); a service compares it
with the row's version while holding the row (`lock`) and raises `StaleWrite` when they
differ. Nothing is overwritten silently: the web form is shown again with the other
person's change, the API answers 412.

Without an expected version (an API client that sends no `If-Match`), a write still
never loses someone else's change of *other* fields: `save_fields` writes only the fields
that changed, in one `UPDATE ... WHERE id = %s AND version = %s`, on the row as it is now.

The pieces, used by the services of every app:

- `Versioned`: the abstract model with the `version` field;
- `lock(model, pk)`: the current row, locked until the transaction ends (PostgreSQL
  `SELECT ... FOR UPDATE`; SQLite transactions here take the write lock when they begin);
- `check_version(obj, expected)`: raise `StaleWrite` unless `obj.version` is expected;
- `save_fields(obj, fields)`: the compare-and-swap UPDATE of the given fields only;
- `etag(version)` / `parse_if_match(header)`: the HTTP side (strong ETags `"v3"`);
- `VersionedForm` and `stale_form`: a web form that carries the version and, when it
  turns out stale, shows what the other person changed and keeps what this one typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django import forms
from django.db import models
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

M = TypeVar("M", bound=models.Model)

# What a writer expects: one version, any of several (an If-Match list), or None (no check).
Expected = int | Collection[int] | None


class Versioned(models.Model):
    """An editable object: `version` is 1 when created and goes up by one with every change."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True


@dataclass
class StaleWrite(Exception):
    """A write based on an older version than the row now has; nothing was written."""

    model: type[models.Model]
    pk: Any
    expected: Expected
    current_version: int
    # The row's values now (attribute name -> value), for showing the other person's change.
    current: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return (
            f"{self.model._meta.label} {self.pk} is at version {self.current_version}, "
            f"not {self.expected}"
        )


def _matches(version: int, expected: Expected) -> bool:
    if expected is None:
        return True
    if isinstance(expected, int):
        return version == expected
    return version in expected


def _current_values(model: type[models.Model], pk: Any) -> dict[str, Any]:
    return dict(model._default_manager.filter(pk=pk).values()[:1].get())


def lock(model: type[M], pk: Any) -> M:
    """The row as it is now, locked for the rest of the transaction (DoesNotExist if gone)."""
    return model._default_manager.select_for_update().get(pk=pk)


def check_version(obj: Versioned, expected: Expected) -> None:
    """Raise `StaleWrite` unless `obj` (freshly read, best locked) has the expected version.

    An object that does not exist yet counts as version 0: a form for something not yet
    created sends 0, and is stale when someone else created it meanwhile.
    """
    version = obj.version if obj.pk is not None else 0
    if not _matches(version, expected):
        raise StaleWrite(
            model=type(obj),
            pk=obj.pk,
            expected=expected,
            current_version=version,
            current=_current_values(type(obj), obj.pk) if obj.pk is not None else {},
        )


def save_fields(obj: Versioned, fields: Iterable[str]) -> None:
    """Write only `fields` of `obj` and bump its version, in one compare-and-swap UPDATE.

    The UPDATE matches the row only while it still has `obj.version`; otherwise (someone
    else wrote it since `obj` was read) it raises `StaleWrite` with the row's current
    values and writes nothing. Fields with `auto_now` (`updated_at`) are set as `save()`
    would. `fields` are field names (`municipality`, not `municipality_id`).
    """
    model = type(obj)
    opts = model._meta
    values: dict[str, Any] = {}
    for name in fields:
        f = opts.get_field(name)
        values[f.attname] = getattr(obj, f.attname)  # type: ignore[union-attr]
    now = timezone.now()
    for f in opts.concrete_fields:
        if getattr(f, "auto_now", False):
            setattr(obj, f.attname, now)
            values[f.attname] = now
    expected = obj.version
    written = (
        model._default_manager.filter(pk=obj.pk, version=expected)
        .order_by()
        .update(**values, version=expected + 1)
    )
    if not written:
        current = _current_values(model, obj.pk)  # DoesNotExist when the row is gone
        raise StaleWrite(
            model=model,
            pk=obj.pk,
            expected=expected,
            current_version=current["version"],
            current=current,
        )
    obj.version = expected + 1


# --- HTTP: ETag and If-Match ------------------------------------------------------------------

_TAG = re.compile(r'\s*(W/)?"v([0-9]{1,18})"\s*')


def etag(version: int) -> str:
    """The ETag of an object at `version` (a strong tag: `"v3"`)."""
    return f'"v{version}"'


def parse_if_match(header: str | None) -> Expected:
    """The versions an `If-Match` header accepts: None without one (or with `*`: any).

    A weak tag (`W/"v3"`) is read as the strong one, because a proxy that compresses an
    answer may turn a strong tag weak. A header naming no version of ours matches nothing.
    """
    if header is None or header.strip() == "*":
        return None
    versions: set[int] = set()
    for part in header.split(","):
        m = _TAG.fullmatch(part)
        if m:
            versions.add(int(m.group(2)))
    return frozenset(versions)


# --- web forms ---------------------------------------------------------------------------------


class VersionedForm(forms.Form):
    """A form that carries the version it was shown with, and what each field held then.

    Mix in first: `class OrganisationForm(VersionedForm, forms.ModelForm)`. The version
    comes from `instance.version` (model forms) or the `version` argument. Every field
    also renders its initial value as a hidden input (`show_hidden_initial`), so that a
    stale save can tell the other person's changes from this person's.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args: Any, version: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if version is None and instance is not None:
            version = instance.version if instance.pk is not None else 0
        self.fields["version"].initial = version
        for name, f in self.fields.items():
            if name != "version":
                f.show_hidden_initial = True

    @property
    def expected_version(self) -> int | None:
        """The version the person saw (None if the form did not say: no check)."""
        value = self.cleaned_data.get("version") if hasattr(self, "cleaned_data") else None
        return value if isinstance(value, int) else None


@dataclass
class ConflictRow:
    """One field that someone else changed since the form was shown."""

    label: str
    theirs: str  # the value saved meanwhile
    yours: str  # what this person entered
    state: str  # "conflict": both changed it; "taken": only they did; "same": the same change


@dataclass
class Conflict:
    rows: list[ConflictRow]
    form: forms.BaseForm  # to show again: bound, the version now current


def _display(bound: forms.BoundField, value: Any) -> str:
    """A value as a person reads it: choice labels, names of related objects."""
    f = bound.field
    if value is None or value == "" or value == [] or value == ():
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(f, forms.ModelChoiceField):  # and ModelMultipleChoiceField
        many = isinstance(value, Iterable) and not isinstance(value, str | models.Model)
        items = list(value) if many else [value]
        if items and not isinstance(items[0], models.Model):
            items = list(f.queryset.filter(pk__in=items))  # type: ignore[union-attr]
        return ", ".join(str(f.label_from_instance(o)) for o in items)
    choices = dict(getattr(f, "choices", ()) or ())
    if choices:
        values = value if isinstance(value, list | tuple | set) else [value]
        return ", ".join(str(choices.get(v, v)) for v in values)
    return str(value)


def _raw(bound: forms.BoundField, value: Any, *, hidden: bool = False) -> list[str]:
    """`value` as form data: what a browser sends for the field (or for its hidden initial)."""
    f = bound.field
    if isinstance(f.widget, forms.CheckboxInput) and not hidden:
        return ["on"] if value else []
    if value is None:
        return ["unknown"] if isinstance(f, forms.NullBooleanField) and not hidden else [""]
    if isinstance(value, bool):
        return [str(value)] if hidden else ["true" if value else "false"]
    if isinstance(value, list | tuple | set):
        return [str(v) for v in value]
    return [str(value)]


def stale_form(
    form: forms.BaseForm,
    make_current: Callable[[QueryDict | None], forms.BaseForm],
    *,
    version: int,
) -> Conflict:
    """What to show after `form` (valid, but based on an older version) was refused.

    `make_current(data)` builds the same form for the object as it is now (its instance or
    initial values), bound to `data` when given. The answer lists each field someone
    else changed since the form was shown: their value and this person's. The form to
    show again is bound to what this person typed, except that fields this person left
    alone take the other person's value; it carries the current version, so saving it
    again is a deliberate choice. Nothing is written here.
    """
    current = make_current(None)
    data = form.data.copy()  # type: ignore[attr-defined]
    cleaned = getattr(form, "cleaned_data", {})
    rows: list[ConflictRow] = []
    for name in form.fields:
        if name == "version":
            continue
        bound = form[name]
        now_bound = current[name]
        now = now_bound.initial
        shown = bound.field.hidden_widget().value_from_datadict(
            form.data, form.files, bound.html_initial_name
        )
        data.setlist(bound.html_initial_name, _raw(now_bound, now_bound.value(), hidden=True))
        if not bound.field.has_changed(now, shown):
            continue  # nobody else changed this field
        theirs, yours = _display(bound, now), _display(bound, cleaned.get(name))
        if not bound.field.has_changed(now, bound.data):
            rows.append(ConflictRow(str(bound.label), theirs, yours, "same"))
        elif name in form.changed_data:
            rows.append(ConflictRow(str(bound.label), theirs, yours, "conflict"))
        else:  # this person left the field as it was: take the other person's value
            rows.append(ConflictRow(str(bound.label), theirs, theirs, "taken"))
            data.setlist(bound.html_name, _raw(now_bound, now_bound.value()))
    data["version"] = str(version)
    return Conflict(rows=rows, form=make_current(data))


def changed_fields(obj: models.Model, values: Mapping[str, Any]) -> list[str]:
    """The names in `values` whose value differs from `obj`'s (relations compared by id)."""
    changed = []
    for name, value in values.items():
        f = obj._meta.get_field(name)
        if f.is_relation and f.many_to_one:
            now = getattr(obj, f.attname)  # type: ignore[union-attr]
            new = value.pk if isinstance(value, models.Model) else value
        elif isinstance(f, models.FileField):
            now, new = getattr(obj, name).name or "", getattr(value, "name", value) or ""
        else:
            now, new = getattr(obj, name), value
        if now != new:
            changed.append(name)
    return changed


def copy_state(target: M, source: M) -> M:
    """Make `target` (an instance a caller holds) show the row as `source` has it now."""
    for f in source._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))
    target.__dict__.pop("_prefetched_objects_cache", None)
    return target
