from django.conf import settings
from django.db import models
from django.db.models import Q
from phonenumber_field.modelfields import PhoneNumberField


class PhoneNumber(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="phone_numbers"
    )
    number = PhoneNumberField()
    label = models.CharField(max_length=40, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    is_primary = models.BooleanField(default=False)
    # The one live verification code; sending a new one overwrites it (cancelling the old).
    code_hash = models.CharField(max_length=64, blank=True)
    code_sent_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "number"], name="phone_unique_per_user"),
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_primary=True), name="one_primary_per_user"
            ),
            models.UniqueConstraint(
                fields=["number"],
                condition=Q(verified_at__isnull=False),
                name="number_verified_on_one_account",
            ),
            models.CheckConstraint(
                condition=Q(is_primary=False) | Q(verified_at__isnull=False),
                name="primary_must_be_verified",
            ),
        ]

    def __str__(self):
        return str(self.number)

    @property
    def is_verified(self):
        return self.verified_at is not None


class PhoneEvent(models.Model):
    """What happened to a number. Kept after the number is deleted: quotas count these rows."""

    class Kind(models.TextChoices):
        ADDED = "added", "Added"
        CODE_SENT = "code_sent", "Code sent"
        VERIFIED = "verified", "Verified"
        FAILED_ATTEMPT = "failed_attempt", "Failed attempt"
        PRIMARY_CHANGED = "primary_changed", "Primary changed"
        LABEL_CHANGED = "label_changed", "Label changed"
        DELETED = "deleted", "Deleted"
        TAKEN_OVER = "taken_over", "Verification taken over"

    phone = models.ForeignKey(
        PhoneNumber, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="phone_events"
    )
    number = PhoneNumberField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["number", "kind", "created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.number}"
