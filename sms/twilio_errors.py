"""Twilio error codes in plain words: what happened, and what the user can do about it.

Each entry follows Twilio's own page for the code (https://www.twilio.com/docs/api/errors/
followed by the code) and says whose problem it is (`Blame`): the site's set-up (staff are
alerted), the number (it cannot take our SMS), the person (they opted out with STOP) or a
passing condition.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings


class Blame(StrEnum):
    SITE = "site"  # our Twilio account or sending set-up: staff must act
    NUMBER = "number"  # the destination cannot receive our SMS
    OPTED_OUT = "opted_out"  # the person texted STOP; START undoes it
    PASSING = "passing"  # may work if tried again later


DOCS_URL = "https://www.twilio.com/docs/api/errors/{code}"


@dataclass(frozen=True)
class ErrorExplanation:
    code: int | None
    title: str
    explanation: str
    action: str
    docs_url: str
    known: bool
    blame: Blame = Blame.PASSING


SITE_ACTION = (
    "This is on our side, not your phone: we have been alerted and are looking into it. "
    "Retrying will not help until it is fixed."
)

# code: (title, what happened, what to do, permanent: the same request would fail again, blame)
CATALOG = {
    20003: (
        "Twilio rejected our credentials",
        "The account SID or auth token this site uses was not accepted by Twilio.",
        SITE_ACTION,
        True,
        Blame.SITE,
    ),
    20429: (
        "Too many requests to Twilio",
        "Twilio asked us to slow down and did not send the message.",
        "Wait a minute and retry.",
        False,
        Blame.PASSING,
    ),
    21211: (
        "Invalid phone number",
        "Twilio says the number is not a valid phone number.",
        "Check the number on your phone-management page; delete it and add it again if a "
        "digit is wrong.",
        True,
        Blame.NUMBER,
    ),
    21408: (
        "Sending to this country is not enabled",
        "Our Twilio account is not allowed to send SMS to the region of this number.",
        SITE_ACTION,
        True,
        Blame.SITE,
    ),
    21606: (
        "Our sending number cannot reach this number",
        "The number we send from is not able to send SMS to this destination.",
        SITE_ACTION,
        True,
        Blame.SITE,
    ),
    21608: (
        "Trial account: number not verified with Twilio",
        "A Twilio trial account can only text numbers verified in its own console.",
        SITE_ACTION,
        True,
        Blame.SITE,
    ),
    21212: (
        "Our sending number is not valid",
        "The 'From' number this site is set up with is not a valid phone number.",
        SITE_ACTION,
        True,
        Blame.SITE,
    ),
    21610: (
        "You have unsubscribed (STOP)",
        "This number replied STOP to our messages, so carriers and Twilio block further "
        "messages to it.",
        "Text START to {sender} from your phone to receive messages again, then retry.",
        True,
        Blame.OPTED_OUT,
    ),
    21659: (
        "Our sending number is not a Twilio number",
        "The 'From' number this site is set up with does not belong to its Twilio account, "
        "or cannot send to this country.",
        SITE_ACTION,
        True,
        Blame.SITE,
    ),
    21612: (
        "Twilio cannot route to this number",
        "Twilio could not connect our sending number with this number right now.",
        "Retry later; if it keeps failing, tell the site's administrator.",
        True,
        Blame.NUMBER,
    ),
    21614: (
        "Not a mobile number",
        "Twilio says this number cannot receive SMS, usually because it is a landline.",
        "Use a mobile number.",
        True,
        Blame.NUMBER,
    ),
    21617: (
        "Message too long",
        "The message is over Twilio's length limit.",
        "Send a shorter message.",
        True,
        Blame.PASSING,
    ),
    30001: (
        "Queue overflow",
        "Too many messages were waiting at Twilio and this one was dropped.",
        "Retry in a few minutes.",
        False,
        Blame.PASSING,
    ),
    30002: (
        "Sending account suspended",
        "The Twilio account this site uses is suspended.",
        SITE_ACTION,
        False,
        Blame.SITE,
    ),
    30003: (
        "Phone unreachable",
        "The carrier could not reach the phone: it may be switched off, out of coverage, "
        "or roaming without SMS.",
        "Make sure the phone is on and has signal, then retry.",
        False,
        Blame.PASSING,
    ),
    30004: (
        "Message blocked",
        "The message was blocked, by the phone's owner (blocked sender) or by the carrier.",
        "Check that your phone does not block unknown senders or short codes, then retry.",
        False,
        Blame.PASSING,
    ),
    30005: (
        "Unknown number",
        "The carrier says the number does not exist or is no longer in service.",
        "Check the number; if it is right, ask your carrier whether it can receive SMS.",
        False,
        Blame.NUMBER,
    ),
    30006: (
        "Landline or unreachable carrier",
        "The number is a landline, or its carrier cannot be reached for SMS.",
        "Use a mobile number that can receive text messages.",
        False,
        Blame.NUMBER,
    ),
    30007: (
        "Filtered by the carrier",
        "The carrier's spam filter blocked the message because of its content or volume.",
        "Try a plain message without links, then retry.",
        False,
        Blame.PASSING,
    ),
    30008: (
        "Unknown delivery error",
        "The carrier returned an error without a reason.",
        "Retry; if it keeps happening, note the time and tell the site's administrator.",
        False,
        Blame.PASSING,
    ),
    30022: (
        "Carrier rate limit exceeded",
        "Our sending number went over the carrier's throughput limit.",
        "Retry in a few minutes.",
        False,
        Blame.PASSING,
    ),
    30032: (
        "Toll-free number not verified",
        "Our toll-free sending number has not completed carrier verification, so US and "
        "Canadian carriers block its messages.",
        SITE_ACTION,
        False,
        Blame.SITE,
    ),
    30034: (
        "Sending number not registered (A2P 10DLC)",
        "US carriers block messages from our number because it is not registered for "
        "application-to-person messaging.",
        SITE_ACTION,
        False,
        Blame.SITE,
    ),
    30044: (
        "Message too long for a trial account",
        "Twilio trial accounts may only send short, single-segment messages.",
        "Send a shorter message, or ask the administrator to upgrade the account.",
        False,
        Blame.PASSING,
    ),
    30410: (
        "Carrier timed out",
        "The carrier took too long to answer Twilio about this message.",
        "Retry in a few minutes.",
        False,
        Blame.PASSING,
    ),
}


def explain(code, twilio_message="", *, sender=""):
    """An ErrorExplanation for Twilio error `code` (int, digit string or None).

    An unknown code keeps Twilio's own `twilio_message`. `sender` is the number our SMS
    come from, for the 21610 advice to text START to it.
    """
    code = int(code) if code else None
    docs_url = DOCS_URL.format(code=code) if code else ""
    if code in CATALOG:
        title, explanation, action, _, blame = CATALOG[code]
        sender = sender or settings.TWILIO_FROM_NUMBER or "the number our messages come from"
        action = action.replace("{sender}", sender)
        return ErrorExplanation(code, title, explanation, action, docs_url, True, blame)
    if code is None:
        # Failures before Twilio answered (no connection, number no longer verified,
        # a region turned off) or a report without a code: our own message is all there is.
        return ErrorExplanation(
            None,
            "The message was not delivered",
            twilio_message or "Twilio gave no reason.",
            "Retry. If it keeps failing, tell the site's administrator.",
            "",
            known=False,
        )
    return ErrorExplanation(
        code,
        "The message was not delivered",
        twilio_message or "Twilio reported an error we have no explanation for yet.",
        "Retry; if it fails again, the linked Twilio page describes the error.",
        docs_url,
        known=False,
    )


def outcome_unknown(detail=""):
    """For a send whose request may have reached Twilio without an answer coming back."""
    return ErrorExplanation(
        None,
        "Outcome unknown",
        "We could not confirm whether Twilio sent this message"
        + (f" ({detail[:1].lower()}{detail[1:].rstrip('.')})." if detail else "."),
        "Wait a minute: if it was sent, its status appears here by itself.",
        "",
        known=False,
    )


def is_permanent(code):
    """Whether sending the same request again would fail the same way (bool)."""
    return bool(code) and int(code) in CATALOG and CATALOG[int(code)][3]
