from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    default = True
    name = "shanshui.orgs"
    label = "orgs"
    verbose_name = _("Organisations and responsibility")

    def ready(self) -> None:
        # Imported here, not at the top: the loader imports the models, which Django lets no
        # module import before the app registry is ready — and this module is read to fill it.
        from shanshui.orgs.loader import load_reference_units_after_migrate

        # The city's reference units are kept in step with the shipped data on every migrate
        # (and after test flushes), idempotently: see loader.py.
        post_migrate.connect(load_reference_units_after_migrate, sender=self)


class ShanshuiAdminConfig(admin_apps.AdminConfig):
    default = False
    default_site = "shanshui.orgs.admin_site.ShanshuiAdminSite"
