"""Template filters for identifiers shown inside running text.

A request number (RS-2026-000001) is read and typed whole, but a heading or a subject around it may
wrap anywhere: the browser breaks a line at its hyphens. ``keep_numbers_whole`` wraps each number in
``<span class="number">`` (``white-space: nowrap`` in reship.css), so the text wraps between words
and never inside the number.
"""

import re

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

REQUEST_NUMBER = re.compile(r"\bRS-\d{4}-\d+\b")


@register.filter
def keep_numbers_whole(text: str) -> SafeString:
    """The text, escaped unless already safe, with each request number in a span that never wraps."""
    escaped = str(conditional_escape(text))
    return mark_safe(REQUEST_NUMBER.sub(r'<span class="number">\g<0></span>', escaped))  # noqa: S308 - escaped above
