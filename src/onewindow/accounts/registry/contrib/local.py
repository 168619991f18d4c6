"""The city's own register of market entities (``RegisteredEnterprise``): the default verifier,
and what the demo loads."""

from __future__ import annotations

from onewindow.accounts.models import RegisteredEnterprise
from onewindow.accounts.registry.base import MarketRegistry, RegistryAnswer
from onewindow.core import personal
from onewindow.core.crypto import constant_time_equal


def same_name(a: str, b: str) -> bool:
    """Names compared as people type them: surrounding blanks and full-width brackets aside."""

    def norm(value: str) -> str:
        return "".join(value.split()).replace("（", "(").replace("）", ")")

    return norm(a) == norm(b)


class LocalRegistry(MarketRegistry):
    def verify(
        self,
        uscc: str,
        name: str,
        representative_name: str,
        representative_id_number: str | None = None,
    ) -> RegistryAnswer:
        entry = RegisteredEnterprise.objects.filter(uscc=uscc).first()
        if entry is None:
            return RegistryAnswer(found=False)
        person = same_name(entry.representative_name, representative_name)
        if person and entry.representative_id_index:
            given = (
                personal.index(personal.Kind.ID_NUMBER, representative_id_number)
                if representative_id_number
                else ""
            )
            person = constant_time_equal(given, entry.representative_id_index)
        return RegistryAnswer(
            found=True,
            active=entry.status == RegisteredEnterprise.Status.ACTIVE,
            name_matches=same_name(entry.name, name),
            representative_matches=person,
        )
