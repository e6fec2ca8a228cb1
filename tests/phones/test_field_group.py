"""The `field_group` filter writes the phone rows' fields out in Python: it must give the
HTML Django's templates give (templates/django/forms/field.html), in every state."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phones.forms import AddPhoneForm, CodeForm, LabelForm
from phones.templatetags.phones import field_group
from phones.views import autofocus


def same_html(a, b):
    def squeeze(html):
        return re.sub(r">\s+<", "><", str(html).strip())

    return squeeze(a) == squeeze(b)


def test_a_fresh_code_field_is_written_as_django_writes_it():
    field = CodeForm(auto_id="phone-7-%s")["code"]
    assert same_html(field_group(field), field.as_field_group())
    assert 'autocomplete="one-time-code"' in field_group(field)


def test_a_code_field_waiting_for_the_code_keeps_its_focus_and_description():
    form = CodeForm(auto_id="phone-7-%s")
    autofocus(form, described_by="phone-7-notice")
    html = field_group(form["code"])
    assert same_html(html, form["code"].as_field_group())
    assert " autofocus" in html and 'aria-describedby="phone-7-notice"' in html


def test_a_field_with_an_error_is_left_to_djangos_templates():
    form = CodeForm({"code": "12<b>"}, auto_id="phone-7-%s")
    assert not form.is_valid()
    html = field_group(form["code"])
    assert same_html(html, form["code"].as_field_group())
    assert 'aria-invalid="true"' in html and 'class="errorlist"' in html
    assert "12&lt;b&gt;" in html


@pytest.mark.django_db
def test_other_widgets_are_left_to_djangos_templates(user):
    field = AddPhoneForm(user=user, region="US")["region"]
    assert same_html(field_group(field), field.as_field_group())


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40))
def test_any_label_text_is_written_as_django_writes_it(label):
    field = LabelForm(initial={"label": label}, auto_id="phone-7-%s")["label"]
    assert same_html(field_group(field), field.as_field_group())
