from django.urls import path

from shanshui.directives import views

app_name = "directives"

urlpatterns = [
    path("", views.documents, name="documents"),
    path("new/", views.document_new, name="new"),
    path("<int:pk>/", views.document, name="document"),
    path("<int:pk>/commit/", views.document_commit, name="commit"),
    path("directive/<int:pk>/edit/", views.directive_edit, name="edit"),
    path("directive/<int:pk>/merge/", views.directive_merge, name="merge"),
    path("directive/<int:pk>/split/", views.directive_split, name="split"),
]
