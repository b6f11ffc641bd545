"""The one permission mechanism: predicates `can_<verb>_<noun>(user, obj) -> bool`.

Views, templates, the admin and the API all ask these. Roles:
- anonymous and viewer: read the public registry;
- organisation editor: edit the organisations they hold an editorship for, those
  organisations' people (a person shared with another organisation only together with
  that organisation's editors: they may unlink the person from their own), and the
  partnerships those organisations lead;
- staff (broker): everything, including the Django admin.
"""

from __future__ import annotations

from typing import Any

ROLE_STAFF = "staff"
ROLE_EDITOR = "editor"
ROLE_VIEWER = "viewer"
ROLE_ANONYMOUS = "anonymous"


def is_staff(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def role_of(user: Any) -> str:
    if not user.is_authenticated:
        return ROLE_ANONYMOUS
    if is_staff(user):
        return ROLE_STAFF
    if editable_organisation_ids(user):
        return ROLE_EDITOR
    return ROLE_VIEWER


def editable_organisation_ids(user: Any) -> frozenset[int]:
    """Ids of the organisations `user` edits (cached on the user object per request)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_editable_org_ids", None)
    if cached is None:
        cached = frozenset(user.editorships.values_list("organisation_id", flat=True))
        user._editable_org_ids = cached
    return cached


def can_use_admin(user: Any) -> bool:
    return is_staff(user)


def can_view_personal_data(user: Any, person: Any) -> bool:
    """Email and phone of a person: staff and editors of one of the person's organisations."""
    if is_staff(user):
        return True
    if not user.is_authenticated:
        return False
    org_ids = {a.organisation_id for a in person.affiliations.all()}
    return bool(org_ids & editable_organisation_ids(user))


def can_create_organisation(user: Any) -> bool:
    return is_staff(user)


def can_edit_organisation(user: Any, organisation: Any) -> bool:
    if is_staff(user):
        return True
    return organisation.pk in editable_organisation_ids(user)


def can_delete_organisation(user: Any, organisation: Any) -> bool:
    return is_staff(user)


def can_view_history(user: Any, obj: Any) -> bool:
    """The audit history names who changed what; shown to those who may edit the object."""
    if is_staff(user):
        return True
    from knooppunt.registry.models import Organisation, Partnership, Person

    if isinstance(obj, Organisation):
        return can_edit_organisation(user, obj)
    if isinstance(obj, Partnership):
        return can_edit_partnership(user, obj)
    if isinstance(obj, Person):
        # Whoever edits one of the person's organisations: they see them there too.
        return can_view_personal_data(user, obj)
    return False


def can_create_partnership(user: Any) -> bool:
    return is_staff(user)


def can_edit_partnership(user: Any, partnership: Any) -> bool:
    if is_staff(user):
        return True
    lead_ids = set(partnership.lead_organisation_ids())
    return bool(lead_ids & editable_organisation_ids(user))


def can_delete_partnership(user: Any, partnership: Any) -> bool:
    return is_staff(user)


def can_create_person_for(user: Any, organisation: Any) -> bool:
    return can_edit_organisation(user, organisation)


def _person_organisation_ids(person: Any) -> set[int]:
    return {a.organisation_id for a in person.affiliations.all()}


def can_edit_person(user: Any, person: Any) -> bool:
    """A person's own data (name, email, phone, consent) is shared by all their organisations:
    staff, or an editor of every one of them."""
    if is_staff(user):
        return True
    org_ids = _person_organisation_ids(person)
    return bool(org_ids) and org_ids <= editable_organisation_ids(user)


def can_unlink_person(user: Any, person: Any, organisation: Any) -> bool:
    """Remove a person from one organisation (not the last one: that is deleting them)."""
    org_ids = _person_organisation_ids(person)
    if organisation.pk not in org_ids or len(org_ids) < 2:
        return False
    return can_edit_organisation(user, organisation)


def can_delete_person(user: Any, person: Any) -> bool:
    """Staff; or an editor of the person's only organisation. A shared person needs staff."""
    if is_staff(user):
        return True
    return len(_person_organisation_ids(person)) == 1 and can_edit_person(user, person)


def can_invite(user: Any) -> bool:
    return is_staff(user)


def can_manage_imports(user: Any, run: Any = None) -> bool:
    """Staff: upload, confirm, retry and discard registry imports."""
    return is_staff(user)


def can_release_lockouts(user: Any) -> bool:
    """See who is locked out of logging in after too many wrong passwords, and let them in."""
    return is_staff(user)


def can_review_places(user: Any) -> bool:
    """The list of organisations and partnerships without a municipality (to fix places)."""
    return is_staff(user)
