"""The front door: login, home, directory, unit pages, people, account, admin, health."""

import datetime as dt

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from shanshui.orgs.models import ApiToken, AuditEntry, LoginFailure, Membership, Role, Unit

pytestmark = pytest.mark.django_db


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_anonymous_users_are_sent_to_login():
    for name, kwargs in [
        ("directory", {}),
        ("account", {}),
        ("unit_detail", {"unit_id": 1}),
        ("unit_people", {"unit_id": 1}),
    ]:
        response = Client().get(reverse(name, kwargs=kwargs))
        assert response.status_code == 302
        assert response.url.startswith("/login/")


def test_home_hands_a_visitor_to_the_front_door_or_the_login_form(settings):
    # The front door is an app's (SHANSHUI_FRONT_DOOR); without one, / asks to log in.
    assert Client().get(reverse("home")).status_code == 200
    settings.SHANSHUI_FRONT_DOOR = ""
    response = Client().get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_it_logs_in_and_out(personas, persona_password):
    client = Client()
    response = login(client, "p_wanzhou", persona_password)
    assert response.status_code == 302 and response.url == reverse("home")
    assert AuditEntry.objects.filter(action="login.success", summary="p_wanzhou").exists()
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    # Logged out, / is the public front door again, with the way back in.
    front = client.get(reverse("home"))
    assert front.status_code == 200 and reverse("login") in front.content.decode()


def test_a_wrong_password_is_refused_in_chinese(personas):
    response = login(Client(), "p_wanzhou", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()


@override_settings(LOGIN_LOCKOUT_ATTEMPTS=3, LOGIN_LOCKOUT_MINUTES=15)
def test_repeated_failures_lock_the_account(personas, persona_password):
    client = Client()
    for _ in range(3):
        login(client, "p_wanzhou", "wrong-password")
    # Even the right password is refused while locked.
    response = login(client, "p_wanzhou", persona_password)
    assert response.status_code == 200
    assert "已锁定 15 分钟" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="login.locked").exists()
    # The lock lifts by itself once the window has passed.
    LoginFailure.objects.update(at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    response = login(client, "p_wanzhou", persona_password)
    assert response.status_code == 302
    assert not LoginFailure.objects.filter(username="p_wanzhou").exists()


@override_settings(LOGIN_LOCKOUT_ATTEMPTS=3, LOGIN_LOCKOUT_ATTEMPTS_ANY_IP=5)
def test_a_stranger_cannot_lock_an_official_out_of_their_office(personas, persona_password):
    stranger = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(3):
        login(stranger, "p_wanzhou", "wrong-password")
    assert "已锁定" in login(stranger, "p_wanzhou", persona_password).content.decode()
    office = Client(REMOTE_ADDR="10.1.2.3")
    assert login(office, "p_wanzhou", persona_password).status_code == 302
    # Failures spread over many addresses still lock the account everywhere.
    for i in range(5):
        login(Client(REMOTE_ADDR=f"198.51.100.{i}"), "p_leader", "wrong")
    response = login(Client(REMOTE_ADDR="10.1.2.3"), "p_leader", persona_password)
    assert "已锁定" in response.content.decode()


@override_settings(LOGIN_LOCKOUT_ATTEMPTS=2)
def test_the_admin_login_is_locked_too(personas, persona_password):
    client = Client()
    for _ in range(2):
        client.post(reverse("admin:login"), {"username": "p_office", "password": "nope"})
    response = client.post(
        reverse("admin:login"), {"username": "p_office", "password": persona_password}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_home_shows_my_units_and_roles(personas, client_as):
    response = client_as(personas.leader).get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "万州区" in html and "领导" in html
    assert "两江新区" in html  # the directory overview
    assert "江北区" in html  # with the history of merged units


def test_home_tells_the_office_it_sees_all(personas, client_as):
    html = client_as(personas.office).get(reverse("home")).content.decode()
    assert "全市统筹权限" in html
    assert reverse("admin:index") in html


def test_the_directory_tree_and_search(personas, client_as):
    client = client_as(personas.district_a)
    html = client.get(reverse("directory")).content.decode()
    assert "市生态环境局" in html and "500101" in html
    html = client.get(reverse("directory"), {"q": "市环保局"}).content.decode()
    assert "找到 1 个单位" in html and "重庆市生态环境局" in html
    html = client.get(reverse("directory"), {"q": "500103"}).content.decode()
    assert "渝中区" in html
    html = client.get(reverse("directory"), {"kind": "zone"}).content.decode()
    assert "重庆高新区" in html and "万州区" not in html.split("directory-results")[1]
    # htmx asks for the results fragment only.
    fragment = client.get(reverse("directory"), {"q": "万州"}, HTTP_HX_REQUEST="true")
    assert fragment.content.decode().lstrip().startswith('<div id="directory-results">')
    # A bad kind is ignored rather than failing.
    assert client.get(reverse("directory"), {"kind": "bogus"}).status_code == 200


def test_unit_detail_shows_history(personas, client_as):
    yubei = Unit.objects.get(short_name="渝北区")
    html = (
        client_as(personas.district_b).get(reverse("unit_detail", args=[yubei.pk])).content.decode()
    )
    assert "2025-11-06" in html and "两江新区" in html
    liangjiang = Unit.objects.get(short_name="两江新区")
    html = (
        client_as(personas.district_b)
        .get(reverse("unit_detail", args=[liangjiang.pk]))
        .content.decode()
    )
    assert "承继自" in html and "渝北区" in html


def test_unit_detail_of_a_missing_unit_is_404(personas, client_as):
    assert (
        client_as(personas.district_a).get(reverse("unit_detail", args=[999999])).status_code == 404
    )


def test_people_of_another_district_are_404(personas, client_as):
    client = client_as(personas.district_a)
    assert client.get(reverse("unit_people", args=[personas.unit_b.pk])).status_code == 404
    assert client.get(reverse("unit_people", args=[personas.unit_department.pk])).status_code == 404
    response = client.post(
        reverse("unit_people", args=[personas.unit_b.pk]),
        {"username": "p_citizen", "role": Role.STAFF},
    )
    assert response.status_code == 404
    other = Membership.objects.get(user=personas.district_b)
    assert client.post(reverse("membership_revoke", args=[other.pk])).status_code == 404
    assert Membership.objects.filter(pk=other.pk).exists()


def test_people_of_my_district_and_its_towns(personas, client_as):
    html = (
        client_as(personas.district_a_staff)
        .get(reverse("unit_people", args=[personas.unit_a.pk]))
        .content.decode()
    )
    assert "p_leader" in html and "p_town" in html and "p_yuzhong" not in html
    assert "添加人员" not in html  # staff may read, not manage


def test_staff_may_not_add_people(personas, client_as):
    response = client_as(personas.district_a_staff).post(
        reverse("unit_people", args=[personas.unit_a.pk]),
        {"username": "p_citizen", "role": Role.STAFF},
    )
    assert response.status_code == 403
    assert not Membership.objects.filter(user=personas.citizen).exists()


def test_a_unit_admin_adds_an_existing_user_and_a_new_account(personas, client_as):
    client = client_as(personas.district_a)
    url = reverse("unit_people", args=[personas.unit_town_a.pk])
    response = client.post(url, {"username": "p_citizen", "role": Role.VIEWER, "post": "监督员"})
    assert response.status_code == 302
    assert Membership.objects.filter(
        user=personas.citizen, unit=personas.unit_town_a, role=Role.VIEWER, post="监督员"
    ).exists()
    response = client.post(
        url,
        {
            "username": "newclerk",
            "full_name": "李新",
            "password": "a-long-enough-pass-42",
            "role": Role.STAFF,
        },
    )
    assert response.status_code == 302
    assert Membership.objects.filter(user__username="newclerk", role=Role.STAFF).exists()
    assert AuditEntry.objects.filter(action="user.create", summary__startswith="newclerk").exists()
    assert AuditEntry.objects.filter(action="membership.grant").count() == 2


def test_adding_a_person_reports_errors_field_by_field(personas, client_as):
    client = client_as(personas.district_a)
    url = reverse("unit_people", args=[personas.unit_a.pk])
    response = client.post(url, {"username": "nobody-yet", "role": Role.STAFF})
    html = response.content.decode()
    assert response.status_code == 400
    assert "新建账号需要填写姓名" in html and "新建账号需要设置初始密码" in html
    response = client.post(
        url, {"username": "x2", "full_name": "某", "password": "123", "role": Role.STAFF}
    )
    assert response.status_code == 400
    assert "密码" in response.content.decode()
    # A unit admin cannot hand out the office role.
    response = client.post(url, {"username": "p_citizen", "role": Role.OFFICE})
    assert response.status_code == 400
    assert not Membership.objects.filter(user=personas.citizen).exists()


def test_a_unit_admin_cannot_grant_on_a_merged_unit(personas, client_as):
    yubei = Unit.objects.get(short_name="渝北区")
    response = client_as(personas.office).post(
        reverse("unit_people", args=[yubei.pk]), {"username": "p_citizen", "role": Role.STAFF}
    )
    assert response.status_code == 400
    assert "已撤销" in response.content.decode()


def test_a_unit_admin_removes_a_role(personas, client_as):
    membership = Membership.objects.get(user=personas.leader)
    response = client_as(personas.district_a).post(
        reverse("membership_revoke", args=[membership.pk])
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEntry.objects.filter(action="membership.revoke").exists()


def test_a_unit_admin_cannot_remove_another_unit_admin(personas, client_as):
    own = Membership.objects.get(user=personas.district_a)
    response = client_as(personas.district_a).post(reverse("membership_revoke", args=[own.pk]))
    assert response.status_code == 403
    assert Membership.objects.filter(pk=own.pk).exists()


def test_membership_revoke_needs_post(personas, client_as):
    membership = Membership.objects.get(user=personas.leader)
    response = client_as(personas.district_a).get(
        reverse("membership_revoke", args=[membership.pk])
    )
    assert response.status_code == 405


def test_api_tokens_are_created_once_and_revoked(personas, client_as):
    client = client_as(personas.district_a)
    response = client.post(reverse("account"), {"name": "台账同步"})
    html = response.content.decode()
    assert response.status_code == 200
    token = ApiToken.objects.get(user=personas.district_a)
    raw = html.split('class="token-value">')[1].split("<")[0]
    assert raw.startswith("ssk_") and raw.startswith(token.prefix)
    assert raw not in client.get(reverse("account")).content.decode()  # shown once only
    assert token.token_hash != raw
    response = client.post(reverse("token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert response.status_code == 302 and token.revoked_at is not None


def test_a_token_needs_a_name_and_a_future_expiry(personas, client_as):
    client = client_as(personas.district_a)
    response = client.post(reverse("account"), {"name": ""})
    assert response.status_code == 400
    response = client.post(reverse("account"), {"name": "x", "expires_at": "2000-01-01"})
    assert response.status_code == 400
    assert "到期日期必须晚于今天" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_nobody_revokes_another_users_token(personas, client_as):
    client_as(personas.district_b).post(reverse("account"), {"name": "b"})
    token = ApiToken.objects.get(user=personas.district_b)
    response = client_as(personas.district_a).post(reverse("token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_password_change(personas, persona_password):
    client = Client()
    login(client, "p_wanzhou", persona_password)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": persona_password,
            "new_password1": "new-secret-passphrase-9",
            "new_password2": "new-secret-passphrase-9",
        },
    )
    assert response.status_code == 302
    personas.district_a.refresh_from_db()
    assert personas.district_a.check_password("new-secret-passphrase-9")
    assert AuditEntry.objects.filter(action="password.change").exists()
    response = client.post(
        reverse("password_change"),
        {
            "old_password": "wrong",
            "new_password1": "x",
            "new_password2": "y",
        },
    )
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()


def test_admin_is_for_superusers_and_the_office_only(personas, client_as, django_user_model):
    assert client_as(personas.office).get(reverse("admin:index")).status_code == 200
    assert client_as(personas.office).get(reverse("admin:orgs_unit_changelist")).status_code == 200
    assert client_as(personas.office).get(reverse("admin:orgs_membership_add")).status_code == 200
    for user in (personas.district_a, personas.leader, personas.department):
        response = client_as(user).get(reverse("admin:orgs_unit_changelist"))
        assert response.status_code == 302 and "/admin/login/" in response.url
    root = django_user_model.objects.create_superuser("root", password="x" * 12)
    assert client_as(root).get(reverse("admin:index")).status_code == 200


def test_admin_changes_are_audited(personas, client_as):
    unit = personas.unit_town_a
    response = client_as(personas.office).post(
        reverse("admin:orgs_unit_change", args=[unit.pk]),
        {
            "name": unit.name,
            "short_name": "高笋塘",
            "kind": unit.kind,
            "parent": unit.parent_id,
            "admin_code": "",
            "sort_order": 0,
            "valid_from": "",
            "valid_to": "",
            "successor": "",
            "note": "",
            "aliases-TOTAL_FORMS": 1,
            "aliases-INITIAL_FORMS": 0,
            "aliases-0-alias": "高笋塘街办",
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AuditEntry.objects.filter(action="admin.change", object_id=str(unit.pk)).exists()
    from shanshui.orgs.selectors import resolve_unit

    assert resolve_unit("高笋塘街办") == unit


def test_the_office_cannot_make_itself_superuser(personas, client_as):
    response = client_as(personas.office).get(
        reverse("admin:auth_user_change", args=[personas.office.pk])
    )
    assert 'name="is_superuser"' not in response.content.decode()


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_the_language_switch(personas, client_as):
    client = client_as(personas.district_a)
    assert "单位名录" in client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    html = client.get(reverse("home")).content.decode()
    assert "Unit directory" in html and "My units and roles" in html
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "我的单位与角色" in client.get(reverse("home")).content.decode()


def test_csrf_is_enforced(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.district_a)
    response = client.post(reverse("account"), {"name": "x"})
    assert response.status_code == 403


def test_nul_characters_get_a_clear_400(personas, client_as):
    client = client_as(personas.district_a)
    response = client.get(reverse("directory"), {"q": "万州\x00"})
    assert response.status_code == 400
    assert "无效字符" in response.content.decode()
    response = client.post(reverse("account"), {"name": "x\x00y"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_the_office_cannot_take_over_a_superuser(personas, client_as, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="root-password-123")
    client = client_as(personas.office)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[root.pk]),
        {"password1": "Pwned-by-office-42", "password2": "Pwned-by-office-42"},
    )
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.check_password("root-password-123")
    response = client.post(reverse("admin:auth_user_delete", args=[root.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert django_user_model.objects.filter(pk=root.pk).exists()


def test_the_admin_refuses_a_unit_below_its_own_descendant(personas, client_as):
    gov = Unit.objects.get(key="cq-gov")
    response = client_as(personas.office).post(
        reverse("admin:orgs_unit_change", args=[gov.pk]),
        {
            "name": gov.name,
            "short_name": gov.short_name,
            "kind": gov.kind,
            "parent": personas.unit_a.pk,
            "admin_code": "",
            "sort_order": 0,
            "valid_from": "",
            "valid_to": "",
            "successor": "",
            "note": "",
            "aliases-TOTAL_FORMS": 0,
            "aliases-INITIAL_FORMS": 0,
            "memberships-TOTAL_FORMS": 0,
            "memberships-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "不能放在自身或其下级单位之下" in response.content.decode()
    gov.refresh_from_db()
    assert gov.parent_id is None


def test_healthz_answers_head(client):
    assert client.head("/healthz").status_code == 200
