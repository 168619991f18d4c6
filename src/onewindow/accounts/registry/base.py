"""The market-registry plug point (市场主体登记信息核验): who checks that an enterprise exists, is
active, bears the name given and has the person registering it as its legal representative.
A verifier is chosen by ``ONEWINDOW["MARKET_REGISTRY_BACKEND"]``:

- ``contrib.local.LocalRegistry`` (default): the city's own register of market entities
  (``accounts.models.RegisteredEnterprise``), loaded by the demo or by the market department's
  export;
- ``contrib.http.HttpRegistry``: the market supervision department's verification service over
  HTTP(S), each request signed with HMAC-SM3 (production).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class RegistryAnswer:
    """What the register says about an enterprise and a person. ``representative_matches`` is
    True only when the name matches and, where the register holds the representative's ID number,
    the number does too."""

    found: bool
    active: bool = False
    name_matches: bool = False
    representative_matches: bool = False

    @property
    def confirmed(self) -> bool:
        return self.found and self.active and self.name_matches and self.representative_matches


class RegistryUnavailable(Exception):
    """The register could not be asked (unreachable, timed out, refused the request, answered
    nonsense); the caller tells the person to try again later."""


class MarketRegistry(abc.ABC):
    @abc.abstractmethod
    def verify(
        self,
        uscc: str,
        name: str,
        representative_name: str,
        representative_id_number: str | None = None,
    ) -> RegistryAnswer:
        """Check an enterprise (its normalised USCC) and its legal representative, or raise
        ``RegistryUnavailable``."""


@cache
def _registry_class(path: str) -> type[MarketRegistry]:
    cls: type[MarketRegistry] = import_string(path)
    return cls


def get_registry() -> MarketRegistry:
    return _registry_class(settings.ONEWINDOW["MARKET_REGISTRY_BACKEND"])()
