"""Who may open which page: seven people against every page of the site, each cell written down.

The pages are found by walking the URL resolver, so a new page that is not in ``PAGES`` fails
``test_every_page_is_in_the_matrix`` until someone decides who may open it. The API has its own
matrix (``applications/tests/test_access.py``, ``workflow/tests/test_api_access.py``); the Django
admin's model pages answer through the admin's own permissions (``catalog/tests/test_admin_io.py``).

The people, around one case (the owner's application to the market department, waiting for its
clerk, and a licence the department issued to the owner):

- ``anonymous``: nobody signed in;
- ``owner``: the citizen whose application and licence they are;
- ``citizen``: another citizen;
- ``clerk``: a clerk of the handling department (the seat the open task is for);
- ``outsider``: a clerk of another department;
- ``dept_admin``: an administrator of the handling department;
- ``platform``: a platform administrator with no department seat.

Each cell is what the person gets: ``200``, ``login`` (sent to sign in), ``302`` (sent elsewhere,
e.g. after a form), ``403`` (not theirs: the page itself is refused), ``404`` (hidden: the page
does not say the object exists), or another status a page gives on purpose (``405``, ``422``).
Each request runs in a savepoint that is rolled back, so one person's click changes nothing for
the next page.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from http.cookies import SimpleCookie
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from onewindow.accounts import enterprises
from onewindow.accounts.models import RegisteredEnterprise, User
from onewindow.accounts.services import issue_token
from onewindow.applications import services as applications
from onewindow.applications.models import Application
from onewindow.applications.tests.conftest import Api
from onewindow.catalog.models import Bundle, BundleItem
from onewindow.catalog.models import ImportJob as CatalogImportJob
from onewindow.licences import imports, sharing
from onewindow.licences.models import LicenceType
from onewindow.licences.services import CODE_TYPE_ID, Holder, issue
from onewindow.testing.factories import (
    DepartmentFactory,
    PersonFactory,
    make_item,
    make_uscc,
    phone_of,
    staff,
)

pytestmark = pytest.mark.django_db

ACTORS = ("anonymous", "owner", "citizen", "clerk", "outsider", "dept_admin", "platform")
BACKEND = "onewindow.accounts.backends.AccountBackend"
FOOD = "11100000000013338W031"


@dataclass
class Scene:
    people: dict[str, User | None]
    item: Any
    bundle: Bundle
    submitted: Application
    draft: Application
    task: Any
    material: Any
    licence: Any
    share: Any
    share_token: str
    licence_job: Any
    catalog_job: Any
    token_id: int
    uscc: str
    agency_id: int
    ticket: Any = None  # the owner's 12345 request, waiting for dispatch
    letter: Any = None  # a published letter of the mayor's mailbox (someone else's)
    article: Any = None  # a knowledge-base answer of the hotline


def build_scene(client: Client) -> Scene:
    market = DepartmentFactory.create(slug="market", name="市场监管局")
    fire = DepartmentFactory.create(slug="fire", name="消防救援支队")
    food = LicenceType.objects.create(
        code=FOOD,
        name="食品经营许可证",
        holder_kind="natural",
        schema={
            "type": "object",
            "properties": {"operator": {"type": "string", "title": "经营者名称"}},
            "required": ["operator"],
        },
    )
    item = make_item(
        market,
        name="食品经营许可",
        service_objects=["natural", "legal"],
        topics_person=["work"],
        materials=["申请书"],
        licence_type=food.code,
        licence_mapping={"operator": "holder.name"},
        form_schema={
            "type": "object",
            "properties": {"area": {"type": "number", "title": "面积"}},
            "required": ["area"],
        },
    )
    bundle = Bundle.objects.create(
        slug="open-a-shop", name="开店一件事", audience="person", lead_department=market
    )
    BundleItem.objects.create(bundle=bundle, item=item, order=0)
    owner = PersonFactory.create()
    platform = staff(market, "platform_admin", "platform.admin")
    people: dict[str, User | None] = {
        "anonymous": None,
        "owner": owner,
        "citizen": PersonFactory.create(),
        "clerk": staff(market, "clerk"),
        "outsider": staff(fire, "clerk"),
        "dept_admin": staff(market, "dept_admin"),
        "platform": platform,
    }
    submitted = applications.create_application(owner, item, {"area": 60})
    assert Api(client, owner).upload(submitted.pk, 0).status_code == 201
    submitted = applications.submit_application(submitted, owner)
    draft = applications.create_application(owner, item, {"area": 30})
    Application.objects.filter(pk=draft.pk).update(bundle_group=uuid.uuid4())
    draft.refresh_from_db()
    licence = issue(
        food,
        market,
        Holder(owner.name, owner.reveal_id_number(), CODE_TYPE_ID, owner),
        {"operator": owner.name},
    )
    share, token = sharing.create(licence, owner, "租房", 24)
    decider = staff(market, "decider")
    licence_job = imports.start(market, food, decider, "x.csv", b"")
    catalog_job = CatalogImportJob.objects.create(created_by=platform, file_name="items.csv")
    # The owner represents an enterprise, which has one agent.
    uscc = make_uscc(9090)
    RegisteredEnterprise.objects.create(
        uscc=uscc, name="青岚市矩阵商贸有限公司", representative_name=owner.name
    )
    enterprises.register_enterprise(owner, uscc, "青岚市矩阵商贸有限公司", owner.name)
    agency = enterprises.authorise_agent(
        owner,
        uscc,
        phone_of(PersonFactory.create()),
        "all",
        (timezone.localdate() + timedelta(days=30)).isoformat(),
    )
    from onewindow.tickets.models import Article, Category, Ticket

    DepartmentFactory.create(slug="hotline", name="12345热线")
    noise = Category.objects.create(code="noise", name="噪音扰民", department=market)
    ticket = Ticket.objects.create(
        number="GD-20260101-MATRIX22",
        kind="complaint",
        channel="web",
        category=noise,
        description="夜间施工噪音",
        reporter=owner,
    )
    letter = Ticket.objects.create(
        number="GD-20260101-LETTER22",
        kind="suggestion",
        channel="mailbox",
        category=noise,
        description="建议增设夜间巡查",
        publish=True,
        published=True,
        status="closed",
        reply="已增设",
        closed_at=timezone.now(),
    )
    article = Article.objects.create(
        category=noise, question="夜间施工噪音找谁", answer="拨打12345"
    )
    return Scene(
        ticket=ticket,
        letter=letter,
        article=article,
        people=people,
        item=item,
        bundle=bundle,
        submitted=submitted,
        draft=draft,
        task=submitted.tasks.get(),
        material=submitted.materials.get(),
        licence=licence,
        share=share,
        share_token=token,
        licence_job=licence_job,
        catalog_job=catalog_job,
        token_id=issue_token(owner)[1].pk,
        uscc=uscc,
        agency_id=agency.pk,
    )


@dataclass(frozen=True)
class Page:
    """How to open a page (method and URL arguments) and what each person gets, in ``ACTORS``
    order."""

    method: str
    kwargs: Callable[[Scene], dict[str, Any]]
    expected: str

    def outcomes(self) -> dict[str, str]:
        cells = self.expected.split()
        assert len(cells) == len(ACTORS), self.expected
        return dict(zip(ACTORS, cells, strict=True))


def none(scene: Scene) -> dict[str, Any]:
    return {}


def task(scene: Scene) -> dict[str, Any]:
    return {"task_id": scene.task.pk}


def submitted(scene: Scene) -> dict[str, Any]:
    return {"number": scene.submitted.number}


def draft(scene: Scene) -> dict[str, Any]:
    return {"number": scene.draft.number}


def licence(scene: Scene) -> dict[str, Any]:
    return {"licence_id": scene.licence.pk}


def clerk(scene: Scene) -> dict[str, Any]:
    person = scene.people["clerk"]
    assert person is not None
    return {"user_id": person.pk}


GET, POST = "GET", "POST"
PUBLIC = "200 200 200 200 200 200 200"

# fmt: off
PAGES: dict[str, Page] = {
    # -- anyone ---------------------------------------------------------------------------------
    #                                                                 anon owner citizen clerk outsider dept_admin platform
    "healthz":                 Page(GET, none, PUBLIC),
    "set_language":            Page(POST, none, "302 302 302 302 302 302 302"),
    "portal:home":             Page(GET, none, PUBLIC),
    "portal:personal":         Page(GET, none, PUBLIC),
    "portal:enterprise":       Page(GET, none, PUBLIC),
    "portal:departments":      Page(GET, none, PUBLIC),
    "portal:department":       Page(GET, lambda s: {"slug": "market"}, PUBLIC),
    "portal:powers":           Page(GET, lambda s: {"slug": "market"}, PUBLIC),
    "portal:interaction":      Page(GET, none, PUBLIC),
    "portal:language":         Page(GET, lambda s: {"code": "en"}, "302 302 302 302 302 302 302"),
    "portal:elderly":          Page(GET, lambda s: {"mode": "on"}, "302 302 302 302 302 302 302"),
    "portal:privacy":          Page(GET, none, PUBLIC),
    "portal:accessibility":    Page(GET, none, PUBLIC),
    "portal:favicon":          Page(GET, none, PUBLIC),
    "portal:search":           Page(GET, none, PUBLIC),
    "portal:suggest":          Page(GET, none, PUBLIC),
    "portal:guide":            Page(GET, lambda s: {"item_id": s.item.pk}, PUBLIC),
    "portal:bundle":           Page(GET, lambda s: {"slug": s.bundle.slug}, PUBLIC),
    "portal:topic":            Page(GET, lambda s: {"audience": "personal", "topic": "work"}, PUBLIC),
    "portal:login":            Page(GET, none, PUBLIC),
    "portal:register":         Page(GET, none, PUBLIC),
    "portal:password_reset":   Page(GET, none, PUBLIC),
    "portal:sms_code":         Page(POST, none, PUBLIC),  # a fragment: the error is in it
    "portal:logout":           Page(POST, none, "302 302 302 302 302 302 302"),
    "portal:progress":         Page(GET, none, PUBLIC),
    "licences:verify":         Page(GET, none, PUBLIC),
    "licences:shared":         Page(GET, lambda s: {"token": s.share_token}, PUBLIC),
    # -- the citizen's own ----------------------------------------------------------------------
    "portal:my_space":         Page(GET, none, "login 200 200 200 200 200 200"),
    "portal:revoke_token":     Page(POST, lambda s: {"token_id": s.token_id}, "login 302 404 404 404 404 404"),
    "portal:apply":            Page(GET, lambda s: {"item_id": s.item.pk}, "login 200 200 403 403 403 403"),
    "portal:apply_bundle":     Page(GET, lambda s: {"slug": s.bundle.slug}, "login 200 200 403 403 403 403"),
    "portal:my_applications":  Page(GET, none, "login 200 200 200 200 200 200"),
    "portal:my_messages":      Page(GET, none, "login 200 200 200 200 200 200"),
    "portal:account":          Page(GET, none, "login 200 200 200 200 200 200"),
    "portal:change_phone":     Page(GET, none, "login 200 200 200 200 200 200"),
    "portal:my_enterprises":   Page(GET, none, "login 200 200 403 403 403 403"),
    "portal:my_enterprise":    Page(GET, lambda s: {"uscc": s.uscc}, "login 200 404 403 403 403 403"),
    "portal:revoke_agent":     Page(GET, lambda s: {"uscc": s.uscc, "agency_id": s.agency_id}, "login 200 404 403 403 403 403"),
    "portal:application":      Page(GET, submitted, "login 200 404 404 404 404 404"),
    "portal:application_edit": Page(GET, draft, "login 200 404 404 404 404 404"),
    "portal:application_materials": Page(GET, draft, "login 200 404 404 404 404 404"),
    "portal:application_review":    Page(GET, draft, "login 200 404 404 404 404 404"),
    "portal:application_material_file": Page(
        GET, lambda s: {"number": s.submitted.number, "material_id": s.material.pk},
        "login 200 404 404 404 404 404"),
    "portal:application_withdraw":  Page(POST, submitted, "login 302 404 404 404 404 404"),
    "portal:application_submitted": Page(GET, submitted, "login 200 404 404 404 404 404"),
    "portal:application_discard":   Page(GET, draft, "login 200 404 404 404 404 404"),
    "portal:ticket_new":       Page(GET, none, PUBLIC),  # staff read where they file instead
    "portal:ticket_filed":     Page(GET, lambda s: {"number": s.ticket.number}, "404 200 404 404 404 404 404"),
    "portal:my_tickets":       Page(GET, none, "login 200 200 200 200 200 200"),
    "portal:ticket":           Page(GET, lambda s: {"number": s.ticket.number}, "login 200 404 404 404 404 404"),
    "portal:ticket_reopen":    Page(POST, lambda s: {"number": s.ticket.number}, "login 409 404 404 404 404 404"),
    "portal:mailbox":          Page(GET, none, PUBLIC),
    "portal:mailbox_write":    Page(GET, none, PUBLIC),
    "portal:letter":           Page(GET, lambda s: {"number": s.letter.number}, PUBLIC),
    "portal:bundle_group":     Page(GET, lambda s: {"group": s.draft.bundle_group}, "login 200 404 404 404 404 404"),
    "licences:wallet":         Page(GET, none, "login 200 200 302 302 302 302"),
    "licences:detail":         Page(GET, licence, "login 200 404 404 404 404 404"),
    "licences:show":           Page(GET, licence, "login 200 404 404 404 404 404"),
    "licences:reveal":         Page(POST, licence, "login 422 404 404 404 404 404"),
    "licences:download":       Page(GET, licence, "login 200 404 200 404 200 404"),
    "licences:unshare":        Page(POST, lambda s: {"licence_id": s.licence.pk, "share_id": s.share.pk}, "login 302 404 404 404 404 404"),
    "licences:use":            Page(GET, draft, "login 200 404 404 404 404 404"),
    # -- staff ----------------------------------------------------------------------------------
    "workbench:inbox":         Page(GET, none, "login 403 403 200 200 200 200"),
    "workbench:load":          Page(GET, none, "login 403 403 403 403 200 200"),
    "workbench:task":          Page(GET, task, "login 403 403 200 404 200 404"),
    "workbench:reveal":        Page(POST, task, "login 403 403 422 404 422 404"),
    "workbench:claim":         Page(POST, task, "login 403 403 302 404 302 404"),
    "workbench:release":       Page(POST, task, "login 403 403 302 404 302 404"),
    "workbench:act":           Page(POST, task, "login 403 403 302 404 302 404"),
    "workbench:reassign":      Page(POST, task, "login 403 403 302 404 302 404"),
    "workbench:material":      Page(GET, lambda s: {"material_id": s.material.pk}, "login 403 403 200 404 200 404"),
    "workbench:check_material": Page(POST, lambda s: {"task_id": s.task.pk, "material_id": s.material.pk}, "login 403 403 302 404 302 404"),
    "workbench:enterprises":   Page(GET, none, "login 403 403 403 403 403 200"),
    "workbench:enterprise_revoke_agency": Page(POST, lambda s: {"agency_id": s.agency_id}, "login 403 403 403 403 403 302"),
    "licences:manage":         Page(GET, none, "login 403 403 200 200 200 200"),
    "licences:manage_detail":  Page(GET, licence, "login 403 403 200 404 200 404"),
    "licences:manage_reveal":  Page(POST, licence, "login 403 403 422 404 422 404"),
    "licences:issue":          Page(GET, submitted, "login 403 403 403 404 200 404"),
    "licences:import":         Page(GET, none, "login 403 403 403 403 200 403"),
    "licences:import_job":     Page(GET, lambda s: {"job_id": s.licence_job.pk}, "login 403 403 200 404 200 404"),
    # -- staff and departments (the clerk's account is the member; the outsider is not staff to
    # -- manage, but a clerk of another department) -----------------------------------------------
    "workbench:staff":         Page(GET, none, "login 403 403 403 403 200 200"),
    "workbench:staff_add":     Page(GET, none, "login 403 403 403 403 200 200"),
    "workbench:staff_member":  Page(GET, clerk, "login 403 403 403 403 200 200"),
    "workbench:staff_roles":   Page(POST, clerk, "login 403 403 403 403 422 422"),
    "workbench:staff_active":  Page(POST, clerk, "login 403 403 403 403 302 302"),
    "workbench:staff_password": Page(POST, clerk, "login 403 403 403 403 200 200"),
    "workbench:password":      Page(GET, none, "login 403 403 200 200 200 200"),
    "workbench:departments":   Page(GET, none, "login 403 403 403 403 403 200"),
    # The 12345 hotline's pages: its staff (here the platform administrator) only.
    "workbench:hotline":       Page(GET, none, "login 403 403 403 403 403 200"),
    "workbench:hotline_call":  Page(GET, none, "login 403 403 403 403 403 200"),
    "workbench:hotline_list":  Page(GET, lambda s: {"which": "dispatch"}, "login 403 403 403 403 403 200"),
    "workbench:knowledge":     Page(GET, none, "login 403 403 403 403 403 200"),
    "workbench:knowledge_search": Page(GET, none, "login 403 403 403 403 403 200"),
    "workbench:article_add":   Page(GET, none, "login 403 403 403 403 403 200"),
    "workbench:article":       Page(GET, lambda s: {"article_id": s.article.pk}, "login 403 403 403 403 403 200"),
    "workbench:article_state": Page(POST, lambda s: {"article_id": s.article.pk, "change": "retire"}, "login 403 403 403 403 403 302"),
    "workbench:ticket_search": Page(GET, none, "login 403 403 200 200 200 200"),
    "workbench:ticket":        Page(GET, lambda s: {"number": s.ticket.number}, "login 403 403 404 404 404 200"),
    "workbench:ticket_link":   Page(POST, task, "login 403 403 404 404 404 404"),
    "workbench:ticket_propose": Page(POST, task, "login 403 403 404 404 404 404"),
    "workbench:department_add": Page(GET, none, "login 403 403 403 403 403 200"),
    "workbench:department_edit": Page(GET, lambda s: {"department_id": s.task.department_id}, "login 403 403 403 403 403 200"),
    # -- the catalogue's administration (beside the Django admin) -------------------------------
    "catalog-admin:import":    Page(GET, none, "login 403 403 403 403 200 200"),
    "catalog-admin:job":       Page(GET, lambda s: {"job_id": s.catalog_job.pk}, "login 403 403 403 403 404 200"),
    "catalog-admin:export":    Page(GET, lambda s: {"fmt": "csv"}, "login 403 403 403 403 200 200"),
}
# fmt: on

# Cells where the product disagrees with the table: each is a bug to fix, not an expectation.
# (page, actor) -> (what the page answers today, why that is wrong). A cell that starts to answer
# as the table says, or answers something else again, fails until this list is brought up to date.
_NO_SEAT_ACTION = (
    "302",
    "a staff member with no seat for the task is sent back to the task page with a message; the "
    "task page and the API answer 404 for the same task",
)
KNOWN_BUGS: dict[tuple[str, str], tuple[str, str]] = {
    **{
        (page, actor): _NO_SEAT_ACTION
        for page in ("workbench:claim", "workbench:release", "workbench:check_material")
        for actor in ("outsider", "platform")
    },
}

# URL namespaces that are not pages of this matrix, and why.
NOT_PAGES = {
    "admin": "the Django admin: its model pages answer through ModelAdmin permissions",
}


def _walk(patterns: list[Any], namespace: str = "") -> list[str]:
    names: list[str] = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or ""
            if inner.startswith("api-") or inner in NOT_PAGES:
                continue
            prefix = f"{namespace}{inner}:" if inner else namespace
            names += _walk(entry.url_patterns, prefix)
        elif isinstance(entry, URLPattern) and entry.name:
            names.append(f"{namespace}{entry.name}")
    return names


def site_pages() -> set[str]:
    return set(_walk(get_resolver().url_patterns))


def test_every_page_is_in_the_matrix() -> None:
    pages = site_pages()
    assert "workbench:inbox" in pages and "portal:application" in pages  # the walk sees pages
    assert pages - set(PAGES) == set(), "decide who may open these pages and add them to PAGES"
    assert set(PAGES) - pages == set(), "these pages are gone: remove them from PAGES"


def outcome(response: Any) -> str:
    if response.status_code in (301, 302):
        target = response["Location"]
        logins = (resolve_url(settings.LOGIN_URL), reverse("admin:login"))
        return "login" if target.startswith(logins) else "302"
    return str(response.status_code)


def open_page(client: Client, page: Page, url: str) -> str:
    """What the page answers, with whatever it wrote rolled back (signing out included)."""
    cookies = SimpleCookie(client.cookies)
    with transaction.atomic():
        try:
            response = client.generic(page.method, url)
        except Exception as error:
            result = f"500:{type(error).__name__}"
        else:
            result = outcome(response)
        transaction.set_rollback(True)
    client.cookies = cookies
    return result


@pytest.mark.parametrize("actor", ACTORS)
def test_who_may_open_which_page(client: Client, actor: str) -> None:
    scene = build_scene(client)
    client.logout()
    person = scene.people[actor]
    if person is not None:
        client.force_login(person, backend=BACKEND)
    wrong: dict[str, str] = {}
    for name, page in PAGES.items():
        got = open_page(client, page, reverse(name, kwargs=page.kwargs(scene)))
        expected = page.outcomes()[actor]
        today, _why = KNOWN_BUGS.get((name, actor), (expected, ""))
        if got == expected and today != expected:
            wrong[name] = f"answers {got} as it should: remove it from KNOWN_BUGS"
        elif got != today:
            wrong[name] = f"got {got}, expected {expected}" + (
                f" (known to answer {today})" if today != expected else ""
            )
    assert wrong == {}, "\n".join(f"{name}: {cell}" for name, cell in wrong.items())
