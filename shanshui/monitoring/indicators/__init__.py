"""District indicators of the pollution-prevention battles (蓝天、碧水保卫战): read-only selectors.

Air and water quality figures are published information: every logged-in user may read every
district's figures, so nothing here is scoped (the views still require a login).

Definitions (the pages and ``/api/v1/`` show exactly these numbers):

* **Period**: a calendar year, or one month of it. A period that has not ended yet is computed
  on the days that have data ("year to date") and its assessments are flagged ``provisional``.
* **Air, per district**: from the district's ``AirDaily`` rows (``station`` empty; their daily
  concentrations are the means of the district's stations, HJ 663) the arrays of the seven daily
  statistics, the daily AQI, its level and the ``complete`` flag are rebuilt as an
  :class:`airstats.DailyStats` covering the whole period, and :func:`airstats.annual_statistics`
  / :func:`airstats.monthly_statistics` compute the period statistics — the figures are airstats'
  figures on the stored daily values:

  - good-air-day ratio (优良天数比例) = complete days with AQI ≤ 100 / complete days, shown in per
    cent with one decimal (GB/T 8170 half-even rounding of the exact ratio);
  - heavy-pollution days (重污染天数) = complete days with AQI > 200;
  - PM2.5 mean = mean of the valid daily PM2.5 values, an integer in µg/m³. airstats gives it only
    when the period is valid (GB 3095-2012 Table 4: a year ≥ 324 days and ≥ 27 in every month,
    25 in February; a month ≥ 27/25). When it is not (a year in progress, gaps in the data) the
    same arithmetic (sum of the rounded daily values, exact half-even division) gives the mean
    of the days there are, flagged ``valid=False`` — the "1—N月" figure of monthly bulletins.

* **Air, city**: the city's daily concentrations are the means over all its air stations of their
  daily values (each of the seven statistics over the stations that have it), rounded like a
  daily value (integers, CO to 0.1 mg/m³; half-even on the exact mean); the city's AQI is
  computed from them with the standard of the day (HJ 633-2012 before 2026-03-01, HJ 633-2026,
  provisional, from then); a day is complete when every pollutant has a value. The period
  figures then follow exactly as for a district.
* **Limits**: periods reaching 2026-03-01 fall under GB 3095-2026, whose limits are not built
  in: airstats is given the GB 3095-2012 Class II limits explicitly and the period is flagged
  ``provisional_limits`` (none of the five indicators depends on limits; exceedance days do).
* **Water, per section**: the section's class for a period is the GB 3838-2002 single-factor
  class (:func:`water.classify_sample`) of the arithmetic means of each item over the period's
  samples (地表水环境质量评价办法: several samples in a period are judged on their means). A
  district's "class III or better" share = sections of class I–III / sections with a class, in
  per cent with one decimal; 劣V sections = sections whose period class is worse than V.
* **Targets**: the office's :class:`Target` for the district and the period's year. Met when the
  shown (rounded) value is at or above a floor (``HIGHER_IS_BETTER``) or at or below a ceiling;
  gap = value − target. In a month view the annual ceiling on heavy-pollution days is not
  compared. Statuses: ``met``, ``missed``, ``no_target``, ``no_data``, ``not_assessed``.
* **Ranking**: by good-day ratio (highest first) or PM2.5 mean (lowest first); districts without
  the figure come last; equal figures share a rank (1, 2, 2, 4).

Query count: an overview is a fixed number of queries (stations, districts, the district rows of
the period, the city's per-day aggregates, the water samples, the targets) whatever the number
of days or districts; the arithmetic is numpy on (districts × days) arrays.

**The modules**: :mod:`.periods` (the period, the per-cent rounding), :mod:`.air`, :mod:`.water`,
:mod:`.targets` (the five indicators, targets and their assessment), :mod:`.ranking` (a
district's row of assessments, ranks) and :mod:`.districts` (the overview of every district and
one district's detail, built from the others).
"""
