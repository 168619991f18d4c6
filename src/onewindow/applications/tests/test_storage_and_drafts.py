"""Uploads cannot fill the disk: a file lives exactly as long as a committed row uses it, and a
person keeps a bounded number of drafts."""

from __future__ import annotations

import os
import time
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from onewindow.accounts.services import issue_token
from onewindow.applications import files, services, trust
from onewindow.applications.models import Application, ApplicationMaterial
from onewindow.applications.tests.test_concurrency import race
from onewindow.testing.factories import PDF, PNG

pytestmark = pytest.mark.django_db
BACKEND = "onewindow.accounts.backends.AccountBackend"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def stored(media: Path) -> set[str]:
    return {p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file()}


def draft(world: Any) -> Application:
    return services.create_application(world.citizen, world.item, {"area": 60})


def upload(application: Application, user: Any, index: int, content: bytes = PDF) -> Any:
    return services.add_material(application, user, index, "a.pdf", BytesIO(content), len(content))


def test_a_replaced_file_is_deleted_once_the_replacement_commits(
    world: Any, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    application = draft(world)
    with django_capture_on_commit_callbacks(execute=True):
        first = upload(application, world.citizen, 0)
    first_name = first.file.name
    assert stored(media) == {first_name}
    with django_capture_on_commit_callbacks(execute=True):
        second = upload(application, world.citizen, 0, PNG)
    assert stored(media) == {second.file.name}  # the first file is gone, the second is there
    first.refresh_from_db()
    assert first.replaced and not first.file  # the row stays as a record, without the file
    assert services.stored_size(application, -1) == len(PNG)


def test_a_failed_replacement_keeps_the_file_still_in_use_and_removes_the_new_one(
    world: Any, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    application = draft(world)
    with django_capture_on_commit_callbacks(execute=True):
        first = upload(application, world.citizen, 0)
    with pytest.raises(RuntimeError), transaction.atomic():
        upload(application, world.citizen, 0, PNG)
        assert len(stored(media)) == 2  # written...
        raise RuntimeError("the request fails after the upload")
    # ...and rolled back: the replaced file is still the current one, the new file is gone.
    assert stored(media) == {first.file.name}
    current = application.materials.get(replaced=False)
    assert current.pk == first.pk and current.file.name == first.file.name


def test_a_file_whose_row_cannot_be_written_is_removed(
    world: Any, media: Path, monkeypatch: Any
) -> None:
    application = draft(world)

    def fail(*args: Any, **kwargs: Any) -> None:
        raise IntegrityError("the database refused the row")

    monkeypatch.setattr(ApplicationMaterial, "save", fail)
    with pytest.raises(IntegrityError):
        upload(application, world.citizen, 0)
    assert stored(media) == set()


@pytest.mark.django_db(transaction=True)
def test_an_outermost_transaction_that_rolls_back_leaves_no_file(world: Any, media: Path) -> None:
    application = draft(world)
    with pytest.raises(RuntimeError), transaction.atomic():
        upload(application, world.citizen, 0)
        raise RuntimeError("rolled back at the top")
    assert stored(media) == set()
    kept = upload(application, world.citizen, 1)  # committed: the file stays
    assert stored(media) == {kept.file.name}


def test_a_file_reused_elsewhere_stays_when_its_first_row_is_replaced(
    world: Any, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    first = draft(world)
    with django_capture_on_commit_callbacks(execute=True):
        original = upload(first, world.citizen, 1)
    ApplicationMaterial.objects.filter(pk=original.pk).update(trust_level="B")
    second = draft(world)
    with django_capture_on_commit_callbacks(execute=True):
        reused = trust.reuse_checked(second, world.citizen, 1, original.pk)
        upload(first, world.citizen, 1, PNG)  # the first application replaces its copy
    assert reused.file.name == original.file.name and reused.file.name in stored(media)


def test_a_discarded_draft_takes_its_files_with_it(
    world: Any, api: Any, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    application = draft(world)
    with django_capture_on_commit_callbacks(execute=True):
        upload(application, world.citizen, 0)
        upload(application, world.citizen, 1)
    assert len(stored(media)) == 2
    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.citizen).client.delete(
            f"/api/v1/applications/{application.pk}", headers=api(world.citizen).headers
        )
    assert response.status_code == 204
    assert not Application.objects.filter(pk=application.pk).exists()
    assert stored(media) == set()


def test_only_a_draft_can_be_discarded_and_only_by_its_applicant(world: Any, api: Any) -> None:
    application = draft(world)
    upload(application, world.citizen, 0)
    upload(application, world.citizen, 1)
    services.submit_application(application, world.citizen)
    client = api(world.citizen)
    refused = client.client.delete(f"/api/v1/applications/{application.pk}", headers=client.headers)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "invalid_transition"
    assert Application.objects.filter(pk=application.pk).exists()


def test_the_draft_page_deletes_a_draft(world: Any) -> None:
    application = draft(world)
    citizen = Client()
    citizen.force_login(world.citizen, backend=BACKEND)
    page = citizen.get(f"/my/applications/{application.number}/").content.decode()
    assert f"/my/applications/{application.number}/discard/" in page
    ask = citizen.get(f"/my/applications/{application.number}/discard/")
    assert ask.status_code == 200 and "不能恢复" in ask.content.decode()
    assert Application.objects.filter(pk=application.pk).exists()  # asking deletes nothing
    response = citizen.post(f"/my/applications/{application.number}/discard/")
    assert response.status_code == 302 and response["Location"] == "/my/applications/"
    assert not Application.objects.filter(pk=application.pk).exists()


def test_open_drafts_are_capped_per_person(world: Any, api: Any, settings: Any) -> None:
    settings.ONEWINDOW = {**settings.ONEWINDOW, "DRAFTS_MAX_OPEN": 2}
    kept = [draft(world), draft(world)]
    client = api(world.citizen)
    over = client.post("/applications", {"item_id": world.item.pk, "data": {"area": 60}})
    assert over.status_code == 409
    error = over.json()["error"]
    assert error["code"] == "too_many_drafts" and "草稿" in error["fields"]["drafts"][0]

    citizen = Client()
    citizen.force_login(world.citizen, backend=BACKEND)
    page = citizen.post(f"/items/{world.item.pk}/apply/", {"area": "60"})
    assert page.status_code == 409 and "达到上限" in page.content.decode()

    # A submitted application is no longer a draft: room for one more.
    upload(kept[0], world.citizen, 0)
    upload(kept[0], world.citizen, 1)
    services.submit_application(kept[0], world.citizen)
    assert (
        client.post("/applications", {"item_id": world.item.pk, "data": {"area": 60}}).status_code
        == 201
    )
    assert Application.objects.filter(applicant=world.citizen, status="draft").count() == 2


@pytest.mark.django_db(transaction=True)
def test_parallel_requests_cannot_pass_the_drafts_cap(world: Any, settings: Any) -> None:
    settings.ONEWINDOW = {**settings.ONEWINDOW, "DRAFTS_MAX_OPEN": 3}
    draft(world)
    token = issue_token(world.citizen)[0]

    def create() -> Any:
        return Client().post(
            "/api/v1/applications",
            {"item_id": world.item.pk, "data": {"area": 60}},
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    outcomes = race(*[create] * 8)
    assert sorted(status for status, _ in outcomes) == [201] * 2 + [409] * 6
    assert Application.objects.filter(applicant=world.citizen, status="draft").count() == 3


def test_the_sweep_deletes_files_no_row_uses_and_keeps_the_rest(
    world: Any, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    application = draft(world)
    with django_capture_on_commit_callbacks(execute=True):
        current = upload(application, world.citizen, 0)
        old = upload(application, world.citizen, 1)
        newer = upload(application, world.citizen, 1, PNG)
    # Left as before these rules: a replaced row still holding its file, and a file no row names
    # (its process died before committing).
    held = "applications/2020/01/QL-held.pdf"
    (media / held).parent.mkdir(parents=True)
    (media / held).write_bytes(PDF)
    ApplicationMaterial.objects.filter(pk=old.pk).update(file=held)
    orphan = media / "applications/2020/01/QL-orphan.pdf"
    orphan.write_bytes(PDF)
    fresh = media / "applications/2020/01/QL-still-committing.pdf"
    fresh.write_bytes(PDF)
    old_enough = time.time() - 2 * 3600
    for path in (media / held, orphan):
        os.utime(path, (old_enough, old_enough))
    with django_capture_on_commit_callbacks(execute=True):
        report = files.sweep()
    assert report.released == 1
    left = stored(media)
    assert current.file.name in left and newer.file.name in left  # in use
    assert "applications/2020/01/QL-still-committing.pdf" in left  # too young to judge
    assert held not in left and "applications/2020/01/QL-orphan.pdf" not in left


def test_a_material_deleted_in_the_admin_takes_its_file(
    world: Any, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    application = draft(world)
    with django_capture_on_commit_callbacks(execute=True):
        material = upload(application, world.citizen, 0)
    with django_capture_on_commit_callbacks(execute=True):
        ApplicationMaterial.objects.filter(pk=material.pk).delete()
    assert stored(media) == set()
