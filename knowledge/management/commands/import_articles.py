from django.core.management.base import BaseCommand, CommandError

from knowledge.importer import import_articles


class Command(BaseCommand):
    help = "Import a folder of Markdown articles with front matter (title, summary, tags, topic, language, slug)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--draft", action="store_true", help="Save as drafts instead of publishing.")

    def handle(self, path, draft=False, **options):
        report = import_articles(path, publish=not draft)
        for name in report.created:
            self.stdout.write(f"created  {name}")
        for name in report.updated:
            self.stdout.write(f"updated  {name}")
        for name, reason in report.skipped:
            self.stdout.write(f"skipped  {name}: {reason}")
        for name, reason in report.failed:
            self.stderr.write(f"FAILED   {name}: {reason}")
        self.stdout.write(
            f"{len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.skipped)} skipped, {len(report.failed)} failed"
        )
        if report.failed:
            raise CommandError(f"{len(report.failed)} file(s) could not be imported; nothing of them was written.")
