from django.http import HttpRequest, JsonResponse
from django.urls import path


def ok(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [path("", ok)]
