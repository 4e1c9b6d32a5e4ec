"""Award every badge existing data qualifies for, in bulk. Idempotent and safe to run from cron (it is also how
`popular_question` is awarded: view counts change without events)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from community.rewards import badges


class Command(BaseCommand):
    help = "Award the badges existing questions, answers, votes and acceptances qualify for (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--only", action="append", metavar="CODE", choices=sorted(badges.RULES),
                            help="Only this badge (repeatable).")

    def handle(self, *args, only=None, **options):
        started = time.monotonic()
        try:
            created = badges.backfill(only)
        except badges.BadgeError as exc:
            raise CommandError(str(exc)) from exc
        for code, count in created.items():
            self.stdout.write(f"{code}: {count} new")
        total = sum(created.values())
        self.stdout.write(self.style.SUCCESS(f"{total} badge(s) awarded in {time.monotonic() - started:.1f}s"))
