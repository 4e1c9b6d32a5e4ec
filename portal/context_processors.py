from functools import partial

from django.conf import settings

from .notifications import unread_count
from .paths import chrome_links


def _unread(user) -> int:
    return unread_count(user)


def portal(request):
    # A callable: the template calls it (one COUNT query) only where the signed-in header shows the bell.
    return {
        "PORTAL_LANGUAGES": settings.LANGUAGES, "unread_notifications": partial(_unread, request.user), "nav": chrome_links(),
    }
