"""Limits count an IPv6 client by its /64 network: one subscriber's link hands out any address
inside it, so counting single addresses would let one client rotate past every limit."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory

from onewindow.core.net import client_ip, client_network


@pytest.mark.parametrize(
    ("remote", "network"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::"),
        ("2001:db8:1:2::1", "2001:db8:1:2::"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
    ],
)
def test_a_client_is_counted_by_its_address_or_its_ipv6_network(remote: str, network: str) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR=remote)
    assert client_network(request) == network
    assert client_ip(request) == remote  # the audit trail keeps the address itself


@pytest.mark.django_db
def test_rotating_ipv6_addresses_inside_one_network_does_not_escape_the_code_limit(
    client: Client, settings: Any
) -> None:
    settings.ONEWINDOW = {**settings.ONEWINDOW, "SMS_CODE_PER_IP_PER_HOUR": 3}
    statuses = [
        client.post(
            "/api/v1/auth/sms-codes",
            {"phone": f"1390000{i:04d}", "purpose": "register"},
            content_type="application/json",
            REMOTE_ADDR=f"2001:db8:1:2::{i + 1:x}",
        ).status_code
        for i in range(4)
    ]
    assert statuses == [202, 202, 202, 429]
    other = client.post(
        "/api/v1/auth/sms-codes",
        {"phone": "13900009999", "purpose": "register"},
        content_type="application/json",
        REMOTE_ADDR="2001:db8:1:3::1",
    )
    assert other.status_code == 202
