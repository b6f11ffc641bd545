"""The demo's two logins: a staff member and the editor of Talentencampus Oss."""

from __future__ import annotations

from knooppunt.accounts.models import Editorship, User
from knooppunt.accounts.services import editorship_grant
from knooppunt.registry.models import OrganisationSourceId
from knooppunt.synthetic.demo.registry import SOURCE

DEMO_STAFF_EMAIL = "staf@knooppunt.example"
DEMO_STAFF_PASSWORD = "demo-knooppunt-2026"  # noqa: S105 - a published demo login, never production
DEMO_EDITOR_EMAIL = "redacteur@knooppunt.example"
DEMO_EDITOR_PASSWORD = "demo-redacteur-2026"  # noqa: S105 - idem
DEMO_EDITOR_ORGANISATION = "seed:talentencampus-oss"


def _account(email: str, password: str, full_name: str, *, staff: bool) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        return User.objects.create_user(
            email, password, full_name=full_name, is_staff=staff, is_superuser=staff
        )
    if not user.check_password(password) or user.is_staff != staff or not user.is_active:
        user.set_password(password)  # the printed demo login must keep working
        user.is_staff = user.is_superuser = staff
        user.is_active = True
        user.save()
    return user


def load() -> dict[str, int]:
    """Create (or repair) the two demo logins; the editor edits Talentencampus Oss."""
    _account(DEMO_STAFF_EMAIL, DEMO_STAFF_PASSWORD, "Demo Stafmedewerker", staff=True)
    editor = _account(DEMO_EDITOR_EMAIL, DEMO_EDITOR_PASSWORD, "Demo Redacteur", staff=False)
    organisation = OrganisationSourceId.objects.select_related("organisation").get(
        source=SOURCE, external_id=DEMO_EDITOR_ORGANISATION
    )
    editorship_grant(actor=None, user=editor, organisation=organisation.organisation)
    return {"editorships": Editorship.objects.count()}
