"""Placeholders in message templates, replaced as plain text.

Stored template text is never given to str.format or to Django's template language: only
the four names below are replaced, by simple substitution, and every other brace stays as
it is. Saving a template with any other `{name}` is refused, so a typo does not go out.
"""

import re

from sms.segments import strip_unsafe_characters

ALLOWED = ("site_name", "first_name", "number", "time")
PLACEHOLDER = re.compile(r"\{([^{}\s]*)\}")


def unknown_placeholders(body):
    """Placeholders in `body` that would not be replaced, e.g. {last_name} or {0}."""
    return {f"{{{name}}}" for name in PLACEHOLDER.findall(body) if name not in ALLOWED}


def fill(body, values):
    """Replace the allowed placeholders with `values`; leave everything else literally.

    Values lose any control character or direction override (sms.segments.is_unsafe): a
    name set in the admin, or before names were checked, cannot carry one into an SMS.
    """
    return PLACEHOLDER.sub(
        lambda match: (
            strip_unsafe_characters(str(values[match[1]])) if match[1] in ALLOWED else match[0]
        ),
        body,
    )
