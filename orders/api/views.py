"""Order API views: list, detail, the four transitions, and the overdue dashboard.

Each transition view is one operation: role check (workup.api.permissions), the order looked up
on the caller's wards (404 otherwise), input validated, one service called, the order returned.
StaleVersion / IllegalTransition become 409 in workup.api.exceptions, with the current order
added by conflict_details below.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from orders.api.filters import OrderFilter, OverdueFilter
from orders.api.serializers import (
    OrderCompleteInputSerializer,
    OrderConflictSerializer,
    OrderReasonInputSerializer,
    OrderSerializer,
    OrderStartInputSerializer,
    OverdueRowSerializer,
    TreatmentDecisionInputSerializer,
)
from orders.models import Order
from orders.selectors import order_list, orders_overdue_visible_to
from orders.services import order_cancel, order_mark_not_indicated, order_start
from workup.api import idempotency
from workup.api.clock import request_now
from workup.api.idempotency import idempotent
from workup.api.permissions import Operation, RolePermission
from workup.api.views import ERROR_401, ERROR_403, ERROR_404, ERRORS_400, validated
from workup.selectors import workups_visible_to
from workup.services.order_results import order_complete_with_result, treatment_decide


class _OrderView(GenericAPIView):
    permission_classes = [IsAuthenticated, RolePermission]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        return order_list(user=self.request.user)

    def order_response(self, order: Order) -> Response:
        return Response(OrderSerializer(order, context={"now": request_now(self.request)}).data)


class OrderListView(_OrderView):
    operations = {"GET": Operation.READ}
    filterset_class = OrderFilter

    @extend_schema(
        operation_id="orders_list",
        tags=["orders"],
        responses={200: OrderSerializer(many=True), 400: ERRORS_400, 401: ERROR_401, 403: ERROR_403},
        summary="List orders on your wards, earliest due first",
    )
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        data = OrderSerializer(page, many=True, context={"now": request_now(request)}).data
        return self.get_paginated_response(data)


class OrderDetailView(_OrderView):
    operations = {"GET": Operation.READ}

    @extend_schema(
        operation_id="orders_retrieve",
        tags=["orders"],
        responses={200: OrderSerializer, 401: ERROR_401, 403: ERROR_403, 404: ERROR_404},
        summary="One order",
    )
    def get(self, request, pk: int):
        return self.order_response(self.get_object())


class _OrderTransitionView(_OrderView):
    """POST only. Subclasses name the input serializer and call their one service in ``perform``."""

    input_serializer_class = None

    @idempotent
    def post(self, request, pk: int):
        order = self.get_object()
        data = validated(self.input_serializer_class, request.data)
        self.perform(order=order, data=data, by=request.user)
        # Read back through the selector: the service's copy lacks the related rows shown.
        return self.order_response(self.get_object())

    def perform(self, *, order: Order, data: dict, by) -> Order:
        raise NotImplementedError

    def conflict_details(self, error) -> dict:
        """Added to a 409 body by workup.api.exceptions: the order as it is now."""
        return {"order": OrderSerializer(self.get_object(), context={"now": request_now(self.request)}).data}


def _transition_schema(*, operation_id: str, request, summary: str):
    return extend_schema(
        operation_id=operation_id,
        tags=["orders"],
        request=request,
        parameters=[idempotency.PARAMETER],
        responses={
            **idempotency.RESPONSES,
            200: OrderSerializer,
            400: ERRORS_400,
            401: ERROR_401,
            403: ERROR_403,
            404: ERROR_404,
            409: OpenApiResponse(
                response=OrderConflictSerializer,
                description="Stale version (someone changed the order since you read it) or a transition the "
                "order's status does not allow; the body carries the current order.",
            ),
        },
        summary=summary,
    )


class OrderStartView(_OrderTransitionView):
    operations = {"POST": Operation.ORDER_START}
    input_serializer_class = OrderStartInputSerializer

    @_transition_schema(
        operation_id="orders_start", request=OrderStartInputSerializer, summary="Start an order (pending → in progress)"
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, *, order, data, by):
        return order_start(order=order, by=by, version=data.get("version"))


class OrderCompleteView(_OrderTransitionView):
    operations = {"POST": Operation.ORDER_COMPLETE}
    input_serializer_class = OrderCompleteInputSerializer

    @_transition_schema(
        operation_id="orders_complete", request=OrderCompleteInputSerializer, summary="Complete an order with a result"
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, *, order, data, by):
        return order_complete_with_result(
            order=order,
            by=by,
            result=data.get("result", ""),
            result_data=data.get("result_data"),
            version=data["version"],
            now=request_now(self.request),
        )


class OrderNotIndicatedView(_OrderTransitionView):
    operations = {"POST": Operation.ORDER_NOT_INDICATED}
    input_serializer_class = OrderReasonInputSerializer

    @_transition_schema(
        operation_id="orders_not_indicated",
        request=OrderReasonInputSerializer,
        summary="Mark an order not indicated, with a reason",
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, *, order, data, by):
        return order_mark_not_indicated(order=order, by=by, reason=data["reason"], version=data["version"])


class OrderCancelView(_OrderTransitionView):
    operations = {"POST": Operation.ORDER_CANCEL}
    input_serializer_class = OrderReasonInputSerializer

    @_transition_schema(
        operation_id="orders_cancel", request=OrderReasonInputSerializer, summary="Cancel an order, with a reason"
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, *, order, data, by):
        return order_cancel(order=order, by=by, reason=data["reason"], version=data["version"])


class OverdueDashboardView(GenericAPIView):
    permission_classes = [IsAuthenticated, RolePermission]
    operations = {"GET": Operation.OVERDUE_DASHBOARD}
    filterset_class = OverdueFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        return orders_overdue_visible_to(user=self.request.user, now=request_now(self.request))

    @extend_schema(
        operation_id="dashboard_overdue",
        tags=["dashboard"],
        responses={200: OverdueRowSerializer(many=True), 400: ERRORS_400, 401: ERROR_401, 403: ERROR_403},
        summary="Overdue orders on your wards (admins: all wards), most overdue first",
    )
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        data = OverdueRowSerializer(page, many=True, context={"now": request_now(request)}).data
        return self.get_paginated_response(data)


class TreatmentDecisionView(GenericAPIView):
    """POST: record the treatment decision, or change it (spec §7 v1.1). The decision is a
    completed treatment_decision order; the answer is that order, with the dose/session orders
    it placed listed on the workup."""

    permission_classes = [IsAuthenticated, RolePermission]
    operations = {"POST": Operation.TREATMENT_DECIDE}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        return order_list(user=self.request.user)

    @extend_schema(
        operation_id="workups_treatment_decide",
        tags=["orders"],
        request=TreatmentDecisionInputSerializer,
        parameters=[idempotency.PARAMETER],
        responses={200: OrderSerializer, 400: ERRORS_400, 401: ERROR_401, 403: ERROR_403, 404: ERROR_404},
        summary="Record or change the treatment decision (IVIG, plasma exchange or none): places or cancels the "
        "dose and session orders",
    )
    @idempotent
    def post(self, request, pk: int):
        workup = get_object_or_404(workups_visible_to(user=request.user), pk=pk)
        data = validated(TreatmentDecisionInputSerializer, request.data)
        decision = treatment_decide(
            workup=workup,
            treatment=data["treatment"],
            reason=data.get("reason", ""),
            by=request.user,
            now=request_now(request),
        )
        return Response(
            OrderSerializer(self.get_queryset().get(pk=decision.pk), context={"now": request_now(request)}).data
        )
