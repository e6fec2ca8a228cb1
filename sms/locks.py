"""Row locks on users: the apps above take them to serialise one account's changes."""

from django.contrib.auth import get_user_model


def lock_user(user):
    """Row-lock `user` until the transaction ends: one change to their SMS or numbers at a
    time (a no-op on SQLite, which serialises writers anyway)."""
    lock_users(user.pk)


def lock_users(*user_ids):
    """Row-lock the users with these primary keys, always in pk order, so that two
    transactions locking the same users cannot deadlock."""
    users = get_user_model().objects.select_for_update().filter(pk__in=user_ids).order_by("pk")
    list(users.values_list("pk"))
