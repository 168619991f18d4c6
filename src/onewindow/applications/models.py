"""Applications (办件), their materials, timeline and pauses."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from onewindow.applications.lifecycle import Status
from onewindow.workflow.models import Task, TaskQuerySet


class Application(models.Model):
    """One application for one item, made under one published version of it."""

    number = models.CharField(_("办件编号"), max_length=24, unique=True)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人账号"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    enterprise = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代办企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprise_applications",
        help_text=_("经办人代表企业申请时，申请人为该企业。"),
    )
    item = models.ForeignKey(
        "catalog.ServiceItem",
        verbose_name=_("事项"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    item_version = models.ForeignKey(
        "catalog.ItemVersion",
        verbose_name=_("事项版本"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    item_name = models.CharField(
        _("事项名称"),
        max_length=200,
        default="",
        help_text=_("申请时事项的名称，列表直接显示，不必读取事项版本。"),
    )
    department = models.ForeignKey(
        "organizations.Department",
        verbose_name=_("承办部门"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    bundle_group = models.UUIDField(_("一件事批次"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    resume_to = models.CharField(
        max_length=16, blank=True, help_text="the state to return to after a pause"
    )
    stage = models.CharField(_("当前环节"), max_length=40, blank=True)
    data = models.JSONField(
        _("申请表"),
        default=dict,
        help_text=_("个人信息（身份证号码、手机号码等）只存掩码，原值加密存于“个人信息密文”。"),
    )
    personal_data = models.BinaryField(
        _("个人信息密文"),
        null=True,
        blank=True,
        editable=False,
        help_text="SM4-GCM: the form's personal values in clear, bound to this application "
        "(core.personal.seal_record with personal_context); opened only through core.personal",
    )
    contact_phone_encrypted = models.BinaryField(null=True, blank=True, editable=False)
    contact_phone_index = models.CharField(
        max_length=64, blank=True, help_text="keyed SM3 blind index of the contact phone"
    )
    contact_phone_masked = models.CharField(_("联系手机"), max_length=11, blank=True)
    decision = models.CharField(_("决定"), max_length=16, blank=True)
    decision_reason = models.TextField(_("决定理由"), blank=True)
    decision_basis = models.TextField(
        _("决定的法律依据"),
        blank=True,
        help_text=_("不予受理时引用的法律、法规条款，与理由一并告知申请人。"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    deadline = models.DateField(_("承诺办结日期"), null=True, blank=True)
    paused_workdays = models.PositiveIntegerField(_("暂停的工作日"), default=0)
    paused_since = models.DateTimeField(null=True, blank=True)
    deadline_warned_at = models.DateTimeField(
        null=True, blank=True, help_text="when the department was warned at 80% of the limit"
    )
    version = models.PositiveIntegerField(default=0, help_text="optimistic lock")

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["applicant", "-created_at"]),
            models.Index(fields=["enterprise", "-created_at"]),
        ]

    # The type its workflow tasks name it by (applications.case registers the kind).
    case_type = "application"

    def __str__(self) -> str:
        return self.number

    @property
    def tasks(self) -> TaskQuerySet:
        """The workflow tasks on this application."""
        return Task.objects.of_case(self.case_type, self.pk)

    @property
    def personal_context(self) -> str:
        """What the sealed personal values are bound to: a blob copied onto another application
        does not open there."""
        assert self.pk is not None, "an application's personal data is sealed after its insert"
        return f"application:{self.pk}"


class TrustLevel(models.TextChoices):
    """Trust levels of application materials (国办函〔2016〕108号)."""

    AUTHORITY = "A", _("A 权威部门核发，可直接使用")
    CHECKED = "B", _("B 窗口核验原件，可复用")
    UPLOADED = "C", _("C 申请人上传，使用时核验原件")
    COMMITMENT = "D", _("D 申请人书面承诺")


class ApplicationMaterial(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="materials")
    material_index = models.PositiveSmallIntegerField(
        _("材料序号"), help_text=_("事项版本中申请材料的序号（从0开始）。")
    )
    name = models.CharField(_("材料名称"), max_length=200)
    file = models.FileField(_("文件"), upload_to="applications/%Y/%m/")
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=64)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    trust_level = models.CharField(
        _("可信等级"),
        max_length=1,
        choices=TrustLevel.choices,
        default=TrustLevel.UPLOADED,
        help_text=_("A 权威部门核发；B 窗口核验；C 申请人上传；D 承诺制。"),
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    replaced = models.BooleanField(_("已被替换"), default=False)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("核验人"),
        help_text=_("B 级：核对原件的窗口人员。"),
    )
    checked_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    check_note = models.CharField(_("核验说明"), max_length=200, blank=True)
    reused_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reuses",
        verbose_name=_("复用自"),
        help_text=_("B 级材料在后续办件中复用时，指向原已核验的材料。"),
    )
    commitment = models.TextField(
        _("承诺内容"), blank=True, help_text=_("D 级：申请人以书面承诺代替提交时承诺的全文。")
    )

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["material_index", "uploaded_at"]

    def __str__(self) -> str:
        return self.name


class TimelineEntry(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="timeline")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("办理人"), max_length=64, blank=True)
    action = models.CharField(_("动作"), max_length=32)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    public_comment = models.TextField(_("意见（申请人可见）"), blank=True)
    internal_comment = models.TextField(_("内部意见"), blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("办件记录")
        verbose_name_plural = _("办件记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.application} {self.action}"


class CorrectionRequest(models.Model):
    """一次性告知: every fault at once; the applicant fixes exactly these."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="corrections"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    faults = models.JSONField(help_text="[{kind: material|field, key, message}]")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("补正通知")
        verbose_name_plural = _("补正通知")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.application} {self.requested_at:%Y-%m-%d}"
