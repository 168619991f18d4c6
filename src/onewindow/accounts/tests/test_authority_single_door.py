"""Staff memberships have one door: ``accounts.authority``. This test reads the source tree, so a
module that asks "who holds which seat" on its own fails here before it ships."""

from __future__ import annotations

import re
from pathlib import Path

from onewindow.accounts import authority

SRC = Path(authority.__file__).resolve().parent.parent
DOOR = "accounts/authority.py"
# Reading memberships: the manager, a join through the relation, the relation of a user object.
READS = re.compile(
    r"\bMembership\.(objects|_default_manager|_base_manager)\b|\bmemberships__|\.memberships\."
)
# Code that is not the product: tests, migrations, the demo loader and the test factories.
NOT_THE_PRODUCT = ("/tests/", "/migrations/", "/demo/", "/testing/")

# Modules still being moved onto accounts.authority by the case-engine work. Each entry goes when
# its module is converted; the list goes when it is empty (the test then holds everywhere).
STILL_MOVING: set[str] = set()


def _readers() -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if relative == DOOR or any(part in f"/{relative}" for part in NOT_THE_PRODUCT):
            continue
        lines = [
            number
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if READS.search(line.split("#", 1)[0])
        ]
        if lines:
            found[relative] = lines
    return found


def test_nothing_but_the_authority_module_reads_memberships() -> None:
    strays = {path: lines for path, lines in _readers().items() if path not in STILL_MOVING}
    assert strays == {}, f"read memberships through accounts.authority instead: {strays}"


def test_the_scan_sees_what_it_looks_for() -> None:
    """The pattern finds each way of reading memberships, and the door itself uses them."""
    for line in (
        "Membership.objects.filter(user=user)",
        "User.objects.filter(memberships__role='clerk')",
        "user.memberships.all()",
        "Membership._default_manager.all()",
    ):
        assert READS.search(line), line
    for line in (
        "class Membership(models.Model):",
        "Membership.Role.CLERK",
        "memberships = []",
        "authority.memberships_of(user)",
    ):
        assert not READS.search(line), line
    assert READS.search((SRC / DOOR).read_text(encoding="utf-8"))


# -- who is staff -----------------------------------------------------------------------------------
# Comparing an account's kind to staff, in code or in a template: ``authority.is_staff`` answers it
# (active, signed-in staff), so a page, an endpoint and a service never disagree about a person.
STAFF_KIND = re.compile(
    r"\bkind\s*[!=]=\s*(?:\w+\.)*Kind\.STAFF\b|Kind\.STAFF\s*[!=]="
    r"|\bkind\s*[!=]=\s*[\"']staff[\"']|[\"']staff[\"']\s*[!=]=\s*\w+\.kind\b"
)
# The sign-in policy asks it of an account that is not signed in yet (the staff second factor).
KIND_ASKED_ELSEWHERE = {"accounts/models.py"}


def _staff_kind_checks() -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for path in sorted([*SRC.rglob("*.py"), *SRC.rglob("*.html")]):
        relative = path.relative_to(SRC).as_posix()
        if relative == DOOR or any(part in f"/{relative}" for part in NOT_THE_PRODUCT):
            continue
        lines = [
            number
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if STAFF_KIND.search(line.split("#", 1)[0] if path.suffix == ".py" else line)
        ]
        if lines:
            found[relative] = lines
    return found


def test_nothing_but_the_authority_module_asks_whether_an_account_is_staff() -> None:
    strays = {
        p: lines for p, lines in _staff_kind_checks().items() if p not in KIND_ASKED_ELSEWHERE
    }
    assert strays == {}, f"ask accounts.authority.is_staff instead: {strays}"


def test_the_staff_kind_scan_sees_what_it_looks_for() -> None:
    for line in (
        "if user.kind == User.Kind.STAFF:",
        "return user.kind != User.Kind.STAFF",
        "self.kind == self.Kind.STAFF and x",
        '{% if account.kind == "staff" %}',
        "if 'staff' == user.kind:",
    ):
        assert STAFF_KIND.search(line), line
    for line in (
        'defaults={"kind": User.Kind.STAFF, "name": name}',
        "kind=User.Kind.STAFF, is_active=True",
        "if authority.is_staff(user):",
        'if f["kind"] == "field":',
    ):
        assert not STAFF_KIND.search(line), line
    assert STAFF_KIND.search((SRC / DOOR).read_text(encoding="utf-8"))
