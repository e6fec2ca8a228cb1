from django.contrib import admin

from .models import MessageStatusEvent, MessageTemplate, OutboxMessage, TestMessage


class MessageStatusEventInline(admin.TabularInline):
    model = MessageStatusEvent
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


@admin.register(TestMessage)
class TestMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "to_number", "status", "error_code", "twilio_sid"]
    list_filter = ["status", ErrorCodeFilter, ("created_at", admin.DateFieldListFilter)]
    search_fields = ["twilio_sid", "to_number", "user__email", "user__username"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    inlines = [MessageStatusEventInline]
    readonly_fields = [
        field.name for field in TestMessage._meta.fields if field.name not in ("id",)
    ]

    def has_add_permission(self, request):
        return False


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "order"]
    list_editable = ["is_active", "order"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to", "body", "outcome"]
    search_fields = ["to", "sid"]
