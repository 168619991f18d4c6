"""Electronic licences (电子证照, GB/T 36901–36905-2018): types, issuers' SM2 keys, licences, their
events, share links and the record of every use."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from onewindow.core.crypto import blind_index, default_keyring
from onewindow.licences.identifiers import valid_type_code
from onewindow.licences.lifecycle import ACTION_LABELS, Status

HOLDER_CODE_PURPOSE = "licence-holder-code"


def _type_code(value: str) -> None:
    if not valid_type_code(value):
        raise ValidationError(_("证照类型代码为21位数字或大写字母。"))


CODE_TYPE_ID = "111"  # GB/T 36902 holder code type: 居民身份证号码
CODE_TYPE_USCC = "001"  # 统一社会信用代码


class Visibility(models.TextChoices):
    """What a public verification shows of one item (the number, the holder, a face item)."""

    PUBLIC = "public", _("公开")
    MASKED = "masked", _("脱敏显示")
    HIDDEN = "hidden", _("不显示")


# Items of every licence besides its face items; a type's ``verification_fields`` may name them.
BUILTIN_ITEMS = ("number", "holder", "holder_code")


class LicenceType(models.Model):
    """证照类型: what a kind of licence holds and how long it is valid."""

    class HolderKind(models.TextChoices):
        NATURAL = "natural", _("自然人")
        LEGAL = "legal", _("法人或其他组织")

    code = models.CharField(
        _("证照类型代码"),
        max_length=21,
        unique=True,
        validators=[_type_code],
        help_text=_("GB/T 36904：21位，国家主管部门代码（18位）加3位顺序号。"),
    )
    name = models.CharField(_("证照类型名称"), max_length=100)
    holder_kind = models.CharField(_("持证主体"), max_length=16, choices=HolderKind.choices)
    schema = models.JSONField(
        _("照面信息"),
        default=dict,
        help_text=_("JSON Schema：证照照面上的数据项（x-order 决定顺序）。"),
    )
    validity_years = models.PositiveSmallIntegerField(
        _("有效期（年）"), null=True, blank=True, help_text=_("留空表示长期有效。")
    )
    number_field = models.CharField(
        _("证照编号取值"),
        max_length=64,
        blank=True,
        help_text=_("照面中作为证照编号的数据项；留空时按“区划+年份+流水号”生成。"),
    )

    class Layout(models.TextChoices):
        CERTIFICATE = "certificate", _("证书式（红色双线边框）")
        STANDARD = "standard", _("通用式（灰色单线边框）")

    template = models.CharField(
        _("版式"),
        max_length=32,
        choices=Layout.choices,
        default=Layout.STANDARD,
        help_text=_("PDF版式：standard（通用）或 certificate（证书）。"),
    )
    verification_fields = models.JSONField(
        _("核验公开范围"),
        default=dict,
        blank=True,
        help_text=_(
            "公开核验时各数据项的显示方式：public（公开）、masked（脱敏）、hidden（不显示），"
            '如 {"number": "public", "holder": "masked", "business_scope": "public"}。'
            "number、holder、holder_code 指证照编号、持证主体及其代码；未列出的照面数据项不显示。"
            "无论如何设置，居民身份证号码一律脱敏。"
        ),
    )
    holder_name_personal = models.BooleanField(
        _("持证人姓名属个人信息"),
        default=False,
        help_text=_("勾选后持证人姓名加密存储，证照表中只留脱敏姓名（自然人证照宜勾选）。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("证照类型")
        verbose_name_plural = _("证照类型")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def visibility(self, item: str) -> str:
        """How a public verification shows ``item``: the type's choice, else the default (the
        number in public; an organisation's name and code in public, a person's masked; face
        items hidden)."""
        chosen = (self.verification_fields or {}).get(item)
        if chosen in Visibility.values:
            return str(chosen)
        if item == "number":
            return Visibility.PUBLIC
        if item in ("holder", "holder_code"):
            legal = self.holder_kind == self.HolderKind.LEGAL
            return Visibility.PUBLIC if legal else Visibility.MASKED
        return Visibility.HIDDEN

    def clean(self) -> None:
        super().clean()
        chosen = self.verification_fields
        if not isinstance(chosen, dict):
            raise ValidationError({"verification_fields": _("应为JSON对象：数据项 → 显示方式。")})
        known = {*BUILTIN_ITEMS, *((self.schema or {}).get("properties") or {})}
        errors = []
        for item, how in chosen.items():
            if item not in known:
                errors.append(_("“%(item)s”不是该证照的数据项。") % {"item": item})
            elif how not in Visibility.values:
                errors.append(
                    _("“%(item)s”的显示方式应为 public、masked 或 hidden。") % {"item": item}
                )
        if errors:
            raise ValidationError({"verification_fields": errors})


class SigningKey(models.Model):
    """An issuing department's SM2 key pair. The private key is sealed with SM4 (the data keyring);
    retired keys stay published so that what they signed stays verifiable."""

    department = models.ForeignKey(
        "organizations.Department",
        verbose_name=_("签发部门"),
        on_delete=models.PROTECT,
        related_name="signing_keys",
    )
    key_id = models.CharField(_("密钥标识"), max_length=64, unique=True)
    public_key = models.BinaryField(_("公钥"), help_text=_("SM2 公钥 X||Y，64字节。"))
    private_key_encrypted = models.BinaryField(editable=False)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    not_before = models.DateTimeField(_("启用时间"))
    retired_at = models.DateTimeField(
        _("停用时间"), null=True, blank=True, help_text=_("停用后不再签发，仍用于验证。")
    )
    compromised = models.BooleanField(
        _("已泄露"), default=False, help_text=_("泄露的密钥所签的证照验证不通过。")
    )

    class Meta:
        verbose_name = _("签名密钥")
        verbose_name_plural = _("签名密钥")
        ordering = ["department", "-not_before"]

    def __str__(self) -> str:
        return self.key_id

    def private_key(self) -> bytes:
        return bytes.fromhex(
            default_keyring().decrypt(bytes(self.private_key_encrypted), f"sm2:{self.key_id}")
        )


class Licence(models.Model):
    """One version of one licence. A replacement is a new row with the next version; the old row
    is marked replaced. The signed bytes are rebuilt from these columns (``canonical.py``)."""

    identifier = models.CharField(_("证照标识"), max_length=96, unique=True)
    licence_type = models.ForeignKey(
        LicenceType, verbose_name=_("证照类型"), on_delete=models.PROTECT, related_name="licences"
    )
    name = models.CharField(_("证照名称"), max_length=100)
    number = models.CharField(
        _("证照编号"), max_length=64, help_text=_("编号为身份证号码时只存脱敏值。")
    )
    serial = models.CharField(_("流水号"), max_length=32)
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    issuer = models.ForeignKey(
        "organizations.Department",
        verbose_name=_("颁发机构"),
        on_delete=models.PROTECT,
        related_name="licences",
    )
    issuer_name = models.CharField(_("颁发机构名称"), max_length=128)
    issuer_code = models.CharField(_("颁发机构代码"), max_length=18)
    holder_name = models.CharField(_("持证主体"), max_length=128)
    holder_code_type = models.CharField(
        _("持证主体代码类型"),
        max_length=3,
        help_text=_("111 居民身份证号码；001 统一社会信用代码。"),
    )
    holder_code_index = models.CharField(max_length=64, db_index=True, editable=False)
    holder_code_masked = models.CharField(_("持证主体代码"), max_length=32)
    jurisdiction = models.CharField(_("管辖区划代码"), max_length=12)
    issue_date = models.DateField(_("颁证日期"))
    valid_from = models.DateField(_("有效期起始"))
    valid_until = models.DateField(_("有效期截止"), null=True, blank=True)
    data = models.JSONField(
        _("照面信息"),
        default=dict,
        help_text=_("个人信息（身份证号码等）在此只存脱敏值，原值在加密的个人信息中。"),
    )
    personal_sealed = models.BinaryField(
        editable=False,
        default=b"",
        help_text="core.personal.seal_record of the holder code and every personal value of the "
        "number, the holder name and the face data (licences/sealing.py)",
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.VALID, db_index=True
    )
    signing_key = models.ForeignKey(SigningKey, on_delete=models.PROTECT, related_name="licences")
    signature = models.BinaryField(_("签名"), help_text=_("SM2 签名，DER 编码。"))
    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("来源办件"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="licences",
    )
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("替换的证照"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    issued_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.TextField(_("状态说明"), blank=True)
    row_version = models.PositiveIntegerField(default=0, help_text="optimistic lock")

    class Meta:
        verbose_name = _("电子证照")
        verbose_name_plural = _("电子证照")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["licence_type", "issuer", "serial", "version"],
                name="licence_serial_version_unique",
            ),
        ]
        indexes = [models.Index(fields=["holder_code_index", "licence_type", "status"])]

    def __str__(self) -> str:
        return f"{self.name} {self.number}"


def holder_index(code: str) -> str:
    return blind_index(code.strip().upper(), HOLDER_CODE_PURPOSE)


class LicenceEvent(models.Model):
    """The licence's own timeline: issue, suspend, resume, revoke, replace, expire."""

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(_("动作"), max_length=16)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("理由"), blank=True)

    class Meta:
        verbose_name = _("证照变更记录")
        verbose_name_plural = _("证照变更记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.licence_id} {self.action}"

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))

    @property
    def to_status_label(self) -> str:
        return (
            str(Status(self.to_status).label) if self.to_status in Status.values else self.to_status
        )


class ShareLink(models.Model):
    """A time-limited, revocable authorisation for someone else to see one licence for a named
    purpose (授权用证). Only the SM3 digest of the token is stored."""

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="shares")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    purpose = models.CharField(_("用途"), max_length=200)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("失效时间"))
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("授权查看链接")
        verbose_name_plural = _("授权查看链接")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… {self.purpose}"


class LicenceUse(models.Model):
    """用证记录: who used a licence, when, for what."""

    class Channel(models.TextChoices):
        APPLICATION = "application", _("办事免提交")
        FETCH = "fetch", _("平台调取")
        SHARE = "share", _("授权查看")
        VERIFY = "verify", _("在线核验")
        DOWNLOAD = "download", _("下载")

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="uses")
    at = models.DateTimeField(auto_now_add=True)
    channel = models.CharField(_("方式"), max_length=16, choices=Channel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user_label = models.CharField(_("使用方"), max_length=128, blank=True)
    purpose = models.CharField(_("用途"), max_length=200, blank=True)
    application = models.ForeignKey(
        "applications.Application",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="licence_uses",
    )
    material = models.ForeignKey(
        "applications.ApplicationMaterial",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="licence_uses",
        help_text=_("免提交时代替上传的申请材料。"),
    )
    share = models.ForeignKey(
        ShareLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="uses"
    )

    class Meta:
        verbose_name = _("用证记录")
        verbose_name_plural = _("用证记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["licence", "-at"])]

    def __str__(self) -> str:
        return f"{self.licence_id} {self.channel}"


class ImportJob(models.Model):
    """A bulk import of licences from a department's system (CSV or JSON), all or nothing."""

    class State(models.TextChoices):
        PENDING = "pending", _("排队中")
        RUNNING = "running", _("导入中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("有错误，未导入")

    department = models.ForeignKey(
        "organizations.Department", on_delete=models.CASCADE, related_name="+"
    )
    licence_type = models.ForeignKey(LicenceType, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(upload_to="licences/imports/%Y/%m/")
    file_name = models.CharField(max_length=200)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, help_text="[{row, field, message}]")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("证照导入")
        verbose_name_plural = _("证照导入")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name
