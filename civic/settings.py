"""Civic settings: one module, every deploy-time value from the environment.

With no environment at all the site runs for development: SQLite and uploads in
./data, DEBUG on, emails printed to the console. With DEBUG=false it refuses to
start on an unsafe value.
"""

from __future__ import annotations

import json
import os
import sys
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "")
    return float(value) if value.strip() else default


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = os.environ.get(name, "")
    if not value.strip():
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


TESTING = "pytest" in sys.modules or env_bool("TESTING")
DEBUG = env_bool("DEBUG", True)
DATA_DIR = Path(env("DATA_DIR", str(BASE_DIR / "data")))

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false.")
    SECRET_KEY = "insecure-development-key-only-for-debug-mode"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["*"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is false.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The public address of the site, used in emails and absolute API URLs when
# there is no request to build them from.
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env("SITE_NAME", "Civic")
# The licence of the open data downloads (/reports/data/). ODbL: a database licence whose
# share-alike keeps merged data sets open, and the one OpenStreetMap data (the gazetteer's
# addresses may come from it) is under.
DATA_LICENCE = env("DATA_LICENCE", "ODbL 1.0")
DATA_LICENCE_URL = env("DATA_LICENCE_URL", "https://opendatacommons.org/licenses/odbl/1-0/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "django_htmx",
    # The rooms, bottom to top (docs/architecture.md): each imports only those above it here.
    "civic",
    "places",
    "discussions",
    "reports",
    "triage",
    "open311",
    "delivery",
    "alerts",
    "accountability",
    "volunteers",
    "civic_site",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "civic.csp.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Public API and map answers, kept per data version, are answered from here.
    "civic.kept.PublicCacheMiddleware",
    # The live poll's "nothing new" for a visible thread.
    "discussions.middleware.EmptyPollMiddleware",
    # Open311 writes (api_key, no cookie) go to their view from here.
    "open311.middleware.ApiWriteMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's, for URLs without a language prefix (civic/locale.py).
    "civic.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, with the signed-in user kept per session between changes (civic/signed_in.py).
    "civic.signed_in.KeptAuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "civic_site.urls"
WSGI_APPLICATION = "civic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "civic.context_processors.site",
                # The page cache's CSRF placeholder (after Django's own processor).
                "civic.context_processors.csrf_placeholder",
            ],
        },
    },
]

# Database: SQLite in the data folder unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'civic.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The default database lives in the data folder: make sure it exists.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if TESTING else 600
    # Writers queue for SQLite's one write lock instead of sleeping in its busy handler.
    DATABASES["default"]["ENGINE"] = "civic.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the one writer; IMMEDIATE transactions
        # take the write lock up front instead of failing mid-transaction.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    if TESTING:
        # A test database file rather than SQLite's shared in-memory one: there,
        # connections on other threads (the volunteer sign-up race) fail at once
        # with "database table is locked" instead of waiting for the write lock.
        DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-civic.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A pool per process (psycopg_pool): a request borrows a connection and gives it back,
    # instead of one persistent connection per thread that sits idle between requests.
    # Django refuses a pool beside persistent connections, so CONN_MAX_AGE is 0; with the
    # pool, CONN_HEALTH_CHECKS makes the pool test a connection (one empty query) before
    # lending it, which is what the per-request check cost before: a restarted server
    # then costs no failed request.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("CONN_HEALTH_CHECKS", True)
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        # gunicorn runs 3 workers x 4 threads: a process needs one connection per thread,
        # plus a few for the threads a command or a test starts. 3 x 8 per node stays far
        # below PostgreSQL's 100 connections with two nodes and the worker.
        "pool": {
            "min_size": env_int("DB_POOL_MIN", 2),
            "max_size": env_int("DB_POOL_MAX", 8),
            # A request that waits longer than this for a connection fails rather than
            # queueing behind a backlog it cannot clear.
            "timeout": env_float("DB_POOL_TIMEOUT", 10.0),
        },
        # Server-side limits, in milliseconds: a runaway query cannot hold a connection
        # (and its locks) for ever, nor can a transaction left open by a stuck request.
        # 0 switches a limit off (for a long migration, say).
        "options": (
            f"-c statement_timeout={int(env_float('DB_STATEMENT_TIMEOUT', 30) * 1000)}"
            " -c idle_in_transaction_session_timeout="
            f"{int(env_float('DB_IDLE_IN_TRANSACTION_TIMEOUT', 60) * 1000)}"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: shared between processes. The database cache by default (its table is
# created by a migration), Redis when REDIS_URL is set.
if TESTING:
    # One process, a fresh cache per test run; no table to share.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif env("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("REDIS_URL"),
            # Several sites (or test runs) can share one Redis under different prefixes.
            "KEY_PREFIX": env("CACHE_KEY_PREFIX"),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "civic_cache",
        }
    }

# Rate limits (civic/ratelimit.py) count atomically in "database" (a conditional UPDATE
# on civic.RateCounter) or "redis" (INCR); "cache" uses the default cache's incr, atomic
# on LocMemCache within one process, which is what most tests use.
REDIS_URL = env("REDIS_URL")
RATE_LIMIT_STORAGE = env(
    "RATE_LIMIT_STORAGE", "cache" if TESTING else ("redis" if REDIS_URL else "database")
)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# django-allauth: email and password, email verified by a link.
ACCOUNT_ADAPTER = "civic.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# Sign-up also asks for the display name shown beside what people write.
ACCOUNT_SIGNUP_FORM_CLASS = "civic.forms.SignupForm"
# Sign-up, sign-in and password reset never tell whether an address has an account: with
# enumeration prevention and mandatory verification, signing up with a taken address
# answers exactly like a new one ("check your inbox"), and the owner gets an email instead.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SIGNUP_REDIRECT_URL = "/"
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "account_login"

LANGUAGE_CODE = env("LANGUAGE_CODE", "en")
# Only the languages that ship a complete catalog in locale/ (tests/civic/test_translation.py
# checks it): a browser asking for another language gets LANGUAGE_CODE.
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "UTC")
# Where phone numbers typed without a country code are read as national numbers, to hide
# them in public text (civic/privacy.py); numbers with "+" or "00" are found anywhere.
PRIVACY_PHONE_REGIONS = env_list("PRIVACY_PHONE_REGIONS", ["ES", "GB"])
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Whitenoise serves from the finders until `collectstatic` has run (tests, dev).
WHITENOISE_USE_FINDERS = DEBUG or TESTING
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Tests serve static files through the finders, which know no hashed names.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if TESTING or DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
if env("AWS_STORAGE_BUCKET_NAME"):
    # Photos in S3-compatible object storage (django-storages); credentials come from
    # AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY as boto3 reads them.
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
    AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL") or None  # MinIO, moto, Garage, …
    AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME") or None
    AWS_S3_CUSTOM_DOMAIN = env("AWS_S3_CUSTOM_DOMAIN") or None  # a CDN in front of the bucket
    # Signed, expiring URLs by default; false for a public-read bucket or a CDN.
    AWS_QUERYSTRING_AUTH = env_bool("AWS_QUERYSTRING_AUTH", True)
    AWS_S3_FILE_OVERWRITE = False

# Uploads: photos are up to 10 MB each; keep large bodies on disk, not in memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_BYTES", 10 * 1024 * 1024)
# Per-scope overrides of civic.ratelimit's limits, as JSON: {"comment": [[60, 8]], ...}.
RATE_LIMITS = {
    scope: [tuple(pair) for pair in pairs]
    for scope, pairs in json.loads(env("RATE_LIMITS", "{}")).items()
}
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_PIXELS", 50_000_000)
PHOTOS_PER_REPORT = 3

# Email: console by default, SMTP when EMAIL_HOST is set. All mail goes
# through the outbox (civic.OutboundEmail) and the worker.
if env("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env("EMAIL_HOST")
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
else:
    EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Civic <noreply@civic.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The service area: reports outside this box are refused. Default: the demo city.
SERVICE_AREA = tuple(
    float(v) for v in env_list("SERVICE_AREA", ["-0.2300", "51.4700", "-0.0500", "51.5500"])
)  # west, south, east, north
MAP_CENTER = (
    (SERVICE_AREA[1] + SERVICE_AREA[3]) / 2,
    (SERVICE_AREA[0] + SERVICE_AREA[2]) / 2,
)
DEFAULT_AUTHORITY_SLUG = env("DEFAULT_AUTHORITY", "")
# Public holidays (ISO dates, comma-separated) that deadlines in working days skip.
HOLIDAYS = env_list("HOLIDAYS")
OPEN311_JURISDICTION = env("OPEN311_JURISDICTION", "civic.localhost")

# Address search on the new-report form: a Nominatim-compatible search URL, such as
# https://nominatim.openstreetmap.org/search (whose usage policy asks for at most one
# request per second and an identifying User-Agent with a contact). Empty: off.
GEOCODER_URL = env("GEOCODER_URL")
GEOCODER_USER_AGENT = env("GEOCODER_USER_AGENT", f"{SITE_NAME} open311 ({SITE_URL})")

# Maps: Leaflet is vendored in static/vendor/leaflet and driven by static/js/map.js,
# which reads these values from the page's "map-config" JSON element.
MAP_TILES_URL = env("MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILES_ATTRIBUTION = env(
    "MAP_TILES_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)
MAP_ZOOM = env_int("MAP_ZOOM", 13)
MAP_MIN_ZOOM = env_int("MAP_MIN_ZOOM", 3)
MAP_MAX_ZOOM = env_int("MAP_MAX_ZOOM", 19)


def _origin(url: str) -> str | None:
    """The scheme://host[:port] of an absolute URL; a "{s}" tile host becomes a wildcard."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    host = parts.netloc
    if "{" in host:
        host = "*." + host.split(".", 1)[-1]
    return f"{parts.scheme}://{host}"


# Content-Security-Policy (django-csp): no inline script, no eval, no inline style.
# Pages load their scripts from /static/; data for scripts travels in data- attributes
# and json_script elements. Images may come from the tile server and the media host.
_img_sources = [SELF, "blob:"]
_s3_domain = env("AWS_S3_CUSTOM_DOMAIN")
for _url in [
    MAP_TILES_URL,
    MEDIA_URL,
    env("AWS_S3_ENDPOINT_URL"),
    f"https://{_s3_domain}" if _s3_domain else "",
    *env_list("CSP_IMG_SRC"),
]:
    _source = _origin(_url)
    if _source and _source not in _img_sources:
        _img_sources.append(_source)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": _img_sources,
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# "Has this been fixed?": asked this long after a report is sent (or when it is
# marked fixed); the link works once and expires. Reopening a fixed or closed report
# takes this many "still broken" confirmations.
QUESTIONNAIRE_DELAY_DAYS = env_int("QUESTIONNAIRE_DELAY_DAYS", 28)
QUESTIONNAIRE_LINK_DAYS = env_int("QUESTIONNAIRE_LINK_DAYS", 14)
REOPEN_CONFIRMATIONS_REPORTER = env_int("REOPEN_CONFIRMATIONS_REPORTER", 1)
REOPEN_CONFIRMATIONS_OTHERS = env_int("REOPEN_CONFIRMATIONS_OTHERS", 3)
# Volunteer calls: confirmed volunteers are reminded this many hours before the start.
VOLUNTEER_REMINDER_HOURS = env_int("VOLUNTEER_REMINDER_HOURS", 24)

# Worker: retries back off exponentially up to this ceiling; nothing is dropped.
OUTBOX_MAX_BACKOFF_SECONDS = env_int("OUTBOX_MAX_BACKOFF_SECONDS", 3600)
# A claimed email or delivery is the claiming worker's for this long from the moment it
# was claimed; after that another worker may take it (the first one died mid-send).
WORKER_LEASE_SECONDS = env_int("WORKER_LEASE_SECONDS", 600)
# After this many failed tries a delivery is "stuck": the authority's staff and the site's
# administrators (superusers and ADMINS) get one email, the admin flags it; retries go on.
DELIVERY_STUCK_AFTER = env_int("DELIVERY_STUCK_AFTER", 5)
# Outgoing webhooks (delivery/webhooks.py): how long a receiver may take to answer, and
# how many tries an event gets before it waits in the admin for "retry now".
WEBHOOK_TIMEOUT_SECONDS = env_float("WEBHOOK_TIMEOUT_SECONDS", 10.0)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 12)
# Hosts a webhook may reach although they are inside the network (delivery/webhooks.py
# refuses loopback, private and link-local addresses): a receiver on this machine for
# testing. The suite's fake receivers listen on "localhost".
WEBHOOK_ALLOWED_HOSTS = env_list("WEBHOOK_ALLOWED_HOSTS", ["localhost"] if TESTING else [])
# Site administrators, as "Name <email>" or plain addresses, comma-separated.
ADMINS = [parseaddr(address) for address in env_list("ADMINS")]

# Production hardening; `manage.py check --deploy` passes with DEBUG=false.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Operations: structured logs. LOG_FORMAT=json writes every log record, and one line
# per request (civic.request: method, path, status, duration_ms), as JSON lines.
MIDDLEWARE.insert(0, "civic.logs.RequestLogMiddleware")
if env("LOG_FORMAT", "plain") == "json":
    LOGGING["formatters"]["json"] = {"()": "civic.logs.JsonFormatter"}
    LOGGING["handlers"]["console"]["formatter"] = "json"
    LOGGING["loggers"]["civic.request"] = {"level": "INFO"}
else:
    # In plain form, gunicorn's access log already has one line per request.
    LOGGING["loggers"]["civic.request"] = {"level": "WARNING"}
# /health/ answers 503 when no worker has finished a round for this long.
HEALTH_WORKER_STALE_SECONDS = env_int("HEALTH_WORKER_STALE_SECONDS", 120)
# Load balancers probe /health/ over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
