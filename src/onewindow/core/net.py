from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address; behind ``PROXY_COUNT`` trusted proxies, taken from X-Forwarded-For."""
    proxies = int(getattr(settings, "AXES_IPWARE_PROXY_COUNT", None) or 0)
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if len(forwarded) >= proxies and forwarded[-proxies]:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def client_network(request: HttpRequest) -> str | None:
    """The client's address as rate limits and lock-outs count it: an IPv4 address as is, an IPv6
    address as its /64 network (one subscriber's link hands out any address inside it, so counting
    single addresses would let one client rotate past every limit). The audit trail keeps
    ``client_ip``."""
    address = client_ip(request)
    if address is None:
        return None
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(parsed) >> 64 << 64, 64)).network_address)
    return str(parsed)
