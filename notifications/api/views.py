"""Notification inbox and order escalations.

The inbox is each user's own (any role); another user's notification is 404. Acknowledging an
order's escalation is open to whoever may complete the order, on their wards.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from notifications.api.serializers import (
    EscalationSerializer,
    MarkedSerializer,
    NotificationSerializer,
    UnreadCountSerializer,
)
from notifications.models import UNREAD, Notification
from notifications.selectors import inbox_for, inbox_unread
from notifications.services.escalation import escalation_acknowledge
from notifications.services.inbox import notification_mark_read, notifications_mark_all_read
from orders.selectors import orders_visible_to
from workup.api.clock import request_now
from workup.api.permissions import Operation, RolePermission
from workup.api.views import ERROR_401, ERROR_403, ERROR_404
from workup.errors import IllegalTransition

ERROR_409 = OpenApiResponse(description="The order's escalation has ended (the order is done or stopped).")


class _InboxView(GenericAPIView):
    permission_classes = [IsAuthenticated, RolePermission]
    operations = {"GET": Operation.READ, "POST": Operation.READ}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return inbox_for(user=self.request.user)


class NotificationListView(_InboxView):
    serializer_class = NotificationSerializer

    @extend_schema(
        operation_id="notifications_list",
        tags=["notifications"],
        responses={200: NotificationSerializer(many=True), 401: ERROR_401, 403: ERROR_403},
        summary="Your in-app notifications, newest first (?unread=true: unread and not settled only)",
    )
    def get(self, request):
        notifications = self.get_queryset()
        if request.query_params.get("unread") in ("true", "1"):
            notifications = notifications.filter(UNREAD)
        page = self.paginate_queryset(notifications)
        return self.get_paginated_response(NotificationSerializer(page, many=True).data)


class UnreadCountView(_InboxView):
    @extend_schema(
        operation_id="notifications_unread_count",
        tags=["notifications"],
        responses={200: UnreadCountSerializer, 401: ERROR_401, 403: ERROR_403},
        summary="How many of your notifications are unread (a settled one, its subject dealt with, is not)",
    )
    def get(self, request):
        return Response({"unread": inbox_unread(user=request.user).count()})


class NotificationReadView(_InboxView):
    @extend_schema(
        operation_id="notifications_read",
        tags=["notifications"],
        request=None,
        responses={200: NotificationSerializer, 401: ERROR_401, 403: ERROR_403, 404: ERROR_404},
        summary="Mark one of your notifications read (idempotent)",
    )
    def post(self, request, pk: int):
        notification = notification_mark_read(notification=self.get_object(), now=request_now(request))
        return Response(NotificationSerializer(notification).data)


class NotificationReadAllView(_InboxView):
    @extend_schema(
        operation_id="notifications_read_all",
        tags=["notifications"],
        request=None,
        responses={200: MarkedSerializer, 401: ERROR_401, 403: ERROR_403},
        summary="Mark all your notifications read",
    )
    def post(self, request):
        return Response({"marked": notifications_mark_all_read(user=request.user, now=request_now(request))})


class _OrderEscalationView(GenericAPIView):
    permission_classes = [IsAuthenticated, RolePermission]

    def get_escalation(self, pk: int):
        order = get_object_or_404(orders_visible_to(user=self.request.user).select_related("escalation"), pk=pk)
        escalation = getattr(order, "escalation", None)
        if escalation is None:
            raise IllegalTransition(subject="order", from_status=order.status, to_status="acknowledged")
        return escalation

    def escalation_response(self, escalation) -> Response:
        escalation.refresh_from_db()
        return Response(EscalationSerializer(escalation).data)


class OrderEscalationView(_OrderEscalationView):
    operations = {"GET": Operation.READ}

    @extend_schema(
        operation_id="orders_escalation",
        tags=["orders"],
        responses={200: EscalationSerializer, 401: ERROR_401, 403: ERROR_403, 404: ERROR_404},
        summary="Where the order's escalation stands, with its log of steps",
    )
    def get(self, request, pk: int):
        return self.escalation_response(self.get_escalation(pk))


class OrderAcknowledgeView(_OrderEscalationView):
    operations = {"POST": Operation.ORDER_COMPLETE}

    @extend_schema(
        operation_id="orders_acknowledge",
        tags=["orders"],
        request=None,
        responses={200: EscalationSerializer, 401: ERROR_401, 403: ERROR_403, 404: ERROR_404, 409: ERROR_409},
        summary="Acknowledge an overdue order: its escalation pauses (30 min by default), then resumes "
        "if the order is still open",
    )
    def post(self, request, pk: int):
        escalation = self.get_escalation(pk)
        escalation_acknowledge(escalation=escalation, by=request.user, now=request_now(request))
        return self.escalation_response(escalation)
