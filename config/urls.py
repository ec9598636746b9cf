from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from config.api import api
from shanshui.ledger import views as ledger_views
from shanshui.lib.metrics import metrics_view
from shanshui.orgs.forms import LockoutAuthenticationForm
from shanshui.orgs.views import PasswordChangeView, healthz

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=LockoutAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "account/password/",
        PasswordChangeView.as_view(success_url=reverse_lazy("password_change_done")),
        name="password_change",
    ),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),  # internal: allow-list or token
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("ledger/", include("shanshui.ledger.urls")),
    path("complaints/", include("shanshui.complaints.urls")),
    path("reports/", include("shanshui.reports.urls")),
    path("monitoring/", include("shanshui.monitoring.urls")),
    path("directives/", include("shanshui.directives.urls")),
    path("carbon/", include("shanshui.carbon.urls")),
    path("open311/v2/", include("shanshui.complaints.open311_urls")),
    path("", include("shanshui.complaints.urls_public")),
    path("public/rectification/", ledger_views.public_list, name="public_rectification"),
    path(
        "public/rectification/objection/",
        ledger_views.objection_track,
        name="public_objection_track",
    ),
    path(
        "public/rectification/<int:pk>/",
        ledger_views.public_detail,
        name="public_rectification_detail",
    ),
    path("", include("shanshui.orgs.urls")),
]

# A database outage anywhere is a 503 "try again shortly", not the generic 500 page.
handler500 = "shanshui.lib.observability.server_error"
