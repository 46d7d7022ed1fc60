"""Bedside entries (readings, assessments, vitals) of a workup, and alerts. Each method is one
operation: role check (workup.api.permissions), the workup or alert looked up on the caller's
wards (404 otherwise), input validated, one service called, the result serialized."""

import django_filters
from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from workup.api import idempotency
from workup.api.clock import request_now
from workup.api.filters import IdFilter, WardFilter
from workup.api.idempotency import idempotent
from workup.api.permissions import Operation, RolePermission
from workup.api.views import ERROR_401, ERROR_403, ERROR_404, ERRORS_400, validated
from workup.errors import InvalidInput
from workup.models import Alert, AlertStatus, RespiratoryReading, Workup
from workup.monitoring.api.serializers import (
    AlertAcknowledgeInputSerializer,
    AlertConflictSerializer,
    AlertResolveInputSerializer,
    AlertSerializer,
    AssessmentCreatedSerializer,
    AssessmentInputSerializer,
    AssessmentSerializer,
    ReadingCreatedSerializer,
    ReadingInputSerializer,
    ReadingSerializer,
    VitalsCreatedSerializer,
    VitalsInputSerializer,
    VitalsSerializer,
    data_for_service,
    errors_for_api,
)
from workup.monitoring.pathway_cache import rules_for
from workup.monitoring.selectors import (
    alerts_visible_to,
    neuro_assessments_of,
    respiratory_readings_of,
    vitals_of,
    workups_for_entry,
)
from workup.monitoring.services.alerts import alert_acknowledge, alert_resolve
from workup.monitoring.services.assessments import assessment_record
from workup.monitoring.services.readings import reading_record
from workup.monitoring.services.vitals import vitals_record
from workup.selectors import workups_visible_to

# --- Bedside entries --------------------------------------------------------------------------


class _WorkupEntriesView(GenericAPIView):
    """GET: the workup's entries, newest first (paginated). POST: record one."""

    permission_classes = [IsAuthenticated, RolePermission]
    operations = {"GET": Operation.READ, "POST": Operation.RECORD_BEDSIDE}
    entries = None  # selector: (workup=) → QuerySet
    service = None  # (workup=, data=, by=, now=, taken_at=, locked=) → result with .alert_changes
    entry_attribute = ""  # the result's attribute holding the stored entry
    input_serializer_class = output_serializer_class = created_serializer_class = None

    def workup(self, pk: int) -> Workup:
        return get_object_or_404(workups_visible_to(user=self.request.user), pk=pk)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RespiratoryReading.objects.none()
        return type(self).entries(workup=self.workup(self.kwargs["pk"]))

    def _context(self, workup: Workup) -> dict:
        """DRF's context with the workup's own respiratory rules: a reading's figures are rounded
        beside its version's thresholds."""
        return {**self.get_serializer_context(), "respiratory_rules": rules_for(workup=workup).respiratory}

    def get(self, request, pk: int):
        workup = self.workup(pk)
        page = self.paginate_queryset(type(self).entries(workup=workup))
        serializer = self.output_serializer_class(page, many=True, context=self._context(workup))
        return self.get_paginated_response(serializer.data)

    @idempotent
    def post(self, request, pk: int):
        with transaction.atomic():
            # Read once, locked, for the 404, the entry and the answer (the alerts' ward and patient).
            workup = get_object_or_404(workups_for_entry(workups=workups_visible_to(user=request.user)), pk=pk)
            data = validated(self.input_serializer_class, request.data)
            now = request_now(request)
            try:
                result = type(self).service(
                    workup=workup,
                    data=data_for_service(data),
                    by=request.user,
                    now=now,
                    taken_at=data.get("taken_at"),
                    locked=True,
                )
            except InvalidInput as error:
                raise InvalidInput(errors_for_api(error.errors)) from error
        entry = getattr(result, self.entry_attribute)
        entry.alert_changes = result.alert_changes
        entry.completed_order = result.completed_order
        entry.completed_orders = result.completed_orders
        entry.still_open_orders = result.still_open_orders
        entry.duplicate = result.duplicate
        # A double submission stores nothing: 200 with the entry recorded moments ago.
        code = status.HTTP_200_OK if result.duplicate else status.HTTP_201_CREATED
        return Response(self.created_serializer_class(entry, context=self._context(workup)).data, status=code)


def _entries_schema(*, name: str, tag: str, what: str):
    """Documents a _WorkupEntriesView subclass from its own serializer classes."""

    def decorate(cls):
        input_serializer = cls.input_serializer_class
        output_serializer = cls.output_serializer_class
        created_serializer = cls.created_serializer_class

        # New functions per class: extend_schema annotates the function it is given.
        def get(self, request, pk: int):
            return _WorkupEntriesView.get(self, request, pk)

        def post(self, request, pk: int):
            return _WorkupEntriesView.post(self, request, pk)

        cls.get = extend_schema(
            operation_id=f"workups_{name}_list",
            tags=[tag],
            responses={200: output_serializer(many=True), 401: ERROR_401, 403: ERROR_403, 404: ERROR_404},
            summary=f"The workup's {what}, newest first",
        )(get)
        cls.post = extend_schema(
            operation_id=f"workups_{name}_create",
            tags=[tag],
            request=input_serializer,
            parameters=[idempotency.PARAMETER],
            responses={
                201: created_serializer,
                200: OpenApiResponse(
                    response=created_serializer,
                    description="A double submission (same values and taken_at by you within 2 min): not stored "
                    "again; the entry recorded moments ago, with duplicate: true.",
                ),
                400: ERRORS_400,
                401: ERROR_401,
                403: ERROR_403,
                404: ERROR_404,
                **idempotency.RESPONSES,
            },
            summary=f"Record one of the workup's {what}: rules evaluated, alerts raised, the matching order completed",
        )(post)
        return cls

    return decorate


@_entries_schema(
    name="readings",
    tag="readings",
    what="respiratory readings",
)
class ReadingCollectionView(_WorkupEntriesView):
    entries = staticmethod(respiratory_readings_of)
    service = staticmethod(reading_record)
    entry_attribute = "reading"
    input_serializer_class = ReadingInputSerializer
    output_serializer_class = ReadingSerializer
    created_serializer_class = ReadingCreatedSerializer


@_entries_schema(
    name="assessments",
    tag="assessments",
    what="neuro assessments",
)
class AssessmentCollectionView(_WorkupEntriesView):
    entries = staticmethod(neuro_assessments_of)
    service = staticmethod(assessment_record)
    entry_attribute = "assessment"
    input_serializer_class = AssessmentInputSerializer
    output_serializer_class = AssessmentSerializer
    created_serializer_class = AssessmentCreatedSerializer


@_entries_schema(
    name="vitals",
    tag="vitals",
    what="vitals entries",
)
class VitalsCollectionView(_WorkupEntriesView):
    entries = staticmethod(vitals_of)
    service = staticmethod(vitals_record)
    entry_attribute = "vitals"
    input_serializer_class = VitalsInputSerializer
    output_serializer_class = VitalsSerializer
    created_serializer_class = VitalsCreatedSerializer


# --- Alerts -----------------------------------------------------------------------------------


class AlertFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AlertStatus.choices)
    ward = WardFilter(field_name="workup__ward")
    workup = IdFilter(field_name="workup_id", help_text="Workup id.")

    class Meta:
        model = Alert
        fields = ["status", "ward", "workup"]


class _AlertView(GenericAPIView):
    permission_classes = [IsAuthenticated, RolePermission]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Alert.objects.none()
        return alerts_visible_to(user=self.request.user)


class AlertListView(_AlertView):
    operations = {"GET": Operation.READ}
    filterset_class = AlertFilter

    @extend_schema(
        operation_id="alerts_list",
        tags=["alerts"],
        responses={200: AlertSerializer(many=True), 400: ERRORS_400, 401: ERROR_401, 403: ERROR_403},
        summary="Alerts on your wards, newest first",
    )
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(AlertSerializer(page, many=True).data)


class AlertDetailView(_AlertView):
    operations = {"GET": Operation.READ}

    @extend_schema(
        operation_id="alerts_retrieve",
        tags=["alerts"],
        responses={200: AlertSerializer, 401: ERROR_401, 403: ERROR_403, 404: ERROR_404},
        summary="One alert",
    )
    def get(self, request, pk: int):
        return Response(AlertSerializer(self.get_object()).data)


class _AlertActionView(_AlertView):
    input_serializer_class = None

    def post(self, request, pk: int):
        alert = self.get_object()
        data = validated(self.input_serializer_class, request.data)
        self.perform(alert=alert, data=data, by=request.user, now=request_now(request))
        return Response(AlertSerializer(self.get_object()).data)

    def perform(self, *, alert, data, by, now):
        raise NotImplementedError

    def conflict_details(self, error) -> dict:
        """Added to a 409 body by workup.api.exceptions: the alert as it is now."""
        return {"alert": AlertSerializer(self.get_object()).data}


def _action_schema(*, operation_id: str, request, summary: str):
    return extend_schema(
        operation_id=operation_id,
        tags=["alerts"],
        request=request,
        responses={
            200: AlertSerializer,
            400: ERRORS_400,
            401: ERROR_401,
            403: ERROR_403,
            404: ERROR_404,
            409: OpenApiResponse(
                response=AlertConflictSerializer,
                description="Stale version, or a status that does not allow it; the body carries the current alert.",
            ),
        },
        summary=summary,
    )


class AlertAcknowledgeView(_AlertActionView):
    operations = {"POST": Operation.ALERT_ACKNOWLEDGE}
    input_serializer_class = AlertAcknowledgeInputSerializer

    @_action_schema(
        operation_id="alerts_acknowledge",
        request=AlertAcknowledgeInputSerializer,
        summary="Acknowledge an open alert (its escalation pauses)",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, *, alert, data, by, now):
        return alert_acknowledge(alert=alert, by=by, now=now, version=data.get("version"))


class AlertResolveView(_AlertActionView):
    operations = {"POST": Operation.ALERT_RESOLVE}
    input_serializer_class = AlertResolveInputSerializer

    @_action_schema(
        operation_id="alerts_resolve",
        request=AlertResolveInputSerializer,
        summary="Resolve an open or acknowledged alert (its escalation ends)",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, *, alert, data, by, now):
        return alert_resolve(
            alert=alert, by=by, now=now, resolution=data.get("resolution", ""), version=data.get("version")
        )
