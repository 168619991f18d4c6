from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from onewindow.core.errors import errors
from onewindow.organizations.selectors import active_departments

router = Router(tags=["organizations"])


class RegionOut(Schema):
    code: str
    name: str


class DepartmentOut(Schema):
    slug: str
    name: str
    uscc: str
    region: RegionOut
    phone: str


class DepartmentList(Schema):
    count: int
    departments: list[DepartmentOut]


@router.get(
    "/departments",
    response={200: DepartmentList, **errors()},
    auth=None,
    summary="List departments",
)
def list_departments(request: HttpRequest) -> dict[str, object]:
    departments = list(active_departments())
    return {"count": len(departments), "departments": departments}
