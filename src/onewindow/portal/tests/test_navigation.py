"""No page is an orphan and no link leads to a refusal.

Each person starts where they land (a visitor on the home page, a citizen in 我的空间, staff in the
workbench) and follows every link on the site's pages. Together they must reach every page of the
URL resolver that a link can open (a GET page whose address names no object), and none of them may
meet a link that answers 403 or 404: a link is shown only to whom it opens for."""

from __future__ import annotations

from collections import deque
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from onewindow.accounts.tests.test_page_access import BACKEND, build_scene

pytestmark = pytest.mark.django_db

# Where each person starts.
STARTS = {
    "anonymous": "/",
    "owner": "/my/",
    "clerk": "/workbench/",
    "dept_admin": "/workbench/",
    "platform": "/workbench/",
    "hotline": "/workbench/",
}
# Pages no link needs to open, and why.
NOT_LINKED = {
    "healthz": "for load balancers, not people",
    "set_language": "Django's POST-only language form (the site switches by a plain link)",
    "portal:sms_code": "POST only: the SMS code button of a form",
    "portal:suggest": "the search box's suggestions, fetched by htmx as one types",
    "portal:logout": "signing out is the header's POST button; the GET page answers a typed address",
    "portal:favicon": "asked for by browsers",
    "workbench:knowledge_search": "the call page's knowledge-base answers, fetched by htmx as one "
    "types (without JavaScript the call page's own search button answers)",
    "workbench:password": "where the holder of a temporary password is sent (workbench.middleware); "
    "everyone else changes theirs under 账号设置",
}
# Whole namespaces that are not pages of the site's own navigation.
NOT_SITE = ("api-", "admin", "catalog-admin")
# Links not followed: they change what the visitor sees on every later page (language, mode), or
# leave the pages (API documentation, the Django admin, files).
SKIPPED = ("/lang/", "/elderly/", "/api/", "/admin/", "/static/")
LIMIT = 400
# Links that lead to a refusal today: (person, page) -> why. Each is a bug to fix, not an
# expectation; one that starts to open, or stops being linked, fails until it is removed here.
KNOWN_REFUSALS: dict[tuple[str, str], str] = {}


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href and href.startswith("/") and not href.startswith("//"):
            self.found.append(href.split("#")[0])


def linkable_pages() -> set[str]:
    """Every GET page's name whose address takes no argument (so a plain link can open it)."""

    def walk(patterns: list[Any], namespace: str = "") -> set[str]:
        names: set[str] = set()
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = entry.namespace or ""
                if inner.startswith(NOT_SITE) or inner in NOT_SITE:
                    continue
                names |= walk(entry.url_patterns, f"{namespace}{inner}:" if inner else namespace)
            elif isinstance(entry, URLPattern) and entry.name and not entry.pattern.regex.groups:
                names.add(f"{namespace}{entry.name}")
        return names

    return walk(get_resolver().url_patterns) - set(NOT_LINKED)


def crawl(client: Client, start: str) -> tuple[dict[str, int], dict[str, str]]:
    """Every address reached from ``start`` by links, with its status, and the page that linked it."""
    statuses: dict[str, int] = {}
    linked_from: dict[str, str] = {start: "(start)"}
    queue = deque([start])
    while queue and len(statuses) < LIMIT:
        url = queue.popleft()
        if url in statuses:
            continue
        response = client.get(url)
        statuses[url] = response.status_code
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = Links()
        parser.feed(response.content.decode())
        for link in parser.found:
            if link and not link.startswith(SKIPPED) and link not in linked_from:
                linked_from[link] = url
                queue.append(link)
    return statuses, linked_from


def with_hotline(scene: Any) -> None:
    """The 12345 hotline, its operator, a ticket dispatched and a knowledge-base article: the
    hotline's pages are reached by its operator."""
    from onewindow.testing.factories import hotline_setup
    from onewindow.tickets import knowledge, services
    from onewindow.workflow import services as work
    from onewindow.workflow.models import Task

    city = hotline_setup()
    operator = city["operator"]
    report = services.Report(
        kind="complaint", category="noise", description="工地夜间施工", phone="13900000031"
    )
    ticket = services.file(report, channel="phone", operator=operator).ticket
    intake = Task.objects.of_case("ticket", ticket.pk).get(stage="intake")
    work.act(intake.pk, operator, "dispatch", department="urban")
    services.file(
        services.Report(kind="consult", category="noise", description="施工许可怎么查"),
        channel="phone",
        operator=operator,
    )
    knowledge.write(None, operator, category="noise", question="施工噪音", answer="夜间禁止施工。")
    scene.people["hotline"] = operator


def test_every_page_is_linked_and_no_link_is_refused(client: Client) -> None:
    scene = build_scene(client)
    with_hotline(scene)
    reached: set[str] = set()
    refused: list[str] = []
    known: set[tuple[str, str]] = set()
    for actor, start in STARTS.items():
        client.logout()
        person = scene.people[actor]
        if person is not None:
            client.force_login(person, backend=BACKEND)
        statuses, linked_from = crawl(client, start)
        assert len(statuses) < LIMIT, f"{actor}: the crawl did not finish"
        for url, status in statuses.items():
            name = resolve(urlsplit(url).path).view_name
            if status == 200:
                reached.add(name)
            elif status >= 400 and (actor, name) in KNOWN_REFUSALS:
                known.add((actor, name))
            elif status >= 400:
                refused.append(f"{actor}: {url} answers {status}, linked from {linked_from[url]}")
    assert refused == []
    assert known == set(KNOWN_REFUSALS), "fixed: remove these from KNOWN_REFUSALS"
    orphans = linkable_pages() - reached
    assert orphans == set(), "pages no link reaches: link them or list them in NOT_LINKED"


def test_the_walk_sees_the_pages() -> None:
    pages = linkable_pages()
    assert {"portal:home", "portal:progress", "licences:wallet", "licences:verify"} <= pages
    assert "portal:guide" not in pages  # names an item: reached through the catalogue's links
