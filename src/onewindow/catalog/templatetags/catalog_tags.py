from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``{{ labels.source|get_item:material.source }}``: look up a key that is itself a variable."""
    if isinstance(mapping, dict):
        return mapping.get(key, "")
    return ""
