import tempfile
from pathlib import Path

from .base import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]  # demo content, seeding and the benchmark are tested too
SECRET_KEY = "test-only-insecure-key"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {  # noqa: F405
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PORTAL_BASE_URL = WAGTAILADMIN_BASE_URL = "http://testserver"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405 - live-server and test threads must not keep connections open
# Stamps in files, as in the embedded default, but fresh for every test run (portal/stamps.py).
PORTAL_STAMPS_DIR = None if REDIS_URL else Path(tempfile.mkdtemp(prefix="portal-stamps-"))  # noqa: F405
