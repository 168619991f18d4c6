"""The Django admin is OneWindow's back office: branded, and its sections named in the site's
languages."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from onewindow.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def root_client(client: Client) -> Client:
    user = User.objects.create_superuser("root", "x-Strong-pass-1")
    client.force_login(user, backend="onewindow.accounts.backends.AccountBackend")
    return client


def _sections(page: str) -> list[str]:
    return re.findall(r'<caption>\s*<a [^>]*class="section"[^>]*>([^<]+)</a>', page)


def test_admin_index_is_branded_and_named_in_chinese(root_client: Client) -> None:
    page = root_client.get("/admin/").content.decode()
    assert "OneWindow 一网通办 管理后台" in page
    assert "<title>管理首页 | OneWindow 管理后台</title>" in page
    sections = _sections(page)
    for name in ("核心", "组织机构", "事项目录", "电子证照", "后台任务"):
        assert name in sections, sections
    assert not [s for s in sections if re.fullmatch(r"[A-Za-z _]+", s)], sections
    assert "任务结果" in page and "Task Result" not in page


def test_admin_index_in_english(root_client: Client) -> None:
    page = root_client.get("/admin/", headers={"accept-language": "en"}).content.decode()
    assert "OneWindow administration" in page
    assert "Electronic licence" in _sections(page) and "Background tasks" in _sections(page)
