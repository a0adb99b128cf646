"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium, installed by bin/test
with apt) against pytest-django's live server. No browser is ever downloaded."""

import os
import shutil

import pytest
from django.db import connections

CHROMIUM = os.environ.get("PASSNUM_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture
def browser():
    """Function-scoped on purpose: while Playwright's sync API runs, its event loop makes Django
    hand the test thread other connection objects; started after the database is set up and
    stopped (connections closed) before it is flushed, it leaves Django's connections alone."""
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: bin/test installs it with apt")
        pytest.skip(f"{CHROMIUM} is missing (bin/test installs it)")
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright runs an event loop
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()
        connections.close_all()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="fr-FR", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
