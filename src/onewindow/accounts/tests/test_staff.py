"""Managing a department's staff (``accounts.staff``): who may, what each change guarantees."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from onewindow.accounts import authority
from onewindow.accounts import staff as services
from onewindow.accounts.models import ApiToken, User
from onewindow.accounts.services import issue_token
from onewindow.core.errors import DomainError
from onewindow.core.models import AuditEvent
from onewindow.organizations.models import Department
from onewindow.testing.factories import DepartmentFactory, PersonFactory, phone_of, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def market() -> Department:
    return DepartmentFactory.create(slug="market", name="市场监管局")


@pytest.fixture
def fire() -> Department:
    return DepartmentFactory.create(slug="fire", name="消防救援支队")


def new(username: str = "market.zhangsan", **changes: object) -> services.NewStaff:
    values: dict[str, object] = {
        "name": "张三",
        "username": username,
        "phone": "13700001111",
        "roles": ["clerk"],
        "password": "",
    }
    values.update(changes)
    return services.NewStaff(**values)  # type: ignore[arg-type]


def refusal(call: Callable[..., Any], *args: object) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args)
    return caught.value


def test_an_administrator_adds_a_clerk_who_can_sign_in(market: Department) -> None:
    admin = staff(market, "dept_admin")
    member, password = services.add_staff(admin, market, new(username=" Market.ZhangSan "))
    member.refresh_from_db()
    assert member.username == "market.zhangsan" and member.kind == User.Kind.STAFF
    assert member.check_password(password) and len(password) == 14
    assert authority.holds(member, market.pk, "clerk")
    assert not member.is_staff  # the admin site is for administrators
    # The phone is sealed like every other phone: masked on screens, clear only through the door.
    assert member.phone_masked == "137****1111" and phone_of(member) == "13700001111"
    event = AuditEvent.objects.get(action="accounts.staff_added")
    assert event.actor_id == admin.pk and event.data == {
        "department": market.pk,
        "roles": ["clerk"],
    }
    assert password not in str(event.data)


def test_a_password_set_by_the_administrator_is_checked_and_kept(market: Department) -> None:
    admin = staff(market, "dept_admin")
    error = refusal(services.add_staff, admin, market, new(password="12345678"))
    assert "password" in error.fields
    member, password = services.add_staff(admin, market, new(password="Calm-Lake-4817"))
    assert password == "Calm-Lake-4817" and member.check_password(password)


def test_every_field_error_is_reported_at_once(market: Department) -> None:
    admin = staff(market, "dept_admin")
    bad = services.NewStaff(name="x" * 400, username="1nope", phone="12345", roles=[])
    error = refusal(services.add_staff, admin, market, bad)
    assert error.status == 422
    assert set(error.fields) == {"name", "username", "phone", "roles"}
    assert not User.objects.filter(name="x" * 400).exists()


def test_a_username_or_phone_already_used_is_a_field_error(market: Department) -> None:
    admin = staff(market, "dept_admin")
    citizen = PersonFactory.create()
    error = refusal(
        services.add_staff, admin, market, new(username=admin.username, phone=phone_of(citizen))
    )
    assert error.status == 422
    assert error.fields["username"] == ["该用户名已被使用，请换一个。"]
    assert error.fields["phone"] == ["该手机号已登记在其他账号上。"]


def test_a_staff_name_cannot_look_like_another_kind_of_login(market: Department) -> None:
    admin = staff(market, "dept_admin")
    for username in ("np_0123456789abcdef", "13700001111", "ab", "a" * 33, "市场.张三"):
        assert "username" in refusal(services.add_staff, admin, market, new(username)).fields


def test_a_department_administrator_cannot_add_to_another_department(
    market: Department, fire: Department
) -> None:
    admin = staff(market, "dept_admin")
    assert refusal(services.add_staff, admin, fire, new()).status == 404
    assert (
        staff(fire, "clerk")
        and refusal(services.add_staff, staff(fire, "clerk"), fire, new()).status == 404
    )


def test_the_platform_role_is_never_given_from_a_department(market: Department) -> None:
    for admin in (staff(market, "dept_admin"), staff(market, "platform_admin", "platform.admin")):
        error = refusal(services.add_staff, admin, market, new(roles=["clerk", "platform_admin"]))
        assert "roles" in error.fields
    assert not User.objects.filter(username="market.zhangsan").exists()


def test_a_platform_administrator_adds_staff_anywhere(market: Department, fire: Department) -> None:
    platform = staff(market, "platform_admin", "platform.admin")
    member, _password = services.add_staff(platform, fire, new(roles=["dept_admin", "decider"]))
    assert authority.departments_of(member, "dept_admin") == [fire.pk]
    assert member.is_staff  # an administrator opens the admin site, as ensure_staff does


def test_roles_are_granted_and_taken(market: Department) -> None:
    admin = staff(market, "dept_admin")
    member, _password = services.add_staff(admin, market, new())
    granted, taken = services.set_roles(admin, member, market, ["reviewer", "decider"])
    assert (granted, taken) == (["reviewer", "decider"], ["clerk"])
    assert authority.roles_in(market.pk, [member.pk]) == {member.pk: ["reviewer", "decider"]}
    event = AuditEvent.objects.get(action="accounts.staff_roles_changed")
    assert event.data["taken"] == ["clerk"]
    assert services.set_roles(admin, member, market, ["reviewer", "decider"]) == ([], [])
    assert "roles" in refusal(services.set_roles, admin, member, market, ["platform_admin"]).fields


def test_an_administrator_keeps_their_own_role_and_the_last_one_stays(market: Department) -> None:
    admin = staff(market, "dept_admin")
    error = refusal(services.set_roles, admin, admin, market, ["clerk"])
    assert error.code == "own_account"
    second = staff(market, "dept_admin", "market.admin2")
    # Another administrator may take the role now that someone else keeps the department.
    services.set_roles(second, admin, market, ["clerk"])
    assert not authority.holds(admin, market.pk, "dept_admin")
    platform = staff(market, "platform_admin", "platform.admin")
    assert refusal(services.set_roles, platform, second, market, []).code == "last_admin"
    assert refusal(services.set_active, platform, second, False).code == "last_admin"


def test_deactivating_ends_seats_and_tokens_and_reactivating_restores_them(
    market: Department,
) -> None:
    admin = staff(market, "dept_admin")
    member, _password = services.add_staff(admin, market, new())
    issue_token(member)
    services.set_active(admin, member, False)
    member.refresh_from_db()
    assert not member.is_active and not authority.is_staff(member)
    assert list(authority.members_of(market.pk, "clerk")) == []
    assert not ApiToken.objects.filter(user=member, revoked_at__isnull=True).exists()
    assert member in authority.staff_of(market.pk)  # still managed
    services.set_active(admin, member, True)
    assert list(authority.members_of(market.pk, "clerk")) == [member]
    actions = list(
        AuditEvent.objects.filter(object_id=str(member.pk)).values_list("action", flat=True)
    )
    assert "accounts.staff_deactivated" in actions and "accounts.staff_activated" in actions


def test_nobody_deactivates_themselves(market: Department) -> None:
    admin = staff(market, "dept_admin")
    staff(market, "dept_admin", "market.admin2")
    assert refusal(services.set_active, admin, admin, False).code == "own_account"


def test_another_departments_staff_and_platform_administrators_are_not_found(
    market: Department, fire: Department
) -> None:
    admin = staff(market, "dept_admin")
    for other in (staff(fire, "clerk"), staff(fire, "platform_admin", "platform.admin")):
        assert refusal(services.set_active, admin, other, False).status == 404
        assert refusal(services.reset_staff_password, admin, other).status == 404
        assert refusal(services.set_roles, admin, other, market, ["clerk"]).status == 404
    citizen = PersonFactory.create()
    platform = User.objects.get(username="platform.admin")
    assert refusal(services.set_active, platform, citizen, False).status == 404


def test_a_reset_password_replaces_the_old_one_and_ends_tokens(market: Department) -> None:
    admin = staff(market, "dept_admin")
    member, first = services.add_staff(admin, market, new())
    issue_token(member)
    second = services.reset_staff_password(admin, member)
    member.refresh_from_db()
    assert second != first and member.check_password(second) and not member.check_password(first)
    assert not ApiToken.objects.filter(user=member, revoked_at__isnull=True).exists()
    event = AuditEvent.objects.get(action="accounts.staff_password_reset")
    assert event.actor_id == admin.pk and second not in str(event.data)


def test_a_handed_over_password_is_temporary_until_its_holder_sets_their_own(
    market: Department,
) -> None:
    admin = staff(market, "dept_admin")
    member, password = services.add_staff(admin, market, new())
    assert member.password_temporary
    error = refusal(services.replace_temporary_password, member, "wrong", password, "other")
    assert set(error.fields) == {"current", "password", "confirm"}
    services.replace_temporary_password(member, password, "Still-Water-5931", "Still-Water-5931")
    member.refresh_from_db()
    assert not member.password_temporary and member.check_password("Still-Water-5931")
    assert AuditEvent.objects.filter(
        action="accounts.password_changed", actor_id=member.pk
    ).exists()
    services.reset_staff_password(admin, member)
    member.refresh_from_db()
    assert member.password_temporary
