"""Embedded default: SQLite, local-memory cache, immediate tasks, mail written to var/mail.

Adds `devtools` (demo content, bulk seeding, the benchmark), which production settings never install."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-do-not-use-in-production"  # noqa: F405

INSTALLED_APPS = [*INSTALLED_APPS, "devtools"]  # on top of every product app
