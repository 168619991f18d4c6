"""Service items with the national elements, their immutable published versions, and bundles.

An item is edited as a draft (``ServiceItem`` with its ``Material`` and ``FeeItem`` rows) and published
as an ``ItemVersion``: a frozen snapshot with a validity period. Public pages, the API and later
applications read versions, never drafts, so an edit changes nothing until it is published and an
application keeps pointing at the version it was made under.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from onewindow.catalog.choices import (
    CaseType,
    ExerciseLevel,
    ItemType,
    MaterialSource,
    Necessity,
    ResultType,
    TimeUnit,
)


class ImmutableError(Exception):
    pass


class ServiceItem(models.Model):
    """政务服务事项 (one row per implementing department's item): the editable draft."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("未发布")
        PUBLISHED = "published", _("已发布")
        WITHDRAWN = "withdrawn", _("已停用")

    department = models.ForeignKey(
        "organizations.Department",
        verbose_name=_("实施主体"),
        on_delete=models.PROTECT,
        related_name="service_items",
    )
    name = models.CharField(_("事项名称"), max_length=200)
    basic_code = models.CharField(
        _("基本编码"),
        max_length=12,
        validators=[RegexValidator(r"^[0-9A-Z]{12}$", _("基本编码为12位数字或大写字母。"))],
        help_text=_("政务服务事项基本目录的12位编码。"),
    )
    implementation_code = models.CharField(
        _("实施编码"),
        max_length=31,
        unique=True,
        validators=[RegexValidator(r"^[0-9A-Z]{31}$", _("实施编码为31位数字或大写字母。"))],
        help_text=_("31位：实施主体的18位统一社会信用代码 + 13位（基本编码与业务办理项）。"),
    )
    item_type = models.CharField(_("事项类型"), max_length=2, choices=ItemType.choices)
    exercise_level = models.CharField(
        _("行使层级"), max_length=16, choices=ExerciseLevel.choices, default=ExerciseLevel.CITY
    )
    power_source = models.CharField(
        _("权力来源"), max_length=64, blank=True, default="法定本级行使"
    )
    legal_basis = models.TextField(_("设定依据"))
    conditions = models.TextField(_("受理条件"))
    legal_limit = models.PositiveSmallIntegerField(_("法定办结时限"))
    legal_limit_unit = models.CharField(
        _("法定时限单位"), max_length=16, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAY
    )
    legal_limit_note = models.CharField(_("法定时限说明"), max_length=300, blank=True)
    promised_limit = models.PositiveSmallIntegerField(
        _("承诺办结时限"), help_text=_("0 表示即办件，当场办结。")
    )
    promised_limit_unit = models.CharField(
        _("承诺时限单位"), max_length=16, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAY
    )
    promised_limit_note = models.CharField(_("承诺时限说明"), max_length=300, blank=True)
    case_type = models.CharField(_("办件类型"), max_length=16, choices=CaseType.choices)
    service_objects = models.JSONField(
        _("服务对象"), default=list, help_text=_("natural（自然人）、legal（法人），可多选。")
    )
    handling_forms = models.JSONField(_("办理形式"), default=list)
    process_description = models.TextField(_("办理流程说明"), blank=True)
    special_procedures = models.TextField(_("特别程序"), blank=True)
    visits = models.PositiveSmallIntegerField(_("到办事现场次数"), default=0)
    visit_reason = models.CharField(_("必须现场办理原因"), max_length=300, blank=True)
    online = models.BooleanField(_("是否网办"), default=True)
    fully_online = models.BooleanField(_("全程网办"), default=False)
    online_depth = models.JSONField(
        _("网上办理深度"), default=list, help_text=_("代码1-8，可多选。")
    )
    online_payment = models.BooleanField(_("支持网上支付"), default=False)
    express_delivery = models.BooleanField(_("支持物流快递"), default=False)
    appointment = models.BooleanField(_("支持预约办理"), default=False)
    self_service = models.BooleanField(_("支持自助终端办理"), default=False)
    in_hall = models.BooleanField(_("进驻政务大厅"), default=True)
    cross_region = models.CharField(_("通办范围"), max_length=64, blank=True)
    fee = models.BooleanField(_("是否收费"), default=False)
    fee_basis = models.TextField(_("收费依据"), blank=True)
    place = models.CharField(_("办理地点"), max_length=300)
    office_hours = models.CharField(_("办理时间"), max_length=200)
    consult_phone = models.CharField(_("咨询电话"), max_length=64)
    complaint_phone = models.CharField(_("监督投诉电话"), max_length=64)
    topics_person = models.JSONField(_("面向自然人主题分类"), default=list, blank=True)
    topics_enterprise = models.JSONField(_("面向法人主题分类"), default=list, blank=True)
    result_name = models.CharField(_("审批结果名称"), max_length=200)
    result_type = models.CharField(
        _("审批结果类型"), max_length=16, choices=ResultType.choices, default=ResultType.OTHER
    )
    licence_type = models.CharField(
        _("结果证照类型"),
        max_length=21,
        blank=True,
        help_text=_("准予后签发的电子证照类型代码（GB/T 36904，21位）；留空表示不签发电子证照。"),
    )
    licence_mapping = models.JSONField(
        _("证照信息取值"),
        default=dict,
        blank=True,
        help_text=_(
            "照面数据项 → 取值：data.<表单字段>、holder.name、holder.code、enterprise.uscc、"
            "enterprise.name、enterprise.legal_representative（办件所属企业的登记信息）、"
            "application.number、item.name、department.name 或 =固定值；"
            "未列出的数据项取同名表单字段。"
        ),
    )
    keywords = models.CharField(
        _("搜索关键词"),
        max_length=300,
        blank=True,
        help_text=_("群众常用的叫法，空格分隔，例如：开饭店 餐馆。"),
    )
    responsibility_items = models.TextField(
        _("责任事项"), blank=True, help_text=_("权责清单中本项职权对应的责任事项。")
    )
    accountability = models.TextField(_("追责情形"), blank=True)
    process = models.JSONField(
        _("流程定义"),
        default=dict,
        help_text=_("办理环节：受理、审查（可多部门并联）、决定等，见文档。"),
    )
    form_schema = models.JSONField(
        _("申请表单"),
        default=dict,
        help_text=_("JSON Schema，带界面提示（x-order、x-widget、x-prefill）。"),
    )
    popularity = models.PositiveIntegerField(_("热度"), default=0)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    current_version = models.ForeignKey(
        "ItemVersion",
        verbose_name=_("当前版本"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("政务服务事项")
        verbose_name_plural = _("政务服务事项")
        ordering = ["department__sort_order", "implementation_code"]
        indexes = [models.Index(fields=["status", "item_type"])]

    def __str__(self) -> str:
        return self.name


class Material(models.Model):
    """申请材料."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="materials")
    order = models.PositiveSmallIntegerField(_("序号"), default=0)
    name = models.CharField(_("材料名称"), max_length=200)
    forms = models.JSONField(
        _("材料形式"), default=list, help_text=_("原件、复印件、电子，可多选。")
    )
    material_type = models.CharField(_("材料类型"), max_length=64, blank=True)
    copies = models.PositiveSmallIntegerField(_("纸质份数"), default=1)
    paper_size = models.CharField(_("纸张规格"), max_length=16, blank=True, default="A4")
    source = models.CharField(
        _("来源渠道"),
        max_length=16,
        choices=MaterialSource.choices,
        default=MaterialSource.APPLICANT,
    )
    source_note = models.CharField(_("来源说明"), max_length=200, blank=True)
    necessity = models.CharField(
        _("必要性"), max_length=16, choices=Necessity.choices, default=Necessity.REQUIRED
    )
    acceptance_standard = models.TextField(_("受理标准"), blank=True)
    legal_basis = models.CharField(_("设定依据"), max_length=300, blank=True)
    blank_form = models.FileField(_("空白表格"), upload_to="catalog/forms/", blank=True)
    example = models.FileField(_("示例样表"), upload_to="catalog/examples/", blank=True)
    notes = models.TextField(_("填报须知"), blank=True)
    licence_type = models.CharField(
        _("对应证照类型"),
        max_length=21,
        blank=True,
        help_text=_("政府部门核发的证照类型代码；申请人持有时可免提交。"),
    )
    licence_fetch = models.BooleanField(
        _("平台调取"),
        default=False,
        help_text=_("申请人持有该证照时由平台按持证主体代码调取，申请人无需操作。"),
    )
    commitment_allowed = models.BooleanField(
        _("可告知承诺"),
        default=False,
        help_text=_("告知承诺制：申请人可书面承诺代替提交这项材料（可信等级D）。"),
    )
    commitment_text = models.TextField(
        _("承诺书内容"), blank=True, help_text=_("留空则使用平台的通用承诺书内容。")
    )

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["item", "order", "id"]

    def __str__(self) -> str:
        return self.name


class FeeItem(models.Model):
    """收费项目."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="fees")
    name = models.CharField(_("收费项目名称"), max_length=200)
    standard = models.CharField(_("收费标准"), max_length=300)
    basis = models.TextField(_("收费依据"))
    reduction_allowed = models.BooleanField(_("是否允许减免"), default=False)
    reduction_basis = models.TextField(_("减免依据"), blank=True)

    class Meta:
        verbose_name = _("收费项目")
        verbose_name_plural = _("收费项目")

    def __str__(self) -> str:
        return self.name


class ItemVersion(models.Model):
    """A published, immutable snapshot of an item (all elements, materials, fees, process, form)."""

    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    data = models.JSONField(_("事项要素"))
    valid_from = models.DateField(_("生效日期"))
    valid_until = models.DateField(_("失效日期"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("事项版本")
        verbose_name_plural = _("事项版本")
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="item_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.data.get('name', '')} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            # Only the end of validity may be set later, when a newer version replaces this one.
            fields = set(kwargs.get("update_fields") or [])
            if fields != {"valid_until"}:
                raise ImmutableError("a published version cannot be changed")
        super().save(*args, **kwargs)


class Bundle(models.Model):
    """一件事一次办: items for one life or business event with one merged form."""

    class Audience(models.TextChoices):
        PERSON = "person", _("个人")
        ENTERPRISE = "enterprise", _("企业")

    slug = models.SlugField(_("标识"), unique=True)
    name = models.CharField(_("名称"), max_length=100)
    audience = models.CharField(_("面向"), max_length=16, choices=Audience.choices)
    description = models.TextField(_("说明"), blank=True)
    keywords = models.CharField(_("搜索关键词"), max_length=300, blank=True)
    lead_department = models.ForeignKey(
        "organizations.Department",
        verbose_name=_("牵头部门"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    items = models.ManyToManyField(ServiceItem, through="BundleItem", related_name="bundles")
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("一件事")
        verbose_name_plural = _("一件事")
        ordering = ["audience", "name"]

    def __str__(self) -> str:
        return self.name


class BundleItem(models.Model):
    bundle = models.ForeignKey(Bundle, on_delete=models.CASCADE, related_name="entries")
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("一件事所含事项")
        verbose_name_plural = _("一件事所含事项")
        ordering = ["bundle", "order"]
        constraints = [
            models.UniqueConstraint(fields=["bundle", "item"], name="bundle_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.bundle} / {self.item}"


class SearchEntry(models.Model):
    """What search matches, filters and lists for one published item. The full-text index itself is
    vendor-specific (an FTS5 table on SQLite, a ``tsvector`` column with a GIN index on PostgreSQL)
    and is written by ``catalog.search.index`` next to this row."""

    item = models.OneToOneField(
        ServiceItem, primary_key=True, on_delete=models.CASCADE, related_name="search_entry"
    )
    version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(
        "organizations.Department", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(max_length=200)
    basic_code = models.CharField(max_length=12)
    implementation_code = models.CharField(max_length=31)
    item_type = models.CharField(max_length=2, choices=ItemType.choices)
    for_natural = models.BooleanField(default=False)
    for_legal = models.BooleanField(default=False)
    fully_online = models.BooleanField(default=False)
    visits = models.PositiveSmallIntegerField(default=0)
    legal_days = models.PositiveSmallIntegerField(default=0)
    promised_days = models.PositiveSmallIntegerField(default=0)
    online_depth = models.JSONField(default=list)
    popularity = models.PositiveIntegerField(default=0)
    topics = models.CharField(
        max_length=300,
        blank=True,
        help_text="' p:<person topic> e:<enterprise topic> ' for filtering",
    )
    name_norm = models.CharField(
        max_length=200, blank=True, help_text="the name normalised as queries are, for ranking"
    )
    spell_head = models.CharField(
        max_length=300, blank=True, help_text="pinyin and initials of the whole name and its words"
    )
    spell = models.TextField(blank=True, help_text="pinyin and initials from each character on")
    aliases = models.CharField(
        max_length=500,
        blank=True,
        help_text="' pinyin initials ' of the keywords and of the synonyms the name answers to",
    )
    name_terms = models.TextField(blank=True)
    body_terms = models.TextField(blank=True)

    class Meta:
        verbose_name = _("检索条目")
        verbose_name_plural = _("检索条目")
        indexes = [
            models.Index(fields=["-popularity", "name"]),
            models.Index(fields=["department", "item_type"]),
            # Everything ranking reads of a matched entry, so a search touches this narrow index
            # rather than the wide rows (half the time of a query matching thousands of items).
            models.Index(
                fields=["item", "popularity", "name_norm", "name"], name="catalog_search_rank_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ImportJob(models.Model):
    """A bulk import of items from CSV or XLSX: checked row by row, applied all or nothing, run as a
    background task so a large file shows its progress."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        CHECKING = "checking", _("检查中")
        FAILED = "failed", _("检查未通过，未导入")
        DONE = "done", _("已导入")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    file = models.FileField(upload_to="catalog/imports/")
    file_name = models.CharField(max_length=200)
    publish = models.BooleanField(_("导入后发布"), default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, help_text="[{row, field, message}]")
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("批量导入")
        verbose_name_plural = _("批量导入")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def percent(self) -> int:
        return int(self.processed * 100 / self.total) if self.total else 0
