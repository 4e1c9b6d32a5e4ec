"""Benchmark settings (`make bench`): the embedded default as served in production mode.

Same apps (devtools included: the bench command, seed_bulk, load_demo), middleware, database and cache as dev; DEBUG off so that nothing debug-only (SQL query
logging, static serving from views, debug error pages) skews the numbers. The URLconf adds a trivial
view, the yardstick every page is compared with; it goes through the very same middleware stack.
"""

from .dev import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "devtools.bench_urls"
ALLOWED_HOSTS = [*ALLOWED_HOSTS, *(h for h in ("127.0.0.1", "localhost") if h not in ALLOWED_HOSTS)]
PORTAL_SEARCH_THROTTLE = False  # wrk is one client running the same search thousands of times a second

# Quiet: a benchmark writes its table, not a log line per request. Errors still show.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "ERROR"},
}
