from django.core.management.base import BaseCommand

from knowledge.services import recompute_helpfulness


class Command(BaseCommand):
    help = "Rebuild the helpful/not-helpful counters from the feedback rows."

    def handle(self, **options):
        self.stdout.write(f"{recompute_helpfulness()} counter row(s) corrected")
