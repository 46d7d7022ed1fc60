"""Managing a workup from its page: close it with the team's outcome, reopen it within 24 h,
assign the patient's nurse. A refusal shows the workup page again with the message at the top of
the viewport and what was typed kept; success goes back to where the user was."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from workup.api.permissions import Operation
from workup.errors import DomainError, InvalidInput
from workup.models import User
from workup.selectors import workups_visible_to
from workup.services.assignment import workup_assign_nurse
from workup.services.closing import workup_close, workup_reopen
from workup.web.forms import CloseForm, ReopenForm
from workup.web.fragments import require
from workup.web.views import workup_context


def _version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _again(request: HttpRequest, workup_id: int, status: int, **forms) -> HttpResponse:
    return render(request, "workup/workup.html", workup_context(request, workup_id, **forms), status=status)


def _refused(form, error: DomainError) -> int:
    if isinstance(error, InvalidInput):
        for field, problems in error.errors.items():
            for problem in problems:
                form.add_error(field if field in form.fields else None, str(problem))
        return 400
    form.add_error(None, str(error))
    return 409


@login_required
@require_POST
def workup_close_view(request: HttpRequest, workup_id: int) -> HttpResponse:
    require(request.user, Operation.WORKUP_CLOSE)
    workup = get_object_or_404(workups_visible_to(user=request.user), pk=workup_id)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The workup was not closed: choose an outcome (and say what happened for “Other”).")
        return _again(request, workup_id, 400, close_form=form)
    try:
        closed = workup_close(
            workup=workup,
            by=request.user,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data["note"],
            version=_version(request),
            now=timezone.now(),
        )
    except DomainError as error:
        status = _refused(form, error)
        messages.error(request, f"The workup was not closed: {error}")
        return _again(request, workup_id, status, close_form=form)
    messages.success(
        request,
        f"Workup closed ({closed.get_close_outcome_display()}): its orders are cancelled and nobody is paged for it.",
    )
    return redirect("web:workup", workup_id=workup_id)


@login_required
@require_POST
def workup_reopen_view(request: HttpRequest, workup_id: int) -> HttpResponse:
    require(request.user, Operation.WORKUP_CLOSE)
    workup = get_object_or_404(workups_visible_to(user=request.user), pk=workup_id)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The workup was not reopened: say why.")
        return _again(request, workup_id, 400, reopen_form=form)
    try:
        workup_reopen(
            workup=workup,
            by=request.user,
            reason=form.cleaned_data["reason"],
            version=_version(request),
            now=timezone.now(),
        )
    except DomainError as error:
        status = _refused(form, error)
        messages.error(request, f"The workup was not reopened: {error}")
        return _again(request, workup_id, status, reopen_form=form)
    messages.success(request, "Workup reopened: its recurring checks start again.")
    return redirect("web:workup", workup_id=workup_id)


@login_required
@require_POST
def workup_assign_nurse_view(request: HttpRequest, workup_id: int) -> HttpResponse:
    require(request.user, Operation.NURSE_ASSIGN)
    workup = get_object_or_404(workups_visible_to(user=request.user), pk=workup_id)
    username = request.POST.get("nurse", "").strip()
    nurse = User.objects.filter(username=username).first() if username else None
    try:
        if username and nurse is None:
            raise InvalidInput({"nurse": [f"{username} is not a nurse on this ward."]})
        assigned = workup_assign_nurse(
            workup=workup, nurse=nurse, by=request.user, version=_version(request), now=timezone.now()
        )
    except DomainError as error:
        problem = (
            "; ".join(str(m) for ms in error.errors.values() for m in ms) if isinstance(error, InvalidInput) else error
        )
        messages.error(request, f"Nobody was assigned: {problem}")
        return _again(request, workup_id, 400 if isinstance(error, InvalidInput) else 409)
    who = assigned.assigned_nurse
    messages.success(
        request,
        f"{who.get_full_name() or who.username} now looks after this patient."
        if who
        else "Assigned to the ward's nurses.",
    )
    return redirect("web:workup", workup_id=workup_id)
