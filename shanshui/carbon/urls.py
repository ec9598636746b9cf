from django.urls import path

from shanshui.carbon import views, views_markets, views_projects, views_targets

app_name = "carbon"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("districts/<int:pk>/", views.district, name="district"),
    path("districts/<int:pk>/<int:year>/rows/", views.district_rows, name="rows"),
    path("export.xlsx", views.export, name="export"),
    path("import/", views.data_import, name="import"),
    path("factors/", views.factors, name="factors"),
    path("factors/<int:pk>/edit/", views.factor_edit, name="factor_edit"),
    path("factors/use/<slug:kind>/<int:pk>/", views.set_use, name="set_use"),
    path("factors/grid/<int:pk>/", views.grid_factor_save, name="grid_factor_save"),
    path("factors/recompute/", views.recompute_status, name="recompute_status"),
    path("factors/recompute/again/", views.recompute_again, name="recompute_again"),
    path("targets/", views_targets.target_list, name="targets"),
    path("targets/new/", views_targets.target_edit, name="target_new"),
    path("targets/<int:pk>/", views_targets.target_detail, name="target"),
    path("targets/<int:pk>/edit/", views_targets.target_edit, name="target_edit"),
    path("targets/<int:pk>/task/", views_targets.target_task, name="target_task"),
    path("market/", views_markets.enterprise_list, name="market"),
    path("market/export.xlsx", views_markets.enterprise_export, name="market_export"),
    path("market/<int:pk>/", views_markets.enterprise_detail, name="market_enterprise"),
    path("market/energy.xlsx", views_markets.energy_export, name="market_energy_export"),
    path("projects/", views_projects.project_list, name="projects"),
    path("projects/export.xlsx", views_projects.project_export, name="projects_export"),
    path("projects/new/", views_projects.project_new, name="project_new"),
    path("projects/<int:pk>/", views_projects.project_detail, name="project"),
    path(
        "projects/<int:pk>/<slug:action>/",
        views_projects.project_action,
        name="project_action",
    ),
]
