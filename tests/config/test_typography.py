"""Chinese reads with Chinese punctuation: a half-width ``: , ; ( ) ? !`` beside a Chinese character
is a typo a Chinese reader sees at once (``客户:孙秀英``, ``明细,并填写``, ``(天猫)``). Checked where
users read it: the compiled catalogue, Chinese written into templates and Python literals, and
notifications rendered in Chinese. A code, a URL, a placeholder or a time (``10:30``) keeps its
ASCII characters."""

from __future__ import annotations

import ast
import gettext
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from orders.models import Product
from reship import workflow
from reship.choices import NotificationChannel
from reship.models import Notification
from reship.notifications.rendering import render
from reship.workflow import timeliness
from tests.notifications.test_rendering import NOW, make_parties, submit, to_customer_contact

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo"
SOURCE_PACKAGES = ("reship", "orders", "suppliers")

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
HALF_WIDTH = ":,;()?!"
# Spans whose punctuation is code, not prose: template tags and variables, printf and brace
# placeholders, URLs and e-mail addresses, HTML tags. Masked before looking.
CODE = re.compile(
    r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}"
    r"|%\([^)\s]+\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]|%[sdif]"
    r"|\{[^{}\s]*\}"
    r"|[a-z][a-z0-9+.-]*://[^\s\u3000-\u303f\uff00-\uffef\u4e00-\u9fff]+"
    r"|[\w.+-]+@[\w-]+\.[\w.-]+",
    re.DOTALL,
)
ENGLISH_PHRASE = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:\s+[A-Za-z][A-Za-z'’-]*){2,}")
HTML_TAG = re.compile(r"<[^<>]*>")
# What stands beside a mark in Chinese prose: ideographs, Chinese punctuation and quotes.
CHINESE_SIDE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff5e“”‘’]")
PLACEHOLDER = "\0"
TAG = "\1"
OPENERS = "(（"
CLOSERS = ")）"


def _masked(text: str) -> str:
    """The text with each HTML tag and code span replaced by as many TAGs or PLACEHOLDERs (neither
    Chinese, Latin nor space), so positions hold."""
    text = HTML_TAG.sub(lambda match: TAG * len(match.group()), text)
    return CODE.sub(lambda match: PLACEHOLDER * len(match.group()), text)


def _neighbour(text: str, index: int, step: int, *, over_spaces: bool) -> str:
    """The character next to ``index`` going ``step`` ("" at an end), the nearest that is not a
    space when ``over_spaces``."""
    index += step
    while over_spaces and 0 <= index < len(text) and text[index] in " \t":
        index += step
    return text[index] if 0 <= index < len(text) else ""


def _bracket_partners(text: str) -> dict[int, int]:
    """Opening and closing brackets (half- or full-width) paired with each other, both ways."""
    partners: dict[int, int] = {}
    stack: list[int] = []
    for index, char in enumerate(text):
        if char in OPENERS:
            stack.append(index)
        elif char in CLOSERS and stack:
            opener = stack.pop()
            partners[opener] = index
            partners[index] = opener
    return partners


def _is_cjk(char: str) -> bool:
    return bool(char) and CHINESE_SIDE.match(char) is not None


def _in_prose(masked: str, index: int, *, chinese: bool) -> bool:
    """Whether the mark at ``index`` punctuates Chinese. In Chinese prose a mark beside a Chinese
    character (spaces aside) is one; in English prose that glosses a Chinese word ("resend (补寄)",
    "已签收 / delivered, 运输中") only a mark touching Chinese on the outside is."""
    char = masked[index]
    before = _neighbour(masked, index, -1, over_spaces=chinese)
    after = _neighbour(masked, index, 1, over_spaces=chinese)
    if char in "?!":  # after an ideograph or a quote ("删除“%(name)s”?"), not "填写：?status="
        return bool(CJK.match(before)) or before in ("”", "’") or (chinese and before == PLACEHOLDER)
    if chinese:
        # Between placeholders ("%(label)s:%(value)s", "%(currency)s(%(method)s)") a mark is the
        # sentence's, and so is a colon ending a line; "10:30", "1,280", "SKU:A1" and
        # "Authorization: Api-Key" are codes.
        right_next = masked[index + 1] if index + 1 < len(masked) else ""
        return (
            _is_cjk(before)
            or _is_cjk(after)
            or PLACEHOLDER in (before, after)
            or (char == ":" and right_next in ("", "\n"))
        )
    if char == "(":
        return _is_cjk(before)
    if char == ")":
        return _is_cjk(after)
    return _is_cjk(before) and _is_cjk(after)


def flagged_positions(text: str, *, chinese: bool | None = None) -> set[int]:
    """Where in ``text`` a half-width punctuation mark stands in Chinese prose. ``chinese`` says
    whether the text is Chinese (a msgstr) or English with Chinese words in it; unknown (a template
    line, a literal, a rendered line), it is English when three English words run together."""
    if not CJK.search(text):
        return set()
    masked = _masked(text)
    if chinese is None:
        chinese = ENGLISH_PHRASE.search(masked) is None
    flagged = {
        index for index, char in enumerate(masked) if char in HALF_WIDTH and _in_prose(masked, index, chinese=chinese)
    }
    # A bracket pair is one mark: "(天猫)旗舰店" and "客户（%(name)s)" are both Chinese brackets.
    for index, partner in _bracket_partners(masked).items():
        if masked[index] in "()" and (partner in flagged or masked[partner] in "（）"):
            flagged.add(index)
    return flagged


def offenders(text: str, *, chinese: bool | None = None) -> list[str]:
    """Each half-width punctuation mark in ``text`` that stands in Chinese prose, with a little of
    its surroundings, e.g. ``'客户[:]孙秀英'``; ``[]`` when the text is clean."""
    flagged = flagged_positions(text, chinese=chinese)
    return [f"{text[max(0, i - 6) : i]}[{text[i]}]{text[i + 1 : i + 7]}" for i in sorted(flagged)]


# The rules' own samples -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("客户:孙秀英", ["客户[:]孙秀英"]),
        ("请核对明细,并填写数量", ["请核对明细[,]并填写数量"]),
        ("(天猫)旗舰店", ["[(]天猫)旗舰店", "(天猫[)]旗舰店"]),
        ("订单号 RS-1: 已发货", ["号 RS-1[:] 已发货"]),
        ("备注:", ["备注[:]"]),
        ("退款;优惠券", ["退款[;]优惠券"]),
        ("还需要吗?", ["还需要吗[?]"]),
        ("收到了!", ["收到了[!]"]),
        ("例如 14:03:“%(value)s”", [" 14:03[:]“%(val"]),
        ("最高为%(label)s:%(value)s。", ["abel)s[:]%(valu"]),
        ("补偿 %(amount)s(%(method)s)。", ["ount)s[(]%(meth", "thod)s[)]。"]),
        ("联系卖家 (天猫) 处理", ["联系卖家 [(]天猫) 处理", "卖家 (天猫[)] 处理"]),
        ("- 1 × 台灯 (SKU LAMP)", [" × 台灯 [(]SKU LA", "U LAMP[)]"]),
        ("客户（%(name)s)", ["name)s[)]"]),
        ("(%(count)s)件", ["[(]%(coun", "ount)s[)]件"]),
        ("%(name)s,请确认", ["name)s[,]请确认"]),
        ("写信到 help@example.com,我们", ["le.com[,]我们"]),
    ],
)
def test_half_width_punctuation_beside_chinese_is_flagged(text, expected):
    assert offenders(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "客户：孙秀英",
        "请核对明细，并填写数量（天猫）。",
        "送达时间 10:30",
        "金额 1,280.50 元",
        "客户（%(name)s）",
        "%(name)s 您好",
        "查看 https://reship.example.com/r/RS-1?a=1&b=(2) 了解",
        "写信到 help@example.com，我们",
        "{{ label }}：{{ value }}",
        "{% translate 'Note' %}：",
        '<a href="/x?y=1">补单</a>',
        "Customer: Tom, (a shop)",
        "请在请求头中发送 Authorization: Api-Key，后接密钥",
        "The partner resends lines (补寄); the partner (代发方): ships them",
        "where the parcel is (已签收 / delivered, 运输中 / in transit, 异常 / exception)",
        "Other columns are ignored; Chinese headers (补单号, 订单号, 快递公司) are read too.",
        "The customer was told by the shop's automatic message (邮件).",
        "SKU:A1 补单",
        "{name},{count}",
    ],
)
def test_codes_placeholders_and_chinese_punctuation_are_not_flagged(text):
    assert offenders(text) == []


def test_a_msgstr_is_chinese_whatever_it_quotes_and_an_english_sentence_is_english():
    untranslated = "The customer was told by the shop's automatic message (邮件)."

    assert offenders(untranslated) == []
    assert offenders(untranslated, chinese=True) == ["ssage [(]邮件).", "ge (邮件[)]."]
    assert offenders("多个值请重复填写:?status=submitted&status=needs_info。", chinese=True) == [
        "值请重复填写[:]?statu"
    ]
    assert offenders("seller:<id> 或 partner:<id>", chinese=True) == []


# Where users read Chinese ----------------------------------------------------------------------


def catalogue_offenders() -> Iterator[str]:
    with CATALOGUE.open("rb") as compiled:
        catalogue: dict[object, str] = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]
    for key, msgstr in catalogue.items():
        msgid = key[0] if isinstance(key, tuple) else key
        for offender in offenders(msgstr, chinese=True):
            yield f"django.mo msgid {str(msgid).split(chr(4))[-1]!r}: {offender}"


def template_offenders() -> Iterator[str]:
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.suffix not in (".html", ".txt"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for offender in offenders(line):
                yield f"{path.relative_to(ROOT)}:{number}: {offender}"


def _not_prose(tree: ast.AST) -> set[int]:
    """Ids of the string constants no user reads: statements (docstrings, notes for developers) and
    the patterns given to ``re`` (``r"[:时]"`` is a character class)."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            ids.add(id(node.value))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "re"
            and node.args
        ):
            ids.add(id(node.args[0]))
    return ids


def source_offenders() -> Iterator[str]:
    for package in SOURCE_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:  # history: the models say what is shown now
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            skipped = _not_prose(tree)
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skipped:
                    for offender in offenders(node.value):
                        yield f"{path.relative_to(ROOT)}:{node.lineno}: {offender}"


def test_the_compiled_chinese_catalogue_uses_chinese_punctuation():
    assert list(catalogue_offenders()) == []


def test_chinese_written_into_templates_uses_chinese_punctuation():
    assert list(template_offenders()) == []


def test_chinese_written_into_python_uses_chinese_punctuation():
    assert list(source_offenders()) == []


# Notifications as sent: template literals joined with translations ("{{ label }}:{{ value }}") ---


@pytest.mark.django_db
def test_notifications_rendered_in_chinese_use_chinese_punctuation(settings):
    settings.SITE_URL = "https://reship.example.com"
    parties = make_parties(seller_language="zh-hans", customer_language="zh-hans")
    # Chinese goods, so a literal "(SKU …)" or ": " beside them shows.
    for line, name in ((parties.mug, "红色马克杯"), (parties.lamp, "台灯"), (parties.vase, "花瓶")):
        Product.objects.filter(pk=line.product_id).update(name=name)
    to_customer_contact(parties)
    workflow.reship_reject(request_id=submit(parties, [("mug", "resend")]).pk, actor=parties.partner, reason="No.")
    workflow.reship_cancel(request_id=submit(parties, [("mug", "resend")]).pk, actor=parties.seller, reason="Found.")
    timeliness.deadlines_check(now=NOW + timedelta(days=3))
    rows = list(Notification.objects.exclude(channel=NotificationChannel.WEBHOOK))
    assert len({row.template for row in rows}) >= 12, "the story reaches most templates"

    found = []
    for row in rows:
        row.language = "zh-hans"
        for part, words in zip(("subject", "text", "html"), render(row), strict=True):
            for line in words.splitlines():
                found += [f"{row.template} ({part}): {offender}" for offender in offenders(line)]

    assert found == [], "\n".join(found)


def test_a_charts_tooltip_joins_label_and_figure_with_a_chinese_colon():
    box = SimpleNamespace(url="", css_class="series-0", x=0, y=0, width=10, height=10, label="已提交", display="3")
    chart = SimpleNamespace(
        kind="bar", is_wide=False, view_box="0 0 10 10", width=10, height=10, id="c", title="补单", description="",
        lines=[], area_path="", legend=[], boxes=[box], points=[], texts=[],
    )  # fmt: skip

    with translation.override("zh-hans"):
        svg = render_to_string("dashboard/_chart_svg.html", {"chart": chart})

    assert "<title>已提交：3</title>" in svg
    assert [offender for line in svg.splitlines() for offender in offenders(line)] == []
