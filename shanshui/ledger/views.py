from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shanshui.ledger import forms, photos, rules, selectors, services
from shanshui.ledger.models import (
    Campaign,
    ChecklistItem,
    Evidence,
    ExtensionRequest,
    ExtensionStatus,
    Notification,
    Objection,
    ObjectionStatus,
    Status,
    Task,
    UnitRole,
    UrgeNotice,
    WarningLevel,
)
from shanshui.ledger.selectors import visible_tasks
from shanshui.lib import filterforms, ratelimit
from shanshui.lib.actions import (
    ObjectPage,
    acting,
    action_or_404,
    add_service_errors,
    form_page,
    run_action,
    save_form,
)
from shanshui.lib.downloads import private_file
from shanshui.lib.request import client_ip
from shanshui.lib.workflow import WorkflowError
from shanshui.orgs.pagination import CappedPaginator
from shanshui.orgs.scope import scope_for

PAGE_SIZE = 50
LAZY = "lazy"  # marks an action form rendered on demand (action_form view)
SEARCH_COUNT_CAP = 1000


MY_GROUP_SIZE = 20


def _scoped_task(request, pk: int) -> Task:
    """The task, or 404 when it does not exist or is outside the user's scope."""
    task = selectors.with_units(visible_tasks(request.user)).filter(pk=pk).first()
    if task is None:
        raise Http404
    return task


# The units a row of the task table names (_task_table.html).
TABLE_ROLES = (UnitRole.LEAD, UnitRole.IMPLEMENTING, UnitRole.RESPONSIBLE)


def table_rows(tasks) -> list[Task]:
    """The tasks as _task_table.html lists them (read with ``selectors.with_units``), each with
    ``unit_lines``: its lead, implementing and responsible units as (role, name), in the order
    of its units. Picked here once rather than by a loop of conditions in every row."""
    tasks = list(tasks)
    for task in tasks:
        task.unit_lines = [
            (tu.get_role_display(), tu.unit.display_name)
            for tu in task.task_units.all()
            if tu.role in TABLE_ROLES
        ]
    return tasks


@login_required
def ledger_list(request: HttpRequest) -> HttpResponse:
    return _ledger_page(request)


def _ledger_page(request, *, bulk=None, selected=(), refused=(), status: int = 200) -> HttpResponse:
    """The ledger list as filtered by the query; ``bulk``: the bulk form again with its errors,
    ``selected`` the ticked ids, ``refused`` the tasks that refused the bulk action."""
    form = forms.LedgerFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    tasks = selectors.ledger(request.user, data=data)
    paginator = (
        CappedPaginator(tasks, PAGE_SIZE, cap=SEARCH_COUNT_CAP)
        if data.get("q")
        else Paginator(tasks, PAGE_SIZE)
    )
    page = paginator.get_page(request.GET.get("page"))
    # Deferred join: the page's ids come from the (covering) index alone; only those 50 rows
    # are then read in full with their units. Deep pages stay fast at 100k tasks.
    ids = list(page.object_list.values_list("pk", flat=True))
    rows = {t.pk: t for t in selectors.with_units(Task.objects.filter(pk__in=ids))}
    page.object_list = table_rows(rows[i] for i in ids if i in rows)
    query = request.GET.copy()
    query.pop("page", None)
    scope = scope_for(request.user)
    return render(
        request,
        "ledger/list.html",
        {
            "form": form,
            "filter_fields": filterforms.filter_fields(form),
            "page": page,
            "query": query.urlencode(),
            "can_create": scope.sees_all,
            "bulk_form": bulk or forms.BulkForm(),
            "bulk_query": request.GET.urlencode(),  # back to this very page after the action
            "bulk_assign": scope.sees_all,
            "bulk_urge": selectors.may_urge_some(request.user),
            "selected": set(selected),
            "refused": refused,
        },
        status=status,
    )


BULK_MAX = 200  # ticked tasks in one bulk action (a page holds PAGE_SIZE)


def _ticked_tasks(request) -> list[Task]:
    """The tasks ticked on the list. One that does not exist or is outside the user's scope is
    404 for the whole request, before anything is done."""
    raw = request.POST.getlist("ids")
    if len(raw) > BULK_MAX or not all(v.isdigit() and len(v) < 10 for v in raw):
        raise Http404
    ids = {int(v) for v in raw}
    tasks = list(  # with their units: the bulk services read each task's roles
        selectors.with_units(visible_tasks(request.user).filter(pk__in=ids)).order_by(
            "campaign_id", "code"
        )
    )
    if len(tasks) != len(ids):
        raise Http404
    return tasks


@login_required
@require_POST
def ledger_bulk(request: HttpRequest) -> HttpResponse:
    """The list's actions on the ticked tasks: 督办 and 交办 through their services, on all of
    them or (when one refuses) on none, and 导出所选 through the ledger export. The form posts
    to this view with the list's query, so the list shows again as it was."""
    tasks = _ticked_tasks(request)
    form = forms.BulkForm(request.POST)
    selected = [t.pk for t in tasks]
    if not form.is_valid():
        return _ledger_page(request, bulk=form, selected=selected, status=400)
    d = form.cleaned_data
    back = reverse("ledger:list") + (f"?{request.GET.urlencode()}" if request.GET else "")
    if not tasks:
        messages.error(request, _("Tick the tasks first."))
        return redirect(back)
    if d["action"] == "export":
        return redirect(reverse("reports:export_ledger") + "?ids=" + ",".join(map(str, selected)))
    try:
        if d["action"] == "assign":
            outcome = services.tasks_assign(actor=request.user, tasks=tasks, comment=d["comment"])
        else:
            outcome = services.tasks_urge(
                actor=request.user, tasks=tasks, text=d["text"], response_due=d["response_due"]
            )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _ledger_page(request, bulk=form, selected=selected, status=400)
    counts = {"n": len(tasks), "refused": len(outcome.refused)}
    if outcome.refused:
        if d["action"] == "assign":
            note = _(
                "Nothing was done: %(refused)d of the %(n)d selected tasks cannot be assigned. "
                "Untick them and try again."
            )
        else:
            note = _(
                "Nothing was done: %(refused)d of the %(n)d selected tasks cannot be urged. "
                "Untick them and try again."
            )
        form.add_error(None, note % counts)
        return _ledger_page(
            request, bulk=form, selected=selected, refused=outcome.refused, status=409
        )
    if d["action"] == "assign":
        messages.success(request, _("%(n)d tasks were assigned.") % {"n": len(outcome.done)})
    else:
        notices = sum(len(n) for n in outcome.done)
        messages.success(
            request,
            _("Urge notices were issued on %(n)d tasks (%(notices)d notices).")
            % {"n": len(outcome.done), "notices": notices},
        )
    return redirect(back)


@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    mine = selectors.my_tasks(request.user)
    counts = dict(mine.values_list("warning").annotate(n=Count("pk")).order_by())
    groups = []
    for colour in ("overdue", "red", "yellow", "green", "none"):
        if counts.get(colour):
            # The most urgent first; the full list is the ledger filtered by colour.
            tasks = table_rows(
                selectors.with_units(mine.filter(warning=colour)).order_by("deadline", "code")[
                    :MY_GROUP_SIZE
                ]
            )
            groups.append((WarningLevel(colour), tasks, counts[colour]))
    waiting = selectors.waiting_for_me(request.user)
    return render(
        request,
        "ledger/my.html",
        {
            "groups": groups,
            "waiting": {k: list(v[:50]) for k, v in waiting.items()},
            "total": sum(counts.values()),
        },
    )


# The action cards of the task page, in the order they are built (rules.allowed_actions decides
# which are shown). Heavy forms (long unit lists) are fetched when their card is opened: see
# action_form.
CARDS = [
    "edit",
    "assign",
    "split",
    "accept_assignment",
    "report",
    "add_evidence",
    "urge",
    "request_extension",
    "apply_acceptance",
    "recheck",
    "accept",
    "start_notice",
    "sign_off",
    "return",
    "reopen",
    "record_accountability",
    "withdraw",
]
LAZY_CARDS = {"edit", "record_accountability"}


def _card_form(name: str, task: Task, user, measures: list):
    """The unbound form of one action card, or LAZY."""
    initial = {"version": task.version}
    if name in LAZY_CARDS:
        return LAZY
    if name == "add_evidence":
        return forms.EvidenceForm()  # adding files changes no state: no version to check
    if name == "accept":
        # 谁验收谁负责: the person who answers for the acceptance, the user unless changed.
        initial["accepted_by_name"] = user.get_full_name() or user.username
    if name == "report":
        return forms.ReportForm(initial=initial, measures=measures)  # already read for the page
    factory, _handler = ACTIONS_PAGES[name]
    return factory(task, initial=initial)


def _action_cards(user, task: Task, allowed, measures: list, bound: dict):
    """The task page's action cards (name → form, bound ones with their errors) and the one
    opened by default."""
    cards = {}
    for name in CARDS:
        if name not in allowed:
            continue
        if (
            name == "request_extension"
            and task.extensions.filter(status=ExtensionStatus.PENDING).exists()
        ):
            continue  # one request at a time
        cards[name] = bound[name] if name in bound else _card_form(name, task, user, measures)
    # The one form opened by default: the next step of the workflow for this user, never a
    # destructive one (withdraw, return, reopen).
    all_done = bool(measures) and all(m.status == "done" for m in measures)
    order = [
        "assign",
        "accept_assignment",
        "recheck",
        "accept",
        "start_notice",
        "sign_off",
        *(["apply_acceptance", "report"] if all_done else ["report", "apply_acceptance"]),
    ]
    primary = next((name for name in order if name in cards), None)
    cards = dict(sorted(cards.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99))
    return cards, primary


def _urges(task: Task, scope, *, direct: bool) -> list:
    """The task's urge notices the user may read, each marked whether the user may answer it."""
    urges = list(task.urges.select_related("to_unit", "issued_by", "responded_by"))
    if not direct:  # only through a share: what concerns the user's own units
        urges = [u for u in urges if scope.can_see_unit(u.to_unit)]
    for urge in urges:
        urge.can_answer = not urge.responded_at and rules.acts_for(
            scope, urge.to_unit, rules.ACTING
        )
    return urges


def _evidence(user, task: Task, scope, *, may_withdraw: bool) -> list:
    """The task's files, each marked whether the user may withdraw it (their own; the office
    any)."""
    evidence = list(task.evidence.select_related("uploaded_by", "unit"))
    for item in evidence:
        item.can_withdraw = (
            may_withdraw
            and not item.withdrawn_at
            and (item.uploaded_by_id == user.pk or scope.sees_all)
        )
        # A photo's own capture time and place, flagged against the assignment and the site.
        item.photo = (
            photos.photo_facts(
                taken_at=item.taken_at,
                taken_lat=item.taken_lat,
                taken_lon=item.taken_lon,
                assigned_at=task.assigned_at,
                site_lat=task.site_lat,
                site_lon=task.site_lon,
            )
            if item.content_type.startswith("image/")
            else None
        )
    return evidence


def _units_by_role(task: Task) -> list:
    rows = task.task_units.all()
    return [
        (UnitRole(role), [tu for tu in rows if tu.role == role])
        for role in UnitRole.values
        if any(tu.role == role for tu in rows)
    ]


def _detail_context(request, task: Task, *, bound: dict | None = None) -> dict:
    user = request.user
    allowed = rules.allowed_actions(user, task)
    bound = bound or {}
    # One task's measures by number (their default order, by task first, joins the task).
    measures = list(task.measures.order_by("number"))
    # Each application's files are listed under each of its checklist items: read them once.
    applications = list(
        task.applications.select_related("applied_by", "unit", "rechecked_by").prefetch_related(
            "evidence"
        )
    )
    action_forms, primary = _action_cards(user, task, allowed, measures, bound)
    scope = scope_for(user)
    direct = selectors.sees_task_directly(user, task)
    return {
        "task": task,
        "today": timezone.localdate(),
        "allowed": allowed,
        "action_forms": action_forms,
        "action_labels": {name: rules.ACTIONS[name].label for name in rules.ACTIONS},
        # Steps that cannot be undone ask first (data-confirm, static/js/confirm.js).
        "action_confirms": {name: a.confirm for name, a in rules.ACTIONS.items() if a.confirm},
        "measures": measures,
        "units_by_role": _units_by_role(task),
        "shares": table_rows(
            selectors.with_units(
                task.shares.all() if direct else visible_tasks(user).filter(parent=task)
            ).order_by("code")
        ),
        "events": selectors.with_changes(selectors.events_for(user, task).order_by("-at", "-pk")),
        "reports": task.reports.select_related("author", "unit").prefetch_related("evidence"),
        "evidence": _evidence(user, task, scope, may_withdraw="add_evidence" in allowed),
        "urges": _urges(task, scope, direct=direct),
        "urge_answer_form": bound.get("answer_urge") or forms.UrgeAnswerForm(),
        "extensions": task.extensions.select_related("requested_by", "decided_by", "unit")
        if direct
        else [],
        "extension_form": bound.get("decide_extension") or forms.ExtensionDecisionForm(),
        "applications": applications,
        # 销号审批表: printable once acceptance was applied for (and not returned since).
        "sign_off_sheet": any(a.outcome != "returned" for a in applications),
        "checklist_labels": dict(ChecklistItem.choices),
        "objections": task.objections.all() if direct and (scope.sees_all or allowed) else [],
        "objection_form": bound.get("handle_objection") or forms.ObjectionHandleForm(),
        "accountability": task.accountability.select_related("unit") if direct else [],
        "categories": [c.get_category_display() for c in task.category_rows.all()],
        "show_private": scope.sees_all,
        "primary_action": primary,
        "status_labels": dict(Status.choices),
        "panels": _task_panels(request, task),
    }


def _task_panels(request, task: Task) -> list[str]:
    """Panels other apps add to the task page (SHANSHUI_TASK_PANELS): each a function of the
    request and the task returning rendered HTML, or "" for nothing to show."""
    out = []
    for path in getattr(settings, "SHANSHUI_TASK_PANELS", []):
        html = import_string(path)(request, task)
        if html:
            out.append(html)
    return out


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = _scoped_task(request, pk)
    return render(request, "ledger/detail.html", _detail_context(request, task))


# --- print: 办理单 and 销号审批表, A4 sheets for the paper file ---------------------------

PRINT_REPORTS = 6  # the latest progress reports on a sheet; the count says how many in all


def _print_context(request, task: Task) -> dict:
    reports = list(
        task.reports.filter(withdrawn_at__isnull=True)
        .select_related("unit")
        .order_by("-submitted_at", "-pk")
    )
    return {
        "task": task,
        "units_by_role": _units_by_role(task),
        "measures": list(task.measures.all()),
        "categories": [c.get_category_display() for c in task.category_rows.all()],
        "reports": reports[:PRINT_REPORTS],
        "reports_total": len(reports),
        "printed_at": timezone.localtime(),
    }


@login_required
def print_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """办理单: the task, its units and leaders, measures and progress, with lines to sign."""
    task = _scoped_task(request, pk)
    return render(request, "ledger/print/sheet.html", _print_context(request, task))


@login_required
def print_sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    """销号审批表: the application for acceptance with its checklist, the lead unit's recheck,
    the acceptance, the public notice and the sign-off. Only once acceptance was applied for
    (the latest application that was not returned)."""
    task = _scoped_task(request, pk)
    application = (
        task.applications.exclude(outcome="returned")
        .select_related("unit", "applied_by", "rechecked_by")
        .order_by("-applied_at", "-pk")
        .first()
    )
    if application is None:
        raise Http404
    files = {}
    for e in application.evidence.filter(withdrawn_at__isnull=True).order_by("pk"):
        files.setdefault(e.checklist_item, []).append(e.original_name)
    labels = dict(ChecklistItem.choices)
    context = _print_context(request, task)
    context.update(
        application=application,
        checklist=[
            (labels.get(key, key), statement, files.get(key, []))
            for key, statement in application.checklist.items()
        ],
        objections=task.objections.count(),
    )
    return render(request, "ledger/print/sign_off.html", context)


# --- the task page's actions: one handler each, (request, task, valid form) → the message -----


def _edit(request, task, form):
    # The fields, the units and the measures are one form: saved all or nothing.
    changes = {k: form.cleaned_data[k] for k in ("title", "problem", "target", "is_public")}
    changes.update(form.site())
    deadline = form.cleaned_data.get("deadline")
    if deadline and deadline != task.deadline:
        changes["deadline"] = deadline  # refused with a field error after assignment
    services.task_update(
        **acting(request, form, task=task),
        units=form.unit_assignments(task),
        measures=form.cleaned_data["measures"],
        **changes,
    )
    return _("The task was updated.")


def _assign(request, task, form):
    services.task_assign(
        **acting(request, form, task=task), comment=form.cleaned_data.get("comment", "")
    )
    return _("The task was assigned to its units.")


def _split(request, task, form):
    # 分解: one share per district, each a task of its own under this one.
    shares = services.task_split(
        **acting(request, form, task=task), units=list(form.cleaned_data["units"])
    )
    return _("%(n)d shares were created.") % {"n": len(shares)}


def _accept_assignment(request, task, form):
    # 签收: the executing unit takes the task on.
    services.task_accept_assignment(
        **acting(request, form, task=task), comment=form.cleaned_data.get("comment", "")
    )
    return _("You accepted the task; rectification is under way.")


def _report(request, task, form):
    services.task_report(
        **acting(request, form, task=task),
        text=form.cleaned_data["text"],
        percent=form.cleaned_data["percent"],
        measure_status=form.measure_status(),
        files=form.cleaned_data.get("files") or [],
    )
    return _("The progress report was submitted.")


def _add_evidence(request, task, form):
    # Files change no state: no version to check.
    services.evidence_add(
        actor=request.user,
        task=task,
        files=form.cleaned_data["files"],
        comment=form.cleaned_data.get("comment", ""),
    )
    return _("The files were added.")


def _withdraw_evidence(request, task, form):
    # A file of this task only: another task's file id is 404, not a withdrawal.
    evidence = get_object_or_404(Evidence, pk=form.cleaned_data["evidence"], task=task)
    services.evidence_withdraw(
        actor=request.user, evidence=evidence, reason=form.cleaned_data["reason"]
    )
    return _("The file was withdrawn; it stays on record for the office.")


def _urge(request, task, form):
    # 督办: a numbered notice to one of the task's units, with a reply date.
    notice = services.task_urge(
        **acting(request, form, task=task),
        to_unit=form.cleaned_data["to_unit"],
        text=form.cleaned_data["text"],
        response_due=form.cleaned_data["response_due"],
    )
    return _("Urge notice %(number)s was issued.") % {"number": notice.number}


def _answer_urge(request, task, form):
    notice = get_object_or_404(UrgeNotice, pk=form.cleaned_data["urge"], task=task)
    services.urge_answer(actor=request.user, urge=notice, response=form.cleaned_data["response"])
    return _("Your reply was recorded.")


def _request_extension(request, task, form):
    services.extension_request(
        **acting(request, form, task=task),
        requested_deadline=form.cleaned_data["requested_deadline"],
        reason=form.cleaned_data["reason"],
    )
    return _("The extension request was sent to the office.")


def _decide_extension(request, task, form):
    ext = get_object_or_404(ExtensionRequest, pk=form.cleaned_data["extension"], task=task)
    services.extension_decide(
        actor=request.user,
        extension=ext,
        approve=form.cleaned_data["approve"],
        comment=form.cleaned_data.get("comment", ""),
    )
    return _("The decision was recorded.")


def _apply_acceptance(request, task, form):
    # 申请验收 with the closing checklist: each item's statement and its evidence files.
    services.task_apply_acceptance(
        **acting(request, form, task=task),
        summary=form.cleaned_data["summary"],
        checklist=form.checklist(),
        files=form.evidence_files(),
        reuse_reason=form.cleaned_data.get("reuse_reason", ""),
    )
    return _("The application for acceptance was submitted.")


def _recheck(request, task, form):
    # 复查 by the lead unit before the accepting unit's acceptance; a fail returns the task.
    passed = form.cleaned_data["passed"]
    services.task_recheck(
        **acting(request, form, task=task), passed=passed, opinion=form.cleaned_data["opinion"]
    )
    if passed:
        return _("The recheck was recorded: passed.")
    return _("The recheck failed: the task was returned to its units with your opinion.")


def _accept(request, task, form):
    # 谁验收谁负责: the acceptance is signed with the name of the person who answers for it.
    services.task_accept(
        **acting(request, form, task=task),
        accepted_by_name=form.cleaned_data["accepted_by_name"],
        opinion=form.cleaned_data["opinion"],
    )
    return _("The task was accepted.")


def _start_notice(request, task, form):
    # 公示: the result is published for objections before the sign-off.
    services.task_start_notice(**acting(request, form, task=task))
    return _("The public notice has started.")


def _handle_objection(request, task, form):
    # An objection raised during the public notice: upheld, it returns the task.
    objection = get_object_or_404(Objection, pk=form.cleaned_data["objection"], task=task)
    services.objection_handle(
        actor=request.user,
        objection=objection,
        upheld=form.cleaned_data["upheld"],
        result=form.cleaned_data["result"],
    )
    return _("The objection was handled.")


def _sign_off(request, task, form):
    # 销号: the task leaves the ledger's open work.
    services.task_sign_off(
        **acting(request, form, task=task), comment=form.cleaned_data.get("comment", "")
    )
    return _("The task was signed off.")


def _return(request, task, form):
    services.task_return(**acting(request, form, task=task), reason=form.cleaned_data["reason"])
    return _("The task was returned for further rectification.")


def _reopen(request, task, form):
    # 反弹回潮: a signed-off problem came back; the trigger says how it was found.
    services.task_reopen(
        **acting(request, form, task=task),
        trigger=form.cleaned_data["trigger"],
        reason=form.cleaned_data["reason"],
    )
    return _("The task was reopened.")


def _record_accountability(request, task, form):
    # 问责: the form's fields are the record's fields.
    services.accountability_record(actor=request.user, task=task, **form.cleaned_data)
    return _("The accountability record was saved.")


def _withdraw(request, task, form):
    services.task_withdraw(**acting(request, form, task=task), reason=form.cleaned_data["reason"])
    return _("The task was withdrawn.")


def _plain(form_class):
    """The form factory of a form that needs nothing of the task."""

    def factory(task: Task, *args, **kwargs):
        return form_class(*args, **kwargs)

    return factory


def _report_form(task: Task, *args, **kwargs):
    # One status choice per measure of the task.
    return forms.ReportForm(*args, measures=task.measures.all(), **kwargs)


def _edit_form(task: Task, *args, **kwargs):
    # The deadline field only for drafts (after assignment: an extension request).
    return forms.EditForm(*args, task=task, **kwargs)


def _urge_form(task: Task, *args, **kwargs):
    # Only the task's own units (and its shares') can be urged.
    return forms.UrgeForm(*args, task=task, **kwargs)


# action name → (form factory(task, *form args), handler)
ACTIONS_PAGES = {
    "edit": (_edit_form, _edit),
    "assign": (_plain(forms.CommentForm), _assign),
    "split": (_plain(forms.SplitForm), _split),
    "accept_assignment": (_plain(forms.CommentForm), _accept_assignment),
    "report": (_report_form, _report),
    "add_evidence": (_plain(forms.EvidenceForm), _add_evidence),
    "withdraw_evidence": (_plain(forms.EvidenceWithdrawForm), _withdraw_evidence),
    "urge": (_urge_form, _urge),
    "answer_urge": (_plain(forms.UrgeAnswerForm), _answer_urge),
    "request_extension": (_plain(forms.ExtensionForm), _request_extension),
    "decide_extension": (_plain(forms.ExtensionDecisionForm), _decide_extension),
    "apply_acceptance": (_plain(forms.ApplyAcceptanceForm), _apply_acceptance),
    "recheck": (_plain(forms.RecheckForm), _recheck),
    "accept": (_plain(forms.AcceptForm), _accept),
    "start_notice": (_plain(forms.CommentForm), _start_notice),
    "handle_objection": (_plain(forms.ObjectionHandleForm), _handle_objection),
    "sign_off": (_plain(forms.CommentForm), _sign_off),
    "return": (_plain(forms.ReasonForm), _return),
    "reopen": (_plain(forms.ReopenForm), _reopen),
    "record_accountability": (_plain(forms.AccountabilityForm), _record_accountability),
    "withdraw": (_plain(forms.ReasonForm), _withdraw),
}

# The task page as the action dispatch needs it (shanshui.lib.actions).
TASK_PAGE = ObjectPage(
    url_name="ledger:task",
    template="ledger/detail.html",
    context=_detail_context,
    load=_scoped_task,
    heading=lambda task: f"{task.code} {task.title}",
    actions=rules.ACTIONS,
    conflict_note=gettext_lazy(
        "Nothing was changed. The task may have been updated by someone else since you opened it."
    ),
    back_label=gettext_lazy("Back to the task as it is now"),
)


@login_required
def action_form(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The form of one action, for the task page to load when its card is opened."""
    task = _scoped_task(request, pk)
    if action not in LAZY_CARDS:
        raise Http404
    if action not in rules.allowed_actions(request.user, task):
        raise PermissionDenied
    if action == "edit":
        form = _edit_form(task, initial=forms.EditForm.initial_for(task))
    else:
        form = forms.AccountabilityForm()
    return render(
        request,
        "ledger/_action_form.html",
        {
            "task": task,
            "name": action,
            "form": form,
            "label": rules.ACTIONS[action].label,
        },
    )


@login_required
@require_POST
def task_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    task = _scoped_task(request, pk)
    factory, handler = action_or_404(ACTIONS_PAGES, action)
    form = factory(task, request.POST, request.FILES)
    return run_action(request, task, action, form, handler, page=TASK_PAGE)


@login_required
def task_new(request: HttpRequest) -> HttpResponse:
    if not scope_for(request.user).sees_all:
        raise PermissionDenied
    form = forms.TaskForm(request.POST or None, initial={"campaign": request.GET.get("campaign")})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            # Each unit with its own leader; "every district" makes one share each.
            task = services.task_create_split(
                actor=request.user,
                shares=form.shares(),
                campaign=d["campaign"],
                code=d["code"],
                title=d["title"],
                problem=d["problem"],
                target=d["target"],
                measures=d["measures"],
                categories=d["categories"],
                deadline_kind=d["deadline_kind"],
                deadline=d.get("deadline"),
                is_public=d["is_public"],
                units=form.unit_assignments(),
                **form.site(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The task was put on the ledger as a draft."))
            return redirect("ledger:task", pk=task.pk)
    return form_page(request, "ledger/task_new.html", {"form": form})


@login_required
def campaigns(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    form = forms.CampaignForm(request.POST or None)
    if request.method == "POST":
        if not scope.sees_all:
            raise PermissionDenied
        campaign = save_form(form, lambda d: services.campaign_create(actor=request.user, **d))
        if campaign is not None:
            messages.success(request, _("Campaign “%(name)s” created.") % {"name": campaign})
            return redirect(reverse("ledger:list") + f"?campaign={campaign.pk}")
    visible = visible_tasks(request.user)
    rows = Campaign.objects.annotate(
        n_tasks=Count("tasks", filter=_in(visible)),
    ).order_by("-feedback_date", "-pk")
    if not scope.sees_all:
        rows = rows.filter(n_tasks__gt=0)
    return form_page(
        request,
        "ledger/campaigns.html",
        {"campaigns": rows, "form": form, "can_create": scope.sees_all},
    )


def _in(qs):
    return Q(tasks__in=qs.values("pk"))


@login_required
def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    """Serve a file only when the whole chain (file → report → task) is in the user's scope."""
    evidence = get_object_or_404(Evidence.objects.select_related("report", "task"), pk=pk)
    task = _scoped_task(request, evidence.task_id)
    if evidence.report_id and evidence.report.task_id != task.pk:
        raise Http404
    if evidence.withdrawn_at and not scope_for(request.user).sees_all:
        raise Http404
    return private_file(
        evidence.file,
        # Only images open in the browser (the inline preview); everything else downloads.
        as_attachment=request.GET.get("inline") != "1"
        or not evidence.content_type.startswith("image/"),
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    items = Notification.objects.filter(user=request.user).select_related("task")
    if request.method == "POST":
        services.notifications_mark_read(user=request.user)
        return redirect("ledger:notifications")
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "ledger/notifications.html", {"page": page})


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_object_or_404(Notification, pk=pk, user=request.user)
    services.notifications_mark_read(user=request.user, notifications=[note])
    if note.url.startswith("/") and not note.url.startswith("//"):  # a case's page
        return redirect(note.url)
    if note.task_id:
        return redirect("ledger:task", pk=note.task_id)
    return redirect("ledger:notifications")


# --- public pages (no login) -----------------------------------------------------------------


def public_list(request: HttpRequest) -> HttpResponse:
    tasks = selectors.public_tasks()
    status = request.GET.get("status")
    if status in (Status.IN_PUBLIC_NOTICE, Status.SIGNED_OFF):
        tasks = tasks.filter(status=status)
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "ledger/public_list.html", {"page": page, "status": status or ""})


def public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(selectors.public_tasks(), pk=pk)
    form = forms.ObjectionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            if request.POST.get("website"):
                # A bot filled the hidden field: pretend success, record nothing.
                fake = services._new_receipt_code()
                messages.success(request, _objection_received(fake))
                return redirect("public_rectification_detail", pk=task.pk)
            try:
                objection = services.objection_submit(
                    task=task,
                    text=form.cleaned_data["text"],
                    name=form.cleaned_data["name"],
                    contact=form.cleaned_data["contact"],
                    ip=client_ip(request),
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except WorkflowError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                messages.success(request, _objection_received(objection.receipt_code))
                return redirect("public_rectification_detail", pk=task.pk)
    # What the public reads is the summary submitted for acceptance, not internal reports.
    reports = task.applications.filter(outcome="accepted").order_by("-applied_at")[:1]
    return render(
        request,
        "ledger/public_detail.html",
        {
            "task": task,
            "form": form,
            "today": timezone.localdate(),
            "measures": task.measures.all(),
            "latest": reports[0] if reports else None,
            "open_objections": task.objections.filter(status=ObjectionStatus.OPEN).count(),
        },
        status=status,
    )


def _objection_received(code: str) -> str:
    return _(
        "Thank you. Your objection was received; the office will check it. Your receipt code "
        "is %(code)s: keep it to follow the objection."
    ) % {"code": "-".join(code[i : i + 4] for i in range(0, len(code), 4))}


def objection_track(request: HttpRequest) -> HttpResponse:
    """An objector follows their objection by its receipt code (posted, never in the URL)."""
    found = None
    status = 200
    form = forms.ObjectionTrackForm(request.POST or None)
    if request.method == "POST":
        try:
            ratelimit.hit("track", client_ip(request) or "unknown")
        except ratelimit.RateLimitExceeded as exc:
            response = HttpResponse(_("Too many attempts; try again later."), status=429)
            response["Retry-After"] = str(exc.retry_after)
            return response
        if form.is_valid():
            found = selectors.objection_by_receipt(form.cleaned_data["code"])
            if found is None:
                form.add_error("code", _("No objection has this receipt code."))
                status = 404
        else:
            status = 400
    response = render(
        request,
        "ledger/public_objection.html",
        {
            "form": form,
            "objection": found,
            "task_public": found is not None
            and selectors.public_tasks().filter(pk=found.task_id).exists(),
        },
        status=status,
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


def home_panel(request: HttpRequest) -> str:
    """The home page's ledger panel: my tasks by colour, and a leader's red and overdue items."""
    counts = dict(selectors.my_tasks(request.user).values_list("warning").annotate(n=Count("pk")))
    alerts = table_rows(selectors.with_units(selectors.leader_alerts(request.user))[:20])
    waiting = selectors.waiting_for_me(request.user)
    n_waiting = sum(qs.count() for qs in waiting.values())
    if not counts and not alerts and not n_waiting:
        return ""
    return render_to_string(
        "ledger/_home_panel.html",
        {
            "counts": [
                (WarningLevel(c), counts.get(c, 0)) for c in ("overdue", "red", "yellow", "green")
            ],
            "alerts": alerts,
            "n_waiting": n_waiting,
        },
        request=request,
    )
