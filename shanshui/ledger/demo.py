"""Demo ledger: a central-inspection round with ~40 tasks in every state and warning colour.

Everything is made through the services, as people would, then dated back so that timelines
and warnings look like a round that has been running since its feedback. The campaign is marked
``is_demo`` and named (演示数据). Idempotent: nothing happens when the campaign exists.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from shanshui.ledger import services
from shanshui.ledger.models import Campaign, CampaignKind, Event, Status, Task, UnitRole
from shanshui.ledger.scenarios import document, drive, photo
from shanshui.ledger.services import UnitAssignment
from shanshui.orgs.models import Membership, Role, Unit

CAMPAIGN_CODE = "demo-central-3"

# (title, categories, lead department key, implementing district keys, measures)
PROBLEMS = [
    (
        "长江干流及主要支流入河排污口整治不到位",
        ["water"],
        "cq-ecology-environment",
        ["cq-wanzhou"],
        ["完成入河排污口排查溯源", "分类实施整治", "建立排污口监管台账"],
    ),
    (
        "城镇污水管网雨污混流、污水直排问题突出",
        ["water"],
        "cq-housing",
        ["cq-yuzhong"],
        ["开展管网排查", "实施雨污分流改造", "建立管网巡查机制"],
    ),
    (
        "部分工业园区污水集中处理设施运行不正常",
        ["water"],
        "cq-economy-it",
        ["cq-fuling"],
        ["园区污水处理厂提标改造", "在线监测联网", "落实运维责任"],
    ),
    (
        "嘉陵江沿线非法采砂问题屡禁不止",
        ["ecology"],
        "cq-water",
        ["cq-hechuan"],
        ["开展专项打击行动", "修复受损河床岸线", "建立联合执法机制"],
    ),
    (
        "乌江流域总磷污染治理滞后",
        ["water"],
        "cq-ecology-environment",
        ["cq-pengshui"],
        ["磷石膏库规范整治", "涉磷企业达标排放", "开展断面加密监测"],
    ),
    (
        "主城区餐饮油烟扰民问题群众反映强烈",
        ["air"],
        "cq-urban-management",
        ["cq-yuzhong"],
        ["油烟净化设施全覆盖", "建立油烟在线监控", "开展常态化执法检查"],
    ),
    (
        "建筑工地扬尘管控措施落实不到位",
        ["air"],
        "cq-housing",
        ["cq-wanzhou"],
        ["落实六个百分之百", "视频监控全覆盖", "违规工地曝光问责"],
    ),
    (
        "渣土运输车辆沿途抛洒滴漏",
        ["air"],
        "cq-urban-management",
        ["cq-liangjiang"],
        ["运输车辆密闭改装", "建立运输路线管控", "开展联合执法"],
    ),
    (
        "生活垃圾填埋场渗滤液处理能力不足",
        ["solid_waste", "water"],
        "cq-urban-management",
        ["cq-wanzhou"],
        ["新建渗滤液处理设施", "清运积存渗滤液", "完善应急预案"],
    ),
    (
        "危险废物非法转移处置问题",
        ["solid_waste"],
        "cq-ecology-environment",
        ["cq-changshou"],
        ["查处违法转移案件", "完善危废全过程监管", "开展产废单位排查"],
    ),
    (
        "自然保护区内违规建设项目未清理到位",
        ["ecology"],
        "cq-forestry",
        ["cq-wanzhou"],
        ["拆除违规建筑", "实施生态修复", "完善保护区勘界立标"],
    ),
    (
        "森林资源“四乱”问题整治不彻底",
        ["ecology"],
        "cq-forestry",
        ["cq-jiangjin"],
        ["清理乱占林地", "查处乱采滥伐", "恢复植被"],
    ),
    (
        "废弃矿山生态修复滞后",
        ["ecology", "soil"],
        "cq-planning-resources",
        ["cq-wanzhou"],
        ["编制修复方案", "完成地形整治和复绿", "建立修复成效评估"],
    ),
    (
        "畜禽养殖粪污资源化利用不到位",
        ["water", "soil"],
        "cq-agriculture",
        ["cq-rongchang"],
        ["规模养殖场配套治污设施", "禁养区关闭搬迁", "粪污资源化利用"],
    ),
    (
        "农村黑臭水体整治进展缓慢",
        ["water"],
        "cq-ecology-environment",
        ["cq-yuzhong"],
        ["建立黑臭水体清单", "控源截污", "长效管护"],
    ),
    (
        "集中式饮用水水源保护区内违规问题",
        ["water"],
        "cq-ecology-environment",
        ["cq-wanzhou"],
        ["清理保护区违规项目", "规范设置标志", "加强水质监测"],
    ),
    (
        "重点行业挥发性有机物治理不到位",
        ["air"],
        "cq-ecology-environment",
        ["cq-liangjiang"],
        ["开展泄漏检测与修复", "低效治理设施升级", "强化执法监测"],
    ),
    (
        "城市建成区噪声扰民投诉集中",
        ["noise"],
        "cq-ecology-environment",
        ["cq-yuzhong"],
        ["划定声环境功能区", "查处夜间施工噪声", "建设噪声自动监测"],
    ),
    (
        "长江岸线违规码头清理不彻底",
        ["ecology", "water"],
        "cq-transport",
        ["cq-wanzhou"],
        ["取缔违规码头", "实施岸线复绿", "建立岸线巡查机制"],
    ),
    (
        "工业固体废物堆场“三防”措施不到位",
        ["solid_waste"],
        "cq-ecology-environment",
        ["cq-qijiang"],
        ["完善防扬散防流失防渗漏", "规范台账管理", "开展隐患排查"],
    ),
    (
        "土壤污染重点监管单位隐患排查不到位",
        ["soil"],
        "cq-ecology-environment",
        ["cq-yuzhong"],
        ["完成隐患排查", "落实自行监测", "建立土壤污染隐患台账"],
    ),
    (
        "个别地方“两高”项目盲目上马",
        ["carbon"],
        "cq-ndrc",
        ["cq-changshou"],
        ["开展两高项目清理", "严格节能审查", "建立项目管理台账"],
    ),
    (
        "城市黑臭水体治理成效出现反弹",
        ["water"],
        "cq-housing",
        ["cq-wanzhou"],
        ["排查反弹原因", "清淤疏浚", "完善长效管护机制"],
    ),
    (
        "小水电站生态流量泄放不达标",
        ["ecology", "water"],
        "cq-water",
        ["cq-wanzhou"],
        ["安装生态流量泄放设施", "在线监控联网", "违规电站限期整改"],
    ),
    (
        "砖瓦窑企业大气污染物超标排放",
        ["air"],
        "cq-ecology-environment",
        ["cq-yuzhong"],
        ["实施超低排放改造", "落后产能退出", "强化执法监测"],
    ),
    (
        "汽修行业喷漆废气无组织排放",
        ["air"],
        "cq-ecology-environment",
        ["cq-wanzhou"],
        ["建设密闭喷漆房", "规范废气收集处理", "开展专项检查"],
    ),
    (
        "医疗废物收集转运体系不健全",
        ["solid_waste"],
        "cq-health",
        ["cq-yuzhong"],
        ["完善收集网络", "规范暂存设施", "建立转运台账"],
    ),
    (
        "船舶污染物接收转运处置衔接不畅",
        ["water"],
        "cq-transport",
        ["cq-wanzhou"],
        ["完善港口接收设施", "建立联单制度", "强化联合监管"],
    ),
    (
        "生态环境损害赔偿制度落实不到位",
        ["other"],
        "cq-ecology-environment",
        ["cq-yuzhong"],
        ["梳理赔偿案件线索", "开展磋商赔偿", "建立工作机制"],
    ),
    (
        "河道“清四乱”问题整改不彻底",
        ["water", "ecology"],
        "cq-water",
        ["cq-wanzhou"],
        ["清理乱占乱建", "恢复河道行洪能力", "落实河长巡河"],
    ),
    (
        "城镇生活污水处理厂超负荷运行",
        ["water"],
        "cq-housing",
        ["cq-yuzhong"],
        ["实施扩能改造", "加强进水水质监管", "完善应急调度"],
    ),
    (
        "秸秆露天焚烧管控不力",
        ["air"],
        "cq-agriculture",
        ["cq-wanzhou"],
        ["落实网格化巡查", "推进秸秆综合利用", "开展宣传教育"],
    ),
    (
        "涉重金属企业周边土壤环境风险",
        ["soil"],
        "cq-ecology-environment",
        ["cq-wanzhou"],
        ["开展周边土壤监测", "实施风险管控", "落实企业主体责任"],
    ),
    (
        "加油站油气回收装置运行不正常",
        ["air"],
        "cq-commerce",
        ["cq-yuzhong"],
        ["油气回收装置检测", "限期维修更换", "纳入日常监管"],
    ),
]

# City tasks split into district shares: (title, categories, lead, districts, measures)
SPLIT = [
    (
        "长江经济带生态环境警示片披露问题整改",
        ["water", "ecology"],
        "cq-ecology-environment",
        ["cq-wanzhou", "cq-yuzhong", "cq-fuling", "cq-liangjiang"],
        ["逐一核实警示片问题", "制定整改方案", "举一反三排查同类问题"],
    ),
    (
        "“散乱污”企业综合整治不到位",
        ["air", "water"],
        "cq-economy-it",
        ["cq-wanzhou", "cq-yuzhong", "cq-jiangjin"],
        ["建立散乱污企业清单", "分类整治", "防止死灰复燃"],
    ),
]

# The state and colour each ordinary task is brought to, in PROBLEMS order:
# (status, days until deadline, progress, days since last report, reports missed?)
PLAN = [
    ("in_progress", -20, 60, 40),
    ("in_progress", -5, 70, 20),
    ("in_progress", 6, 50, 10),
    ("in_progress", 8, 40, 70),
    ("in_progress", 25, 60, 12),
    ("in_progress", 45, 20, 20),
    ("in_progress", 120, 50, 10),
    ("in_progress", 200, 30, 5),
    ("in_progress", 90, 30, 45),
    ("in_progress", 150, 20, 15),
    ("in_progress", 18, 85, 8),
    ("in_progress", 300, 10, 3),
    ("assigned", 160, 0, None),
    ("assigned", 100, 0, None),
    ("assigned", 60, 0, None),
    ("draft", 180, 0, None),
    ("draft", 200, 0, None),
    ("acceptance_applied", 30, 100, 5),
    ("acceptance_applied", 60, 100, 3),
    ("rechecked", 40, 100, 4),
    ("rechecked", 20, 100, 6),
    ("accepted", 50, 100, 7),
    ("accepted", 80, 100, 9),
    ("in_public_notice", 30, 100, 5),
    ("in_public_notice", 70, 100, 8),
    ("in_public_notice", 10, 100, 2),
    ("signed_off", -60, 100, 30),
    ("signed_off", -30, 100, 30),
    ("signed_off", 20, 100, 20),
    ("signed_off", -10, 100, 40),
    ("reopened", 90, 0, None),
    ("in_progress", -45, 30, 60),
    ("in_progress", 3, 90, 4),
    ("in_progress", 35, 75, 12),
]


def _unit(key: str) -> Unit:
    return Unit.objects.get(key=key)


def _district_admin(unit: Unit):
    """The district's unit administrator: a demo persona where one exists, else a demo clerk
    without a password (so the timeline names a person of that district)."""
    membership = (
        Membership.objects.filter(unit=unit, role=Role.UNIT_ADMIN).select_related("user").first()
    )
    if membership:
        return membership.user
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=f"demo-{unit.key}", defaults={"first_name": f"{unit.display_name}联络员"}
    )
    if created:
        user.set_unusable_password()
        user.save()
    Membership.objects.get_or_create(
        user=user, unit=unit, role=Role.UNIT_ADMIN, defaults={"post": "联络员（演示）"}
    )
    return user


def _department_reviewer(unit: Unit):
    membership = (
        Membership.objects.filter(unit=unit, role__in=[Role.UNIT_ADMIN, Role.REVIEWER])
        .select_related("user")
        .first()
    )
    if membership:
        return membership.user
    return _district_admin(unit)


def _backdate(task: Task, start: dt.datetime, end: dt.datetime) -> None:
    events = list(task.events.order_by("at", "pk"))
    if not events:
        return
    step = (end - start) / max(1, len(events))
    for i, event in enumerate(events):
        Event.objects.filter(pk=event.pk).update(at=start + step * i)


@dataclass
class _Round:
    """What every task of the demo round shares: who acts, when "now" is, the seeded dice."""

    campaign: Campaign
    office: object
    office_unit: Unit
    today: dt.date
    now: dt.datetime
    feedback: dt.datetime
    rng: random.Random


@transaction.atomic
def load_demo() -> list[str]:
    if Campaign.objects.filter(code=CAMPAIGN_CODE).exists():
        return []
    rng = random.Random(20240820)
    office = get_user_model().objects.get(username="office")
    campaign = services.campaign_create(
        actor=office,
        code=CAMPAIGN_CODE,
        name="第三轮中央生态环境保护督察反馈问题整改（演示数据）",
        kind=CampaignKind.CENTRAL,
        team="中央第六生态环境保护督察组",
        stay_start=dt.date(2024, 5, 8),
        stay_end=dt.date(2024, 6, 8),
        feedback_date=dt.date(2024, 8, 20),
        report_cycle="monthly",
        notice_days=10,
        is_demo=True,
    )
    demo = _Round(
        campaign=campaign,
        office=office,
        office_unit=_unit("cq-inspection-office"),
        today=timezone.localdate(),
        now=timezone.now(),
        feedback=timezone.make_aware(dt.datetime(2024, 9, 20, 9, 0)),
        rng=rng,
    )
    created = [f"campaign {campaign.name}"]
    for number, (problem, plan) in enumerate(zip(PROBLEMS, PLAN, strict=False), start=1):
        created.append(_ordinary_task(demo, number, problem, plan))
    for offset, problem in enumerate(SPLIT, start=1):
        created.append(_split_task(demo, offset, problem))
    return created


def _ordinary_task(demo: _Round, number: int, problem: tuple, plan: tuple) -> str:
    """One task of PROBLEMS brought to the state of its PLAN line, then dated back."""
    title, cats, lead_key, districts, measures = problem
    status, days_left, progress, since_report = plan
    lead = _unit(lead_key)
    district = _unit(districts[0])
    executor = _district_admin(district)
    reviewer = _department_reviewer(lead)
    deadline = demo.today + dt.timedelta(days=days_left)
    task = services.task_create(
        actor=demo.office,
        campaign=demo.campaign,
        code=f"CQ3-{number:02d}",
        title=title,
        problem=f"督察发现，{district.display_name}{title}，群众反映强烈。",
        target="问题整改到位，环境质量稳定达标，长效机制健全。",
        measures=measures,
        categories=cats,
        deadline=deadline,
        deadline_kind="ongoing" if number % 11 == 0 else "dated",
        units=[
            UnitAssignment(lead, UnitRole.LEAD, "分管副局长", "副局长"),
            UnitAssignment(district, UnitRole.IMPLEMENTING, "分管副区长", "副区长"),
            UnitAssignment(demo.office_unit, UnitRole.ACCEPTING),
        ],
    )
    if status == "draft":
        return f"task {task.code}"
    drive(task, status, office=demo.office, executor=executor, lead_reviewer=reviewer)
    task.refresh_from_db()
    if status == Status.IN_PROGRESS:
        _report_progress(demo, task, number, measures, progress, executor, district, deadline)
    _date_back(demo, task, status, since_report)
    services.refresh_warning(task)
    return f"task {task.code} ({status})"


def _report_progress(
    demo: _Round, task: Task, number: int, measures, progress: int, executor, district, deadline
) -> None:
    """A working task's latest progress report; a few are urged, one asks for more time."""
    done = {
        str(m.number): ("done" if i < len(measures) * progress // 100 else "in_progress")
        for i, m in enumerate(task.measures.all())
    }
    services.task_report(
        actor=executor,
        task=task,
        expected_version=None,
        text=f"已完成阶段性整改，{'、'.join(measures[:2])}工作有序推进。",
        percent=progress,
        measure_status=done,
        files=[photo(f"现场照片{number}.png")] if number % 2 else [],
    )
    task.refresh_from_db()
    if number in (1, 4, 32):
        services.task_urge(
            actor=demo.office,
            task=task,
            expected_version=None,
            to_unit=district,
            text="整改进度滞后，请于期限内书面说明原因并加快推进。",
            response_due=demo.today + dt.timedelta(days=5 if number != 4 else 3),
        )
    if number == 5:
        services.extension_request(
            actor=executor,
            task=task,
            expected_version=None,
            requested_deadline=deadline + dt.timedelta(days=90),
            reason="受汛期影响，部分工程无法施工，申请延期三个月。",
        )


def _date_back(demo: _Round, task: Task, status: str, since_report: int | None) -> None:
    """Assignment a month after feedback (recent for new and reopened work), reports since."""
    task.refresh_from_db()
    assigned = demo.feedback + dt.timedelta(days=demo.rng.randint(0, 20))
    if status in ("assigned", "reopened"):
        assigned = demo.now - dt.timedelta(days=demo.rng.randint(3, 12))
    last_report = demo.now - dt.timedelta(days=since_report) if since_report is not None else None
    Task.objects.filter(pk=task.pk).update(
        assigned_at=assigned if task.assigned_at else None,
        last_report_at=last_report if task.last_report_at else None,
    )
    if last_report:
        task.reports.update(submitted_at=last_report)
    task.refresh_from_db()
    _backdate(task, assigned - dt.timedelta(days=10), last_report or demo.now)
    if status == "in_public_notice":
        start = demo.today - dt.timedelta(days=3)
        Task.objects.filter(pk=task.pk).update(
            notice_start=start, notice_end=start + dt.timedelta(days=10)
        )


def _split_task(demo: _Round, offset: int, problem: tuple) -> str:
    """A city task of SPLIT, split into district shares worked to different states."""
    title, cats, lead_key, districts, measures = problem
    lead = _unit(lead_key)
    parent = services.task_create(
        actor=demo.office,
        campaign=demo.campaign,
        code=f"CQ3-S{offset}",
        title=title,
        problem=f"全市{title}，部分区县进展不平衡。",
        target="全面完成整改并建立长效机制。",
        measures=measures,
        categories=cats,
        deadline=demo.today + dt.timedelta(days=60 * offset),
        units=[
            UnitAssignment(lead, UnitRole.LEAD, "分管副局长", "副局长"),
            UnitAssignment(demo.office_unit, UnitRole.ACCEPTING),
        ],
    )
    shares = services.task_split(
        actor=demo.office, task=parent, expected_version=None, units=[_unit(k) for k in districts]
    )
    services.task_assign(actor=demo.office, task=parent, expected_version=None)
    goals = [Status.SIGNED_OFF, Status.IN_PROGRESS, Status.ACCEPTANCE_APPLIED, Status.IN_PROGRESS]
    for i, share in enumerate(shares):
        executor = _district_admin(
            next(tu.unit for tu in share.task_units.all() if tu.role == UnitRole.IMPLEMENTING)
        )
        reviewer = _department_reviewer(lead)
        drive(share, goals[i % 4], office=demo.office, executor=executor, lead_reviewer=reviewer)
        share.refresh_from_db()
        if share.status == Status.IN_PROGRESS:
            services.task_report(
                actor=executor,
                task=share,
                expected_version=None,
                text="已完成问题清单梳理，正在分类整治。",
                percent=40 + 10 * i,
                measure_status={"1": "done"},
                files=[document()],
            )
    return f"task {parent.code} split into {len(shares)} shares"
