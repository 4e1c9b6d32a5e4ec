from wagtail.contrib.sitemaps import Sitemap
from wagtail.models import Page


class PortalSitemap(Sitemap):
    """Every live public page of the site in every language (Wagtail's lists one locale only)."""

    def items(self):
        root = self.get_wagtail_site().root_page
        roots = Page.objects.filter(translation_key=root.translation_key, depth=root.depth)
        condition = None
        for path in roots.values_list("path", flat=True):
            query = Page.objects.filter(path__startswith=path)
            condition = query if condition is None else condition | query
        return condition.live().public().order_by("path").defer_streamfields().specific()
