"""Administrative divisions, departments and the windows of the service halls."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from onewindow.core.validators import uscc_validator


class Region(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("省级")
        PREFECTURE = "prefecture", _("市级")
        COUNTY = "county", _("县级")
        TOWNSHIP = "township", _("乡级")

    code = models.CharField(
        _("区划代码"),
        max_length=12,
        unique=True,
        validators=[
            RegexValidator(r"^(\d{6}|\d{9}|\d{12})$", _("区划代码应为6位、9位或12位数字。"))
        ],
        help_text=_("GB/T 2260 六位县级及以上行政区划代码；乡级按 GB/T 10114 在县级代码后加三位。"),
    )
    name = models.CharField(_("名称"), max_length=64)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class Department(models.Model):
    """A government department that implements service items (实施主体)."""

    name = models.CharField(_("部门名称"), max_length=128)
    short_name = models.CharField(_("简称"), max_length=32, blank=True)
    slug = models.SlugField(
        _("英文简码"),
        max_length=48,
        unique=True,
        help_text=_("用于网址和员工账号，如 market 对应 market.clerk。"),
    )
    uscc = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        unique=True,
        validators=[uscc_validator],
        help_text=_("GB 32100-2015；机关的统一社会信用代码以 11 开头。"),
    )
    region = models.ForeignKey(
        Region, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="departments"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    phone = models.CharField(_("咨询电话"), max_length=32, blank=True)
    address = models.CharField(_("办公地址"), max_length=200, blank=True)
    description = models.TextField(_("职能简介"), blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("部门")
        verbose_name_plural = _("部门")

    def __str__(self) -> str:
        return self.name


class ServiceHall(models.Model):
    """A government service hall (政务服务大厅 / 便民服务中心) where windows are."""

    name = models.CharField(_("名称"), max_length=128)
    region = models.ForeignKey(Region, verbose_name=_("所属区划"), on_delete=models.PROTECT)
    address = models.CharField(_("地址"), max_length=200)
    office_hours = models.CharField(_("办公时间"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=32, blank=True)

    class Meta:
        ordering = ["region__code", "id"]
        verbose_name = _("政务服务大厅")
        verbose_name_plural = _("政务服务大厅")
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="hall_unique_name")]

    def __str__(self) -> str:
        return self.name


class Window(models.Model):
    """A service window. Without a department it is a comprehensive window (综合窗口) that receives
    applications for every department (无差别受理)."""

    hall = models.ForeignKey(
        ServiceHall, verbose_name=_("大厅"), on_delete=models.CASCADE, related_name="windows"
    )
    number = models.CharField(_("窗口号"), max_length=16)
    name = models.CharField(_("窗口名称"), max_length=64)
    department = models.ForeignKey(
        Department,
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="windows",
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["hall", "number"]
        verbose_name = _("窗口")
        verbose_name_plural = _("窗口")
        constraints = [
            models.UniqueConstraint(fields=["hall", "number"], name="window_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.hall.name} {self.number} {self.name}"

    @property
    def is_comprehensive(self) -> bool:
        return self.department_id is None
