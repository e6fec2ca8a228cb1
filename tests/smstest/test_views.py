"""The SMS-testing panel, the live status card, retry and history, as HTML."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_htmx.http import HTMX_STOP_POLLING

from sms.models import Message, Status
from smstest.models import MessageTemplate
from tests.factories import MessageFactory, PhoneNumberFactory

from .helpers import message_url

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def phone(user):
    return PhoneNumberFactory(user=user, primary=True, number="+14155550123")


@pytest.fixture
def template():
    return MessageTemplate.objects.create(
        name="Plain", body="Hi {first_name}, test from {site_name}."
    )


def send(client, phone, template="custom", body="Hello there", **extra):
    data = {"phone": phone.pk, "template": template, "body": body}
    return client.post(reverse("smstest:send"), data, **extra)


def test_panel_explains_how_to_verify_when_no_number_is_verified(user_client, user):
    PhoneNumberFactory(user=user)  # pending only
    html = user_client.get(reverse("smstest:panel"), **HTMX).content.decode()
    assert "Test messages go only to numbers you have verified" in html
    assert "Send test message" not in html


def test_panel_offers_only_own_verified_numbers_with_primary_selected(user_client, user, phone):
    PhoneNumberFactory(user=user, number="+14155550177")  # pending
    PhoneNumberFactory(verified=True, number="+14155550188")  # someone else's
    html = user_client.get(reverse("smstest:panel"), **HTMX).content.decode()
    assert f'<option value="{phone.pk}" selected>' in html
    assert "555-0177" not in html and "555-0188" not in html
    assert "<html" not in html


def test_sending_custom_text_queues_and_sends_it_after_commit(
    user_client, phone, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = send(user_client, phone, body="Ünïcode ok? 👋")
    message = Message.objects.get()
    assert response.status_code == 302
    assert response.url == message_url(message)
    assert message.encoding == "UCS-2"
    assert message.status == Status.QUEUED
    assert [sms.body for sms in sms_outbox] == ["Ünïcode ok? 👋"]


def test_sending_with_htmx_returns_the_panel_with_the_polling_card(
    user_client, phone, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = send(user_client, phone, **HTMX)
    html = response.content.decode()
    message = Message.objects.get()
    assert response.status_code == 200
    assert 'id="sms-testing"' in html
    assert f'id="message-{message.pk}"' in html
    assert 'hx-trigger="every 2s"' in html
    assert 'aria-live="polite"' in html
    assert "<html" not in html
    assert "sms-tests-changed" in response["HX-Trigger"]


def test_after_sending_a_template_the_form_keeps_the_number_and_the_template_with_its_text(
    user_client, user, phone, template
):
    other = PhoneNumberFactory(user=user, verified=True, number="+14155550124")
    text = template.render(user=user, number_display=other.display)
    response = send(user_client, other, template=template.pk, body=text, **HTMX)
    html = response.content.decode()
    assert f'<option value="{other.pk}" selected>' in html
    assert f'<option value="{template.pk}" selected>' in html
    assert f"{text}</textarea>" in html


def test_after_sending_custom_text_the_form_keeps_the_number_and_the_text(
    user_client, user, phone, template
):
    other = PhoneNumberFactory(user=user, verified=True, number="+14155550124")
    response = send(user_client, other, body="kept text", **HTMX)
    html = response.content.decode()
    assert f'<option value="{other.pk}" selected>' in html
    assert '<option value="custom" selected>' in html
    assert "kept text</textarea>" in html


def test_template_placeholders_are_filled(
    user_client, phone, template, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(user_client, phone, template=template.pk, body="")
    assert sms_outbox[0].body == "Hi Alice, test from Phonebook."


@pytest.mark.parametrize(
    ("body", "error"),
    [("", "Enter a message"), ("x" * 481, "480"), ("bell\x07", "control")],
)
def test_bad_custom_text_is_explained_next_to_the_field(user_client, phone, body, error):
    response = send(user_client, phone, body=body, **HTMX)
    html = response.content.decode()
    assert 'id="id_body_error"' in html
    assert error in html
    assert not Message.objects.exists()


def test_someone_elses_number_cannot_be_a_target(user_client, phone):
    stranger = PhoneNumberFactory(verified=True, number="+14155550199")
    response = send(user_client, stranger, **HTMX)
    assert 'id="id_phone_error"' in response.content.decode()
    assert not Message.objects.exists()


def test_over_quota_the_form_says_when_the_next_test_is_allowed(user_client, user, phone):
    for _ in range(3):
        MessageFactory(user=user, phone=phone)
    html = send(user_client, phone, **HTMX).content.decode()
    assert "The next test is allowed at" in html
    assert Message.objects.count() == 3


def test_preview_counts_characters_encoding_and_segments(user_client, phone):
    response = user_client.get(
        reverse("smstest:preview"),
        {"phone": phone.pk, "template": "custom", "body": "a" * 161},
        **HTMX,
    )
    html = response.content.decode()
    # Only the counter's text: it goes into the live region, which stays in place.
    assert html.strip().startswith("161 characters · GSM-7 · 2 segments")
    assert "<form" not in html and 'id="sms-counter"' not in html


def test_preview_over_quota_still_measures_the_chosen_template(user_client, user, phone, template):
    for _ in range(3):
        MessageFactory(user=user, phone=phone)
    text = template.render(user=user, number_display=phone.display)
    response = user_client.get(
        reverse("smstest:preview"),
        {"phone": phone.pk, "template": template.pk, "body": text, "template_text": text},
        **HTMX,
    )
    assert f"{len(text)} characters · GSM-7 · 1 segment" in response.content.decode()


def test_status_card_keeps_polling_until_final(user_client, user):
    message = MessageFactory(user=user, status=Status.SENT)
    response = user_client.get(message_url(message), **HTMX)
    assert response.status_code == 200
    assert 'hx-trigger="every 2s"' in response.content.decode()


def test_final_status_answers_286_to_stop_polling(user_client, user):
    message = MessageFactory(user=user, status=Status.DELIVERED)
    response = user_client.get(message_url(message), **HTMX)
    html = response.content.decode()
    assert response.status_code == HTMX_STOP_POLLING
    assert "every 2s" not in html
    assert "Delivered" in html
    assert "<html" not in html and 'class="message-live"' not in html


def test_message_page_without_htmx_is_a_full_page(user_client, user):
    message = MessageFactory(user=user, status=Status.DELIVERED)
    html = user_client.get(message_url(message)).content.decode()
    assert "<html" in html
    assert 'aria-label="Breadcrumb"' in html
    assert f'id="message-{message.pk}"' in html


def test_failed_card_explains_the_error_and_offers_retry(user_client, user):
    message = MessageFactory(user=user, status=Status.UNDELIVERED, error_code=30003)
    html = user_client.get(message_url(message), **HTMX).content.decode()
    assert "Error 30003" in html
    assert "https://www.twilio.com/docs/api/errors/30003" in html
    assert reverse("smstest:retry", args=[message.pk]) in html


def test_unknown_error_code_still_shows_code_and_twilio_message(user_client, user):
    message = MessageFactory(
        user=user, status=Status.FAILED, error_code=39999, error_message="Something odd"
    )
    html = user_client.get(message_url(message), **HTMX).content.decode()
    assert "39999" in html and "Something odd" in html


@pytest.mark.parametrize(
    ("status", "error_message", "shown"),
    [
        (Status.FAILED, "Could not connect to Twilio.", "Could not connect to Twilio."),
        (
            Status.FAILED,
            "The number is no longer verified on your account, so nothing was sent.",
            "no longer verified",
        ),
        (Status.UNDELIVERED, "", "Twilio gave no reason."),
    ],
)
def test_a_failure_without_an_error_code_still_says_why(
    user_client, user, status, error_message, shown
):
    message = MessageFactory(user=user, status=status, error_message=error_message)
    html = user_client.get(message_url(message), **HTMX).content.decode()
    assert "The message was not delivered" in html
    assert shown in html
    assert "twilio.com/docs" not in html


def test_a_card_waiting_ten_minutes_for_a_report_stops_polling_and_says_so(user_client, user):
    message = MessageFactory(user=user, status=Status.SENT)
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    response = user_client.get(message_url(message), **HTMX)
    html = response.content.decode()
    assert response.status_code == HTMX_STOP_POLLING
    assert "every 2s" not in html
    assert "No final report yet" in html


def test_a_message_never_picked_up_by_the_worker_says_so_after_ten_minutes(user_client, user):
    message = MessageFactory(user=user, status=Status.PENDING)
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    response = user_client.get(message_url(message), **HTMX)
    assert response.status_code == HTMX_STOP_POLLING
    assert "the sending worker may be stopped" in response.content.decode()


def test_reaching_a_final_status_tells_the_dashboard_counts_to_refresh(user_client, user):
    delivered = MessageFactory(user=user, status=Status.DELIVERED)
    sent = MessageFactory(user=user, status=Status.SENT)
    final = user_client.get(message_url(delivered), **HTMX)
    polling = user_client.get(message_url(sent), **HTMX)
    assert "sms-tests-changed" in final.headers["HX-Trigger"]
    assert "HX-Trigger" not in polling.headers


def test_retry_over_quota_with_htmx_keeps_the_card_and_says_when_allowed(
    user_client, user, settings
):
    settings.SMS_TESTS_PER_USER_PER_10_MINUTES = 1
    # Twilio took it (it has a SID) and reported it failed: it counts against the quota.
    failed = MessageFactory(
        user=user, status=Status.FAILED, error_code=30006, twilio_sid="SM" + "a" * 32
    )
    response = user_client.post(reverse("smstest:retry", args=[failed.pk]), **HTMX)
    html = response.content.decode()
    assert not Message.objects.filter(retry_of=failed).exists()
    assert 'class="message-live" aria-live="polite"' in html
    assert f'id="message-{failed.pk}"' in html
    assert "The next test is allowed at" in html
    assert 'role="alert"' in html


def test_retry_over_quota_without_htmx_shows_the_limit_on_the_message_page(
    user_client, user, settings
):
    settings.SMS_TESTS_PER_USER_PER_10_MINUTES = 1
    # Twilio took it (it has a SID) and reported it failed: it counts against the quota.
    failed = MessageFactory(
        user=user, status=Status.FAILED, error_code=30006, twilio_sid="SM" + "a" * 32
    )
    response = user_client.post(reverse("smstest:retry", args=[failed.pk]), follow=True)
    assert response.redirect_chain[-1][0] == message_url(failed)
    assert "The next test is allowed at" in response.content.decode()


def test_retry_with_htmx_replaces_the_card_with_the_new_message(
    user_client, user, sms_outbox, django_capture_on_commit_callbacks
):
    failed = MessageFactory(user=user, status=Status.FAILED, error_code=30006)
    with django_capture_on_commit_callbacks(execute=True):
        response = user_client.post(reverse("smstest:retry", args=[failed.pk]), **HTMX)
    retry = Message.objects.get(retry_of=failed)
    html = response.content.decode()
    assert f'id="message-{retry.pk}"' in html
    assert "retry of" in html
    assert len(sms_outbox) == 1


def test_retry_without_htmx_redirects_to_the_new_message(user_client, user):
    failed = MessageFactory(user=user, status=Status.UNDELIVERED, error_code=30003)
    response = user_client.post(reverse("smstest:retry", args=[failed.pk]))
    assert response.url == message_url(Message.objects.get(retry_of=failed))


def test_delivered_message_cannot_be_retried(user_client, user):
    message = MessageFactory(user=user, status=Status.DELIVERED)
    user_client.post(reverse("smstest:retry", args=[message.pk]))
    assert not Message.objects.filter(retry_of=message).exists()


@pytest.mark.parametrize(
    ("method", "name"), [("get", "smstest:message"), ("post", "smstest:retry")]
)
def test_other_users_messages_are_404(user_client, method, name):
    theirs = MessageFactory(status=Status.FAILED)
    response = getattr(user_client, method)(reverse(name, args=[theirs.pk]))
    assert response.status_code == 404


def test_history_lists_only_own_tests_newest_first_with_stats(user_client, user):
    old = MessageFactory(user=user, body="older one", status=Status.FAILED, error_code=30006)
    new = MessageFactory(user=user, body="newer one", status=Status.DELIVERED)
    new.delivered_at = new.created_at + timedelta(seconds=4)
    new.save()
    MessageFactory(body="not mine")
    html = user_client.get(reverse("smstest:history")).content.decode()
    assert html.index("newer one") < html.index("older one")
    assert "not mine" not in html
    assert "50%" in html  # one delivered of two finished
    assert "4.0 s" in html
    assert message_url(old) in html


def test_history_filters_by_status_and_returns_only_results_for_htmx(user_client, user):
    MessageFactory(user=user, body="was delivered", status=Status.DELIVERED)
    MessageFactory(user=user, body="has failed", status=Status.FAILED)
    response = user_client.get(reverse("smstest:history"), {"status": "failed"}, **HTMX)
    html = response.content.decode()
    assert 'id="history-results"' in html
    assert "has failed" in html and "was delivered" not in html
    assert "<html" not in html


def test_history_paginates_by_25(user_client, user):
    phone = PhoneNumberFactory(user=user, verified=True)
    MessageFactory.create_batch(30, user=user, phone=phone)
    html = user_client.get(reverse("smstest:history")).content.decode()
    assert html.count("<tr>") == 26  # header + 25
    assert "<span>Page 1</span>" in html and "page=2" in html


@pytest.mark.parametrize("name", ["send", "retry"])
def test_sms_posts_need_the_csrf_token(user, phone, name):
    from django.test import Client

    message = MessageFactory(user=user, phone=phone, status=Status.FAILED)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    target = reverse(f"smstest:{name}", **({"args": [message.pk]} if name == "retry" else {}))
    data = {"phone": phone.pk, "template": "custom", "body": "hi"}
    assert client.post(target, data, **HTMX).status_code == 403
    client.get(reverse("phones:manage"))
    token = client.cookies["csrftoken"].value
    assert client.post(target, data, HTTP_X_CSRFTOKEN=token, **HTMX).status_code == 200


NO_LONGER_VERIFIED = "This number is no longer verified on your account, so nothing was sent."


def lose(phone, how):
    if how == "taken_over":
        phone.lose_verification()
    else:
        phone.remove()


@pytest.mark.parametrize("how", ["taken_over", "removed"])
def test_retry_to_a_number_no_longer_verified_is_refused_with_htmx(
    user_client, user, phone, committed, sms_outbox, how
):
    failed = MessageFactory(user=user, phone=phone, status=Status.UNDELIVERED, error_code=30003)
    lose(phone, how)

    with committed():
        response = user_client.post(reverse("smstest:retry", args=[failed.pk]), **HTMX)
    html = response.content.decode()

    assert response.status_code == 200
    assert f'id="message-{failed.pk}"' in html
    assert NO_LONGER_VERIFIED in html
    assert 'role="alert"' in html
    assert not Message.objects.filter(retry_of=failed).exists()
    assert sms_outbox == []


def test_retry_to_a_number_no_longer_verified_is_refused_without_htmx(
    user_client, user, phone, committed, sms_outbox
):
    failed = MessageFactory(user=user, phone=phone, status=Status.UNDELIVERED, error_code=30003)
    lose(phone, "taken_over")

    with committed():
        response = user_client.post(reverse("smstest:retry", args=[failed.pk]), follow=True)

    assert response.redirect_chain[-1][0] == message_url(failed)
    assert NO_LONGER_VERIFIED in response.content.decode()
    assert not Message.objects.filter(retry_of=failed).exists()
    assert sms_outbox == []
