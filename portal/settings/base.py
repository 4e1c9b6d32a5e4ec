"""Settings shared by every environment. Everything that differs comes from the environment."""

import os
import zoneinfo
from email.utils import parseaddr
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "portal",
    "knowledge",
    "community",
    "community.rewards",
    "moderation",
    "search",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.simple_translation",
    "wagtail.contrib.table_block",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.locales",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.middleware.CompressionMiddleware",  # gzip for text responses (after WhiteNoise: static files come precompressed)
    "portal.middleware.SecurityHeadersMiddleware",
    "portal.middleware.PrivateCacheMiddleware",  # signed-in members' pages: Cache-Control: private, no-store
    "portal.middleware.NulByteGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "portal.middleware.ReaderTimeZoneMiddleware",  # times in the page language's zone (Japanese: JST); not the admin
    "portal.insights.pageviews.PageViewMiddleware",  # counts public HTML pages (below LocaleMiddleware: knows the language)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.middleware.NotAllowedPageMiddleware",  # a GET on a POST-only address: a styled 405 page
    "portal.middleware.StaffTwoFactorMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "portal.urls"
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"  # a styled, translated page: the form expired, go back and send again
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "portal.context_processors.portal",
            ],
        },
    },
]

# --- Database: DATABASE_URL, default an SQLite file -------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work at once; IMMEDIATE makes write transactions take the
    # write lock up front instead of failing with "database is locked" on upgrade. Connections persist
    # (CONN_MAX_AGE above) so that each worker keeps its page cache (up to 64 MB: the search index's hot
    # pages) and memory-maps the file instead of reading it page by page on every request.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: REDIS_URL, default local memory --------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "portal"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portal"}}
# Version stamps (portal/stamps.py) every process must agree on: in Redis when there is one, else small files
# on this machine (each process's local-memory cache is its own; a command's change must reach the server).
PORTAL_STAMPS_DIR = None if REDIS_URL else VAR_DIR / "stamps"
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Background tasks (Django Tasks API) ------------------------------------------------------
TASK_BACKEND = os.environ.get("TASK_BACKEND", "immediate")
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks_db.DatabaseBackend"
            if TASK_BACKEND == "database"
            else "django_tasks.backends.immediate.ImmediateBackend"
        )
    }
}

# --- Email: EMAIL_URL-style settings; default writes files under var/mail --------------------
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Nimbus Home Support <support@nimbus-home.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where a customer who cannot sign in writes (password reset, verification mail that never came): shown on those pages.
SUPPORT_EMAIL = os.environ.get("SUPPORT_EMAIL") or parseaddr(DEFAULT_FROM_EMAIL)[1]

# --- Search -------------------------------------------------------------------------------------
ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
ELASTICSEARCH_COMPAT = os.environ.get("ELASTICSEARCH_COMPAT", "")
ELASTICSEARCH_TIMEOUT = float(os.environ.get("ELASTICSEARCH_TIMEOUT", "1.0"))  # seconds; then the database answers
SEARCH_INDEX_ALIAS = os.environ.get("SEARCH_INDEX_ALIAS", "portal-docs")
SEARCH_JAPANESE_ANALYZER = os.environ.get("SEARCH_JAPANESE_ANALYZER", "cjk")  # or "kuromoji" (cluster plugin)
# Identical searches within this many seconds share one result (keyed by the index generation, so a new
# or changed document is never hidden by it); 0 turns the result cache off.
SEARCH_RESULT_CACHE_SECONDS = int(os.environ.get("PORTAL_SEARCH_CACHE_SECONDS", "120"))
# How long an Insights report's figures and rendered cards are kept (0: every view computes them; the page says how
# old its figures may be).
INSIGHTS_CACHE_SECONDS = int(os.environ.get("PORTAL_INSIGHTS_CACHE_SECONDS", "300"))  # "opensearch" for OpenSearch engines
# Per-client limits on /search/ and /search/suggest/ (search/views.py); `make bench` turns them off
# because it measures the engine from one client.
PORTAL_SEARCH_THROTTLE = env_bool("PORTAL_SEARCH_THROTTLE", True)
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

# --- Auth and accounts (django-allauth) ----------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Nimbus Home] "
ACCOUNT_ADAPTER = "portal.accounts.AccountAdapter"
# No "unknown account" emails (password reset or email verification for an address without an account);
# ACCOUNT_PREVENT_ENUMERATION (on by default) keeps the responses the same either way.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, stated so that they are visible and reviewable.
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "reauthenticate": "10/m/user",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
    "login": "30/m/ip",
    # The "key" of login_failed is the login *and* the client address (portal.accounts.AccountAdapter), so
    # five wrong passwords lock out the client that typed them, not the account's owner elsewhere.
    "login_failed": "10/m/ip,5/5m/key",
    "confirm_email": "1/3m/key",
}
# Reverse proxies of ours in front of the application (see portal/ratelimit.py): off by default, so a
# client cannot choose its rate-limit bucket by writing X-Forwarded-For. allauth's limits use the same
# client address (portal.accounts.AccountAdapter.get_client_ip).
PORTAL_TRUSTED_PROXY_COUNT = int(os.environ.get("PORTAL_TRUSTED_PROXY_COUNT", "0"))
PORTAL_TRUSTED_PROXIES = env_list("PORTAL_TRUSTED_PROXIES")
# /healthz names its components (database, search engine, task backlog) only to these addresses or networks
# (the client as `client_ip` tells it, so a trusted proxy's X-Forwarded-For counts); others get the status.
PORTAL_HEALTHZ_DETAIL_FROM = env_list("PORTAL_HEALTHZ_DETAIL_FROM", "127.0.0.0/8,::1")
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_FORMS = {  # codes typed in full width or with the app's space still work (portal/mfa_forms.py)
    "activate_totp": "portal.mfa_forms.ActivateTOTPForm",
    "authenticate": "portal.mfa_forms.AuthenticateForm",
    "reauthenticate": "portal.mfa_forms.ReauthenticateForm",
}
MFA_TOTP_ISSUER = "Nimbus Home Support"
PORTAL_STAFF_REQUIRE_2FA = env_bool("PORTAL_STAFF_REQUIRE_2FA", True)

# --- Internationalisation ------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ja", _("Japanese"))]
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
# Times shown to a reader of these languages are in this zone ("2026年12月7日 12:52 JST"); others see TIME_ZONE.
# Stored times and the days counts are kept by stay UTC (portal.timezones). The admin uses each user's own choice.
PORTAL_LANGUAGE_TIME_ZONES = {"ja": "Asia/Tokyo"}
FORMAT_MODULE_PATH = ["portal.formats"]  # Django's formats with the zone after every time ("7:52 p.m. UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media files ----------------------------------------------------------------------
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_URL = "/static/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "portal.storage.StaticStorage"},  # WhiteNoise's, url() memoised
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- Wagtail ---------------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Nimbus Home Help Center"


def default_base_url(host: str = "", port: str = "") -> str:
    """The public address when PORTAL_BASE_URL is unset: where `HOST`/`PORT` (as scripts/serve.sh reads them)
    serve the site. A wildcard bind address (0.0.0.0, ::) is reached as 127.0.0.1."""
    host = (host or "127.0.0.1").strip()
    if host in {"0.0.0.0", "::", "[::]", "*"}:  # noqa: S104 - a bind address, mapped to loopback here
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    port = (port or "8000").strip()
    return f"http://{host}" + ("" if port == "80" else f":{port}")


# One public address for every absolute link (sitemap, canonical and hreflang links, JSON-LD, emails, the
# admin); `manage.py sync_site` writes it to the Wagtail Site record.
PORTAL_BASE_URL = (
    os.environ.get("PORTAL_BASE_URL") or default_base_url(os.environ.get("HOST", ""), os.environ.get("PORT", ""))
).rstrip("/")
WAGTAILADMIN_BASE_URL = PORTAL_BASE_URL
PORTAL_SITEMAP_LIMIT = 50_000  # URLs per child sitemap (the protocol's maximum)
PORTAL_SITEMAP_BATCH = 2_000  # rows read per query while a child sitemap streams
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAILEMBEDS_RESPONSIVE_HTML = False  # its wrapper carries an inline style the CSP forbids
WAGTAIL_GRAVATAR_PROVIDER_URL = None  # no third-party avatar requests: staff get initials avatars (portal/wagtail_hooks.py)
# Debian lists "localtime" (a symlink) among the zones; browsers reject it and the admin account page logged a RangeError.
WAGTAIL_USER_TIME_ZONES = sorted(zoneinfo.available_timezones() - {"localtime"})
WAGTAIL_WORKFLOW_REQUIRE_REAPPROVAL_ON_EDIT = True

# --- Security --------------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the form, not the cookie; harmless either way
# Community: reputation needed to create a new tag (moderators and tag editors always may).
COMMUNITY_CREATE_TAG_REPUTATION = int(os.environ.get("COMMUNITY_CREATE_TAG_REPUTATION", "300"))
COMMUNITY_PAGE_SIZE = 30
# Leaderboards: seconds a board's top rows are kept in the cache (0: every board computed on each request).
REWARDS_LEADERBOARD_CACHE_SECONDS = int(os.environ.get("REWARDS_LEADERBOARD_CACHE_SECONDS", "60"))
PORTAL_PAGE_CACHE_SECONDS = int(os.environ.get("PORTAL_PAGE_CACHE_SECONDS", "600"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
WAGTAILADMIN_LOGIN_URL = "/accounts/login/"
