from django.contrib import admin

from sms.admin_search import NumberSearchMixin
from sms.destinations import region_name

from .models import PhoneEvent, PhoneNumber


class VerifiedFilter(admin.SimpleListFilter):
    title = "verified"
    parameter_name = "verified"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.verified()
        if self.value() == "no":
            return queryset.pending()
        return queryset


class RegionFilter(admin.SimpleListFilter):
    title = "region"
    parameter_name = "region"

    def lookups(self, request, model_admin):
        countries = PhoneNumber.objects.order_by("country").values_list("country", flat=True)
        return [(code, region_name(code)) for code in countries.distinct() if code]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(country=self.value())
        return queryset


class PhoneEventInline(admin.TabularInline):
    model = PhoneEvent
    fields = ["created_at", "kind", "detail", "user"]
    readonly_fields = fields
    ordering = ["-created_at", "-pk"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PhoneNumber)
class PhoneNumberAdmin(NumberSearchMixin, admin.ModelAdmin):
    list_display = ["number", "user", "label", "country", "is_verified", "is_primary", "created_at"]
    list_filter = [VerifiedFilter, "is_primary", RegionFilter]
    search_fields = ["number", "user__email", "user__username"]
    number_search_fields = ["number"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    readonly_fields = ["code_sent_at", "code_attempts", "created_at", "updated_at"]
    # The code's hash is of no use to staff and stays out of the form.
    exclude = ["code_hash"]
    inlines = [PhoneEventInline]

    @admin.display(boolean=True, description="verified", ordering="verified_at")
    def is_verified(self, phone):
        return phone.is_verified

    def delete_model(self, request, obj):
        # Through the model, so a deleted primary is replaced and the owner is told.
        obj.remove()

    def delete_queryset(self, request, queryset):
        for phone in queryset:
            phone.remove()


@admin.register(PhoneEvent)
class PhoneEventAdmin(NumberSearchMixin, admin.ModelAdmin):
    list_display = ["created_at", "kind", "number", "user", "detail"]
    list_filter = ["kind"]
    search_fields = ["number", "user__email", "user__username"]
    number_search_fields = ["number"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # The log is evidence and feeds the quotas.
        return False
