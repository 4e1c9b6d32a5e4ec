"""Apply the escalation rules once (cron, on any number of machines: idempotent, one case per question)
and accept silent askers' solutions (`moderation.cases.acceptance.auto_accept_silent`)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from moderation.cases import acceptance, escalation


class Command(BaseCommand):
    help = "Escalate unresolved questions to support cases (no answer, no accepted answer, priority keywords)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count the questions each rule would escalate.")

    def handle(self, *args, dry_run: bool = False, **options):
        started = time.monotonic()
        now = timezone.now()
        counts = escalation.sweep(now, dry_run=dry_run)
        verb = "would open" if dry_run else "opened"
        for reason, count in counts.items():
            self.stdout.write(f"{reason}: {verb} {count}")
        if not dry_run:
            self.stdout.write(f"accepted for silent askers: {acceptance.auto_accept_silent(now)}")
        self.stdout.write(f"total: {sum(counts.values())} in {time.monotonic() - started:.2f} s")
