"""Writes for accounts: invitations and editorships."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from axes.utils import reset as axes_reset
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from knooppunt.accounts.models import Editorship, Invitation, User
from knooppunt.core.audit import audit_log


@transaction.atomic
def invitation_create(
    *, actor: Any, email: str, role: str, organisation: Any = None, accept_url_base: str
) -> Invitation:
    """Create an invitation and email its link (`accept_url_base` + token)."""
    invitation = Invitation(
        email=email.lower(),
        role=role,
        organisation=organisation if role == Invitation.Role.EDITOR else None,
        token=secrets.token_urlsafe(32),
        invited_by=actor,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    invitation.full_clean()
    invitation.save()
    link = accept_url_base + invitation.token + "/"
    body = render_to_string(
        "accounts/email/invitation.txt",
        {"invitation": invitation, "link": link, "days": settings.INVITATION_VALID_DAYS},
    )
    transaction.on_commit(
        lambda: send_mail(_("Your invitation to Knooppunt"), body, None, [invitation.email])
    )
    audit_log(
        actor=actor,
        action="accounts.invitation.created",
        target=organisation if organisation is not None else invitation,
        changes={"email": [None, invitation.email], "role": [None, role]},
    )
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, full_name: str, password: str) -> User:
    """Create (or reuse) the invitee's account and give it the invited role."""
    if not invitation.is_open:
        raise ValidationError(_("This invitation has expired or was already used."))
    user = User.objects.filter(email__iexact=invitation.email).first()
    if user is None:
        user = User.objects.create_user(invitation.email, password, full_name=full_name)
    elif not user.check_password(password):
        raise ValidationError(_("This is not the password of your existing account."))
    if invitation.role == Invitation.Role.STAFF and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    if invitation.role == Invitation.Role.EDITOR and invitation.organisation is not None:
        editorship_grant(actor=user, user=user, organisation=invitation.organisation)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit_log(
        actor=user,
        action="accounts.invitation.accepted",
        target=invitation,
        changes={"email": [None, invitation.email]},
    )
    return user


@transaction.atomic
def editorship_grant(*, actor: Any, user: User, organisation: Any) -> Editorship:
    editorship, created = Editorship.objects.get_or_create(user=user, organisation=organisation)
    if created:
        audit_log(
            actor=actor,
            action="accounts.editorship.granted",
            target=organisation,
            changes={"editor": [None, str(user)]},
        )
    return editorship


@transaction.atomic
def login_lockout_release(*, actor: Any, username: str, ip_address: str) -> int:
    """Forget the failed logins of `username` from `ip_address` (lifting a lockout).

    Returns how many attempt records were removed; only a removal is audited. The entry
    names the account, not the address (that is the attempt's, and personal data).
    """
    username = username.strip().lower()
    if not username or not ip_address:
        return 0
    removed = axes_reset(ip=ip_address, username=username)
    if removed:
        account = User.objects.filter(email__iexact=username).first()
        audit_log(
            actor=actor,
            action="accounts.lockout.released",
            target=account if account is not None else actor,
            changes={"account": [username, username]},
        )
    return removed


def user_delete(*, actor: Any, user: User) -> None:
    """Delete an account (staff, in the admin)."""
    audit_log(
        actor=actor,
        action="accounts.user.deleted",
        target=user,
        changes={"email": [user.email, None]},
    )
    user.delete()
