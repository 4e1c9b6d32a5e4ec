"""Send the webhook deliveries that are due: retries whose time has come, rows whose task never ran, rows a
crashed worker left claimed (once the claim expired). Idempotent; safe to run from cron on several machines
at once (each row is claimed and committed before it is sent, and a claimed row is skipped)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from moderation.webhooks import delivery


class Command(BaseCommand):
    help = "Send due webhook deliveries (retries with exponential backoff)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="At most this many deliveries per run.")

    def handle(self, *args, limit: int, **options):
        counts = delivery.sweep(limit=max(1, limit))
        self.stdout.write(
            f"webhooks: {counts['delivered']} delivered, {counts['retrying']} to retry, {counts['failed']} failed"
        )
