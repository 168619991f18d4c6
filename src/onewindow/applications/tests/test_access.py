"""Who sees what: owner, other citizen, enterprise agent in and out of scope, staff of the
department, staff of another department, anonymous.

The matrix: every actor against every applicant endpoint, each cell a test. Hidden objects answer
404 (never 403, which would confirm they exist); anonymous callers 401. The workbench's half of the
matrix is in ``workflow/tests/test_api_access.py`` and builds on the scene set here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from onewindow.accounts import services as accounts
from onewindow.applications import services
from onewindow.applications.tests.conftest import Api
from onewindow.core.models import AuditEvent
from onewindow.testing.factories import PDF, PersonFactory, staff
from onewindow.workflow import services as workflow

pytestmark = pytest.mark.django_db

# The agents act for the company on the company's application; everyone else meets the owner's own.
ACTORS = (
    "owner",
    "other_citizen",
    "agent_in",
    "agent_out",
    "dept_clerk",
    "other_dept",
    "anonymous",
)

# fmt: off
APPLICANT_ENDPOINTS: dict[str, dict[str, int]] = {
    #                     owner other agent_in agent_out clerk other_dept anonymous
    "list":            dict(zip(ACTORS, (200, 200, 200, 200, 200, 200, 401), strict=True)),
    "detail":          dict(zip(ACTORS, (200, 404, 200, 404, 200, 404, 401), strict=True)),
    "detail_of_draft": dict(zip(ACTORS, (200, 404, 200, 404, 404, 404, 401), strict=True)),
    "upload":          dict(zip(ACTORS, (201, 404, 201, 404, 404, 404, 401), strict=True)),
    "submit":          dict(zip(ACTORS, (200, 404, 200, 404, 404, 404, 401), strict=True)),
    "withdraw":        dict(zip(ACTORS, (200, 404, 200, 404, 404, 404, 401), strict=True)),
    "resubmit":        dict(zip(ACTORS, (200, 404, 200, 404, 404, 404, 401), strict=True)),
    # The receipt is the applicant's own record: staff read the application, not its receipt.
    "receipt":         dict(zip(ACTORS, (200, 404, 200, 404, 404, 404, 401), strict=True)),
}
# Which of the two applications each actor finds in GET /applications.
LISTED: dict[str, set[str]] = {
    "owner": {"own"}, "other_citizen": set(), "agent_in": {"company"}, "agent_out": set(),
    "dept_clerk": set(), "other_dept": set(),
}
# fmt: on

# Cells where the product disagrees with the table: each is a bug to fix, not an expectation.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


def cells(table: dict[str, dict[str, int]], bugs: dict[tuple[str, str], str]) -> list[Any]:
    return [
        pytest.param(
            endpoint,
            actor,
            expected,
            id=f"{endpoint}-{actor}",
            marks=[pytest.mark.xfail(strict=True, reason=bugs[endpoint, actor])]
            if (endpoint, actor) in bugs
            else [],
        )
        for endpoint, row in table.items()
        for actor, expected in row.items()
    ]


class Anonymous(Api):
    def __init__(self, client: Client) -> None:
        self.client = client
        self.headers = {}


@dataclass
class Scene:
    """Two applications of the same item in the same state: the owner's own and a company's."""

    world: Any
    actors: dict[str, Any]
    own: Any
    company: Any

    def target(self, actor: str) -> Any:
        return self.company if actor.startswith("agent") else self.own

    def caller(self, client: Client, actor: str) -> Api:
        user = self.actors[actor]
        return Anonymous(client) if user is None else Api(client, user)

    @property
    def task(self) -> Any:
        """The owner's application's active task."""
        return self.own.tasks.filter(state__in=["open", "claimed"]).get()


STATES = ("draft", "complete", "submitted", "claimed", "correction")


def build_scene(world: Any, client: Client, state: str) -> Scene:
    """Both applications brought to ``state``: a ``draft`` without materials, a ``complete`` draft,
    ``submitted``, ``claimed`` (the clerk took the owner's acceptance task), or sent back for
    ``correction`` (both)."""
    company = accounts.create_legal_person(
        "青岚测试餐饮有限公司", "91350100M000100Y43", "王建国", None
    )
    creator, agent_in, agent_out = PersonFactory.create_batch(3)
    month = timezone.now() + timedelta(days=30)
    accounts.grant_agency(company, creator, ["all"], month)
    accounts.grant_agency(company, agent_in, [world.item.basic_code], month)  # scope: this item
    accounts.grant_agency(company, agent_out, ["000000000000"], month)
    own = services.create_application(world.citizen, world.item, {"area": 1})
    theirs = services.create_application(
        creator, world.item, {"area": 1}, enterprise_uscc=company.uscc
    )
    clerk = world.people["clerk"]
    if STATES.index(state) >= STATES.index("complete"):
        for application, applicant in ((own, world.citizen), (theirs, creator)):
            for index in (0, 1):
                assert Api(client, applicant).upload(application.pk, index).status_code == 201
    if STATES.index(state) >= STATES.index("submitted"):
        own = services.submit_application(own, world.citizen)
        theirs = services.submit_application(theirs, creator)
    if state == "claimed":
        workflow.claim(own.tasks.get().pk, clerk)
    if state == "correction":
        fault = [{"kind": "material", "key": "0", "message": "申请书未签字"}]
        for application in (own, theirs):
            task = application.tasks.get()
            workflow.claim(task.pk, clerk)
            workflow.act(task.pk, clerk, "request_correction", faults=fault)
    own.refresh_from_db()
    theirs.refresh_from_db()
    actors = {
        "owner": world.citizen,
        "other_citizen": PersonFactory.create(),
        "agent_in": agent_in,
        "agent_out": agent_out,
        "dept_clerk": clerk,
        "other_dept": world.people["other_clerk"],  # a clerk, of the fire brigade
        "anonymous": None,
    }
    return Scene(world, actors, own, theirs)


# endpoint -> (state the owner needs for it to succeed, call)
def _upload(api: Api, app: Any) -> Any:
    return api.upload(app.pk, 0, content=PDF, name="申请书.pdf")


APPLICANT_CALLS: dict[str, tuple[str, Any]] = {
    "list": ("submitted", lambda api, app: api.get("/applications")),
    "detail": ("submitted", lambda api, app: api.get(f"/applications/{app.pk}")),
    "detail_of_draft": ("draft", lambda api, app: api.get(f"/applications/{app.pk}")),
    "upload": ("draft", _upload),
    "submit": ("complete", lambda api, app: api.post(f"/applications/{app.pk}/submit")),
    "withdraw": (
        "submitted",
        lambda api, app: api.post(f"/applications/{app.pk}/withdraw", {"reason": "不办了"}),
    ),
    "resubmit": ("correction", lambda api, app: api.post(f"/applications/{app.pk}/resubmit")),
    "receipt": ("submitted", lambda api, app: api.get(f"/applications/{app.pk}/receipt")),
}


@pytest.mark.parametrize(("endpoint", "actor", "expected"), cells(APPLICANT_ENDPOINTS, KNOWN_BUGS))
def test_access_matrix(
    world: Any, client: Client, endpoint: str, actor: str, expected: int
) -> None:
    state, call = APPLICANT_CALLS[endpoint]
    scene = build_scene(world, client, state)
    target = scene.target(actor)
    before = target.status
    response = call(scene.caller(client, actor), target)
    assert response.status_code == expected, response.content
    target.refresh_from_db()
    if expected >= 400:
        assert target.status == before  # refused means nothing happened
        if expected == 404:
            assert response.json()["error"]["code"] == "not_found"
            assert target.number not in response.content.decode()
    if endpoint == "list" and expected == 200:
        numbers = {a["number"] for a in response.json()["applications"]}
        names = {"own": scene.own.number, "company": scene.company.number}
        assert numbers == {names[n] for n in LISTED[actor]}
    if endpoint.startswith("detail"):
        # Staff reading an application (its personal data) leaves an audit trail; no one else does.
        audited = AuditEvent.objects.filter(action="personal_data.view", object_id=str(target.pk))
        assert audited.exists() == (actor == "dept_clerk" and expected == 200)
        if audited.exists():
            assert audited.get().actor_id == scene.actors["dept_clerk"].pk


def test_old_access_checks(world: Any, api: Any, client: Client) -> None:
    """The original spot checks, kept: the owner does not see the company's application."""
    scene = build_scene(world, client, "submitted")
    assert api(world.citizen).get(f"/applications/{scene.company.pk}").status_code == 404
    stranger = api(PersonFactory.create())
    assert stranger.post(f"/applications/{scene.own.pk}/withdraw").status_code == 404
    agent_out = api(scene.actors["agent_out"])
    assert agent_out.post(f"/applications/{scene.company.pk}/submit").status_code == 404
    assert client.get(f"/api/v1/applications/{scene.own.pk}").status_code == 401


def test_agents_cannot_apply_outside_their_scope(world: Any, api: Any) -> None:
    company = accounts.create_legal_person(
        "青岚测试餐饮有限公司", "91350100M000100Y43", "王建国", None
    )
    agent = PersonFactory.create()
    accounts.grant_agency(company, agent, ["000000000000"], timezone.now() + timedelta(days=30))
    response = api(agent).post(
        "/applications", {"item_id": world.item.pk, "enterprise": company.uscc, "data": {}}
    )
    assert response.status_code == 403
    assert "enterprise" in response.json()["error"]["fields"]
    stranger = api(PersonFactory.create()).post(
        "/applications", {"item_id": world.item.pk, "enterprise": company.uscc}
    )
    assert stranger.status_code == 403


def test_staff_endpoints_need_the_right_seat(world: Any, api: Any) -> None:
    application = services.create_application(world.citizen, world.item, {"area": 1})
    api(world.citizen).upload(application.pk, 0)
    api(world.citizen).upload(application.pk, 1)
    services.submit_application(application, world.citizen)
    task = application.tasks.get()
    assert api(world.citizen).get("/workbench/tasks").status_code == 403
    assert api(world.citizen).post(f"/workbench/tasks/{task.pk}/claim").status_code == 403
    outsider = api(world.people["other_clerk"])
    assert outsider.get("/workbench/tasks").json()["tasks"] == []
    assert outsider.post(f"/workbench/tasks/{task.pk}/claim").status_code == 404
    reviewer = api(world.people["market_reviewer"])  # same department, other role
    assert reviewer.post(f"/workbench/tasks/{task.pk}/claim").status_code == 404
    # A staff member of another department cannot read it either.
    assert (
        api(staff(world.fire, "decider", "fire.decider.only"))
        .get(f"/applications/{application.pk}")
        .status_code
        == 404
    )
