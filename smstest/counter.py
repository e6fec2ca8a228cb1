"""The line under the message box: what a text costs, in words a person can check.

"36 characters (👋 counts as 2) · UCS-2 · 1 segment · 33 characters left in this
segment": 36 + 1 = 37 of the 70 a UCS-2 segment holds. The units come from
sms.segments.analyse; this module only says which characters take two of them.
"""

from django.template.defaultfilters import pluralize

from sms import segments

EMPTY_TEXT = (
    "Plain text (GSM-7): 160 characters in one SMS, 153 per part of a longer one. An emoji or "
    "another character outside GSM-7 switches to UCS-2: 70, and 67 per part."
)
# Characters named in the counter at most; a longer list ends with "…".
NAMED_AT_MOST = 5


def describe(text):
    """The counter's sentence for `text` (a str, as it will be sent)."""
    info = segments.analyse(text)
    if not info.characters:
        return EMPTY_TEXT
    counted = f"{info.characters} character{pluralize(info.characters)}"
    if doubles := double_unit_characters(text, info.encoding):
        counted += f" ({counts_as_two(doubles)})"
    encoding = info.encoding
    if encoding == "UCS-2":
        # One curly quote pasted from a phone halves what fits: say which character did it.
        encoding += f" (because of {first_outside_gsm7(text)})"
    parts = [counted, encoding, f"{info.segments} segment{pluralize(info.segments)}"]
    if info.segments > 1:
        parts[-1] += f" of {info.per_segment}"
    left = info.remaining_in_segment
    which = "this segment" if info.segments == 1 else "the last segment"
    parts.append(f"{left} character{pluralize(left)} left in {which}")
    return " · ".join(parts)


def double_unit_characters(text, encoding):
    """The characters of `text` that take two units, in order, repeats included.

    GSM-7: those of the extension table (€ [ ] { } ^ ~ | \\), sent as an escape and the
    character. UCS-2: those outside the Basic Multilingual Plane (most emoji), sent as a
    surrogate pair (sms.segments.unit_width).
    """
    return [char for char in text if segments.unit_width(char, encoding) == 2]


def first_outside_gsm7(text):
    return next(char for char in text if not segments.is_gsm7(char))


def counts_as_two(doubles):
    """ "€ counts as 2", "each 👋 counts as 2", "€ and [ count as 2 each"… for a non-empty list.

    The characters themselves, not "the emoji": ✅ is an emoji that counts as 1.
    """
    distinct = list(dict.fromkeys(doubles))
    if len(doubles) == 1:
        return f"{distinct[0]} counts as 2"
    if len(distinct) == 1:
        return f"each {distinct[0]} counts as 2"
    named = distinct[:NAMED_AT_MOST]
    listed = ", ".join(named[:-1]) + " and " + named[-1]
    if len(distinct) > NAMED_AT_MOST:
        listed = ", ".join(named) + "…"
    return f"{listed} count as 2 each"
