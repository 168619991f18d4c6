"""Code lists of the national service item exchange tables (政务服务事项基本目录及实施清单)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemType(models.TextChoices):
    """事项类型: codes 01-10 are administrative powers, 20 public services."""

    LICENSING = "01", _("行政许可")
    PENALTY = "02", _("行政处罚")
    ENFORCEMENT = "03", _("行政强制")
    LEVY = "04", _("行政征收")
    BENEFIT = "05", _("行政给付")
    INSPECTION = "06", _("行政检查")
    CONFIRMATION = "07", _("行政确认")
    REWARD = "08", _("行政奖励")
    ADJUDICATION = "09", _("行政裁决")
    OTHER_POWER = "10", _("其他行政权力")
    PUBLIC_SERVICE = "20", _("公共服务")


POWER_TYPES = [t for t in ItemType if t != ItemType.PUBLIC_SERVICE]


class ExerciseLevel(models.TextChoices):
    NATIONAL = "national", _("国家级")
    PROVINCE = "province", _("省级")
    CITY = "city", _("市级")
    COUNTY = "county", _("县级")
    TOWNSHIP = "township", _("乡级")


class CaseType(models.TextChoices):
    IMMEDIATE = "immediate", _("即办件")
    PROMISED = "promised", _("承诺件")


class TimeUnit(models.TextChoices):
    WORKING_DAY = "working_day", _("工作日")
    CALENDAR_DAY = "calendar_day", _("自然日")


class ServiceObject(models.TextChoices):
    NATURAL = "natural", _("自然人")
    LEGAL = "legal", _("法人")


class HandlingForm(models.TextChoices):
    WINDOW = "window", _("窗口办理")
    ONLINE = "online", _("网上办理")
    MAIL = "mail", _("快递申请")


class OnlineDepth(models.IntegerChoices):
    """网上办理深度 (multi-valued)."""

    CONSULT = 1, _("互联网咨询")
    RECEIVE = 2, _("收件")
    PRE_REVIEW = 3, _("预审")
    ACCEPT = 4, _("受理")
    HANDLE = 5, _("办理")
    RESULT_FEEDBACK = 6, _("办理结果信息反馈")
    LICENCE_FEEDBACK = 7, _("电子证照反馈")
    OTHER = 8, _("其他")


class ResultType(models.TextChoices):
    LICENCE = "licence", _("证照")
    APPROVAL = "approval", _("批文")
    OTHER = "other", _("其他")


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", _("原件")
    COPY = "copy", _("复印件")
    ELECTRONIC = "electronic", _("电子")


class MaterialSource(models.TextChoices):
    APPLICANT = "applicant", _("申请人自备")
    GOVERNMENT = "government", _("政府部门核发")
    INTERMEDIARY = "intermediary", _("中介机构或法定机构产生")
    OTHER = "other", _("其他")


class Necessity(models.TextChoices):
    REQUIRED = "required", _("必要")
    OPTIONAL = "optional", _("非必要")
    DEFERRABLE = "deferrable", _("容缺")


class StageKind(models.TextChoices):
    ACCEPTANCE = "acceptance", _("受理")
    REVIEW = "review", _("审查")
    DECISION = "decision", _("决定")
    DELIVERY = "delivery", _("送达")


# Topic classification (主题分类) for persons and for enterprises.
PERSON_TOPICS = {
    "birth": _("生育收养"),
    "education": _("教育科研"),
    "work": _("就业创业"),
    "social_security": _("社会保险"),
    "marriage": _("婚姻登记"),
    "housing": _("住房保障"),
    "transport": _("交通出行"),
    "travel": _("出境入境"),
    "household": _("户籍办理"),
    "health": _("医疗卫生"),
    "retirement": _("离退休"),
    "civil": _("民族宗教与救助"),
    "property": _("不动产"),
    "culture": _("文化体育"),
    "death": _("死亡殡葬"),
}
ENTERPRISE_TOPICS = {
    "start": _("设立变更"),
    "operate": _("经营纳税"),
    "licence": _("准营许可"),
    "construction": _("工程建设"),
    "shipping": _("水路运输"),
    "transport": _("道路运输"),
    "employment": _("用工社保"),
    "safety": _("安全生产"),
    "environment": _("生态环保"),
    "close": _("注销退出"),
    "agriculture": _("农林牧渔"),
    "culture": _("文化旅游"),
}

# Fields the platform already knows about the applicant, usable in ``x-prefill`` of a form.
PREFILL_KEYS = {
    "name": _("姓名"),
    "id_number": _("身份证号码"),
    "phone": _("手机号"),
    "company_name": _("企业名称"),
    "uscc": _("统一社会信用代码"),
    "legal_representative": _("法定代表人"),
    "address": _("地址"),
}
