"""Progress lookup (进度查询) without an account: application number + the applicant's mobile
phone + an SMS code sent to that phone. Whether a number exists cannot be learnt without the phone:
a wrong pair gets the same answer as a right one, and no code. The phone is matched by its blind
index: the application keeps it only sealed and masked."""

from __future__ import annotations

from django.utils.translation import gettext as _

from onewindow.accounts import codes
from onewindow.applications.models import Application
from onewindow.applications.numbers import NUMBER_RE, normalise
from onewindow.core import personal
from onewindow.core.errors import DomainError, FieldErrorsCollector
from onewindow.core.validators import validate_mobile


def _checked(number: str, phone: str) -> tuple[str, str]:
    errors = FieldErrorsCollector()
    number = normalise(number)
    if not NUMBER_RE.match(number):
        errors.add("number", _("办件编号格式不正确，例如 QL-20261123-7KQ4M9XF。"))
    checked_phone = errors.check("phone", validate_mobile, phone)
    errors.raise_if_any()
    return number, checked_phone


def _match(number: str, phone: str) -> Application | None:
    return (
        Application.objects.select_related("item_version", "department")
        .filter(number=number, contact_phone_index=personal.index(personal.Kind.PHONE, phone))
        .exclude(status="draft")
        .first()
    )


def request_code(number: str, phone: str, ip: str | None) -> None:
    number, phone = _checked(number, phone)
    send = _match(number, phone) is not None
    codes.issue_code(phone, f"progress:{number}", ip, codes.PROGRESS_TEXT, send=send)


def lookup(number: str, phone: str, code: str) -> Application:
    number, phone = _checked(number, phone)
    codes.verify_code(phone, f"progress:{number}", code)
    application = _match(number, phone)
    if application is None:  # cannot happen for a code that was sent, but stay safe
        message = _("验证码不正确。")
        raise DomainError("sms_code_invalid", message, fields={"sms_code": [message]}, status=422)
    return application
