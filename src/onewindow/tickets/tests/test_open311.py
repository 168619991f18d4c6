"""Open311 GeoReport v2 (``/open311/v2/``): every endpoint in JSON and XML, the errors in Open311's
form (400 per field, 403 without a key, 404), what the public may read, and a published Open311
client library (``georeport``) against a live server."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from onewindow.testing.factories import DepartmentFactory, hotline_setup, ticket_category
from onewindow.tickets import clients, services
from onewindow.tickets.models import Channel, ClientKey, Status, Ticket

pytestmark = pytest.mark.django_db

KEY = "o311_test-client-key-0001"
BASE = "/open311/v2"
ATTRIBUTES = [
    {
        "code": "when",
        "datatype": "singlevaluelist",
        "required": True,
        "description": "发生时段",
        "order": 2,
        "values": [{"key": "day", "name": "白天"}, {"key": "night", "name": "夜间"}],
    },
    {
        "code": "source",
        "datatype": "multivaluelist",
        "required": False,
        "description": "噪音来源",
        "order": 1,
        "values": [
            {"key": "site", "name": "工地"},
            {"key": "shop", "name": "商铺"},
            {"key": "car", "name": "车辆"},
        ],
    },
]


@pytest.fixture
def city() -> dict[str, Any]:
    setup = hotline_setup()
    setup["noise"] = ticket_category(
        setup["urban"],
        "noise",
        attributes=ATTRIBUTES,
        description="夜间施工、商铺外放等噪音",
        name_en="Noise",
    )
    setup["road"] = ticket_category(
        setup["urban"], "road", name="道路破损", group="市政", keywords="道路 坑洼"
    )
    clients.issue("测试客户端", KEY)
    return setup


def form(**fields: Any) -> dict[str, Any]:
    values = {
        "api_key": KEY,
        "service_code": "noise",
        "lat": "36.651200",
        "long": "117.320000",
        "address_string": "青湖区望湖路88号",
        "description": "望湖路工地每晚施工到凌晨，联系我13812345678",
        "attribute[when]": "night",
        "attribute[source]": ["site", "shop"],
        "first_name": "小明",
        "last_name": "王",
        "phone": "13812345678",
        "email": "wang@example.com",
    }
    return values | fields


def answer(response: Any, fmt: str) -> Any:
    """The body as JSON, or the XML's root element (which must parse: well-formed)."""
    if fmt == "json":
        assert response["Content-Type"].startswith("application/json")
        return json.loads(response.content)
    assert response["Content-Type"].startswith("application/xml")
    return ET.fromstring(response.content)  # noqa: S314 - our own answer


def errors(response: Any, fmt: str) -> list[tuple[int, str]]:
    body = answer(response, fmt)
    if fmt == "json":
        return [(e["code"], e["description"]) for e in body]
    assert body.tag == "errors"
    return [
        (int(e.findtext("code") or 0), e.findtext("description") or "")
        for e in body.findall("error")
    ]


def post(client: Client, fmt: str = "json", **fields: Any) -> Any:
    return client.post(f"{BASE}/requests.{fmt}", form(**fields))


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_services_and_a_service_definition(city: dict[str, Any], client: Client, fmt: str) -> None:
    listed = answer(client.get(f"{BASE}/services.{fmt}"), fmt)
    if fmt == "json":
        by_code = {s["service_code"]: s for s in listed}
        assert by_code["noise"] | {"keywords": ""} == {
            "service_code": "noise",
            "service_name": "噪音扰民",
            "description": "夜间施工、商铺外放等噪音",
            "metadata": True,
            "type": "realtime",
            "keywords": "",
            "group": "环境",
        }
        assert by_code["noise"]["keywords"] == "噪音, 施工, 扰民"
        assert by_code["road"]["metadata"] is False
    else:
        assert listed.tag == "services"
        by_code = {s.findtext("service_code"): s for s in listed.findall("service")}
        assert by_code["noise"].findtext("metadata") == "true"
        assert by_code["road"].findtext("metadata") == "false"
        assert by_code["road"].findtext("type") == "realtime"
        assert by_code["road"].findtext("group") == "市政"

    definition = answer(client.get(f"{BASE}/services/noise.{fmt}"), fmt)
    if fmt == "json":
        assert definition["service_code"] == "noise"
        first, second = definition["attributes"]
        assert (first["code"], first["order"], second["code"]) == ("source", 1, "when")
        assert second == {
            "variable": True,
            "code": "when",
            "datatype": "singlevaluelist",
            "required": True,
            "datatype_description": "",
            "order": 2,
            "description": "发生时段",
            "values": [{"key": "day", "name": "白天"}, {"key": "night", "name": "夜间"}],
        }
    else:
        assert definition.tag == "service_definition"
        attributes = definition.findall("attributes/attribute")
        assert [a.findtext("code") for a in attributes] == ["source", "when"]
        assert attributes[1].findtext("required") == "true"
        assert [v.findtext("key") for v in attributes[1].findall("values/value")] == [
            "day",
            "night",
        ]


def test_service_names_follow_the_language(city: dict[str, Any], client: Client) -> None:
    listed = client.get(f"{BASE}/services.json", headers={"accept-language": "en"}).json()
    assert {s["service_code"]: s["service_name"] for s in listed}["noise"] == "Noise"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_file_a_request_and_read_it_back(city: dict[str, Any], client: Client, fmt: str) -> None:
    response = post(client, fmt, media_url="https://photos.example.com/1.jpg")
    assert response.status_code == 200, response.content.decode()
    body = answer(response, fmt)
    if fmt == "json":
        (created,) = body
    else:
        assert body.tag == "service_requests"
        (element,) = body.findall("request")
        created = {child.tag: child.text for child in element}
    number = created["service_request_id"]
    assert created["account_id"] is None and "13个工作日" in created["service_notice"]

    ticket = Ticket.objects.get(number=number)
    assert ticket.channel == Channel.OPEN311 and ticket.kind == "complaint"
    assert ticket.client == ClientKey.objects.get() and ticket.token == created["token"]
    assert ticket.attributes == {"when": "night", "source": ["site", "shop"]}
    assert ticket.phone_masked == "138****5678" and ticket.reporter_name_masked.startswith("王")
    assert ticket.media_url == "https://photos.example.com/1.jpg"

    one = client.get(f"{BASE}/requests/{number}.{fmt}")
    listed = client.get(f"{BASE}/requests.{fmt}", {"service_code": "noise,road", "status": "open"})
    token = client.get(f"{BASE}/tokens/{ticket.token}.{fmt}")
    for raw in (one.content, listed.content):
        assert b"13812345678" not in raw and "王小明".encode() not in raw and b"wang@" not in raw
    if fmt == "json":
        (row,) = one.json()
        assert listed.json() == [row]
        assert token.json() == [{"service_request_id": number, "token": ticket.token}]
    else:
        (element,) = answer(one, fmt).findall("request")
        row = {child.tag: child.text for child in element}
        assert [
            r.findtext("service_request_id") for r in answer(listed, fmt).findall("request")
        ] == [number]
        assert answer(token, fmt).findtext("request/service_request_id") == number
    assert row["service_request_id"] == number and row["status"] == "open"
    assert row["service_code"] == "noise" and row["service_name"] == "噪音扰民"
    assert row["description"] == "望湖路工地每晚施工到凌晨，联系我138****5678"
    assert "工单编号" in row["status_notes"]
    assert row["requested_datetime"].endswith("+08:00") and row["updated_datetime"]
    assert row["agency_responsible"] is None and row["expected_datetime"] is None
    assert str(row["lat"]) == "36.6512" and str(row["long"]) == "117.32"
    assert row["address"] == "青湖区望湖路88号"
    assert row["media_url"] == "https://photos.example.com/1.jpg"


def test_status_department_and_deadline_follow_the_ticket(
    city: dict[str, Any], client: Client
) -> None:
    number = post(client).json()[0]["service_request_id"]
    due = timezone.now() + timedelta(days=10)
    Ticket.objects.filter(number=number).update(
        status=Status.HANDLING, department=city["urban"], due_at=due
    )
    (row,) = client.get(f"{BASE}/requests/{number}.json").json()
    assert row["status"] == "open" and row["agency_responsible"] == "城市管理局"
    assert row["expected_datetime"] == timezone.localtime(due).replace(microsecond=0).isoformat()
    for closed in (Status.CLOSED, Status.MERGED):
        Ticket.objects.filter(number=number).update(status=closed)
        assert client.get(f"{BASE}/requests/{number}.json").json()[0]["status"] == "closed"
        assert client.get(f"{BASE}/requests.json", {"status": "open"}).json() == []
        assert len(client.get(f"{BASE}/requests.json", {"status": "closed"}).json()) == 1


def test_lon_address_id_and_kind_extension(city: dict[str, Any], client: Client) -> None:
    fields = form(kind="suggestion", lon="117.5", description="建议增设夜间施工投诉公示牌")
    del fields["long"], fields["address_string"], fields["phone"]
    response = client.post(f"{BASE}/requests.json", fields)
    ticket = Ticket.objects.get(number=response.json()[0]["service_request_id"])
    assert ticket.kind == "suggestion" and str(ticket.long) == "117.500000"
    only_id = form(address_id="QH-000123", description="另一件事：路灯不亮")
    del only_id["lat"], only_id["long"], only_id["address_string"], only_id["phone"]
    ticket = Ticket.objects.get(
        number=client.post(f"{BASE}/requests.json", only_id).json()[0]["service_request_id"]
    )
    assert "QH-000123" in ticket.address and ticket.lat is None


def test_the_same_phone_again_is_merged_and_said_so(city: dict[str, Any], client: Client) -> None:
    first = post(client).json()[0]
    again = post(client).json()[0]
    assert again["service_request_id"] == first["service_request_id"]
    assert "并入" in again["service_notice"]


def test_the_list_filters_pages_and_window(city: dict[str, Any], client: Client) -> None:
    numbers = []
    for index in range(3):
        numbers.append(
            post(
                client, description=f"第{index}件：路面坑洼", service_code="road", phone=""
            ).json()[0]["service_request_id"]
        )
    old = post(client, description="很久以前的噪音", phone="").json()[0]["service_request_id"]
    Ticket.objects.filter(number=old).update(created_at=timezone.now() - timedelta(days=120))

    def listed(**params: Any) -> list[str]:
        response = client.get(f"{BASE}/requests.json", params)
        assert response.status_code == 200, response.content
        return [r["service_request_id"] for r in response.json()]

    assert listed() == numbers[::-1]  # newest first, the last 90 days
    assert (
        listed(page_size="2") == numbers[:0:-1] and listed(page_size="2", page="2") == numbers[:1]
    )
    assert listed(page_size="100000") == numbers[::-1]  # capped, not refused
    assert listed(service_code="noise") == []
    long_ago = (timezone.now() - timedelta(days=130)).date().isoformat()
    assert listed(start_date=long_ago) == [old]
    assert listed(
        start_date=long_ago,
        end_date=(timezone.now() - timedelta(days=50)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    ) == [old]
    # the ids override every other filter (the specification), unknown ids are simply absent
    assert set(
        listed(
            service_request_id=f"{old},{numbers[0]},GD-00000000-XXXXXXXX", service_code="nothing"
        )
    ) == {old, numbers[0]}
    assert listed(jurisdiction_id="qinglan.gov.cn") == numbers[::-1]


def test_what_the_public_may_not_read(city: dict[str, Any], client: Client) -> None:
    """A confidential report and the tickets of other channels are not Open311's to show."""
    secret = services.file(
        services.Report(
            kind="report",
            category="road",
            description="举报某工地偷排污水",
            address="青湖区",
            confidential=True,
        ),
        channel=Channel.OPEN311,
        client=ClientKey.objects.get(),
    ).ticket
    call = services.file(
        services.Report(
            kind="complaint", category="road", description="电话反映路灯不亮", address="青湖区"
        ),
        channel=Channel.PHONE,
    ).ticket
    assert client.get(f"{BASE}/requests.json").json() == []
    for ticket in (secret, call):
        assert client.get(f"{BASE}/requests/{ticket.number}.json").status_code == 404
        assert (
            client.get(f"{BASE}/requests.json", {"service_request_id": ticket.number}).json() == []
        )
    assert client.get(f"{BASE}/tokens/{secret.token}.json").status_code == 404


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_missing_or_unknown_key_is_403(city: dict[str, Any], client: Client, fmt: str) -> None:
    for key in ("", "o311_not-a-key", "x" * 5000):
        response = post(client, fmt, api_key=key)
        assert response.status_code == 403
        ((code, description),) = errors(response, fmt)
        assert code == 403 and description.startswith("api_key")
    ClientKey.objects.update(active=False)
    assert post(client, fmt).status_code == 403
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_field_errors_are_400_one_per_field(city: dict[str, Any], client: Client, fmt: str) -> None:
    response = post(
        client, fmt, lat="10", long="10", description="长" * 4001, **{"attribute[when]": "noon"}
    )
    assert response.status_code == 400
    found = errors(response, fmt)
    assert {code for code, _ in found} == {400}
    assert {d.split(":")[0] for _, d in found} == {"lat", "description", "attribute[when]"}
    unknown = errors(post(client, fmt, service_code="no-such-thing"), fmt)
    assert [d.split(":")[0] for _, d in unknown] == ["service_code"]
    # our own checks and the service's together, so the client hears everything at once
    both = errors(
        post(client, fmt, media_url="javascript:alert(1)", kind="gossip", phone="12"), fmt
    )
    assert {d.split(":")[0] for _, d in both} == {"media_url", "kind", "phone"}
    nowhere = form()
    del nowhere["lat"], nowhere["long"], nowhere["address_string"]
    assert [
        d.split(":")[0] for _, d in errors(client.post(f"{BASE}/requests.{fmt}", nowhere), fmt)
    ] == ["lat"]
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_hostile_input_is_400_or_404_never_500(
    city: dict[str, Any], client: Client, fmt: str
) -> None:
    def status(response: Any, expected: int) -> None:
        assert response.status_code == expected, response.content
        assert [code for code, _ in errors(response, fmt)] and all(
            code == expected for code, _ in errors(response, fmt)
        )

    status(post(client, fmt, description="夜里\x00施工"), 400)
    status(client.get(f"{BASE}/requests.{fmt}", {"service_code": "noise\x00"}), 400)
    status(post(client, fmt, lat="1e999999", long="NaN"), 400)
    status(post(client, fmt, lat="99999999999999999999999999999999", long="-1E+400"), 400)
    status(post(client, fmt, first_name="名" * 41), 400)
    for params in (
        {"start_date": "2026-13-45"},
        {"end_date": "yesterday"},
        {"start_date": "9999-12-31T23:59:59Z"},
        {"start_date": "2026-01-01", "end_date": "2025-01-01"},
        {"start_date": "2025-01-01", "end_date": "2026-01-01"},
        {"page": "-1"},
        {"page": "0"},
        {"page": "99999999999999999999"},
        {"page_size": "ten"},
        {"status": "pending"},
    ):
        status(client.get(f"{BASE}/requests.{fmt}", params), 400)
    status(client.get(f"{BASE}/requests.{fmt}", {"jurisdiction_id": "elsewhere.gov"}), 404)
    status(post(client, fmt, jurisdiction_id="elsewhere.gov"), 404)
    status(client.get(f"{BASE}/services/nothing.{fmt}"), 404)
    status(client.get(f"{BASE}/requests/GD-20260101-AAAAAAAA.{fmt}"), 404)
    status(client.get(f"{BASE}/tokens/{'f' * 16}.{fmt}"), 404)
    status(client.get(f"{BASE}/discovery.{fmt}"), 404)
    status(
        client.post(
            f"{BASE}/requests.{fmt}",
            "x" * 300_000,
            content_type="application/x-www-form-urlencoded",
        ),
        400,
    )
    status(
        client.post(
            f"{BASE}/requests.{fmt}", b"--x\r\n", content_type="multipart/form-data; boundary="
        ),
        400,
    )
    assert client.delete(f"{BASE}/services.{fmt}").status_code == 405


def test_an_unknown_format_is_404(city: dict[str, Any], client: Client) -> None:
    for path in ("services.yaml", "services/noise.html", "requests.csv", "requests", "services"):
        response = client.get(f"{BASE}/{path}")
        assert response.status_code == 404
        assert response.json()[0]["code"] == 404
    assert post(client, "yaml").status_code == 404
    assert not Ticket.objects.exists()


def test_xml_stays_well_formed_whatever_was_typed(city: dict[str, Any], client: Client) -> None:
    post(client, description="<b>&amp; \x01\x1f ]]> 夜间施工</b>", phone="")
    root = ET.fromstring(client.get(f"{BASE}/requests.xml").content)  # noqa: S314 - our own answer
    assert root.findtext("request/description") == "<b>&amp;  ]]> 夜间施工</b>"


def test_the_key_notes_its_use_at_most_once_a_minute(city: dict[str, Any], client: Client) -> None:
    post(client, phone="")
    first = ClientKey.objects.get().last_used_at
    assert first is not None
    post(client, phone="", description="另一件事：路灯不亮")
    assert ClientKey.objects.get().last_used_at == first
    ClientKey.objects.update(last_used_at=first - timedelta(minutes=2))
    post(client, phone="", description="第三件事：井盖缺失")
    later = ClientKey.objects.get().last_used_at
    assert later is not None and later > first


def test_no_session_and_no_csrf(city: dict[str, Any]) -> None:
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(f"{BASE}/requests.json", form())
    assert response.status_code == 200 and not response.cookies
    # the security headers still come with the lane's answers
    assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_without_the_lane_the_urlconf_answers_the_same(
    city: dict[str, Any], client: Client, settings: Any
) -> None:
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("Open311Lane")]
    number = post(client).json()[0]["service_request_id"]
    assert client.get(f"{BASE}/requests/{number}.xml").status_code == 200
    assert client.get(f"{BASE}/services.yaml").json()[0]["code"] == 404
    assert post(client, api_key="nope").status_code == 403


_TEXT = st.text(st.characters(codec="utf-8"), max_size=60)
_NUMBERISH = st.one_of(_TEXT, st.floats(allow_nan=True).map(str), st.integers().map(str))


@examples(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    fields=st.fixed_dictionaries(
        {},
        optional={
            "service_code": st.one_of(st.sampled_from(["noise", "road"]), _TEXT),
            "lat": _NUMBERISH,
            "lon": _NUMBERISH,
            "description": _TEXT,
            "address_string": _TEXT,
            "attribute[when]": _TEXT,
            "attribute[source]": st.lists(_TEXT, max_size=3),
            "phone": _TEXT,
            "first_name": _TEXT,
            "kind": _TEXT,
            "media_url": _TEXT,
        },
    ),
    query=st.dictionaries(
        st.sampled_from(
            [
                "page",
                "page_size",
                "start_date",
                "end_date",
                "status",
                "service_code",
                "service_request_id",
            ]
        ),
        _NUMBERISH,
    ),
)
def test_whatever_a_client_sends_is_answered_in_open311_form(
    city: dict[str, Any], client: Client, fields: dict[str, Any], query: dict[str, str]
) -> None:
    filed = client.post(f"{BASE}/requests.json", {"api_key": KEY, **fields})
    assert filed.status_code in (200, 400), filed.content
    body = filed.json()
    assert isinstance(body, list) and body
    if filed.status_code == 400:
        assert all(e["code"] == 400 and e["description"] for e in body)
    read = client.get(f"{BASE}/requests.xml", query)
    assert read.status_code in (200, 400), read.content
    assert ET.fromstring(read.content).tag in ("service_requests", "errors")  # noqa: S314 - ours


# -- a published client library ----------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_the_georeport_client_library_reads_our_endpoint(live_server: Any) -> None:
    """``georeport`` (PyPI) builds its own URLs and parses our JSON and XML (with xmltodict). It
    files nothing (it has no POST), so a request is filed with ``requests`` the way a client would."""
    import requests
    from georeport import GeoReport

    setup = hotline_setup()
    setup["category"].attributes = ATTRIBUTES
    setup["category"].save()
    ticket_category(
        DepartmentFactory.create(slug="roads", name="交通运输局"),
        "road",
        name="道路破损",
        attributes=ATTRIBUTES,
    )
    clients.issue("georeport", KEY)
    root = f"{live_server.url}{BASE}"
    filed = requests.post(
        f"{root}/requests.json",
        data={
            "api_key": KEY,
            "service_code": "road",
            "lat": "36.7",
            "long": "117.3",
            "description": "路面塌陷",
            "attribute[when]": "day",
            "jurisdiction_id": "qinglan.gov.cn",
        },
        timeout=10,
    )
    assert filed.status_code == 200, filed.text
    number = filed.json()[0]["service_request_id"]

    for fmt in ("json", "xml"):
        city = GeoReport(root, jurisdiction="qinglan.gov.cn", api_key=KEY, output_format=fmt)
        services_list = city.get_service_list()
        if fmt == "xml":  # xmltodict: one element is a dict, several a list
            services_list = services_list if isinstance(services_list, list) else [services_list]
        assert {s["service_code"] for s in services_list} >= {"noise", "road"}
        definition = city.get_service_definition("road")
        attributes = (
            definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
        )
        assert {a["code"] for a in attributes} == {"when", "source"}
        found = city.get_service_requests(service_code="road", status="open")
        found = found if isinstance(found, list) else [found]
        assert [r["service_request_id"] for r in found] == [number]
        one = city.get_service_request(number)
        assert one["service_request_id"] == number and one["status"] == "open"
        assert one["description"] == "路面塌陷"

    wrong = GeoReport(root, jurisdiction="elsewhere.gov", output_format="json")
    with pytest.raises(requests.HTTPError) as refused:
        wrong.get_service_list()
    response = refused.value.response
    assert response is not None and response.status_code == 404
    assert response.json()[0]["code"] == 404
