"""Headless Chromium (Debian's package) driven by Playwright, against pytest-django's live server.

Pages are found by role and label, as a person finds them. Each test's screenshots go under
``BROWSER_SCREENSHOTS`` (default ``var/screenshots``; the folder is printed at the end of the run),
and a failing test leaves a screenshot of where it stopped.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import skip_or_fail

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", Path(__file__).resolve().parents[2] / "var" / "screenshots"))


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package", autouse=True)
def _allow_orm_beside_playwrights_loop():
    """Playwright's sync API keeps an event loop in the test's thread; the ORM calls the tests make
    to set up data are still synchronous, so Django's async guard stands aside — in this package
    only, and not in the subprocesses other tests start."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(_allow_orm_beside_playwrights_loop):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("needs Playwright for Python: pip install playwright")
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        skip_or_fail(f"needs Chromium at {CHROMIUM}: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def screenshot_dir(request):
    folder = SCREENSHOTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def new_page(browser, live_server, screenshot_dir, request):
    """``new_page(locale="en")`` opens a fresh browser context (its own cookies) on the live server."""
    contexts = []
    pages = []
    console_errors: list[str] = []

    def open_page(locale: str = "en", width: int = 1280, height: int = 900):
        context = browser.new_context(
            base_url=live_server.url, locale=locale, viewport={"width": width, "height": height}
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
        contexts.append(context)
        pages.append(page)
        return page

    yield open_page
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for index, page in enumerate(pages):
        if failed:
            try:
                page.screenshot(path=str(screenshot_dir / f"failure-{index}.png"), full_page=True)
            except Exception:  # noqa: BLE001 - a screenshot must not hide the real failure
                pass
    for context in contexts:
        context.close()
    request.node.console_errors = console_errors


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def pytest_terminal_summary(terminalreporter):
    if SCREENSHOTS.exists() and any(SCREENSHOTS.iterdir()):
        terminalreporter.write_line(f"browser screenshots: {SCREENSHOTS}")


def shoot(page, folder: Path, name: str) -> Path:
    """Save a full-page screenshot named for the step it shows."""
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
