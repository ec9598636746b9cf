"""Open311 GeoReport v2, included at /open311/v2/ (see the open311 package)."""

from django.urls import path, re_path

from shanshui.complaints.open311 import views

app_name = "open311"

# The format suffix is matched loosely and checked by the views, so that an unknown one gets
# a 404 error document rather than Django's HTML page.
FMT = r"\.(?P<fmt>[A-Za-z0-9_-]+)$"

urlpatterns = [
    path("", views.index, name="index"),
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.service_list, name="services"),
    re_path(r"^services/(?P<code>[^/]+?)" + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.requests_view, name="requests"),
    re_path(r"^requests/(?P<request_id>[^/]+?)" + FMT, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FMT, views.token_detail, name="token"),
    re_path(r"^servicerequestupdates" + FMT, views.request_updates, name="updates"),
    re_path(r"^(?P<path>.+)$", views.not_found),
]
