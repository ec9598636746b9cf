"""Demo cases: three transfer batches of the demo inspection campaign, worked to every state,
citizens' web reports (two at the same enterprise), and an Open311 client with a known key.
Idempotent: nothing is created when the first batch exists. Never used in production.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.utils import timezone

from shanshui.complaints import services, stats
from shanshui.complaints.models import ApiClient, Channel, Complaint, Finding, TransferBatch
from shanshui.ledger.demo import CAMPAIGN_CODE
from shanshui.ledger.models import Campaign
from shanshui.orgs.models import Unit

DEMO_OPEN311_KEY = "o311_demo-key-for-local-testing-only"

# (受理编号 suffix, district key, categories, enterprise, address, description)
TRANSFERRED = [
    (
        "wanzhou",
        ["water"],
        "万州某食品有限公司",
        "万州区高笋塘街道",
        "该公司生产废水未经处理直排下水道，排口附近河水发黑发臭。",
    ),
    (
        "wanzhou",
        ["air"],
        "",
        "万州区太白街道沿江路",
        "沿江路多家餐饮店油烟直排，居民楼内油烟味浓，夜间尤甚。",
    ),
    ("wanzhou", ["noise"], "", "万州区牌楼街道", "某建筑工地夜间22点后仍在施工，噪声扰民严重。"),
    (
        "wanzhou",
        ["solid_waste", "water"],
        "",
        "万州区龙都街道长江岸边",
        "长江岸边堆放大量建筑垃圾和生活垃圾，雨后垃圾渗滤液流入江中。",
    ),
    (
        "wanzhou",
        ["air"],
        "万州某建材有限公司",
        "万州区五桥街道",
        "搅拌站扬尘污染严重，周边道路和农作物覆盖一层灰尘。",
    ),
    (
        "wanzhou",
        ["ecology"],
        "",
        "万州区五桥街道某山林",
        "有人在山林中非法开采砂石，山体植被被大面积破坏。",
    ),
    ("yuzhong", ["noise"], "", "渝中区解放碑街道", "解放碑商圈某商铺高音喇叭招揽顾客，噪声扰民。"),
    ("yuzhong", ["air"], "", "渝中区七星岗街道", "某火锅店油烟净化设施未正常运行，油烟直排。"),
    (
        "yuzhong",
        ["water"],
        "",
        "渝中区朝天门街道",
        "朝天门码头附近雨污管网混接，旱季有污水流入嘉陵江。",
    ),
    (
        "yuzhong",
        ["other"],
        "",
        "渝中区化龙桥街道",
        "小区旁废弃厂房内堆放不明化学品桶，有刺鼻气味。",
    ),
    (
        "cq-jiangjin",
        ["water", "soil"],
        "江津某化工有限公司",
        "江津区德感工业园",
        "化工企业厂区内有渗坑，疑似渗漏污染地下水和土壤。",
    ),
    (
        "cq-fuling",
        ["air"],
        "涪陵某页岩气开发公司",
        "涪陵区焦石镇",
        "页岩气井场放喷燃烧产生黑烟和异味，影响周边村民。",
    ),
    (
        "cq-changshou",
        ["air", "water"],
        "长寿某化工股份有限公司",
        "长寿区晏家街道",
        "化工园区夜间异味明显，怀疑企业偷排废气。",
    ),
    (
        "cq-hechuan",
        ["ecology", "water"],
        "",
        "合川区嘉陵江某河段",
        "嘉陵江河道内非法采砂，船只夜间作业，破坏河床。",
    ),
    ("cq-banan", ["solid_waste"], "", "巴南区某村", "村道旁倾倒大量工业固废，无人清运。"),
    (
        "cq-liangjiang",
        ["noise", "air"],
        "两江新区某汽车零部件有限公司",
        "两江新区鱼复工业园",
        "汽车零部件厂喷漆车间异味和风机噪声扰民。",
    ),
]

CITIZEN = [
    (
        ["water"],
        "cq-wanzhou",
        "万州区高笋塘街道滨江路排水口",
        "万州某食品有限公司",
        30.8079,
        108.3891,
        "滨江路排水口又在排放发黑的污水，气味很重，和去年反映的是同一家企业。",
    ),
    (
        ["air"],
        "cq-yuzhong",
        "渝中区解放碑民权路",
        "",
        29.5576,
        106.5770,
        "民权路一家烧烤店晚上在店外露天烧烤，烟很大，住在楼上无法开窗。我的电话 13812345678。",
    ),
    (
        ["noise"],
        "cq-yuzhong",
        "渝中区七星岗通远门",
        "",
        29.5590,
        106.5630,
        "通远门附近广场舞音响太大，晚上十点后还在跳。",
    ),
    (
        ["solid_waste"],
        "cq-wanzhou",
        "万州区太白街道江边",
        "",
        30.8105,
        108.3990,
        "江边有人倾倒装修垃圾，已经堆成一座小山。",
    ),
    (
        ["ecology"],
        "cq-wanzhou",
        "万州区五桥街道后山",
        "",
        None,
        None,
        "后山有人砍伐树木，还在开挖山体，不知道有没有审批手续。",
    ),
]


def _unit(key: str) -> Unit:
    return Unit.objects.get(key=key if key.startswith("cq-") else f"cq-{key}")


def load_demo() -> list[str]:
    campaign = Campaign.objects.filter(code=CAMPAIGN_CODE).first()
    if campaign is None or TransferBatch.objects.filter(campaign=campaign).exists():
        return []
    rng = random.Random(20241129)
    office = get_user_model().objects.get(username="office")
    batches = _batches(campaign, office)
    created = [f"batch {b}" for b in batches]
    cases = _transferred_cases(batches, office)
    created.append(f"{len(cases)} transferred cases")
    _work_cases(cases, office, rng)
    created += _citizen_reports(office)
    created += _open311_client()
    Complaint.objects.update(is_demo=True)
    # Receipt times were set behind the services' back: recount the public statistics.
    stats.rebuild()
    return created


def _batches(campaign: Campaign, office) -> list[TransferBatch]:
    """Three transfer batches (交办批次): 40, 33 and 6 days ago, the second one key."""
    today = timezone.localdate()
    return [
        services.batch_create(
            actor=office,
            campaign=campaign,
            number=n,
            date=today - dt.timedelta(days=d),
            is_key=(n == 2),
            note="演示数据",
        )
        for n, d in ((1, 40), (2, 33), (3, 6))
    ]


def _transferred_cases(batches: list[TransferBatch], office) -> list[Complaint]:
    """The TRANSFERRED cases, received on their batch's day."""
    cases: list[Complaint] = []
    for i, (district_key, cats, enterprise, address, text) in enumerate(TRANSFERRED, start=1):
        batch = batches[min(i // 6, 2)]
        district = _unit(district_key)
        c = services.batch_add_case(
            actor=office,
            batch=batch,
            case=services.TransferredCase(
                receipt_no=f"X5000002024{batch.number:02d}{i:04d}",
                seq=i,
                description=text,
                categories=cats,
                units=[district],
                district=district,
                address=address,
                enterprise=enterprise,
            ),
        )
        Complaint.objects.filter(pk=c.pk).update(
            received_at=timezone.make_aware(dt.datetime.combine(batch.date, dt.time(9, 30)))
        )
        cases.append(c)
    return cases


def _work_cases(cases: list[Complaint], office, rng: random.Random) -> None:
    """Work the Wanzhou and Yuzhong cases to different states."""
    User = get_user_model()
    handlers = {
        "cq-wanzhou": User.objects.get(username="wanzhou"),
        "cq-yuzhong": User.objects.get(username="yuzhong"),
    }
    leader = User.objects.get(username="leader")
    plans = {
        1: "published_true",
        2: "published_partly",
        3: "handled_false",  # waits for the second review
        4: "stage_closed",
        5: "investigating",
        7: "published_true",
        8: "closed",
        9: "investigating",
        6: "town",
    }
    for index, plan in plans.items():
        c = cases[index - 1]
        handler = handlers.get(c.district.key, office)
        _work(c, plan, handler=handler, office=office, leader=leader, rng=rng)


def _citizen_reports(office) -> list[str]:
    """Citizens' reports from the web form; the first one is transferred to its district."""
    created = []
    for cats, district_key, address, enterprise, lat, lon, text in CITIZEN:
        c = services.complaint_submit(
            report=services.Report(
                description=text,
                categories=cats,
                channel=Channel.WEB,
                district=_unit(district_key),
                address=address,
                lat=lat,
                lon=lon,
                enterprise=enterprise,
                contact=services.Contact(name="张先生", phone="13900001111", wants_reply=True)
                if lat
                else services.Contact(),
            )
        )
        created.append(f"web report {c.code}")
    # 先审后发: the office has approved all but the newest, which waits in the moderation queue.
    waiting = Complaint.objects.filter(channel=Channel.WEB).order_by("-pk").first()
    for c in Complaint.objects.filter(channel=Channel.WEB, moderated_at__isnull=True).exclude(
        pk=getattr(waiting, "pk", None)
    ):
        services.moderate_approve(actor=office, complaint=c)
    first_web = Complaint.objects.filter(channel=Channel.WEB).order_by("pk").first()
    if first_web is not None:
        services.complaint_transfer(
            actor=office, complaint=first_web, expected_version=None, units=[first_web.district]
        )
    return created


def _open311_client() -> list[str]:
    """An Open311 client whose key is published in the README, for trying the API locally."""
    if ApiClient.objects.filter(name="演示客户端").exists():
        return []
    ApiClient.objects.create(
        name="演示客户端",
        contact="demo@example.org",
        key_prefix=DEMO_OPEN311_KEY[:12],
        key_hash=services.hash_key(DEMO_OPEN311_KEY),
    )
    return [f"Open311 client (api_key={DEMO_OPEN311_KEY})"]


def _work(c: Complaint, plan: str, *, handler, office, leader, rng: random.Random) -> None:
    services.complaint_start(actor=handler, complaint=c, expected_version=None)
    if plan == "investigating":
        return
    if plan == "town":
        town = Unit.objects.filter(parent=c.district, kind="town").order_by("pk").first()
        if town is not None:
            services.complaint_transfer_down(
                actor=handler,
                complaint=c,
                expected_version=None,
                town=town,
                comment="请属地街道核查",
            )
        return
    finding = {
        "published_true": Finding.TRUE,
        "published_partly": Finding.PARTLY,
        "handled_false": Finding.FALSE,
        "stage_closed": Finding.TRUE,
        "closed": Finding.TRUE,
    }[plan]
    true_ = finding != Finding.FALSE
    services.complaint_handle(
        actor=handler,
        complaint=c,
        expected_version=None,
        result=services.Handling(
            finding=finding,
            investigation="经现场核查，"
            + ("群众反映的问题属实。" if finding == Finding.TRUE else "")
            + ("群众反映的问题部分属实。" if finding == Finding.PARTLY else "")
            + ("现场未发现群众反映的问题，企业近期监测数据达标。" if not true_ else ""),
            handling="责令立即整改，已完成整改并通过复查。" if true_ else "",
            accountability="约谈企业负责人1人。" if true_ else "",
            ordered_rectify=true_,
            cases_filed=1 if finding == Finding.TRUE else 0,
            fine_yuan=rng.choice([20000, 50000, 86000]) if finding == Finding.TRUE else 0,
            interviews=1 if true_ else 0,
        ),
    )
    if plan == "handled_false":
        return
    if c.is_key or finding == Finding.FALSE:
        reviewer = leader if c.district.key == "cq-wanzhou" else office
        services.complaint_review(actor=reviewer, complaint=c, expected_version=None, approve=True)
    if plan == "stage_closed":
        services.complaint_close(
            actor=handler,
            complaint=c,
            expected_version=None,
            stage=True,
            follow_up_due=timezone.localdate() + dt.timedelta(days=60),
            comment="主体整改完成，长效管护持续推进。",
        )
        return
    services.complaint_close(actor=handler, complaint=c, expected_version=None)
    if plan.startswith("published"):
        services.complaint_publish(actor=handler, complaint=c, expected_version=None)
