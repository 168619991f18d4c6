"""Personal data has one door: ``core.personal``. These tests read the source tree, so a new module
that decrypts on its own fails here before it ships."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from onewindow.accounts.models import User
from onewindow.core import personal
from onewindow.core.models import AuditEvent
from onewindow.testing.factories import DepartmentFactory, PersonFactory, staff

SRC = Path(personal.__file__).resolve().parent.parent
# (module, function): the only code that may call a decrypting primitive.
ALLOWED = {
    ("core/personal.py", "open_for"),
    ("core/personal.py", "reveal"),
    ("core/personal.py", "open_record"),
    ("core/personal.py", "reveal_record"),
    ("core/crypto.py", "decrypt"),
    # Key material, not personal data: a department's SM2 private key, sealed with SM4.
    ("licences/models.py", "private_key"),
    # An uploaded PDF's own encryption with an empty user password (permissions only), to read it.
    ("applications/uploads.py", "_check_pdf"),
}
DECRYPTING = {"decrypt", "sm4_gcm_decrypt"}


def _decrypting_calls() -> set[tuple[str, str]]:
    found = set()
    for path in SRC.rglob("*.py"):
        relative = path.relative_to(SRC).as_posix()
        if "/tests/" in f"/{relative}" or "/migrations/" in f"/{relative}":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Call):
                    callee = node.func
                    name = (
                        callee.attr
                        if isinstance(callee, ast.Attribute)
                        else getattr(callee, "id", "")
                    )
                    if name in DECRYPTING:
                        found.add((relative, function.name))
    return found


def test_nothing_but_the_personal_data_module_decrypts() -> None:
    found = _decrypting_calls()
    assert found, "the scan found no decryption at all: it is not looking at the source tree"
    assert found - ALLOWED == set()


def test_a_stray_id_number_in_free_text_is_masked_and_kept_sealed() -> None:
    schema = {"properties": {"id": {"x-widget": "id_number"}, "note": {"type": "string"}}}
    stored, clear = personal.split_form(
        schema,
        {"id": "11010519491231002X", "note": "代办人 440304198510161235，电话 13800138000", "n": 3},
    )
    assert stored["id"] == "110105********002X"
    assert "440304198510161235" not in stored["note"] and "13800138000" not in stored["note"]
    assert clear == {
        "id": "11010519491231002X",
        "note": "代办人 440304198510161235，电话 13800138000",
    }
    assert stored["n"] == 3


def test_a_number_with_a_wrong_check_character_is_not_taken_for_an_id_number() -> None:
    assert personal.is_resident_id("11010519491231002X")
    assert not personal.is_resident_id("110105194912310022")
    assert personal.mask_text("订单 110105194912310022") == "订单 110105194912310022"


def test_a_record_opens_only_in_its_own_context() -> None:
    blob = personal.seal_record({"id": "11010519491231002X"}, "application:1")
    assert b"11010519491231002X" not in blob
    assert personal.open_record(blob, "application:1", why="test") == {"id": "11010519491231002X"}
    with pytest.raises(Exception, match="tag"):
        personal.open_record(blob, "application:2", why="test")


@pytest.mark.django_db
def test_staff_reading_someone_elses_id_number_is_audited_and_the_owner_is_not() -> None:
    citizen: User = PersonFactory.create()
    clerk: User = staff(DepartmentFactory.create(), "clerk")
    before = AuditEvent.objects.filter(action="personal_data.view").count()
    kind = personal.Kind.ID_NUMBER
    own = personal.reveal(
        citizen.id_number_encrypted,
        kind,
        viewer=citizen,
        owner_id=citizen.pk,
        subject=citizen,
        purpose="self",
    )
    assert AuditEvent.objects.filter(action="personal_data.view").count() == before
    seen = personal.reveal(
        citizen.id_number_encrypted,
        kind,
        viewer=clerk,
        owner_id=citizen.pk,
        subject=citizen,
        purpose="核验",
    )
    assert seen == own and len(seen) == 18
    event = AuditEvent.objects.filter(action="personal_data.view").latest("id")
    assert event.actor_id == clerk.pk and event.object_id == str(citizen.pk)
    assert event.data == {"field": "id_number", "purpose": "核验"}


def test_a_number_typed_in_groups_or_with_a_small_x_is_masked_too() -> None:
    assert personal.mask_text("证件 110105 19491231 002x 已核") == "证件 110105********002X 已核"
    assert personal.mask_text("110105-1949-1231-002X") == "110105********002X"
    assert personal.mask_text("电话 138 0013 8000") == "电话 138****8000"
    assert personal.mask_text("订单 2026 1127 0001 0000 13") == "订单 2026 1127 0001 0000 13"


@pytest.mark.parametrize(
    "typed",
    [
        "经营者１１０１０５１９４９１２３１００２Ｘ",  # full-width, from a Chinese input method
        "110105.19491231.002X",
        "110105/19491231/002x",
        "110105·19491231·002X",
        "１１０１０５　１９４９１２３１　００２ｘ",
    ],
)
def test_an_id_number_typed_any_way_is_masked(typed: str) -> None:
    masked = personal.mask_text(typed)
    assert "19491231" not in masked.translate({0xFF10 + i: 48 + i for i in range(10)})
    assert "002X" in masked.upper()


def test_nested_form_values_are_masked_and_kept_sealed() -> None:
    data = {"members": [{"name": "甲", "id": "11010519491231002X"}], "phones": ["13800138000"]}
    stored, clear = personal.split_form({"properties": {}}, data)
    assert stored == {
        "members": [{"name": "甲", "id": "110105********002X"}],
        "phones": ["138****8000"],
    }
    assert clear == data


def test_text_without_personal_data_comes_back_unchanged() -> None:
    text = "营业面积１２０平方米，电话请拨１２３４５。"
    assert personal.mask_text(text) == text
