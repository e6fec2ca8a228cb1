"""A first name set outside the sign-up form (in the admin, or before names were checked)
cannot carry control characters or direction overrides into an SMS through {first_name}."""

import pytest
from django.urls import reverse

from sms.models import Message
from sms.segments import UNSAFE_CHARACTERS_ERROR, analyse
from smstest.models import MessageTemplate
from tests.factories import PhoneNumberFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
UNSAFE = {
    "\x1b": "escape",
    "\x07": "bell",
    "\u202e": "right-to-left override",
    "\u2066": "left-to-right isolate",
    "\u2067": "right-to-left isolate",
    "\u2068": "first-strong isolate",
    "\u2069": "pop directional isolate",
}
# What a hostile admin entry could look like: colours for a terminal, a bell, a name that
# reads backwards, and isolates around it.
DIRTY_NAME = "\u2066Ev\x1b[31me\x07\u202eniam\u2069\u2067\u2068"
CLEAN_NAME = "Ev[31meniam"


@pytest.fixture
def dirty_user(user):
    user.first_name = DIRTY_NAME
    user.save(update_fields=["first_name"])
    return user


@pytest.fixture
def phone(dirty_user):
    return PhoneNumberFactory(user=dirty_user, primary=True, number="+14155550123")


@pytest.fixture
def template():
    return MessageTemplate.objects.create(
        name="Greeting", body="Hi {first_name}, a test from {site_name}."
    )


def assert_clean(text):
    assert not [UNSAFE[char] for char in text if char in UNSAFE]
    assert not [char for char in text if ord(char) < 32 and char not in "\n\r\t"]


def test_the_queued_sms_carries_the_name_without_its_control_characters(
    user_client, phone, template, committed, sms_outbox
):
    data = {"phone": phone.pk, "template": template.pk, "body": ""}
    with committed():
        response = user_client.post(reverse("smstest:send"), data, **HTMX)

    assert response.status_code == 200
    message = Message.objects.get()
    assert message.body == f"Hi {CLEAN_NAME}, a test from Phonebook."
    assert_clean(message.body)
    info = analyse(message.body)
    assert (message.encoding, message.segments) == (info.encoding, info.segments) == ("GSM-7", 1)
    [sent] = sms_outbox
    assert sent.body == message.body
    assert_clean(response.content.decode())


@pytest.mark.parametrize("char", UNSAFE, ids=UNSAFE.values())
def test_each_unsafe_character_is_left_out_of_the_sms(char, user_client, user, template, committed):
    user.first_name = f"Ad{char}a"
    user.save(update_fields=["first_name"])
    phone = PhoneNumberFactory(user=user, primary=True, number="+14155550124")
    data = {"phone": phone.pk, "template": template.pk, "body": ""}
    with committed():
        user_client.post(reverse("smstest:send"), data, **HTMX)
    assert Message.objects.get().body == "Hi Ada, a test from Phonebook."


def test_the_counter_measures_the_cleaned_text(user_client, phone, template):
    response = user_client.get(
        reverse("smstest:preview"),
        {"phone": phone.pk, "template": template.pk, "body": ""},
        **HTMX,
    )

    html = response.content.decode()
    clean = f"Hi {CLEAN_NAME}, a test from Phonebook."
    # The raw name would have made it UCS-2 (the overrides are not GSM-7) and longer. The
    # "[" left of the escape sequence is a GSM-7 extension character: two units.
    assert f"{len(clean)} characters ([ counts as 2) · GSM-7 · 1 segment" in html
    assert_clean(html)


def test_the_template_renders_the_same_cleaned_text_everywhere(dirty_user, phone, template):
    text = template.render(user=dirty_user, number_display=phone.display)
    assert text == f"Hi {CLEAN_NAME}, a test from Phonebook."


def test_the_rest_of_a_name_is_kept_as_it_is(user_client, user, template, committed):
    user.first_name = "Zoë Łukasz 李"
    user.save(update_fields=["first_name"])
    phone = PhoneNumberFactory(user=user, primary=True, number="+14155550125")
    data = {"phone": phone.pk, "template": template.pk, "body": ""}
    with committed():
        user_client.post(reverse("smstest:send"), data, **HTMX)
    assert Message.objects.get().body == "Hi Zoë Łukasz 李, a test from Phonebook."


@pytest.mark.parametrize("char", UNSAFE, ids=UNSAFE.values())
def test_a_custom_message_with_an_unsafe_character_is_still_refused(
    char, user_client, phone, committed, sms_outbox
):
    data = {"phone": phone.pk, "template": "custom", "body": f"Hello{char} there"}
    with committed():
        response = user_client.post(reverse("smstest:send"), data, **HTMX)

    html = response.content.decode()
    error = html[html.index('id="id_body_error"') :]
    assert error[: error.index("</ul>")].endswith(f"<li>{UNSAFE_CHARACTERS_ERROR}</li>")
    assert not Message.objects.exists()
    assert sms_outbox == []


def test_a_custom_message_keeps_newlines_and_tabs(user_client, phone, committed, sms_outbox):
    data = {"phone": phone.pk, "template": "custom", "body": "Line one\nLine\ttwo"}
    with committed():
        user_client.post(reverse("smstest:send"), data, **HTMX)
    assert Message.objects.get().body == "Line one\nLine\ttwo"
