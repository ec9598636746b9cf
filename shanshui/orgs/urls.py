from django.urls import path

from shanshui.orgs import views

urlpatterns = [
    path("", views.home, name="home"),
    path("units/", views.directory, name="directory"),
    path("units/<int:unit_id>/", views.unit_detail, name="unit_detail"),
    path("units/<int:unit_id>/people/", views.unit_people, name="unit_people"),
    path(
        "memberships/<int:membership_id>/revoke/", views.membership_revoke, name="membership_revoke"
    ),
    path("account/", views.account, name="account"),
    path("account/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
