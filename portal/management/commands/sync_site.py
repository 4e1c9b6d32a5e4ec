"""Write the public address (PORTAL_BASE_URL, or HOST/PORT) to the default Wagtail Site record. Idempotent."""

from django.core.management.base import BaseCommand

from portal.site_url import base_url, sync_default_site


class Command(BaseCommand):
    help = "Point the default Wagtail Site (hostname, port) at settings.PORTAL_BASE_URL."

    def handle(self, *args, **options):
        site, changed = sync_default_site()
        if site is None:
            self.stdout.write("No default site yet (run load_demo or create one in the admin); nothing to do.")
        elif changed:
            self.stdout.write(f"Site updated: {site.hostname}:{site.port} ({base_url()})")
        else:
            self.stdout.write(f"Site already at {site.hostname}:{site.port} ({base_url()})")
