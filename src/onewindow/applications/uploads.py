"""Check an uploaded material: its type is read from its first bytes, never from its name."""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from onewindow.core.errors import DomainError

KINDS = {
    "application/pdf": ("PDF", ".pdf"),
    "image/jpeg": ("JPEG", ".jpg"),
    "image/png": ("PNG", ".png"),
    "application/ofd": ("OFD", ".ofd"),
}


@dataclass(frozen=True)
class Checked:
    content_type: str
    extension: str
    size: int
    sha256: str


def sniff(head: bytes, stream: IO[bytes]) -> str:
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"PK\x03\x04"):
        stream.seek(0)
        try:
            names = zipfile.ZipFile(stream).namelist()
        except zipfile.BadZipFile:
            return "application/octet-stream"
        if any(n.upper() == "OFD.XML" for n in names):
            return "application/ofd"
        return "application/zip"
    return "application/octet-stream"


def check_upload(stream: IO[bytes], size: int, already: int) -> Checked:
    """Raise a field error on ``file`` unless the type is allowed and the sizes fit."""
    config = settings.ONEWINDOW
    allowed: list[str] = config["UPLOAD_TYPES"]
    if size > config["UPLOAD_MAX_FILE"]:
        raise _error(_("单个文件不能超过%(mb)dMB。") % {"mb": config["UPLOAD_MAX_FILE"] // 2**20})
    check_total(already, size)
    if size == 0:
        raise _error(_("文件是空的。"))
    head = stream.read(16)
    content_type = sniff(head, stream)
    if content_type not in allowed or content_type not in KINDS:
        names = "、".join(KINDS[t][0] for t in allowed if t in KINDS)
        raise _error(_("文件类型不支持，请上传%(kinds)s文件。") % {"kinds": names})
    stream.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(65536), b""):
        digest.update(chunk)
    stream.seek(0)
    return Checked(content_type, KINDS[content_type][1], size, digest.hexdigest())


def check_total(already: int, size: int, field: str = "file") -> None:
    """Raise a field error unless ``size`` more bytes fit beside the ``already`` stored."""
    limit = settings.ONEWINDOW["UPLOAD_MAX_TOTAL"]
    if already + size > limit:
        message = _("本次申请的材料合计不能超过%(mb)dMB。") % {"mb": limit // 2**20}
        raise DomainError("invalid_file", message, fields={field: [message]}, status=422)


def _error(message: str) -> DomainError:
    return DomainError("invalid_file", message, fields={"file": [message]}, status=422)


def as_stream(data: bytes) -> IO[bytes]:
    return io.BytesIO(data)
