"""The demo city's 12345 hotline and mayor's mailbox (``data/tickets.yaml``): its categories (through
the same import as ``manage.py import_ticket_categories``), the knowledge base, a few tickets in
each state and published letters, and the Open311 demo client's key.

Tickets and letters are filed through ``tickets.services.file`` and moved by the engine's actions
(``workflow.services.claim``/``act``) as the hotline's operator and the departments' clerks, so
their tasks, entries and events are what a real one would have. Idempotent: a second run changes
nothing (a ticket is known by its category and description, an article by its category and
question, the key by its hash); run after ``load_city``, which creates the accounts acting here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from onewindow.accounts import selectors
from onewindow.accounts.models import User
from onewindow.core.errors import DomainError
from onewindow.demo.loader import HOTLINE_OPERATOR
from onewindow.tickets import clients, knowledge, services
from onewindow.tickets.categories import import_categories
from onewindow.tickets.models import Article, Category, ClientKey, Ticket
from onewindow.workflow import services as work
from onewindow.workflow.models import Task

TICKETS_FILE = Path(__file__).resolve().parent / "data" / "tickets.yaml"
OPEN311_PATH = "open311/v2/"


@dataclass
class TicketsReport:
    categories: int = 0  # created
    categories_updated: int = 0
    articles: int = 0
    tickets: int = 0
    letters: int = 0
    key: bool = False

    def __str__(self) -> str:
        return (
            f"{self.categories} categories new, {self.categories_updated} updated, "
            f"{self.articles} articles new, {self.tickets} tickets and {self.letters} letters filed"
            + (", Open311 demo key issued" if self.key else "")
        )


def read_tickets(path: Path | None = None) -> dict[str, Any]:
    with (path or TICKETS_FILE).open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


def open311_key(data: dict[str, Any] | None = None) -> str:
    """The demo Open311 client's ``api_key`` (printed by ``make run``)."""
    return str((data or read_tickets())["open311_client"]["key"])


def load_tickets(data: dict[str, Any] | None = None) -> TicketsReport:
    data = data or read_tickets()
    report = TicketsReport()
    with transaction.atomic():
        imported = import_categories(data["categories"])
        report.categories, report.categories_updated = len(imported.created), len(imported.updated)
        report.articles = _load_articles(data.get("articles", []))
        report.key = _load_key(data["open311_client"])
    operator = User.objects.get(username=HOTLINE_OPERATOR)
    for row in data.get("tickets", []):
        report.tickets += _file(row, operator, publish=False)
    for row in data.get("letters", []):
        report.letters += _file(row | {"channel": "mailbox"}, operator, publish=True)
    return report


def _load_articles(rows: list[dict[str, Any]]) -> int:
    categories = {c.code: c for c in Category.objects.select_related("department")}
    created = changed = 0
    for row in rows:
        category = categories[row["category"]]
        values = {
            "answer": str(row["answer"]).strip(),
            "keywords": str(row.get("keywords", "")),
            "department": category.department,
        }
        article = Article.objects.filter(category=category, question=row["question"]).first()
        if article is None:
            Article.objects.create(
                category=category,
                question=row["question"],
                state=Article.State.PUBLISHED,
                **values,
            )
            created += 1
        elif any(getattr(article, k) != v for k, v in values.items()):
            Article.objects.filter(pk=article.pk).update(**values)
            changed += 1
    if created or changed:
        transaction.on_commit(knowledge.changed)
    return created


def _load_key(row: dict[str, Any]) -> bool:
    """The demo key, unless it exists (an administrator may have turned it off: left so)."""
    if ClientKey.objects.filter(key_hash=clients.digest(str(row["key"]))).exists():
        return False
    clients.issue(str(row["name"]), str(row["key"]))
    return True


def _file(row: dict[str, Any], operator: User, *, publish: bool) -> bool:
    """File one demo ticket and take its actions, unless it was filed before."""
    if Ticket.objects.filter(
        category__code=row["category"], description=row["description"]
    ).exists():
        return False
    reporter = selectors.user_by_phone(str(row["reporter"])) if row.get("reporter") else None
    on_call = row.get("channel") == "phone"
    report = services.Report(
        kind=row["kind"],
        category=row["category"],
        description=row["description"],
        address=row.get("address", ""),
        attributes=dict(row.get("attributes", {})),
        phone=str(row.get("phone", "")),
        name=row.get("name", ""),
        title=row.get("title", ""),
        confidential=bool(row.get("confidential", False)),
        publish=publish,
    )
    try:
        with transaction.atomic():  # a ticket with all its steps, or none of it
            ticket = services.file(
                report,
                channel=row["channel"],
                reporter=reporter,
                operator=operator if on_call else None,
            ).ticket
            for step in row.get("then", []):
                _act(ticket, operator, step)
    except DomainError as error:
        raise ValueError(
            f"demo ticket {row['description'][:20]}: {error.message} {error.fields}"
        ) from error
    return True


def _act(ticket: Ticket, operator: User, step: dict[str, Any]) -> None:
    (name, value), *_rest = step.items()
    task = (
        Task.objects.of_case("ticket", ticket.pk)
        .filter(state__in=[Task.State.OPEN, Task.State.CLAIMED])
        .order_by("id")
        .last()
    )
    if task is None:
        raise ValueError(f"{ticket.number}: no task open for {name}")
    ticket.refresh_from_db()
    # The hotline's operator works the hotline's tasks; the handling department's clerk its own.
    actor = operator
    if task.department_id != services.hotline_department_id():
        actor = User.objects.get(username=f"{task.department.slug}.clerk")
    if task.state == Task.State.OPEN:
        work.claim(task.pk, actor)
    if name == "dispatch":
        work.act(task.pk, actor, "dispatch", department=str(value))
    elif name in ("reply", "answer"):
        work.act(task.pk, actor, name, public_comment=str(value))
    elif name == "visit":
        work.act(
            task.pk,
            actor,
            "visit",
            inputs={"satisfied": bool(value)},
            public_comment=str(step.get("note", "")),
        )
    else:
        raise ValueError(f"{ticket.number}: the demo does not take {name}")
