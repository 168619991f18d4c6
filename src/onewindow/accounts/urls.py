"""The identity app's pages in the citizen's space, wired into the portal's address space by
``portal.urls`` under the ``portal`` namespace."""

from django.urls import path

from onewindow.accounts import views

urlpatterns = [
    path("my/account/", views.account_page, name="account"),
    path("my/account/phone/", views.change_phone, name="change_phone"),
    path("my/enterprises/", views.my_enterprises, name="my_enterprises"),
    path("my/enterprises/<str:uscc>/", views.my_enterprise, name="my_enterprise"),
    path(
        "my/enterprises/<str:uscc>/agents/<int:agency_id>/revoke/",
        views.revoke_agent,
        name="revoke_agent",
    ),
]
