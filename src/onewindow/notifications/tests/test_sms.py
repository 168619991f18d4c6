from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from onewindow.notifications.sms.base import SmsDeliveryError, SmsMessage
from onewindow.notifications.sms.contrib.http import HttpSmsBackend
from onewindow.notifications.sms.contrib.outbox import OutboxSmsBackend
from onewindow.notifications.tasks import seal_sms, unseal_sms

MESSAGE = SmsMessage(
    phone="13800000001",
    text="【青岚】验证码123456",
    code="123456",
    purpose="login",
    sent_at=datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
)


def test_outbox_appends_one_json_object_per_line(tmp_path: Path) -> None:
    backend = OutboxSmsBackend(tmp_path / "out" / "sms.jsonl")
    backend.send(MESSAGE)
    backend.send(MESSAGE)
    lines = (tmp_path / "out" / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    assert json.loads(lines[0]) == {
        "phone": "13800000001",
        "text": "【青岚】验证码123456",
        "code": "123456",
        "purpose": "login",
        "sent_at": "2026-11-23T08:00:00+00:00",
    }


def test_task_payload_is_sealed() -> None:
    sealed = seal_sms(MESSAGE)
    assert "123456" not in sealed and "13800000001" not in sealed
    assert unseal_sms(sealed) == MESSAGE


class Gateway(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []
    answer: ClassVar[tuple[int, bytes]] = (200, b'{"code": 0}')

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        Gateway.received.append(
            {"auth": self.headers["Authorization"], "body": json.loads(self.rfile.read(length))}
        )
        status, body = Gateway.answer
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def gateway(settings: Any) -> Any:
    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.ONEWINDOW = {
        **settings.ONEWINDOW,
        "SMS_HTTP_URL": f"http://127.0.0.1:{server.server_port}/send",
        "SMS_HTTP_TOKEN": "secret-token",
    }
    Gateway.received.clear()
    yield Gateway
    server.shutdown()


def test_http_gateway_posts_the_message(gateway: Any) -> None:
    gateway.answer = (200, b'{"code": 0}')
    HttpSmsBackend().send(MESSAGE)
    request = gateway.received[0]
    assert request["auth"] == "Bearer secret-token"
    assert request["body"]["phone"] == "13800000001"
    assert request["body"]["content"] == MESSAGE.text


@pytest.mark.parametrize("answer", [(500, b"oops"), (200, b'{"code": "LIMIT", "message": "x"}')])
def test_http_gateway_failures_raise(gateway: Any, answer: tuple[int, bytes]) -> None:
    gateway.answer = answer
    with pytest.raises(SmsDeliveryError):
        HttpSmsBackend().send(MESSAGE)


def test_http_gateway_needs_a_url(settings: Any) -> None:
    settings.ONEWINDOW = {**settings.ONEWINDOW, "SMS_HTTP_URL": ""}
    with pytest.raises(SmsDeliveryError):
        HttpSmsBackend()
