from django.contrib import admin

from .models import PhoneManagementVisit, ViewLatency


class ReadOnlyAdmin(admin.ModelAdmin):
    """Measurements, not data to edit: staff may look and delete, never add or change."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PhoneManagementVisit)
class PhoneManagementVisitAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "entry", "user"]
    list_filter = ["entry", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    date_hierarchy = "created_at"


@admin.register(ViewLatency)
class ViewLatencyAdmin(ReadOnlyAdmin):
    list_display = ["day", "view", "le_ms", "count"]
    list_filter = ["view", ("day", admin.DateFieldListFilter)]
    date_hierarchy = "day"
