"""Search relevance: a table of what people type and what must come first, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from onewindow.catalog.search import Filters, search
from onewindow.testing.factories import DepartmentFactory, make_item

pytestmark = pytest.mark.django_db

ITEMS: list[tuple[str, str, str, int, dict[str, Any]]] = [
    # (department, name, keywords, popularity, overrides)
    ("market", "营业执照（有限责任公司设立登记）", "开公司 注册公司", 100, {}),
    ("market", "营业执照（变更登记）", "", 60, {}),
    ("market", "食品经营许可（新办）", "开饭店 餐馆 餐饮", 90, {}),
    ("market", "个体工商户设立登记", "开店", 50, {}),
    (
        "traffic",
        "机动车驾驶人考试预约",
        "考驾照",
        95,
        {"service_objects": ["natural"], "topics_enterprise": [], "topics_person": ["transport"]},
    ),
    (
        "traffic",
        "机动车驾驶证换证",
        "",
        70,
        {"service_objects": ["natural"], "topics_enterprise": [], "topics_person": ["transport"]},
    ),
    (
        "traffic",
        "机动车号牌选号",
        "选号 上牌",
        80,
        {"service_objects": ["natural", "legal"], "topics_person": ["transport"]},
    ),
    (
        "hrss",
        "社会保障卡申领",
        "",
        85,
        {
            "service_objects": ["natural"],
            "topics_enterprise": [],
            "topics_person": ["social_security"],
        },
    ),
    (
        "hpf",
        "住房公积金提取（租房）",
        "",
        88,
        {"service_objects": ["natural"], "topics_enterprise": [], "topics_person": ["housing"]},
    ),
    (
        "hukou",
        "居民身份证换领",
        "",
        75,
        {
            "service_objects": ["natural"],
            "topics_enterprise": [],
            "topics_person": ["household"],
            "fully_online": False,
            "visits": 1,
            "visit_reason": "需现场采集人像",
        },
    ),
    ("housing", "建筑工程施工许可证核发", "开工", 40, {}),
    (
        "civil",
        "结婚登记",
        "",
        65,
        {
            "service_objects": ["natural"],
            "topics_enterprise": [],
            "topics_person": ["marriage"],
            "fully_online": False,
            "visits": 1,
            "visit_reason": "双方须亲自到场",
            "item_type": "07",
        },
    ),
]

# query → the name that must come first (and names that must be among the results)
CASES = [
    ("营业执照", "营业执照（有限责任公司设立登记）", ["营业执照（变更登记）"]),
    ("营业执照变更", "营业执照（变更登记）", []),
    ("开饭店", "食品经营许可（新办）", []),
    ("餐饮", "食品经营许可（新办）", []),
    ("驾照", "机动车驾驶人考试预约", ["机动车驾驶证换证"]),
    ("考驾照", "机动车驾驶人考试预约", []),
    ("驾驶证", "机动车驾驶证换证", []),
    ("社保卡", "社会保障卡申领", []),
    ("社保", "社会保障卡申领", []),
    ("公积金", "住房公积金提取（租房）", []),
    ("身份证", "居民身份证换领", []),
    ("yingyezhizhao", "营业执照（有限责任公司设立登记）", ["营业执照（变更登记）"]),
    ("yyzz", "营业执照（有限责任公司设立登记）", []),
    ("zhizhao", "营业执照（有限责任公司设立登记）", []),
    ("jhdj", "结婚登记", []),
    ("选号", "机动车号牌选号", []),
    ("证", "居民身份证换领", ["机动车驾驶证换证", "建筑工程施工许可证核发"]),
    ("结婚", "结婚登记", []),
    ("怎么办理营业执照", "营业执照（有限责任公司设立登记）", []),
    ("ＹＹＺＺ", "营业执照（有限责任公司设立登记）", []),
]


@pytest.fixture
def catalogue() -> None:
    departments: dict[str, Any] = {}
    for index, (slug, name, keywords, popularity, overrides) in enumerate(ITEMS):
        if slug not in departments:
            departments[slug] = DepartmentFactory.create(slug=slug)
        make_item(
            departments[slug],
            name=name,
            keywords=keywords,
            popularity=popularity,
            sequence=index + 1,
            **overrides,
        )


@pytest.mark.parametrize(("query", "first", "also"), CASES)
def test_relevance(catalogue: None, query: str, first: str, also: list[str]) -> None:
    names = [e.name for e in search(query).entries]
    assert names, f"nothing found for {query}"
    assert names[0] == first, names
    for name in also:
        assert name in names


def test_name_matches_come_before_keyword_matches(catalogue: None) -> None:
    make_item(
        DepartmentFactory.create(slug="edu"), name="开公司咨询服务", sequence=99, popularity=0
    )
    names = [e.name for e in search("开公司").entries]
    assert names[0] == "开公司咨询服务"
    assert "营业执照（有限责任公司设立登记）" in names


def test_nothing_matches_gibberish(catalogue: None) -> None:
    assert search("量子纠缠").count == 0
    assert search("qzjc").count == 0


def test_some_words_match_when_not_all_do(catalogue: None) -> None:
    result = search("营业执照 太空")
    assert result.relaxed and result.entries[0].name.startswith("营业执照")


def test_filters(catalogue: None) -> None:
    assert {e.name for e in search("", Filters(department="traffic")).entries} == {
        "机动车驾驶人考试预约",
        "机动车驾驶证换证",
        "机动车号牌选号",
    }
    natural = {e.name for e in search("登记", Filters(object="natural")).entries}
    assert natural == {"结婚登记"}
    assert all(e.fully_online for e in search("", Filters(online=True), page_size=100).entries)
    assert "居民身份证换领" not in {
        e.name for e in search("", Filters(max_visits=0), page_size=100).entries
    }
    assert {e.name for e in search("", Filters(item_type="07")).entries} == {"结婚登记"}


def test_empty_query_lists_by_popularity(catalogue: None) -> None:
    result = search("")
    assert result.count == len(ITEMS)
    assert result.entries[0].name == "营业执照（有限责任公司设立登记）"


def test_paging(catalogue: None) -> None:
    first = search("", page=1, page_size=5)
    second = search("", page=2, page_size=5)
    assert first.count == second.count == len(ITEMS)
    assert not {e.pk for e in first.entries} & {e.pk for e in second.entries}


@pytest.mark.parametrize("filters", [Filters(), Filters(department="market")])
def test_query_count_is_the_same_on_every_page(catalogue: None, filters: Filters) -> None:
    """The ranking query reads one page; the count comes from a query of its own, or from the
    page when it is the last one."""
    everything = search("登记", filters, page_size=100)
    assert everything.count == len(everything.entries) >= 3
    seen: list[int] = []
    for number in range(1, everything.count + 3):
        page = search("登记", filters, page=number, page_size=2)
        assert page.count == everything.count, number
        seen += [e.pk for e in page.entries]
    assert seen == [e.pk for e in everything.entries]


def test_api_search_and_item(client: Client, catalogue: None) -> None:
    body = client.get("/api/v1/catalog/items", {"q": "驾照", "object": "natural"}).json()
    assert body["count"] == 2
    first = body["items"][0]
    assert first["name"] == "机动车驾驶人考试预约"
    assert set(first) >= {
        "id",
        "name",
        "basic_code",
        "implementation_code",
        "item_type",
        "department",
        "legal_days",
        "promised_days",
        "visits",
        "online_depth",
        "url",
    }
    detail = client.get(first["url"].replace("/items/", "/api/v1/catalog/items/")[:-1]).json()
    assert detail["materials"][0]["name"] == "申请书"
    assert detail["process"]["stages"][0]["kind"] == "acceptance"
    assert detail["form"]["type"] == "object"


def test_api_rejects_bad_filters(client: Client) -> None:
    response = client.get(
        "/api/v1/catalog/items", {"item_type": "99", "object": "robot", "max_visits": "-1"}
    )
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"item_type", "object", "max_visits"}
    assert client.get("/api/v1/catalog/items", {"page": "x"}).status_code == 422


@pytest.mark.parametrize(
    "query",
    [
        {"q": "登记"},
        {"q": "驾照", "object": "natural", "page": "1"},
        {"q": "", "department": "market", "online": "true", "max_visits": "3"},
        {"q": "量子纠缠"},
    ],
)
def test_search_lane_answers_as_the_api_operation_does(
    client: Client, catalogue: None, settings: Any, query: dict[str, str]
) -> None:
    """A well-formed search is answered before sessions, language and the rest (no cookie is
    read or set), ranked every time with the cache off, and the same as the Ninja operation's."""
    settings.SEARCH_CACHE_SECONDS = 0
    client.cookies["sessionid"] = "not-a-session"
    with CaptureQueriesContext(connection) as lane_queries:
        lane = client.get("/api/v1/catalog/items", query)
    assert not [q for q in lane_queries if "django_session" in q["sql"]]
    assert not lane.has_header("Content-Language")  # no language was chosen
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("SearchLane")]
    operation = Client().get("/api/v1/catalog/items", query)  # a client loads the middleware once
    assert operation.has_header("Content-Language")  # the full stack answered
    assert lane.status_code == operation.status_code == 200
    assert lane.json() == operation.json()


def test_search_lane_leaves_bad_input_to_the_operation(client: Client) -> None:
    for query in ({"page": "x"}, {"max_visits": ""}, {"item_type": "99"}, {"page": "0"}):
        response = client.get("/api/v1/catalog/items", query, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 422, query
        assert response["Content-Language"] == "en"
    # What the lane does not know (a repeated or unknown parameter) the operation answers.
    unusual: list[dict[str, Any]] = [{"q": ["证", "登记"]}, {"q": "证", "sort": "name"}]
    for query in unusual:
        response = client.get("/api/v1/catalog/items", query)
        assert response.status_code == 200
        assert response.has_header("Content-Language")


def test_suggest(client: Client, catalogue: None) -> None:
    names = [s["name"] for s in client.get("/api/v1/catalog/suggest", {"q": "营业"}).json()]
    assert names[:2] == ["营业执照（有限责任公司设立登记）", "营业执照（变更登记）"]
    assert client.get("/api/v1/catalog/suggest", {"q": ""}).json() == []
    html = client.get("/search/suggest/", {"q": "jsz"}).content.decode()
    assert "机动车驾驶证换证" in html
