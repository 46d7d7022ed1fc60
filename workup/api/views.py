"""Workup API views. Each method is one operation: check permission, validate input, call one
service or selector, serialize the result. Roles: workup.api.permissions; errors: .exceptions."""

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from workup.api import idempotency
from workup.api.clock import request_now
from workup.api.filters import WorkupFilter
from workup.api.idempotency import idempotent
from workup.api.permissions import Operation, RolePermission, user_may_open_workup_on
from workup.api.serializers import (
    PathwaySwitchInputSerializer,
    TokenObtainInputSerializer,
    TokenSerializer,
    WorkupDetailSerializer,
    WorkupListSerializer,
    WorkupTriageInputSerializer,
    triage_errors_for_api,
)
from workup.api.throttling import TokenRequestThrottle, TriageThrottle
from workup.errors import InvalidInput
from workup.health import broker_reachable, database_reachable
from workup.models import Workup
from workup.selectors import workup_detail, workup_list
from workup.services.api_tokens import api_token_expires_at, api_token_obtain, api_token_revoke
from workup.services.pathway_switch import workup_switch_pathway
from workup.services.triage import workup_open

ERRORS_400 = OpenApiResponse(description="Invalid input: a map of field → messages (nested for nested input).")
ERROR_401 = OpenApiResponse(description="No or invalid credentials.")
ERROR_403 = OpenApiResponse(description="Your role may not do this.")
ERROR_404 = OpenApiResponse(description="No such object on your wards.")


def validated(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class TokenObtainView(APIView):
    authentication_classes = []  # the credentials are in the body
    permission_classes = [AllowAny]
    throttle_classes = [TokenRequestThrottle]

    @extend_schema(
        operation_id="auth_token_obtain",
        tags=["auth"],
        request=TokenObtainInputSerializer,
        responses={
            200: TokenSerializer,
            400: ERRORS_400,
            429: OpenApiResponse(
                description="Too many token requests for this username from this address (throttled), or log-in "
                "locked after 5 failures for 15 minutes (code locked_out); see Retry-After."
            ),
        },
        auth=[],
        summary="Exchange a username and password for an API token",
    )
    def post(self, request):
        data = validated(TokenObtainInputSerializer, request.data)
        token = api_token_obtain(
            username=data["username"], password=data["password"], now=request_now(request), request=request._request
        )
        return Response(TokenSerializer({"token": token.key, "expires_at": api_token_expires_at(token=token)}).data)


# Any signed-in user may revoke their own token (a lost laptop, a leaked script): no role needed.
class TokenRevokeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_token_revoke",
        tags=["auth"],
        request=None,
        responses={204: OpenApiResponse(description="Your token is revoked; it no longer works."), 401: ERROR_401},
        summary="Revoke your API token",
    )
    def post(self, request):
        api_token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# GET: the workups on your wards (paginated, filterable). POST: triage — open a workup.
class WorkupCollectionView(GenericAPIView):
    permission_classes = [IsAuthenticated, RolePermission]
    operations = {"GET": Operation.READ, "POST": Operation.TRIAGE}
    filterset_class = WorkupFilter

    def get_throttles(self):
        # Triage attempts are counted per user (probing MRNs for identities); reading is not.
        return [TriageThrottle()] if self.request.method == "POST" else []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Workup.objects.none()
        return workup_list(user=self.request.user, now=request_now(self.request))

    @extend_schema(
        operation_id="workups_list",
        tags=["workups"],
        responses={200: WorkupListSerializer(many=True), 400: ERRORS_400, 401: ERROR_401, 403: ERROR_403},
        summary="List workups on your wards, newest triage first",
    )
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        data = WorkupListSerializer(page, many=True, context={"now": request_now(request)}).data
        return self.get_paginated_response(data)

    @extend_schema(
        operation_id="workups_triage",
        tags=["workups"],
        request=WorkupTriageInputSerializer,
        parameters=[idempotency.PARAMETER],
        responses={
            **idempotency.RESPONSES,
            201: WorkupDetailSerializer,
            400: ERRORS_400,
            401: ERROR_401,
            403: OpenApiResponse(description="Your role may not triage, or the ward is not one of yours."),
            409: OpenApiResponse(
                description="The patient already has an open workup (code duplicate_open_workup); its workup_id "
                "only when it is on one of your wards, otherwise null."
            ),
            429: OpenApiResponse(description="Too many triage attempts (TRIAGE_THROTTLE_RATE per user)."),
            503: OpenApiResponse(description="No published pathway (code pathway_not_available)."),
        },
        summary="Triage a patient: open a workup (suspected GBS or cervical cord lesion) and its orders",
    )
    @idempotent
    def post(self, request):
        data = validated(WorkupTriageInputSerializer, request.data)
        ward = data["ward"]
        if not user_may_open_workup_on(user=request.user, ward=ward):
            raise PermissionDenied(f"Ward {ward.code} is not one of your wards; you may triage only on your own.")
        triage = {
            "bed": data.get("bed", ""),
            "onset_of_weakness_on": data["onset_of_weakness_on"],
            "onset_of_weakness_at": data.get("onset_of_weakness_at"),
            **data["triage"],
        }
        try:
            workup = workup_open(
                patient_data=data["patient"],
                ward=ward,
                triage=triage,
                opened_by=request.user,
                confirm_unusual_weight=data["confirm_unusual_weight"],
                condition=data["condition"],
            )
        except InvalidInput as error:
            raise InvalidInput(triage_errors_for_api(error.errors)) from error
        now = request_now(request)
        workup = workup_detail(user=request.user, now=now).get(pk=workup.pk)
        return Response(WorkupDetailSerializer(workup, context={"now": now}).data, status=status.HTTP_201_CREATED)


class WorkupDetailView(GenericAPIView):
    permission_classes = [IsAuthenticated, RolePermission]
    operations = {"GET": Operation.READ}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Workup.objects.none()
        return workup_detail(user=self.request.user, now=request_now(self.request))

    @extend_schema(
        operation_id="workups_retrieve",
        tags=["workups"],
        responses={200: WorkupDetailSerializer, 401: ERROR_401, 403: ERROR_403, 404: ERROR_404},
        summary="A workup with its triage findings, orders, progress, alerts and scores",
    )
    def get(self, request, pk: int):
        workup = self.get_object()
        return Response(WorkupDetailSerializer(workup, context={"now": request_now(request)}).data)


class WorkupSwitchPathwayView(GenericAPIView):
    permission_classes = [IsAuthenticated, RolePermission]
    operations = {"POST": Operation.PATHWAY_SWITCH}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Workup.objects.none()
        return workup_detail(user=self.request.user, now=request_now(self.request))

    @extend_schema(
        operation_id="workups_switch_pathway",
        tags=["workups"],
        request=PathwaySwitchInputSerializer,
        responses={
            200: WorkupDetailSerializer,
            400: ERRORS_400,
            401: ERROR_401,
            403: ERROR_403,
            404: ERROR_404,
            409: OpenApiResponse(description="Stale version, or the workup is closed."),
        },
        summary="Switch a running workup to another condition's pathway (physicians and neurologists; reason "
        "required): completed orders are kept, open ones withdrawn with the reason, the new orders due from now",
    )
    def post(self, request, pk: int):
        workup = self.get_object()
        data = validated(PathwaySwitchInputSerializer, request.data)
        now = request_now(request)
        workup_switch_pathway(
            workup=workup,
            condition=data["condition"],
            by=request.user,
            reason=data["reason"],
            version=data.get("version"),
            now=now,
        )
        workup = workup_detail(user=request.user, now=now).get(pk=workup.pk)
        return Response(WorkupDetailSerializer(workup, context={"now": now}).data)


_HEALTH = inline_serializer(
    "Health",
    fields={
        "database": serializers.ChoiceField(choices=["ok", "unavailable"]),
        "broker": serializers.ChoiceField(choices=["ok", "unavailable"]),
    },
)


# For load balancers and monitoring: no authentication, no data, bounded time.
class HealthView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="healthz",
        tags=["health"],
        responses={200: _HEALTH, 503: _HEALTH},
        auth=[],
        summary="Database and broker reachable? 200 if both, else 503 naming the failed one",
    )
    def get(self, request):
        checks = {
            "database": database_reachable(),
            "broker": broker_reachable(timeout_seconds=settings.HEALTHZ_BROKER_TIMEOUT_SECONDS),
        }
        body = {name: "ok" if ok else "unavailable" for name, ok in checks.items()}
        return Response(
            body, status=status.HTTP_200_OK if all(checks.values()) else status.HTTP_503_SERVICE_UNAVAILABLE
        )
