"""passnum settings: one module, every value from an environment variable (see docs/settings.md).

The defaults run on SQLite with no configuration; production sets DATABASE_URL (PostgreSQL),
SECRET_KEY, ALLOWED_HOSTS and DEBUG=false.
"""

import os
from pathlib import Path

import dj_database_url
import django
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

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
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "dsfr",
    "ninja",
    "passnum.core",
    "passnum.accounts",
    "passnum.catalogue",
    "passnum.geography",
    "passnum.places",
    "passnum.orders",
    "passnum.passes",
    "passnum.ledger",
    "passnum.redemptions",
    "passnum.www",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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

_EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
if django.VERSION >= (6, 1):
    MAILERS = {"default": {"BACKEND": _EMAIL_BACKEND}}
else:  # Django 5.2 LTS, on Python 3.11
    EMAIL_BACKEND = _EMAIL_BACKEND
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
