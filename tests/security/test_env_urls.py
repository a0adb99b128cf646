"""EMAIL_URL, CACHE_URL and the CSP source of the map's tiles, parsed without Django."""

from pathlib import Path

import pytest

from passnum.config.env_urls import UrlError, parse_cache_url, parse_email_url, tile_sources

BASE = Path("/srv/passnum")
SMTP = "django.core.mail.backends.smtp.EmailBackend"


def test_smtp_uses_starttls_on_587_by_default():
    config = parse_email_url("smtp://mail.example.org", base_dir=BASE)
    assert config.backend == SMTP
    assert config.options == {
        "host": "mail.example.org",
        "port": 587,
        "username": "",
        "password": "",
        "use_tls": True,
        "use_ssl": False,
        "timeout": 10,
    }


def test_smtps_is_tls_from_the_first_byte_on_465():
    options = parse_email_url("smtps://u:secret@mail.example.org?timeout=5", base_dir=BASE).options
    assert (options["port"], options["use_ssl"], options["use_tls"]) == (465, True, False)
    assert (options["username"], options["password"], options["timeout"]) == ("u", "secret", 5)


def test_a_local_relay_may_be_reached_in_clear_when_said_so():
    options = parse_email_url("smtp://localhost:25?starttls=false", base_dir=BASE).options
    assert (options["host"], options["port"], options["use_tls"]) == ("localhost", 25, False)


def test_the_legacy_settings_of_django_5_2_carry_the_same_values():
    legacy = parse_email_url("smtp://a:b@mail.example.org:2525", base_dir=BASE).legacy_settings()
    assert legacy == {
        "EMAIL_BACKEND": SMTP,
        "EMAIL_HOST": "mail.example.org",
        "EMAIL_PORT": 2525,
        "EMAIL_HOST_USER": "a",
        "EMAIL_HOST_PASSWORD": "b",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 10,
    }


@pytest.mark.parametrize(
    ("url", "backend", "options"),
    [
        ("console://", "django.core.mail.backends.console.EmailBackend", {}),
        ("locmem://", "django.core.mail.backends.locmem.EmailBackend", {}),
        (
            "file:///var/lib/passnum/mail",
            "django.core.mail.backends.filebased.EmailBackend",
            {"file_path": "/var/lib/passnum/mail"},
        ),
        (
            "file://var/mail",
            "django.core.mail.backends.filebased.EmailBackend",
            {"file_path": "/srv/passnum/var/mail"},
        ),
    ],
)
def test_development_backends(url, backend, options):
    config = parse_email_url(url, base_dir=BASE)
    assert (config.backend, config.options) == (backend, options)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mail.example.org", "unknown scheme"),
        ("smtp://", "needs a host"),
        ("smtp://mail.example.org:port", "invalid port"),
        ("smtp://mail.example.org?starttls=maybe", "must be true or false"),
        ("smtp://mail.example.org?timeout=soon", "whole seconds"),
        ("file://", "needs a folder"),
    ],
)
def test_a_bad_email_url_says_what_is_wrong(url, message):
    with pytest.raises(UrlError, match=message):
        parse_email_url(url, base_dir=BASE)


def test_cache_urls():
    assert parse_cache_url("locmem://")["BACKEND"].endswith("LocMemCache")
    redis = parse_cache_url("redis://127.0.0.1:6379/0")
    assert redis["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert redis["LOCATION"] == "redis://127.0.0.1:6379/0"
    with pytest.raises(UrlError, match="CACHE_URL"):
        parse_cache_url("memcached://127.0.0.1")


@pytest.mark.parametrize(
    ("template", "sources"),
    [
        (
            "https://{s}.tile.openstreetmap.fr/osmfr/{z}/{x}/{y}.png",
            ["https://*.tile.openstreetmap.fr"],
        ),
        ("https://tiles.example.org/{z}/{x}/{y}.png", ["https://tiles.example.org"]),
        ("http://localhost:8080/{z}/{x}/{y}.png", ["http://localhost:8080"]),
        ("https://a.{s}.example.org/{z}.png", ["https:"]),  # no CSP source can say more
        ("", []),
    ],
)
def test_tile_sources(template, sources):
    assert tile_sources(template) == sources
