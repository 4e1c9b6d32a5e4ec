from django.core.management.base import BaseCommand

from knowledge.services import flush_article_views


class Command(BaseCommand):
    help = "Move article view counts from the cache into daily rows (run from cron every few minutes)."

    def handle(self, **options):
        self.stdout.write(f"{flush_article_views()} view(s) flushed")
