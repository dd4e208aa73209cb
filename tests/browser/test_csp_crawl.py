"""No page breaks the Content-Security-Policy: a crawl in headless Chromium over the demo data.

For every demo login (the admin, both sellers, both partners) in both languages, Chromium signs in
through the sign-in page and opens, breadth-first, every same-site page that ``/`` leads to through
links (``<a href>``, GET forms' actions, ``hx-get``): at most ``PER_KIND`` pages of one kind (the same
URL pattern; for a request's pages, the request's status too) and ``PAGE_CAP`` in all per login and
language. Links without a query come first, so the cap cuts filtered and sorted variants, not pages.
Left alone: signing out, the language switch, static and media files, and downloads (exports,
evidence and attachments). Also opened: the 404 page, the API docs (Swagger UI), the
admin's index and a change list; and without signing in, the sign-in page, what it links to, and
the restock and survey pages a source and a customer open from their e-mails.

A violation is what Chromium tells the page (the ``securitypolicyviolation`` event, listened to by
a script added to every page before its own) or writes to the console ("Refused to …"). The test
fails listing each with its page, login and language.

On every page the crawl opens it also checks the layout and accessibility:

- no sideways scroll at a phone's width (390 × 844) and a laptop's (1280 × 800): the page's
  ``scrollWidth`` is its ``clientWidth`` (0 px allowed), else the overflow and the element that sticks
  out furthest are listed. The page is measured at the width it opened at, then resized to the
  other and measured again (a resize is cheap; the next page opens at that width).
- axe-core (``tests/browser/node_modules``, installed by ``make test`` from package-lock.json) with
  WCAG 2.2 AA's rules, at 1280 px: each violation with its rule, page and first targets. axe is
  evaluated through DevTools (``page.evaluate``), which the strict CSP does not apply to;
  ``add_script_tag`` adds an inline ``<script>``, which the CSP refuses (and the crawl would report).
"""

from __future__ import annotations

import re
import time
from collections import deque
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import Resolver404, resolve
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from reship.accounts.models import User
from reship.choices import RequestStatus, RestockStatus
from reship.core.signing import restock_confirm_path, survey_path
from reship.dev.demo import demo_data_load
from reship.models import ReshipRequest, RestockOrder, SurveyResponse
from tests.browser.story_support import LOGIN_LABELS

pytestmark = pytest.mark.django_db(transaction=True)

LANGUAGES = ["zh-hans", "en"]
PER_KIND = 2
PER_ADMIN_KIND = 1
PAGE_CAP = 80
# Never opened: signing out or switching language would end the crawl's session or language;
# files are not pages.
SKIPPED_PREFIXES = ("/logout/", "/admin/logout/", "/i18n/", "/account/language/", "/static/", "/media/", "/favicon.ico")
DOWNLOAD = re.compile(r"export|\.csv\b|\.xlsx\b|[?&]format=(csv|xlsx)\b|/evidence/|/attachments?/", re.IGNORECASE)
# What every page gets before its own scripts run: violations are kept on the window for the crawl to read.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "?"} at ${event.sourceFile || "?"}:${event.lineNumber}`
    + (event.sample ? ` (${event.sample})` : "")
  );
}, true);
"""
# The links of a page, as the crawl follows them.
LINKS = """() => [
  ...[...document.querySelectorAll("a[href]")].map((a) => a.getAttribute("href")),
  ...[...document.querySelectorAll("form")].filter((f) => (f.getAttribute("method") || "get").toLowerCase() === "get")
     .map((f) => f.getAttribute("action") || ""),
  ...[...document.querySelectorAll("[hx-get]")].map((e) => e.getAttribute("hx-get")),
]"""

# The widths every page is measured at: a phone's and a laptop's.
PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 800}
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# The pages axe does not read: not ours (Django's admin, DRF's browsable API, Swagger UI).
AXE_SKIPPED_PREFIXES = ("/admin/", "/api/")
# How far the page scrolls sideways, and which element sticks out furthest (the first in document order
# among those reaching furthest right that no scrolling box clips: the box that is too wide, not its
# last cell).
OVERFLOW = """() => {
  const root = document.documentElement;
  const overflow = root.scrollWidth - root.clientWidth;
  if (overflow <= 0) return null;
  const clipped = (element) => {
    for (let parent = element.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
      if (getComputedStyle(parent).overflowX !== "visible") return true;
    }
    return false;
  };
  let widest = null, right = root.clientWidth;
  for (const element of document.body.querySelectorAll("*")) {
    const edge = element.getBoundingClientRect().right + window.scrollX;
    if (edge > right + 0.5 && !clipped(element)) { widest = element; right = edge; }
  }
  const name = (element) => element.tagName.toLowerCase() + (element.id ? `#${element.id}` : "")
    + [...element.classList].map((c) => `.${c}`).join("");
  const path = widest
    ? [widest.parentElement, widest].filter((e) => e && e !== document.body).map(name).join(" > ") : "?";
  const text = widest ? (widest.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 40) : "";
  return `${overflow} px: ${path}` + (text ? ` "${text}"` : "");
}"""
AXE_RUN = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return results.violations.map((violation) => `${violation.id} (${violation.impact}): `
    + violation.nodes.slice(0, 3).map((node) => node.target.join(" ")).join(", ")
    + (violation.nodes.length > 3 ? ` and ${violation.nodes.length - 3} more` : ""));
}"""

# Inline event handlers are only refused (and reported) when they would run; the crawl does not
# click everything, so it reads them off the page.
HANDLERS = """() => [...document.querySelectorAll("*")].flatMap((element) => [...element.attributes]
  .filter((attribute) => attribute.name.startsWith("on"))
  .map((attribute) => `script-src-attr would refuse ${element.tagName.toLowerCase()} `
    + `${attribute.name}="${attribute.value}"`))"""


@dataclass
class Crawl:
    who: str
    language: str
    opened: list[str] = field(default_factory=list)
    violations: list[tuple[str, str]] = field(default_factory=list)  # (page, what was blocked)
    wrong_language: list[tuple[str, str]] = field(default_factory=list)  # (page, its <html lang>)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (page, why it did not open)
    overflows: list[tuple[str, int, str]] = field(default_factory=list)  # (page, width, overflow and element)
    inaccessible: list[tuple[str, str]] = field(default_factory=list)  # (page, axe's rule and targets)
    axe_kinds: set[tuple] = field(default_factory=set)  # the kinds of page axe has read
    statuses: dict[int, str] = field(default_factory=dict)  # each request's status, for the kinds of page
    seconds: float = 0.0


@cache
def _axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"needs axe-core at {AXE}: make browser-deps (npm ci in tests/browser)")
    return AXE.read_text()


def _is_csp_message(text: str) -> bool:
    return "Content Security Policy" in text or text.startswith("Refused to")


def _watch(page: Page, crawl: Crawl) -> None:
    page.on(
        "console",
        lambda message: crawl.violations.append((page.url, message.text)) if _is_csp_message(message.text) else None,
    )


def _open(page: Page, crawl: Crawl, url: str, *, settle: str | None = None) -> bool:
    """Open ``url``, wait for what makes it complete (``settle``: a selector), and keep its violations."""
    try:
        response = page.goto(url, wait_until="load")
    except PlaywrightError as error:  # a download that slipped past DOWNLOAD, a page that never loads
        crawl.failures.append((url, str(error).splitlines()[0]))
        return False
    crawl.opened.append(url)
    if settle:
        try:
            page.locator(settle).first.wait_for(state="attached")
            page.wait_for_load_state("networkidle")
        except PlaywrightError as error:  # what the policy blocked may be why it never rendered
            crawl.failures.append((url, f"never showed {settle}: {str(error).splitlines()[0]}"))
    if response is not None and response.headers.get("content-type", "").startswith("text/html"):
        lang = page.locator("html").get_attribute("lang")
        if lang is not None and not url.startswith(("/admin/", "/api/")) and lang.lower() != crawl.language:
            crawl.wrong_language.append((url, lang))
        _check_layout(page, crawl, url)
    _collect(page, crawl, url)
    return True


def _check_layout(page: Page, crawl: Crawl, url: str) -> None:
    """No sideways scroll at either width; axe's WCAG 2.2 AA rules at the wide one, on the first page
    of each kind (one URL pattern: the pages of a kind share their template, and axe takes most of the
    time the crawl spends on a page). Not on a fragment that htmx puts into a page (no doctype)."""
    if page.evaluate("document.doctype === null"):
        return
    kind = _kind(url, crawl.statuses)
    read = kind in crawl.axe_kinds or urlsplit(url).path.startswith(AXE_SKIPPED_PREFIXES)
    first = page.viewport_size or WIDE
    for size in (first, PHONE if first["width"] == WIDE["width"] else WIDE):
        if size != first:
            page.set_viewport_size(size)
        overflow = page.evaluate(OVERFLOW)
        if overflow is not None:
            crawl.overflows.append((url, size["width"], overflow))
        if size["width"] == WIDE["width"] and not read:
            crawl.axe_kinds.add(kind)
            page.evaluate(_axe_source())
            crawl.inaccessible.extend((url, found) for found in page.evaluate(AXE_RUN, AXE_TAGS))


def _collect(page: Page, crawl: Crawl, url: str) -> None:
    """What the page was refused so far (the event is queued as a task: read after the page loaded)."""
    crawl.violations.extend((url, text) for text in page.evaluate("window.__cspViolations || []"))
    crawl.violations.extend((url, text) for text in page.evaluate(HANDLERS))


def _same_site(href: str | None, base: str, origin: str) -> str | None:
    if not href or href.strip().startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
        return None
    parts = urlsplit(urljoin(origin + base, href.strip()))
    if f"{parts.scheme}://{parts.netloc}" != origin or parts.path.startswith(SKIPPED_PREFIXES):
        return None
    url = parts.path + (f"?{parts.query}" if parts.query else "")
    return None if DOWNLOAD.search(url) else url


def _kind(url: str, statuses: dict[int, str]) -> tuple:
    """Pages of one kind come from one URL pattern; a request's pages also differ by its status."""
    path = urlsplit(url).path
    try:
        match = resolve(path)
    except Resolver404:
        return (path,)
    if path.startswith("/admin/"):
        # Django's generic admin pages: one of each list, form and add page per model; the history and
        # delete confirmation pages say nothing more per model, so one of each in all.
        view = (match.url_name or "").rsplit("_", 1)[-1]
        return ("admin", view) if view in {"history", "delete"} else ("admin", match.route)
    kind: tuple = (match.route,)
    request = re.match(r"/requests/(\d+)/", path)
    if request:
        kind += (statuses.get(int(request.group(1))),)
    return kind


def _crawl_from(page: Page, crawl: Crawl, start: str, origin: str, statuses: dict[int, str]) -> None:
    queues: tuple[deque[str], deque[str]] = (deque([start]), deque())
    queued = {start}
    per_kind: dict[tuple, int] = {_kind(start, statuses): 1}
    while any(queues) and len(crawl.opened) < PAGE_CAP:
        url = (queues[0] or queues[1]).popleft()
        if not _open(page, crawl, url):
            continue
        here = urlsplit(page.url)
        for href in page.evaluate(LINKS):
            link = _same_site(href, here.path + (f"?{here.query}" if here.query else ""), origin)
            if link is None or link in queued:
                continue
            kind = _kind(link, statuses)
            if per_kind.get(kind, 0) >= (PER_ADMIN_KIND if kind[0] == "admin" else PER_KIND):
                continue
            per_kind[kind] = per_kind.get(kind, 0) + 1
            queued.add(link)
            queues["?" in link].append(link)


def _sign_in(page: Page, crawl: Crawl, username: str, password: str) -> None:
    label_username, label_password, button = LOGIN_LABELS[crawl.language]
    _open(page, crawl, "/login/")
    page.get_by_label(label_username, exact=True).fill(username)
    page.get_by_label(label_password, exact=True).fill(password)
    page.get_by_role("button", name=button).click()
    expect(page).not_to_have_url(re.compile(r"/login/"))


def _new_context(browser, origin: str, language: str):
    context = browser.new_context(base_url=origin, locale="en" if language == "en" else "zh-CN", viewport=WIDE)
    context.set_default_timeout(15_000)
    context.add_init_script(LISTEN)
    # The language asked for, as the switcher leaves it.
    context.add_cookies([{"name": "django_language", "value": language, "url": origin}])
    return context


def _crawl_signed_in(browser, origin: str, login, language: str, statuses: dict[int, str]) -> Crawl:
    crawl = Crawl(login.username, language, statuses=statuses)
    started = time.perf_counter()
    # Signing in switches to the user's own language: make it the one this crawl reads.
    User.objects.filter(username=login.username).update(language=language)
    context = _new_context(browser, origin, language)
    page = context.new_page()
    _watch(page, crawl)
    try:
        _sign_in(page, crawl, login.username, login.password)
        _crawl_from(page, crawl, "/", origin, statuses)
        _open(page, crawl, "/no-such-page/")
        _open(page, crawl, "/api/v1/requests/")
        if login.username == "admin":
            _open(page, crawl, "/admin/")
            _open(page, crawl, "/admin/reship/reshiprequest/")
    finally:
        context.close()
    crawl.seconds = time.perf_counter() - started
    return crawl


def _crawl_signed_out(browser, origin: str, language: str, statuses: dict[int, str], public: list[str]) -> Crawl:
    crawl = Crawl("(signed out)", language, statuses=statuses)
    started = time.perf_counter()
    context = _new_context(browser, origin, language)
    page = context.new_page()
    _watch(page, crawl)
    try:
        _crawl_from(page, crawl, "/login/", origin, statuses)
        for url in [*public, "/no-such-page/"]:
            _open(page, crawl, url)
        # The API docs are the same pages for everyone who can read them.
        _open(page, crawl, "/api/docs/", settle=".swagger-ui .opblock")
    finally:
        context.close()
    crawl.seconds = time.perf_counter() - started
    return crawl


def _listing(rows: list[tuple]) -> str:
    return "\n" + "\n".join(" | ".join(str(cell) for cell in row) for row in rows)


def test_no_page_violates_the_content_security_policy(browser, live_server):
    started = time.perf_counter()
    demo = demo_data_load()
    statuses = dict(ReshipRequest.objects.values_list("pk", "status"))
    public = [
        restock_confirm_path(RestockOrder.objects.filter(status=RestockStatus.ORDERED).first()),
        survey_path(
            ReshipRequest.objects.filter(status=RequestStatus.CLOSED)
            .exclude(pk__in=SurveyResponse.objects.values("request"))
            .first()
        ),
        "/survey/not-a-token/",
    ]
    loaded = time.perf_counter()

    crawls = [
        _crawl_signed_in(browser, live_server.url, login, language, statuses)
        for login in demo.logins
        for language in LANGUAGES
    ] + [_crawl_signed_out(browser, live_server.url, language, statuses, public) for language in LANGUAGES]

    violations = sorted({(c.who, c.language, url, text) for c in crawls for url, text in c.violations})
    failures = [(c.who, c.language, url, why) for c in crawls for url, why in c.failures]
    wrong_language = [(c.who, c.language, url, lang) for c in crawls for url, lang in c.wrong_language]
    opened = {(c.who, c.language): len(c.opened) for c in crawls}
    seconds = {(c.who, c.language): round(c.seconds) for c in crawls}
    print(  # noqa: T201 - the crawl's size and time, for whoever reads the test log
        f"CSP crawl: {sum(opened.values())} pages in {time.perf_counter() - loaded:.0f} s "
        f"(demo loaded in {loaded - started:.0f} s): pages {opened}, seconds {seconds}"
    )
    overflows = sorted({(c.who, c.language, width, url, what) for c in crawls for url, width, what in c.overflows})
    inaccessible = sorted({(c.who, c.language, url, what) for c in crawls for url, what in c.inaccessible})
    # Every kind of finding in one failure, so one run shows all there is to fix.
    found = {
        "CSP violations (login | language | page | blocked)": violations,
        "pages that did not open (login | language | page | why)": failures,
        "pages in the wrong language (login | language | page | html lang)": wrong_language,
        "sideways scroll (login | language | width | page | overflow: element)": overflows,
        "axe, WCAG 2.2 AA (login | language | page | rule: targets)": inaccessible,
    }
    assert not any(found.values()), "\n\n".join(f"{what}:{_listing(rows)}" for what, rows in found.items() if rows)
    # The crawl went where the people go: each signed-in crawl is past the sign-in page and its home.
    assert all(count >= 20 for (who, _language), count in opened.items() if who != "(signed out)"), opened


def test_the_crawl_sees_what_the_policy_refuses(browser, live_server):
    """The checks above are live: an inline style, an inline script and an inline handler on a page
    are each reported."""
    crawl = Crawl("(signed out)", "en")
    context = _new_context(browser, live_server.url, "en")
    page = context.new_page()
    _watch(page, crawl)
    try:
        _open(page, crawl, "/login/")
        assert crawl.violations == []
        page.evaluate(
            """() => document.body.insertAdjacentHTML("beforeend",
                '<p style="color: red">styled</p><select onchange="this.form.submit()"></select>')"""
        )
        page.evaluate(
            """() => { const script = document.createElement("script"); script.textContent = "1";
                       document.body.append(script); }"""
        )
        page.wait_for_timeout(200)  # the events are queued as tasks
        _collect(page, crawl, "/login/")
    finally:
        context.close()

    found = " ".join(text for _url, text in crawl.violations)
    assert "style-src-attr blocked inline" in found
    assert "script-src-elem blocked inline" in found
    assert 'script-src-attr would refuse select onchange="this.form.submit()"' in found


def test_the_crawl_sees_sideways_scroll_and_what_axe_finds(browser, live_server):
    """The layout and accessibility checks are live: an element wider than the phone and an image
    without a text alternative are each reported, with the element that sticks out."""
    crawl = Crawl("(signed out)", "en")
    context = _new_context(browser, live_server.url, "en")
    page = context.new_page()
    try:
        _open(page, crawl, "/login/")
        assert (crawl.overflows, crawl.inaccessible) == ([], [])
        page.evaluate(
            """() => { const wide = document.createElement("p"); wide.className = "too-wide";
                       wide.textContent = "wide"; wide.style.width = "600px";
                       document.querySelector("main").append(wide);
                       const image = document.createElement("img"); image.src = "/static/favicon.svg";
                       document.querySelector("main").append(image); }"""
        )
        crawl.axe_kinds.clear()
        _check_layout(page, crawl, "/login/")
    finally:
        context.close()

    assert [(url, width) for url, width, _what in crawl.overflows] == [("/login/", 390)]
    assert "p.too-wide" in crawl.overflows[0][2]
    assert any(found.startswith("image-alt") for _url, found in crawl.inaccessible), crawl.inaccessible
