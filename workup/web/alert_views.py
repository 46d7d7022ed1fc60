"""The alert banner (one line per patient), acknowledging a patient's alert group from it, and
GET /live/: what every open screen polls to stay current (workup.web.live)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_POST

from workup.api.permissions import Operation, user_may
from workup.errors import DomainError, StaleVersion
from workup.monitoring import wording
from workup.monitoring.group_selectors import alert_groups_visible_to
from workup.monitoring.services.alert_groups import alert_group_acknowledge, alert_group_resolve
from workup.web.fragments import fragment, next_or, require
from workup.web.live import live_state
from workup.web.selectors import banner_lines


@login_required
@require_GET
@fragment(page="web:board")
def alert_banner(request: HttpRequest) -> HttpResponse:
    require(request.user, Operation.READ)
    context = {**banner_lines(user=request.user), "next": next_or(request, reverse("web:board"))}
    return render(request, "workup/_alert_banner_items.html", context)


@login_required
@require_POST
def alert_group_acknowledge_view(request: HttpRequest, group_id: int) -> HttpResponse:
    """One Acknowledge for the patient: every open alert of the group, and its climb pauses. From
    htmx the banner is answered in place (no page load); without JavaScript, a redirect back."""
    require(request.user, Operation.ALERT_ACKNOWLEDGE)
    group = get_object_or_404(alert_groups_visible_to(user=request.user).select_related("workup"), pk=group_id)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    where = wording.where(ward_code=group.ward.code, bed=group.workup.bed)
    try:
        alert_group_acknowledge(group=group, by=request.user, now=timezone.now(), version=version)
    except StaleVersion:
        notice, ok = (
            f"The alerts of {where} changed while you were looking (a new finding, or someone acknowledged "
            "them). Check the banner and acknowledge again if needed.",
            False,
        )
    except DomainError as error:
        notice, ok = str(error), False
    else:
        notice, ok = f"Acknowledged: {group.severity} alerts of {where}. The escalation pauses for 30 minutes.", True
    next_url = next_or(request, reverse("web:workup", args=[group.workup_id]))
    if request.headers.get("HX-Request") == "true":
        context = {**banner_lines(user=request.user), "next": next_url, "banner_notice": notice, "banner_notice_ok": ok}
        response = render(request, "workup/_alert_banner_items.html", context)
        response["HX-Trigger"] = "workup:changed"  # app.js asks /live/ at once: board rows, title
        return response
    (messages.success if ok else messages.error)(request, notice)
    return redirect(next_url)


@require_GET
def live(request: HttpRequest) -> HttpResponse:
    """The screen's live state (JSON) with an ETag; 304 when the screen already has it. A
    session that ended answers 401 (never a login page): the page then goes to the login form
    and, after it, back to itself."""
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "Your session has ended.", "login_url": reverse("login")}, status=401)
    if not user_may(user=request.user, operation=Operation.READ):
        return JsonResponse({"detail": "Your role may not read the ward's alerts."}, status=403)
    state = live_state(user=request.user)
    etag = f'"{state["stamp"]}"'
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
    else:
        response = JsonResponse(state)
    response["ETag"] = etag
    # Per user, and always revalidated: a shared cache must not answer for another screen.
    patch_cache_control(response, private=True, no_cache=True)
    return response


@login_required
@require_POST
def alert_group_resolve_view(request: HttpRequest, group_id: int) -> HttpResponse:
    """Physicians and neurologists resolve a patient's alerts from the workup page."""
    require(request.user, Operation.ALERT_RESOLVE)
    group = get_object_or_404(alert_groups_visible_to(user=request.user).select_related("workup"), pk=group_id)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        alert_group_resolve(
            group=group,
            by=request.user,
            now=timezone.now(),
            resolution=request.POST.get("resolution", ""),
            version=version,
        )
    except StaleVersion:
        messages.error(
            request, "These alerts changed while you were looking (a new finding?). Check them and try again."
        )
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Alerts resolved: the escalation has ended.")
    return redirect("web:workup", workup_id=group.workup_id)
