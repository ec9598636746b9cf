from django.urls import path

from shanshui.ledger import views

app_name = "ledger"

urlpatterns = [
    path("", views.ledger_list, name="list"),
    path("my/", views.my_tasks, name="my"),
    path("new/", views.task_new, name="new"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/<slug:action>/", views.task_action, name="action"),
    path("tasks/<int:pk>/<slug:action>/form/", views.action_form, name="action_form"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/", views.notification_open, name="notification"),
]
