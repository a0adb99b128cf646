"""Production settings: `check --deploy` passes with the documented variables, and the https
defaults follow SITE_URL. Each case runs Django in a subprocess with its own environment."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]
PASSNUM = PROJECT_DIR / ".venv" / "bin" / "passnum"
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(40)[:50],
    "ALLOWED_HOSTS": "passnum.example.org",
    "SITE_URL": "https://passnum.example.org",
    "EMAIL_URL": "smtp://mail.example.org:587",
}
# Variables of the developer's shell that would change what these tests look at.
OURS = {
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SITE_URL",
    "EMAIL_URL",
    "EMAIL_BACKEND",
    "CACHE_URL",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
}


def environment(**values: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in OURS and not name.startswith("DJANGO_")  # e.g. DJANGO_ALLOW_ASYNC_UNSAFE
    }
    env.update(values)
    return env


def settings_in(env: dict[str, str], *names: str) -> dict:
    """The values of these settings in a fresh process with `env`."""
    code = (
        "import json, django, os;"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'passnum.config.settings');"
        "django.setup();"
        "from django.conf import settings;"
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)!r}}}, default=str))"
    )
    done = subprocess.run(  # noqa: S603 (our own command, fixed arguments)
        [sys.executable, "-c", code],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_check_deploy_passes_with_the_documented_production_variables():
    done = subprocess.run(  # noqa: S603 (our own command, fixed arguments)
        [str(PASSNUM), "check", "--deploy", "--fail-level", "WARNING"],
        env=environment(**PRODUCTION),
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_check_deploy_fails_without_a_real_mail_server():
    env = environment(**{**PRODUCTION, "EMAIL_URL": "console://"})
    done = subprocess.run(  # noqa: S603 (our own command, fixed arguments)
        [str(PASSNUM), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "mail.E001" in done.stderr


def test_an_https_site_gets_hsts_secure_cookies_and_the_redirect():
    values = settings_in(
        environment(**PRODUCTION),
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "CSRF_TRUSTED_ORIGINS",
        "SECURE_PROXY_SSL_HEADER",
    )
    assert values == {
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "CSRF_TRUSTED_ORIGINS": ["https://passnum.example.org"],
        "SECURE_PROXY_SSL_HEADER": None,
    }


def test_behind_a_proxy_the_header_is_trusted_and_hsts_options_can_be_turned_off():
    env = environment(
        **PRODUCTION,
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
        SECURE_HSTS_PRELOAD="false",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="false",
    )
    values = settings_in(
        env,
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_HSTS_PRELOAD",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SILENCED_SYSTEM_CHECKS",
    )
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_HSTS_PRELOAD"] is False
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    # the operator's choice, so `check --deploy` does not warn about it
    assert set(values["SILENCED_SYSTEM_CHECKS"]) == {"security.W005", "security.W021"}


def test_a_plain_http_site_keeps_development_defaults():
    values = settings_in(
        environment(SITE_URL="http://127.0.0.1:8000"),
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "CSRF_TRUSTED_ORIGINS",
    )
    assert values == {
        "SECURE_SSL_REDIRECT": False,
        "SESSION_COOKIE_SECURE": False,
        "SECURE_HSTS_SECONDS": 0,
        "CSRF_TRUSTED_ORIGINS": ["http://127.0.0.1:8000"],
    }


@pytest.mark.parametrize(
    ("url", "backend", "options"),
    [
        (
            "smtp://mailer:p%40ss@mail.example.org:587",
            "django.core.mail.backends.smtp.EmailBackend",
            {
                "host": "mail.example.org",
                "port": 587,
                "username": "mailer",
                "password": "p@ss",
                "use_tls": True,
                "use_ssl": False,
                "timeout": 10,
            },
        ),
        (
            "file://var/mail",
            "django.core.mail.backends.filebased.EmailBackend",
            {"file_path": str(PROJECT_DIR / "var" / "mail")},
        ),
    ],
)
def test_email_url_configures_the_mailer_of_the_running_django(url, backend, options):
    import django

    if django.VERSION >= (6, 1):
        values = settings_in(environment(EMAIL_URL=url), "MAILERS")
        assert values["MAILERS"] == {"default": {"BACKEND": backend, "OPTIONS": options}}
    else:  # Django 5.2: EMAIL_* settings
        values = settings_in(environment(EMAIL_URL=url), "EMAIL_BACKEND", "EMAIL_FILE_PATH")
        assert values["EMAIL_BACKEND"] == backend


def test_a_bad_email_url_stops_the_start_with_one_clear_line():
    done = subprocess.run(  # noqa: S603 (our own command, fixed arguments)
        [str(PASSNUM), "check"],
        env=environment(EMAIL_URL="smpt://mail.example.org"),
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "EMAIL_URL: unknown scheme 'smpt'" in done.stderr
