"""The registry's rules, each written once.

Model fields and `clean()` (and so the forms and the services' `full_clean()`), the API's
input schemas and the interchange import all take their limits and checks from here;
nobody keeps a copy. Each check is a plain function returning the problem as a message
(or None), cheap enough for the importer to call for every cell of a national registry.

The text rules shared with other apps (one line, no control characters, not blank) are
in `knooppunt.core.validators`.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

# --- kinds -------------------------------------------------------------------------------------

# The organisation kinds that are schools (values of models.OrganisationKind).
SCHOOL_KINDS = frozenset({"school_vo", "school_mbo", "school_hbo", "school_wo"})

# --- lengths -------------------------------------------------------------------------------------

NAME_MAX = 200  # organisations and partnerships
PERSON_NAME_MAX = 150
FUNCTION_MAX = 150  # a person's function; what a contact person is the contact for
CITY_MAX = 100
PHONE_MAX = 30
URL_MAX = 200
EMAIL_MAX = 254
TEXT_MAX = 20_000  # description, goals
EXTERNAL_ID_MAX = 200  # an id in an imported file

# --- codes ---------------------------------------------------------------------------------------

BRIN_PATTERN = r"[0-9]{2}[A-Z0-9]{2}"
KVK_PATTERN = r"[0-9]{8}"
BRIN_MESSAGE = _("A BRIN code is 2 digits and 2 letters or digits, e.g. 25LJ.")
KVK_MESSAGE = _("A KvK number has 8 digits.")
_BRIN = re.compile(BRIN_PATTERN)
_KVK = re.compile(KVK_PATTERN)

# --- years ---------------------------------------------------------------------------------------

YEAR_MIN, YEAR_MAX = 1900, 2100


def brin_problem(value: str) -> str | None:
    """A BRIN code's format (an empty value is fine: the field is optional)."""
    if value and not _BRIN.fullmatch(value):
        return str(BRIN_MESSAGE)
    return None


def kvk_problem(value: str) -> str | None:
    """A KvK number's format (an empty value is fine: the field is optional)."""
    if value and not _KVK.fullmatch(value):
        return str(KVK_MESSAGE)
    return None


def school_brin_problem(kind: str, brin: str | None) -> str | None:
    """Only schools have a BRIN code."""
    if brin and kind not in SCHOOL_KINDS:
        return str(_("Only schools have a BRIN code."))
    return None


def year_order_problem(first: int | None, last: int | None) -> str | None:
    """An end year (or `until`) is not before the start year (or `since`)."""
    if first and last and last < first:
        return str(_("The end year cannot be before the start year."))
    return None


def year_problem(value: int) -> str | None:
    """A year in the range the registry accepts."""
    if not YEAR_MIN <= value <= YEAR_MAX:
        return str(_("A year is between %(min)d and %(max)d.") % {"min": YEAR_MIN, "max": YEAR_MAX})
    return None


def too_long_problem(value: str, limit: int) -> str | None:
    if len(value) > limit:
        return str(
            _("Too long: at most %(limit)d characters, this has %(length)d.")
            % {"limit": limit, "length": len(value)}
        )
    return None
