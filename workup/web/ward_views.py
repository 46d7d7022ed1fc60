"""Ward-wide pages: the printable handover sheet and the list of closed workups."""

from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from workup.api.permissions import Operation, user_may
from workup.models import WorkupStatus
from workup.selectors import wards_visible_to, workup_search_q, workups_visible_to
from workup.services.closing import reopen_possible
from workup.web.fragments import require
from workup.web.handover import handover_rows

CLOSED_PER_PAGE = 50
SEARCH_MAX_LENGTH = 64


@login_required
@require_GET
def handover(request: HttpRequest, ward_code: str) -> HttpResponse:
    require(request.user, Operation.READ)
    ward = get_object_or_404(wards_visible_to(user=request.user), code=ward_code)
    now = timezone.now()
    with timezone.override(ZoneInfo(ward.timezone)):
        return render(
            request,
            "workup/handover.html",
            {"ward": ward, "rows": handover_rows(user=request.user, ward=ward, now=now), "now": now},
        )


@login_required
@require_GET
def closed_workups(request: HttpRequest) -> HttpResponse:
    require(request.user, Operation.READ)
    now = timezone.now()
    search = request.GET.get("q", "").strip()[:SEARCH_MAX_LENGTH]
    closed = (
        workups_visible_to(user=request.user)
        .filter(status=WorkupStatus.CLOSED)
        .filter(workup_search_q(search))
        .select_related("patient", "ward", "closed_by")
        .order_by("-closed_at", "-id")
    )
    page = Paginator(closed, CLOSED_PER_PAGE).get_page(request.GET.get("page"))
    may_reopen = user_may(user=request.user, operation=Operation.WORKUP_CLOSE)
    rows = [{"workup": w, "reopenable": may_reopen and reopen_possible(workup=w, now=now)} for w in page]
    return render(request, "workup/closed.html", {"page": page, "rows": rows, "search": search})
