"""The receipt of a submitted application (办件回执) as a PDF: what was received, when, from whom
(masked), and the promised completion date, with a QR code that opens the progress lookup.

Drawn with fpdf2 and the Noto Sans SC font of ``pylopdf-fonts-zh-cn`` (as licences are), so the
text extracts as real Chinese characters; the QR code by segno. The receipt is the applicant's
record, so it is always in Chinese, the language of the counter and of the case file."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib.resources import as_file, files
from pathlib import Path

import segno
from django.utils import timezone
from fpdf import FPDF

from onewindow.applications.models import Application

_FONT_PACKAGE = "pylopdf_fonts_zh_cn"
_FONT_FILE = "NotoSansSC-Regular.otf"
_FONT = "notosanssc"
_LEFT, _RIGHT, _LABEL_W, _LINE_H = 20.0, 190.0, 40.0, 8.0
_QR = 34.0


@dataclass(frozen=True)
class Receipt:
    """What the receipt prints."""

    number: str
    item: str
    department: str
    applicant: str  # masked
    submitted: str
    materials: list[str]
    promised: str
    progress_url: str


def _mask_name(name: str) -> str:
    """张三 → 张*, 欧阳小明 → 欧**明: enough to recognise one's own receipt, not to learn a name."""
    if len(name) <= 2:
        return name[:1] + "*" * (len(name) - 1)
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _applicant(application: Application) -> str:
    person = application.applicant
    if application.enterprise is not None:
        enterprise = application.enterprise
        return f"{enterprise.name}（{enterprise.uscc}），经办人 {_mask_name(person.name)}"
    code = person.id_number_masked if person.is_natural_person else ""
    return f"{_mask_name(person.display_name)}{f'（{code}）' if code else ''}"


def receipt_of(application: Application, progress_url: str) -> Receipt:
    """The receipt's content: only what the applicant already sees, personal values masked."""
    submitted = application.submitted_at or application.created_at
    materials = [
        f"{m.name}（{m.original_name}）" if m.original_name else m.name
        for m in application.materials.filter(replaced=False).order_by("material_index", "pk")
    ]
    return Receipt(
        number=application.number,
        item=application.item_name,
        department=application.department.name,
        applicant=_applicant(application),
        submitted=timezone.localtime(submitted).strftime("%Y-%m-%d %H:%M"),
        materials=materials or ["无"],
        promised=application.deadline.isoformat() if application.deadline else "受理后确定",
        progress_url=progress_url,
    )


@cache
def _font_path() -> Path:
    with as_file(files(_FONT_PACKAGE).joinpath(_FONT_FILE)) as path:
        return Path(path)


def render(receipt: Receipt, *, created: datetime | None = None) -> bytes:
    """The receipt as PDF bytes: one A4 page (more if the materials run long)."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_creation_date(created or timezone.now())
    pdf.set_title(f"办件回执 {receipt.number}")
    pdf.set_creator("OneWindow")
    pdf.set_lang("zh-CN")
    pdf.set_margins(_LEFT, 20, 210 - _RIGHT)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_font(_FONT, "", _font_path())
    pdf.add_page()
    pdf.set_font(_FONT, size=22)
    pdf.cell(_RIGHT - _LEFT, 14, "办件回执", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_FONT, size=11)
    pdf.cell(
        _RIGHT - _LEFT, 7, f"办件编号：{receipt.number}", align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.ln(6)
    rows = [
        ("办件编号", receipt.number),
        ("申请事项", receipt.item),
        ("承办部门", receipt.department),
        ("申请人", receipt.applicant),
        ("提交时间", receipt.submitted),
        ("已收材料", "\n".join(f"{i}. {m}" for i, m in enumerate(receipt.materials, 1))),
        ("承诺办结日期", receipt.promised),
    ]
    for label, value in rows:
        top = pdf.get_y()
        pdf.set_x(_LEFT + _LABEL_W)
        pdf.multi_cell(_RIGHT - _LEFT - _LABEL_W, _LINE_H, value, border=1, padding=(0, 2))
        height = pdf.get_y() - top
        if height > 0:  # the label's box, beside the value's (same page)
            pdf.set_xy(_LEFT, top)
            pdf.multi_cell(_LABEL_W, height, label, border=1, align="C")
            pdf.set_xy(_LEFT, top + height)
    pdf.ln(8)
    top = pdf.get_y()
    if top + _QR + 10 > 277:
        pdf.add_page()
        top = pdf.get_y()
    image = io.BytesIO()
    segno.make(receipt.progress_url, error="m").save(image, kind="png", scale=4, border=2)
    image.seek(0)
    pdf.image(image, x=_RIGHT - _QR, y=top, w=_QR, h=_QR)
    pdf.set_xy(_LEFT, top + 2)
    pdf.multi_cell(
        _RIGHT - _LEFT - _QR - 6,
        6,
        "扫描右侧二维码或访问以下地址，凭办件编号和申请时的手机号查询办理进度：\n"
        + receipt.progress_url
        + "\n\n承诺办结日期自受理之日起计算；需要补正材料的，补正期间不计入。",
    )
    return bytes(pdf.output())
