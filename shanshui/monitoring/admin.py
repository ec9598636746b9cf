"""Admin for monitoring: the station and section register, district targets, and a read-only
view of water samples (they come from imports, their class is computed). For superusers and the
office only, like the rest of the admin (OfficeAdminMixin: every change also goes to the audit
trail). Hourly readings and daily values are loaded and computed, never edited by hand.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shanshui.monitoring import services
from shanshui.monitoring.models import Station, StationKind, Target, WaterSample
from shanshui.orgs.admin import OfficeAdminMixin
from shanshui.orgs.models import TERRITORIAL_KINDS, Unit


def _districts():
    return Unit.objects.filter(kind__in=TERRITORIAL_KINDS).order_by("path")


class StationForm(forms.ModelForm):
    class Meta:
        model = Station
        fields = [
            "code",
            "name",
            "kind",
            "district",
            "control_level",
            "latitude",
            "longitude",
            "waterbody",
            "river",
            "target_class",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = _districts()

    def clean(self):
        data = super().clean()
        if data.get("kind") == StationKind.WATER:
            if not data.get("waterbody"):
                self.add_error("waterbody", _("A water section needs its waterbody."))
            target = data.get("target_class")
            if target is not None and not 1 <= target <= 5:
                self.add_error("target_class", _("The target class is 1 (I) to 5 (V)."))
        return data


@admin.register(Station)
class StationAdmin(OfficeAdminMixin, admin.ModelAdmin):
    form = StationForm
    list_display = [
        "code",
        "name",
        "kind",
        "district",
        "control_level",
        "waterbody",
        "target_class",
        "is_active",
    ]
    list_filter = ["kind", "control_level", "waterbody", "is_active"]
    search_fields = ["code", "name", "river"]
    list_select_related = ["district"]
    ordering = ["kind", "code"]


class TargetForm(forms.ModelForm):
    class Meta:
        model = Target
        fields = ["district", "year", "indicator", "value", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = _districts()

    def clean(self):
        data = super().clean()
        indicator, value = data.get("indicator"), data.get("value")
        if indicator and value is not None:
            try:
                data["value"] = services.clean_target_value(indicator, value)
            except ValidationError as exc:
                self.add_error("value", exc.message_dict.get("value", exc.messages))
        return data


@admin.register(Target)
class TargetAdmin(OfficeAdminMixin, admin.ModelAdmin):
    form = TargetForm
    list_display = ["district", "year", "indicator", "value", "note", "updated_at"]
    list_filter = ["year", "indicator"]
    search_fields = ["district__name", "district__short_name"]
    list_select_related = ["district"]
    readonly_fields = ["updated_at"]


@admin.register(WaterSample)
class WaterSampleAdmin(OfficeAdminMixin, admin.ModelAdmin):
    list_display = ["station", "sampled_on", "water_class", "main_pollutants"]
    list_filter = ["water_class", "station__district"]
    search_fields = ["station__code", "station__name"]
    date_hierarchy = "sampled_on"
    list_select_related = ["station"]
    readonly_fields = ["station", "sampled_on", "values", "water_class", "main_pollutants"]

    def has_add_permission(self, request, *args):
        return False  # samples come from imports (their class is computed)

    def has_change_permission(self, request, obj=None):
        return False
