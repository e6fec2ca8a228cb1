from datetime import timedelta

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from . import budgets
from .admin_search import NumberSearchMixin
from .models import BudgetTrip, Message, OutboxMessage, StaffAlert, StatusReport

SPEND_DAYS = 30


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
class MessageAdmin(NumberSearchMixin, admin.ModelAdmin):
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
    number_search_fields = ["to_number"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    inlines = [StatusReportInline]
    change_list_template = "admin/sms/message/change_list.html"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Message._meta.fields]

    def get_urls(self):
        spend = self.admin_site.admin_view(self.spend_view)
        return [path("spend/", spend, name="sms_message_spend"), *super().get_urls()]

    def spend_view(self, request):
        """SMS and segments per day, country and purpose over the last 30 days (what may
        have cost money: Message.objects.handed_over()), and the budgets that tripped."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        since = timezone.now() - timedelta(days=SPEND_DAYS)
        rows = (
            Message.objects.handed_over()
            .since(since)
            .annotate(day=TruncDate("created_at"))
            .values("day", "country", "purpose")
            .annotate(messages=Count("pk"), segments=Sum("segments"))
            .order_by("-day", "country", "purpose")
        )
        trips = (
            BudgetTrip.objects.filter(created_at__gte=since)
            .annotate(day=TruncDate("created_at"))
            .values("day", "budget")
            .annotate(trips=Count("pk"))
            .order_by("-day", "budget")
        )
        purposes = dict(Message.Purpose.choices)
        context = {
            **self.admin_site.each_context(request),
            "title": f"SMS spend, last {SPEND_DAYS} days",
            "opts": self.model._meta,
            "rows": [
                {**row, "purpose": purposes.get(row["purpose"], row["purpose"])} for row in rows
            ],
            "trips": [{**trip, "title": budgets.BUDGETS[trip["budget"]].title} for trip in trips],
            "budgets": [(budget, budget.limit) for budget in budgets.BUDGETS.values()],
        }
        return TemplateResponse(request, "admin/sms/spend.html", context)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(NumberSearchMixin, admin.ModelAdmin):
    list_display = ["created_at", "to", "body", "outcome"]
    search_fields = ["to", "sid"]
    number_search_fields = ["to"]


@admin.register(BudgetTrip)
class BudgetTripAdmin(admin.ModelAdmin):
    list_display = ["created_at", "budget", "country", "client_ip", "user"]
    list_filter = ["budget", "country"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(StaffAlert)
class StaffAlertAdmin(admin.ModelAdmin):
    list_display = ["key", "sent_at"]
