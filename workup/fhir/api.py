"""GET /api/v1/workups/{id}/fhir/: the workup as a FHIR R4 Bundle. Same roles and ward scoping
as the workup detail (another ward's workup is 404)."""

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from workup.api.clock import request_now
from workup.api.permissions import Operation, RolePermission
from workup.fhir.bundle import workup_bundle
from workup.fhir.selectors import workup_fhir_record, workups_for_fhir
from workup.models import Workup


class FhirJSONRenderer(JSONRenderer):
    """FHIR's own media type; plain application/json is served too (the same body)."""

    media_type = "application/fhir+json"
    format = "fhir"


class WorkupFhirView(GenericAPIView):
    permission_classes = [IsAuthenticated, RolePermission]
    operations = {"GET": Operation.READ}
    renderer_classes = [JSONRenderer, FhirJSONRenderer]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Workup.objects.none()
        return workups_for_fhir(user=self.request.user)

    @extend_schema(
        operation_id="workups_fhir",
        tags=["workups"],
        responses={
            200: OpenApiResponse(
                response=OpenApiTypes.OBJECT,
                description="A FHIR R4 Bundle (type collection): Patient, Encounter, CarePlan, a ServiceRequest "
                "and a Task per order, Observations, RiskAssessments for EGRIS/mEGOS, a Flag per unresolved "
                "alert group. Mapping: docs/fhir.md.",
            ),
            401: OpenApiResponse(description="No or invalid credentials."),
            403: OpenApiResponse(description="Your role may not do this."),
            404: OpenApiResponse(description="No such workup on your wards."),
        },
        summary="The workup as a FHIR R4 Bundle (Accept: application/fhir+json or application/json)",
    )
    def get(self, request, pk: int):
        workup = self.get_object()
        now = request_now(request)
        record = workup_fhir_record(workup=workup, now=now)
        return Response(workup_bundle(record, base_url=settings.WORKUP_BASE_URL, now=now))
