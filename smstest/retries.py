"""Sending a test again: whether it may go now, and queuing it linked to the first.

A card shows this before anyone presses Retry (the button is disabled, with the reason or
a countdown); the retry view checks it again under the locks.
"""

from dataclasses import dataclass

from sms import destinations
from sms.models import OutboxMessage
from sms.senders import simulates_outcomes

from .models import sending_limits, short_wait

NOT_RETRYABLE = "Only failed or undelivered messages can be retried."
NO_LONGER_VERIFIED = "This number is no longer verified on your account, so nothing was sent."


def is_verified_number_of(user, number):
    # Through the user: this app does not import the phones app.
    return user.phone_numbers.filter(number=number, verified_at__isnull=False).exists()


def lasting_refusal(user, original):
    """Why `original` cannot be retried, waiting aside (no longer verified, region turned
    off…), or None."""
    if not original.can_retry:
        return NOT_RETRYABLE
    if not is_verified_number_of(user, original.to_number):
        return NO_LONGER_VERIFIED
    return destinations.refusal(original.to_number)


def retry_refusal(user, original):
    """Why `original` cannot be sent again now, or None."""
    return lasting_refusal(user, original) or sending_limits(user, original.to_number).refusal


@dataclass(frozen=True)
class RetryState:
    """What a card's Retry shows before it is pressed.

    `refusal`: why it cannot be retried now (None: it can); `wait_seconds`: how long until
    a quota allows it (0: no wait), shown as `wait_text` on the disabled button;
    `simulate_choices`: the outcomes the offline sender can play back (empty otherwise).
    """

    refusal: str | None
    wait_seconds: int = 0
    simulate_choices: tuple = ()

    @property
    def wait_text(self):
        return short_wait(self.wait_seconds)


def retry_state(user, message):
    """The RetryState of `message` (a retryable test of `user`)."""
    choices = tuple(OutboxMessage.Outcome.choices) if simulates_outcomes() else ()
    if refusal := lasting_refusal(user, message):
        return RetryState(refusal, simulate_choices=choices)
    limits = sending_limits(user, message.to_number)
    return RetryState(limits.refusal, limits.wait_seconds, choices)


def chosen_outcome(value):
    """The outcome the offline sender should play for a retry: the one chosen, "delivered"
    when none (or an unknown one) was; "" with a real sender. A retry never inherits the
    first message's simulated failure."""
    return OutboxMessage.outcome_to_play(value, default=OutboxMessage.Outcome.DELIVERED)
