"""Rebuild every reputation / reward-point total and rank from the ledgers and print each difference."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from community.rewards import ledger


class Command(BaseCommand):
    help = "Rebuild every member's reputation, reward points and rank from the ledgers; print each difference."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Change nothing; exit with status 1 when any total differs.")

    def handle(self, *args, check: bool = False, **options):
        differences = ledger.recompute(fix=not check)
        for user_id, name, stored, expected in differences:
            self.stdout.write(f"user {user_id}: {name} {stored} -> {expected}")
        if not differences:
            self.stdout.write("none")
            return
        self.stdout.write(f"{len(differences)} difference(s){'' if check else ' fixed'}")
        if check:
            raise SystemExit(1)
