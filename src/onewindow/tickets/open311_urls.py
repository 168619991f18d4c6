"""Open311 GeoReport v2, included at ``open311/v2/``: one view routes every path (``open311.ROUTES``),
so an unknown path or format is answered in Open311's error form too. ``open311.Open311Lane``
usually answers these paths before the URLconf is reached."""

from django.urls import re_path

from onewindow.tickets import open311

app_name = "api-open311"  # an API, not a page: the page-access matrix and the crawl skip "api-"
urlpatterns = [re_path(r"^(?P<rest>.*)$", open311.endpoint, name="endpoint")]
