"""The market-registry verifier: the city's register by default, the market supervision
department's service over signed HTTP by setting; a register that cannot be asked is a clear
503, never a 500, and nothing is registered."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.test import Client

from onewindow.accounts.models import Agency, RegisteredEnterprise, User, id_number_index
from onewindow.accounts.registry.base import RegistryUnavailable
from onewindow.accounts.registry.contrib.http import HttpRegistry, signature
from onewindow.accounts.registry.contrib.local import LocalRegistry
from onewindow.applications.tests.conftest import Api
from onewindow.testing.factories import PersonFactory, make_resident_id, make_uscc

pytestmark = pytest.mark.django_db

USCC = make_uscc(5151)
ID_NUMBER = make_resident_id(77)


def test_the_local_register_checks_name_status_and_representative() -> None:
    RegisteredEnterprise.objects.create(
        uscc=USCC,
        name="青岚市（测试）有限公司",
        representative_name="赵一",
        representative_id_index=id_number_index(ID_NUMBER),
    )
    registry = LocalRegistry()
    assert registry.verify(USCC, "青岚市(测试)有限公司", "赵一", ID_NUMBER).confirmed
    assert not registry.verify(USCC, "青岚市测试有限公司", "赵一", ID_NUMBER).name_matches
    assert not registry.verify(USCC, "青岚市(测试)有限公司", "赵一", make_resident_id(78)).confirmed
    assert not registry.verify(USCC, "青岚市(测试)有限公司", "钱二", ID_NUMBER).confirmed
    assert not registry.verify(make_uscc(1), "x", "赵一").found
    RegisteredEnterprise.objects.filter(uscc=USCC).update(status="revoked")
    assert not registry.verify(USCC, "青岚市(测试)有限公司", "赵一", ID_NUMBER).active


class Registry(BaseHTTPRequestHandler):
    """A stand-in for the market supervision service: checks the signature, answers as told."""

    answer: Any = None
    status = 200
    seen: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        expected = signature(
            "s3cret",
            self.headers["X-App-Key"],
            self.headers["X-Timestamp"],
            self.headers["X-Nonce"],
            body,
        )
        Registry.seen.append(
            {"body": json.loads(body), "signed": expected == self.headers["X-Signature"]}
        )
        payload = json.dumps(self.answer).encode() if self.answer is not None else b"<html>"
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def registry_server(settings: Any) -> Iterator[type[Registry]]:
    server = HTTPServer(("127.0.0.1", 0), Registry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.ONEWINDOW = {
        **settings.ONEWINDOW,
        "MARKET_REGISTRY_BACKEND": "onewindow.accounts.registry.contrib.http.HttpRegistry",
        "MARKET_REGISTRY_URL": f"http://127.0.0.1:{server.server_port}/verify",
        "MARKET_REGISTRY_APP_KEY": "onewindow",
        "MARKET_REGISTRY_APP_SECRET": "s3cret",
        "MARKET_REGISTRY_TIMEOUT": 2.0,
    }
    Registry.answer, Registry.status, Registry.seen = None, 200, []
    yield Registry
    server.shutdown()
    server.server_close()


CONFIRMED = {"found": True, "active": True, "name_matches": True, "representative_matches": True}


def test_the_http_register_is_asked_with_a_signed_request(registry_server: Any) -> None:
    registry_server.answer = CONFIRMED
    assert HttpRegistry().verify(USCC, "某公司", "赵一", ID_NUMBER).confirmed
    (seen,) = registry_server.seen
    assert seen["signed"]
    assert seen["body"] == {
        "uscc": USCC,
        "name": "某公司",
        "legal_representative_name": "赵一",
        "legal_representative_id_number": ID_NUMBER,
    }


@pytest.mark.parametrize(
    ("status", "answer"),
    [(500, {"error": "x"}), (200, None), (200, {"found": "yes"}), (403, CONFIRMED)],
)
def test_a_register_that_answers_nonsense_is_unavailable(
    registry_server: Any, status: int, answer: Any
) -> None:
    registry_server.status, registry_server.answer = status, answer
    with pytest.raises(RegistryUnavailable):
        HttpRegistry().verify(USCC, "某公司", "赵一")


def test_an_unreachable_register_is_a_503_and_registers_nothing(
    client: Client, settings: Any
) -> None:
    settings.ONEWINDOW = {
        **settings.ONEWINDOW,
        "MARKET_REGISTRY_BACKEND": "onewindow.accounts.registry.contrib.http.HttpRegistry",
        "MARKET_REGISTRY_URL": "http://127.0.0.1:9/verify",  # nothing listens on discard
        "MARKET_REGISTRY_TIMEOUT": 1.0,
    }
    person = PersonFactory.create()
    response = Api(client, person).post(
        "/enterprises", {"uscc": USCC, "name": "某公司", "legal_representative": person.name}
    )
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "registry_unavailable"
    assert not User.objects.filter(uscc=USCC).exists() and not Agency.objects.exists()


def test_the_http_register_confirms_a_registration_end_to_end(
    client: Client, registry_server: Any
) -> None:
    registry_server.answer = CONFIRMED
    person = PersonFactory.create()
    response = Api(client, person).post(
        "/enterprises", {"uscc": USCC, "name": "某公司", "legal_representative": person.name}
    )
    assert response.status_code == 201, response.content
    assert registry_server.seen[0]["body"]["legal_representative_id_number"] == (
        person.reveal_id_number()
    )
