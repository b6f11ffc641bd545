"""Validators for text that every app shares: model fields, forms, the API and imports.

Each rule is a plain function `<rule>_problem(value) -> str | None` (the message, or None
when the value is fine), so that a bulk importer can check a million cells without
building exceptions, plus a Django validator around it for model and form fields
(`validate_<rule>`, raising `ValidationError`). The API's schemas call the same functions.

- **single line** (names, places, phone numbers, functions, titles): no control
  characters at all, so no line breaks (CR, LF, the Unicode line and paragraph
  separators U+2028/U+2029, NEL U+0085), no tabs, no NUL.
- **text** (descriptions, goals, messages): line breaks and tabs are fine, other control
  characters (NUL, escape, ...) are not.
- **not blank**: a required value must have something besides white space.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# C0 controls, DEL, C1 controls (NEL U+0085 among them), line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# The same, but line feed, carriage return and tab are allowed (multi-line text).
_TEXT_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")

SINGLE_LINE_MESSAGE = _(
    "Use one line: line breaks, tabs and other control characters are not allowed."
)
TEXT_MESSAGE = _("Control characters (other than line breaks and tabs) are not allowed.")
BLANK_MESSAGE = _("This field cannot be blank.")


def single_line_problem(value: str) -> str | None:
    """Why `value` is not a single line of text, or None if it is."""
    if _CONTROL.search(value):
        return str(SINGLE_LINE_MESSAGE)
    return None


def text_problem(value: str) -> str | None:
    """Why `value` is not acceptable multi-line text, or None if it is."""
    if _TEXT_CONTROL.search(value):
        return str(TEXT_MESSAGE)
    return None


def blank_problem(value: str) -> str | None:
    """Why a required `value` is empty (also when it is only white space), or None."""
    if not value.strip():
        return str(BLANK_MESSAGE)
    return None


def validate_single_line(value: str) -> None:
    if problem := single_line_problem(value):
        raise ValidationError(problem, code="single_line")


def validate_text(value: str) -> None:
    if problem := text_problem(value):
        raise ValidationError(problem, code="control_character")


def validate_not_blank(value: str) -> None:
    if problem := blank_problem(value):
        raise ValidationError(problem, code="blank")
