"""The catalogue's public pages (guide, search, bundles, topics, a department's powers), wired
into the portal's address space by ``portal.urls`` under the ``portal`` namespace."""

from django.urls import path

from onewindow.catalog import views as catalog

urlpatterns = [
    path("departments/<slug:slug>/powers/", catalog.powers, name="powers"),
    path("search/", catalog.search_page, name="search"),
    path("search/suggest/", catalog.suggest_fragment, name="suggest"),
    path("items/<int:item_id>/", catalog.guide, name="guide"),
    path("bundles/<slug:slug>/", catalog.bundle_page, name="bundle"),
    path("<str:audience>/topics/<slug:topic>/", catalog.topic, name="topic"),
]
