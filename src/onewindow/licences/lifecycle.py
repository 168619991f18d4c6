"""The life cycle of a licence: one table, readable on one screen.

A licence is issued valid. The issuer may suspend it (暂扣) and lift the suspension, revoke it
(吊销/撤销, final), or replace it with a new version (换发/变更, the old one becomes replaced).
The expiry task ends licences whose validity has passed. Verification reads the status at once.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    VALID = "valid", _("有效")
    SUSPENDED = "suspended", _("暂扣")
    REVOKED = "revoked", _("已吊销/撤销")
    EXPIRED = "expired", _("已过期")
    REPLACED = "replaced", _("已换发")


S = Status

# fmt: off
TABLE: dict[str, tuple[frozenset[str], str]] = {
    # action       from                            to
    "suspend":  (frozenset({S.VALID}),              S.SUSPENDED),
    "resume":   (frozenset({S.SUSPENDED}),          S.VALID),
    "revoke":   (frozenset({S.VALID, S.SUSPENDED}), S.REVOKED),
    "replace":  (frozenset({S.VALID}),              S.REPLACED),
    "expire":   (frozenset({S.VALID, S.SUSPENDED}), S.EXPIRED),
}
# fmt: on

ACTION_LABELS = {
    "issue": _("签发"),
    "suspend": _("暂扣"),
    "resume": _("恢复"),
    "revoke": _("吊销/撤销"),
    "replace": _("换发"),
    "expire": _("到期失效"),
}
NEEDS_REASON = {"suspend", "revoke", "replace"}


def target_of(action: str, current: str) -> str | None:
    entry = TABLE.get(action)
    if entry is None or current not in entry[0]:
        return None
    return entry[1]
