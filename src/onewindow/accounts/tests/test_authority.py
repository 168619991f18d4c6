"""Who holds which seat (``accounts.authority``): every question answered as a list and as a
yes/no, and the two always agree, for any memberships (generated) and any kind of account."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onewindow.accounts import authority
from onewindow.accounts.decorators import staff_required
from onewindow.accounts.models import Membership, User
from onewindow.core.errors import DomainError
from onewindow.organizations.models import Department
from onewindow.testing.factories import DepartmentFactory, PersonFactory, staff

pytestmark = pytest.mark.django_db

Role = authority.Role
ALL_ROLES = [r.value for r in Role]


@pytest.fixture
def market(db: None) -> Department:
    return DepartmentFactory.create(slug="market", name="市场监管局")


@pytest.fixture
def fire(db: None) -> Department:
    return DepartmentFactory.create(slug="fire", name="消防救援支队")


def fresh(user: User) -> User:
    """The person as the next request loads them."""
    return User.objects.get(pk=user.pk)


# -- who is staff -----------------------------------------------------------------------------------
def test_only_active_signed_in_staff_are_staff(market: Department) -> None:
    clerk = staff(market, Role.CLERK)
    citizen = PersonFactory.create()
    gone = staff(market, Role.REVIEWER)
    gone.is_active = False
    gone.save()
    assert authority.is_staff(clerk)
    assert authority.require_staff(clerk) is clerk
    for outsider in (citizen, gone, AnonymousUser(), None):
        assert not authority.is_staff(outsider)
        with pytest.raises(DomainError) as refused:
            authority.require_staff(outsider)
        assert refused.value.status == 403 and refused.value.message == "仅限工作人员。"


def test_a_citizen_or_a_deactivated_account_holds_no_seat_whatever_rows_exist(
    market: Department,
) -> None:
    citizen = PersonFactory.create()
    authority.grant(citizen, market, Role.DECIDER)  # a row that should never have been written
    gone = staff(market, Role.DEPARTMENT_ADMIN)
    gone.is_active = False
    gone.save()
    for person in (citizen, gone):
        assert authority.seats_of(person) == []
        assert not authority.holds(person, market.pk)
        assert not authority.may_work(person, market.pk, Role.DECIDER)
        assert not authority.may_manage_staff(person)
    assert list(authority.members_of(market.pk)) == []


def test_platform_administrators(market: Department) -> None:
    platform = staff(market, Role.PLATFORM_ADMIN, "platform.admin")  # a row naming a department
    root = User.objects.create_superuser("root", "x-Strong-Pass-1")
    clerk = staff(market, Role.CLERK)
    assert authority.is_platform_admin(platform) and authority.is_platform_admin(root)
    assert not authority.is_platform_admin(clerk)
    assert not authority.is_platform_admin(AnonymousUser())
    # Platform administration is not a department seat: no work, not told, not handed work.
    assert authority.seats_of(platform) == [] and authority.departments_of(platform) == []
    assert not authority.may_work(platform, market.pk, Role.PLATFORM_ADMIN)
    assert platform not in authority.members_of(market.pk)
    assert [m.role for m in authority.memberships_of(platform)] == [Role.PLATFORM_ADMIN]
    root.is_active = False
    root.save()
    assert not authority.is_platform_admin(root)


# -- seats, departments, members ------------------------------------------------------------------
def test_seats_departments_and_holds(market: Department, fire: Department) -> None:
    person = staff(market, Role.CLERK, "both")
    staff(fire, Role.DEPARTMENT_ADMIN, "both")
    person = fresh(person)
    assert set(authority.seats_of(person)) == {
        authority.Seat(market.pk, Role.CLERK),
        authority.Seat(fire.pk, Role.DEPARTMENT_ADMIN),
    }
    assert authority.departments_of(person) == sorted([market.pk, fire.pk])
    assert authority.departments_of(person, Role.DEPARTMENT_ADMIN) == [fire.pk]
    assert authority.departments_of(person, Role.DECIDER) == []
    assert authority.holds(person, market.pk) and authority.holds(person, market.pk, Role.CLERK)
    assert not authority.holds(person, market.pk, Role.DECIDER)
    assert not authority.holds(person, None)
    assert {m.department.slug for m in authority.memberships_of(person) if m.department} == {
        "market",
        "fire",
    }


def test_members_are_active_staff_each_once_by_name(market: Department, fire: Department) -> None:
    zhang = staff(market, Role.DECIDER, "zhang")
    zhang.name = "张三"
    zhang.save()
    staff(market, Role.DEPARTMENT_ADMIN, "zhang")  # two seats, listed once
    li = staff(market, Role.DECIDER, "li")
    li.name = "李四"
    li.save()
    gone = staff(market, Role.DECIDER, "gone")
    gone.is_active = False
    gone.save()
    staff(fire, Role.DECIDER, "fire.decider")
    deciders_and_admins = authority.members_of(market.pk, Role.DECIDER, Role.DEPARTMENT_ADMIN)
    assert list(deciders_and_admins) == sorted([zhang, li], key=lambda u: (u.name, u.pk))
    assert list(authority.members_of(market.pk, Role.DEPARTMENT_ADMIN)) == [zhang]
    assert set(authority.members_of(market.pk)) == {zhang, li}  # any seat


# -- who is told, who may be handed ---------------------------------------------------------------
def test_who_is_told_and_who_may_be_handed_work(market: Department) -> None:
    clerk, other_clerk = staff(market, Role.CLERK), staff(market, Role.CLERK, "market.clerk2")
    decider, admin = staff(market, Role.DECIDER), staff(market, Role.DEPARTMENT_ADMIN)
    assert set(authority.told_of_new_work(market.pk, Role.CLERK)) == {clerk, other_clerk}
    assert admin not in authority.told_of_new_work(market.pk, Role.DECIDER)  # not every inbox
    assert set(authority.told_of_escalation(market.pk)) == {decider, admin}
    assert list(authority.colleagues(market.pk, Role.CLERK, exclude=clerk)) == [other_clerk]
    assert admin not in authority.colleagues(market.pk, Role.DECIDER)
    assert authority.is_told_of_new_work(clerk, market.pk, Role.CLERK)
    assert not authority.is_told_of_new_work(admin, market.pk, Role.CLERK)
    assert authority.is_told_of_escalation(admin, market.pk)
    assert not authority.is_told_of_escalation(clerk, market.pk)
    assert authority.is_colleague(other_clerk, market.pk, Role.CLERK, exclude=clerk)
    assert not authority.is_colleague(clerk, market.pk, Role.CLERK, exclude=clerk)
    assert not authority.is_colleague(admin, market.pk, Role.CLERK)


# -- who manages the staff ------------------------------------------------------------------------
def test_who_manages_whom(market: Department, fire: Department) -> None:
    platform = staff(market, Role.PLATFORM_ADMIN, "platform.admin")
    market_admin = staff(market, Role.DEPARTMENT_ADMIN)
    clerk, fire_clerk = staff(market, Role.CLERK), staff(fire, Role.CLERK)
    citizen = PersonFactory.create()
    assert authority.managed_departments(platform) is None
    assert authority.managed_departments(market_admin) == [market.pk]
    assert authority.managed_departments(clerk) == []
    assert authority.may_manage_staff(platform, fire.pk) and authority.may_manage_staff(platform)
    assert authority.may_manage_staff(market_admin) and authority.may_manage_staff(
        market_admin, market.pk
    )
    assert not authority.may_manage_staff(market_admin, fire.pk)
    assert not authority.may_manage_staff(clerk) and not authority.may_manage_staff(
        clerk, market.pk
    )
    assert authority.may_manage_member(platform, fire_clerk)
    assert authority.may_manage_member(market_admin, clerk)
    assert not authority.may_manage_member(market_admin, fire_clerk)
    assert not authority.may_manage_member(market_admin, citizen)
    assert not authority.may_manage_member(clerk, clerk)
    # Never a platform administrator's account, even one sitting in the department, even when
    # that account is deactivated for now.
    assert not authority.may_manage_member(market_admin, platform)
    platform.is_active = False
    platform.save()
    assert not authority.may_manage_member(market_admin, platform)


# -- what is remembered of a person ---------------------------------------------------------------
def test_a_person_is_read_once_per_object(
    market: Department, fire: Department, django_assert_num_queries: Any
) -> None:
    person = fresh(staff(market, Role.DEPARTMENT_ADMIN))
    with django_assert_num_queries(1):
        authority.seats_of(person)
        authority.may_work(person, market.pk, Role.CLERK)
        authority.is_platform_admin(person)
        authority.may_manage_staff(person, market.pk)
        authority.work_condition(person)
        authority.memberships_of(person)[0].department  # noqa: B018 - the department is read too


def test_a_new_seat_is_seen_by_the_next_request_and_at_once_when_granted_here(
    market: Department, fire: Department
) -> None:
    person = fresh(staff(market, Role.CLERK))
    assert authority.departments_of(person) == [market.pk]
    # Granted elsewhere (another request, an administrator): this object keeps what it read ...
    authority.grant(fresh(person), fire, Role.REVIEWER)
    assert authority.departments_of(person) == [market.pk]
    # ... and the next request, a reload or ``forget`` sees it.
    assert authority.departments_of(fresh(person)) == sorted([market.pk, fire.pk])
    person.refresh_from_db()
    assert authority.departments_of(person) == sorted([market.pk, fire.pk])
    Membership.objects.filter(user=person, department=fire).delete()
    authority.forget(person)
    assert authority.departments_of(person) == [market.pk]
    # Granted on the object itself: seen at once.
    authority.grant(person, fire, Role.DECIDER)
    assert authority.holds(person, fire.pk, Role.DECIDER)
    assert (
        authority.grant(person, fire, Role.DECIDER).pk
        == authority.grant(person, fire, Role.DECIDER).pk
    )  # a role held already is kept, not doubled


def test_the_signed_in_person_of_a_page_is_read_through_the_request(
    client: Any, market: Department
) -> None:
    """``request.user`` is a lazy object; the seats are read through it like any user."""
    admin = staff(market, Role.DEPARTMENT_ADMIN)
    client.force_login(admin, backend="onewindow.accounts.backends.AccountBackend")
    response = client.get("/my/")
    assert response.status_code == 200
    assert "部门管理员" in response.content.decode()


# -- the list and the yes/no agree, for any memberships -------------------------------------------
KINDS = ("staff", "inactive_staff", "citizen")
DEPARTMENT_COUNT = 2
membership_sets = st.lists(
    st.tuples(
        st.integers(0, 3),  # which of four people
        st.integers(-1, DEPARTMENT_COUNT - 1),  # which department (-1: none)
        st.sampled_from(ALL_ROLES),
    ),
    max_size=12,
    unique=True,
)
people_kinds = st.lists(st.sampled_from(KINDS), min_size=4, max_size=4)


@pytest.fixture
def cast(db: None) -> dict[str, Any]:
    """Two departments, four people, and one row of work for every department and role (kept as
    membership rows of a person nobody asks about: any table with a department and a role field
    does, and the condition is written over field names)."""
    departments = [DepartmentFactory.create() for _ in range(DEPARTMENT_COUNT)]
    # People with an ID number and a phone, so each example may make any of them a citizen.
    people = PersonFactory.create_batch(4)
    rows_holder = User.objects.create_user("rows", None, kind=User.Kind.STAFF, is_active=False)
    for department in departments:
        for role in ALL_ROLES:
            Membership.objects.create(user=rows_holder, department=department, role=role)
    return {"departments": departments, "people": people, "rows_holder": rows_holder}


def _staff_questions_agree(department: Department, people: list[User]) -> None:
    ids = [p.pk for p in people]
    # The staff an administrator manages: every staff account with a seat, active or not.
    held = authority.roles_in(department.pk, ids)
    assert set(authority.staff_of(department.pk).filter(pk__in=ids)) == {
        p for p in people if authority.is_staff_account(p) and held[p.pk]
    }
    # The last administrator: the only active one.
    admins = set(authority.members_of(department.pk, Role.DEPARTMENT_ADMIN))
    for p in people:
        assert authority.is_last_admin(p, department.pk) == (admins == {p})
        for role in ALL_ROLES:
            assert authority.may_grant(p, department.pk, role) == (
                role in authority.grantable_roles(p, department.pk)
            )
            assert authority.may_grant(p, department.pk, role) == (
                role != Role.PLATFORM_ADMIN and authority.may_manage_staff(p, department.pk)
            )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(memberships=membership_sets, kinds=people_kinds)
def test_every_list_agrees_with_its_yes_no(
    cast: dict[str, Any], memberships: list[tuple[int, int, str]], kinds: list[str]
) -> None:
    departments: list[Department] = cast["departments"]
    ids = [p.pk for p in cast["people"]]
    Membership.objects.filter(user_id__in=ids).delete()
    for n, kind in enumerate(kinds):
        User.objects.filter(pk=ids[n]).update(
            kind=User.Kind.NATURAL if kind == "citizen" else User.Kind.STAFF,
            is_active=kind != "inactive_staff",
        )
    for who, place, role in memberships:
        # -1: no department, which only the platform role may have (a platform row may name one).
        if place < 0 and role != Role.PLATFORM_ADMIN:
            place = 0
        Membership.objects.get_or_create(
            user_id=ids[who], department=departments[place] if place >= 0 else None, role=role
        )
    people = list(User.objects.filter(pk__in=ids).order_by("pk"))
    rows = list(Membership.objects.filter(user=cast["rows_holder"]))
    for person in people:
        # May act on the work: the rows the condition finds are exactly those ``may_work`` allows.
        found = set(
            Membership.objects.filter(user=cast["rows_holder"])
            .filter(authority.work_condition(person))
            .values_list("pk", flat=True)
        )
        assert found == {r.pk for r in rows if authority.may_work(person, r.department_id, r.role)}
        # Manages the staff of a department.
        managed = authority.managed_departments(person)
        for department in departments:
            assert authority.may_manage_staff(person, department.pk) == (
                managed is None or department.pk in managed
            )
            assert authority.holds(person, department.pk) == (
                department.pk in authority.departments_of(person)
            )
    for department in departments:
        for role in ALL_ROLES:
            told = set(authority.told_of_new_work(department.pk, role))
            assert told == {
                p for p in people if authority.is_told_of_new_work(p, department.pk, role)
            }
            assert set(authority.members_of(department.pk, role)) == {
                p for p in people if authority.holds(p, department.pk, role)
            }
            for asking in people:
                handed = set(authority.colleagues(department.pk, role, exclude=asking))
                assert handed == {
                    p
                    for p in people
                    if authority.is_colleague(p, department.pk, role, exclude=asking)
                }
        _staff_questions_agree(department, people)
        escalated = set(authority.told_of_escalation(department.pk))
        assert escalated == {p for p in people if authority.is_told_of_escalation(p, department.pk)}
        assert set(authority.members_of(department.pk)) == {
            p for p in people if authority.holds(p, department.pk)
        }


def test_nobody_without_a_seat_gets_every_row(market: Department) -> None:
    """The condition of someone with no seat finds nothing, even used without a look."""
    staff(market, Role.CLERK)
    nobody = staff(market, Role.PLATFORM_ADMIN, "platform.only")
    assert Membership.objects.filter(authority.work_condition(nobody)).count() == 0
    assert Membership.objects.filter(authority.work_condition(AnonymousUser())).count() == 0


# -- the page decorator ---------------------------------------------------------------------------
def test_staff_pages_send_visitors_to_sign_in_and_refuse_citizens(market: Department) -> None:
    seen: list[User] = []

    @staff_required
    def page(request: Any) -> HttpResponse:
        seen.append(request.user)
        return HttpResponse("ok")

    factory = RequestFactory()
    request = factory.get("/workbench/x/")
    request.user = AnonymousUser()
    response = page(request)
    assert response.status_code == 302 and "next=/workbench/x/" in response["Location"]
    request.user = PersonFactory.create()
    with pytest.raises(DomainError) as refused:
        page(request)
    assert refused.value.status == 403
    assert seen == []
    request.user = staff(market, Role.CLERK)
    assert page(request).status_code == 200 and seen == [request.user]


def test_a_clerk_made_department_administrator_opens_the_admin_site(
    client: Any, market: Department
) -> None:
    """The catalogue is edited in the admin site: the role added later opens it, as it does for
    an account created with it."""
    staff(market, Role.CLERK, "market.person")
    person = staff(market, Role.DEPARTMENT_ADMIN, "market.person")
    assert person.is_staff and not person.is_superuser
    assert authority.may_manage_staff(person, market.pk)
    client.force_login(person, backend="onewindow.accounts.backends.AccountBackend")
    assert client.get("/admin/catalog/serviceitem/").status_code == 200
    platform = staff(market, Role.PLATFORM_ADMIN, "market.person")
    assert platform.is_superuser
