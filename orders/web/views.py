"""The overdue dashboard and the pathway compliance page (issue 6). Thin: role check (the API's
Operation.OVERDUE_DASHBOARD), a filter form, one selector, a template or a CSV."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from orders.compliance import (
    COMPLIANCE_CSV_HEADER,
    MILESTONES,
    compliance_by_ward,
    compliance_csv_rows,
    default_period,
    period_bounds,
)
from orders.dashboard import counts_per_ward, csv_text, overdue_csv, overdue_page, overdue_rows
from orders.web.forms import ComplianceFilterForm, OverdueFilterForm
from workup.api.clock import request_now
from workup.api.permissions import Operation, user_may
from workup.selectors import user_sees_all_wards, wards_visible_to


def _require_dashboard(request: HttpRequest) -> None:
    if not user_may(user=request.user, operation=Operation.OVERDUE_DASHBOARD):
        raise PermissionDenied("Only charge nurses, physicians, neurologists and admins may read the dashboard.")


def _csv_response(text: str, *, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"  # patient identifiers: never cached on a shared workstation
    return response


def _query_without_format(request: HttpRequest) -> str:
    return _query_without(request, "format")


def _query_without(request: HttpRequest, *names: str) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


def _page_asked(request: HttpRequest) -> int:
    """?page=N; anything else is the first page (a page past the end shows the last)."""
    raw = request.GET.get("page", "")
    return int(raw) if raw.isdigit() and len(raw) < 7 else 1


def _overdue_context(request: HttpRequest, *, every_row: bool = False) -> tuple[dict, int]:
    """The page's context: one page of rows; ``every_row``: all of them (the CSV export)."""
    now = request_now(request)
    form = OverdueFilterForm(request.GET or None, user=request.user)
    wards = list(wards_visible_to(user=request.user).order_by("code"))
    rows, ward, page = [], None, None
    if form.is_bound and not form.is_valid():
        status = 400
        counts = counts_per_ward(rows=[], wards=wards)
    else:
        status = 200
        data = form.cleaned_data if form.is_bound else {}
        ward = data.get("ward")
        # Counts per ward follow the category and level filters but not the ward filter, so the
        # per-ward overview stays whole while the table narrows to one ward.
        if every_row:
            rows = overdue_rows(
                user=request.user, now=now, ward=ward, category=data.get("category"), level=data.get("level")
            )
            return {"form": form, "rows": rows, "now": now}, status
        page = overdue_page(
            user=request.user,
            now=now,
            wards=wards,
            ward=ward,
            category=data.get("category"),
            level=data.get("level"),
            page=_page_asked(request),
        )
        rows, counts = page.rows, page.counts
    query = _query_without_format(request)
    context = {
        "form": form,
        "rows": rows,
        "page": page,
        "total": page.total if page else 0,
        "page_query": _query_without(request, "format", "page"),
        "counts": counts,
        "selected_ward": ward,
        "filtered": bool(_query_without(request, "format", "page")),
        "filter_query": query,
        "all_wards": user_sees_all_wards(user=request.user),
        "now": now,
    }
    return context, status


@login_required
def overdue(request: HttpRequest) -> HttpResponse:
    _require_dashboard(request)
    context, status = _overdue_context(request, every_row=request.GET.get("format") == "csv")
    if request.GET.get("format") == "csv" and status == 200:
        stamp = timezone.localtime(context["now"]).strftime("%Y%m%d-%H%M")
        return _csv_response(overdue_csv(context["rows"]), filename=f"overdue-{stamp}.csv")
    return render(request, "orders/overdue.html", context, status=status)


@login_required
def overdue_live(request: HttpRequest) -> HttpResponse:
    """The htmx poll: the per-ward counts and the table, with the same filters."""
    _require_dashboard(request)
    context, status = _overdue_context(request)
    return render(request, "orders/_overdue_live.html", context, status=status)


@login_required
def compliance(request: HttpRequest) -> HttpResponse:
    _require_dashboard(request)
    now = request_now(request)
    default_from, default_to = default_period(today=timezone.localdate(now))
    form = ComplianceFilterForm(
        request.GET or None,
        user=request.user,
        default_from=default_from,
        default_to=default_to,
        initial={"from": default_from, "to": default_to},
    )
    context = {
        "form": form,
        "milestones": MILESTONES,
        "date_from": default_from,
        "date_to": default_to,
        "per_ward": [],
        "total": None,
        "filter_query": _query_without_format(request),
        "hospital_zone": timezone.get_current_timezone_name(),
    }
    if form.is_bound and not form.is_valid():
        return render(request, "orders/compliance.html", context, status=400)

    data = form.cleaned_data if form.is_bound else {}
    date_from, date_to = data.get("from") or default_from, data.get("to") or default_to
    ward = data.get("ward")
    wards = [ward] if ward else wards_visible_to(user=request.user).order_by("code")
    start, end = period_bounds(date_from=date_from, date_to=date_to, tz=timezone.get_current_timezone())
    per_ward, total = compliance_by_ward(wards=wards, start=start, end=end, now=now)

    if request.GET.get("format") == "csv":
        text = csv_text(
            header=COMPLIANCE_CSV_HEADER,
            rows=compliance_csv_rows(rows=[*per_ward, total], date_from=date_from, date_to=date_to),
        )
        name = ward.code if ward else "all"
        return _csv_response(text, filename=f"compliance-{name}-{date_from}-{date_to}.csv")

    context.update(date_from=date_from, date_to=date_to, per_ward=per_ward, total=total)
    return render(request, "orders/compliance.html", context)
