"""Chinese content on English pages is marked as Chinese, and lists are joined as each language
writes them."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import translation

from onewindow.testing.factories import DepartmentFactory

pytestmark = pytest.mark.django_db


def render(source: str, language: str, **context: object) -> str:
    with translation.override(language):
        return Template("{% load lang %}" + source).render(Context(context))


def test_chinese_is_marked_only_on_english_pages() -> None:
    assert render("{{ v|zh }}", "en", v="市场监管局") == '<span lang="zh-Hans">市场监管局</span>'
    assert render("{{ v|zh }}", "zh-hans", v="市场监管局") == "市场监管局"
    assert render("{{ v|zh }}", "en", v="Market") == "Market"  # nothing Chinese to mark
    assert render("{{ v|zh }}", "en", v="<b>营业</b>") == (
        '<span lang="zh-Hans">&lt;b&gt;营业&lt;/b&gt;</span>'
    )
    assert render("{{ v|zh }}", "en", v=None) == ""


def test_lists_take_each_languages_separator() -> None:
    names = ["营业执照", "身份证", "<x>"]
    assert render("{{ v|join_list }}", "zh-hans", v=names) == "营业执照、身份证、&lt;x&gt;"
    assert render("{{ v|join_list }}", "en", v=["a", "b"]) == "a, b"
    assert render('{{ v|join_list:"zh" }}', "en", v=names[:2]) == (
        '<span lang="zh-Hans">营业执照</span>, <span lang="zh-Hans">身份证</span>'
    )


def test_english_pages_mark_department_names(client: Client) -> None:
    DepartmentFactory.create(slug="market", name="青岚市市场监督管理局")
    html = client.get("/departments/market/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html
    assert '<h1><span lang="zh-Hans">青岚市市场监督管理局</span></h1>' in html
    assert '<span lang="zh-Hans">青岚市政务服务网</span>' in html  # the site's name in the header
    chinese = client.get("/departments/market/").content.decode()
    assert "<h1>青岚市市场监督管理局</h1>" in chinese and 'lang="zh-Hans">青岚' not in chinese


def test_a_guide_lists_in_the_pages_language(client: Client) -> None:
    """The guide's lists (办理形式 ...) are joined with 、 in Chinese and ", " in English."""
    from onewindow.testing.factories import make_item

    item = make_item(DepartmentFactory.create(slug="market"), name="食品经营许可")

    def handling(html: str) -> str:
        """The 办理形式 value: the fifth fact of the guide (window and online for this item)."""
        return html.split('class="facts guide-facts"')[1].split("</dt><dd>")[5].split("</dd>")[0]

    chinese = handling(client.get(f"/items/{item.pk}/").content.decode())
    client.get("/lang/en/")
    english = handling(client.get(f"/items/{item.pk}/").content.decode())
    assert "、" in chinese and ", " not in chinese
    assert "、" not in english and ", " in english
