"""Render an electronic licence (电子证照) face as a PDF, with an embedded CJK font and a QR code.

The page follows the appearance-style practice of GB/T 36905-2018 (电子证照 文件技术要求): an A4
portrait page; the licence name as a centred title with the licence number below it;
the face items as label/value rows; the issuing department and date where a seal sits (bottom
left); a two-dimensional code for verification (bottom right); and the GB/T 36904 identifier.
Two layouts (``LicenceSheet.layout``, from the licence type's ``template``): ``certificate``, a
red double frame for certificates shown on a wall (营业执照, 结婚证, 不动产权证书); ``standard``, a
single grey frame with a rule under the title for permits and records kept in a file.

The font is Noto Sans SC (SIL OFL) from the ``pylopdf-fonts-zh-cn`` package, so nothing outside
the project's pip set-up is needed. fpdf2 embeds a subset of the CFF-flavoured OTF (``/FontFile3``,
``CIDFontType0C``) with a ToUnicode map, so the text extracts as real Chinese characters.

Only the standard library, fpdf2, segno and importlib.resources are imported here: no Django.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from importlib.resources import as_file, files
from pathlib import Path

import segno
from fpdf import FPDF

__all__ = ["LicenceSheet", "render"]

_FONT_PACKAGE = "pylopdf_fonts_zh_cn"
_FONT_FILE = "NotoSansSC-Regular.otf"
_FONT = "notosanssc"

# China Standard Time; the default creation date is midnight of the issue date there.
_CST = timezone(timedelta(hours=8), "CST")
# Used when the issue date is not of the form "2026年11月24日": still deterministic.
_FALLBACK_DATE = datetime(2000, 1, 1, tzinfo=UTC)

# Page geometry in millimetres (A4 portrait: 210 x 297).
_PAGE_W = 210.0
_PAGE_H = 297.0
_FRAME = 10.0  # outer frame inset
_LEFT = 22.0  # content left edge
_RIGHT = _PAGE_W - 22.0  # content right edge
_LABEL_W = 38.0
_LINE_H = 7.0
_PAD = 2.0  # cell padding
_BODY_TOP = _FRAME + 12.0
_BODY_BOTTOM = _PAGE_H - _FRAME - 14.0
_QR_SIZE = 36.0
_FOOTER_TOP = _PAGE_H - 78.0  # the seal line / QR block starts here

_INK = (40, 40, 40)
_FRAME_COLOUR = (150, 30, 30)
_RULE_COLOUR = (110, 110, 110)
_RED = (200, 0, 0)

# Chinese line-breaking (禁则): these never start a line / never end one.
_NO_LINE_START = frozenset("，。、；：！？）》」』】〕〉”’…—·,.;:!?)]}%")
_NO_LINE_END = frozenset("（《「『【〔〈“‘([{")
# A Latin word or number stays whole; any other character is its own token.
_TOKEN = re.compile(r"[A-Za-z0-9@#&%+\-_.,:/?=]+|.", re.DOTALL)


@dataclass(frozen=True)
class LicenceSheet:
    """What is printed on the face of one electronic licence."""

    title: str  # e.g. "营业执照"
    number: str  # licence number 证照编号
    fields: list[tuple[str, str]]  # (label, value) rows of the licence face, already masked
    holder: str  # holder name
    holder_code: str  # e.g. masked ID number or USCC
    issuer: str  # issuing department name
    issue_date: str  # "2026年11月24日"
    valid_until: str  # "长期" or a date
    identifier: str  # GB/T 36904 identifier
    qr_text: str  # what the QR carries (a URL, up to ~600 chars)
    verify_url: str  # printed under the QR in small text
    status_note: str = ""  # e.g. "已吊销": a red banner when non-empty
    layout: str = "certificate"  # or "standard", see LAYOUTS


LAYOUTS = ("certificate", "standard")


@cache
def _font_path() -> Path:
    """The Noto Sans SC file on disk (resolved once; the package is installed unzipped)."""
    resource = files(_FONT_PACKAGE).joinpath(_FONT_FILE)
    with as_file(resource) as path:
        # A plain installed package yields its own file, which outlives the context manager.
        return Path(path)


def _default_creation_date(issue_date: str) -> datetime:
    """Midnight (China Standard Time) of a "YYYY年M月D日" issue date, else a fixed date."""
    try:
        year, rest = issue_date.strip().split("年", 1)
        month, rest = rest.split("月", 1)
        day = rest.rstrip("日")
        return datetime(int(year), int(month), int(day), tzinfo=_CST)
    except ValueError:
        return _FALLBACK_DATE


class _LicencePDF(FPDF):
    """FPDF that draws the certificate frame (and the status banner) on every page."""

    def __init__(self, status_note: str, layout: str = "certificate") -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self._status_note = status_note
        self._layout = layout if layout in LAYOUTS else "certificate"

    def header(self) -> None:
        if self._layout == "certificate":
            self.set_draw_color(*_FRAME_COLOUR)
            self.set_line_width(0.8)
            self.rect(_FRAME, _FRAME, _PAGE_W - 2 * _FRAME, _PAGE_H - 2 * _FRAME)
            self.set_line_width(0.3)
            inner = _FRAME + 2.0
            self.rect(inner, inner, _PAGE_W - 2 * inner, _PAGE_H - 2 * inner)
        else:
            self.set_draw_color(*_RULE_COLOUR)
            self.set_line_width(0.4)
            self.rect(_FRAME, _FRAME, _PAGE_W - 2 * _FRAME, _PAGE_H - 2 * _FRAME)
            if self.page_no() == 1:  # the rule under the title and the number
                self.set_line_width(0.6)
                self.line(_LEFT, 63.0, _RIGHT, 63.0)
        if self._status_note:
            self._status_banner()
        self.set_draw_color(*_INK)
        self.set_text_color(*_INK)

    def _status_banner(self) -> None:
        """A large, translucent red note across the page, under the text drawn after it."""
        note = self._status_note
        self.set_font(_FONT, size=72)
        self.set_text_color(*_RED)
        self.set_draw_color(*_RED)
        cx, cy = _PAGE_W / 2, _PAGE_H / 2
        with (
            self.local_context(fill_opacity=0.22, stroke_opacity=0.35),
            self.rotation(30, x=cx, y=cy),
        ):
            width = self.get_string_width(note) + 16
            self.set_line_width(1.5)
            self.rect(cx - width / 2, cy - 18, width, 36)
            self.set_xy(cx - width / 2, cy - 18)
            self.cell(width, 36, note, align="C")


def _wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` at the current font.

    Chinese breaks between any two characters, except that closing punctuation never starts a
    line and opening punctuation never ends one (the previous character is carried down, as
    Chinese typesetting does); Latin words and numbers are kept whole unless wider than a line.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, line_w = "", 0.0
        for token in _TOKEN.findall(paragraph):
            token_w = pdf.get_string_width(token)
            if token_w > width:  # a very long word or URL: break it anywhere
                pieces: list[str] = list(token)
            elif not line or line_w + token_w <= width:
                line, line_w = line + token, line_w + token_w
                continue
            else:
                pieces = [token]
            for piece in pieces:
                piece_w = pdf.get_string_width(piece)
                if not line or line_w + piece_w <= width:
                    line, line_w = line + piece, line_w + piece_w
                    continue
                carry = ""
                if piece[0] in _NO_LINE_START and len(line) > 1:
                    carry, line = line[-1], line[:-1]
                while len(line) > 1 and line[-1] in _NO_LINE_END:
                    carry, line = line[-1] + carry, line[:-1]
                lines.append(line.rstrip())
                line = (carry + piece).lstrip()
                line_w = pdf.get_string_width(line)
        lines.append(line)
    return lines


def _table(pdf: FPDF, rows: list[tuple[str, str]]) -> None:
    """Two bordered columns; values wrap; a row moves to the next page whole when it fits there."""
    value_w = _RIGHT - _LEFT - _LABEL_W
    pdf.set_font(_FONT, size=11)
    pdf.set_line_width(0.2)
    for label, value in rows:
        label_lines = _wrap(pdf, label, _LABEL_W - 2 * _PAD)
        value_lines = _wrap(pdf, value, value_w - 2 * _PAD)
        total = max(len(label_lines), len(value_lines))
        if pdf.get_y() + total * _LINE_H > _BODY_BOTTOM:
            pdf.add_page()
            pdf.set_y(_BODY_TOP)
        done = 0
        while done < total:  # more than once only for a row longer than a page
            room = int((_BODY_BOTTOM - pdf.get_y()) // _LINE_H)
            if room < 1:
                pdf.add_page()
                pdf.set_y(_BODY_TOP)
                continue
            count = min(room, total - done)
            y, height = pdf.get_y(), count * _LINE_H
            pdf.rect(_LEFT, y, _LABEL_W, height)
            pdf.rect(_LEFT + _LABEL_W, y, value_w, height)
            if done == 0:
                label_top = y + (height - _LINE_H * len(label_lines)) / 2
                for i, text in enumerate(label_lines):
                    pdf.set_xy(_LEFT, label_top + i * _LINE_H)
                    pdf.cell(_LABEL_W, _LINE_H, text, align="C")
            for i, text in enumerate(value_lines[done : done + count]):
                pdf.set_xy(_LEFT + _LABEL_W + _PAD, y + i * _LINE_H)
                pdf.cell(value_w - 2 * _PAD, _LINE_H, text, align="L")
            done += count
            pdf.set_xy(_LEFT, y + height)


def _footer_block(pdf: FPDF, sheet: LicenceSheet) -> None:
    """Seal line bottom left, QR with the verify URL bottom right, identifier at the bottom."""
    if pdf.get_y() > _FOOTER_TOP - 4:
        pdf.add_page()
    qr_x = _RIGHT - _QR_SIZE
    qr_y = _FOOTER_TOP
    qr_png = io.BytesIO()
    segno.make(sheet.qr_text, error="m").save(qr_png, kind="png", scale=4, border=2)
    qr_png.seek(0)
    pdf.image(qr_png, x=qr_x, y=qr_y, w=_QR_SIZE, h=_QR_SIZE)

    url_w = 60.0
    pdf.set_font(_FONT, size=6.5)
    pdf.set_xy(_RIGHT - url_w, qr_y + _QR_SIZE + 1)
    pdf.multi_cell(url_w, 3, sheet.verify_url, align="R")

    seal_w = qr_x - _LEFT - 6
    pdf.set_font(_FONT, size=12)
    pdf.set_xy(_LEFT, qr_y + 8)
    pdf.multi_cell(seal_w, _LINE_H, f"颁发机构：{sheet.issuer}（电子签章）", align="L")
    pdf.set_x(_LEFT)
    pdf.multi_cell(seal_w, _LINE_H, f"颁发日期：{sheet.issue_date}", align="L")

    pdf.set_font(_FONT, size=8)
    pdf.set_xy(_LEFT, _PAGE_H - _FRAME - 12)
    pdf.cell(_RIGHT - _LEFT, 5, f"电子证照标识：{sheet.identifier}", align="C")


def render(sheet: LicenceSheet, *, created: datetime | None = None) -> bytes:
    """The licence face as PDF bytes.

    The output depends only on ``sheet`` and ``created`` (the PDF creation date; by default
    midnight China Standard Time of the issue date), so the same sheet renders to the same bytes.
    """
    pdf = _LicencePDF(sheet.status_note, sheet.layout)
    pdf.set_creation_date(created or _default_creation_date(sheet.issue_date))
    pdf.set_title(f"{sheet.title} {sheet.number}")
    pdf.set_subject(sheet.identifier)
    pdf.set_creator("OneWindow")
    pdf.set_lang("zh-CN")
    pdf.set_auto_page_break(auto=False)  # _table and _footer_block break pages themselves
    pdf.set_margins(_LEFT, _BODY_TOP, _PAGE_W - _RIGHT)
    pdf.add_font(_FONT, "", _font_path())
    pdf.add_page()

    pdf.set_text_color(*_INK)
    pdf.set_font(_FONT, size=30 if sheet.layout != "standard" else 24)
    pdf.set_xy(_LEFT, 30)
    pdf.cell(_RIGHT - _LEFT, 16, sheet.title, align="C")
    pdf.set_font(_FONT, size=11)
    pdf.set_xy(_LEFT, 50)
    pdf.cell(_RIGHT - _LEFT, 7, f"证照编号：{sheet.number}", align="C")
    if sheet.status_note:  # also upright, so it reads and extracts as text, not only as a banner
        pdf.set_text_color(*_RED)
        pdf.set_xy(_LEFT, 57)
        pdf.cell(_RIGHT - _LEFT, 6, f"【{sheet.status_note}】", align="C")
        pdf.set_text_color(*_INK)
    pdf.set_xy(_LEFT, 65)

    rows = [
        ("持证主体", sheet.holder),
        ("主体代码", sheet.holder_code),
        *sheet.fields,
        ("颁发机构", sheet.issuer),
        ("颁发日期", sheet.issue_date),
        ("有效期至", sheet.valid_until),
    ]
    _table(pdf, rows)
    _footer_block(pdf, sheet)
    return bytes(pdf.output())
