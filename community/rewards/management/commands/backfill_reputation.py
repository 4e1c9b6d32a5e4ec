"""Write the reputation history of existing votes, acceptances and removals (idempotent; bulk)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from community.rewards.backfill import backfill


class Command(BaseCommand):
    help = "Write the reputation ledger history of existing votes, acceptances and removals, then fix every total."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be written; write nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        report = backfill(dry_run=dry_run)
        prefix = "would write" if dry_run else "written"
        self.stdout.write(
            f"{prefix}: {report.written} ledger rows (votes {report.votes}, acceptances {report.acceptances}, "
            f"removals {report.removals}); already in the ledger: {report.skipped}"
        )
        if not dry_run:
            self.stdout.write(f"totals fixed for {report.members} members")
