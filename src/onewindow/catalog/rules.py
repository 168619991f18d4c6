"""The consistency rules checked when an item is published (provincial catalogue checks, see
DOMAIN.md). Each rule adds field-level messages; all are reported together."""

from __future__ import annotations

from django.utils.translation import gettext as _

from onewindow.catalog.choices import (
    ENTERPRISE_TOPICS,
    PERSON_TOPICS,
    CaseType,
    HandlingForm,
    OnlineDepth,
    ServiceObject,
    TimeUnit,
)
from onewindow.catalog.definitions import process_days, validate_form, validate_process
from onewindow.catalog.models import ServiceItem
from onewindow.core.errors import FieldErrorsCollector

REQUIRED_TEXT = [
    "name",
    "legal_basis",
    "conditions",
    "place",
    "office_hours",
    "consult_phone",
    "complaint_phone",
    "result_name",
]


def check_item(
    item: ServiceItem, known_departments: set[str], fee_count: int
) -> FieldErrorsCollector:
    errors = FieldErrorsCollector()
    for field in REQUIRED_TEXT:
        if not str(getattr(item, field) or "").strip():
            errors.add(
                field,
                _("发布前请填写“%(label)s”。")
                % {"label": getattr(ServiceItem._meta.get_field(field), "verbose_name", field)},
            )
    _check_codes(item, errors)
    _check_limits(item, errors)
    _check_online(item, errors)
    _check_fees(item, fee_count, errors)
    _check_objects(item, errors)
    if item.consult_phone and item.consult_phone == item.complaint_phone:
        errors.add("complaint_phone", _("监督投诉电话应与咨询电话不同。"))
    for path, messages in validate_process(item.process, known_departments).items():
        for message in messages:
            errors.add(path, message)
    if item.process and not errors.fields.get("process") and item.case_type == CaseType.PROMISED:
        days = process_days(item.process)
        if days > item.promised_limit:
            errors.add(
                "process",
                _("各环节时限合计%(days)d个工作日，超过承诺时限%(limit)d。")
                % {"days": days, "limit": item.promised_limit},
            )
    for path, messages in validate_form(item.form_schema).items():
        for message in messages:
            errors.add(path, message)
    return errors


def _check_codes(item: ServiceItem, errors: FieldErrorsCollector) -> None:
    if not item.implementation_code.startswith(item.department.uscc):
        errors.add(
            "implementation_code",
            _("实施编码应以实施主体的统一社会信用代码（%(uscc)s）开头。")
            % {"uscc": item.department.uscc},
        )
    if len(item.implementation_code) != 31:
        errors.add("implementation_code", _("实施编码应为31位。"))


def _check_limits(item: ServiceItem, errors: FieldErrorsCollector) -> None:
    immediate = item.promised_limit == 0
    if immediate and item.case_type != CaseType.IMMEDIATE:
        errors.add("case_type", _("承诺时限为0（当场办结）的事项应为即办件。"))
    if not immediate and item.case_type == CaseType.IMMEDIATE:
        errors.add("case_type", _("即办件的承诺时限应为0；有承诺时限的事项应为承诺件。"))
    # A number of working days never exceeds the calendar days it spans, so when the units differ
    # the comparison below still holds as a necessary condition.
    comparable = item.legal_limit_unit == item.promised_limit_unit or (
        item.promised_limit_unit == TimeUnit.WORKING_DAY
    )
    if comparable and item.legal_limit and item.promised_limit > item.legal_limit:
        errors.add(
            "promised_limit",
            _("承诺时限不能超过法定时限（%(legal)d）。") % {"legal": item.legal_limit},
        )


def _check_online(item: ServiceItem, errors: FieldErrorsCollector) -> None:
    depth = item.online_depth if isinstance(item.online_depth, list) else []
    if any(code not in OnlineDepth.values for code in depth):
        errors.add("online_depth", _("网上办理深度代码应为1至8。"))
    if item.online and not depth:
        errors.add("online_depth", _("网办事项请选择网上办理深度。"))
    if item.fully_online:
        if not item.online:
            errors.add("fully_online", _("全程网办的事项必须支持网上办理。"))
        if item.visits != 0:
            errors.add("visits", _("全程网办的事项到现场次数应为0。"))
    if item.visits > 0 and not item.visit_reason.strip():
        errors.add("visit_reason", _("需要到现场的事项请说明必须现场办理的原因。"))
    forms = item.handling_forms if isinstance(item.handling_forms, list) else []
    if not forms or any(f not in HandlingForm.values for f in forms):
        errors.add("handling_forms", _("请选择办理形式：窗口办理、网上办理或快递申请。"))
    elif item.online and HandlingForm.ONLINE not in forms:
        errors.add("handling_forms", _("网办事项的办理形式应包含网上办理。"))


def _check_fees(item: ServiceItem, fee_count: int, errors: FieldErrorsCollector) -> None:
    if item.fee:
        if not item.fee_basis.strip():
            errors.add("fee_basis", _("收费事项请填写收费依据。"))
        if fee_count == 0:
            errors.add("fees", _("收费事项请至少填写一个收费项目。"))
    else:
        if item.online_payment:
            errors.add("online_payment", _("不收费的事项不能开通网上支付。"))
        if fee_count:
            errors.add("fees", _("不收费的事项不应有收费项目。"))


def _check_objects(item: ServiceItem, errors: FieldErrorsCollector) -> None:
    objects = item.service_objects if isinstance(item.service_objects, list) else []
    if not objects or any(o not in ServiceObject.values for o in objects):
        errors.add("service_objects", _("请选择服务对象：自然人、法人。"))
        return
    if item.topics_person and ServiceObject.NATURAL not in objects:
        errors.add("topics_person", _("服务对象不含自然人，不能使用面向自然人的主题分类。"))
    if item.topics_enterprise and ServiceObject.LEGAL not in objects:
        errors.add("topics_enterprise", _("服务对象不含法人，不能使用面向法人的主题分类。"))
    if any(t not in PERSON_TOPICS for t in item.topics_person or []):
        errors.add("topics_person", _("面向自然人的主题分类代码无效。"))
    if any(t not in ENTERPRISE_TOPICS for t in item.topics_enterprise or []):
        errors.add("topics_enterprise", _("面向法人的主题分类代码无效。"))
