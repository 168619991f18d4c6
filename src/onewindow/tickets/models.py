"""Tickets (工单) of the 12345 hotline and the mayor's mailbox, their categories, their steps, the
knowledge base the operators answer from, and the keys of Open311 clients.

A ticket is a case of the workflow engine (``tickets.case``): the engine owns its tasks (dispatch,
handling, extension, supervision, return visit); this app owns the ticket and writes only these
tables. The reporter's phone and name are personal data: sealed (``core.personal``), masked on every
screen, and hidden from the handling department altogether when a 举报 is confidential."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.core import personal


class Kind(models.TextChoices):
    CONSULT = "consult", _("咨询")
    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    SUGGESTION = "suggestion", _("建议")


class Channel(models.TextChoices):
    PHONE = "phone", _("12345电话")
    WEB = "web", _("网站")
    MOBILE = "mobile", _("手机")
    MAILBOX = "mailbox", _("市长信箱")
    OPEN311 = "open311", _("Open311接口")


class Status(models.TextChoices):
    NEW = "new", _("待派单")
    RETURNED = "returned", _("退单待重派")
    HANDLING = "handling", _("办理中")
    REPLIED = "replied", _("已答复待回访")
    CLOSED = "closed", _("已办结")
    MERGED = "merged", _("已合并")


OPEN = (Status.NEW, Status.RETURNED, Status.HANDLING, Status.REPLIED)


class Category(models.Model):
    """What a ticket is about (噪音扰民, 道路破损 ...): who handles it and in how many working days
    per kind; its Open311 service (``code``, ``group``, ``attributes``)."""

    code = models.SlugField(
        _("编码"), max_length=40, unique=True, help_text=_("Open311 的 service_code。")
    )
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=80, blank=True)
    group = models.CharField(_("分组"), max_length=40, blank=True)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    department = models.ForeignKey(
        "organizations.Department",
        verbose_name=_("默认承办部门"),
        on_delete=models.PROTECT,
        related_name="ticket_categories",
    )
    limits = models.JSONField(
        _("办理时限（工作日，按诉求类型）"),
        default=dict,
        blank=True,
        help_text=_('如 {"consult": 3, "complaint": 13}；未列出的类型用系统默认值。'),
    )
    attributes = models.JSONField(
        _("附加属性（Open311）"),
        default=list,
        blank=True,
        help_text=_("每项 {code, datatype, required, description, order, values}。"),
    )
    location_required = models.BooleanField(_("须填写地点"), default=False)
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("诉求分类")
        verbose_name_plural = _("诉求分类")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    def limit(self, kind: str) -> int:
        """Working days to handle a ticket of ``kind`` (the category's, else the platform's)."""
        own = (self.limits or {}).get(kind)
        if isinstance(own, int) and own > 0:
            return own
        defaults: dict[str, int] = settings.ONEWINDOW.get("TICKET_LIMITS", {})
        return int(defaults.get(kind, 5))


class Ticket(models.Model):
    number = models.CharField(_("工单编号"), max_length=24, unique=True)
    kind = models.CharField(_("诉求类型"), max_length=16, choices=Kind.choices)
    channel = models.CharField(_("来源渠道"), max_length=16, choices=Channel.choices)
    category = models.ForeignKey(
        Category, verbose_name=_("分类"), on_delete=models.PROTECT, related_name="tickets"
    )
    title = models.CharField(_("标题"), max_length=120, blank=True)
    description = models.TextField(_("诉求内容"))
    address = models.CharField(_("地点"), max_length=200, blank=True)
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    long = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    attributes = models.JSONField(_("附加属性"), default=dict, blank=True)
    application_number = models.CharField(_("相关办件"), max_length=24, blank=True)
    # The reporter: an account, or an anonymous person known by a verified phone.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("反映人账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    reporter_name_encrypted = models.BinaryField(null=True, blank=True, editable=False)
    reporter_name_masked = models.CharField(_("反映人（脱敏）"), max_length=40, blank=True)
    phone_encrypted = models.BinaryField(null=True, blank=True, editable=False)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("联系电话（脱敏）"), max_length=11, blank=True)
    confidential = models.BooleanField(
        _("保密"), default=False, help_text=_("举报人信息对承办部门也不显示。")
    )
    publish = models.BooleanField(_("同意公开（选登）"), default=False)
    published = models.BooleanField(_("已公开"), default=False)
    client = models.ForeignKey(
        "tickets.ClientKey",
        verbose_name=_("Open311客户端"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
    )
    token = models.CharField(
        _("受理凭证（Open311 token）"), max_length=40, blank=True, db_index=True
    )
    media_url = models.URLField(_("图片链接（Open311 media_url）"), max_length=500, blank=True)

    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.NEW)
    department = models.ForeignKey(
        "organizations.Department",
        verbose_name=_("承办部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    assisting = models.JSONField(_("协办部门"), default=list, blank=True)
    created_at = models.DateTimeField(_("受理时间"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("办理期限"), null=True, blank=True)
    returned_count = models.PositiveSmallIntegerField(_("退单次数"), default=0)
    extension_days = models.PositiveSmallIntegerField(_("申请延期（工作日）"), default=0)
    extension_reason = models.CharField(_("延期理由"), max_length=500, blank=True)
    extended = models.BooleanField(_("已延期"), default=False)
    supervised_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    reply = models.TextField(_("答复内容"), blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    satisfied = models.BooleanField(_("回访满意"), null=True, blank=True)
    visit_note = models.CharField(_("回访记录"), max_length=500, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    reopened_at = models.DateTimeField(_("重办时间"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("并入工单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged",
    )
    linked = models.ManyToManyField("self", verbose_name=_("关联工单"), blank=True)
    version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["reporter", "-created_at"], name="ticket_mine"),
            # Duplicate look-ups: the same phone recently; open tickets of one category.
            models.Index(fields=["phone_index", "created_at"], name="ticket_phone_recent"),
            models.Index(fields=["category", "status", "created_at"], name="ticket_category_open"),
            models.Index(fields=["status", "created_at"], name="ticket_status"),
            # The Open311 feed: the requests Open311 clients filed, newest first.
            models.Index(fields=["channel", "-created_at"], name="ticket_channel_recent"),
            models.Index(
                fields=["published", "-closed_at"],
                name="ticket_published",
                condition=Q(published=True),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def set_phone(self, phone: str) -> None:
        if not phone:
            self.phone_encrypted, self.phone_index, self.phone_masked = None, "", ""
            return
        sealed = personal.seal(personal.Kind.PHONE, phone)
        self.phone_encrypted, self.phone_index, self.phone_masked = (
            sealed.ciphertext,
            sealed.index,
            sealed.masked,
        )

    def set_reporter_name(self, name: str) -> None:
        if not name:
            self.reporter_name_encrypted, self.reporter_name_masked = None, ""
            return
        sealed = personal.seal(personal.Kind.NAME, name)
        self.reporter_name_encrypted, self.reporter_name_masked = sealed.ciphertext, sealed.masked


class Entry(models.Model):
    """One step of a ticket's life, as the reporter (``public``) and staff (``internal``) read it."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="entries")
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(_("动作"), max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    department = models.ForeignKey(
        "organizations.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    public = models.TextField(_("公开说明"), blank=True)
    internal = models.TextField(_("内部说明"), blank=True)

    class Meta:
        verbose_name = _("工单记录")
        verbose_name_plural = _("工单记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.action}"


class Article(models.Model):
    """An answer of the knowledge base (知识库) that operators read out on the call; departments
    propose them from their replies and the hotline publishes them."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("待审核")
        PUBLISHED = "published", _("已发布")
        RETIRED = "retired", _("已停用")

    category = models.ForeignKey(
        Category, verbose_name=_("分类"), on_delete=models.PROTECT, related_name="articles"
    )
    question = models.CharField(_("问题"), max_length=200)
    answer = models.TextField(_("答复口径"))
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=State.choices, default=State.PUBLISHED
    )
    department = models.ForeignKey(
        "organizations.Department",
        verbose_name=_("提供部门"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.ForeignKey(
        Ticket,
        verbose_name=_("来源工单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("知识库条目")
        verbose_name_plural = _("知识库")
        ordering = ["category__order", "id"]

    def __str__(self) -> str:
        return self.question


class ClientKey(models.Model):
    """An Open311 client allowed to file requests (``api_key``): only a keyed hash is kept."""

    name = models.CharField(_("客户端名称"), max_length=80)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("密钥前缀"), max_length=8, editable=False)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Open311客户端密钥")
        verbose_name_plural = _("Open311客户端密钥")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
