from django.urls import path

from shanshui.complaints import views, views_import

app_name = "complaints"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("my/", views.my_cases, name="my"),
    path("new/", views.case_new, name="new"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/<slug:action>/", views.case_action, name="action"),
    path("photos/<int:pk>/", views.photo_original, name="photo_original"),
    path("batches/", views.batches, name="batches"),
    path("batches/new/", views.batch_new, name="batch_new"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/import/", views_import.batch_import, name="batch_import"),
    path("moderation/", views.moderation, name="moderation"),
]
