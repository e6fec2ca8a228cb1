import math

from django import forms, template
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from phones.models import wait_text
from sms.senders import simulates_outcomes

register = template.Library()


@register.filter
def time_until(moment):
    """'10 minutes', '42 seconds': rounded up, unlike timeuntil, which rounds down."""
    return wait_text((moment - timezone.now()).total_seconds())


@register.filter
def seconds_until(moment):
    """Whole seconds from now until `moment`, rounded up: where a live countdown starts.

    Rounded up like time_until, so the countdown never reaches zero before the server agrees.
    """
    return max(0, math.ceil((moment - timezone.now()).total_seconds()))


@register.simple_tag
def dev_outbox_url():
    """The development outbox's URL in development with the offline sender, else ''.

    There codes are not texted: the outbox is where a developer reads them.
    """
    if settings.DEBUG and simulates_outcomes():
        return reverse("sms:dev_outbox")
    return ""


@register.filter
def field_group(field):
    """`field.as_field_group()` (a BoundField in templates/django/forms/field.html) for the
    forms every row of the phone page carries: the same HTML, written out here for a text
    input with its label and nothing else to show, which is every row on most page views.

    Rendering it through templates takes six template renders a field (field, label, input,
    attributes, errors), a quarter of the page's time at ten numbers (docs/performance.md).
    Anything else (errors, help text, other widgets) goes through Django's templates.
    """
    widget = field.field.widget
    if (
        field.errors
        or field.help_text
        or field.use_fieldset
        or not isinstance(widget, forms.TextInput)
        or not field.label
        or not field.id_for_label
        or getattr(field.form, "required_css_class", None)
    ):
        return field.as_field_group()
    attrs = field.build_widget_attrs({}, widget)
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    context = widget.get_context(field.html_name, field.value(), attrs)["widget"]
    value = "" if context["value"] is None else format_html(' value="{}"', context["value"])
    # As django/forms/widgets/attrs.html: in order, True bare, False left out.
    rendered_attrs = mark_safe(  # noqa: S308 (each part escaped by format_html)
        "".join(
            format_html(" {}", name) if setting is True else format_html(' {}="{}"', name, setting)
            for name, setting in context["attrs"].items()
            if setting is not False
        )
    )
    # As BoundField.label_tag(): the suffix unless the label ends in punctuation.
    suffix = field.field.label_suffix
    suffix = field.form.label_suffix if suffix is None else suffix
    label = field.label + (suffix if suffix and field.label[-1] not in ":?.!" else "")
    return format_html(
        '<div class="field">\n<label for="{}">{}</label>\n<input type="{}" name="{}"{}{}>\n</div>',
        field.id_for_label,
        label,
        context["type"],
        context["name"],
        value,
        rendered_attrs,
    )
