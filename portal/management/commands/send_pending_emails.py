"""Send notification emails whose task failed or never ran (run from cron every few minutes).

Idempotent: each notification is claimed before it is sent, so it is never emailed twice.
"""

from django.core.management.base import BaseCommand

from portal.tasks import pending_emails, send_notification_email


class Command(BaseCommand):
    help = "Retry notification emails that were not sent (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=600, help="Only notifications older than this many seconds.")

    def handle(self, older_than, **options):
        sent = failed = 0
        for pk in pending_emails(older_than):
            try:
                sent += bool(send_notification_email.call(pk))
            except Exception as error:  # noqa: BLE001 - report and go on with the next one
                failed += 1
                self.stderr.write(f"Notification {pk}: {error}")
        self.stdout.write(f"Pending notification emails: {sent} sent, {failed} failed.")
