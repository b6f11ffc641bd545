"""The introduction workflow (see docs/workflows.md, generated from this definition)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from knooppunt.core.workflow import State, Transition, Workflow
from knooppunt.matching.models import Introduction, IntroductionStatus
from knooppunt.matching.permissions import (
    can_answer_introduction,
    can_send_direct_introduction,
    can_send_introduction_request,
)

S = IntroductionStatus


def not_reminded_yet(introduction: Any) -> bool:
    """The target has not been reminded yet (a reminder goes out once)."""
    return introduction.reminded_at is None


INTRODUCTION: Workflow[Introduction] = Workflow(
    "introduction",
    model=Introduction,
    title="Introductions (matching)",
    description=(
        "A seeker (an editor on behalf of their organisation, or staff) asks to be "
        "introduced to an organisation found on the match page, the member suggestions "
        "of a partnership, or an organisation's page; a broker (staff) can also introduce "
        "two organisations directly. Services: `matching.services.introduction_request`, "
        "`introduction_answer`, `introductions_housekeeping` (`knooppunt "
        "remind-introductions`, daily)."
    ),
    states=[
        State(
            S.REQUESTED,
            S.REQUESTED.label,
            description="waiting for the target's answer; the target's editors are mailed "
            "(else its general address, else the brokers)",
        ),
        State(
            S.ACCEPTED,
            S.ACCEPTED.label,
            terminal=True,
            description="both parties now see each other's contact details; the requester "
            "is mailed",
        ),
        State(
            S.DECLINED,
            S.DECLINED.label,
            terminal=True,
            description="nothing is shared; the requester is mailed",
        ),
        State(
            S.EXPIRED,
            S.EXPIRED.label,
            terminal=True,
            description="no answer within 30 days",
        ),
    ],
    transitions=[
        Transition(
            "request",
            (),
            S.REQUESTED,
            _("Ask for an introduction"),
            "matching.introduction.requested",
            who=can_send_introduction_request,
        ),
        Transition(
            "introduce",
            (),
            S.REQUESTED,
            _("Introduce two organisations"),
            "matching.introduction.introduced",
            who=can_send_direct_introduction,
            description="both parties are mailed",
        ),
        Transition(
            "accept",
            (S.REQUESTED,),
            S.ACCEPTED,
            _("Accept"),
            "matching.introduction.accepted",
            who=can_answer_introduction,
        ),
        Transition(
            "decline",
            (S.REQUESTED,),
            S.DECLINED,
            _("Decline"),
            "matching.introduction.declined",
            who=can_answer_introduction,
        ),
        Transition(
            "remind",
            (S.REQUESTED,),
            S.REQUESTED,
            _("Remind the target"),
            "matching.introduction.reminded",
            system=True,
            when=not_reminded_yet,
            description="7 days after the request, recorded only once the reminder mail "
            "has really been sent",
        ),
        Transition(
            "expire",
            (S.REQUESTED,),
            S.EXPIRED,
            _("Expire"),
            "matching.introduction.expired",
            system=True,
            description="30 days after the request",
        ),
    ],
)
