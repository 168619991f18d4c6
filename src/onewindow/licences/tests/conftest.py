"""Fixtures for licences: the market department, licence types, a company with an agent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from onewindow.accounts import services as accounts
from onewindow.licences.models import LicenceType
from onewindow.licences.services import CODE_TYPE_ID, CODE_TYPE_USCC, Holder, issue
from onewindow.testing.factories import DepartmentFactory, PersonFactory, make_uscc, staff

BUSINESS = "11100000000013338W011"
FOOD = "11100000000013338W031"


@dataclass
class Licensing:
    market: Any
    fire: Any
    business: LicenceType
    food: LicenceType
    company: Any
    agent: Any
    citizen: Any
    decider: Any
    clerk: Any
    other_decider: Any

    def business_licence(self, **data: Any) -> Any:
        return issue(
            self.business,
            self.market,
            Holder(self.company.name, self.company.uscc, CODE_TYPE_USCC, self.company),
            {"uscc": self.company.uscc, "name": self.company.name, **data},
        )

    def person_licence(self, person: Any = None, **kwargs: Any) -> Any:
        person = person or self.citizen
        return issue(
            self.food,
            self.market,
            Holder(person.name, person.reveal_id_number(), CODE_TYPE_ID, person),
            {"operator": person.name, "social_credit_code": "-", "business_scope": "热食类"},
            **kwargs,
        )


def schema(*fields: tuple[str, str, bool]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            k: {"type": "string", "title": t, "x-order": i} for i, (k, t, _) in enumerate(fields)
        },
        "required": [k for k, _, required in fields if required],
    }


@pytest.fixture
def licensing(db: None) -> Licensing:
    market = DepartmentFactory.create(slug="market", name="青岚市市场监督管理局")
    fire = DepartmentFactory.create(slug="fire", name="消防救援支队")
    business = LicenceType.objects.create(
        code=BUSINESS,
        name="营业执照",
        holder_kind="legal",
        number_field="uscc",
        schema=schema(
            ("uscc", "统一社会信用代码", True), ("name", "名称", True), ("scope", "经营范围", False)
        ),
    )
    food = LicenceType.objects.create(
        code=FOOD,
        name="食品经营许可证",
        holder_kind="legal",
        validity_years=5,
        schema=schema(
            ("operator", "经营者名称", True),
            ("social_credit_code", "社会信用代码", True),
            ("business_scope", "经营项目", True),
            ("shop_area", "经营场所面积", False),
        ),
    )
    company = accounts.create_legal_person("青岚湖畔餐饮有限公司", make_uscc(7), "王建国", None)
    agent = PersonFactory.create()
    accounts.grant_agency(company, agent, ["all"], timezone.now() + timedelta(days=30))
    return Licensing(
        market,
        fire,
        business,
        food,
        company,
        agent,
        PersonFactory.create(),
        staff(market, "decider"),
        staff(market, "clerk"),
        staff(fire, "decider"),
    )
