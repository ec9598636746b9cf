"""Monitoring data for the pollution-prevention battles (蓝天、碧水保卫战): stations and water
sections, hourly air readings, water samples, the daily statistics computed from them by the
pure modules (aqi.py, airstats.py, water.py), and the targets the office sets per district.

Readings are stored as they arrive (idempotent loads keyed by station and time); daily values
are derived and stored for the pages, recomputed for the days a load touched.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from shanshui.orgs.models import Unit


class StationKind(models.TextChoices):
    AIR = "air", _("Air station")  # 空气质量监测站点
    WATER = "water", _("Water section")  # 地表水监测断面


class ControlLevel(models.TextChoices):
    NATIONAL = "national", _("National control")  # 国控
    CITY = "city", _("City control")  # 市控
    DISTRICT = "district", _("District control")  # 区县控


class Waterbody(models.TextChoices):
    RIVER = "river", _("River")  # 河流
    LAKE = "lake", _("Lake or reservoir")  # 湖库 (total phosphorus limits differ)


class Station(models.Model):
    """An air monitoring station or a surface-water section, in a district."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=8, choices=StationKind.choices)
    district = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="stations", verbose_name=_("district")
    )
    control_level = models.CharField(
        _("control level"),
        max_length=10,
        choices=ControlLevel.choices,
        default=ControlLevel.NATIONAL,
    )
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    # Water sections only.
    waterbody = models.CharField(
        _("waterbody"), max_length=8, choices=Waterbody.choices, blank=True
    )
    river = models.CharField(_("river or lake"), max_length=80, blank=True)
    target_class = models.PositiveSmallIntegerField(
        _("target class"),
        null=True,
        blank=True,
        help_text=_("Water quality class the section must reach: 1 (I) to 5 (V)."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        ordering = ["kind", "district__path", "code"]
        indexes = [models.Index(fields=["kind", "district"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class AirHourly(models.Model):
    """One station-hour of the national platform's hourly data (µg/m³; CO mg/m³).

    ``hour`` is the hour's label as published, in local time: the value labelled 01:00 is the
    mean of 00:00–01:00 (CNEMC), so a day's readings are labelled 01:00 … 24:00 (the next day's
    00:00). NULL = missing.
    """

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    so2 = models.FloatField(null=True, blank=True)
    no2 = models.FloatField(null=True, blank=True)
    pm10 = models.FloatField(null=True, blank=True)
    pm25 = models.FloatField(null=True, blank=True)
    co = models.FloatField(null=True, blank=True)
    o3 = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("hourly air reading")
        verbose_name_plural = _("hourly air readings")
        constraints = [
            models.UniqueConstraint(fields=["station", "hour"], name="monitoring_airhourly_key")
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.hour:%Y-%m-%d %H:%M}"


class AirDaily(models.Model):
    """A station's (or, with ``station`` empty, a district's) daily values and AQI, computed by
    airstats.py from the hourly data. A district's daily concentrations are the means of its
    stations' daily values (HJ 663), and its AQI is computed from them."""

    station = models.ForeignKey(
        Station, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    district = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    so2 = models.FloatField(null=True, blank=True)
    no2 = models.FloatField(null=True, blank=True)
    pm10 = models.FloatField(null=True, blank=True)
    pm25 = models.FloatField(null=True, blank=True)
    co = models.FloatField(null=True, blank=True)
    o3_1h_max = models.FloatField(null=True, blank=True)
    o3_8h_max = models.FloatField(null=True, blank=True)
    aqi = models.PositiveSmallIntegerField(null=True, blank=True)
    level = models.PositiveSmallIntegerField(null=True, blank=True)  # 1 优 … 6 严重污染
    primary = models.CharField(max_length=40, blank=True)  # "PM2.5,O3"
    complete = models.BooleanField(default=False)  # counts for good-day ratios
    standard = models.CharField(max_length=12, blank=True)  # HJ633-2012 | HJ633-2026

    class Meta:
        verbose_name = _("daily air values")
        verbose_name_plural = _("daily air values")
        constraints = [
            models.UniqueConstraint(
                fields=["station", "day"],
                condition=models.Q(station__isnull=False),
                name="monitoring_airdaily_station_day",
            ),
            models.UniqueConstraint(
                fields=["district", "day"],
                condition=models.Q(station__isnull=True),
                name="monitoring_airdaily_district_day",
            ),
        ]
        indexes = [models.Index(fields=["district", "day"])]

    def __str__(self) -> str:
        return f"{self.station_id or self.district_id} {self.day} AQI {self.aqi}"


class WaterSample(models.Model):
    """One sample of a water section (mg/L; fecal coliform per L), with its class per GB 3838
    computed by water.py."""

    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="samples")
    sampled_on = models.DateField(_("sampled on"))
    values = models.JSONField(default=dict)  # item code → value, as water.ITEMS
    water_class = models.PositiveSmallIntegerField(null=True, blank=True)  # 1..5, 6 = 劣V
    main_pollutants = models.CharField(max_length=120, blank=True)

    class Meta:
        verbose_name = _("water sample")
        verbose_name_plural = _("water samples")
        ordering = ["station", "sampled_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "sampled_on"], name="monitoring_watersample_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.sampled_on}"


class Indicator(models.TextChoices):
    GOOD_DAY_RATIO = "good_day_ratio", _("Good-air-day ratio (%)")  # 优良天数比例 ≥
    PM25_MEAN = "pm25_mean", _("PM2.5 mean (µg/m³)")  # ≤
    HEAVY_DAYS = "heavy_days", _("Heavy pollution days")  # 重污染天数 ≤
    WATER_GOOD_RATIO = "water_good_ratio", _("Sections at class III or better (%)")  # ≥
    WATER_INFERIOR_V = "water_inferior_v", _("Sections worse than class V")  # 劣V ≤


# Whether a higher value is better (the target is a floor) or worse (a ceiling).
HIGHER_IS_BETTER = {
    Indicator.GOOD_DAY_RATIO: True,
    Indicator.PM25_MEAN: False,
    Indicator.HEAVY_DAYS: False,
    Indicator.WATER_GOOD_RATIO: True,
    Indicator.WATER_INFERIOR_V: False,
}


class Target(models.Model):
    """A district's target for a year (the office sets them; 目标任务)."""

    district = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    indicator = models.CharField(_("indicator"), max_length=20, choices=Indicator.choices)
    value = models.DecimalField(_("target"), max_digits=8, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["year", "district__path", "indicator"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "year", "indicator"], name="monitoring_target_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.district} {self.year} {self.get_indicator_display()} {self.value}"
