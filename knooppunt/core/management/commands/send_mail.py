"""`knooppunt send-mail`: send the mail that is waiting (retries after a failure)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from knooppunt.core.outbox import mail_deliver_due


class Command(BaseCommand):
    help = (
        "Send every queued mail that is due: mail that could not be sent right after the "
        "change it reports is retried with growing pauses. Run it every few minutes."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = mail_deliver_due()
        self.stdout.write(f"Sent {counts['sent']}, not sent {counts['not_sent']}.")
