"""Security notices to a number's owner: verified on, removed from, or taken over from them.

Sent only once the change is committed, and a mail failure never undoes the change.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse


def number_verified(phone):
    notify(
        phone.user,
        f"{phone.display} was verified on your account",
        f"The phone number {phone.display} was verified on your {settings.SITE_NAME} account."
        + (" It is now your primary number." if phone.is_primary else ""),
    )


def number_removed(phone, promoted):
    notify(
        phone.user,
        f"{phone.display} was removed from your account",
        f"The phone number {phone.display} was removed from your {settings.SITE_NAME} account."
        + promoted_sentence(promoted),
    )


def number_taken_over(phone, promoted):
    notify(
        phone.user,
        f"{phone.display} was verified by another account",
        f"Another {settings.SITE_NAME} account proved it owns the phone number {phone.display}, "
        "so it is no longer verified on your account. If the number is still yours, send a "
        "new code to it and verify it again." + promoted_sentence(promoted),
    )


def promoted_sentence(promoted):
    if promoted is None:
        return ""
    return f" Your primary number is now {promoted.display}."


def notify(user, subject, text):
    if not user.email:
        return
    manage_url = settings.PUBLIC_BASE_URL + reverse("phones:manage")
    password_url = settings.PUBLIC_BASE_URL + reverse("password_change")
    body = (
        f"Hello {user.get_short_name() or user.get_username()},\n\n{text}\n\n"
        f"Your numbers: {manage_url}\n"
        f"If you did not expect this, change your password: {password_url}\n"
    )
    transaction.on_commit(
        lambda: send_mail(f"[{settings.SITE_NAME}] {subject}", body, None, [user.email]),
        robust=True,
    )
