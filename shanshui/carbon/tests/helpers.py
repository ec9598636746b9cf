"""Small files for the carbon tests."""

from __future__ import annotations

import io

import openpyxl

HEADER = ["区县", "年份", "行业", "能源品种", "消费量", "计量单位"]

# The hand-computed district (test_inventory): 万州区 2023.
WANZHOU_2023 = [
    ["万州区", 2023, "工业/钢铁", "原煤", 1000, "吨"],
    ["万州", 2023, "交通运输", "柴油", 500000, "千克"],
    ["重庆市万州区", 2023, "居民生活", "天然气", 2000000, "立方米"],
    ["万州区", 2023, "工业/钢铁", "电力", 5000, "万千瓦时"],
]


def csv_bytes(rows, *, header=HEADER, encoding="utf-8-sig") -> bytes:
    lines = [",".join(str(c) for c in r) for r in [header, *rows]]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows, *, header=HEADER, title=None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    sheet.append(header)
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def named(data: bytes, name: str) -> io.BytesIO:
    f = io.BytesIO(data)
    f.name = name
    return f
