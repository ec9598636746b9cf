"""Loading monitoring data from CSV files: parsing, validation and bulk upserts.

**Hourly air readings** (the national platform's layout): a header row, then one row per station
and hour. Columns are found by their header, in any order (spaces, case, full-width forms and a
unit in brackets do not matter):

* station code — 站点编码 / 监测点编码 / code / station_code (CNEMC's ``stationcode``);
* the time — 时间 / 监测时间 / time / datetime (CNEMC's ``timepoint``) as ``2026-01-01 01:00``,
  ``2026/1/1 1:00``, ``2026-01-01T01:00:00+08:00`` (an offset is converted; without one the time
  is Beijing time), or a date column (日期 / date: ``2026-01-01``, ``2026/1/1``, ``20260101``)
  plus an hour column (小时 / hour: ``0``–``24``, ``1:00``, ``1时``);
* the hourly values SO2, NO2, PM10, PM2.5 (PM2_5, PM25), CO (mg/m³), O3 (1-h). Other columns
  (O3_8h, PM2.5_24h, AQI, station names …) are ignored and listed as ignored.

The time is the hour's label as CNEMC publishes it: the value labelled 01:00 is the mean of
00:00–01:00, so a day's readings are labelled 01:00 … 24:00 (= the next day's 00:00); ``24:00``
is accepted. Times are stored in UTC; Beijing time is UTC+8 all year (no daylight saving since
1991), which the loader and the daily computation use as a fixed offset.

CNEMC's own archive files (``date,hour,type,1001A,1002A,…``: one row per hour and pollutant, one
column per station) are read too. In that wide layout a station column whose code is not in our
register is ignored (a national file holds every station in China), and reported as ignored.

Missing values: empty, ``—``, ``-``, ``--``, ``NA``, ``N/A``, ``NaN``, ``null``. A value that is
not a number, negative, infinite or absurdly large (> ``airstats.MAX_HOURLY``) is an error.

**Water samples**: station (section) code, sampling date (采样日期 / 监测日期 / date),
one column per GB 3838 item by its code or usual Chinese name (pH, 溶解氧 DO,
高锰酸盐指数 CODMn, 化学需氧量 COD, 五日生化需氧量 BOD5, 氨氮 NH3N, 总磷 TP, 总氮 TN,
铜, 锌, 氟化物, 硒, 砷, 汞, 镉, 六价铬, 铅, 氰化物, 挥发酚, 石油类,
阴离子表面活性剂, 硫化物, 粪大肠菌群). The class is computed by ``water.classify_sample`` with
the section's waterbody (river, or lake/reservoir).

**Files**: UTF-8 with or without BOM, UTF-16 with BOM, or GB18030 (a superset of GBK/GB2312,
what Excel saves in China) — decided by decoding the whole file in 1 MiB chunks before anything
else (a fraction of a second for 200 MB). Comma-, tab- or semicolon-separated. At most
``max_bytes`` (settings ``SHANSHUI_MONITORING_CSV_MAX_BYTES``, default 200 MB; the upload page
uses 20 MB). A workbook, PDF or other binary file is refused with a message saying what it is.

**All or nothing, in one streaming pass, with flat memory** (how 10M rows stay cheap):

1. Everything happens in one database transaction.
2. One pass reads the CSV (the ``csv`` module), checks every row — known station of the right
   kind, readable time on the hour, values, duplicates of station and hour within the file — and
   streams the good rows into a temporary staging table: on PostgreSQL through psycopg 3
   ``cursor.copy("COPY … FROM STDIN")``, on SQLite with ``executemany`` in batches of 5,000 rows.
   No per-row object is kept in Python: station codes and time strings are looked up in bounded
   caches, and duplicates are found with one byte per station-hour seen (a ``bytearray`` per
   station and block of 1,024 hours: ~1 byte per row, 10 MB for 10M rows).
3. Row errors are listed by row number (the record number, as a spreadsheet shows it; the header
   row included) and column, with messages for the user; after :data:`.results.MAX_ERRORS` the
   pass stops. If there is any error the transaction is rolled back: the staging table and
   everything written vanish.
4. Otherwise the readings are merged with one ``INSERT … SELECT … ON CONFLICT (station_id, hour)
   DO UPDATE SET … WHERE <a value differs>``: re-importing a file changes nothing and writes
   nothing; a changed value updates its row; a pollutant the file has no column for keeps its
   stored value. New, changed and unchanged rows are counted and the (station, day) pairs
   touched by new or changed rows are collected in a second temporary table — on PostgreSQL
   from the upsert's ``RETURNING`` (``xmax = 0`` marks an inserted row), on SQLite by a join of
   the staged rows with the stored ones before the upsert. A dry run does that join (on both)
   and stops there: its counts are exact, and it rolls back.
5. The daily values (``AirDaily``) of the touched station-days and of their districts are
   recomputed by ``daily.py``, still inside the transaction.

Water files are small (monthly samples): they are read into memory (at most
:data:`.water.WATER_MAX_ROWS` rows), checked, and written with the ORM in one transaction.

**The modules**, in the order a file meets them:

* :mod:`.files` — the file as a whole (type, size, encoding, delimiter) and the preamble both
  imports share (:func:`.files.load_checked`);
* :mod:`.headers` — finding the header row and the field of each column (pure);
* :mod:`.parsing` — one cell: hour labels, dates, concentrations (pure);
* :mod:`.checks` — the station register and the user's messages for a bad cell;
* :mod:`.air` — the air pass and its entry points (:func:`.air.load_air_csv`,
  :func:`.air.load_air_rows`); :mod:`.stage` — its staging table and merge SQL;
* :mod:`.water` — the water pass and its entry point (:func:`.water.load_water_csv`);
* :mod:`.results` — :class:`.results.ImportResult`, what an import found and did.
"""
