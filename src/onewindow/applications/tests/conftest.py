from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from onewindow.accounts.services import issue_token
from onewindow.testing.factories import PDF, DepartmentFactory, PersonFactory, make_item, staff


@dataclass
class World:
    item: Any
    market: Any
    fire: Any
    ecology: Any
    citizen: Any
    people: dict[str, Any]


def parallel_process(days: int = 2) -> dict[str, Any]:
    return {
        "stages": [
            {"key": "accept", "name": "受理", "kind": "acceptance", "days": 1},
            {
                "key": "review",
                "name": "联合审查",
                "kind": "review",
                "parallel": [
                    {"department": "market", "days": days},
                    {"department": "fire", "days": days},
                    {"department": "ecology", "days": days},
                ],
            },
            {"key": "decide", "name": "决定", "kind": "decision", "days": 1},
            {"key": "deliver", "name": "送达", "kind": "delivery", "days": 0},
        ]
    }


@pytest.fixture
def world(db: None) -> World:
    market = DepartmentFactory.create(slug="market", name="市场监管局")
    fire = DepartmentFactory.create(slug="fire", name="消防救援支队")
    ecology = DepartmentFactory.create(slug="ecology", name="生态环境局")
    item = make_item(
        market,
        name="餐饮许可",
        service_objects=["natural", "legal"],
        topics_person=["work"],
        process=parallel_process(),
        materials=["申请书", "场所平面图"],
        form_schema={
            "type": "object",
            "properties": {
                "name": {"type": "string", "title": "姓名", "x-prefill": "name"},
                "id_number": {"type": "string", "title": "身份证号码", "x-prefill": "id_number"},
                "area": {"type": "number", "title": "面积"},
            },
            "required": ["name", "area"],
        },
    )
    people = {
        "clerk": staff(market, "clerk"),
        "market_reviewer": staff(market, "reviewer"),
        "fire_reviewer": staff(fire, "reviewer"),
        "eco_reviewer": staff(ecology, "reviewer"),
        "decider": staff(market, "decider"),
        "other_clerk": staff(fire, "clerk"),
    }
    return World(item, market, fire, ecology, PersonFactory.create(), people)


class Api:
    """Calls the API as one user with a bearer token."""

    def __init__(self, client: Client, user: Any) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {issue_token(user)[0]}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str, data: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self.client.post(
            f"/api/v1{path}",
            data or {},
            content_type="application/json",
            headers={**self.headers, **(headers or {})},
        )

    def upload(
        self, application_id: int, material: int, content: bytes = PDF, name: str = "a.pdf"
    ) -> Any:
        return self.client.post(
            f"/api/v1/applications/{application_id}/materials",
            {"material": material, "file": SimpleUploadedFile(name, content)},
            headers=self.headers,
        )


@pytest.fixture
def api(client: Client) -> Any:
    return lambda user: Api(client, user)
