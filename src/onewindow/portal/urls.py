"""The citizen's site: the portal's own pages, then the catalogue's and the applicant's, each app
keeping its routes beside its views (no app imports another app's views)."""

from django.urls import path

from onewindow.accounts import urls as accounts
from onewindow.applications import urls as applications
from onewindow.catalog import urls as catalog
from onewindow.portal import tickets_views, views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("personal/", views.audience, {"kind": "personal"}, name="personal"),
    path("enterprise/", views.audience, {"kind": "enterprise"}, name="enterprise"),
    path("departments/", views.department_list, name="departments"),
    path("departments/<slug:slug>/", views.department_detail, name="department"),
    path("interaction/", views.interaction, name="interaction"),
    path("lang/<str:code>/", views.switch_language, name="language"),
    path("elderly/<str:mode>/", views.switch_elderly, name="elderly"),
    path("privacy/", views.privacy, name="privacy"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/register/", views.register_view, name="register"),
    path("accounts/password-reset/", views.password_reset_view, name="password_reset"),
    path("accounts/sms-code/", views.sms_code_fragment, name="sms_code"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("my/", views.my_space, name="my_space"),
    path("my/tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
    # 12345 and the mayor's mailbox (tickets): file, follow, reopen; published letters.
    path("tickets/new/", tickets_views.file_ticket, name="ticket_new"),
    path("tickets/<str:number>/filed/", tickets_views.filed, name="ticket_filed"),
    path("my/tickets/", tickets_views.my_tickets, name="my_tickets"),
    path("my/tickets/<str:number>/", tickets_views.my_ticket, name="ticket"),
    path("my/tickets/<str:number>/reopen/", tickets_views.reopen, name="ticket_reopen"),
    path("mailbox/", tickets_views.mailbox, name="mailbox"),
    path("mailbox/write/", tickets_views.write_letter, name="mailbox_write"),
    path("mailbox/letters/<str:number>/", tickets_views.letter, name="letter"),
    *accounts.urlpatterns,
    *catalog.urlpatterns,
    *applications.urlpatterns,
]
