"""The Django admin shows clinical records but never changes them: every change to a patient,
workup, order, bedside entry, alert, escalation, notification or audit event goes through the
services, which audit it and keep escalations in step. Read-only for everyone, superusers
included; adding and deleting are off too. Who may *view* them is the Django permission system
(the admin role is granted view permissions by migration workup 0012)."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
