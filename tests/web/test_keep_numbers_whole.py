"""A request number inside running text (the request page's heading, an inbox subject) is wrapped
in a span that never wraps, so a narrow screen breaks the line between words, not at its hyphens."""

from django.template import Context, Template
from django.utils.safestring import mark_safe

from reship.templatetags.identifiers import keep_numbers_whole


def test_each_request_number_in_a_text_is_wrapped_and_the_rest_escaped():
    shown = keep_numbers_whole("Shop <2> accepted RS-2026-000003 and RS-2026-000004")

    assert shown == (
        'Shop &lt;2&gt; accepted <span class="number">RS-2026-000003</span> and '
        '<span class="number">RS-2026-000004</span>'
    )


def test_a_safe_text_is_not_escaped_twice():
    assert keep_numbers_whole(mark_safe("Tom &amp; Co: RS-2026-000001")) == (
        'Tom &amp; Co: <span class="number">RS-2026-000001</span>'
    )


def test_a_text_without_a_number_is_only_escaped():
    assert keep_numbers_whole("RS-26-1 & RS-2026-") == "RS-26-1 &amp; RS-2026-"


def test_the_filter_keeps_a_translated_heading_whole():
    template = Template(
        "{% load i18n identifiers %}{% blocktranslate with number=n asvar heading %}Reship request {{ number }}"
        "{% endblocktranslate %}<h1>{{ heading|keep_numbers_whole }}</h1>"
    )

    assert template.render(Context({"n": "RS-2026-000001"})) == (
        '<h1>Reship request <span class="number">RS-2026-000001</span></h1>'
    )
