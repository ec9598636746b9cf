"""Load scenario: the office, districts, a department, citizens posting reports and an Open311
client against the two-host stack (make load; deploy/load/run.sh starts the stack and runs this
headless with CSV statistics).

Loopback only: the host is nginx's balanced port on 127.0.0.1, and run.sh refuses anything else.
Requests are named by page type ("ledger: list", "citizen: post report" …), which is how the
statistics group them. The demo data's personas log in once each (password shanshui-demo).
"""

from __future__ import annotations

import random
import re
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task

PASSWORD = "shanshui-demo"
OPEN311_KEY = "o311_demo-key-for-local-testing-only"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TASK_LINK = re.compile(r'href="/ledger/tasks/(\d+)/"')
CASE_LINK = re.compile(r'href="/complaints/cases/(\d+)/"')
STARTED = re.compile(r'name="started" value="([^"]+)"')
DISTRICT = re.compile(r'<option value="(\d+)"[^>]*>重庆市[^<]*区</option>')

DESCRIPTIONS = [
    "河道旁排污口夜间排放浑浊污水，有刺鼻气味，附近居民反映强烈。",
    "工地夜间施工噪声扰民，持续到凌晨两点。",
    "餐馆油烟直排，没有安装净化设施，影响楼上住户。",
    "路边堆放建筑垃圾和生活垃圾，长期无人清运。",
    "化工厂烟囱冒黄烟，周边能闻到异味。",
]


@events.test_start.add_listener
def _loopback_only(environment, **kwargs):
    host = urlsplit(environment.host or "").hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise RuntimeError(f"load tests run against loopback only, not {host!r}")


class StaffUser(HttpUser):
    """A logged-in member of staff; subclasses say who and what they open."""

    abstract = True
    # Between two pages a person reads, types, decides: 3 to 10 seconds (a brisk pace for
    # office work; a user clicking without pause is a script, not a person).
    wait_time = between(3, 10)
    usernames: tuple[str, ...] = ()

    def on_start(self):
        self.task_ids: list[int] = []
        self.case_ids: list[int] = []
        page = self.client.get("/login/", name="login: form")
        token = CSRF.search(page.text)
        if not token:
            return
        self.client.post(
            "/login/",
            {
                "username": random.choice(self.usernames),
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1),
            },
            headers={"Referer": self.host + "/login/"},
            name="login: post",
        )

    def _ledger_list(self, path: str, name: str):
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code == 200:
                self.task_ids = [int(x) for x in TASK_LINK.findall(response.text)][:50]
                response.success()

    def _task(self):
        if self.task_ids:
            pk = random.choice(self.task_ids)
            self.client.get(f"/ledger/tasks/{pk}/", name="ledger: task page")

    def _cases(self, path: str, name: str):
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code == 200:
                self.case_ids = [int(x) for x in CASE_LINK.findall(response.text)][:50]
                response.success()

    def _case(self):
        if self.case_ids:
            pk = random.choice(self.case_ids)
            self.client.get(f"/complaints/cases/{pk}/", name="complaints: case page")


class Office(StaffUser):
    """市督察整改办: the whole ledger, the dashboard, every case."""

    weight = 2
    usernames = ("office",)

    @task(3)
    def ledger(self):
        self._ledger_list("/ledger/", "ledger: list")

    @task(3)
    def task_page(self):
        self._task()

    @task(2)
    def dashboard(self):
        self.client.get("/reports/", name="reports: dashboard")

    @task(2)
    def cases(self):
        self._cases("/complaints/", "complaints: list")

    @task(2)
    def case_page(self):
        self._case()

    @task(1)
    def home(self):
        self.client.get("/", name="home")

    @task(1)
    def search(self):
        self.client.get("/ledger/?q=整改", name="ledger: search")


class District(StaffUser):
    """A district's liaison: their own tasks and cases."""

    weight = 3
    usernames = ("wanzhou", "yuzhong")

    @task(3)
    def my_tasks(self):
        self._ledger_list("/ledger/my/", "ledger: my tasks")

    @task(3)
    def task_page(self):
        self._task()

    @task(2)
    def my_cases(self):
        self._cases("/complaints/my/", "complaints: my cases")

    @task(2)
    def case_page(self):
        self._case()

    @task(1)
    def home(self):
        self.client.get("/", name="home")


class Department(StaffUser):
    """A municipal department (市生态环境局): sector tasks."""

    weight = 1
    usernames = ("sthjj",)

    @task(3)
    def ledger(self):
        self._ledger_list("/ledger/", "ledger: list")

    @task(3)
    def task_page(self):
        self._task()

    @task(1)
    def home(self):
        self.client.get("/", name="home")


class Citizen(HttpUser):
    """A member of the public: reads the public pages and posts a report now and then."""

    weight = 4
    wait_time = between(5, 15)

    @task(3)
    def public_list(self):
        self.client.get("/public/complaints/", name="public: cases")

    @task(1)
    def public_stats(self):
        self.client.get("/public/complaints/stats/", name="public: statistics")

    @task(1)
    def public_ledger(self):
        self.client.get("/public/rectification/", name="public: rectification")

    @task(2)
    def report(self):
        form = self.client.get("/report/", name="citizen: report form")
        token, started = CSRF.search(form.text), STARTED.search(form.text)
        districts = DISTRICT.findall(form.text)
        if not (token and started):
            return
        # A person takes a while to fill the form; the form refuses faster submissions.
        self._sleep(3.5)
        with self.client.post(
            "/report/",
            {
                "csrfmiddlewaretoken": token.group(1),
                "started": started.group(1),
                "categories": random.choice(["water", "air", "noise", "solid_waste"]),
                "description": random.choice(DESCRIPTIONS),
                "district": random.choice(districts) if districts else "",
                "address": "高笋塘街道滨江路 8 号",
                "lat": f"{29.5 + random.random():.5f}",
                "lon": f"{106.4 + random.random():.5f}",
                "coord_system": "wgs84",
            },
            headers={"Referer": self.host + "/report/"},
            name="citizen: post report",
            catch_response=True,
        ) as response:
            if "/report/done/" not in response.url:
                response.failure(f"report not accepted ({response.status_code})")

    def _sleep(self, seconds: float):
        import gevent

        gevent.sleep(seconds)


class Open311Client(HttpUser):
    """A GeoReport v2 client (a city app): services, recent requests, a new request now and then."""

    weight = 1
    wait_time = between(2, 10)

    def on_start(self):
        response = self.client.get("/open311/v2/services.json", name="open311: services")
        try:
            self.services = [s["service_code"] for s in response.json()]
        except Exception:
            self.services = []

    @task(3)
    def recent(self):
        self.client.get("/open311/v2/requests.json", name="open311: requests")

    @task(1)
    def post(self):
        if not self.services:
            return
        with self.client.post(
            "/open311/v2/requests.json",
            {
                "api_key": OPEN311_KEY,
                "jurisdiction_id": "cq.gov.cn",
                "service_code": random.choice(self.services),
                "lat": f"{29.5 + random.random():.5f}",
                "long": f"{106.4 + random.random():.5f}",
                "description": random.choice(DESCRIPTIONS),
            },
            name="open311: post request",
            catch_response=True,
        ) as response:
            if response.status_code not in (200, 201):
                response.failure(f"{response.status_code}: {response.text[:200]}")
