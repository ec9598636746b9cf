"""Pollution-prevention monitoring (污染防治): air and water stations, readings and evaluation.

The standards' arithmetic lives in plain typed modules with no Django imports:

* :mod:`shanshui.monitoring.aqi` — AQI / IAQI per HJ 633-2012 (and a provisional HJ 633-2026
  profile);
* :mod:`shanshui.monitoring.airstats` — daily, monthly and annual air statistics per
  GB 3095-2012 / HJ 663-2013;
* :mod:`shanshui.monitoring.water` — single-factor surface-water classification per GB 3838-2002;
* :mod:`shanshui.monitoring.loading.parsing`, :mod:`shanshui.monitoring.loading.headers` — the
  cells and columns of an imported CSV file.

Imports are in ``loading/``, the figures the pages show in ``indicators/``, every business action
in ``services.py``.
"""
