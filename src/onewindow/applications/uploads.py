"""Check an uploaded material: its type is read from its first bytes, never from its name, and then
its structure is read to the end, so that a file is what its first bytes claim:

- PDF (ISO 32000-1 §7.5): the last line is ``%%EOF`` after a ``startxref``, and pypdf (its work
  bounded by its own limits and by the file size limit) finds a document catalogue with pages;
- OFD (GB/T 33190): a ZIP whose entries are only OFD parts (``OFD.xml`` at the root, the documents
  under ``Doc_N/``), none absolute, climbing out with ``..``, a link, encrypted or packed otherwise
  than stored or deflated; its declared sizes stay within bounds (total and ratio), and every entry
  is inflated as a stream that stops at the bound, so a deflate bomb is refused without being
  inflated (ZIP's own CRCs catch sizes that lie);
- PNG (ISO/IEC 15948): chunks from IHDR to IEND with their CRCs, nothing after;
- JPEG (ISO/IEC 10918-1): segments from SOI through a frame header to the scan, then an EOI.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import stat
import struct
import xml.etree.ElementTree as ET  # only OFD.xml, size-bounded; expat refuses entity bombs
import zipfile
import zlib
from collections.abc import Callable
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
CHUNK = 65536

# pypdf reports every oddity of a damaged file on its logger; a refused upload says enough.
logging.getLogger("pypdf").setLevel(logging.ERROR)


@dataclass(frozen=True)
class Checked:
    content_type: str
    extension: str
    size: int
    sha256: str


class Malformed(Exception):
    """The file's structure is not that of the type its first bytes claim."""


def sniff(head: bytes) -> str:
    """The type the first bytes claim; ``check_structure`` then holds the file to it."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"PK\x03\x04"):
        return "application/ofd"
    return "application/octet-stream"


def check_upload(stream: IO[bytes], size: int, already: int) -> Checked:
    """Raise a field error on ``file`` unless the type is allowed, the file has that type's
    structure and the sizes fit."""
    config = settings.ONEWINDOW
    allowed: list[str] = config["UPLOAD_TYPES"]
    if size > config["UPLOAD_MAX_FILE"]:
        raise _error(_("单个文件不能超过%(mb)dMB。") % {"mb": config["UPLOAD_MAX_FILE"] // 2**20})
    check_total(already, size)
    if size == 0:
        raise _error(_("文件是空的。"))
    stream.seek(0)
    content_type = sniff(stream.read(16))
    if content_type not in allowed or content_type not in KINDS:
        names = "、".join(KINDS[t][0] for t in allowed if t in KINDS)
        raise _error(_("文件类型不支持，请上传%(kinds)s文件。") % {"kinds": names})
    check_structure(content_type, stream, size)
    stream.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(CHUNK), b""):
        digest.update(chunk)
    stream.seek(0)
    return Checked(content_type, KINDS[content_type][1], size, digest.hexdigest())


def check_structure(content_type: str, stream: IO[bytes], size: int) -> None:
    """Raise a field error on ``file`` unless the file is a whole ``content_type`` file."""
    messages = {
        "application/pdf": _("文件不是完整有效的PDF文件，请重新导出或扫描后上传。"),
        "application/ofd": _("文件不是有效的OFD文件（GB/T 33190），请重新导出后上传。"),
        "image/png": _("图片文件不完整或已损坏，请重新上传。"),
        "image/jpeg": _("图片文件不完整或已损坏，请重新上传。"),
    }
    checks: dict[str, Callable[[IO[bytes], int], None]] = {
        "application/pdf": _check_pdf,
        "application/ofd": _check_ofd,
        "image/png": _check_png,
        "image/jpeg": _check_jpeg,
    }
    stream.seek(0)
    try:
        checks[content_type](stream, size)
    except Malformed as fault:
        raise _error(str(fault) or messages[content_type]) from None
    finally:
        stream.seek(0)


# -- PDF --------------------------------------------------------------------------------------------
PDF_TAIL = 1024  # Acrobat looks for %%EOF within the last 1024 bytes


def _check_pdf(stream: IO[bytes], size: int) -> None:
    stream.seek(max(0, size - PDF_TAIL))
    tail = stream.read(PDF_TAIL)
    # ISO 32000-1 §7.5.5: the last line is %%EOF, after startxref and the offset of the xref.
    if not re.search(rb"startxref\s+\d+\s+%%EOF[\s\x00]*\Z", tail):
        raise Malformed
    stream.seek(0)
    from pypdf import PdfReader  # imported when needed: only uploads use it
    from pypdf.generic import DictionaryObject

    try:
        reader = PdfReader(stream, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise Malformed(_("PDF文件设置了打开密码，请上传未加密的文件。"))
        root = reader.trailer["/Root"].get_object()
        pages = len(reader.pages)
    except Malformed:
        raise
    except Exception as fault:  # pypdf raises many kinds on damaged input: all mean "not a PDF"
        raise Malformed from fault
    if not isinstance(root, DictionaryObject) or root.get("/Type") != "/Catalog" or pages < 1:
        raise Malformed


# -- OFD --------------------------------------------------------------------------------------------
OFD_ROOT = "ofd.xml"
OFD_DOCUMENT = re.compile(r"(?i)doc_\d+")
OFD_ROOT_MAX = 2**20  # OFD.xml names the documents: a few kilobytes


def _check_ofd(stream: IO[bytes], size: int) -> None:
    config = settings.ONEWINDOW
    bomb = Malformed(
        _("OFD文件解压后超过%(mb)dMB或压缩比异常，不能接收。")
        % {"mb": config["UPLOAD_OFD_MAX_UNCOMPRESSED"] // 2**20}
    )
    try:
        archive = zipfile.ZipFile(stream)
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as fault:
        raise Malformed from fault
    if not entries or len(entries) > config["UPLOAD_OFD_MAX_ENTRIES"]:
        raise Malformed
    _check_entries(entries, bomb)
    try:
        _inflate_bounded(archive, entries, config["UPLOAD_OFD_MAX_UNCOMPRESSED"], bomb)
        root = next(e for e in entries if e.filename.lower() == OFD_ROOT)
        if root.file_size > OFD_ROOT_MAX:
            raise Malformed
        element = ET.fromstring(archive.read(root))  # noqa: S314 - bounded, see the import
    except Malformed:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, ET.ParseError, zlib.error) as fault:
        raise Malformed from fault
    if element.tag.rsplit("}", 1)[-1] != "OFD":
        raise Malformed


def _check_entries(entries: list[zipfile.ZipInfo], bomb: Malformed) -> None:
    """Names, kinds and declared sizes, read from the central directory without inflating."""
    config = settings.ONEWINDOW
    declared, seen = 0, set()
    for entry in entries:
        _check_name(entry.filename)
        if entry.filename in seen:
            raise Malformed
        seen.add(entry.filename)
        if entry.flag_bits & 0x1:  # encrypted
            raise Malformed
        if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise Malformed
        if stat.S_ISLNK(entry.external_attr >> 16):
            raise Malformed
        declared += entry.file_size
        big = entry.file_size > 2**20
        if big and entry.file_size > config["UPLOAD_OFD_MAX_RATIO"] * max(entry.compress_size, 1):
            raise bomb
    if declared > config["UPLOAD_OFD_MAX_UNCOMPRESSED"]:
        raise bomb
    if OFD_ROOT not in {name.lower() for name in seen}:
        raise Malformed


def _check_name(name: str) -> None:
    """Only OFD parts, each inside the package: no absolute path, drive, backslash or ``..``."""
    if not name or name.startswith("/") or "\\" in name or ":" in name or "\x00" in name:
        raise Malformed
    parts = name.rstrip("/").split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise Malformed
    if len(parts) == 1 and name.lower() == OFD_ROOT:
        return
    if not OFD_DOCUMENT.fullmatch(parts[0]):
        raise Malformed


def _inflate_bounded(
    archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo], limit: int, bomb: Malformed
) -> None:
    """Inflate every entry as a stream, counting, and stop at ``limit``: declared sizes may lie
    (zipfile stops each entry at its declared size and checks its CRC, so a lie is caught too)."""
    inflated = 0
    for entry in entries:
        if entry.is_dir():
            continue
        with archive.open(entry) as part:
            while chunk := part.read(CHUNK):
                inflated += len(chunk)
                if inflated > limit:
                    raise bomb


# -- images -----------------------------------------------------------------------------------------
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _check_png(stream: IO[bytes], size: int) -> None:
    stream.seek(len(PNG_SIGNATURE))
    first = True
    while True:
        header = stream.read(8)
        if len(header) < 8:
            raise Malformed
        length, kind = struct.unpack(">I4s", header)
        if length > size or (first and kind != b"IHDR"):
            raise Malformed
        data, crc = stream.read(length), stream.read(4)
        if len(data) < length or len(crc) < 4:
            raise Malformed
        if zlib.crc32(kind + data) != int.from_bytes(crc, "big"):
            raise Malformed
        first = False
        if kind == b"IEND":
            break
    if stream.read(PDF_TAIL).strip(b"\r\n\t \x00"):
        raise Malformed  # something rides after the image


# Markers without a length (ISO/IEC 10918-1 B.1.1.3): TEM and the restart markers.
JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}
# Frame headers: SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
JPEG_FRAMES = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _check_jpeg(stream: IO[bytes], size: int) -> None:
    stream.seek(2)  # after SOI
    framed = False
    while True:
        marker = _next_marker(stream)
        if marker in JPEG_STANDALONE:
            continue
        if marker < 0xC0 or marker in (0xD8, 0xD9):  # not a segment, or the end before any scan
            raise Malformed
        length_bytes = stream.read(2)
        if len(length_bytes) < 2:
            raise Malformed
        length = int.from_bytes(length_bytes, "big")
        if length < 2 or stream.tell() + length - 2 > size:
            raise Malformed
        framed = framed or marker in JPEG_FRAMES
        stream.seek(length - 2, io.SEEK_CUR)
        if marker == 0xDA:  # start of scan: entropy-coded data follows, ended by EOI
            break
    if not framed or not _find(stream, b"\xff\xd9"):
        raise Malformed
    # Bytes after EOI are allowed: phones append a motion clip to a photo there.


def _next_marker(stream: IO[bytes]) -> int:
    byte = stream.read(1)
    if byte != b"\xff":
        raise Malformed
    while byte == b"\xff":  # fill bytes
        byte = stream.read(1)
    if not byte:
        raise Malformed
    return byte[0]


def _find(stream: IO[bytes], needle: bytes) -> bool:
    carry = b""
    for chunk in iter(lambda: stream.read(CHUNK), b""):
        if needle in carry + chunk:
            return True
        carry = chunk[-(len(needle) - 1) :]
    return False


# -- sizes ------------------------------------------------------------------------------------------
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
