"""The inbox: deadline colours decided by the database (so every matching task is found), paging,
the item filter and the overdue tab."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from onewindow.workbench.tests.helpers import as_user, submitted
from onewindow.workflow.models import Task

pytestmark = pytest.mark.django_db


def _task(application: Any, department: Any, created_ago: timedelta, due_in: timedelta) -> Task:
    now = timezone.now()
    return Task.objects.create(
        case_type="application",
        case_id=application.pk,
        case_number=application.number,
        case_title=application.item_name,
        topic=str(application.item_id),
        stage="accept",
        stage_name="受理",
        kind="acceptance",
        department=department,
        role=Task.Role.CLERK,
        created_at=now - created_ago,
        due_at=now + due_in,
    )


def test_colour_filter_finds_every_matching_task_across_pages(world: Any, api: Any) -> None:
    application = submitted(world, api)  # its own acceptance task is green
    hour, day = timedelta(hours=1), timedelta(days=1)
    for _ in range(55):
        _task(application, world.market, 2 * day, -hour)  # overdue, first in the inbox
    yellow = [_task(application, world.market, 9 * day, day) for _ in range(3)]  # 90% used
    _task(application, world.market, 7 * day, 3 * day)  # 70% used: still green
    assert {t.colour() for t in yellow} == {"yellow"}
    clerk = as_user(world.people["clerk"])

    page = clerk.get("/workbench/?colour=yellow").content.decode()
    assert page.count('class="light light-yellow"') == 3
    assert "light-red" not in page and "light-green" not in page
    page = clerk.get("/workbench/?colour=green").content.decode()
    assert page.count('class="light light-green"') == 2

    first = clerk.get("/workbench/?colour=red").content.decode()
    assert first.count('class="light light-red"') == 50
    assert 'href="?colour=red&amp;page=2"' in first and 'rel="prev"' not in first
    second = clerk.get("/workbench/?colour=red&page=2").content.decode()
    assert second.count('class="light light-red"') == 5
    assert 'href="?colour=red&amp;page=1"' in second and 'rel="next"' not in second


def test_overdue_tab_and_item_choice(world: Any, api: Any) -> None:
    application = submitted(world, api)
    clerk = as_user(world.people["clerk"])
    page = clerk.get("/workbench/").content.decode()
    assert '<a href="/workbench/?overdue=1">超期任务</a>' in page
    assert f'<option value="{world.item.pk}">餐饮许可</option>' in page
    assert application.number in clerk.get(f"/workbench/?item={world.item.pk}").content.decode()
    overdue = clerk.get("/workbench/?overdue=1").content.decode()
    assert 'aria-current="page">超期任务' in overdue
    assert application.number not in overdue and "没有待办任务。" in overdue
    application.tasks.update(due_at=timezone.now() - timedelta(hours=1))
    assert application.number in clerk.get("/workbench/?overdue=1").content.decode()


@pytest.mark.parametrize("query", ["page=abc", "page=-1"])
def test_a_bad_filter_says_its_problem_once_in_the_sites_layout(world: Any, query: str) -> None:
    """The inbox itself answers, its summary naming the parameter once, in the site's layout."""
    response = as_user(world.people["clerk"]).get(f"/workbench/?{query}")
    assert response.status_code == 422
    main = response.content.decode().split("<main", 1)[1]
    assert main.count("应为1至10000之间的整数。") == 1
    assert "页码（page）：应为1至10000之间的整数。" in main
    assert 'class="site-header"' in response.content.decode()


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("item=9223372036854775808", "事项（item）：应为1至9223372036854775807之间的整数。"),
        ("item=abc", "事项（item）："),
        ("state=bogus", "状态（state）：没有“bogus”这一项"),
        ("colour=blue", "期限（colour）：没有“blue”这一项"),
        ("kind=nothing", "类型（kind）：没有“nothing”这一项"),
        ("page=0", "页码（page）："),
    ],
)
def test_a_bad_filter_names_its_parameter(world: Any, query: str, named: str) -> None:
    response = as_user(world.people["clerk"]).get(f"/workbench/?{query}")
    assert response.status_code == 422
    html = response.content.decode()
    assert named in html and 'class="error-summary" role="alert"' in html
    assert 'id="f-state"' in html  # the filters are there to correct it
