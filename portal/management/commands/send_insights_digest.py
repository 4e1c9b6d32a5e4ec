"""Send this week's Insights digest to every subscriber who has not had it (cron: e.g. Mondays 07:00 UTC).
Safe to run on several machines at once: each (subscriber, week) is claimed before its email goes out."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from portal.insights import digest


class Command(BaseCommand):
    help = "Send the weekly Insights digest to subscribed staff (one per subscriber and week)."

    def handle(self, *args, **options):
        counts = digest.send_weekly()
        self.stdout.write(f"Insights digest: {counts['sent']} sent, {counts['skipped']} skipped, {counts['failed']} failed.")
