"""passnum settings: one module, every value from an environment variable (see docs/settings.md).

The defaults run on SQLite with no configuration; production sets DATABASE_URL (PostgreSQL),
SECRET_KEY, ALLOWED_HOSTS and DEBUG=false.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import django
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from passnum.config.env_urls import (
    EmailConfig,
    UrlError,
    parse_cache_url,
    parse_email_url,
    tile_sources,
)

BASE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = BASE_DIR.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false")
    SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
_SITE = urlsplit(SITE_URL)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", f"{_SITE.scheme}://{_SITE.netloc}")

# --- HTTPS (docs/settings.md, "Security"). A site whose SITE_URL is https gets every browser
# protection by default; behind a reverse proxy that terminates TLS, SECURE_PROXY_SSL_HEADER
# names the header it sets (HTTP_X_FORWARDED_PROTO), else the SSL redirect loops.
_HTTPS = _SITE.scheme == "https"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _HTTPS)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", _HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", _HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if _HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", _HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", _HTTPS)
if _proxy_header := env_str("SECURE_PROXY_SSL_HEADER", "").strip():
    SECURE_PROXY_SSL_HEADER = (_proxy_header, "https")
# An operator who turns HSTS subdomains or preload off has decided: `check --deploy` agrees.
SILENCED_SYSTEM_CHECKS = [
    check
    for check, name in (
        ("security.W005", "SECURE_HSTS_INCLUDE_SUBDOMAINS"),
        ("security.W021", "SECURE_HSTS_PRELOAD"),
    )
    if os.environ.get(name, "").strip().lower() in {"0", "false", "no", "off"}
]
# The client's address (login throttling, pass-code checks): REMOTE_ADDR, or behind N trusted
# reverse proxies the N-th address from the right of X-Forwarded-For (core/throttle.py).
PASSNUM_TRUSTED_PROXIES = env_int("PASSNUM_TRUSTED_PROXIES", 0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "dsfr",
    "ninja",
    "csp",
    "axes",
    "django_tasks_db",
    "passnum.core",
    "passnum.accounts",
    "passnum.catalogue",
    "passnum.geography",
    "passnum.places",
    "passnum.orders",
    "passnum.passes",
    "passnum.ledger",
    "passnum.redemptions",
    "passnum.feedback",
    "passnum.badges",
    "passnum.payouts",
    "passnum.reconciliation",
    "passnum.jobs",
    "passnum.dashboards",
    "passnum.www",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "passnum.core.content_policy.DocumentCSPMiddleware",  # django-csp, not on JSON
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "passnum.api.middleware.RequestHygieneMiddleware",  # NUL in URLs, body sizes (after Locale)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

if not DEBUG:  # in development, runserver serves static files itself
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "passnum.config.urls"
WSGI_APPLICATION = "passnum.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "passnum.www.context_processors.acting_organisation",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{PROJECT_DIR / 'var' / 'passnum.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    (PROJECT_DIR / "var").mkdir(exist_ok=True)
    # WAL and a busy timeout let the demo server and a command share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif env_bool("DATABASE_POOL", False):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env_int("DATABASE_POOL_MIN", 2),
        "max_size": env_int("DATABASE_POOL_MAX", 8),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Django's ModelBackend behind django-axes' check of locked-out logins (www/lockout.py).
AUTHENTICATION_BACKENDS = ["passnum.www.lockout.LoginBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(PROJECT_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(PROJECT_DIR / "var" / "media")))
# The instance's Ed25519 signing key (core/signing.py), created on first use: back it up.
PASSNUM_SIGNING_KEY_FILE = Path(
    env_str("PASSNUM_SIGNING_KEY_FILE", str(PROJECT_DIR / "var" / "signing-key.pem"))
)

# E-mail from one URL (config/env_urls.py): smtp://user:password@host:587 (STARTTLS),
# smtps://…:465, console://, file:///folder, locmem://. EMAIL_BACKEND (a dotted path, no
# options) is still honoured when EMAIL_URL is not set.
if os.environ.get("EMAIL_BACKEND") and not os.environ.get("EMAIL_URL"):
    _EMAIL = EmailConfig(os.environ["EMAIL_BACKEND"])
else:
    try:
        _EMAIL = parse_email_url(env_str("EMAIL_URL", "console://"), base_dir=PROJECT_DIR)
    except UrlError as exc:
        raise ImproperlyConfigured(str(exc)) from exc
if django.VERSION >= (6, 1):
    MAILERS = {"default": {"BACKEND": _EMAIL.backend, "OPTIONS": _EMAIL.options}}
else:  # Django 5.2 LTS, on Python 3.11: the same values as EMAIL_BACKEND, EMAIL_HOST…
    globals().update(_EMAIL.legacy_settings())
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "passnum <noreply@passnum.localhost>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# --- The money rules (SPEC.md §2). Amounts in cents, rates in basis points (1 % = 100 bps).
# An order copies the rates in force when it is created: changing them never rewrites history.
PASSNUM_FACE_VALUE_CENTS = env_int("PASSNUM_FACE_VALUE_CENTS", 1000)
PASSNUM_UPSTREAM_FEE_BPS = env_int("PASSNUM_UPSTREAM_FEE_BPS", 400)
PASSNUM_DOWNSTREAM_FEE_BPS = env_int("PASSNUM_DOWNSTREAM_FEE_BPS", 400)
PASSNUM_VAT_BPS = env_int("PASSNUM_VAT_BPS", 2000)
PASSNUM_FUND_BPS = env_int("PASSNUM_FUND_BPS", 100)
PASSNUM_VALIDITY_TOLERANCE_DAYS = env_int("PASSNUM_VALIDITY_TOLERANCE_DAYS", 31)
PASSNUM_SMALL_BOOKLET_MIN_PASSES = env_int("PASSNUM_SMALL_BOOKLET_MIN_PASSES", 2000)
PASSNUM_UNDO_MINUTES = env_int("PASSNUM_UNDO_MINUTES", 15)
PASSNUM_MAX_PASSES_PER_REDEMPTION = env_int("PASSNUM_MAX_PASSES_PER_REDEMPTION", 50)
PASSNUM_MAX_PASSES_PER_ORDER = env_int("PASSNUM_MAX_PASSES_PER_ORDER", 2_000_000)
# Accepting a quote issues the order's passes in the same request up to this many, else in the
# background (a job the order's page links to).
PASSNUM_ISSUE_INLINE_MAX_PASSES = env_int("PASSNUM_ISSUE_INLINE_MAX_PASSES", 20_000)
# Distribution (SPEC §3.4, §3.7): hand-outs stop this many days before an order's validity end;
# pseudonymous hand-out references are erased this many days after the hand-out.
PASSNUM_DISTRIBUTION_STOP_DAYS = env_int("PASSNUM_DISTRIBUTION_STOP_DAYS", 15)
# End of validity (orders/timeline.py), days before the validity end: the sponsor is alerted,
# then asked to confirm; the credit note of unused passes comes so many days after it.
PASSNUM_VALIDITY_ALERT_DAYS = env_int("PASSNUM_VALIDITY_ALERT_DAYS", 30)
PASSNUM_VALIDITY_CONFIRM_DAYS = env_int("PASSNUM_VALIDITY_CONFIRM_DAYS", 7)
PASSNUM_CREDIT_NOTE_DAYS = env_int("PASSNUM_CREDIT_NOTE_DAYS", 37)
# Scheduled work (the timeline, payouts) acts as this user of the operator organisation (it
# cannot log in; created on first use).
PASSNUM_SYSTEM_EMAIL = env_str("PASSNUM_SYSTEM_EMAIL", "systeme@passnum.invalid")
PASSNUM_SYSTEM_NAME = env_str("PASSNUM_SYSTEM_NAME", "(traitements automatiques)")
PASSNUM_HANDOUT_REFERENCE_RETENTION_DAYS = env_int("PASSNUM_HANDOUT_REFERENCE_RETENTION_DAYS", 365)
# Dashboards (passnum/dashboards): ledger transactions younger than this many seconds are left
# out of the pre-aggregated tallies (counted live instead), so one still being committed is
# never skipped; a page load folds at most PASSNUM_DASHBOARD_REFRESH_BATCH of them in.
PASSNUM_DASHBOARD_LAG_SECONDS = env_int("PASSNUM_DASHBOARD_LAG_SECONDS", 60)
PASSNUM_DASHBOARD_REFRESH_BATCH = env_int("PASSNUM_DASHBOARD_REFRESH_BATCH", 5000)
# Open data (dashboards/opendata.py, docs/opendata.md): counts of passes handed out, used or
# paid out below this in a published cell are secret (null), with complementary suppression.
PASSNUM_OPENDATA_MIN_COUNT = env_int("PASSNUM_OPENDATA_MIN_COUNT", 11)
# Who publishes the open data (named in its metadata).
PASSNUM_OPENDATA_PRODUCER = env_str("PASSNUM_OPENDATA_PRODUCER", "passnum")
# Anomalies for the operator (redemptions/anomalies.py, /anomalies/), per Europe/Paris day:
# a place redeeming more passes than max(MIN_PASSES_PER_DAY, VELOCITY_FACTOR × its average per
# active day over the 30 days before), and a place or a member refused REFUSALS_PER_DAY times.
PASSNUM_ANOMALY_MIN_PASSES_PER_DAY = env_int("PASSNUM_ANOMALY_MIN_PASSES_PER_DAY", 30)
PASSNUM_ANOMALY_VELOCITY_FACTOR = env_int("PASSNUM_ANOMALY_VELOCITY_FACTOR", 5)
PASSNUM_ANOMALY_REFUSALS_PER_DAY = env_int("PASSNUM_ANOMALY_REFUSALS_PER_DAY", 10)
# Offline scans (docs/offline.md): at most so many passes redeemed from offline scans per place
# and per day; the page refuses beyond it, the server again when the queue is sent.
PASSNUM_OFFLINE_PASSES_PER_PLACE_PER_DAY = env_int("PASSNUM_OFFLINE_PASSES_PER_PLACE_PER_DAY", 20)
# Request bodies: JSON and form fields (Django's own check; 413 under /api/), and uploads to the
# API (the standard import), refused from their Content-Length before they are read.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("PASSNUM_MAX_BODY_BYTES", 2_621_440)
PASSNUM_MAX_UPLOAD_BYTES = env_int("PASSNUM_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
# PostgreSQL prepares the few statements of a scan once per connection (core.rows); turn it
# off behind a pooler that cannot keep prepared statements (PgBouncer < 1.22 in transaction mode).
PASSNUM_PREPARED_STATEMENTS = env_bool("PASSNUM_PREPARED_STATEMENTS", True)

# --- Map of the public search. The tiles are the only thing a visitor's browser fetches from
# elsewhere; an empty URL draws no background (tests, or an instance without a tile server).
PASSNUM_MAP_TILE_URL = env_str(
    "PASSNUM_MAP_TILE_URL", "https://{s}.tile.openstreetmap.fr/osmfr/{z}/{x}/{y}.png"
)
PASSNUM_MAP_TILE_ATTRIBUTION = env_str(
    "PASSNUM_MAP_TILE_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">les contributeurs '
    "d’OpenStreetMap</a>, fond OpenStreetMap France",
)

# --- Cache: locmem (one per process) by default; with several workers, the throttles below
# count per process unless CACHE_URL names a shared cache (redis://127.0.0.1:6379/0).
try:
    CACHES = {"default": parse_cache_url(env_str("CACHE_URL", "locmem://"))}
except UrlError as exc:
    raise ImproperlyConfigured(str(exc)) from exc

# --- Content Security Policy (django-csp): everything from this site, but the map's tiles.
# The API docs (Swagger UI) are served from django-ninja's static files, not from a CDN.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:", *tile_sources(PASSNUM_MAP_TILE_URL)],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Login throttling (django-axes): after PASSNUM_LOGIN_FAILURE_LIMIT wrong passwords for one
# address and one e-mail, that pair waits PASSNUM_LOGIN_COOLOFF_MINUTES; a success resets it.
AXES_FAILURE_LIMIT = env_int("PASSNUM_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("PASSNUM_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "passnum.www.lockout.username_of"
AXES_CLIENT_IP_CALLABLE = "passnum.core.throttle.client_address"
AXES_LOCKOUT_CALLABLE = "passnum.www.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429  # the login page again, with the message (Too Many Requests)

# --- Pass-code checks (GET /api/v1/passes/{code}, and redemptions refused for unknown codes):
# at most so many a minute per API token and per client address, then 429 (api/throttle.py).
PASSNUM_CODE_CHECKS_PER_MINUTE = env_int("PASSNUM_CODE_CHECKS_PER_MINUTE", 60)
PASSNUM_CODE_CHECKS_PER_MINUTE_PER_ADDRESS = env_int(
    "PASSNUM_CODE_CHECKS_PER_MINUTE_PER_ADDRESS", 300
)

# --- Feedback (feedback/): given within so many days of the service; a place with at least
# PASSNUM_FEEDBACK_MIN_ANSWERS answers over PASSNUM_FEEDBACK_PERIOD_DAYS of which fewer than
# PASSNUM_FEEDBACK_MIN_USEFUL_PERCENT % found it useful is flagged for re-qualification.
PASSNUM_FEEDBACK_DAYS = env_int("PASSNUM_FEEDBACK_DAYS", 60)
PASSNUM_FEEDBACK_PERIOD_DAYS = env_int("PASSNUM_FEEDBACK_PERIOD_DAYS", 365)
PASSNUM_FEEDBACK_MIN_ANSWERS = env_int("PASSNUM_FEEDBACK_MIN_ANSWERS", 20)
PASSNUM_FEEDBACK_MIN_USEFUL_PERCENT = env_int("PASSNUM_FEEDBACK_MIN_USEFUL_PERCENT", 60)

# --- Skill badges (badges/): a place awards one within so many days of the service; the link
# that lets the person add their name to it stays valid as long.
PASSNUM_BADGE_DAYS = env_int("PASSNUM_BADGE_DAYS", 30)

# --- The pass page (/p/<code>, www/pass_page.py): codes read per minute per client address.
PASSNUM_PASS_PAGE_CHECKS_PER_MINUTE = env_int("PASSNUM_PASS_PAGE_CHECKS_PER_MINUTE", 30)

# --- Password reset e-mails (www/passwords.py): at most so many an hour per e-mail address and
# per client address, then the form answers 429 and sends nothing.
PASSNUM_PASSWORD_RESETS_PER_HOUR = env_int("PASSNUM_PASSWORD_RESETS_PER_HOUR", 3)
PASSNUM_PASSWORD_RESETS_PER_HOUR_PER_ADDRESS = env_int(
    "PASSNUM_PASSWORD_RESETS_PER_HOUR_PER_ADDRESS", 20
)

# --- Background work (Django's tasks framework, database backend of django-tasks-db): the worker
# (`passnum worker`) runs the queued jobs and, once a day at PASSNUM_DAILY_JOBS_AT (local time),
# the daily jobs (end of validity, payouts…). PASSNUM_TASKS_BACKEND=immediate runs every job
# inside the request that asked for it (no worker; only for tiny instances and some tests).
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend"
        if env_str("PASSNUM_TASKS_BACKEND", "database") == "database"
        else "django.tasks.backends.immediate.ImmediateBackend"
        if django.VERSION >= (6, 0)
        else "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default"],
    }
}
PASSNUM_DAILY_JOBS_AT = env_str("PASSNUM_DAILY_JOBS_AT", "02:30")

# --- Invoices: the operator's legal identity on quotes, invoices and credit notes (copied into
# each invoice when it is issued: changing these never rewrites an issued document). The demo
# values below are fictitious: set every one of them in production. "\n" separates address lines.
PASSNUM_OPERATOR_NAME = env_str("PASSNUM_OPERATOR_NAME", "Opérateur passnum (démonstration)")
PASSNUM_OPERATOR_LEGAL_FORM = env_str("PASSNUM_OPERATOR_LEGAL_FORM", "SAS au capital de 10 000 €")
PASSNUM_OPERATOR_ADDRESS = env_str(
    "PASSNUM_OPERATOR_ADDRESS", "1 rue de la Démonstration\\n75001 Paris"
).replace("\\n", "\n")
PASSNUM_OPERATOR_SIREN = env_str("PASSNUM_OPERATOR_SIREN", "900000001")
PASSNUM_OPERATOR_SIRET = env_str("PASSNUM_OPERATOR_SIRET", "90000000100017")
PASSNUM_OPERATOR_RCS = env_str("PASSNUM_OPERATOR_RCS", "RCS Paris 900 000 001")
PASSNUM_OPERATOR_VAT_NUMBER = env_str("PASSNUM_OPERATOR_VAT_NUMBER", "FR68900000001")
PASSNUM_OPERATOR_IBAN = env_str("PASSNUM_OPERATOR_IBAN", "FR76 3000 4000 0000 0000 0000 151")
PASSNUM_OPERATOR_BIC = env_str("PASSNUM_OPERATOR_BIC", "BNPAFRPP")
PASSNUM_QUOTE_VALIDITY_DAYS = env_int("PASSNUM_QUOTE_VALIDITY_DAYS", 30)
PASSNUM_INVOICE_PAYMENT_DAYS = env_int("PASSNUM_INVOICE_PAYMENT_DAYS", 30)
# Late-payment penalties: at least three times the legal interest rate (C. com. L441-10).
PASSNUM_INVOICE_LATE_PENALTY_BPS = env_int("PASSNUM_INVOICE_LATE_PENALTY_BPS", 1200)

# --- Payouts to providers (SPEC §2–3, docs/payouts.md): the worker runs them on day
# PASSNUM_PAYOUT_DAY of each month for the month before (monthly), each Monday for the week
# before (weekly), or never by itself (manual: `passnum payouts run`). The SEPA file's debtor is
# the operator (PASSNUM_OPERATOR_NAME / _IBAN / _BIC); PASSNUM_SEPA_SCHEMA: pain.001.001.09, or
# pain.001.001.03 for a bank that still asks for it.
PASSNUM_PAYOUT_FREQUENCY = env_str("PASSNUM_PAYOUT_FREQUENCY", "monthly")
if PASSNUM_PAYOUT_FREQUENCY not in {"monthly", "weekly", "manual"}:
    raise ImproperlyConfigured("PASSNUM_PAYOUT_FREQUENCY is monthly, weekly or manual")
PASSNUM_PAYOUT_DAY = env_int("PASSNUM_PAYOUT_DAY", 5)
if not 1 <= PASSNUM_PAYOUT_DAY <= 28:
    raise ImproperlyConfigured("PASSNUM_PAYOUT_DAY is a day of the month from 1 to 28")
PASSNUM_SEPA_SCHEMA = env_str("PASSNUM_SEPA_SCHEMA", "pain.001.001.09")
if PASSNUM_SEPA_SCHEMA not in {"pain.001.001.09", "pain.001.001.03"}:
    raise ImproperlyConfigured("PASSNUM_SEPA_SCHEMA is pain.001.001.09 or pain.001.001.03")
