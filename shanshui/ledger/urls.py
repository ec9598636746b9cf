from django.urls import path

from shanshui.ledger import views, views_map

app_name = "ledger"

urlpatterns = [
    path("", views.ledger_list, name="list"),
    path("bulk/", views.ledger_bulk, name="bulk"),
    path("my/", views.my_tasks, name="my"),
    path("map/", views_map.ledger_map, name="map"),
    path("map/points.json", views_map.ledger_map_points, name="map_points"),
    path("new/", views.task_new, name="new"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    # Before the actions' pattern, which "print" would match.
    path("tasks/<int:pk>/print/", views.print_sheet, name="print_sheet"),
    path("tasks/<int:pk>/print/sign-off/", views.print_sign_off, name="print_sign_off"),
    path("tasks/<int:pk>/<slug:action>/", views.task_action, name="action"),
    path("tasks/<int:pk>/<slug:action>/form/", views.action_form, name="action_form"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/", views.notification_open, name="notification"),
]
