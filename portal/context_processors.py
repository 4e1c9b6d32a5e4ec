from functools import partial

from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from .notifications import unread_count
from .paths import chrome_links


def _unread(user) -> int:
    return unread_count(user)


def portal(request):
    # A callable: the template calls it (one COUNT query) only where the signed-in header shows the bell.
    # No user yet when a 400 page is rendered for a request refused before authentication (a bad Host).
    user = getattr(request, "user", None) or AnonymousUser()
    return {
        "PORTAL_LANGUAGES": settings.LANGUAGES, "unread_notifications": partial(_unread, user), "nav": chrome_links(),
        "SUPPORT_EMAIL": settings.SUPPORT_EMAIL,
    }
