"""Staff open an application's materials from the task page; applicants open their own. Nobody
else can, and every staff opening is in the audit trail."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from onewindow.core.models import AuditEvent
from onewindow.testing.factories import PDF, PNG, PersonFactory
from onewindow.workbench.tests.helpers import as_user, submitted

pytestmark = pytest.mark.django_db


def test_department_staff_see_materials_next_to_the_form(world: Any, api: Any) -> None:
    application = submitted(world, api, PNG, "照片.png")
    task = application.tasks.get()
    image, plan = application.materials.order_by("material_index")
    clerk = as_user(world.people["clerk"])
    page = clerk.get(f"/workbench/tasks/{task.pk}/").content.decode()
    assert f'<img src="/workbench/materials/{image.pk}/"' in page  # previewed beside the form
    assert f'<iframe src="/workbench/materials/{plan.pk}/"' in page
    assert f'<a href="/workbench/materials/{plan.pk}/"' in page  # the fallback without frames

    response = clerk.get(f"/workbench/materials/{plan.pk}/")
    assert response.status_code == 200
    assert response.getvalue() == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "SAMEORIGIN"  # the task page may frame it
    assert clerk.get(f"/workbench/materials/{image.pk}/")["Content-Type"] == "image/png"
    viewed = AuditEvent.objects.filter(action="material.view", actor_id=world.people["clerk"].pk)
    assert viewed.count() == 2


def test_staff_of_another_department_cannot_open_materials(world: Any, api: Any) -> None:
    application = submitted(world, api)
    material = application.materials.first()
    assert material is not None
    other = as_user(world.people["other_clerk"])  # fire brigade: no task on this application yet
    assert other.get(f"/workbench/materials/{material.pk}/").status_code == 404
    assert not AuditEvent.objects.filter(action="material.view").exists()


def test_the_applicant_opens_their_own_materials_only(world: Any, api: Any) -> None:
    application = submitted(world, api)
    material = application.materials.get(material_index=1)
    url = f"/my/applications/{application.number}/files/{material.pk}/"
    owner = as_user(world.citizen)
    detail = owner.get(f"/my/applications/{application.number}/").content.decode()
    assert f'href="{url}"' in detail
    response = owner.get(url)
    assert response.status_code == 200
    assert response.getvalue() == PDF
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert as_user(PersonFactory.create()).get(url).status_code == 404
    # A citizen cannot use the staff address either.
    assert owner.get(f"/workbench/materials/{material.pk}/").status_code == 403
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    anonymous = Client().get(f"/workbench/materials/{material.pk}/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
