"""A material is checked by its structure, not its first bytes, and a body over the limit is
refused before it is read."""

from __future__ import annotations

import io
import stat
import time
import zipfile
import zlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from fpdf import FPDF
from PIL import Image

from onewindow.applications import services, uploads
from onewindow.core.errors import DomainError
from onewindow.testing.factories import PDF, PNG

BACKEND = "onewindow.accounts.backends.AccountBackend"
OFD_XML = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016" Version="1.0" DocType="OFD">'
    b"<ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
)


def check(content: bytes) -> uploads.Checked:
    return uploads.check_upload(io.BytesIO(content), len(content), 0)


def refusal(content: bytes) -> str:
    with pytest.raises(DomainError) as caught:
        check(content)
    assert caught.value.status == 422 and list(caught.value.fields) == ["file"]
    return caught.value.fields["file"][0]


def ofd(*entries: tuple[str, bytes], extra: list[zipfile.ZipInfo] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
        for info in extra or []:
            archive.writestr(info, b"/etc/passwd")
    return buffer.getvalue()


def valid_ofd() -> bytes:
    return ofd(
        ("OFD.xml", OFD_XML),
        ("Doc_0/Document.xml", b"<ofd:Document/>"),
        ("Doc_0/Pages/Page_0/Content.xml", b"<ofd:Page/>"),
        ("Doc_0/Res/logo.png", PNG),
    )


def real_pdf() -> bytes:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=12)
    document.cell(text="Floor plan")
    return bytes(document.output())


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), "white").save(out, "JPEG")
    return out.getvalue()


# -- accepted -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("make", "content_type"),
    [
        (lambda: PDF, "application/pdf"),
        (real_pdf, "application/pdf"),
        (valid_ofd, "application/ofd"),
        (lambda: PNG, "image/png"),
        (jpeg, "image/jpeg"),
    ],
)
def test_whole_files_of_each_type_are_accepted(make: Any, content_type: str) -> None:
    assert check(make()).content_type == content_type


# -- PDF ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.7\n<html><body><script>alert(document.cookie)</script></body></html>\n",
        # the old factory file: a header, a trailer and %%EOF, but no catalogue, pages or xref
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
        b"%PDF-1.4\n<html></html>\nstartxref\n9\n%%EOF\n",
        PDF + b"<html><script>alert(1)</script></html>",  # a page riding after the end
        PDF[: len(PDF) // 2],  # cut short
    ],
    ids=["html", "no-catalogue", "html-with-startxref", "html-after-eof", "cut-short"],
)
def test_a_pdf_header_on_something_else_is_refused_in_chinese(content: bytes) -> None:
    assert "不是完整有效的PDF文件" in refusal(content)


def test_the_api_and_the_page_name_the_file_field(world: Any, api: Any) -> None:
    application = services.create_application(world.citizen, world.item, {"area": 60})
    fake = b"%PDF-1.7\n<html><script>alert(1)</script></html>"
    answer = api(world.citizen).upload(application.pk, 0, fake)
    assert answer.status_code == 422
    assert "不是完整有效的PDF文件" in answer.json()["error"]["fields"]["file"][0]
    citizen = Client()
    citizen.force_login(world.citizen, backend=BACKEND)
    page = citizen.post(
        f"/my/applications/{application.number}/materials/",
        {"material": 0, "file": SimpleUploadedFile("plan.pdf", fake)},
    )
    assert page.status_code == 422 and "不是完整有效的PDF文件" in page.content.decode()
    assert not application.materials.exists()


# -- OFD ------------------------------------------------------------------------------------------
def link(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.mark.parametrize(
    "content",
    [
        ofd(("OFD.xml", OFD_XML), ("../../etc/cron.d/evil", b"* * * * * root sh")),
        ofd(("OFD.xml", OFD_XML), ("Doc_0/../../evil.xml", b"<x/>")),
        ofd(("OFD.xml", OFD_XML), ("/etc/passwd", b"root")),
        ofd(("OFD.xml", OFD_XML), ("Doc_0\\..\\evil", b"x")),
        ofd(("OFD.xml", OFD_XML), ("C:/evil", b"x")),
        ofd(("OFD.xml", OFD_XML), extra=[link("Doc_0/Res/passwd")]),
        ofd(("OFD.xml", OFD_XML), ("index.html", b"<script>alert(1)</script>")),
        ofd(("Doc_0/Document.xml", b"<ofd:Document/>")),  # no OFD.xml
        ofd(("OFD.xml", b"<html><body>not an OFD</body></html>")),
        ofd(("mimetype", b"application/epub+zip"), ("OEBPS/a.xhtml", b"<html/>")),
    ],
    ids=[
        "climbs-out",
        "climbs-out-of-doc",
        "absolute",
        "backslashes",
        "drive",
        "symlink",
        "not-an-ofd-part",
        "no-ofd-xml",
        "ofd-xml-not-ofd",
        "epub",
    ],
)
def test_an_ofd_with_parts_that_are_not_ofd_parts_is_refused(content: bytes) -> None:
    assert "不是有效的OFD文件" in refusal(content)


def zeros_deflated(size: int) -> bytes:
    """Raw deflate of ``size`` zero bytes (a whole number of MB), built without ever holding or
    compressing them all: a fully flushed block of 1 MB of zeros does not depend on what came
    before, so the same bytes repeat, and an empty final block closes the stream."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(bytes(2**20)) + packer.flush(zlib.Z_FULL_FLUSH)
    closing = zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    return block * (size // 2**20) + closing


def bomb(declared: int, actual: int) -> bytes:
    """An OFD whose Doc_0/Res/big.xml inflates to ``actual`` zero bytes but whose local header
    and central directory say ``declared``."""
    data = zeros_deflated(actual)
    crc = 0  # never reached: the bomb is refused before its end, where the CRC is compared
    name = b"Doc_0/Res/big.xml"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("OFD.xml", OFD_XML)
    head = out.getvalue()
    central_start = head.index(b"PK\x01\x02")
    local, central = head[:central_start], head[central_start : head.index(b"PK\x05\x06")]
    offset = len(local)
    local += (
        b"PK\x03\x04"
        + (20).to_bytes(2, "little")
        + bytes(2)
        + (8).to_bytes(2, "little")
        + bytes(4)
        + crc.to_bytes(4, "little")
        + len(data).to_bytes(4, "little")
        + declared.to_bytes(4, "little")
        + len(name).to_bytes(2, "little")
        + bytes(2)
        + name
        + data
    )
    central += (
        b"PK\x01\x02"
        + (20).to_bytes(2, "little") * 2
        + bytes(2)
        + (8).to_bytes(2, "little")
        + bytes(4)
        + crc.to_bytes(4, "little")
        + len(data).to_bytes(4, "little")
        + declared.to_bytes(4, "little")
        + len(name).to_bytes(2, "little")
        + bytes(8)
        + bytes(4)
        + offset.to_bytes(4, "little")
        + name
    )
    end = (
        b"PK\x05\x06"
        + bytes(4)
        + (2).to_bytes(2, "little") * 2
        + len(central).to_bytes(4, "little")
        + len(local).to_bytes(4, "little")
        + bytes(2)
    )
    return local + central + end


def test_a_deflate_bomb_is_refused_from_its_declared_sizes_without_inflating() -> None:
    content = bomb(declared=2**30 + 2**29, actual=2**30 + 2**29)  # 1.5 GB of zeros in ~1.5 MB
    assert zlib.decompress(zeros_deflated(4 * 2**20), -15) == bytes(4 * 2**20)  # a real stream
    assert len(content) < 2 * 2**20
    started = time.monotonic()
    assert "压缩比异常" in refusal(content)
    assert time.monotonic() - started < 1  # inflating it would take seconds and 1.5 GB


def test_a_deflate_bomb_that_lies_about_its_size_is_stopped_by_its_crc() -> None:
    content = bomb(declared=1000, actual=2**30 + 2**29)  # says 1 KB, inflates to 1.5 GB
    started = time.monotonic()
    assert "不是有效的OFD文件" in refusal(content)
    assert time.monotonic() - started < 1


def test_an_ofd_whose_parts_add_up_past_the_bound_is_refused(settings: Any) -> None:
    settings.ONEWINDOW = {**settings.ONEWINDOW, "UPLOAD_OFD_MAX_UNCOMPRESSED": 2**20}
    # Small entries below the per-entry ratio check, over the total only when added up.
    entries = [(f"Doc_0/Res/{i}.xml", bytes(200_000)) for i in range(6)]
    content = ofd(("OFD.xml", OFD_XML), *entries)
    assert "压缩比异常" in refusal(content)


# -- images ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 32,  # the signature alone
        PNG[:-12],  # no IEND
        PNG + b"<html><script>alert(1)</script></html>",
        PNG[:20] + b"\xff" + PNG[21:],  # a bad CRC
        b"\xff\xd8\xff<html><script>alert(1)</script></html>",
        jpeg()[:-2],  # no EOI
    ],
    ids=[
        "png-signature-only",
        "png-no-iend",
        "png-html-after",
        "png-bad-crc",
        "jpeg-html",
        "jpeg-no-eoi",
    ],
)
def test_an_image_header_on_something_else_is_refused(content: bytes) -> None:
    assert "图片文件不完整或已损坏" in refusal(content)


# -- the body limit -------------------------------------------------------------------------------
class Unreadable(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def read(self, size: int = -1) -> bytes:
        raise AssertionError("the body was read")

    def readline(self, size: int | None = -1) -> bytes:
        raise AssertionError("the body was read")


class Endless(io.RawIOBase):
    """A chunked body without end, counting what is read from it."""

    def __init__(self) -> None:
        self.taken = 0

    def read(self, size: int = -1) -> bytes:
        size = 65536 if size is None or size < 0 else size
        self.taken += size
        return b"x" * size


def huge(client: Client, path: str, stream: Any, **headers: Any) -> Any:
    # With no data the test client sets neither the type nor the body: both are given here.
    environ: dict[str, Any] = {
        "CONTENT_TYPE": "multipart/form-data; boundary=xyz",
        "wsgi.input": stream,
    }
    return client.generic("POST", path, b"", **environ, **headers)


@pytest.mark.django_db
def test_a_body_over_the_limit_is_refused_before_it_is_read(world: Any, api: Any) -> None:
    application = services.create_application(world.citizen, world.item, {"area": 60})
    client = api(world.citizen)
    answer = huge(
        client.client,
        f"/api/v1/applications/{application.pk}/materials",
        Unreadable(),
        CONTENT_LENGTH=str(5 * 2**30),
        HTTP_AUTHORIZATION=client.headers["Authorization"],
    )
    assert answer.status_code == 413
    error = answer.json()["error"]
    assert error["code"] == "payload_too_large" and "10MB" in error["message"]

    citizen = Client()
    citizen.force_login(world.citizen, backend=BACKEND)
    page = huge(
        citizen,
        f"/my/applications/{application.number}/materials/",
        Unreadable(),
        CONTENT_LENGTH=str(5 * 2**30),
    )
    assert page.status_code == 413 and "提交的内容过大" in page.content.decode()
    assert "<!DOCTYPE html>" in page.content.decode()  # a page of the site, not a bare answer


@pytest.mark.django_db
def test_a_chunked_body_is_read_only_up_to_the_limit(world: Any, api: Any, settings: Any) -> None:
    application = services.create_application(world.citizen, world.item, {"area": 60})
    client = api(world.citizen)
    body = Endless()
    answer = huge(
        client.client,
        f"/api/v1/applications/{application.pk}/materials",
        body,
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        HTTP_AUTHORIZATION=client.headers["Authorization"],
    )
    assert answer.status_code == 413
    assert body.taken == settings.REQUEST_MAX_BODY + 1


@pytest.mark.django_db
def test_a_chunked_body_under_the_limit_is_read_as_usual(world: Any, api: Any) -> None:
    application = services.create_application(world.citizen, world.item, {"area": 60})
    client = api(world.citizen)
    body = (
        b'--xyz\r\nContent-Disposition: form-data; name="material"\r\n\r\n0\r\n'
        b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
        b"Content-Type: application/pdf\r\n\r\n" + PDF + b"\r\n--xyz--\r\n"
    )
    answer = huge(
        client.client,
        f"/api/v1/applications/{application.pk}/materials",
        io.BytesIO(body),
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        HTTP_AUTHORIZATION=client.headers["Authorization"],
    )
    assert answer.status_code == 201, answer.content.decode()
    assert answer.json()["size"] == len(PDF)


@pytest.mark.django_db
def test_a_multipart_body_without_a_boundary_is_a_400_not_a_500(world: Any, api: Any) -> None:
    application = services.create_application(world.citizen, world.item, {"area": 60})
    client = api(world.citizen)
    answer = client.client.post(
        f"/api/v1/applications/{application.pk}/materials",
        b"--x\r\n\r\n",
        content_type="multipart/form-data",
        headers=client.headers,
    )
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "bad_request"
    citizen = Client()
    citizen.force_login(world.citizen, backend=BACKEND)
    page = citizen.post(
        f"/my/applications/{application.number}/materials/",
        b"--x\r\n\r\n",
        content_type="multipart/form-data",
    )
    assert page.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("length", ["-1", "12x", "²"])
def test_a_content_length_that_is_not_a_number_is_a_400(length: str, client: Client) -> None:
    environ: dict[str, Any] = {"CONTENT_LENGTH": length, "wsgi.input": Unreadable()}
    answer = client.generic("POST", "/api/v1/applications", b"", **environ)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "bad_request"
