"""The migration to case-agnostic tasks keeps every task on its application: case type
"application", the application's id, number and item name, and its item as the topic."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from onewindow.workbench.tests.helpers import submitted
from onewindow.workflow.models import Task

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("workflow", "0004_task_active")]
AFTER = [("workflow", "0005_task_case_generic")]


def migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_tasks_keep_their_application_through_the_migration(world: Any, api: Any) -> None:
    application = submitted(world, api)
    accept = application.tasks.get()
    old = migrate(BEFORE)
    assert old.get_model("workflow", "Task").objects.get(pk=accept.pk).application_id == (
        application.pk
    )
    migrate(AFTER)
    task = Task.objects.get(pk=accept.pk)
    assert (task.case_type, task.case_id) == ("application", application.pk)
    assert (task.case_number, task.case_title) == (application.number, application.item_name)
    assert task.topic == str(application.item_id)
