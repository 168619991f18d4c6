"""An SMS gateway reached over HTTP(S) with a bearer token.

Contract (the common shape of government SMS platforms, 政务短信平台): ``POST {SMS_HTTP_URL}`` with
``Authorization: Bearer {SMS_HTTP_TOKEN}`` and the JSON body
``{"phone": "138...", "sign_name": "...", "content": "...", "request_id": "..."}``. Any 2xx response
whose JSON body does not carry ``"code"`` other than ``0``/``"OK"`` counts as accepted.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any

from django.conf import settings

from onewindow.notifications.sms.base import SmsBackend, SmsDeliveryError, SmsMessage


class HttpSmsBackend(SmsBackend):
    def __init__(self) -> None:
        config: dict[str, Any] = settings.ONEWINDOW
        self.url: str = config["SMS_HTTP_URL"]
        self.token: str = config["SMS_HTTP_TOKEN"]
        self.sign_name: str = config["SMS_HTTP_SIGN_NAME"]
        self.timeout: float = config["SMS_HTTP_TIMEOUT"]
        if not self.url.startswith(("https://", "http://")):
            raise SmsDeliveryError("SMS_HTTP_URL is not configured")

    def send(self, message: SmsMessage) -> None:
        body = json.dumps(
            {
                "phone": message.phone,
                "sign_name": self.sign_name,
                "content": message.text,
                "request_id": uuid.uuid4().hex,
            },
            ensure_ascii=False,
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {self.token}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                payload = response.read()
        except urllib.error.HTTPError as exc:
            raise SmsDeliveryError(f"gateway answered HTTP {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsDeliveryError(f"gateway unreachable: {exc}") from exc
        try:
            answer = json.loads(payload or b"{}")
        except ValueError:
            return
        if isinstance(answer, dict) and answer.get("code", 0) not in (0, "0", "OK", "ok"):
            raise SmsDeliveryError(f"gateway refused the message: {answer.get('code')}")
