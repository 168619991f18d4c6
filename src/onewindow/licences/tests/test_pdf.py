"""The licence PDF renderer: embedded CJK font, QR image, wrapping, status banner, determinism."""

from __future__ import annotations

import re
import shutil
import subprocess
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from onewindow.licences.pdf import LicenceSheet, render

SCOPE = "一般项目：软件开发；信息技术咨询服务；数据处理和存储支持服务；互联网数据服务；" * 12


def _sheet(**overrides: object) -> LicenceSheet:
    values: dict[str, object] = {
        "title": "营业执照",
        "number": "91110108MA01ABCD2X-001",
        "fields": [
            ("名称", "北京一窗通信息技术有限公司"),
            ("类型", "有限责任公司（自然人投资或控股）"),
            ("经营范围", SCOPE),
        ],
        "holder": "北京一窗通信息技术有限公司",
        "holder_code": "91110108MA01ABCD2X",
        "issuer": "北京市海淀区市场监督管理局",
        "issue_date": "2026年11月24日",
        "valid_until": "长期",
        "identifier": "1.2.156.3005.2.11100000000013338W.001",
        "qr_text": "https://gov.example.cn/v/" + "A" * 575,
        "verify_url": "https://gov.example.cn/verify",
    }
    values.update(overrides)
    return LicenceSheet(**values)  # type: ignore[arg-type]


def _poppler(tool: str, pdf: bytes, tmp_path: Path, *args: str) -> str:
    """Run a poppler-utils tool (found on PATH) on the PDF and return its standard output."""
    exe = shutil.which(tool)
    assert exe is not None
    path = tmp_path / "licence.pdf"
    path.write_bytes(pdf)
    result = subprocess.run([exe, str(path), *args], check=True, capture_output=True, text=True)
    return result.stdout


def _text(pdf: bytes, tmp_path: Path) -> str:
    return _poppler("pdftotext", pdf, tmp_path, "-")


def test_pdf_structure_font_and_qr() -> None:
    pdf = render(_sheet())
    assert pdf.startswith(b"%PDF-")
    assert b"/FontFile" in pdf  # the font is embedded
    assert b"NotoSansSC" in pdf
    assert b"/ToUnicode" in pdf
    assert b"/Subtype /Image" in pdf  # the QR code
    # Metadata strings are UTF-16BE hex or literal; the ASCII identifier is findable either way.
    identifier = "1.2.156.3005.2.11100000000013338W.001"
    assert (
        identifier.encode() in pdf
        or identifier.encode("utf-16-be").hex().upper().encode() in pdf.upper()
    )


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_chinese_text_extracts(tmp_path: Path) -> None:
    text = _text(render(_sheet()), tmp_path)
    for expected in (
        "营业执照",
        "证照编号：91110108MA01ABCD2X-001",
        "北京一窗通信息技术有限公司",
        "颁发机构：北京市海淀区市场监督管理局（电子签章）",
        "有效期至",
        "长期",
        "电子证照标识：1.2.156.3005.2.11100000000013338W.001",
        "https://gov.example.cn/verify",
    ):
        assert expected in text


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler-utils not installed")
def test_metadata(tmp_path: Path) -> None:
    info = _poppler("pdfinfo", render(_sheet()), tmp_path)
    assert "营业执照 91110108MA01ABCD2X-001" in info
    assert "1.2.156.3005.2.11100000000013338W.001" in info


def test_long_values_wrap_and_break_pages(tmp_path: Path) -> None:
    huge = [(f"事项{i}", SCOPE) for i in range(6)] + [("备注", "x" * 400 + " Limited")]
    pdf = render(_sheet(fields=huge))
    assert re.search(rb"/Count [2-9]\b", pdf)  # the rows continued on further pages
    if shutil.which("pdftotext"):
        text = _text(pdf, tmp_path)
        assert "事项5" in text
        assert "电子证照标识" in text
        # Closing punctuation never starts a line.
        assert not any(line.startswith(("；", "：", "，", "。")) for line in text.splitlines())


def test_status_note_banner(tmp_path: Path) -> None:
    plain = render(_sheet())
    revoked = render(_sheet(status_note="已吊销"))
    assert revoked != plain
    assert b"/ca 0.22" in revoked  # the translucent banner
    assert b"/ca 0.22" not in plain
    if shutil.which("pdftotext"):
        assert "【已吊销】" in _text(revoked, tmp_path)


def test_deterministic() -> None:
    sheet = _sheet(status_note="已吊销")
    assert render(sheet) == render(sheet)
    created = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    assert render(sheet, created=created) == render(sheet, created=created)
    assert render(sheet, created=created) != render(sheet)


def _drawing(pdf: bytes) -> bytes:
    """The page content streams, inflated (fpdf2 compresses them)."""
    out = b""
    for body in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL):
        try:
            out += zlib.decompress(body)
        except zlib.error:  # an image or a font: not drawing commands
            continue
    return out


def test_the_two_layouts_draw_different_frames() -> None:
    certificate = _drawing(render(_sheet(layout="certificate")))
    standard = _drawing(render(_sheet(layout="standard")))
    # The certificate's red frame (150, 30, 30) as a stroke colour; the standard's grey rule.
    assert b"0.5882 0.1176 0.1176 RG" in certificate and b"0.5882 0.1176 0.1176 RG" not in standard
    assert b"0.4314 0.4314 0.4314 RG" in standard and b"0.4314 0.4314 0.4314 RG" not in certificate
    # An unknown layout falls back to the certificate rather than failing a download.
    assert _drawing(render(_sheet(layout="nonsense"))) == certificate
