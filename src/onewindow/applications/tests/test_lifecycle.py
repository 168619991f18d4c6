"""The transition table: every allowed move works, every other is refused naming the state, and
the timeline always tells the same story as the states."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onewindow.applications import services
from onewindow.applications.lifecycle import RETURN, TABLE, Status, target_of
from onewindow.applications.models import Application, TimelineEntry
from onewindow.core.errors import DomainError

pytestmark = pytest.mark.django_db
ACTIONS = sorted(TABLE)


def fresh(world: Any) -> Application:
    return services.create_application(world.citizen, world.item, {"area": 10})


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("state", [s.value for s in Status])
def test_each_cell_of_the_table(world: Any, action: str, state: str) -> None:
    application = fresh(world)
    Application.objects.filter(pk=application.pk).update(status=state, resume_to="in_review")
    application.refresh_from_db()
    expected = target_of(action, state, "in_review")
    if expected is None:
        with pytest.raises(DomainError) as caught:
            services.transition(application, action, world.citizen)
        assert caught.value.status == 409
        assert str(Status(state).label) in caught.value.message
    else:
        services.transition(application, action, world.citizen)
        application.refresh_from_db()
        assert application.status == expected


def test_the_table_only_leads_to_known_states() -> None:
    for action, transition in TABLE.items():
        assert transition.sources <= set(Status.values), action
        assert transition.target in set(Status.values) | {RETURN, "same"}, action


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=12))
def test_random_action_sequences(world: Any, actions: list[str]) -> None:
    with transaction.atomic():
        application = fresh(world)
        visited = [application.status]
        for action in actions:
            before = application.status
            expected = target_of(action, before, application.resume_to)
            try:
                services.transition(application, action, world.citizen)
            except DomainError:
                assert expected is None
                continue
            assert application.status == expected
            assert application.status in Status.values
            visited.append(application.status)
        entries = TimelineEntry.objects.filter(application=application).order_by("at", "id")
        assert [e.to_status for e in entries] == visited
        transaction.set_rollback(True)
