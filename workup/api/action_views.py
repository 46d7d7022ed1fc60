"""Workup actions: close (with the team's outcome), reopen within 24 h, assign a nurse. Each view
checks the role, finds the workup on the caller's wards (404 otherwise), validates, calls one
service and answers with the workup as GET /api/v1/workups/{id}/ shows it."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from workup.api.action_serializers import (
    WorkupAssignNurseInputSerializer,
    WorkupCloseInputSerializer,
    WorkupReopenInputSerializer,
)
from workup.api.clock import request_now
from workup.api.permissions import Operation, RolePermission
from workup.api.serializers import WorkupDetailSerializer
from workup.api.views import ERROR_401, ERROR_403, ERROR_404, ERRORS_400, validated
from workup.errors import InvalidInput
from workup.models import User, Workup
from workup.selectors import workup_detail
from workup.services.assignment import workup_assign_nurse
from workup.services.closing import workup_close, workup_reopen


class _WorkupActionView(GenericAPIView):
    permission_classes = [IsAuthenticated, RolePermission]
    input_serializer_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Workup.objects.none()
        return workup_detail(user=self.request.user, now=request_now(self.request))

    def post(self, request, pk: int):
        workup = self.get_object()
        data = validated(self.input_serializer_class, request.data)
        now = request_now(request)
        self.perform(workup=workup, data=data, by=request.user, now=now)
        return Response(WorkupDetailSerializer(self.get_object(), context={"now": now}).data)

    def perform(self, *, workup, data, by, now):
        raise NotImplementedError


def _action_schema(*, operation_id: str, request, summary: str, conflict: str):
    return extend_schema(
        operation_id=operation_id,
        tags=["workups"],
        request=request,
        responses={
            200: WorkupDetailSerializer,
            400: ERRORS_400,
            401: ERROR_401,
            403: ERROR_403,
            404: ERROR_404,
            409: OpenApiResponse(description=conflict),
        },
        summary=summary,
    )


class WorkupCloseView(_WorkupActionView):
    operations = {"POST": Operation.WORKUP_CLOSE}
    input_serializer_class = WorkupCloseInputSerializer

    @_action_schema(
        operation_id="workups_close",
        request=WorkupCloseInputSerializer,
        summary="Close the workup with the team's outcome: open orders cancelled, alert group resolved, "
        "escalations ended",
        conflict="Already closed (code illegal_transition) or a stale version (code stale_version).",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, *, workup, data, by, now):
        workup_close(
            workup=workup,
            by=by,
            outcome=data["outcome"],
            note=data.get("note", ""),
            version=data.get("version"),
            now=now,
        )


class WorkupReopenView(_WorkupActionView):
    operations = {"POST": Operation.WORKUP_CLOSE}
    input_serializer_class = WorkupReopenInputSerializer

    @_action_schema(
        operation_id="workups_reopen",
        request=WorkupReopenInputSerializer,
        summary="Reopen a workup closed less than 24 h ago: each recurring series gets a fresh occurrence; "
        "cancelled one-off orders stay cancelled",
        conflict="Not closed (illegal_transition), closed more than 24 h ago (reopen_window_passed), the patient "
        "has a newer open workup (duplicate_open_workup), or a stale version (stale_version).",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, *, workup, data, by, now):
        workup_reopen(workup=workup, by=by, reason=data["reason"], version=data.get("version"), now=now)


class WorkupAssignNurseView(_WorkupActionView):
    operations = {"POST": Operation.NURSE_ASSIGN}
    input_serializer_class = WorkupAssignNurseInputSerializer

    @_action_schema(
        operation_id="workups_assign_nurse",
        request=WorkupAssignNurseInputSerializer,
        summary="Assign the patient's nurse (charge nurses): level-0 nursing pages go to them",
        conflict="A stale version (code stale_version).",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, *, workup, data, by, now):
        nurse = None
        if data["nurse"] is not None:
            nurse = User.objects.filter(username=data["nurse"]).first()
            if nurse is None:
                raise InvalidInput({"nurse": [f"{data['nurse']} is not a nurse on ward {workup.ward.code}."]})
        workup_assign_nurse(workup=workup, nurse=nurse, by=by, version=data.get("version"), now=now)
