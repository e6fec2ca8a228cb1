"""Row locks on users: the apps above take them to serialise one account's changes."""

from django.contrib.auth import get_user_model
from django.db import connection


def lock_user(user):
    """Row-lock `user` until the transaction ends: one change to their SMS or numbers at a
    time (a no-op on SQLite, which serialises writers anyway)."""
    lock_users(user.pk)


def lock_users(*user_ids):
    """Row-lock the users with these primary keys, always in pk order, so that two
    transactions locking the same users cannot deadlock."""
    users = get_user_model().objects.select_for_update().filter(pk__in=user_ids).order_by("pk")
    list(users.values_list("pk"))


def lock_key(name):
    """Hold a lock named `name` (a str) until the transaction ends.

    A PostgreSQL advisory lock: it covers things that have no row of their own, such as
    "the number +447911123456 across every account" or "the site's SMS budgets". Taken in
    a fixed order after the user locks (users, then a number, then the budgets), so that
    nothing deadlocks. SQLite serialises writers anyway: there it does nothing.
    """
    if connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:
        raise RuntimeError("lock_key() needs a transaction: the lock ends with it")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [name])


def lock_number(number):
    """Lock one phone number (a PhoneNumber, in E.164) across every account."""
    lock_key(f"number:{number.as_e164}")
