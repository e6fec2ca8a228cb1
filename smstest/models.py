from django.db import models


class OutboxMessage(models.Model):
    """What the offline sender 'sent', so developers can read codes at /dev/outbox/."""

    to = models.CharField(max_length=32)
    body = models.TextField()
    sid = models.CharField(max_length=34, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"To {self.to}: {self.body[:40]}"
