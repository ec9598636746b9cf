"""Open311 GeoReport v2, included at /open311/v2/ (see open311.py)."""

from django.urls import path, re_path

from shanshui.complaints import open311

app_name = "open311"

# The format suffix is matched loosely and checked by the views, so that an unknown one gets
# a 404 error document rather than Django's HTML page.
FMT = r"\.(?P<fmt>[A-Za-z0-9_-]+)$"

urlpatterns = [
    path("", open311.index, name="index"),
    re_path(r"^discovery" + FMT, open311.discovery, name="discovery"),
    re_path(r"^services" + FMT, open311.service_list, name="services"),
    re_path(r"^services/(?P<code>[^/]+?)" + FMT, open311.service_definition, name="service"),
    re_path(r"^requests" + FMT, open311.requests_view, name="requests"),
    re_path(r"^requests/(?P<request_id>[^/]+?)" + FMT, open311.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FMT, open311.token_detail, name="token"),
    re_path(r"^servicerequestupdates" + FMT, open311.request_updates, name="updates"),
    re_path(r"^(?P<path>.+)$", open311.not_found),
]
