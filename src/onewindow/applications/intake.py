"""One-request submission: an application's form and every material in one ``multipart/form-data``
request to ``POST /api/v1/applications``, created and submitted in one transaction.

The request carries a part ``payload`` (the JSON body of the JSON create, with ``"submit": true``)
and one file part per material, ``material_<index>`` (the index ``POST
/api/v1/applications/{id}/materials`` takes). Every check of the four-request path applies: each file
is checked as an upload is (``uploads.check_upload``: type by its first bytes, structure, size, the
application's total), the form as a draft's and then as a submission's, the required materials as a
submission's. Every fault is reported at once, each under the part it concerns (``material_2``,
``data.<field>``, ``payload``), with 422, and nothing is left behind: the application, its materials and
its first task exist, or nothing does (files stored follow the transaction, ``files.store_in_transaction``).

``accept_multipart`` (a view decorator, run before Django Ninja parses the body) hands the ``payload``
part to the JSON parsing the JSON create uses, so the payload is validated, and answered, exactly as
a JSON body is, and keeps the file parts for ``submit_in_one_request``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

from onewindow.accounts.models import User
from onewindow.applications import files, services, uploads
from onewindow.applications.models import Application, ApplicationMaterial
from onewindow.catalog.models import ServiceItem
from onewindow.core.errors import DomainError
from onewindow.core.middleware import nul_in_json

PAYLOAD = "payload"
MATERIAL_PART = re.compile(r"material_(\d{1,4})")

# The multipart form of the create, beside the JSON one Django Ninja documents from the schema.
OPENAPI: dict[str, Any] = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [PAYLOAD],
                    "properties": {
                        PAYLOAD: {
                            "type": "string",
                            "description": 'The JSON body of the JSON create, with "submit": true',
                        },
                    },
                    "patternProperties": {
                        "^material_[0-9]+$": {"type": "string", "format": "binary"},
                    },
                    "additionalProperties": False,
                },
                "encoding": {PAYLOAD: {"contentType": "application/json"}},
            }
        }
    }
}


@dataclass
class Parts:
    """What a multipart create carried besides its payload: the file of each material index, and
    the faults found while reading the parts (reported once the caller is authenticated)."""

    files: dict[int, UploadedFile] = field(default_factory=dict)
    faults: dict[str, list[str]] = field(default_factory=dict)
    status: int = 422

    def fault(self, part: str, message: str) -> None:
        self.faults.setdefault(part, []).append(message)

    def raise_faults(self) -> None:
        """The faults found in the parts, as one error (the caller is authenticated by now)."""
        if self.faults:
            raise DomainError(
                "validation_error" if self.status == 422 else "too_large",
                _("请求有误，请按提示修改。"),
                fields=self.faults,
                status=self.status,
            )

    def fingerprint(self) -> dict[str, str]:
        """What an ``Idempotency-Key`` replay must match besides the payload: each file's SHA-256."""
        digests = {}
        for index, upload in sorted(self.files.items()):
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
            digests[f"material_{index}"] = digest.hexdigest()
        return digests


def is_multipart(request: HttpRequest) -> bool:
    return request.content_type == "multipart/form-data"


def parts_of(request: HttpRequest) -> Parts | None:
    """The file parts of a multipart create (``accept_multipart`` read them); None for JSON."""
    parts = getattr(request, "_onewindow_parts", None)
    return parts if isinstance(parts, Parts) else None


def accept_multipart(run: Callable[..., Any]) -> Callable[..., Any]:
    """View decorator for the create endpoint: a ``multipart/form-data`` request's ``payload`` part
    becomes the body Django Ninja parses (the same JSON, the same validation and errors as a JSON
    create), its file parts are kept on the request for the view. A request without a usable
    payload part gets an empty one and a fault on ``payload``, raised by the view after
    authentication: nothing here answers before the caller is known."""

    @wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if is_multipart(request):
            parts, body = _read(request)
            request._body = body  # what Ninja's body parsing reads
            request._onewindow_parts = parts  # type: ignore[attr-defined]
        return run(request, *args, **kwargs)

    return wrapper


def _read(request: HttpRequest) -> tuple[Parts, bytes]:
    parts = Parts()
    try:
        fields, files = request.POST, request.FILES
    except RequestDataTooBig:
        parts.status = 413
        parts.fault("", _("提交的内容过大。"))
        return parts, b"{}"
    except (MultiPartParserError, TooManyFieldsSent, TooManyFilesSent):
        parts.fault("", _("请求格式不正确。"))
        return parts, b"{}"
    body = _payload(fields.getlist(PAYLOAD), parts)
    for name in fields:
        if name != PAYLOAD:
            parts.fault(name, _("请求中没有这一部分。"))
    for name in files:
        match = MATERIAL_PART.fullmatch(name)
        uploaded = files.getlist(name)
        if match is None:
            parts.fault(name, _("请求中没有这一部分。"))
        elif len(uploaded) > 1:
            parts.fault(name, _("每项材料只能上传一个文件。"))
        else:
            parts.files[int(match.group(1))] = uploaded[0]
    return parts, body


def _payload(values: list[str], parts: Parts) -> bytes:
    """The payload part as the JSON body Ninja parses; ``{}`` with a fault when it is unusable."""
    if len(values) != 1:
        parts.fault(PAYLOAD, _("请在payload部分提交申请内容（JSON）。"))
        return b"{}"
    try:
        decoded = json.loads(values[0])
    except ValueError:
        decoded = None
    if not isinstance(decoded, dict):
        parts.fault(PAYLOAD, _("payload应为JSON对象。"))
        return b"{}"
    # As the NUL guard does for a JSON body: PostgreSQL refuses NUL in text, escaped or not.
    for name in nul_in_json(decoded):
        parts.fault(name, _("不能包含空字符（NUL）。"))
    return values[0].encode()


def submit_in_one_request(
    user: User,
    item: ServiceItem,
    data: dict[str, Any],
    parts: Parts,
    *,
    enterprise_uscc: str | None = None,
    submit: bool = False,
    request: HttpRequest | None = None,
) -> tuple[Application, list[ApplicationMaterial]]:
    """Create the application, store every material and submit it, in one transaction; or raise
    one 422 naming every fault, with nothing created. Returns the application and the materials
    stored (the answer is built from them rather than read back)."""
    parts.raise_faults()
    if not submit:
        message = _("一次提交材料时须同时提交申请（submit为true）。")
        raise DomainError("validation_error", message, fields={"submit": [message]}, status=422)
    version = item.current_version
    specs = version.data["materials"] if version is not None else []
    checked = _check_files(parts, specs)
    records: list[ApplicationMaterial] = []

    def store(application: Application) -> None:
        # A new application has no material to replace: every row in one INSERT.
        records.clear()  # a retried transaction (a number drawn twice) stores them again
        for index, (upload, result) in sorted(checked.items()):
            record = ApplicationMaterial(
                application=application,
                material_index=index,
                name=specs[index]["name"],
                original_name=(upload.name or "")[:200],
                content_type=result.content_type,
                size=result.size,
                sha256=result.sha256,
            )
            name = f"{application.number}-{index}{result.extension}"
            files.store_in_transaction(record, name, upload.read())
            records.append(record)
        ApplicationMaterial.objects.bulk_create(records)

    try:
        application = services.create_application(
            user,
            item,
            data,
            enterprise_uscc=enterprise_uscc,
            submit=True,
            before_submit=store,
            request=request,
        )
    except DomainError as error:
        raise _by_part(error) from None
    return application, records


def _check_files(
    parts: Parts, specs: list[dict[str, Any]]
) -> dict[int, tuple[UploadedFile, uploads.Checked]]:
    """Every file checked as ``POST .../materials`` checks one, before anything is written (the
    structure checks cost CPU, not locks); every fault named by its part."""
    faults: dict[str, list[str]] = {}
    checked: dict[int, tuple[UploadedFile, uploads.Checked]] = {}
    total = 0
    for index, upload in sorted(parts.files.items()):
        part = f"material_{index}"
        if index >= len(specs):
            faults[part] = [_("没有这一项申请材料。")]
            continue
        try:
            result = uploads.check_upload(upload, upload.size or 0, total)
        except DomainError as error:
            faults[part] = [m for messages in error.fields.values() for m in messages]
            continue
        total += result.size
        checked[index] = (upload, result)
    if faults:
        raise DomainError("invalid_file", _("材料有误，请按提示修改。"), fields=faults, status=422)
    return checked


def _by_part(error: DomainError) -> DomainError:
    """A submission's ``materials.<index>`` fault is the ``material_<index>`` part here."""
    if not any(key.startswith("materials.") for key in error.fields):
        return error
    fields = {
        f"material_{key.removeprefix('materials.')}" if key.startswith("materials.") else key: value
        for key, value in error.fields.items()
    }
    return DomainError(
        error.code, error.message, fields=fields, status=error.status, headers=error.headers
    )
