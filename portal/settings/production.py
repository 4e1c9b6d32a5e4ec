"""Production: refuses to start without SECRET_KEY or with DEBUG on."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool, env_list

if not SECRET_KEY:  # noqa: F405
    raise ImproperlyConfigured("SECRET_KEY must be set in the environment for production.")
if DEBUG:  # noqa: F405
    raise ImproperlyConfigured("DEBUG must be off in production.")

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Safe only if the proxy in front always overwrites X-Forwarded-Proto (never passes a client's through).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
# Opt-in: includeSubDomains binds every subdomain of the site's domain to HTTPS, and preload (which needs
# includeSubDomains) does so in browsers for good, for the whole registrable domain.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", SECURE_HSTS_PRELOAD)
# check --deploy warns about the two when they are off; that is the default chosen above, not an oversight.
SILENCED_SYSTEM_CHECKS = [
    *globals().get("SILENCED_SYSTEM_CHECKS", []),
    *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
    *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not os.environ.get("PORTAL_BASE_URL") and ALLOWED_HOSTS and ALLOWED_HOSTS[0][0] not in "*.":
    # HOST/PORT are the bind address behind the proxy, not the public one: default to the site's own name.
    PORTAL_BASE_URL = WAGTAILADMIN_BASE_URL = f"https://{ALLOWED_HOSTS[0]}"
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
LOGGING["root"]["level"] = os.environ.get("LOG_LEVEL", "INFO")  # noqa: F405
