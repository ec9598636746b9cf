"""Realistic rectification-plan workbooks, made in code for the import tests.

Each is laid out the way offices really send them: a title row, a subtitle, merged and
two-row headers, numbered measures in one cell, unit names in several forms, deadlines in
words, notes and blank rows at the end.
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
from openpyxl.styles import Alignment


def _save(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def central_plan() -> bytes:
    """The city's plan for a central inspection: title, date line, a two-row header whose
    "责任单位" group is merged over 牵头单位 | 责任单位, measures numbered in one cell."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "整改方案"
    ws.append(["重庆市贯彻落实第三轮中央生态环境保护督察报告整改方案"])
    ws.merge_cells("A1:H1")
    ws.append(["（2024年10月印发）"])
    ws.append(
        ["序号", "反馈问题", "整改目标", "整改措施", "责任单位", None, "责任领导", "整改时限"]
    )
    ws.append([None, None, None, None, "牵头单位", "责任单位", None, None])
    for col in "ABCDGH":
        ws.merge_cells(f"{col}3:{col}4")
    ws.merge_cells("E3:F3")
    ws.append(
        [
            1,
            "部分区县污水管网建设滞后，雨污混流问题突出，汛期溢流污染严重。",
            "2025年底前完成雨污分流改造，消除污水直排。",
            "1.开展管网排查，建立问题清单；\n2.实施雨污分流改造工程；\n3.建立管网长效运维机制。",
            "市住房城乡建委",
            "万州区、渝中区",
            "张伟（副市长）",
            "2025年12月底前",
        ]
    )
    ws.append(
        [
            2,
            "长江干流部分岸线非法码头整治不彻底。",
            "非法码头全部取缔，岸线生态修复。",
            "（1）全面排查；（2）依法取缔；（3）复绿",
            "重庆市交通运输委员会",
            "萬州區",
            "",
            "立行立改，长期坚持",
        ]
    )
    ws.append(
        [
            3,
            "工业园区挥发性有机物治理设施运行不正常。",
            "",
            "①完成治理设施升级改造；②安装在线监测",
            "市生态环境局",
            "渝中区\n万州区",
            "李明（局长）",
            dt.datetime(2025, 6, 30),
        ]
    )
    ws.append([None] * 8)
    ws.append(["注：责任单位排第一位的为牵头单位。"])
    for row in ws.iter_rows(min_row=5):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True)
    return _save(wb)


CENTRAL_EXPECTED = {
    "1": {
        "measures": [
            "开展管网排查，建立问题清单",
            "实施雨污分流改造工程",
            "建立管网长效运维机制。",
        ],
        "deadline": ("dated", dt.date(2025, 12, 31)),
        "lead": ["cq-housing"],
        "responsible": ["cq-wanzhou", "cq-yuzhong"],
        "leader": ("张伟", "副市长"),
    },
    "2": {
        "measures": ["全面排查", "依法取缔", "复绿"],
        "deadline": ("ongoing", None),
        "lead": ["cq-transport"],
        "responsible": ["cq-wanzhou"],
        "leader": None,
    },
    "3": {
        "measures": ["完成治理设施升级改造", "安装在线监测"],
        "deadline": ("dated", dt.date(2025, 6, 30)),
        "lead": ["cq-ecology-environment"],
        "responsible": ["cq-yuzhong", "cq-wanzhou"],
        "leader": ("李明", "局长"),
    },
}


def district_ledger() -> bytes:
    """A district's own ledger: header on row 3 with its own words (编号, 问题, 责任人, 完成时限),
    progress and state columns, deadlines as dates and as "2023年6月", traditional names."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "整改台账"
    ws.append(["万州区中央生态环境保护督察反馈问题整改台账"])
    ws.append(["填报单位：万州区督察整改办", None, None, None, "填报时间：2024年11月"])
    ws.append(
        ["编号", "问题", "整改措施", "责任单位", "责任人", "完成时限", "整改进展", "完成情况"]
    )
    ws.append(
        [
            "WZ-01",
            "城区部分餐饮油烟直排扰民。",
            "一是开展专项整治；二是安装油烟净化设施；三是建立巡查制度",
            "萬州區",
            "王芳（副区长）",
            dt.date(2024, 12, 31),
            "已完成80%",
            "序时推进",
        ]
    )
    ws.append(
        [
            "WZ-02",
            "乡镇污水处理设施运行负荷率低。",
            "加快配套管网建设",
            "万州区",
            "",
            "2025年6月",
            "",
            "",
        ]
    )
    ws.append(
        [
            "WZ-03",
            "部分工地扬尘管控不到位。",
            "1、落实六个百分之百；2、加强执法检查",
            "万州，市住房城乡建委",
            "",
            "2024年底前",
            "",
            "已完成",
        ]
    )
    for _ in range(5):
        ws.append([None, None, None, None, None, None, None, None])
    return _save(wb)


def secret_visit_list() -> bytes:
    """A secret-visit (暗访) list: 存在问题, 牵头部门, 配合部门, a 问题类别 and every word form of
    deadline (上半年, 立行立改, 长期坚持, 一季度)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2024年生态环境问题暗访警示片问题整改清单"])
    ws.append(["序号", "存在问题", "整改措施", "牵头部门", "配合部门", "整改时限", "问题类别"])
    rows = [
        ("河道违法采砂屡禁不止", "立即停止违法采砂", "市水利局", "万州区", "立行立改", "生态"),
        (
            "垃圾填埋场渗滤液外溢",
            "1.应急处置；2.扩容改造",
            "市城市管理局",
            "渝中区",
            "2025年上半年",
            "固废、水",
        ),
        ("化工企业异味扰民", "加强监管", "市生态环境局", "", "长期坚持", "大气"),
        ("饮用水源地保护区内违建", "拆除违建", "市生态环境局", "万州区", "2025年第一季度", "水"),
        ("噪声扰民", "夜间施工审批", "市住房城乡建委", "渝中区", "2025年3月31日前", "噪声"),
    ]
    for i, row in enumerate(rows, 1):
        ws.append([i, *row])
    return _save(wb)


SECRET_EXPECTED_DEADLINES = {
    "1": ("immediate", None),
    "2": ("dated", dt.date(2025, 6, 30)),
    "3": ("ongoing", None),
    "4": ("dated", dt.date(2025, 3, 31)),
    "5": ("dated", dt.date(2025, 3, 31)),
}
SECRET_EXPECTED_CATEGORIES = {
    "1": ["ecology"],
    "2": ["solid_waste", "water"],
    "3": ["air"],
    "4": ["water"],
    "5": ["noise"],
}


def bad_sheet() -> bytes:
    """Three good rows and four bad ones: an unknown unit, a deadline that is no deadline, an
    empty problem, a number used twice."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", "反馈问题", "整改措施", "牵头单位", "整改时限"])
    ws.append([1, "问题一", "措施", "市生态环境局", "2025年6月底前"])
    ws.append([2, "问题二", "措施", "火星区生态局", "2025年6月底前"])
    ws.append([3, "问题三", "措施", "万州区", "尽快"])
    ws.append([4, "", "措施", "万州区", "2025年6月"])
    ws.append([5, "问题五", "措施", "万州区", "2025年6月"])
    ws.append([5, "问题五又一次", "措施", "万州区", "2025年6月"])
    ws.append([6, "问题六", "措施", "渝中区", "长期坚持"])
    return _save(wb)


def odd_headers() -> bytes:
    """Headers the detection cannot know (具体工作 for the measures, 单位 for the lead unit):
    the user corrects the mapping."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", "问题", "具体工作", "单位", "责任单位", "完成时限"])
    ws.append([1, "问题一", "1.排查；2.整治", "市生态环境局", "万州区", "2025年12月"])
    ws.append([2, "问题二", "清理", "市水利局", "渝中区", "立行立改"])
    return _save(wb)
