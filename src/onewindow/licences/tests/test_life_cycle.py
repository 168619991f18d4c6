"""Suspension, revocation, replacement and expiry: by the issuer only, seen by verification at once."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from onewindow.accounts.services import issue_token
from onewindow.core.errors import DomainError
from onewindow.core.models import AuditEvent
from onewindow.licences import identifiers, services, verification
from onewindow.licences.models import Licence

pytestmark = pytest.mark.django_db


def bearer(user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(user)[0]}"}


def test_revocation_is_seen_by_verification_at_once(licensing: Any, client: Client) -> None:
    licence = licensing.business_licence()
    check = client.get("/api/v1/licences/verify", {"id": licence.identifier}).json()
    assert check["valid"] is True and check["status"] == "valid"
    assert licensing.company.name in check["licence"]["holder"]
    response = client.post(
        f"/api/v1/licences/{licence.pk}/actions",
        {"action": "revoke", "reason": "以欺骗手段取得许可"},
        content_type="application/json",
        headers=bearer(licensing.decider),
    )
    assert response.status_code == 200, response.json()
    after = client.get("/api/v1/licences/verify", {"id": licence.identifier}).json()
    assert after["valid"] is False and after["reason"] == "revoked"
    assert after["signature_valid"] is True
    assert AuditEvent.objects.filter(action="licence.revoke", object_id=str(licence.pk)).exists()
    # A revoked licence cannot come back.
    again = client.post(
        f"/api/v1/licences/{licence.pk}/actions",
        {"action": "resume"},
        content_type="application/json",
        headers=bearer(licensing.decider),
    )
    assert again.status_code == 409 and "已吊销" in again.json()["error"]["message"]


def test_only_the_issuers_deciders_may_act_and_reasons_are_required(licensing: Any) -> None:
    licence = licensing.business_licence()
    for outsider in (licensing.other_decider, licensing.clerk):
        with pytest.raises(DomainError) as refused:
            services.change_status(licence.pk, "suspend", outsider, "检查")
        assert (refused.value.status, refused.value.code) == (404, "not_found")
    with pytest.raises(DomainError) as missing:
        services.change_status(licence.pk, "suspend", licensing.decider, " ")
    assert missing.value.fields == {"reason": ["请填写理由。"]}
    services.change_status(licence.pk, "suspend", licensing.decider, "责令停业整顿")
    assert verification.verify_identifier(licence.identifier).reason == "suspended"
    services.change_status(licence.pk, "resume", licensing.decider)
    assert verification.verify_identifier(licence.identifier).valid


def test_replacement_makes_a_new_version_and_retires_the_old(licensing: Any) -> None:
    old = licensing.business_licence(scope="餐饮服务")
    new = services.replace(
        old.pk, licensing.decider, {"scope": "餐饮服务；食品销售"}, "经营范围变更"
    )
    old.refresh_from_db()
    assert old.status == "replaced" and new.status == "valid"
    assert (new.serial, new.version) == (old.serial, 2)
    assert new.identifier.split(".")[-2] == "002" and new.identifier != old.identifier
    assert new.data["scope"] == "餐饮服务；食品销售"
    assert verification.verify_identifier(old.identifier).reason == "replaced"
    assert verification.verify_identifier(new.identifier).valid
    assert [e.action for e in old.events.all()] == ["issue", "replace"]


def test_the_expiry_task_ends_licences_past_their_validity(licensing: Any) -> None:
    licence = licensing.person_licence(issue_date=dt.date(2019, 3, 1))
    assert licence.valid_until == dt.date(2024, 2, 29)
    lasting = licensing.business_licence()  # no validity limit
    assert services.expire_due(dt.date(2024, 2, 29)) == 0
    assert services.expire_due(dt.date(2024, 3, 1)) == 1
    licence.refresh_from_db()
    lasting.refresh_from_db()
    assert licence.status == "expired" and lasting.status == "valid"
    assert verification.verify_identifier(licence.identifier).reason == "expired"
    assert services.expire_due(dt.date(2024, 3, 2)) == 0  # once only


def test_serials_are_unique_per_type_and_issuer_and_cannot_be_guessed(licensing: Any) -> None:
    made = [licensing.person_licence() for _ in range(5)]
    serials = [m.serial for m in made]
    assert len(set(serials)) == 5
    year = str(dt.date.today().year)
    assert all(
        s.startswith(year) and len(s) == 14 and identifiers.is_valid(m.identifier)
        for s, m in zip(serials, made, strict=True)
    )
    # Two consecutive issues are not consecutive serials (nor one a step from the other).
    for before, after in itertools.pairwise(serials):
        assert not (
            before[4:].isdigit()
            and after[4:].isdigit()
            and int(after[4:]) - int(before[4:]) in range(1, 10)
        )
    assert Licence.objects.filter(licence_type=licensing.food).count() == 5


def test_a_serial_drawn_twice_is_drawn_again(licensing: Any, monkeypatch: Any) -> None:
    first = licensing.person_licence()
    draws = iter([first.serial, first.serial, f"{dt.date.today().year}ZZZZZZZZZZ"])
    monkeypatch.setattr(services, "_draw_serial", lambda year: next(draws))
    second = licensing.person_licence()
    assert second.serial.endswith("ZZZZZZZZZZ")
    assert verification.verify_licence(second).valid


def test_bad_face_data_gets_field_errors(licensing: Any) -> None:
    with pytest.raises(DomainError) as refused:
        services.issue(
            licensing.food,
            licensing.market,
            services.Holder("某公司", licensing.company.uscc, "001"),
            {"operator": "某公司"},
        )
    assert set(refused.value.fields) == {"data.social_credit_code", "data.business_scope"}
    with pytest.raises(DomainError) as bad_holder:
        services.issue(
            licensing.food,
            licensing.market,
            services.Holder("某人", "11010519491231002Y", "111"),
            {"operator": "a", "social_credit_code": "b", "business_scope": "c"},
        )
    assert "holder_code" in bad_holder.value.fields


def test_a_pdf_is_rendered_once_per_state_and_anew_after_a_change(
    licensing: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from onewindow.licences import documents

    renders: list[str] = []
    real = documents.render_pdf

    def counting(licence: Any, base: str | None = None) -> bytes:
        renders.append(licence.status)
        return real(licence, base)

    monkeypatch.setattr(documents, "render_pdf", counting)
    licence = licensing.business_licence()
    first = documents.pdf_bytes(licence, "https://gov.example.cn")
    again = documents.pdf_bytes(licence, "https://gov.example.cn")
    assert first == again and first.startswith(b"%PDF")
    assert renders == ["valid"]  # the second came from storage
    services.change_status(licence.pk, "suspend", licensing.decider, "停业整顿")
    licence.refresh_from_db()
    suspended = documents.pdf_bytes(licence, "https://gov.example.cn")
    assert renders == ["valid", "suspended"] and suspended != first
    folder = f"{documents.PDF_DIR}/{licence.pk}"
    assert len(default_storage.listdir(folder)[1]) == 1  # the outdated one is gone


def test_a_kept_pdf_is_in_the_official_language_whoever_asked_first(
    licensing: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.utils import translation

    from onewindow.licences import documents

    languages: list[str | None] = []
    real = documents.render_pdf

    def recording(licence: Any, base: str | None = None) -> bytes:
        languages.append(translation.get_language())
        return real(licence, base)

    monkeypatch.setattr(documents, "render_pdf", recording)
    licence = licensing.business_licence()
    services.change_status(licence.pk, "suspend", licensing.decider, "停业整顿")
    licence.refresh_from_db()
    with translation.override("en"):
        english = documents.pdf_bytes(licence, "https://gov.example.cn")
    chinese = documents.pdf_bytes(licence, "https://gov.example.cn")
    assert english == chinese and languages == ["zh-hans"]
    # Another base URL is kept beside it, not instead of it.
    documents.pdf_bytes(licence, "https://other.example.cn")
    documents.pdf_bytes(licence, "https://gov.example.cn")
    assert len(languages) == 2


def test_the_change_history_reads_in_words(licensing: Any, client: Client) -> None:
    licence = licensing.business_licence()
    services.change_status(licence.pk, "suspend", licensing.decider, "责令停业整顿")
    client.force_login(licensing.decider)
    html = client.get(f"/licences/manage/{licence.pk}/").content.decode()
    assert "签发 → 有效" in html and "暂扣 → 暂扣：责令停业整顿" in html
    assert "suspend → suspended" not in html


def test_the_issuers_pages_refuse_everyone_but_staff_in_the_sites_own_words(
    licensing: Any, client: Client
) -> None:
    """The issuer's pages ask ``accounts.decorators.staff_required``: a visitor is sent to sign in,
    a citizen (the holder too) gets the site's 403 page, as the API would refuse them; a clerk,
    who does not issue, is told why the import page is not theirs."""
    from django.conf import settings
    from django.shortcuts import resolve_url
    from django.urls import reverse

    licence = licensing.person_licence()
    pages = [
        ("GET", reverse("licences:manage")),
        ("GET", reverse("licences:manage_detail", args=[licence.pk])),
        ("POST", reverse("licences:manage_reveal", args=[licence.pk])),
        ("GET", reverse("licences:issue", args=["NO-SUCH"])),
        ("GET", reverse("licences:import")),
        ("GET", reverse("licences:import_job", args=[1])),
    ]
    sign_in = resolve_url(settings.LOGIN_URL)
    for method, url in pages:
        assert client.generic(method, url)["Location"].startswith(sign_in), url
    backend = "onewindow.accounts.backends.AccountBackend"
    client.force_login(licensing.citizen, backend=backend)
    for method, url in pages:
        response = client.generic(method, url)
        assert response.status_code == 403, url
        html = response.content.decode()
        assert "仅限工作人员" in html and 'class="site-header"' in html
    client.force_login(licensing.clerk, backend=backend)
    assert client.get(reverse("licences:manage")).status_code == 200
    refused = client.get(reverse("licences:import"))
    assert refused.status_code == 403
    assert "只有颁发部门的决定人员或管理员可以导入证照" in refused.content.decode()


def test_revoking_from_the_issuers_page_asks_first_and_nothing_is_chosen_for_them(
    licensing: Any, client: Client
) -> None:
    """The action select starts empty, and a revocation pressed once only asks: the licence stays
    valid until the confirming press, which carries the reason typed the first time."""
    licence = licensing.business_licence()
    url = f"/licences/manage/{licence.pk}/"
    client.force_login(licensing.decider, backend="onewindow.accounts.backends.AccountBackend")
    page = client.get(url).content.decode()
    assert '<option value="" selected>' in page
    asked = client.post(url, {"action": "revoke", "reason": "以欺骗手段取得许可"})
    assert asked.status_code == 200
    html = asked.content.decode()
    assert "您将吊销/撤销证照" in html and 'name="confirmed" value="1"' in html
    licence.refresh_from_db()
    assert licence.status == "valid"
    done = client.post(url, {"action": "revoke", "reason": "以欺骗手段取得许可", "confirmed": "1"})
    assert done.status_code == 302
    licence.refresh_from_db()
    assert licence.status == "revoked" and licence.status_reason == "以欺骗手段取得许可"
