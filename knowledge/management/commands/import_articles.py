from django.core.management.base import BaseCommand, CommandError

from knowledge.importer import SLUG_RE, import_articles


class Command(BaseCommand):
    help = (
        "Import a folder of Markdown articles with front matter (title, summary, tags, topic, language, slug). "
        "Each file is imported whole or not at all."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--draft", action="store_true", help="Save as drafts instead of publishing.")
        parser.add_argument("--topic", metavar="SLUG", default="", help="The topic of files whose front matter names none.")
        parser.add_argument(
            "--create-topics", action="store_true",
            help="Create a topic that does not exist yet (under the home page of the file's language), "
            "titled by the file's topic_title or after its slug. Without it, such files fail.",
        )

    def handle(self, path, draft=False, topic="", create_topics=False, **options):
        if topic and not SLUG_RE.match(topic):
            raise CommandError(f"--topic {topic!r}: a topic slug is lowercase letters, digits and hyphens.")
        report = import_articles(path, publish=not draft, default_topic=topic, create_topics=create_topics)
        for name in report.created:
            self.stdout.write(f"created  {name}")
        for name in report.updated:
            self.stdout.write(f"updated  {name}")
        for name, reason in report.skipped:
            self.stdout.write(f"skipped  {name}: {reason}")
        for name, note in report.warnings:
            self.stdout.write(f"warning  {name}: {note}")
        for name, reason in report.failed:
            self.stderr.write(f"FAILED   {name}: {reason}")
        self.stdout.write(
            f"{len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.skipped)} skipped, {len(report.failed)} failed"
        )
        if report.failed:
            raise CommandError(f"{len(report.failed)} file(s) could not be imported; nothing of them was written.")
