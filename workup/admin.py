from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from workup.models import Alert, AuditEvent, OrderTemplate, PathwayTemplate, Patient, User, Ward, Workup


@admin.register(Ward)
class WardAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "timezone"]
    search_fields = ["code", "name"]


@admin.register(User)
class StaffAdmin(UserAdmin):
    fieldsets = [*UserAdmin.fieldsets, ("Wards", {"fields": ["wards"]})]
    filter_horizontal = [*UserAdmin.filter_horizontal, "wards"]
    list_display = ["username", "first_name", "last_name", "is_active", "is_staff"]


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
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
class WorkupAdmin(admin.ModelAdmin):
    list_display = ["id", "patient", "ward", "bed", "status", "triaged_at", "pathway"]
    list_filter = ["status", "ward"]
    search_fields = ["patient__mrn", "bed"]
    list_select_related = ["patient", "ward", "pathway"]
    # Status changes go through services so that they are audited.
    readonly_fields = ["status", "version", "triaged_at", "opened_by", "closed_at", "closed_by", "pathway"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "workup", "subject_type", "subject_id", "action", "from_status", "to_status", "actor"]
    list_filter = ["subject_type", "action"]
    list_select_related = ["actor", "workup"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["id", "workup", "rule", "severity", "status", "opened_at", "trigger_count"]
    list_filter = ["status", "severity", "category"]
    list_select_related = ["workup"]

    # Alerts change state through services (audited, escalations follow): read-only here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
