"""Whatever the application form accepted fills the licence face: a whole number where the face holds
text (the food business licence's area ``120``) is issued as ``"120"``, not left pending."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from onewindow.accounts.services import issue_token
from onewindow.applications import services as applying
from onewindow.applications.lifecycle import ACTION_LABELS
from onewindow.core.errors import DomainError
from onewindow.demo import catalog_loader, licence_loader
from onewindow.licences import issuance
from onewindow.licences.face import as_text, to_face
from onewindow.licences.models import LicenceType
from onewindow.licences.services import check_data
from onewindow.testing.factories import make_item

CATALOG = Path(catalog_loader.__file__).resolve().parent / "data" / "catalog"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (120, "120"),
        (120.0, "120"),
        (120.5, "120.5"),
        (0.1, "0.1"),
        (1e-7, "0.0000001"),
        (1e20, "100000000000000000000"),
        (-3, "-3"),
        (True, "是"),
        (False, "否"),
        (["热食类食品制售", "冷食类食品制售"], "热食类食品制售、冷食类食品制售"),
        (date(2026, 11, 27), "2026-11-27"),
        ("120平方米", "120平方米"),
    ],
)
def test_a_form_value_is_written_as_the_face_text(value: Any, text: str) -> None:
    assert as_text(value) == text


def test_numbers_onto_a_number_face_item_stay_numbers() -> None:
    assert to_face(120.0, {"type": "integer"}) == 120
    assert to_face("120", {"type": "integer"}) == 120
    assert to_face("120.5", {"type": "number"}) == 120.5
    assert to_face("很大", {"type": "number"}) == "很大"  # left for the schema check to name
    assert to_face(True, {"type": "integer"}) is True


# -- every demo item that issues a licence ---------------------------------------------------------
def _licence_items() -> list[tuple[str, dict[str, Any], dict[str, Any], dict[str, str]]]:
    """(item name, form schema, face schema, mapping) of every demo catalogue item whose result is a
    licence type of the demo city."""
    types = {row["code"]: row for row in licence_loader._rows()}
    found = []
    for path in sorted(CATALOG.glob("*.yaml")):
        if path.name == "bundles.yaml":
            continue
        for row in yaml.safe_load(path.read_text(encoding="utf-8")).get("items", []):
            code, mapping = licence_loader.for_result((row.get("result") or {}).get("name", ""))
            if code:
                found.append(
                    (
                        row["name"],
                        catalog_loader._form(row),
                        licence_loader._schema(types[code]),
                        mapping,
                    )
                )
    return found


LICENCE_ITEMS = _licence_items()


def test_the_demo_food_licence_takes_its_area_from_a_number() -> None:
    food = next(form for name, form, _face, _map in LICENCE_ITEMS if name == "食品经营许可（新办）")
    assert food["properties"]["shop_area"]["type"] == "number"


def accepted(prop: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values a form property of the demo catalogue accepts."""
    if "enum" in prop:
        return st.sampled_from(prop["enum"])
    kind = prop.get("type", "string")
    low, high = prop.get("minimum"), prop.get("maximum")
    if kind == "integer":
        return st.integers(min_value=low, max_value=high)
    if kind == "number":
        return st.integers(min_value=low, max_value=high) | st.floats(
            min_value=low, max_value=high, allow_nan=False, allow_infinity=False
        )
    if kind == "boolean":
        return st.booleans()
    return st.text(min_size=1, max_size=prop.get("maxLength", 200))


def _face_fields() -> list[tuple[str, str, dict[str, Any], LicenceType]]:
    """(item, field, form property, licence type) for each face item the form fills by name."""
    out = []
    for name, form, face, mapping in LICENCE_ITEMS:
        licence_type = LicenceType(schema=face)
        for field in face["properties"]:
            if field not in mapping and field in form["properties"]:
                out.append((name, field, form["properties"][field], licence_type))
    return out


FACE_FIELDS = _face_fields()


def test_some_demo_face_items_come_from_the_form() -> None:
    assert ("食品经营许可（新办）", "shop_area") in {(i, f) for i, f, _p, _t in FACE_FIELDS}


@pytest.mark.parametrize(
    ("item", "field", "prop", "licence_type"),
    FACE_FIELDS,
    ids=[f"{item}-{field}" for item, field, _p, _t in FACE_FIELDS],
)
def test_every_value_the_form_accepts_fills_the_face(
    item: str, field: str, prop: dict[str, Any], licence_type: LicenceType
) -> None:
    required = {name: "测试" for name in licence_type.schema.get("required", [])}

    @settings(max_examples=60, deadline=None)
    @given(value=accepted(prop))
    def fills(value: Any) -> None:
        try:
            data = check_data(licence_type, {**required, field: value})
        except DomainError as error:  # pragma: no cover - the failure message
            raise AssertionError(f"{item}: {field}={value!r}: {error.fields}") from error
        assert isinstance(data[field], str)
        if prop.get("type") in ("number", "integer"):  # as written: no exponent, no ".0"
            assert re.fullmatch(r"-?(0|[1-9]\d*)(\.\d*[1-9])?", data[field]), data[field]

    fills()


# -- the whole way: an approval issues the licence --------------------------------------------------
def food_item(licensing: Any) -> Any:
    """The demo's food business licence item: the area is asked as a number."""
    item = make_item(
        licensing.market,
        publish=True,
        name="食品经营许可（新办）",
        service_objects=["legal"],
        topics_enterprise=["licence"],
        materials=["食品经营许可申请书"],
        licence_type=licensing.food.code,
        licence_mapping={"operator": "holder.name", "social_credit_code": "holder.code"},
        form_schema={
            "type": "object",
            "properties": {
                "business_scope": {"type": "string", "title": "经营项目"},
                "shop_area": {"type": "number", "title": "经营场所面积（平方米）", "minimum": 0},
            },
            "required": ["business_scope", "shop_area"],
        },
    )
    return item


@pytest.mark.django_db
@pytest.mark.parametrize(("area", "text"), [(120, "120"), (120.5, "120.5"), (120.0, "120")])
def test_approval_issues_the_licence_whatever_number_the_area_is(
    licensing: Any, area: float, text: str
) -> None:
    application = applying.create_application(
        licensing.agent,
        food_item(licensing),
        {"business_scope": "热食类食品制售", "shop_area": area},
        enterprise_uscc=licensing.company.uscc,
    )
    application.decision = "approved"
    application.completed_at = timezone.now()
    application.save()
    licence = issuance.issue_for_application(application.pk)
    assert licence is not None
    assert licence.data["shop_area"] == text
    assert not application.timeline.filter(action="licence_pending").exists()


@pytest.mark.django_db
def test_a_pending_licence_reads_in_words_on_the_applicants_timeline(
    licensing: Any, client: Any
) -> None:
    item = food_item(licensing)
    application = applying.create_application(
        licensing.agent, item, {"shop_area": 120}, enterprise_uscc=licensing.company.uscc
    )
    application.decision = "approved"
    application.completed_at = timezone.now()
    application.save()
    assert issuance.issue_for_application(application.pk) is None  # no business scope: pending
    token = issue_token(licensing.agent)[0]
    body = client.get(
        f"/api/v1/applications/{application.pk}", headers={"Authorization": f"Bearer {token}"}
    ).json()
    pending = [e for e in body["timeline"] if e["action"] == "licence_pending"]
    assert [e["label"] for e in pending] == ["电子证照待补全签发"]
    with translation.override("en"):
        assert str(ACTION_LABELS["licence_pending"]) == "Licence to be completed and issued"


@pytest.mark.django_db
def test_only_the_issuing_departments_deciders_and_administrators_open_the_issuing_form(
    licensing: Any, client: Any
) -> None:
    """The form shows the application's data filled in: its clerk, who sees the application but
    does not issue, is refused it (403) as they would be refused the issuing; staff of another
    department are not told the application exists (404)."""
    from django.urls import reverse

    from onewindow.accounts.authority import Role
    from onewindow.applications.lifecycle import Status
    from onewindow.licences.models import Licence
    from onewindow.testing.factories import staff

    application = applying.create_application(
        licensing.agent,
        food_item(licensing),
        {"shop_area": 120},
        enterprise_uscc=licensing.company.uscc,
    )
    application.status = Status.COMPLETED
    application.decision = "approved"
    application.completed_at = timezone.now()
    application.save()
    url = reverse("licences:issue", args=[application.number])
    face = {
        "operator": licensing.company.name,
        "social_credit_code": licensing.company.uscc,
        "business_scope": "热食类食品制售",
    }

    def as_(person: Any) -> Any:
        client.force_login(person, backend="onewindow.accounts.backends.AccountBackend")
        return client

    clerk = as_(licensing.clerk)
    for response in (clerk.get(url), clerk.post(url, face)):
        assert response.status_code == 403
        html = response.content.decode()
        assert "只有颁发部门的决定人员或管理员可以办理" in html
        assert "青岚湖畔餐饮有限公司" not in html and '<form method="post" novalidate>' not in html
    assert as_(licensing.other_decider).get(url).status_code == 404
    assert as_(staff(licensing.market, Role.DEPARTMENT_ADMIN)).get(url).status_code == 200
    decider = as_(licensing.decider)
    form = decider.get(url)
    assert form.status_code == 200 and "青岚湖畔餐饮有限公司" in form.content.decode()
    assert not Licence.objects.exists()  # the clerk's post issued nothing
    issued = decider.post(url, face)
    assert issued.status_code == 302
    assert Licence.objects.get().data["business_scope"] == "热食类食品制售"


# -- a business licence carries the enterprise's register entry, never a person's ------------------
PERSON_SOURCES = {"holder.name", "holder.code"}


def test_the_demo_enterprise_licences_take_the_enterprises_code_and_name() -> None:
    rows = {row["name"]: row for row in licence_loader._rows()}
    assert rows["营业执照"]["mapping"] == {
        "uscc": "enterprise.uscc",
        "name": "enterprise.name",
        "legal_representative": "enterprise.legal_representative",
    }
    for row in rows.values():
        if row["holder"] == "legal":  # a code or name of an enterprise is never a person's
            assert not PERSON_SOURCES & set(row.get("mapping", {}).values()), row["name"]


def business_item(licensing: Any, objects: list[str]) -> Any:
    """The demo's business licence item, issuing a type whose face names the legal
    representative, mapped as the demo maps it."""
    code, mapping = licence_loader.for_result("营业执照")
    kind = licensing.business
    assert kind.code == code
    kind.schema = licence_loader._schema(
        next(r for r in licence_loader._rows() if r["code"] == code)
    )
    kind.save(update_fields=["schema"])
    return make_item(
        licensing.market,
        publish=True,
        name="个体工商户登记（设立）",
        service_objects=objects,
        topics_enterprise=["start"] if "legal" in objects else [],
        topics_person=["work"] if "natural" in objects else [],
        materials=["登记申请书"],
        licence_type=kind.code,
        licence_mapping=mapping,
    )


def _approve(application: Any) -> Any:
    application.decision = "approved"
    application.completed_at = timezone.now()
    application.save()
    return issuance.issue_for_application(application.pk)


@pytest.mark.django_db
def test_a_business_licence_bears_the_enterprises_uscc_name_and_representative(
    licensing: Any,
) -> None:
    application = applying.create_application(
        licensing.agent,
        business_item(licensing, ["legal"]),
        {},
        enterprise_uscc=licensing.company.uscc,
    )
    licence = _approve(application)
    assert licence is not None
    company = licensing.company
    assert licence.number == company.uscc
    assert licence.data["uscc"] == company.uscc and licence.data["name"] == company.name
    assert licence.data["legal_representative"] == "王建国"
    assert licence.data["name"] != licensing.agent.name  # not the agent who applied


@pytest.mark.django_db
def test_a_person_applying_for_themselves_does_not_get_their_id_as_a_uscc(
    licensing: Any,
) -> None:
    citizen = licensing.citizen
    application = applying.create_application(citizen, business_item(licensing, ["natural"]), {})
    kind = issuance.licence_type_for(application)
    assert kind is not None
    face = issuance.face_data(application, kind)
    assert citizen.reveal_id_number() not in face.values()
    assert "uscc" not in face and "name" not in face
    assert _approve(application) is None  # the decider completes it: the register assigns a USCC
    assert application.timeline.filter(action="licence_pending").exists()


# -- a material's note promises no exemption the platform cannot give -----------------------------
# "已联网的可免提交" and the like name a condition the window checks; a bare "可免提交" on a required
# material promises what only a licence type (免提交 by using an electronic licence) can keep.
CONDITIONS = ("已联网", "已归集", "已共享", "两证合一", "直接登记类", "已通过网上", "持有电子")


def _materials() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(CATALOG.glob("*.yaml")):
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        for row in loaded.get("items", []) if isinstance(loaded, dict) else []:
            for material in row.get("materials", []):
                if isinstance(material, dict):
                    found.append((f"{path.name}: {row['name']}", material))
    return found


def test_no_required_demo_material_promises_an_exemption_it_cannot_give() -> None:
    wrong = [
        (item, material["name"])
        for item, material in _materials()
        if "免提交" in material.get("source_note", "")
        and material.get("necessity", "required") == "required"
        and not material.get("licence_type")
        and not any(condition in material["source_note"] for condition in CONDITIONS)
    ]
    assert wrong == []
    id_card = next(
        m
        for item, m in _materials()
        if item.endswith("个体工商户登记（设立）") and "身份证" in m["name"]
    )
    assert "免提交" not in id_card["source_note"] and "须提交" in id_card["source_note"]
