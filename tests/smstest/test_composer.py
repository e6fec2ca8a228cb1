"""The SMS panel opens ready to send: the first template, its text in the box. Picking a
template fills the box; editing the text makes it a custom message."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from sms.models import Message
from smstest.models import MessageTemplate
from tests.factories import PhoneNumberFactory

from .helpers import HTMX, form_fields, selected_option, textarea_text

pytestmark = pytest.mark.django_db

PANEL = reverse("smstest:panel")
SEND = reverse("smstest:send")
COMPOSE = reverse("smstest:compose")
PREVIEW = reverse("smstest:preview")


@pytest.fixture
def templates():
    """Only these two are active (the seeded ones are put aside), "Hello" first."""
    MessageTemplate.objects.update(is_active=False)
    return (
        MessageTemplate.objects.create(name="Hello", body="Hello {first_name}!", order=1),
        MessageTemplate.objects.create(
            name="To the number", body="This goes to {number}.", order=2
        ),
    )


@pytest.fixture
def phone(user):
    return PhoneNumberFactory(user=user, primary=True, number="+14155550123")


def panel_page(client):
    return client.get(PANEL).content.decode()


@pytest.mark.parametrize("htmx", [False, True], ids=["full-page", "htmx-fragment"])
def test_the_panel_opens_on_the_first_template_with_its_text_in_the_box(
    user_client, phone, templates, htmx
):
    html = user_client.get(PANEL, **(HTMX if htmx else {})).content.decode()

    assert selected_option(html, "template") == str(templates[0].pk)
    assert textarea_text(html) == "Hello Alice!"
    # The counter already measures it.
    assert "12 characters · GSM-7 · 1 segment · 148 characters left in this segment" in html


def test_sending_the_panel_as_it_opens_sends_the_first_template_in_one_click(
    user_client, phone, templates, committed, sms_outbox
):
    data = form_fields(panel_page(user_client), SEND)

    with committed():
        response = user_client.post(SEND, data)

    assert response.status_code == 302
    assert [sms.body for sms in sms_outbox] == ["Hello Alice!"]


def test_without_active_templates_the_panel_opens_on_custom_message_with_an_empty_box(
    user_client, phone
):
    MessageTemplate.objects.update(is_active=False)

    html = panel_page(user_client)

    assert selected_option(html, "template") == "custom"
    assert textarea_text(html) == ""
    assert "Plain text (GSM-7): 160 characters in one SMS" in html


def test_picking_a_template_with_htmx_puts_its_text_in_the_box(user_client, phone, templates):
    response = user_client.get(
        COMPOSE,
        {
            "phone": phone.pk,
            "template": templates[1].pk,
            "body": "Hello Alice!",
            "template_text": "Hello Alice!",
        },
        **HTMX,
    )
    html = response.content.decode()

    assert response.status_code == 200
    assert html.lstrip().startswith('<div class="composer" id="sms-composer"')
    assert textarea_text(html) == "This goes to (415) 555-0123."
    assert 'name="template_text" value="This goes to (415) 555-0123."' in html
    assert "28 characters · GSM-7 · 1 segment" in html
    assert "<html" not in html


def test_changing_the_number_fills_the_template_in_again_for_that_number(
    user_client, user, phone, templates
):
    work = PhoneNumberFactory(user=user, verified=True, number="+14155550145")
    response = user_client.get(
        COMPOSE,
        {"phone": work.pk, "template": templates[1].pk, "body": "This goes to (415) 555-0123."},
        **HTMX,
    )

    assert textarea_text(response.content.decode()) == "This goes to (415) 555-0145."


def test_picking_custom_message_leaves_the_text_as_it_is(user_client, phone, templates):
    response = user_client.get(
        COMPOSE, {"phone": phone.pk, "template": "custom", "body": "typed meanwhile"}, **HTMX
    )

    # 204: htmx swaps nothing, so nothing typed since is lost.
    assert response.status_code == 204


def test_without_javascript_picking_another_template_sends_that_template(
    user_client, phone, templates, committed, sms_outbox
):
    data = form_fields(panel_page(user_client), SEND)
    assert data["body"] == "Hello Alice!"
    data["template"] = str(templates[1].pk)  # the select changed; the box did not follow

    with committed():
        user_client.post(SEND, data)

    assert [sms.body for sms in sms_outbox] == ["This goes to (415) 555-0123."]


def test_editing_the_template_text_sends_it_as_a_custom_message(
    user_client, phone, templates, committed, sms_outbox
):
    data = form_fields(panel_page(user_client), SEND)
    data["body"] = "Hello Alice! And one more line."

    with committed():
        response = user_client.post(SEND, data, **HTMX)
    html = response.content.decode()

    assert [sms.body for sms in sms_outbox] == ["Hello Alice! And one more line."]
    # Kept for the next send, as what it now is.
    assert selected_option(html, "template") == "custom"
    assert textarea_text(html) == "Hello Alice! And one more line."


def test_edited_template_text_is_checked_like_custom_text_and_the_form_says_custom(
    user_client, phone, templates
):
    data = form_fields(panel_page(user_client), SEND)
    data["body"] = "Hello Alice!\x07"

    html = user_client.post(SEND, data).content.decode()

    assert "Remove the control characters" in html
    assert selected_option(html, "template") == "custom"
    assert textarea_text(html) == "Hello Alice!\x07"
    assert not Message.objects.exists()


def test_an_emptied_box_without_javascript_sends_the_chosen_template(
    user_client, phone, templates, committed, sms_outbox
):
    data = form_fields(panel_page(user_client), SEND)
    data["body"] = ""

    with committed():
        user_client.post(SEND, data)

    assert [sms.body for sms in sms_outbox] == ["Hello Alice!"]


def test_an_emptied_box_as_a_custom_message_is_refused(user_client, phone, templates):
    html = user_client.post(
        SEND, {"phone": phone.pk, "template": "custom", "body": ""}, **HTMX
    ).content.decode()

    assert "Enter a message to send." in html
    assert not Message.objects.exists()


def test_a_template_with_the_time_filled_in_a_minute_ago_still_counts_as_unedited(
    user_client, phone, templates, committed, sms_outbox
):
    timed = MessageTemplate.objects.create(name="Timed", body="Sent at {time}.", order=0)
    shown_at = datetime.now(UTC).replace(second=50)
    with time_machine.travel(shown_at, tick=False):
        data = form_fields(panel_page(user_client), SEND)
    assert data["template"] == str(timed.pk)

    with time_machine.travel(shown_at + timedelta(seconds=15), tick=False), committed():
        user_client.post(SEND, data)

    # The template went out, its time filled in when it was sent.
    assert len(sms_outbox) == 1
    assert sms_outbox[0].body != data["body"]
    assert sms_outbox[0].body.startswith("Sent at ")


def test_line_breaks_posted_as_cr_lf_are_sent_as_one_character(
    user_client, phone, templates, committed, sms_outbox
):
    with committed():
        user_client.post(SEND, {"phone": phone.pk, "template": "custom", "body": "one\r\ntwo"})

    assert [sms.body for sms in sms_outbox] == ["one\ntwo"]
    assert Message.objects.get().body == "one\ntwo"


def test_typing_over_the_template_text_switches_the_template_choice_to_custom(
    user_client, phone, templates
):
    response = user_client.get(
        PREVIEW,
        {
            "phone": phone.pk,
            "template": templates[0].pk,
            "body": "Hello Alice! Edited",
            "template_text": "Hello Alice!",
        },
        **HTMX,
    )
    html = response.content.decode()

    assert html.lstrip().startswith("19 characters · GSM-7")
    # Out of band: the template select now says what will be sent.
    assert 'id="sms-template-choice" hx-swap-oob="innerHTML"' in html
    assert selected_option(html, "template") == "custom"


def test_the_counter_leaves_the_template_choice_alone_while_the_text_is_unedited(
    user_client, phone, templates
):
    response = user_client.get(
        PREVIEW,
        {
            "phone": phone.pk,
            "template": templates[0].pk,
            "body": "Hello Alice!",
            "template_text": "Hello Alice!",
        },
        **HTMX,
    )
    html = response.content.decode()

    assert html.lstrip().startswith("12 characters · GSM-7")
    assert "hx-swap-oob" not in html


def test_the_panel_wires_the_template_and_number_to_the_message_box(user_client, phone, templates):
    html = user_client.get(PANEL, **HTMX).content.decode()

    # The element that asks stays in place and replaces the box inside it: a second change
    # while the first answer is on its way is queued, not dropped with a replaced element.
    wrapper = re.search(r'<div hx-get="' + COMPOSE + r'"([^>]*)>', html)
    assert wrapper
    assert 'hx-trigger="change from:#sms-template-choice, change from:#id_phone"' in wrapper.group(
        1
    )
    assert 'hx-target="#sms-composer" hx-swap="outerHTML"' in wrapper.group(1)
    assert '<div class="composer" id="sms-composer">' in html
    # The template choice is switched inside its wrapper, which the trigger above listens to.
    assert '<div class="template-choice" id="sms-template-choice">' in html
    assert f'hx-get="{PREVIEW}" hx-trigger="input from:#id_body delay:300ms"' in html
    # The counter is a live region that stays; only its text is swapped.
    assert 'id="sms-counter" aria-live="polite"' in html
    assert 'hx-target="#sms-counter" hx-swap="innerHTML"' in html


def test_the_message_box_help_says_editing_makes_it_your_own(user_client, phone, templates):
    html = panel_page(user_client)

    assert "Edit it to send your own text instead (up to 480 characters)." in html
    assert "Used when the template is" not in html


def test_a_number_in_the_url_that_is_not_yours_falls_back_to_your_primary_number(
    user_client, phone, templates
):
    stranger = PhoneNumberFactory(verified=True, number="+14155550199")
    response = user_client.get(COMPOSE, {"phone": stranger.pk, "template": templates[1].pk}, **HTMX)

    assert textarea_text(response.content.decode()) == "This goes to (415) 555-0123."
