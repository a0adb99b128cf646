"""Services configured by one URL each: `EMAIL_URL` and `CACHE_URL` (see docs/settings.md).

Pure functions of the URL (no Django import), so settings.py can call them and tests can too.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}

EMAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}


class UrlError(ValueError):
    """A setting URL that cannot be used; the message names the variable and the problem."""


@dataclass(frozen=True)
class EmailConfig:
    backend: str
    # The backend's keyword arguments, as MAILERS' OPTIONS (Django ≥ 6.1) spell them.
    options: dict[str, Any] = field(default_factory=dict)

    def legacy_settings(self) -> dict[str, Any]:
        """The same configuration as Django 5.2's EMAIL_* settings."""
        names = {
            "host": "EMAIL_HOST",
            "port": "EMAIL_PORT",
            "username": "EMAIL_HOST_USER",
            "password": "EMAIL_HOST_PASSWORD",
            "use_tls": "EMAIL_USE_TLS",
            "use_ssl": "EMAIL_USE_SSL",
            "timeout": "EMAIL_TIMEOUT",
            "file_path": "EMAIL_FILE_PATH",
        }
        legacy = {names[key]: value for key, value in self.options.items()}
        legacy["EMAIL_BACKEND"] = self.backend
        return legacy


def _flag(query: dict[str, list[str]], name: str, default: bool, variable: str) -> bool:
    values = query.get(name)
    if not values:
        return default
    value = values[-1].strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise UrlError(f"{variable}: ?{name}= must be true or false, got {values[-1]!r}")


def _path(parts, base_dir: Path) -> Path:
    """`file:///abs/path` or `file://relative/path` (relative to the project's folder)."""
    raw = unquote(parts.netloc + parts.path)
    if not raw:
        raise UrlError("EMAIL_URL: file:// needs a folder, e.g. file:///var/lib/passnum/mail")
    path = Path(raw)
    return path if path.is_absolute() else base_dir / path


def parse_email_url(url: str, *, base_dir: Path) -> EmailConfig:
    """`smtp://user:password@host:587` (STARTTLS), `smtps://…:465` (TLS from the first byte),
    `console://`, `file:///folder`, `locmem://`, `dummy://`.

    smtp:// refuses to send in clear unless `?starttls=false` says so (a relay on localhost);
    `?timeout=` (seconds, default 10) bounds every SMTP operation. User and password are
    percent-decoded (`%40` for `@`).
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in EMAIL_BACKENDS:
        known = ", ".join(f"{name}://" for name in EMAIL_BACKENDS)
        raise UrlError(f"EMAIL_URL: unknown scheme {parts.scheme!r} (use one of {known})")
    backend = EMAIL_BACKENDS[scheme]
    query = parse_qs(parts.query)
    if scheme == "file":
        return EmailConfig(backend, {"file_path": str(_path(parts, base_dir))})
    if scheme not in {"smtp", "smtps"}:
        return EmailConfig(backend)
    if not parts.hostname:
        raise UrlError(f"EMAIL_URL: {scheme}:// needs a host, e.g. {scheme}://mail.example.org")
    try:
        port = parts.port
    except ValueError as exc:
        raise UrlError(f"EMAIL_URL: invalid port ({exc})") from exc
    implicit_tls = scheme == "smtps"
    starttls = not implicit_tls and _flag(query, "starttls", True, "EMAIL_URL")
    timeout_values = query.get("timeout", ["10"])
    try:
        timeout = int(timeout_values[-1])
    except ValueError as exc:
        raise UrlError(
            f"EMAIL_URL: ?timeout= must be whole seconds, got {timeout_values[-1]!r}"
        ) from exc
    options: dict[str, Any] = {
        "host": parts.hostname,
        "port": port or (465 if implicit_tls else 587 if starttls else 25),
        "username": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "use_tls": starttls,
        "use_ssl": implicit_tls,
        "timeout": timeout,
    }
    return EmailConfig(backend, options)


def parse_cache_url(url: str) -> dict[str, Any]:
    """One entry of CACHES: `locmem://` (this process only), `redis://host:6379/0` or
    `rediss://…` (shared by every worker; needs the `redis` package)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme == "locmem":
        return {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": parts.netloc or "passnum",
        }
    if scheme in {"redis", "rediss", "unix"}:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url.strip(),
            "KEY_PREFIX": "passnum",
        }
    raise UrlError(
        f"CACHE_URL: unknown scheme {parts.scheme!r} (use locmem:// or redis://host:6379/0)"
    )


def tile_sources(template: str) -> list[str]:
    """The CSP source of a Leaflet tile URL template: `https://{s}.tile.example.org/{z}/…` →
    `https://*.tile.example.org`. Placeholders in the leftmost labels become the wildcard;
    anywhere else in the host, only the scheme can be named."""
    if not template.strip():
        return []
    parts = urlsplit(template.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return []
    match = re.fullmatch(r"(?P<host>[^:/@]+)(?::(?P<port>\d+))?", parts.netloc)
    if match is None:
        return [f"{parts.scheme}:"]
    host, port = match["host"], match["port"]
    labels = host.split(".")
    wildcard = False
    while labels and "{" in labels[0]:
        labels.pop(0)
        wildcard = True
    if not labels or any("{" in label for label in labels):
        return [f"{parts.scheme}:"]
    source = ("*." if wildcard else "") + ".".join(labels)
    return [f"{parts.scheme}://{source}{':' + port if port else ''}"]
