"""Twilio error codes in plain words: what happened, and what the user can do about it."""

from dataclasses import dataclass

DOCS_URL = "https://www.twilio.com/docs/api/errors/{code}"


@dataclass(frozen=True)
class ErrorExplanation:
    code: int | None
    title: str
    explanation: str
    action: str
    docs_url: str
    known: bool


# code: (title, what happened, what to do, permanent: the same request would fail again)
CATALOG = {
    20003: (
        "Twilio rejected our credentials",
        "The account SID or auth token this site uses was not accepted by Twilio.",
        "This is on our side, not your phone: tell the site's administrator.",
        True,
    ),
    20429: (
        "Too many requests to Twilio",
        "Twilio asked us to slow down and did not send the message.",
        "Wait a minute and retry.",
        False,
    ),
    21211: (
        "Invalid phone number",
        "Twilio says the number is not a valid phone number.",
        "Check the number on your phone-management page; delete it and add it again if a "
        "digit is wrong.",
        True,
    ),
    21408: (
        "Sending to this country is not enabled",
        "Our Twilio account is not allowed to send SMS to the region of this number.",
        "Tell the site's administrator; retrying will not help until the region is enabled.",
        True,
    ),
    21606: (
        "Our sending number cannot reach this number",
        "The number we send from is not able to send SMS to this destination.",
        "Tell the site's administrator.",
        True,
    ),
    21608: (
        "Trial account: number not verified with Twilio",
        "A Twilio trial account can only text numbers verified in its own console.",
        "Tell the site's administrator.",
        True,
    ),
    21610: (
        "You have unsubscribed (STOP)",
        "This number replied STOP to our messages, so carriers and Twilio block further "
        "messages to it.",
        "Text START to our number from your phone to receive messages again, then retry.",
        True,
    ),
    21612: (
        "Twilio cannot route to this number",
        "Twilio could not connect our sending number with this number right now.",
        "Retry later; if it keeps failing, tell the site's administrator.",
        True,
    ),
    21614: (
        "Not a mobile number",
        "Twilio says this number cannot receive SMS, usually because it is a landline.",
        "Use a mobile number.",
        True,
    ),
    21617: (
        "Message too long",
        "The message is over Twilio's length limit.",
        "Send a shorter message.",
        True,
    ),
    30001: (
        "Queue overflow",
        "Too many messages were waiting at Twilio and this one was dropped.",
        "Retry in a few minutes.",
        False,
    ),
    30002: (
        "Sending account suspended",
        "The Twilio account this site uses is suspended.",
        "Tell the site's administrator.",
        False,
    ),
    30003: (
        "Phone unreachable",
        "The carrier could not reach the phone: it may be switched off, out of coverage, "
        "or roaming without SMS.",
        "Make sure the phone is on and has signal, then retry.",
        False,
    ),
    30004: (
        "Message blocked",
        "The message was blocked, by the phone's owner (blocked sender) or by the carrier.",
        "Check that your phone does not block unknown senders or short codes, then retry.",
        False,
    ),
    30005: (
        "Unknown number",
        "The carrier says the number does not exist or is no longer in service.",
        "Check the number; if it is right, ask your carrier whether it can receive SMS.",
        False,
    ),
    30006: (
        "Landline or unreachable carrier",
        "The number is a landline, or its carrier cannot be reached for SMS.",
        "Use a mobile number that can receive text messages.",
        False,
    ),
    30007: (
        "Filtered by the carrier",
        "The carrier's spam filter blocked the message because of its content or volume.",
        "Try a plain message without links, then retry.",
        False,
    ),
    30008: (
        "Unknown delivery error",
        "The carrier returned an error without a reason.",
        "Retry; if it keeps happening, note the time and tell the site's administrator.",
        False,
    ),
    30022: (
        "Carrier rate limit exceeded",
        "Our sending number went over the carrier's throughput limit.",
        "Retry in a few minutes.",
        False,
    ),
    30032: (
        "Toll-free number not verified",
        "Our toll-free sending number has not completed carrier verification, so US and "
        "Canadian carriers block its messages.",
        "Tell the site's administrator.",
        False,
    ),
    30034: (
        "Sending number not registered (A2P 10DLC)",
        "US carriers block messages from our number because it is not registered for "
        "application-to-person messaging.",
        "Tell the site's administrator.",
        False,
    ),
    30044: (
        "Message too long for a trial account",
        "Twilio trial accounts may only send short, single-segment messages.",
        "Send a shorter message, or ask the administrator to upgrade the account.",
        False,
    ),
    30410: (
        "Carrier timed out",
        "The carrier took too long to answer Twilio about this message.",
        "Retry in a few minutes.",
        False,
    ),
}


def explain(code, twilio_message=""):
    """An explanation for `code`; an unknown code keeps Twilio's own message."""
    code = int(code) if code else None
    docs_url = DOCS_URL.format(code=code) if code else ""
    if code in CATALOG:
        title, explanation, action, _ = CATALOG[code]
        return ErrorExplanation(code, title, explanation, action, docs_url, known=True)
    if code is None:
        # Failures before Twilio answered (no connection, outcome unknown, number no longer
        # verified) or a report without a code: our own message is all there is.
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


def is_permanent(code):
    """Whether sending the same request again would fail the same way."""
    return bool(code) and CATALOG.get(int(code), (None, None, None, False))[3]
