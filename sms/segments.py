"""How many SMS segments a text costs, counted the way Twilio counts them.

GSM-7 (GSM 03.38): 160 septets in a single message, 153 per part of a concatenated one;
characters of the extension table take two septets (an escape plus the character) and a
pair is never split across parts. Anything outside the GSM-7 alphabet switches the whole
message to UCS-2: 70 UTF-16 code units single, 67 per part; characters outside the Basic
Multilingual Plane (most emoji) are a surrogate pair, two units that are never split.
"""

import unicodedata
from dataclasses import dataclass

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")

MAX_CUSTOM_LENGTH = 480
# Newline and tab are ordinary in a message; other controls and invisible direction
# overrides can hide what a text really says.
ALLOWED_CONTROLS = {"\n", "\r", "\t"}
BIDI_OVERRIDES = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass(frozen=True)
class SegmentInfo:
    encoding: str
    characters: int
    units: int
    segments: int
    per_segment: int
    remaining_in_segment: int


def is_gsm7(text):
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def unit_width(char, encoding):
    """How many units `char` takes in `encoding` ("GSM-7" or "UCS-2"): 2 for a GSM-7
    extension character (an escape and the character) or a UCS-2 character outside the
    Basic Multilingual Plane (a surrogate pair), else 1."""
    if encoding == "GSM-7":
        return 2 if char in GSM7_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1


def _units(text, encoding):
    return [unit_width(char, encoding) for char in text]


def _parts(units, size):
    """Fill parts of `size` units, moving a character that would straddle two parts."""
    parts, used = 1, 0
    for width in units:
        if used + width > size:
            parts, used = parts + 1, 0
        used += width
    return parts, used


def analyse(text):
    encoding = "GSM-7" if is_gsm7(text) else "UCS-2"
    single, multi = (160, 153) if encoding == "GSM-7" else (70, 67)
    units = _units(text, encoding)
    total = sum(units)
    if total == 0:
        return SegmentInfo(encoding, 0, 0, 0, single, single)
    if total <= single:
        return SegmentInfo(encoding, len(text), total, 1, single, single - total)
    segments, used_in_last = _parts(units, multi)
    return SegmentInfo(encoding, len(text), total, segments, multi, multi - used_in_last)


def validate_custom_text(text):
    """Error messages for a custom test message; an empty list means it is fine."""
    if not text.strip():
        return ["Enter a message to send."]
    errors = []
    if len(text) > MAX_CUSTOM_LENGTH:
        errors.append(
            f"Keep the message to {MAX_CUSTOM_LENGTH} characters or fewer (it has {len(text)})."
        )
    if has_unsafe_characters(text):
        errors.append(UNSAFE_CHARACTERS_ERROR)
    return errors


UNSAFE_CHARACTERS_ERROR = (
    "Remove the control characters (invisible characters such as bell, escape or "
    "text-direction overrides)."
)


def is_unsafe(char):
    """Whether `char` may not go into an SMS: a control character other than newline,
    carriage return and tab, or a bidirectional override or isolate (Unicode TR #9), which
    can make a text read differently from what it says (CVE-2021-42574, "Trojan Source")."""
    return (unicodedata.category(char) == "Cc" and char not in ALLOWED_CONTROLS) or (
        char in BIDI_OVERRIDES
    )


def has_unsafe_characters(text):
    return any(is_unsafe(char) for char in text)


def strip_unsafe_characters(text):
    """`text` without the characters is_unsafe() refuses."""
    return "".join(char for char in text if not is_unsafe(char))
