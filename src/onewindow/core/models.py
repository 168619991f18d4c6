"""The audit trail: append-only and hash-chained with SM3.

Each event's hash covers its own content and the previous event's hash, so altering or removing any
event breaks every later link; ``AuditHead`` holds the last hash so that removing the newest events
is detected too. ``manage.py verify_audit`` walks the chain.

An event is written at once, unsealed (no ``seq``, no ``hash``), in the transaction of the change it
records; ``audit.seal`` then gives it its place in the chain and its seal, in id order, after commit.
Writers never wait for one another on the chain's head; only the sealer locks it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AppendOnlyError(Exception):
    pass


class AuditEvent(models.Model):
    at = models.DateTimeField(_("时间"), db_index=True)
    actor_id = models.BigIntegerField(_("操作人"), null=True, blank=True, db_index=True)
    actor_kind = models.CharField(_("操作人类型"), max_length=16, blank=True)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("IP地址"), null=True, blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    prev_hash = models.CharField(_("前一条哈希"), max_length=64, blank=True, default="")
    hash = models.CharField(
        _("封印"),
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        help_text=_(
            "HMAC-SM3（GB/T 32905 的 SM3 与 HMAC）：本条内容与前一条封印，密钥见 key_id；"
            "为空表示尚未封印"
        ),
    )
    seq = models.BigIntegerField(
        _("链上序号"),
        null=True,
        blank=True,
        unique=True,
        help_text=_("封印时按编号顺序给出的链上位置（1、2、3……连续）；为空表示尚未封印"),
    )
    key_id = models.CharField(
        _("审计密钥"),
        max_length=32,
        blank=True,
        default="",
        help_text=_("封印所用审计密钥的编号；为空表示启用密钥前的旧记录（仅 SM3 哈希）"),
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # What the sealer reads: the few events not sealed yet, in id order.
            models.Index(
                fields=["id"], condition=models.Q(seq__isnull=True), name="core_audit_unsealed"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("audit events cannot be deleted")


class AuditHead(models.Model):
    """One row: the chain position (``last_id``: the newest sealed event's ``seq``) and seal of the
    newest sealed event. Locked by the sealer alone, so the chain is linear however many processes
    write at once. Its own ``seal`` (HMAC-SM3 with the audit key) covers
    ``last_id``, ``last_hash`` and ``legacy_until``, so it cannot be set back to an arbitrary event, nor
    can keyed events be passed off as legacy ones."""

    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    # Events up to this id were written before the trail was keyed (plain SM3); none after it may be.
    legacy_until = models.BigIntegerField(default=0)
    key_id = models.CharField(max_length=32, blank=True, default="")
    seal = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("审计链头")

    def __str__(self) -> str:
        return f"#{self.last_id} {self.last_hash[:12]}"


class CalendarDay(models.Model):
    """An administrator's entry for one date: a holiday or a make-up working day the holiday
    package does not know yet (next year's arrangement, a local holiday)."""

    day = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    name = models.CharField(_("说明"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("工作日历调整")
        verbose_name_plural = _("工作日历调整")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        from onewindow.core.calendar import forget_overrides

        forget_overrides()


class OutboxEvent(models.Model):
    """A domain event, written in the transaction that made the change (``core.events.publish``)
    and delivered after it commits to each subscriber registered for it at that moment.

    A subscriber's work and its name in ``done`` commit together, so an event delivered twice acts
    once per subscriber. One that fails is tried again by ``manage.py deliver_events`` (cron) from
    ``next_attempt_at`` on, backing off; it stays here, in the admin list, until it succeeds."""

    name = models.CharField(_("事件"), max_length=64, db_index=True)
    payload = models.JSONField(
        _("内容"), default=dict, help_text=_("标识与少量取值，不含明文个人信息")
    )
    created_at = models.DateTimeField(_("发生时间"))
    subscribers = models.JSONField(
        _("订阅方"), default=list, help_text=_("发布时登记的订阅方（函数路径）")
    )
    done = models.JSONField(_("已送达"), default=list, help_text=_("已完成处理的订阅方"))
    delivered_at = models.DateTimeField(_("全部送达时间"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("失败次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"))
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("领域事件")
        verbose_name_plural = _("领域事件")
        ordering = ["-id"]
        indexes = [
            # The sweep's query: undelivered events that are due. Delivered ones (nearly all) stay
            # out of the index.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(delivered_at__isnull=True),
                name="outbox_due",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.name}"

    @property
    def pending(self) -> list[str]:
        """Subscribers that have not yet handled the event."""
        return [name for name in self.subscribers if name not in self.done]


class IdempotencyRecord(models.Model):
    """The first answer to a write that carried a key (an API ``Idempotency-Key``, a page's form
    token), replayed for a repeat of it. ``fingerprint`` is a digest of what was asked, so the same
    key cannot stand for a different request; see ``core.idempotency``. Bodies hold what the answer
    held: personal values masked, never clear."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    fingerprint = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("幂等记录")
        verbose_name_plural = _("幂等记录")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique")]

    def __str__(self) -> str:
        return self.key

    def replay(self) -> Any:
        return self.body
