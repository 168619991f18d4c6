from django.contrib import admin
from django.urls import include, path

from onewindow.api import api
from onewindow.core.views import healthz

# Errors answer pages in the site's layout and language, the API in its envelope (core.views).
# With the database unreachable, pages and the API answer 503 with Retry-After (core.views).
handler400 = "onewindow.core.views.bad_request"
handler403 = "onewindow.core.views.forbidden"
handler404 = "onewindow.core.views.not_found"
handler500 = "onewindow.core.views.server_error"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    # Open311 GeoReport v2 (usually answered earlier by tickets.open311.Open311Lane).
    path("open311/v2/", include("onewindow.tickets.open311_urls")),
    path("admin/catalog/io/", include("onewindow.catalog.admin_urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("workbench/", include("onewindow.workbench.urls")),
    path("licences/", include("onewindow.licences.urls")),
    path("", include("onewindow.portal.urls")),
]
