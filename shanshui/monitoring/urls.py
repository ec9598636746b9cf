from django.urls import path

from shanshui.monitoring import views, views_import

app_name = "monitoring"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("districts/<int:pk>/", views.district, name="district"),
    path(
        "districts/<int:pk>/tasks/<slug:indicator>/",
        views.task_from_miss,
        name="task_from_miss",
    ),
    path("stations/<int:pk>/", views.station, name="station"),
    path("targets/", views.targets, name="targets"),
    *views_import.urlpatterns,  # the data helper's CSV import pages (office)
]
