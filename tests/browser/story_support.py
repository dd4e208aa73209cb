"""Helpers for the browser stories: signing in as a person does, a tiny real PNG to attach, and the
parts of the request page a reader looks at (the stage bar, one action card, one line's row)."""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.factories import DEFAULT_PASSWORD

LOGIN_LABELS = {
    "en": ("Username", "Password", "Log in"),
    "zh-hans": ("用户名", "密码", "登录"),
}


def log_in(page: Page, user, *, language: str = "en", before_submit: Callable[[], object] | None = None) -> None:
    """Sign in through /login/ with the labels of the page's language; wait to land past it."""
    username, password, button = LOGIN_LABELS[language]
    page.goto("/login/")
    page.get_by_label(username, exact=True).fill(user.username)
    page.get_by_label(password, exact=True).fill(DEFAULT_PASSWORD)
    if before_submit is not None:
        before_submit()
    page.get_by_role("button", name=button).click()
    expect(page).not_to_have_url(re.compile(r"/login/"))
    page.wait_for_load_state()  # the landing page's scripts too, before anyone clicks on it


def switch_language(page: Page, choice: str, lang: str) -> None:
    """Pick a language with the switcher every page has (labelled in both languages) and wait for
    the page to come back in it (``lang`` is the page's html lang: "en" or "zh-hans"). Choosing posts
    the switcher's form, which saves the choice on the account and comes back to the same page."""
    # The switcher posts on change through a script bound at load: a page still loading (just
    # navigated to) would take the choice without sending it.
    page.wait_for_load_state()
    with page.expect_navigation():
        page.get_by_label("Language · 语言").select_option(label=choice)
    expect(page.locator("html")).to_have_attribute("lang", lang)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A real RGB PNG of one colour, built by hand (no imaging library needed)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xcc\x33\x33" * width for _ in range(height))  # filter byte + pixels
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows)) + _chunk(b"IEND", b"")


def write_png(path: Path) -> Path:
    path.write_bytes(png_bytes())
    return path


def main_nav(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Main")


def stage_bar(page: Page, name: str = "Stages of this request") -> Locator:
    return page.get_by_role("navigation", name=name)


def current_stage(page: Page, name: str = "Stages of this request") -> Locator:
    """The stage marked as the current step (aria-current) on the request page's stage bar."""
    return stage_bar(page, name).locator('[aria-current="step"]')


def action_card(page: Page, title: str) -> Locator:
    """One card of "What you can do now", found by its heading."""
    return page.get_by_role("region", name=title, exact=True)


def flash(page: Page, text: str) -> Locator:
    """The message shown after an action (the page's status list), holding ``text``."""
    return page.get_by_role("status").filter(has_text=text)


def line_row(page: Page, sku: str) -> Locator:
    """The row of one line in the request page's "Lines" table."""
    return page.get_by_role("table", name="Lines").get_by_role("row").filter(has_text=sku)


# The innermost visible elements that reach past the viewport's right edge (what makes a page scroll
# sideways), as "tag#id.class" with their right edge in CSS px.
_OVERFLOWING = """(scrollingBoxes) => {
    const width = document.documentElement.clientWidth;
    const inAFittingBox = (el) => {
        const box = scrollingBoxes ? el.closest(scrollingBoxes) : null;
        return box !== null && box !== el && box.getBoundingClientRect().right <= width + 1
            && ["auto", "scroll"].includes(getComputedStyle(box).overflowX);
    };
    const past = [...document.querySelectorAll("body *")].filter((el) => {
        const box = el.getBoundingClientRect();
        return el.offsetParent !== null && box.width > 0 && box.right > width + 1 && !inAFittingBox(el);
    });
    return past
        .filter((el) => !past.some((other) => other !== el && el.contains(other)))
        .slice(0, 8)
        .map((el) => {
            const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
                + [...el.classList].map((c) => "." + c).join("");
            return name + " (" + Math.round(el.getBoundingClientRect().right) + " px)";
        });
}"""


def overflowing(page: Page, scrolling_boxes: str = "") -> list[str]:
    """What sticks out past the right edge of the page's viewport (empty when nothing does). Elements
    inside a sideways-scrolling box count too: they are what a reader has to scroll to; except inside
    a box matching ``scrolling_boxes`` (a CSS selector) that fits the screen and scrolls itself, where
    a page chose that its wide table scrolls in place (Django admin's change list and inlines)."""
    return page.evaluate(_OVERFLOWING, scrolling_boxes)


class Words:
    """A page's words in a story's language, read through the catalogue by their msgid (lazy labels
    of the choices too), so one story reads both languages; ``untranslated`` lists the msgids that
    came back in English on a Chinese page."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.untranslated: set[str] = set()

    def __call__(self, msgid: object, **values: object) -> str:
        from django.utils import translation
        from django.utils.translation import gettext

        with translation.override(self.language):
            text = gettext(msgid) if isinstance(msgid, str) else str(msgid)
        source = msgid if isinstance(msgid, str) else str(msgid)  # a lazy label, read in English by Django's default
        if self.language != "en" and text == source and any(ch.isalpha() for ch in text):
            self.untranslated.add(source)
        return text % values if values else text
