"""/api/v1/alert-groups/: one group per workup episode — what people acknowledge and get paged
for — beside /api/v1/alerts/ (one per rule). Ward scoping and roles as for alerts: anyone on the
ward reads and acknowledges, physicians and neurologists resolve; another ward's group is 404."""

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from workup.api.clock import request_now
from workup.api.filters import IdFilter, WardFilter
from workup.api.permissions import Operation, RolePermission
from workup.api.views import ERROR_401, ERROR_403, ERROR_404, ERRORS_400, validated
from workup.models import AlertGroup, AlertGroupStatus
from workup.models.alert import SEVERITY_CHOICES
from workup.monitoring.api.group_serializers import (
    AlertGroupAcknowledgeInputSerializer,
    AlertGroupConflictSerializer,
    AlertGroupResolveInputSerializer,
    AlertGroupSerializer,
)
from workup.monitoring.group_selectors import alert_groups_visible_to
from workup.monitoring.services.alert_groups import alert_group_acknowledge, alert_group_resolve


class AlertGroupFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AlertGroupStatus.choices)
    severity = django_filters.ChoiceFilter(choices=SEVERITY_CHOICES)
    ward = WardFilter()
    workup = IdFilter(field_name="workup_id", help_text="Workup id.")

    class Meta:
        model = AlertGroup
        fields = ["status", "severity", "ward", "workup"]


class _AlertGroupView(GenericAPIView):
    permission_classes = [IsAuthenticated, RolePermission]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AlertGroup.objects.none()
        return alert_groups_visible_to(user=self.request.user)


class AlertGroupListView(_AlertGroupView):
    operations = {"GET": Operation.READ}
    filterset_class = AlertGroupFilter

    @extend_schema(
        operation_id="alert_groups_list",
        tags=["alerts"],
        responses={200: AlertGroupSerializer(many=True), 400: ERRORS_400, 401: ERROR_401, 403: ERROR_403},
        summary="Alert groups on your wards (one per patient episode), newest first",
    )
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(AlertGroupSerializer(page, many=True).data)


class AlertGroupDetailView(_AlertGroupView):
    operations = {"GET": Operation.READ}

    @extend_schema(
        operation_id="alert_groups_retrieve",
        tags=["alerts"],
        responses={200: AlertGroupSerializer, 401: ERROR_401, 403: ERROR_403, 404: ERROR_404},
        summary="One alert group with its alerts",
    )
    def get(self, request, pk: int):
        return Response(AlertGroupSerializer(self.get_object()).data)


class _AlertGroupActionView(_AlertGroupView):
    input_serializer_class = None

    def post(self, request, pk: int):
        group = self.get_object()
        data = validated(self.input_serializer_class, request.data)
        self.perform(group=group, data=data, by=request.user, now=request_now(request))
        return Response(AlertGroupSerializer(self.get_object()).data)

    def perform(self, *, group, data, by, now):
        raise NotImplementedError

    def conflict_details(self, error) -> dict:
        """Added to a 409 body by workup.api.exceptions: the group as it is now."""
        return {"alert_group": AlertGroupSerializer(self.get_object()).data}


def _action_schema(*, operation_id: str, request, summary: str):
    return extend_schema(
        operation_id=operation_id,
        tags=["alerts"],
        request=request,
        responses={
            200: AlertGroupSerializer,
            400: ERRORS_400,
            401: ERROR_401,
            403: ERROR_403,
            404: ERROR_404,
            409: OpenApiResponse(
                response=AlertGroupConflictSerializer,
                description="Stale version, or a status that does not allow it; the body carries the current group.",
            ),
        },
        summary=summary,
    )


class AlertGroupAcknowledgeView(_AlertGroupActionView):
    operations = {"POST": Operation.ALERT_ACKNOWLEDGE}
    input_serializer_class = AlertGroupAcknowledgeInputSerializer

    @_action_schema(
        operation_id="alert_groups_acknowledge",
        request=AlertGroupAcknowledgeInputSerializer,
        summary="Acknowledge an open group: all its open alerts with it; its escalation pauses",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, *, group, data, by, now):
        return alert_group_acknowledge(group=group, by=by, now=now, version=data.get("version"))


class AlertGroupResolveView(_AlertGroupActionView):
    operations = {"POST": Operation.ALERT_RESOLVE}
    input_serializer_class = AlertGroupResolveInputSerializer

    @_action_schema(
        operation_id="alert_groups_resolve",
        request=AlertGroupResolveInputSerializer,
        summary="Resolve a group and every alert in it; its escalation ends",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, *, group, data, by, now):
        return alert_group_resolve(
            group=group, by=by, now=now, resolution=data.get("resolution", ""), version=data.get("version")
        )
