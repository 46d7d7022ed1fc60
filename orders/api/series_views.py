"""Recurring series of a workup (spec §2 v1.1): list them, stop one (physician or neurologist,
reason required), resume it. The workup is looked up on the caller's wards (404 otherwise)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from orders.api.serializers import OrderSeriesSerializer, SeriesResumeInputSerializer, SeriesStopInputSerializer
from orders.models import OrderSeries
from orders.selectors import series_of
from orders.services import series_resume, series_stop
from workup.api.clock import request_now
from workup.api.permissions import Operation, RolePermission
from workup.api.views import ERROR_401, ERROR_403, ERROR_404, ERRORS_400, validated
from workup.models import Workup
from workup.selectors import workups_visible_to

_CONFLICT = OpenApiResponse(
    description="Stale version, or the series is not in a state that allows it (already stopped, already active)."
)


class _SeriesView(GenericAPIView):
    permission_classes = [IsAuthenticated, RolePermission]
    pagination_class = None

    def workup(self) -> Workup:
        return get_object_or_404(workups_visible_to(user=self.request.user), pk=self.kwargs["pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return OrderSeries.objects.none()
        return series_of(workup=self.workup())


class SeriesListView(_SeriesView):
    operations = {"GET": Operation.READ}

    @extend_schema(
        operation_id="workups_series_list",
        tags=["orders"],
        responses={200: OrderSeriesSerializer(many=True), 401: ERROR_401, 403: ERROR_403, 404: ERROR_404},
        summary="The workup's recurring series: active (with the open occurrence) or stopped (by whom, why)",
    )
    def get(self, request, pk: int):
        return Response(OrderSeriesSerializer(self.get_queryset(), many=True).data)


class SeriesStopView(_SeriesView):
    operations = {"POST": Operation.SERIES_STOP}

    @extend_schema(
        operation_id="workups_series_stop",
        tags=["orders"],
        request=SeriesStopInputSerializer,
        responses={
            200: OrderSeriesSerializer,
            400: ERRORS_400,
            401: ERROR_401,
            403: ERROR_403,
            404: ERROR_404,
            409: _CONFLICT,
        },
        summary="Stop a recurring series on purpose (its open occurrence is cancelled with the reason)",
    )
    def post(self, request, pk: int, key: str):
        data = validated(SeriesStopInputSerializer, request.data)
        series = series_stop(
            workup=self.workup(),
            key=key,
            by=request.user,
            reason=data["reason"],
            version=data.get("version"),
            now=request_now(request),
        )
        return Response(OrderSeriesSerializer(self.get_queryset().get(pk=series.pk)).data)


class SeriesResumeView(_SeriesView):
    operations = {"POST": Operation.SERIES_STOP}

    @extend_schema(
        operation_id="workups_series_resume",
        tags=["orders"],
        request=SeriesResumeInputSerializer,
        responses={
            200: OrderSeriesSerializer,
            400: ERRORS_400,
            401: ERROR_401,
            403: ERROR_403,
            404: ERROR_404,
            409: _CONFLICT,
        },
        summary="Resume a stopped series: its first occurrence is due as at triage from now",
    )
    def post(self, request, pk: int, key: str):
        data = validated(SeriesResumeInputSerializer, request.data)
        series = series_resume(
            workup=self.workup(),
            key=key,
            by=request.user,
            reason=data.get("reason", ""),
            version=data.get("version"),
            now=request_now(request),
        )
        return Response(OrderSeriesSerializer(self.get_queryset().get(pk=series.pk)).data)
