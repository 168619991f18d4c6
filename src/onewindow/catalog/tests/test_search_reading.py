"""What people type that is not a catalogue name: initials of what they call a thing, a question,
English, a life event that is a bundle; and input that asks nothing. On both databases."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from onewindow.catalog.models import Bundle, BundleItem
from onewindow.catalog.search import search
from onewindow.catalog.search.bundles import matching_bundles
from onewindow.catalog.search.documents import document, rank
from onewindow.testing.factories import DepartmentFactory, make_item

pytestmark = pytest.mark.django_db

ITEMS: list[tuple[str, str, str, int]] = [
    # (department, name, keywords, popularity)
    ("market", "营业执照（有限责任公司设立登记）", "开公司 注册公司", 100),
    ("market", "食品经营许可（新办）", "餐馆 餐饮", 90),
    ("fire", "公众聚集场所投入使用、营业前消防安全检查", "消防检查", 40),
    ("traffic", "机动车驾驶证换证", "换驾照", 70),
    ("traffic", "机动车驾驶证补证", "", 50),
    ("hrss", "社会保障卡申领", "", 85),
    ("housing", "建筑工程施工许可证核发", "开工", 95),
    ("housing", "居住证申领", "", 60),
    ("exitentry", "普通护照签发", "出国 办护照", 80),
    ("exitentry", "普通护照补发", "", 30),
    ("hotline", "12345热线政策咨询", "怎么办 咨询 投诉 护照", 99),
]


@pytest.fixture
def catalogue() -> dict[str, Any]:
    departments: dict[str, Any] = {}
    items = {}
    for index, (slug, name, keywords, popularity) in enumerate(ITEMS):
        if slug not in departments:
            departments[slug] = DepartmentFactory.create(slug=slug)
        items[name] = make_item(
            departments[slug],
            name=name,
            keywords=keywords,
            popularity=popularity,
            sequence=index + 1,
        )
    bundle = Bundle.objects.create(
        slug="open-restaurant",
        name="开办餐馆一件事",
        audience="enterprise",
        keywords="开饭店 开餐馆 餐饮店",
        lead_department=departments["market"],
    )
    for order, name in enumerate(["营业执照（有限责任公司设立登记）", "食品经营许可（新办）"]):
        BundleItem.objects.create(bundle=bundle, item=items[name], order=order)
    return items


def names(query: str) -> list[str]:
    return [e.name for e in search(query).entries]


def test_initials_of_what_people_call_it(catalogue: dict[str, Any]) -> None:
    assert names("sbk")[0] == "社会保障卡申领"  # 社保卡
    assert names("kfd")[0] == "食品经营许可（新办）"  # 开饭店


def test_initials_of_a_said_word_beat_scattered_initials_of_a_name(
    catalogue: dict[str, Any],
) -> None:
    found = names("jz")  # 驾照, though 建筑工程… is more popular and starts with jz
    assert set(found[:2]) == {"机动车驾驶证换证", "机动车驾驶证补证"}
    assert "建筑工程施工许可证核发" in found
    assert names("jsz")[0].startswith("机动车驾驶证")  # initials of a word inside the name


def test_a_question_finds_the_item_for_the_situation(catalogue: dict[str, Any]) -> None:
    assert names("护照丢了怎么办")[0] == "普通护照补发"
    assert names("护照遗失了怎么补办")[0] == "普通护照补发"
    assert names("驾照丢了")[0] == "机动车驾驶证补证"


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("business licence", "营业执照（有限责任公司设立登记）"),
        ("Business License", "营业执照（有限责任公司设立登记）"),
        ("passport", "普通护照签发"),
        ("lost passport", "普通护照补发"),
        ("driving licence", "机动车驾驶证换证"),
        ("social security card", "社会保障卡申领"),
        ("how do I open a restaurant", "食品经营许可（新办）"),
    ],
)
def test_english_words_are_read_as_words(catalogue: dict[str, Any], query: str, first: str) -> None:
    assert names(query)[0] == first


def test_spaced_pinyin_still_reads_as_pinyin(catalogue: dict[str, Any]) -> None:
    assert names("ying ye zhi zhao")[0] == "营业执照（有限责任公司设立登记）"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_api_answers_english_and_bundles_in_either_language(
    client: Client, catalogue: dict[str, Any], language: str
) -> None:
    body = client.get(
        "/api/v1/catalog/items", {"q": "business licence"}, HTTP_ACCEPT_LANGUAGE=language
    ).json()
    assert body["items"][0]["name"] == "营业执照（有限责任公司设立登记）"
    body = client.get(
        "/api/v1/catalog/items", {"q": "开饭店"}, HTTP_ACCEPT_LANGUAGE=language
    ).json()
    bundle = Bundle.objects.get()
    assert body["bundles"] == [
        {"id": bundle.pk, "name": "开办餐馆一件事", "url": "/bundles/open-restaurant/"}
    ]
    assert body["items"][0]["name"] == "食品经营许可（新办）"


@pytest.mark.parametrize("query", ["开饭店", "kfd", "开办餐馆", "食品经营许可", "open restaurant"])
def test_bundles_match_by_keywords_initials_name_and_items(
    client: Client, catalogue: dict[str, Any], query: str
) -> None:
    body = client.get("/api/v1/catalog/items", {"q": query}).json()
    assert [b["name"] for b in body["bundles"]] == ["开办餐馆一件事"]


def test_no_bundle_for_an_unrelated_query(client: Client, catalogue: dict[str, Any]) -> None:
    assert client.get("/api/v1/catalog/items", {"q": "护照"}).json()["bundles"] == []
    assert client.get("/api/v1/catalog/items", {"q": ""}).json()["bundles"] == []


def test_a_new_bundle_is_found_at_once(client: Client, catalogue: dict[str, Any]) -> None:
    assert client.get("/api/v1/catalog/items", {"q": "出国"}).json()["bundles"] == []
    Bundle.objects.create(
        slug="go-abroad",
        name="出国一件事",
        audience="person",
        lead_department=catalogue["普通护照签发"].department,
    )
    assert [
        b["name"] for b in client.get("/api/v1/catalog/items", {"q": "出国"}).json()["bundles"]
    ] == ["出国一件事"]


def test_bundles_are_read_again_when_the_cache_was_cleared(catalogue: dict[str, Any]) -> None:
    """Each process keeps the bundles it read; a cleared cache (the catalogue version starting
    again from 1) must not leave it answering from that copy."""
    assert matching_bundles("出国") == []
    cache.clear()
    bundle = Bundle(
        slug="go-abroad",
        name="出国一件事",
        audience="person",
        lead_department=catalogue["普通护照签发"].department,
    )
    Bundle.objects.bulk_create([bundle])  # no signal, no version bump
    cache.clear()
    assert [b.name for b in matching_bundles("出国")] == ["出国一件事"]


def test_results_page_shows_bundles_first(client: Client, catalogue: dict[str, Any]) -> None:
    html = client.get("/search/", {"q": "开饭店"}).content.decode()
    assert 'href="/bundles/open-restaurant/"' in html
    assert html.index("开办餐馆一件事") < html.index("食品经营许可（新办）")
    assert '<details class="search-filters"' in html  # filters fold on a phone


HOSTILE = [
    "x" * 100_000,
    "护照\x00丢了",
    "\x00",
    "!!!???。。。",
    "%%%' OR 1=1 --",
    '"*) OR (*"',
    "zh" * 500,
    "营业执照" * 300,
    "how do i",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_answer_without_error(
    client: Client, catalogue: dict[str, Any], query: str
) -> None:
    for path in (
        "/api/v1/catalog/items",
        "/api/v1/catalog/suggest",
        "/search/",
        "/search/suggest/",
    ):
        response = client.get(path, {"q": query})
        assert response.status_code in (200, 400, 414, 422), (path, response.status_code)


def test_punctuation_or_filler_alone_finds_nothing(
    client: Client, catalogue: dict[str, Any]
) -> None:
    for query in ("!!!???。。。", "how do i", "怎么办"):
        body = client.get("/api/v1/catalog/items", {"q": query}).json()
        assert body["count"] == 0 or query == "怎么办", query
    # an empty query still lists the catalogue
    assert client.get("/api/v1/catalog/items", {"q": ""}).json()["count"] == len(ITEMS)


def test_documents_rank_without_the_catalogue() -> None:
    answers = [
        document(1, "护照遗失怎么补办", "护照 补发"),
        document(2, "社保卡怎么申领", "社会保障卡"),
    ]
    assert [d.key for d in rank("sbk", answers)] == [2]
    assert [d.key for d in rank("护照丢了怎么办", answers)] == [1]


def test_answers_are_kept_until_the_catalogue_changes(
    client: Client, catalogue: dict[str, Any]
) -> None:
    first = client.get("/api/v1/catalog/items", {"q": "护照"}).json()
    assert first["count"] == 3
    make_item(catalogue["普通护照签发"].department, name="普通护照加注", sequence=50, popularity=1)
    again = client.get("/api/v1/catalog/items", {"q": "护照"}).json()
    assert again["count"] == 4  # the publication bumped the catalogue version
