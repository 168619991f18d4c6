"""The market supervision department's verification service (市场主体登记信息核验接口).

Contract: ``POST {MARKET_REGISTRY_URL}`` with the JSON body ``{"uscc", "name",
"legal_representative_name", "legal_representative_id_number"}`` and the headers ``X-App-Key``,
``X-Timestamp`` (Unix seconds), ``X-Nonce`` and ``X-Signature``: the hex HMAC-SM3 (GB/T 32905
hash in HMAC, RFC 2104), keyed with the app secret, of ``app_key \\n timestamp \\n nonce \\n
hex SM3 of the body``. A 200 answer is ``{"found": bool, "active": bool, "name_matches": bool,
"representative_matches": bool}``; any other answer, a timeout or an unreachable host is
``RegistryUnavailable``.
"""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings

from onewindow.accounts.registry.base import MarketRegistry, RegistryAnswer, RegistryUnavailable
from onewindow.core.crypto import hmac_sm3, sm3_hex

FIELDS = ("found", "active", "name_matches", "representative_matches")


def signature(secret: str, app_key: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = "\n".join((app_key, timestamp, nonce, sm3_hex(body))).encode()
    return hmac_sm3(secret.encode(), message).hex()


class HttpRegistry(MarketRegistry):
    def __init__(self) -> None:
        config: dict[str, Any] = settings.ONEWINDOW
        self.url: str = config["MARKET_REGISTRY_URL"]
        self.app_key: str = config["MARKET_REGISTRY_APP_KEY"]
        self.secret: str = config["MARKET_REGISTRY_APP_SECRET"]
        self.timeout: float = config["MARKET_REGISTRY_TIMEOUT"]

    def verify(
        self,
        uscc: str,
        name: str,
        representative_name: str,
        representative_id_number: str | None = None,
    ) -> RegistryAnswer:
        if not self.url.startswith(("https://", "http://")):
            raise RegistryUnavailable("MARKET_REGISTRY_URL is not configured")
        body = json.dumps(
            {
                "uscc": uscc,
                "name": name,
                "legal_representative_name": representative_name,
                "legal_representative_id_number": representative_id_number or "",
            },
            ensure_ascii=False,
        ).encode()
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "X-App-Key": self.app_key,
                "X-Timestamp": timestamp,
                "X-Nonce": nonce,
                "X-Signature": signature(self.secret, self.app_key, timestamp, nonce, body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                payload = response.read(65536)
        except urllib.error.HTTPError as exc:
            raise RegistryUnavailable(f"registry answered HTTP {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise RegistryUnavailable(f"registry unreachable: {type(exc).__name__}") from exc
        try:
            answer = json.loads(payload)
        except ValueError as exc:
            raise RegistryUnavailable("registry answered something that is not JSON") from exc
        if not isinstance(answer, dict) or not all(
            isinstance(answer.get(key), bool) for key in FIELDS
        ):
            raise RegistryUnavailable("registry answered without the expected fields")
        return RegistryAnswer(**{key: answer[key] for key in FIELDS})
