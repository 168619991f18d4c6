"""Filters for text that crosses languages.

An English page still shows Chinese content: item and department names, what people typed. A
screen reader reads it right, and a browser picks a Chinese font for it, only when it is marked
``lang="zh-Hans"`` (WCAG 2.2, 3.1.2 Language of Parts). Lists are joined the way each language
writes them: 、 in Chinese, a comma in English.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()

# CJK Unified Ideographs (with extension A), compatibility ideographs and CJK punctuation.
_CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


def is_english() -> bool:
    return (get_language() or "").startswith("en")


def has_chinese(text: str) -> bool:
    return bool(_CHINESE.search(text))


@register.filter(is_safe=True)
def zh(value: Any) -> SafeString:
    """The value, escaped, in ``<span lang="zh-Hans">`` when the page is English and the value holds
    Chinese; unchanged on a Chinese page (the whole page is zh-Hans already)."""
    if value is None:
        return SafeString("")
    text = str(value)
    if is_english() and has_chinese(text):
        return format_html('<span lang="zh-Hans">{}</span>', text)
    return SafeString(conditional_escape(value))


@register.filter(is_safe=True)
def join_list(values: Iterable[Any], marked: str = "") -> SafeString:
    """The items joined with 、 on a Chinese page and ", " on an English one, each escaped (and
    marked as Chinese on an English page when ``marked`` is "zh": ``{{ names|join_list:"zh" }}``)."""
    separator = ", " if is_english() else "、"
    render = zh if marked == "zh" else conditional_escape
    return format_html_join(separator, "{}", ((render(v),) for v in values))
