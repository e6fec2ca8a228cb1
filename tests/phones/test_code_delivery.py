"""A code's SMS after the click: queued in the request, sent by a worker after the commit,
followed on the row until it reaches an outcome, and never sent where it may no longer go."""

import logging
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from phones.models import PhoneNumber
from sms.models import Message, StaffAlert
from sms.tasks import send_message
from tests.factories import PhoneNumberFactory
from tests.sms.fake_twilio import created, error

from .conftest import HTMX, TransactionWatchingSender, words

pytestmark = pytest.mark.django_db

MANAGE = "/dashboard/phone-management/"
ADD = reverse("phones:add")
GB_MOBILE = "+447911123456"
SITE_TROUBLE = "We could not send the code. We are looking into it; please try again later."


def url(name, phone):
    return reverse(f"phones:{name}", args=[phone.pk])


def add(client, **extra):
    data = {"number": "+1 206 555 0101", "label": "", "region": "US"}
    return client.post(ADD, data, **extra)


def delivery_text(html):
    """The code's delivery line on a row or in the polled fragment, tags stripped."""
    line = re.search(r'<p class="code-delivery".*?</p>', html, re.DOTALL)
    assert line, "the row shows no delivery state"
    return " ".join(re.sub(r"<[^>]+>", " ", line.group()).split())


def row_html(client, phone):
    response = client.get(url("row", phone), **HTMX)
    assert response.status_code == 200
    return response.content.decode()


# (a) The request only queues the code; the worker sends it once the request has committed.


def test_add_number_answers_before_anything_is_sent_then_the_worker_sends_one_sms(
    user_client, user, committed, sms_outbox
):
    with committed():
        response = add(user_client, **HTMX)
        # The answer is out and the transaction is not committed yet: nothing sent.
        assert sms_outbox == []
        message = Message.objects.get()
        assert message.status == Message.Status.PENDING
        html = response.content.decode()
        assert "We are sending a code to (206) 555-0101. Enter it below." in html
        assert delivery_text(html) == "Sending code Sending the code…"

    [sms] = sms_outbox
    assert sms.to == "+12065550101"
    message.refresh_from_db()
    assert message.twilio_sid == sms.sid and message.status == Message.Status.QUEUED
    assert user.phone_numbers.get().code_message == message


def test_send_code_answers_before_anything_is_sent_then_the_worker_sends_one_sms(
    user_client, phone, committed, sms_outbox
):
    with committed():
        response = user_client.post(url("send_code", phone), **HTMX)
        assert sms_outbox == []
        assert "We are sending a code to (206) 555-0101." in response.content.decode()

    [sms] = sms_outbox
    assert sms.to == "+12065550101"
    assert Message.objects.get().twilio_sid == sms.sid


def test_without_javascript_send_code_also_sends_only_after_the_commit(
    user_client, phone, committed, sms_outbox
):
    with committed():
        response = user_client.post(url("send_code", phone))
        assert response.status_code == 302 and sms_outbox == []
    assert len(sms_outbox) == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("action", ["add", "send_code"])
def test_the_code_sms_is_never_sent_inside_the_requests_transaction(
    user_client, user, settings, action
):
    # No test transaction around the request here: its commits are real, as in production.
    settings.SMS_SENDER = "tests.phones.conftest.TransactionWatchingSender"
    TransactionWatchingSender.seen.clear()
    if action == "add":
        response = add(user_client, **HTMX)
    else:
        phone = PhoneNumber.objects.create_for(user, "+12065550101")
        response = user_client.post(url("send_code", phone), **HTMX)

    assert response.status_code == 200
    # Sent once, with the connection in autocommit and outside every atomic block: the
    # Message row and the code's hash were committed before the provider was called.
    assert TransactionWatchingSender.seen == [{"in_atomic_block": False, "autocommit": True}]
    message = Message.objects.get()
    assert message.status == Message.Status.QUEUED


# (b) The row follows the SMS: the page polls the code's delivery state until it is final.


def test_the_code_row_follows_the_sms_from_sending_to_sent_to_delivered(
    user_client, phone, committed, sms_outbox, clock
):
    delivery = url("code_delivery", phone)
    with committed():
        phone.start_verification()
        waiting = user_client.get(delivery, **HTMX)  # the worker has not picked it up
    assert waiting.status_code == 200
    html = waiting.content.decode()
    assert html.lstrip().startswith(f'<div class="code-state" id="code-delivery-{phone.pk}"')
    assert "<html" not in html and "<li" not in html  # only the line, not the row or page
    phone.refresh_from_db()
    poll = f"{delivery}?seen={phone.code_delivery_version}"
    assert f'hx-get="{poll}" hx-trigger="every 2s" hx-swap="outerHTML"' in html
    assert delivery_text(html) == "Sending code Sending the code…"

    # Twilio has it (queued): still on its way to the carrier.
    queued = user_client.get(delivery, **HTMX)
    assert queued.status_code == 200
    assert delivery_text(queued.content.decode()) == "Sending code Sending the code…"

    [sms] = sms_outbox
    Message.objects.record_status_report({"MessageSid": sms.sid, "MessageStatus": "sent"})
    sent = user_client.get(delivery, **HTMX)
    assert sent.status_code == 200
    assert 'hx-trigger="every 2s"' in sent.content.decode()
    assert delivery_text(sent.content.decode()) == (
        "Code sent The code is on its way to your phone."
    )

    clock.shift(timedelta(seconds=8))
    Message.objects.record_status_report({"MessageSid": sms.sid, "MessageStatus": "delivered"})
    delivered = user_client.get(delivery, **HTMX)
    assert delivered.status_code == 286  # htmx: swap this in and stop polling
    html = delivered.content.decode()
    assert 'hx-trigger="every 2s"' not in html
    # Only the code's countdown asks again, when the code expires.
    assert re.findall(r'hx-trigger="([^"]*)"', html) == ["countdown-end"]
    assert '<span class="badge badge-ok">Code delivered</span>' in html
    assert '<time datetime="2026-03-02T12:00:08+00:00">12:00:08</time>' in html
    assert delivery_text(html) == "Code delivered The code was delivered. 12:00:08"


def test_the_page_shows_the_code_line_polling_while_the_sms_is_on_its_way(
    user_client, phone, send_code
):
    send_code(phone)
    html = user_client.get(MANAGE).content.decode()
    phone.refresh_from_db()
    poll = f"{url('code_delivery', phone)}?seen={phone.code_delivery_version}"
    assert f'hx-get="{poll}" hx-trigger="every 2s"' in html
    assert delivery_text(html) == "Sending code Sending the code…"


def test_a_code_whose_sms_was_refused_is_not_said_to_be_sent(
    user_client, phone, refusing_sender, committed
):
    with committed():
        user_client.post(url("send_code", phone), **HTMX)

    html = row_html(user_client, phone)
    assert delivery_text(html).startswith("Code not delivered The code was not sent")
    meta = re.search(r'<p class="item-meta">(.*?)</p>', html, re.DOTALL).group(1)
    assert "Code sent" not in meta


def test_a_refused_code_stops_the_polling_with_its_reason(
    user_client, phone, refusing_sender, committed
):
    with committed():
        phone.start_verification()
    response = user_client.get(url("code_delivery", phone), **HTMX)
    assert response.status_code == 286
    assert "Code not delivered</span>" in response.content.decode()


def test_a_code_with_no_news_for_ten_minutes_stops_the_polling(
    user_client, phone, send_code, clock
):
    send_code(phone)
    clock.shift(timedelta(minutes=9, seconds=59))
    assert user_client.get(url("code_delivery", phone), **HTMX).status_code == 200
    clock.shift(timedelta(seconds=2))
    response = user_client.get(url("code_delivery", phone), **HTMX)
    assert response.status_code == 286
    assert "hx-get" not in response.content.decode()


def test_a_number_without_a_code_answers_stop_polling_with_what_to_do(user_client, phone):
    response = user_client.get(url("code_delivery", phone), **HTMX)
    assert response.status_code == 286
    html = response.content.decode()
    assert "Not verified yet: send a code to it." in html
    assert "hx-get" not in html and 'code-delivery"' not in html


def test_without_htmx_the_code_delivery_url_redirects_to_the_row(user_client, phone, send_code):
    send_code(phone)
    response = user_client.get(url("code_delivery", phone))
    assert response.status_code == 302
    assert response.url == f"{MANAGE}#phone-{phone.pk}"


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_someone_elses_code_delivery_is_not_found(
    user_client, other_user, send_code, htmx, sms_outbox
):
    theirs = PhoneNumberFactory(user=other_user, number="+12065550199")
    send_code(theirs)
    response = user_client.get(url("code_delivery", theirs), **(HTMX if htmx else {}))
    assert response.status_code == 404
    assert sms_outbox[0].body not in response.content.decode()


def test_the_code_delivery_url_needs_a_login(client, phone):
    response = client.get(url("code_delivery", phone), **HTMX)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


# (c) Twilio refuses the code: the real SDK against a local fake of Twilio's API.


@pytest.fixture
def twilio(settings, fake_twilio):
    settings.SMS_SENDER = "sms.senders.twilio.TwilioSender"
    settings.ADMINS = [("Ops", "ops@example.com")]
    return fake_twilio


@pytest.fixture
def request_code(user_client, phone, committed):
    """Click "Send code" on the number; the worker sends it after the commit. Returns the
    row as it then reads."""

    def request_code():
        with committed():
            response = user_client.post(url("send_code", phone), **HTMX)
        assert response.status_code == 200
        return row_html(user_client, phone)

    return request_code


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (
            21610,
            "The code was not sent: this number has opted out of our texts (it once replied "
            "STOP). Text START to +15005550006 from this phone, then send a new code.",
        ),
        (
            21211,
            "The code was not sent: Twilio says the number is not a valid phone number. Check "
            "the number on your phone-management page; delete it and add it again if a digit "
            "is wrong.",
        ),
        (
            21614,
            "The code was not sent: Twilio says this number cannot receive SMS, usually because "
            "it is a landline. Use a mobile number.",
        ),
    ],
)
def test_a_code_twilio_refuses_for_the_number_says_why_on_the_row(
    twilio, request_code, phone, mailoutbox, code, words
):
    twilio.reply(error(400, code, "Twilio's own words"))

    html = request_code()

    [request] = twilio.requests
    assert request.fields["To"] == "+12065550101"
    assert delivery_text(html) == f"Code not delivered {words}"
    assert "looking into it" not in html
    assert mailoutbox == []  # the number's problem, not the site's
    message = Message.objects.get()
    assert message.status == Message.Status.FAILED and message.error_code == code


@pytest.mark.parametrize(
    ("http_status", "code"), [(401, 20003), (400, 21408), (400, 21606), (400, 21608), (400, 21659)]
)
def test_a_site_set_up_error_never_blames_the_number_and_alerts_staff(
    twilio, request_code, mailoutbox, caplog, http_status, code
):
    twilio.reply(error(http_status, code, "Twilio's own words"))

    with caplog.at_level(logging.ERROR, logger="sms.models"):
        html = request_code()

    text = delivery_text(html)
    assert text == f"Code not delivered {SITE_TROUBLE}"
    for blame in ("number", "opted out", "not valid", "landline", "cannot receive"):
        assert blame not in text
    [logged] = [r for r in caplog.records if r.levelno == logging.ERROR and r.name == "sms.models"]
    assert f"Twilio error {code}" in logged.getMessage()
    [mail] = mailoutbox
    assert mail.to == ["ops@example.com"]
    assert f"Twilio error {code}" in mail.subject
    assert f"https://www.twilio.com/docs/api/errors/{code}" in mail.body


def test_staff_are_mailed_at_most_once_an_hour_for_each_error_code(
    twilio, request_code, mailoutbox, caplog, clock
):
    def alerts():
        return [mail.subject.split("Twilio error ")[1][:5] for mail in mailoutbox]

    twilio.reply(error(400, 21408, "Permission to send an SMS has not been enabled"))
    assert delivery_text(request_code()).endswith(SITE_TROUBLE)
    assert alerts() == ["21408"]

    # A refused code gives its quota back: the person may try again at once.
    clock.shift(timedelta(minutes=59))
    twilio.reply(error(400, 21408, "Permission to send an SMS has not been enabled"))
    with caplog.at_level(logging.ERROR, logger="sms.models"):
        assert delivery_text(request_code()).endswith(SITE_TROUBLE)
    assert alerts() == ["21408"]  # mailed within the hour already
    assert any("Twilio error 21408" in r.getMessage() for r in caplog.records)  # still logged

    twilio.reply(error(400, 21606, "The 'From' phone number is not a valid SMS-capable number"))
    request_code()
    assert alerts() == ["21408", "21606"]  # another code is another alert

    clock.shift(timedelta(minutes=2))  # 61 minutes after the first 21408 mail
    twilio.reply(error(400, 21408, "Permission to send an SMS has not been enabled"))
    request_code()
    assert alerts() == ["21408", "21606", "21408"]
    assert len(twilio.requests) == 4
    assert StaffAlert.objects.count() == 2


def test_a_server_error_leaves_the_outcome_unknown_and_counts_against_the_quota(
    twilio, request_code, user_client, phone, mailoutbox, clock
):
    twilio.reply(error(500, 20500, "Internal Server Error"))

    html = request_code()

    assert delivery_text(html) == (
        "Outcome unknown We could not confirm whether the code was sent. If it has not "
        "arrived in a minute, send a new one."
    )
    assert Message.objects.get().status == Message.Status.UNKNOWN
    # Twilio may have sent it: it counts, so "Send code" waits out the cooldown.
    assert "Resend code in 60 s" in words(html)
    response = user_client.post(url("send_code", phone), **HTMX)
    assert "A code was just sent. You can request another in 1 minute." in (
        response.content.decode()
    )
    assert len(twilio.requests) == 1  # the 500 was not sent again, nor a new code
    assert mailoutbox == []


def test_a_code_twilio_refused_gives_its_quota_back_so_a_new_one_goes_at_once(twilio, request_code):
    twilio.reply(error(400, 21211, "The 'To' number is not a valid phone number."))
    html = request_code()
    assert delivery_text(html).startswith("Code not delivered The code was not sent")
    assert "Resend code in" not in html and "disabled" not in html

    twilio.reply(created(sid="SM" + "1" * 32))
    html = request_code()

    assert delivery_text(html) == "Sending code Sending the code…"
    assert len(twilio.requests) == 2
    latest = Message.objects.latest("created_at", "pk")
    assert latest.twilio_sid == "SM" + "1" * 32 and latest.status == Message.Status.QUEUED


# (d) Sending to the number's region was turned off after it was added.


@pytest.fixture
def gb_phone(user):
    """A UK mobile added while the site still texted the UK."""
    return PhoneNumber.objects.create_for(user, GB_MOBILE)


def test_a_number_whose_region_was_turned_off_is_sent_no_code(
    user_client, gb_phone, settings, committed, sms_outbox
):
    settings.PHONE_ALLOWED_REGIONS = ["US"]

    with committed():
        response = user_client.post(url("send_code", gb_phone), **HTMX)

    html = response.content.decode()
    assert (
        '<p class="notice notice-error" role="alert">'
        "SMS to United Kingdom are turned off on this site.</p>"
    ) in html
    assert sms_outbox == []
    assert not Message.objects.exists()
    # The row keeps saying why, with "Send code" disabled.
    page = user_client.get(MANAGE).content.decode()
    form = page[page.index(f'id="send-code-{gb_phone.pk}"') :]
    form = form[: form.index("</form>")]
    assert "disabled>" in form
    assert '<p class="field-help">SMS to United Kingdom are turned off on this site.</p>' in form


def test_a_code_queued_before_its_region_was_turned_off_is_not_sent_by_the_worker(
    user_client, gb_phone, settings, committed, sms_outbox
):
    with committed():
        message = gb_phone.start_verification()
        settings.PHONE_ALLOWED_REGIONS = ["US"]  # before the worker picks the code up

    assert sms_outbox == []
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.error_message == (
        "SMS to United Kingdom are turned off on this site. Nothing was sent."
    )
    assert message.twilio_sid is None
    text = delivery_text(row_html(user_client, gb_phone))
    assert text.startswith("Code not delivered")
    assert "SMS to United Kingdom are turned off on this site." in text


def test_a_code_stopped_because_its_region_was_turned_off_does_not_advise_a_new_one(
    user_client, gb_phone, settings, committed
):
    with committed():
        gb_phone.start_verification()
        settings.PHONE_ALLOWED_REGIONS = ["US"]

    text = delivery_text(row_html(user_client, gb_phone))
    assert text == (
        "Code not delivered The code was not sent: SMS to United Kingdom are turned off on "
        "this site."
    )


# (e) A number that leaves the account takes its unsent SMS with it.


def test_deleting_a_number_cancels_its_code_that_was_not_sent_yet(
    user_client, phone, committed, sms_outbox
):
    with committed():
        user_client.post(url("send_code", phone), **HTMX)
        message = Message.objects.get()
        response = user_client.post(url("delete", phone), **HTMX)
        assert response.status_code == 200

    assert sms_outbox == []  # the worker found it cancelled
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert "no longer verified" in message.error_message
    send_message.call(message.pk)  # a late or repeated run sends nothing either
    assert sms_outbox == []


def test_deleting_a_number_leaves_another_accounts_unsent_sms_to_it(
    phone, other_user, committed, sms_outbox
):
    theirs = PhoneNumberFactory(user=other_user, number=phone.number, verified=True)
    with committed():
        mine = phone.start_verification()
        their_test = Message.queue(
            user=other_user,
            purpose=Message.Purpose.TEST,
            to_number=theirs.number,
            body="Hello from Bob",
        )
        phone.remove()

    assert [sms.body for sms in sms_outbox] == ["Hello from Bob"]
    mine.refresh_from_db()
    their_test.refresh_from_db()
    assert mine.status == Message.Status.FAILED and "no longer verified" in mine.error_message
    assert their_test.status == Message.Status.QUEUED


def test_losing_a_number_to_a_takeover_cancels_this_accounts_unsent_sms_to_it(
    phone, other_user, send_code, committed, sms_outbox
):
    theirs = PhoneNumberFactory(user=other_user, number=phone.number, primary=True)
    code = send_code(phone)  # Alice's code reached her phone
    with committed():
        their_test = Message.queue(
            user=other_user,
            purpose=Message.Purpose.TEST,
            to_number=theirs.number,
            body="Hello from Bob",
        )
        assert phone.check_code(code) == theirs  # Alice proves the number is hers

    their_test.refresh_from_db()
    assert their_test.status == Message.Status.FAILED
    assert "no longer verified" in their_test.error_message
    assert len(sms_outbox) == 1 and "verification code" in sms_outbox[0].body
    theirs.refresh_from_db()
    assert not theirs.is_verified
