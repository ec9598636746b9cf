"""Each page module keeps its own urlpatterns; this module joins them under /reports/."""

from shanshui.reports import views_bulletin, views_dashboard, views_export, views_import

app_name = "reports"

urlpatterns = [
    *views_dashboard.urlpatterns,
    *views_import.urlpatterns,
    *views_export.urlpatterns,
    *views_bulletin.urlpatterns,
]
