"""Public pages of public supervision, included at the site root (no login)."""

from django.urls import path

from shanshui.complaints import views_public as views

app_name = "complaints_public"

urlpatterns = [
    path("report/", views.report, name="report"),
    # The tracking code travels in the session, not the URL (the <code> paths: old links).
    path("report/done/", views.report_done, name="report_done"),
    path("report/done/<str:code>/", views.report_done_link, name="report_done_link"),
    path("report/track/", views.track, name="track"),
    path("report/track/status/", views.track_detail, name="track_detail"),
    path("report/track/add/", views.track_add_info, name="track_add_info"),
    path("report/track/rate/", views.track_rate, name="track_rate"),
    path("report/nearby/", views.nearby, name="nearby"),
    path("report/track/<str:code>/", views.track_link, name="track_link"),
    path("public/complaints/", views.public_list, name="list"),
    path("public/complaints/stats/", views.stats_page, name="stats"),
    path("public/complaints/batches/", views.batches, name="batches"),
    path("public/complaints/batches/<int:pk>/", views.batch, name="batch"),
    path("public/complaints/batches/<int:pk>/xlsx/", views.batch_xlsx, name="batch_xlsx"),
    path("public/complaints/photos/<int:pk>/", views.photo, name="photo"),
    path("public/complaints/<str:code>/", views.public_detail, name="detail"),
]
