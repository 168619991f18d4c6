"""Schemathesis over every operation of the OpenAPI document: no input makes the API fail with a
server error.

Runs in-process against the WSGI application, on whichever database the suite uses (CI runs it on
SQLite and on PostgreSQL). Each operation gets a bounded number of generated requests, valid and
invalid by the schema (NUL bytes, huge numbers, wrong types, extra parameters), sent with a
citizen's bearer token, or a clerk's for the staff operations. The pass mark: no 5xx, and every
answer's body conforms to the schema the document gives for its status.
``FUZZ_EXAMPLES`` raises the number of requests per operation for a longer local run.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from onewindow.accounts.services import issue_token
from onewindow.applications.tests.conftest import World, world
from onewindow.wsgi import application as wsgi_application

__all__ = ["world"]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
# Operations a clerk calls; everything else is asked as a citizen (the holder side).
STAFF_PREFIXES = ("/workbench/", "/licences/applications/")
STAFF_SUFFIXES = ("/actions", "/replace")
TALLY: Counter[str] = Counter()


# The document is served without touching the database, so it is read once when the module loads.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_application)


@pytest.fixture(autouse=True)
def _one_connection() -> Iterator[None]:
    """Keep the test's connection open across requests, as Django's test client does: the WSGI
    handler would close it at the end of each request, and with it the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module", autouse=True)
def _report(request: pytest.FixtureRequest) -> Iterator[None]:
    """Print the figures of the run (cases sent, server errors) under the test results."""
    yield
    from django.db import connection

    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None and TALLY["cases"]:
        with capture.global_and_fixture_disabled():
            reporter.write_line(
                f"\nschemathesis on {connection.vendor}: {TALLY['cases']} cases, "
                f"{TALLY['server_errors']} server errors"
            )


def _token(world: World, path: str) -> str:
    staff_operation = path.startswith(STAFF_PREFIXES) or (
        path.startswith("/licences/") and path.endswith(STAFF_SUFFIXES)
    )
    user = world.people["clerk"] if staff_operation else world.citizen
    return issue_token(user)[0]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.django_db
def test_no_input_is_a_server_error(case: Any, world: World) -> None:
    token = _token(world, case.operation.path)
    headers = {"Authorization": f"Bearer {token}"}
    TALLY["cases"] += 1
    response = case.call(headers=headers)
    if response.status_code >= 500:
        TALLY["server_errors"] += 1
    # Every answer is what the document says it is: its body validates against the operation's
    # schema for that status (a 2xx against its typed body, an error against the envelope).
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
