from django.contrib import admin

from .models import Message, OutboxMessage, StaffAlert, StatusReport


class StatusReportInline(admin.TabularInline):
    model = StatusReport
    fields = ["created_at", "status", "error_code", "raw"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ErrorCodeFilter(admin.SimpleListFilter):
    title = "error code"
    parameter_name = "error_code"

    def lookups(self, request, model_admin):
        codes = (
            model_admin.get_queryset(request)
            .exclude(error_code=None)
            .order_by("error_code")
            .values_list("error_code", flat=True)
            .distinct()
        )
        return [(code, str(code)) for code in codes]

    def queryset(self, request, queryset):
        return queryset.filter(error_code=self.value()) if self.value() else queryset


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Every outbound SMS, codes and tests alike, read-only: it is the record of what was sent."""

    list_display = [
        "created_at",
        "purpose",
        "to_number",
        "status",
        "error_code",
        "twilio_sid",
        "user",
    ]
    list_filter = [
        "purpose",
        "status",
        ErrorCodeFilter,
        ("created_at", admin.DateFieldListFilter),
    ]
    search_fields = ["twilio_sid", "to_number", "public_id", "user__email", "user__username"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    inlines = [StatusReportInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Message._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to", "body", "outcome"]
    search_fields = ["to", "sid"]


@admin.register(StaffAlert)
class StaffAlertAdmin(admin.ModelAdmin):
    list_display = ["key", "sent_at"]
