"""Tasks: one unit of work for one department's role on one stage of a case.

A task names its case generically (``case_type`` + ``case_id``): the case kinds registered in
``workflow.registry`` (applications first) own their tables; the engine owns only tasks. What the
inbox shows and filters on (the case's number, title and topic) is copied onto the task when it is
opened, so the inbox never joins a case table."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.catalog.choices import StageKind


class TaskQuerySet(models.QuerySet["Task"]):
    def of_case(self, case_type: str, case_id: int) -> TaskQuerySet:
        return self.filter(case_type=case_type, case_id=case_id)


class Task(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("待认领")
        CLAIMED = "claimed", _("办理中")
        DONE = "done", _("已办结")
        CANCELLED = "cancelled", _("已取消")

    class Role(models.TextChoices):
        CLERK = "clerk", _("窗口人员")
        REVIEWER = "reviewer", _("审查人员")
        DECIDER = "decider", _("决定人员")

    case_type = models.CharField(
        _("案件类型"), max_length=32, help_text=_("登记的案件类型，如 application（办件）。")
    )
    case_id = models.BigIntegerField(_("案件编号（内部）"))
    case_number = models.CharField(_("案件编号"), max_length=32, blank=True)
    case_title = models.CharField(_("案件名称"), max_length=200, blank=True)
    topic = models.CharField(
        _("分类"),
        max_length=32,
        blank=True,
        help_text=_("收件箱按此筛选，如办件的事项编号。"),
    )
    stage = models.CharField(_("环节"), max_length=40)
    stage_name = models.CharField(_("环节名称"), max_length=64)
    kind = models.CharField(_("环节类型"), max_length=16, choices=StageKind.choices)
    department = models.ForeignKey(
        "organizations.Department",
        verbose_name=_("部门"),
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    role = models.CharField(_("岗位"), max_length=16, choices=Role.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.OPEN)
    outcome = models.CharField(_("结果"), max_length=32, blank=True)
    public_comment = models.TextField(_("意见（申请人可见）"), blank=True)
    internal_comment = models.TextField(_("内部意见"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(_("办理期限"))
    claimed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0, help_text="optimistic lock")
    # 1 while open or claimed. An integer, not a boolean: ``active=1`` compiles to an equality the
    # index can seek on, where a boolean compiles to a bare column it cannot.
    active = models.GeneratedField(
        expression=models.Case(
            models.When(state__in=["open", "claimed"], then=models.Value(1)),
            default=models.Value(0),
        ),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("审批任务")
        verbose_name_plural = _("审批任务")
        ordering = ["due_at", "id"]
        indexes = [
            # The inbox reads active tasks of one department role by due date: with ``active`` in
            # the index that is one range, in order, however many finished tasks pile up.
            models.Index(fields=["department", "role", "active", "due_at"], name="task_inbox"),
            # The inbox filtered by case kind or by topic (an application's item): the filter's
            # column before the date keeps each a single range read in order.
            models.Index(
                fields=["department", "role", "active", "case_type", "due_at"],
                name="task_inbox_kind",
            ),
            models.Index(
                fields=["department", "role", "active", "topic", "due_at"],
                name="task_inbox_topic",
            ),
            # ``state=open`` (or claimed) alone: the state in place of ``active``.
            models.Index(fields=["department", "role", "state", "due_at"], name="task_inbox_state"),
            models.Index(fields=["case_type", "case_id"], name="task_case"),
            models.Index(fields=["assignee", "state", "due_at"], name="task_mine"),
            models.Index(fields=["state", "due_at"], name="task_overdue"),
        ]

    def __str__(self) -> str:
        return f"{self.case_type}:{self.case_number or self.case_id} {self.stage_name}"

    @property
    def is_active(self) -> bool:
        return self.state in (self.State.OPEN, self.State.CLAIMED)

    def colour(self, now: object = None) -> str:
        """green, yellow (80% of the time used) or red (overdue)."""
        if not self.is_active:
            return ""
        moment = now or timezone.now()
        if moment >= self.due_at:  # type: ignore[operator]
            return "red"
        span = (self.due_at - self.created_at).total_seconds()
        used = (moment - self.created_at).total_seconds()  # type: ignore[operator]
        return "yellow" if span > 0 and used / span >= 0.8 else "green"
