"""The form is checked on the server by what each field is (its ``x-widget``): a unified social credit
code with a wrong check character, a 7-digit phone number or an area of −5 never reaches a
department, and every error names its field by its title, in Chinese and in English."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from django.test import Client
from django.utils import translation

from onewindow.applications import forms, rendering, services
from onewindow.applications.models import Application
from onewindow.catalog.definitions import WIDGETS, validate_form
from onewindow.core.errors import DomainError
from onewindow.demo import catalog_loader
from onewindow.testing.factories import make_item, make_resident_id, make_uscc

BACKEND = "onewindow.accounts.backends.AccountBackend"
CATALOG = Path(catalog_loader.__file__).resolve().parent / "data" / "catalog"

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "company_uscc": {"type": "string", "title": "统一社会信用代码", "x-widget": "uscc"},
        "contact_phone": {"type": "string", "title": "联系电话", "x-widget": "phone"},
        "other_id_number": {"type": "string", "title": "对方身份证号码", "x-widget": "id_number"},
        "lease_start": {"type": "string", "title": "租赁起始日期", "x-widget": "date"},
        "mail": {"type": "string", "title": "电子邮箱", "x-widget": "email"},
        "shop_area": {"type": "number", "title": "经营场所面积（平方米）", "minimum": 0},
        "rooms": {"type": "integer", "title": "客房数量（间）", "minimum": 0, "maximum": 500},
    },
    "required": ["company_uscc", "contact_phone", "shop_area"],
}
GOOD: dict[str, Any] = {
    "company_uscc": make_uscc(31),
    "contact_phone": "13800000001",
    "other_id_number": make_resident_id(5),
    "lease_start": "2026-11-27",
    "mail": "shop@example.cn",
    "shop_area": 120,
    "rooms": 12,
}
BAD_USCC = make_uscc(31)[:17] + ("0" if make_uscc(31)[17] != "0" else "1")


def _demo_rows() -> list[dict[str, Any]]:
    rows = []
    for path in sorted(CATALOG.glob("*.yaml")):
        if path.name != "bundles.yaml":
            rows.extend(yaml.safe_load(path.read_text(encoding="utf-8")).get("items", []))
    return rows


def _demo_widgets() -> set[str]:
    widgets = set()
    for row in _demo_rows():
        for prop in catalog_loader._form(row)["properties"].values():
            if "x-widget" in prop:
                widgets.add(prop["x-widget"])
    return widgets


def test_the_demo_catalogue_uses_these_widgets() -> None:
    used = _demo_widgets()
    assert {"uscc", "phone", "id_number", "date", "address", "textarea", "select"} <= used
    assert used <= WIDGETS


def test_every_widget_is_either_checked_or_free_text_on_purpose() -> None:
    assert set(forms.WIDGET_CHECKS) | forms.FREE_WIDGETS == WIDGETS
    assert not set(forms.WIDGET_CHECKS) & forms.FREE_WIDGETS


def test_every_number_of_the_demo_catalogue_has_a_lower_bound() -> None:
    for row in _demo_rows():
        schema = catalog_loader._form(row)
        assert validate_form(schema) == {}
        for name, prop in schema["properties"].items():
            if prop["type"] in ("number", "integer"):
                assert prop.get("minimum") == 0, f"{row['name']}: {name}"


@pytest.mark.parametrize(
    ("field", "bad", "says"),
    [
        ("company_uscc", BAD_USCC, "校验位"),
        ("company_uscc", "91379900ABCDEFGHIO", "无效字符"),
        ("contact_phone", "1234567", "电话"),
        ("contact_phone", "2345678901", "电话"),
        ("other_id_number", make_resident_id(5)[:17] + "0", "校验位"),
        ("lease_start", "2026-02-30", "日期"),
        ("lease_start", "27/11/2026", "日期"),
        ("mail", "not-an-address", "邮箱"),
        ("shop_area", -5, "不能小于0"),
        ("rooms", 501, "不能大于500"),
        ("rooms", 1.5, "整数"),
        ("shop_area", "很大", "数字"),
    ],
)
def test_a_wrong_value_is_named_by_its_title(field: str, bad: Any, says: str) -> None:
    errors = forms.form_errors(SCHEMA, {**GOOD, field: bad}, complete=True)
    assert list(errors) == [f"data.{field}"]
    (message,) = errors[f"data.{field}"]
    title = SCHEMA["properties"][field]["title"]
    assert f"“{title}”" in message and says in message


@pytest.mark.parametrize(
    ("field", "good"),
    [
        ("company_uscc", make_uscc(31).lower()),
        ("contact_phone", "0999-12345001"),
        ("contact_phone", "+86 138 0000 0001"),
        ("contact_phone", "010-12345678-123"),
        ("other_id_number", make_resident_id(6)),
        ("shop_area", 0),
        ("shop_area", 120.5),
    ],
)
def test_right_values_in_the_forms_people_type_them_pass(field: str, good: Any) -> None:
    assert forms.form_errors(SCHEMA, {**GOOD, field: good}, complete=True) == {}


def test_a_missing_field_is_named_by_its_title() -> None:
    errors = forms.form_errors(SCHEMA, {}, complete=True)
    assert errors["data.shop_area"] == ["请填写“经营场所面积（平方米）”。"]


def test_errors_read_in_english_too() -> None:
    with translation.override("en"):
        errors = forms.form_errors(SCHEMA, {**GOOD, "shop_area": -5, "contact_phone": "1"}, True)
        missing = forms.form_errors(SCHEMA, {}, complete=True)
    assert errors["data.shop_area"] == ["“经营场所面积（平方米）” must not be less than 0."]
    assert errors["data.contact_phone"][0].startswith("“联系电话”: ")
    assert "phone" in errors["data.contact_phone"][0]
    assert missing["data.shop_area"] == ["Enter “经营场所面积（平方米）”."]


@pytest.mark.parametrize("typed", ["1e400", "nan", "-inf", "12.5"])
def test_a_number_the_page_cannot_hold_stays_as_typed(typed: str) -> None:
    """Not a server error: the schema check names what was typed."""
    from django.http import QueryDict

    data = rendering.parse(SCHEMA, QueryDict(f"rooms={typed}"), ["rooms"])
    assert data == {"rooms": typed}
    assert forms.form_errors(SCHEMA, data, complete=False)["data.rooms"]


# -- through the API and the page -------------------------------------------------------------------
@pytest.fixture
def item(world: Any) -> Any:
    return make_item(
        world.market,
        name="旅馆业特种行业许可",
        form_schema=SCHEMA,
        sequence=2,
        service_objects=["natural", "legal"],
    )


def test_the_api_refuses_what_the_widgets_refuse(item: Any, world: Any, api: Any) -> None:
    bad = {**GOOD, "company_uscc": BAD_USCC, "contact_phone": "1234567", "shop_area": -5}
    for submit in (False, True):
        response = api(world.citizen).post(
            "/applications", {"item_id": item.pk, "data": bad, "submit": submit}
        )
        assert response.status_code == 422
        fields = response.json()["error"]["fields"]
        assert set(fields) == {"data.company_uscc", "data.contact_phone", "data.shop_area"}
        assert "“统一社会信用代码”" in fields["data.company_uscc"][0]
        assert "“联系电话”" in fields["data.contact_phone"][0]
        assert fields["data.shop_area"] == ["“经营场所面积（平方米）”不能小于0。"]
    assert not Application.objects.filter(item=item).exists()
    english = api(world.citizen).client.post(
        "/api/v1/applications",
        {"item_id": item.pk, "data": bad},
        content_type="application/json",
        headers=api(world.citizen).headers,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert english.json()["error"]["fields"]["data.shop_area"] == [
        "“经营场所面积（平方米）” must not be less than 0."
    ]
    good = api(world.citizen).post("/applications", {"item_id": item.pk, "data": GOOD})
    assert good.status_code == 201


def test_a_draft_cannot_be_changed_into_a_wrong_value(item: Any, world: Any) -> None:
    draft = services.create_application(world.citizen, item, GOOD)
    with pytest.raises(DomainError) as refused:
        services.update_draft(draft, world.citizen, {"contact_phone": "1234567"})
    assert "“联系电话”" in refused.value.fields["data.contact_phone"][0]
    page = _page(world).post(f"/my/applications/{draft.number}/edit/", {**GOOD, "rooms": "501"})
    assert page.status_code == 422
    assert 'href="#field-rooms">“客房数量（间）”不能大于500。' in page.content.decode()


def _page(world: Any) -> Client:
    client = Client()
    client.force_login(world.citizen, backend=BACKEND)
    return client


def test_the_page_names_each_wrong_field_by_its_title(item: Any, world: Any) -> None:
    page = _page(world).post(
        f"/items/{item.pk}/apply/",
        {**GOOD, "company_uscc": BAD_USCC, "contact_phone": "1234567", "shop_area": "-5"},
    )
    assert page.status_code == 422
    html = page.content.decode()
    assert '<a href="#field-shop_area">“经营场所面积（平方米）”不能小于0。</a>' in html
    assert 'href="#field-company_uscc">“统一社会信用代码”' in html
    assert 'href="#field-contact_phone">“联系电话”' in html
    assert not Application.objects.filter(item=item).exists()


def test_an_empty_first_step_makes_no_draft(item: Any, world: Any) -> None:
    """The first step is the form, its required fields marked: "save and next" with them empty
    shows what to fill in, and no empty draft appears under "my applications"."""
    page = _page(world).post(f"/items/{item.pk}/apply/", {})
    assert page.status_code == 422
    html = page.content.decode()
    assert 'href="#field-company_uscc">请填写“统一社会信用代码”。' in html
    assert 'href="#field-shop_area">请填写“经营场所面积（平方米）”。' in html
    assert not Application.objects.filter(item=item).exists()
    done = _page(world).post(f"/items/{item.pk}/apply/", {**GOOD, "shop_area": "120"})
    assert done.status_code == 302
    assert Application.objects.get(item=item).data["shop_area"] == 120


def test_a_prefilled_required_field_emptied_on_the_page_is_asked_for(world: Any) -> None:
    """The page fills the name in from the account; emptied, it is asked for again, not filled
    back silently while the page shows it empty."""
    emptied = _page(world).post(f"/items/{world.item.pk}/apply/", {"name": " ", "area": "80"})
    assert emptied.status_code == 422
    assert 'href="#field-name">请填写“姓名”。' in emptied.content.decode()
    assert not Application.objects.filter(item=world.item).exists()
    kept = _page(world).post(f"/items/{world.item.pk}/apply/", {"name": "张三", "area": "80"})
    assert kept.status_code == 302
    assert Application.objects.get(item=world.item).data["name"] == "张三"
