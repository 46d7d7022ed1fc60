from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db import models
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from workup.admin_readonly import ReadOnlyAdmin
from workup.models import (
    Alert,
    AlertGroup,
    AuditEvent,
    NeuroAssessment,
    OrderTemplate,
    PathwayTemplate,
    Patient,
    RespiratoryReading,
    User,
    VitalsEntry,
    Ward,
    Workup,
)


@admin.register(Ward)
class WardAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "timezone"]
    search_fields = ["code", "name"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.URLField):
            kwargs["assume_scheme"] = "https"  # a webhook without a scheme is meant over TLS
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(User)
class StaffAdmin(UserAdmin):
    """Staff, their roles (groups) and wards. Only a superuser may make a superuser or give
    permissions one by one, or change a superuser: an admin-role account cannot raise itself."""

    fieldsets = [*UserAdmin.fieldsets, ("Wards", {"fields": ["wards"]})]
    filter_horizontal = [*UserAdmin.filter_horizontal, "wards"]
    list_display = ["username", "first_name", "last_name", "is_active", "is_staff"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "user_permissions"]
        return fields

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)


@admin.register(Patient)
class PatientAdmin(ReadOnlyAdmin):
    list_display = ["mrn", "name", "date_of_birth", "sex"]
    search_fields = ["mrn", "name"]


class OrderTemplateInline(admin.TabularInline):
    model = OrderTemplate
    extra = 0


@admin.register(PathwayTemplate)
class PathwayTemplateAdmin(admin.ModelAdmin):
    list_display = ["key", "version", "title", "published", "published_at"]
    inlines = [OrderTemplateInline]

    def get_readonly_fields(self, request, obj=None):
        # A published version is what open workups run on: change it by publishing a new one.
        if obj is not None and obj.published:
            return [f.name for f in self.model._meta.fields]
        return []

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        if obj is not None and obj.published:
            for inline in inlines:
                inline.has_add_permission = lambda *a, **k: False
                inline.has_change_permission = lambda *a, **k: False
                inline.has_delete_permission = lambda *a, **k: False
        return inlines


@admin.register(Workup)
class WorkupAdmin(ReadOnlyAdmin):
    list_display = ["id", "patient", "ward", "bed", "status", "triaged_at", "pathway"]
    list_filter = ["status", "ward"]
    search_fields = ["patient__mrn", "bed"]
    list_select_related = ["patient", "ward", "pathway"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "workup", "subject_type", "subject_id", "action", "from_status", "to_status", "actor"]
    list_filter = ["subject_type", "action"]
    list_select_related = ["actor", "workup"]


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ["id", "workup", "rule", "severity", "status", "opened_at", "trigger_count"]
    list_filter = ["status", "severity", "category"]
    list_select_related = ["workup"]


@admin.register(AlertGroup)
class AlertGroupAdmin(ReadOnlyAdmin):
    # Groups change state through services (audited, escalations follow): read-only here.
    list_display = ["id", "workup", "ward", "severity", "status", "opened_at", "changed_at", "acknowledged_by"]
    list_filter = ["status", "severity", "ward"]
    list_select_related = ["workup", "ward", "acknowledged_by"]


class _BedsideEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "workup", "taken_at", "recorded_by"]
    list_select_related = ["workup", "recorded_by"]


@admin.register(RespiratoryReading)
class RespiratoryReadingAdmin(_BedsideEntryAdmin):
    pass


@admin.register(NeuroAssessment)
class NeuroAssessmentAdmin(_BedsideEntryAdmin):
    pass


@admin.register(VitalsEntry)
class VitalsEntryAdmin(_BedsideEntryAdmin):
    pass


# API tokens: an admin sees who has one and since when, and revokes it (delete). The key itself is
# never shown, and nobody makes a token for someone else here (it would let them act as that person).
admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class ApiTokenAdmin(TokenAdmin):
    list_display = ("user", "created")
    fields = ("user", "created")
    readonly_fields = ("user", "created")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
