"""Nobody collects ID numbers through licences: a 个体工商户's business licence is numbered by the
holder's ID number, and neither the public verification (API, page, QR payload), the licence rows,
the messages, a revoked share link nor the actions endpoint gives it (or anything) away."""

from __future__ import annotations

import base64
import dataclasses
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client, override_settings

from onewindow.accounts.services import issue_token
from onewindow.core import personal
from onewindow.core.models import AuditEvent
from onewindow.licences import (
    documents,
    keys,
    sealing,
    services,
    sharing,
    signing,
    verification,
)
from onewindow.licences.models import Licence
from onewindow.licences.services import CODE_TYPE_ID, Holder
from onewindow.licences.tests.test_verification_lane import URL, without_lane
from onewindow.notifications.models import Message

pytestmark = pytest.mark.django_db


def bearer(user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(user)[0]}"}


def sole_trader(licensing: Any) -> tuple[Any, str]:
    """A 个体工商户's business licence: the type numbers it by its USCC item, which holds the
    holder's ID number (what the demo item maps there)."""
    person = licensing.citizen
    id_number = person.reveal_id_number()
    licence = services.issue(
        licensing.business,
        licensing.market,
        Holder(person.name, id_number, CODE_TYPE_ID, person),
        {"uscc": id_number, "name": person.name, "scope": f"小吃（经营者身份证 {id_number}）"},
    )
    return licence, id_number


def limit(n: int) -> Any:
    from django.conf import settings

    return override_settings(ONEWINDOW={**settings.ONEWINDOW, "LICENCE_VERIFY_PER_MINUTE": n})


# -- item 1: the public verification ----------------------------------------------------------------
def test_anonymous_verification_masks_the_id_number_in_the_api_the_page_and_the_qr(
    licensing: Any, client: Client
) -> None:
    licence, id_number = sole_trader(licensing)
    masked = id_number[:6] + "********" + id_number[14:]
    lane = client.get(URL, {"id": licence.identifier})
    with without_lane():
        operation = client.get(URL, {"id": licence.identifier})
    for answer in (lane, operation):
        assert answer.status_code == 200
        assert id_number not in answer.content.decode()
        body = answer.json()
        assert body["valid"] is True
        assert body["licence"]["number"] == masked
        assert body["licence"]["holder_code"] == masked
    payload, signature = verification.compact_payload(licence)
    qr = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert qr["n"] == masked and id_number not in json.dumps(qr)
    page = client.get("/licences/verify/", {"id": licence.identifier, "p": payload, "s": signature})
    assert page.status_code == 200
    assert id_number not in page.content.decode() and masked in page.content.decode()
    assert id_number not in documents.verify_link(licence)


def _resident_id(birth: str, sequence: str = "665") -> str:
    """A resident ID number of 东城区 born on ``birth`` (YYYYMMDD), with its right check character."""
    body = f"110101{birth}{sequence}"
    return next(body + c for c in "0123456789X" if personal.is_resident_id(body + c))


def _public_view(licensing: Any, id_number: str, monkeypatch: Any) -> dict[str, Any]:
    """Everything public of a sole trader's licence numbered by ``id_number``: the QR payload, the
    public verification answer and what its face prints; issued with a fixed serial and then rolled
    back, so a second call issues a licence identical in all but the ID number."""
    monkeypatch.setattr(services, "_draw_serial", lambda year: f"{year}AAAAAAAAAA")
    seen: dict[str, Any] = {}
    with pytest.raises(_RolledBack), transaction.atomic():
        licence = services.issue(
            licensing.business,
            licensing.market,
            Holder("张三", id_number, CODE_TYPE_ID),
            {"uscc": id_number, "name": "张三小吃店"},
        )
        payload, signature = verification.compact_payload(licence)
        body = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        key = licence.signing_key
        # The QR signature covers the payload's bytes and nothing else: it tests no guess.
        assert signing.verify(
            bytes(key.public_key),
            body,
            base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)),
        )
        cache.clear()
        seen = {
            "qr": json.loads(body),
            "link": documents.verify_link(licence, "https://example.org").split("&s=")[0],
            "answer": verification.public_answer(licence.identifier),
            "face": [
                licence.number,
                verification.face_holder(licence),
                documents.face_rows(licence),
            ],
        }
        raise _RolledBack
    return seen


class _RolledBack(Exception):
    pass


def test_nothing_public_lets_a_guess_of_the_masked_birth_date_be_tested(
    licensing: Any, monkeypatch: Any
) -> None:
    """The QR once carried the SM3 digest of the signed bytes (which hold the ID number in clear):
    the eight masked digits fell to a brute force of a few thousand candidates in a fraction of a
    second. Two licences alike in all but the birth date of the holder's ID number must now look
    exactly alike to anyone without the signed document."""
    keys.active_key(licensing.market)  # one key for both licences
    first = _resident_id("19900307")
    second = next(
        n
        for n in (_resident_id(f"1985{m:02d}{d:02d}") for m in range(1, 13) for d in (1, 15))
        if n[-4:] == first[-4:]
    )
    assert first != second and first[:6] == second[:6] and first[-4:] == second[-4:]
    one = _public_view(licensing, first, monkeypatch)
    other = _public_view(licensing, second, monkeypatch)
    assert one["qr"]["n"] == first[:6] + "********" + first[-4:]
    assert "g" not in one["qr"]
    for part in one:
        assert one[part] == other[part], part
    assert first not in json.dumps(one, ensure_ascii=False)


def _views(action: str = "personal_data.view") -> int:
    return AuditEvent.objects.filter(action=action).count()


def test_the_holders_page_and_answer_mask_the_id_number_until_they_ask_to_see_it(
    licensing: Any, client: Client
) -> None:
    licence, id_number = sole_trader(licensing)
    masked = id_number[:6] + "********" + id_number[14:]
    before = _views()
    own = client.get(f"/api/v1/licences/{licence.pk}", headers=bearer(licensing.citizen))
    assert own.status_code == 200 and id_number not in own.content.decode()
    body = own.json()
    assert body["number"] == masked and body["data"]["uscc"] == masked
    assert body["holder_code"] == masked
    assert {"number", "holder_code", "data.uscc", "data.scope"} <= set(body["revealable"])
    shown = client.post(
        f"/api/v1/licences/{licence.pk}/reveal",
        {"field": "data.uscc"},
        content_type="application/json",
        headers=bearer(licensing.citizen),
    )
    assert shown.status_code == 200 and shown.json() == {"field": "data.uscc", "value": id_number}
    assert "no-store" in shown["Cache-Control"]
    assert _views() == before  # the holder's own look is not recorded
    unknown = client.post(
        f"/api/v1/licences/{licence.pk}/reveal",
        {"field": "issuer"},
        content_type="application/json",
        headers=bearer(licensing.citizen),
    )
    assert unknown.status_code == 422 and "field" in unknown.json()["error"]["fields"]

    client.force_login(licensing.citizen)
    page = client.get(f"/licences/{licence.pk}/")
    html = page.content.decode()
    assert id_number not in html and masked in html and "显示完整号码" in html
    assert "no-store" in page["Cache-Control"]
    revealed = client.post(f"/licences/{licence.pk}/reveal/", {"field": "number"})
    assert revealed.status_code == 200 and id_number in revealed.content.decode()
    assert "no-store" in revealed["Cache-Control"]
    assert client.get(f"/licences/{licence.pk}/").content.decode().count(id_number) == 0
    assert _views() == before


def test_the_issuers_staff_see_masks_and_give_a_reason_to_see_a_number_in_full(
    licensing: Any, client: Client
) -> None:
    licence, id_number = sole_trader(licensing)
    staff = client.get(f"/api/v1/licences/{licence.pk}", headers=bearer(licensing.clerk))
    assert staff.status_code == 200 and id_number not in staff.content.decode()
    opened = AuditEvent.objects.filter(action="personal_data.view").latest("id")
    assert opened.actor_id == licensing.clerk.pk and opened.data == {"purpose": "licence"}
    url = f"/api/v1/licences/{licence.pk}/reveal"
    before = _views()
    no_reason = client.post(
        url, {"field": "number"}, content_type="application/json", headers=bearer(licensing.clerk)
    )
    assert no_reason.status_code == 422
    assert "purpose" in no_reason.json()["error"]["fields"]
    assert id_number not in no_reason.content.decode() and _views() == before
    shown = client.post(
        url,
        {"field": "number", "purpose": "核对经营者身份 电话13800000001"},
        content_type="application/json",
        headers=bearer(licensing.clerk),
    )
    assert shown.status_code == 200 and shown.json()["value"] == id_number
    event = AuditEvent.objects.filter(action="personal_data.view").latest("id")
    assert event.actor_id == licensing.clerk.pk and event.object_id == str(licence.pk)
    assert event.data == {"field": "number", "purpose": "核对经营者身份 电话138****0001"}

    client.force_login(licensing.decider)
    desk = client.get(f"/licences/manage/{licence.pk}/")
    html = desk.content.decode()
    assert id_number not in html and "显示完整号码" in html and "查看原因" in html
    assert "no-store" in desk["Cache-Control"]
    refused = client.post(f"/licences/manage/{licence.pk}/reveal/", {"field": "number"})
    assert refused.status_code == 422 and id_number not in refused.content.decode()
    seen = client.post(
        f"/licences/manage/{licence.pk}/reveal/", {"field": "number", "purpose": "吊销前核对"}
    )
    assert seen.status_code == 200 and id_number in seen.content.decode()
    assert "no-store" in seen["Cache-Control"]
    event = AuditEvent.objects.filter(action="personal_data.view").latest("id")
    assert event.actor_id == licensing.decider.pk
    assert event.data == {"field": "number", "purpose": "吊销前核对"}


def test_anyone_else_asking_to_reveal_gets_the_answer_of_a_missing_licence(
    licensing: Any, client: Client
) -> None:
    licence, _id_number = sole_trader(licensing)
    body = {"field": "number", "purpose": "核对"}
    missing = client.post(
        "/api/v1/licences/999999/reveal",
        body,
        content_type="application/json",
        headers=bearer(licensing.other_decider),
    )
    assert missing.status_code == 404
    for stranger in (licensing.other_decider, licensing.agent, licensing.company):
        answer = client.post(
            f"/api/v1/licences/{licence.pk}/reveal",
            body,
            content_type="application/json",
            headers=bearer(stranger),
        )
        assert (answer.status_code, answer.content) == (404, missing.content)
    anonymous = client.post(
        f"/api/v1/licences/{licence.pk}/reveal", body, content_type="application/json"
    )
    assert anonymous.status_code == 401
    client.force_login(licensing.other_decider)
    assert client.post(f"/licences/manage/{licence.pk}/reveal/", body).status_code == 404
    client.force_login(licensing.agent)
    assert client.post(f"/licences/{licence.pk}/reveal/", body).status_code == 404


def test_the_pdf_prints_an_id_number_licence_number_masked(licensing: Any) -> None:
    import io

    import pypdf

    licence, id_number = sole_trader(licensing)
    reader = pypdf.PdfReader(io.BytesIO(documents.pdf_bytes(licence)))
    text = "".join(p.extract_text() for p in reader.pages).replace("\x00", "").replace(" ", "")
    assert "营业执照" in text  # the text is readable at all
    assert id_number not in text and id_number[:6] + "********" + id_number[14:] in text


def test_the_type_decides_what_a_verification_shows_and_id_numbers_are_masked_anyway(
    licensing: Any, client: Client
) -> None:
    kind = licensing.business
    kind.verification_fields = {
        "number": "hidden",
        "holder": "hidden",
        "name": "masked",
        "scope": "public",
    }
    kind.full_clean()
    kind.save()
    licence, id_number = sole_trader(licensing)
    body = client.get(URL, {"id": licence.identifier}).json()["licence"]
    assert body["number"] is None and body["holder"] == ""
    # What a verification hides stays on the licence's face (its PDF, the holder's page), masked.
    masked_name = personal.mask(personal.Kind.NAME, licensing.citizen.name)
    assert verification.face_holder(licence)[0] == masked_name != licensing.citizen.name
    fields = {f["key"]: f["value"] for f in body["fields"]}
    assert set(fields) == {"name", "scope"}  # "uscc" is not listed: hidden
    assert fields["name"] != licensing.citizen.name
    assert id_number not in fields["scope"] and id_number[:6] + "********" in fields["scope"]
    kind.verification_fields = {"number": "everyone", "nonsense": "public"}
    with pytest.raises(ValidationError) as refused:
        kind.full_clean()
    assert len(refused.value.message_dict["verification_fields"]) == 2


def _hammer(client: Client, path: str, query: dict[str, str], **extra: Any) -> list[Any]:
    return [client.get(path, query, **extra) for _ in range(4)]


def test_anonymous_verification_is_limited_per_client_address(
    licensing: Any, client: Client
) -> None:
    licence = licensing.business_licence()
    payload, signature = verification.compact_payload(licence)
    query = {"id": licence.identifier}
    qr = {**query, "p": payload, "s": signature}
    with limit(3):
        checks = [
            _hammer(client, URL, query, REMOTE_ADDR="10.0.0.1"),  # the lane
            _hammer(client, "/licences/verify/", qr, REMOTE_ADDR="10.0.0.2"),  # the QR's page
        ]
        with without_lane():
            checks.append(_hammer(client, URL, qr, REMOTE_ADDR="10.0.0.3"))  # the operation
        for answers in checks:
            assert [a.status_code for a in answers] == [200, 200, 200, 429]
            assert 1 <= int(answers[-1]["Retry-After"]) <= 61
        for api in (checks[0][-1], checks[2][-1]):
            assert api.json()["error"]["code"] == "rate_limited" and api.json()["error"]["message"]
        assert "rate-limited" in checks[1][-1].content.decode()
        # Another address is not held back by the first one's count.
        assert client.get(URL, query, REMOTE_ADDR="10.0.0.4").status_code == 200


# -- item 2: nothing in clear at rest, nor in messages ----------------------------------------------
def test_licence_rows_and_messages_hold_no_id_number_and_the_signature_still_verifies(
    licensing: Any, tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # the holder's notices, SMS too
        licence, id_number = sole_trader(licensing)
        services.change_status(licence.pk, "revoke", licensing.decider, "吊销")
    table = Licence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (model name)
        rows = cursor.fetchall()
    stored = repr(rows)
    assert id_number not in stored and id_number.encode().hex() not in stored
    texts = [f"{m.title} {m.body}" for m in Message.objects.filter(user=licensing.citizen)]
    assert texts and all(id_number not in t for t in texts)
    assert any("营业执照" in t and "吊销" in t for t in texts)
    outbox = tmp_path / "outbox" / "sms.jsonl"
    assert not outbox.exists() or id_number not in outbox.read_text(encoding="utf-8")
    fresh = Licence.objects.select_related("signing_key", "licence_type").get(pk=licence.pk)
    check = verification.verify_licence(fresh)
    assert check.signature_valid and check.reason == "revoked"
    document = verification.export_document(fresh)
    assert document["metadata"]["licence_number"] == id_number  # signed in clear, as before
    assert verification.verify_document(document).signature_valid


# -- item 10: a revoked share link, and one answer for "no such licence" ----------------------------
def test_a_revoked_licences_share_link_shows_the_revocation_and_nothing_else(
    licensing: Any, client: Client
) -> None:
    licence = licensing.business_licence(scope="餐饮服务")
    _link, token = sharing.create(licence, licensing.company, "办理租房备案", 24)
    services.change_status(licence.pk, "revoke", licensing.decider, "吊销营业执照")
    page = client.get(f"/licences/shared/{token}/")
    text = page.content.decode()
    assert page.status_code == 200 and 'data-testid="revoked"' in text
    for secret in (licence.holder_name, licence.number, "餐饮服务", licence.identifier, "pdf"):
        assert secret not in text


def test_actions_on_a_missing_licence_and_on_one_the_caller_may_not_touch_answer_alike(
    licensing: Any, client: Client
) -> None:
    licence = licensing.business_licence()
    body = {"action": "suspend", "reason": "检查"}
    answers = [
        client.post(
            f"/api/v1/licences/{pk}/actions",
            body,
            content_type="application/json",
            headers=bearer(user),
        )
        for pk, user in (
            (licence.pk + 1000, licensing.decider),
            (licence.pk, licensing.other_decider),
            (licence.pk, licensing.clerk),
            (licence.pk, licensing.company),
        )
    ]
    assert {a.status_code for a in answers} == {404}
    assert len({a.content for a in answers}) == 1
    licence.refresh_from_db()
    assert licence.status == "valid"


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_what_is_stored_and_old_signatures_still_verify(
    licensing: Any, monkeypatch: Any
) -> None:
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(sealing, "new_salt", lambda: "")  # as licences before salts were
    licence, id_number = sole_trader(licensing)
    table = connection.ops.quote_name(Licence._meta.db_table)
    executor = MigrationExecutor(connection)
    before = [("licences", "0002_licence_type_layouts")]
    latest = executor.loader.graph.leaf_nodes("licences")
    try:
        executor.migrate(before)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT number, data FROM {table}")  # noqa: S608 (model name)
            assert id_number in repr(cursor.fetchall())  # as 0002 stored it: in clear
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)
    finally:
        MigrationExecutor(connection).migrate(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (model name)
        assert id_number not in repr(cursor.fetchall())
    fresh = Licence.objects.select_related("signing_key", "licence_type").get(pk=licence.pk)
    assert fresh.number == id_number[:6] + "********" + id_number[14:]
    assert verification.verify_licence(fresh).valid
    assert services.holder_user(fresh) == licensing.citizen


def test_the_limit_holds_under_concurrency(licensing: Any) -> None:
    """40 requests at once from one address, a limit of 25: exactly 25 go through (the count is
    one atomic cache increment, not a read and a write)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.test import RequestFactory

    from onewindow.licences import throttle

    request = RequestFactory().get(URL, REMOTE_ADDR="10.9.9.9")
    with limit(25), ThreadPoolExecutor(max_workers=8) as pool:
        waits = list(pool.map(lambda _: throttle.wait_seconds(request), range(40)))
    assert waits.count(0) == 25 and all(w > 0 for w in waits if w)


def test_an_administrator_sets_what_a_verification_shows_in_the_admin(
    licensing: Any, client: Client
) -> None:
    from onewindow.accounts.models import Membership
    from onewindow.accounts.services import ensure_staff

    admin = ensure_staff("root", "平台管理员", None, Membership.Role.PLATFORM_ADMIN, "x-Strong-1")
    client.force_login(admin, backend="onewindow.accounts.backends.AccountBackend")
    url = f"/admin/licences/licencetype/{licensing.business.pk}/change/"
    assert "verification_fields" in client.get(url).content.decode()
    kind = licensing.business
    form = {
        "code": kind.code,
        "name": kind.name,
        "holder_kind": kind.holder_kind,
        "schema": json.dumps(kind.schema, ensure_ascii=False),
        "number_field": kind.number_field,
        "validity_years": "",
        "template": kind.template,
        "is_active": "on",
    }
    refused = client.post(url, {**form, "verification_fields": '{"number": "everyone"}'})
    assert refused.status_code == 200 and "public、masked 或 hidden" in refused.content.decode()
    saved = client.post(url, {**form, "verification_fields": '{"number": "hidden"}'})
    assert saved.status_code == 302
    kind.refresh_from_db()
    assert kind.visibility("number") == "hidden"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="threads write at once on PostgreSQL")
def test_concurrent_issues_that_draw_the_same_serial_all_get_their_own(
    licensing: Any, monkeypatch: Any
) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    real = services._draw_serial
    drawn = threading.local()

    def draw(year: int) -> str:  # every thread's first draw is the same serial
        first = not getattr(drawn, "before", False)
        drawn.before = True
        return f"{year}SAMESERIAL" if first else real(year)

    monkeypatch.setattr(services, "_draw_serial", draw)

    def one(_: int) -> str:
        try:
            return str(licensing.person_licence().serial)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        serials = list(pool.map(one, range(8)))
    assert len(set(serials)) == 8
    assert sum(s.endswith("SAMESERIAL") for s in serials) == 1


# -- free text staff and holders type: reasons, purposes -------------------------------------------
REASON = "吊销 持证人身份证{id} 电话13800000001"


def test_an_action_reason_keeps_id_and_mobile_numbers_masked(
    licensing: Any, client: Client
) -> None:
    licence, id_number = sole_trader(licensing)
    masked = id_number[:6] + "********" + id_number[14:]
    reason = REASON.format(id=id_number)
    answer = client.post(
        f"/api/v1/licences/{licence.pk}/actions",
        {"action": "revoke", "reason": reason},
        content_type="application/json",
        headers=bearer(licensing.decider),
    )
    assert answer.status_code == 200
    text = answer.content.decode()
    assert id_number not in text and "13800000001" not in text
    assert answer.json()["status_reason"] == f"吊销 持证人身份证{masked} 电话138****0001"
    licence.refresh_from_db()
    assert licence.status_reason == answer.json()["status_reason"]
    assert licence.events.get(action="revoke").reason == licence.status_reason
    new = licensing.business_licence()
    services.replace(new.pk, licensing.decider, {}, reason)
    assert id_number not in new.events.get(action="replace").reason


@pytest.mark.django_db(transaction=True)
def test_the_migration_masks_reasons_and_purposes_already_stored(
    licensing: Any, monkeypatch: Any
) -> None:
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(sealing, "new_salt", lambda: "")  # as licences before salts were
    from onewindow.licences.models import ImportJob, LicenceEvent, LicenceUse, ShareLink

    licence, id_number = sole_trader(licensing)
    services.change_status(licence.pk, "suspend", licensing.decider, "暂扣")
    share, _token = sharing.create(licence, licensing.citizen, "租房", 24)
    use = services.record_use(licence, LicenceUse.Channel.DOWNLOAD, user=licensing.citizen)
    reason = REASON.format(id=id_number)
    # As the code before stored them: as typed.
    Licence.objects.filter(pk=licence.pk).update(status_reason=reason)
    LicenceEvent.objects.filter(licence=licence).update(reason=reason)
    ShareLink.objects.filter(pk=share.pk).update(purpose=reason)
    LicenceUse.objects.filter(pk=use.pk).update(purpose=reason, user_label=reason)
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("licences", "0004_drop_the_digest_of_the_signed_bytes")])
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes("licences"))
    finally:
        MigrationExecutor(connection).migrate(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )
    for model in (Licence, LicenceEvent, ShareLink, LicenceUse, ImportJob):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608 (model name)
            stored = repr(cursor.fetchall())
        assert id_number not in stored and "13800000001" not in stored, model.__name__
    assert Licence.objects.get(pk=licence.pk).status_reason.endswith("电话138****0001")


def test_an_import_keeps_no_file_of_clear_id_numbers_once_read(
    licensing: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core.files.storage import default_storage

    from onewindow.licences import imports
    from onewindow.testing.factories import make_resident_id

    good = make_resident_id(12)
    content = (
        "holder_name,holder_code,operator,social_credit_code,business_scope\n"
        f"张三,{good},张三小吃店,-,热食类\n"
    ).encode()
    with django_capture_on_commit_callbacks(execute=True):
        job = imports.start(
            licensing.market, licensing.food, licensing.decider, f"{good}.csv", content
        )
        stored_as = str(job.file.name)
    job.refresh_from_db()
    assert job.imported == 1 and good not in job.file_name
    assert not job.file and not default_storage.exists(stored_as)


# -- the signature tests no guess either ------------------------------------------------------------
def test_a_new_licence_signs_a_sealed_salt_so_its_signature_tests_no_guess(
    licensing: Any, monkeypatch: Any
) -> None:
    """Whoever holds a licence's signature but not its sealed record (a copy of the database with
    the personal values encrypted) cannot confirm a guess of the masked ID number with it: the
    signed bytes hold 128 random bits kept only in the sealed record."""
    licence, id_number = sole_trader(licensing)
    clear = sealing.open_clear(licence, why="test")
    assert len(clear.salt) == 32 and int(clear.salt, 16) >= 0
    document = verification.export_document(licence)
    assert document["metadata"]["salt"] == clear.salt
    assert verification.verify_document(document).valid
    key = licence.signing_key
    signature = bytes(licence.signature)
    right_guess = services.signed_bytes(licence, dataclasses.replace(clear, salt=""))
    assert not signing.verify(bytes(key.public_key), right_guess, signature)
    assert signing.verify(bytes(key.public_key), services.signed_bytes(licence), signature)
    assert licence.identifier not in clear.salt and id_number not in document["metadata"]["salt"]
    other = sole_trader(licensing)[0]
    assert sealing.open_clear(other, why="test").salt != clear.salt
    # A licence signed before salts were (no salt in its record or metadata) verifies as before.
    monkeypatch.setattr(sealing, "new_salt", lambda: "")
    old, _ = sole_trader(licensing)
    old_document = verification.export_document(old)
    assert "salt" not in old_document["metadata"]
    assert verification.verify_licence(old).valid
    assert verification.verify_document(old_document).valid


@pytest.mark.django_db(transaction=True)
def test_going_back_past_the_salts_is_refused_while_a_licence_has_one(licensing: Any) -> None:
    from django.db.migrations.executor import MigrationExecutor

    licence, _id_number = sole_trader(licensing)
    with pytest.raises(RuntimeError, match=licence.identifier):
        MigrationExecutor(connection).migrate(
            [("licences", "0005_mask_personal_data_in_reasons_and_purposes")]
        )
    executor = MigrationExecutor(connection)
    assert ("licences", "0006_licences_signed_with_a_salt") in executor.loader.applied_migrations
    assert verification.verify_licence(Licence.objects.get(pk=licence.pk)).valid


def test_a_staff_export_of_the_signed_document_is_recorded_once(licensing: Any) -> None:
    licence = licensing.person_licence()
    before = AuditEvent.objects.filter(action="personal_data.view").count()
    answer = Client().get(
        f"/api/v1/licences/{licence.pk}/document", headers=bearer(licensing.decider)
    )
    assert answer.status_code == 200
    events = AuditEvent.objects.filter(action="personal_data.view").order_by("id")[before:]
    assert [e.data["purpose"] for e in events] == ["导出证照文件"]
