"""Fixtures of the browser tests: Debian's Chromium through Playwright, the real bot (`running_bot`) and
`web/serve.py` on the test ports, and pages watched for errors, CSP violations, dialogs and requests to
other hosts."""
from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.browser.widget_page import DESKTOP, PROJECT_ROOT, TESTS_DIR, Site

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # reported by the `chromium` fixture (skip here, failure in CI)
    expect = sync_playwright = None

VENDOR_BUNDLE = PROJECT_ROOT / "web" / "widget" / "vendor" / "deep-chat.js"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# the page may reach only its own server and the bot (no CDN, no web fonts)
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="session")
def skip_or_fail(pytestconfig) -> Callable[[str], None]:
    """tests/conftest.py's rule: skip with the reason on a user's machine, fail in CI."""
    path = TESTS_DIR / "conftest.py"
    module = pytestconfig.pluginmanager.get_plugin(str(path))
    if module is None:  # not registered under its path: load it by path
        spec = importlib.util.spec_from_file_location("tests_root_conftest", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    return module.skip_or_fail


@pytest.fixture(scope="session")
def chromium(skip_or_fail) -> Path:
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} is missing (Debian package `chromium`); the browser tests need it")
    if sync_playwright is None:
        skip_or_fail("the playwright package is not installed (pip install -e '.[test]')")
    return CHROMIUM


@pytest.fixture(scope="session")
def site(chromium, running_bot, skip_or_fail, tmp_path_factory) -> Iterator[Site]:
    """web/serve.py on the test web port, pointed at the test Rasa server; stopped after the session."""
    from stack.processes import Service, service_environment

    if not VENDOR_BUNDLE.is_file():
        skip_or_fail(f"{VENDOR_BUNDLE.relative_to(PROJECT_ROOT)} is missing: run `make web-deps`")
    settings = running_bot.settings
    log_path = tmp_path_factory.mktemp("web") / "web.log"
    service = Service(
        name="widget page", command=[sys.executable, "web/serve.py", "--port", str(settings.web_port)],
        ready_url=f"http://127.0.0.1:{settings.web_port}/", log_path=log_path,
        env=service_environment(settings),
    )
    service.start()
    try:
        service.wait_ready(timeout_seconds=30)
        yield Site(base_url=f"http://127.0.0.1:{settings.web_port}", bot_url=running_bot.rasa_url,
                   log_path=log_path)
    finally:
        service.stop()


# Module scope: Playwright's sync API keeps an event loop running in the main thread while it is open,
# and later test modules call asyncio.run().
# As long as the widget waits for the bot (REQUEST_TIMEOUT_MS in widget.js): the first answer of a fresh
# bot on a busy machine can take over 15 s.
WAIT_MS = 30_000


@pytest.fixture(scope="module")
def browser(chromium):
    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture()
def make_page(browser, site):
    """New pages, watched for uncaught errors, CSP violations, dialogs (an injected alert()) and requests to
    other hosts; any of them fails the test."""
    contexts = []
    problems: list[str] = []

    def make(viewport: dict | None = None, *, watch: bool = True):
        context = browser.new_context(viewport=viewport or DESKTOP, locale="en-US")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        if watch:
            page.on("pageerror", lambda error: problems.append(f"uncaught error: {error}"))
            page.on("console", lambda message: problems.append(f"console: {message.text}")
                    if "Content Security Policy" in message.text else None)

            def on_dialog(dialog):
                problems.append(f"a dialog opened: {dialog.type} {dialog.message!r}")
                dialog.dismiss()
            page.on("dialog", on_dialog)
            page.on("request", lambda request: problems.append(f"request to another host: {request.url}")
                    if urlsplit(request.url).hostname not in LOCAL_HOSTS else None)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture()
def page(make_page):
    return make_page()

