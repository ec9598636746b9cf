"""Pages for the units that handle cases: the office, districts, departments and towns.

As in the ledger: each view loads the case through the user's data scope (404 outside it), checks
the action against rules.py (409 for the state, 403 for the role), calls one service and
redirects; a ValidationError re-renders the page with field errors (400).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max, Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shanshui.complaints import forms, rules, selectors, services
from shanshui.complaints.models import (
    Category,
    Complaint,
    ComplaintContact,
    ComplaintUnit,
    EventKind,
    Finding,
    LinkKind,
    Photo,
    RejectReason,
    Status,
    TransferBatch,
    UnitRole,
)
from shanshui.complaints.textmask import mask_personal_data
from shanshui.ledger.models import Campaign
from shanshui.lib import filterforms, geo
from shanshui.lib.actions import (
    ObjectPage,
    acting,
    action_or_404,
    add_service_errors,
    form_page,
    render_conflict,
    run_action,
    save_form,
)
from shanshui.lib.downloads import private_file
from shanshui.lib.workflow import Conflict, WorkflowError
from shanshui.orgs.models import Unit
from shanshui.orgs.pagination import CappedPaginator
from shanshui.orgs.scope import scope_for

PAGE_SIZE = 50
SEARCH_COUNT_CAP = 1000
LIST_COUNT_CAP = 10_000
WAITING_LIST_SIZE = 10
MODERATION_PAGE_SIZE = 20
MODERATION_LATE = dt.timedelta(days=1)  # a report waiting longer is marked in the queue

# The case list's status filter that shows the rest of a waiting group.
WAITING_STATUS = {
    "to_transfer": Status.RECEIVED,
    "to_start": Status.TRANSFERRED,
    "to_handle": Status.INVESTIGATING,
    "to_review": Status.HANDLED,
    "to_close": Status.HANDLED,
    "to_publish": Status.CLOSED,
    "to_follow_up": Status.STAGE_CLOSED,
}
# What waits, in the user's words (keys of selectors.waiting_for_me).
WAITING_LABELS = {
    "to_transfer": gettext_lazy("To transfer"),
    "to_start": gettext_lazy("To sign for"),
    "to_handle": gettext_lazy("To investigate"),
    "to_review": gettext_lazy("To review"),
    "to_close": gettext_lazy("To close"),
    "to_publish": gettext_lazy("To publish"),
    "to_follow_up": gettext_lazy("Follow-up to complete"),
}


def _scoped_case(request: HttpRequest, pk: int) -> Complaint:
    """The case, or 404 when it does not exist or is outside the user's scope."""
    c = (
        selectors.visible_complaints(request.user)
        .select_related("district", "batch__campaign", "task", "handled_by", "reviewed_by")
        .prefetch_related(
            "category_rows",
            Prefetch(
                "units",
                queryset=ComplaintUnit.objects.select_related("unit").order_by("role", "pk"),
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if c is None:
        raise Http404
    return c


def _require_office(request: HttpRequest) -> None:
    if not scope_for(request.user).sees_all:
        raise PermissionDenied


def _page(
    request: HttpRequest,
    qs,
    *,
    capped: bool,
    size: int = PAGE_SIZE,
    count: int | None = None,
    ids: bool = False,
):
    # Counts stop at a cap: counting a million rows costs more than the page itself. A search
    # stops sooner (its count is the slow part of a short infix search).
    """One page of ``qs`` with its rows loaded in full.

    Deferred join: the page's ids come from the index alone; only those rows are then read
    with their district, batch, types and units, so deep pages stay fast at a million cases.
    """
    paginator = CappedPaginator(qs, size, cap=SEARCH_COUNT_CAP if capped else LIST_COUNT_CAP)
    if count is not None:  # known exactly and cheaply (selectors.scope_count)
        paginator.cap = max(count, 1)
        paginator.count = count
    page = paginator.get_page(request.GET.get("page"))
    # ``qs`` is either cases or, with ``ids``, already their ids in order.
    pks = list(page.object_list) if ids else list(page.object_list.values_list("pk", flat=True))
    rows = {c.pk: c for c in selectors.with_relations(Complaint.objects.filter(pk__in=pks))}
    page.object_list = [rows[i] for i in pks if i in rows]
    return page


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _list_context(request: HttpRequest, *, batch: TransferBatch | None = None) -> dict:
    form = forms.CaseFilterForm(request.GET or None)
    data = dict(form.cleaned_data) if form.is_valid() else {}
    if batch is not None:
        data["batch"] = batch
    page = _page(
        request,
        selectors.cases(request.user, data=data),
        capped=bool(data.get("q")),
        count=None if batch is not None else selectors.scope_count(request.user, data),
    )
    return {
        "form": form,
        "filter_fields": filterforms.filter_fields(form),
        "page": page,
        "query": _query_without_page(request),
        "today": timezone.localdate(),
        "is_office": scope_for(request.user).sees_all,
    }


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    return render(request, "complaints/list.html", _list_context(request))


@login_required
def my_cases(request: HttpRequest) -> HttpResponse:
    user = request.user
    unit_ids = selectors.own_unit_ids(user)
    n_open, n_overdue = selectors.my_counts(user, unit_ids=unit_ids)
    page = _page(
        request,
        selectors.my_case_ids(user, unit_ids=unit_ids),
        capped=False,
        count=n_open,
        ids=True,
    )
    heads = {
        kind: group.head(WAITING_LIST_SIZE)
        for kind, group in selectors.waiting_for_me(user).items()
    }
    cases = selectors.first_cases({kind: pks for kind, (pks, _n) in heads.items()})
    groups = [
        (kind, WAITING_LABELS[kind], cases[kind], count, WAITING_STATUS[kind])
        for kind, (_pks, count) in heads.items()
        if cases[kind]
    ]
    scope = scope_for(user)
    return render(
        request,
        "complaints/my.html",
        {
            "page": page,
            "query": _query_without_page(request),
            "today": timezone.localdate(),
            "groups": groups,
            "n_overdue": n_overdue,
            "n_moderation": selectors.count_upto(selectors.moderation_queue(request.user))
            if scope.sees_all
            else 0,
            "is_office": scope.sees_all,
        },
    )


# --- the case page ---------------------------------------------------------------------------

# The order of the action cards; the first one present (and not a refusal) opens by default.
ACTION_ORDER = [
    "transfer",
    "start",
    "handle",
    "review",
    "close",
    "publish",
    "complete_follow_up",
    "transfer_down",
    "link",
    "promote",
    "reject",
    "send_back",
]
NOT_PRIMARY = {"link", "promote", "reject", "send_back", "transfer_down"}
OFFICE_STEPS = ["transfer", "review"]
DANGER = {"reject", "send_back"}
# Actions whose forms live in their own place on the page, not among the action cards.
OWN_PLACE = {"moderate", "reopen_task"}


def _handling(c: Complaint) -> list[Unit]:
    return [cu.unit for cu in c.units.all() if cu.role == UnitRole.HANDLING]


def _towns(c: Complaint) -> list[Unit]:
    return [cu.unit for cu in c.units.all() if cu.role == UnitRole.TOWN]


def _make_form(action: str, c: Complaint, data=None, files=None, initial=None):
    """The form of ``action`` for case ``c``: bound to ``data`` when given."""
    cls = ACTIONS_PAGES[action][0]
    kwargs = {}
    if action == "transfer_down":
        kwargs["handling"] = _handling(c)
    if data is not None:
        return cls(data, files, **kwargs)
    return cls(initial=initial or {"version": c.version}, **kwargs)


def _initial(action: str, c: Complaint) -> dict:
    initial = {"version": c.version}
    if action == "transfer":
        units = [u.pk for u in _handling(c)] or ([c.district_id] if c.district_id else [])
        initial["units"] = units
    elif action == "handle":
        initial = forms.HandleForm.initial_for(c)
    elif action == "promote":
        initial["title"] = c.summary[:200]
        if c.batch_id:
            initial["campaign"] = c.batch.campaign_id
        initial["deadline"] = c.deadline
    return initial


def _map_links(c: Complaint) -> dict | None:
    if c.lat is None or c.lon is None:
        return None
    lat, lon = c.lat, c.lon
    g_lat, g_lon = geo.wgs84_to_gcj02(lat, lon)
    return {
        "lat": f"{lat:.6f}",
        "lon": f"{lon:.6f}",
        # A phone opens its own map app on geo: addresses.
        "geo": f"geo:{lat:.6f},{lon:.6f}",
        # Chinese map apps draw GCJ-02; AMap takes the converted point.
        "amap": (
            f"https://uri.amap.com/marker?position={g_lon:.6f},{g_lat:.6f}"
            f"&coordinate=gaode&name={c.code}"
        ),
    }


def _event_notes(events: list) -> None:
    """A short line of what each event's data says (deadline, units, finding…)."""
    unit_ids: set[int] = set()
    for e in events:
        unit_ids.update(e.data.get("units", []) if isinstance(e.data.get("units"), list) else [])
        if e.data.get("town"):
            unit_ids.add(e.data["town"])
    names = {u.pk: u.display_name for u in Unit.objects.filter(pk__in=unit_ids)}
    for e in events:
        d = e.data or {}
        note = ""
        if e.kind == EventKind.TRANSFERRED:
            units = "、".join(names.get(pk, "?") for pk in d.get("units", []))
            note = _("To %(units)s; deadline %(date)s") % {
                "units": units,
                "date": d.get("deadline", "—"),
            }
        elif e.kind == EventKind.TRANSFERRED_DOWN:
            note = names.get(d.get("town"), "")
        elif e.kind == EventKind.HANDLED and d.get("finding") in Finding.values:
            note = str(Finding(d["finding"]).label)
        elif e.kind == EventKind.STAGE_CLOSED and d.get("follow_up_due"):
            note = _("Follow-up due %(date)s") % {"date": d["follow_up_due"]}
        elif e.kind == EventKind.REJECTED and d.get("reason") in RejectReason.values:
            note = str(RejectReason(d["reason"]).label)
        elif e.kind == EventKind.LINKED:
            kind = d.get("kind")
            note = d.get("code", "")
            if kind in LinkKind.values:
                note = f"{note} · {LinkKind(kind).label}"
        elif e.kind == EventKind.PROMOTED:
            note = _("Ledger task %(code)s") % {"code": d.get("code", "")}
        elif e.kind in (EventKind.HIDDEN, EventKind.UNHIDDEN):
            note = _("Photo") if d.get("what") == "photo" else _("Description")
        elif e.kind == EventKind.IMPORTED and d.get("receipt_no"):
            note = _("Acceptance number %(n)s") % {"n": d["receipt_no"]}
        e.note = note


def _detail_context(request: HttpRequest, c: Complaint, *, bound: dict | None = None) -> dict:
    user = request.user
    bound = bound or {}
    allowed = rules.allowed_actions(user, c)
    action_forms = {}
    for name in sorted(
        (n for n in allowed if n not in OWN_PLACE), key=lambda n: ACTION_ORDER.index(n)
    ):
        action_forms[name] = bound.get(name) or _make_form(name, c, initial=_initial(name, c))
    # The card opened by default: the user's next step. The office may act on every case, but
    # its own steps are transferring and the second review, not the units' investigation.
    candidates = OFFICE_STEPS if scope_for(user).sees_all else action_forms
    primary = next((n for n in candidates if n in action_forms and n not in NOT_PRIMARY), None)
    reopen_form = None
    reopenable = None
    if "reopen_task" in allowed:
        reopenable = rules.reopenable_task(c)
        reopen_form = bound.get("reopen_task") or _make_form("reopen_task", c)
    events = list(c.events.select_related("actor", "unit").order_by("-at", "-pk"))
    _event_notes(events)
    contact = None
    sees_contact = rules.sees_contact(user, c)
    if sees_contact:
        contact = ComplaintContact.objects.filter(complaint=c).first()
    else:
        # Not a handler (a viewer): numbers the reporter wrote into the text are masked too.
        # The object is only rendered, never saved.
        c.description = mask_personal_data(c.description)
        c.address = mask_personal_data(c.address)
    photos = list(c.photos.all())
    today = timezone.localdate()
    repeats = selectors.possible_repeats(c, user=user)
    return {
        "c": c,
        "today": today,
        "is_overdue": bool(c.deadline and c.deadline < today and c.status in selectors.OPEN_WORK),
        "allowed": allowed,
        "action_forms": action_forms,
        "action_labels": {name: rules.ACTIONS[name].label for name in rules.ACTIONS},
        # Steps that cannot be undone ask first (data-confirm, static/js/confirm.js).
        "action_confirms": {name: a.confirm for name, a in rules.ACTIONS.items() if a.confirm},
        "primary_action": primary,
        "danger_actions": DANGER,
        "categories": [Category(v).label for v in selectors.categories_of(c)],
        "handling": _handling(c),
        "towns": _towns(c),
        "map": _map_links(c),
        "photos": photos,
        "sees_contact": sees_contact,
        "contact": contact,
        "events": events,
        "status_labels": dict(Status.choices),
        "repeats": repeats,
        "linked": selectors.linked_cases(c, user=user),
        "reopenable": reopenable,
        "reopen_form": reopen_form,
        "moderate_form": bound.get("moderate"),
        "can_moderate": "moderate" in allowed,
        "can_link": "link" in allowed,
    }


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The case page: the report, its handling so far, and the actions open to the user."""
    c = _scoped_case(request, pk)
    return render(request, "complaints/detail.html", _detail_context(request, c))


# --- the case page's actions: one handler each, (request, case, valid form) → the message -----


def _transfer(request, c, form):
    # 交办: the office sends the case to its handling units, with a deadline (or the default).
    d = form.cleaned_data
    services.complaint_transfer(
        **acting(request, form, complaint=c),
        units=list(d["units"]),
        comment=d.get("comment", ""),
        deadline=d.get("deadline"),
    )
    return _("The case was transferred.")


def _reject(request, c, form):
    # 不予受理: one reason of a fixed list (the statistics count them), explained in the comment.
    d = form.cleaned_data
    services.complaint_reject(
        **acting(request, form, complaint=c), reason=d["reason"], comment=d.get("comment", "")
    )
    return _("The case was not accepted.")


def _start(request, c, form):
    # 签收: a handling unit takes the case on; its investigation starts now.
    d = form.cleaned_data
    services.complaint_start(**acting(request, form, complaint=c), comment=d.get("comment", ""))
    return _("You signed for the case; the investigation has started.")


def _transfer_down(request, c, form):
    # A district hands the case on to one of its towns or streets.
    d = form.cleaned_data
    services.complaint_transfer_down(
        **acting(request, form, complaint=c), town=d["town"], comment=d.get("comment", "")
    )
    return _("The case was transferred to %(town)s.") % {"town": d["town"].display_name}


def _send_back(request, c, form):
    # Not the unit's to handle: back to the office, which transfers it again.
    d = form.cleaned_data
    services.complaint_send_back(**acting(request, form, complaint=c), reason=d["reason"])
    return _("The case was sent back to the office.")


def _handle(request, c, form):
    # The finding and what was done, in the statistics' terms (the form puts them together).
    services.complaint_handle(**acting(request, form, complaint=c), result=form.handling_result())
    return _("The handling result was recorded.")


def _review(request, c, form):
    # 二次审核 by the office: the finding passes, or goes back with what to look at.
    d = form.cleaned_data
    services.complaint_review(
        **acting(request, form, complaint=c), approve=d["approve"], comment=d.get("comment", "")
    )
    if d["approve"]:
        return _("The finding passed the second review.")
    return _("The case was returned for further investigation.")


def _close(request, c, form):
    # 阶段性办结: a stage-closed case stays under follow-up until its date.
    d = form.cleaned_data
    stage = d["closure"] == "stage_closed"
    services.complaint_close(
        **acting(request, form, complaint=c),
        stage=stage,
        follow_up_due=d.get("follow_up_due") if stage else None,
        comment=d.get("comment", ""),
        reply=d.get("reply", ""),
    )
    return _("The case was stage-closed.") if stage else _("The case was closed.")


def _complete_follow_up(request, c, form):
    d = form.cleaned_data
    services.complaint_complete_follow_up(
        **acting(request, form, complaint=c), comment=d["comment"]
    )
    return _("The follow-up was recorded; the case is closed.")


def _publish(request, c, form):
    # The handling result goes on the public pages (the reporter's words only after review).
    services.complaint_publish(**acting(request, form, complaint=c))
    return _("The handling result was published.")


def _find_case(user, number: str) -> Complaint | None:
    """A case in the user's scope by its number, or by a transfer list's acceptance number."""
    visible = selectors.visible_complaints(user)
    found = visible.filter(code=number).first()
    if found is None:
        matches = list(visible.filter(receipt_no=number)[:2])
        found = matches[0] if len(matches) == 1 else None
    return found


def _link(request, c, form):
    # The earlier case is looked up in the user's scope: one outside it is "no such case".
    d = form.cleaned_data
    earlier = _find_case(request.user, d["earlier"].strip())
    if earlier is None:
        raise ValidationError({"earlier": _("No case with this number in your data scope.")})
    services.complaint_link(actor=request.user, complaint=c, earlier=earlier, kind=d["kind"])
    return _("The case was linked to %(code)s.") % {"code": earlier.code}


def _promote(request, c, form):
    # A case too big for its units goes on the ledger as a draft task (立项督办).
    d = form.cleaned_data
    task = services.complaint_promote(
        **acting(request, form, complaint=c),
        campaign=d["campaign"],
        code=d["code"],
        title=d["title"],
        deadline=d["deadline"],
    )
    return _("The case was put on the ledger as task %(code)s (a draft).") % {"code": task.code}


def _reopen_task(request, c, form):
    # A repeat report of a signed-off problem reopens its ledger task (反弹回潮).
    d = form.cleaned_data
    task = services.complaint_reopen_task(**acting(request, form, complaint=c), reason=d["reason"])
    return _("Ledger task %(code)s was reopened.") % {"code": task.code}


def _moderate(request, c, form):
    # 先审后发: the office hides or shows the citizen's text or a photo, or marks it checked.
    d = form.cleaned_data
    op = d["op"]
    if op in ("hide_text", "show_text"):
        services.moderate_text(
            actor=request.user, complaint=c, hidden=op == "hide_text", reason=d.get("reason", "")
        )
        if op == "hide_text":
            return _("The text is hidden from the public; the original is kept.")
        return _("The text is shown to the public again.")
    if op in ("hide_photo", "show_photo"):
        photo = get_object_or_404(Photo, pk=d["photo"], complaint=c)
        services.moderate_photo(
            actor=request.user, photo=photo, hidden=op == "hide_photo", reason=d.get("reason", "")
        )
        if op == "hide_photo":
            return _("The photo is hidden from the public; the original is kept.")
        return _("The photo is shown to the public again.")
    services.moderate_approve(
        actor=request.user, complaint=c, text=d["text"] if "text" in request.POST else None
    )
    return _("The report was approved and is now public.")


# action name → (form class, handler); _make_form builds the form.
ACTIONS_PAGES = {
    "transfer": (forms.TransferForm, _transfer),
    "reject": (forms.RejectForm, _reject),
    "start": (forms.CommentForm, _start),
    "transfer_down": (forms.TransferDownForm, _transfer_down),
    "send_back": (forms.ReasonForm, _send_back),
    "handle": (forms.HandleForm, _handle),
    "review": (forms.ReviewForm, _review),
    "close": (forms.CloseForm, _close),
    "complete_follow_up": (forms.FollowUpForm, _complete_follow_up),
    "publish": (forms.ConfirmForm, _publish),
    "link": (forms.LinkForm, _link),
    "promote": (forms.PromoteForm, _promote),
    "reopen_task": (forms.ReopenTaskForm, _reopen_task),
    "moderate": (forms.ModerateForm, _moderate),
}

# The case page as the action dispatch needs it (shanshui.lib.actions).
CASE_PAGE = ObjectPage(
    url_name="complaints:case",
    heading=lambda c: f"{c.code} {c.summary}",
    conflict_note=gettext_lazy(
        "Nothing was changed. The case may have been updated by someone else since you opened it."
    ),
    back_label=gettext_lazy("Back to the case as it is now"),
    actions=rules.ACTIONS,
    load=_scoped_case,
    context=_detail_context,
    template="complaints/detail.html",
)

# The services' words for a stale page (services._lock), for a refusal found before them.
STALE_MESSAGE = gettext_lazy(
    "Someone else changed this case a moment ago. Reload the page, check what changed, and try "
    "again."
)


def _stale(request: HttpRequest, c: Complaint) -> bool:
    version = request.POST.get("version", "")
    return version.isdigit() and int(version) != c.version


def _form_errors(form) -> list[str]:
    return [str(e) for errors in form.errors.values() for e in errors]


@login_required
@require_POST
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    c = _scoped_case(request, pk)
    _form_class, handler = action_or_404(ACTIONS_PAGES, action)
    try:
        # The state and the role first: someone who may not act learns that (409/403), not
        # what was wrong with the form. The service checks again under the row lock.
        rules.check(request.user, c, action)
    except WorkflowError as refusal:
        # Refused because someone else moved the case on since this page was loaded: say so.
        error = Conflict(STALE_MESSAGE) if _stale(request, c) else refusal
        return render_conflict(request, c, action, error, page=CASE_PAGE)
    form = _make_form(action, c, data=request.POST, files=request.FILES)
    if action == "moderate" and request.POST.get("back") == "queue":
        # Moderated from the queue of citizens' reports: back to the queue, errors shown there.
        return run_action(
            request,
            c,
            action,
            form,
            handler,
            page=CASE_PAGE,
            next_url=reverse("complaints:moderation"),
            invalid=lambda form: moderation(request, errors={c.pk: _form_errors(form)}, status=400),
        )
    return run_action(request, c, action, form, handler, page=CASE_PAGE)


@login_required
def photo_original(request: HttpRequest, pk: int) -> FileResponse:
    """The photo as uploaded (with its metadata), only for users who can see the case."""
    photo = get_object_or_404(Photo, pk=pk)
    if not selectors.visible_complaints(request.user).filter(pk=photo.complaint_id).exists():
        raise Http404
    extension = photo.file.name.rsplit(".", 1)[-1] if "." in photo.file.name else "bin"
    return private_file(
        photo.file,
        as_attachment=request.GET.get("download") == "1",
        filename=f"{photo.complaint_id}-{photo.pk}.{extension}",
        content_type=photo.content_type,
    )


# --- registering calls and letters, batches, moderation --------------------------------------


@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    """The office registers a call to the 12369 hotline or a letter (or visit)."""
    _require_office(request)
    form = forms.RegisterForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        report = services.Report(
            description=d["description"],
            categories=d["categories"],
            channel=d["channel"],
            district=d.get("district"),
            address=d.get("address", ""),
            lat=d.get("lat"),
            lon=d.get("lon"),
            enterprise=d.get("enterprise", ""),
            contact=services.Contact(
                name=d.get("contact_name", ""),
                phone=d.get("contact_phone", ""),
                email=d.get("contact_email", ""),
                wants_reply=d.get("wants_reply", False),
            ),
        )
        try:
            c = services.complaint_submit(
                actor=request.user, report=report, photos=d.get("photos") or []
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Case %(code)s was registered; transfer it next.") % {"code": c.code}
            )
            return redirect("complaints:case", pk=c.pk)
    return form_page(request, "complaints/new.html", {"form": form})


@login_required
def batches(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    in_scope = Q()
    if not scope.sees_all:
        in_scope = Q(complaints__in=selectors.visible_complaints(request.user).values("pk"))
    counts = {
        f"n_{s}": Count("complaints", filter=in_scope & Q(complaints__status=s))
        for s in Status.values
    }
    rows = (
        TransferBatch.objects.select_related("campaign")
        .annotate(total=Count("complaints", filter=in_scope), **counts)
        .order_by("-campaign__feedback_date", "campaign_id", "-number")
    )
    if not scope.sees_all:
        rows = rows.filter(total__gt=0)
    rows = list(rows)
    for b in rows:
        b.counts = [(s, getattr(b, f"n_{s.value}")) for s in Status if getattr(b, f"n_{s.value}")]
    return render(
        request,
        "complaints/batches.html",
        {"batches": rows, "is_office": scope.sees_all, "status_labels": dict(Status.choices)},
    )


@login_required
def batch_new(request: HttpRequest) -> HttpResponse:
    _require_office(request)
    # The newest campaign (or the one asked for) and its next batch number, as a start.
    asked = request.GET.get("campaign", "")
    campaigns = Campaign.objects.order_by("-feedback_date", "-pk").values_list("pk", flat=True)
    campaign_id = int(asked) if asked.isdigit() and len(asked) < 10 else campaigns.first()
    last = TransferBatch.objects.filter(campaign_id=campaign_id).aggregate(n=Max("number"))["n"]
    form = forms.BatchForm(
        request.POST or None,
        initial={"date": timezone.localdate(), "campaign": campaign_id, "number": (last or 0) + 1},
    )
    if request.method == "POST":
        batch = save_form(form, lambda d: services.batch_create(actor=request.user, **d))
        if batch is not None:
            messages.success(request, _("%(batch)s was registered.") % {"batch": batch})
            return redirect("complaints:batch", pk=batch.pk)
    return form_page(request, "complaints/batch_new.html", {"form": form})


def _public_batch_url(batch: TransferBatch) -> str:
    # The disclosure page belongs to the public pages; link to it once it exists.
    try:
        return reverse("complaints_public:batch", args=[batch.pk])
    except NoReverseMatch:
        return ""


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(TransferBatch.objects.select_related("campaign"), pk=pk)
    context = _list_context(request, batch=batch)
    context.update(
        {
            "batch": batch,
            "public_url": _public_batch_url(batch),
            "import_url": reverse("complaints:batch_import", args=[batch.pk])
            if context["is_office"]
            else "",
        }
    )
    return render(request, "complaints/batch.html", context)


@login_required
def moderation(
    request: HttpRequest,
    *,
    errors: dict | None = None,
    bulk_errors: list | None = None,
    status: int = 200,
):
    """Citizens' reports waiting for the office's check (先审后发), oldest first, with their
    text, photos and how long they have waited. POST: approve or hide several at once."""
    _require_office(request)
    if request.method == "POST" and errors is None:
        return _moderate_many(request)
    paginator = Paginator(selectors.moderation_queue(request.user), MODERATION_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    ids = list(page.object_list.values_list("pk", flat=True))
    rows = {
        c.pk: c
        for c in selectors.with_relations(Complaint.objects.filter(pk__in=ids)).prefetch_related(
            "photos"
        )
    }
    page.object_list = [rows[i] for i in ids if i in rows]
    for c in page.object_list:
        c.errors = (errors or {}).get(c.pk, [])
        c.preview = mask_personal_data(c.description)  # what the public would read
        c.waiting_long = timezone.now() - c.received_at > MODERATION_LATE
    return render(
        request,
        "complaints/moderation.html",
        {
            "page": page,
            "query": _query_without_page(request),
            "now": timezone.now(),
            "bulk_errors": bulk_errors or [],
        },
        status=status,
    )


def _moderate_many(request: HttpRequest) -> HttpResponse:
    waiting = selectors.moderation_queue(request.user)
    ticked = [v for v in request.POST.getlist("ids") if v.isdigit() and len(v) < 12]
    form = forms.ModerateManyForm(
        request.POST,
        waiting=list(waiting.filter(pk__in=ticked).values_list("pk", flat=True)),
    )
    if not form.is_valid():
        return moderation(request, errors={}, bulk_errors=_form_errors(form), status=400)
    d = form.cleaned_data
    try:
        n = services.moderate_many(
            actor=request.user,
            complaints=list(waiting.filter(pk__in=d["ids"])),
            approve=d["op"] == "approve",
            reason=d.get("reason", ""),
        )
    except ValidationError as exc:
        return moderation(request, errors={}, bulk_errors=exc.messages, status=400)
    if d["op"] == "approve":
        message = _("%(n)d reports were approved and are now public.") % {"n": n}
    else:
        message = _("The text of %(n)d reports is hidden from the public.") % {"n": n}
    messages.success(request, message)
    query = _query_without_page(request)
    return redirect(reverse("complaints:moderation") + (f"?{query}" if query else ""))


# --- panels for other pages ------------------------------------------------------------------


def home_panel(request: HttpRequest) -> str:
    """The home page's cases panel: my open cases, overdue ones, what waits for me."""
    user = request.user
    n_open, n_overdue = selectors.my_counts(user)
    waiting = [
        (kind, WAITING_LABELS[kind], group.count())
        for kind, group in selectors.waiting_for_me(user).items()
    ]
    waiting = [row for row in waiting if row[2]]
    scope = scope_for(user)
    n_moderation = selectors.count_upto(selectors.moderation_queue(user)) if scope.sees_all else 0
    if not (n_open or waiting or n_moderation):
        return ""
    return render_to_string(
        "complaints/_home_panel.html",
        {
            "n_open": n_open,
            "n_overdue": n_overdue,
            "waiting": waiting,
            "n_waiting": sum(n for _k, _l, n in waiting),
            "n_moderation": n_moderation,
        },
        request=request,
    )


def task_panel(request: HttpRequest, task) -> str:
    """The ledger task page's panel: the cases put on the ledger as, or linked to, this task."""
    qs = selectors.visible_complaints(request.user).filter(task=task)
    qs = qs.order_by("-received_at", "-pk")
    rows = list(selectors.with_relations(qs)[:50])
    if not rows:
        return ""
    return render_to_string(
        "complaints/_task_panel.html",
        {
            "cases": rows,
            "count": len(rows) if len(rows) < 50 else qs.count(),
            "today": timezone.localdate(),
        },
        request=request,
    )
