"""Unified identity (统一身份认证): one user model for natural persons, legal persons and staff.

- A natural person (自然人) logs in with the mobile number. The mobile number and the resident ID
  number are personal data, stored through ``core.personal``: SM4-GCM ciphertext, a keyed SM3 blind
  index for look-ups and uniqueness, and a masked copy for screens. A natural person's ``username``
  is a random handle (``new_person_handle``), so the account table holds no number in clear.
- A legal person (法人) is identified by its unified social credit code and acts through authorised
  agents (经办人, ``Agency``): natural persons with a scope and an expiry.
- Staff (工作人员) belong to departments with roles (``Membership``).
"""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onewindow.core import personal

PERSON_HANDLE_PREFIX = "np_"


def new_person_handle() -> str:
    """A natural person's username: random, so it is not personal data and says nothing about the
    person (people log in with their phone; the handle is only the account's key)."""
    return PERSON_HANDLE_PREFIX + secrets.token_hex(8)


def phone_index(phone: str) -> str:
    """Blind index of a normalised mobile number (``validators.validate_mobile``)."""
    return personal.index(personal.Kind.PHONE, phone)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(username=username, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("kind", User.Kind.STAFF)
        extra.setdefault("name", username)
        return self.create_user(username, password, is_staff=True, is_superuser=True, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    class Kind(models.TextChoices):
        NATURAL = "natural", _("自然人")
        LEGAL = "legal", _("法人")
        STAFF = "staff", _("工作人员")

    username = models.CharField(
        _("用户名"),
        max_length=64,
        unique=True,
        help_text=_(
            "自然人为随机生成的账号标识（凭手机号登录），法人为统一社会信用代码，"
            "工作人员为“部门简码.角色”。"
        ),
    )
    kind = models.CharField(_("主体类型"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("姓名/名称"), max_length=128)
    phone_encrypted = models.BinaryField(_("手机号（密文）"), null=True, blank=True, editable=False)
    phone_index = models.CharField(
        _("手机号索引"),
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text=_("以 SM3 密钥哈希（HMAC）计算的盲索引，用于登录和查重，不可逆。"),
    )
    phone_masked = models.CharField(_("手机号（脱敏）"), max_length=11, blank=True, editable=False)
    email = models.EmailField(_("电子邮箱"), blank=True)
    id_number_encrypted = models.BinaryField(
        _("身份证号码（密文）"), null=True, blank=True, editable=False
    )
    id_number_index = models.CharField(
        _("身份证号码索引"),
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text=_("以 SM3 密钥哈希（HMAC）计算的盲索引，用于查重，不可逆。"),
    )
    id_number_masked = models.CharField(
        _("身份证号码（脱敏）"), max_length=18, blank=True, editable=False
    )
    uscc = models.CharField(
        _("统一社会信用代码"), max_length=18, null=True, blank=True, unique=True
    )
    legal_representative = models.CharField(_("法定代表人"), max_length=64, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    is_staff = models.BooleanField(_("可登录管理后台"), default=False)
    requires_second_factor = models.BooleanField(
        _("须短信验证码二次验证"),
        default=False,
        help_text=_(
            "密码正确后还须输入发送到登记手机号的短信验证码才能登录；"
            "STAFF_SECOND_FACTOR 开启时所有工作人员账号均须如此。"
        ),
    )
    date_joined = models.DateTimeField(_("注册时间"), default=timezone.now)
    password_temporary = models.BooleanField(
        _("须修改临时密码"),
        default=False,
        help_text=_(
            "管理员设置或重置的密码只是临时的：持有人登录后须先设置自己的新密码，才能打开其他页面。"
        ),
    )

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="natural")
                | Q(id_number_index__isnull=False, phone_index__isnull=False),
                name="natural_person_has_id_and_phone",
            ),
            models.CheckConstraint(
                condition=~Q(kind="legal") | Q(uscc__isnull=False), name="legal_person_has_uscc"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    # -- personal data ------------------------------------------------------------------------------
    def set_id_number(self, number: str) -> None:
        """Store a validated, normalised ID number: ciphertext, blind index and mask."""
        sealed = personal.seal(personal.Kind.ID_NUMBER, number)
        self.id_number_encrypted = sealed.ciphertext
        self.id_number_index = sealed.index
        self.id_number_masked = sealed.masked

    def reveal_id_number(self) -> str:
        """The clear ID number for the platform's own use (prefill, issuing the person's licence).
        A person looking at it goes through ``selectors.reveal_id_number``, which is audited."""
        return personal.open_for(
            self.id_number_encrypted, personal.Kind.ID_NUMBER, why="holder identity"
        )

    def set_phone(self, phone: str | None) -> None:
        """Store a validated, normalised mobile number: ciphertext, blind index and mask."""
        if not phone:
            self.phone_encrypted, self.phone_index, self.phone_masked = None, None, ""
            return
        sealed = personal.seal(personal.Kind.PHONE, phone)
        self.phone_encrypted = sealed.ciphertext
        self.phone_index = sealed.index
        self.phone_masked = sealed.masked

    def open_phone(self, *, why: str) -> str:
        """The clear mobile number for the platform's own use (sending an SMS, prefilling the
        applicant's own form); ``why`` names the use. Screens show ``phone_masked``."""
        return personal.open_for(self.phone_encrypted, personal.Kind.PHONE, why=why)

    @property
    def has_phone(self) -> bool:
        return bool(self.phone_index)

    @property
    def needs_second_factor(self) -> bool:
        """Password, then an SMS code to the phone on file: set per account, or for every staff
        account by the STAFF_SECOND_FACTOR setting."""
        return self.requires_second_factor or (
            self.kind == self.Kind.STAFF and bool(settings.ONEWINDOW.get("STAFF_SECOND_FACTOR"))
        )

    @property
    def display_name(self) -> str:
        return self.name or self.username

    @property
    def is_natural_person(self) -> bool:
        return self.kind == self.Kind.NATURAL


def id_number_index(number: str) -> str:
    return personal.index(personal.Kind.ID_NUMBER, number)


class Agency(models.Model):
    """An agent's authorisation to act for a legal person (法人授权经办人).

    The enterprise's legal representative (法定代表人) holds one too, with the role
    ``legal_representative``, the scope ``all`` and no end: it is what lets them act for the
    enterprise and authorise (or revoke) its agents. One row per enterprise and person, whatever
    its state, so there is never more than one authorisation for a pair."""

    ALL = "all"

    class Role(models.TextChoices):
        LEGAL_REPRESENTATIVE = "legal_representative", _("法定代表人")
        AGENT = "agent", _("经办人")

    enterprise = models.ForeignKey(
        User,
        verbose_name=_("法人"),
        on_delete=models.CASCADE,
        related_name="agencies_granted",
        limit_choices_to={"kind": User.Kind.LEGAL},
    )
    agent = models.ForeignKey(
        User,
        verbose_name=_("经办人"),
        on_delete=models.CASCADE,
        related_name="agencies",
        limit_choices_to={"kind": User.Kind.NATURAL},
    )
    scope = models.JSONField(
        _("授权范围"),
        default=list,
        help_text=_("事项类别或事项编码的列表；“all”表示全部业务。"),
    )
    role = models.CharField(
        _("身份"),
        max_length=24,
        choices=Role.choices,
        default=Role.AGENT,
        help_text=_("法定代表人由本人凭市场主体登记信息核验后登记；经办人由法定代表人授权。"),
    )
    valid_from = models.DateTimeField(_("生效时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("失效时间"))
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    granted_by = models.ForeignKey(
        User,
        verbose_name=_("授权人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("经办人授权")
        verbose_name_plural = _("经办人授权")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "agent"], name="agency_unique_pair")
        ]

    def __str__(self) -> str:
        return f"{self.agent} → {self.enterprise}"

    def is_effective(self, at: Any = None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and self.valid_from <= at < self.expires_at

    def covers(self, scope: str) -> bool:
        return self.ALL in self.scope or scope in self.scope


class RegisteredEnterprise(models.Model):
    """The city's register of market entities (市场主体登记信息), as the market supervision
    department publishes it: what the local registry verifier (``accounts.registry.contrib.local``)
    checks an enterprise registration against. It holds the legal representative's ID number
    only as a keyed SM3 blind index: enough to compare, nothing to read."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("存续")
        REVOKED = "revoked", _("吊销")
        CANCELLED = "cancelled", _("注销")

    uscc = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        unique=True,
        help_text=_("GB 32100-2015：18位，第18位为校验码。"),
    )
    name = models.CharField(_("企业名称"), max_length=128)
    representative_name = models.CharField(_("法定代表人姓名"), max_length=64)
    representative_id_index = models.CharField(
        _("法定代表人身份证号码索引"),
        max_length=64,
        blank=True,
        help_text=_("以 SM3 密钥哈希（HMAC）计算的盲索引，用于核对，不可逆；空表示登记信息未含。"),
    )
    status = models.CharField(
        _("登记状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )

    class Meta:
        verbose_name = _("市场主体登记信息")
        verbose_name_plural = _("市场主体登记信息")

    def __str__(self) -> str:
        return f"{self.name}（{self.uscc}）"


class Membership(models.Model):
    """A staff member's role in a department. Platform administrators need no department."""

    class Role(models.TextChoices):
        CLERK = "clerk", _("窗口人员")
        REVIEWER = "reviewer", _("审查人员")
        DECIDER = "decider", _("决定人员")
        DEPARTMENT_ADMIN = "dept_admin", _("部门管理员")
        PLATFORM_ADMIN = "platform_admin", _("平台管理员")

    user = models.ForeignKey(
        User, verbose_name=_("工作人员"), on_delete=models.CASCADE, related_name="memberships"
    )
    department = models.ForeignKey(
        "organizations.Department",
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "department", "role"], name="membership_unique"
            ),
            models.CheckConstraint(
                condition=Q(role="platform_admin") | Q(department__isnull=False),
                name="membership_department_required",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_role_display()}"


class SmsCode(models.Model):
    """A one-time code sent by SMS (or asked for and deliberately not sent). Only its keyed SM3 hash
    is stored, and the phone only as a blind index and a mask: the clear number travels sealed in
    the SMS task and is never needed again."""

    class Purpose(models.TextChoices):
        REGISTER = "register", _("注册")
        LOGIN = "login", _("登录")
        RESET_PASSWORD = "reset_password", _("重置密码")

    phone_index = models.CharField(
        _("手机号索引"),
        max_length=64,
        help_text=_("手机号的 SM3 密钥哈希（HMAC）盲索引，用于限频和核对，不可逆。"),
    )
    phone_masked = models.CharField(_("手机号（脱敏）"), max_length=11, blank=True)
    purpose = models.CharField(
        _("用途"),
        max_length=40,
        help_text=_("register、login、reset_password，或 progress:<办件编号>"),
    )
    code_hash = models.CharField(max_length=64)
    sent = models.BooleanField(
        _("已发送"),
        default=True,
        help_text=_(
            "未发送的请求（无账号的号码、不匹配的办件进度查询）不计入该手机号的每小时限额。"
        ),
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    consumed_at = models.DateTimeField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        indexes = [
            models.Index(
                fields=["phone_index", "purpose", "created_at"], name="smscode_phone_purpose"
            ),
            models.Index(fields=["ip", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.phone_masked} {self.purpose}"


class ApiToken(models.Model):
    """A bearer token for the API. The token is shown once; only its SM3 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=64, blank=True)
    prefix = models.CharField(_("前缀"), max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user_id})"

    def is_usable(self, at: Any = None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and at < self.expires_at
