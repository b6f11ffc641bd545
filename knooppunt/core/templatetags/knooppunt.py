from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

register = template.Library()

_SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


ACTION_LABELS = {
    "created": _("created"),
    "updated": _("changed"),
    "deleted": _("deleted"),
    "added": _("member added"),
    "removed": _("removed"),
    "set": _("set"),
    "granted": _("editor access granted"),
    "accepted": _("accepted"),
}


@register.filter
def action_label(action: str) -> str:
    """A readable label for a dotted audit code such as `registry.organisation.updated`."""
    return str(ACTION_LABELS.get(action.rsplit(".", 1)[-1], action))


@register.filter
def audit_value(value: Any) -> str:
    """One recorded value, readable: lists joined, empty shown as a dash."""
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list | tuple):
        return ", ".join(audit_value(v) for v in value)
    return str(value)


@register.filter
def ld_json(data: Any) -> SafeString:
    """JSON for a <script type="application/ld+json"> block, safe against `</script>`."""
    text = json.dumps(data, ensure_ascii=False, indent=1).translate(_SCRIPT_ESCAPES)
    return mark_safe(text)


@register.simple_tag(takes_context=True)
def url_with(context: Any, **changes: Any) -> str:
    """The current query string with some parameters replaced (empty value removes it)."""
    request = context["request"]
    params = request.GET.copy()
    params.pop("page", None)
    for key, value in changes.items():
        if value in ("", None):
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + urlencode(sorted(params.items()))


SELECTED = mark_safe(" selected")  # a constant


@register.simple_tag
def select_options(choices: Any, selected: str) -> SafeString:
    """The `<option>`s of (value, label) pairs, the one equal to `selected` marked.

    One call instead of a template loop: the directory's municipality list alone has
    342 options, and a loop with a test per option took a few milliseconds a page.
    """
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, SELECTED if value == selected else "", label) for value, label in choices),
    )
