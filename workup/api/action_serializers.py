"""Inputs of the workup actions: closing, reopening, assigning a nurse (see action_views)."""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from workup.api.strict import StrictSerializer
from workup.models import CloseOutcome

_VERSION_HELP = "The workup's version you acted on; a stale one gets 409."


@extend_schema_serializer(component_name="WorkupClose")
class WorkupCloseInputSerializer(StrictSerializer):
    outcome = serializers.ChoiceField(choices=CloseOutcome.choices, help_text="The team's outcome.")
    note = serializers.CharField(
        max_length=1000, required=False, allow_blank=True, help_text='Required with the outcome "other".'
    )
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False, help_text=_VERSION_HELP)


@extend_schema_serializer(component_name="WorkupReopen")
class WorkupReopenInputSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=1000, help_text="Why the workup is reopened.")
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False, help_text=_VERSION_HELP)


@extend_schema_serializer(component_name="WorkupAssignNurse")
class WorkupAssignNurseInputSerializer(StrictSerializer):
    nurse = serializers.CharField(
        max_length=150,
        allow_null=True,
        help_text="Username of a nurse of the workup's ward; null to assign nobody (all the ward's nurses).",
    )
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False, help_text=_VERSION_HELP)
