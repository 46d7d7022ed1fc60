"""Views of the ward web app. Thin, like the API's: check the role (workup.api.permissions, the
same matrix as the API), read through the scoped selectors (another ward's row is 404), call one
service, render. Domain errors come back as messages beside the form that caused them."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from orders.models import OrderStatus
from orders.selectors import completion_rules_of, orders_visible_to
from orders.services import order_mark_not_indicated, order_start, series_resume, series_stop
from workup.api.permissions import Operation, user_may, user_may_open_workup_on
from workup.api.throttling import TriageThrottle
from workup.clinical.body import ideal_body_weight_kg
from workup.clinical.red_flags import CONSIDER_CORD_LESION_MESSAGE
from workup.errors import DomainError, DuplicateOpenWorkup, InvalidInput, StaleVersion
from workup.models import Condition, RespiratoryReading, WorkupStatus
from workup.monitoring import wording
from workup.monitoring.api.serializers import data_for_service
from workup.monitoring.pathway_cache import rules_for
from workup.monitoring.selectors import respiratory_readings_of, workup_scores
from workup.monitoring.services.readings import ReadingRecorded, reading_record
from workup.selectors import pathway_offer, wards_visible_to, workup_detail, workups_visible_to
from workup.services.assignment import nurses_of_ward
from workup.services.closing import reopen_possible
from workup.services.idempotency import idempotency_claim, idempotency_complete, idempotency_fingerprint
from workup.services.order_results import order_complete_with_result, treatment_decide
from workup.services.pathway_switch import workup_switch_pathway
from workup.services.triage import workup_open
from workup.web import chart
from workup.web.forms import CloseForm, PathwaySwitchForm, ReadingForm, ReopenForm, TriageForm, errors_by_field
from workup.web.fragments import fragment, require
from workup.web.links import workup_url
from workup.web.selectors import (
    audit_timeline,
    board_workups,
    has_assigned_patients,
    triage_findings,
    workup_alert_group,
)


def _minutes(delta) -> int:
    return int(delta.total_seconds() // 60)


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links to."""
    return redirect(static("workup/favicon.svg"), permanent=True)


# --- Ward board ---------------------------------------------------------------------------------


SEARCH_MAX_LENGTH = 64


def _board_rows(user, now: datetime, *, search: str, mine: bool) -> list[dict]:
    # What the template filters did per row, once per row or per title (a few hundred rows: the
    # url tag, truncatechars and the time filter were half the rendering time).
    titles: dict[str, str] = {}
    rows = []
    for workup in board_workups(user=user, now=now, search=search, mine=mine):
        due_at = workup.earliest_due_at
        group = workup.unresolved_groups[0] if workup.unresolved_groups else None
        if due_at:
            title = workup.next_order_title
            if title not in titles:
                titles[title] = Truncator(title).chars(60)
            next_order = {
                "title": titles[title],
                "due_at": due_at,
                # time:"H:i" in the hospital's zone: digits only, no locale.
                "due_time": timezone.localtime(due_at).strftime("%H:%M"),
            }
        else:
            next_order = None
        rows.append(
            {
                "workup": workup,
                "url": workup_url(workup.pk),
                "hours_since_triage": int((now - workup.triaged_at).total_seconds() // 3600),
                "next_order": next_order,
                "next_due_minutes": _minutes(due_at - now) if due_at else None,
                "stat": workup.has_stat,
                "group": group,
                "findings": wording.group_findings(group.unresolved_alerts) if group else [],
            }
        )
    return rows


def _board_context(request: HttpRequest) -> dict:
    now = timezone.now()
    search = request.GET.get("q", "").strip()[:SEARCH_MAX_LENGTH]
    mine = request.GET.get("mine") == "1"
    return {
        "rows": _board_rows(request.user, now, search=search, mine=mine),
        "wards": list(wards_visible_to(user=request.user)),
        "search": search,
        "mine": mine,
        "has_mine": has_assigned_patients(user=request.user),
        "now": now,
    }


@login_required
@require_GET
def board(request: HttpRequest) -> HttpResponse:
    require(request.user, Operation.READ)
    return render(request, "workup/board.html", _board_context(request))


@login_required
@require_GET
@fragment(page="web:board")
def board_rows(request: HttpRequest) -> HttpResponse:
    require(request.user, Operation.READ)
    return render(request, "workup/_board_rows.html", _board_context(request))


# --- Workup page and order actions --------------------------------------------------------------

ORDER_GROUPS = (
    ("To do", (OrderStatus.PENDING, OrderStatus.IN_PROGRESS)),
    ("Completed", (OrderStatus.COMPLETED,)),
    ("Not indicated", (OrderStatus.NOT_INDICATED,)),
    ("Cancelled", (OrderStatus.CANCELLED,)),
)


def workup_context(
    request: HttpRequest,
    workup_id: int,
    *,
    order_problem: dict | None = None,
    close_form: CloseForm | None = None,
    reopen_form: ReopenForm | None = None,
) -> dict:
    user = request.user
    now = timezone.now()
    workup = get_object_or_404(workup_detail(user=user, now=now), pk=workup_id)
    patient = workup.patient
    try:
        ibw_kg = ideal_body_weight_kg(sex=patient.sex, height_cm=patient.height_cm)
    except ValueError:
        ibw_kg = None
    orders = list(workup.orders.all())
    entry_rules = completion_rules_of(workup=workup)
    groups = []
    for label, statuses in ORDER_GROUPS:
        rows = [
            {
                "order": order,
                "overdue_minutes": _minutes(now - order.due_at) if order.is_open and order.due_at < now else 0,
                "problem": (order_problem or {}).get(order.pk),
                # Spec §2 v1.1: completed by a bedside entry with these values, never by hand.
                "completed_by": entry_rules.get(order.key),
            }
            for order in orders
            if order.status in statuses
        ]
        if rows:
            groups.append({"label": label, "rows": rows, "open": statuses[0] == OrderStatus.PENDING})
    readings = list(respiratory_readings_of(workup=workup))
    zone = ZoneInfo(workup.ward.timezone)
    respiratory_rules = rules_for(workup=workup).respiratory
    vc = chart.vc_chart(
        readings=[
            chart.ChartReading(
                taken_at=r.taken_at,
                fvc_ml=r.fvc_ml,
                fvc_ml_per_kg_ibw=r.fvc_ml_per_kg_ibw,
                nif_cm_h2o=r.nif_cm_h2o,
            )
            for r in readings
        ],
        tz=zone,
        rules=respiratory_rules,
    )
    group = workup_alert_group(workup=workup)
    is_open = workup.status == WorkupStatus.OPEN
    may_close = user_may(user=user, operation=Operation.WORKUP_CLOSE)
    may_assign = user_may(user=user, operation=Operation.NURSE_ASSIGN) and is_open
    return {
        "workup": workup,
        "patient": patient,
        "ibw_kg": ibw_kg,
        "alert_group": group,
        "alert_group_findings": wording.group_findings(group.unresolved_alerts) if group else [],
        "may_close": may_close and is_open,
        "may_reopen": may_close and reopen_possible(workup=workup, now=now),
        "close_form": close_form or CloseForm(),
        "reopen_form": reopen_form or ReopenForm(),
        "may_assign": may_assign,
        "ward_nurses": list(nurses_of_ward(ward_id=workup.ward_id)) if may_assign else [],
        "scores": workup_scores(workup=workup, now=now),
        "order_groups": groups,
        "readings": readings[:10],
        "respiratory_rules": respiratory_rules,
        "chart": vc,
        "timeline": audit_timeline(workup=workup)[:100],
        "may_start": user_may(user=user, operation=Operation.ORDER_START),
        "may_complete": user_may(user=user, operation=Operation.ORDER_COMPLETE),
        "may_not_indicate": user_may(user=user, operation=Operation.ORDER_NOT_INDICATED),
        "may_record": user_may(user=user, operation=Operation.RECORD_BEDSIDE) and workup.status == "open",
        "may_switch": user_may(user=user, operation=Operation.PATHWAY_SWITCH) and workup.status == "open",
        "pathway_offer": pathway_offer(workup),
        "may_acknowledge": user_may(user=user, operation=Operation.ALERT_ACKNOWLEDGE),
        "series": list(workup.series.all()),
        "may_stop_series": user_may(user=user, operation=Operation.SERIES_STOP) and workup.status == "open",
        "may_decide_treatment": user_may(user=user, operation=Operation.TREATMENT_DECIDE)
        and workup.status == "open"
        and any(o.key == "treatment_decision" for o in orders),
        "treatment_decisions": [o for o in orders if o.key == "treatment_decision" and o.result_data],
        "triage_findings": triage_findings(workup=workup),
        "cord_lesion_message": CONSIDER_CORD_LESION_MESSAGE if workup.cord_red_flags else "",
        "may_resolve": user_may(user=user, operation=Operation.ALERT_RESOLVE),
        "now": now,
    }


@login_required
@require_GET
def workup_page(request: HttpRequest, workup_id: int) -> HttpResponse:
    require(request.user, Operation.READ)
    return render(request, "workup/workup.html", workup_context(request, workup_id))


def _order_action(request: HttpRequest, order_id: int, *, operation: Operation, act, field: str | None) -> HttpResponse:
    """Run one order service with the version the page showed. On a conflict or bad input the
    workup page is shown again with the message at that order and what the user typed kept."""
    require(request.user, operation)
    order = get_object_or_404(orders_visible_to(user=request.user).select_related("workup"), pk=order_id)
    typed = request.POST.get(field, "") if field else ""
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        done = act(order=order, by=request.user, version=version, **({field: typed} if field else {}))
    except StaleVersion:
        problem = {
            "action": operation,
            "typed": typed,
            "conflict": "Someone else changed this order while you had the page open. It is shown as it is "
            "now; what you typed is kept below — check it and submit again.",
        }
        status = 409
    except InvalidInput as error:
        problem = {"action": operation, "typed": typed, "errors": errors_by_field(error.errors)}
        status = 400
    except DomainError as error:
        problem = {"action": operation, "typed": typed, "conflict": str(error)}
        status = 409
    else:
        messages.success(request, f"{done.title}: {done.get_status_display().lower()}.")
        return redirect(f"{reverse('web:workup', args=[order.workup_id])}#order-{order.pk}")
    # Also at the top of the viewport, where the user is: the page opens at the order (#order-N).
    messages.error(request, f"{order.title}: {problem.get('conflict') or 'check what you typed.'}")
    context = workup_context(request, order.workup_id, order_problem={order.pk: problem})
    return render(request, "workup/workup.html", context, status=status)


@login_required
@require_POST
def order_start_view(request: HttpRequest, order_id: int) -> HttpResponse:
    return _order_action(request, order_id, operation=Operation.ORDER_START, act=order_start, field=None)


def _result_data_from(post, order_key: str) -> dict | None:
    """The structured result some orders are completed with (orders.results), from the form."""
    if order_key == "treatment_decision" and post.get("treatment"):
        return {"treatment": post["treatment"], "reason": post.get("treatment_reason", "")}
    if order_key == "swallow_screen" and post.get("passed") in ("yes", "no"):
        return {"passed": post["passed"] == "yes"}
    return None


@login_required
@require_POST
def order_complete_view(request: HttpRequest, order_id: int) -> HttpResponse:
    def complete(*, order, by, version, result):
        return order_complete_with_result(
            order=order, by=by, result=result, result_data=_result_data_from(request.POST, order.key), version=version
        )

    return _order_action(request, order_id, operation=Operation.ORDER_COMPLETE, act=complete, field="result")


def _workup_redirect(workup_id: int, anchor: str) -> HttpResponse:
    return redirect(f"{reverse('web:workup', args=[workup_id])}#{anchor}")


def _workup_action(request: HttpRequest, workup_id: int, *, operation: Operation, act, anchor: str) -> HttpResponse:
    """A workup-level action (stop/resume a series, change treatment): the service's message comes
    back at the top of the workup page."""
    require(request.user, operation)
    workup = get_object_or_404(workups_visible_to(user=request.user), pk=workup_id)
    try:
        message = act(workup=workup)
    except InvalidInput as error:
        for field, errors in errors_by_field(error.errors).items():
            messages.error(request, f"{field.replace('_', ' ')}: {' '.join(errors)}")
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, message)
    return _workup_redirect(workup.pk, anchor)


@login_required
@require_POST
def series_stop_view(request: HttpRequest, workup_id: int, key: str) -> HttpResponse:
    def stop(*, workup):
        series = series_stop(
            workup=workup, key=key, by=request.user, reason=request.POST.get("reason", ""), now=timezone.now()
        )
        return f"{series.title.capitalize()} stopped: {series.stop_reason}"

    return _workup_action(request, workup_id, operation=Operation.SERIES_STOP, act=stop, anchor="series")


@login_required
@require_POST
def series_resume_view(request: HttpRequest, workup_id: int, key: str) -> HttpResponse:
    def resume(*, workup):
        series = series_resume(
            workup=workup, key=key, by=request.user, reason=request.POST.get("reason", ""), now=timezone.now()
        )
        return f"{series.title.capitalize()} resumed: the first one is due soon."

    return _workup_action(request, workup_id, operation=Operation.SERIES_STOP, act=resume, anchor="series")


@login_required
@require_POST
def treatment_decide_view(request: HttpRequest, workup_id: int) -> HttpResponse:
    def decide(*, workup):
        decision = treatment_decide(
            workup=workup,
            treatment=request.POST.get("treatment", ""),
            reason=request.POST.get("reason", ""),
            by=request.user,
        )
        return decision.result

    return _workup_action(request, workup_id, operation=Operation.TREATMENT_DECIDE, act=decide, anchor="treatment")


@login_required
@require_POST
def order_not_indicated_view(request: HttpRequest, order_id: int) -> HttpResponse:
    return _order_action(
        request, order_id, operation=Operation.ORDER_NOT_INDICATED, act=order_mark_not_indicated, field="reason"
    )


# --- Log a reading ------------------------------------------------------------------------------


def _reading_record_once(request: HttpRequest, workup, form: ReadingForm, *, now: datetime) -> ReadingRecorded:
    """Record the reading unless this very form was submitted before (its one-time token): then
    the reading already saved is shown again, marked as a repeat, and nothing is stored."""
    data = data_for_service(form.measurements())
    taken_at = form.cleaned_data.get("taken_at")
    token = form.cleaned_data.get("form_token")
    if token is None:
        return reading_record(workup=workup, data=data, by=request.user, now=now, taken_at=taken_at)
    with transaction.atomic():
        claim = idempotency_claim(
            user=request.user,
            key=f"web-form:{token}",
            fingerprint=idempotency_fingerprint("reading", workup.pk, data),
            now=now,
        )
        if claim.replay:
            reading = RespiratoryReading.objects.get(pk=claim.record.response["reading"])
            return ReadingRecorded(reading=reading, alert_changes=[], completed_order=None, duplicate=True)
        result = reading_record(workup=workup, data=data, by=request.user, now=now, taken_at=taken_at)
        idempotency_complete(claim=claim, status_code=201, response={"reading": result.reading.pk})
        return result


@login_required
@require_http_methods(["GET", "POST"])
def reading_new(request: HttpRequest, workup_id: int) -> HttpResponse:
    require(request.user, Operation.RECORD_BEDSIDE)
    workup = get_object_or_404(workups_visible_to(user=request.user).select_related("patient", "ward"), pk=workup_id)
    result = None
    status = 200
    now = timezone.now()
    # "Taken at" is typed and shown in the ward's time zone; stored in UTC.
    with timezone.override(ZoneInfo(workup.ward.timezone)):
        if request.method == "POST":
            form = ReadingForm(request.POST, now=now)
            if form.is_valid():
                try:
                    result = _reading_record_once(request, workup, form, now=now)
                except InvalidInput as error:
                    form.add_service_errors(error.errors)
                    status = 400
                except DomainError as error:
                    form.add_error(None, str(error))
                    status = 409
                else:
                    form = ReadingForm(now=now)  # saved: an empty form for the next reading
            else:
                status = 400
        else:
            form = ReadingForm(now=now)
        context = {
            "workup": workup,
            "form": form,
            "result": result,
            "open_workup": workup.status == "open",
            "ward_zone": workup.ward.timezone,
            "respiratory_rules": rules_for(workup=workup).respiratory,
        }
        return render(request, "workup/reading_form.html", context, status=status)


# --- Triage -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def triage(request: HttpRequest) -> HttpResponse:
    require(request.user, Operation.TRIAGE)
    wards = wards_visible_to(user=request.user)
    status = 200
    throttle = TriageThrottle()
    if request.method == "POST" and not throttle.allow_request(request, None):
        # The API's count, per person: bounds probing MRNs for identities through the form too.
        form = TriageForm(request.POST, wards=wards)
        form.is_valid()
        form.add_error(None, f"Too many triage attempts; try again in {throttle.wait_minutes()} minutes.")
        response = render(request, "workup/triage.html", {"form": form}, status=429)
        response["Retry-After"] = str(int(throttle.wait() or 60))
        return response
    if request.method == "POST":
        form = TriageForm(request.POST, wards=wards)
        if form.is_valid():
            ward = form.cleaned_data["ward"]
            if not user_may_open_workup_on(user=request.user, ward=ward):
                raise PermissionDenied("You may open workups only on your own wards.")
            try:
                workup = workup_open(
                    patient_data=form.patient_data(),
                    ward=ward,
                    triage=form.triage_data(),
                    opened_by=request.user,
                    condition=form.cleaned_data.get("condition") or Condition.SUSPECTED_GBS,
                    confirm_unusual_weight=form.cleaned_data.get("confirm_unusual_weight", False),
                )
            except InvalidInput as error:
                form.add_service_errors(error.errors)
                status = 400
            except DuplicateOpenWorkup as error:
                form.add_error(None, str(error))
                form.duplicate_workup_id = error.workup_id
                status = 409
            except DomainError as error:
                form.add_error(None, str(error))
                status = 409
            else:
                messages.success(request, f"Workup opened for {workup.patient.name}; its orders are due from now.")
                return redirect("web:workup", workup_id=workup.pk)
        else:
            status = 400
    else:
        form = TriageForm(wards=wards)
    return render(request, "workup/triage.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def workup_switch_pathway_view(request: HttpRequest, workup_id: int) -> HttpResponse:
    """GET: the switch form; POST: switch the workup's pathway (physicians and neurologists)."""
    require(request.user, Operation.PATHWAY_SWITCH)
    workup = get_object_or_404(workups_visible_to(user=request.user).select_related("pathway", "patient"), pk=workup_id)
    status = 200
    if request.method == "POST":
        form = PathwaySwitchForm(request.POST, current=workup.condition)
        if form.is_valid():
            try:
                workup_switch_pathway(
                    workup=workup,
                    condition=form.cleaned_data["condition"],
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                    version=form.cleaned_data.get("version"),
                )
            except StaleVersion:
                form.add_error(None, "Someone changed this workup while you had the page open; check it and try again.")
                status = 409
            except InvalidInput as error:
                for field, problems in error.errors.items():
                    form.add_error(field if field in form.fields else None, problems)
                status = 400
            except DomainError as error:
                form.add_error(None, str(error))
                status = 409
            else:
                messages.success(request, "Pathway switched: open orders withdrawn, the new orders are due from now.")
                return redirect("web:workup", workup_id=workup.pk)
        else:
            status = 400
    else:
        offer = pathway_offer(workup)
        initial_condition = offer["condition"] if offer else None
        form = PathwaySwitchForm(
            current=workup.condition, initial={"version": workup.version, "condition": initial_condition}
        )
    return render(request, "workup/switch_pathway.html", {"form": form, "workup": workup}, status=status)
