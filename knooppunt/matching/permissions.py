"""Who may do what in matching; built on `accounts.permissions`.

- Anyone may use the match page and read the guides; suggestions are computed from
  the public registry only.
- Asking *as* an organisation (its themes, place, offers and partners count): its
  editors and staff, on the website and through the API alike.
- Suggested new members of a partnership: the partnership's editors and staff, on the
  website and through the API alike.
- Asking for an introduction: someone who edits the requesting organisation, or staff.
- An introduction is seen by the editors of both organisations and by staff; the
  target's editors (or staff) answer it.
- Contact details of the other party: only once the introduction is accepted.
- Guides are written by staff.
"""

from __future__ import annotations

from typing import Any

from knooppunt.accounts.permissions import (
    can_edit_organisation,
    can_edit_partnership,
    editable_organisation_ids,
    is_staff,
)


def can_request_introduction(user: Any, requester: Any) -> bool:
    return user.is_authenticated and can_edit_organisation(user, requester)


def can_introduce_directly(user: Any) -> bool:
    """A broker puts two parties in touch without either asking."""
    return is_staff(user)


def can_send_introduction_request(user: Any, introduction: Any) -> bool:
    """Editors of the requesting organisation, and staff."""
    return can_request_introduction(user, introduction.requester)


def can_send_direct_introduction(user: Any, introduction: Any) -> bool:
    """Staff (brokers)."""
    return can_introduce_directly(user)


def is_party(user: Any, introduction: Any) -> bool:
    ids = editable_organisation_ids(user)
    return introduction.requester_id in ids or introduction.target_id in ids


def can_view_introduction(user: Any, introduction: Any) -> bool:
    return is_staff(user) or is_party(user, introduction)


def can_answer_introduction(user: Any, introduction: Any) -> bool:
    """The target's editors, and staff, while the request is open."""
    if not introduction.is_open:
        return False
    return is_staff(user) or introduction.target_id in editable_organisation_ids(user)


def can_see_contact_details(user: Any, introduction: Any) -> bool:
    """The other party's contact details: parties and staff, after acceptance."""
    return introduction.status == "accepted" and can_view_introduction(user, introduction)


def can_edit_partner_profile(user: Any, organisation: Any) -> bool:
    return can_edit_organisation(user, organisation)


def can_match_as_organisation(user: Any, organisation: Any) -> bool:
    return user.is_authenticated and can_edit_organisation(user, organisation)


def can_view_member_suggestions(user: Any, partnership: Any) -> bool:
    return user.is_authenticated and can_edit_partnership(user, partnership)


def can_edit_guides(user: Any) -> bool:
    return is_staff(user)
