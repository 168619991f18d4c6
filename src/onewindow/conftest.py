"""Fixtures shared by every app's tests."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from onewindow.testing.factories import PersonFactory


@pytest.fixture(autouse=True)
def _isolated(settings: Any, tmp_path: Path) -> Iterator[None]:
    """Each test writes its SMS outbox and audit checkpoints under its own directory and starts with
    an empty cache."""
    settings.ONEWINDOW = {**settings.ONEWINDOW, "SMS_OUTBOX": tmp_path / "outbox" / "sms.jsonl"}
    settings.AUDIT_CHECKPOINT_FILE = str(tmp_path / "audit" / "checkpoints.jsonl")
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _timeline_actions_are_labelled() -> Iterator[None]:
    """Whatever a test makes the platform write to an application's timeline reads in words for the
    applicant: an action without a label (``applications.lifecycle.ACTION_LABELS``) fails the test."""
    from django.db.models.signals import pre_save

    from onewindow.applications.lifecycle import ACTION_LABELS
    from onewindow.applications.models import TimelineEntry

    unlabelled: list[str] = []

    def check(sender: Any, instance: TimelineEntry, **kwargs: Any) -> None:
        if instance.action not in ACTION_LABELS:
            unlabelled.append(instance.action)

    pre_save.connect(check, sender=TimelineEntry, weak=False, dispatch_uid="timeline-labels")
    yield
    pre_save.disconnect(sender=TimelineEntry, dispatch_uid="timeline-labels")
    assert not unlabelled, f"timeline actions without a label: {sorted(set(unlabelled))}"


class Outbox:
    def __init__(self, path: Path) -> None:
        self.path = path

    def messages(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines()]

    def last_code(self, phone: str, purpose: str | None = None) -> str:
        for message in reversed(self.messages()):
            if message["phone"] == phone and purpose in (None, message["purpose"]):
                return str(message["code"])
        raise AssertionError(f"no SMS code was sent to {phone}")


@pytest.fixture
def outbox(settings: Any) -> Outbox:
    return Outbox(Path(settings.ONEWINDOW["SMS_OUTBOX"]))


@pytest.fixture
def send_code(
    client: Client, django_capture_on_commit_callbacks: Any, outbox: Outbox
) -> Callable[..., Any]:
    """Ask for an SMS code through the API and run the after-commit sending, as a server would."""

    def send(phone: str, purpose: str = "register", **extra: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                "/api/v1/auth/sms-codes",
                {"phone": phone, "purpose": purpose},
                content_type="application/json",
                **extra,
            )

    return send


@pytest.fixture
def person(db: None) -> Any:
    return PersonFactory()


def api_post(client: Client, path: str, data: Any, **extra: Any) -> Any:
    return client.post(path, data, content_type="application/json", **extra)


# -- browser tests (Debian's Chromium driven by Playwright) ------------------------------------------
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM is used beside it.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()
