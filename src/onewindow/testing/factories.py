"""factory_boy factories for tests (importable by every app's tests; never used by the product)."""

from __future__ import annotations

import random
import zlib
from datetime import date, timedelta
from typing import Any

import factory
from stdnum.cn import ric

from onewindow.accounts.models import User, new_person_handle
from onewindow.organizations.models import Department, Region

TEST_PASSWORD = "Quiet-River-2026"  # noqa: S105
# Districts that existed for every birth date the tests generate (1986-2020): stdnum checks that.
BIRTH_REGIONS = ["110105", "310104", "440305", "370102", "330106", "420102"]


def make_resident_id(seed: int, region: str | None = None, birth: date | None = None) -> str:
    rng = random.Random(seed)  # noqa: S311 - test data
    region = region or rng.choice(BIRTH_REGIONS)
    birth = birth or date(1986, 1, 1) + timedelta(days=rng.randrange(365 * 34))
    body = f"{region}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return body + ric.calc_check_digit(body + "0")


def make_uscc(seed: int) -> str:
    from stdnum.cn import uscc

    rng = random.Random(seed)  # noqa: S311 - test data
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91" + "379900" + "".join(rng.choice(alphabet) for _ in range(9))
    return body + uscc.calc_check_digit(body)


class RegionFactory(factory.django.DjangoModelFactory[Region]):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "379900"
    name = "青岚市"
    level = Region.Level.PREFECTURE


class DepartmentFactory(factory.django.DjangoModelFactory[Department]):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"青岚市测试局{n}")
    slug = factory.Sequence(lambda n: f"dept{n}")
    uscc = factory.Sequence(lambda n: make_uscc(10_000 + n))
    region = factory.SubFactory(RegionFactory)


class PersonFactory(factory.django.DjangoModelFactory[User]):
    """A natural person with a valid, unique ID number and the password ``TEST_PASSWORD``."""

    class Meta:
        model = User

    kind = User.Kind.NATURAL
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    username = factory.LazyFunction(new_person_handle)
    name = factory.Sequence(lambda n: f"测试{'甲乙丙丁戊己庚辛'[n % 8]}")
    id_number = factory.Sequence(make_resident_id)
    password = TEST_PASSWORD

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        id_number, password = kwargs.pop("id_number"), kwargs.pop("password")
        phone = kwargs.pop("phone")
        user = model_class(**kwargs)
        user.set_phone(phone)
        user.set_id_number(id_number)
        user.set_password(password)
        user.save()
        return user


def phone_of(user: User) -> str:
    """A test's way to the clear number it types into a login or progress form."""
    return user.open_phone(why="test")


def item_values(department: Department, **overrides: Any) -> dict[str, Any]:
    """Every element of a valid, publishable item (a promised 5-day licence, fully online)."""
    from onewindow.catalog.choices import CaseType

    sequence = overrides.pop("sequence", 1)
    values: dict[str, Any] = {
        "department": department,
        "name": "测试许可事项",
        "basic_code": f"01{sequence:010d}",
        "implementation_code": f"{department.uscc}01{sequence:010d}0",
        "item_type": "01",
        "legal_basis": "《中华人民共和国行政许可法》第十二条",
        "conditions": "申请材料齐全、符合法定形式。",
        "legal_limit": 20,
        "promised_limit": 5,
        "case_type": CaseType.PROMISED,
        "service_objects": ["legal"],
        "handling_forms": ["window", "online"],
        "visits": 0,
        "online": True,
        "fully_online": True,
        "online_depth": [1, 2, 3, 4, 5, 6],
        "place": "青岚市政务服务中心",
        "office_hours": "工作日 9:00-17:00",
        "consult_phone": "0999-12345678",
        "complaint_phone": "12345",
        "topics_enterprise": ["licence"],
        "result_name": "许可决定书",
        "result_type": "approval",
        "process": {
            "stages": [
                {"key": "accept", "name": "受理", "kind": "acceptance", "days": 1},
                {"key": "review", "name": "审查", "kind": "review", "days": 3},
                {"key": "decide", "name": "决定", "kind": "decision", "days": 1},
            ]
        },
        "form_schema": {
            "type": "object",
            "properties": {
                "company_name": {
                    "type": "string",
                    "title": "单位名称",
                    "x-prefill": "company_name",
                },
                "uscc": {"type": "string", "title": "统一社会信用代码", "x-prefill": "uscc"},
                "area": {"type": "number", "title": "面积"},
            },
            "required": ["company_name"],
            "x-order": ["company_name", "uscc", "area"],
        },
    }
    values.update(overrides)
    return values


def make_item(department: Department | None = None, publish: bool = True, **overrides: Any) -> Any:
    from onewindow.catalog import services
    from onewindow.catalog.models import Material, ServiceItem

    department = department or DepartmentFactory.create()
    materials = overrides.pop("materials", ["申请书"])
    item = ServiceItem.objects.create(**item_values(department, **overrides))
    for order, name in enumerate(materials):
        Material.objects.create(item=item, order=order, name=name, forms=["original"])
    if publish:
        services.publish_item(item)
        item.refresh_from_db()
    return item


def staff(department: Department, role: str, username: str | None = None) -> Any:
    from onewindow.accounts.services import ensure_staff

    return ensure_staff(
        username or f"{department.slug}.{role}",
        f"{department.name}{role}",
        department,
        role,
        TEST_PASSWORD,
    )


def minimal_pdf() -> bytes:
    """The smallest whole PDF: a catalogue, a page tree with one blank A4 page, a cross-reference
    table with true offsets and a trailer (uploads read a PDF's structure, not only its header)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def minimal_png() -> bytes:
    """A whole 1×1 grey PNG: signature, IHDR, IDAT and IEND with their CRCs."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data).to_bytes(4, "big")
        return len(data).to_bytes(4, "big") + kind + data + crc

    header = (1).to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + chunk(b"IEND", b"")
    )


PDF = minimal_pdf()
PNG = minimal_png()


def ticket_category(department: Department, code: str = "noise", **fields: Any) -> Any:
    """A 12345 category handled by ``department`` (see ``tickets.models.Category``)."""
    from onewindow.tickets.models import Category

    values = {"name": "噪音扰民", "group": "环境", "keywords": "噪音 施工 扰民"} | fields
    category, _created = Category.objects.update_or_create(
        code=code, defaults={"department": department, **values}
    )
    return category


def hotline_setup() -> dict[str, Any]:
    """The hotline department with an operator (clerk), and a handling department with its clerk,
    another department and a category routed to the first: what ticket tests start from."""

    def department(slug: str, name: str) -> Department:
        found = Department.objects.filter(slug=slug).first()
        return found or DepartmentFactory.create(slug=slug, name=name)

    hotline = department("hotline", "12345热线")
    urban = department("urban", "城市管理局")
    ecology = department("ecology", "生态环境局")
    return {
        "hotline": hotline,
        "urban": urban,
        "ecology": ecology,
        "operator": staff(hotline, "clerk", "hotline.operator"),
        "urban_clerk": staff(urban, "clerk", "urban.clerk"),
        "ecology_clerk": staff(ecology, "clerk", "ecology.clerk"),
        "category": ticket_category(urban, "noise", limits={"complaint": 13, "consult": 3}),
    }
