"""Parts of a page rendered once per content and kept: the request page's timeline (in the cache),
and the fields of its unbound forms (in the process).

Rendering is most of a page's CPU (Django's template engine: the request page spent about half its
time there, a timeline of 20 events the largest part). A fragment's cache key is a digest of
*everything it shows*, so no change can leave a stale copy and no reader can be shown another's:
the caller passes the values the template reads (each event's fields and actor's name), and the key
adds the template's own source, the active language and the active time zone (dates are rendered in
the reader's zone). A copy that is never read again simply expires.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Mapping
from functools import cache
from typing import Any

from django.core.cache import cache as shared_cache
from django.forms import Form
from django.template import Engine
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

FRAGMENT_SECONDS = 24 * 3600


@cache
def _template_stamp(template_name: str) -> str:
    """The template's source, digested once per process: a deploy that changes the markup changes
    every key (and the old copies are never read)."""
    source = Engine.get_default().get_template(template_name).source
    return hashlib.blake2b(source.encode(), digest_size=8).hexdigest()


def fragment_render(template_name: str, context: Mapping[str, Any], *, shows: Hashable) -> SafeString:
    """``template_name`` rendered with ``context`` (no request, no context processors), from the
    cache when the same ``shows`` was rendered before in this language and time zone. ``shows``
    must hold every value the template reads from ``context``, as plain values with a stable
    ``repr`` (strings, numbers, datetimes, tuples, the dicts of a JSON field)."""
    content = repr((_template_stamp(template_name), get_language(), timezone.get_current_timezone_name(), shows))
    key = f"fragment:{template_name}:{hashlib.blake2b(content.encode(), digest_size=20).hexdigest()}"
    html = shared_cache.get(key)
    if html is None:
        html = render_to_string(template_name, dict(context))
        shared_cache.set(key, html, FRAGMENT_SECONDS)
    return mark_safe(html)  # noqa: S308 - rendered by the template engine, which escaped it


FIELDS_TEMPLATE = "requests/_fields.html"
FIELDS_KEPT = 512  # copies per process before the store starts again (a few forms × languages × lines)
_fields_kept: dict[Hashable, SafeString] = {}


def form_fields_render(form: Form, *, shows: Hashable) -> SafeString:
    """An unbound form's fields (label, widget, help of each, as ``requests/_field.html``), rendered
    once per process for the same ``shows`` and language: a form's widgets are Django templates
    too, and a select renders one per option. ``shows`` must hold everything the fields depend on
    besides the form's class and prefix (e.g. the lines a follow-up form offers); a bound form, whose
    values and errors are its own, is always rendered."""
    if form.is_bound:
        raise ValueError("A bound form's fields show what was typed: render them each time.")
    key = (type(form), form.prefix, get_language(), shows)
    html = _fields_kept.get(key)
    if html is None:
        if len(_fields_kept) >= FIELDS_KEPT:
            _fields_kept.clear()
        html = _fields_kept[key] = mark_safe(render_to_string(FIELDS_TEMPLATE, {"form": form}))  # noqa: S308
    return html
