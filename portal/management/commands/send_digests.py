"""Daily digest: one email per member listing the notifications they chose to get as a digest.

Idempotent and safe to run from cron on several machines at once: each notification is claimed before
it is sent, so a second run (or a concurrent one) finds nothing left to send.
"""

from django.core.management.base import BaseCommand

from portal.tasks import digest_recipients, send_digest


class Command(BaseCommand):
    help = "Send the daily notification digest emails (idempotent)."

    def handle(self, **options):
        emails = notifications = 0
        for user_id in digest_recipients():
            sent = send_digest(user_id)
            if sent:
                emails += 1
                notifications += sent
        self.stdout.write(f"Digests: {emails} emails covering {notifications} notifications.")
