"""The life cycle of an application: one table, readable on one screen.

Each action names the states it may start from and the state it leads to. ``RETURN`` means "back to
the state the application was in before it was paused" (a correction requested during review goes
back to review; a suspension goes back to where it was). Anything not in the table is refused with a
message naming the current state.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交，待受理")
    CORRECTION = "correction", _("待补正")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    IN_REVIEW = "in_review", _("审查中")
    DECIDING = "deciding", _("待决定")
    SUSPENDED = "suspended", _("特别程序中")
    COMPLETED = "completed", _("已办结")
    DELIVERED = "delivered", _("已送达")
    WITHDRAWN = "withdrawn", _("已撤回")


RETURN = "return"
S = Status


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    target: str
    by: str  # applicant | staff | system


def t(sources: set[Status], target: str, by: str) -> Transition:
    return Transition(frozenset(sources), target, by)


BEFORE_DECISION = {S.DRAFT, S.SUBMITTED, S.CORRECTION, S.IN_REVIEW, S.DECIDING, S.SUSPENDED}

# fmt: off
TABLE: dict[str, Transition] = {
    # action                 from                                  to              by
    "submit":             t({S.DRAFT},                             S.SUBMITTED,    "applicant"),
    "request_correction": t({S.SUBMITTED, S.IN_REVIEW},            S.CORRECTION,   "staff"),
    "resubmit":           t({S.CORRECTION},                        RETURN,         "applicant"),
    "reject":             t({S.SUBMITTED},                         S.NOT_ACCEPTED, "staff"),
    "accept":             t({S.SUBMITTED},                         S.IN_REVIEW,    "staff"),
    "handle_immediately": t({S.SUBMITTED},                         S.COMPLETED,    "staff"),
    "review_done":        t({S.IN_REVIEW},                         S.DECIDING,     "system"),
    "approve":            t({S.DECIDING},                          S.COMPLETED,    "staff"),
    "deny":               t({S.DECIDING},                          S.COMPLETED,    "staff"),
    "suspend":            t({S.IN_REVIEW, S.DECIDING},             S.SUSPENDED,    "staff"),
    "resume":             t({S.SUSPENDED},                         RETURN,         "staff"),
    "transfer":           t({S.SUBMITTED, S.IN_REVIEW},            "same",         "staff"),
    "deliver":            t({S.COMPLETED},                         S.DELIVERED,    "staff"),
    "withdraw":           t(BEFORE_DECISION - {S.DRAFT},           S.WITHDRAWN,    "applicant"),
}
# fmt: on

# States in which the promised-time clock does not run.
PAUSED = {S.CORRECTION, S.SUSPENDED}
FINAL = {S.NOT_ACCEPTED, S.COMPLETED, S.DELIVERED, S.WITHDRAWN}
ACTION_LABELS = {
    "submit": _("提交申请"),
    "request_correction": _("一次性告知补正"),
    "resubmit": _("补正后重新提交"),
    "reject": _("不予受理"),
    "accept": _("受理"),
    "handle_immediately": _("即办办结"),
    "review_done": _("审查完成"),
    "approve": _("准予许可/办理"),
    "deny": _("不予许可/办理"),
    "suspend": _("进入特别程序"),
    "resume": _("恢复办理"),
    "transfer": _("转办"),
    "deliver": _("送达"),
    "withdraw": _("撤回申请"),
    "review_approve": _("审查同意"),
    "review_object": _("审查不同意"),
    "create": _("创建申请"),
    "escalate": _("超期督办"),
    # Material events that change no state (applications/trust.py, licences/reuse.py).
    "licence_used": _("使用电子证照（免提交）"),
    "material_checked": _("窗口核验原件（B级）"),
    "material_reused": _("复用已核验材料（B级）"),
    "material_committed": _("告知承诺代替材料（D级）"),
    # Approved, but the application's data does not fill the licence face (licences/issuance.py).
    "licence_pending": _("电子证照待补全签发"),
}


def target_of(action: str, current: str, resume_to: str) -> str | None:
    """The state ``action`` leads to from ``current``, or None when the table does not allow it."""
    transition = TABLE.get(action)
    if transition is None or current not in transition.sources:
        return None
    if transition.target == RETURN:
        return resume_to or None
    if transition.target == "same":
        return current
    return transition.target
