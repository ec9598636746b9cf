from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shanshui.ledger import forms, rules, selectors, services
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
from shanshui.ledger.rules import LedgerError
from shanshui.ledger.services import UnitAssignment, visible_tasks
from shanshui.orgs.pagination import CappedPaginator
from shanshui.orgs.scope import scope_for
from shanshui.orgs.services import client_ip

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


@login_required
def ledger_list(request: HttpRequest) -> HttpResponse:
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
    page.object_list = [rows[i] for i in ids if i in rows]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "ledger/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_create": scope_for(request.user).sees_all,
        },
    )


@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    mine = selectors.my_tasks(request.user)
    counts = dict(mine.values_list("warning").annotate(n=Count("pk")).order_by())
    groups = []
    for colour in ("overdue", "red", "yellow", "green", "none"):
        if counts.get(colour):
            # The most urgent first; the full list is the ledger filtered by colour.
            tasks = list(
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


def _detail_context(request, task: Task, *, bound: dict | None = None) -> dict:
    user = request.user
    allowed = rules.allowed_actions(user, task)
    bound = bound or {}
    initial = {"version": task.version}
    measures = list(task.measures.all())

    def form_for(name, cls, **kwargs):
        if name in bound:
            return bound[name]
        return cls(initial=initial, **kwargs)

    action_forms = {}
    if "edit" in allowed:
        # Heavy forms (long unit lists) are fetched when their card is opened: see action_form.
        action_forms["edit"] = bound.get("edit") or LAZY
    if "assign" in allowed:
        action_forms["assign"] = form_for("assign", forms.CommentForm)
    if "split" in allowed:
        action_forms["split"] = form_for("split", forms.SplitForm)
    if "accept_assignment" in allowed:
        action_forms["accept_assignment"] = form_for("accept_assignment", forms.CommentForm)
    if "report" in allowed:
        action_forms["report"] = form_for("report", forms.ReportForm, measures=measures)
    if "add_evidence" in allowed:
        action_forms["add_evidence"] = bound.get("add_evidence") or forms.EvidenceForm()
    if "urge" in allowed:
        action_forms["urge"] = form_for("urge", forms.UrgeForm, task=task)
    if (
        "request_extension" in allowed
        and not task.extensions.filter(status=ExtensionStatus.PENDING).exists()
    ):
        action_forms["request_extension"] = form_for("request_extension", forms.ExtensionForm)
    if "apply_acceptance" in allowed:
        action_forms["apply_acceptance"] = form_for("apply_acceptance", forms.ApplyAcceptanceForm)
    if "recheck" in allowed:
        action_forms["recheck"] = form_for("recheck", forms.CommentForm)
    if "accept" in allowed:
        action_forms["accept"] = bound.get("accept") or forms.AcceptForm(
            initial={**initial, "accepted_by_name": user.get_full_name() or user.username}
        )
    if "start_notice" in allowed:
        action_forms["start_notice"] = form_for("start_notice", forms.CommentForm)
    if "sign_off" in allowed:
        action_forms["sign_off"] = form_for("sign_off", forms.CommentForm)
    if "return" in allowed:
        action_forms["return"] = form_for("return", forms.ReasonForm)
    if "reopen" in allowed:
        action_forms["reopen"] = form_for("reopen", forms.ReopenForm)
    if "record_accountability" in allowed:
        action_forms["record_accountability"] = bound.get("record_accountability") or LAZY
    if "withdraw" in allowed:
        action_forms["withdraw"] = form_for("withdraw", forms.ReasonForm)

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
    primary = next((name for name in order if name in action_forms), None)
    action_forms = dict(
        sorted(action_forms.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)
    )

    scope = scope_for(user)
    direct = services.sees_task_directly(user, task)
    urges = list(task.urges.select_related("to_unit", "issued_by", "responded_by"))
    if not direct:  # only through a share: what concerns the user's own units
        urges = [u for u in urges if scope.can_see_unit(u.to_unit)]
    for urge in urges:
        urge.can_answer = not urge.responded_at and scope.has_role(urge.to_unit, *rules.ACTING)
    evidence = list(task.evidence.select_related("uploaded_by", "unit"))
    can_withdraw = "add_evidence" in allowed
    for item in evidence:
        item.can_withdraw = (
            can_withdraw
            and not item.withdrawn_at
            and (item.uploaded_by_id == user.pk or scope.sees_all)
        )
    return {
        "task": task,
        "today": timezone.localdate(),
        "allowed": allowed,
        "action_forms": action_forms,
        "action_labels": {name: rules.ACTIONS[name].label for name in rules.ACTIONS},
        "measures": measures,
        "units_by_role": [
            (UnitRole(role), [tu for tu in task.task_units.all() if tu.role == role])
            for role in UnitRole.values
            if any(tu.role == role for tu in task.task_units.all())
        ],
        "shares": selectors.with_units(
            task.shares.all() if direct else visible_tasks(user).filter(parent=task)
        ).order_by("code"),
        "events": services.events_for(user, task).order_by("-at", "-pk"),
        "reports": task.reports.select_related("author", "unit").prefetch_related("evidence"),
        "evidence": evidence,
        "urges": urges,
        "urge_answer_form": bound.get("answer_urge") or forms.UrgeAnswerForm(),
        "extensions": task.extensions.select_related("requested_by", "decided_by", "unit")
        if direct
        else [],
        "extension_form": bound.get("decide_extension") or forms.ExtensionDecisionForm(),
        "applications": task.applications.select_related("applied_by", "unit"),
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


def _version(form) -> int | None:
    value = form.cleaned_data.get("version") if hasattr(form, "cleaned_data") else None
    return value if value else None


# action name → (form factory, handler(request, task, form) -> message)
def _handlers():
    def edit(request, task, form):
        changes = {k: form.cleaned_data[k] for k in ("title", "problem", "target", "is_public")}
        deadline = form.cleaned_data.get("deadline")
        if deadline and deadline != task.deadline:
            changes["deadline"] = deadline  # refused with a field error after assignment
        with transaction.atomic():  # all of the edit or none of it
            services.task_edit(
                actor=request.user, task=task, expected_version=_version(form), **changes
            )
            # Same request, already checked against the version the user saw.
            services.task_set_units(
                actor=request.user,
                task=task,
                expected_version=None,
                units=form.unit_assignments(task),
            )
            services.task_set_measures(
                actor=request.user,
                task=task,
                expected_version=None,
                measures=form.cleaned_data["measures"].splitlines(),
            )
        return _("The task was updated.")

    def assign(request, task, form):
        services.task_assign(
            actor=request.user,
            task=task,
            expected_version=_version(form),
            comment=form.cleaned_data.get("comment", ""),
        )
        return _("The task was assigned to its units.")

    def split(request, task, form):
        shares = services.task_split(
            actor=request.user,
            task=task,
            expected_version=_version(form),
            units=list(form.cleaned_data["units"]),
        )
        return _("%(n)d shares were created.") % {"n": len(shares)}

    def accept_assignment(request, task, form):
        services.task_accept_assignment(
            actor=request.user,
            task=task,
            expected_version=_version(form),
            comment=form.cleaned_data.get("comment", ""),
        )
        return _("You accepted the task; rectification is under way.")

    def report(request, task, form):
        services.task_report(
            actor=request.user,
            task=task,
            expected_version=_version(form),
            text=form.cleaned_data["text"],
            percent=form.cleaned_data["percent"],
            measure_status=form.measure_status(),
            files=form.cleaned_data.get("files") or [],
        )
        return _("The progress report was submitted.")

    def add_evidence(request, task, form):
        services.evidence_add(
            actor=request.user,
            task=task,
            files=form.cleaned_data["files"],
            comment=form.cleaned_data.get("comment", ""),
        )
        return _("The files were added.")

    def withdraw_evidence(request, task, form):
        evidence = get_object_or_404(Evidence, pk=form.cleaned_data["evidence"], task=task)
        services.evidence_withdraw(
            actor=request.user, evidence=evidence, reason=form.cleaned_data["reason"]
        )
        return _("The file was withdrawn; it stays on record for the office.")

    def urge(request, task, form):
        notice = services.task_urge(
            actor=request.user,
            task=task,
            expected_version=_version(form),
            to_unit=form.cleaned_data["to_unit"],
            text=form.cleaned_data["text"],
            response_due=form.cleaned_data["response_due"],
        )
        return _("Urge notice %(number)s was issued.") % {"number": notice.number}

    def answer_urge(request, task, form):
        notice = get_object_or_404(UrgeNotice, pk=form.cleaned_data["urge"], task=task)
        services.urge_answer(
            actor=request.user, urge=notice, response=form.cleaned_data["response"]
        )
        return _("Your reply was recorded.")

    def request_extension(request, task, form):
        services.extension_request(
            actor=request.user,
            task=task,
            expected_version=_version(form),
            requested_deadline=form.cleaned_data["requested_deadline"],
            reason=form.cleaned_data["reason"],
        )
        return _("The extension request was sent to the office.")

    def decide_extension(request, task, form):
        ext = get_object_or_404(ExtensionRequest, pk=form.cleaned_data["extension"], task=task)
        services.extension_decide(
            actor=request.user,
            extension=ext,
            approve=form.cleaned_data["approve"],
            comment=form.cleaned_data.get("comment", ""),
        )
        return _("The decision was recorded.")

    def apply_acceptance(request, task, form):
        services.task_apply_acceptance(
            actor=request.user,
            task=task,
            expected_version=_version(form),
            summary=form.cleaned_data["summary"],
            checklist=form.checklist(),
            files=form.evidence_files(),
        )
        return _("The application for acceptance was submitted.")

    def recheck(request, task, form):
        services.task_recheck(
            actor=request.user,
            task=task,
            expected_version=_version(form),
            comment=form.cleaned_data.get("comment", ""),
        )
        return _("The recheck was recorded.")

    def accept(request, task, form):
        services.task_accept(
            actor=request.user,
            task=task,
            expected_version=_version(form),
            accepted_by_name=form.cleaned_data["accepted_by_name"],
            comment=form.cleaned_data.get("comment", ""),
        )
        return _("The task was accepted.")

    def start_notice(request, task, form):
        services.task_start_notice(actor=request.user, task=task, expected_version=_version(form))
        return _("The public notice has started.")

    def handle_objection(request, task, form):
        objection = get_object_or_404(Objection, pk=form.cleaned_data["objection"], task=task)
        services.objection_handle(
            actor=request.user,
            objection=objection,
            upheld=form.cleaned_data["upheld"],
            result=form.cleaned_data["result"],
        )
        return _("The objection was handled.")

    def sign_off(request, task, form):
        services.task_sign_off(
            actor=request.user,
            task=task,
            expected_version=_version(form),
            comment=form.cleaned_data.get("comment", ""),
        )
        return _("The task was signed off.")

    def return_(request, task, form):
        services.task_return(
            actor=request.user,
            task=task,
            expected_version=_version(form),
            reason=form.cleaned_data["reason"],
        )
        return _("The task was returned for further rectification.")

    def reopen(request, task, form):
        services.task_reopen(
            actor=request.user,
            task=task,
            expected_version=_version(form),
            trigger=form.cleaned_data["trigger"],
            reason=form.cleaned_data["reason"],
        )
        return _("The task was reopened.")

    def record_accountability(request, task, form):
        services.accountability_record(actor=request.user, task=task, **form.cleaned_data)
        return _("The accountability record was saved.")

    def withdraw(request, task, form):
        services.task_withdraw(
            actor=request.user,
            task=task,
            expected_version=_version(form),
            reason=form.cleaned_data["reason"],
        )
        return _("The task was withdrawn.")

    return {
        "edit": (forms.EditForm, edit),
        "assign": (forms.CommentForm, assign),
        "split": (forms.SplitForm, split),
        "accept_assignment": (forms.CommentForm, accept_assignment),
        "report": ("report", report),
        "add_evidence": (forms.EvidenceForm, add_evidence),
        "withdraw_evidence": (forms.EvidenceWithdrawForm, withdraw_evidence),
        "urge": ("urge", urge),
        "answer_urge": (forms.UrgeAnswerForm, answer_urge),
        "request_extension": (forms.ExtensionForm, request_extension),
        "decide_extension": (forms.ExtensionDecisionForm, decide_extension),
        "apply_acceptance": (forms.ApplyAcceptanceForm, apply_acceptance),
        "recheck": (forms.CommentForm, recheck),
        "accept": (forms.AcceptForm, accept),
        "start_notice": (forms.CommentForm, start_notice),
        "handle_objection": (forms.ObjectionHandleForm, handle_objection),
        "sign_off": (forms.CommentForm, sign_off),
        "return": (forms.ReasonForm, return_),
        "reopen": (forms.ReopenForm, reopen),
        "record_accountability": (forms.AccountabilityForm, record_accountability),
        "withdraw": (forms.ReasonForm, withdraw),
    }


HANDLERS = _handlers()


@login_required
def action_form(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The form of one action, for the task page to load when its card is opened."""
    task = _scoped_task(request, pk)
    if action not in ("edit", "record_accountability"):
        raise Http404
    if action not in rules.allowed_actions(request.user, task):
        raise PermissionDenied
    if action == "edit":
        form = forms.EditForm(initial=forms.EditForm.initial_for(task))
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
    if action not in HANDLERS:
        raise Http404
    factory, handler = HANDLERS[action]
    if factory == "report":
        form = forms.ReportForm(request.POST, request.FILES, measures=task.measures.all())
    elif factory == "urge":
        form = forms.UrgeForm(request.POST, task=task)
    else:
        form = factory(request.POST, request.FILES)
    status = 400
    if form.is_valid():
        try:
            message = handler(request, task, form)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                target = field if field in form.fields else None
                if target is None and f"check_{field}" in form.fields:
                    target = f"check_{field}"
                form.add_error(target, errors)
        except LedgerError as exc:
            # The task moved on (another person acted, or the state never allowed this): say
            # so plainly and lead back to the task as it is now.
            return render(
                request,
                "ledger/conflict.html",
                {
                    "task": task,
                    "message": exc.message,
                    "action_label": rules.ACTIONS[action].label if action in rules.ACTIONS else "",
                },
                status=exc.status_code,
            )
        except PermissionDenied:
            raise  # the plain 403 page: this user was never offered the form
        else:
            messages.success(request, message)
            return redirect(reverse("ledger:task", args=[task.pk]) + "#timeline")
    task = _scoped_task(request, pk)
    context = _detail_context(request, task, bound={action: form})
    context["failed_action"] = action
    return render(request, "ledger/detail.html", context, status=status)


@login_required
def task_new(request: HttpRequest) -> HttpResponse:
    if not scope_for(request.user).sees_all:
        raise PermissionDenied
    form = forms.TaskForm(request.POST or None, initial={"campaign": request.GET.get("campaign")})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        units = []
        leader = (d.get("leader_name", ""), d.get("leader_post", ""))
        if d.get("lead"):
            units.append(UnitAssignment(d["lead"], UnitRole.LEAD, *leader))
        units += [UnitAssignment(u, UnitRole.RESPONSIBLE, *leader) for u in d["responsible"]]
        units += [UnitAssignment(u, UnitRole.IMPLEMENTING, *leader) for u in d["implementing"]]
        units += [UnitAssignment(u, UnitRole.SUPPORTING) for u in d["supporting"]]
        if d.get("accepting"):
            units.append(UnitAssignment(d["accepting"], UnitRole.ACCEPTING))
        try:
            task = services.task_create(
                actor=request.user,
                campaign=d["campaign"],
                code=d["code"],
                title=d["title"],
                problem=d["problem"],
                target=d["target"],
                measures=[line for line in d["measures"].splitlines() if line.strip()],
                categories=d["categories"],
                deadline_kind=d["deadline_kind"],
                deadline=d.get("deadline"),
                is_public=d["is_public"],
                units=units,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The task was put on the ledger as a draft."))
            return redirect("ledger:task", pk=task.pk)
    return render(
        request,
        "ledger/task_new.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def campaigns(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    form = forms.CampaignForm(request.POST or None)
    if request.method == "POST":
        if not scope.sees_all:
            raise PermissionDenied
        if form.is_valid():
            try:
                campaign = services.campaign_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Campaign “%(name)s” created.") % {"name": campaign})
                return redirect(reverse("ledger:list") + f"?campaign={campaign.pk}")
    visible = visible_tasks(request.user)
    rows = Campaign.objects.annotate(
        n_tasks=Count("tasks", filter=_in(visible)),
    ).order_by("-feedback_date", "-pk")
    if not scope.sees_all:
        rows = rows.filter(n_tasks__gt=0)
    return render(
        request,
        "ledger/campaigns.html",
        {
            "campaigns": rows,
            "form": form,
            "can_create": scope.sees_all,
        },
        status=400 if request.method == "POST" else 200,
    )


def _in(qs):
    from django.db.models import Q

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
    handle = evidence.file.open("rb")
    response = FileResponse(
        handle,
        as_attachment=request.GET.get("inline") != "1"
        or not evidence.content_type.startswith("image/"),
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    items = Notification.objects.filter(user=request.user).select_related("task")
    if request.method == "POST":
        items.filter(read_at__isnull=True).update(read_at=timezone.now())
        return redirect("ledger:notifications")
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "ledger/notifications.html", {"page": page})


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    note = get_object_or_404(Notification, pk=pk, user=request.user)
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
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
                messages.success(request, _("Thank you. Your objection was received."))
                return redirect("public_rectification_detail", pk=task.pk)
            try:
                services.objection_submit(
                    task=task,
                    text=form.cleaned_data["text"],
                    name=form.cleaned_data["name"],
                    contact=form.cleaned_data["contact"],
                    ip=client_ip(request),
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            except LedgerError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                messages.success(
                    request, _("Thank you. Your objection was received; the office will check it.")
                )
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


def home_panel(request: HttpRequest) -> str:
    """The home page's ledger panel: my tasks by colour, and a leader's red and overdue items."""
    from django.db.models import Count as _Count
    from django.template.loader import render_to_string

    counts = dict(selectors.my_tasks(request.user).values_list("warning").annotate(n=_Count("pk")))
    alerts = list(selectors.with_units(selectors.leader_alerts(request.user))[:20])
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
