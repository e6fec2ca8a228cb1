from contextlib import contextmanager

from django.db import models, transaction
from django.utils import timezone

from sms import budgets
from sms.limits import WindowedQuerySet
from sms.locks import lock_key


class ClientEventQuerySet(WindowedQuerySet):
    @contextmanager
    def within_budget(self, kind, client_ip, budget):
        """Run the block in a transaction, and record it, only while `client_ip` has done
        `kind` fewer times in the last hour than `budget` (an sms.budgets.Budget) allows;
        otherwise raise budgets.BudgetExceeded, which budgets.trips_recorded() records and
        tells staff about once the transaction has rolled back. Counted under a lock per
        kind and IP, so it is exact."""
        with transaction.atomic():
            if client_ip:
                lock_key(f"client-event:{kind}:{client_ip}")
                done = self.filter(kind=kind, client_ip=client_ip)
                if done.limit_reached_until(budget.limit, budgets.WINDOW):
                    raise budgets.BudgetExceeded(budget, client_ip=client_ip)
            yield
            self.create(kind=kind, client_ip=client_ip)


class ClientEvent(models.Model):
    """An account action that sends mail, by client IP: the per-IP limits count these."""

    class Kind(models.TextChoices):
        SIGNUP = "signup", "Sign-up"
        PASSWORD_RESET = "password_reset", "Password-reset request"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    client_ip = models.GenericIPAddressField("client IP", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = ClientEventQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["kind", "client_ip", "created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} from {self.client_ip}"
