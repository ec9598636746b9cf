from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CarbonConfig(AppConfig):
    name = "shanshui.carbon"
    label = "carbon"
    verbose_name = _("Dual carbon")

    def ready(self) -> None:
        post_migrate.connect(restore_default_factors, sender=self)


def restore_default_factors(sender, using="default", **kwargs) -> None:
    """The default factor sets come with migration 0002; a database emptied since (a flush, as
    transactional tests end with) gets them back. Never touches factors that exist, so the
    office's edits stay."""
    from importlib import import_module

    from django.apps import apps
    from django.db import connections

    if "carbon_energytype" not in connections[using].introspection.table_names():
        return
    if apps.get_model("carbon", "EnergyType").objects.using(using).exists():
        return
    import_module("shanshui.carbon.migrations.0002_factor_sets").load(apps, None)
